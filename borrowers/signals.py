from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from .models import AccessGrant, CaseNote, Debt, ProductProfile, Triage


@receiver(post_save, sender=ProductProfile)
def profile_saved(sender, instance, created, raw=False, **kwargs):
    """A profile's terms changed in the admin: its borrowers' caseload figures follow."""
    from .caseload import refresh_triage

    if not created and not raw:
        stored = Triage.objects.filter(borrower__debts__profile=instance).values_list(
            "borrower_id", flat=True
        )
        refresh_triage(set(stored), timezone.localdate())


def touch_triage(borrower_id: int) -> None:
    """Recompute a borrower's stored caseload figures after a change, if any are stored."""
    from .caseload import refresh_triage

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
    from .caseload import refresh_triage

    if created and not raw:
        refresh_triage([instance.borrower_id], timezone.localdate())


def connect_repayment_signals():
    """Plans, payments and proposals change the caseload figures too."""
    from repayment_plans.models import Payment, Plan, Proposal

    def plan_changed(sender, instance, raw=False, **kwargs):
        if not raw:
            touch_triage(instance.proposal.borrower_id)

    def payment_changed(sender, instance, raw=False, **kwargs):
        if not raw:
            touch_triage(instance.plan.proposal.borrower_id)

    def proposal_changed(sender, instance, raw=False, **kwargs):
        if not raw:
            touch_triage(instance.borrower_id)

    for signal in (post_save, post_delete):
        signal.connect(plan_changed, sender=Plan, weak=False, dispatch_uid=f"triage-plan-{signal}")
        signal.connect(
            payment_changed, sender=Payment, weak=False, dispatch_uid=f"triage-pay-{signal}"
        )
        signal.connect(
            proposal_changed, sender=Proposal, weak=False, dispatch_uid=f"triage-prop-{signal}"
        )


connect_repayment_signals()
