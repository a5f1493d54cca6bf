"""The credit-record recovery timeline (docs/domain.md §1, §5; docs/credit-report.md).

Pure functions: plain inputs, "today" passed in. Month by month: the status
code of each account (N, 1–7, C) as the monthly report prints it, the
remaining balance and the on-time streak; and the milestones with their dates.

The monthly code (one function, ``code_on``, for recorded and projected months):
- The report for a month reflects the account at the end of that month.
- Outside an agreed plan the digit counts consecutive monthly reports that saw
  the account overdue: 1 in the month the first missed payment passed its
  grace, then exactly one more per month while nothing is paid, capped at 7.
  It never skips or repeats a number, whatever the due day.
- From the day a lender agreed a plan, the account is reported against the
  plan's installments: the digit is the number of installments fallen due and
  not fully paid, payments going to the oldest installment first. One missed
  installment followed by on-time payments stays 1 every month until the
  missed amount is caught up.
- The month the account is cleared, and every month after, shows C.

Projection: an agreed plan's future installments are paid on their due dates.
Missed amounts stay unpaid (the account stays behind) until the last
installment's month has passed; they are then caught up one month after it.
A proposal that is not agreed is never the projection: it is a scenario,
built by calling this engine with the proposal as if agreed today.
"""

from __future__ import annotations

import enum
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from functools import cache

from borrowers.debts import tiers
from borrowers.money import ZERO
from repayment_plans.plans.adherence import Applied, apply_payments
from repayment_plans.plans.schedules import add_months, days_in_month

GRID_MONTHS = 24
MAX_HORIZON_MONTHS = 120
MAX_CODE = 7

# PBOC notice of 2025-12-22: an overdue of at most 10,000 yuan (one account, one
# month, principal + interest + fees) that arose in 2020-01-01..2025-12-31 and was
# repaid in full by 2026-03-31 is no longer shown.
RELIEF_AMOUNT = Decimal("10000")
RELIEF_ARISEN_FROM = date(2020, 1, 1)
RELIEF_ARISEN_TO = date(2025, 12, 31)
RELIEF_REPAID_BY = date(2026, 3, 31)
RELIEF_NOTICE = date(2025, 12, 22)
# Repaid by this day: hidden from RELIEF_FIRST_DAY; later: by the end of the
# month after the repayment.
RELIEF_EARLY_REPAID_BY = date(2025, 11, 30)
RELIEF_FIRST_DAY = date(2026, 1, 1)


class MilestoneKind(enum.StrEnum):
    SIX_ON_TIME = "six_on_time"  # [seed] 6 consecutive on-time months
    CLEARED = "cleared"
    SMALL_CREDIT = "small_credit"  # [seed] cleared + 6 months
    SCORE_NORMAL = "score_normal"  # [seed] cleared + 12 months
    WINDOW_CLEAR = "window_clear"  # [practice] cleared + 24 months
    DELETED = "deleted"  # [law] 征信业管理条例 Art.16: cleared + 5 years
    RELIEF = "relief"  # [law] PBOC notice of 2025-12-22


MILESTONE_SOURCE = {
    MilestoneKind.SIX_ON_TIME: "seed",
    MilestoneKind.CLEARED: "fact",
    MilestoneKind.SMALL_CREDIT: "seed",
    MilestoneKind.SCORE_NORMAL: "seed",
    MilestoneKind.WINDOW_CLEAR: "practice",
    MilestoneKind.DELETED: "law",
    MilestoneKind.RELIEF: "law",
}


class Blocker(enum.StrEnum):
    """Why an account has no clearing date, and so what would give it one."""

    NOT_NEGOTIATED = "not_negotiated"  # agree a plan with the lender, or repay
    PENDING = "pending"  # the lender's answer to the proposal


@dataclass(frozen=True)
class Installment:
    due: date
    amount: Decimal


@dataclass(frozen=True)
class PlanInput:
    """A plan a lender agreed, with the payments recorded against it; or, for a
    scenario, a proposal treated as if agreed on ``agreed_on``."""

    key: str
    installments: tuple[Installment, ...]
    payments: tuple[tuple[date, Decimal], ...] = ()
    agreed_on: date | None = None  # None: from the first installment's due date
    projected: bool = False  # a scenario, not an agreement
    # A changed plan's earlier versions: (the day the next took over, its
    # installments), oldest first. Reports before that day read that version.
    earlier: tuple[tuple[date, tuple[Installment, ...]], ...] = ()

    @property
    def reported_from(self) -> date | None:
        if self.agreed_on is not None:
            return self.agreed_on
        return self.installments[0].due if self.installments else None


@dataclass(frozen=True)
class AccountInput:
    key: str
    label: str
    first_missed: date | None
    grace_days: int
    balance: Decimal  # what is owed now (principal + interest), yuan
    overdue_amount: Decimal  # principal + interest + fees overdue, for the 2025-12-22 rule
    cleared_on: date | None = None
    plan: PlanInput | None = None
    pending: bool = False  # a proposal awaits the lender's answer


@dataclass(frozen=True)
class WhatIf:
    miss_next: bool = False  # miss the next unpaid installment of every plan
    extra: Decimal = ZERO  # pay this much extra today (goes to the oldest unpaid first)


@dataclass(frozen=True)
class Milestone:
    kind: MilestoneKind
    day: date
    account: str | None = None  # None: the whole record
    projected: bool = True

    @property
    def source(self) -> str:
        return MILESTONE_SOURCE[self.kind]


@dataclass(slots=True)
class AccountMonth:
    code: str
    dpd: int
    tier: tiers.Tier | None


_SETTLED = AccountMonth("C", 0, None)
_NORMAL = AccountMonth("N", 0, tiers.Tier.CURRENT)


@cache
def _behind(periods: int, dpd: int) -> AccountMonth:
    return AccountMonth(str(min(periods, MAX_CODE)), dpd, tiers.tier_for(dpd))


@dataclass
class MonthRow:
    month: date  # first day of the month
    accounts: dict[str, AccountMonth]
    due: Decimal  # installments falling due this month, yuan
    paid: Decimal  # paid or projected paid this month, yuan
    missed: int  # installments due this month and not paid on time
    remaining: Decimal  # owed at the end of the month, yuan
    streak: int
    milestones: list[Milestone] = field(default_factory=list)


@dataclass
class Timeline:
    today: date
    months: list[MonthRow]
    milestones: list[Milestone]
    grids: dict[str, list[tuple[date, str]]]
    labels: dict[str, str]
    # Accounts with no clearing date: the overall milestones wait for them.
    blockers: dict[str, Blocker] = field(default_factory=dict)
    # Accounts whose overdue record the 2025-12-22 relief hides, from that day.
    hidden_from: dict[str, date] = field(default_factory=dict)

    @property
    def cleared(self) -> date | None:
        return next(
            (
                m.day
                for m in self.milestones
                if m.kind == MilestoneKind.CLEARED and m.account is None
            ),
            None,
        )

    def milestone(self, kind: MilestoneKind, account: str | None = None) -> Milestone | None:
        return next((m for m in self.milestones if m.kind == kind and m.account == account), None)


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=days_in_month(day.year, day.month))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def months_between(earlier: date, later: date) -> int:
    """Calendar months from ``earlier``'s month to ``later``'s (0 in the same month)."""
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def first_overdue_day(first_missed: date | None, grace_days: int) -> date | None:
    """The first day past grace: day 1 of the overdue (DPD counts from first_missed)."""
    if first_missed is None:
        return None
    return first_missed + timedelta(days=grace_days + 1)


# --- plans: payments applied oldest installment first -----------------------------


@dataclass(frozen=True)
class PlanPath:
    """A plan's installments with the day each is (or is projected to be) paid
    in full, payments applied to the oldest installment first."""

    rows: tuple[tuple[date, Decimal, date, bool], ...]  # due, amount, paid_on, on_time
    cleared: date | None
    reported_from: date | None
    payments: tuple[tuple[date, Decimal], ...]  # recorded and projected, by date
    # Earlier versions of a changed plan, (until, path), oldest first: what a
    # report made before ``until`` printed.
    before: tuple[tuple[date, PlanPath], ...] = ()
    # Derived in __post_init__ for the lookups below; not part of the value.
    _dues: list[date] = field(init=False, repr=False, compare=False)
    _settled: list[date] = field(init=False, repr=False, compare=False)
    _due_prefix: list[Decimal] = field(init=False, repr=False, compare=False)
    _missed_prefix: list[int] = field(init=False, repr=False, compare=False)
    _runs: list[int] = field(init=False, repr=False, compare=False)
    _pay_days: list[date] = field(init=False, repr=False, compare=False)
    _pay_prefix: list[Decimal] = field(init=False, repr=False, compare=False)
    _total: Decimal = field(init=False, repr=False, compare=False)

    def _version_on(self, day: date) -> PlanPath:
        for until, path in self.before:
            if day < until:
                return path
        return self

    def __post_init__(self) -> None:
        dues = [r[0] for r in self.rows]
        settled = sorted(max(r[0], r[2]) for r in self.rows)
        due_prefix = [ZERO]
        missed_prefix = [0]
        runs: list[int] = []
        run = 0
        for _due, amount, _paid, on_time in self.rows:
            due_prefix.append(due_prefix[-1] + amount)
            missed_prefix.append(missed_prefix[-1] + (not on_time))
            run = run + 1 if on_time else 0
            runs.append(run)
        pay_days = [d for d, _a in self.payments]
        total = due_prefix[-1]
        pay_prefix = [ZERO]
        for _d, amount in self.payments:
            pay_prefix.append(min(pay_prefix[-1] + amount, total))  # never above what is owed
        object.__setattr__(self, "_dues", dues)
        object.__setattr__(self, "_settled", settled)
        object.__setattr__(self, "_due_prefix", due_prefix)
        object.__setattr__(self, "_missed_prefix", missed_prefix)
        object.__setattr__(self, "_runs", runs)
        object.__setattr__(self, "_pay_days", pay_days)
        object.__setattr__(self, "_pay_prefix", pay_prefix)
        object.__setattr__(self, "_total", due_prefix[-1])

    @property
    def first_due(self) -> date | None:
        return self._dues[0] if self._dues else None

    def unpaid_periods(self, day: date) -> int:
        """Installments fallen due by ``day`` and not fully paid at its end."""
        version = self._version_on(day)
        return bisect_right(version._dues, day) - bisect_right(version._settled, day)

    def oldest_unpaid_due(self, day: date) -> date | None:
        for due, _amount, paid_on, _on_time in self._version_on(day).rows:
            if due > day:
                return None
            if paid_on > day:
                return due
        return None

    def paid_by(self, day: date) -> Decimal:
        return self._pay_prefix[bisect_right(self._pay_days, day)]

    def month(self, before: date, end: date) -> tuple[Decimal, int, Decimal, Decimal, int]:
        """For the days after ``before`` up to ``end``: installments falling due
        (yuan, and how many were not paid on time), paid (yuan), left at the end
        (yuan) and the on-time streak at the end."""
        lo, hi = bisect_right(self._dues, before), bisect_right(self._dues, end)
        paid_end = self.paid_by(end)
        return (
            self._due_prefix[hi] - self._due_prefix[lo],
            self._missed_prefix[hi] - self._missed_prefix[lo],
            paid_end - self.paid_by(before),
            self._total - paid_end,
            self._runs[hi - 1] if hi else 0,
        )


_NOTHING_PAID = [Applied(ZERO, None)]


def plan_path(plan: PlanInput, today: date, what_if: WhatIf = WhatIf()) -> PlanPath:
    """Recorded payments, then projected ones: the borrower keeps paying each
    installment still open on its due date (a what-if extra payment today comes
    on top), until what is owed is paid; missed amounts left over are caught
    up one month after the last installment. Payments go to the oldest
    installment first."""
    amounts = [i.amount for i in plan.installments]
    recorded = sorted(plan.payments)
    state = apply_payments(amounts, recorded) if recorded else _NOTHING_PAID * len(amounts)
    future = [(today, what_if.extra)] if what_if.extra > 0 else []
    skipped = False
    for inst, applied in zip(plan.installments, state, strict=True):
        left = inst.amount - applied.paid_amount
        if inst.due < today or left <= 0:
            continue
        if what_if.miss_next and not skipped:
            skipped = True
            continue
        future.append((inst.due, left))
    owed = sum(amounts, ZERO) - sum((a for _d, a in recorded), ZERO)
    projected, covered = [], ZERO
    for day, amount in sorted(future):
        if covered >= owed:
            break
        take = min(amount, owed - covered)
        projected.append((day, take))
        covered += take
    if covered < owed and plan.installments:
        last_due = max(i.due for i in plan.installments)
        projected.append((max(add_months(last_due, 1), today), owed - covered))
    payments = recorded + projected
    settled = apply_payments(amounts, payments)
    rows = tuple(
        (inst.due, inst.amount, a.paid_on, a.paid_on <= inst.due)
        for inst, a in zip(plan.installments, settled, strict=True)
        if a.paid_on is not None
    )
    cleared = max((r[2] for r in rows), default=None) if len(rows) == len(amounts) else None
    before = tuple(
        (
            until,
            plan_path(
                replace(
                    plan,
                    installments=installments,
                    payments=tuple(p for p in recorded if p[0] < until),
                    earlier=(),
                ),
                until,
            ),
        )
        for until, installments in plan.earlier
    )
    return PlanPath(
        rows=rows,
        cleared=cleared,
        reported_from=plan.reported_from,
        payments=tuple(payments),
        before=before,
    )


# --- the monthly code -----------------------------------------------------------


def code_on(
    account: AccountInput, path: PlanPath | None, cleared: date | None, day: date
) -> AccountMonth:
    """The account's status as a report made at the end of ``day`` prints it."""
    if cleared is not None and cleared <= day:
        return _SETTLED
    if path is not None and path.reported_from is not None and path.reported_from <= day:
        periods = path.unpaid_periods(day)
        if periods <= 0:
            return _NORMAL
        oldest = path.oldest_unpaid_due(day)
        return _behind(periods, (day - oldest).days if oldest else 1)
    start = first_overdue_day(account.first_missed, account.grace_days)
    if start is None or start > day:
        return _NORMAL
    assert account.first_missed is not None  # start is None without it
    return _behind(months_between(start, day) + 1, (day - account.first_missed).days)


def relief_from(cleared: date) -> date:
    """The day an overdue repaid on ``cleared`` stops being shown (2025-12-22 rule)."""
    if cleared <= RELIEF_EARLY_REPAID_BY:
        return RELIEF_FIRST_DAY
    return month_end(add_months(cleared, 1))


def relief_applies(account: AccountInput, cleared: date | None) -> bool:
    return (
        account.first_missed is not None
        and RELIEF_ARISEN_FROM <= account.first_missed <= RELIEF_ARISEN_TO
        and account.overdue_amount <= RELIEF_AMOUNT
        and cleared is not None
        and cleared <= RELIEF_REPAID_BY
    )


def _six_on_time(path: PlanPath) -> date | None:
    """Due date of the 6th consecutive on-time installment after the last late one."""
    streak = 0
    found = None
    for due, _amount, _paid_on, on_time in path.rows:
        if not on_time:
            streak = 0
            found = None
            continue
        streak += 1
        if streak == 6 and found is None:
            found = due
    return found


def recovery_timeline(
    accounts: list[AccountInput], today: date, what_if: WhatIf = WhatIf()
) -> Timeline:
    """Build the month-by-month timeline and its milestones for the accounts."""
    paths = {
        a.key: plan_path(a.plan, today, what_if) if a.plan is not None else None for a in accounts
    }
    cleared: dict[str, date | None] = {}
    for a in accounts:
        path = paths[a.key]
        if a.cleared_on is not None:
            cleared[a.key] = a.cleared_on
        elif path is not None:
            cleared[a.key] = path.cleared
        else:
            cleared[a.key] = None

    milestones: list[Milestone] = []
    hidden_from: dict[str, date] = {}
    blockers: dict[str, Blocker] = {}
    record_ends: list[date] = []  # clearing days of records that stay on the report
    for a in accounts:
        done = cleared[a.key]
        path = paths[a.key]
        scenario = a.plan is not None and a.plan.projected
        if path is not None:
            six = _six_on_time(path)
            if six is not None:
                milestones.append(
                    Milestone(MilestoneKind.SIX_ON_TIME, six, a.key, six > today or scenario)
                )
        if done is None:
            blockers[a.key] = Blocker.PENDING if a.pending else Blocker.NOT_NEGOTIATED
            continue
        projected = done > today or scenario
        relieved = relief_applies(a, done)
        if relieved:
            hidden_from[a.key] = relief_from(done)
            milestones.append(
                Milestone(MilestoneKind.RELIEF, hidden_from[a.key], a.key, done > today)
            )
        elif a.first_missed is not None:
            record_ends.append(done)
        milestones.extend(_after_clearing(done, a.key, projected, today, record=not relieved))
    if accounts and not blockers:
        overall = max(d for d in cleared.values() if d is not None)  # no blockers: all cleared
        any_scenario = any(a.plan is not None and a.plan.projected for a in accounts)
        milestones.extend(
            _after_clearing(overall, None, overall > today or any_scenario, today, record=False)
        )
        if record_ends:
            # The record leaves the window and is deleted counting from the last
            # overdue that stays on it (hidden ones have no such dates).
            end = max(record_ends)
            milestones.extend(_record_dates(end, None, end > today or any_scenario, today))
    milestones.sort(key=lambda m: (m.day, m.account or "", m.kind))

    start = month_start(today)
    last = max((m.day for m in milestones if m.kind != MilestoneKind.DELETED), default=today)
    horizon = max(add_months(start, GRID_MONTHS - 1), month_start(last))
    horizon = min(horizon, add_months(start, MAX_HORIZON_MONTHS - 1))
    by_month: dict[date, list[Milestone]] = {}
    for m in milestones:
        by_month.setdefault(month_start(m.day), []).append(m)
    all_cleared = (
        max(d for d in cleared.values() if d is not None) if accounts and not blockers else None
    )
    months = []
    month = start
    settled_row = None
    while month <= horizon:
        if settled_row is not None:
            # Once every account is settled, every later month looks the same.
            row = replace(settled_row, month=month)
        else:
            row = _month_row(month, accounts, paths, cleared)
            if all_cleared is not None and all_cleared < month:
                settled_row = row
        row.milestones = by_month.get(month, [])
        months.append(row)
        month = add_months(month, 1)

    grid_start = add_months(start, -(GRID_MONTHS // 2 - 1))
    grids = {
        a.key: report_grid(a, paths[a.key], cleared[a.key], grid_start, today, hidden_from)
        for a in accounts
    }
    return Timeline(
        today=today,
        months=months,
        milestones=milestones,
        grids=grids,
        labels={a.key: a.label for a in accounts},
        blockers=blockers,
        hidden_from=hidden_from,
    )


def report_grid(
    account: AccountInput,
    path: PlanPath | None,
    cleared: date | None,
    first_month: date,
    today: date,
    hidden_from: dict[str, date],
) -> list[tuple[date, str]]:
    """24 months of codes as a report printed today shows them; a record the
    2025-12-22 relief already hides prints N for its overdue months."""
    hidden = hidden_from.get(account.key)
    cells = []
    for k in range(GRID_MONTHS):
        month = add_months(first_month, k)
        code = code_on(account, path, cleared, month_end(month)).code
        if hidden is not None and hidden <= today and code not in ("N", "C"):
            code = "N"
        cells.append((month, code))
    return cells


def _after_clearing(
    done: date, key: str | None, projected: bool, today: date, record: bool
) -> list[Milestone]:
    """Milestones counted from the clearing day; each is a projection while it
    lies in the future or rests on a scenario."""
    days = [
        (MilestoneKind.CLEARED, done),
        (MilestoneKind.SMALL_CREDIT, add_months(done, 6)),
        (MilestoneKind.SCORE_NORMAL, add_months(done, 12)),
    ]
    found = [Milestone(kind, day, key, projected or day > today) for kind, day in days]
    if record:
        found.extend(_record_dates(done, key, projected, today))
    return found


def _record_dates(done: date, key: str | None, projected: bool, today: date) -> list[Milestone]:
    """The overdue record leaves the 24-month window, and is deleted after 5 years."""
    days = [
        (MilestoneKind.WINDOW_CLEAR, add_months(done, 24)),
        (MilestoneKind.DELETED, add_years(done, 5)),
    ]
    return [Milestone(kind, day, key, projected or day > today) for kind, day in days]


def _month_row(
    month: date,
    accounts: list[AccountInput],
    paths: dict[str, PlanPath | None],
    cleared: dict[str, date | None],
) -> MonthRow:
    end = month_end(month)
    before = month - timedelta(days=1)
    codes = {a.key: code_on(a, paths[a.key], cleared[a.key], end) for a in accounts}
    due = paid = remaining = ZERO
    missed = 0
    streak = 0
    counted_plans: set[str] = set()
    for a in accounts:
        path = paths[a.key]
        if path is None:
            done = cleared[a.key]
            if done is None or done > end:
                remaining += a.balance
            continue
        assert a.plan is not None  # paths[a.key] is built from a.plan
        if a.plan.key in counted_plans:  # one plan may cover several debts
            continue
        counted_plans.add(a.plan.key)
        due_now, missed_now, paid_now, left, run = path.month(before, end)
        due += due_now
        missed += missed_now
        paid += paid_now
        remaining += left
        streak = max(streak, run)
    return MonthRow(
        month=month,
        accounts=codes,
        due=due,
        paid=paid,
        missed=missed,
        remaining=remaining,
        streak=streak,
    )


def nothing_paid(accounts: list[AccountInput]) -> list[AccountInput]:
    """The same accounts if nothing more is paid: plans and projections dropped."""
    return [replace(a, plan=None) if a.cleared_on is None else a for a in accounts]


def tier_on(account: AccountInput, day: date) -> tiers.Tier:
    """The account's tier on a given day if nothing is paid before it."""
    if account.cleared_on is not None and account.cleared_on <= day:
        return tiers.Tier.CURRENT
    return tiers.tier_for(tiers.days_past_due(account.first_missed, day, account.grace_days)[0])


def tier_changes(account: AccountInput, until: date) -> list[tuple[date, tiers.Tier]]:
    """The days the account enters each worse tier, up to ``until``."""
    if account.first_missed is None:
        return []
    changes = []
    day = account.first_missed
    previous = tiers.Tier.CURRENT
    while day <= until:
        if account.cleared_on is not None and account.cleared_on <= day:
            break
        current = tier_on(account, day)
        if current != previous:
            changes.append((day, current))
            previous = current
        nxt = tiers.days_until_next_tier(account.first_missed, day, account.grace_days)
        if nxt is None:
            break
        day += timedelta(days=max(nxt, 1))
    return changes
