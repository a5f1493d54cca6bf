"""A borrower on a phone signs up, enters a budget, adds a 花呗-like debt that
is 45 days late and sees it explained, in Chinese and then in English."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from borrowers.models import Debt

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_sign_up_budget_and_a_moderate_debt_in_both_languages(
    seeded_profiles, live_server, phone_page
):
    page = phone_page
    page.goto(f"{live_server.url}/signup/")
    page.get_by_label("邮箱地址").fill("mei@example.com")
    page.get_by_label("你的称呼").fill("小美")
    page.get_by_label("密码", exact=True).fill("a long enough passphrase 42")
    page.get_by_label("密码确认").fill("a long enough passphrase 42")
    page.get_by_role("button", name="注册").click()
    # The page never says whether the address was new: she logs in.
    page.locator("main a.button.primary").click()
    page.locator("#id_username").fill("mei@example.com")
    page.locator("#id_password").fill("a long enough passphrase 42")
    page.locator("button.primary").click()

    # The overview comes first; the budget is asked when a plan needs it.
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    page.locator("main .callout a.button").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("你的月度预算")
    page.get_by_label("月净收入").fill("6000")
    page.get_by_label("房租与住房").fill("1800")
    page.get_by_label("餐饮").fill("1200")
    page.get_by_label("困难原因").select_option("income_cut")
    page.get_by_role("button", name="保存预算").click()

    # Add the debt inline with htmx: the form opens inside the dashboard.
    page.get_by_role("link", name="添加债务").click()
    form = page.locator("#debt-form")
    expect(form).to_be_visible()
    assert page.url.endswith("/dashboard/")
    form.get_by_label("产品", exact=True).select_option(label="花呗类")
    missed = timezone.localdate() - timedelta(days=45)
    form.get_by_label("首次未还款日期").fill(missed.isoformat())
    form.get_by_label("未还本金").fill("6500")
    # The contract rate is optional and folded: a 花呗-like debt takes its typical 0.
    # The preview tells the tier before anything is saved.
    preview = form.locator(".tier-preview")
    expect(preview.locator(".tier")).to_have_text("中度逾期")
    expect(preview.locator(".days-to-next")).to_have_text("16")
    expect(form.get_by_label("贷款机构")).to_have_value("重庆蚂蚁消费金融")
    assert not Debt.objects.exists()
    form.get_by_role("button", name="保存").click()

    card = page.locator(".debt-card").first
    expect(card.locator(".tier")).to_have_text("中度逾期")
    expect(card.locator(".days-to-next")).to_have_text("16")
    assert Debt.objects.get().borrower.user.email == "mei@example.com"

    card.get_by_role("link", name="解读我的阶段").click()
    expect(page.locator(".tier").first).to_have_text("中度逾期")
    expect(page.get_by_text("12378").first).to_be_visible()

    page.get_by_role("button", name="English").click()
    expect(page.locator(".tier").first).to_have_text("Moderate delinquency")
    expect(page.get_by_role("heading", name="In 16 days: Severe delinquency")).to_be_visible()
    page.locator(".nav-menu > summary").click()  # the phone's menu
    page.get_by_role("link", name="Overview").first.click()
    card = page.locator(".debt-card").first
    expect(card.locator(".tier")).to_have_text("Moderate delinquency")
    expect(card.locator(".days-to-next")).to_have_text("16")

    # Nothing on the page overflows a 375 px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
