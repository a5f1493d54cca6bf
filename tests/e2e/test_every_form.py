"""Every form works inline and as a full page, from every place that links to it (issue 15).

With JavaScript, at 375 x 812, each inline (htmx) form is tried once with one
mistake and once correctly: the page does not change; the mistake shows next to
its field, in view, with the focus on that field, and nothing is saved; the saved
form says so in #messages; the console stays clean.

Without JavaScript, each form's full page, opened from each link to it, and the
full-page forms that have no inline variant (budget, the lender's answer, the
plan change), land where they should with their message, or stay on the form
with the message next to the field and nothing saved.

The shared pattern: borrowers/pages.py and static/js/forms.js.
"""

import importlib
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import Page, expect

from borrowers.models import CollectionContact, Debt
from repayment_plans.models import LenderAnswer, Payment, Plan
from repayment_plans.proposals import services as proposal_services
from tests.factories import PASSWORD, BorrowerFactory, DebtFactory, profile
from tests.repayment_plans.conftest import make_proposal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
EMAIL = "mei@example.com"
NEWCOMER = "xin@example.com"  # no debts yet: the disputes page sends her to add one
NO_WHO = "请填写谁联系了你。"
NO_REASON = "请填写变更原因。"
NO_PRINCIPAL = "请填写未还本金。"


# --- The people and their records -------------------------------------------


@pytest.fixture
def seeded_rules(transactional_db):
    """The rules of the data migration, after another transactional test flushed them."""
    importlib.import_module("borrowers.migrations.0009_seed_collection_rules").seed(apps, None)


@dataclass
class World:
    debt: Any  # has an agreed plan
    other_debt: Any  # has a proposal waiting for the lender's answer
    contact: Any
    plan: Any
    proposal: Any


@pytest.fixture
def world(seeded_profiles, seeded_rules) -> World:
    today = timezone.localdate()
    borrower = BorrowerFactory(user__email=EMAIL, display_name="小美")
    BorrowerFactory(user__email=NEWCOMER, display_name="小新")
    card = profile("credit_card")
    debt = DebtFactory(
        borrower=borrower,
        profile=card,
        lender_name="招商银行",
        nickname="招行信用卡",
        principal=Decimal("12000"),
        first_missed_date=today - timedelta(days=40),
    )
    other_debt = DebtFactory(
        borrower=borrower,
        profile=card,
        lender_name="中信银行",
        nickname="中信信用卡",
        principal=Decimal("9000"),
        first_missed_date=today - timedelta(days=20),
    )
    two_days_ago = timezone.localtime() - timedelta(days=2)
    contact = CollectionContact.objects.create(
        borrower=borrower,
        debt=debt,
        occurred_at=two_days_ago.replace(hour=10, minute=0, second=0, microsecond=0),
        channel=CollectionContact.Channel.SMS,
        who="催收员 0755-12345678",
    )
    version = proposal_services.finalise(make_proposal([debt], months=12), today, "zh-hans")
    plan = proposal_services.record_answer(
        version.proposal, LenderAnswer(kind="accepted", answered_on=today)
    )
    proposal = proposal_services.finalise(
        make_proposal([other_debt], months=12), today, "zh-hans"
    ).proposal
    return World(debt, other_debt, contact, plan, proposal)


# --- Browsers -----------------------------------------------------------------


@pytest.fixture
def js_page(phone_page) -> Page:
    """A phone-sized page whose console errors are collected in ``page.console_errors``."""
    errors: list[str] = []
    phone_page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    phone_page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    phone_page.console_errors = errors
    return phone_page


@pytest.fixture
def no_js_page(browser, request) -> Page:
    """A phone-sized page with JavaScript turned off."""
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    request.node.e2e_pages = [page]  # kept if the test fails (tests/e2e/conftest.py)
    yield page
    context.close()


def log_in(page: Page, base: str, email: str = EMAIL) -> None:
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))


# --- What every form must do --------------------------------------------------


def save(form) -> None:
    """The form's own submit button (the answer form also has "check this offer")."""
    form.locator("button[type=submit]:not([name=check])").click()


def path_is(page: Page, path: str) -> None:
    """The page's path (and fragment, if given) is exactly ``path``."""
    expect(page).to_have_url(re.compile(rf"^https?://[^/]+{re.escape(path)}$"))


def says(page: Page, message: str) -> None:
    """The success message is in #messages and on the phone's screen."""
    messages = page.locator("#messages")
    expect(messages).to_contain_text(message)
    expect(messages).to_be_in_viewport()


def error_next_to_field(page: Page, field_id: str, message: str) -> None:
    """The field is marked invalid and its message is in the field's own block."""
    field = page.locator(f"#{field_id}")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f".field.has-error #{field_id}_error")).to_contain_text(message)
    expect(page.locator("#messages")).to_be_empty()  # no success message with it


def error_in_view_and_focused(page: Page, field_id: str, message: str) -> None:
    """After an htmx swap: the message is on screen and the focus is on the first
    invalid field (static/js/forms.js)."""
    error_next_to_field(page, field_id, message)
    field = page.locator(f"#{field_id}")
    expect(page.locator(f"#{field_id}_error")).to_be_in_viewport(ratio=1)
    expect(field).to_be_in_viewport()
    expect(field).to_be_focused()
    first_invalid = page.evaluate(
        "document.querySelector('main [aria-invalid=\"true\"]').id === document.activeElement.id"
    )
    assert first_invalid, "the focus is not on the first invalid field"


def no_console_errors(page: Page) -> None:
    assert page.console_errors == [], f"console errors: {page.console_errors}"


def days_from_today(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


# --- With JavaScript: the inline forms ----------------------------------------


def test_adding_a_debt_inline_on_the_overview(live_server, js_page, world):
    page, base = js_page, live_server.url
    log_in(page, base)
    page.goto(f"{base}/")  # the overview
    path_is(page, "/dashboard/")
    before = Debt.objects.count()

    page.locator("#debts .section-head a.button").click()
    form = page.locator("#debt-form-slot #debt-form form")
    form.locator("#id_profile").select_option(str(profile("credit_card").pk))
    form.locator("#id_principal").fill("3000")
    form.locator("#id_first_missed_date").fill(days_from_today(1))
    save(form)
    error_in_view_and_focused(page, "id_first_missed_date", "首次未还款日期不能晚于今天。")
    assert Debt.objects.count() == before

    form.locator("#id_first_missed_date").fill(days_from_today(-10))
    form.locator("#id_lender_name").fill("平安银行")
    save(form)
    says(page, "债务已添加。")
    new = Debt.objects.get(lender_name="平安银行")
    expect(page.locator(f"#debts #debt-{new.pk}.debt-card")).to_be_visible()
    expect(page.locator("#debt-form-slot form")).to_have_count(0)
    path_is(page, "/dashboard/")
    no_console_errors(page)


def test_editing_a_debt_inline_from_the_overview_list(live_server, js_page, world):
    page, base, debt = js_page, live_server.url, world.debt
    log_in(page, base)

    page.locator(f"#debt-{debt.pk} .actions a", has_text="编辑").click()
    form = page.locator(f"article#debt-{debt.pk}.debt-form-card form")
    form.locator("#id_principal").fill("")
    save(form)
    error_in_view_and_focused(page, "id_principal", NO_PRINCIPAL)
    debt.refresh_from_db()
    assert debt.principal == Decimal("12000")

    form.locator("#id_principal").fill("15000")
    save(form)
    says(page, "债务已更新。")
    expect(page.locator(f"#debts #debt-{debt.pk}.debt-card")).to_contain_text("¥15,000.00")
    debt.refresh_from_db()
    assert debt.principal == Decimal("15000")
    path_is(page, "/dashboard/")
    no_console_errors(page)


def test_recording_a_contact_inline_on_the_log(live_server, js_page, world):
    page, base = js_page, live_server.url
    log_in(page, base)
    page.goto(f"{base}/collection/")

    page.locator("#contacts .section-head a.button").click()
    form = page.locator("#contact-form-slot #contact-form form")
    form.locator("input[name=channel][value=call]").check()
    form.locator("#id_debt").select_option(label="中信信用卡")
    save(form)  # who contacted you: left empty
    error_in_view_and_focused(page, "id_who", NO_WHO)
    assert CollectionContact.objects.count() == 1

    form.locator("#id_who").fill("某催收公司 021-87654321")
    save(form)
    says(page, "已记录这次联系。")
    contact = CollectionContact.objects.get(who="某催收公司 021-87654321")
    assert contact.debt == world.other_debt
    expect(page.locator(f"#contacts #contact-{contact.pk}.contact-card")).to_be_visible()
    path_is(page, "/collection/")
    no_console_errors(page)


def test_editing_a_contact_inline_on_the_log(live_server, js_page, world):
    page, base, contact = js_page, live_server.url, world.contact
    log_in(page, base)
    page.goto(f"{base}/collection/")

    page.locator(f"#contact-{contact.pk} .actions a", has_text="编辑").click()
    form = page.locator(f"article#contact-{contact.pk}.contact-form-card form")
    form.locator("#id_occurred_at").fill(f"{days_from_today(1)}T09:00")
    form.locator("#id_notes").fill("说要联系我单位。")
    save(form)
    error_in_view_and_focused(page, "id_occurred_at", "联系时间不能晚于现在。")
    contact.refresh_from_db()
    assert contact.notes == ""

    form.locator("#id_occurred_at").fill(f"{days_from_today(-1)}T21:30")
    save(form)
    says(page, "已更新这次联系。")
    card = page.locator(f"#contacts #contact-{contact.pk}.contact-card")
    expect(card).to_contain_text("说要联系我单位。")
    contact.refresh_from_db()
    assert contact.notes == "说要联系我单位。"
    path_is(page, "/collection/")
    no_console_errors(page)


def test_recording_a_payment_inline_on_the_plan_page(live_server, js_page, world):
    page, base, plan = js_page, live_server.url, world.plan
    amount = plan.installments.get(number=1).amount
    log_in(page, base)
    page.goto(f"{base}/plans/{plan.pk}/")

    form = page.locator("#plan-body form[action$='/payments/']")
    form.locator("#id_amount").fill(f"{amount}")
    form.locator("#id_paid_on").fill(days_from_today(1))
    save(form)
    error_in_view_and_focused(page, "id_paid_on", "还款日期不能晚于今天。")
    assert not Payment.objects.filter(plan=plan).exists()

    form.locator("#id_paid_on").fill(days_from_today(0))
    save(form)
    says(page, "还款已记录。")
    expect(page.locator("#plan-body")).to_contain_text(
        f"{timezone.localdate():%Y-%m-%d} · ¥{amount:,.2f}"
    )
    assert Payment.objects.filter(plan=plan).count() == 1
    path_is(page, f"/plans/{plan.pk}/")
    no_console_errors(page)


# --- With JavaScript: the forms' own pages, from the links to them -------------


def test_the_debt_form_linked_from_the_disputes_page(live_server, js_page, world):
    page, base = js_page, live_server.url
    log_in(page, base, NEWCOMER)
    page.goto(f"{base}/disputes/")
    page.locator("p.empty a", has_text="添加债务").click()
    path_is(page, "/debts/new/")

    form = page.locator("main form[action='/debts/new/']")
    form.locator("#id_profile").select_option(str(profile("credit_card").pk))
    form.locator("#id_lender_name").fill("平安银行")
    save(form)  # no principal
    error_in_view_and_focused(page, "id_principal", NO_PRINCIPAL)
    path_is(page, "/debts/new/")
    assert not Debt.objects.filter(borrower__user__email=NEWCOMER).exists()

    form.locator("#id_principal").fill("3000")
    save(form)
    says(page, "债务已添加。")
    debt = Debt.objects.get(borrower__user__email=NEWCOMER)
    path_is(page, f"/debts/{debt.pk}/")
    no_console_errors(page)


def test_the_contact_form_linked_from_a_debt_page(live_server, js_page, world):
    page, base, debt = js_page, live_server.url, world.other_debt
    log_in(page, base)
    page.goto(f"{base}/debts/{debt.pk}/")
    page.locator(".collection-links a", has_text="为这笔债务记录一次催收联系").click()
    path_is(page, f"/collection/new/?debt={debt.pk}")

    form = page.locator("main form.contact-form")
    expect(form.locator("#id_debt")).to_have_value(str(debt.pk))
    save(form)  # who contacted you: left empty
    error_in_view_and_focused(page, "id_who", NO_WHO)
    assert CollectionContact.objects.count() == 1

    form.locator("#id_who").fill("中信银行催收部")
    save(form)
    says(page, "已记录这次联系。")
    contact = CollectionContact.objects.get(who="中信银行催收部")
    assert contact.debt == debt
    path_is(page, f"/collection/#contact-{contact.pk}")
    expect(page.locator(f"#contact-{contact.pk}")).to_be_in_viewport()
    no_console_errors(page)


# --- Without JavaScript: every full page ---------------------------------------


@pytest.mark.parametrize(
    ("start", "link"),
    [
        ("/dashboard/", "#debts .section-head a.button"),
        ("/disputes/", "p.empty a"),
    ],
    ids=["overview", "disputes-empty-state"],
)
def test_without_javascript_adding_a_debt(live_server, no_js_page, world, start, link):
    page, base = no_js_page, live_server.url
    log_in(page, base, NEWCOMER)
    page.goto(f"{base}{start}")
    page.locator(link, has_text="添加债务").click()
    path_is(page, "/debts/new/")

    form = page.locator("main form")
    form.locator("#id_profile").select_option(str(profile("credit_card").pk))
    form.locator("#id_principal").fill("3000")
    form.locator("#id_first_missed_date").fill(days_from_today(1))
    form.locator("#id_lender_name").fill("平安银行")
    save(form)
    path_is(page, "/debts/new/")
    error_next_to_field(page, "id_first_missed_date", "首次未还款日期不能晚于今天。")
    assert not Debt.objects.filter(borrower__user__email=NEWCOMER).exists()

    form.locator("#id_first_missed_date").fill(days_from_today(-10))
    save(form)
    says(page, "债务已添加。")
    debt = Debt.objects.get(borrower__user__email=NEWCOMER)
    path_is(page, f"/debts/{debt.pk}/")


@pytest.mark.parametrize(
    ("start", "link"),
    [
        ("/dashboard/", "#debt-{pk} .actions a"),
        ("/debts/{pk}/", "main .actions a.button"),
    ],
    ids=["overview", "debt-page"],
)
def test_without_javascript_editing_a_debt(live_server, no_js_page, world, start, link):
    page, base, debt = no_js_page, live_server.url, world.debt
    log_in(page, base)
    page.goto(f"{base}{start.format(pk=debt.pk)}")
    page.locator(link.format(pk=debt.pk), has_text="编辑").click()
    path_is(page, f"/debts/{debt.pk}/edit/")

    form = page.locator("main form")
    form.locator("#id_principal").fill("")
    save(form)
    path_is(page, f"/debts/{debt.pk}/edit/")
    error_next_to_field(page, "id_principal", NO_PRINCIPAL)
    debt.refresh_from_db()
    assert debt.principal == Decimal("12000")

    form.locator("#id_principal").fill("15000")
    save(form)
    path_is(page, f"/debts/{debt.pk}/")
    says(page, "债务已更新。")
    debt.refresh_from_db()
    assert debt.principal == Decimal("15000")


@pytest.mark.parametrize("from_debt_page", [False, True], ids=["log", "debt-page"])
def test_without_javascript_recording_a_contact(live_server, no_js_page, world, from_debt_page):
    page, base, debt = no_js_page, live_server.url, world.other_debt
    log_in(page, base)
    if from_debt_page:
        page.goto(f"{base}/debts/{debt.pk}/")
        page.locator(".collection-links a", has_text="为这笔债务记录一次催收联系").click()
        path_is(page, f"/collection/new/?debt={debt.pk}")
    else:
        page.goto(f"{base}/collection/")
        page.locator("#contacts .section-head a.button").click()
        path_is(page, "/collection/new/")

    form = page.locator("main form.contact-form")
    if not from_debt_page:
        form.locator("#id_debt").select_option(str(debt.pk))
    save(form)  # who contacted you: left empty
    path_is(page, "/collection/new/")
    error_next_to_field(page, "id_who", NO_WHO)
    expect(form.locator("#id_debt")).to_have_value(str(debt.pk))  # kept
    assert CollectionContact.objects.count() == 1

    form.locator("#id_who").fill("中信银行催收部")
    save(form)
    says(page, "已记录这次联系。")
    contact = CollectionContact.objects.get(who="中信银行催收部")
    assert contact.debt == debt
    path_is(page, f"/collection/#contact-{contact.pk}")
    expect(page.locator(f"#contact-{contact.pk}")).to_be_in_viewport()


def test_without_javascript_editing_a_contact(live_server, no_js_page, world):
    page, base, contact = no_js_page, live_server.url, world.contact
    log_in(page, base)
    page.goto(f"{base}/collection/")
    page.locator(f"#contact-{contact.pk} .actions a", has_text="编辑").click()
    path_is(page, f"/collection/{contact.pk}/edit/")

    form = page.locator("main form.contact-form")
    form.locator("#id_occurred_at").fill(f"{days_from_today(1)}T09:00")
    form.locator("#id_notes").fill("说要联系我单位。")
    save(form)
    path_is(page, f"/collection/{contact.pk}/edit/")
    error_next_to_field(page, "id_occurred_at", "联系时间不能晚于现在。")
    contact.refresh_from_db()
    assert contact.notes == ""

    form.locator("#id_occurred_at").fill(f"{days_from_today(-1)}T21:30")
    save(form)
    path_is(page, f"/collection/#contact-{contact.pk}")
    says(page, "已更新这次联系。")
    expect(page.locator(f"#contact-{contact.pk}")).to_be_in_viewport()
    contact.refresh_from_db()
    assert contact.notes == "说要联系我单位。"


def test_without_javascript_recording_a_payment(live_server, no_js_page, world):
    page, base, plan = no_js_page, live_server.url, world.plan
    amount = plan.installments.get(number=1).amount
    log_in(page, base)
    page.goto(f"{base}/plans/{plan.pk}/")

    form = page.locator("form[action$='/payments/']")
    form.locator("#id_amount").fill(f"{amount}")
    form.locator("#id_paid_on").fill(days_from_today(1))
    save(form)
    error_next_to_field(page, "id_paid_on", "还款日期不能晚于今天。")
    expect(form.locator("#id_amount")).to_have_value(f"{amount}")  # kept
    assert not Payment.objects.filter(plan=plan).exists()

    form.locator("#id_paid_on").fill(days_from_today(0))
    save(form)
    path_is(page, f"/plans/{plan.pk}/")
    says(page, "还款已记录。")
    expect(page.locator("#plan-body")).to_contain_text(
        f"{timezone.localdate():%Y-%m-%d} · ¥{amount:,.2f}"
    )
    assert Payment.objects.filter(plan=plan).count() == 1


def test_without_javascript_the_budget(live_server, no_js_page, world):
    page, base = no_js_page, live_server.url
    log_in(page, base)
    page.goto(f"{base}/budget/")

    form = page.locator("main form")
    form.locator("#id_phone").fill("138-abc")
    form.locator("#id_monthly_net_income").fill("9000")
    form.locator("#id_hardship_reason").select_option("income_cut")
    save(form)
    path_is(page, "/budget/")
    error_next_to_field(page, "id_phone", "请只输入数字，例如 13800138000。")
    borrower = world.debt.borrower
    borrower.refresh_from_db()
    assert borrower.monthly_net_income == Decimal("8000") and borrower.phone == ""

    form.locator("#id_phone").fill("13800138000")
    save(form)
    path_is(page, "/dashboard/")
    says(page, "预算已保存。")
    borrower.refresh_from_db()
    assert borrower.monthly_net_income == Decimal("9000") and borrower.phone == "13800138000"


def test_without_javascript_the_lenders_answer(live_server, no_js_page, world):
    page, base, proposal = no_js_page, live_server.url, world.proposal
    log_in(page, base)
    page.goto(f"{base}/proposals/{proposal.pk}/")
    page.locator("main a.button", has_text="记录答复").click()
    path_is(page, f"/proposals/{proposal.pk}/answer/")

    form = page.locator("main form")
    form.locator("input[name=kind][value=accepted]").check()
    form.locator("#id_answered_on").fill(days_from_today(1))
    save(form)
    path_is(page, f"/proposals/{proposal.pk}/answer/")
    error_next_to_field(page, "id_answered_on", "答复日期不能晚于今天。")
    assert not proposal.answers.exists()

    form.locator("#id_answered_on").fill(days_from_today(0))
    save(form)
    says(page, "答复已记录。")
    new_plan = Plan.objects.get(proposal=proposal)
    path_is(page, f"/plans/{new_plan.pk}/")
    assert proposal.answers.get().kind == "accepted"


def test_without_javascript_changing_a_plan(live_server, no_js_page, world):
    page, base, plan = no_js_page, live_server.url, world.plan
    log_in(page, base)
    page.goto(f"{base}/plans/{plan.pk}/")
    page.locator("#plan-body a", has_text="变更计划").click()
    path_is(page, f"/plans/{plan.pk}/change/")

    form = page.locator("main form")
    form.locator("#id_months").fill("18")
    form.locator("#id_first_due_date").fill(days_from_today(30))
    save(form)  # no reason given
    path_is(page, f"/plans/{plan.pk}/change/")
    error_next_to_field(page, "id_reason", NO_REASON)
    plan.refresh_from_db()
    assert plan.version == 1 and plan.months == 12

    form.locator("#id_reason").fill("收入下降，银行同意分 18 期。")
    save(form)
    path_is(page, f"/plans/{plan.pk}/")
    says(page, "计划已更新为第 2 版。已还的款项都保留了。")
    plan.refresh_from_db()
    assert plan.version == 2 and plan.months == 18
