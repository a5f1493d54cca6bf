"""A worker killed in the middle of sending: the email still arrives.

A real Celery worker runs as a process of its own (as under `make run` or in
production) against the test database, and is killed with SIGKILL while the
SMTP server holds its DATA command. The delivery row is the truth: the beat's
re-drive enqueues it again and a new worker sends it.

- File-system broker: the task is gone with the worker; the email arrives once.
- Redis: killed after the SMTP server took the message but before the row was
  marked sent, the email may arrive twice, both copies with the same Message-ID.

The worker must reach the test database from another process: PostgreSQL
(as in CI); the in-memory SQLite test database cannot be shared.
"""

import asyncio
import email
import os
import signal
import subprocess
import sys
import threading
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection
from django.utils import timezone
from kombu import Connection

from repayment_plans.models import EmailDelivery
from repayment_plans.proposals import services as proposal_services
from repayment_plans.proposals.mail import new_message_id
from tests.conftest import free_port
from tests.factories import BorrowerFactory, DebtFactory
from tests.repayment_plans.conftest import make_proposal
from tests.repayment_plans.test_email import wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="a worker process needs the test database on PostgreSQL",
    ),
]
ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/14"  # a database of its own: no other worker consumes it


class HoldingInbox:
    """An SMTP server that can hold the DATA command until released, having
    taken the message or not."""

    def __init__(self):
        self.messages = []
        self.hold = None  # None, "before" (not taken) or "after" (taken, not answered)
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        hold = self.hold
        if hold == "after":
            self.messages.append(envelope.content)
        if hold:
            self.hold = None
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 try again later"
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def inbox():
    handler = HoldingInbox()
    handler.port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    yield handler
    handler.release.set()
    controller.stop()


def process_env(broker: str, var_dir: Path, inbox_port: int, media_root: str) -> dict:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "true",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": broker,
        "VAR_DIR": str(var_dir),
        "MEDIA_ROOT": media_root,
        "EMAIL_URL": f"smtp://127.0.0.1:{inbox_port}",
        "EMAIL_TIMEOUT": "60",
        "OUTBOX_REDRIVE_AFTER_SECONDS": "0",
    }
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    return env


def run_python(code: str, env: dict) -> None:
    subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
    )


def start_worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo"]
        + ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def kill(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(10)


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        kill(worker)


def delivery_for_a_new_proposal() -> EmailDelivery:
    proposal = make_proposal([DebtFactory(borrower=BorrowerFactory())], months=6)
    version = proposal_services.finalise(proposal, timezone.localdate(), "zh-hans")
    # Recorded as queue_delivery does, without waking this process's broker.
    return EmailDelivery.objects.create(
        version=version,
        to_email="collect@lender.example",
        cc_email=proposal.borrower.user.email,
        message_id=new_message_id(),
    )


def message_ids(inbox) -> list[str]:
    return [
        email.message_from_bytes(content, policy=policy.default)["Message-ID"]
        for content in inbox.messages
    ]


def crash_and_recover(inbox, env, hold: str) -> EmailDelivery:
    delivery = delivery_for_a_new_proposal()
    inbox.hold = hold
    run_python(
        f"from repayment_plans.tasks import send_proposal_email; "
        f"send_proposal_email.delay({delivery.pk})",
        env,
    )
    worker = start_worker(env)
    try:
        assert inbox.holding.wait(60), "the worker never reached the SMTP server"
        kill(worker)  # in the middle of the DATA command
    finally:
        stop(worker)
    inbox.release.set()
    delivery.refresh_from_db()
    assert delivery.status == EmailDelivery.Status.QUEUED  # nothing marked it sent
    # The beat's re-drive finds it still queued and wakes a new worker.
    run_python("from repayment_plans.tasks import redrive_outbox; redrive_outbox()", env)
    worker = start_worker(env)
    try:
        assert wait_for(
            lambda: EmailDelivery.objects.get(pk=delivery.pk).status == EmailDelivery.Status.SENT
        )
    finally:
        stop(worker)
    return EmailDelivery.objects.get(pk=delivery.pk)


def test_killed_mid_send_on_the_file_system_broker_the_email_arrives_once(
    seeded_profiles, inbox, tmp_path, media_root
):
    env = process_env("filesystem://", tmp_path / "var", inbox.port, media_root)
    delivery = crash_and_recover(inbox, env, hold="before")
    assert message_ids(inbox) == [delivery.message_id]


def test_killed_after_the_server_took_it_on_redis_at_most_twice_with_one_message_id(
    seeded_profiles, inbox, tmp_path, media_root
):
    try:
        with Connection(REDIS_URL, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1)
            conn.default_channel.queue_purge("celery")
    except Exception as exc:  # noqa: BLE001
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis is not reachable: {exc}")
    env = process_env(REDIS_URL, tmp_path / "var", inbox.port, media_root)
    delivery = crash_and_recover(inbox, env, hold="after")
    ids = message_ids(inbox)
    assert 1 <= len(ids) <= 2
    assert set(ids) == {delivery.message_id}
