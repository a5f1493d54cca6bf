"""The repayment proposal a borrower brings to mediation (调解还款方案): the
proposal engine's schedule within the budget's capacity, never a new computation.

The monthly amount is what the budget leaves after agreed plans and proposals
awaiting an answer (repayment_plans/strategies/services.py, strategy_inputs); the
amount is principal and interest with the waiver of penalties asked for
(position/load.py, amount_to_repay); the schedule is interest-free, as the letter's
default (plans/schedules.py). When the capacity cannot clear the debt within the
product's typical maximum term, the plan runs for that term and shows the shortfall.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from borrowers.models import Borrower, Debt
from borrowers.money import ZERO
from repayment_plans.plans.schedules import (
    Method,
    Schedule,
    build_schedule,
    months_for_payment,
    payment_for_months,
)
from repayment_plans.plans.services import next_month_first
from repayment_plans.position.load import amount_to_repay
from repayment_plans.strategies.services import strategy_inputs


@dataclass(frozen=True)
class MediationPlan:
    amount: Decimal  # principal and interest
    penalty_fees: Decimal  # asked to be waived
    capacity: Decimal  # what the budget leaves each month
    schedule: Schedule | None  # None: nothing to repay, or no capacity at all
    max_term: int
    shortfall: Decimal  # monthly amount above the capacity, when the term is capped

    @property
    def monthly(self) -> Decimal:
        return self.schedule.first_regular_payment if self.schedule else ZERO

    @property
    def months(self) -> int:
        return self.schedule.regular_count if self.schedule else 0


def mediation_plan(borrower: Borrower, debt: Debt, today: date) -> MediationPlan:
    capacity = strategy_inputs(borrower, today).capacity
    amount = amount_to_repay([debt], waive_penalty=True)
    max_term = max(debt.profile.max_term_months, 1)
    schedule, shortfall = None, ZERO
    if amount > ZERO and capacity > ZERO:
        months = months_for_payment(amount, capacity, Method.INTEREST_FREE)
        if months is None or months > max_term:
            months = max_term
            shortfall = max(
                payment_for_months(amount, months, Method.INTEREST_FREE) - capacity, ZERO
            )
        try:
            schedule = build_schedule(amount, months, next_month_first(today), Method.INTEREST_FREE)
        except ValueError:  # less than a fen per installment
            schedule, shortfall = None, ZERO
    return MediationPlan(
        amount=amount,
        penalty_fees=debt.penalty_fees,
        capacity=capacity,
        schedule=schedule,
        max_term=max_term,
        shortfall=shortfall,
    )
