"""A counselor's day at the desk (1280 x 800), in real browsers.

1. The review, both ways: the borrower asks for a review; the counselor is
   notified (in the app and by email, through a real worker and SMTP server),
   opens the review, reads the schedule and the PDF, and asks for a change to
   the term; the borrower is notified, changes it and asks again; the
   counselor approves; the caseload moves the borrower from "waiting for me"
   to "approved".
2. An agency that runs itself: its admin invites a counselor by email, who
   joins with the emailed link; the admin proposes that the new counselor
   follow a borrower, the borrower accepts, and the borrower is in the new
   counselor's caseload.
"""

import email
import re
import subprocess
from datetime import timedelta
from email import policy

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from borrowers.models import AccessGrant, Counselor, Transfer
from repayment_plans.models import Proposal, Reminder, ReminderKind
from tests.e2e.conftest import save_screen
from tests.e2e.test_whole_journeys import log_in
from tests.factories import AgencyFactory, BorrowerFactory, CounselorFactory, DebtFactory
from tests.repayment_plans.conftest import make_proposal
from tests.repayment_plans.test_email import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def mail_to(smtp_server, address):
    """The messages the SMTP server received for this address, parsed."""
    return [
        email.message_from_bytes(m.content, policy=policy.default)
        for m in smtp_server.messages
        if address in m.rcpt_tos
    ]


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture
def case(seeded_profiles):
    today = timezone.localdate()
    agency = AgencyFactory(name="阳光咨询")
    counselor = CounselorFactory(
        agency=agency, display_name="王老师", user__email="wang@example.org"
    )
    borrower = BorrowerFactory(display_name="李明", user__email="li.ming@example.com")
    debt = DebtFactory(
        borrower=borrower,
        lender_name="深圳前海微众银行",
        principal="12000",
        first_missed_date=today - timedelta(days=40),
    )
    AccessGrant.objects.create(borrower=borrower, counselor=counselor)
    proposal = make_proposal([debt], months=12)
    # Another borrower of the caseload, with nothing waiting.
    other = BorrowerFactory(display_name="刘洋")
    DebtFactory(borrower=other, first_missed_date=today - timedelta(days=5))
    AccessGrant.objects.create(borrower=other, counselor=counselor)
    return counselor, borrower, proposal


def test_a_review_asked_changed_and_approved_moves_the_borrower_in_the_caseload(
    live_server, new_page, case, smtp_server, celery_worker, tmp_path
):
    counselor, borrower, proposal = case
    base = live_server.url
    phone = new_page("phone")
    desk = new_page("desktop")
    log_in(phone, base, "li.ming@example.com")
    log_in(desk, base, "wang@example.org")

    # 1. The borrower asks for a review.
    phone.goto(f"{base}/proposals/{proposal.pk}/")
    phone.locator("form[action$='/review/'] button").click()
    expect(phone.locator(".status-in_review").first).to_be_visible()

    # The caseload puts her first, waiting for me.
    desk.goto(f"{base}/counselor/")
    rows = desk.locator("#caseload-table tbody tr")
    expect(rows.first.locator("th")).to_contain_text("李明")
    expect(rows.first).to_have_class(re.compile(r"\bwaiting\b"))

    # 2. The counselor is notified: one in-app item, one email.
    assert wait_for(lambda: len(mail_to(smtp_server, "wang@example.org")) == 1)
    asked = mail_to(smtp_server, "wang@example.org")[0]
    assert "李明" in asked["Subject"]
    assert f"/counselor/borrowers/{borrower.pk}/proposals/{proposal.pk}/" in body_of(asked)
    desk.goto(f"{base}/notifications/")
    item = desk.locator("ul.notifications li[data-kind=review_asked]")
    expect(item).to_have_count(1)
    item.locator("a").click()
    expect(desk).to_have_url(re.compile(rf"/counselor/borrowers/{borrower.pk}/proposals/"))

    # The schedule to decide on: 12 installments of ¥1,000.
    expect(desk.locator("#review-term")).to_contain_text("12")
    expect(desk.locator("#review-term table")).to_contain_text("¥1,000.00")
    save_screen(desk, "counselor-review-desktop")

    # The PDF the lender would receive, read back as text.
    with desk.expect_download() as download_info:
        desk.locator("a[href$='/draft.pdf']").click()
    pdf_path = tmp_path / "draft.pdf"
    download_info.value.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF-")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "深圳前海微众银行" in text and "1,000.00" in text

    # A change asked on the term.
    review = desk.locator(".review-decision form")
    review.locator("input[name=decision][value=changes]").check()
    review.locator("select[name=section]").select_option("term")
    review.locator("textarea[name=comment]").fill("12 期太紧，请改为 24 期。")
    review.locator("button[type=submit]").click()
    expect(desk.locator(".status-changes").first).to_be_visible()

    # 3. The borrower is notified, in the app and by email.
    assert wait_for(lambda: len(mail_to(smtp_server, "li.ming@example.com")) == 1)
    phone.goto(f"{base}/notifications/")
    reviewed = phone.locator("ul.notifications li[data-kind=reviewed]")
    expect(reviewed).to_have_count(1)
    reviewed.locator("a").click()
    expect(phone.locator("#review-term, [id^=review-term]").first).to_contain_text(
        "12 期太紧，请改为 24 期。"
    )
    # She changes the term and asks again.
    phone.locator("#id_months").fill("24")
    phone.locator("main form button[type=submit].primary").first.click()
    expect(phone.locator(".message")).to_be_visible()
    proposal.refresh_from_db()
    assert proposal.months == 24
    phone.locator("form[action$='/review/'] button").click()
    expect(phone.locator(".status-in_review").first).to_be_visible()
    # A second request is a second notification, by both channels.
    assert wait_for(lambda: len(mail_to(smtp_server, "wang@example.org")) == 2)
    assert Reminder.objects.filter(user=counselor.user, kind=ReminderKind.REVIEW_ASKED).count() == 2

    # 4. The counselor approves the 24 installments.
    desk.goto(f"{base}/counselor/borrowers/{borrower.pk}/proposals/{proposal.pk}/")
    expect(desk.locator("#review-term")).to_contain_text("24")
    review = desk.locator(".review-decision form")
    review.locator("input[name=decision][value=approve]").check()
    review.locator("button[type=submit]").click()
    expect(desk.locator(".status-approved").first).to_be_visible()
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.APPROVED

    # 5. The caseload: no longer waiting for me, counted as approved.
    desk.goto(f"{base}/counselor/")
    row = rows.filter(has_text="李明")
    expect(row).not_to_have_class(re.compile(r"\bwaiting\b"))
    desk.goto(f"{base}/counselor/?state=waiting")
    expect(rows.filter(has_text="李明")).to_have_count(0)
    desk.goto(f"{base}/counselor/?state=approved")
    expect(rows.locator("th")).to_have_text(["李明"])
    save_screen(desk, "counselor-caseload-desktop")
    assert wait_for(lambda: len(mail_to(smtp_server, "li.ming@example.com")) == 2)


def test_an_agency_admin_invites_a_counselor_who_joins_and_is_given_a_borrower(
    live_server, new_page, seeded_profiles, smtp_server, celery_worker
):
    agency = AgencyFactory(name="阳光咨询")
    CounselorFactory(
        agency=agency, display_name="陈主任", user__email="chen@example.org", is_agency_admin=True
    )
    first = CounselorFactory(agency=agency, display_name="王老师")
    borrower = BorrowerFactory(display_name="李明", user__email="li.ming@example.com")
    DebtFactory(borrower=borrower, first_missed_date=timezone.localdate() - timedelta(days=20))
    AccessGrant.objects.create(borrower=borrower, counselor=first)
    base = live_server.url

    # The admin invites a counselor by email.
    admin = new_page("desktop")
    log_in(admin, base, "chen@example.org")
    admin.goto(f"{base}/counselor/agency/")
    invite = admin.locator("form[action$='/agency/invites/']")
    invite.locator("input[name=email]").fill("zhao@example.org")
    invite.locator("input[name=display_name]").fill("赵老师")
    invite.locator("button[type=submit]").click()
    expect(admin.locator(".message")).to_contain_text("zhao@example.org")

    # The invitation arrives; its link works once.
    assert wait_for(lambda: len(mail_to(smtp_server, "zhao@example.org")) == 1)
    link = re.search(
        r"https?://\S+/counselor/join/\S+/", body_of(mail_to(smtp_server, "zhao@example.org")[0])
    )
    assert link is not None
    join_path = re.sub(r"^https?://[^/]+", "", link.group(0))
    newcomer = new_page("desktop")
    newcomer.goto(f"{base}{join_path}")
    expect(newcomer.locator("input[name=display_name]")).to_have_value("赵老师")
    newcomer.locator("input[name=password1]").fill("a fresh passphrase 2026")
    newcomer.locator("input[name=password2]").fill("a different one")
    newcomer.locator("main button[type=submit]").click()
    expect(newcomer.locator("#field-password2 .field-errors")).to_be_visible()
    assert not Counselor.objects.filter(user__email="zhao@example.org").exists()
    newcomer.locator("input[name=password1]").fill("a fresh passphrase 2026")
    newcomer.locator("input[name=password2]").fill("a fresh passphrase 2026")
    newcomer.locator("main button[type=submit]").click()
    expect(newcomer).to_have_url(re.compile(r"/accounts/login/"))
    zhao = Counselor.objects.get(user__email="zhao@example.org")
    assert zhao.agency == agency and not zhao.is_agency_admin
    newcomer.goto(f"{base}{join_path}")
    expect(newcomer.locator("main")).not_to_contain_text("赵老师")  # used: a 404

    # The new counselor logs in: an empty caseload that says why.
    newcomer.goto(f"{base}/accounts/login/")
    newcomer.locator("#id_username").fill("zhao@example.org")
    newcomer.locator("#id_password").fill("a fresh passphrase 2026")
    newcomer.locator("main button[type=submit]").click()
    expect(newcomer.locator("form.lang-switch")).to_be_visible()
    newcomer.goto(f"{base}/counselor/")
    expect(newcomer.locator("#caseload-table .empty")).to_contain_text("邀请码")

    # The admin proposes that she follow 李明; nothing changes until he accepts.
    admin.goto(f"{base}/counselor/agency/")
    move = admin.locator("form[action$='/agency/transfers/']")
    move.locator("select[name=borrower]").select_option(label="李明")
    move.locator("select[name=to_counselor]").select_option(label="赵老师")
    move.locator("button[type=submit]").click()
    expect(admin.locator(".status-pending")).to_be_visible()
    newcomer.reload()
    expect(newcomer.locator("#caseload-table tbody th")).to_have_count(0)

    # 李明 is told and accepts on his phone.
    phone = new_page("phone")
    log_in(phone, base, "li.ming@example.com")
    phone.goto(f"{base}/access/")
    phone.locator(".transfer button[value=accept]").click()
    expect(phone.locator(".grant")).to_contain_text("赵老师")
    assert Transfer.objects.get().status == Transfer.Status.ACCEPTED

    # He is in her caseload now, and no longer in the first counselor's.
    newcomer.reload()
    expect(newcomer.locator("#caseload-table tbody th")).to_have_text(["李明"])
    assert not AccessGrant.objects.active().filter(counselor=first).exists()
    save_screen(admin, "agency-desktop")
