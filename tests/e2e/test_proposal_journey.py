"""From a borrower with a budget and debts: choose a strategy, adjust and finalise
the proposal, download the PDF, record the lender's acceptance and a payment."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from repayment_plans.models import Payment, Plan, ProposalVersion
from tests.factories import PASSWORD, BorrowerFactory, DebtFactory, profile

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def borrower(seeded_profiles):
    today = timezone.localdate()
    borrower = BorrowerFactory(
        user__email="li@example.com",
        display_name="李明",
        monthly_net_income=Decimal("7800"),
        rent=Decimal("2200"),
        food=Decimal("1500"),
        hardship_reason="income_cut",
    )
    DebtFactory(
        borrower=borrower,
        profile=profile("weilidai"),
        nickname="微粒贷",
        principal=Decimal("18000"),
        interest=Decimal("1200"),
        annual_rate_percent=Decimal("18.25"),
        first_missed_date=today - timedelta(days=75),
    )
    return borrower


def test_plan_finalise_download_accept_and_pay(live_server, phone_page, borrower, tmp_path):
    page = phone_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill("li@example.com")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()

    page.get_by_role("link", name="我的计划").first.click()
    page.get_by_role("button", name="采用此方案").first.click()
    page.get_by_role("link", name="深圳前海微众银行").click()

    # Typing a monthly amount updates the number of installments and the schedule live.
    page.locator("#id_monthly").fill("1000")
    expect(page.locator("#id_months")).to_have_value("20")  # 19,200 / 1,000 -> 20
    expect(page.locator("#schedule-preview")).to_contain_text("¥960.00")  # 19,200 / 20
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator(".message")).to_be_visible()

    page.get_by_role("link", name="定稿…").click()
    for checkbox in page.locator("input[type=checkbox]").all():
        checkbox.check()
    page.get_by_role("button", name="定稿并生成PDF").click()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载PDF").first.click()
    path = tmp_path / "proposal.pdf"
    download_info.value.save_as(path)
    version = ProposalVersion.objects.get()
    with version.pdf.open("rb") as stored:
        assert path.read_bytes() == stored.read()
    assert version.terms["months"] == 20

    page.get_by_role("link", name="记录答复").click()
    page.get_by_label("已同意").check()
    page.get_by_role("button", name="保存答复").click()

    plan = Plan.objects.get()
    assert plan.installments.count() == 20
    page.locator("#id_amount").fill("1000")
    page.get_by_role("button", name="记录", exact=True).click()
    expect(page.locator(".streak")).to_have_text("1")
    assert Payment.objects.get().amount == Decimal("1000.00")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
