"""The proposal email: a real SMTP server receives it; failures are retried."""

import email
import time
from email import policy

import pytest
from django.db import transaction

from repayment_plans.models import EmailDelivery
from repayment_plans.proposals import mail
from repayment_plans.proposals import services as proposal_services
from repayment_plans.tasks import send_proposal_email


def received(inbox, index=0):
    return email.message_from_bytes(inbox.messages[index].content, policy=policy.default)


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_lender_receives_the_stored_pdf_and_the_borrower_a_copy(smtp_server, version, alice):
    delivery = EmailDelivery.objects.create(
        version=version, to_email="collect@lender.example", cc_email=alice.user.email
    )
    assert send_proposal_email.apply(args=[delivery.pk]).get() == "sent"
    assert len(smtp_server.messages) == 1
    envelope = smtp_server.messages[0]
    assert set(envelope.rcpt_tos) == {"collect@lender.example", alice.user.email}
    message = received(smtp_server)
    assert "协商还款" in message["Subject"]
    attachment = next(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    with version.pdf.open("rb") as stored:
        assert attachment.get_content() == stored.read()
    delivery.refresh_from_db()
    assert delivery.status == EmailDelivery.Status.SENT and delivery.attempts == 1


def test_the_body_is_in_the_borrowers_language(smtp_server, proposal, today):
    english = proposal_services.finalise(proposal, today, "en")
    delivery = EmailDelivery.objects.create(version=english, to_email="a@lender.example")
    send_proposal_email.apply(args=[delivery.pk])
    body = received(smtp_server).get_body(("plain",)).get_content()
    assert "Please find attached my proposal" in body


def test_refused_first_then_accepted_ends_as_sent_after_a_retry(smtp_server, version):
    smtp_server.refuse = 2
    delivery = EmailDelivery.objects.create(version=version, to_email="a@lender.example")
    send_proposal_email.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert delivery.status == EmailDelivery.Status.SENT
    assert delivery.attempts == 3
    assert len(smtp_server.messages) == 1


def test_after_the_last_try_it_is_marked_failed_with_the_reason(smtp_server, version):
    smtp_server.refuse = 100
    delivery = EmailDelivery.objects.create(version=version, to_email="a@lender.example")
    assert send_proposal_email.apply(args=[delivery.pk]).get() == "failed"
    delivery.refresh_from_db()
    assert delivery.status == EmailDelivery.Status.FAILED
    assert delivery.attempts == mail.MAX_ATTEMPTS
    assert "try again later" in delivery.failure_reason
    assert smtp_server.messages == []


def test_the_same_task_delivered_twice_sends_one_email(smtp_server, version):
    delivery = EmailDelivery.objects.create(version=version, to_email="a@lender.example")
    send_proposal_email.apply(args=[delivery.pk])
    assert send_proposal_email.apply(args=[delivery.pk]).get() == "already sent"
    assert len(smtp_server.messages) == 1


def test_backoff_doubles_from_the_configured_base(settings):
    settings.EMAIL_RETRY_BACKOFF_SECONDS = 30
    assert [mail.retry_delay(n) for n in range(4)] == [30, 60, 120, 240]


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_what_the_view_queued(
    seeded_profiles, smtp_server, alice_client, version, celery_worker
):
    with transaction.atomic():
        delivery = proposal_services.queue_delivery(version, "collect@lender.example")
    assert wait_for(lambda: len(smtp_server.messages) == 1)
    assert wait_for(
        lambda: EmailDelivery.objects.get(pk=delivery.pk).status == EmailDelivery.Status.SENT
    )


def test_the_outbox_redrives_what_waited_too_long_and_nothing_else(version, settings, alice):
    from datetime import timedelta

    from django.utils import timezone

    from repayment_plans.models import Reminder
    from repayment_plans.reminders.engine import stuck_reminders

    settings.OUTBOX_REDRIVE_AFTER_SECONDS = 600
    old = timezone.now() - timedelta(minutes=11)
    lost = EmailDelivery.objects.create(version=version, to_email="a@lender.example")
    fresh = EmailDelivery.objects.create(version=version, to_email="b@lender.example")
    sent = EmailDelivery.objects.create(
        version=version, to_email="c@lender.example", status=EmailDelivery.Status.SENT
    )
    tried_out = EmailDelivery.objects.create(
        version=version, to_email="d@lender.example", attempts=mail.MAX_ATTEMPTS
    )
    EmailDelivery.objects.filter(pk__in=[lost.pk, sent.pk, tried_out.pk]).update(created_at=old)
    assert mail.stuck_deliveries() == [lost.pk]
    waiting = Reminder.objects.create(
        user=alice.user, kind="due_today", subject="installment:1", on_date=timezone.localdate()
    )
    assert stuck_reminders() == []
    Reminder.objects.filter(pk=waiting.pk).update(created_at=old)
    assert stuck_reminders() == [waiting.pk]
    assert fresh.pk not in mail.stuck_deliveries()
