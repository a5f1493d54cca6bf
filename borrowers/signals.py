from django.core.signals import request_finished, request_started
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from borrowers.counselors.caseload import refresh_triage
from borrowers.models import (
    AccessGrant,
    Borrower,
    CaseNote,
    Debt,
    PositionStamp,
    ProductProfile,
    Triage,
)


@receiver(post_save, sender=ProductProfile)
def profile_saved(sender, instance, created, raw=False, **kwargs):
    """A profile's terms changed in the admin: its borrowers' positions and caseload
    figures follow."""

    if not created and not raw:
        PositionStamp.renew(
            Borrower.objects.filter(debts__profile=instance).values_list("pk", flat=True)
        )
        stored = Triage.objects.filter(borrower__debts__profile=instance).values_list(
            "borrower_id", flat=True
        )
        refresh_triage(set(stored), timezone.localdate())


def triage_changed(borrower_id: int) -> None:
    """Recompute a borrower's stored caseload figures after a change, if any are stored."""

    if Triage.objects.filter(pk=borrower_id).exists():
        refresh_triage([borrower_id], timezone.localdate())


def position_changed(borrower_id: int) -> None:
    """After any write to what a borrower's position is computed from (debts,
    proposals, plans, payments, the budget): a new position stamp, so the kept
    position is not read again, and the caseload figures. Writes that bypass the
    model signals (bulk updates) call it themselves."""

    PositionStamp.renew([borrower_id])
    triage_changed(borrower_id)


@receiver(request_started)
def request_began(sender, **kwargs):
    """A new request: the stamp read with its signed-in user is current until a write."""
    PositionStamp.request_started()


@receiver(request_finished)
def request_ended(sender, **kwargs):
    """Out of a request (a task, a command), every stamp is read from the database."""
    PositionStamp.request_finished()


@receiver(post_save, sender=Borrower)
def borrower_saved(sender, instance, created, raw=False, **kwargs):
    """The budget is part of the position (the monthly capacity); a new borrower
    gets a stamp at once."""

    if raw:
        return
    if created:
        PositionStamp.objects.get_or_create(borrower=instance)
    else:
        position_changed(instance.pk)


@receiver(post_save, sender=Debt)
@receiver(post_delete, sender=Debt)
def debt_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        position_changed(instance.borrower_id)


@receiver(post_save, sender=CaseNote)
@receiver(post_delete, sender=CaseNote)
def case_note_changed(sender, instance, raw=False, **kwargs):
    """A note may be the next action in the caseload; it is not part of the position."""
    if not raw:
        triage_changed(instance.borrower_id)


@receiver(post_save, sender=AccessGrant)
def grant_saved(sender, instance, created, raw=False, **kwargs):
    """A new caseload member gets its figures at once (the caseload reads them)."""

    if created and not raw:
        refresh_triage([instance.borrower_id], timezone.localdate())
