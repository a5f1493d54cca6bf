"""Plans, payments and proposals change the caseload figures too."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from borrowers.signals import touch_triage
from repayment_plans.legal import signals as legal_signals  # noqa: F401  (the holiday calendar)
from repayment_plans.models import Payment, Plan, Proposal


@receiver(post_save, sender=Plan)
@receiver(post_delete, sender=Plan)
def plan_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        touch_triage(instance.proposal.borrower_id)


@receiver(post_save, sender=Payment)
@receiver(post_delete, sender=Payment)
def payment_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        touch_triage(instance.plan.proposal.borrower_id)


@receiver(post_save, sender=Proposal)
@receiver(post_delete, sender=Proposal)
def proposal_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        touch_triage(instance.borrower_id)
