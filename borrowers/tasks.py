"""Background jobs of the borrowers app: the nightly refresh of the caseload
figures, and the account emails (borrowers/accounts/mail.py)."""

from celery import shared_task
from django.utils import timezone

from borrowers.accounts.mail import send_account_email
from borrowers.counselors.caseload import refresh_triage
from borrowers.models import AccessGrant, Borrower

__all__ = ["nightly_triage_refresh", "refresh_stale_triage", "send_account_email"]


def refresh_stale_triage(today) -> int:
    """Recompute the caseload figures of every borrower with an active grant whose
    figures are not from ``today``: what the passing of a day alone changes (days
    past due, days to the next tier, a missed installment)."""
    granted = AccessGrant.objects.active().values("borrower_id")
    stale = (
        Borrower.objects.filter(pk__in=granted)
        .exclude(triage__computed_on=today)
        .values_list("pk", flat=True)
    )
    return refresh_triage(stale, today)


@shared_task(acks_late=True)
def nightly_triage_refresh() -> int:
    """The beat's job just after midnight (Asia/Shanghai), so that the first
    caseload read of the day finds today's figures already stored."""
    return refresh_stale_triage(timezone.localdate())
