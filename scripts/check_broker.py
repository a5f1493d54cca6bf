"""Fail early, with a clear message, when CELERY_BROKER_URL names a broker that does not answer.

`make run` calls this before loading the demo (which enqueues today's reminders)
and starting the worker and beat. The default file-system broker needs no server.
"""

import os
import sys
from urllib.parse import urlsplit, urlunsplit


def redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def main() -> int:
    url = os.environ.get("CELERY_BROKER_URL", "").strip() or "filesystem://"
    if url.startswith(("filesystem://", "memory://")):
        print(f"Celery broker: {url} (no server needed)")
        return 0
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=3) as connection:
            connection.ensure_connection(max_retries=1, timeout=3)
    except Exception as error:  # any transport's connection error
        print(
            f"ERROR: the Celery broker at {redacted(url)} does not answer ({error}).\n"
            "Start it (for Redis: redis-server, or your service manager), or unset "
            "CELERY_BROKER_URL to use the file-system broker under var/.",
            file=sys.stderr,
        )
        return 1
    print(f"Celery broker: {redacted(url)} answers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
