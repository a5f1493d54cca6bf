"""My data (PIPL): the export holds every row of the person and nothing of anyone
else's; the deletion removes every row and file of the person, ends counselor
access and sessions, and leaves other people's data as it was.

Alice and Bob each have one of everything; Charlie counsels both of them.
Which models hold a person's data is not listed here: the models are walked
through their foreign keys to the user and the borrower.
"""

import hashlib
import io
import json
import zipfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from borrowers.data_rights import sections as data_rights
from borrowers.data_rights.views import confirm_phrases
from borrowers.models import (
    AccessEvent,
    AccessGrant,
    Borrower,
    CaseNote,
    CollectionContact,
    Counselor,
    Invite,
    Triage,
    User,
)
from repayment_plans.models import (
    CalendarFeed,
    Channel,
    Dispute,
    EmailDelivery,
    Installment,
    LenderAnswer,
    Proposal,
    ProposalVersion,
    Reminder,
    ReminderKind,
)
from repayment_plans.plans import services as plan_services
from repayment_plans.proposals import services as proposal_services
from repayment_plans.reminders import engine as reminders
from repayment_plans.tasks import daily_reminder_sweep, send_proposal_email, send_reminder_batch
from tests.conftest import Client
from tests.factories import PASSWORD, DebtFactory, UserFactory
from tests.repayment_plans.conftest import make_proposal

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
# Sections the personas below fill; a section added later may start empty here.
FILLED = {
    "account",
    "borrower",
    "debts",
    "proposals",
    "proposal_versions",
    "proposal_events",
    "email_deliveries",
    "lender_answers",
    "plans",
    "installments",
    "payments",
    "reminders",
    "notification_preferences",
    "calendar_feed",
    "access_grants",
    "access_events",
    "case_notes",
    "invites_used",
    "caseload_figures",
    "collection_contacts",
    "disputes",
}


# The walk of the models ---------------------------------------------------------


def person_paths(model, prefix="", trail=()):
    """(lookup prefix, target) for every chain of forward relations from ``model``
    to the user model or to Borrower ("" when the model is the target itself)."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    found = [(prefix, model)] if model in (user_model, Borrower) else []
    for field in model._meta.get_fields():
        if not field.is_relation or field.auto_created or field.related_model is None:
            continue
        target = field.related_model
        if target in (*trail, model):
            continue
        found += person_paths(target, f"{prefix}{field.name}__", (*trail, model))
    return found


def models_with_a_person():
    return {m: paths for m in apps.get_models() if (paths := person_paths(m))}


def tied_to(model, paths, borrower) -> set:
    """The pks of ``model``'s rows that reach this borrower or their user by any path."""
    query = Q()
    for prefix, target in paths:
        value = borrower.pk if target is Borrower else borrower.user_id
        query |= Q(**{f"{prefix}pk": value})
    return set(model.objects.filter(query).values_list("pk", flat=True))


def snapshot(borrower) -> dict:
    return {m: tied_to(m, paths, borrower) for m, paths in models_with_a_person().items()}


def label(model) -> str:
    return model._meta.label


def test_every_model_that_reaches_a_person_has_a_section_or_a_reason():
    found = models_with_a_person()
    # The walk itself works: it finds models one, two and four steps away.
    assert {"borrowers.Debt", "repayment_plans.Installment", "repayment_plans.EmailDelivery"} <= {
        label(m) for m in found
    }
    covered = {label(s.model) for s in data_rights.SECTIONS}
    missing = sorted(label(m) for m in found if label(m) not in covered | set(data_rights.EXCLUDED))
    assert not missing, (
        f"{missing} can reach a user or a borrower: add a data_rights.Section for it "
        "(export and deletion), or data_rights.exclude() it with the reason."
    )
    for model_label, reason in data_rights.EXCLUDED.items():
        assert model_label not in covered
        assert len(reason) > 30, model_label


def test_every_section_with_stored_files_puts_them_in_the_zip_and_deletes_them():
    from django.db.models import FileField

    for section in data_rights.SECTIONS:
        has_files = any(isinstance(f, FileField) for f in section.model._meta.concrete_fields)
        assert has_files == (section.files is not None), section.name


def test_section_names_are_unique_and_never_clash_with_the_export_header():
    names = [s.name for s in data_rights.SECTIONS]
    assert len(names) == len(set(names))
    assert "export" not in names
    with pytest.raises(ValueError):
        data_rights.register(data_rights.SECTIONS[0])


# Personas -------------------------------------------------------------------------


def give_everything(borrower, counselor, today, lender):
    """One of every kind of row, the way the app makes them."""
    debt = DebtFactory(
        borrower=borrower,
        lender_name=lender,
        principal=Decimal("6000.00"),
        annual_rate_percent=Decimal("0"),
        first_missed_date=today - timedelta(days=45),
    )
    proposal = make_proposal([debt], months=6, first_due=today + timedelta(days=10))
    version = proposal_services.finalise(proposal, today, "zh-hans")
    EmailDelivery.objects.create(
        version=version,
        to_email=f"collections@{lender.lower()}.example",
        status=EmailDelivery.Status.SENT,
        sent_at=timezone.now(),
    )
    plan = proposal_services.record_answer(
        proposal, LenderAnswer(kind="accepted", answered_on=today)
    )
    plan_services.record_payment(plan, Decimal("1000.00"), today, user=borrower.user)
    make_proposal([debt], months=12)  # a draft, never finalised
    Reminder.objects.create(
        user=borrower.user,
        kind=ReminderKind.DUE_IN_3_DAYS,
        subject=f"installment:{plan.installments.first().pk}",
        on_date=today,
        context={"lender": lender},
    )
    reminders.set_channel(borrower.user, Channel.EMAIL, ReminderKind.MILESTONE, False)
    CalendarFeed.for_borrower(borrower).renew()
    Dispute.objects.create(
        borrower=borrower,
        debt=debt,
        addressee=Dispute.Addressee.LENDER,
        problem=Dispute.Problem.PAID_ON_TIME,
        shown="overdue in October",
        reason=f"{borrower.display_name} paid on time",
    )
    CollectionContact.objects.create(
        borrower=borrower,
        occurred_at=timezone.now(),
        channel=CollectionContact.Channel.CALL,
        who=f"{lender} collections",
        debt=debt,
    )
    Invite.objects.create(
        counselor=counselor,
        expires_at=timezone.now() + timedelta(days=14),
        used_at=timezone.now(),
        used_by=borrower,
    )
    AccessGrant.objects.create(borrower=borrower, counselor=counselor, can_edit=True)
    AccessEvent.objects.create(
        borrower=borrower, counselor=counselor, action=AccessEvent.Action.GRANT
    )
    CaseNote.objects.create(
        borrower=borrower, author=counselor, text=f"Called {borrower.display_name}"
    )
    staff = UserFactory(is_staff=True)
    LogEntry.objects.create(
        user=staff,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(borrower.user_id),
        object_repr=borrower.user.email,
        action_flag=CHANGE,
    )
    return version


@pytest.fixture
def world(alice, bob, charlie, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    today = timezone.localdate()
    return {
        "today": today,
        "alice_version": give_everything(alice, charlie, today, "AliceBank"),
        "bob_version": give_everything(bob, charlie, today, "BobBank"),
    }


def read_export(response):
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return archive, json.loads(archive.read("data.json").decode("utf-8"))


# Export ---------------------------------------------------------------------------


def test_the_zip_has_data_json_with_every_section_and_the_pdfs_byte_identical(world, alice_client):
    response = alice_client.get(reverse("data_export"))
    assert response["Content-Type"] == "application/zip"
    day = world["today"].isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="huankuan-data-{day}.zip"'
    assert "no-store" in response["Cache-Control"]
    archive, data = read_export(response)

    assert data["export"]["sections"] == [s.name for s in data_rights.SECTIONS]
    for section in data_rights.SECTIONS:
        assert isinstance(data[section.name], list), section.name
    empty = sorted(name for name in FILLED if not data[name])
    assert not empty

    version = world["alice_version"]
    with version.pdf.open("rb") as stored:
        pdf = stored.read()
    assert archive.read(f"pdfs/{version.filename}") == pdf
    assert hashlib.sha256(pdf).hexdigest() == version.sha256
    assert [v["pdf_file"] for v in data["proposal_versions"]] == [f"pdfs/{version.filename}"]
    assert [n for n in archive.namelist() if n.startswith("pdfs/")] == [f"pdfs/{version.filename}"]


def test_values_are_plain_json_decimals_as_strings_dates_iso(world, alice, alice_client):
    _archive, data = read_export(alice_client.get(reverse("data_export")))
    debt = data["debts"][0]
    assert debt["principal"] == "6000.00"
    assert debt["first_missed_date"] == (world["today"] - timedelta(days=45)).isoformat()
    assert data["borrower"][0]["monthly_net_income"] == "8000.00"
    assert data["account"][0]["email"] == "alice@example.com"
    assert data["account"][0]["date_joined"].endswith("+08:00")  # Asia/Shanghai
    assert data["case_notes"][0] == {**data["case_notes"][0], "counselor": "Charlie"}
    assert data["calendar_feed"][0]["active"] is True
    assert data["payments"][0]["recorded_by_you"] is True


def test_the_export_holds_no_secret(world, alice, alice_client):
    response = alice_client.get(reverse("data_export"))
    _archive, data = read_export(response)
    text = json.dumps(data, ensure_ascii=False)
    assert "password" not in data["account"][0]
    assert alice.user.password not in text
    assert CalendarFeed.objects.get(borrower=alice).token not in text
    assert "token" not in data["calendar_feed"][0]


def test_alices_export_has_all_her_rows_and_none_of_bobs(world, alice, bob, alice_client):
    _archive, data = read_export(alice_client.get(reverse("data_export")))
    hers, his = snapshot(alice), snapshot(bob)
    for section in data_rights.SECTIONS:
        pk = section.model._meta.pk.attname
        exported = {row[pk] for row in data[section.name]}
        if section.model in hers:
            assert exported == hers[section.model], section.name
            assert not exported & his[section.model], section.name
    text = json.dumps(data, ensure_ascii=False)
    for marker in ("bob@example.com", "BobBank", "Called Bob", world["bob_version"].sha256):
        assert marker not in text


def test_the_export_answers_post_too(world, alice_client):
    _archive, data = read_export(alice_client.post(reverse("data_export")))
    assert data["account"][0]["email"] == "alice@example.com"


def test_the_page_explains_the_rights_and_what_stays(alice_client, settings):
    settings.BACKUP_RETENTION_DAYS = 14
    response = alice_client.get(reverse("my_data"), **EN)
    text = response.content.decode()
    assert response.status_code == 200
    for words in ("Article 45", "Article 47", "Article 15", "个人信息保护法"):
        assert words in text
    assert "overwritten within 14 days" in text
    assert "cannot recall them" in text
    assert reverse("data_export") in text
    assert reverse("account_delete") in text
    assert 'name="password"' in text
    assert '<strong class="code">DELETE</strong>' in text


def test_the_nav_links_to_my_data(alice_client):
    assert f'href="{reverse("my_data")}"' in alice_client.get(reverse("dashboard")).content.decode()


@pytest.mark.parametrize("name", ["my_data", "data_export", "account_deleted"])
def test_anonymous_is_sent_to_log_in_except_on_the_deleted_page(client, name):
    response = client.get(reverse(name))
    if name == "account_deleted":
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_anonymous_delete_is_sent_to_log_in(client, alice):
    response = client.post(reverse("account_delete"), {"password": PASSWORD, "confirm": "DELETE"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert User.objects.filter(pk=alice.user_id).exists()


def test_a_counselor_gets_a_clear_message_and_404_for_export_and_delete(client, charlie):
    assert client.login(email=charlie.user.email, password=PASSWORD)
    page = client.get(reverse("my_data"), **EN)
    assert page.status_code == 200
    assert "This page is for borrowers" in page.content.decode()
    assert 'name="password"' not in page.content.decode()
    assert client.get(reverse("data_export")).status_code == 404
    data = {"password": PASSWORD, "confirm": "DELETE"}
    assert client.post(reverse("account_delete"), data).status_code == 404
    assert Counselor.objects.filter(pk=charlie.pk).exists()


def test_a_borrower_who_is_also_a_counselor_may_export_but_not_delete_here(client, charlie):
    Borrower.objects.create(user=charlie.user, display_name="Charlie")
    assert client.login(email=charlie.user.email, password=PASSWORD)
    page = client.get(reverse("my_data"), **EN)
    assert "also a counselor's account" in page.content.decode()
    assert client.get(reverse("data_export")).status_code == 200
    data = {"password": PASSWORD, "confirm": "DELETE"}
    assert client.post(reverse("account_delete"), data).status_code == 404
    assert User.objects.filter(pk=charlie.user_id).exists()


# Deletion refused -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"password": "not my password", "confirm": "DELETE"}, "password", "not your password"),
        ({"password": PASSWORD, "confirm": "delete me"}, "confirm", "Type DELETE exactly"),
        ({"password": PASSWORD, "confirm": ""}, "confirm", "Please fill in “Type the word"),
        ({"password": "", "confirm": "DELETE"}, "password", "Please fill in “Your password”."),
    ],
)
def test_a_wrong_password_or_word_deletes_nothing(world, alice, alice_client, data, field, message):
    before = snapshot(alice)
    response = alice_client.post(reverse("account_delete"), data, **EN)
    assert response.status_code == 422
    assert f'id="field-{field}"' in response.content.decode()
    assert response.context["form"].errors[field]
    assert message in response.content.decode()
    assert snapshot(alice) == before
    assert alice_client.get(reverse("dashboard")).status_code == 200  # still signed in


def test_get_on_delete_deletes_nothing(world, alice, alice_client):
    before = snapshot(alice)
    assert alice_client.get(reverse("account_delete")).status_code == 405
    assert snapshot(alice) == before


def test_delete_needs_the_csrf_token(world, alice):
    client = Client(enforce_csrf_checks=True)
    assert client.login(email=alice.user.email, password=PASSWORD)
    before = snapshot(alice)
    response = client.post(reverse("account_delete"), {"password": PASSWORD, "confirm": "DELETE"})
    assert response.status_code == 403
    assert snapshot(alice) == before


def test_the_word_of_either_language_is_accepted_in_any_case(alice, alice_client):
    assert confirm_phrases() >= {"delete"}
    response = alice_client.post(
        reverse("account_delete"), {"password": PASSWORD, "confirm": "  delete "}
    )
    assert response.status_code == 302
    assert not User.objects.filter(pk=alice.user_id).exists()


# Deletion -------------------------------------------------------------------------


def delete_alice(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(
            reverse("account_delete"), {"password": PASSWORD, "confirm": "DELETE"}, **EN
        )


def test_deletion_removes_every_row_tied_to_her_and_nothing_of_bobs(
    world, alice, bob, alice_client, django_capture_on_commit_callbacks
):
    hers, his = snapshot(alice), snapshot(bob)
    empty = sorted(
        s.name for s in data_rights.SECTIONS if s.name in FILLED and not hers.get(s.model)
    )
    assert not empty  # so that the checks below check something

    response = delete_alice(alice_client, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_deleted")

    anonymised = {s.model for s in data_rights.SECTIONS if s.anonymise is not None}
    for model, paths in models_with_a_person().items():
        assert not tied_to(model, paths, alice), label(model)
        if model not in anonymised:
            assert not model.objects.filter(pk__in=hers[model]).exists(), label(model)
    # The invite she used stays the counselor's, without her.
    assert Invite.objects.filter(pk__in=hers[Invite], used_by__isnull=True).count() == 1
    assert snapshot(bob) == his


def test_her_pdfs_leave_the_disk_and_bobs_stay(
    world, alice_client, django_capture_on_commit_callbacks
):
    hers = Path(world["alice_version"].pdf.path)
    his = Path(world["bob_version"].pdf.path)
    assert hers.is_file()
    delete_alice(alice_client, django_capture_on_commit_callbacks)
    assert not hers.exists()
    assert not hers.parent.exists()  # her proposal's folder, left empty, goes too
    assert his.is_file()
    assert ProposalVersion.objects.get(pk=world["bob_version"].pk).pdf.read() == his.read_bytes()


def test_staff_log_entries_naming_her_go_and_bobs_stay(
    world, alice, bob, alice_client, django_capture_on_commit_callbacks
):
    delete_alice(alice_client, django_capture_on_commit_callbacks)
    assert not LogEntry.objects.filter(object_repr="alice@example.com").exists()
    assert LogEntry.objects.filter(object_repr="bob@example.com").exists()


def test_she_is_signed_out_everywhere_and_cannot_log_in_again(
    world, alice, alice_client, django_capture_on_commit_callbacks
):
    phone = Client()
    assert phone.login(email="alice@example.com", password=PASSWORD)
    user_id = str(alice.user_id)
    delete_alice(alice_client, django_capture_on_commit_callbacks)

    page = alice_client.get(reverse("account_deleted"), **EN)
    assert "Your account has been deleted" in page.content.decode()
    assert "overwritten within 30 days" in page.content.decode()
    for client in (alice_client, phone):
        response = client.get(reverse("dashboard"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert not any(s.get_decoded().get("_auth_user_id") == user_id for s in Session.objects.all())
    assert not Client().login(email="alice@example.com", password=PASSWORD)


def test_her_counselor_loses_her_at_once_and_keeps_bob(
    world, alice, bob, charlie, alice_client, django_capture_on_commit_callbacks
):
    counselor = Client()
    assert counselor.login(email=charlie.user.email, password=PASSWORD)
    caseload = counselor.get(reverse("caseload"), **EN).content.decode()
    assert "Alice" in caseload
    assert "Bob" in caseload
    alice_pk = alice.pk

    delete_alice(alice_client, django_capture_on_commit_callbacks)

    caseload = counselor.get(reverse("caseload"), **EN).content.decode()
    assert "Alice" not in caseload
    assert "Bob" in caseload
    assert counselor.get(reverse("counselor_borrower", args=[alice_pk])).status_code == 404
    assert not AccessGrant.objects.filter(borrower_id=alice_pk).exists()
    assert not Triage.objects.filter(borrower_id=alice_pk).exists()
    assert Triage.objects.filter(borrower=bob).exists()
    assert AccessGrant.objects.active().filter(borrower=bob, counselor=charlie).exists()


def test_her_name_leaves_her_counselors_weekly_digest(
    world, charlie, alice_client, django_capture_on_commit_callbacks
):
    today = world["today"]
    digest = Reminder.objects.create(
        user=charlie.user,
        kind=ReminderKind.COUNSELOR_DIGEST,
        subject=f"digest:{charlie.pk}",
        on_date=today,
        context={
            "tier_changes": [["Alice", today.isoformat()], ["Bob", today.isoformat()]],
            "due": [["Alice", today.isoformat(), "500.00"]],
            "missed": [["Bob", 1]],
            "actions": [],
        },
    )
    delete_alice(alice_client, django_capture_on_commit_callbacks)
    digest.refresh_from_db()
    assert digest.context == {
        "tier_changes": [["Bob", today.isoformat()]],
        "due": [],
        "missed": [["Bob", 1]],
        "actions": [],
    }


def test_her_counselors_notifications_about_her_go_with_her_account(
    world, alice, bob, charlie, alice_client, django_capture_on_commit_callbacks
):
    """Review asked, lender answered, payment missed, tier reached: they name her."""
    today = world["today"]
    about = {}
    for who in (alice, bob):
        for kind, path in (
            (ReminderKind.REVIEW_ASKED, f"proposals/{who.pk}/"),
            (ReminderKind.CASE_ANSWERED, f"proposals/{who.pk}/"),
            (ReminderKind.CASE_MISSED, ""),
            (ReminderKind.CASE_TIER, ""),
        ):
            about[who.pk, kind] = Reminder.objects.create(
                user=charlie.user,
                kind=kind,
                subject=f"{kind}:{who.pk}:c{charlie.pk}",
                on_date=today,
                context={"borrower": who.display_name, "lender": "Bank"},
                link=reverse("counselor_borrower", args=[who.pk]) + path,
            )
    alice_pk = alice.pk
    delete_alice(alice_client, django_capture_on_commit_callbacks)
    left = set(Reminder.objects.filter(user=charlie.user).values_list("pk", flat=True))
    for (owner, _kind), reminder in about.items():
        assert (reminder.pk in left) is (owner != alice_pk)


# Background work for what is gone ------------------------------------------------------


def test_a_queued_proposal_email_of_a_deleted_account_is_skipped(
    world, alice, alice_client, mailoutbox, django_capture_on_commit_callbacks
):
    delivery = EmailDelivery.objects.create(
        version=world["alice_version"], to_email="collections@alicebank.example"
    )
    delete_alice(alice_client, django_capture_on_commit_callbacks)
    result = send_proposal_email.apply(args=[delivery.pk])
    assert result.successful()
    assert result.get() == "gone"
    assert mailoutbox == []


def test_queued_reminders_of_a_deleted_account_are_skipped(
    world, alice, alice_client, mailoutbox, django_capture_on_commit_callbacks
):
    ids = list(Reminder.objects.filter(user=alice.user).values_list("pk", flat=True))
    assert ids
    delete_alice(alice_client, django_capture_on_commit_callbacks)
    result = send_reminder_batch.apply(args=[ids])
    assert result.successful()
    assert result.get() == {"sent": 0, "failed": 0}
    assert mailoutbox == []


def test_the_daily_sweep_runs_after_a_deletion_and_reminds_only_bob(
    world, alice, bob, alice_client, django_capture_on_commit_callbacks
):
    def next_due(borrower):
        unpaid = Installment.objects.filter(plan__proposal__borrower=borrower, paid_on=None)
        return unpaid.order_by("due_date").first().due_date

    day = next_due(bob) - timedelta(days=3)
    assert next_due(alice) == day + timedelta(days=3)  # she would be reminded that day too
    delete_alice(alice_client, django_capture_on_commit_callbacks)
    assert daily_reminder_sweep.apply().successful()
    reminders.sweep(day, enqueue=False)
    users = set(Reminder.objects.filter(on_date=day).values_list("user_id", flat=True))
    assert users == {bob.user_id}
    assert not Proposal.objects.filter(borrower__user__email="alice@example.com").exists()
