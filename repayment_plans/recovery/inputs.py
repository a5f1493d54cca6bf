"""The timeline's inputs: what is agreed, and the 'if the lenders accept' scenario."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from borrowers.models import Borrower
from borrowers.money import ZERO
from borrowers.positions import debts_of
from repayment_plans.plans.schedules import Method
from repayment_plans.plans.services import next_month_first, schedule_for
from repayment_plans.position import compute as position
from repayment_plans.position.load import load_position
from repayment_plans.recovery import timeline as recovery
from repayment_plans.strategies.affordability import Strategy, plan_strategy
from repayment_plans.strategies.services import lender_groups_from, monthly_load


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
        debts = {d.pk: d for d in debts_of(borrower)}
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
