from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from borrowers.counselors.caseload import refresh_triage
from borrowers.models import AccessGrant, CaseNote, Debt, ProductProfile, Triage


@receiver(post_save, sender=ProductProfile)
def profile_saved(sender, instance, created, raw=False, **kwargs):
    """A profile's terms changed in the admin: its borrowers' caseload figures follow."""

    if not created and not raw:
        stored = Triage.objects.filter(borrower__debts__profile=instance).values_list(
            "borrower_id", flat=True
        )
        refresh_triage(set(stored), timezone.localdate())


def touch_triage(borrower_id: int) -> None:
    """Recompute a borrower's stored caseload figures after a change, if any are stored."""

    if Triage.objects.filter(pk=borrower_id).exists():
        refresh_triage([borrower_id], timezone.localdate())


@receiver(post_save, sender=Debt)
@receiver(post_delete, sender=Debt)
@receiver(post_save, sender=CaseNote)
@receiver(post_delete, sender=CaseNote)
def borrower_data_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        touch_triage(instance.borrower_id)


@receiver(post_save, sender=AccessGrant)
def grant_saved(sender, instance, created, raw=False, **kwargs):
    """A new caseload member gets its figures at once (the caseload reads them)."""

    if created and not raw:
        refresh_triage([instance.borrower_id], timezone.localdate())
