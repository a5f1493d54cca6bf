"""Capacity and the four strategies, with hand-checked worked examples."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repayment_plans.plans.schedules import Method, build_schedule
from repayment_plans.strategies.affordability import (
    DebtSnapshot,
    LenderGroup,
    Strategy,
    _interest_at_contract,
    compare_strategies,
    monthly_capacity,
    plan_strategy,
    required_capacity,
    shortfall,
)

TODAY = date(2026, 11, 28)
FIRST_DUE = date(2027, 1, 1)  # 34 days from today


def group(lender, balance, rate, max_term, days_late, debt_id):
    return LenderGroup(
        lender=lender,
        debts=(
            DebtSnapshot(
                debt_id=debt_id,
                balance=Decimal(balance),
                penalty_fees=Decimal("0"),
                annual_percent=Decimal(rate),
                first_missed=TODAY - timedelta(days=days_late),
                grace_days=0,
            ),
        ),
        max_term_months=max_term,
    )


# A: severe, expensive, large.  B: moderate, 16 days from severe.  C: light, small.
A = group("A", "18000", "18.25", 36, 75, 1)
B = group("B", "6000", "0", 24, 45, 2)
C = group("C", "3000", "12", 60, 10, 3)
GROUPS = [A, B, C]


def by_lender(outcome):
    return {a.lender: (a.monthly, a.months, a.start_offset) for a in outcome.allocations}


@pytest.mark.parametrize(
    ("disposable", "ratio", "capacity"),
    [
        ("2700", "70", "1890.00"),
        ("0", "70", "0.00"),
        ("-500", "70", "0.00"),
        ("100.01", "70", "70.00"),
    ],
)
def test_monthly_capacity_is_a_share_of_disposable_income_never_negative(
    disposable, ratio, capacity
):
    assert monthly_capacity(Decimal(disposable), Decimal(ratio)) == Decimal(capacity)


def test_required_capacity_and_shortfall():
    # 18,000/36 + 6,000/24 + 3,000/60 = 500 + 250 + 50
    assert required_capacity(GROUPS) == Decimal("800.00")
    assert shortfall(GROUPS, Decimal("600")) == Decimal("200.00")
    assert shortfall(GROUPS, Decimal("2000")) == Decimal("0.00")


def test_stop_escalation_serves_the_severe_debt_first_then_the_closest_to_a_worse_tier():
    outcome = plan_strategy(GROUPS, Decimal("2000"), Strategy.STOP_ESCALATION, FIRST_DUE, TODAY)
    # A is already severe (75 days): it comes first, before B (16 days from severe).
    # Minimums 500 (A) + 250 (B) + 50 (C) = 800; the 1,200 left goes to A first.
    assert by_lender(outcome) == {
        "A": (Decimal("1636.37"), 11, 0),  # ceil(18000 / 1700) = 11 months of 18000 / 11
        "B": (Decimal("250.00"), 24, 0),
        "C": (Decimal("50.00"), 60, 0),
    }
    assert [a.lender for a in outcome.allocations] == ["A", "B", "C"]
    assert outcome.months_to_clear == 60
    assert outcome.total_paid == Decimal("27000.00")
    assert outcome.feasible
    # B (45 -> 79 days) becomes severe and C (10 -> 44) moderate by 1 January.
    assert outcome.tier_crossings == 2


def test_without_a_severe_debt_the_surplus_goes_to_the_debt_closest_to_a_worse_tier():
    outcome = plan_strategy([C, B], Decimal("2000"), Strategy.STOP_ESCALATION, FIRST_DUE, TODAY)
    # B is 16 days from severe, C 21 days from moderate: B gets 250 + the 1,700 left.
    assert [a.lender for a in outcome.allocations] == ["B", "C"]
    assert by_lender(outcome) == {
        "B": (Decimal("1500.00"), 4, 0),  # ceil(6000 / 1950) = 4 months of 6000 / 4
        "C": (Decimal("50.00"), 60, 0),
    }


def test_stop_escalation_allocates_to_a_severe_lender_before_one_about_to_escalate():
    severe = group("Severe", "5000", "0", 24, 70, 10)  # 70 days: severe, no next tier
    light = group("Light", "5000", "0", 24, 28, 11)  # 28 days: moderate in 3 days
    # Each needs 5000 / 24 = 208.34 a month; 300 covers only one of them now.
    outcome = plan_strategy(
        [light, severe], Decimal("300"), Strategy.STOP_ESCALATION, FIRST_DUE, TODAY
    )
    assert [a.lender for a in outcome.allocations] == ["Severe", "Light"]
    assert by_lender(outcome) == {
        "Severe": (Decimal("294.12"), 17, 0),  # ceil(5000 / 300) = 17 months of 5000 / 17
        "Light": (Decimal("294.12"), 17, 17),  # waits until Severe is cleared
    }


def test_stop_escalation_order_most_overdue_severe_then_days_to_next_tier_then_dpd():
    groups = [
        group("Light28", "1000", "0", 24, 28, 1),  # 3 days from moderate
        group("Severe70", "1000", "0", 24, 70, 2),
        group("Moderate45", "1000", "0", 24, 45, 3),  # 16 days from severe
        group("Severe200", "1000", "0", 24, 200, 4),
        group("Light5", "1000", "0", 24, 5, 5),  # 26 days from moderate
        group("Moderate35", "1000", "0", 24, 35, 6),  # 26 days from severe
        group("Twin-b", "1000", "0", 24, 28, 7),  # same urgency as Light28, same balance
        group("Twin-a", "1000", "0", 24, 28, 8),
    ]
    outcome = plan_strategy(groups, Decimal("100000"), Strategy.STOP_ESCALATION, FIRST_DUE, TODAY)
    assert [a.lender for a in outcome.allocations] == [
        "Severe200",
        "Severe70",
        "Light28",
        "Twin-a",
        "Twin-b",
        "Moderate45",
        "Moderate35",  # 26 days like Light5, but 35 days past due against 5
        "Light5",
    ]


def test_avalanche_pays_the_highest_rate_first():
    outcome = plan_strategy(GROUPS, Decimal("2000"), Strategy.AVALANCHE, FIRST_DUE, TODAY)
    assert by_lender(outcome) == {
        "A": (Decimal("1636.37"), 11, 0),  # ceil(18000 / 1700) = 11 months of 18000 / 11
        "C": (Decimal("50.00"), 60, 0),
        "B": (Decimal("250.00"), 24, 0),
    }


def test_snowball_pays_the_smallest_balance_first():
    outcome = plan_strategy(GROUPS, Decimal("2000"), Strategy.SNOWBALL, FIRST_DUE, TODAY)
    assert by_lender(outcome) == {
        "C": (Decimal("1000.00"), 3, 0),  # ceil(3000 / 1250) = 3 months of 3000 / 3
        "B": (Decimal("250.00"), 24, 0),
        "A": (Decimal("500.00"), 36, 0),
    }
    assert outcome.months_to_clear == 36


def test_pro_rata_splits_by_balance():
    outcome = plan_strategy(GROUPS, Decimal("2000"), Strategy.PRO_RATA, FIRST_DUE, TODAY)
    # Shares 2000 x 18/27, 6/27, 3/27 (1333.33, 444.44, 222.22) need 14 months
    # each; the interest-free schedule over 14 months asks balance / 14, rounded up.
    assert by_lender(outcome) == {
        "A": (Decimal("1285.72"), 14, 0),
        "B": (Decimal("428.58"), 14, 0),
        "C": (Decimal("214.29"), 14, 0),
    }
    assert outcome.months_to_clear == 14


def test_interest_avoided_is_the_contract_interest_over_the_plan():
    outcome = plan_strategy(GROUPS, Decimal("2000"), Strategy.SNOWBALL, FIRST_DUE, TODAY)
    # A: annuity of 18,000 at 18.25 %/yr over 36 months; closed form, r = 0.1825/12:
    r = Decimal("0.1825") / 12
    a_payment = Decimal(18000) * r / (1 - (1 + r) ** -36)
    a_interest = a_payment * 36 - 18000  # about 5,507
    # B is interest-free; C: 3,000 at 12 % over 3 months.
    r = Decimal("0.01")
    c_interest = Decimal(3000) * r / (1 - (1 + r) ** -3) * 3 - 3000  # about 60.07
    assert abs(outcome.avoided - (a_interest + c_interest)) < Decimal("1.00")


def test_short_budget_never_overspends_and_says_who_is_not_covered_in_time():
    outcome = plan_strategy(GROUPS, Decimal("600"), Strategy.STOP_ESCALATION, FIRST_DUE, TODAY)
    # A 500 (severe, first) + C 50 fit, A takes the 50 left; B's 250 does not fit:
    # it waits for A (550 a month free from month 33: 11 months of 6000 / 11),
    # past its 24 months. A's 550 need 33 months of 18000 / 33 = 545.46.
    assert by_lender(outcome) == {
        "A": (Decimal("545.46"), 33, 0),
        "B": (Decimal("545.46"), 11, 33),
        "C": (Decimal("50.00"), 60, 0),
    }
    assert not outcome.feasible
    assert next(a for a in outcome.allocations if a.lender == "B").within_max_term is False


def _monthly_load(outcome, month):
    return sum(
        (a.monthly for a in outcome.allocations if a.start_offset <= month < a.ends_after),
        Decimal(0),
    )


money = st.integers(min_value=100, max_value=5_000_000).map(lambda f: Decimal(f) / 100)


@settings(max_examples=150, deadline=None)
@given(
    balances=st.lists(money, min_size=1, max_size=5),
    capacity=st.integers(min_value=0, max_value=2_000_000).map(lambda f: Decimal(f) / 100),
    terms=st.lists(st.integers(min_value=1, max_value=60), min_size=5, max_size=5),
    late=st.lists(st.integers(min_value=0, max_value=400), min_size=5, max_size=5),
)
def test_no_strategy_ever_asks_more_than_the_capacity(balances, capacity, terms, late):
    groups = [group(f"L{i}", str(b), "10", terms[i], late[i], i) for i, b in enumerate(balances)]
    for outcome in compare_strategies(groups, capacity, FIRST_DUE, TODAY):
        horizon = max((a.ends_after for a in outcome.allocations), default=0)
        for month in range(horizon + 1):
            assert _monthly_load(outcome, month) <= capacity
        for a in outcome.allocations:
            if a.months:
                assert (
                    a.monthly * (a.months - 1)
                    < sum(g.balance for g in groups if g.lender == a.lender)
                    <= a.monthly * a.months
                )
        if (
            shortfall(groups, capacity) == 0
            and capacity > 0
            and outcome.strategy != Strategy.PRO_RATA
        ):
            assert outcome.feasible


@given(
    balance=st.decimals(min_value=Decimal("100"), max_value=Decimal("500000"), places=2),
    months=st.integers(min_value=1, max_value=60),
    percent=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("36"), places=2),
)
@settings(max_examples=60, deadline=None)
def test_the_interest_kept_per_process_is_the_schedules_for_any_way_of_writing_it(
    balance, months, percent
):
    due = date(2027, 1, 31)
    expected = build_schedule(balance, months, due, Method.ANNUITY, percent).total_interest
    for written in (balance, balance.normalize(), balance.quantize(Decimal("0.0001"))):
        assert _interest_at_contract(written, months, due, percent.normalize()) == expected
