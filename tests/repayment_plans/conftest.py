import os
import socket
from datetime import date, timedelta
from decimal import Decimal

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from repayment_plans import services
from repayment_plans.models import Proposal
from tests.factories import DebtFactory, profile


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
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield app


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def huabei_debt(alice, today):
    return DebtFactory(
        borrower=alice,
        nickname="花呗",
        principal=Decimal("6000.00"),
        interest=Decimal("0.00"),
        penalty_fees=Decimal("150.00"),
        annual_rate_percent=Decimal("0"),
        first_missed_date=today - timedelta(days=45),
        contract_number="HB-2026-001",
    )


@pytest.fixture
def weilidai_debt(alice, today):
    return DebtFactory(
        borrower=alice,
        profile=profile("weilidai"),
        nickname="微粒贷",
        principal=Decimal("18000.00"),
        interest=Decimal("1200.00"),
        annual_rate_percent=Decimal("18.25"),
        first_missed_date=today - timedelta(days=75),
    )


def make_proposal(debts, months=12, first_due: date | None = None, **extra) -> Proposal:
    first = debts[0]
    proposal = Proposal.objects.create(
        borrower=first.borrower,
        lender_name=first.lender_name,
        months=months,
        first_due_date=first_due or services.next_month_first(timezone.localdate()),
        **extra,
    )
    proposal.debts.set(debts)
    return proposal


@pytest.fixture
def proposal(huabei_debt):
    return make_proposal([huabei_debt])


@pytest.fixture
def version(proposal, today):
    return services.finalise(proposal, today, "zh-hans")
