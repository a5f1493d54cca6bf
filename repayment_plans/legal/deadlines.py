"""The borrower's deadlines in court and arbitration: pure functions of dates.

"Today" and the holiday calendar are always passed in (the calendar is data that
staff edit, see ``repayment_plans/legal/calendar.py``). docs/legal.md explains
the rules with a worked example; docs/domain.md §8 has their sources.

How a period is counted (民事诉讼法, 期间; 民法典 Arts.201–203):

- The day of receipt is not counted: counting starts the day after. A period
  of N days received on day R ends on R + N.
- A period of months ends on the day of the end month with the same number as
  the day of receipt; a month without that day ends on its last day (民法典
  Art.202): received 2026-08-31, 6 months → 2027-02-28. Always computed from
  the day of receipt, never month by month.
- A period whose last day is a public holiday or a weekend ends on the next
  working day. A weekend day that the State Council made a working day (调休上班)
  is a working day: a deadline falling on it does not move.
- Days inside the period are never skipped: only the last day moves.

Convention of the app: the calendar only knows the years staff entered. A
deadline in a year with no data moves over weekends only and says so; one in a
year marked provisional (its State Council notice not yet entered) says that
the date may still change.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, timedelta

from repayment_plans.plans.schedules import add_months

# 仲裁法 as revised in 2025, in force from 2026-03-01, shortened the period to
# apply to set an award aside from 6 months (仲裁法 2017 Art.59) to 3 months.
# An award received before that day keeps the old 6 months.
ARBITRATION_LAW_2025_IN_FORCE = date(2026, 3, 1)
SET_ASIDE_MONTHS_BEFORE_2026 = 6
SET_ASIDE_MONTHS = 3
SOON_DAYS = 7  # a deadline within a week ranks first in a counselor's caseload
REMIND_DAYS_BEFORE = (5, 2, 0)


class Kind(enum.StrEnum):
    """The stages of a legal matter (LegalStage.Kind has the same values)."""

    MEDIATION = "mediation"  # 诉前调解
    PAYMENT_ORDER = "payment_order"  # 支付令 (督促程序)
    SUIT = "suit"  # 起诉: summons and copy of the complaint received
    HEARING = "hearing"  # 开庭
    JUDGMENT = "judgment"  # 一审判决
    RULING = "ruling"  # 一审裁定
    APPEAL = "appeal"  # 上诉 / 二审
    ARBITRATION = "arbitration"  # 仲裁: notice of arbitration received
    AWARD = "award"  # 仲裁裁决
    ENFORCEMENT = "enforcement"  # 执行
    LISTED = "listed"  # 失信被执行人
    RESTRICTED = "restricted"  # 限制消费
    SETTLEMENT = "settlement"  # 执行和解
    PAID = "paid"  # 履行完毕


@dataclass(frozen=True)
class Period:
    days: int = 0
    months: int = 0

    def end(self, received_on: date) -> date:
        """The last day before any holiday shift (the day of receipt not counted)."""
        if self.months:
            return add_months(received_on, self.months)
        return received_on + timedelta(days=self.days)


class Action(enum.StrEnum):
    """What the borrower can do before the deadline."""

    OBJECT = "object"  # a written objection to the payment order
    DEFEND = "defend"  # a defence (答辩状)
    APPEAL = "appeal"  # an appeal to the higher court
    SET_ASIDE = "set_aside"  # an application to set the award aside


ACTION_BY_KIND = {
    Kind.PAYMENT_ORDER: Action.OBJECT,
    Kind.SUIT: Action.DEFEND,
    Kind.JUDGMENT: Action.APPEAL,
    Kind.RULING: Action.APPEAL,
    Kind.AWARD: Action.SET_ASIDE,
}


def period_for(kind: str, received_on: date) -> tuple[Period, Action] | None:
    """The period a stage received on ``received_on`` opens, or None (no deadline)."""
    match kind:
        case Kind.PAYMENT_ORDER:
            return Period(days=15), Action.OBJECT
        case Kind.SUIT:
            return Period(days=15), Action.DEFEND
        case Kind.JUDGMENT:
            return Period(days=15), Action.APPEAL
        case Kind.RULING:
            return Period(days=10), Action.APPEAL
        case Kind.AWARD:
            months = (
                SET_ASIDE_MONTHS
                if received_on >= ARBITRATION_LAW_2025_IN_FORCE
                else SET_ASIDE_MONTHS_BEFORE_2026
            )
            return Period(months=months), Action.SET_ASIDE
    return None


@dataclass(frozen=True)
class Calendar:
    """Public holidays and official adjusted working days, by date."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()  # weekend days made working days (调休上班)
    years: frozenset[int] = frozenset()  # years with data
    provisional_years: frozenset[int] = frozenset()  # data not yet final

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5


@dataclass(frozen=True)
class Deadline:
    received_on: date
    period: Period
    first_day: date  # the day counting starts: the day after receipt
    nominal_end: date  # the period's last day before any shift
    due: date  # the last day to act
    moved_over: tuple[date, ...] = field(default=())  # the non-working days skipped at the end
    provisional: bool = False  # falls in a year whose holidays may still change
    unknown_year: bool = False  # falls in a year the calendar has no data for

    @property
    def moved(self) -> bool:
        return self.due != self.nominal_end


def deadline(received_on: date, period: Period, calendar: Calendar) -> Deadline:
    """The last day to act on something received on ``received_on``."""
    nominal = period.end(received_on)
    due = nominal
    skipped: list[date] = []
    while not calendar.is_working_day(due):
        skipped.append(due)
        due += timedelta(days=1)
    years = {nominal.year, due.year}
    return Deadline(
        received_on=received_on,
        period=period,
        first_day=received_on + timedelta(days=1),
        nominal_end=nominal,
        due=due,
        moved_over=tuple(skipped),
        provisional=bool(years & calendar.provisional_years),
        unknown_year=not years <= calendar.years,
    )


def stage_deadline(kind: str, received_on: date | None, calendar: Calendar) -> Deadline | None:
    if received_on is None:
        return None
    found = period_for(kind, received_on)
    if found is None:
        return None
    return deadline(received_on, found[0], calendar)


class Urgency(enum.StrEnum):
    DONE = "done"  # the borrower recorded that they acted
    PASSED = "passed"
    TODAY = "today"
    SOON = "soon"  # within SOON_DAYS
    LATER = "later"


@dataclass(frozen=True)
class DeadlineState:
    urgency: Urgency
    days_left: int  # negative once passed


def state(due: date, today: date, acted_on: date | None = None) -> DeadlineState:
    days_left = (due - today).days
    if acted_on is not None:
        urgency = Urgency.DONE
    elif days_left < 0:
        urgency = Urgency.PASSED
    elif days_left == 0:
        urgency = Urgency.TODAY
    elif days_left <= SOON_DAYS:
        urgency = Urgency.SOON
    else:
        urgency = Urgency.LATER
    return DeadlineState(urgency, days_left)


def reminder_offset(due: date, day: date) -> int | None:
    """Days before ``due`` when ``day`` is a reminder day (5, 2 or 0), else None."""
    offset = (due - day).days
    return offset if offset in REMIND_DAYS_BEFORE else None
