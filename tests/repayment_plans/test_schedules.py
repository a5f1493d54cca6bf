"""Repayment schedules: worked examples checked by hand and properties.

Pure module: no database. Amounts are yuan (Decimal), terms months, rates
percent per year.
"""

import math
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from repayment_plans.plans.schedules import (
    FEN,
    Installment,
    Method,
    Schedule,
    add_months,
    build_schedule,
    months_for_payment,
    payment_for_months,
)
from repayment_plans.proposals.forms import MIN_MONTHLY

D = Decimal
JAN_31_2027 = date(2027, 1, 31)


def dues(schedule: Schedule) -> list[date]:
    return [i.due_date for i in schedule.installments]


def payments(schedule: Schedule) -> list[Decimal]:
    return [i.payment for i in schedule.installments]


def exact_annuity(principal: Decimal, months: int, annual_percent: Decimal) -> Fraction:
    """Closed form A = P*r*(1+r)^n / ((1+r)^n - 1), exactly, r = annual/100/12."""
    r = Fraction(annual_percent) / 1200
    growth = (1 + r) ** months
    return Fraction(principal) * r * growth / (growth - 1)


def fen_half_up(value: Fraction) -> Decimal:
    return Decimal(math.floor(value * 100 + Fraction(1, 2))).scaleb(-2)


def accumulation(months: int, annual_percent: Decimal) -> Fraction:
    """s_n = ((1+r)^n - 1) / r = sum of (1+r)^k for k = 0..n-1 (n when r = 0)."""
    r = Fraction(annual_percent) / 1200
    if r == 0:
        return Fraction(months)
    return ((1 + r) ** months - 1) / r


# --- add_months ------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2027, 1, 31), 2, date(2027, 3, 31)),  # from the start, not Feb 28 + 1
        (date(2027, 1, 31), 3, date(2027, 4, 30)),
        (date(2027, 3, 31), -1, date(2027, 2, 28)),
        (date(2027, 11, 30), 3, date(2028, 2, 29)),
        (date(2027, 12, 15), 1, date(2028, 1, 15)),
        (date(2027, 5, 10), 0, date(2027, 5, 10)),
    ],
)
def test_add_months(start, months, expected):
    assert add_months(start, months) == expected


def test_due_dates_are_computed_from_the_first_due_date_not_chained():
    schedule = build_schedule(D("400"), 4, JAN_31_2027, Method.INTEREST_FREE)
    assert dues(schedule) == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),  # chaining Feb 28 + 1 month would give Mar 28
        date(2027, 4, 30),
    ]


def test_good_faith_is_due_first_and_shifts_the_regular_installments_by_a_month():
    schedule = build_schedule(D("400"), 2, JAN_31_2027, Method.INTEREST_FREE, good_faith=D("100"))
    assert schedule.installments == (
        Installment(0, date(2027, 1, 31), D("100.00"), D("100.00"), D("0.00"), D("300.00")),
        Installment(1, date(2027, 2, 28), D("150.00"), D("150.00"), D("0.00"), D("150.00")),
        Installment(2, date(2027, 3, 31), D("150.00"), D("150.00"), D("0.00"), D("0.00")),
    )
    assert schedule.regular_count == 2
    assert schedule.good_faith_payment == D("100.00")
    assert schedule.first_regular_payment == D("150.00")
    assert schedule.last_due_date == date(2027, 3, 31)


# --- worked examples ---------------------------------------------------------


def test_18000_interest_free_over_36_months():
    # 18000 / 36 = 500 exactly: 35 x 500.00 and a last 18000 - 35 x 500 = 500.00.
    schedule = build_schedule(D("18000"), 36, date(2027, 3, 1), Method.INTEREST_FREE)
    assert payments(schedule) == [D("500.00")] * 36
    assert schedule.total_paid == D("18000.00")
    assert schedule.total_interest == D("0.00")
    assert schedule.regular_count == 36
    assert schedule.last_due_date == date(2030, 2, 1)
    assert schedule.good_faith_payment == D("0.00")
    assert schedule.annual_percent == 0


def test_10000_interest_free_over_3_months_last_absorbs_the_remainder():
    # 10000 / 3 = 3333.333... -> rounded up, 3333.34 twice; the last absorbs the
    # remainder, 10000 - 6666.68 = 3333.32, and so is never the largest month.
    schedule = build_schedule(D("10000"), 3, JAN_31_2027, Method.INTEREST_FREE)
    assert payments(schedule) == [D("3333.34"), D("3333.34"), D("3333.32")]
    assert [i.remaining for i in schedule.installments] == [
        D("6666.66"),
        D("3333.32"),
        D("0.00"),
    ]


def test_interest_free_ignores_the_rate():
    schedule = build_schedule(D("10000"), 3, JAN_31_2027, Method.INTEREST_FREE, D("24"))
    assert payments(schedule) == [D("3333.34"), D("3333.34"), D("3333.32")]
    assert schedule.annual_percent == 0


def test_interest_free_rounds_down_when_half_up_would_leave_nothing_for_the_last():
    # 0.15 over 10: 0.015 -> 0.02 half-up, 9 x 0.02 = 0.18 > 0.15, so round down:
    # 9 x 0.01 and a last of 0.15 - 0.09 = 0.06.
    schedule = build_schedule(D("0.15"), 10, JAN_31_2027, Method.INTEREST_FREE)
    assert payments(schedule) == [D("0.01")] * 9 + [D("0.06")]


def test_annuity_12000_at_12_percent_over_12_months():
    # r = 12 / 100 / 12 = 0.01 per month; 1.01^12 = 1.126825030131969720661201.
    # A = 12000 * 0.01 * 1.1268250301... / 0.1268250301... = 120 * 8.8848788...
    #   = 1066.18546... -> 1066.19 (half-up to the fen).
    # Month 1: interest 12000.00 * 0.01 = 120.00, principal 1066.19 - 120.00 = 946.19,
    #          balance 12000.00 - 946.19 = 11053.81.
    # Month 2: interest 110.5381 -> 110.54, principal 955.65, balance 10098.16.
    # Month 12: balance left 1055.58, interest 10.5558 -> 10.56, payment 1066.14.
    # Total paid 11 x 1066.19 + 1066.14 = 11728.09 + 1066.14 = 12794.23,
    # total interest 12794.23 - 12000.00 = 794.23.
    assert fen_half_up(exact_annuity(D("12000"), 12, D("12"))) == D("1066.19")
    schedule = build_schedule(D("12000"), 12, JAN_31_2027, Method.ANNUITY, D("12"))
    first, second = schedule.installments[:2]
    assert first == Installment(
        1, JAN_31_2027, D("1066.19"), D("946.19"), D("120.00"), D("11053.81")
    )
    assert second == Installment(
        2, date(2027, 2, 28), D("1066.19"), D("955.65"), D("110.54"), D("10098.16")
    )
    assert payments(schedule) == [D("1066.19")] * 11 + [D("1066.14")]
    last = schedule.installments[-1]
    assert (last.principal, last.interest, last.remaining) == (D("1055.58"), D("10.56"), D("0"))
    assert schedule.total_paid == D("12794.23")
    assert schedule.total_interest == D("794.23")
    assert schedule.total_principal == D("12000.00")
    assert schedule.annual_percent == D("12")
    assert payment_for_months(D("12000"), 12, Method.ANNUITY, D("12")) == D("1066.19")


def test_equal_principal_12000_at_12_percent_over_12_months():
    # Principal 12000 / 12 = 1000.00 each month; interest 1 % of the balance before:
    # 1000 + 120.00 = 1120.00, 1000 + 110.00 = 1110.00, ..., 1000 + 10.00 = 1010.00.
    # Total interest 120 + 110 + ... + 10 = 10 * (12 * 13 / 2) = 780.00.
    schedule = build_schedule(D("12000"), 12, JAN_31_2027, Method.EQUAL_PRINCIPAL, D("12"))
    assert payments(schedule) == [D(1120 - 10 * k).quantize(FEN) for k in range(12)]
    assert schedule.first_regular_payment == D("1120.00")
    assert schedule.installments[-1].payment == D("1010.00")
    assert schedule.total_interest == D("780.00")
    assert payment_for_months(D("12000"), 12, Method.EQUAL_PRINCIPAL, D("12")) == D("1120.00")


def test_zero_rate_annuity_is_an_equal_split():
    schedule = build_schedule(D("10000"), 3, JAN_31_2027, Method.ANNUITY, D("0"))
    assert payments(schedule) == [D("3333.34"), D("3333.34"), D("3333.32")]


def test_interest_on_an_exact_half_fen_rounds_up():
    # 0.60 at 10 %/yr for one month: 0.60 * 10 / 1200 = 0.005 exactly -> 0.01.
    schedule = build_schedule(D("0.60"), 1, JAN_31_2027, Method.EQUAL_PRINCIPAL, D("10"))
    assert payments(schedule) == [D("0.61")]
    # 144.60 at 10 %/yr over 2 months: A = 144.60 * 121^2 / (120 * (121^2 - 120^2))
    # = 144.60 * 14641 / 28920 = 73.205 exactly -> 73.21 (not 73.20).
    assert exact_annuity(D("144.60"), 2, D("10")) == Fraction("73.205")
    assert payment_for_months(D("144.60"), 2, Method.ANNUITY, D("10")) == D("73.21")


def test_tiny_annuity_lowers_the_level_payment_to_keep_the_last_positive():
    # 0.06 over 4 months at 12 %/yr: A = 0.0152... -> 0.02, but 3 x 0.02 would
    # repay everything before the last installment; 0.01 a month leaves 0.03.
    schedule = build_schedule(D("0.06"), 4, JAN_31_2027, Method.ANNUITY, D("12"))
    assert payments(schedule) == [D("0.01")] * 3 + [D("0.03")]
    assert payment_for_months(D("0.06"), 4, Method.ANNUITY, D("12")) == D("0.01")


# --- validation --------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"principal": D("0")}, "principal"),
        ({"principal": D("-5")}, "principal"),
        ({"principal": D("0.004")}, "principal"),  # rounds to 0.00
        ({"months": 0}, "months"),
        ({"annual_percent": D("-0.01")}, "annual_percent"),
        ({"good_faith": D("-1")}, "good_faith"),
        ({"good_faith": D("1000")}, "good_faith"),
        ({"good_faith": D("1200")}, "good_faith"),
        ({"principal": D("0.05"), "months": 10}, "too small"),
        ({"good_faith": D("999.95"), "months": 10}, "too small"),
    ],
)
def test_build_schedule_rejects(kwargs, message):
    arguments = {
        "principal": D("1000"),
        "months": 10,
        "first_due": JAN_31_2027,
        "method": Method.INTEREST_FREE,
    } | kwargs
    with pytest.raises(ValueError, match=message):
        build_schedule(**arguments)


def test_negative_rate_is_rejected_even_when_interest_free():
    with pytest.raises(ValueError):
        build_schedule(D("100"), 2, JAN_31_2027, Method.INTEREST_FREE, D("-1"))


def test_float_money_is_refused():
    # 0.1 + 0.2 != 0.3 in binary floating point: money never goes through float.
    assert 0.1 + 0.2 != 0.3
    with pytest.raises(TypeError):
        build_schedule(0.3, 3, JAN_31_2027, Method.INTEREST_FREE)  # type: ignore[arg-type]


def test_method_accepts_its_string_value():
    schedule = build_schedule(D("100"), 2, JAN_31_2027, "annuity", D("12"))
    assert schedule.method is Method.ANNUITY


# --- months_for_payment / payment_for_months -----------------------------------


@pytest.mark.parametrize(
    ("principal", "monthly", "method", "rate", "expected"),
    [
        (D("18000"), D("500"), Method.INTEREST_FREE, D("0"), 36),
        (D("18000"), D("499.99"), Method.INTEREST_FREE, D("0"), 37),
        (D("18000"), D("20000"), Method.INTEREST_FREE, D("0"), 1),
        # 10000 / 3 asks 3333.34 a month (the last 3333.32): 3333.33 cannot do it
        # in 3 months without a month above it, so it takes 4.
        (D("10000"), D("3333.34"), Method.INTEREST_FREE, D("0"), 3),
        (D("10000"), D("3333.33"), Method.INTEREST_FREE, D("0"), 4),
        # Interest-free ignores the rate: 1000 a month is never "interest only".
        (D("12000"), D("100"), Method.INTEREST_FREE, D("12"), 120),
        # Annuity at 1 %/month: 12 months -> 1066.19, 13 months -> 988.98.
        (D("12000"), D("1066.19"), Method.ANNUITY, D("12"), 12),
        (D("12000"), D("1066.18"), Method.ANNUITY, D("12"), 13),
        (D("12000"), D("1000"), Method.ANNUITY, D("12"), 13),
        (D("12000"), D("500"), Method.ANNUITY, D("0"), 24),
        # Equal principal: the first (largest) payment must fit.
        # 13 months: 923.08 + 120 = 1043.08 > 1000; 14: 857.14 + 120 = 977.14.
        (D("12000"), D("1120"), Method.EQUAL_PRINCIPAL, D("12"), 12),
        (D("12000"), D("1000"), Method.EQUAL_PRINCIPAL, D("12"), 14),
        # Interest alone is 12000 * 1 % = 120 a month: the debt never shrinks.
        (D("12000"), D("120"), Method.ANNUITY, D("12"), None),
        (D("12000"), D("119.99"), Method.ANNUITY, D("12"), None),
        (D("12000"), D("120"), Method.EQUAL_PRINCIPAL, D("12"), None),
        (D("12000"), D("0"), Method.INTEREST_FREE, D("0"), None),
        (D("12000"), D("-10"), Method.ANNUITY, D("12"), None),
    ],
)
def test_months_for_payment(principal, monthly, method, rate, expected):
    assert months_for_payment(principal, monthly, method, rate) == expected


def test_payment_for_months_examples():
    assert payment_for_months(D("18000"), 36, Method.INTEREST_FREE) == D("500.00")
    assert payment_for_months(D("10000"), 3, Method.INTEREST_FREE) == D("3333.34")
    assert payment_for_months(D("12000"), 13, Method.ANNUITY, D("12")) == D("988.98")
    # principal 12000 / 14 = 857.142… rounded up to 857.15, plus 120.00 interest
    assert payment_for_months(D("12000"), 14, Method.EQUAL_PRINCIPAL, D("12")) == D("977.15")
    assert payment_for_months(D("500"), 1, Method.ANNUITY, D("12")) == D("505.00")


# --- properties ----------------------------------------------------------------

METHODS = st.sampled_from(list(Method))
RATES = st.integers(0, 3600).map(lambda hundredths: D(hundredths).scaleb(-2))  # 0..36 %/yr
FIRST_DUES = st.dates(min_value=date(2024, 1, 1), max_value=date(2035, 12, 31))


@st.composite
def plans(draw):
    """(principal, months, good_faith): principal 0.01..10^8 yuan from integer fen."""
    months = draw(st.integers(1, 60))
    principal_fen = draw(st.integers(months, 10**10))
    good_faith_fen = 0
    if principal_fen > months and draw(st.booleans()):
        good_faith_fen = draw(st.integers(1, principal_fen - months))
    return D(principal_fen).scaleb(-2), months, D(good_faith_fen).scaleb(-2)


def regular(schedule: Schedule) -> list[Installment]:
    return [i for i in schedule.installments if i.number >= 1]


@settings(deadline=None)
@given(plan=plans(), first_due=FIRST_DUES, method=METHODS, rate=RATES)
def test_schedule_invariants(plan, first_due, method, rate):
    principal, months, good_faith = plan
    schedule = build_schedule(principal, months, first_due, method, rate, good_faith)
    rows = schedule.installments

    assert schedule.regular_count == months
    assert [i.number for i in rows] == ([0] if good_faith else []) + list(range(1, months + 1))
    assert sum((i.principal for i in regular(schedule)), good_faith) == principal
    assert schedule.total_principal == principal
    assert schedule.total_paid == principal + schedule.total_interest
    assert rows[-1].remaining == D("0.00")
    for row in rows:
        assert row.payment > 0
        assert row.principal >= 0
        assert row.interest >= 0
        assert row.payment == row.principal + row.interest
        for amount in (row.payment, row.principal, row.interest, row.remaining):
            assert amount.as_tuple().exponent == -2
    balances = [principal] + [i.remaining for i in rows]
    assert all(later <= earlier for earlier, later in zip(balances, balances[1:], strict=False))
    assert all(b - a == i.principal for a, b, i in zip(balances[1:], balances, rows, strict=False))
    due = dues(schedule)
    assert all(a < b for a, b in zip(due, due[1:], strict=False))
    assert due[0] == first_due
    if good_faith:
        assert rows[0] == Installment(
            0, first_due, good_faith, good_faith, D("0.00"), principal - good_faith
        )
        assert rows[1].due_date == add_months(first_due, 1)
    assert schedule.last_due_date == add_months(first_due, months - (0 if good_faith else 1))


@settings(deadline=None)
@given(plan=plans(), first_due=FIRST_DUES, rate=RATES)
def test_interest_free_is_an_equal_split_without_interest(plan, first_due, rate):
    principal, months, good_faith = plan
    schedule = build_schedule(principal, months, first_due, Method.INTEREST_FREE, rate, good_faith)
    parts = [i.principal for i in regular(schedule)]
    assert schedule.total_interest == 0
    assert len(set(parts[:-1])) <= 1
    # Each regular part is P/n rounded half-up (or down for tiny amounts), so
    # the last differs from P/n by at most (n - 1) fen-halves (or n fen).
    share = (principal - good_faith) / months
    assert abs(parts[0] - share) < FEN
    assert parts[-1] > 0
    assert abs(parts[-1] - share) <= months * FEN


@settings(deadline=None)
@given(plan=plans(), first_due=FIRST_DUES, rate=RATES)
def test_equal_principal_interest_is_on_the_balance_before(plan, first_due, rate):
    principal, months, good_faith = plan
    schedule = build_schedule(
        principal, months, first_due, Method.EQUAL_PRINCIPAL, rate, good_faith
    )
    parts = [i.principal for i in regular(schedule)]
    assert len(set(parts[:-1])) <= 1
    before = principal - good_faith
    with localcontext() as ctx:
        ctx.prec = 50  # balance * rate / 1200 is exact whenever it terminates
        for row in regular(schedule):
            expected = (before * rate / 1200).quantize(FEN, rounding=ROUND_HALF_UP)
            assert row.interest == expected
            before = row.remaining


@settings(deadline=None)
@given(plan=plans(), first_due=FIRST_DUES, rate=RATES.filter(lambda r: r > 0))
def test_annuity_level_payment_and_last_installment_bound(plan, first_due, rate):
    """Regular payments equal the closed form rounded; the last is close to them.

    Write b_k for the balance after k installments, A for the exact payment
    and A' = A + d for the rounded one (|d| <= 0.005). Each installment's
    interest is rounded with an error e_k (|e_k| <= 0.005), so
    b_{k+1} = b_k (1 + r) - A' + e_k while the exact balance follows
    b*_{k+1} = b*_k (1 + r) - A. The gap g_k = b_k - b*_k therefore obeys
    g_{k+1} = g_k (1 + r) + (e_k - d), with |e_k - d| < 0.01 yuan, and the last
    payment b_{n-1} (1 + r) + e_{n-1} differs from A' by
    sum_{j=0}^{n-1} (e_j - d) (1 + r)^(n-1-j), i.e. by less than
    0.01 * s_n with s_n = ((1 + r)^n - 1) / r.
    s_n = n at r = 0 and grows with r: the bound is n * 0.01 plus
    0.01 * (s_n - n), the compounding of the fen errors (0.53 yuan at
    36 %/yr over 36 months, 1.03 yuan over 60 months).

    The schedule keeps A' only if the balance stays positive until the
    last installment, b_{n-1} = A / (1 + r) + g_{n-1} > 0, which the bound
    |g_{n-1}| < 0.01 * s_{n-1} guarantees when A >= 0.01 * (s_n - 1). Below
    that (amounts of a few yuan at most), the level payment may be lowered.
    """
    principal, months, good_faith = plan
    amount = principal - good_faith
    schedule = build_schedule(principal, months, first_due, Method.ANNUITY, rate, good_faith)
    installments = [i.payment for i in regular(schedule)]
    level, last = installments[0], installments[-1]
    assert len(set(installments[:-1])) <= 1
    assert payment_for_months(amount, months, Method.ANNUITY, rate) == level

    exact = exact_annuity(amount, months, rate)
    s_n = accumulation(months, rate)
    assert s_n >= months
    if exact >= (s_n - 1) / 100:
        assert level == fen_half_up(exact)
        assert abs(Fraction(last - level)) < s_n / 100
    else:
        assert level <= fen_half_up(exact)


@settings(deadline=None)
@given(plan=plans(), method=METHODS, rate=RATES)
def test_payment_for_months_is_the_first_regular_payment(plan, method, rate):
    principal, months, _good_faith = plan
    schedule = build_schedule(principal, months, JAN_31_2027, method, rate)
    assert payment_for_months(principal, months, method, rate) == schedule.first_regular_payment


@st.composite
def offers(draw):
    """(principal, monthly): 1..10^7 yuan, a monthly offer of at least 10 yuan (the
    form's floor) that repays it within about 600 months without interest."""
    principal_fen = draw(st.integers(100, 10**9))
    monthly_fen = draw(st.integers(max(1000, principal_fen // 600), max(1000, principal_fen * 2)))
    return D(principal_fen).scaleb(-2), D(monthly_fen).scaleb(-2)


@settings(deadline=None)
@given(offer=offers(), method=METHODS, rate=RATES)
def test_months_for_payment_is_the_shortest_term_that_fits(offer, method, rate):
    principal, monthly = offer
    months = months_for_payment(principal, monthly, method, rate)
    charged = 0 if method is Method.INTEREST_FREE else rate
    if months is None:
        # Only when the offer hardly covers a month of interest on P.
        assert charged > 0
        assert monthly < principal * charged / 1200 + D("0.015")
        return
    assert months >= 1
    if months > 1200:  # terms beyond 100 years are not checked
        return
    assert payment_for_months(principal, months, method, rate) <= monthly
    if months > 1:
        assert payment_for_months(principal, months - 1, method, rate) > monthly
    if charged == 0:
        # Without interest this is ceil(P / monthly), or one less when
        # P / monthly lies within half a fen per installment of a whole number
        # (for offers of 10 yuan or more and terms up to 600 months that is
        # never more than one installment: n * 0.005 / 10 < 1).
        ceiling = math.ceil(Fraction(principal) / Fraction(monthly))
        assert months in {ceiling, ceiling - 1}


def test_months_for_payment_long_and_degenerate_terms():
    # 1000 at 12 %/yr is 10.00 of interest a month: 10.01 takes hundreds of months.
    months = months_for_payment(D("1000"), D("10.01"), Method.ANNUITY, D("12"))
    assert 500 < months <= 1200
    assert payment_for_months(D("1000"), months, Method.ANNUITY, D("12")) <= D("10.01")
    assert payment_for_months(D("1000"), months - 1, Method.ANNUITY, D("12")) > D("10.01")
    # 10.001 rounds to 10.00, exactly the interest: never repaid.
    assert months_for_payment(D("1000"), D("10.001"), Method.ANNUITY, D("12")) is None
    # Past 100 years the closed form is returned as is: 100000 / 10.005 = 9995.002...,
    # so 9996 installments of round(100000 / 9996) = round(10.004) = 10.00.
    assert months_for_payment(D("100000"), D("10.00"), Method.INTEREST_FREE) == 9996
    # Fewer fen than installments: no term can fit.
    assert months_for_payment(D("1"), D("0.001"), Method.INTEREST_FREE) is None


@settings(deadline=None)
@given(
    principal_fen=st.integers(100, 10**9),
    months=st.integers(1, 60),
    method=METHODS,
    rate=RATES,
)
def test_months_for_payment_round_trips_the_preview(principal_fen, months, method, rate):
    principal = D(principal_fen).scaleb(-2)
    shown = payment_for_months(principal, months, method, rate)
    # The proposal form refuses less than ¥10 a month (MIN_MONTHLY): below it, a
    # payment rounded to the fen can fall to the month's interest (¥1 over 50
    # months at 36 % shows ¥0.03 = 3 % of ¥1), which never repays.
    assume(shown >= MIN_MONTHLY)
    found = months_for_payment(principal, shown, method, rate)
    assert found is not None
    assert found <= months
    assert payment_for_months(principal, found, method, rate) == shown
