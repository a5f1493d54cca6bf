"""The counter-offer evaluator (docs/negotiation.md), on worked cases and properties.

The worked cases use the seed's loan (docs/domain.md §9): 18,000 yuan of
principal and 1,200 of interest owed to a 微粒贷-like lender (typical maximum
term 36 months), and ¥1,200.00 a month left after the other agreed plans.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from repayment_plans.negotiation.offers import (
    CARD_MAX_TERM_MONTHS,
    BorrowerSide,
    Level,
    Offer,
    Verdict,
    effective_yearly_percent,
    evaluate,
    first_period,
    offer_from_schedule,
)
from repayment_plans.plans.schedules import Method, add_months, build_schedule

D = Decimal
TODAY = date(2026, 11, 28)
FIRST = date(2027, 1, 1)  # one whole month (and 4 days) after today: period 1

SEED = BorrowerSide(
    principal=D("18000.00"), owed=D("19200.00"), capacity_left=D("1200.00"), max_term_months=36
)
CARD = BorrowerSide(
    principal=D("30000.00"), capacity_left=D("600.00"), max_term_months=60, is_credit_card=True
)


def offer(monthly, months, *, interest=False, penalties=False, **kwargs):
    return Offer(
        monthly_amount=D(monthly),
        months=months,
        first_due=kwargs.pop("first_due", FIRST),
        interest_continues=interest,
        penalties_continue=penalties,
        **kwargs,
    )


def levels(evaluation):
    return {c.name: c.level for c in evaluation.checks}


def reason(evaluation, name):
    with translation.override("en"):
        check = evaluation.check(name)
        assert check is not None
        return check.reason


# --- the five worked cases of the issue ----------------------------------------------


def test_an_offer_within_capacity_fits():
    result = evaluate(offer("800.00", 24), SEED, TODAY)

    assert result.verdict == Verdict.FITS
    assert set(levels(result).values()) == {Level.OK}
    assert result.total == D("19200.00")
    assert result.ratio == D("1.07")
    # 24 x 800 for 18,000 received: a monthly IRR of 0.5225 %, 6.27 % a year.
    assert result.yearly_cost_percent == D("6.27")
    assert result.counter is None
    assert reason(result, "monthly") == (
        "¥800.00 a month fits the ¥1,200.00 you have left after your agreed plans."
    )
    assert reason(result, "total") == (
        "You would repay ¥19,200.00 in total for ¥18,000.00 of principal (1.07 times)."
    )
    with translation.override("en"):
        assert str(result.headline) == "This offer fits your budget."


def test_one_yuan_over_the_capacity_does_not_fit_and_the_counter_does():
    result = evaluate(offer("1201.00", 16), SEED, TODAY)

    assert result.verdict == Verdict.DOES_NOT_FIT
    assert [c.name for c in result.checks if c.level == Level.FAIL] == ["monthly"]
    assert (result.total, result.ratio, result.yearly_cost_percent) == (
        D("19216.00"),
        D("1.07"),
        D("9.36"),
    )
    assert reason(result, "monthly") == (
        "¥1,201.00 a month is ¥1.00 more than the ¥1,200.00 you have left after your agreed plans."
    )
    counter = result.counter
    assert counter is not None
    assert (counter.largest_installment, counter.months, counter.total_paid) == (
        D("1200.00"),
        16,
        D("19200.00"),
    )
    assert counter.first_due == FIRST
    assert counter.interest_continues is False and counter.penalties_continue is False
    with translation.override("en"):
        assert result.counter_reason == (
            "Counter with 16 monthly installments of ¥1,200.00 (¥19,200.00 in total), interest "
            "frozen and penalty interest and fees stopped, the first on 2027-01-01."
        )
    assert evaluate(counter, SEED, TODAY).verdict == Verdict.FITS


def test_a_total_above_twice_the_principal_does_not_fit():
    # 36 x 1,100 = 39,600 for 18,000 of principal: 2.2 times, 61.04 % a year.
    result = evaluate(offer("1100.00", 36, interest=True), SEED, TODAY)

    assert result.verdict == Verdict.DOES_NOT_FIT
    assert levels(result)["monthly"] == Level.OK
    assert levels(result)["total"] == Level.FAIL
    assert levels(result)["cost"] == Level.WARN
    assert (result.total, result.ratio, result.yearly_cost_percent) == (
        D("39600.00"),
        D("2.20"),
        D("61.04"),
    )
    assert reason(result, "total").endswith("more than twice the principal.")
    # The counter keeps the lender's 36 months, without interest.
    counter = result.counter
    assert counter is not None
    assert (counter.largest_installment, counter.months, counter.total_paid) == (
        D("533.34"),
        36,
        D("19200.00"),
    )
    assert counter.installments()[-1] == D("533.10")


def test_exactly_twice_the_principal_is_not_yet_over_the_line():
    result = evaluate(offer("1000.00", 36, interest=True), SEED, TODAY)
    assert result.total == 2 * SEED.principal
    assert levels(result)["total"] == Level.OK
    assert evaluate(offer("1000.01", 36, interest=True), SEED, TODAY).check("total").level == (
        Level.FAIL
    )


def test_penalties_that_keep_running_make_the_offer_costly():
    result = evaluate(offer("800.00", 24, penalties=True), SEED, TODAY)

    assert result.verdict == Verdict.FITS_COSTLY
    assert [c.name for c in result.checks if c.level != Level.OK] == ["penalties"]
    assert (result.total, result.ratio, result.yearly_cost_percent) == (
        D("19200.00"),
        D("1.07"),
        D("6.27"),
    )
    assert reason(result, "penalties").startswith("Penalty interest and fees keep running")
    assert result.counter is None
    # Not said is not "stopped" either.
    unsaid = evaluate(offer("800.00", 24, penalties=None), SEED, TODAY)
    assert unsaid.verdict == Verdict.FITS_COSTLY
    assert levels(unsaid)["penalties"] == Level.WARN


def test_a_card_offer_beyond_60_months_does_not_fit():
    # 72 x 450 for a 30,000 card balance: the monthly amount fits, the term does not.
    result = evaluate(offer("450.00", 72, interest=True), CARD, TODAY)

    assert CARD_MAX_TERM_MONTHS == 60
    assert result.verdict == Verdict.DOES_NOT_FIT
    assert [c.name for c in result.checks if c.level == Level.FAIL] == ["term"]
    assert "Art.70" in reason(result, "term")
    counter = result.counter
    assert counter is not None
    assert (counter.largest_installment, counter.months, counter.total_paid) == (
        D("500.00"),
        60,
        D("30000.00"),
    )
    # 60 months is within the rule; the same 72 months on an online loan is only a note.
    assert levels(evaluate(offer("450.00", 60, interest=True), CARD, TODAY))["term"] == Level.OK
    loan = BorrowerSide(principal=D("30000.00"), capacity_left=D("600.00"), max_term_months=36)
    as_loan = evaluate(offer("450.00", 72, interest=True), loan, TODAY)
    assert as_loan.verdict == Verdict.FITS
    assert reason(as_loan, "term").startswith("72 months is longer than is typical")


# --- the counter when none fits ------------------------------------------------------


def test_no_counter_when_even_the_longest_term_needs_more_than_is_left():
    short = BorrowerSide(
        principal=D("30000.00"), capacity_left=D("400.00"), max_term_months=60, is_credit_card=True
    )
    result = evaluate(offer("450.00", 72, interest=True), short, TODAY)

    assert result.verdict == Verdict.DOES_NOT_FIT
    assert result.counter is None
    with translation.override("en"):
        assert result.counter_reason == (
            "Even over 60 months, the longest term for this product, ¥500.00 a month is "
            "needed: ¥100.00 more than the ¥400.00 you have left. You could ask for 60 months "
            "of ¥400.00 with a good-faith first payment of ¥6,000.00, if you can raise it."
        )


def test_no_counter_when_nothing_is_left():
    broke = BorrowerSide(principal=D("6000.00"), capacity_left=D("-50"), max_term_months=24)
    result = evaluate(offer("100.00", 60), broke, TODAY)
    assert broke.capacity_left == D("0.00")
    assert result.verdict == Verdict.DOES_NOT_FIT
    assert result.counter is None
    with translation.override("en"):
        assert result.counter_reason.startswith("Nothing is left each month")


# --- cost, fees, totals ------------------------------------------------------------


def test_a_yearly_cost_above_the_warning_line_is_costly():
    roomy = BorrowerSide(principal=D("18000.00"), capacity_left=D("2000.00"), max_term_months=36)
    dear = offer("1800.00", 12, interest=True)  # 21,600 in a year for 18,000

    result = evaluate(dear, roomy, TODAY)
    assert result.yearly_cost_percent == D("35.07")
    assert result.verdict == Verdict.FITS_COSTLY
    assert [c.name for c in result.checks if c.level != Level.OK] == ["cost"]
    assert "12378" in reason(result, "cost")
    # The line is the deployment's COST_WARNING_ANNUAL_PERCENT, passed in.
    assert evaluate(dear, roomy, TODAY, cost_warning_percent=D(36)).verdict == Verdict.FITS


def test_fees_count_in_the_total_and_the_cost_and_are_flagged():
    plain = evaluate(offer("800.00", 24), SEED, TODAY)
    with_fees = evaluate(offer("750.00", 24, fees=D("1200.00")), SEED, TODAY)

    assert with_fees.total == plain.total == D("19200.00")
    # Paid at the start, the same 1,200 costs more than spread over the term.
    assert with_fees.yearly_cost_percent > plain.yearly_cost_percent
    assert levels(with_fees)["fees"] == Level.WARN
    assert with_fees.verdict == Verdict.FITS_COSTLY
    assert "never to a personal account" in reason(with_fees, "fees")


def test_a_stated_total_puts_the_rest_in_the_last_installment():
    stated = offer("800.00", 24, total=D("19250.00"))
    assert stated.installments()[-1] == D("850.00")
    assert stated.largest_installment == D("850.00")
    tight = BorrowerSide(principal=D("18000.00"), capacity_left=D("800.00"), max_term_months=36)
    assert levels(evaluate(stated, tight, TODAY))["monthly"] == Level.FAIL
    with pytest.raises(ValueError, match="total"):
        offer("800.00", 24, total=D("18400.00"))


def test_money_is_never_a_float():
    with pytest.raises(TypeError):
        Offer(monthly_amount=800.0, months=24)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        BorrowerSide(principal=18000.0, capacity_left=D(1200), max_term_months=36)  # type: ignore[arg-type]


@pytest.mark.parametrize("rate", ["6", "12", "18.25", "24", "36"])
def test_an_annuity_at_a_rate_costs_that_rate(rate):
    schedule = build_schedule(D("18000.00"), 24, add_months(TODAY, 1), Method.ANNUITY, D(rate))
    written = offer_from_schedule(schedule, penalties_continue=False)

    result = evaluate(written, SEED, TODAY)
    assert written.interest_continues is True
    assert written.total_paid == schedule.total_paid
    assert abs(result.yearly_cost_percent - D(rate)) <= D("0.02")


def test_the_borrowers_own_proposal_is_compared():
    mine = offer("800.00", 24)
    side = BorrowerSide(
        principal=SEED.principal,
        owed=SEED.owed,
        capacity_left=SEED.capacity_left,
        max_term_months=36,
        proposal=mine,
    )
    result = evaluate(offer("1000.00", 24, interest=True), side, TODAY)
    assert reason(result, "proposal") == (
        "This offer asks ¥4,800.00 more in total than your own proposal "
        "(¥19,200.00 over 24 months)."
    )


def test_a_deferred_first_installment_counts_from_its_month():
    assert first_period(TODAY, None) == 1
    assert first_period(TODAY, date(2026, 12, 10)) == 1
    assert first_period(TODAY, date(2027, 3, 1)) == 3
    later = evaluate(offer("800.00", 24, first_due=date(2027, 3, 1)), SEED, TODAY)
    sooner = evaluate(offer("800.00", 24), SEED, TODAY)
    assert later.yearly_cost_percent < sooner.yearly_cost_percent


# --- properties -------------------------------------------------------------------

fen = st.integers(min_value=1, max_value=10**7).map(lambda n: D(n) / 100)
yuan = st.integers(min_value=100, max_value=200_000).map(D)


@settings(max_examples=60, deadline=None)
@given(capacity=st.integers(min_value=1000, max_value=500_000), months=st.integers(1, 36))
def test_an_offer_at_exactly_the_capacity_fits_and_a_fen_more_does_not(capacity, months):
    left = D(capacity) / 100
    side = BorrowerSide(principal=left * months, capacity_left=left, max_term_months=36)

    at = evaluate(offer(left, months), side, TODAY)
    assert at.verdict == Verdict.FITS
    assert at.yearly_cost_percent == 0

    over = evaluate(offer(left + D("0.01"), months), side, TODAY)
    assert over.verdict == Verdict.DOES_NOT_FIT
    assert levels(over)["monthly"] == Level.FAIL


@settings(max_examples=80, deadline=None)
@given(
    principal=yuan,
    interest_share=st.integers(0, 100),
    left=fen,
    max_term=st.integers(1, 120),
    card=st.booleans(),
    monthly=fen,
    months=st.integers(1, 120),
)
def test_the_counter_always_fits_when_there_is_one(
    principal, interest_share, left, max_term, card, monthly, months
):
    owed = principal + (principal * interest_share / 100).quantize(D("0.01"))
    side = BorrowerSide(
        principal=principal,
        owed=owed,
        capacity_left=left,
        max_term_months=max_term,
        is_credit_card=card,
    )
    result = evaluate(offer(monthly, months, interest=True), side, TODAY)
    assume(result.verdict == Verdict.DOES_NOT_FIT)
    counter = result.counter
    if counter is None:
        assert owed > left * side.longest_term
        return
    assert counter.largest_installment <= left
    assert counter.months <= side.longest_term <= (60 if card else 120)
    assert counter.total_paid == owed
    again = evaluate(counter, side, TODAY)
    assert again.verdict != Verdict.DOES_NOT_FIT
    assert again.counter is None


@settings(max_examples=60, deadline=None)
@given(
    parts=st.lists(st.integers(min_value=1, max_value=10**6), min_size=1, max_size=60),
    fees=st.integers(0, 10**5),
    months_away=st.integers(0, 6),
)
def test_an_offer_repaying_just_the_principal_costs_nothing(parts, fees, months_away):
    payments = tuple(D(p) / 100 for p in parts)
    principal = sum(payments) + D(fees) / 100
    side = BorrowerSide(principal=principal, capacity_left=max(payments), max_term_months=120)
    repay = Offer(
        monthly_amount=max(payments),
        months=len(payments),
        first_due=add_months(TODAY, months_away),
        interest_continues=False,
        penalties_continue=False,
        fees=D(fees) / 100,
        payments=payments,
    )
    result = evaluate(repay, side, TODAY)
    assert result.total == principal
    assert result.yearly_cost_percent == 0


@settings(max_examples=60, deadline=None)
@given(
    amount=yuan,
    extra=st.integers(min_value=1, max_value=10**6),
    months=st.integers(1, 120),
    start=st.integers(1, 12),
)
def test_the_yearly_cost_is_the_rate_that_discounts_the_payments_to_the_amount(
    amount, extra, months, start
):
    total = amount + D(extra) / 100
    payment = (total / months).quantize(D("0.01"))
    payments = [payment] * months
    assume(sum(payments) > amount)
    cost = effective_yearly_percent(amount, payments, start)
    assert cost is not None and cost >= 0

    def present_value(percent):
        discount = 1 / (1 + percent / 1200)
        return sum(p * discount ** (start + k) for k, p in enumerate(payments))

    # Rounded to 0.01 %: a hundredth less discounts too little, a hundredth more too much.
    assert present_value(cost - D("0.01")) >= amount >= present_value(cost + D("0.01"))
    # Paying more, the same way, never costs less.
    dearer = effective_yearly_percent(amount, [payment + D("0.01")] * months, start)
    assert dearer is not None and dearer >= cost
