"""The whole path, in one browser, at phone and at desktop size.

A borrower signs up, enters a budget and three debts, reads a tier explanation,
compares the strategies and adopts one. A counselor gives her an invite code,
she grants access, asks for a review of her proposal; the counselor triages the
caseload, writes a case note and requests changes, which she sees. She changes
the proposal, finalises it, downloads the PDF, emails it (a real SMTP server
receives it, through a real Celery worker), records the lender's acceptance and
a payment, sees the recovery timeline move, and switches the language.
"""

import email
import re
import subprocess
from datetime import timedelta
from decimal import Decimal
from email import policy

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from borrowers.models import AccessGrant, CaseNote, Debt
from repayment_plans.models import EmailDelivery, Payment, Plan, Proposal, ProposalVersion
from tests.factories import PASSWORD, BorrowerFactory, CounselorFactory, DebtFactory, profile
from tests.repayment_plans.test_email import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EMAIL = "li.ming@example.com"
LENDER_EMAIL = "xieshang@webank.example"
# profile key, nickname, principal, annual %, days since the first missed payment
DEBTS = [
    ("weilidai", "微粒贷", "18000", "18.25", 75),
    ("huabei", "花呗", "6500", "0", 45),
    ("jiebei", "借呗", "9800", "12.775", 12),
]


@pytest.fixture
def counselor(seeded_profiles):
    """A counselor who already follows one borrower in a light tier."""
    counselor = CounselorFactory(user__email="wang@example.org", display_name="王老师")
    light = BorrowerFactory(display_name="刘洋")
    DebtFactory(borrower=light, first_missed_date=timezone.localdate() - timedelta(days=5))
    AccessGrant.objects.create(borrower=light, counselor=counselor)
    # A borrower who granted someone else never shows.
    AccessGrant.objects.create(
        borrower=BorrowerFactory(display_name="赵敏"), counselor=CounselorFactory()
    )
    return counselor


def log_in(page, base_url, email_address):
    page.goto(f"{base_url}/accounts/login/")
    page.locator("#id_username").fill(email_address)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page.locator("form.lang-switch")).to_be_visible()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def fits_the_screen(page, viewport):
    if viewport == "phone":
        assert page.evaluate("document.documentElement.scrollWidth") <= 375


def navigate(page, viewport, href):
    """Follow a main navigation link: the row on a desktop, the menu on a phone."""
    if viewport == "phone":
        page.locator(".nav-menu > summary").click()
        page.locator(f".nav-menu a[href='{href}']").click()
    else:
        page.locator(f".nav-row a[href='{href}']").click()


def yuan(amount) -> str:
    return f"¥{Decimal(amount):,.2f}"


def test_a_borrower_and_her_counselor_from_sign_up_to_the_first_payment(
    live_server, new_page, viewport, counselor, smtp_server, celery_worker, tmp_path
):
    base = live_server.url
    today = timezone.localdate()
    page = new_page(viewport)

    # Sign up, then the budget.
    page.goto(f"{base}/signup/")
    page.locator("#id_email").fill(EMAIL)
    page.locator("#id_display_name").fill("李明")
    page.locator("#id_password1").fill("a long enough passphrase 42")
    page.locator("#id_password2").fill("a long enough passphrase 42")
    page.locator("main button[type=submit]").click()
    # The page never says whether the address was new: she logs in.
    page.locator("main a.button.primary").click()
    page.locator("#id_username").fill(EMAIL)
    page.locator("#id_password").fill("a long enough passphrase 42")
    page.locator("button.primary").click()
    # The overview comes first; the budget when a plan needs it.
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    page.locator("main .callout a.button[href$='/budget/']").click()
    expect(page).to_have_url(re.compile(r"/budget/$"))
    page.locator("#id_monthly_net_income").fill("12000")
    page.locator("#id_rent").fill("2200")
    page.locator("#id_food").fill("1500")
    page.locator("#id_hardship_reason").select_option("income_cut")
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))

    # Three debts, each added in place on the overview; the tier shows before anything
    # is saved.
    for number, (key, nickname, principal, rate, days) in enumerate(DEBTS, start=1):
        page.locator("#debts a.button.primary[href$='/debts/new/']").click()
        form = page.locator("#debt-form")
        form.locator("#id_profile").select_option(str(profile(key).pk))
        form.locator("#id_first_missed_date").fill((today - timedelta(days=days)).isoformat())
        form.locator("#id_principal").fill(principal)
        form.locator("details.more > summary").click()  # rate, nickname: optional, folded
        form.locator("#id_rate_value").fill(rate)
        expect(form.locator(".tier-preview .tier")).to_be_visible()
        expect(form.locator("#id_lender_name")).to_have_value(profile(key).default_lender)
        form.locator("#id_nickname").fill(nickname)
        assert Debt.objects.filter(borrower__user__email=EMAIL).count() == number - 1
        form.locator("button[type=submit]").click()
        expect(page.locator(".debt-card")).to_have_count(number)
    assert page.url.endswith("/dashboard/")
    debts = {d.nickname: d for d in Debt.objects.filter(borrower__user__email=EMAIL)}
    assert sorted(debts) == sorted(nickname for _k, nickname, *_ in DEBTS)
    total = sum(Decimal(principal) for *_k, principal, _r, _d in DEBTS)
    expect(page.locator(".totals")).to_contain_text(yuan(total))
    fits_the_screen(page, viewport)

    # The tier explanation of the 花呗 debt: where it stands and when it worsens.
    huabei = debts["花呗"].status(today)
    card = page.locator(".debt-card", has_text="花呗")
    expect(card.locator(".days-to-next")).to_have_text(str(huabei.days_to_next_tier))
    card.locator(f"a[href$='/debts/{debts['花呗'].pk}/']").last.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(debts["花呗"].label)
    expect(page.locator(".tier-line .tier")).to_have_text("中度逾期")
    expect(page.locator("#now ~ h3").first).to_contain_text(str(huabei.days_to_next_tier))

    # Compare the four strategies and adopt the first.
    navigate(page, viewport, "/plan/")
    strategies = page.locator("article.strategy")
    expect(strategies).to_have_count(4)
    expect(strategies.locator("h3")).to_have_count(4)
    assert len(set(strategies.locator("h3").all_inner_texts())) == 4
    strategies.first.locator("button[type=submit]").click()
    expect(page.locator(".message")).to_be_visible()
    proposals = Proposal.objects.filter(borrower__user__email=EMAIL)
    assert sorted(proposals.values_list("lender_name", flat=True)) == [
        "深圳前海微众银行",
        "重庆蚂蚁消费金融",
    ]
    fits_the_screen(page, viewport)

    # The counselor makes an invite code; the borrower enters it.
    desk = new_page(viewport)
    log_in(desk, base, "wang@example.org")
    desk.locator("form[action$='/counselor/invites/'] button").click()
    code = desk.locator(".invite .code").inner_text()
    navigate(page, viewport, "/access/")
    page.locator("#id_code").fill(code)
    page.locator("main form button.primary").click()
    expect(page.locator(".grant")).to_contain_text("王老师")
    assert AccessGrant.objects.filter(borrower__user__email=EMAIL, counselor=counselor).exists()

    # She opens the proposal to 微众, pays 1,000 a month, saves and asks for a review.
    webank = proposals.get(lender_name="深圳前海微众银行")
    page.goto(f"{base}/proposals/{webank.pk}/")
    page.locator("#id_monthly").fill("1000")
    expect(page.locator("#id_months")).to_have_value("18")  # 18,000 / 1,000
    expect(page.locator("#schedule-preview")).to_contain_text(yuan(1000))
    page.locator("main form button[type=submit].primary").first.click()
    expect(page.locator(".message")).to_be_visible()
    page.locator("form[action$='/review/'] button").click()
    expect(page.locator(".status-in_review").first).to_be_visible()

    # The counselor triages: the new borrower is severe and the most urgent.
    desk.goto(f"{base}/counselor/")
    rows = desk.locator("#caseload-table tbody tr")
    soonest = min(
        s.days_to_next_tier for d in debts.values() if (s := d.status(today)).days_to_next_tier
    )
    light = Debt.objects.get(borrower__display_name="刘洋").status(today).days_to_next_tier
    assert soonest < light
    expect(rows.locator("th")).to_have_text(["李明", "刘洋"])
    row = rows.filter(has_text="李明")
    expect(row.locator(".tier")).to_have_text("重度逾期")
    expect(row.locator(".days-to-next")).to_have_text(str(soonest))
    expect(row).to_contain_text(str(max(days for *_x, days in DEBTS)))
    # Filters swap the table in place.
    desk.evaluate("document.body.dataset.kept = 'yes'")
    desk.locator("select[name=tier]").select_option("severe")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("th")).to_have_text("李明")
    desk.locator("select[name=tier]").select_option("")
    expect(rows).to_have_count(2)
    desk.locator("input[name=q]").fill("刘洋")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("th")).to_have_text("刘洋")
    desk.locator("input[name=q]").fill("李")
    expect(rows.locator("th")).to_have_text(["李明"])
    assert desk.evaluate("document.body.dataset.kept") == "yes"
    rows.first.locator("th a").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("李明")

    # A case note, then the review: changes requested, with a comment.
    next_action = today + timedelta(days=7)
    note_form = desk.locator("form[action$='/notes/']")
    note_form.locator("#id_kind").select_option("call")
    note_form.locator("#id_text").fill("电话：收入下降，每月可还九百左右。")
    note_form.locator("#id_next_action_on").fill(next_action.isoformat())
    note_form.locator("button[type=submit]").click()
    expect(desk.locator("ul.notes li").first).to_contain_text("电话：收入下降，每月可还九百左右。")
    assert CaseNote.objects.get().next_action_on == next_action
    # The review page: the schedule to decide on, then a change asked on the amount.
    desk.locator(f"main a[href$='/proposals/{webank.pk}/']").first.click()
    expect(desk.locator("#review-term")).to_contain_text("¥1,000.00")
    review = desk.locator(".review-decision form")
    review.locator("input[name=decision][value=changes]").check()
    review.locator("select[name=section]").select_option("amount")
    review.locator("textarea[name=comment]").fill("每月 1000 元太紧，建议 900 元。")
    review.locator("button[type=submit]").click()
    expect(desk.locator(".status-changes").first).to_be_visible()
    fits_the_screen(desk, viewport)
    # Back on the caseload, the next action shows in her row.
    desk.goto(f"{base}/counselor/")
    expect(rows.filter(has_text="李明")).to_contain_text(next_action.isoformat())

    # She sees the review on her proposal, lowers the amount and finalises.
    page.reload()
    expect(page.locator(".status-changes").first).to_be_visible()
    expect(page.locator("ul.audit")).to_contain_text("每月 1000 元太紧，建议 900 元。")
    page.locator("#id_monthly").fill("900")
    expect(page.locator("#id_months")).to_have_value("20")  # 18,000 / 900
    page.locator("main form button[type=submit].primary").first.click()
    expect(page.locator(".message")).to_be_visible()
    page.locator(f"a[href$='/proposals/{webank.pk}/finalise/']").click()
    for checkbox in page.locator("main input[type=checkbox]").all():
        checkbox.check()
    page.locator("main form button.primary").click()
    expect(page.locator("#versions ~ p a[href$='.pdf']")).to_have_count(1)
    version = ProposalVersion.objects.get(proposal=webank)
    assert version.terms["months"] == 20

    # The PDF: a real PDF with the lender and the amounts in it.
    with page.expect_download() as download_info:
        page.locator("#versions ~ p a[href$='.pdf']").first.click()
    pdf_path = tmp_path / "proposal.pdf"
    download_info.value.save_as(pdf_path)
    pdf = pdf_path.read_bytes()
    assert pdf.startswith(b"%PDF-")
    with version.pdf.open("rb") as stored:
        assert pdf == stored.read()
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "深圳前海微众银行" in text
    assert "18,000.00" in text and "900.00" in text

    # Emailed through the worker to a real SMTP server, with the PDF attached.
    page.locator("#id_send-lender_email").fill(LENDER_EMAIL)
    page.locator("form[action$='/send/'] button[type=submit]").click()
    expect(page.locator(".deliveries li")).to_have_count(1)

    def to_the_lender():
        return [m for m in smtp_server.messages if LENDER_EMAIL in m.rcpt_tos]

    assert wait_for(lambda: len(to_the_lender()) == 1)
    envelope = to_the_lender()[0]
    assert set(envelope.rcpt_tos) == {LENDER_EMAIL, EMAIL}
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    attachment = next(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == pdf
    assert wait_for(lambda: EmailDelivery.objects.get().status == EmailDelivery.Status.SENT)
    page.reload()
    expect(page.locator(".deliveries .status-sent")).to_be_visible()

    # Before the lender answers, the proposal is a scenario beside the projection,
    # never the projection (it used to be projected as if accepted): the overall
    # milestones wait for the lender's answer, and the timeline says so.
    page.goto(f"{base}/timeline/")
    webank_label = debts["微粒贷"].label
    cleared = page.locator(".account-milestones li[data-kind=cleared]", has_text=webank_label)
    this_month = page.locator("ol.months li.month").first
    expect(this_month).to_contain_text(yuan(total))  # nothing paid yet
    expect(cleared).to_have_count(0)
    pending = page.locator("#blockers li[data-blocker=pending]", has_text=webank_label)
    expect(pending).to_have_count(1)
    expect(page.locator("#scenario")).to_contain_text("深圳前海微众银行")

    # The lender accepts: a plan of 20 installments.
    page.goto(f"{base}/proposals/{webank.pk}/answer/")
    page.locator("input[name=kind][value=accepted]").check()
    page.locator("main form button.primary").click()
    expect(page).to_have_url(re.compile(r"/plans/\d+/$"))
    plan = Plan.objects.get(proposal=webank)
    assert plan.installments.count() == 20
    last_due = plan.installments.order_by("-number").first().due_date
    expect(page.locator("table.schedule tbody tr")).to_have_count(20)

    # A payment of two installments: the streak and the amount left move at once.
    page.locator("#id_amount").fill("1800")
    page.locator("form[action$='/payments/'] button[type=submit]").click()
    expect(page.locator(".streak")).to_have_text("2")
    assert Payment.objects.get().amount == Decimal("1800.00")
    expect(page.locator(".totals")).to_contain_text(yuan(plan.outstanding))
    fits_the_screen(page, viewport)

    # The timeline follows the agreed plan and the payment.
    page.goto(f"{base}/timeline/")
    expect(cleared.locator("time")).to_have_attribute("datetime", last_due.isoformat())
    expect(this_month).to_contain_text(yuan(total - 1800))
    expect(this_month).not_to_contain_text(yuan(total))
    fits_the_screen(page, viewport)

    # English, then back to Chinese.
    chinese_title = page.get_by_role("heading", level=1).inner_text()
    page.locator("form.lang-switch button[value=en]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How your credit record recovers")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url.endswith("/timeline/")
    page.locator("form.lang-switch button[value=zh-hans]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(chinese_title)
    assert chinese_title != "How your credit record recovers"
