import importlib
import json
import os
import socket
import subprocess
import sys

import django.test
import pytest
from aiosmtpd.controller import Controller
from django.test import RequestFactory
from hypothesis import settings as hypothesis_settings

from tests.factories import PASSWORD, BorrowerFactory, CounselorFactory

# In CI, property tests draw the same examples on every run (a failure there is
# reproducible, never a coin toss); on a developer's machine they explore anew.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


class Client(django.test.Client):
    """``client.login()`` with a request, as the login page has one.

    django-axes counts attempts per (email, IP address) and refuses to
    authenticate without a request; passing one keeps the throttle on in tests.
    """

    def login(self, **credentials):
        credentials.setdefault("request", RequestFactory().post("/accounts/login/"))
        return super().login(**credentials)


@pytest.fixture
def client():
    return Client()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path_factory):
    """Files the tests store (PDFs, exports) go to a folder of the test's own,
    never to var/media, so that no test sees another's files."""
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))
    return settings.MEDIA_ROOT


@pytest.fixture
def account_mail(transactional_db, mailoutbox, monkeypatch):
    """The mailbox of account emails (welcome, taken, password reset). The app
    queues them for the worker after the commit; here the commit happens at the
    end of each request and the task runs in the test process (the worker path
    itself: tests/borrowers/test_account_mail.py)."""
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    return mailoutbox


@pytest.fixture
def alice(db):
    """A borrower who owns the data under test."""
    return BorrowerFactory(display_name="Alice", user__email="alice@example.com")


@pytest.fixture
def bob(db):
    """Another borrower, who must see nothing of Alice's."""
    return BorrowerFactory(display_name="Bob", user__email="bob@example.com")


@pytest.fixture
def charlie(db):
    """A counselor with no access to anyone yet."""
    return CounselorFactory(display_name="Charlie", user__email="charlie@example.com")


@pytest.fixture
def alice_client(client, alice):
    assert client.login(email=alice.user.email, password=PASSWORD)
    return client


@pytest.fixture
def bob_client(client, bob):
    assert client.login(email=bob.user.email, password=PASSWORD)
    return client


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hashing cost is not under test; logging in dozens of personas is."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def seeded_profiles(transactional_db):
    """The product profiles of the data migration, for transactional tests that
    run after another one has flushed the database."""
    from django.apps import apps

    for name in (
        "0002_seed_product_profiles",
        "0011_profile_typical_rate",
        "0012_profile_channels",
    ):
        importlib.import_module(f"borrowers.migrations.{name}").seed(apps, None)


@pytest.fixture(autouse=True)
def empty_cache():
    """Caches (such as the caseload's daily freshness check) start empty in every test."""
    from django.core.cache import cache

    from repayment_plans.position.load import recently_kept

    cache.clear()
    recently_kept.clear()


class Inbox:
    """An SMTP handler that keeps what it receives, and can refuse first."""

    def __init__(self):
        self.messages = []
        self.refuse = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 Mailbox busy, try again later"
        self.messages.append(envelope)
        return "250 2.0.0 OK"


def settings_at_start(expression: str, unset: tuple[str, ...] = (), **env) -> object:
    """``expression`` (JSON-serialisable, ``s`` being django.conf.settings) as
    config/settings.py gives it in a fresh process started with this process's
    environment, less ``unset``, plus ``env``: what a web node reads at its start."""
    code = f"import json; from django.conf import settings as s; print(json.dumps({expression}))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={
            **{k: v for k, v in os.environ.items() if k not in unset},
            "DJANGO_SETTINGS_MODULE": "config.settings",
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server in the test process; the app's mailer points at it."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    yield inbox
    controller.stop()


@pytest.fixture
def celery_worker():
    """A real Celery worker (in a thread) consuming from Redis."""
    from celery.contrib.testing.worker import start_worker
    from kombu import Connection

    from config.celery import app

    url = app.conf.broker_url
    if not url.startswith("redis://"):
        pytest.skip("the worker test needs CELERY_BROKER_URL=redis://…")
    try:
        with Connection(url, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1)
            conn.default_channel.queue_purge("celery")
    except Exception as exc:  # noqa: BLE001
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis is not reachable at {url}: {exc}")
    from django.db import connections
    from django.db.backends.signals import connection_created

    # The SQLite test database is one in-memory database in shared-cache mode,
    # where a read that meets another connection's write lock fails at once
    # ("database table is locked") instead of waiting. The worker thread writes
    # while the test (and the live server, which shares its connection) reads:
    # let every connection read without taking table locks. For the same reason a
    # writer must not lock the database when its transaction begins (the
    # IMMEDIATE mode of the settings, right for a file, where others wait).
    def read_without_table_locks(sender, connection, **kwargs):
        if connection.vendor == "sqlite":
            connection.transaction_mode = None
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA read_uncommitted = 1")

    connection_created.connect(read_without_table_locks)
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None:
            read_without_table_locks(None, connection)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield app
    finally:
        connection_created.disconnect(read_without_table_locks)


# `make test` (scripts/run_tests.sh) sets REQUIRE_NO_SKIPS=1: a test skipped
# for a missing service or tool fails the run, so a green `make test` means the
# whole suite ran, the browser journeys and the real worker included.
_skipped: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped:
        _skipped.append(f"{report.nodeid}: {report.longrepr[-1] if report.longrepr else ''}")


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("REQUIRE_NO_SKIPS") == "1" and _skipped:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line("")
            reporter.write_line(
                f"FAILED: {len(_skipped)} test(s) skipped under make test "
                "(REQUIRE_NO_SKIPS=1); start what they need:",
                red=True,
            )
            for line in _skipped:
                reporter.write_line(f"  {line}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
