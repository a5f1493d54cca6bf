"""The holiday calendar as the deadlines read it: the HolidayYear and HolidayDate
rows that staff edit in the admin (seeded by migration 0012_seed_holidays)."""

from __future__ import annotations

from datetime import date

from repayment_plans.legal.deadlines import Calendar
from repayment_plans.legal.models import HolidayDate, HolidayYear


def holiday_calendar() -> Calendar:
    """The whole calendar, in two small queries."""
    years = list(HolidayYear.objects.values_list("year", "provisional"))
    holidays: set[date] = set()
    workdays: set[date] = set()
    for day, kind in HolidayDate.objects.values_list("day", "kind"):
        (workdays if kind == HolidayDate.Kind.WORKDAY else holidays).add(day)
    return Calendar(
        holidays=frozenset(holidays),
        workdays=frozenset(workdays),
        years=frozenset(year for year, _provisional in years),
        provisional_years=frozenset(year for year, provisional in years if provisional),
    )
