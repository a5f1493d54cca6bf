"""The negotiation log: saving a contact with its evidence, and an agreement
by phone or in the app becoming a plan the way an accepted letter does
(repayment_plans/proposals/services.py, record_answer)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from borrowers.data_rights.sections import remove_files
from borrowers.models import Borrower, Debt
from repayment_plans.models import (
    LenderAnswer,
    NegotiationAttachment,
    NegotiationContact,
    Plan,
    Proposal,
)
from repayment_plans.negotiation import attachments
from repayment_plans.negotiation.attachments import FileType
from repayment_plans.plans.schedules import Method
from repayment_plans.proposals import services as proposal_services
from repayment_plans.refusals import Refused

MAX_ATTACHMENTS_PER_CONTACT = 10


def agreeable_debts(borrower: Borrower, lender: str) -> list[Debt]:
    """The lender's debts an agreement can cover: not repaid, not under a plan already."""
    return list(
        Debt.objects.filter(borrower=borrower, lender_name=lender, cleared_on__isnull=True)
        .exclude(proposals__plan__isnull=False)
        .distinct()
        .order_by("pk")
    )


def agreed_on(contact: NegotiationContact) -> date:
    return timezone.localdate(contact.occurred_at)


@transaction.atomic
def save_contact(
    contact: NegotiationContact,
    *,
    idempotency_key: str = "",
    evidence: tuple[UploadedFile, FileType] | None = None,
    actor=None,
) -> tuple[NegotiationContact, Plan | None]:
    """Save a contact, its evidence file, and the plan an agreement makes.

    Decided under the borrower's row lock: the same form submitted twice
    (the same key) records one contact and one plan; an agreement that cannot
    become a plan is refused and nothing is saved.
    """
    Borrower.objects.select_for_update().get(pk=contact.borrower_id)
    if idempotency_key and contact.pk is None:
        same = NegotiationContact.objects.filter(
            borrower_id=contact.borrower_id, idempotency_key=idempotency_key[:64]
        ).first()
        if same is not None:
            return same, None
        contact.idempotency_key = idempotency_key[:64]
    contact.save()
    plan = None
    if contact.is_agreed and contact.proposal_id is None:
        plan = make_plan(contact, actor)
    if evidence is not None:
        add_attachment(contact, *evidence)
    return contact, plan


def make_plan(contact: NegotiationContact, actor=None) -> Plan:
    """The agreed terms as the lender's answer to a proposal, through record_answer.

    When the lender has a finalised proposal still waiting for an answer and
    covering exactly the debts agreed, the call answers it (accepted when the
    terms are the letter's, else the lender's counter-offer, accepted);
    otherwise a proposal with the agreed terms is recorded for the lender's
    debts, and accepted.
    """
    assert contact.offer_monthly is not None and contact.offer_months is not None
    assert contact.offer_first_due is not None
    debts = agreeable_debts(contact.borrower, contact.lender_name)
    if not debts:
        raise Refused(
            gettext(
                "Every debt with this lender is repaid or already under an agreed plan. "
                "If the lender agreed to new terms, change the plan from the plan's page."
            )
        )
    amount = contact.offer_monthly * contact.offer_months
    answer = LenderAnswer(
        kind=LenderAnswer.Kind.ACCEPTED,
        answered_on=agreed_on(contact),
        note=contact.asked[:2000],
        channel=contact.channel,
        agent=contact.agent,
        agreed_amount=amount,
    )
    proposal = _waiting_proposal(contact, debts)
    accept_counter = False
    if proposal is not None:
        if (
            proposal.months != contact.offer_months
            or proposal.first_due_date != contact.offer_first_due
            or proposal.method != Method.INTEREST_FREE
        ):
            answer.kind = LenderAnswer.Kind.COUNTERED
            answer.counter_months = contact.offer_months
            answer.counter_first_due_date = contact.offer_first_due
            answer.counter_method = Method.INTEREST_FREE
            answer.counter_annual_percent = Decimal("0")
            accept_counter = True
    else:
        proposal = Proposal.objects.create(
            borrower=contact.borrower,
            lender_name=contact.lender_name,
            months=contact.offer_months,
            first_due_date=contact.offer_first_due,
            method=Method.INTEREST_FREE,
            annual_percent=Decimal("0"),
            ask_freeze_interest=contact.interest_continues != NegotiationContact.Continues.YES,
            ask_waive_penalty=contact.penalties_continue != NegotiationContact.Continues.YES,
        )
        proposal.debts.set(debts)
    plan = proposal_services.record_answer(proposal, answer, accept_counter, actor)
    assert plan is not None
    contact.proposal = proposal
    NegotiationContact.objects.filter(pk=contact.pk).update(proposal=proposal)
    return plan


def _waiting_proposal(contact: NegotiationContact, debts: list[Debt]) -> Proposal | None:
    waiting = (
        Proposal.objects.filter(
            borrower_id=contact.borrower_id,
            lender_name=contact.lender_name,
            status=Proposal.Status.FINALISED,
            plan__isnull=True,
        )
        .prefetch_related("debts")
        .order_by("-updated_at", "-pk")
    )
    wanted = {d.pk for d in debts}
    for proposal in waiting:
        if {d.pk for d in proposal.debts.all()} == wanted:
            return proposal
    return None


def add_attachment(
    contact: NegotiationContact, upload: UploadedFile, file_type: FileType
) -> NegotiationAttachment:
    """Store the file under the borrower's folder with a random name and the
    extension of what it is, not of what it was called."""
    if contact.attachments.count() >= MAX_ATTACHMENTS_PER_CONTACT:
        raise Refused(
            gettext("A contact keeps at most %(n)s files.") % {"n": MAX_ATTACHMENTS_PER_CONTACT}
        )
    attachment = NegotiationAttachment(
        contact=contact,
        kind=file_type.kind,
        original_name=(upload.name or "")[-200:],
        content_type=file_type.content_type,
        size=upload.size or 0,
    )
    return attachments.store(attachment, attachment.file, upload, "evidence", file_type)


@transaction.atomic
def delete_contact(contact: NegotiationContact) -> None:
    """The contact and its files (once the deletion commits). A plan it made stays."""
    names = [a.file.name for a in contact.attachments.all() if a.file.name]
    contact.delete()
    transaction.on_commit(lambda: remove_files(names))


@transaction.atomic
def delete_attachment(attachment: NegotiationAttachment) -> None:
    name = attachment.file.name
    attachment.delete()
    if name:
        transaction.on_commit(lambda: remove_files([name]))
