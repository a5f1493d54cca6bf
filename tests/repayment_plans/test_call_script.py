"""The call script (协商话术) per lender: generated from the borrower's own figures
for every product profile, tier and hardship cause, in both languages, with no
placeholder left; the ask is the lender's share of the capacity; the page is
the owner's only."""

import re
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from borrowers.debts.tiers import Tier
from borrowers.models import HardshipReason, ProductProfile
from borrowers.numerals import yuan_figures
from repayment_plans.models import LenderAnswer
from repayment_plans.negotiation.evidence import EVIDENCE, evidence_for
from repayment_plans.negotiation.script import (
    STRATEGY,
    Ask,
    fallback_for,
    load_script_input,
    script_sections,
)
from repayment_plans.plans.services import next_month_first
from repayment_plans.proposals import services as proposal_services
from repayment_plans.strategies import affordability
from repayment_plans.strategies import services as strategy_services
from tests.factories import PASSWORD, BorrowerFactory, DebtFactory, profile
from tests.repayment_plans.conftest import make_proposal

LANGUAGES = ("zh-hans", "en")
LEFT_OVER = re.compile(r"[{}]|%\(|%s|\bNone\b|\bnan\b", re.IGNORECASE)
# Days past due per tier, beyond every seeded profile's grace (at most 3 days).
DPD = {Tier.CURRENT: None, Tier.LIGHT: 10, Tier.MODERATE: 45, Tier.SEVERE: 90}
CAUSES = [*HardshipReason.values, ""]
PROFILE_KEYS = ["weilidai", "huabei", "jiebei", "other_online", "credit_card"]


def texts(section) -> list[str]:
    out = [section.title, *section.said, *section.notes]
    for figure in section.figures:
        out += [figure.label, figure.value]
    return out


def whole(sections) -> str:
    return "\n".join(t for s in sections for t in texts(s))


def by_key(sections) -> dict:
    return {s.key: s for s in sections}


def debt_for(borrower, key: str, tier: Tier, today, **extra):
    dpd = DPD[tier]
    values = {
        "borrower": borrower,
        "profile": profile(key),
        "lender_name": profile(key).default_lender or "某某银行",
        "principal": Decimal("18000.00"),
        "interest": Decimal("1200.00"),
        "penalty_fees": Decimal("300.00"),
        "contract_number": "6222 0000 1111 4321" if key == "credit_card" else "WB-2026-0042",
        "first_missed_date": None if dpd is None else today - timedelta(days=dpd),
    }
    values.update(extra)
    return DebtFactory(**values)


def expected_allocation(borrower, lender, today):
    """What the plan page's stop-escalation split gives this lender."""
    inputs = strategy_services.strategy_inputs(borrower, today)
    outcome = affordability.plan_strategy(
        inputs.groups, inputs.capacity, STRATEGY, next_month_first(today), today
    )
    return inputs, next(a for a in outcome.allocations if a.lender == lender)


def test_every_seeded_profile_is_covered(db):
    assert sorted(ProductProfile.objects.values_list("key", flat=True)) == sorted(PROFILE_KEYS)


@pytest.mark.parametrize("tier", list(Tier), ids=str)
@pytest.mark.parametrize("key", PROFILE_KEYS)
def test_every_profile_tier_cause_and_language(db, key, tier, today):
    borrower = BorrowerFactory(hardship_reason="", hardship_detail="")
    debt = debt_for(borrower, key, tier, today)
    data = load_script_input(borrower, debt.lender_name, today)
    inputs, allocation = expected_allocation(borrower, debt.lender_name, today)

    # The ask is the lender's share of the capacity, never more than the capacity.
    assert data.ask is not None and not data.ask.from_proposal
    assert (data.ask.months, data.ask.monthly, data.ask.first_due) == (
        allocation.months,
        allocation.monthly,
        allocation.first_due,
    )
    assert data.ask.monthly <= inputs.capacity <= borrower.monthly_capacity
    assert data.ask.total == debt.principal + debt.interest  # penalty asked to be waived
    # The fallback: the profile's longest term, within the same monthly amount.
    assert data.fallback is not None
    assert data.fallback.months == profile(key).max_term_months
    assert data.fallback.fits and data.fallback.monthly <= data.ask.monthly
    assert data.accounts[0].tier == tier

    openings, hardships = set(), set()
    for cause in CAUSES:
        variant = replace(data, hardship=cause, evidence=evidence_for(cause))
        for language in LANGUAGES:
            sections = script_sections(variant, language)
            text = whole(sections)
            assert not LEFT_OVER.search(text), (cause, language, LEFT_OVER.search(text))
            assert [s.key for s in sections] == [
                "opening",
                "willing",
                "hardship",
                "ask",
                "fallback",
                "in_writing",
                "never",
            ]
            assert all(s.title and s.said for s in sections)
            parts = by_key(sections)
            ask = "\n".join(parts["ask"].said)
            assert yuan_figures(allocation.monthly) in ask
            assert str(allocation.months) in ask
            fallback = "\n".join(parts["fallback"].said)
            assert str(profile(key).max_term_months) in fallback
            assert yuan_figures(data.fallback.good_faith) in fallback
            assert yuan_figures(allocation.monthly) in "\n".join(parts["never"].notes)
            # 个性化分期 is asked for on a card, and only on a card.
            assert ("个性化分期" in ask) is (key == "credit_card")
            opening = "\n".join(parts["opening"].said)
            assert yuan_figures(Decimal("18000.00")) in opening
            if key == "credit_card":
                assert "4321" in opening and "6222" not in opening  # the last digits only
            else:
                assert "WB-2026-0042" in opening
            if tier != Tier.CURRENT:
                assert str(DPD[tier]) in opening
            with translation.override(language):
                hardship = "\n".join(parts["hardship"].said)
                for item in evidence_for(cause):
                    assert str(item) in hardship
            if language == "en":
                openings.add(parts["opening"].said[-1])
                hardships.add(parts["hardship"].said[0])
    assert len(hardships) == len(HardshipReason.values)  # "" says what "other" says
    assert len(openings) == 1  # one tier here; the tiers differ (next test)


def test_each_tier_has_its_own_sentence(db, today):
    borrower = BorrowerFactory()
    said = set()
    for tier in Tier:
        debt = debt_for(borrower, "jiebei", tier, today, lender_name=f"Lender {tier}")
        data = load_script_input(borrower, debt.lender_name, today)
        said.add(by_key(script_sections(data, "en"))["opening"].said[-1])
    assert len(said) == len(Tier)


def test_every_cause_has_its_evidence(db):
    assert set(EVIDENCE) == set(HardshipReason.values)
    with translation.override("en"):
        assert "Unemployment registration certificate" in map(str, EVIDENCE["unemployment"])
        assert any("Hospital bills" in str(i) for i in EVIDENCE["illness"])
        assert any("Pay slips" in str(i) for i in EVIDENCE["income_cut"])
        assert evidence_for("") == evidence_for("other")


def test_the_borrowers_own_words_and_cause_are_said(db, today):
    borrower = BorrowerFactory(
        hardship_reason=HardshipReason.ILLNESS, hardship_detail="去年十月做了手术，休养了三个月。"
    )
    debt = debt_for(borrower, "weilidai", Tier.MODERATE, today)
    data = load_script_input(borrower, debt.lender_name, today)
    for language in LANGUAGES:
        hardship = by_key(script_sections(data, language))["hardship"]
        assert "去年十月做了手术，休养了三个月。" in hardship.said
    with translation.override("en"):
        assert any("Hospital bills" in str(i) for i in data.evidence)


def test_a_proposal_to_the_lender_gives_the_figures(alice, huabei_debt, today):
    proposal = make_proposal([huabei_debt], months=8, good_faith_amount=Decimal("500.00"))
    data = load_script_input(alice, huabei_debt.lender_name, today)
    assert data.ask is not None and data.ask.from_proposal
    assert data.ask.months == 8
    assert data.ask.good_faith == Decimal("500.00")
    assert data.ask.good_faith_due == proposal.first_due_date
    assert data.ask.first_due > proposal.first_due_date  # a month after the good faith
    assert data.fallback is not None and data.fallback.good_faith == Decimal("500.00")
    assert not data.fallback.good_faith_by_rule
    ask = "\n".join(by_key(script_sections(data, "en"))["ask"].said)
    assert yuan_figures(Decimal("500.00")) in ask and "8 monthly installments" in ask


def test_no_capacity_asks_for_no_amount(db, today):
    borrower = BorrowerFactory(monthly_net_income=Decimal("3000"))  # 3,500 of expenses
    debt = debt_for(borrower, "huabei", Tier.SEVERE, today)
    data = load_script_input(borrower, debt.lender_name, today)
    assert data.ask is None and data.capacity_left == 0
    assert data.fallback is not None and not data.fallback.fits and not data.fallback.good_faith
    for language in LANGUAGES:
        sections = script_sections(data, language)
        assert not LEFT_OVER.search(whole(sections))
        assert "¥" not in "\n".join(by_key(sections)["ask"].said)
        assert by_key(sections)["ask"].figures == ()


def test_a_budget_too_short_for_the_longest_term_says_so(db, today):
    # 1,000 left, 70 %: 700 a month; 36,000 over 24 months would need 1,500, and the
    # plan page shows the lender as not covered.
    borrower = BorrowerFactory(monthly_net_income=Decimal("4500"))
    debt = debt_for(
        borrower, "huabei", Tier.LIGHT, today, principal=Decimal("36000"), interest=Decimal("0")
    )
    data = load_script_input(borrower, debt.lender_name, today)
    assert expected_allocation(borrower, debt.lender_name, today)[1].months == 0
    assert data.ask is None and data.capacity_left == Decimal("700.00")
    assert data.fallback is not None and not data.fallback.fits
    assert (data.fallback.months, data.fallback.monthly) == (24, Decimal("1500.00"))
    sections = by_key(script_sections(data, "en"))
    assert "more than I can pay" in sections["fallback"].said[0]
    assert "¥1,500.00" in sections["fallback"].said[0]
    assert "can't cover this debt" in sections["ask"].said[1]
    assert "not covered" in sections["ask"].notes[0]


def test_a_proposal_longer_than_the_typical_term_is_flagged(alice, huabei_debt, today):
    make_proposal([huabei_debt], months=30)  # 花呗-like: 24 months typical
    data = load_script_input(alice, huabei_debt.lender_name, today)
    assert data.ask is not None and not data.ask.within_max_term
    notes = by_key(script_sections(data, "en"))["ask"].notes
    assert any("may refuse" in n for n in notes)


def test_the_good_faith_rule_keeps_the_month_within_the_ask():
    ask = Ask(
        months=4,
        monthly=Decimal("2500.00"),
        last=Decimal("2500.00"),
        first_due=date(2026, 12, 1),
        total=Decimal("10000.00"),
    )
    fallback = fallback_for(Decimal("10000.00"), 36, ask, ask.first_due)
    assert fallback is not None
    assert fallback.good_faith == ask.monthly and fallback.good_faith_by_rule
    assert fallback.months == 36 and fallback.monthly == Decimal("208.34")
    assert fallback_for(Decimal("0.00"), 36, ask, ask.first_due) is None
    without = fallback_for(Decimal("10000.00"), 36, None, ask.first_due)
    assert without is not None and not without.fits and without.good_faith == 0
    # One payment clears it: no good faith, the term spreads the whole balance.
    whole_ask = replace(ask, months=1, monthly=Decimal("10000.00"))
    cleared = fallback_for(Decimal("10000.00"), 24, whole_ask, ask.first_due)
    assert cleared is not None and cleared.good_faith == Decimal("0")


def test_debts_under_an_agreed_plan_are_left_out(alice, huabei_debt, today):
    proposal = make_proposal([huabei_debt], months=6)
    proposal_services.record_answer(proposal, LenderAnswer(kind="accepted", answered_on=today))
    data = load_script_input(alice, huabei_debt.lender_name, today)
    assert data.accounts == () and data.ask is None


# --- the page ---------------------------------------------------------------


def url(lender: str) -> str:
    return reverse("lender_script", kwargs={"lender": lender})


@pytest.fixture
def card_debt(alice, today):
    return debt_for(alice, "credit_card", Tier.MODERATE, today, lender_name="招商银行")


def test_the_owner_sees_the_script_with_her_figures(alice_client, alice, card_debt, today):
    response = alice_client.get(url("招商银行"))
    assert response.status_code == 200
    _inputs, allocation = expected_allocation(alice, "招商银行", today)
    page = response.content.decode()
    assert yuan_figures(allocation.monthly) in page
    assert "4321" in page and "个性化分期" in page
    assert 'class="script-reading"' not in page  # Chinese only by default
    assert reverse("lender_detail", kwargs={"lender": "招商银行"}) in page
    assert "@media print" not in page  # the print rules live in the stylesheet
    english = alice_client.get(url("招商银行") + "?lang=en").content.decode()
    assert 'class="script-reading"' in english
    assert "英文仅供阅读" in english  # the reading version says what it is for
    assert "I'm calling about my credit card with 招商银行" in english.replace("&#x27;", "'")


def test_another_borrower_gets_404(bob_client, card_debt):
    assert bob_client.get(url("招商银行")).status_code == 404


def test_an_unknown_lender_is_404(alice_client, card_debt):
    assert alice_client.get(url("没有这家银行")).status_code == 404


def test_anonymous_is_sent_to_log_in(client, card_debt):
    response = client.get(url("招商银行"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_counselor_has_no_script_page(client, charlie, card_debt):
    assert client.login(email=charlie.user.email, password=PASSWORD)
    response = client.get(url("招商银行"))
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_only_get(alice_client, card_debt):
    assert alice_client.post(url("招商银行")).status_code == 405


def test_nothing_left_to_negotiate_is_said(alice_client, alice, huabei_debt, today):
    proposal = make_proposal([huabei_debt], months=6)
    proposal_services.record_answer(proposal, LenderAnswer(kind="accepted", answered_on=today))
    response = alice_client.get(url(huabei_debt.lender_name))
    assert response.status_code == 200
    assert 'class="card script-section' not in response.content.decode()


def test_several_accounts_are_each_named(db, today):
    borrower = BorrowerFactory()
    debt_for(borrower, "huabei", Tier.LIGHT, today, nickname="花呗", contract_number="")
    debt = debt_for(borrower, "jiebei", Tier.SEVERE, today, nickname="借呗", contract_number="")
    data = load_script_input(borrower, debt.lender_name, today)
    assert len(data.accounts) == 2 and data.tier == Tier.SEVERE and data.dpd == 90
    said = by_key(script_sections(data, "en"))["opening"].said
    assert "I'm calling about my 2 accounts with 重庆蚂蚁消费金融" in said[1]
    # Said once for both, most overdue first.
    assert (
        "I don't have the contract numbers of 借呗, 花呗 to hand: you can find them "
        "by my name and ID number."
    ) in said
    assert yuan_figures(Decimal("36000.00")) in " ".join(said)  # both principals
