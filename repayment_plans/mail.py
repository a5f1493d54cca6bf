"""The email that carries a proposal PDF to the lender, with a copy to the borrower."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import EmailDelivery

MAX_ATTEMPTS = 5


def retry_delay(retries: int) -> int:
    """Seconds before the next try: 30 s, 60 s, 120 s, 240 s… by default."""
    return settings.EMAIL_RETRY_BACKOFF_SECONDS * 2**retries


def build_message(delivery: EmailDelivery) -> EmailMessage:
    version = delivery.version
    proposal = version.proposal
    borrower = proposal.borrower
    with translation.override(version.language):
        context = {"proposal": proposal, "borrower": borrower, "version": version}
        subject = render_to_string("repayment_plans/email/proposal_subject.txt", context)
        body = render_to_string("repayment_plans/email/proposal_body.txt", context)
    message = EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.to_email],
        cc=[delivery.cc_email] if delivery.cc_email else [],
        reply_to=[borrower.user.email],
    )
    with version.pdf.open("rb") as pdf:
        message.attach(version.filename, pdf.read(), "application/pdf")
    return message


def deliver(delivery_id: int) -> str:
    """Send the delivery unless it was already sent. Raises on SMTP errors.

    The row lock keeps a task delivered twice at once from sending twice. A
    delivery that no longer exists (its borrower deleted the account) is skipped.
    """
    error = None
    with transaction.atomic():
        delivery = (
            EmailDelivery.objects.select_for_update()
            .select_related("version__proposal__borrower__user")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return "gone"
        if delivery.status == EmailDelivery.Status.SENT:
            return "already sent"
        done = {"attempts": F("attempts") + 1}
        try:
            build_message(delivery).send()
        except Exception as exc:
            error = exc
            # Keep the reason visible while the retries go on.
            done["failure_reason"] = (str(exc) or exc.__class__.__name__)[:300]
        else:
            done.update(status=EmailDelivery.Status.SENT, sent_at=timezone.now(), failure_reason="")
        EmailDelivery.objects.filter(pk=delivery_id).update(**done)
    if error is not None:
        raise error
    return "sent"


def mark_failed(delivery_id: int, exc: Exception) -> None:
    EmailDelivery.objects.filter(pk=delivery_id).exclude(status=EmailDelivery.Status.SENT).update(
        status=EmailDelivery.Status.FAILED, failure_reason=str(exc)[:300] or exc.__class__.__name__
    )
