"""What the borrower can pay each month, and how to split it across lenders.

Pure functions (docs/domain.md §4): amounts in yuan as Decimal, terms in months,
rates in percent per year; dates are passed in. The four strategies are
compared side by side; none of them ever proposes more than the capacity.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from functools import lru_cache

from borrowers.debts import tiers
from borrowers.debts.budget import monthly_capacity  # noqa: F401 - part of this module's API
from borrowers.money import FEN, ZERO
from repayment_plans.plans.schedules import Method, add_months, build_schedule

# A lender's plan longer than this is no plan: the lender is reported as not covered.
MAX_PLAN_MONTHS = 120


class Strategy(enum.StrEnum):
    STOP_ESCALATION = "stop_escalation"
    PRO_RATA = "pro_rata"
    AVALANCHE = "avalanche"
    SNOWBALL = "snowball"


@dataclass(frozen=True)
class DebtSnapshot:
    """One debt as the planner sees it."""

    debt_id: int
    balance: Decimal  # principal + outstanding interest, yuan
    penalty_fees: Decimal  # already charged, yuan (asked to be waived)
    annual_percent: Decimal  # contract rate
    first_missed: date | None
    grace_days: int


@dataclass(frozen=True)
class LenderGroup:
    """The debts owed to one lender: one proposal letter each."""

    lender: str
    debts: tuple[DebtSnapshot, ...]
    max_term_months: int

    @property
    def balance(self) -> Decimal:
        return sum((d.balance for d in self.debts), ZERO)

    @property
    def annual_percent(self) -> Decimal:
        """Balance-weighted contract rate of the group."""
        if self.balance <= 0:
            return ZERO
        weighted = sum((d.balance * d.annual_percent for d in self.debts), ZERO)
        return weighted / self.balance

    def min_monthly(self, months: int | None = None) -> Decimal:
        """Smallest monthly amount that clears the group within ``months``
        (the maximum term by default), rounded up to the fen."""
        months = months or self.max_term_months
        return (self.balance / months).quantize(FEN, rounding=ROUND_CEILING)

    def urgency(self, today: date) -> tuple[int, int, int]:
        """Stop-escalation sort key, most urgent smallest (docs/domain.md §4).

        A lender with a severe debt comes before any lender without one:
        ``(0, minus the largest DPD, days until the soonest tier change)``,
        so the most overdue severe lender is first. The others follow as
        ``(1, days until the soonest tier change, minus the largest DPD)``.
        A severe debt has no next tier, so it must not be ranked by one.
        """
        soonest, worst = 10**6, 0
        for d in self.debts:
            days = tiers.days_until_next_tier(d.first_missed, today, d.grace_days)
            if days is not None:
                soonest = min(soonest, days)
            worst = max(worst, tiers.days_past_due(d.first_missed, today, d.grace_days)[0])
        if tiers.tier_for(worst) == tiers.Tier.SEVERE:
            return 0, -worst, soonest
        return 1, soonest, -worst


@dataclass
class LenderAllocation:
    lender: str
    monthly: Decimal
    months: int
    start_offset: int  # months after the first due date when this lender's plan starts
    first_due: date
    within_max_term: bool
    tier_crossings: int  # debts that reach a worse tier before the first installment
    interest_avoided: Decimal
    penalty_waived: Decimal
    last_payment: Decimal = ZERO

    @property
    def total_paid(self) -> Decimal:
        if self.months == 0:
            return ZERO
        return self.monthly * (self.months - 1) + self.last_payment

    @property
    def ends_after(self) -> int:
        return self.start_offset + self.months


@dataclass
class StrategyOutcome:
    strategy: Strategy
    capacity: Decimal
    allocations: list[LenderAllocation] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        return bool(self.allocations) and all(a.within_max_term for a in self.allocations)

    @property
    def months_to_clear(self) -> int:
        return max((a.ends_after for a in self.allocations), default=0)

    @property
    def total_paid(self) -> Decimal:
        return sum((a.total_paid for a in self.allocations), ZERO)

    @property
    def avoided(self) -> Decimal:
        return sum((a.interest_avoided + a.penalty_waived for a in self.allocations), ZERO)

    @property
    def tier_crossings(self) -> int:
        return sum(a.tier_crossings for a in self.allocations)

    @property
    def monthly_total(self) -> Decimal:
        return sum((a.monthly for a in self.allocations if a.start_offset == 0), ZERO)


def required_capacity(groups: list[LenderGroup]) -> Decimal:
    """Monthly total needed to clear every lender within its maximum term."""
    return sum((g.min_monthly() for g in groups), ZERO)


def shortfall(groups: list[LenderGroup], capacity: Decimal) -> Decimal:
    return max(ZERO, required_capacity(groups) - capacity)


def _ordered(groups: list[LenderGroup], strategy: Strategy, today: date) -> list[LenderGroup]:
    if strategy == Strategy.STOP_ESCALATION:
        return sorted(groups, key=lambda g: (*g.urgency(today), -g.balance, g.lender))
    if strategy == Strategy.AVALANCHE:
        return sorted(groups, key=lambda g: (-g.annual_percent, g.balance, g.lender))
    if strategy == Strategy.SNOWBALL:
        return sorted(groups, key=lambda g: (g.balance, g.lender))
    return sorted(groups, key=lambda g: g.lender)


def _months_for(balance: Decimal, monthly: Decimal) -> int:
    return int((balance / monthly).to_integral_value(rounding=ROUND_CEILING))


@lru_cache(maxsize=4096)
def _interest_at_contract(
    balance: Decimal, months: int, due: date, annual_percent: Decimal
) -> Decimal:
    """The interest an annuity at the contract rate would charge: what an
    interest-free plan avoids. A function of its arguments alone, so each
    process keeps the latest answers (the four strategies, the timeline's
    scenario and every page after a write ask the same questions again)."""
    return build_schedule(balance, months, due, Method.ANNUITY, annual_percent).total_interest


def _allocation(
    group: LenderGroup, monthly: Decimal, start: int, first_due: date, today: date
) -> LenderAllocation:
    monthly = min(monthly, group.balance)
    months = _months_for(group.balance, monthly)
    if months > MAX_PLAN_MONTHS:
        return _waiting(group, first_due)
    # What the interest-free schedule of that many months really asks: its
    # regular installment (balance / months rounded up, never above ``monthly``);
    # the last absorbs the remainder and is never larger.
    monthly = (group.balance / months).quantize(FEN, rounding=ROUND_CEILING)
    due = add_months(first_due, start)
    crossings = 0
    for d in group.debts:
        now = tiers.tier_for(tiers.days_past_due(d.first_missed, today, d.grace_days)[0])
        then = tiers.tier_for(tiers.days_past_due(d.first_missed, due, d.grace_days)[0])
        crossings += then.rank > now.rank
    interest = ZERO
    for d in group.debts:
        if d.annual_percent > 0 and d.balance > 0:
            interest += _interest_at_contract(d.balance, months, due, d.annual_percent)
    return LenderAllocation(
        lender=group.lender,
        monthly=monthly,
        months=months,
        start_offset=start,
        first_due=due,
        within_max_term=start + months <= group.max_term_months,
        tier_crossings=crossings,
        interest_avoided=interest,
        penalty_waived=sum((d.penalty_fees for d in group.debts), ZERO),
        last_payment=group.balance - monthly * (months - 1),
    )


def plan_strategy(
    groups: list[LenderGroup],
    capacity: Decimal,
    strategy: Strategy,
    first_due: date,
    today: date,
) -> StrategyOutcome:
    """Split ``capacity`` yuan a month across lenders by ``strategy``.

    Pro-rata: every lender starts on the first due date with a share in
    proportion to its balance. The ordered strategies (stop-escalation,
    avalanche, snowball) first give each lender, in order, the minimum that
    clears it within its maximum term, then the surplus to the first in order;
    a lender that does not fit waits until an earlier one is cleared and its
    monthly amount is freed. The plan never asks more than ``capacity`` in
    any month; ``within_max_term`` says whether each lender clears in time.
    """
    outcome = StrategyOutcome(strategy=strategy, capacity=capacity)
    groups = [g for g in groups if g.balance > 0]
    if not groups or capacity <= 0:
        return outcome
    ordered = _ordered(groups, strategy, today)

    if strategy == Strategy.PRO_RATA:
        total = sum((g.balance for g in ordered), ZERO)
        for g in ordered:
            share = (capacity * g.balance / total).quantize(FEN, rounding=ROUND_FLOOR)
            outcome.allocations.append(
                _allocation(g, share, 0, first_due, today) if share > 0 else _waiting(g, first_due)
            )
        return outcome

    free = capacity
    monthly: dict[str, Decimal] = {}
    for g in ordered:
        need = g.min_monthly()
        if need <= free:
            monthly[g.lender] = need
            free -= need
    for g in ordered:
        if g.lender in monthly and free > 0:
            extra = min(free, g.balance - monthly[g.lender])
            monthly[g.lender] += extra
            free -= extra

    started = {
        g.lender: _allocation(g, monthly[g.lender], 0, first_due, today)
        for g in ordered
        if g.lender in monthly
    }
    waiting = [g for g in ordered if g.lender not in monthly]
    # Later starts: when a lender is cleared its monthly amount is freed.
    releases = sorted((a.ends_after, a.monthly) for a in started.values())
    while waiting and releases:
        month, amount = releases.pop(0)
        free += amount
        while releases and releases[0][0] == month:
            free += releases.pop(0)[1]
        for g in list(waiting):
            if free >= min(g.min_monthly(), g.balance):
                allocation = _allocation(g, free, month, first_due, today)
                if allocation.months == 0:
                    continue
                started[g.lender] = allocation
                free -= allocation.monthly
                waiting.remove(g)
                releases.append((allocation.ends_after, allocation.monthly))
                releases.sort()
    for g in waiting:
        started[g.lender] = _waiting(g, first_due)
    outcome.allocations = [started[g.lender] for g in ordered]
    return outcome


def _waiting(group: LenderGroup, first_due: date) -> LenderAllocation:
    """A lender the capacity cannot reach at all."""
    return LenderAllocation(
        lender=group.lender,
        monthly=ZERO,
        months=0,
        start_offset=0,
        first_due=first_due,
        within_max_term=False,
        tier_crossings=0,
        interest_avoided=ZERO,
        penalty_waived=ZERO,
    )


def compare_strategies(
    groups: list[LenderGroup], capacity: Decimal, first_due: date, today: date
) -> list[StrategyOutcome]:
    return [plan_strategy(groups, capacity, s, first_due, today) for s in Strategy]
