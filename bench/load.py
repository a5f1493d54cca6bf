"""Load test (`make load`, and part of `make bench`).

gunicorn with 2 workers bound to a free port on 127.0.0.1, DEBUG off, a random
SECRET_KEY, hashed static files collected into var/load/staticfiles and served
by whitenoise, persistent database connections; locust (headless, loopback
only) runs 20 users, one seeded borrower each, for 60 s (bench/locustfile.py).
The database is a dedicated PostgreSQL database, `huankuan_load`, created and
dropped here, when PostgreSQL answers at BENCH_LOAD_POSTGRES (default
postgres://postgres@127.0.0.1:5432/postgres); otherwise SQLite in WAL mode under
var/load/, and the table says which ran.

Target: no failed request (a status outside 2xx/3xx, a page that sends the user
to log in or lacks what it must show, a connection error). Requests, requests
per second and the p50/p95/p99 latencies are reported.

    python -m bench.load [--users 20] [--seconds 60] [--json PATH]
"""

import argparse
import csv
import json
import math
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
VAR = BASE_DIR / "var" / "load"
USERS = int(os.environ.get("BENCH_LOAD_USERS", "20"))
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "60"))
WORKERS = 2
DEBTS_PER_USER = 5
DATABASE_NAME = "huankuan_load"
ADMIN_URL = os.environ.get("BENCH_LOAD_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
PASSWORD = "load-password-2026"
SPAWN_RATE = 2  # users a second while they arrive and log in


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Database:
    """The dedicated PostgreSQL database, or SQLite (WAL) when PostgreSQL is not reachable."""

    def __init__(self):
        import psycopg

        try:
            with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {DATABASE_NAME} WITH (FORCE)")
                conn.execute(f"CREATE DATABASE {DATABASE_NAME}")
                version = conn.execute("SHOW server_version").fetchone()[0].split()[0]
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
            parts = urlsplit(ADMIN_URL)
            self.url = urlunsplit(parts._replace(path=f"/{DATABASE_NAME}"))
            self.short = f"PostgreSQL {version}"
            self.label = f"PostgreSQL {version}, database {DATABASE_NAME}"

    def drop(self):
        if self.postgres:
            import psycopg

            with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {DATABASE_NAME} WITH (FORCE)")


def server_environment(database: Database) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
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
        }
    )
    return env


def prepare(env: dict) -> None:
    """Migrate, collect the static files and seed USERS borrowers (in this process)."""
    os.environ.update(env)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    seed(USERS)
    from django.db import connections

    connections.close_all()


def seed(users: int) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from borrowers.models import Borrower, Debt, HardshipReason, ProductProfile, User
    from repayment_plans.models import Proposal
    from repayment_plans.plans import services as plan_services
    from repayment_plans.position import load as position_load

    today = timezone.localdate()
    password = make_password(PASSWORD)  # one hash for all: hashing is not under test
    profiles = list(ProductProfile.objects.order_by("pk"))
    with transaction.atomic():
        for n in range(users):
            user = User.objects.create(email=f"load{n}@load.example", password=password)
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
    import re

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


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile of ``values`` (sorted)."""
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


def read_results(samples_file: Path, prefix: Path) -> dict:
    data = json.loads(samples_file.read_text())
    samples, window = data["samples"], data["window"]
    if "opened" not in window or "closed" not in window:
        raise RuntimeError("the measured window never opened: not every user logged in")
    steady = [s for s in samples if s[4]]
    names = sorted({(method, name) for method, name, *_ in steady}, key=lambda k: k[1])
    per_name = [
        {"method": method, "name": name, **figures([s for s in steady if s[:2] == [method, name]])}
        for method, name in names
    ]
    failures = []
    failures_file = Path(f"{prefix}_failures.csv")
    if failures_file.exists():
        with open(failures_file, newline="") as f:
            failures = [
                f"{r['Method']} {r['Name']}: {r['Error']} ({r['Occurrences']}×)"
                for r in csv.DictReader(f)
            ]
    window_seconds = window["closed"] - window["opened"]
    measured = figures(steady)
    return {
        **measured,
        "all_requests": len(samples),
        "all_failures": sum(1 for s in samples if not s[3]),
        "window_seconds": window_seconds,
        "rps": measured["requests"] / window_seconds,
        "login": figures([s for s in samples if s[1] == "log in"]),
        "per_name": per_name,
        "failure_list": failures,
    }


def run(users: int = USERS, seconds: int = SECONDS) -> dict:
    VAR.mkdir(parents=True, exist_ok=True)
    for path in VAR.iterdir():  # collected static files are kept: collectstatic updates them
        if path.name != "staticfiles":
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    database = Database()
    env = server_environment(database)
    print(f"Load test on {database.label}: seeding {users} borrowers…", file=sys.stderr)
    prepare(env)
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
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "30",
            "--no-control-socket",
            "--graceful-timeout",
            "5",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_up(base, server)
        checks = server_checks(base)
        print(
            f"gunicorn ({WORKERS} workers) at {base}; locust: {users} users for {seconds} s…",
            file=sys.stderr,
        )
        prefix = VAR / "locust"
        locust = subprocess.run(
            [
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
                # An upper bound only: the locustfile ends the run when its window closes.
                "--run-time",
                f"{seconds + users // SPAWN_RATE + 120}s",
                "--stop-timeout",
                "10",
                "--host",
                base,
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=BASE_DIR,
            env={
                **os.environ,
                "LOAD_USERS": str(users),
                "LOAD_PASSWORD": PASSWORD,
                "LOAD_SAMPLES": str(VAR / "samples.json"),
                "LOAD_STEADY_SECONDS": str(seconds),
            },
            timeout=seconds + users // SPAWN_RATE + 240,
            capture_output=True,
            text=True,
            check=False,
        )
        (VAR / "locust.log").write_text(locust.stdout + locust.stderr)
        stats = read_results(VAR / "samples.json", prefix)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        database.drop()
    server_errors = (VAR / "gunicorn.log").read_text().count("Traceback")
    return {
        "database": database.label,
        "database_short": database.short,
        "users": users,
        "seconds": seconds,
        "workers": WORKERS,
        "locust_exit": locust.returncode,
        "server_errors": server_errors,
        "checks": checks,
        **stats,
    }


def rows_from(load: dict) -> list:
    from bench.report import Row

    if "error" in load:
        return [Row("load test", load["error"], "runs, 0 failed", False)]
    where = (
        f"load: gunicorn {load['workers']} workers, {load['users']} users, {load['database_short']}"
    )
    failed = load["all_failures"] + load["server_errors"]
    login = load["login"]
    return [
        Row(
            f"{where}: requests in {load['window_seconds']:.0f} s",
            f"{load['requests']:,} (+{load['all_requests'] - load['requests']} while logging "
            f"in); {load['all_failures']} failed, {load['server_errors']} server errors",
            "0 failed",
            failed == 0 and load["requests"] > 0,
        ),
        Row(f"{where}: throughput", f"{load['rps']:.1f} req/s"),
        Row(
            f"{where}: latency p50 / p95 / p99",
            f"{load['p50']:.0f} / {load['p95']:.0f} / {load['p99']:.0f} ms",
        ),
        Row(
            f"{where}: log in while users arrive ({SPAWN_RATE}/s), p50 / max",
            f"{login['p50']:.0f} / {login['max']:.0f} ms",
        ),
    ]


def notes(load: dict) -> str:
    """The load test's details for bench/RESULTS.md: per request, checks, failures."""
    if "error" in load:
        return f"## Load test\n\n{load['error']}\n"
    lines = [
        "## Load test",
        "",
        f"Database: {load['database']}. gunicorn with {load['workers']} sync workers on "
        f"127.0.0.1, DEBUG off, persistent database connections; locust, headless, "
        f"{load['users']} users, each its own borrower (5 debts, an agreed plan), "
        f"0.5–1.5 s between actions. Users arrive {SPAWN_RATE} a second and log in "
        f"(Django's PBKDF2 password check, slow by design); the measured window opens "
        f"when all are in and lasts {load['window_seconds']:.0f} s. Failures count over "
        "the whole run.",
        "",
        *(f"- {check}" for check in load["checks"]),
        "",
        "Requests in the measured window:",
        "",
        "| request | method | requests | failed | p50 ms | p95 ms | p99 ms |",
        "|---|---|---|---|---|---|---|",
        *(
            f"| {r['name']} | {r['method']} | {r['requests']} | {r['failures']} | "
            f"{r['p50']:.0f} | {r['p95']:.0f} | {r['p99']:.0f} |"
            for r in load["per_name"]
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
