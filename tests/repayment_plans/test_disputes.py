"""Disputes about inaccurate credit-report entries: the 20- and 30-day deadlines, the
reminders on their exact days, the application PDF, bad input and access."""

import logging
import shutil
import subprocess
from datetime import date, timedelta

import pytest
from django.urls import reverse

from borrowers.models import AccessEvent, AccessGrant
from repayment_plans.disputes import rules as disputes
from repayment_plans.disputes.rules import Stage
from repayment_plans.models import Dispute, Reminder, ReminderKind
from repayment_plans.reminders import engine as reminders
from tests.factories import DebtFactory
from tests.repayment_plans.test_letter_pdf import pdf_text

K = ReminderKind
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def make_dispute(debt, **fields) -> Dispute:
    values = {
        "borrower": debt.borrower,
        "debt": debt,
        "addressee": Dispute.Addressee.CREDIT_CENTER,
        "problem": Dispute.Problem.PAID_ON_TIME,
        "entry_month": date(2025, 3, 1),
        "shown": "2025-03 逾期1（1-30天）",
        "should_be": "N（2025-03-09 按时还款）",
        "reason": "2025年3月9日已按时足额还款，有银行转账回单为证。",
        "evidence": "银行转账回单 2025-03-09\n\n贷款机构还款成功短信",
    }
    values.update(fields)
    return Dispute.objects.create(**values)


def form_data(debt, **fields) -> dict:
    data = {
        "debt": str(debt.pk),
        "problem": "paid_on_time",
        "entry_month": "2025-03",
        "shown": "2025-03: 1",
        "should_be": "N",
        "reason": "Paid on 2025-03-09 by bank transfer.",
        "evidence": "Bank transfer receipt",
        "addressee": "credit_center",
        "addressee_detail": "",
        "filed_on": "",
        "reply_on": "",
        "outcome": "",
        "reply_note": "",
        "complaint_on": "",
        "complaint_office": "",
        "complaint_reply_on": "",
    }
    data.update(fields)
    return data


# Deadlines ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filed", "due"),
    [
        (date(2026, 11, 30), date(2026, 12, 20)),  # the day of filing is not counted
        (date(2026, 1, 25), date(2026, 2, 14)),  # across a month end
        (date(2026, 12, 20), date(2027, 1, 9)),  # across a year end
        (date(2028, 2, 15), date(2028, 3, 6)),  # February of a leap year: 29 days
        (date(2027, 2, 15), date(2027, 3, 7)),  # February of a common year: 28 days
    ],
)
def test_the_written_reply_is_due_20_calendar_days_after_filing(filed, due):
    assert disputes.reply_due(filed) == due


def test_a_complaint_reply_is_due_30_calendar_days_after_the_complaint():
    assert disputes.complaint_reply_due(date(2026, 12, 21)) == date(2027, 1, 20)
    assert disputes.complaint_reply_due(date(2027, 2, 1)) == date(2027, 3, 3)


def test_a_record_is_kept_5_years_from_the_day_the_overdue_ended():
    assert disputes.record_kept_until(date(2025, 7, 20)) == date(2030, 7, 20)
    assert disputes.record_kept_until(date(2024, 2, 29)) == date(2029, 2, 28)


def stage_on(today, **fields):
    values = {
        "filed_on": None,
        "reply_on": None,
        "outcome": "",
        "complaint_on": None,
        "complaint_reply_on": None,
    }
    values.update(fields)
    return disputes.stage(today=today, **values)


def test_stages_from_draft_to_the_complaint():
    filed = date(2026, 11, 30)
    assert stage_on(filed) == Stage.DRAFT
    assert stage_on(date(2026, 12, 20), filed_on=filed) == Stage.AWAITING_REPLY  # due day
    assert stage_on(date(2026, 12, 21), filed_on=filed) == Stage.REPLY_OVERDUE
    assert stage_on(date(2026, 12, 10), filed_on=filed, outcome="corrected") == Stage.CORRECTED
    assert stage_on(date(2026, 12, 10), filed_on=filed, outcome="upheld") == Stage.UPHELD
    complaint = date(2026, 12, 22)
    assert stage_on(date(2027, 1, 21), filed_on=filed, complaint_on=complaint) == (
        Stage.COMPLAINT_PENDING
    )
    assert stage_on(date(2027, 1, 22), filed_on=filed, complaint_on=complaint) == (
        Stage.COMPLAINT_OVERDUE
    )
    answered = stage_on(
        date(2027, 1, 22), filed_on=filed, complaint_on=complaint, complaint_reply_on=complaint
    )
    assert answered == Stage.COMPLAINT_ANSWERED


def test_the_complaint_is_suggested_only_when_the_reply_failed():
    suggested = {s for s in Stage if disputes.complaint_suggested(s)}
    assert suggested == {Stage.REPLY_OVERDUE, Stage.UPHELD, Stage.NO_REPLY}


# Reminders -----------------------------------------------------------------------------


@pytest.fixture
def filed(huabei_debt):
    return make_dispute(huabei_debt, filed_on=date(2026, 11, 30))


def kinds_on(day):
    reminders.sweep(day, enqueue=False)
    return sorted(Reminder.objects.filter(on_date=day).values_list("kind", flat=True))


def dispute_kinds_on(day):
    return [k for k in kinds_on(day) if k in (K.DISPUTE_DUE, K.DISPUTE_IN_3_DAYS, K.COMPLAINT_DUE)]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 12, 16), []),
        (date(2026, 12, 17), [K.DISPUTE_IN_3_DAYS]),
        (date(2026, 12, 18), []),
        (date(2026, 12, 19), []),  # the day before: nothing
        (date(2026, 12, 20), [K.DISPUTE_DUE]),
        (date(2026, 12, 21), []),
    ],
)
def test_dispute_reminders_on_their_exact_days(filed, day, expected):
    assert dispute_kinds_on(day) == expected


def test_the_due_day_reminder_points_to_the_dispute(filed):
    reminders.sweep(date(2026, 12, 20), enqueue=False)
    reminder = Reminder.objects.get(kind=K.DISPUTE_DUE)
    assert reminder.user == filed.borrower.user
    assert reminder.subject == f"dispute:{filed.pk}"
    assert reminder.link == reverse("dispute_detail", args=[filed.pk])
    assert reminder.context == {"debt": "花呗", "due": "2026-12-20"}


def test_a_second_sweep_adds_no_duplicate(filed):
    day = date(2026, 12, 20)
    reminders.sweep(day, enqueue=False)
    reminders.sweep(day, enqueue=False)
    assert Reminder.objects.filter(kind=K.DISPUTE_DUE, on_date=day).count() == 1


def test_no_reminder_once_a_reply_is_recorded(filed):
    filed.reply_on = date(2026, 12, 15)
    filed.outcome = Dispute.Outcome.CORRECTED
    filed.save()
    assert dispute_kinds_on(date(2026, 12, 17)) == []
    assert dispute_kinds_on(date(2026, 12, 20)) == []


def test_no_reminder_for_a_dispute_not_submitted(huabei_debt):
    make_dispute(huabei_debt)
    assert dispute_kinds_on(date(2026, 12, 20)) == []


def test_the_complaint_reply_reminder_30_days_after_the_complaint(filed):
    filed.complaint_on = date(2026, 12, 22)
    filed.save()
    assert dispute_kinds_on(date(2027, 1, 20)) == []
    assert dispute_kinds_on(date(2027, 1, 21)) == [K.COMPLAINT_DUE]
    filed.complaint_reply_on = date(2027, 1, 21)
    filed.save()
    Reminder.objects.all().delete()
    assert dispute_kinds_on(date(2027, 1, 21)) == []


def test_the_reminder_is_emailed_and_listed_in_the_app(filed, alice, alice_client, mailoutbox):
    alice.user.language = "en"
    alice.user.save()
    reminders.sweep(date(2026, 12, 20), enqueue=False)
    reminder = Reminder.objects.get(kind=K.DISPUTE_DUE)
    assert reminders.send_reminder(reminder.pk) == "sent"
    [message] = mailoutbox
    assert "dispute about 花呗 is due today, 2026-12-20" in message.subject
    assert reverse("dispute_detail", args=[filed.pk]) in message.body
    html = alice_client.get(reverse("notifications"), **EN).content.decode()
    assert 'data-kind="dispute_due"' in html
    assert "complain to the local PBOC branch" in html


def test_the_dispute_reminders_can_be_switched_off(alice_client):
    html = alice_client.get(reverse("notification_preferences"), **EN).content.decode()
    assert 'name="email:dispute_due"' in html and 'name="in_app:dispute_in_3_days"' in html


# Pages ---------------------------------------------------------------------------------


def test_a_dispute_is_created_from_the_debt_and_shows_its_due_date(
    alice_client, huabei_debt, today
):
    url = reverse("dispute_create") + f"?debt={huabei_debt.pk}"
    page = alice_client.get(url, **EN)
    assert page.status_code == 200
    assert f'<option value="{huabei_debt.pk}" selected>' in page.content.decode()
    filed_on = today - timedelta(days=2)
    response = alice_client.post(
        reverse("dispute_create"), form_data(huabei_debt, filed_on=filed_on.isoformat()), **EN
    )
    dispute = Dispute.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("dispute_detail", args=[dispute.pk])
    assert (dispute.borrower, dispute.entry_month) == (huabei_debt.borrower, date(2025, 3, 1))
    html = alice_client.get(response["Location"], **EN).content.decode()
    due = (filed_on + timedelta(days=20)).isoformat()
    assert f'<time datetime="{due}" data-due="reply">{due}</time>' in html
    assert "Waiting for the written reply" in html
    listing = alice_client.get(reverse("dispute_list"), **EN).content.decode()
    assert reverse("dispute_detail", args=[dispute.pk]) in listing


def test_an_overdue_reply_leads_to_the_pboc_branch(alice_client, huabei_debt, today):
    dispute = make_dispute(huabei_debt, filed_on=today - timedelta(days=21))
    html = alice_client.get(reverse("dispute_detail", args=[dispute.pk]), **EN).content.decode()
    assert "Reply overdue" in html
    assert "complain in writing to the PBOC branch" in html
    assert reverse("guide_section", args=["complaints"]) in html


def test_an_upheld_accurate_record_says_when_it_is_deleted(alice_client, alice, today):
    debt = DebtFactory(
        borrower=alice, first_missed_date=date(2024, 1, 10), cleared_on=date(2024, 6, 30)
    )
    dispute = make_dispute(
        debt, filed_on=today - timedelta(days=30), reply_on=today, outcome="upheld"
    )
    html = alice_client.get(reverse("dispute_detail", args=[dispute.pk]), **EN).content.decode()
    assert "It is deleted on 2029-06-30, 5 years after the overdue ended." in html


def test_progress_is_recorded_on_the_edit_page(alice_client, huabei_debt, today):
    dispute = make_dispute(huabei_debt, filed_on=today - timedelta(days=10))
    data = form_data(
        huabei_debt,
        filed_on=dispute.filed_on.isoformat(),
        reply_on=today.isoformat(),
        outcome="corrected",
    )
    response = alice_client.post(reverse("dispute_edit", args=[dispute.pk]), data)
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert (dispute.reply_on, dispute.outcome) == (today, "corrected")
    assert dispute.stage(today) == Stage.CORRECTED


# Bad input: a message next to the field, nothing saved ----------------------------------


def field_errors(response, name) -> str:
    """The error list inside the field's own block (up to the next field), or ""."""
    html = response.content.decode()
    start = html.index(f'id="field-{name}"')
    end = html.find('id="field-', start + 1)
    block = html[start : end if end != -1 else len(html)]
    _before, found, errors = block.partition('class="field-errors"')
    return errors.split("</ul>", 1)[0] if found else ""


@pytest.mark.parametrize(
    ("field", "changes", "message"),
    [
        ("filed_on", {"filed_on": "FUTURE"}, "not a future date"),
        (
            "reply_on",
            {"filed_on": "PAST10", "reply_on": "PAST20", "outcome": "corrected"},
            "The reply cannot come before the dispute was filed.",
        ),
        ("reply_on", {"reply_on": "PAST10", "outcome": "upheld"}, "submitted the dispute first"),
        ("outcome", {"filed_on": "PAST10", "outcome": "no_reply"}, "wait until that day"),
        ("reason", {"reason": "<script>alert(1)</script>"}, "Please remove the characters"),
        ("shown", {"shown": '"><img src=x onerror=alert(1)>'}, "Please remove the characters"),
        ("entry_month", {"entry_month": "FUTUREMONTH"}, "cannot be in the future"),
        ("entry_month", {"entry_month": "2025-13"}, "Enter a valid date"),
        ("problem", {"problem": "too_old"}, "not marked as repaid"),
        ("complaint_on", {"complaint_on": "PAST10"}, "submitted the dispute first"),
        ("shown", {"shown": ""}, "Please fill in “What the report shows”."),
    ],
)
def test_bad_input_is_answered_next_to_the_field_and_nothing_is_saved(
    alice_client, huabei_debt, today, field, changes, message
):
    values = {
        "FUTURE": (today + timedelta(days=1)).isoformat(),
        "FUTUREMONTH": (today.replace(day=1) + timedelta(days=32)).strftime("%Y-%m"),
        "PAST10": (today - timedelta(days=10)).isoformat(),
        "PAST20": (today - timedelta(days=20)).isoformat(),
    }
    data = form_data(huabei_debt, **{k: values.get(v, v) for k, v in changes.items()})
    response = alice_client.post(reverse("dispute_create"), data, **EN)
    assert response.status_code == 422
    assert message in field_errors(response, field)
    assert not Dispute.objects.exists()


def test_a_too_old_claim_is_refused_while_the_5_years_run(alice_client, alice, today):
    debt = DebtFactory(borrower=alice, first_missed_date=date(2024, 1, 10), cleared_on=today)
    data = form_data(debt, problem="too_old")
    response = alice_client.post(reverse("dispute_create"), data, **EN)
    assert response.status_code == 422
    until = disputes.record_kept_until(today).isoformat()
    assert f"may lawfully be kept until {until}" in field_errors(response, "problem")
    assert not Dispute.objects.exists()


def test_a_too_old_claim_is_accepted_after_the_5_years(alice_client, alice, today):
    debt = DebtFactory(
        borrower=alice, first_missed_date=date(2018, 5, 1), cleared_on=date(2018, 12, 1)
    )
    response = alice_client.post(
        reverse("dispute_create"), form_data(debt, problem="too_old", entry_month="2018-06")
    )
    assert response.status_code == 302
    assert Dispute.objects.get().problem == "too_old"


def test_another_borrowers_debt_cannot_be_chosen(alice_client, bob):
    bobs_debt = DebtFactory(borrower=bob)
    response = alice_client.post(reverse("dispute_create"), form_data(bobs_debt), **EN)
    assert response.status_code == 422
    assert "Select a valid choice" in field_errors(response, "debt")
    assert not Dispute.objects.exists()
    assert alice_client.get(reverse("dispute_create") + f"?debt={bobs_debt.pk}").status_code == 404
    assert alice_client.get(reverse("dispute_create") + "?debt=x").status_code == 404


def test_a_bad_edit_changes_nothing(alice_client, huabei_debt, today):
    dispute = make_dispute(huabei_debt, filed_on=today - timedelta(days=3))
    data = form_data(
        huabei_debt,
        filed_on=(today + timedelta(days=5)).isoformat(),
        reason="<b>changed</b>",
    )
    response = alice_client.post(reverse("dispute_edit", args=[dispute.pk]), data, **EN)
    assert response.status_code == 422
    assert "Please remove the characters" in field_errors(response, "reason")
    assert "not a future date" in field_errors(response, "filed_on")
    before = dispute.reason
    dispute.refresh_from_db()
    assert (dispute.filed_on, dispute.reason) == (today - timedelta(days=3), before)


# The application PDF ------------------------------------------------------------------


@pytest.fixture
def named_alice(alice):
    alice.display_name = "李堃"
    alice.phone = "13800138000"
    alice.save()
    return alice


def test_the_application_pdf_states_the_entry_the_addressee_and_the_20_day_rule(
    named_alice, alice_client, huabei_debt, tmp_path, caplog
):
    dispute = make_dispute(huabei_debt, filed_on=date(2026, 11, 30))
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        response = alice_client.get(reverse("dispute_pdf", args=[dispute.pk]), **EN)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="dispute-{dispute.pk}.pdf"' in response["Content-Disposition"]
    assert not [r for r in caplog.records if ".notdef" in r.getMessage()]
    text = pdf_text(response.content, tmp_path)
    for expected in (
        "中国人民银行征信中心",  # the addressee
        "李堃",
        "13800138000",
        "重庆蚂蚁消费金融",  # the lender
        "HB-2026-001",
        "2025-03逾期1（1-30天）",  # the entry, as the report shows it
        "N（2025-03-09按时还款）",
        "2025年3月9日已按时足额还款",
        "银行转账回单2025-03-09",
        "第二十五条",
        "自收到异议之日起20日内",
        "第二十六条",
        "30日内书面答复投诉人",
        "本人身份证复印件",  # Chinese although the borrower browses in English
        "2026-11-30",
        "第1页",
    ):
        assert expected in text, expected


def test_an_application_to_the_lender_is_addressed_to_it(alice_client, huabei_debt, tmp_path):
    dispute = make_dispute(
        huabei_debt, addressee=Dispute.Addressee.LENDER, addressee_detail="客户服务中心"
    )
    response = alice_client.get(reverse("dispute_pdf", args=[dispute.pk]))
    text = pdf_text(response.content, tmp_path)
    assert "重庆蚂蚁消费金融（客户服务中心）" in text
    assert "中国人民银行征信中心" not in text


def test_the_application_embeds_the_font_subset(alice_client, huabei_debt, tmp_path):
    if not shutil.which("pdffonts"):
        pytest.fail("pdffonts (poppler-utils) is needed; make test installs it")
    dispute = make_dispute(huabei_debt)
    path = tmp_path / "dispute.pdf"
    path.write_bytes(alice_client.get(reverse("dispute_pdf", args=[dispute.pk])).content)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    embedded = [line for line in fonts.splitlines() if "Noto-Sans-SC-Subset" in line]
    assert len(embedded) == 2  # regular and bold
    assert all(" yes yes " in line for line in embedded)
    assert len(fonts.splitlines()) == 2 + 2  # the two header lines, and no other font


def test_unprintable_characters_become_a_marker_and_a_warning_not_an_error(
    alice_client, huabei_debt
):
    # U+20000 (CJK Extension B) is in no font of the PDF; 𪚥 is in the supplement.
    dispute = make_dispute(huabei_debt, reason="经办人王𠀀说已处理，𪚥也一样")
    response = alice_client.get(reverse("dispute_pdf", args=[dispute.pk]), **EN)
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    page = alice_client.get(reverse("dispute_detail", args=[dispute.pk]), **EN).content.decode()
    assert "were replaced with □: 𠀀" in page
    assert "𪚥" not in page.split("were replaced with □:")[1].split("<")[0]


# Access ----------------------------------------------------------------------------------


@pytest.fixture
def alices_dispute(huabei_debt, today):
    return make_dispute(huabei_debt, filed_on=today - timedelta(days=3))


def test_bob_gets_a_404_on_alices_dispute(bob_client, alices_dispute, huabei_debt):
    pk = alices_dispute.pk
    for name in ("dispute_detail", "dispute_edit", "dispute_pdf"):
        assert bob_client.get(reverse(name, args=[pk])).status_code == 404, name
    response = bob_client.post(reverse("dispute_edit", args=[pk]), form_data(huabei_debt))
    assert response.status_code == 404
    listing = bob_client.get(reverse("dispute_list")).content.decode()
    assert reverse("dispute_detail", args=[pk]) not in listing
    alices_dispute.refresh_from_db()
    assert alices_dispute.shown == "2025-03 逾期1（1-30天）"


def test_a_counselor_sees_a_dispute_only_with_the_borrowers_grant(
    client, charlie, alice, alices_dispute
):
    client.force_login(charlie.user)
    detail = reverse("counselor_dispute", args=[alice.pk, alices_dispute.pk])
    pdf = reverse("counselor_dispute_pdf", args=[alice.pk, alices_dispute.pk])
    assert client.get(detail).status_code == 404
    assert client.get(pdf).status_code == 404
    # The borrower's own pages are not the counselor's way in either.
    own = client.get(reverse("dispute_detail", args=[alices_dispute.pk]))
    assert own.status_code == 302 and "逾期" not in own.content.decode()

    grant = AccessGrant.objects.create(borrower=alice, counselor=charlie)
    caseload_page = client.get(reverse("counselor_borrower", args=[alice.pk])).content.decode()
    assert f'href="{detail}"' in caseload_page
    page = client.get(detail, **EN)
    assert page.status_code == 200
    html = page.content.decode()
    assert "2025-03 逾期1（1-30天）" in html
    assert reverse("dispute_edit", args=[alices_dispute.pk]) not in html  # read-only
    assert client.get(pdf).content.startswith(b"%PDF")
    assert AccessEvent.objects.filter(
        borrower=alice, counselor=charlie, detail=f"dispute {alices_dispute.pk}"
    ).exists()
    # The download is in the borrower's access history too.
    assert AccessEvent.objects.filter(
        borrower=alice,
        counselor=charlie,
        action=AccessEvent.Action.VIEW,
        detail=f"dispute {alices_dispute.pk} PDF",
    ).exists()

    grant.revoked_at = grant.granted_at
    grant.save()
    assert client.get(detail).status_code == 404


def test_a_granted_counselor_cannot_reach_another_borrowers_dispute_through_hers(
    client, charlie, alice, bob, alices_dispute
):
    bobs = make_dispute(DebtFactory(borrower=bob))
    AccessGrant.objects.create(borrower=alice, counselor=charlie)
    client.force_login(charlie.user)
    assert client.get(reverse("counselor_dispute", args=[alice.pk, bobs.pk])).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, alices_dispute):
    for url in (
        reverse("dispute_list"),
        reverse("dispute_create"),
        reverse("dispute_detail", args=[alices_dispute.pk]),
        reverse("dispute_pdf", args=[alices_dispute.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
