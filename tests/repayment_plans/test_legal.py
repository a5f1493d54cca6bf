"""A legal matter: its pages, reminders, documents (access, export, deletion), the
caseload's ranking, the counselor's read-only view and the printed documents."""

import io
import logging
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from borrowers.counselors.caseload import caseload
from borrowers.data_rights import sections as data_rights
from borrowers.models import AccessEvent, AccessGrant
from borrowers.pdf import font_coverage
from repayment_plans.legal import services
from repayment_plans.legal.mediation import mediation_plan
from repayment_plans.legal.views import delisting_html, mediation_html, objection_html
from repayment_plans.models import (
    LegalDocument,
    LegalMatter,
    LegalStage,
    Reminder,
    ReminderKind,
)
from repayment_plans.reminders import engine as reminders
from tests.factories import BorrowerFactory, DebtFactory
from tests.repayment_plans.test_letter_pdf import pdf_text

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
PDF = b"%PDF-1.4\n%fake\n"
COURT = "上海市浦东新区人民法院"
CASE = "（2026）沪0115民督1234号"


def start(debt, kind="payment_order", received_on=date(2026, 9, 18), **fields) -> LegalMatter:
    stage = LegalStage(kind=kind, received_on=received_on, court=COURT, case_number=CASE, **fields)
    return services.start_matter(LegalMatter(borrower=debt.borrower, debt=debt), stage)


@pytest.fixture
def matter(huabei_debt):
    return start(huabei_debt)


def add_file(matter, content=PNG, name="传票.png") -> LegalDocument:
    from repayment_plans.negotiation.attachments import sniff

    upload = SimpleUploadedFile(name, content)
    return services.add_document(matter.current_stage, upload, sniff(content[:16]))


# Recording a matter ----------------------------------------------------------------------


def test_a_payment_order_received_yesterday_shows_its_15_day_deadline(
    alice_client, huabei_debt, today
):
    yesterday = today - timedelta(days=1)
    response = alice_client.post(
        reverse("legal_matter_create"),
        {
            "debt": huabei_debt.pk,
            "kind": "payment_order",
            "received_on": yesterday.isoformat(),
            "court": COURT,
            "case_number": CASE,
        },
        **EN,
    )
    matter = LegalMatter.objects.get(debt=huabei_debt)
    assert response.status_code == 302
    assert response["Location"] == reverse("legal_matter_detail", args=[matter.pk])
    stage = matter.current_stage
    expected = services.compute_deadline(stage).due
    assert stage.deadline_on == expected >= yesterday + timedelta(days=15)
    page = alice_client.get(response["Location"], **EN).content.decode()
    assert expected.isoformat() in page
    assert "object in writing to the payment order" in page
    assert "自收到支付令之日起十五日内" in page  # the law, in the original
    assert "12348" in page
    assert reverse("legal_objection_pdf", args=[matter.pk]) in page
    # The debt page shows the matter and its next deadline.
    debt_page = alice_client.get(reverse("debt_detail", args=[huabei_debt.pk]), **EN)
    assert reverse("legal_matter_detail", args=[matter.pk]) in debt_page.content.decode()
    assert f"Next deadline: {expected.isoformat()}" in debt_page.content.decode()


def test_the_timeline_lists_every_court_matter_from_one_query(
    alice_client, huabei_debt, weilidai_debt, today
):
    def timeline() -> tuple[str, list[str]]:
        with CaptureQueriesContext(connection) as queries:
            html = alice_client.get(reverse("timeline"), **EN).content.decode()
        return html, [q["sql"] for q in queries if "legal" in q["sql"]]

    matters = [start(huabei_debt, received_on=today)]
    html, legal_queries = timeline()
    assert len(legal_queries) == 1
    matters.append(start(weilidai_debt, received_on=today - timedelta(days=3)))
    html, legal_queries = timeline()
    assert len(legal_queries) == 1, legal_queries  # the stages and debts came with them
    for matter in matters:
        link = reverse("legal_matter_detail", args=[matter.pk])
        assert f'<a href="{link}">{matter.debt.label}</a>' in html
    assert html.count('class="legal-due') == 2


def test_a_passed_deadline_says_so_and_what_can_still_be_done(alice_client, huabei_debt):
    matter = start(huabei_debt, received_on=date(2025, 1, 6))
    page = alice_client.get(reverse("legal_matter_detail", args=[matter.pk]), **EN)
    html = page.content.decode()
    assert 'data-urgency="passed"' in html
    assert "The deadline has passed: what can still be done" in html
    assert "The payment order can now be enforced" in html
    assert "申请顺延期限" in html  # late for a good reason


def test_the_next_stage_becomes_the_current_one_and_acting_stops_the_deadline(
    alice_client, matter, today
):
    response = alice_client.post(
        reverse("legal_stage_create", args=[matter.pk]),
        {"kind": "suit", "received_on": today.isoformat(), "court": COURT},
        **EN,
    )
    assert response.status_code == 302
    matter.refresh_from_db()
    suit = matter.current_stage
    assert suit.kind == "suit" and matter.open_deadline == suit
    response = alice_client.post(
        reverse("legal_stage_edit", args=[matter.pk, suit.pk]),
        {"kind": "suit", "received_on": today.isoformat(), "acted_on": today.isoformat()},
        **EN,
    )
    assert response.status_code == 302
    matter.refresh_from_db()
    assert matter.open_deadline is None


def test_bad_dates_are_refused_and_nothing_is_saved(alice_client, huabei_debt, today):
    response = alice_client.post(
        reverse("legal_matter_create"),
        {
            "debt": huabei_debt.pk,
            "kind": "judgment",
            "received_on": (today + timedelta(days=1)).isoformat(),
            "acted_on": (today - timedelta(days=3)).isoformat(),
        },
        **EN,
    )
    assert response.status_code == 422
    assert not LegalMatter.objects.exists()


def test_another_borrowers_debt_cannot_be_chosen(alice_client, bob, today):
    bobs = DebtFactory(borrower=bob)
    response = alice_client.post(
        reverse("legal_matter_create"),
        {"debt": bobs.pk, "kind": "suit", "received_on": today.isoformat()},
    )
    assert response.status_code == 422
    assert not LegalMatter.objects.exists()


# Reminders -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        (date(2026, 10, 3), ReminderKind.LEGAL_IN_5_DAYS),
        (date(2026, 10, 6), ReminderKind.LEGAL_IN_2_DAYS),
        (date(2026, 10, 8), ReminderKind.LEGAL_DUE_TODAY),
    ],
)
def test_reminders_5_days_2_days_and_on_the_day(matter, day, kind):
    assert matter.current_stage.deadline_on == date(2026, 10, 8)
    reminders.sweep(day, enqueue=False)
    reminder = Reminder.objects.get(subject=f"legal:{matter.current_stage.pk}")
    assert reminder.kind == kind and reminder.on_date == day
    assert reminder.link == reverse("legal_matter_detail", args=[matter.pk])
    assert reminder.user == matter.borrower.user


@pytest.mark.parametrize("day", [date(2026, 10, 2), date(2026, 10, 4), date(2026, 10, 7)])
def test_no_reminder_on_other_days(matter, day):
    reminders.sweep(day, enqueue=False)
    assert not Reminder.objects.filter(subject__startswith="legal:").exists()


def test_a_rerun_sends_nothing_twice(matter):
    day = date(2026, 10, 6)
    reminders.sweep(day, enqueue=False)
    reminders.sweep(day, enqueue=False)
    assert Reminder.objects.filter(subject__startswith="legal:").count() == 1


def test_no_reminder_once_the_borrower_acted_or_a_later_stage_came(matter, huabei_debt):
    stage = matter.current_stage
    stage.acted_on = date(2026, 9, 25)
    services.save_stage(stage)
    reminders.sweep(date(2026, 10, 8), enqueue=False)
    assert not Reminder.objects.filter(subject__startswith="legal:").exists()
    stage.acted_on = None
    services.save_stage(stage)
    services.save_stage(LegalStage(matter=matter, kind="mediation", received_on=date(2026, 9, 30)))
    reminders.sweep(date(2026, 10, 8), enqueue=False)
    assert not Reminder.objects.filter(subject__startswith="legal:").exists()


def test_the_reminder_reads_well(matter, alice):
    reminders.sweep(date(2026, 10, 8), enqueue=False)
    reminder = Reminder.objects.get(subject__startswith="legal:")
    title = reminders.reminder_title(reminder)  # in the borrower's language
    assert "2026-10-08" in title and "对支付令提出书面异议的最后一天" in title


# The caseload ----------------------------------------------------------------------------


def test_a_deadline_within_7_days_ranks_above_everything_else(charlie, today):
    urgent_tier = BorrowerFactory(display_name="Missed and about to turn severe")
    DebtFactory(borrower=urgent_tier, first_missed_date=today - timedelta(days=60))
    in_court = BorrowerFactory(display_name="In court")
    debt = DebtFactory(borrower=in_court, first_missed_date=today - timedelta(days=5))
    later = BorrowerFactory(display_name="In court later")
    later_debt = DebtFactory(borrower=later, first_missed_date=today - timedelta(days=5))
    for borrower in (urgent_tier, in_court, later):
        AccessGrant.objects.create(borrower=borrower, counselor=charlie)
    # Due within the week (received 10 days ago: 15 days end in 5, or a little later
    # after a holiday) and due in about two weeks.
    start(debt, kind="payment_order", received_on=today - timedelta(days=10))
    start(later_debt, kind="payment_order", received_on=today)
    due = LegalMatter.objects.get(debt=debt).current_stage.deadline_on
    assert (due - today).days <= 7, "pick a receipt day whose deadline is within the week"
    names = [row.display_name for row in caseload(charlie, today)]
    assert names[0] == "In court"
    assert names.index("Missed and about to turn severe") < names.index("In court later")
    response_page = caseload(charlie, today).get(display_name="In court")
    assert response_page.legal_deadline_on == due


def test_the_caseload_page_marks_the_court_deadline(client, charlie, alice, huabei_debt, today):
    AccessGrant.objects.create(borrower=alice, counselor=charlie)
    start(huabei_debt, received_on=today - timedelta(days=10))
    client.force_login(charlie.user)
    html = client.get(reverse("caseload"), **EN).content.decode()
    assert "legal-badge soon" in html and "row-legal" in html


# Access ----------------------------------------------------------------------------------


def test_the_owner_sees_the_matter_and_downloads_her_file(alice_client, matter):
    document = add_file(matter)
    response = alice_client.get(reverse("legal_document", args=[document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"


def test_another_borrower_gets_404_everywhere(bob_client, matter):
    document = add_file(matter)
    stage = matter.current_stage
    for name, args in [
        ("legal_matter_detail", [matter.pk]),
        ("legal_stage_create", [matter.pk]),
        ("legal_stage_edit", [matter.pk, stage.pk]),
        ("legal_objection_pdf", [matter.pk]),
        ("legal_mediation_pdf", [matter.pk]),
        ("legal_document", [document.pk]),
    ]:
        assert bob_client.get(reverse(name, args=args)).status_code == 404, name
    for name, args in [
        ("legal_document_delete", [document.pk]),
        ("legal_stage_delete", [matter.pk, stage.pk]),
        ("legal_matter_delete", [matter.pk]),
    ]:
        assert bob_client.post(reverse(name, args=args)).status_code == 404, name
    assert LegalDocument.objects.filter(pk=document.pk).exists()
    assert LegalMatter.objects.filter(pk=matter.pk).exists()


def test_anonymous_is_sent_to_log_in(client, matter):
    for name, args in [("legal_list", []), ("legal_matter_detail", [matter.pk])]:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 302 and "/login" in response["Location"]


def test_a_counselor_reads_it_only_with_the_grant(client, charlie, alice, matter):
    document = add_file(matter)
    client.force_login(charlie.user)
    view = reverse("legal_counselor_matter", args=[alice.pk, matter.pk])
    download = reverse("legal_counselor_document", args=[alice.pk, document.pk])
    assert client.get(view).status_code == 404
    assert client.get(download).status_code == 404
    grant = AccessGrant.objects.create(borrower=alice, counselor=charlie)
    page = client.get(view, **EN)
    assert page.status_code == 200
    html = page.content.decode()
    assert CASE in html and "Read-only" in html
    assert reverse("legal_stage_create", args=[matter.pk]) not in html  # no editing
    assert client.get(download).status_code == 200
    assert AccessEvent.objects.filter(borrower=alice, detail=f"legal {matter.pk}").exists()
    # The counselor's page about the borrower lists the matter.
    borrower_page = client.get(reverse("counselor_borrower", args=[alice.pk])).content.decode()
    assert view in borrower_page
    grant.revoked_at = grant.granted_at
    grant.save()
    assert client.get(view).status_code == 404


# Documents: upload, export, deletion -----------------------------------------------------


def test_an_uploaded_photo_is_kept_privately_and_a_recording_is_refused(
    alice_client, matter, today
):
    stage = matter.current_stage
    url = reverse("legal_stage_edit", args=[matter.pk, stage.pk])
    data = {"kind": stage.kind, "received_on": stage.received_on.isoformat()}
    response = alice_client.post(
        url, {**data, "document": SimpleUploadedFile("支付令.jpg", PNG)}, **EN
    )
    assert response.status_code == 302
    document = LegalDocument.objects.get()
    assert document.file.name.startswith(f"legal/{matter.borrower_id}/{matter.pk}/")
    assert document.file.name.endswith(".png")  # what it is, not what it was called
    assert document.original_name == "支付令.jpg"
    recording = b"#!AMR\n" + b"\0" * 32
    response = alice_client.post(
        url, {**data, "document": SimpleUploadedFile("call.amr", recording)}, **EN
    )
    assert response.status_code == 422
    assert "not a photo or a PDF" in response.content.decode()
    assert LegalDocument.objects.count() == 1


def test_documents_are_in_the_export(alice, matter):
    document = add_file(matter, PDF, "判决书.pdf")
    archive = zipfile.ZipFile(io.BytesIO(data_rights.export_zip(alice.user)))
    assert archive.read(document.export_name) == PDF
    import json

    data = json.loads(archive.read("data.json"))
    assert [m["id"] for m in data["legal_matters"]] == [matter.pk]
    assert data["legal_stages"][0]["case_number"] == CASE
    assert data["legal_documents"][0]["file_in_export"] == document.export_name
    assert not data["export"]["other_files"]


def test_documents_are_deleted_with_the_account(alice, matter, django_capture_on_commit_callbacks):
    document = add_file(matter)
    name = document.file.name
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        data_rights.delete_account(alice.user)
    assert not LegalMatter.objects.exists() and not LegalDocument.objects.exists()
    assert not default_storage.exists(name)


def test_deleting_a_file_or_the_matter_removes_the_stored_files(
    alice_client, matter, django_capture_on_commit_callbacks
):
    first, second = add_file(matter), add_file(matter, PDF, "b.pdf")
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(reverse("legal_document_delete", args=[first.pk]))
    assert not default_storage.exists(first.file.name)
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(reverse("legal_matter_delete", args=[matter.pk]))
    assert not default_storage.exists(second.file.name)
    assert not LegalMatter.objects.exists()


# The printed documents -------------------------------------------------------------------


def _assert_printable(html: str):
    coverage = font_coverage()
    missing = sorted({ch for ch in html if ord(ch) > 0x7F and ord(ch) not in coverage})
    assert not missing, missing


def test_the_objection_pdf_reads_back_with_every_glyph(alice_client, matter, tmp_path, caplog):
    stage = matter.current_stage
    stage.statement = "借款本金已于2026年5月还清，支付令所列金额不实。"
    services.save_stage(stage)
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        response = alice_client.get(reverse("legal_objection_pdf", args=[matter.pk]), **EN)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert not [r for r in caplog.records if ".notdef" in r.getMessage()]
    text = pdf_text(response.content, tmp_path).replace(" ", "")
    for expected in (
        COURT,
        CASE,
        "2026-09-18",
        "借款本金已于2026年5月还清",
        "自收到支付令之日起十五日内",
        "督促程序",
        "本人身份证复印件",  # Chinese although the borrower browses in English
        "重庆蚂蚁消费金融",
    ):
        assert expected in text, expected
    _assert_printable(objection_html(matter, date(2026, 9, 20)))


def test_the_mediation_proposal_uses_the_budget_and_the_schedule(
    alice, alice_client, weilidai_debt, tmp_path, today
):
    alice.monthly_net_income = Decimal("9000")
    alice.save()
    matter = start(weilidai_debt, kind="mediation", received_on=today)
    plan = mediation_plan(alice, weilidai_debt, today)
    assert plan.amount == Decimal("19200.00")  # principal + interest, penalties waived
    assert plan.schedule is not None
    assert sum(i.payment for i in plan.schedule.installments) == plan.amount
    assert plan.monthly <= plan.capacity or plan.shortfall > 0
    response = alice_client.get(reverse("legal_mediation_pdf", args=[matter.pk]), **EN)
    assert response.status_code == 200
    text = pdf_text(response.content, tmp_path).replace(" ", "")
    assert "19,200.00" in text and "壹万玖仟贰佰元整" in text
    assert plan.schedule.installments[-1].due_date.isoformat() in text
    _assert_printable(mediation_html(matter, today))


def test_the_mediation_proposal_says_when_the_budget_leaves_nothing(alice, weilidai_debt, today):
    alice.monthly_net_income = Decimal("0")
    alice.save()
    plan = mediation_plan(alice, weilidai_debt, today)
    assert plan.schedule is None and plan.capacity == 0


def test_the_delisting_application_after_payment(alice_client, huabei_debt, tmp_path, today):
    matter = start(huabei_debt, kind="listed", received_on=today - timedelta(days=40))
    assert alice_client.get(reverse("legal_delisting_pdf", args=[matter.pk])).status_code == 200
    services.save_stage(
        LegalStage(
            matter=matter,
            kind="paid",
            received_on=today,
            event_on=today - timedelta(days=1),
            court=COURT,
        )
    )
    response = alice_client.get(reverse("legal_delisting_pdf", args=[matter.pk]), **EN)
    text = pdf_text(response.content, tmp_path).replace(" ", "")
    for expected in (
        CASE,
        COURT,
        (today - timedelta(days=1)).isoformat(),
        "最高人民法院关于公布失信被执行人名单信息的若干规定",
        "本人身份证复印件",
    ):
        assert expected in text, expected
    _assert_printable(delisting_html(matter, today))


def test_no_objection_pdf_without_a_payment_order(alice_client, huabei_debt):
    matter = start(huabei_debt, kind="suit")
    assert alice_client.get(reverse("legal_objection_pdf", args=[matter.pk])).status_code == 404
    assert alice_client.get(reverse("legal_delisting_pdf", args=[matter.pk])).status_code == 404
