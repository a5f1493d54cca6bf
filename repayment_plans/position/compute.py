"""Where each debt stands on a given day: the one account every page reads.

Pure functions over plain inputs ("today" passed in; amounts in yuan as
Decimal). ``repayment_plans.position.load`` builds the inputs from the
database; the overview, debt pages, strategies, proposals, plans, timeline,
caseload figures, reminders and calendar all read the result, so that a debt
shows the same figures everywhere (docs/position.md).

A debt is in one of four standings:
- not negotiated: the tier countdown runs, and the advice is to negotiate;
- proposed: a proposal awaits the lender's answer (or the counselor's review);
  the countdown still runs, and the proposal is shown as pending;
- agreed: a lender agreed a plan; the account is reported against the plan's
  installments: on track (no countdown), or behind by N installments with the
  amount that catches up;
- repaid.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from borrowers.debts import tiers
from borrowers.money import ZERO
from repayment_plans.plans import adherence
from repayment_plans.recovery import timeline as recovery

# Proposal statuses that wait for an answer (from the lender, or for the
# counselor's review, or for the borrower's decision on a counter-offer).
PENDING_STATUSES = frozenset({"in_review", "changes", "approved", "finalised", "countered"})


class Standing(enum.StrEnum):
    NOT_NEGOTIATED = "not_negotiated"
    PROPOSED = "proposed"
    AGREED = "agreed"
    REPAID = "repaid"


@dataclass(frozen=True)
class DebtInput:
    debt_id: int
    label: str
    lender: str
    principal: Decimal
    interest: Decimal
    penalty_fees: Decimal
    facts: tiers.DebtFacts  # first missed date, grace, overdue amount, penalty terms, cleared
    overdue_total: Decimal  # principal + interest + fees overdue (the 2025-12-22 rule)


@dataclass(frozen=True)
class ScheduledInstallment:
    number: int
    due: date
    amount: Decimal
    id: int | None = None  # the stored installment, for links and calendar UIDs


@dataclass(frozen=True)
class PlanInput:
    """An agreed plan: its installments and the payments recorded against it."""

    plan_id: int
    proposal_id: int
    lender: str
    agreed_on: date
    installments: tuple[ScheduledInstallment, ...]
    payments: tuple[tuple[date, Decimal], ...]
    debt_ids: tuple[int, ...]
    # Earlier versions of a changed plan: (the day the next one took over, its
    # installments as (due, yuan)), oldest first. The months before a change
    # are reported as that version stood.
    earlier: tuple[tuple[date, tuple[tuple[date, Decimal], ...]], ...] = ()


@dataclass(frozen=True)
class ProposalInput:
    """A proposal that is not agreed: a draft, or one awaiting an answer."""

    proposal_id: int
    lender: str
    status: str
    installments: tuple[ScheduledInstallment, ...]  # empty when nothing is left to propose
    debt_ids: tuple[int, ...]
    updated_at_order: int = 0  # later proposals win when a debt is in several

    @property
    def pending(self) -> bool:
        return self.status in PENDING_STATUSES

    @property
    def monthly(self) -> Decimal:
        """The largest regular installment (good faith, number 0, excluded)."""
        return max((i.amount for i in self.installments if i.number >= 1), default=ZERO)

    @property
    def months(self) -> int:
        return sum(1 for i in self.installments if i.number >= 1)

    @property
    def first_due(self) -> date | None:
        return self.installments[0].due if self.installments else None


@dataclass(frozen=True)
class InstallmentState:
    id: int | None
    number: int
    due: date
    amount: Decimal
    paid_amount: Decimal
    paid_on: date | None
    status: adherence.InstallmentStatus

    @property
    def left(self) -> Decimal:
        return self.amount - self.paid_amount


@dataclass(frozen=True)
class PlanState:
    """An agreed plan on a day: payments applied to the oldest installment first."""

    plan: PlanInput
    installments: tuple[InstallmentState, ...]
    total_due: Decimal
    total_paid: Decimal
    arrears_periods: int  # installments past due and not fully paid
    arrears_amount: Decimal  # what catches up: their unpaid amounts
    arrears_since: date | None  # due date of the oldest of them
    next_installment: InstallmentState | None  # the next one due today or later, unpaid
    streak: int
    adherence: Decimal | None

    @property
    def outstanding(self) -> Decimal:
        return max(self.total_due - self.total_paid, ZERO)

    @property
    def on_track(self) -> bool:
        return self.arrears_periods == 0

    @property
    def completed(self) -> bool:
        return bool(self.installments) and self.total_paid >= self.total_due

    @property
    def next_amount(self) -> Decimal | None:
        return self.next_installment.left if self.next_installment else None


def plan_state(plan: PlanInput, today: date) -> PlanState:
    amounts = [i.amount for i in plan.installments]
    applied = adherence.apply_payments(amounts, list(plan.payments))
    rows = tuple(
        InstallmentState(
            id=inst.id,
            number=inst.number,
            due=inst.due,
            amount=inst.amount,
            paid_amount=a.paid_amount,
            paid_on=a.paid_on,
            status=adherence.installment_status(
                inst.due, inst.amount, a.paid_amount, a.paid_on, today
            ),
        )
        for inst, a in zip(plan.installments, applied, strict=True)
    )
    behind = [r for r in rows if r.status == adherence.InstallmentStatus.MISSED]
    statuses = [r.status for r in rows]
    return PlanState(
        plan=plan,
        installments=rows,
        total_due=sum(amounts, ZERO),
        total_paid=sum((a for _d, a in plan.payments), ZERO),
        arrears_periods=len(behind),
        arrears_amount=sum((r.left for r in behind), ZERO),
        arrears_since=behind[0].due if behind else None,
        next_installment=next((r for r in rows if r.due >= today and r.paid_on is None), None),
        streak=adherence.on_time_streak(statuses),
        adherence=adherence.adherence_percent(statuses),
    )


@dataclass(frozen=True)
class DebtPosition:
    debt: DebtInput
    standing: Standing
    status: tiers.TierStatus  # the debt's own delinquency, as entered
    plan: PlanState | None  # when agreed (or repaid through the plan)
    proposal: ProposalInput | None  # the newest proposal not agreed (draft or pending)
    report_code: str  # what the lender reports for this month so far
    dpd: int
    tier: tiers.Tier
    next_tier: tiers.Tier | None
    days_to_next_tier: int | None  # None when nothing escalates (on track, repaid, severe)
    overdue_amount: Decimal  # yuan overdue now: plan arrears, or the overdue amount entered
    next_month_code: str | None = None  # next month's digit if nothing is paid

    @property
    def debt_id(self) -> int:
        return self.debt.debt_id

    @property
    def lender(self) -> str:
        return self.debt.lender

    @property
    def owed(self) -> Decimal:
        """Principal, interest and fees as entered; repaid debts owe nothing."""
        if self.standing == Standing.REPAID:
            return ZERO
        return self.debt.principal + self.debt.interest + self.debt.penalty_fees

    @property
    def penalty_accrued(self) -> Decimal:
        return self.status.penalty.accrued if self.escalating else ZERO

    @property
    def escalating(self) -> bool:
        """Nothing agreed: the lender's escalation by days past due continues."""
        return self.standing in (Standing.NOT_NEGOTIATED, Standing.PROPOSED)

    @property
    def pending(self) -> bool:
        return self.standing == Standing.PROPOSED

    @property
    def behind(self) -> bool:
        return self.plan is not None and self.standing == Standing.AGREED and not self.plan.on_track

    @property
    def catch_up(self) -> Decimal:
        return self.plan.arrears_amount if self.plan is not None and self.behind else ZERO

    def next_tier_day(self, today: date) -> date | None:
        if self.days_to_next_tier is None:
            return None
        return today + timedelta(days=self.days_to_next_tier)


def recovery_account(
    debt: DebtInput, plan: PlanInput | None, pending: bool
) -> recovery.AccountInput:
    return recovery.AccountInput(
        key=str(debt.debt_id),
        label=debt.label,
        first_missed=debt.facts.first_missed,
        grace_days=debt.facts.grace_days,
        balance=debt.principal + debt.interest,
        overdue_amount=debt.overdue_total,
        cleared_on=debt.facts.cleared_on,
        plan=recovery_plan(plan) if plan is not None else None,
        pending=pending,
    )


def recovery_plan(plan: PlanInput) -> recovery.PlanInput:
    return recovery.PlanInput(
        key=f"plan-{plan.plan_id}",
        installments=tuple(recovery.Installment(i.due, i.amount) for i in plan.installments),
        payments=tuple(sorted(plan.payments)),
        agreed_on=plan.agreed_on,
        earlier=tuple(
            (until, tuple(recovery.Installment(due, amount) for due, amount in rows))
            for until, rows in plan.earlier
        ),
    )


def scenario(
    key: str, installments: Iterable[tuple[date, Decimal]], today: date
) -> recovery.PlanInput:
    """Installments ((due, yuan) pairs) as if a lender agreed them today: a
    scenario ("if the lender accepts"), never the projection."""
    return recovery.PlanInput(
        key=key,
        installments=tuple(recovery.Installment(due, amount) for due, amount in installments),
        agreed_on=today,
        projected=True,
    )


def scenario_plan(proposal: ProposalInput, today: date) -> recovery.PlanInput:
    """A proposal awaiting an answer, as if the lender agreed it today."""
    return scenario(
        f"proposal-{proposal.proposal_id}",
        ((i.due, i.amount) for i in proposal.installments),
        today,
    )


def debt_position(
    debt: DebtInput,
    plan: PlanInput | None,
    proposal: ProposalInput | None,
    today: date,
    cost_warning_percent: Decimal = Decimal(24),
) -> DebtPosition:
    """Where one debt stands on ``today``."""
    status = tiers.assess(debt.facts, today, cost_warning_percent)
    state = plan_state(plan, today) if plan is not None else None
    cleared = debt.facts.cleared_on is not None and debt.facts.cleared_on <= today
    if cleared or (state is not None and state.completed):
        standing = Standing.REPAID
    elif state is not None and state.plan.agreed_on <= today:
        standing = Standing.AGREED
    elif proposal is not None and proposal.pending:
        standing = Standing.PROPOSED
    else:
        standing = Standing.NOT_NEGOTIATED
    account = recovery_account(debt, plan, standing == Standing.PROPOSED)
    path = recovery.plan_path(account.plan, today) if account.plan is not None else None
    cleared_day = debt.facts.cleared_on
    if cleared_day is None and state is not None and state.completed:
        cleared_day = max((p for p, _a in state.plan.payments), default=today)
    month = recovery.code_on(account, path, cleared_day, today)

    if standing == Standing.REPAID:
        dpd, tier, next_tier, days_next, overdue = 0, tiers.Tier.CURRENT, None, None, ZERO
    elif standing == Standing.AGREED:
        assert state is not None  # only agreed with a plan
        dpd = (today - state.arrears_since).days if state.arrears_since else 0
        tier = tiers.tier_for(dpd)
        if state.on_track:
            next_tier, days_next = None, None
        else:
            next_tier = tiers.next_tier_after(tier)
            days_next = tiers.days_until_next_tier(state.arrears_since, today, 0)
        overdue = state.arrears_amount
    else:
        dpd, tier = status.dpd, status.tier
        next_tier, days_next = status.next_tier, status.days_to_next_tier
        overdue = debt.facts.overdue_amount if status.is_overdue else ZERO
    return DebtPosition(
        debt=debt,
        standing=standing,
        status=status,
        plan=state,
        proposal=proposal,
        report_code=month.code,
        dpd=dpd,
        tier=tier,
        next_tier=next_tier,
        days_to_next_tier=days_next,
        overdue_amount=overdue,
        next_month_code=_next_month_code(standing, month.code),
    )


def _next_month_code(standing: Standing, code: str) -> str | None:
    """The digit next month's report prints if nothing is paid, while the
    lender's escalation runs and the digit can still grow."""
    if standing not in (Standing.NOT_NEGOTIATED, Standing.PROPOSED):
        return None
    if not code.isdigit() or int(code) >= recovery.MAX_CODE:
        return None
    return str(int(code) + 1)


@dataclass(frozen=True)
class BorrowerPosition:
    """Every debt of one borrower on one day, and what they add up to."""

    today: date
    debts: tuple[DebtPosition, ...]
    plans: tuple[PlanInput, ...]
    proposals: tuple[ProposalInput, ...]  # not agreed, not rejected
    capacity: Decimal
    borrower_id: int = 0

    def by_debt(self, debt_id: int) -> DebtPosition | None:
        return next((p for p in self.debts if p.debt_id == debt_id), None)

    @property
    def open(self) -> tuple[DebtPosition, ...]:
        return tuple(p for p in self.debts if p.standing != Standing.REPAID)

    @property
    def total_owed(self) -> Decimal:
        return sum((p.owed for p in self.debts), ZERO)

    @property
    def total_overdue(self) -> Decimal:
        return sum((p.overdue_amount for p in self.debts), ZERO)

    @property
    def penalty_to_date(self) -> Decimal:
        return sum((p.penalty_accrued for p in self.debts), ZERO)

    @property
    def worst_tier(self) -> tiers.Tier:
        return tiers.worst_tier([p.tier for p in self.open])

    @property
    def next_tier_on(self) -> date | None:
        days = [p.next_tier_day(self.today) for p in self.open]
        return min((d for d in days if d is not None), default=None)

    @property
    def oldest_overdue_since(self) -> date | None:
        return min(
            (self.today - timedelta(days=p.dpd) for p in self.open if p.dpd > 0), default=None
        )

    @property
    def missed_installments(self) -> int:
        return sum(s.arrears_periods for s in self.plan_states)

    @property
    def catch_up(self) -> Decimal:
        return sum((s.arrears_amount for s in self.plan_states), ZERO)

    @property
    def plan_states(self) -> list[PlanState]:
        """Every agreed plan once (one plan may cover several debts), completed or not."""
        seen, states = set(), []
        for p in self.debts:
            if p.plan is not None and p.plan.plan.plan_id not in seen:
                seen.add(p.plan.plan.plan_id)
                states.append(p.plan)
        return states

    @property
    def active_plans(self) -> list[PlanState]:
        return [s for s in self.plan_states if not s.completed]

    @property
    def next_installment(self) -> InstallmentState | None:
        upcoming = [s.next_installment for s in self.active_plans if s.next_installment]
        return min(upcoming, key=lambda i: (i.due, i.number), default=None)

    @property
    def agreed_monthly(self) -> Decimal:
        """The most the agreed plans ask in any month from this one on."""
        return peak_month(self.agreed_load())[1]

    def agreed_load(self) -> dict[date, Decimal]:
        """Yuan the agreed plans still ask, by month (first day of the month)."""
        load: dict[date, Decimal] = {}
        first = recovery.month_start(self.today)
        for state in self.active_plans:
            for row in state.installments:
                if row.left <= 0:
                    continue
                month = max(recovery.month_start(row.due), first)
                load[month] = load.get(month, ZERO) + row.left
        return load

    @property
    def capacity_left(self) -> Decimal:
        """The monthly capacity minus what agreed plans already take (never below 0)."""
        return max(self.capacity - self.agreed_monthly, ZERO)

    def recovery_accounts(self) -> list[recovery.AccountInput]:
        """The accounts as agreed: the projection (pending proposals are not in it)."""
        return [
            recovery_account(
                p.debt,
                p.plan.plan if p.plan is not None else None,
                p.standing == Standing.PROPOSED,
            )
            for p in self.debts
        ]

    def scenario_accounts(self) -> list[recovery.AccountInput] | None:
        """The accounts if every pending proposal were accepted today; None when
        no proposal is pending."""
        if not any(p.pending for p in self.debts):
            return None
        accounts = []
        for p, account in zip(self.debts, self.recovery_accounts(), strict=True):
            if p.pending and p.proposal is not None and p.proposal.installments:
                account = replace(
                    account, plan=scenario_plan(p.proposal, self.today), pending=False
                )
            accounts.append(account)
        return accounts


def peak_month(load: dict[date, Decimal]) -> tuple[date | None, Decimal]:
    if not load:
        return None, ZERO
    month = max(load, key=lambda m: (load[m], -m.toordinal()))
    return month, load[month]


def borrower_position(
    debts: list[DebtInput],
    plans: list[PlanInput],
    proposals: list[ProposalInput],
    today: date,
    capacity: Decimal,
    cost_warning_percent: Decimal = Decimal(24),
    borrower_id: int = 0,
) -> BorrowerPosition:
    """Each debt follows the plan that covers it, else its newest open proposal."""
    plan_for: dict[int, PlanInput] = {}
    for plan in sorted(plans, key=lambda p: (p.agreed_on, p.plan_id)):
        for debt_id in plan.debt_ids:
            plan_for[debt_id] = plan
    proposal_for: dict[int, ProposalInput] = {}
    for proposal in sorted(proposals, key=lambda p: (p.updated_at_order, p.proposal_id)):
        for debt_id in proposal.debt_ids:
            proposal_for[debt_id] = proposal
    positions = tuple(
        debt_position(
            d, plan_for.get(d.debt_id), proposal_for.get(d.debt_id), today, cost_warning_percent
        )
        for d in debts
    )
    return BorrowerPosition(
        today=today,
        debts=positions,
        plans=tuple(plans),
        proposals=tuple(proposals),
        capacity=capacity,
        borrower_id=borrower_id,
    )
