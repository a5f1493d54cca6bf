"""Court and arbitration deadlines at their edges (repayment_plans/legal/deadlines.py),
with the holiday calendar the data migration seeds (docs/legal.md)."""

import importlib
from datetime import date

import pytest
from django.apps import apps

from repayment_plans.legal import deadlines, services
from repayment_plans.legal.calendar import holiday_calendar
from repayment_plans.legal.deadlines import Calendar, Kind, Period, Urgency
from repayment_plans.models import HolidayDate, HolidayYear, LegalMatter, LegalStage
from tests.factories import DebtFactory

SEED = importlib.import_module("repayment_plans.migrations.0012_seed_holidays")


def seeded_calendar() -> Calendar:
    """The migration's data, without the database."""
    return Calendar(
        holidays=frozenset(d for rows in SEED.HOLIDAYS.values() for _n, days in rows for d in days),
        workdays=frozenset(d for rows in SEED.WORKDAYS.values() for _n, d in rows),
        years=frozenset(SEED.HOLIDAYS),
        provisional_years=frozenset(SEED.PROVISIONAL),
    )


CAL = seeded_calendar()
NO_HOLIDAYS = Calendar(years=frozenset({2025, 2026, 2027}))


def due(kind: str, received: date, calendar: Calendar = CAL) -> date:
    found = deadlines.stage_deadline(kind, received, calendar)
    assert found is not None
    return found.due


def test_the_stage_kinds_are_the_models_choices():
    assert {k.value for k in Kind} == set(LegalStage.Kind.values)


def test_the_day_of_receipt_is_not_counted():
    # Received Monday 2026-11-02: day 1 is 11-03, day 15 is Tuesday 11-17 (not 11-16).
    found = deadlines.stage_deadline(Kind.PAYMENT_ORDER, date(2026, 11, 2), CAL)
    assert found.first_day == date(2026, 11, 3)
    assert found.due == date(2026, 11, 17) and not found.moved


def test_the_worked_example_of_the_docs_received_on_a_friday_due_after_national_day():
    """docs/legal.md: received Friday 2026-09-18; day 15 is Saturday 2026-10-03, inside
    the National Day holiday; the deadline is Thursday 2026-10-08."""
    received = date(2026, 9, 18)
    assert received.weekday() == 4  # a Friday
    found = deadlines.stage_deadline(Kind.PAYMENT_ORDER, received, CAL)
    assert found.nominal_end == date(2026, 10, 3)
    assert found.due == date(2026, 10, 8)
    assert found.moved_over == tuple(date(2026, 10, d) for d in range(3, 8))
    assert not found.provisional and not found.unknown_year
    # The reminder days: 5 days before, 2 days before, the day.
    reminder_days = [
        day
        for day in (date(2026, 10, d) for d in range(1, 9))
        if deadlines.reminder_offset(found.due, day) is not None
    ]
    assert reminder_days == [date(2026, 10, 3), date(2026, 10, 6), date(2026, 10, 8)]


def test_a_deadline_in_the_national_day_holiday_moves_but_a_plain_weekend_calendar_does_not():
    assert due(Kind.SUIT, date(2026, 9, 18)) == date(2026, 10, 8)
    # Without the holiday data only the weekend (10-03, 10-04) is skipped.
    assert due(Kind.SUIT, date(2026, 9, 18), NO_HOLIDAYS) == date(2026, 10, 5)


def test_a_receipt_on_a_friday_ending_on_a_saturday_moves_to_monday():
    # Friday 2026-11-06 + 15 = Saturday 11-21 → Monday 11-23.
    assert date(2026, 11, 6).weekday() == 4
    assert due(Kind.PAYMENT_ORDER, date(2026, 11, 6)) == date(2026, 11, 23)


def test_a_judgment_has_15_days_and_a_ruling_10():
    received = date(2026, 11, 2)
    assert due(Kind.JUDGMENT, received) == date(2026, 11, 17)
    assert due(Kind.RULING, received) == date(2026, 11, 12)


def test_a_year_end_crossing():
    # A judgment received 2026-12-22: 15 days end Wednesday 2027-01-06, a working day;
    # 元旦 (2027-01-01) inside the period adds nothing.
    found = deadlines.stage_deadline(Kind.JUDGMENT, date(2026, 12, 22), CAL)
    assert found.due == date(2027, 1, 6) and not found.moved
    assert found.provisional  # 2027 is provisional
    # A ruling received the same day: 10 days end on 元旦 2027-01-01 (a Friday), then
    # the weekend: due Monday 2027-01-04.
    found = deadlines.stage_deadline(Kind.RULING, date(2026, 12, 22), CAL)
    assert found.nominal_end == date(2027, 1, 1)
    assert found.due == date(2027, 1, 4)


def test_six_months_across_a_month_end():
    # The month arithmetic: received 2026-08-31, 6 months → 2027-02-28 (no 31st), a
    # Sunday → Monday 2027-03-01.
    found = deadlines.deadline(date(2026, 8, 31), Period(months=6), CAL)
    assert found.nominal_end == date(2027, 2, 28)
    assert found.due == date(2027, 3, 1)
    assert deadlines.add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)  # a leap year


def test_an_award_received_before_march_2026_keeps_6_months_and_an_adjusted_working_day_counts():
    # 仲裁法 (2017) Art.59: 6 months. 2025-08-31 + 6 months = Saturday 2026-02-28, a
    # 调休上班 day: a working day, so the deadline does not move.
    found = deadlines.stage_deadline(Kind.AWARD, date(2025, 8, 31), CAL)
    assert found.period == Period(months=6)
    assert date(2026, 2, 28).weekday() == 5 and date(2026, 2, 28) in CAL.workdays
    assert found.due == date(2026, 2, 28) and not found.moved
    # A plain weekend calendar would have moved it to Monday.
    assert due(Kind.AWARD, date(2025, 8, 31), NO_HOLIDAYS) == date(2026, 3, 2)


def test_an_award_received_from_march_2026_has_3_months():
    # The 2025 revision of 仲裁法, in force 2026-03-01: 3 months.
    found = deadlines.stage_deadline(Kind.AWARD, date(2026, 8, 31), CAL)
    assert found.period == Period(months=3)
    assert found.due == date(2026, 11, 30)
    assert due(Kind.AWARD, date(2026, 3, 1)) == date(2026, 6, 1)
    # 2026-11-30 + 3 months = Sunday 2027-02-28 → Monday 2027-03-01.
    assert due(Kind.AWARD, date(2026, 11, 30)) == date(2027, 3, 1)


def test_a_year_without_data_skips_weekends_only_and_says_so():
    found = deadlines.stage_deadline(Kind.JUDGMENT, date(2027, 12, 25), CAL)
    assert found.nominal_end == date(2028, 1, 9)  # a Sunday
    assert found.due == date(2028, 1, 10)
    assert found.unknown_year


@pytest.mark.parametrize(
    "kind", [Kind.MEDIATION, Kind.HEARING, Kind.ENFORCEMENT, Kind.LISTED, Kind.PAID]
)
def test_stages_without_a_period_have_no_deadline(kind):
    assert deadlines.stage_deadline(kind, date(2026, 11, 2), CAL) is None


def test_the_state_of_a_deadline():
    due_on = date(2026, 12, 10)
    assert deadlines.state(due_on, date(2026, 12, 1)).urgency == Urgency.LATER
    assert deadlines.state(due_on, date(2026, 12, 3)).urgency == Urgency.SOON  # 7 days
    assert deadlines.state(due_on, date(2026, 12, 10)).urgency == Urgency.TODAY
    passed = deadlines.state(due_on, date(2026, 12, 11))
    assert passed.urgency == Urgency.PASSED and passed.days_left == -1
    done = deadlines.state(due_on, date(2026, 12, 11), acted_on=date(2026, 12, 9))
    assert done.urgency == Urgency.DONE


# The seeded data -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_migration_seeds_2025_to_2027_with_2027_provisional():
    years = dict(HolidayYear.objects.values_list("year", "provisional"))
    assert years == {2025: False, 2026: False, 2027: True}
    calendar = holiday_calendar()
    assert calendar == CAL
    # National Day 2026 and its adjusted working days (State Council notice).
    assert {date(2026, 10, d) for d in range(1, 8)} <= calendar.holidays
    assert {date(2026, 9, 20), date(2026, 10, 10)} <= calendar.workdays
    # 2027 has the statutory days only.
    assert not {d for d in calendar.workdays if d.year == 2027}
    assert {date(2027, 2, 5), date(2027, 2, 8), date(2027, 10, 3)} <= calendar.holidays


@pytest.mark.django_db(transaction=True)
def test_editing_the_calendar_moves_the_stored_deadlines(seeded_profiles, alice):
    SEED.seed(apps, None)  # flushed by an earlier transactional test
    debt = DebtFactory(borrower=alice)
    stage = LegalStage(kind=Kind.PAYMENT_ORDER, received_on=date(2026, 11, 2))
    services.start_matter(LegalMatter(borrower=alice, debt=debt), stage)
    assert LegalStage.objects.get(pk=stage.pk).deadline_on == date(2026, 11, 17)
    HolidayDate.objects.create(
        year=HolidayYear.objects.get(year=2026), day=date(2026, 11, 17), kind="holiday", name="x"
    )
    assert LegalStage.objects.get(pk=stage.pk).deadline_on == date(2026, 11, 18)
