"""Django's Redis cache, with one Redis client per connection pool.

Django's client builds a new ``redis.Redis`` for every cache call, and each one
builds its table of response callbacks (about two hundred entries). A page
reads the session, the position stamp's values and the login counters through
the cache several times, so the clients are kept instead: a ``redis.Redis`` is
safe to share between threads (every command takes a connection from its pool).
"""

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
