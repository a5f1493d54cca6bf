"""Delinquency tiers, credit-report codes and penalty estimates.

Pure functions: no ORM, no request, no clock. "today" is always passed in.
Amounts are yuan as Decimal; rates are stated in their unit in each name
(``annual_percent`` = percent per year, ``daily_percent`` = percent per day).
Rules follow docs/domain.md §1 and §2.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, localcontext

from borrowers.money import to_fen

DAYS_PER_YEAR = 365
HUNDRED = Decimal(100)
# Card late charges are due once for each billing cycle of this many days begun.
LATE_FEE_CYCLE_DAYS = 30


class Tier(enum.StrEnum):
    CURRENT = "current"
    LIGHT = "light"
    MODERATE = "moderate"
    SEVERE = "severe"

    @property
    def rank(self) -> int:
        return list(Tier).index(self)


class PenaltyRule(enum.StrEnum):
    """How a product charges penalty interest (罚息) on the overdue amount."""

    CONTRACT_MULTIPLIER = "contract_multiplier"  # contract daily rate x multiplier
    DAILY_RATE = "daily_rate"  # a fixed percent per day, e.g. 0.05 %/day


# First DPD of each tier after "current"; tiers are [start, next start).
TIER_STARTS: tuple[tuple[Tier, int], ...] = (
    (Tier.LIGHT, 1),
    (Tier.MODERATE, 31),
    (Tier.SEVERE, 61),
)
# Credit-card risk classes (商业银行信用卡业务监督管理办法 Art.92): upper DPD bound.
CARD_RISK_CLASS_BOUNDS: tuple[tuple[str, int], ...] = (
    ("normal", 0),
    ("special_mention", 90),
    ("substandard", 120),
    ("doubtful", 180),
)


money = to_fen  # rounding to the fen happens only at the edges


def days_past_due(first_missed: date | None, today: date, grace_days: int = 0) -> tuple[int, bool]:
    """Days past due and whether the debt is inside the grace window.

    ``first_missed`` is the due date of the earliest unpaid amount (None when
    nothing is unpaid). Within ``grace_days`` after that date the debt is "in
    grace": DPD 0, no penalty, not reported. After grace, DPD counts from the
    original due date.
    """
    if first_missed is None or today <= first_missed:
        return 0, False
    elapsed = (today - first_missed).days
    if elapsed <= grace_days:
        return 0, True
    return elapsed, False


def tier_for(dpd: int) -> Tier:
    tier = Tier.CURRENT
    for candidate, start in TIER_STARTS:
        if dpd >= start:
            tier = candidate
    return tier


def card_risk_class_for(dpd: int) -> str:
    for name, upper in CARD_RISK_CLASS_BOUNDS:
        if dpd <= upper:
            return name
    return "loss"


def next_tier_after(tier: Tier) -> Tier | None:
    tiers = list(Tier)
    index = tiers.index(tier)
    return tiers[index + 1] if index + 1 < len(tiers) else None


def days_until_next_tier(first_missed: date | None, today: date, grace_days: int = 0) -> int | None:
    """Days from ``today`` until the debt enters a worse tier if nothing is paid.

    None when nothing is unpaid (no escalation is coming) or the debt is
    already severe. A debt due in the future or in grace escalates the day
    grace ends.
    """
    if first_missed is None:
        return None
    dpd, _in_grace = days_past_due(first_missed, today, grace_days)
    if dpd == 0:
        elapsed = (today - first_missed).days
        return grace_days + 1 - elapsed
    current = tier_for(dpd)
    for candidate, start in TIER_STARTS:
        if candidate.rank > current.rank:
            return start - dpd
    return None


def daily_rate_from_annual(annual_percent: Decimal) -> Decimal:
    """Fraction per day from percent per year (365-day year)."""
    return annual_percent / HUNDRED / DAYS_PER_YEAR


@dataclass(frozen=True)
class PenaltyTerms:
    """A product's penalty rule, with any per-debt overrides already applied."""

    rule: PenaltyRule
    multiplier: Decimal = Decimal("1.5")
    daily_percent: Decimal = Decimal("0")
    compounds: bool = False
    late_fee_percent: Decimal = Decimal("0")  # of the unpaid minimum, per missed cycle

    def daily_fraction(self, contract_annual_percent: Decimal) -> Decimal:
        """Penalty interest as a fraction of the overdue amount per day."""
        if self.rule == PenaltyRule.DAILY_RATE:
            return self.daily_percent / HUNDRED
        return daily_rate_from_annual(contract_annual_percent) * self.multiplier


@dataclass(frozen=True)
class PenaltyEstimate:
    accrued: Decimal  # yuan, to the fen, interest part plus late fees
    per_day: Decimal  # yuan, to the fen, the next day's penalty interest
    late_fees: Decimal  # yuan, to the fen
    annual_percent: Decimal  # penalty interest rate, percent per year (simple, no late fees)


def estimate_penalty(
    overdue_amount: Decimal,
    contract_annual_percent: Decimal,
    terms: PenaltyTerms,
    dpd: int,
) -> PenaltyEstimate:
    """Penalty accrued over ``dpd`` days on ``overdue_amount`` yuan.

    Simple interest unless ``terms.compounds``; credit cards add a late charge
    of ``late_fee_percent`` of the unpaid amount for each 30-day cycle begun.
    """
    with localcontext() as ctx:
        ctx.prec = 34
        daily = terms.daily_fraction(contract_annual_percent)
        if dpd <= 0 or overdue_amount <= 0:
            return PenaltyEstimate(
                Decimal("0.00"),
                Decimal("0.00"),
                Decimal("0.00"),
                money(daily * DAYS_PER_YEAR * HUNDRED),
            )
        if terms.compounds:
            grown = overdue_amount * (1 + daily) ** dpd
            interest = grown - overdue_amount
            per_day = grown * daily
        else:
            interest = overdue_amount * daily * dpd
            per_day = overdue_amount * daily
        cycles = late_fee_cycles(dpd)
        late_fees = overdue_amount * terms.late_fee_percent / HUNDRED * cycles
        return PenaltyEstimate(
            accrued=money(interest + late_fees),
            per_day=money(per_day),
            late_fees=money(late_fees),
            annual_percent=money(daily * DAYS_PER_YEAR * HUNDRED),
        )


def late_fee_cycles(days_overdue: int) -> int:
    """Late-charge cycles begun in ``days_overdue`` days: one per 30 days or part."""
    if days_overdue <= 0:
        return 0
    return -(-days_overdue // LATE_FEE_CYCLE_DAYS)


def effective_annual_cost_percent(
    contract_annual_percent: Decimal, terms: PenaltyTerms, dpd: int
) -> Decimal:
    """Effective yearly cost of the debt, in percent of the overdue amount per year.

    Units: ``contract_annual_percent`` and the result are percent per year (the
    result rounded half-up to 0.01); ``dpd`` is days past due.

    While the debt is current (``dpd <= 0``) this is the contract rate. Once
    overdue it is what one year overdue costs as a percent of the overdue
    amount: penalty interest over 365 days, compounded daily when
    ``terms.compounds`` (((1 + daily)^365 - 1) x 100) and simple otherwise
    (daily x 365 x 100), never below the contract rate, plus the late charges
    of a year: ``terms.late_fee_percent`` for each of the 13 thirty-day cycles
    begun in 365 days. Unlike ``PenaltyEstimate.annual_percent`` (the penalty
    interest rate alone, simple) this includes compounding and late charges.
    """
    if dpd <= 0:
        return money(contract_annual_percent)
    with localcontext() as ctx:
        ctx.prec = 34
        daily = terms.daily_fraction(contract_annual_percent)
        if terms.compounds:
            interest_percent = ((1 + daily) ** DAYS_PER_YEAR - 1) * HUNDRED
        else:
            interest_percent = daily * DAYS_PER_YEAR * HUNDRED
        interest_percent = max(interest_percent, contract_annual_percent)
        late_fees_percent = terms.late_fee_percent * late_fee_cycles(DAYS_PER_YEAR)
        return money(interest_percent + late_fees_percent)


@dataclass(frozen=True)
class DebtFacts:
    """What the engine needs to know about one debt."""

    first_missed: date | None
    grace_days: int
    overdue_amount: Decimal
    contract_annual_percent: Decimal
    penalty_terms: PenaltyTerms
    is_credit_card: bool = False
    cleared_on: date | None = None  # repaid in full on this day


@dataclass(frozen=True)
class TierStatus:
    dpd: int
    in_grace: bool
    tier: Tier
    next_tier: Tier | None
    days_to_next_tier: int | None
    penalty: PenaltyEstimate
    # Percent per year: see effective_annual_cost_percent().
    effective_annual_percent: Decimal
    # Whether effective_annual_percent is above cost_threshold_percent; never
    # for a debt repaid in full.
    cost_warning: bool
    card_risk_class: str | None
    # The threshold the warning was decided against, percent per year.
    cost_threshold_percent: Decimal
    # Repaid in full. The monthly credit-report code is not a function of the
    # days past due: repayment_plans.recovery.timeline.code_on makes it, per report.
    is_settled: bool = False

    @property
    def is_overdue(self) -> bool:
        return self.dpd > 0


def assess(
    facts: DebtFacts, today: date, cost_warning_percent: Decimal = Decimal(24)
) -> TierStatus:
    """Everything the dashboard and the explanation page show for one debt.

    ``cost_warning_percent`` (percent per year) is the yearly cost above which
    the debt is flagged; it is returned as ``cost_threshold_percent``.
    """
    if facts.cleared_on is not None and facts.cleared_on <= today:
        settled = replace(facts, first_missed=None, cleared_on=None)
        status = assess(settled, today, cost_warning_percent)
        return replace(status, is_settled=True, cost_warning=False)
    dpd, in_grace = days_past_due(facts.first_missed, today, facts.grace_days)
    tier = tier_for(dpd)
    penalty = estimate_penalty(
        facts.overdue_amount, facts.contract_annual_percent, facts.penalty_terms, dpd
    )
    cost = effective_annual_cost_percent(facts.contract_annual_percent, facts.penalty_terms, dpd)
    return TierStatus(
        dpd=dpd,
        in_grace=in_grace,
        tier=tier,
        next_tier=next_tier_after(tier) if facts.first_missed else None,
        days_to_next_tier=days_until_next_tier(facts.first_missed, today, facts.grace_days),
        penalty=penalty,
        effective_annual_percent=cost,
        cost_warning=cost > cost_warning_percent,
        card_risk_class=card_risk_class_for(dpd) if facts.is_credit_card else None,
        cost_threshold_percent=cost_warning_percent,
    )


def worst_tier(tiers: list[Tier]) -> Tier:
    return max(tiers, key=lambda t: t.rank, default=Tier.CURRENT)
