"""The email that carries a proposal PDF to the lender, with a copy to the borrower.

The delivery row is the truth and the broker only a wake-up: a delivery still
queued after OUTBOX_REDRIVE_AFTER_SECONDS (its task lost with a killed worker
or a broker restart) is enqueued again by the beat's re-drive. Each delivery keeps one
Message-ID on every try, so a copy sent twice (a worker killed after the SMTP
server accepted, before the row was marked sent) is recognisable as the same
message. The guarantee is at least once.
"""

from datetime import timedelta
from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation

from repayment_plans.models import EmailDelivery

MAX_ATTEMPTS = 5


def redrive_after() -> timedelta:
    return timedelta(seconds=settings.OUTBOX_REDRIVE_AFTER_SECONDS)


def message_id_domain() -> str:
    """The domain of DEFAULT_FROM_EMAIL, for Message-IDs."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"


def new_message_id() -> str:
    return make_msgid(domain=message_id_domain())


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
        headers={"Message-ID": delivery.message_id} if delivery.message_id else None,
    )
    with version.pdf.open("rb") as pdf:
        message.attach(version.filename, pdf.read(), "application/pdf")
    return message


def send_delivery(delivery_id: int) -> str:
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
        done: dict[str, object] = {"attempts": F("attempts") + 1}
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


def stuck(model, status: str, now=None) -> list[int]:
    """Ids of outbox rows (deliveries, reminders) still in ``status`` long after
    they were recorded, with tries left: their task was lost."""
    now = now or timezone.now()
    return list(
        model.objects.filter(
            status=status, created_at__lt=now - redrive_after(), attempts__lt=MAX_ATTEMPTS
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def stuck_deliveries(now=None) -> list[int]:
    return stuck(EmailDelivery, EmailDelivery.Status.QUEUED, now)


def mark_delivery_failed(delivery_id: int, exc: Exception) -> None:
    EmailDelivery.objects.filter(pk=delivery_id).exclude(status=EmailDelivery.Status.SENT).update(
        status=EmailDelivery.Status.FAILED, failure_reason=str(exc)[:300] or exc.__class__.__name__
    )
