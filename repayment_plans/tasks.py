"""Background jobs of the repayment_plans app: sending a finalised proposal to
the lender, sending reminder batches, the daily reminder sweep, and the
outbox re-drive."""

import logging
import smtplib

from celery import shared_task

from repayment_plans.proposals.mail import (
    MAX_ATTEMPTS,
    mark_delivery_failed,
    retry_delay,
    send_delivery,
    stuck_deliveries,
)
from repayment_plans.reminders.engine import (
    local_today,
    mark_reminders_failed,
    send_reminder,
    stuck_reminders,
    sweep,
)

log = logging.getLogger(__name__)

RETRYABLE = (smtplib.SMTPException, OSError)


class DeliveryError(Exception):
    """A failed send, told without the addresses an SMTP error quotes: Celery
    logs the reason of every retry."""

    @classmethod
    def from_exception(cls, exc: Exception) -> "DeliveryError":
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            return cls(f"SMTPRecipientsRefused: {len(exc.recipients)} recipient(s) refused")
        code = getattr(exc, "smtp_code", None) or getattr(exc, "errno", None)
        return cls(f"{type(exc).__name__}: {code}" if code else type(exc).__name__)


@shared_task(bind=True, acks_late=True, max_retries=MAX_ATTEMPTS - 1)
def send_proposal_email(self, delivery_id: int) -> str:
    """Send one EmailDelivery; safe to run twice (a sent delivery is skipped).

    SMTP errors are retried with exponential backoff; after the last try the
    delivery is marked failed with the reason, and the borrower can resend.
    """
    try:
        return send_delivery(delivery_id)
    except RETRYABLE as exc:
        if self.request.retries >= self.max_retries:
            mark_delivery_failed(delivery_id, exc)
            log.warning("Delivery %s failed after %s tries", delivery_id, self.request.retries + 1)
            return "failed"
        raise self.retry(
            exc=DeliveryError.from_exception(exc), countdown=retry_delay(self.request.retries)
        ) from exc


@shared_task(bind=True, acks_late=True, max_retries=MAX_ATTEMPTS - 1)
def send_reminder_batch(self, reminder_ids: list[int]) -> dict:
    """Deliver a batch of reminders; the ones that fail are retried with backoff,
    and after the last try marked failed (visible to staff in the admin)."""

    failed, reasons, sent = [], [], 0
    for reminder_id in reminder_ids:
        try:
            sent += send_reminder(reminder_id) == "sent"
        except RETRYABLE as exc:
            failed.append(reminder_id)
            reasons.append(str(exc) or exc.__class__.__name__)
    if failed:
        if self.request.retries >= self.max_retries:
            mark_reminders_failed(failed, reasons[-1])
        else:
            raise self.retry(args=[failed], countdown=retry_delay(self.request.retries))
    return {"sent": sent, "failed": len(failed)}


@shared_task
def redrive_outbox() -> dict:
    """The beat's wake-up for lost tasks: deliveries and reminders still waiting
    long after they were recorded are enqueued again (sending is idempotent:
    a sent delivery or reminder is skipped under its row lock)."""

    deliveries = stuck_deliveries()
    for delivery_id in deliveries:
        send_proposal_email.delay(delivery_id)
    reminders = stuck_reminders()
    for start in range(0, len(reminders), 100):
        send_reminder_batch.delay(reminders[start : start + 100])
    return {"deliveries": len(deliveries), "reminders": len(reminders)}


@shared_task(acks_late=True)
def daily_reminder_sweep() -> int:
    """The beat's daily job: sweep today's (Asia/Shanghai) reminders."""

    return sweep(local_today()).total
