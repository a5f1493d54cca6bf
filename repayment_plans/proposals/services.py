"""Proposals: status and audit trail, the letter, finalising, sending and the
lender's answer."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from borrowers.models import Debt
from borrowers.money import ZERO
from borrowers.numerals import capital_yuan
from borrowers.pdf import render_printable_pdf
from borrowers.signals import position_changed
from repayment_plans.models import (
    EmailDelivery,
    LenderAnswer,
    Plan,
    Proposal,
    ProposalEvent,
    ProposalVersion,
    ReminderKind,
)
from repayment_plans.negotiation import evidence
from repayment_plans.plans.schedules import Schedule
from repayment_plans.plans.services import create_plan
from repayment_plans.position import compute as position
from repayment_plans.position import load as position_load
from repayment_plans.position.load import amount_to_repay, load_position
from repayment_plans.proposals.mail import new_message_id
from repayment_plans.recovery import timeline as recovery
from repayment_plans.recovery.charts import balance_chart
from repayment_plans.recovery.text import milestone_card
from repayment_plans.refusals import NothingChanged, Refused
from repayment_plans.reminders.notify import notify_counselors
from repayment_plans.tasks import send_proposal_email


def change_status(
    proposal: Proposal, to_status: str, actor=None, comment: str = "", section: str = ""
) -> ProposalEvent | None:
    """Set a proposal's status and record who changed it, when, from what (audit)."""

    from_status = proposal.status
    Proposal.objects.filter(pk=proposal.pk).update(status=to_status)
    proposal.status = to_status
    position_changed(proposal.borrower_id)
    if from_status == to_status and not comment:
        return None
    name = ""
    if actor is not None:
        counselor = getattr(actor, "counselor", None)
        borrower = getattr(actor, "borrower", None)
        name = (
            counselor.display_name
            if counselor is not None
            else borrower.display_name
            if borrower is not None
            else actor.email
        )
    return ProposalEvent.objects.create(
        proposal=proposal,
        actor=actor,
        actor_name=name[:80],
        from_status=from_status,
        to_status=to_status,
        comment=comment,
        section=section,
    )


def open_review_comments(proposal: Proposal, events=None) -> dict[str, ProposalEvent]:
    """The counselor's requests for changes not yet answered by a new request
    for review, by section ("" for a comment on no particular section)."""
    if proposal.status not in (Proposal.Status.CHANGES_REQUESTED, Proposal.Status.DRAFT):
        return {}
    comments: dict[str, ProposalEvent] = {}
    for event in proposal.events.all() if events is None else events:
        if event.to_status == Proposal.Status.IN_REVIEW:
            comments = {}
        elif event.to_status == Proposal.Status.CHANGES_REQUESTED and event.comment:
            comments[event.section] = event
    return comments


def proposal_debts(proposal: Proposal) -> list[Debt]:
    return list(proposal.debts.select_related("profile").order_by("pk"))


def proposal_schedule(proposal: Proposal, debts=None) -> Schedule | None:
    """The proposal's schedule, or None when its debts leave nothing to repay
    (for example after the debts were deleted)."""
    debts = proposal_debts(proposal) if debts is None else debts
    return position_load.proposal_schedule(proposal, debts)


def letter_context(proposal: Proposal, today: date) -> dict:
    """Everything the letter (HTML preview and PDF) shows."""
    debts = proposal_debts(proposal)
    schedule = proposal_schedule(proposal, debts)
    if schedule is None:
        raise NothingToPropose
    borrower = proposal.borrower
    amount = amount_to_repay(debts, proposal.ask_waive_penalty)
    current = load_position(borrower, today)
    rows = [(d, current.by_debt(d.pk)) for d in debts]  # days past due as every page shows
    return {
        "proposal": proposal,
        "borrower": borrower,
        "debts": rows,
        "schedule": schedule,
        "amount": amount,
        "amount_capital": capital_yuan(amount),
        "monthly_capital": capital_yuan(schedule.first_regular_payment),
        "good_faith_capital": capital_yuan(proposal.good_faith_amount)
        if proposal.good_faith_amount
        else "",
        "today": today,
        "totals": {
            "principal": sum((d.principal for d in debts), ZERO),
            "interest": sum((d.interest for d in debts), ZERO),
            "penalty_fees": sum((d.penalty_fees for d in debts), ZERO),
        },
        "is_credit_card": any(d.profile.is_credit_card for d in debts),
        "attachments": attached_documents(proposal),
    }


def attached_documents(proposal: Proposal) -> list:
    """What the borrower ticked as attached, in the order of the checklist."""
    ticked = set(proposal.evidence or ())
    order = evidence.COMMON_KEYS + tuple(evidence.DOCUMENTS)
    return [evidence.DOCUMENTS[key] for key in dict.fromkeys(order) if key in ticked]


def record_section(debts, schedule: Schedule, today: date) -> dict:
    """What the plan would do for the record if the lender accepts: shown to the
    borrower on the proposal page (the letter is for the lender)."""

    plan = position.scenario(
        "this", ((i.due_date, i.payment) for i in schedule.installments), today
    )

    accounts = [
        replace(position.recovery_account(position_load.debt_input(d), None, False), plan=plan)
        for d in debts
    ]
    timeline = recovery.recovery_timeline(accounts, today)
    return {
        "record_chart": balance_chart(timeline, gettext("Remaining balance by month")),
        "record_milestones": [milestone_card(m) for m in timeline.milestones if m.account is None],
    }


def render_letter_html(proposal: Proposal, today: date, language: str, request=None) -> str:
    """The letter as HTML: for the PDF, or with ``request`` for the page that
    previews it (its inline style then carries the page's CSP nonce)."""
    with translation.override(language):
        return render_to_string(
            "pdf/proposal.html", letter_context(proposal, today), request=request
        )


class NothingToPropose(Exception):
    """The proposal's debts leave nothing to repay."""


@transaction.atomic
def finalise(proposal: Proposal, today: date, language: str, actor=None) -> ProposalVersion:
    """Store the current terms as the next immutable version, with its PDF.

    Characters that no PDF font has are drawn as □; the version's
    ``unprintable`` (not stored) lists them, for the view to tell the borrower.
    """
    if proposal_schedule(proposal) is None:
        raise NothingToPropose

    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    # Decided under the lock: a second finalise of the same terms makes nothing.
    if not proposal.has_unfinalised_changes:
        raise NothingChanged(gettext("Nothing has changed since the last version."))
    number = (proposal.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    html = render_letter_html(proposal, today, language)
    pdf_bytes, unprintable = render_printable_pdf(html)
    schedule = proposal_schedule(proposal)
    assert schedule is not None  # render_letter_html raised NothingToPropose otherwise
    version = ProposalVersion(
        proposal=proposal,
        number=number,
        sha256=hashlib.sha256(pdf_bytes).hexdigest(),
        language=language,
        terms={
            "months": proposal.months,
            "method": proposal.method,
            "annual_percent": str(proposal.annual_percent),
            "first_due_date": proposal.first_due_date.isoformat(),
            "good_faith_amount": str(proposal.good_faith_amount),
            "ask_freeze_interest": proposal.ask_freeze_interest,
            "ask_waive_penalty": proposal.ask_waive_penalty,
            "debt_ids": [d.pk for d in proposal.debts.all()],
            "installments": [
                [i.number, i.due_date.isoformat(), str(i.payment)] for i in schedule.installments
            ],
        },
    )
    version.pdf.save(f"proposal-{proposal.pk}-v{number}.pdf", ContentFile(pdf_bytes), save=False)
    stored = version.pdf.name
    assert stored is not None  # save() named the file
    try:
        version.save()
        proposal.disclosures_acknowledged_at = timezone.now()
        Proposal.objects.filter(pk=proposal.pk).update(
            disclosures_acknowledged_at=proposal.disclosures_acknowledged_at
        )
        change_status(proposal, Proposal.Status.FINALISED, actor, f"v{number}")
    except Exception:
        # The transaction rolls back: no file without the row that owns it.
        version.pdf.storage.delete(stored)
        raise
    # Keep updated_at untouched so that "changed since the last version" stays false.
    version.unprintable = unprintable
    return version


RESEND_AFTER = timedelta(minutes=10)


@transaction.atomic
def queue_delivery(
    version: ProposalVersion, to_email: str, idempotency_key: str = "", resend: bool = False
) -> EmailDelivery:
    """Record a sending and enqueue it once the transaction commits.

    Decided under the proposal's row lock: the same form submitted twice, or
    the same version sent again to the same address while the first one is
    queued or was sent in the last minutes, sends nothing more.
    """

    Proposal.objects.select_for_update().get(pk=version.proposal_id)
    if idempotency_key:
        same = version.deliveries.filter(idempotency_key=idempotency_key).first()
        if same is not None:
            return same
    recent = version.deliveries.filter(to_email__iexact=to_email).filter(
        Q(status=EmailDelivery.Status.QUEUED)
        | Q(status=EmailDelivery.Status.SENT, created_at__gte=timezone.now() - RESEND_AFTER)
    )
    if not resend and recent.exists():
        raise Refused(gettext("This version is already on its way to that address."))
    delivery = EmailDelivery.objects.create(
        version=version,
        to_email=to_email,
        cc_email=version.proposal.borrower.user.email,
        idempotency_key=idempotency_key[:64],
        message_id=new_message_id(),
    )
    transaction.on_commit(lambda: send_proposal_email.delay(delivery.pk))
    return delivery


@transaction.atomic
def record_answer(
    proposal: Proposal, answer: LenderAnswer, accept_counter: bool = False, actor=None
) -> Plan | None:
    """Save the lender's answer; an acceptance (of the proposal, or of the
    lender's counter-offer by the borrower) creates the active plan.

    Decided under the proposal's row lock: once a plan exists, another answer
    is refused (it would otherwise replace the plan and its payments), so two
    answers submitted at once store one.
    """
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if Plan.objects.filter(proposal=proposal).exists() or proposal.status in (
        Proposal.Status.ACCEPTED,
        Proposal.Status.REJECTED,
    ):
        raise Refused(
            gettext(
                "This proposal already has its answer. If the lender agreed to new terms, "
                "change the plan from the plan's page: the payments are kept."
            )
        )
    answer.proposal = proposal
    answer.counter_accepted = answer.kind == LenderAnswer.Kind.COUNTERED and accept_counter
    answer.save()
    change_status(proposal, answer.kind, actor, answer.note)
    plan = None
    if answer.kind == LenderAnswer.Kind.ACCEPTED or answer.counter_accepted:
        terms = answer_terms(proposal, answer)
        plan = create_plan(proposal, **terms, agreed_on=answer.answered_on)
    _notify_answer(proposal, answer)
    return plan


def _notify_answer(proposal: Proposal, answer: LenderAnswer) -> None:
    """Tell the counselors who follow the borrower that the lender answered.

    Every way an answer is recorded (the answer form, an agreement in the
    negotiation log) goes through record_answer, which calls this. The rows are
    written in the answer's transaction, so they exist exactly when the answer
    does; the emails are queued after the commit (notify).
    """
    notify_counselors(
        proposal.borrower_id,
        ReminderKind.CASE_ANSWERED,
        f"answer:{answer.pk}",
        {
            "borrower": proposal.borrower.display_name,
            "lender": proposal.lender_name,
            "answer": answer.kind,
            "counter_accepted": answer.counter_accepted,
        },
        reverse("counselor_review", args=[proposal.borrower_id, proposal.pk]),
    )


def answer_terms(proposal: Proposal, answer: LenderAnswer) -> dict:
    """The terms an answer puts forward: the proposal's own, or those of the
    lender's counter-offer (what it leaves out stays as proposed). The plan of
    an accepted answer and the verdict on a counter-offer both start here."""
    terms = _proposal_terms(proposal)
    if answer.agreed_amount:
        terms["amount"] = answer.agreed_amount
    if answer.kind == LenderAnswer.Kind.COUNTERED:
        terms.update(
            months=answer.counter_months or terms["months"],
            method=answer.counter_method or terms["method"],
            annual_percent=answer.counter_annual_percent
            if answer.counter_annual_percent is not None
            else terms["annual_percent"],
            first_due=answer.counter_first_due_date or terms["first_due"],
        )
    return terms


def _proposal_terms(proposal: Proposal) -> dict:
    return {
        "amount": amount_to_repay(proposal_debts(proposal), proposal.ask_waive_penalty),
        "months": proposal.months,
        "first_due": proposal.first_due_date,
        "method": proposal.method,
        "annual_percent": proposal.annual_percent,
        "good_faith": proposal.good_faith_amount,
    }
