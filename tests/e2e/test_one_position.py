"""One position per debt: every page shows the same standing and the same figures.

Journey 1: three debts at three lenders (one agreed, one proposed, one not
negotiated) read the same on the overview, the debt pages, the strategies and
the timeline. Journey 2: a missed installment of an agreed plan shows the
amount that catches up; paying it through the plan page clears it everywhere.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from repayment_plans.models import LenderAnswer
from repayment_plans.plans import services as plan_services
from repayment_plans.proposals import services as proposal_services
from tests.e2e.conftest import save_screen
from tests.factories import PASSWORD, BorrowerFactory, DebtFactory, profile
from tests.repayment_plans.conftest import make_proposal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def yuan(amount) -> str:
    return f"¥{Decimal(amount):,.2f}"


def log_in(page, base_url, email_address):
    page.goto(f"{base_url}/accounts/login/")
    page.locator("#id_username").fill(email_address)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_one_agreed_one_pending_one_new_debt_show_the_same_figures_everywhere(
    live_server, phone_page, seeded_profiles
):
    today = timezone.localdate()
    borrower = BorrowerFactory(
        user__email="li@example.com",
        display_name="李娜",
        monthly_net_income=Decimal("15000"),
        rent=Decimal("4000"),
        food=Decimal("2000"),
        budget_updated_at=timezone.now(),
    )
    card = profile("credit_card")
    debt_a = DebtFactory(
        borrower=borrower,
        profile=card,
        lender_name="招商银行",
        nickname="招行信用卡",
        principal=Decimal("12000"),
        first_missed_date=today - timedelta(days=35),
    )
    debt_b = DebtFactory(
        borrower=borrower,
        profile=card,
        lender_name="中信银行",
        nickname="中信信用卡",
        principal=Decimal("9000"),
        first_missed_date=today - timedelta(days=20),
    )
    debt_c = DebtFactory(
        borrower=borrower,
        profile=card,
        lender_name="广发银行",
        nickname="广发信用卡",
        principal=Decimal("20000"),
        first_missed_date=today - timedelta(days=45),
    )
    version_a = proposal_services.finalise(make_proposal([debt_a], months=12), today, "zh-hans")
    plan_a = proposal_services.record_answer(
        version_a.proposal, LenderAnswer(kind="accepted", answered_on=today)
    )
    proposal_b = proposal_services.finalise(
        make_proposal([debt_b], months=12), today, "zh-hans"
    ).proposal

    capacity = borrower.monthly_capacity
    a_monthly = max(i.amount for i in plan_a.installments.all() if i.number >= 1)
    b_monthly = max(
        i.payment
        for i in proposal_services.proposal_schedule(proposal_b).installments
        if i.number >= 1
    )
    capacity_left = capacity - a_monthly - b_monthly
    assert capacity_left > 0  # the data must leave something to split, or the check says little

    page = phone_page
    base = live_server.url
    log_in(page, base, "li@example.com")

    # The overview: one card per debt, each with its standing.
    page.goto(f"{base}/dashboard/")
    cards = {}
    for debt, standing in (
        (debt_a, "agreed"),
        (debt_b, "proposed"),
        (debt_c, "not_negotiated"),
    ):
        card_el = page.locator(f"article.debt-card#debt-{debt.pk}")
        expect(card_el).to_have_attribute("data-standing", standing)
        expect(card_el.locator("div.standing")).to_have_attribute("data-standing", standing)
        cards[debt.pk] = {
            "standing": standing,
            "days": card_el.locator("dd.days-to-next").inner_text().strip(),
            "code": card_el.locator("span.code").inner_text().strip(),
        }
    assert cards[debt_a.pk]["days"] == "—"  # agreed and on track: no countdown
    assert page.locator(f"#debt-{debt_a.pk} p.catch-up").count() == 0
    for debt in (debt_b, debt_c):
        days = cards[debt.pk]["days"]
        assert re.fullmatch(r"\d+", days), f"debt {debt.lender_name}: days-to-next {days!r}"
        assert int(days) > 0
    fits_the_phone(page)
    save_screen(page, "one-position-overview")

    # Each debt page shows what its card shows.
    for debt in (debt_a, debt_b, debt_c):
        page.goto(f"{base}/debts/{debt.pk}/")
        expected = cards[debt.pk]
        expect(page.locator("div.standing")).to_have_attribute(
            "data-standing", expected["standing"]
        )
        assert page.locator("dd.days-to-next").inner_text().strip() == expected["days"], (
            f"/debts/{debt.pk}/ ({debt.lender_name}): days to the next tier differ"
        )
        assert page.locator("dl.facts span.code").inner_text().strip() == expected["code"], (
            f"/debts/{debt.pk}/ ({debt.lender_name}): report code differs"
        )
        fits_the_phone(page)
        save_screen(page, f"one-position-debt-{expected['standing']}")

    # The strategies: A and B keep their terms; only C is split.
    page.goto(f"{base}/plan/")
    agreed = page.locator("ul.settled-terms li[data-standing=agreed]")
    expect(agreed).to_have_count(1)
    expect(agreed).to_contain_text(debt_a.lender_name)
    expect(agreed.locator("a")).to_have_attribute("href", f"/plans/{plan_a.pk}/")
    proposed = page.locator("ul.settled-terms li[data-standing=proposed]")
    expect(proposed).to_have_count(1)
    expect(proposed).to_contain_text(debt_b.lender_name)
    expect(proposed.locator("a")).to_have_attribute("href", f"/proposals/{proposal_b.pk}/")
    allocations = page.locator("ul.allocs li").all_inner_texts()
    assert allocations, "no strategy allocations on /plan/"
    for line in allocations:
        assert line.strip().startswith(f"{debt_c.lender_name}:"), line
        assert debt_a.lender_name not in line and debt_b.lender_name not in line, line
    expect(page.locator("dd.capacity-left")).to_have_text(yuan(capacity_left))
    fits_the_phone(page)
    save_screen(page, "one-position-plan")

    # The timeline: the whole record waits for B's answer and for C's plan.
    page.goto(f"{base}/timeline/")
    blockers = page.locator("#blockers li")
    expect(blockers).to_have_count(2)
    found = {
        (li.get_attribute("data-blocker"), li.locator("a").get_attribute("href"))
        for li in blockers.all()
    }
    assert found == {
        ("pending", f"/debts/{debt_b.pk}/"),
        ("not_negotiated", f"/debts/{debt_c.pk}/"),
    }
    expect(page.locator("section#scenario")).to_be_visible()
    expect(page.locator("section#scenario")).to_contain_text(debt_b.lender_name)
    fits_the_phone(page)
    save_screen(page, "one-position-timeline")


def test_after_a_missed_installment_the_catch_up_amount_is_shown_paid_and_the_streak_restarts(
    live_server, phone_page, seeded_profiles
):
    today = timezone.localdate()
    borrower = BorrowerFactory(user__email="zhou@example.com", display_name="周杰")
    debt = DebtFactory(
        borrower=borrower,
        profile=profile("credit_card"),
        lender_name="浦发银行",
        nickname="浦发信用卡",
        principal=Decimal("18000"),
        penalty_fees=Decimal("0"),
        first_missed_date=today - timedelta(days=120),
    )
    first_due = today - timedelta(days=70)
    version = proposal_services.finalise(
        make_proposal([debt], months=12, first_due=first_due), today, "zh-hans"
    )
    plan = proposal_services.record_answer(
        version.proposal,
        LenderAnswer(kind="accepted", answered_on=first_due - timedelta(days=5)),
    )
    installments = {i.number: i for i in plan.installments.all()}
    first, second, third = installments[1], installments[2], installments[3]
    assert third.due_date < today < installments[4].due_date
    plan_services.record_payment(plan, first.amount, first.due_date)  # on time
    # One installment paid on the third's due date: it goes to the second (the
    # oldest open one), so the third stays open.
    plan_services.record_payment(plan, second.amount, third.due_date)
    missed = yuan(third.amount)

    page = phone_page
    base = live_server.url
    log_in(page, base, "zhou@example.com")

    page.goto(f"{base}/dashboard/")
    card = page.locator(f"article.debt-card#debt-{debt.pk}")
    expect(card).to_have_attribute("data-standing", "agreed")
    expect(card.locator("p.catch-up")).to_contain_text(missed)
    fits_the_phone(page)

    page.goto(f"{base}/plans/{plan.pk}/")
    expect(page.locator("p.catch-up")).to_contain_text(missed)
    expect(page.locator("dd.streak")).to_have_text("0")
    fits_the_phone(page)
    save_screen(page, "one-position-plan-behind")

    page.goto(f"{base}/timeline/")
    this_month = page.locator('section[aria-labelledby="grid"] ol.report-grid').first.locator(
        f'li[title="{today:%Y-%m}"] b'
    )
    expect(this_month).to_have_text("1")  # one installment behind

    # Pay the missed amount today through the plan page.
    page.goto(f"{base}/plans/{plan.pk}/")
    form = page.locator("form[action$='/payments/']")
    form.locator("#id_amount").fill(f"{third.amount}")
    form.locator("#id_paid_on").fill(today.isoformat())
    form.locator("button[type=submit]").click()
    expect(page.locator("#plan-body")).to_contain_text(f"{today:%Y-%m-%d} · {missed}")
    expect(page.locator("p.catch-up")).to_have_count(0)
    expect(page.locator("#plan-body p.ok")).to_be_visible()
    # The third installment was paid late: the streak starts again from zero.
    expect(page.locator("dd.streak")).to_have_text("0")
    fits_the_phone(page)
    save_screen(page, "one-position-plan-caught-up")

    page.goto(f"{base}/dashboard/")
    card = page.locator(f"article.debt-card#debt-{debt.pk}")
    expect(card).to_have_attribute("data-standing", "agreed")
    expect(card.locator("p.catch-up")).to_have_count(0)
    expect(card.locator("dd.days-to-next")).to_have_text("—")

    page.goto(f"{base}/timeline/")
    expect(this_month).to_have_text("N")
