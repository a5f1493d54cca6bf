"""A counselor at a desk logs in, narrows the caseload to the severe cases (the
table updates in place), opens a borrower and writes a case note."""

import importlib
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from playwright.sync_api import expect

from borrowers.models import AccessGrant, CaseNote
from tests.factories import PASSWORD, BorrowerFactory, CounselorFactory, DebtFactory

# serialized_rollback, like test_first_visit which runs next: a plain transactional flush
# re-creates the content types under new ids, which that test's serialized data collides with.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(scope="module", autouse=True)
def leave_the_seeded_profiles(django_db_blocker):
    """Put the seeded product profiles back once this module's flush has run.

    test_first_visit (next in order) relies on serialized_rollback to get them,
    but once Playwright has started after non-transactional tests, Django no
    longer finds the serialized data on the connection and restores nothing.
    Only then are the profiles seeded here; otherwise the serialized data does it.
    """
    yield
    if hasattr(connections[DEFAULT_DB_ALIAS], "_test_serialized_contents"):
        return
    seed = importlib.import_module("borrowers.migrations.0002_seed_product_profiles").seed
    with django_db_blocker.unblock():
        seed(apps, None)


@pytest.fixture
def desktop_page(browser):
    """A page the size of a laptop screen (1280 x 800)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def counselor(seeded_profiles):
    today = timezone.localdate()
    counselor = CounselorFactory(user__email="wang@example.org", display_name="王老师")
    severe = BorrowerFactory(display_name="张伟")
    light = BorrowerFactory(display_name="刘洋")
    DebtFactory(borrower=severe, first_missed_date=today - timedelta(days=75))
    DebtFactory(borrower=light, first_missed_date=today - timedelta(days=10))
    for borrower in (severe, light):
        AccessGrant.objects.create(borrower=borrower, counselor=counselor)
    # A borrower who granted someone else never shows.
    AccessGrant.objects.create(
        borrower=BorrowerFactory(display_name="赵敏"), counselor=CounselorFactory()
    )
    return counselor


def test_filter_the_caseload_open_a_borrower_and_write_a_note(live_server, desktop_page, counselor):
    page = desktop_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill("wang@example.org")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()

    expect(page).to_have_url(re.compile(r"/counselor/$"))
    names = page.locator("#caseload-table tbody th[scope=row]")
    expect(names).to_have_count(2)
    expect(names).to_have_text(["刘洋", "张伟"])  # 刘洋 reaches a worse tier in 21 days

    # Filtering swaps the table in place: the page itself is not reloaded.
    page.evaluate("document.body.dataset.kept = 'yes'")
    page.locator("select[name=tier]").select_option("severe")
    expect(names).to_have_count(1)
    expect(names).to_have_text(["张伟"])
    expect(page).to_have_url(re.compile(r"tier=severe"))
    assert page.evaluate("document.body.dataset.kept") == "yes"
    expect(page.locator("#caseload-table .tier")).to_have_text(["重度逾期"])

    page.get_by_role("link", name="张伟").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("张伟")
    next_action = timezone.localdate() + timedelta(days=7)
    note_form = page.locator("form[action$='/notes/']")
    note_form.locator("#id_kind").select_option("meeting")
    note_form.locator("#id_text").fill("面谈：下周先还一部分，再和机构协商。")
    note_form.locator("#id_next_action_on").fill(next_action.isoformat())
    note_form.locator("button[type=submit]").click()

    note = page.locator("ul.notes li").first
    expect(note).to_contain_text("面谈：下周先还一部分，再和机构协商。")
    expect(note).to_contain_text("王老师")
    expect(note).to_contain_text(next_action.isoformat())
    saved = CaseNote.objects.get()
    assert (saved.author, saved.borrower.display_name) == (counselor, "张伟")
    assert saved.next_action_on == next_action

    # Back on the caseload, the next action shows in the borrower's row.
    page.locator("main a[href='/counselor/']").first.click()
    row = page.locator("#caseload-table tbody tr", has_text="张伟")
    expect(row).to_contain_text(next_action.isoformat())
