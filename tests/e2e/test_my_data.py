"""A borrower on a phone downloads a copy of her data, then deletes her account;
logging in with it no longer works."""

import json
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from borrowers.models import Borrower, Debt, User
from repayment_plans.models import ProposalVersion
from repayment_plans.proposals import services as proposal_services
from tests.factories import PASSWORD, BorrowerFactory, DebtFactory
from tests.repayment_plans.conftest import make_proposal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def borrower(seeded_profiles, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    today = timezone.localdate()
    borrower = BorrowerFactory(user__email="zhao@example.com", display_name="赵敏")
    debt = DebtFactory(
        borrower=borrower,
        principal=Decimal("6000"),
        first_missed_date=today - timedelta(days=40),
    )
    proposal_services.finalise(make_proposal([debt], months=12), today, "zh-hans")
    return borrower


def log_in(page, url):
    page.goto(f"{url}/accounts/login/")
    page.locator("#id_username").fill("zhao@example.com")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()


def test_download_my_data_then_delete_the_account(live_server, phone_page, borrower, tmp_path):
    page = phone_page
    log_in(page, live_server.url)
    page.get_by_role("button", name="English").click()
    page.locator(".nav-menu > summary").click()  # the phone's menu
    page.get_by_role("link", name="My data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My data")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download my data (zip)").click()
    download = download_info.value
    assert download.suggested_filename == f"huankuan-data-{timezone.localdate():%Y-%m-%d}.zip"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    version = ProposalVersion.objects.get()
    assert (tmp_path / "media" / version.pdf.name).is_file()
    with zipfile.ZipFile(path) as archive:
        data = json.loads(archive.read("data.json").decode("utf-8"))
        pdf = archive.read(f"pdfs/{version.filename}")
    assert data["account"][0]["email"] == "zhao@example.com"
    assert data["borrower"][0]["display_name"] == "赵敏"
    assert [d["principal"] for d in data["debts"]] == ["6000.00"]
    with version.pdf.open("rb") as stored:
        assert pdf == stored.read()

    # A wrong word is refused next to the field, and nothing is deleted.
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("Type the word shown above to confirm").fill("REMOVE")
    page.get_by_role("button", name="Delete my account for good").click()
    expect(page.locator("#field-confirm .field-errors")).to_contain_text("Type DELETE")
    assert User.objects.filter(email="zhao@example.com").exists()

    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("Type the word shown above to confirm").fill("DELETE")
    page.get_by_role("button", name="Delete my account for good").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account has been deleted")
    assert not User.objects.filter(email="zhao@example.com").exists()
    assert not Borrower.objects.exists()
    assert not Debt.objects.exists()
    assert not ProposalVersion.objects.exists()

    assert not (tmp_path / "media" / version.pdf.name).exists()

    log_in(page, live_server.url)
    expect(page.locator("main .errors")).to_be_visible()  # still the login form, refused
    assert "/accounts/login/" in page.url
