#!/usr/bin/env bash
# `make test`: the whole suite with every service it needs, and no silent skip.
#
# - Redis (the broker of the real-worker tests): CELERY_BROKER_URL if set; else
#   the server on 127.0.0.1:6379 if one answers; else a private redis-server on
#   a free port (installed from Debian's packages when missing), stopped at the end.
# - PostgreSQL (row locks for the race tests, a database a worker process can
#   share for the crash test): DATABASE_URL if set; else the server on
#   127.0.0.1:5432 if it answers; else the suite stops with the command to run.
# - REQUIRE_NO_SKIPS=1: a skipped test fails the run (tests/conftest.py).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
mkdir -p var

answers() {  # host port: does a TCP server answer?
  "$PY" - "$1" "$2" <<'PY'
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2).close()
except OSError:
    sys.exit(1)
PY
}

private_redis_pid=""
stop_private_redis() {
  if [ -n "$private_redis_pid" ]; then kill "$private_redis_pid" 2>/dev/null || true; fi
}
trap stop_private_redis EXIT

if [ -z "${CELERY_BROKER_URL:-}" ]; then
  if answers 127.0.0.1 6379; then
    export CELERY_BROKER_URL=redis://127.0.0.1:6379/15
  else
    if ! command -v redis-server >/dev/null; then
      echo "Installing redis-server for the worker tests…"
      (apt-get update -qq && apt-get install -y -qq redis-server >/dev/null) || {
        echo "redis-server is missing and could not be installed: apt-get install redis-server" >&2
        exit 1
      }
    fi
    port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
      --dir var --logfile var/test-redis.log &
    private_redis_pid=$!
    for _ in $(seq 1 50); do answers 127.0.0.1 "$port" && break; sleep 0.1; done
    answers 127.0.0.1 "$port" || { echo "The private redis-server did not start (var/test-redis.log)" >&2; exit 1; }
    export CELERY_BROKER_URL="redis://127.0.0.1:$port/15"
    echo "Started a private redis-server on port $port for the tests."
  fi
fi

if [ -z "${DATABASE_URL:-}" ]; then
  if answers 127.0.0.1 5432; then
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres
  else
    cat >&2 <<'MSG'
PostgreSQL does not answer on 127.0.0.1:5432. The race tests need its row locks
and the worker-crash test a database another process can share. Start it, e.g.
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
or point the suite at one:
  make test DATABASE_URL=postgres://user@host:5432/dbname
MSG
    exit 1
  fi
fi

echo "Tests on $DATABASE_URL, broker $CELERY_BROKER_URL"
export REQUIRE_NO_SKIPS=1
# PYTEST_ARGS is shell words, as typed: make test PYTEST_ARGS='-m "not e2e"'
eval ".venv/bin/pytest ${PYTEST_ARGS:-}"
