"""Load test (`make load`, and part of `make bench`): capacity, and the login.

gunicorn with 2 workers of 4 threads (gthread), each worker with a listening
socket of its own (--reuse-port, as the README's deployment runs it), bound to
a free port on 127.0.0.1, DEBUG off, a random SECRET_KEY, hashed static files
collected into var/load/staticfiles and served by whitenoise, persistent database connections,
the bench's URLs in front of the project's (bench/settings.py). The database is
a dedicated PostgreSQL database, `huankuan_load`, created and dropped here,
when PostgreSQL answers at BENCH_LOAD_POSTGRES (default
postgres://postgres@127.0.0.1:5432/postgres); otherwise SQLite in WAL mode under
var/load/, and the capacity row fails, since its target is on PostgreSQL.

locust (headless, loopback only; bench/locustfile.py) runs 20 users, one seeded
borrower each, with its FastHttpUser: the client shares the two cores with the
server, and this one costs them far less per request than the requests-based
HttpUser, so that the figures measure the server rather than the client. They
arrive 2 a second and log in (Argon2): the login phase, measured on its own.
Then a closed loop with no think time, in blocks of 10 s that alternate (ABBA)
between browsing and the floor, the same users asking for their overview
rendered from a context built in advance, with no session and no query
(bench/urls.py ``floor``): 60 s of each.

Each block's figures are listed in order, with how many of the users'
connections each worker held (WorkerConnections, sampled once a second): a
client keeps its connection alive and stays with the worker that accepted it,
so the split of the users between the two workers can change from block to
block.

Targets: browsing req/s at least half the floor's; browsing p99 <= 300 ms; no
error (a status outside 2xx/3xx, a page that sends the user to log in or lacks
what it must show, a connection error, a traceback in gunicorn's log); a
login's p50 <= 300 ms. The Argon2 check alone, timed here before gunicorn
starts, is the login's baseline.

    python -m bench.load [--users 20] [--seconds 60] [--json PATH]
"""

import argparse
import csv
import json
import math
import os
import pickle
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
VAR = BASE_DIR / "var" / "load"
USERS = int(os.environ.get("BENCH_LOAD_USERS", "20"))
# Seconds of browsing in the measured window, and as many of the floor.
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "60"))
BLOCK_SECONDS = int(os.environ.get("BENCH_LOAD_BLOCK_SECONDS", "10"))
WORKERS = 2
THREADS = 4
DEBTS_PER_USER = 5
DATABASE_NAME = "huankuan_load"
ADMIN_URL = os.environ.get("BENCH_LOAD_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
# The cache the web processes share, as the README's production section asks for
# more than one process (sessions, kept positions, rate limits); emptied first.
REDIS_URL = os.environ.get("BENCH_LOAD_REDIS", "redis://127.0.0.1:6379/12")
PASSWORD = "load-password-2026"
EMAIL = "load{n}@load.example"
SPAWN_RATE = 2  # users a second while they arrive and log in
CAPACITY_RATIO = 0.5  # browsing req/s against the floor's, at least
P99_LIMIT_MS = 300
LOGIN_P50_LIMIT_MS = 300
HASH_ROUNDS = 15
# Names given by bench/locustfile.py.
LOGIN_NAME = "log in"
FLOOR_NAME = "floor (overview, no query)"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def create_postgres(name: str) -> tuple[str, str]:
    """A fresh PostgreSQL database ``name`` (dropped first if left over): its URL
    and the server's version. Raises psycopg.OperationalError when PostgreSQL
    does not answer."""
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
        version = conn.execute("SHOW server_version").fetchone()[0].split()[0]
    return urlunsplit(urlsplit(ADMIN_URL)._replace(path=f"/{name}")), version


def drop_postgres(name: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


class Database:
    """The dedicated PostgreSQL database, or SQLite (WAL) when PostgreSQL is not reachable."""

    def __init__(self):
        import psycopg

        try:
            self.url, version = create_postgres(DATABASE_NAME)
        except psycopg.OperationalError as error:
            self.postgres = False
            self.path = VAR / "load.sqlite3"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            with sqlite3.connect(self.path) as conn:  # WAL is a property of the file
                mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            assert mode == "wal", mode
            self.url = f"sqlite:///{self.path}"
            self.short = f"SQLite {sqlite3.sqlite_version} WAL (PostgreSQL not reachable)"
            self.label = (
                f"SQLite {sqlite3.sqlite_version}, WAL "
                f"(PostgreSQL not reachable: {str(error).strip().splitlines()[0]})"
            )
        else:
            self.postgres = True
            self.short = f"PostgreSQL {version}"
            self.label = f"PostgreSQL {version}, database {DATABASE_NAME}"

    def drop(self):
        if self.postgres:
            drop_postgres(DATABASE_NAME)


def shared_cache() -> tuple[str, str]:
    """Redis at REDIS_URL, emptied (its URL and a label), or the per-process cache
    when Redis does not answer (a label that says so)."""
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_timeout=5, socket_connect_timeout=3)
        client.flushdb()
        version = client.info("server").get("redis_version", "?")
    except redis.RedisError as error:
        return "", f"a cache per process (Redis not reachable at {REDIS_URL}: {error})"
    return REDIS_URL, f"Redis {version} shared by the web processes ({REDIS_URL})"


def server_environment(database: Database, cache_url: str = "") -> dict:
    env = dict(os.environ)
    env.pop("CACHE_URL", None)
    env["REDIS_URL"] = cache_url
    env.update(
        {
            # The project's settings with the bench's URLs (the floor view) in front.
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": database.url,
            "CONN_MAX_AGE": "60",
            "VAR_DIR": str(VAR),
            "MEDIA_ROOT": str(VAR / "media"),
            "STATIC_MANIFEST": "true",
            # Plain HTTP on loopback: cookies cannot be Secure-only here.
            "SECURE_HTTPS": "false",
            "SECURE_SSL_REDIRECT": "false",
            # Nothing the users do sends email; no worker is needed.
            "CELERY_BROKER_URL": "memory://",
            "LOG_LEVEL": "WARNING",
            "BENCH_FLOOR_CONTEXT": str(VAR / "floor.pickle"),
        }
    )
    return env


def prepare(env: dict, users: int) -> dict:
    """Migrate, collect the static files, seed ``users`` borrowers, build the
    floor's contexts and time the password check alone (in this process)."""
    os.environ.update(env)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    password = seed(users)
    write_floor_contexts(users, Path(env["BENCH_FLOOR_CONTEXT"]))
    floor_check = check_floor()
    hashing = time_password_check(password)
    from django.db import connections

    connections.close_all()
    return {"floor_check": floor_check, **hashing}


def seed(users: int) -> str:
    """``users`` borrowers with 5 debts and an agreed plan each; returns the password hash."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from borrowers.models import Borrower, Debt, HardshipReason, ProductProfile, User
    from repayment_plans.models import Proposal
    from repayment_plans.plans import services as plan_services
    from repayment_plans.position import load as position_load

    today = timezone.localdate()
    password = make_password(PASSWORD)  # one hash for all: hashing is timed apart
    profiles = list(ProductProfile.objects.order_by("pk"))
    with transaction.atomic():
        for n in range(users):
            user = User.objects.create(email=EMAIL.format(n=n), password=password)
            borrower = Borrower.objects.create(
                user=user,
                display_name=f"用户{n}",
                monthly_net_income=Decimal("9000"),
                rent=Decimal("2000"),
                food=Decimal("1500"),
                transport=Decimal("300"),
                hardship_reason=HardshipReason.INCOME_CUT,
                budget_updated_at=timezone.now(),
            )
            debts = []
            for k in range(DEBTS_PER_USER):
                profile = profiles[(n + k) % len(profiles)]
                debts.append(
                    Debt.objects.create(
                        borrower=borrower,
                        profile=profile,
                        lender_name=profile.default_lender or "某银行",
                        nickname=f"借款{k + 1}",
                        principal=Decimal("4000") + 1500 * k,
                        interest=Decimal("150"),
                        annual_rate_percent=Decimal("18.25"),
                        first_missed_date=today - timedelta(days=10 + 17 * k + n),
                    )
                )
            # An agreed plan on the first debt, so the timeline and the plan pages have one.
            proposal = Proposal.objects.create(
                borrower=borrower,
                lender_name=debts[0].lender_name,
                months=12,
                first_due_date=today + timedelta(days=5),
                status=Proposal.Status.ACCEPTED,
            )
            proposal.debts.set(debts[:1])
            plan_services.create_plan(
                proposal,
                amount=position_load.amount_to_repay(debts[:1], proposal.ask_waive_penalty),
                months=proposal.months,
                first_due=proposal.first_due_date,
                method=proposal.method,
                annual_percent=proposal.annual_percent,
                good_faith=proposal.good_faith_amount,
            )
    return password


def write_floor_contexts(users: int, path: Path) -> None:
    """Each user's overview as the dashboard view builds it, with the header's
    user and bell, pickled for the floor view (bench/urls.py)."""
    from django.utils import timezone

    from borrowers.debts.views import build_overview
    from borrowers.models import User

    today = timezone.localdate()
    contexts = []
    for n in range(users):
        # As the signed-in user is read for every request (borrowers/accounts/backends.py).
        user = User.objects.select_related("borrower__position_stamp", "counselor").get(
            email=EMAIL.format(n=n)
        )
        contexts.append(
            {
                "overview": build_overview(user.borrower, today),
                "borrower": user.borrower,
                "user": user,
                "unread_notifications": 0,
            }
        )
    path.write_bytes(pickle.dumps(contexts))


def check_floor() -> str:
    """The floor view through Django's test client: the page, and not one query."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = Client(HTTP_HOST="127.0.0.1").get("/bench/floor/0/")
    if response.status_code != 200 or 'id="debts"' not in response.content.decode():
        raise RuntimeError(f"the floor view answered {response.status_code} without the overview")
    if queries:
        raise RuntimeError(f"the floor view made {len(queries)} queries")
    return "the floor view renders the overview with 0 queries (checked with Django's client)"


def time_password_check(password: str) -> dict:
    """The password check alone (Argon2, PASSWORD_HASHERS[0]): a login's floor."""
    from django.contrib.auth.hashers import check_password, identify_hasher

    samples = []
    for _ in range(HASH_ROUNDS):
        start = time.perf_counter()
        assert check_password(PASSWORD, password)
        samples.append((time.perf_counter() - start) * 1000)
    return {
        "hasher": identify_hasher(password).algorithm,
        "hash_ms": statistics.median(samples),
        "hash_spread": (min(samples), max(samples)),
    }


def wait_until_up(base: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}; see {VAR}/gunicorn.log")
        try:
            with urllib.request.urlopen(f"{base}/accounts/login/", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s")


def server_checks(base: str) -> list[str]:
    """What production serving looks like: DEBUG off, hashed static files through whitenoise."""
    with urllib.request.urlopen(f"{base}/accounts/login/", timeout=10) as response:
        html = response.read().decode()
    css = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', html)
    if not css:
        raise RuntimeError("the login page does not link a hashed stylesheet")
    with urllib.request.urlopen(f"{base}{css.group(1)}", timeout=10) as response:
        assert response.status == 200
        cache = response.headers.get("Cache-Control", "")
    try:
        urllib.request.urlopen(f"{base}/dev/mail/", timeout=10)
        raise RuntimeError("/dev/mail/ answers: DEBUG is on")
    except urllib.error.HTTPError as error:
        assert error.code == 404, error.code
    return [f"`{css.group(1)}` served by whitenoise ({cache})", "DEBUG off (`/dev/mail/` is 404)"]


def locust_command(host: str, users: int, run_seconds: int, csv_prefix: Path) -> list[str]:
    """locust, headless, with bench/locustfile.py's users against ``host``; its
    statistics to ``csv_prefix``. ``run_seconds`` is an upper bound only: the
    locustfile ends the run when its window closes."""
    return [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(Path(__file__).with_name("locustfile.py")),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(SPAWN_RATE),
        "--run-time",
        f"{run_seconds}s",
        "--stop-timeout",
        "10",
        "--host",
        host,
        "--csv",
        str(csv_prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile of ``values`` (sorted); 0 when there are none."""
    if not values:
        return 0.0
    rank = max(1, min(len(values), math.ceil(p / 100 * len(values))))
    return values[rank - 1]


def figures(samples: list) -> dict:
    times = sorted(s[2] for s in samples)
    failures = sum(1 for s in samples if not s[3])
    if not times:
        return {"requests": 0, "failures": 0, "p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0}
    return {
        "requests": len(times),
        "failures": failures,
        "p50": percentile(times, 50),
        "p95": percentile(times, 95),
        "p99": percentile(times, 99),
        "max": times[-1],
    }


def assign(samples: list, blocks: list) -> tuple[list, list[list]]:
    """The samples of the login phase (before the first block), and per block
    those of the block's own mode (a request of the other mode that straddles a
    switch is left out of both)."""
    opened = blocks[0][1]
    login = [s for s in samples if s[4] < opened]
    per_block: list[list] = [[] for _ in blocks]
    for sample in samples:
        for i, (mode, start, end) in enumerate(blocks):
            if start <= sample[4] < end:
                if (sample[1] == FLOOR_NAME) == (mode == "floor"):
                    per_block[i].append(sample)
                break
    return login, per_block


class WorkerConnections:
    """How many established connections each gunicorn worker holds on the port,
    once a second while the load runs (a thread). A client that keeps its
    connection alive stays with the worker that accepted it, and every user
    connects anew when a block of the other mode has let its connection lapse
    (gunicorn's keep-alive is 2 s), so each block has its own split of the users
    between the workers: the split printed beside the block's figures."""

    def __init__(self, server_pid: int, port: int, interval: float = 1.0):
        self.server_pid, self.port, self.interval = server_pid, port, interval
        self.snapshots: list[tuple[float, list[int]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=10)

    def _sample(self):
        import psutil

        server = psutil.Process(self.server_pid)
        while not self._stop.wait(self.interval):
            counts = []
            try:
                for worker in sorted(server.children(), key=lambda p: p.pid):
                    counts.append(
                        sum(
                            1
                            for c in worker.net_connections(kind="tcp")
                            if c.status == psutil.CONN_ESTABLISHED
                            and c.laddr
                            and c.laddr.port == self.port
                        )
                    )
            except psutil.Error:
                continue  # a worker starting or stopping: the next second tells
            self.snapshots.append((time.time(), counts))


def block_splits(snapshots: list, blocks: list, settle: float = 1.0) -> list[str]:
    """Per block, the users' connections per worker seen most often in it ("9/11"),
    leaving out its first ``settle`` seconds (the users connecting); "—" if none."""
    splits = []
    for _mode, start, end in blocks:
        seen = Counter(
            "/".join(str(n) for n in counts)
            for when, counts in snapshots
            if start + settle <= when < end and counts
        )
        splits.append(seen.most_common(1)[0][0] if seen else "—")
    return splits


def client_problems(prefix: Path) -> tuple[list[str], int]:
    """What locust wrote beside ``prefix`` (its --csv): each failed request, and
    how many exceptions ended a user's task. Such a task left no sample (the
    locustfile's own checks breaking), so these count as errors too."""
    failures = []
    failures_file = Path(f"{prefix}_failures.csv")
    if failures_file.exists():
        with open(failures_file, newline="") as f:
            failures = [
                f"{r['Method']} {r['Name']}: {r['Error']} ({r['Occurrences']}×)"
                for r in csv.DictReader(f)
            ]
    exceptions = 0
    exceptions_file = Path(f"{prefix}_exceptions.csv")
    if exceptions_file.exists():
        with open(exceptions_file, newline="") as f:
            for r in csv.DictReader(f):
                exceptions += int(r["Count"])
                failures.append(f"exception in a user's task: {r['Message']} ({r['Count']}×)")
    return failures, exceptions


def read_results(samples_file: Path, prefix: Path) -> dict:
    data = json.loads(samples_file.read_text())
    samples, blocks = data["samples"], data["blocks"]
    if not blocks:
        raise RuntimeError("the measured window never opened: not every user logged in")
    login, per_block = assign(samples, blocks)
    by_mode: dict[str, list] = {"browse": [], "floor": []}
    seconds = {"browse": 0.0, "floor": 0.0}
    in_order = []
    for (mode, start, end), block in zip(blocks, per_block, strict=True):
        by_mode[mode].extend(block)
        seconds[mode] += end - start
        in_order.append(
            {"mode": mode, "start": start, "end": end, "rps": len(block) / (end - start)}
            | figures(block)
        )
    rates = {mode: [b["rps"] for b in in_order if b["mode"] == mode] for mode in by_mode}
    block_p99 = {
        mode: [b["p99"] for b in in_order if b["mode"] == mode and b["requests"]]
        for mode in by_mode
    }
    # Browsing against the floor, pair by pair of neighbouring blocks (ABBA).
    pair_ratios = [
        browse / floor
        for browse, floor in zip(rates["browse"], rates["floor"], strict=False)
        if floor
    ]
    browse = by_mode["browse"]
    names = sorted({(method, name) for method, name, *_ in browse}, key=lambda k: k[1])
    per_name = [
        {"method": method, "name": name, **figures([s for s in browse if s[:2] == [method, name]])}
        for method, name in names
    ]
    failures, exceptions = client_problems(prefix)
    floor = figures(by_mode["floor"])
    return {
        **figures(browse),
        "rps": len(browse) / seconds["browse"],
        "browse_seconds": seconds["browse"],
        "block_seconds": blocks[0][2] - blocks[0][1],
        "p99_spread": _spread(block_p99["browse"]),
        "floor": {
            **floor,
            "rps": len(by_mode["floor"]) / seconds["floor"] if seconds["floor"] else 0.0,
            "seconds": seconds["floor"],
        },
        "ratio": (len(browse) / seconds["browse"]) / (len(by_mode["floor"]) / seconds["floor"])
        if by_mode["floor"]
        else 0.0,
        "ratio_spread": _spread(pair_ratios),
        "all_requests": len(samples),
        "all_failures": sum(1 for s in samples if not s[3]),
        "task_exceptions": exceptions,
        "login_phase": figures(login),
        "login": figures([s for s in login if s[1] == LOGIN_NAME]),
        "per_name": per_name,
        "blocks": in_order,
        "failure_list": failures,
    }


def _spread(values: list[float]) -> tuple[float, float]:
    return (min(values), max(values)) if values else (0.0, 0.0)


def run(users: int = USERS, seconds: int = SECONDS) -> dict:
    VAR.mkdir(parents=True, exist_ok=True)
    for path in VAR.iterdir():  # collected static files are kept: collectstatic updates them
        if path.name != "staticfiles":
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    database = Database()
    cache_url, cache_label = shared_cache()
    env = server_environment(database, cache_url)
    print(f"Load test on {database.label}: seeding {users} borrowers…", file=sys.stderr)
    try:
        prepared = prepare(env, users)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = open(VAR / "gunicorn.log", "w")  # noqa: SIM115 (closed in finally)
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--workers",
                str(WORKERS),
                "--worker-class",
                "gthread",
                "--threads",
                str(THREADS),
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "30",
                "--no-control-socket",
                "--graceful-timeout",
                "5",
                "--reuse-port",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(base, server)
            checks = [*server_checks(base), prepared["floor_check"]]
            print(
                f"gunicorn ({WORKERS} workers × {THREADS} threads) at {base}; locust: {users} "
                f"users, {seconds} s browsing and {seconds} s floor…",
                file=sys.stderr,
            )
            prefix = VAR / "locust"
            arrival = users // SPAWN_RATE
            with WorkerConnections(server.pid, port) as connections:
                locust = subprocess.run(
                    locust_command(base, users, 2 * seconds + arrival + 120, prefix),
                    cwd=BASE_DIR,
                    env={
                        **os.environ,
                        "LOAD_USERS": str(users),
                        "LOAD_PASSWORD": PASSWORD,
                        "LOAD_SAMPLES": str(VAR / "samples.json"),
                        "LOAD_STEADY_SECONDS": str(seconds),
                        "LOAD_BLOCK_SECONDS": str(BLOCK_SECONDS),
                        "LOAD_FLOOR": "1",
                    },
                    timeout=2 * seconds + arrival + 240,
                    capture_output=True,
                    text=True,
                    check=False,
                )
            (VAR / "locust.log").write_text(locust.stdout + locust.stderr)
            stats = read_results(VAR / "samples.json", prefix)
            blocks = [(b["mode"], b["start"], b["end"]) for b in stats["blocks"]]
            splits = block_splits(connections.snapshots, blocks)
            for block, split in zip(stats["blocks"], splits, strict=True):
                block["split"] = split
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            log.close()
    finally:
        database.drop()
    server_errors = (VAR / "gunicorn.log").read_text().count("Traceback")
    return {
        "database": database.label,
        "cache": cache_label,
        "database_short": database.short,
        "postgres": database.postgres,
        "users": users,
        "seconds": seconds,
        "workers": WORKERS,
        "threads": THREADS,
        "locust_exit": locust.returncode,
        "server_errors": server_errors,
        "checks": checks,
        "hasher": prepared["hasher"],
        "hash_ms": prepared["hash_ms"],
        "hash_spread": prepared["hash_spread"],
        **stats,
    }


def rows_from(load: dict) -> list:
    from bench.report import Row, noted

    if "error" in load:
        return [Row("load test", load["error"], "runs, 0 errors", False)]
    rerun = load.get("rerun", "")
    where = (
        f"capacity: gunicorn {load['workers']} workers × {load['threads']} threads, "
        f"{load['users']} users, closed loop, {load['database_short']}"
    )
    errors = load["all_failures"] + load["task_exceptions"] + load["server_errors"]
    floor = load["floor"]
    low, high = load["ratio_spread"]
    p99_low, p99_high = load["p99_spread"]
    login = load["login"]
    hash_low, hash_high = load["hash_spread"]
    on_postgres = " (not on PostgreSQL: FAIL)" if not load["postgres"] else ""
    return [
        Row(
            f"{where}: throughput, browsing against the floor{on_postgres}",
            noted(
                f"{load['rps']:.1f} req/s ({load['requests']:,} in {load['browse_seconds']:.0f} s)",
                rerun,
            ),
            f"≥ {CAPACITY_RATIO}× floor",
            load["postgres"] and load["requests"] > 0 and load["ratio"] >= CAPACITY_RATIO,
            baseline=f"{floor['rps']:.1f} req/s floor (overview, no query)",
            ratio=f"{load['ratio']:.2f}× ({low:.2f}–{high:.2f})",
        ),
        Row(
            f"{where}: browsing latency p50 / p95 / p99",
            noted(
                f"{load['p50']:.0f} / {load['p95']:.0f} / {load['p99']:.0f} ms "
                f"(p99 of {load['block_seconds']:.0f} s blocks {p99_low:.0f}–{p99_high:.0f})",
                rerun,
            ),
            f"p99 ≤ {P99_LIMIT_MS} ms",
            load["postgres"] and load["requests"] > 0 and load["p99"] <= P99_LIMIT_MS,
            baseline=f"floor p99 {floor['p99']:.0f} ms",
            ratio=f"{load['p99'] / floor['p99']:.2f}×" if floor["p99"] else "—",
        ),
        Row(
            f"{where}: errors",
            f"{load['all_failures']} failed of {load['all_requests']:,} requests, "
            f"{load['task_exceptions']} exceptions in the users' tasks, "
            f"{load['server_errors']} server errors",
            "0 errors",
            errors == 0 and load["requests"] > 0,
        ),
        Row(
            f"login ({load['hasher']}) while {load['users']} users arrive, "
            f"{SPAWN_RATE}/s, before browsing: p50",
            noted(
                f"{login['p50']:.0f} ms (p95 {login['p95']:.0f}, max {login['max']:.0f}; "
                f"{login['requests']} logins)",
                rerun,
            ),
            f"p50 ≤ {LOGIN_P50_LIMIT_MS} ms",
            login["requests"] == load["users"] and login["p50"] <= LOGIN_P50_LIMIT_MS,
            baseline=f"{load['hash_ms']:.0f} ms password check alone "
            f"({hash_low:.0f}–{hash_high:.0f})",
            ratio=f"{login['p50'] / load['hash_ms']:.2f}×",
        ),
    ]


def notes(load: dict) -> str:
    """The load test's details for bench/RESULTS.md: per request, checks, failures."""
    if "error" in load:
        return f"## Load test\n\n{load['error']}\n"
    floor = load["floor"]
    phase = load["login_phase"]
    lines = [
        "## Load test",
        "",
        f"Database: {load['database']}. Cache: {load['cache']}. gunicorn with "
        f"{load['workers']} workers × "
        f"{load['threads']} threads (gthread, --reuse-port: a listening socket per worker) "
        "on 127.0.0.1, DEBUG off, persistent database "
        f"connections; locust, headless, {load['users']} users (FastHttpUser), each its own "
        "borrower (5 debts, an agreed plan).",
        "",
        f"Login phase: users arrive {SPAWN_RATE} a second, log in ({load['hasher']}; the "
        f"check alone takes {load['hash_ms']:.0f} ms here), open their start page and fetch "
        "the static files once, then wait for the others; nothing else runs meanwhile. "
        f"{phase['requests']} requests, p50 {phase['p50']:.0f} ms, max {phase['max']:.0f} ms.",
        "",
        "Measured window: a closed loop (no think time), blocks of "
        f"{load['block_seconds']:.0f} s alternating ABBA between browsing "
        f"({load['browse_seconds']:.0f} s in all) and the floor ({floor['seconds']:.0f} s: "
        "each user's overview rendered from a context built in advance, no session, no "
        f"query): floor {floor['requests']:,} requests, {floor['rps']:.1f} req/s, p50 / p99 "
        f"{floor['p50']:.0f} / {floor['p99']:.0f} ms. A request that straddles a switch "
        "of mode counts in neither. Errors count over the whole run.",
        "",
        *(f"- {check}" for check in load["checks"]),
        "",
        "Browsing requests in the measured window:",
        "",
        "| request | method | requests | failed | p50 ms | p95 ms | p99 ms |",
        "|---|---|---|---|---|---|---|",
        *(
            f"| {r['name']} | {r['method']} | {r['requests']} | {r['failures']} | "
            f"{r['p50']:.0f} | {r['p95']:.0f} | {r['p99']:.0f} |"
            for r in load["per_name"]
        ),
    ]
    lines += [
        "",
        "The blocks in order. Connections per worker: the users' kept-alive connections "
        "each gunicorn worker held, seen most often in the block (a user stays with the "
        "worker that accepted its connection until it lapses):",
        "",
        "| block | mode | requests | req/s | p50 ms | p99 ms | connections per worker |",
        "|---|---|---|---|---|---|---|",
        *(
            f"| {i} | {b['mode']} | {b['requests']} | {b['rps']:.1f} | {b['p50']:.0f} | "
            f"{b['p99']:.0f} | {b['split']} |"
            for i, b in enumerate(load["blocks"], start=1)
        ),
    ]
    if load["failure_list"]:
        lines += ["", "Failures:", "", *(f"- {f}" for f in load["failure_list"])]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--users", type=int, default=USERS)
    parser.add_argument("--seconds", type=int, default=SECONDS)
    parser.add_argument("--json", type=Path, help="write the figures here (for python -m bench)")
    args = parser.parse_args(argv)
    try:
        load = run(args.users, args.seconds)
    except Exception as error:  # reported as a failed row, with the reason
        load = {"error": f"the load test failed: {error!r}"}
    load["notes"] = notes(load)
    if args.json:
        args.json.write_text(json.dumps(load))
        return 0
    from bench.report import all_pass, table

    rows = rows_from(load)
    print()
    print(table(rows))
    print()
    print(load["notes"])
    return 0 if all_pass(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
