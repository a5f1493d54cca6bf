"""The tier engine: pure functions, no database (one test reads the overview page)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from borrowers.debts import tiers
from borrowers.debts.tiers import DebtFacts, PenaltyRule, PenaltyTerms, Tier

TODAY = date(2026, 11, 28)
HUABEI = PenaltyTerms(rule=PenaltyRule.DAILY_RATE, daily_percent=Decimal("0.05"))
WEILIDAI = PenaltyTerms(rule=PenaltyRule.CONTRACT_MULTIPLIER, multiplier=Decimal("1.5"))
CARD = PenaltyTerms(
    rule=PenaltyRule.CONTRACT_MULTIPLIER, multiplier=Decimal("1"), late_fee_percent=Decimal("5")
)


def facts(days_ago, grace=0, terms=HUABEI, amount="6500", rate="0", card=False):
    return DebtFacts(
        first_missed=None if days_ago is None else TODAY - timedelta(days=days_ago),
        grace_days=grace,
        overdue_amount=Decimal(amount),
        contract_annual_percent=Decimal(rate),
        penalty_terms=terms,
        is_credit_card=card,
    )


@pytest.mark.parametrize(
    ("dpd", "tier", "days_to_next"),
    [
        (0, Tier.CURRENT, 1),
        (1, Tier.LIGHT, 30),
        (30, Tier.LIGHT, 1),
        (31, Tier.MODERATE, 30),
        (60, Tier.MODERATE, 1),
        (61, Tier.SEVERE, None),
        (90, Tier.SEVERE, None),
        (91, Tier.SEVERE, None),
        (120, Tier.SEVERE, None),
        (121, Tier.SEVERE, None),
        (150, Tier.SEVERE, None),
        (151, Tier.SEVERE, None),
        (180, Tier.SEVERE, None),
        (181, Tier.SEVERE, None),
        (1000, Tier.SEVERE, None),
    ],
)
def test_boundaries(dpd, tier, days_to_next):
    # The credit-report code is not a bucket of days: see tests/repayment_plans/test_recovery.py.
    status = tiers.assess(facts(dpd), TODAY)
    assert status.dpd == dpd
    assert status.tier == tier
    assert status.days_to_next_tier == days_to_next


def test_a_debt_with_nothing_missed_is_current_and_not_escalating():
    status = tiers.assess(facts(None), TODAY)
    assert (status.dpd, status.tier) == (0, Tier.CURRENT)
    assert status.days_to_next_tier is None
    assert status.next_tier is None
    assert status.penalty.accrued == Decimal("0.00")


def test_huabei_like_debt_45_days_late_is_moderate_with_16_days_to_severe():
    status = tiers.assess(facts(45), TODAY)
    assert status.tier == Tier.MODERATE
    assert status.next_tier == Tier.SEVERE
    assert status.days_to_next_tier == 16
    # 6,500 x 0.05 %/day x 45 days
    assert status.penalty.accrued == Decimal("146.25")
    assert status.penalty.per_day == Decimal("3.25")


def test_within_grace_the_debt_is_in_grace_current_and_unpenalised():
    status = tiers.assess(facts(1, grace=1, terms=WEILIDAI, rate="18.25"), TODAY)
    assert status.in_grace is True
    assert (status.dpd, status.tier) == (0, Tier.CURRENT)
    assert status.penalty.accrued == Decimal("0.00")
    assert status.days_to_next_tier == 1
    assert status.next_tier == Tier.LIGHT


def test_after_grace_dpd_and_penalty_count_from_the_original_due_date():
    status = tiers.assess(facts(2, grace=1, terms=WEILIDAI, amount="18000", rate="18.25"), TODAY)
    assert status.in_grace is False
    assert status.dpd == 2
    assert status.tier == Tier.LIGHT
    # 18,000 x (18.25 % / 365) x 1.5 x 2 days = 27.00
    assert status.penalty.accrued == Decimal("27.00")


@pytest.mark.parametrize(("elapsed", "in_grace", "dpd"), [(3, True, 0), (4, False, 4)])
def test_credit_card_grace_of_three_days(elapsed, in_grace, dpd):
    status = tiers.assess(facts(elapsed, grace=3, terms=CARD, rate="18.25", card=True), TODAY)
    assert (status.in_grace, status.dpd) == (in_grace, dpd)


def test_a_payment_due_today_is_not_yet_late():
    status = tiers.assess(facts(0, grace=0), TODAY)
    assert (status.dpd, status.in_grace, status.days_to_next_tier) == (0, False, 1)


def test_weilidai_like_penalty_is_contract_rate_times_one_and_a_half():
    status = tiers.assess(facts(75, grace=1, terms=WEILIDAI, amount="18000", rate="18.25"), TODAY)
    assert status.penalty.accrued == Decimal("1012.50")
    assert status.penalty.per_day == Decimal("13.50")
    assert status.penalty.annual_percent == Decimal("27.38")


def test_credit_card_adds_a_late_charge_per_cycle_begun():
    status = tiers.assess(facts(35, terms=CARD, amount="1000", rate="18.25", card=True), TODAY)
    # interest 1,000 x 0.05 %/day x 35 = 17.50; late charge 5 % x 2 cycles = 100.00
    assert status.penalty.late_fees == Decimal("100.00")
    assert status.penalty.accrued == Decimal("117.50")


@pytest.mark.parametrize(
    ("dpd", "risk_class"),
    [(0, "normal"), (90, "special_mention"), (91, "substandard"), (180, "doubtful"), (181, "loss")],
)
def test_credit_card_risk_classes_follow_article_92(dpd, risk_class):
    status = tiers.assess(facts(dpd, terms=CARD, rate="18.25", card=True), TODAY)
    assert status.card_risk_class == risk_class


def test_compounding_profile_grows_on_the_grown_balance():
    terms = PenaltyTerms(rule=PenaltyRule.DAILY_RATE, daily_percent=Decimal("1"), compounds=True)
    simple = PenaltyTerms(rule=PenaltyRule.DAILY_RATE, daily_percent=Decimal("1"))
    grown = tiers.estimate_penalty(Decimal("1000"), Decimal(0), terms, 2)
    flat = tiers.estimate_penalty(Decimal("1000"), Decimal(0), simple, 2)
    assert (grown.accrued, flat.accrued) == (Decimal("20.10"), Decimal("20.00"))


def test_amounts_are_decimal_rounded_half_up_to_the_fen():
    # 250 x 0.05 % = 0.125: half-up gives 0.13 where float rounding gives 0.12.
    status = tiers.assess(facts(1, amount="250"), TODAY)
    assert status.penalty.per_day == Decimal("0.13")
    assert round(250 * 0.0005, 2) == 0.12
    assert all(
        isinstance(v, Decimal) and v.as_tuple().exponent == -2
        for v in (status.penalty.accrued, status.penalty.per_day, status.penalty.late_fees)
    )


def test_one_third_of_a_fen_per_day_accumulates_exactly():
    # 0.01 per 3 days: float sums drift, Decimal over 300 days is exactly 1.00.
    terms = PenaltyTerms(rule=PenaltyRule.DAILY_RATE, daily_percent=Decimal("1") / 3)
    assert tiers.estimate_penalty(Decimal("1"), Decimal(0), terms, 300).accrued == Decimal("1.00")


def test_cost_warning_above_24_percent_a_year():
    weilidai = tiers.assess(facts(40, terms=WEILIDAI, rate="18.25"), TODAY)
    huabei = tiers.assess(facts(40), TODAY)
    assert weilidai.effective_annual_percent == Decimal("27.38")
    assert weilidai.cost_warning is True
    assert huabei.effective_annual_percent == Decimal("18.25")
    assert huabei.cost_warning is False


def test_current_debt_costs_its_contract_rate():
    status = tiers.assess(facts(None, terms=WEILIDAI, rate="30"), TODAY)
    assert status.effective_annual_percent == Decimal("30.00")
    assert status.cost_warning is True


def test_a_card_late_charge_counts_in_the_yearly_cost():
    status = tiers.assess(facts(40, terms=CARD, amount="1000", rate="18.25", card=True), TODAY)
    # The penalty interest alone (contract rate x 1) is below 24 % a year ...
    assert status.penalty.annual_percent == Decimal("18.25")
    # ... but a year overdue also begins ceil(365 / 30) = 13 cycles of 5 % late charges.
    assert status.effective_annual_percent == Decimal("83.25")  # 18.25 + 13 x 5
    assert status.cost_warning is True


def test_a_small_late_charge_just_crosses_the_threshold():
    terms = PenaltyTerms(
        rule=PenaltyRule.CONTRACT_MULTIPLIER,
        multiplier=Decimal("1"),
        late_fee_percent=Decimal("0.5"),
    )
    status = tiers.assess(facts(10, terms=terms, rate="18.25", card=True), TODAY)
    assert status.effective_annual_percent == Decimal("24.75")  # 18.25 + 13 x 0.5
    assert status.cost_warning is True


def test_daily_compounding_costs_more_than_simple_interest_over_a_year():
    compounding = PenaltyTerms(
        rule=PenaltyRule.DAILY_RATE, daily_percent=Decimal("0.05"), compounds=True
    )
    compounded = tiers.assess(facts(40, terms=compounding), TODAY)
    simple = tiers.assess(facts(40), TODAY)
    # ((1 + 0.0005) ^ 365 - 1) x 100 = 20.0159...; 0.05 x 365 = 18.25.
    assert compounded.effective_annual_percent == Decimal("20.02")
    assert simple.effective_annual_percent == Decimal("18.25")
    # The penalty rate shown beside the contract rate stays the simple yearly rate.
    assert compounded.penalty.annual_percent == Decimal("18.25")


def test_effective_annual_cost_is_decimal_to_the_fen():
    compounding = PenaltyTerms(
        rule=PenaltyRule.DAILY_RATE, daily_percent=Decimal("0.05"), compounds=True
    )
    cost = tiers.effective_annual_cost_percent(Decimal("0"), compounding, 1)
    assert isinstance(cost, Decimal) and cost.as_tuple().exponent == -2
    assert tiers.effective_annual_cost_percent(Decimal("30"), CARD, 0) == Decimal("30.00")


def test_a_cleared_debt_never_warns():
    cleared = DebtFacts(
        first_missed=TODAY - timedelta(days=100),
        grace_days=0,
        overdue_amount=Decimal("1000"),
        contract_annual_percent=Decimal("30"),  # above the threshold even while current
        penalty_terms=CARD,
        is_credit_card=True,
        cleared_on=TODAY - timedelta(days=5),
    )
    assert tiers.assess(cleared, TODAY).cost_warning is False
    assert tiers.assess(cleared, TODAY - timedelta(days=5)).cost_warning is False
    # The day before the repayment it was overdue and warned.
    assert tiers.assess(cleared, TODAY - timedelta(days=6)).cost_warning is True


def test_the_threshold_decides_and_is_carried_in_the_status():
    weilidai = facts(40, terms=WEILIDAI, rate="18.25")  # 27.38 % a year
    at_24 = tiers.assess(weilidai, TODAY, Decimal(24))
    at_30 = tiers.assess(weilidai, TODAY, Decimal(30))
    assert (at_24.cost_warning, at_24.cost_threshold_percent) == (True, Decimal(24))
    assert (at_30.cost_warning, at_30.cost_threshold_percent) == (False, Decimal(30))


def test_the_warning_text_states_the_threshold():
    from django.utils import translation

    from borrowers.debts.explanations import cost_warning_text

    with translation.override("en"):
        assert cost_warning_text(Decimal("30")).startswith(
            "The yearly cost on this debt is above 30 %. Licensed lenders"
        )
        assert "24" not in cost_warning_text(Decimal("30"))
        assert cost_warning_text(Decimal("24.5")).startswith(
            "The yearly cost on this debt is above 24.5 %."
        )


@pytest.mark.django_db
def test_a_threshold_of_30_changes_the_decision_and_the_texts(settings, alice_client, alice):
    """Through Django: the setting decides which debt warns and what the warning says."""
    import re

    from django.urls import reverse
    from django.utils import timezone

    from borrowers.debts.explanations import cost_warning_text
    from tests.factories import DebtFactory, profile

    late = timezone.localdate() - timedelta(days=40)
    for rate in ("18.25", "24"):  # x 1.5 penalty: 27.38 % and 36 % a year
        DebtFactory(
            borrower=alice,
            profile=profile("weilidai"),
            annual_rate_percent=Decimal(rate),
            first_missed_date=late,
        )

    def warnings():
        html = alice_client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en").content
        return re.findall(r'<p class="warning">(.*?)</p>', html.decode())

    settings.COST_WARNING_ANNUAL_PERCENT = "24"
    assert sorted(warnings()) == [
        "Yearly cost now about 27.38 %: above 24 %.",
        "Yearly cost now about 36 %: above 24 %.",
    ]
    settings.COST_WARNING_ANNUAL_PERCENT = "30"
    assert warnings() == ["Yearly cost now about 36 %: above 30 %."]
    status = alice.debts.get(annual_rate_percent=Decimal("24")).status(timezone.localdate())
    assert (status.cost_warning, status.cost_threshold_percent) == (True, Decimal("30"))
    assert "above 30 %." in cost_warning_text(status.cost_threshold_percent)


def test_worst_tier():
    assert tiers.worst_tier([Tier.LIGHT, Tier.SEVERE, Tier.CURRENT]) == Tier.SEVERE
    assert tiers.worst_tier([]) == Tier.CURRENT


def test_a_repaid_debt_is_settled():
    cleared = DebtFacts(
        first_missed=TODAY - timedelta(days=100),
        grace_days=0,
        overdue_amount=Decimal("1000"),
        contract_annual_percent=Decimal("18.25"),
        penalty_terms=HUABEI,
        cleared_on=TODAY - timedelta(days=5),
    )
    status = tiers.assess(cleared, TODAY)
    assert (status.dpd, status.tier) == (0, Tier.CURRENT)
    assert status.is_settled and status.days_to_next_tier is None
    assert status.penalty.accrued == Decimal("0.00")
    # Before the repayment day it was still severe.
    assert tiers.assess(cleared, TODAY - timedelta(days=6)).tier == Tier.SEVERE
