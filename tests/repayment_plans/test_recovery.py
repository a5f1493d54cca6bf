"""The recovery engine: milestones, codes, streaks, the 2025-12-22 rule and the seed's case."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from borrowers.tiers import Tier
from repayment_plans.recovery import (
    AccountInput,
    Installment,
    MilestoneKind,
    PlanInput,
    WhatIf,
    nothing_paid,
    recovery_timeline,
    tier_changes,
    tier_on,
)
from repayment_plans.schedules import add_months

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


def monthly_plan(first_due, count, paid=(), amount="1000", projected=False):
    """`paid` maps installment index to the day it was paid."""
    paid = dict(paid)
    return PlanInput(
        key="p",
        installments=tuple(
            Installment(add_months(first_due, k), Decimal(amount), paid.get(k))
            for k in range(count)
        ),
        projected=projected,
    )


class TestTheSeedsCase:
    """DOMAIN.md §7: a 微粒贷-like loan missed on 2025-03-01, owing 18,000 principal
    and 1,200 interest at day 45, repaid in full at day 120."""

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
        assert [grid[date(2025, m, 1)] for m in (1, 2, 3, 4, 5, 6, 7, 8)] == [
            "N",
            "N",
            "1",  # 31 March: 30 days
            "2",  # 30 April: 60 days
            "4",  # 31 May: 91 days
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


def test_a_plan_stops_the_escalation_from_its_first_installment():
    today = date(2026, 11, 28)
    plan = monthly_plan(date(2027, 1, 10), 12, projected=True)
    timeline = recovery_timeline([account(date(2026, 10, 1), plan=plan, amount="12000")], today)
    by_month = {row.month: row for row in timeline.months}
    assert by_month[date(2026, 12, 1)].accounts["wld"].code == "4"  # 91 days on 31 Dec
    assert by_month[date(2027, 1, 1)].accounts["wld"].code == "N"
    assert by_month[date(2027, 1, 1)].remaining == Decimal("11000")
    assert by_month[date(2027, 6, 1)].streak == 6
    assert timeline.milestone(K.SIX_ON_TIME, "wld").day == date(2027, 6, 10)
    assert timeline.cleared == date(2027, 12, 10)
    assert timeline.milestone(K.DELETED).day == date(2032, 12, 10)


def test_a_missed_installment_resets_the_streak_and_pushes_every_milestone():
    today = date(2027, 3, 20)
    paid = {0: date(2027, 1, 10), 1: date(2027, 2, 10)}  # March's was missed
    plan = monthly_plan(date(2027, 1, 10), 12, paid=paid)
    timeline = recovery_timeline([account(date(2026, 10, 1), plan=plan, amount="12000")], today)
    by_month = {row.month: row for row in timeline.months}
    assert by_month[date(2027, 3, 1)].streak == 0
    assert by_month[date(2027, 3, 1)].accounts["wld"].code == "1"  # 21 days since 10 March
    # Six on time counted again from April: April..September.
    assert timeline.milestone(K.SIX_ON_TIME, "wld").day == date(2027, 9, 10)
    assert timeline.cleared == date(2028, 1, 10)  # one month after the last installment
    on_time = recovery_timeline(
        [account(date(2026, 10, 1), plan=monthly_plan(date(2027, 1, 10), 12), amount="12000")],
        date(2027, 1, 1),
    )
    assert on_time.cleared == date(2027, 12, 10)


def test_what_if_miss_next_month():
    today = date(2027, 1, 1)
    accounts = [account(date(2026, 10, 1), plan=monthly_plan(date(2027, 1, 10), 12))]
    plain = recovery_timeline(accounts, today)
    missed = recovery_timeline(accounts, today, WhatIf(miss_next=True))
    assert plain.milestone(K.SIX_ON_TIME, "wld").day == date(2027, 6, 10)
    assert missed.milestone(K.SIX_ON_TIME, "wld").day == date(2027, 7, 10)
    assert missed.cleared == add_months(plain.cleared, 1)
    assert missed.milestone(K.DELETED).day == add_months(plain.milestone(K.DELETED).day, 1)


def test_what_if_extra_payment_brings_clearing_forward():
    today = date(2027, 1, 1)
    accounts = [account(date(2026, 10, 1), plan=monthly_plan(date(2027, 1, 10), 12))]
    faster = recovery_timeline(accounts, today, WhatIf(extra=Decimal("3000")))
    assert faster.cleared == date(2027, 9, 10)  # the last three installments settled now


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
        assert relief.day == max(cleared_on, date(2025, 12, 22))


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
