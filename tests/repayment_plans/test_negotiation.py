"""The negotiation log per lender, the lender page, an agreement by phone
becoming a plan, evidence files, and the log in My data (docs/domain.md §7)."""

import io
import json
import zipfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from borrowers.data_rights import sections as data_rights
from borrowers.models import AccessGrant, CollectionContact
from repayment_plans.models import (
    LenderAnswer,
    NegotiationAttachment,
    NegotiationContact,
    Plan,
    Proposal,
    Reminder,
    ReminderKind,
)
from repayment_plans.negotiation import attachments
from repayment_plans.negotiation.forms import NegotiationContactForm
from repayment_plans.plans import services as plan_services
from repayment_plans.proposals import services as proposal_services
from repayment_plans.reminders import engine as reminders
from tests.factories import PASSWORD, DebtFactory, profile
from tests.repayment_plans.conftest import make_proposal

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
M4A = b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00" + b"\x00" * 32
PDF = b"%PDF-1.7\n" + b"%" * 32


def when(days_ago=1):
    return (timezone.localtime() - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M")


def post_data(**extra):
    data = {
        "occurred_at": when(),
        "channel": "hotline",
        "agent": "工号 A1023",
        "asked": "停息挂账，12期每期500元",
        "outcome": "no_offer",
        "interest_continues": "unknown",
        "penalties_continue": "unknown",
        "form_key": "key-1",
    }
    data.update(extra)
    return data


def offer(**extra):
    values = {
        "outcome": "offer",
        "offer_monthly": "5000",
        "offer_months": "2",
        "offer_first_due": plan_services.next_month_first(timezone.localdate()).isoformat(),
        "interest_continues": "yes",
        "penalties_continue": "yes",
    }
    values.update(extra)
    return post_data(**values)


def agreed(**extra):
    values = {
        "outcome": "agreed",
        "offer_monthly": "500",
        "offer_months": "12",
        "offer_first_due": plan_services.next_month_first(timezone.localdate()).isoformat(),
        "interest_continues": "no",
        "penalties_continue": "no",
    }
    values.update(extra)
    return post_data(**values)


@pytest.fixture
def lender(huabei_debt):
    return huabei_debt.lender_name


@pytest.fixture
def lender_url(lender):
    return reverse("lender_detail", args=[lender])


@pytest.fixture
def create_url(lender):
    return reverse("negotiation_create", args=[lender])


def make_contact(borrower, lender, **extra):
    values = {
        "borrower": borrower,
        "lender_name": lender,
        "occurred_at": timezone.now() - timedelta(days=2),
        "channel": NegotiationContact.Channel.HOTLINE,
        "asked": "协商分期",
    }
    values.update(extra)
    return NegotiationContact.objects.create(**values)


def attach(contact, content=PNG, name="shot.png"):
    from repayment_plans.negotiation import services

    upload = SimpleUploadedFile(name, content)
    return services.add_attachment(contact, upload, attachments.sniff(content))


def stored_path(attachment) -> Path:
    return Path(default_storage.path(attachment.file.name))


# The form ------------------------------------------------------------------


def bound_form(alice, lender, data, files=None):
    return NegotiationContactForm(data, files, borrower=alice, lender=lender, now=timezone.now())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("offer_monthly", "abc"),
        ("offer_monthly", "-5"),
        ("offer_monthly", "0"),
        ("offer_monthly", "1.005"),
        ("offer_fees", "20000000000"),
        ("offer_months", "0"),
        ("offer_months", "121"),
    ],
)
def test_bad_amounts_are_refused_next_to_the_field(alice, lender, field, value):
    form = bound_form(alice, lender, offer(**{field: value}))
    assert not form.is_valid()
    assert field in form.errors


@pytest.mark.django_db
def test_amounts_are_read_as_people_type_them(alice, lender):
    form = bound_form(alice, lender, offer(offer_monthly="¥1,200", offer_waived="1万"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["offer_monthly"] == Decimal("1200.00")
    assert form.cleaned_data["offer_waived"] == Decimal("10000.00")


@pytest.mark.django_db
def test_an_agreement_needs_its_terms(alice, lender):
    form = bound_form(alice, lender, agreed(offer_first_due="", offer_months=""))
    assert not form.is_valid()
    assert {"offer_first_due", "offer_months"} <= set(form.errors)


@pytest.mark.django_db
def test_a_contact_in_the_future_is_refused(alice, lender):
    future = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    form = bound_form(alice, lender, post_data(occurred_at=future))
    assert "occurred_at" in bound_form(alice, lender, post_data(occurred_at=future)).errors
    assert not form.is_valid()


def test_sniffing_tells_the_kinds_apart():
    assert attachments.sniff(PNG).kind == attachments.SCREENSHOT
    assert attachments.sniff(b"\xff\xd8\xff\xe0" + b"\x00" * 12).content_type == "image/jpeg"
    assert attachments.sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ").content_type == "image/webp"
    assert attachments.sniff(b"\x00\x00\x00\x18ftypheic\x00\x00").content_type == "image/heic"
    assert attachments.sniff(M4A).kind == attachments.RECORDING
    assert attachments.sniff(b"ID3\x04\x00" + b"\x00" * 11).content_type == "audio/mpeg"
    assert attachments.sniff(b"\xff\xfb\x90\x00").content_type == "audio/mpeg"
    assert attachments.sniff(b"#!AMR\n").content_type == "audio/amr"
    assert attachments.sniff(b"RIFF\x00\x00\x00\x00WAVEfmt ").content_type == "audio/wav"
    assert attachments.sniff(b"\xff\xf1\x50\x80").content_type == "audio/aac"
    assert attachments.sniff(PDF).kind == attachments.DOCUMENT
    for head in (b"hello, this is text", b"<svg xmlns=", b"PK\x03\x04", b"", b"\xff"):
        assert attachments.sniff(head) is None


@pytest.mark.django_db
def test_a_text_file_named_png_is_refused_and_nothing_saved(
    alice_client, alice, lender, create_url
):
    fake = SimpleUploadedFile("proof.png", b"just some text, not a picture", "image/png")
    response = alice_client.post(create_url, {**post_data(), "evidence": fake})
    assert response.status_code == 200
    errors = response.context["form"].errors["evidence"]
    assert "PNG" in errors[0]
    assert not NegotiationContact.objects.exists()
    assert not NegotiationAttachment.objects.exists()


@pytest.mark.django_db
def test_an_oversize_upload_is_refused(alice, lender, monkeypatch):
    monkeypatch.setattr(attachments, "IMAGE_MAX_BYTES", 1000)
    monkeypatch.setitem(attachments.MAX_BYTES, attachments.SCREENSHOT, 1000)
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * 2000, "image/png")
    with translation.override("en"):
        form = bound_form(alice, lender, post_data(), {"evidence": big})
        assert not form.is_valid()
        assert "limit" in form.errors["evidence"][0]
    small = SimpleUploadedFile("small.png", PNG, "image/png")
    assert bound_form(alice, lender, post_data(), {"evidence": small}).is_valid()


def test_the_size_limits_are_named():
    assert attachments.IMAGE_MAX_BYTES == 10 * 1024 * 1024
    assert attachments.PDF_MAX_BYTES == 10 * 1024 * 1024
    assert attachments.RECORDING_MAX_BYTES == 30 * 1024 * 1024


@pytest.mark.django_db
def test_an_oversize_recording_is_refused_by_the_view(
    alice_client, lender, create_url, monkeypatch
):
    monkeypatch.setitem(attachments.MAX_BYTES, attachments.RECORDING, 100)
    big = SimpleUploadedFile("call.m4a", M4A + b"\x00" * 200, "audio/mp4")
    response = alice_client.post(create_url, {**post_data(), "evidence": big})
    assert response.status_code == 200
    assert "evidence" in response.context["form"].errors
    assert not NegotiationContact.objects.exists()


# The log: full page and inline ------------------------------------------------------------------


@pytest.mark.django_db
def test_full_page_flow_records_a_contact_with_its_file(
    alice_client, alice, lender, lender_url, create_url
):
    page = alice_client.get(create_url)
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()
    upload = SimpleUploadedFile("截图.png", PNG, "text/plain")  # the browser's type is ignored
    response = alice_client.post(create_url, {**post_data(), "evidence": upload})
    contact = NegotiationContact.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{lender_url}#contact-{contact.pk}"
    assert contact.borrower == alice and contact.lender_name == lender
    assert contact.agent == "工号 A1023"
    attachment = contact.attachments.get()
    assert attachment.content_type == "image/png" and attachment.kind == "screenshot"
    assert attachment.original_name == "截图.png"
    assert attachment.file.name.startswith(f"negotiation/{alice.pk}/{contact.pk}/")
    assert attachment.file.name.endswith(".png")
    assert stored_path(attachment).read_bytes() == PNG
    page = alice_client.get(lender_url).content.decode()
    assert "工号 A1023" in page and "截图.png" in page


@pytest.mark.django_db
def test_an_offer_shows_the_verdict_and_the_counter_after_saving(
    alice_client, alice, lender, lender_url, create_url
):
    response = alice_client.post(create_url, offer(), follow=True)
    body = response.content.decode()
    assert 'data-verdict="does_not_fit"' in body
    assert "verdict-counter" in body  # what to propose instead
    contact = NegotiationContact.objects.get()
    assert contact.outcome == "offer" and contact.offer_monthly == Decimal("5000.00")
    assert not Plan.objects.exists()


@pytest.mark.django_db
def test_an_offer_that_fits_says_so(alice_client, alice, lender, lender_url, create_url):
    alice_client.post(
        create_url,
        offer(
            offer_monthly="500",
            offer_months="12",
            interest_continues="no",
            penalties_continue="no",
        ),
    )
    body = alice_client.get(lender_url).content.decode()
    assert 'data-verdict="fits"' in body


@pytest.mark.django_db
def test_the_preview_judges_the_offer_while_typing(alice_client, lender):
    url = reverse("negotiation_preview", args=[lender])
    response = alice_client.get(url, offer(), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'data-verdict="does_not_fit"' in response.content.decode()
    empty = alice_client.get(url, post_data(), HTTP_HX_REQUEST="true").content.decode()
    assert "data-verdict" not in empty


@pytest.mark.django_db
def test_inline_create_returns_the_log_and_the_state(alice_client, lender, lender_url, create_url):
    form = alice_client.get(create_url, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=lender_url)
    assert "<html" not in form.content.decode()
    response = alice_client.post(
        create_url, post_data(), HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=lender_url
    )
    body = response.content.decode()
    contact = NegotiationContact.objects.get()
    assert response.status_code == 200
    assert 'id="negotiation-log"' in body and f'id="contact-{contact.pk}"' in body
    assert 'id="state"' in body and 'hx-swap-oob="true"' in body


@pytest.mark.django_db
def test_inline_errors_come_back_in_place_and_nothing_is_saved(
    alice_client, lender_url, create_url
):
    response = alice_client.post(
        create_url,
        post_data(asked="", offer_monthly="abc"),
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=lender_url,
    )
    body = response.content.decode()
    assert response.status_code == 200 and "field-errors" in body and "<html" not in body
    assert not NegotiationContact.objects.exists()


@pytest.mark.django_db
def test_edit_and_delete_remove_the_files(alice_client, alice, lender, lender_url):
    contact = make_contact(alice, lender)
    attachment = attach(contact)
    path = stored_path(attachment)
    assert path.exists()
    edit = reverse("negotiation_edit", args=[contact.pk])
    assert alice_client.get(edit).status_code == 200
    response = alice_client.post(edit, post_data(agent="李经理"))
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.agent == "李经理"
    delete = reverse("negotiation_delete", args=[contact.pk])
    assert alice_client.get(delete).status_code == 200
    with_commit = alice_client.post(delete)
    assert with_commit.status_code == 302
    assert not NegotiationContact.objects.exists()
    assert not NegotiationAttachment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_deleting_a_contact_deletes_its_files_from_storage(
    seeded_profiles, alice_client, alice, huabei_debt
):
    contact = make_contact(alice, huabei_debt.lender_name)
    path = stored_path(attach(contact))
    assert path.exists()
    alice_client.post(reverse("negotiation_delete", args=[contact.pk]))
    assert not path.exists()


# Agreement by phone → plan ------------------------------------------------------------------


@pytest.mark.django_db
def test_an_agreement_by_phone_creates_one_plan_with_channel_and_agent(
    alice_client, alice, huabei_debt, lender, lender_url, create_url
):
    response = alice_client.post(create_url, agreed())
    assert response.status_code == 302
    again = alice_client.post(create_url, agreed())  # a double submit: the same form key
    assert again.status_code == 302
    assert NegotiationContact.objects.count() == 1
    plan = Plan.objects.get()
    contact = NegotiationContact.objects.get()
    assert contact.proposal == plan.proposal
    assert plan.principal == Decimal("6000.00") and plan.months == 12
    assert set(plan.proposal.debts.all()) == {huabei_debt}
    assert plan.proposal.status == Proposal.Status.ACCEPTED
    answer = LenderAnswer.objects.get()
    assert answer.kind == "accepted" and answer.channel == "hotline"
    assert answer.agent == "工号 A1023"
    assert answer.answered_on == timezone.localdate() - timedelta(days=1)
    assert {i.amount for i in plan.installments.all()} == {Decimal("500.00")}
    # No SMS, no screenshot: both pages ask for written confirmation.
    plan_page = alice_client.get(reverse("plan_detail", args=[plan.pk])).content.decode()
    assert "ask-confirmation" in plan_page and "工号 A1023" in plan_page
    assert "ask-confirmation" in alice_client.get(lender_url).content.decode()


@pytest.mark.django_db
def test_a_second_agreement_with_another_key_is_refused(alice_client, create_url):
    alice_client.post(create_url, agreed())
    response = alice_client.post(create_url, agreed(form_key="key-2"))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Plan.objects.count() == 1 and NegotiationContact.objects.count() == 1


@pytest.mark.django_db
def test_an_agreement_with_the_sms_needs_no_confirmation(alice_client, lender_url, create_url):
    alice_client.post(create_url, agreed(sms_text="【花呗】您的协商分期已通过：12期，每期500元。"))
    plan = Plan.objects.get()
    assert (
        "ask-confirmation"
        not in alice_client.get(reverse("plan_detail", args=[plan.pk])).content.decode()
    )
    assert "ask-confirmation" not in alice_client.get(lender_url).content.decode()


@pytest.mark.django_db
def test_an_agreement_answers_the_letter_waiting_for_it(
    alice_client, alice, huabei_debt, today, create_url
):
    proposal = make_proposal([huabei_debt], months=6)
    proposal_services.finalise(proposal, today, "zh-hans")
    alice_client.post(create_url, agreed())
    plan = Plan.objects.get()
    assert plan.proposal == proposal and plan.months == 12
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.COUNTERED
    answer = proposal.answers.get()
    assert answer.counter_accepted and answer.channel == "hotline"


@pytest.mark.django_db
def test_an_agreed_contact_keeps_its_terms_when_edited(alice_client, create_url):
    alice_client.post(create_url, agreed())
    contact = NegotiationContact.objects.get()
    response = alice_client.post(
        reverse("negotiation_edit", args=[contact.pk]),
        agreed(offer_monthly="1", offer_months="99", sms_text="短信确认"),
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.offer_monthly == Decimal("500.00") and contact.sms_text == "短信确认"
    assert Plan.objects.count() == 1


@pytest.mark.django_db
def test_a_reminder_asks_for_written_confirmation(alice, huabei_debt, create_url, alice_client):
    alice_client.post(create_url, agreed())
    contact = NegotiationContact.objects.get()
    day = timezone.localdate(contact.occurred_at) + timedelta(days=1)
    reminders.sweep(day, enqueue=False)
    reminder = Reminder.objects.get(kind=ReminderKind.CONFIRMATION)
    assert reminder.user == alice.user and reminder.subject == f"negotiation:{contact.pk}"
    assert huabei_debt.lender_name in reminders.reminder_title(reminder)
    attach(contact)
    Reminder.objects.all().delete()
    reminders.sweep(day, enqueue=False)
    assert not Reminder.objects.filter(kind=ReminderKind.CONFIRMATION).exists()


# The lender page ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_lender_page_shows_debts_channels_script_and_both_logs(
    alice_client, alice, huabei_debt, lender, lender_url
):
    CollectionContact.objects.create(
        borrower=alice,
        debt=huabei_debt,
        occurred_at=timezone.now() - timedelta(hours=3),
        channel=CollectionContact.Channel.CALL,
        who="催收员小王",
    )
    make_contact(alice, lender, agent="客服 007")
    response = alice_client.get(lender_url)
    body = response.content.decode()
    assert response.status_code == 200
    assert huabei_debt.label in body
    assert reverse("lender_script", args=[lender]) in body
    assert "催收员小王" in body and "客服 007" in body
    assert "lender-columns" in body and "next-step" in body
    assert reverse("plan_overview") in body  # no proposal yet: the letter starts there


@pytest.mark.django_db
def test_the_lender_page_is_linked_from_the_debt_page_and_the_dashboard(
    alice_client, huabei_debt, lender_url
):
    assert (
        lender_url
        in alice_client.get(reverse("debt_detail", args=[huabei_debt.pk])).content.decode()
    )
    assert lender_url in alice_client.get(reverse("dashboard")).content.decode()


@pytest.mark.django_db
def test_a_lender_name_with_a_slash_has_a_page(alice_client, alice):
    debt = DebtFactory(borrower=alice, lender_name="招行/信用卡 100%")
    url = reverse("lender_detail", args=[debt.lender_name])
    assert alice_client.get(url).status_code == 200
    assert alice_client.get(reverse("dashboard")).status_code == 200


# Access ------------------------------------------------------------------


@pytest.fixture
def alices_contact(alice, huabei_debt):
    contact = make_contact(alice, huabei_debt.lender_name, agent="秘密工号 X9")
    attach(contact)
    return contact


@pytest.mark.django_db
def test_another_borrower_gets_404_everywhere(bob_client, bob, alices_contact, lender):
    attachment = alices_contact.attachments.get()
    for url in (
        reverse("lender_detail", args=[lender]),  # Bob has no debt with this lender
        reverse("negotiation_create", args=[lender]),
        reverse("negotiation_preview", args=[lender]),
        reverse("negotiation_edit", args=[alices_contact.pk]),
        reverse("negotiation_delete", args=[alices_contact.pk]),
        reverse("negotiation_attachment", args=[attachment.pk]),
        reverse("counselor_lender", args=[alices_contact.borrower.pk, lender]),
    ):
        assert bob_client.get(url).status_code == 404, url
    assert (
        bob_client.post(reverse("negotiation_delete", args=[alices_contact.pk])).status_code == 404
    )
    assert (
        bob_client.post(reverse("negotiation_attachment_delete", args=[attachment.pk])).status_code
        == 404
    )
    # Bob's own debt with the same lender shows Bob's page, never Alice's log.
    DebtFactory(borrower=bob)
    body = bob_client.get(reverse("lender_detail", args=[lender])).content.decode()
    assert "秘密工号 X9" not in body
    assert NegotiationContact.objects.filter(pk=alices_contact.pk).exists()
    assert NegotiationAttachment.objects.filter(pk=attachment.pk).exists()


@pytest.mark.django_db
def test_anonymous_is_sent_to_log_in(client, alices_contact, lender):
    attachment = alices_contact.attachments.get()
    for url in (
        reverse("lender_detail", args=[lender]),
        reverse("negotiation_create", args=[lender]),
        reverse("negotiation_edit", args=[alices_contact.pk]),
        reverse("negotiation_attachment", args=[attachment.pk]),
        reverse(
            "counselor_negotiation_attachment", args=[alices_contact.borrower.pk, attachment.pk]
        ),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_the_owner_downloads_the_attachment(alice_client, alices_contact):
    attachment = alices_contact.attachments.get()
    response = alice_client.get(reverse("negotiation_attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")


@pytest.mark.django_db
def test_a_granted_counselor_reads_the_log_and_downloads_read_only(
    client, alice, charlie, alices_contact, lender
):
    attachment = alices_contact.attachments.get()
    page_url = reverse("counselor_lender", args=[alice.pk, lender])
    file_url = reverse("counselor_negotiation_attachment", args=[alice.pk, attachment.pk])
    assert client.login(email=charlie.user.email, password=PASSWORD)
    assert client.get(page_url).status_code == 404  # no grant yet
    assert client.get(file_url).status_code == 404
    AccessGrant.objects.create(borrower=alice, counselor=charlie)
    body = client.get(page_url).content.decode()
    assert "秘密工号 X9" in body
    assert reverse("negotiation_edit", args=[alices_contact.pk]) not in body  # read-only
    assert file_url in body
    response = client.get(file_url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    # The borrower's own URLs stay closed to the counselor (sent away, nothing served).
    own = client.get(reverse("negotiation_attachment", args=[attachment.pk]))
    assert own.status_code in (302, 404) and not own.streaming
    deleted = client.post(reverse("negotiation_delete", args=[alices_contact.pk]))
    assert deleted.status_code in (302, 404)
    assert NegotiationContact.objects.filter(pk=alices_contact.pk).exists()


# My data ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_export_lists_the_contacts_and_holds_the_files(alice, alices_contact):
    attach(alices_contact, M4A, "通话录音.m4a")
    archive = zipfile.ZipFile(io.BytesIO(data_rights.export_zip(alice.user)))
    data = json.loads(archive.read("data.json"))
    [contact] = data["negotiation_contacts"]
    assert contact["agent"] == "秘密工号 X9" and "idempotency_key" not in contact
    files = data["negotiation_attachments"]
    assert {f["original_name"] for f in files} == {"shot.png", "通话录音.m4a"}
    for row in files:
        assert row["file_in_export"] in archive.namelist()
    assert data["export"]["other_files"] == []
    names = {row["original_name"]: row["file_in_export"] for row in files}
    assert archive.read(names["shot.png"]) == PNG
    assert archive.read(names["通话录音.m4a"]) == M4A


@pytest.mark.django_db(transaction=True)
def test_deleting_the_account_removes_the_log_and_its_files(seeded_profiles, alice, huabei_debt):
    contact = make_contact(alice, huabei_debt.lender_name)
    path = stored_path(attach(contact))
    folder = path.parent.parent
    assert path.exists()
    data_rights.delete_account(alice.user)
    assert not NegotiationContact.objects.exists()
    assert not NegotiationAttachment.objects.exists()
    assert not path.exists() and not folder.exists()


@pytest.mark.django_db
def test_a_card_lender_page_uses_the_card_profile(alice_client, alice):
    card = DebtFactory(borrower=alice, profile=profile("credit_card"), lender_name="招商银行")
    body = alice_client.get(reverse("lender_detail", args=[card.lender_name])).content.decode()
    assert "个性化分期" in body


@pytest.mark.django_db
def test_htmx_on_the_forms_own_page_redirects_even_with_a_chinese_lender(alice_client, alice):
    debt = DebtFactory(borrower=alice, lender_name="深圳前海微众银行")
    create = reverse("negotiation_create", args=[debt.lender_name])
    assert "%E6%B7%B1" in create  # htmx reports the page it is on percent-encoded
    response = alice_client.post(
        create,
        post_data(),
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver{create}",
    )
    contact = NegotiationContact.objects.get()
    assert response["HX-Redirect"] == reverse("lender_detail", args=[debt.lender_name]) + (
        f"#contact-{contact.pk}"
    )
