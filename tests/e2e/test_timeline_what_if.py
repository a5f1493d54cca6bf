"""The what-if control on the timeline moves the milestones in place (htmx)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from repayment_plans.models import LenderAnswer
from repayment_plans.plans.schedules import add_months
from repayment_plans.proposals import services as proposal_services
from tests.factories import PASSWORD, BorrowerFactory, DebtFactory
from tests.repayment_plans.conftest import make_proposal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_missing_a_month_pushes_the_clearing_date(live_server, phone_page, seeded_profiles):
    today = timezone.localdate()
    borrower = BorrowerFactory(user__email="wang@example.com", display_name="王芳")
    debt = DebtFactory(
        borrower=borrower,
        principal=Decimal("6000"),
        first_missed_date=today - timedelta(days=40),
    )
    version = proposal_services.finalise(make_proposal([debt], months=12), today, "zh-hans")
    plan = proposal_services.record_answer(
        version.proposal, LenderAnswer(kind="accepted", answered_on=today)
    )
    last = plan.installments.order_by("-number").first().due_date

    page = phone_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill("wang@example.com")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button.primary").click()
    page.goto(f"{live_server.url}/timeline/")

    cleared = page.locator('.milestones li[data-kind="cleared"] time')
    expect(cleared).to_have_attribute("datetime", last.isoformat())
    page.locator("#id_miss_next").check()
    expect(cleared).to_have_attribute("datetime", add_months(last, 1).isoformat())
    assert "miss_next=on" in page.url  # the what-if view can be bookmarked
    page.locator("#id_miss_next").uncheck()
    page.locator("#id_extra").fill("1500")
    # The last three installments (500 each) settled now: cleared three months earlier.
    expect(cleared).to_have_attribute("datetime", add_months(last, -3).isoformat())
    assert page.locator("svg.chart polyline").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
