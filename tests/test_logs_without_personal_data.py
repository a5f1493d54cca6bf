"""No email address, name, phone number or debt amount of a person reaches the
logs: not from the app, django-axes, Celery tasks nor Django's request logging,
even at LOG_LEVEL=DEBUG. A redaction filter on every handler is the safety net."""

import copy
import logging
import os
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail as django_mail
from django.urls import reverse
from django.utils import timezone

from config.logging import RedactingFilter, redact
from repayment_plans.models import EmailDelivery, LenderAnswer, Reminder
from repayment_plans.proposals import services as proposal_services
from repayment_plans.reminders import engine as reminders
from repayment_plans.tasks import send_proposal_email, send_reminder_batch
from tests.factories import PASSWORD, BorrowerFactory, DebtFactory
from tests.repayment_plans.conftest import make_proposal

EMAIL = "wang.xiaoming.persona@example.com"
NAME = "王小明"
PHONE = "13912345678"
PRINCIPAL = Decimal("6543.21")
LENDER_EMAIL = "collections@lender.example"


@pytest.fixture
def persona(db):
    return BorrowerFactory(display_name=NAME, phone=PHONE, user__email=EMAIL)


@pytest.fixture
def persona_client(client, persona):
    client.force_login(persona.user)
    return client


@pytest.fixture
def captured():
    """Every record that reaches the root logger with the root at DEBUG (as with
    LOG_LEVEL=DEBUG), and those of loggers that do not propagate: as emitted,
    before any handler's redaction (the capture comes first)."""
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(copy.copy(record))  # later handlers rewrite the record

    keep = Keep(level=logging.DEBUG)
    root = logging.getLogger()
    saved_level = root.level
    root.setLevel(logging.DEBUG)
    root.handlers.insert(0, keep)
    islands = [
        each
        for each in logging.Logger.manager.loggerDict.values()
        if isinstance(each, logging.Logger) and not each.propagate
    ]
    for each in islands:
        each.handlers.insert(0, keep)
    yield records
    root.removeHandler(keep)
    root.setLevel(saved_level)
    for each in islands:
        each.removeHandler(keep)


def texts(records):
    """Everything a formatter could write from each record (but the test's own
    SMTP server's, which logs the envelopes it receives)."""
    for record in records:
        if record.name.startswith("mail.log"):
            continue
        parts = [record.getMessage(), repr(record.args)]
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
        parts += [record.exc_text or "", record.stack_info or ""]
        yield record.name, " ".join(parts)


def assert_no_personal_data(records, *secrets):
    secrets = secrets or (EMAIL, NAME, PHONE, str(PRINCIPAL))
    assert records, "the flow logged nothing: the capture is not working"
    leaks = [(name, text[:300]) for name, text in texts(records) for s in secrets if s in text]
    assert not leaks, leaks


def test_failed_and_successful_logins_and_a_lockout(client, persona, captured):
    login = reverse("login")
    client.post(login, {"username": EMAIL, "password": "wrong"})
    assert client.post(login, {"username": EMAIL, "password": PASSWORD}).status_code == 302
    client.post(reverse("logout"))
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(login, {"username": EMAIL.upper(), "password": "wrong"})
    assert client.post(login, {"username": EMAIL, "password": PASSWORD}).status_code == 429
    assert any(r.name.startswith("axes") for r in captured)
    assert_no_personal_data(captured)


def test_sign_up_and_budget_with_a_phone_number(client, db, captured):
    response = client.post(
        reverse("signup"),
        {
            "email": EMAIL,
            "display_name": NAME,
            "password1": "a long enough passphrase 42",
            "password2": "a long enough passphrase 42",
        },
    )
    assert response.status_code == 302
    assert client.login(email=EMAIL, password="a long enough passphrase 42")
    budget = {
        "display_name": NAME,
        "phone": PHONE,
        "monthly_net_income": "9000",
        "rent": "2000",
        "food": "1500",
        "transport": "0",
        "medical": "0",
        "dependants": "0",
        "other_expenses": "0",
        "commitment_percent": "70",
        "hardship_reason": "illness",
        "hardship_detail": "",
    }
    assert client.post(reverse("budget"), budget).status_code == 302
    bad = client.post(reverse("budget"), {**budget, "phone": PHONE + "<"})
    assert bad.status_code == 200
    assert_no_personal_data(captured)


def test_password_reset(client, persona, account_mail, captured):
    client.post(reverse("password_reset"), {"email": EMAIL})
    link = next(line for line in account_mail[0].body.splitlines() if "/reset/" in line)
    form_page = client.get(urlsplit(link.strip()).path, follow=True)
    new = "fresh passphrase 2026"
    client.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert client.login(email=EMAIL, password=new)
    assert_no_personal_data(captured)


@pytest.fixture
def version(persona):
    debt = DebtFactory(
        borrower=persona,
        principal=PRINCIPAL,
        first_missed_date=timezone.localdate() - timedelta(days=40),
    )
    proposal = make_proposal([debt])
    return proposal_services.finalise(proposal, timezone.localdate(), "zh-hans")


def test_sending_a_proposal_email(
    persona_client, version, smtp_server, captured, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = persona_client.post(
            reverse("proposal_send", args=[version.proposal.pk]),
            {"lender_email": LENDER_EMAIL, "send-lender_email": LENDER_EMAIL},
        )
    assert response.status_code == 302 and len(queued) == 1
    delivery = EmailDelivery.objects.get()
    smtp_server.refuse = 1
    assert send_proposal_email.apply(args=[delivery.pk]).get() == "sent"
    assert len(smtp_server.messages) == 1
    assert_no_personal_data(captured, EMAIL, NAME, PHONE, str(PRINCIPAL), LENDER_EMAIL)


class RefusingRecipients:
    """An SMTP server that refuses every recipient, quoting the address back."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return f"550 5.1.1 <{address}>: Recipient address rejected"


@pytest.fixture
def refusing_smtp(settings):
    from aiosmtpd.controller import Controller

    from tests.conftest import free_port

    port = free_port()
    controller = Controller(RefusingRecipients(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    yield
    controller.stop()


def test_a_refused_recipient_is_not_quoted_in_the_retry_logs(version, refusing_smtp, captured):
    delivery = EmailDelivery.objects.create(version=version, to_email=EMAIL)
    assert send_proposal_email.apply(args=[delivery.pk]).get() == "failed"
    delivery.refresh_from_db()
    assert delivery.status == EmailDelivery.Status.FAILED
    assert any("retry" in r.getMessage().lower() for r in captured)
    assert_no_personal_data(captured)


def test_a_reminder(persona, version, mailoutbox, captured):
    today = timezone.localdate()
    plan = proposal_services.record_answer(
        version.proposal, LenderAnswer(kind="accepted", answered_on=today)
    )
    due = plan.installments.get(number=1).due_date
    reminders.sweep(due - timedelta(days=3), enqueue=False)
    ids = list(Reminder.objects.values_list("pk", flat=True))
    assert ids
    assert send_reminder_batch.apply(args=[ids]).get()["sent"] >= 1
    assert any(EMAIL in m.to for m in mailoutbox)
    assert_no_personal_data(captured)


def test_a_404(persona_client, captured):
    assert persona_client.get(reverse("debt_detail", args=[987654])).status_code == 404
    assert any(r.name == "django.request" for r in captured)
    assert_no_personal_data(captured)


def written(records):
    """What the configured handlers write: each record through their filters."""
    handlers = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, RedactingFilter) for f in h.filters)
    ]
    assert handlers, "settings.LOGGING puts no redacting handler on the root logger"
    console = handlers[0]
    return "\n".join(console.format(r) for r in records if console.filter(r))


def test_a_404_for_a_typed_address_is_written_redacted(client, db, captured):
    response = client.get(f"/no-such-page/{EMAIL}/{PHONE}/")
    assert response.status_code == 404
    assert any(EMAIL in r.getMessage() for r in captured)  # Django logs the path
    output = written(captured)
    assert "Not Found" in output
    assert EMAIL not in output and PHONE not in output


def test_every_handler_in_the_web_process_redacts():
    code = (
        "import django, logging; django.setup();"
        "from config.logging import RedactingFilter;"
        "loggers = [logging.getLogger()] + [l for l in logging.Logger.manager.loggerDict.values()"
        " if isinstance(l, logging.Logger)];"
        "hs = [h for l in loggers for h in l.handlers if not isinstance(h, logging.NullHandler)];"
        "bad = [h for h in hs if not any(isinstance(f, RedactingFilter) for f in h.filters)];"
        "print(len(hs), bad)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    count, bad = result.stdout.split(" ", 1)
    assert int(count) >= 2  # the console and the development server's
    assert bad.strip() == "[]"


def test_the_celery_worker_handlers_redact():
    code = (
        "from config.celery import app; import logging;"
        "from config.logging import RedactingFilter;"
        "app.log.setup(loglevel='INFO');"
        "hs = logging.getLogger().handlers + logging.getLogger('celery.task').handlers;"
        "hs = [h for h in hs if not isinstance(h, logging.NullHandler)];"
        "print(len(hs), all(any(isinstance(f, RedactingFilter) for f in h.filters) for h in hs));"
        f"logging.getLogger('celery.task').warning('sent to %s', {EMAIL!r})"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    count, every = result.stdout.split()
    assert int(count) >= 1 and every == "True"
    assert EMAIL not in result.stderr + result.stdout
    assert "sent to [redacted]" in result.stderr + result.stdout


# The filter itself -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("to alice.w+tag@mail.example.com.cn now", "to [redacted] now"),
        ("phone 13812345678.", "phone [redacted]."),
        ("tel:+86 138-1234-5678", "tel:[redacted]"),
        ("call 8613812345678", "call [redacted]"),
        ("手机13812345678号", "手机[redacted]号"),
        ("id 11010519491231002X ok", "id [redacted] ok"),
        ("old id 110105491231002", "old id [redacted]"),
        ('"GET /debts/preview/?principal=6543.21&lender_name=x HTTP/1.1" 200', None),
        ('"GET /calendar/feed/AbC-123_xyz.ics HTTP/1.1" 200', None),
        ('"GET /accounts/reset/MQ/cc2k7i-abc123/ HTTP/1.1" 302', None),
        ("Delivery 12 failed after 5 tries", "Delivery 12 failed after 5 tries"),
        ("task 9f3c1a2b-1381-2345-6789-0abc12345678 ok", None),
        ("took 1732812345678 ms", "took 1732812345678 ms"),  # 13 digits: not a phone
        ("amount 13812345678.00", None),
    ],
)
def test_redact(text, expected):
    result = redact(text)
    if expected is not None:
        assert result == expected
    assert "13812345678" not in result or text.startswith("amount")
    assert "6543.21" not in result
    assert "AbC-123_xyz" not in result
    assert "cc2k7i-abc123" not in result
    assert "@mail.example" not in result


def test_the_filter_redacts_arguments_exceptions_and_stacks():
    try:
        raise ValueError(f"Key (email)=({EMAIL}) already exists.")
    except ValueError:
        record = logging.LogRecord(
            "django.db", logging.ERROR, __file__, 1, "save failed for %s (%s)", None, None
        )
        record.args = (EMAIL, PHONE)
        record.exc_info = sys.exc_info()
    record.stack_info = f"Stack: send to {EMAIL}"
    assert RedactingFilter().filter(record) is True
    output = logging.Formatter().format(record)
    assert "save failed for [redacted] ([redacted])" in output
    assert "Key (email)=([redacted]) already exists." in output
    assert EMAIL not in output and PHONE not in output


def test_the_filter_keeps_ordinary_records_intact():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "Delivery %s sent", (12,), None)
    assert RedactingFilter().filter(record)
    assert record.getMessage() == "Delivery 12 sent"


def test_sent_mail_still_carries_the_address(persona, version, mailoutbox):
    """Redaction is for logs only: the email itself is addressed as before."""
    delivery = EmailDelivery.objects.create(version=version, to_email=LENDER_EMAIL, cc_email=EMAIL)
    assert send_proposal_email.apply(args=[delivery.pk]).get() == "sent"
    assert django_mail.outbox[0].cc == [EMAIL]
