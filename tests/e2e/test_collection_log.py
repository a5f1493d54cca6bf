"""On a phone, a borrower logs last night's 23:10 call from a collector and sees it
flagged at once with the night-time rule, then finds it in the complaint draft."""

import importlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from borrowers.models import CollectionContact
from tests.factories import PASSWORD, BorrowerFactory, DebtFactory, profile

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seeded_rules(transactional_db):
    """The rules of the data migration, after another transactional test flushed them."""
    importlib.import_module("borrowers.migrations.0009_seed_collection_rules").seed(apps, None)


@pytest.fixture
def borrower(seeded_profiles, seeded_rules):
    borrower = BorrowerFactory(user__email="mei@example.com", display_name="小美")
    DebtFactory(
        borrower=borrower,
        profile=profile("credit_card"),
        lender_name="招商银行",
        nickname="招行信用卡",
        first_missed_date=timezone.localdate() - timedelta(days=40),
    )
    return borrower


def test_a_call_at_ten_past_eleven_last_night_is_flagged(live_server, phone_page, borrower):
    page = phone_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill("mei@example.com")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()

    page.locator(".nav-menu > summary").click()  # the phone's menu
    page.locator(".nav-menu a[href='/collection/']").click()
    expect(page.locator(".empty")).to_be_visible()

    # The form opens inline (htmx) above the list.
    page.locator("#contacts .section-head a.button").click()
    form = page.locator("#contact-form")
    expect(form).to_be_visible()
    assert page.url.endswith("/collection/")

    yesterday = timezone.localdate() - timedelta(days=1)
    form.locator("#id_occurred_at").fill(f"{yesterday.isoformat()}T23:10")
    form.locator("input[name=channel][value=call]").check()
    form.locator("#id_connected").check()
    form.locator("#id_who").fill("催收员 0755-12345678")
    form.locator("#id_debt").select_option(label="招行信用卡")
    form.locator("#id_notes").fill("说明天上门。")
    form.locator("button[type=submit]").click()

    card = page.locator("#contacts .contact-card").first
    expect(card).to_have_class("card contact-card flagged")
    expect(card.locator(".flag-badge")).to_have_text("夜间催收")
    expect(card.locator(".flag-source")).to_contain_text("GB/T 45251-2025")
    expect(card.locator(".contact-head time")).to_have_text("23:10")
    expect(page.locator(".breach-count")).to_have_text("1")
    expect(page.locator(f"#day-{yesterday:%Y%m%d}")).to_be_visible()
    assert page.url.endswith("/collection/")

    contact = CollectionContact.objects.get(borrower=borrower)
    shanghai = ZoneInfo("Asia/Shanghai")
    assert contact.occurred_at == datetime(
        yesterday.year, yesterday.month, yesterday.day, 23, 10, tzinfo=shanghai
    )
    assert contact.debt.lender_name == "招商银行" and contact.connected

    # Nothing on the page overflows a 375 px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.locator(".breach-summary a").click()
    expect(page.locator("#complaint-text")).to_contain_text("夜间催收")
    expect(page.locator("#complaint-text")).to_contain_text(f"{yesterday.isoformat()} 23:10")
    expect(page.locator("#complaint-text")).to_contain_text("招商银行")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
