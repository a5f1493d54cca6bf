"""Issue 17: the informed review of a proposal, an agency that runs itself
(invites by email, deactivation, reassignment with the borrower's consent),
the notifications both ways, and the demo agency.

Personas: the agency admin and counselors A and B of agency 1, counselor C of
agency 2, borrower X (granted A), borrower Y, and an anonymous visitor.
"""

import re
import subprocess
from datetime import timedelta
from io import StringIO
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from borrowers.accounts import mail as account_mail
from borrowers.counselors.caseload import granted_borrowers
from borrowers.models import (
    AccessEvent,
    AccessGrant,
    Agency,
    Borrower,
    CaseNote,
    Counselor,
    CounselorInvite,
    Transfer,
    User,
)
from repayment_plans.models import Proposal, ProposalEvent, Reminder, ReminderKind
from repayment_plans.proposals import services as proposal_services
from repayment_plans.reminders import engine as reminders
from tests.factories import PASSWORD, AgencyFactory, BorrowerFactory, CounselorFactory, DebtFactory
from tests.repayment_plans.conftest import make_proposal

PERSONAS = ["admin", "a", "b", "c", "x", "y", "anonymous"]


def client_for(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def w(db):
    today = timezone.localdate()
    agency = AgencyFactory(name="Agency One")
    admin = CounselorFactory(agency=agency, display_name="Admin Ada", is_agency_admin=True)
    a = CounselorFactory(agency=agency, display_name="Counselor A")
    b = CounselorFactory(agency=agency, display_name="Counselor B")
    c = CounselorFactory(agency=AgencyFactory(name="Agency Two"), display_name="Counselor C")
    x = BorrowerFactory(display_name="Xavier Xu", user__email="xavier@example.com")
    y = BorrowerFactory(display_name="Yolanda Yang", user__email="yolanda@example.com")
    debt = DebtFactory(borrower=x, nickname="Xavier card", first_missed_date=today - timedelta(45))
    AccessGrant.objects.create(borrower=x, counselor=a)
    proposal = make_proposal([debt], months=6)
    version = proposal_services.finalise(proposal, today, "zh-hans")
    proposal_services.change_status(proposal, Proposal.Status.IN_REVIEW, x.user)
    users = {"admin": admin.user, "a": a.user, "b": b.user, "c": c.user, "x": x.user, "y": y.user}
    clients = SimpleNamespace(
        **{name: client_for(user) for name, user in users.items()}, anonymous=client_for(None)
    )
    return SimpleNamespace(
        agency=agency,
        admin=admin,
        a=a,
        b=b,
        c=c,
        x=x,
        y=y,
        debt=debt,
        proposal=proposal,
        version=version,
        clients=clients,
        today=today,
    )


def nav_links(client, url: str) -> set[str]:
    html = client.get(url).content.decode()
    header = html.split('<header class="site-header">', 1)[1].split("</header>", 1)[0]
    return set(re.findall(r'<a href="([^"#?]+)"', header))


def test_each_kind_of_user_sees_its_own_navigation_in_its_language(w):
    """The navigation's links are kept per kind of user and language (the
    fragments cache): one kind's never shows for another, in any order."""
    admin_only, counselor_only = reverse("agency"), reverse("caseload")
    borrower_only = reverse("dashboard")
    chinese = Client(headers={"accept-language": "zh-hans"})
    chinese.force_login(w.x.user)
    for _round in range(2):
        for client, url, present, absent in (
            (w.clients.admin, reverse("caseload"), {admin_only, counselor_only}, {borrower_only}),
            (w.clients.a, reverse("caseload"), {counselor_only}, {admin_only, borrower_only}),
            (w.clients.x, reverse("dashboard"), {borrower_only}, {admin_only, counselor_only}),
            (chinese, reverse("dashboard"), {borrower_only}, {admin_only, counselor_only}),
        ):
            links = nav_links(client, url)
            assert present <= links and not (absent & links), (url, links)
    assert "我的计划" in chinese.get(reverse("dashboard")).content.decode()
    assert "My plan" in w.clients.x.get(reverse("dashboard")).content.decode()


def review_url(w):
    return reverse("counselor_review", args=[w.x.pk, w.proposal.pk])


def pdf_url(w):
    return reverse("counselor_version_download", args=[w.x.pk, w.proposal.pk, 1])


def letter_url(w):
    return reverse("counselor_letter", args=[w.x.pk, w.proposal.pk])


def draft_url(w):
    return reverse("counselor_draft_pdf", args=[w.x.pk, w.proposal.pk])


# The review page ----------------------------------------------------------------


@pytest.mark.parametrize("who", PERSONAS)
def test_only_the_granted_counselor_reads_the_review_the_letter_and_the_pdf(w, who):
    client = getattr(w.clients, who)
    events = AccessEvent.objects.filter(action=AccessEvent.Action.VIEW).count()
    for url in (review_url(w), letter_url(w), pdf_url(w), draft_url(w)):
        response = client.get(url)
        if who == "a":
            assert response.status_code == 200, url
        elif who == "anonymous":
            assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
        else:
            assert response.status_code == 404, (who, url)
    viewed = AccessEvent.objects.filter(action=AccessEvent.Action.VIEW).count() - events
    assert viewed == (4 if who == "a" else 0)


@pytest.mark.parametrize("who", PERSONAS)
def test_only_the_granted_counselor_reaches_the_next_action_and_outcomes(w, who):
    """The caseload's inline next action (for borrower X, granted to A) and the
    agency's outcomes page, for every persona."""
    client = getattr(w.clients, who)
    url = reverse("counselor_next_action", args=[w.x.pk])
    get = client.get(url)
    post = client.post(url, {"next_action": "Call X", "next_action_on": w.today.isoformat()})
    outcomes = client.get(reverse("agency_outcomes"))
    if who == "anonymous":
        for response in (get, post, outcomes):
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login"))
    elif who == "a":
        assert get.status_code == 200 and post.status_code == 302
    else:
        assert get.status_code == 404 and post.status_code == 404, who
    if who in ("admin", "a", "b"):
        assert outcomes.status_code == 200 and "Agency One" in outcomes.content.decode()
    elif who == "c":
        assert outcomes.status_code == 200 and "Agency One" not in outcomes.content.decode()
    elif who != "anonymous":
        assert outcomes.status_code == 404
    assert CaseNote.objects.filter(text="Call X").count() == (1 if who == "a" else 0)


def test_the_draft_pdf_is_the_letter_as_it_stands_and_is_never_stored(w, tmp_path):
    """Before any version exists the counselor reads the PDF the lender would get."""
    w.proposal.months = 9
    w.proposal.save()
    response = w.clients.a.get(draft_url(w))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    path = tmp_path / "draft.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert w.proposal.lender_name in text
    schedule = proposal_services.proposal_schedule(w.proposal)
    assert schedule.regular_count == 9 and w.version.terms["months"] == 6
    last = schedule.installments[-1]
    assert f"{last.due_date:%Y-%m-%d}" in text and f"{last.payment:,.2f}" in text
    assert w.proposal.versions.count() == 1  # rendered, not stored
    inline = w.clients.a.get(draft_url(w) + "?inline=1")
    assert inline["Content-Disposition"].startswith("inline")
    event = AccessEvent.objects.filter(counselor=w.a, action=AccessEvent.Action.VIEW).first()
    assert event.detail == f"proposal {w.proposal.pk} draft"


def test_the_review_page_shows_debts_schedule_capacity_versions_and_trail(w):
    response = w.clients.a.get(review_url(w))
    html = response.content.decode()
    schedule = response.context["schedule"]
    assert schedule is not None and len(schedule.installments) == 6
    assert "Xavier card" in html
    for installment in schedule.installments:
        assert installment.due_date.strftime("%Y-%m-%d") in html
    assert response.context["capacity"] is not None
    assert pdf_url(w) in html and letter_url(w) in html
    assert 'action="{}"'.format(reverse("proposal_review", args=[w.x.pk, w.proposal.pk])) in html
    for section in ("amount", "term", "hardship", "attachments"):
        assert f'id="review-{section}"' in html
    assert "Xavier Xu · Draft → Awaiting the counselor" in html  # the audit trail
    pdf = w.clients.a.get(pdf_url(w))
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert (
        w.clients.a.get(
            reverse("counselor_version_download", args=[w.x.pk, w.proposal.pk, 2])
        ).status_code
        == 404
    )


def test_the_borrowers_own_proposal_urls_stay_borrower_only(w):
    for name in ("proposal_detail", "letter_preview"):
        response = w.clients.a.get(reverse(name, args=[w.proposal.pk]))
        assert response.status_code == 302
        assert w.clients.x.get(reverse(name, args=[w.proposal.pk])).status_code == 200


def test_a_change_requested_on_the_term_is_shown_next_to_the_terms_and_notified(
    w, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(
        "repayment_plans.tasks.send_reminder_batch.delay", lambda ids: sent.append(ids)
    )
    url = reverse("proposal_review", args=[w.x.pk, w.proposal.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = w.clients.a.post(
            url, {"decision": "changes", "section": "term", "comment": "Make it 12 months."}
        )
    assert response.status_code == 302
    event = ProposalEvent.objects.latest("pk")
    assert (event.to_status, event.section) == ("changes", "term")
    reminder = Reminder.objects.get(user=w.x.user, kind=ReminderKind.REVIEWED)
    assert sent == [[reminder.pk]]
    assert reminders.send_reminder(reminder.pk) == "sent"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["xavier@example.com"]
    assert "期限" in mail.outbox[0].subject  # the section, in the borrower's language
    html = w.clients.x.get(reverse("proposal_detail", args=[w.proposal.pk])).content.decode()
    terms = html[html.index('id="terms"') : html.index('id="versions"')]
    assert 'id="review-term"' in terms and "Make it 12 months." in terms
    # Exactly one notification per recipient and event.
    assert Reminder.objects.filter(user=w.x.user).count() == 1
    # Asking again notifies the counselor once, and clears the comment.
    with django_capture_on_commit_callbacks(execute=True):
        w.clients.x.post(reverse("request_review", args=[w.proposal.pk]))
    asked = Reminder.objects.get(kind=ReminderKind.REVIEW_ASKED)
    assert asked.user == w.a.user
    assert asked.link == review_url(w)
    html = w.clients.x.get(reverse("proposal_detail", args=[w.proposal.pk])).content.decode()
    assert 'id="review-term"' not in html


def test_a_switched_off_email_sends_no_email_but_keeps_the_in_app_item(w):
    reminders.set_channel(w.x.user, "email", ReminderKind.REVIEWED, False)
    w.clients.a.post(
        reverse("proposal_review", args=[w.x.pk, w.proposal.pk]), {"decision": "approve"}
    )
    reminder = Reminder.objects.get(user=w.x.user)
    reminders.send_reminder(reminder.pk)
    reminder.refresh_from_db()
    assert (reminder.emailed, reminder.in_app, reminder.status) == (False, True, "sent")
    assert mail.outbox == []


# The agency page --------------------------------------------------------------------


def agency_requests(w):
    return {
        "agency": ("get", reverse("agency"), {}),
        "agency_invite": (
            "post",
            reverse("agency_invite"),
            {"email": "new@agency.example", "display_name": "New One"},
        ),
        "counselor_deactivate": ("post", reverse("counselor_deactivate", args=[w.b.pk]), {}),
        "transfer_create": (
            "post",
            reverse("transfer_create"),
            {"borrower": w.x.pk, "to_counselor": w.b.pk},
        ),
    }


@pytest.mark.parametrize(
    "name", ["agency", "agency_invite", "counselor_deactivate", "transfer_create"]
)
@pytest.mark.parametrize("who", PERSONAS)
def test_only_the_agency_admin_runs_the_agency(w, who, name):
    method, url, data = agency_requests(w)[name]
    response = getattr(getattr(w.clients, who), method)(url, data)
    if who == "admin":
        assert response.status_code in (200, 302)
        if name == "agency":
            html = response.content.decode()
            assert "Counselor A" in html and "Counselor C" not in html
        return
    if who == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == 404
    assert not CounselorInvite.objects.exists()
    assert not Transfer.objects.exists()
    assert Counselor.objects.active().count() == 4


def test_the_agency_page_counts_each_counselors_caseload_and_waiting_reviews(w):
    response = w.clients.admin.get(reverse("agency"))
    rows = {
        r.counselor.display_name: (r.caseload_size, r.waiting_reviews)
        for r in response.context["counselors"]
    }
    assert rows == {"Admin Ada": (0, 0), "Counselor A": (1, 1), "Counselor B": (0, 0)}


def test_an_admin_cannot_deactivate_another_agencys_counselor_nor_themselves(w):
    for pk in (w.c.pk, w.admin.pk):
        assert w.clients.admin.post(reverse("counselor_deactivate", args=[pk])).status_code == 404
    assert Counselor.objects.active().count() == 4


def test_a_deactivated_counselor_opens_nothing(w):
    w.clients.admin.post(reverse("counselor_deactivate", args=[w.a.pk]))
    assert w.clients.a.get(reverse("caseload")).status_code == 404
    assert w.clients.a.get(review_url(w)).status_code == 404


# Inviting a counselor ---------------------------------------------------------------


JOIN = re.compile(r"/counselor/join/([\w-]+)/")


def invite(w, django_capture_on_commit_callbacks, email="new@agency.example"):
    """The admin invites; the worker's task runs (here, in place of the broker)."""
    with (
        mock.patch.object(
            account_mail.send_counselor_invite, "delay", account_mail.send_counselor_invite
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = w.clients.admin.post(
            reverse("agency_invite"), {"email": email, "display_name": "New One"}
        )
    assert response.status_code == 302
    message = mail.outbox[-1]
    assert message.to == [email]
    return reverse("counselor_join", args=[JOIN.search(message.body)[1]])


def test_the_invite_link_creates_the_counselor_once(w, django_capture_on_commit_callbacks):
    url = invite(w, django_capture_on_commit_callbacks)
    anonymous = client_for(None)
    assert anonymous.get(url).status_code == 200
    # Bad input: next to the field, nothing saved.
    response = anonymous.post(
        url, {"display_name": "New One", "password1": "short", "password2": "other"}
    )
    assert response.status_code == 200 and response.context["form"].errors
    assert not Counselor.objects.filter(user__email="new@agency.example").exists()
    data = {"display_name": "新老师", "password1": PASSWORD, "password2": PASSWORD}
    response = anonymous.post(url, data)
    assert response.status_code == 302
    counselor = Counselor.objects.get(user__email="new@agency.example")
    assert (counselor.agency, counselor.display_name) == (w.agency, "新老师")
    assert counselor.user.check_password(PASSWORD)
    # Single use.
    assert anonymous.get(url).status_code == 404
    assert anonymous.post(url, data).status_code == 404
    assert Counselor.objects.filter(user__email="new@agency.example").count() == 1


def test_the_invite_link_attaches_an_existing_account_with_its_password(
    w, django_capture_on_commit_callbacks
):
    User.objects.create_user("old@agency.example", PASSWORD)
    url = invite(w, django_capture_on_commit_callbacks, email="old@agency.example")
    anonymous = client_for(None)
    response = anonymous.post(url, {"display_name": "Old", "password1": "wrong password 1"})
    assert response.status_code == 200 and "password1" in response.context["form"].errors
    assert anonymous.post(url, {"display_name": "Old", "password1": PASSWORD}).status_code == 302
    assert Counselor.objects.get(user__email="old@agency.example").agency == w.agency


def test_the_invite_link_expires_after_14_days(w, django_capture_on_commit_callbacks):
    url = invite(w, django_capture_on_commit_callbacks)
    invitation = CounselorInvite.objects.get()
    assert abs(invitation.expires_at - invitation.created_at - timedelta(days=14)) < timedelta(
        minutes=1
    )
    CounselorInvite.objects.update(expires_at=timezone.now() + timedelta(minutes=1))
    assert client_for(None).get(url).status_code == 200  # still valid on its last day
    CounselorInvite.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    data = {"display_name": "Late", "password1": PASSWORD, "password2": PASSWORD}
    assert client_for(None).post(url, data).status_code == 404
    assert not User.objects.filter(email="new@agency.example").exists()


def test_the_invite_email_goes_through_the_worker_with_only_the_id(w, monkeypatch):
    calls = []
    monkeypatch.setattr(account_mail.send_counselor_invite, "delay", lambda *a: calls.append(a))
    w.clients.admin.post(
        reverse("agency_invite"), {"email": "new@agency.example", "display_name": "N"}
    )
    assert mail.outbox == []  # not sent inside the request


def test_an_invite_for_a_borrowers_address_is_refused_next_to_the_field(w):
    response = w.clients.admin.post(
        reverse("agency_invite"), {"email": "xavier@example.com", "display_name": "X"}
    )
    assert response.status_code == 200
    assert "email" in response.context["invite_form"].errors
    assert not CounselorInvite.objects.exists()


# Reassignment with the borrower's consent -----------------------------------------------


def propose(w):
    response = w.clients.admin.post(
        reverse("transfer_create"), {"borrower": w.x.pk, "to_counselor": w.b.pk}
    )
    assert response.status_code == 302
    return Transfer.objects.get()


def test_without_the_borrowers_consent_nothing_changes(w):
    transfer = propose(w)
    assert transfer.status == Transfer.Status.PENDING
    assert list(granted_borrowers(w.b)) == []
    assert w.clients.b.get(reverse("counselor_borrower", args=[w.x.pk])).status_code == 404
    assert list(granted_borrowers(w.a)) == [w.x]
    # The borrower is told in the app, and sees the question on the access page.
    notice = Reminder.objects.get(user=w.x.user, kind=ReminderKind.TRANSFER)
    assert notice.link == reverse("access")
    page = w.clients.x.get(reverse("access")).content.decode()
    assert reverse("transfer_answer", args=[transfer.pk]) in page
    # Nobody else may answer for her.
    for who in ("y", "a", "b", "admin", "anonymous"):
        getattr(w.clients, who).post(
            reverse("transfer_answer", args=[transfer.pk]), {"answer": "accept"}
        )
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.PENDING
    assert list(granted_borrowers(w.b)) == []


def test_the_borrower_refuses_and_the_history_shows_it(w):
    transfer = propose(w)
    w.clients.x.post(reverse("transfer_answer", args=[transfer.pk]), {"answer": "refuse"})
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.REFUSED
    assert list(granted_borrowers(w.b)) == [] and list(granted_borrowers(w.a)) == [w.x]
    actions = list(w.x.access_events.values_list("action", flat=True))
    assert actions[:2] == ["refuse", "transfer"]
    html = w.clients.x.get(reverse("access")).content.decode()
    assert "Transfer refused" in html


def test_the_borrower_accepts_and_the_grant_moves(w):
    transfer = propose(w)
    # A second transfer of the same borrower waits for the first.
    response = w.clients.admin.post(
        reverse("transfer_create"), {"borrower": w.x.pk, "to_counselor": w.admin.pk}
    )
    assert response.status_code == 200 and "borrower" in response.context["transfer_form"].errors
    w.clients.x.post(reverse("transfer_answer", args=[transfer.pk]), {"answer": "accept"})
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.ACCEPTED
    assert list(granted_borrowers(w.b)) == [w.x] and list(granted_borrowers(w.a)) == []
    assert w.clients.b.get(reverse("counselor_borrower", args=[w.x.pk])).status_code == 200
    # Answered once: a second answer changes nothing.
    w.clients.x.post(reverse("transfer_answer", args=[transfer.pk]), {"answer": "refuse"})
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.ACCEPTED


def test_an_admin_cannot_move_a_borrower_of_another_agency(w):
    AccessGrant.objects.create(borrower=w.y, counselor=w.c)
    response = w.clients.admin.post(
        reverse("transfer_create"), {"borrower": w.y.pk, "to_counselor": w.b.pk}
    )
    assert response.status_code == 200
    assert "borrower" in response.context["transfer_form"].errors
    assert not Transfer.objects.exists()


# The demo agency ------------------------------------------------------------------------


def demo_figures():
    borrowers = Borrower.objects.filter(user__email__endswith="@demo.local").exclude(
        user__email="borrower@demo.local"
    )
    return sorted(
        (
            b.user.email,
            b.display_name,
            str(b.monthly_net_income),
            tuple(sorted((str(d.principal), str(d.first_missed_date)) for d in b.debts.all())),
            tuple(sorted(p.status for p in b.proposals.all())),
            tuple(g.counselor.user.email for g in b.grants.active()),
        )
        for b in borrowers.select_related("user")
    )


@pytest.mark.django_db
def test_the_demo_agency_has_two_counselors_and_40_borrowers_in_every_state_and_tier():
    call_command("load_demo", stdout=StringIO())
    first = demo_figures()
    call_command("load_demo", stdout=StringIO())
    assert demo_figures() == first  # deterministic
    agency = Agency.objects.get(code="demo-agency")
    counselors = list(agency.counselors.order_by("user__email"))
    assert [c.user.email for c in counselors] == ["counselor2@demo.local", "counselor@demo.local"]
    assert counselors[1].is_agency_admin and not counselors[0].is_agency_admin
    assert len(first) == 40
    states = {s for row in first for s in row[4]}
    assert states >= {
        "draft",
        "in_review",
        "changes",
        "approved",
        "finalised",
        "accepted",
        "rejected",
    }
    for counselor in counselors:
        granted = granted_borrowers(counselor)
        assert granted.count() >= 20
        ranks = set(granted.values_list("triage__worst_rank", flat=True))
        assert ranks == {0, 1, 2, 3}, (counselor, ranks)
        assert granted.filter(proposals__status="in_review").exists()
    assert granted_borrowers(counselors[0]).filter(triage__has_missed=True).exists() or (
        granted_borrowers(counselors[1]).filter(triage__has_missed=True).exists()
    )
