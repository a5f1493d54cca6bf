"""The recovery engine: milestones, codes, streaks, the 2025-12-22 rule and the seed's case."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from borrowers.debts.tiers import Tier
from repayment_plans.plans.schedules import add_months
from repayment_plans.recovery.timeline import (
    AccountInput,
    Blocker,
    Installment,
    MilestoneKind,
    PlanInput,
    WhatIf,
    code_on,
    nothing_paid,
    plan_path,
    recovery_timeline,
    relief_from,
    tier_changes,
    tier_on,
)

K = MilestoneKind


def account(first_missed, cleared_on=None, plan=None, amount="19200", grace=1, key="wld"):
    return AccountInput(
        key=key,
        label="微粒贷",
        first_missed=first_missed,
        grace_days=grace,
        balance=Decimal(amount),
        overdue_amount=Decimal(amount),
        cleared_on=cleared_on,
        plan=plan,
    )


def monthly_plan(first_due, count, payments=(), amount="1000", agreed_on=None, projected=False):
    """``payments`` are (day, yuan) recorded against the plan."""
    return PlanInput(
        key="p",
        installments=tuple(
            Installment(add_months(first_due, k), Decimal(amount)) for k in range(count)
        ),
        payments=tuple((day, Decimal(str(yuan))) for day, yuan in payments),
        agreed_on=agreed_on,
        projected=projected,
    )


class TestTheSeedsCase:
    """docs/domain.md §9, the worked case: a 微粒贷-like loan missed on
    2025-03-01, owing 18,000 principal and 1,200 interest at day 45, repaid in
    full at day 120."""

    MISSED = date(2025, 3, 1)
    CLEARED = MISSED + timedelta(days=120)  # 2025-06-29
    TODAY = date(2025, 7, 15)

    def timeline(self):
        return recovery_timeline([account(self.MISSED, self.CLEARED)], self.TODAY)

    def test_tiers_at_days_30_31_61(self):
        acc = account(self.MISSED)
        assert tier_on(acc, self.MISSED + timedelta(days=30)) == Tier.LIGHT
        assert tier_on(acc, self.MISSED + timedelta(days=31)) == Tier.MODERATE
        assert tier_on(acc, self.MISSED + timedelta(days=60)) == Tier.MODERATE
        assert tier_on(acc, self.MISSED + timedelta(days=61)) == Tier.SEVERE
        assert tier_changes(account(self.MISSED, self.CLEARED), self.TODAY) == [
            (date(2025, 3, 3), Tier.LIGHT),  # grace of one day, then day 2
            (date(2025, 4, 1), Tier.MODERATE),  # day 31
            (date(2025, 5, 1), Tier.SEVERE),  # day 61
        ]

    def test_cleared_on_day_120_and_the_milestones_after(self):
        timeline = self.timeline()
        assert date(2025, 6, 29) == self.CLEARED  # day 120
        assert timeline.cleared == date(2025, 6, 29)
        expected = {
            K.SMALL_CREDIT: date(2025, 12, 29),
            K.SCORE_NORMAL: date(2026, 6, 29),
            K.WINDOW_CLEAR: date(2027, 6, 29),
            K.DELETED: date(2030, 6, 29),
        }
        for kind, day in expected.items():
            assert timeline.milestone(kind).day == day, kind
            assert timeline.milestone(kind, "wld").day == day, kind
        assert timeline.milestone(K.RELIEF, "wld") is None  # 19,200 > 10,000
        assert timeline.milestone(K.CLEARED).projected is False
        assert timeline.milestone(K.SMALL_CREDIT).projected is True

    def test_the_24_month_grid(self):
        grid = dict(self.timeline().grids["wld"])
        assert len(grid) == 24
        assert list(grid)[0] == date(2024, 8, 1) and list(grid)[-1] == date(2026, 7, 1)
        # One step per monthly report (docs/domain.md §1): N N 1 2 3 C. This test used to
        # assert "4" for May (91 days at the month's end), a day bucket, not the rule.
        assert [grid[date(2025, m, 1)] for m in (1, 2, 3, 4, 5, 6, 7, 8)] == [
            "N",
            "N",
            "1",  # March: the first report that sees it unpaid
            "2",  # April
            "3",  # May
            "C",  # repaid 29 June
            "C",
            "C",
        ]
        assert grid[date(2024, 8, 1)] == "N"


def test_without_a_plan_the_tiers_worsen_month_by_month():
    today = date(2026, 11, 28)
    timeline = recovery_timeline([account(date(2026, 11, 10), grace=0)], today)
    codes = [row.accounts["wld"].code for row in timeline.months[:8]]
    assert codes == ["1", "2", "3", "4", "5", "6", "7", "7"]
    assert timeline.cleared is None
    assert all(row.remaining == Decimal("19200") for row in timeline.months)


def test_an_agreed_plan_reports_against_its_installments_from_the_day_it_was_agreed():
    today = date(2026, 11, 28)
    plan = monthly_plan(date(2027, 1, 10), 12, agreed_on=date(2026, 12, 15))
    timeline = recovery_timeline([account(date(2026, 10, 1), plan=plan, amount="12000")], today)
    by_month = {row.month: row for row in timeline.months}
    assert by_month[date(2026, 11, 1)].accounts["wld"].code == "2"  # October 1, November 2
    assert by_month[date(2026, 12, 1)].accounts["wld"].code == "N"  # agreed on 15 December
    assert by_month[date(2027, 1, 1)].remaining == Decimal("11000")
    assert by_month[date(2027, 6, 1)].streak == 6
    assert timeline.milestone(K.SIX_ON_TIME, "wld").day == date(2027, 6, 10)
    assert timeline.cleared == date(2027, 12, 10)
    assert timeline.milestone(K.DELETED).day == date(2032, 12, 10)


def test_one_missed_installment_stays_one_period_behind_until_it_is_caught_up():
    # docs/domain.md §5: installment 2 (10 Feb) missed, every later one paid on its due
    # date. Payments go to the oldest installment first, so each month one is
    # unpaid: the code stays 1 (it used to climb 1 2 3 … 7) and the streak never starts.
    agreed = date(2027, 1, 5)
    payments = [(date(2027, 1, 10), 1000)] + [
        (add_months(date(2027, 1, 10), k), 1000) for k in range(2, 6)
    ]
    plan = monthly_plan(date(2027, 1, 10), 12, payments, agreed_on=agreed)
    today = date(2027, 6, 20)
    timeline = recovery_timeline([account(date(2026, 10, 1), plan=plan, amount="12000")], today)
    grid = dict(timeline.grids["wld"])
    assert [grid[date(2027, m, 1)] for m in (1, 2, 3, 4, 5, 6)] == ["N", "1", "1", "1", "1", "1"]
    assert timeline.months[0].streak == 0
    assert timeline.milestone(K.SIX_ON_TIME, "wld") is None  # never caught up in time
    # Projected without a catch-up: still 1 behind until one month after the last.
    later = {row.month: row.accounts["wld"].code for row in timeline.months}
    assert later[date(2027, 12, 1)] == "1"
    assert later[date(2028, 1, 1)] == "C"
    assert timeline.cleared == date(2028, 1, 10)


def test_catching_up_ends_the_overdue_and_the_streak_counts_from_then():
    agreed = date(2027, 1, 5)
    payments = [(date(2027, 1, 10), 1000)] + [
        (add_months(date(2027, 1, 10), k), 1000) for k in range(2, 6)
    ]
    payments.append((date(2027, 6, 20), 1000))  # the missed 1,000 caught up
    plan = monthly_plan(date(2027, 1, 10), 12, payments, agreed_on=agreed)
    today = date(2027, 6, 21)
    timeline = recovery_timeline([account(date(2026, 10, 1), plan=plan, amount="12000")], today)
    grid = dict(timeline.grids["wld"])
    assert grid[date(2027, 5, 1)] == "1"
    assert grid[date(2027, 6, 1)] == "N"  # caught up on 20 June
    # Installment 6 (10 June) was settled by the catch-up, late; the six on time
    # are 7..12, July to December.
    assert timeline.milestone(K.SIX_ON_TIME, "wld").day == date(2027, 12, 10)
    assert timeline.cleared == date(2027, 12, 10)


def test_a_partial_payment_pays_the_oldest_period_and_the_digit_counts_the_rest():
    plan = monthly_plan(
        date(2027, 1, 10), 6, [(date(2027, 3, 20), 1500)], agreed_on=date(2027, 1, 1)
    )
    path = plan_path(plan, date(2027, 3, 21))
    acc = account(date(2026, 12, 1), plan=plan, amount="6000")
    # 10 Jan and 10 Feb missed, 10 Mar due: three periods; 1,500 pays January
    # and half of February, so two remain at the end of March.
    assert code_on(acc, path, None, date(2027, 2, 28)).code == "2"
    assert code_on(acc, path, None, date(2027, 3, 31)).code == "2"


def test_what_if_miss_next_month():
    today = date(2027, 1, 1)
    accounts = [account(date(2026, 10, 1), plan=monthly_plan(date(2027, 1, 10), 12))]
    plain = recovery_timeline(accounts, today)
    missed = recovery_timeline(accounts, today, WhatIf(miss_next=True))
    assert plain.milestone(K.SIX_ON_TIME, "wld").day == date(2027, 6, 10)
    # The missed January stays unpaid (each payment goes to the oldest), so no
    # installment is on time again and the streak never reaches six.
    assert missed.milestone(K.SIX_ON_TIME, "wld") is None
    assert missed.cleared == add_months(plain.cleared, 1)
    assert missed.milestone(K.DELETED).day == add_months(plain.milestone(K.DELETED).day, 1)


def test_what_if_extra_payment_brings_clearing_forward():
    today = date(2027, 1, 1)
    accounts = [account(date(2026, 10, 1), plan=monthly_plan(date(2027, 1, 10), 12))]
    faster = recovery_timeline(accounts, today, WhatIf(extra=Decimal("3000")))
    assert faster.cleared == date(2027, 9, 10)  # three installments paid now, the rest monthly


@pytest.mark.parametrize(
    ("first_missed", "amount", "cleared_on", "applies"),
    [
        (date(2020, 1, 1), "10000.00", date(2026, 3, 31), True),
        (date(2025, 12, 31), "500", date(2026, 1, 15), True),
        (date(2019, 12, 31), "500", date(2026, 1, 15), False),  # arose too early
        (date(2026, 1, 1), "500", date(2026, 1, 15), False),  # arose too late
        (date(2024, 5, 1), "10000.01", date(2025, 6, 1), False),  # above 10,000
        (date(2024, 5, 1), "500", date(2026, 4, 1), False),  # repaid too late
    ],
)
def test_the_2025_12_22_rule_at_its_edges(first_missed, amount, cleared_on, applies):
    timeline = recovery_timeline(
        [account(first_missed, cleared_on, amount=amount)], date(2026, 11, 28)
    )
    relief = timeline.milestone(K.RELIEF, "wld")
    assert (relief is not None) is applies
    if applies:
        assert relief.day == relief_from(cleared_on)
        # Hidden, not waiting to be deleted: no window or deletion dates.
        assert timeline.milestone(K.DELETED, "wld") is None
        assert timeline.milestone(K.WINDOW_CLEAR, "wld") is None
        assert timeline.milestone(K.DELETED) is None
    else:
        assert timeline.milestone(K.DELETED, "wld").day == add_months(cleared_on, 60)


@pytest.mark.parametrize(
    ("repaid", "hidden_from"),
    [
        (date(2025, 11, 30), date(2026, 1, 1)),  # repaid by 30 Nov: from 1 Jan 2026
        (date(2025, 12, 1), date(2026, 1, 31)),  # end of the month after repayment
        (date(2026, 3, 31), date(2026, 4, 30)),
    ],
)
def test_the_relief_takes_effect_on_its_dates(repaid, hidden_from):
    assert relief_from(repaid) == hidden_from


def test_repaid_on_1_april_2026_keeps_the_normal_5_year_rule():
    acc = account(date(2025, 6, 1), date(2026, 4, 1), amount="500")
    timeline = recovery_timeline([acc], date(2026, 11, 28))
    assert timeline.milestone(K.RELIEF, "wld") is None
    assert timeline.milestone(K.DELETED, "wld").day == date(2031, 4, 1)
    grid = dict(timeline.grids["wld"])
    assert grid[date(2026, 3, 1)] == "7"  # still printed: not hidden
    assert grid[date(2026, 4, 1)] == "C"


def test_hidden_months_print_n_once_the_relief_applies_and_not_before():
    acc = account(date(2025, 9, 1), date(2025, 12, 1), amount="5000", grace=0)
    before = dict(recovery_timeline([acc], date(2026, 1, 30)).grids["wld"])
    after = dict(recovery_timeline([acc], date(2026, 1, 31)).grids["wld"])
    assert [before[date(2025, m, 1)] for m in (9, 10, 11, 12)] == ["1", "2", "3", "C"]
    assert [after[date(2025, m, 1)] for m in (9, 10, 11, 12)] == ["N", "N", "N", "C"]


@pytest.mark.parametrize("day", [29, 30, 31])
def test_a_due_date_at_the_end_of_the_month_never_skips_or_repeats_a_code(day):
    acc = account(date(2025, 1, day), grace=0)
    timeline = recovery_timeline([acc], date(2025, 12, 15))
    codes = [code for _month, code in timeline.grids["wld"] if code != "N"]
    digits = [int(c) for c in codes]
    assert digits == sorted(digits) and digits[0] == 1
    assert all(b - a == 1 for a, b in zip(digits, digits[1:], strict=False) if b < 7)
    assert digits[:7] == [1, 2, 3, 4, 5, 6, 7]


def test_a_leap_year_february_is_one_report():
    # Due on the 29th, first missed 29 January 2024: February 2024 has a 29th.
    acc = account(date(2024, 1, 29), grace=0)
    grid = dict(recovery_timeline([acc], date(2024, 6, 15)).grids["wld"])
    assert [grid[date(2024, m, 1)] for m in (1, 2, 3, 4, 5)] == ["1", "2", "3", "4", "5"]
    # Due on the 31st of January in a leap year: the February report still counts once.
    acc = account(date(2024, 1, 31), grace=1)
    grid = dict(recovery_timeline([acc], date(2024, 6, 15)).grids["wld"])
    assert [grid[date(2024, m, 1)] for m in (1, 2, 3, 4)] == ["N", "1", "2", "3"]


def test_nothing_paid_drops_the_plans():
    plan = monthly_plan(date(2027, 1, 10), 12)
    accounts = [account(date(2026, 10, 1), plan=plan)]
    assert nothing_paid(accounts)[0].plan is None
    assert recovery_timeline(nothing_paid(accounts), date(2026, 11, 28)).cleared is None


def test_overall_clearing_waits_for_the_last_account():
    today = date(2026, 11, 28)
    early = account(date(2026, 1, 1), cleared_on=date(2026, 6, 1), key="a")
    late = account(date(2026, 10, 1), plan=monthly_plan(date(2027, 1, 10), 6), key="b")
    timeline = recovery_timeline([early, late], today)
    assert timeline.milestone(K.CLEARED, "a").day == date(2026, 6, 1)
    assert timeline.cleared == date(2027, 6, 10)
    assert timeline.blockers == {}


def test_overall_milestones_name_the_debts_that_block_them():
    today = date(2026, 11, 28)
    agreed = account(date(2026, 10, 1), plan=monthly_plan(date(2027, 1, 10), 6), key="a")
    pending = replace(account(date(2026, 9, 1), key="b"), pending=True)
    new = account(date(2026, 11, 1), key="c")
    timeline = recovery_timeline([agreed, pending, new], today)
    assert timeline.cleared is None
    assert timeline.milestone(K.CLEARED, "a").day == date(2027, 6, 10)
    assert timeline.blockers == {"b": Blocker.PENDING, "c": Blocker.NOT_NEGOTIATED}
