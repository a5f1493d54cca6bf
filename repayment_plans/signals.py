"""Plans, payments, proposals and counselors' reviews change the caseload figures too."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from borrowers.signals import position_changed, triage_changed
from repayment_plans.legal import signals as legal_signals  # noqa: F401  (the holiday calendar)
from repayment_plans.models import Payment, Plan, Proposal, ProposalEvent
from repayment_plans.position.source import REVIEWED


@receiver(post_save, sender=Plan)
@receiver(post_delete, sender=Plan)
def plan_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        position_changed(instance.proposal.borrower_id)


@receiver(post_save, sender=Payment)
@receiver(post_delete, sender=Payment)
def payment_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        position_changed(instance.plan.proposal.borrower_id)


@receiver(post_save, sender=Proposal)
@receiver(post_delete, sender=Proposal)
def proposal_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        position_changed(instance.borrower_id)


@receiver(m2m_changed, sender=Proposal.debts.through)
def proposal_debts_changed(sender, instance, action, reverse, raw=False, **kwargs):
    """Which debts a proposal covers is part of the position (its schedule and
    which debts it puts under negotiation)."""
    if action in ("post_add", "post_remove", "post_clear"):
        position_changed(instance.borrower_id)


@receiver(post_save, sender=ProposalEvent)
def review_recorded(sender, instance, created, raw=False, **kwargs):
    """A counselor's review (an approval, or a change asked for with its words) may be
    the borrower's next action (borrowers/counselors/caseload.py, ``next_action``);
    the status change itself refreshed the figures just before the event was written."""
    approved = instance.to_status == Proposal.Status.APPROVED
    if created and not raw and instance.to_status in REVIEWED and (instance.comment or approved):
        triage_changed(instance.proposal.borrower_id)
