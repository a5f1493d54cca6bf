"""Background jobs: sending a finalised proposal to the lender."""

import logging
import smtplib

from celery import shared_task

from .mail import MAX_ATTEMPTS, deliver, mark_failed, retry_delay

log = logging.getLogger(__name__)

RETRYABLE = (smtplib.SMTPException, OSError)


@shared_task(bind=True, acks_late=True, max_retries=MAX_ATTEMPTS - 1)
def send_proposal_email(self, delivery_id: int) -> str:
    """Send one EmailDelivery; safe to run twice (a sent delivery is skipped).

    SMTP errors are retried with exponential backoff; after the last try the
    delivery is marked failed with the reason, and the borrower can resend.
    """
    try:
        return deliver(delivery_id)
    except RETRYABLE as exc:
        if self.request.retries >= self.max_retries:
            mark_failed(delivery_id, exc)
            log.warning("Delivery %s failed after %s tries", delivery_id, self.request.retries + 1)
            return "failed"
        raise self.retry(exc=exc, countdown=retry_delay(self.request.retries)) from exc
