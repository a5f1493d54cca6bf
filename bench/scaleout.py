"""Scale-out test (part of `make bench`, not `make test`): two web nodes that share
nothing but PostgreSQL, Redis and object storage.

What runs:

- PostgreSQL: a database of its own, `huankuan_scaleout`, created, migrated,
  seeded and dropped here (BENCH_SCALEOUT_POSTGRES, default
  postgres://postgres@127.0.0.1:5432/postgres);
- Redis: one database number (BENCH_SCALEOUT_REDIS, default
  redis://127.0.0.1:6379/11), flushed before and after, as the nodes' cache
  (REDIS_URL: throttling counts, the caseload's daily check) and Celery broker;
- object storage: moto's S3 server on a free port of 127.0.0.1, with a private
  bucket, as the nodes' file storage (AWS_STORAGE_BUCKET_NAME and friends);
- two gunicorn nodes (2 workers each) on two free ports, each with its own empty
  temporary VAR_DIR, DEBUG off and the same SECRET_KEY. Static files come
  straight from static/ through whitenoise's finders (the load test,
  bench/load.py, covers the collected, hashed ones).

What must hold, each a row of the table (pass/FAIL):

1. a proposal finalised through node A (log in, CSRF, the disclosures) is
   downloaded through node B byte-identical, as stored in the bucket and hashed
   in the database; another borrower gets a 404 for it on B;
2. a session started on A works on B, and signing out on B ends it on A;
3. failed logins split between A and B lock the account after
   AXES_FAILURE_LIMIT in total (the right password is then refused on both);
4. password-reset emails asked for one address through both nodes stop at
   ACCOUNT_EMAILS_PER_ADDRESS_HOUR in total (counted on the shared broker);
5. bench/locustfile.py run against each node at once, half of the seeded
   borrowers on each (LOAD_FIRST_USER): no failed request and no server error
   over the whole run, and every user logged in on its node;
6. nothing was stored on either node's disk.

PostgreSQL or Redis not answering is a FAIL row that says so. Every process,
the bucket, the Redis database and the PostgreSQL database are cleaned up
whatever happens. Logs are kept in var/scaleout/.

    python -m bench.scaleout [--users 20] [--seconds 30] [--json PATH]
"""

import argparse
import contextlib
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

from bench.load import (
    PASSWORD,
    SPAWN_RATE,
    client_problems,
    free_port,
    locust_command,
    percentile,
    seed,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR = BASE_DIR / "var" / "scaleout"
USERS = int(os.environ.get("BENCH_SCALEOUT_USERS", "20"))
SECONDS = int(os.environ.get("BENCH_SCALEOUT_SECONDS", "30"))
WORKERS = 2  # per node
DATABASE_NAME = "huankuan_scaleout"
ADMIN_URL = os.environ.get(
    "BENCH_SCALEOUT_POSTGRES",
    os.environ.get("BENCH_LOAD_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres"),
)
REDIS_URL = os.environ.get("BENCH_SCALEOUT_REDIS", "redis://127.0.0.1:6379/11")
BUCKET = "huankuan-scaleout"
REGION = "us-east-1"
S3_KEYS = {"AWS_ACCESS_KEY_ID": "scaleout", "AWS_SECRET_ACCESS_KEY": "scaleout-secret"}
CELERY_QUEUE = "celery"  # kombu's default queue: a list in the broker's Redis database
TIMEOUT = 60  # seconds, for any one request to a node (a finalise renders a PDF)
DISCLOSURES = {"limitation": "on", "may_refuse": "on", "records_stay": "on"}
OWNER = "scaleout-owner@load.example"
OTHER = "scaleout-other@load.example"
THROTTLED = "scaleout-throttle@load.example"
RESET = "scaleout-reset@load.example"
# Variables of the environment the nodes must not inherit: they would replace
# the shared services under test.
NOT_INHERITED = ("CACHE_URL", "MEDIA_ROOT", "DATABASE_URL", "EMAIL_URL", "AWS_S3_ADDRESSING_STYLE")


class Unavailable(Exception):
    """A shared service (PostgreSQL, Redis) does not answer: the test cannot run."""


@dataclass
class Check:
    path: str
    figure: str
    target: str
    ok: bool


@dataclass
class Node:
    name: str
    port: int
    var_dir: Path
    log_path: Path
    access_path: Path
    process: subprocess.Popen | None = None
    log: object = field(default=None, repr=False)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, env: dict) -> None:
        self.log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--workers",
                str(WORKERS),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
                "--no-control-socket",
                "--access-logfile",
                str(self.access_path),
                # Status, method and path only: no query string, no address.
                "--access-logformat",
                "%(s)s %(m)s %(U)s",
            ],
            cwd=BASE_DIR,
            env={**env, "VAR_DIR": str(self.var_dir)},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_until_up(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"node {self.name} exited: {self.log_tail()}")
            try:
                if requests.get(f"{self.base}/accounts/login/", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"node {self.name} did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.log is not None:
            self.log.close()
            self.log = None

    def log_tail(self, lines: int = 5) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return " | ".join(text.strip().splitlines()[-lines:]) or "(empty log)"

    def server_errors(self) -> int:
        try:
            return self.log_path.read_text(errors="replace").count("Traceback")
        except OSError:
            return 0

    def access_lines(self) -> list[str]:
        try:
            return self.access_path.read_text().splitlines()
        except OSError:
            return []

    def stored_files(self) -> list[str]:
        """Every file under the node's VAR_DIR (none is expected)."""
        return sorted(
            str(path.relative_to(self.var_dir))
            for path in self.var_dir.rglob("*")
            if path.is_file()
        )


# The shared services ----------------------------------------------------------------


def database_url() -> str:
    return urlunsplit(urlsplit(ADMIN_URL)._replace(path=f"/{DATABASE_NAME}"))


def create_database() -> str:
    """A fresh huankuan_scaleout; the server's version."""
    import psycopg

    try:
        with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DATABASE_NAME} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {DATABASE_NAME}")
            return conn.execute("SHOW server_version").fetchone()[0].split()[0]
    except psycopg.OperationalError as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        raise Unavailable(f"PostgreSQL not reachable at {safe(ADMIN_URL)}: {reason}") from None


def drop_database() -> None:
    import psycopg

    try:
        with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DATABASE_NAME} WITH (FORCE)")
    except psycopg.OperationalError:
        pass


def redis_client():
    import redis

    return redis.Redis.from_url(REDIS_URL, socket_timeout=5, socket_connect_timeout=3)


def flush_redis() -> str:
    """Empty the Redis database of the test; the server's version."""
    import redis

    try:
        client = redis_client()
        client.flushdb()
        return client.info("server").get("redis_version", "?")
    except redis.RedisError as error:
        raise Unavailable(f"Redis not reachable at {safe(REDIS_URL)}: {error}") from None


def shared_services() -> tuple[str, str]:
    """The versions of PostgreSQL (its database created) and Redis (its database
    flushed); Unavailable, naming every one that does not answer, otherwise."""
    found, missing = [], []
    for prepare_service in (create_database, flush_redis):
        try:
            found.append(prepare_service())
        except Unavailable as error:
            missing.append(str(error))
    if missing:
        drop_database()
        raise Unavailable("; ".join(missing))
    return found[0], found[1]


def safe(url: str) -> str:
    """A URL without its password, for the table."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


class ObjectStorage:
    """moto's S3 server in a thread of this process, with the bucket of the test."""

    def __init__(self):
        import boto3
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        self.client = boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=S3_KEYS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=S3_KEYS["AWS_SECRET_ACCESS_KEY"],
        )
        self.client.create_bucket(Bucket=BUCKET)

    def names(self) -> list[str]:
        found = self.client.list_objects_v2(Bucket=BUCKET)
        return sorted(item["Key"] for item in found.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=BUCKET, Key=key)["Body"].read()

    def close(self) -> None:
        try:
            for key in self.names():
                self.client.delete_object(Bucket=BUCKET, Key=key)
            self.client.delete_bucket(Bucket=BUCKET)
        finally:
            self.server.stop()


def node_environment(storage: ObjectStorage, secret_key: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "false",
            "SECRET_KEY": secret_key,
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": database_url(),
            "CONN_MAX_AGE": "60",
            "REDIS_URL": REDIS_URL,
            "CELERY_BROKER_URL": REDIS_URL,
            "AWS_STORAGE_BUCKET_NAME": BUCKET,
            "AWS_S3_ENDPOINT_URL": storage.endpoint,
            "AWS_S3_REGION_NAME": REGION,
            **S3_KEYS,
            # Static files from static/ (no collectstatic into each node's VAR_DIR).
            "STATIC_MANIFEST": "false",
            "WHITENOISE_USE_FINDERS": "true",
            # Plain HTTP on loopback: cookies cannot be Secure-only here.
            "SECURE_HTTPS": "false",
            "SECURE_SSL_REDIRECT": "false",
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


# The release step: migrate and seed, in this process -------------------------------


def prepare(env: dict, release_dir: Path, users: int) -> dict:
    """Migrate the new database and seed the load test's borrowers and the
    people of the checks; their ids."""
    for name in NOT_INHERITED:
        os.environ.pop(name, None)
    os.environ.update({**env, "VAR_DIR": str(release_dir)})
    import django
    from django.core.management import call_command

    django.setup()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    call_command("migrate", verbosity=0)
    ids = seed_checks()
    try:
        seed(users)  # bench/load.py's borrowers, load<N>@load.example
    except Exception as error:  # the load row says so; the other checks still run
        ids["seed_error"] = f"seeding the load test's borrowers failed: {error!r}"[:300]
    from django.db import connections

    connections.close_all()
    return ids


def seed_checks() -> dict:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from borrowers.models import Borrower, Debt, ProductProfile, User
    from repayment_plans.models import Proposal

    today = timezone.localdate()
    password = make_password(PASSWORD)
    people = {}
    for email, name in ((OWNER, "甲"), (OTHER, "乙"), (THROTTLED, "丙"), (RESET, "丁")):
        user = User.objects.create(email=email, password=password)
        people[email] = Borrower.objects.create(
            user=user, display_name=f"节点测试{name}", monthly_net_income=Decimal("8000")
        )
    profile = ProductProfile.objects.order_by("pk").first()
    debt = Debt.objects.create(
        borrower=people[OWNER],
        profile=profile,
        lender_name=profile.default_lender or "某银行",
        nickname="借款",
        principal=Decimal("6000"),
        interest=Decimal("0"),
        annual_rate_percent=Decimal("0"),
        first_missed_date=today - timedelta(days=40),
    )
    proposal = Proposal.objects.create(
        borrower=people[OWNER],
        lender_name=debt.lender_name,
        months=12,
        first_due_date=today + timedelta(days=10),
    )
    proposal.debts.set([debt])
    return {"proposal": proposal.pk}


# Driving the nodes like a browser --------------------------------------------------


def log_in(session: requests.Session, node: Node, email: str) -> requests.Response:
    return attempt_login(session, node, email, PASSWORD)


def attempt_login(
    session: requests.Session, node: Node, email: str, password: str
) -> requests.Response:
    session.get(f"{node.base}/accounts/login/", timeout=TIMEOUT)
    return session.post(
        f"{node.base}/accounts/login/",
        {"username": email, "password": password, "csrfmiddlewaretoken": csrf(session)},
        timeout=TIMEOUT,
    )


def csrf(session: requests.Session) -> str:
    return session.cookies.get("csrftoken", "")


def signed_in(response: requests.Response) -> bool:
    return response.status_code == 200 and response.url.endswith("/dashboard/")


def check_proposal(nodes: list[Node], storage: ObjectStorage, ids: dict) -> Check:
    from repayment_plans.models import ProposalVersion

    a, b = nodes
    path = "scale-out: proposal finalised on A, downloaded on B"
    target = "byte-identical; another user 404"
    on_a = requests.Session()
    if not signed_in(log_in(on_a, a, OWNER)):
        return Check(path, "could not log in on A", target, False)
    pk = ids["proposal"]
    finalise = on_a.post(
        f"{a.base}/proposals/{pk}/finalise/",
        {**DISCLOSURES, "csrfmiddlewaretoken": csrf(on_a)},
        timeout=TIMEOUT,
    )
    link = re.search(rf"/proposals/{pk}/versions/(\d+)\.pdf", finalise.text)
    if finalise.status_code != 200 or not link:
        return Check(path, f"finalise on A answered {finalise.status_code}, no PDF", target, False)
    from_a = on_a.get(a.base + link.group(0), timeout=TIMEOUT)

    on_b = requests.Session()  # a login of its own: B never saw A's session here
    if not signed_in(log_in(on_b, b, OWNER)):
        return Check(path, "could not log in on B", target, False)
    from_b = on_b.get(b.base + link.group(0), timeout=TIMEOUT)
    other = requests.Session()
    log_in(other, b, OTHER)
    denied = other.get(b.base + link.group(0), timeout=TIMEOUT).status_code

    version = ProposalVersion.objects.get(proposal_id=pk, number=int(link.group(1)))
    in_bucket = storage.read(version.pdf.name) if version.pdf.name in storage.names() else None
    if from_b.status_code != 200:
        figure = f"B answered {from_b.status_code} (A: {from_a.status_code}); "
    else:
        same = from_b.content == from_a.content == in_bucket
        figure = (
            f"{len(from_b.content):,} bytes on B, "
            f"{'identical to' if same else 'DIFFERENT from'} A's and the bucket's; "
        )
    identical = (
        from_b.status_code == 200
        and from_b.content.startswith(b"%PDF-")
        and from_b.content == from_a.content == in_bucket
        and hashlib.sha256(from_b.content).hexdigest() == version.sha256
    )
    figure += (
        f"sha256 as stored: {hashlib.sha256(from_b.content).hexdigest() == version.sha256}; "
        f"in the bucket: {in_bucket is not None}; another user on B: {denied}"
    )
    return Check(path, figure, target, identical and denied == 404)


def check_session(nodes: list[Node]) -> Check:
    a, b = nodes
    path = "scale-out: session started on A, used on B"
    target = "signed in on B; signing out on B ends it on A"
    on_a = requests.Session()
    if not signed_in(log_in(on_a, a, OWNER)):
        return Check(path, "could not log in on A", target, False)
    on_b = requests.Session()  # only the session cookie crosses over, as behind a balancer
    for cookie in on_a.cookies:
        if cookie.name == "sessionid":
            on_b.cookies.set_cookie(cookie)
    page = on_b.get(f"{b.base}/dashboard/", timeout=TIMEOUT, allow_redirects=False)
    works = page.status_code == 200 and 'id="debts"' in page.text
    on_b.post(f"{b.base}/accounts/logout/", headers={"X-CSRFToken": csrf(on_b)}, timeout=TIMEOUT)
    after = on_a.get(f"{a.base}/dashboard/", timeout=TIMEOUT, allow_redirects=False)
    ended = after.status_code == 302 and "/accounts/login/" in after.headers.get("Location", "")
    figure = (
        f"B: {page.status_code} {'signed in' if works else 'NOT signed in'}; "
        f"A after signing out on B: {after.status_code} {'signed out' if ended else 'STILL IN'}"
    )
    return Check(path, figure, target, works and ended)


def check_login_throttle(nodes: list[Node]) -> Check:
    from django.conf import settings

    limit = settings.AXES_FAILURE_LIMIT
    path = f"scale-out: failed logins split A/B, lock after {limit} in total"
    target = f"right password refused on A and B after {limit}"
    control = requests.Session()
    if not signed_in(log_in(control, nodes[1], THROTTLED)):
        return Check(path, "the right password did not work before the failures", target, False)
    statuses = []
    for n in range(limit):
        node = nodes[n % 2]
        statuses.append(
            attempt_login(requests.Session(), node, THROTTLED, "wrong-password").status_code
        )
    refused = [
        attempt_login(requests.Session(), node, THROTTLED, PASSWORD).status_code for node in nodes
    ]
    per_node = f"{(limit + 1) // 2} on A, {limit // 2} on B"
    below_limit_answered = all(status == 200 for status in statuses[:-1])
    ok = below_limit_answered and refused == [429, 429]
    figure = (
        f"failures {per_node}: {statuses}; then the right password: A {refused[0]}, B {refused[1]}"
    )
    return Check(path, figure, target, ok)


def check_email_throttle(nodes: list[Node]) -> Check:
    from django.conf import settings

    limit = settings.ACCOUNT_EMAILS_PER_ADDRESS_HOUR
    asked = limit + 2
    path = f"scale-out: password resets for one address split A/B, {asked} asked"
    target = f"{limit} emails queued in total"
    broker = redis_client()
    before = broker.llen(CELERY_QUEUE)
    for n in range(asked):
        node = nodes[n % 2]
        session = requests.Session()
        session.get(f"{node.base}/accounts/password_reset/", timeout=TIMEOUT)
        session.post(
            f"{node.base}/accounts/password_reset/",
            {"email": RESET, "csrfmiddlewaretoken": csrf(session)},
            timeout=TIMEOUT,
        )
    queued = broker.llen(CELERY_QUEUE) - before
    return Check(path, f"{queued} queued", target, queued == limit)


def summarise(node: Node) -> dict:
    """One locust run's requests (each sample: method, name, ms, ok, …) and failures."""
    samples = json.loads((VAR / f"samples-{node.name.lower()}.json").read_text())["samples"]
    times = sorted(sample[2] for sample in samples)
    failures, exceptions = client_problems(VAR / f"locust-{node.name.lower()}")
    return {
        "requests": len(samples),
        "failed": sum(1 for sample in samples if not sample[3]) + exceptions,
        "p50": percentile(times, 50),
        "p95": percentile(times, 95),
        "failure_list": [f"{node.name}: {failure}" for failure in failures],
    }


def run_load(nodes: list[Node], users: int, seconds: int) -> dict:
    """bench/locustfile.py against each node at once, each with half of the
    seeded borrowers (LOAD_FIRST_USER: node A the first half, node B the rest)."""
    before = [len(node.access_lines()) for node in nodes]
    tracebacks_before = [node.server_errors() for node in nodes]
    shares = [users // 2 + users % 2, users // 2]
    runs = []
    try:
        for index, (node, share) in enumerate(zip(nodes, shares, strict=True)):
            out = open(VAR / f"locust-{node.name.lower()}.log", "w")  # noqa: SIM115 (closed below)
            process = subprocess.Popen(
                locust_command(
                    node.base,
                    share,
                    seconds + share // SPAWN_RATE + 120,
                    VAR / f"locust-{node.name.lower()}",
                ),
                cwd=BASE_DIR,
                env={
                    **os.environ,
                    "LOAD_USERS": str(share),
                    "LOAD_FIRST_USER": str(sum(shares[:index])),
                    "LOAD_PASSWORD": PASSWORD,
                    "LOAD_SAMPLES": str(VAR / f"samples-{node.name.lower()}.json"),
                    "LOAD_STEADY_SECONDS": str(seconds),
                },
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            runs.append((process, out))
        deadline = time.monotonic() + seconds + users // SPAWN_RATE + 240
        for process, _out in runs:
            process.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        for process, out in runs:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
            out.close()
    per_node = []
    for node, share, skip, earlier in zip(nodes, shares, before, tracebacks_before, strict=True):
        lines = node.access_lines()[skip:]
        per_node.append(
            {
                "node": node.name,
                "users": share,
                "tracebacks": node.server_errors() - earlier,
                "served": len(lines),
                "logins": sum(1 for line in lines if line.endswith("POST /accounts/login/")),
                "answered_5xx": sum(1 for line in lines if line.startswith("5")),
                **summarise(node),
            }
        )
    return {
        "seconds": seconds,
        "per_node": per_node,
        "requests": sum(n["requests"] for n in per_node),
        "failed": sum(n["failed"] for n in per_node),
        "failure_list": [f for n in per_node for f in n["failure_list"]],
    }


def load_check(load: dict) -> Check:
    spread = "; ".join(
        f"{n['node']}: {n['requests']:,} requests, {n['failed']} failed, "
        f"p50/p95 {n['p50']:.0f}/{n['p95']:.0f} ms"
        for n in load["per_node"]
    )
    tracebacks = sum(n["tracebacks"] for n in load["per_node"])
    answered_5xx = sum(n["answered_5xx"] for n in load["per_node"])
    ok = (
        load["failed"] == 0
        and tracebacks == 0
        and answered_5xx == 0
        and all(n["requests"] > 0 and n["logins"] == n["users"] for n in load["per_node"])
    )
    shares = " + ".join(str(n["users"]) for n in load["per_node"])
    return Check(
        f"scale-out: load, {shares} users on A + B, {load['seconds']} s of browsing",
        f"{load['requests']:,} requests, {load['failed']} failed, "
        f"{tracebacks + answered_5xx} server errors ({spread})",
        "0 failed, each node its users",
        ok,
    )


def disk_check(nodes: list[Node], storage: ObjectStorage) -> Check:
    on_disk = {node.name: node.stored_files() for node in nodes}
    count = sum(len(files) for files in on_disk.values())
    objects = storage.names()
    figure = f"{count} files in the nodes' VAR_DIRs; {len(objects)} objects in the bucket"
    if count:
        figure += f" ({'; '.join(f'{k}: {v[:3]}' for k, v in on_disk.items() if v)})"
    return Check(
        "scale-out: files kept on the nodes' own disks", figure, "0", count == 0 and bool(objects)
    )


# The whole run ---------------------------------------------------------------------


def guarded(path: str, target: str, check, *args) -> Check:
    """Run one check; an exception is its FAIL row, and the next check still runs."""
    try:
        return check(*args)
    except Exception as error:  # reported in the row, with the reason
        return Check(path, f"stopped: {error!r}"[:300], target, False)


def run(users: int = USERS, seconds: int = SECONDS) -> dict:
    VAR.mkdir(parents=True, exist_ok=True)
    for path in VAR.iterdir():
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    postgres, redis_version = shared_services()
    storage = None
    nodes: list[Node] = []
    work = Path(tempfile.mkdtemp(prefix="huankuan-scaleout-"))
    try:
        storage = ObjectStorage()
        env = node_environment(storage, secrets.token_urlsafe(50))
        print(f"Scale-out: seeding {users} borrowers in {DATABASE_NAME}…", file=sys.stderr)
        ids = prepare(env, work / "release", users)
        for name in ("A", "B"):
            var_dir = work / f"node-{name.lower()}"
            var_dir.mkdir()
            nodes.append(
                Node(
                    name,
                    free_port(),
                    var_dir,
                    VAR / f"node-{name.lower()}.log",
                    VAR / f"node-{name.lower()}-access.log",
                )
            )
        for node in nodes:
            node.start(env)
        for node in nodes:
            node.wait_until_up()
        print(
            f"Scale-out: nodes at {nodes[0].base} and {nodes[1].base}; checks, then "
            f"locust: {users} users for {seconds} s…",
            file=sys.stderr,
        )
        checks = [
            guarded(
                "scale-out: proposal finalised on A, downloaded on B",
                "byte-identical",
                check_proposal,
                nodes,
                storage,
                ids,
            ),
            guarded(
                "scale-out: session started on A, used on B", "works on B", check_session, nodes
            ),
            guarded(
                "scale-out: failed logins split A/B",
                "locked after the limit in total",
                check_login_throttle,
                nodes,
            ),
            guarded(
                "scale-out: password resets split A/B",
                "the limit in total",
                check_email_throttle,
                nodes,
            ),
        ]
        load = None
        try:
            if "seed_error" in ids:
                raise RuntimeError(ids["seed_error"])
            load = run_load(nodes, users, seconds)
            checks.append(load_check(load))
        except Exception as error:  # reported in the row, with the reason
            checks.append(
                Check(
                    "scale-out: load split over A and B",
                    f"stopped: {error}"[:300],
                    "0 failed, each node its users",
                    False,
                )
            )
        checks.append(
            guarded(
                "scale-out: files kept on the nodes' own disks", "0", disk_check, nodes, storage
            )
        )
        return {
            "database": f"PostgreSQL {postgres}, database {DATABASE_NAME}",
            "redis": f"Redis {redis_version}, {safe(REDIS_URL)}",
            "storage": f"moto S3 server at {storage.endpoint}, private bucket {BUCKET}",
            "nodes": [node.base for node in nodes],
            "workers": WORKERS,
            "users": users,
            "seconds": seconds,
            "checks": [check.__dict__ for check in checks],
            "load": load,
        }
    finally:
        for node in nodes:
            node.stop()
        if storage is not None:
            storage.close()
        close_django()
        drop_database()
        with contextlib.suppress(Exception):  # Redis gone already: nothing left to clean
            redis_client().flushdb()
        shutil.rmtree(work, ignore_errors=True)


def close_django() -> None:
    if "django.db" in sys.modules:
        from django.db import connections

        connections.close_all()


def rows_from(data: dict) -> list:
    from bench.report import Row

    if "error" in data:
        return [Row("scale-out: two web nodes", data["error"], "runs, every check passes", False)]
    return [
        Row(check["path"], check["figure"], check["target"], check["ok"])
        for check in data["checks"]
    ]


def notes(data: dict) -> str:
    """The scale-out test's set-up, for bench/RESULTS.md."""
    if "error" in data:
        return f"## Scale-out test\n\n{data['error']}\n"
    lines = [
        "## Scale-out test",
        "",
        f"Two gunicorn nodes ({data['workers']} sync workers each, DEBUG off, the same "
        "SECRET_KEY, each its own empty VAR_DIR) sharing only: "
        f"{data['database']}; {data['redis']} (cache and Celery broker); "
        f"{data['storage']}. The load step runs bench/locustfile.py against each node "
        f"at once, {data['users']} seeded borrowers in all, half on each "
        "(LOAD_FIRST_USER); every request of the run counts.",
        "",
    ]
    load = data.get("load")
    if load:
        lines += [
            f"- node {n['node']}: {n['users']} users, {n['requests']:,} requests "
            f"({n['served']:,} in its access log, {n['logins']} logins), {n['failed']} failed, "
            f"{n['answered_5xx']} answered 5xx; p50 {n['p50']:.0f} ms, p95 {n['p95']:.0f} ms"
            for n in load["per_node"]
        ]
        if load["failure_list"]:
            lines += ["", "Failures:", "", *(f"- {f}" for f in load["failure_list"])]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scaleout", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--users", type=int, default=USERS)
    parser.add_argument("--seconds", type=int, default=SECONDS)
    parser.add_argument("--json", type=Path, help="write the figures here (for python -m bench)")
    args = parser.parse_args(argv)
    try:
        data = run(args.users, args.seconds)
    except Unavailable as error:
        data = {"error": str(error)}
    except Exception as error:  # reported as a failed row, with the reason
        data = {"error": f"the scale-out test failed: {error!r}"[:500]}
    data["notes"] = notes(data)
    if args.json:
        args.json.write_text(json.dumps(data))
        return 0
    from bench.report import all_pass, table

    rows = rows_from(data)
    print()
    print(table(rows))
    print()
    print(data["notes"])
    return 0 if all_pass(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
