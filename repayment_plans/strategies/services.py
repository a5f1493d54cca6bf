"""Strategies: the inputs of affordability, adopting a strategy, and the
month-by-month capacity check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction

from borrowers.models import Borrower, Debt
from borrowers.money import ZERO
from borrowers.positions import debts_of
from repayment_plans.models import (
    Proposal,
)
from repayment_plans.plans.schedules import Method, Schedule
from repayment_plans.position import compute as position
from repayment_plans.position.compute import ProposalInput
from repayment_plans.position.load import load_position
from repayment_plans.strategies.affordability import DebtSnapshot, LenderGroup, StrategyOutcome


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
    debts = debts_of(borrower)
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
