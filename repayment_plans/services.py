"""ORM-level operations on proposals and plans. Views call these; the maths
lives in the pure modules (affordability, schedules, adherence)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from borrowers.models import Borrower, Debt
from borrowers.money import FEN, ZERO
from borrowers.numerals import capital_yuan, figures
from repayment_plans.models import (
    EmailDelivery,
    Installment,
    LenderAnswer,
    Payment,
    Plan,
    PlanChange,
    Proposal,
    ProposalVersion,
)
from repayment_plans.plans import adherence
from repayment_plans.plans.schedules import Method, Schedule, add_months, build_schedule
from repayment_plans.position import compute as position
from repayment_plans.position import load as position_load
from repayment_plans.position.compute import ProposalInput
from repayment_plans.position.load import amount_to_repay, load_position
from repayment_plans.proposals.mail import new_message_id
from repayment_plans.recovery import timeline as recovery
from repayment_plans.strategies.affordability import DebtSnapshot, LenderGroup, StrategyOutcome


def change_status(proposal: Proposal, to_status: str, actor=None, comment: str = "") -> None:
    """Set a proposal's status and record who changed it, when, from what (audit)."""
    from borrowers.signals import touch_triage
    from repayment_plans.models import ProposalEvent

    from_status = proposal.status
    Proposal.objects.filter(pk=proposal.pk).update(status=to_status)
    proposal.status = to_status
    touch_triage(proposal.borrower_id)
    if from_status == to_status and not comment:
        return
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
    ProposalEvent.objects.create(
        proposal=proposal,
        actor=actor,
        actor_name=name[:80],
        from_status=from_status,
        to_status=to_status,
        comment=comment,
    )


def debt_snapshot(debt: Debt) -> DebtSnapshot:
    return DebtSnapshot(
        debt_id=debt.pk,
        balance=debt.principal + debt.interest,
        penalty_fees=debt.penalty_fees,
        annual_percent=debt.annual_rate_percent,
        first_missed=debt.first_missed_date,
        grace_days=debt.grace_days,
    )


@dataclass
class StrategyInputs:
    """What the strategies split: the capacity left after the agreed plans and
    the proposals awaiting an answer, across the debts not negotiated yet."""

    position: position.BorrowerPosition
    groups: list[LenderGroup]
    capacity: Decimal  # for the split, yuan a month
    pending: list[ProposalInput]  # awaiting an answer: kept as they are
    pending_monthly: Decimal  # the most they ask in any month
    second_to: set[str]  # lenders that already have a pending or agreed proposal
    committed: Decimal  # agreed and pending together, in their heaviest month

    @property
    def over_capacity(self) -> Decimal:
        """How much agreed plans and pending proposals ask above the capacity."""
        return max(self.committed - self.position.capacity, ZERO)


def strategy_inputs(borrower: Borrower, today: date) -> StrategyInputs:
    current = load_position(borrower, today)
    negotiable = {
        p.debt_id for p in current.debts if p.standing == position.Standing.NOT_NEGOTIATED
    }
    debts = borrower.debts.select_related("profile")
    pending = [p for p in current.proposals if p.pending]
    pending_load = monthly_load(
        ((i.number, i.due, i.amount) for p in pending for i in p.installments),
        today.replace(day=1),
    )
    pending_monthly = position.peak_month(pending_load)[1]
    committed = current.agreed_load()
    for month, amount in pending_load.items():
        committed[month] = committed.get(month, ZERO) + amount
    taken = {p.lender for p in pending} | {p.lender for p in current.plans}
    return StrategyInputs(
        position=current,
        groups=lender_groups_from([d for d in debts if d.pk in negotiable]),
        capacity=max(current.capacity_left - pending_monthly, ZERO),
        pending=pending,
        pending_monthly=pending_monthly,
        second_to=taken,
        committed=position.peak_month(committed)[1],
    )


def max_term_for(debts) -> int:
    return min((d.profile.max_term_months for d in debts), default=1)


@transaction.atomic
def adopt_strategy(borrower: Borrower, outcome: StrategyOutcome, today: date) -> list[Proposal]:
    """Pre-fill one draft proposal per lender from the chosen strategy.

    The strategy covers the debts not negotiated yet. A lender's draft is
    updated in place; where the lender already has a proposal awaiting an
    answer or an agreed plan, those stay as they are and the new debts get a
    second proposal.
    """
    inputs = strategy_inputs(borrower, today)
    debts = {d.pk: d for d in Debt.objects.for_user(borrower.user)}
    proposals = []
    groups = {g.lender: g for g in inputs.groups}
    for allocation in outcome.allocations:
        if allocation.months == 0 or allocation.lender not in groups:
            continue
        group = groups[allocation.lender]
        proposal = (
            Proposal.objects.for_user(borrower.user)
            .filter(lender_name=allocation.lender, status=Proposal.Status.DRAFT, plan__isnull=True)
            .order_by("-updated_at", "-pk")
            .first()
        )
        if proposal is None:
            proposal = Proposal(borrower=borrower, lender_name=allocation.lender)
        proposal.months = allocation.months
        proposal.first_due_date = allocation.first_due
        proposal.method = Method.INTEREST_FREE
        proposal.annual_percent = Decimal("0")
        proposal.good_faith_amount = Decimal("0")
        proposal.ask_waive_penalty = True
        proposal.strategy = outcome.strategy
        proposal.save()
        proposal.debts.set([debts[d.debt_id] for d in group.debts])
        proposals.append(proposal)
    return proposals


def proposal_debts(proposal: Proposal) -> list[Debt]:
    return list(proposal.debts.select_related("profile").order_by("pk"))


def schedule_for(
    amount: Decimal,
    months: int,
    first_due: date,
    method: str,
    annual_percent: Decimal,
    good_faith: Decimal = ZERO,
) -> Schedule:
    method = Method(method)
    rate = ZERO if method == Method.INTEREST_FREE else annual_percent
    return build_schedule(amount, months, first_due, method, rate, good_faith)


def proposal_schedule(proposal: Proposal, debts=None) -> Schedule | None:
    """The proposal's schedule, or None when its debts leave nothing to repay
    (for example after the debts were deleted)."""
    debts = proposal_debts(proposal) if debts is None else debts
    return position_load.proposal_schedule(proposal, debts)


@dataclass(frozen=True)
class CapacityCheck:
    """The month in which this proposal and everything else promised ask the most.

    Agreed plans count with what is still unpaid, other open proposals with
    their schedules, each month by month; a good-faith first payment (money in
    hand, not monthly income) does not count.
    """

    capacity: Decimal
    elsewhere: Decimal  # agreed plans and other proposals in that month, yuan
    this: Decimal  # this proposal in that month, yuan
    month: date | None = None

    @property
    def total(self) -> Decimal:
        return self.elsewhere + self.this

    @property
    def fits(self) -> bool:
        return self.total <= self.capacity

    @property
    def left(self) -> Decimal:
        return self.capacity - self.total


def monthly_load(installments, first_month: date) -> dict[date, Decimal]:
    """Yuan by month (first day) of regular installments (number >= 1)."""
    load: dict[date, Decimal] = {}
    for number, due, amount in installments:
        if number < 1:
            continue
        month = max(due.replace(day=1), first_month)
        load[month] = load.get(month, ZERO) + amount
    return load


def capacity_check(
    borrower: Borrower, proposal: Proposal | None, schedule: Schedule, today: date | None = None
) -> CapacityCheck:
    current = load_position(borrower, today)
    first = current.today.replace(day=1)
    elsewhere = current.agreed_load()
    for other in current.proposals:
        if proposal is not None and other.proposal_id == proposal.pk:
            continue
        for month, amount in monthly_load(
            ((i.number, i.due, i.amount) for i in other.installments), first
        ).items():
            elsewhere[month] = elsewhere.get(month, ZERO) + amount
    this = monthly_load(((i.number, i.due_date, i.payment) for i in schedule.installments), first)
    months = set(elsewhere) | set(this)
    if not months:
        return CapacityCheck(borrower.monthly_capacity, ZERO, ZERO)
    peak = max(
        months,
        key=lambda m: (
            elsewhere.get(m, ZERO) + this.get(m, ZERO),
            this.get(m, ZERO),
            -m.toordinal(),
        ),
    )
    return CapacityCheck(
        capacity=current.capacity,
        elsewhere=elsewhere.get(peak, ZERO),
        this=this.get(peak, ZERO),
        month=peak,
    )


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
        **record_section(debts, schedule, today),
    }


def record_section(debts, schedule: Schedule, today: date) -> dict:
    """ "What this plan does for my record": the timeline if the lender accepts."""
    from django.utils.translation import gettext

    from repayment_plans.recovery.charts import balance_chart
    from repayment_plans.recovery.text import milestone_card

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


class Refused(Exception):
    """A change decided under the row lock that cannot be made as asked; the
    message says why, for the page."""


class NothingChanged(Refused):
    """Finalising again with no change since the last version (e.g. a double click)."""


@transaction.atomic
def finalise(proposal: Proposal, today: date, language: str, actor=None) -> ProposalVersion:
    """Store the current terms as the next immutable version, with its PDF.

    Characters that no PDF font has are drawn as □; the version's
    ``unprintable`` (not stored) lists them, for the view to tell the borrower.
    """
    if proposal_schedule(proposal) is None:
        raise NothingToPropose
    from borrowers.pdf import render_printable_pdf

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
    from repayment_plans.tasks import send_proposal_email

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
    if answer.kind == LenderAnswer.Kind.ACCEPTED:
        return create_plan(proposal, **_proposal_terms(proposal), agreed_on=answer.answered_on)
    if answer.counter_accepted:
        terms = _proposal_terms(proposal)
        terms.update(
            months=answer.counter_months or terms["months"],
            method=answer.counter_method or terms["method"],
            annual_percent=answer.counter_annual_percent
            if answer.counter_annual_percent is not None
            else terms["annual_percent"],
            first_due=answer.counter_first_due_date or terms["first_due"],
        )
        return create_plan(proposal, **terms, agreed_on=answer.answered_on)
    return None


def _proposal_terms(proposal: Proposal) -> dict:
    return {
        "amount": amount_to_repay(proposal_debts(proposal), proposal.ask_waive_penalty),
        "months": proposal.months,
        "first_due": proposal.first_due_date,
        "method": proposal.method,
        "annual_percent": proposal.annual_percent,
        "good_faith": proposal.good_faith_amount,
    }


def create_plan(
    proposal: Proposal,
    *,
    amount: Decimal,
    months: int,
    first_due: date,
    method: str,
    annual_percent: Decimal,
    good_faith: Decimal,
    agreed_on: date | None = None,
) -> Plan:
    schedule = schedule_for(amount, months, first_due, method, annual_percent, good_faith)
    plan = Plan.objects.create(
        proposal=proposal,
        principal=amount,
        method=method,
        annual_percent=annual_percent if method != Method.INTEREST_FREE else ZERO,
        months=months,
        first_due_date=first_due,
        agreed_on=agreed_on or timezone.localdate(),
    )
    Installment.objects.bulk_create(
        Installment(
            plan=plan,
            number=i.number,
            due_date=i.due_date,
            amount=i.payment,
            principal=i.principal,
            interest=i.interest,
        )
        for i in schedule.installments
    )
    from borrowers.signals import touch_triage

    touch_triage(proposal.borrower_id)
    return plan


@transaction.atomic
def record_payment(
    plan: Plan, amount: Decimal, paid_on: date, user=None, idempotency_key: str = ""
) -> Payment:
    """Save a payment and re-apply all payments to the oldest open installments.

    Decided under the plan's row lock: what is left is computed again there,
    so two payments submitted at once never pay more than the plan; the same
    form submitted twice records one payment.
    """
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if idempotency_key:
        same = plan.payments.filter(idempotency_key=idempotency_key).first()
        if same is not None:
            return same
    left = plan.outstanding
    if amount > left:
        raise Refused(
            gettext("That is more than what is left on this plan (¥%(left)s).")
            % {"left": figures(left)}
        )
    payment = Payment.objects.create(
        plan=plan,
        amount=amount,
        paid_on=paid_on,
        recorded_by=user,
        idempotency_key=idempotency_key[:64],
    )
    _apply_payments(plan)
    return payment


def _apply_payments(plan: Plan) -> None:
    """Apply all the plan's payments to its installments, oldest first, and
    complete the plan when every installment is paid. Called under the plan's
    row lock."""
    installments = list(plan.installments.order_by("number"))
    applied = adherence.apply_payments(
        [i.amount for i in installments],
        list(plan.payments.values_list("paid_on", "amount")),
    )
    for installment, result in zip(installments, applied, strict=True):
        installment.paid_amount = result.paid_amount
        installment.paid_on = result.paid_on
    Installment.objects.bulk_update(installments, ["paid_amount", "paid_on"])
    done = all(i.paid_on is not None for i in installments)
    status = Plan.Status.COMPLETED if done else Plan.Status.ACTIVE
    if plan.status != status:
        plan.status = status
        plan.save(update_fields=["status"])
    from borrowers.signals import touch_triage

    touch_triage(plan.proposal.borrower_id)  # installments changed in bulk, without signals


@dataclass(frozen=True)
class PlanTerms:
    """New terms the lender agreed to for what is left on a plan."""

    amount: Decimal
    months: int
    first_due: date
    method: str
    annual_percent: Decimal


def _plan_record(plan: Plan, installments) -> dict:
    return {
        "version": plan.version,
        "principal": str(plan.principal),
        "months": plan.months,
        "method": plan.method,
        "annual_percent": str(plan.annual_percent),
        "first_due_date": plan.first_due_date.isoformat(),
        "installments": [
            {
                "number": i.number,
                "due_date": i.due_date.isoformat(),
                "amount": str(i.amount),
                "paid_amount": str(i.paid_amount),
            }
            for i in installments
        ],
    }


@transaction.atomic
def change_plan(
    plan: Plan,
    terms: PlanTerms,
    *,
    based_on_version: int,
    agreed_on: date,
    reason: str,
    actor=None,
) -> PlanChange:
    """Make the lender's new terms the plan's next version.

    Nothing paid is lost: the installments already paid stay as they were, the
    one paid in part is closed at what was paid, and the new schedule for
    ``terms.amount`` follows them; every payment is then applied again, oldest
    first. The replaced version is kept in a PlanChange row. Decided under the
    plan's row lock; a form based on an older version is refused, so a double
    submission changes the plan once.
    """
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan.version != based_on_version:
        raise Refused(gettext("The plan was changed in the meantime. Check its new terms."))
    installments = list(plan.installments.order_by("number"))
    record = _plan_record(plan, installments)
    kept = [i for i in installments if i.paid_amount > 0]
    for installment in kept:
        if installment.paid_amount < installment.amount:
            # Closed at what was paid; its unpaid part is in terms.amount.
            share = installment.paid_amount / installment.amount
            installment.principal = (installment.principal * share).quantize(FEN)
            installment.interest = installment.paid_amount - installment.principal
            installment.amount = installment.paid_amount
    if kept and terms.first_due <= kept[-1].due_date:
        raise Refused(gettext("The new installments must start after the last one paid."))
    Installment.objects.filter(plan=plan).exclude(pk__in=[i.pk for i in kept]).delete()
    Installment.objects.bulk_update(kept, ["amount", "principal", "interest"])
    schedule = schedule_for(
        terms.amount, terms.months, terms.first_due, terms.method, terms.annual_percent
    )
    start = len(kept)
    Installment.objects.bulk_create(
        Installment(
            plan=plan,
            number=start + i.number,
            due_date=i.due_date,
            amount=i.payment,
            principal=i.principal,
            interest=i.interest,
        )
        for i in schedule.installments
    )
    plan.version += 1
    plan.principal = sum((i.principal for i in kept), ZERO) + terms.amount
    plan.months = start + terms.months
    plan.method = terms.method
    plan.annual_percent = terms.annual_percent if terms.method != Method.INTEREST_FREE else ZERO
    plan.first_due_date = installments[0].due_date if kept else terms.first_due
    plan.save(
        update_fields=[
            "version",
            "principal",
            "months",
            "method",
            "annual_percent",
            "first_due_date",
        ]
    )
    change = PlanChange.objects.create(
        plan=plan,
        version=plan.version,
        agreed_on=agreed_on,
        reason=reason,
        changed_by=actor,
        previous=record,
    )
    _apply_payments(plan)
    return change


def next_month_first(today: date) -> date:
    """A sensible default first installment date: the 1st of next month or later."""
    return add_months(today.replace(day=1), 1)


@dataclass
class TimelineInputs:
    """The projection (what is agreed) and, beside it, the scenario "if the
    lenders accept": pending proposals as if agreed today, and for debts with
    neither, the stop-escalation plan the capacity left allows."""

    position: position.BorrowerPosition
    accounts: list[recovery.AccountInput]
    scenario: list[recovery.AccountInput] | None
    pending_lenders: list[str]
    suggested_lenders: list[str]


def timeline_inputs(borrower: Borrower, today: date) -> TimelineInputs:
    from repayment_plans.strategies.affordability import Strategy, plan_strategy

    current = load_position(borrower, today)
    accounts = current.recovery_accounts()
    scenario = current.scenario_accounts()
    pending = sorted({p.lender for p in current.debts if p.pending})
    suggested: list[str] = []
    rest = [p for p in current.debts if p.standing == position.Standing.NOT_NEGOTIATED]
    pending_peak = position.peak_month(
        monthly_load(
            (
                (i.number, i.due, i.amount)
                for proposal in {
                    p.proposal for p in current.debts if p.pending and p.proposal is not None
                }
                for i in proposal.installments
            ),
            today.replace(day=1),
        )
    )[1]
    capacity = current.capacity_left - pending_peak
    if rest and capacity > 0:
        debts = {d.pk: d for d in Debt.objects.for_user(borrower.user).select_related("profile")}
        groups = lender_groups_from([debts[p.debt_id] for p in rest])
        outcome = plan_strategy(
            groups, capacity, Strategy.STOP_ESCALATION, next_month_first(today), today
        )
        by_lender = {g.lender: g for g in groups}
        planned: dict[str, recovery.PlanInput] = {}
        for allocation in outcome.allocations:
            if allocation.months == 0:
                continue
            group = by_lender[allocation.lender]
            schedule = schedule_for(
                group.balance, allocation.months, allocation.first_due, Method.INTEREST_FREE, ZERO
            )
            plan = position.scenario(
                f"best-{allocation.lender}",
                ((i.due_date, i.payment) for i in schedule.installments),
                today,
            )
            for snapshot in group.debts:
                planned[str(snapshot.debt_id)] = plan
            suggested.append(allocation.lender)
        if planned:
            base = scenario if scenario is not None else accounts
            scenario = [
                replace(a, plan=planned[a.key], pending=False) if a.key in planned else a
                for a in base
            ]
    return TimelineInputs(current, accounts, scenario, pending, sorted(suggested))


def lender_groups_from(debts) -> list[LenderGroup]:
    by_lender: dict[str, list[Debt]] = {}
    for debt in debts:
        if debt.cleared_on is None:
            by_lender.setdefault(debt.lender_name.strip(), []).append(debt)
    return [
        LenderGroup(
            lender=lender,
            debts=tuple(debt_snapshot(d) for d in group),
            max_term_months=min(d.profile.max_term_months for d in group),
        )
        for lender, group in sorted(by_lender.items())
    ]
