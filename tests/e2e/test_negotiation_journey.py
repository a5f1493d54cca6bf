"""On a phone, a borrower behind on a 花呗-like debt opens the lender's page and
its call script, logs a hotline call whose offer does not fit her budget and
sees the verdict and the counter to propose, then logs the call where the
lender agrees: the plan exists with its channel and agent, and the overview
and the timeline agree with it."""

from datetime import timedelta
from decimal import ROUND_CEILING, Decimal
from urllib.parse import quote

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from borrowers.models import Debt
from repayment_plans.models import NegotiationContact, Plan
from repayment_plans.plans.services import next_month_first
from repayment_plans.position.load import load_position
from tests.e2e.conftest import save_screen
from tests.factories import PASSWORD, BorrowerFactory, DebtFactory, profile

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LENDER = "重庆蚂蚁消费金融"


@pytest.fixture
def borrower(seeded_profiles):
    borrower = BorrowerFactory(user__email="mei@example.com", display_name="小美")
    DebtFactory(
        borrower=borrower,
        profile=profile("huabei"),
        lender_name=LENDER,
        nickname="花呗",
        principal=Decimal("6500.00"),
        interest=Decimal("0"),
        annual_rate_percent=Decimal("0"),
        first_missed_date=timezone.localdate() - timedelta(days=40),
    )
    return borrower


def log_call(page, *, outcome, monthly, months, first_due, agent):
    page.locator("#negotiation-log .section-head a.button, #negotiation-log a.button").first.click()
    form = page.locator("#negotiation-form form")
    expect(form).to_be_visible()
    now = timezone.localtime().replace(second=0, microsecond=0) - timedelta(minutes=5)
    form.locator("input[name=occurred_at]").fill(now.strftime("%Y-%m-%dT%H:%M"))
    form.locator("input[name=channel][value=hotline]").check()
    form.locator("input[name=agent]").fill(agent)
    form.locator("textarea[name=asked]").fill("停止罚息，分期还款。")
    form.locator(f"input[name=outcome][value={outcome}]").check()
    form.locator("input[name=offer_monthly]").fill(monthly)
    form.locator("input[name=offer_months]").fill(str(months))
    form.locator("input[name=offer_first_due]").fill(first_due.isoformat())
    return form


def test_from_the_script_to_a_phone_agreement_that_becomes_the_plan(
    live_server, phone_page, borrower
):
    page = phone_page
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill("mei@example.com")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()

    # 1. The lender's page, from the debt's card on the overview.
    page.goto(f"{live_server.url}/dashboard/")
    page.locator(f"a[href='/lenders/{quote(LENDER)}/']").first.click()
    expect(page.locator("h1")).to_contain_text(LENDER)
    expect(page.locator(".channels")).to_contain_text("95188")
    save_screen(page, "negotiation-lender-page")

    # 2. The script, with her own figures.
    page.locator(f"a[href='/lenders/{quote(LENDER)}/script/']").first.click()
    expect(page.locator("main")).to_contain_text("¥6,500.00")
    save_screen(page, "negotiation-call-script")
    page.go_back()

    # 3. A hotline call: an offer above what she can pay each month.
    today = timezone.localdate()
    capacity = load_position(borrower, today).capacity
    first_due = next_month_first(today)
    too_much = str((capacity + Decimal("500")).quantize(Decimal("1")))
    form = log_call(
        page, outcome="offer", monthly=too_much, months=3, first_due=first_due, agent="1024"
    )
    live = page.locator("#offer-verdict")
    expect(live.locator("[data-verdict=does_not_fit]")).to_be_visible()  # while typing
    form.locator("button[type=submit]").click()
    card = page.locator(".negotiation-card").first
    expect(card.locator("[data-verdict=does_not_fit]")).to_be_visible()
    expect(card.locator(".verdict-counter")).to_be_visible()
    expect(page.locator("#messages")).to_be_in_viewport()
    assert page.url.endswith(f"/lenders/{quote(LENDER)}/")
    assert not Plan.objects.exists()

    # 4. The second call: the lender agrees to 12 installments within her budget.
    owed = Debt.objects.get(borrower=borrower).principal
    monthly = (owed / 12).quantize(Decimal("0.01"), rounding=ROUND_CEILING)
    assert monthly <= capacity
    form = log_call(
        page, outcome="agreed", monthly=str(monthly), months=12, first_due=first_due, agent="王女士"
    )
    form.locator("button[type=submit]").click()

    # 5. The plan exists, with its channel and agent, and a reminder to get it in writing.
    # Making the plan renders the letter's PDF: give it time.
    page.wait_for_url("**/plans/*/", timeout=30_000)
    expect(page.locator(".ask-confirmation")).to_be_visible()  # nothing in writing yet
    plan = Plan.objects.get()
    assert plan.installments.count() == 12
    assert plan.installments.order_by("number").first().due_date == first_due
    expect(page.locator(".plan-agreement")).to_contain_text("王女士")
    expect(page.locator(".plan-agreement")).to_contain_text("客服电话")
    assert NegotiationContact.objects.filter(outcome="agreed").count() == 1
    save_screen(page, "negotiation-plan-from-a-call")

    # The overview and the timeline agree with the plan.
    page.goto(f"{live_server.url}/dashboard/")
    first = plan.installments.order_by("number").first()
    standing = page.locator("div.standing").first
    expect(standing).to_have_attribute("data-standing", "agreed")
    expect(standing).to_contain_text(first.due_date.isoformat())
    page.goto(f"{live_server.url}/timeline/")
    last = plan.installments.order_by("-number").first().due_date
    expect(page.locator("[data-kind=cleared] time").first).to_have_attribute(
        "datetime", last.isoformat()
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert not errors, errors
