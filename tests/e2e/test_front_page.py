"""The first minutes on a phone: a visitor checks a debt on the front page,
then saves it into a new account without typing it again; an inline form that
fails keeps its error in view."""

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from borrowers.models import Debt
from tests.e2e.conftest import save_screen

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_visitor_checks_a_debt_then_saves_it_into_a_new_account(
    seeded_profiles, live_server, phone_page
):
    page = phone_page
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("先看清处境")
    expect(page.get_by_text("完全免费，永不收费")).to_be_visible()

    page.get_by_label("产品").select_option(label="花呗类")
    page.get_by_label("逾期金额").fill("很多")
    missed = timezone.localdate() - timedelta(days=40)
    page.get_by_label("首次未还款日期").fill(missed.isoformat())
    page.get_by_role("button", name="查看所处阶段").click()
    # What could not be read is said next to the field, which gets the focus.
    error = page.locator("#field-check-amount .field-errors")
    expect(error).to_contain_text("无法把“很多”识别为金额")
    expect(page.locator("#id_check-amount")).to_be_focused()
    page.get_by_label("逾期金额").fill("3千")
    page.get_by_role("button", name="查看所处阶段").click()

    result = page.locator("#check-result")
    expect(result.locator(".tier").first).to_have_text("中度逾期")
    expect(result.locator(".days-to-next")).to_have_text("21")
    expect(result.get_by_text("如何阻止逾期升级")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    save_screen(page, "front-page-check")

    result.get_by_role("link", name="保存下来，规划还款").click()
    expect(page.get_by_text("你刚查的这笔债务")).to_be_visible()
    page.get_by_label("邮箱地址").fill("mei@example.com")
    page.get_by_label("你的称呼").fill("小美")
    page.get_by_label("密码", exact=True).fill("a long enough passphrase 42")
    page.get_by_label("密码确认").fill("a long enough passphrase 42")
    page.get_by_role("button", name="注册").click()
    page.locator("main a.button.primary").click()
    page.locator("#id_username").fill("mei@example.com")
    page.locator("#id_password").fill("a long enough passphrase 42")
    page.locator("button.primary").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))

    debt = Debt.objects.get()
    assert debt.borrower.user.email == "mei@example.com"
    assert str(debt.principal) == "3000.00"
    page.goto(f"{live_server.url}/dashboard/")
    card = page.locator(".debt-card").first
    expect(card.locator(".tier")).to_have_text("中度逾期")
    assert not [e for e in errors if "htmx" in e.lower() or "Invalid" in e], errors


def open_overview(page, live_server, borrower) -> None:
    """Log ``borrower`` in (tests.factories' password) and open the overview."""
    from tests.factories import PASSWORD

    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(borrower.user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button.primary").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    page.goto(f"{live_server.url}/dashboard/")


def test_an_inline_form_that_fails_keeps_the_error_in_view_and_focused(
    seeded_profiles, live_server, phone_page, django_user_model
):
    from tests.factories import BorrowerFactory

    borrower = BorrowerFactory()
    page = phone_page
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    open_overview(page, live_server, borrower)

    page.get_by_role("link", name="添加债务").click()
    form = page.locator("#debt-form")
    form.get_by_label("产品", exact=True).select_option(label="花呗类")
    form.get_by_label("未还本金").fill("很多")
    form.get_by_role("button", name="保存").click()

    error = page.locator("#field-principal .field-errors")
    expect(error).to_contain_text("无法把“很多”识别为金额")
    expect(page.locator("#id_principal")).to_be_focused()
    expect(error).to_be_in_viewport()
    assert page.url.endswith("/dashboard/")
    assert not Debt.objects.exists()

    form.get_by_label("未还本金").fill("1.2万")
    form.get_by_role("button", name="保存").click()
    expect(page.locator("#messages .message")).to_contain_text("债务已添加")
    expect(page.locator("#messages")).to_be_in_viewport()
    assert str(Debt.objects.get().principal) == "12000.00"
    assert not errors, errors
    save_screen(page, "overview-after-inline-add")


def test_a_preview_still_on_its_way_is_answered_before_the_form_is_sent(
    seeded_profiles, live_server, phone_page
):
    """The live preview and the form's submission share one queue: a slow
    preview answered after the form was replaced would have nowhere to put the
    product's typical lender (htmx's oobErrorNoTarget)."""
    from tests.factories import BorrowerFactory

    borrower = BorrowerFactory()
    page = phone_page
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    open_overview(page, live_server, borrower)
    page.get_by_role("link", name="添加债务").click()
    form = page.locator("#debt-form")
    form.get_by_label("未还本金").fill("8000")
    page.wait_for_timeout(700)  # the preview for the amount has come back

    def slow_preview(route):
        response = route.fetch()
        time.sleep(1.0)  # answered well after the form would have been saved
        route.fulfill(response=response)

    page.route(re.compile(r"/debts/preview/"), slow_preview)
    form.get_by_label("产品", exact=True).select_option(label="微粒贷类")  # asks for a preview
    form.get_by_role("button", name="保存").click()
    expect(page.locator("#messages .message")).to_contain_text("债务已添加")
    debt = Debt.objects.get()
    assert debt.lender_name == "深圳前海微众银行" and str(debt.principal) == "8000.00"
    assert not errors, errors
