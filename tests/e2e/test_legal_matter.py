"""On a phone, a borrower records the payment order she received yesterday, sees the
15-day deadline and what it means, downloads the written objection, and her
counselor's caseload puts her case first."""

import importlib
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from borrowers.models import AccessGrant
from repayment_plans.legal import deadlines
from repayment_plans.legal.calendar import holiday_calendar
from repayment_plans.models import LegalMatter
from tests.e2e.conftest import save_screen
from tests.factories import PASSWORD, BorrowerFactory, CounselorFactory, DebtFactory, profile

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

COURT = "上海市浦东新区人民法院"
CASE = "（2026）沪0115民督1234号"


@pytest.fixture
def seeded_holidays(transactional_db):
    """The holiday calendar of the data migration, after another transactional test
    flushed it."""
    importlib.import_module("repayment_plans.migrations.0012_seed_holidays").seed(apps, None)


@pytest.fixture
def borrower(seeded_profiles, seeded_holidays):
    borrower = BorrowerFactory(user__email="ming@example.com", display_name="李明")
    DebtFactory(
        borrower=borrower,
        profile=profile("weilidai"),
        nickname="微粒贷",
        first_missed_date=timezone.localdate() - timedelta(days=90),
    )
    return borrower


@pytest.fixture
def counselor(borrower):
    """A counselor who follows, besides her, a borrower whose debt turns severe in 26
    days: without a court deadline, she would come after him (her debt is severe
    already, with no tier change ahead)."""
    counselor = CounselorFactory(user__email="wang@example.org", display_name="王老师")
    other = BorrowerFactory(display_name="赵敏")
    DebtFactory(borrower=other, first_missed_date=timezone.localdate() - timedelta(days=35))
    AccessGrant.objects.create(borrower=other, counselor=counselor)
    AccessGrant.objects.create(borrower=borrower, counselor=counselor)
    return counselor


def log_in(page, url, email):
    page.goto(f"{url}/accounts/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()


def test_a_payment_order_received_yesterday(live_server, new_page, borrower, counselor, tmp_path):
    page = new_page("phone")
    log_in(page, live_server.url, "ming@example.com")
    debt = borrower.debts.get()
    page.goto(f"{live_server.url}/debts/{debt.pk}/")
    # The severe tier's explanation leads to recording court papers.
    page.locator(".legal-link a").click()
    expect(page.locator("#id_debt")).to_have_value(str(debt.pk))

    yesterday = timezone.localdate() - timedelta(days=1)
    page.locator("#id_kind").select_option("payment_order")
    page.locator("#id_received_on").fill(yesterday.isoformat())
    page.locator("#id_court").fill(COURT)
    page.locator("#id_case_number").fill(CASE)
    page.locator("main form button[type=submit]").click()

    matter = LegalMatter.objects.get(debt=debt)
    expected = deadlines.stage_deadline("payment_order", yesterday, holiday_calendar())
    assert expected is not None and expected.nominal_end == yesterday + timedelta(days=15)
    due = page.locator("time[data-due=legal]")
    expect(due).to_have_text(expected.due.isoformat())
    assert matter.current_stage.deadline_on == expected.due
    # How it was counted, and the explanation with the law in the original.
    expect(page.locator(".legal-count")).to_contain_text(expected.first_day.isoformat())
    expect(page.locator(".legal-explain[data-kind=payment_order]")).to_be_visible()
    expect(page.locator(".legal-explain blockquote").first).to_contain_text(
        "自收到支付令之日起十五日内"
    )
    expect(page.locator(".legal-help")).to_contain_text("12348")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    save_screen(page, "legal-matter-phone")

    # The written objection, as a PDF.
    with page.expect_download() as download_info:
        page.locator(f"a[href='/legal/{matter.pk}/objection.pdf']").click()
    path = tmp_path / "objection.pdf"
    download_info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF-")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
        ).stdout.decode()
        assert CASE in text.replace(" ", "") and "自收到支付令之日起十五日内" in text

    # The counselor's caseload puts her first, with the deadline.
    desk = new_page("phone")
    log_in(desk, live_server.url, "wang@example.org")
    desk.goto(f"{live_server.url}/counselor/")
    first = desk.locator("table.caseload tbody tr").first
    expect(first.locator("th a")).to_have_text("李明")
    expect(first.locator(".legal-badge")).to_have_attribute(
        "data-legal-due", expected.due.isoformat()
    )
    expect(desk.locator("table.caseload tbody tr").nth(1).locator("th a")).to_have_text("赵敏")
    # And reads the matter, read-only.
    first.locator("th a").click()
    desk.locator(f"a[href='/counselor/borrowers/{borrower.pk}/legal/{matter.pk}/']").click()
    expect(desk.locator("time[data-due=legal]")).to_have_text(expected.due.isoformat())
    expect(desk.locator(f"a[href='/legal/{matter.pk}/stages/new/']")).to_have_count(0)
