"""The credit-record recovery timeline (DOMAIN.md §5).

Pure functions: plain inputs, "today" passed in. Month by month: the projected
status code of each account (N, 1–7, C) at the end of the month, the
remaining balance and the on-time streak; and the milestones with their dates.

Conventions (stated, since credit reports differ in detail):
- An account's code for a month is its status on the last day of that month.
- While unpaid and outside a plan, days past due keep growing (tiers worsen).
- Inside an agreed plan, from its first installment on, the code follows the
  installments: N when nothing is overdue, else the code for the days since
  the oldest unpaid installment fell due.
- Future installments are projected as paid on their due date; each missed
  installment is assumed to be paid one month after the last one, so a miss
  pushes the clearing date, and every milestone after it, by a month.
- The month the account is cleared, and every month after, shows C.
"""

from __future__ import annotations

import calendar
import enum
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from functools import cache

from borrowers import tiers

ZERO = Decimal("0.00")
GRID_MONTHS = 24
MAX_HORIZON_MONTHS = 120

# PBOC notice of 2025-12-22: a single overdue of at most 10,000 yuan that arose
# in 2020-01-01..2025-12-31 and was repaid in full by 2026-03-31 is not shown.
RELIEF_AMOUNT = Decimal("10000")
RELIEF_ARISEN_FROM = date(2020, 1, 1)
RELIEF_ARISEN_TO = date(2025, 12, 31)
RELIEF_REPAID_BY = date(2026, 3, 31)
RELIEF_NOTICE = date(2025, 12, 22)


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


@dataclass(frozen=True)
class Installment:
    due: date
    amount: Decimal
    paid_on: date | None = None  # the day it was paid in full


@dataclass(frozen=True)
class PlanInput:
    """An agreed plan, or a projected one (proposal not answered yet, or the
    best plan the budget allows)."""

    key: str
    installments: tuple[Installment, ...]
    projected: bool = False


@dataclass(frozen=True)
class AccountInput:
    key: str
    label: str
    first_missed: date | None
    grace_days: int
    balance: Decimal  # what is owed now (principal + interest), yuan
    overdue_amount: Decimal  # for the 2025-12-22 rule
    cleared_on: date | None = None
    plan: PlanInput | None = None


@dataclass(frozen=True)
class WhatIf:
    miss_next: bool = False  # miss the next unpaid installment of every plan
    extra: Decimal = ZERO  # pay this much extra now, from the last installments back


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


@cache
def _state(dpd: int) -> AccountMonth:
    """Shared, read-only state for a number of days past due."""
    return AccountMonth(tiers.report_code_for(dpd), dpd, tiers.tier_for(dpd))


_SETTLED = AccountMonth("C", 0, None)


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


_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def days_in_month(year: int, month: int) -> int:
    if month == 2 and calendar.isleap(year):
        return 29
    return _DAYS_IN_MONTH[month - 1]


def add_months(day: date, months: int) -> date:
    """Same day of the month, clamped to its end (as schedules.add_months, faster)."""
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    return date(year, month, min(day.day, days_in_month(year, month)))


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=days_in_month(day.year, day.month))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


@dataclass(frozen=True)
class _Projected:
    """A plan's installments with actual and projected payment dates, indexed
    for lookups by day (bisect) so that a month costs O(log n), not O(n)."""

    rows: tuple[tuple[date, Decimal, date, bool], ...]  # due, amount, paid_on, on_time
    cleared: date | None

    def __post_init__(self):
        dues = [r[0] for r in self.rows]
        by_paid = sorted((r[2], r[1]) for r in self.rows)
        paid_prefix = [ZERO]
        for _day, amount in by_paid:
            paid_prefix.append(paid_prefix[-1] + amount)
        due_prefix = [ZERO]
        missed_prefix = [0]
        runs = []
        run = 0
        for _due, amount, _paid, on_time in self.rows:
            due_prefix.append(due_prefix[-1] + amount)
            missed_prefix.append(missed_prefix[-1] + (not on_time))
            run = run + 1 if on_time else 0
            runs.append(run)
        late = tuple((r[0], r[2]) for r in self.rows if r[2] > r[0])
        object.__setattr__(self, "_dues", dues)
        object.__setattr__(self, "_paid_days", [day for day, _a in by_paid])
        object.__setattr__(self, "_paid_prefix", paid_prefix)
        object.__setattr__(self, "_due_prefix", due_prefix)
        object.__setattr__(self, "_missed_prefix", missed_prefix)
        object.__setattr__(self, "_runs", runs)
        object.__setattr__(self, "_late", late)
        object.__setattr__(self, "_total", paid_prefix[-1])

    @property
    def first_due(self) -> date | None:
        return self._dues[0] if self._dues else None

    def paid_between(self, start: date, end: date) -> Decimal:
        return (
            self._paid_prefix[bisect_right(self._paid_days, end)]
            - self._paid_prefix[bisect_left(self._paid_days, start)]
        )

    def remaining_after(self, end: date) -> Decimal:
        return self._total - self._paid_prefix[bisect_right(self._paid_days, end)]

    def due_between(self, start: date, end: date) -> tuple[Decimal, int]:
        lo, hi = bisect_left(self._dues, start), bisect_right(self._dues, end)
        return (
            self._due_prefix[hi] - self._due_prefix[lo],
            self._missed_prefix[hi] - self._missed_prefix[lo],
        )

    def streak_at(self, end: date) -> int:
        index = bisect_right(self._dues, end)
        return self._runs[index - 1] if index else 0

    def oldest_unpaid(self, day: date) -> date | None:
        unpaid = [due for due, paid_on in self._late if due <= day < paid_on]
        return min(unpaid) if unpaid else None


def _project_plan(plan: PlanInput, today: date, what_if: WhatIf) -> _Projected:
    rows = []
    missed = 0
    extra = what_if.extra
    installments = list(plan.installments)
    # An extra payment now settles installments from the last one back.
    settled_by_extra = set()
    for index in range(len(installments) - 1, -1, -1):
        inst = installments[index]
        if extra <= 0 or inst.paid_on is not None:
            continue
        if extra >= inst.amount:
            settled_by_extra.add(index)
            extra -= inst.amount
    skipped = False
    last_due = max((i.due for i in installments), default=today)
    for index, inst in enumerate(installments):
        if index in settled_by_extra:
            rows.append((inst.due, inst.amount, today, True))
            continue
        if inst.paid_on is not None:
            rows.append((inst.due, inst.amount, inst.paid_on, inst.paid_on <= inst.due))
            continue
        if inst.due < today:
            missed += 1
            rows.append((inst.due, inst.amount, None, False))
            continue
        if what_if.miss_next and not skipped:
            skipped = True
            missed += 1
            rows.append((inst.due, inst.amount, None, False))
            continue
        rows.append((inst.due, inst.amount, inst.due, True))
    # Missed amounts are assumed paid one month after the last installment each.
    catch_up = [add_months(last_due, k) for k in range(1, missed + 1)]
    if all(r[2] is not None for r in rows) and not catch_up:
        cleared = max((r[2] for r in rows), default=None)
    else:
        cleared = max([r[2] for r in rows if r[2] is not None] + catch_up, default=None)
    resolved = []
    catch_iter = iter(catch_up)
    for due, amount, paid_on, on_time in rows:
        if paid_on is None:
            paid_on = next(catch_iter)
        resolved.append((due, amount, paid_on, on_time))
    return _Projected(rows=tuple(resolved), cleared=cleared)


def _account_code(
    account: AccountInput, plan: _Projected | None, cleared: date | None, day: date
) -> AccountMonth:
    if cleared is not None and cleared <= day:
        return _SETTLED
    if plan is not None and plan.first_due is not None and plan.first_due <= day:
        oldest = plan.oldest_unpaid(day) if plan._late else None
        return _state((day - oldest).days if oldest else 0)
    dpd, _grace = tiers.days_past_due(account.first_missed, day, account.grace_days)
    return _state(dpd)


def _relief_applies(account: AccountInput, cleared: date | None) -> bool:
    return (
        account.first_missed is not None
        and RELIEF_ARISEN_FROM <= account.first_missed <= RELIEF_ARISEN_TO
        and account.overdue_amount <= RELIEF_AMOUNT
        and cleared is not None
        and cleared <= RELIEF_REPAID_BY
    )


def _six_on_time(plan: _Projected) -> tuple[date | None, bool]:
    """Due date of the 6th consecutive on-time installment after the last miss."""
    streak = 0
    found = None
    for due, _amount, _paid_on, on_time in plan.rows:
        if not on_time:
            streak = 0
            found = None
            continue
        streak += 1
        if streak == 6 and found is None:
            found = due
    return found, found is not None


def recovery_timeline(
    accounts: list[AccountInput], today: date, what_if: WhatIf = WhatIf()
) -> Timeline:
    """Build the month-by-month timeline and its milestones for the accounts."""
    projected = {
        a.key: _project_plan(a.plan, today, what_if) if a.plan is not None else None
        for a in accounts
    }
    cleared = {}
    for a in accounts:
        if a.cleared_on is not None:
            cleared[a.key] = a.cleared_on
        elif projected[a.key] is not None:
            cleared[a.key] = projected[a.key].cleared
        else:
            cleared[a.key] = None

    milestones: list[Milestone] = []
    for a in accounts:
        done = cleared[a.key]
        plan = projected[a.key]
        is_projection = done is None or done > today or (a.plan is not None and a.plan.projected)
        if plan is not None:
            six, _ok = _six_on_time(plan)
            if six is not None:
                milestones.append(
                    Milestone(
                        MilestoneKind.SIX_ON_TIME, six, a.key, six > today or a.plan.projected
                    )
                )
        if done is None:
            continue
        milestones.extend(_after_clearing(done, a.key, is_projection, today))
        if _relief_applies(a, done):
            milestones.append(
                Milestone(MilestoneKind.RELIEF, max(done, RELIEF_NOTICE), a.key, done > today)
            )
    if accounts and all(cleared[a.key] is not None for a in accounts):
        overall = max(cleared[a.key] for a in accounts)
        any_projected = any(a.plan is not None and a.plan.projected for a in accounts)
        milestones.extend(_after_clearing(overall, None, overall > today or any_projected, today))
    milestones.sort(key=lambda m: (m.day, m.account or ""))

    start = month_start(today)
    last = max((m.day for m in milestones if m.kind != MilestoneKind.DELETED), default=today)
    horizon = max(add_months(start, GRID_MONTHS - 1), month_start(last))
    horizon = min(horizon, add_months(start, MAX_HORIZON_MONTHS - 1))
    by_month: dict[date, list[Milestone]] = {}
    for m in milestones:
        by_month.setdefault(month_start(m.day), []).append(m)
    all_cleared = max(cleared.values()) if accounts and None not in cleared.values() else None
    months = []
    month = start
    settled_row = None
    while month <= horizon:
        if settled_row is not None:
            # Once every account is settled, every later month looks the same.
            row = replace(settled_row, month=month)
        else:
            row = _month_row(month, accounts, projected, cleared)
            if all_cleared is not None and all_cleared < month:
                settled_row = row
        row.milestones = by_month.get(month, [])
        months.append(row)
        month = add_months(month, 1)

    grid_start = add_months(start, -(GRID_MONTHS // 2 - 1))
    grids = {
        a.key: [
            (m, _account_code(a, projected[a.key], cleared[a.key], month_end(m)).code)
            for m in (add_months(grid_start, k) for k in range(GRID_MONTHS))
        ]
        for a in accounts
    }
    return Timeline(
        today=today,
        months=months,
        milestones=milestones,
        grids=grids,
        labels={a.key: a.label for a in accounts},
    )


def _after_clearing(done: date, key: str | None, projected: bool, today: date) -> list[Milestone]:
    """Milestones counted from the clearing day; each is a projection while it
    lies in the future or rests on a projected plan."""
    days = [
        (MilestoneKind.CLEARED, done),
        (MilestoneKind.SMALL_CREDIT, add_months(done, 6)),
        (MilestoneKind.SCORE_NORMAL, add_months(done, 12)),
        (MilestoneKind.WINDOW_CLEAR, add_months(done, 24)),
        (MilestoneKind.DELETED, add_years(done, 5)),
    ]
    return [Milestone(kind, day, key, projected or day > today) for kind, day in days]


def _month_row(month, accounts, projected, cleared) -> MonthRow:
    end = month_end(month)
    codes = {a.key: _account_code(a, projected[a.key], cleared[a.key], end) for a in accounts}
    due = paid = remaining = ZERO
    missed = 0
    streak = 0
    counted_plans = set()
    for a in accounts:
        plan = projected[a.key]
        if plan is None:
            if cleared[a.key] is None or cleared[a.key] > end:
                remaining += a.balance
            continue
        if a.plan.key in counted_plans:  # one plan may cover several debts
            continue
        counted_plans.add(a.plan.key)
        due_now, missed_now = plan.due_between(month, end)
        due += due_now
        missed += missed_now
        paid += plan.paid_between(month, end)
        remaining += plan.remaining_after(end)
        streak = max(streak, plan.streak_at(end))
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
