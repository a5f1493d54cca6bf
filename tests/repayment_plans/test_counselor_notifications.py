"""Issue 17, part 2: counselors are told of their borrowers' case events (the
lender's answer, a missed installment, a worse tier), as the borrower is told of
the review; one in-app item and one email per recipient and event, by the
channels each recipient left on (docs/notifications.md). Also: the Monday digest
skips deactivated counselors, and no app URL makes a counselor an agency admin.

Personas: counselors A and B follow borrower X; R's grant is revoked; D is
deactivated by the agency; O follows nobody.
"""

import email
import email.policy
import re
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from borrowers.accounts import mail as account_mail
from borrowers.models import AccessGrant, Counselor, CounselorInvite, User
from repayment_plans.models import (
    Channel,
    LenderAnswer,
    Plan,
    Reminder,
    ReminderKind,
)
from repayment_plans.plans import services as plan_services
from repayment_plans.proposals import services as proposal_services
from repayment_plans.refusals import Refused
from repayment_plans.reminders import engine as reminders
from repayment_plans.reminders.models import COUNSELOR_RECIPIENT_KINDS
from tests.factories import PASSWORD, AgencyFactory, BorrowerFactory, CounselorFactory, DebtFactory
from tests.repayment_plans.conftest import make_proposal
from tests.repayment_plans.test_email import wait_for

K = ReminderKind
CASE_KINDS = (K.CASE_ANSWERED, K.CASE_MISSED, K.CASE_TIER)
MESSAGE_ID = re.compile(r"<reminder-(\d+)\.")


def client_for(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


@pytest.fixture
def w(db, monkeypatch):
    """X has a debt to Plan Lender (in a proposal whose first installment was due
    yesterday) and a debt to Tier Lender that turns moderate today (31 days past
    due, no grace)."""
    # No Monday digest in these tests, whatever the day they run on.
    monkeypatch.setattr(reminders, "DIGEST_WEEKDAY", 7)
    today = timezone.localdate()
    agency = AgencyFactory(name="Agency One")

    def counselor(name):
        return CounselorFactory(
            agency=agency,
            display_name=f"Counselor {name}",
            user__email=f"{name.lower()}@agency.example",
            user__language="en",
        )

    a, b, r, d, o = (counselor(name) for name in "ABRDO")
    x = BorrowerFactory(display_name="Xavier Xu", user__email="xavier@example.com")
    for follower in (a, b, r, d):
        AccessGrant.objects.create(borrower=x, counselor=follower)
    AccessGrant.objects.filter(counselor=r).update(revoked_at=timezone.now())
    Counselor.objects.filter(pk=d.pk).update(deactivated_at=timezone.now())
    plan_debt = DebtFactory(
        borrower=x,
        lender_name="Plan Lender",
        principal=Decimal("1200.00"),
        first_missed_date=today - timedelta(days=45),
    )
    tier_debt = DebtFactory(
        borrower=x, lender_name="Tier Lender", first_missed_date=today - timedelta(days=31)
    )
    proposal = make_proposal([plan_debt], months=6, first_due=today - timedelta(days=1))
    return SimpleNamespace(
        today=today,
        a=a,
        b=b,
        r=r,
        d=d,
        o=o,
        x=x,
        plan_debt=plan_debt,
        tier_debt=tier_debt,
        proposal=proposal,
    )


def counselor_rows(w, kind):
    return Reminder.objects.filter(kind=kind).order_by("user__email")


def recipients(w, kind) -> list[str]:
    return [r.user.email for r in counselor_rows(w, kind)]


FOLLOWERS = ["a@agency.example", "b@agency.example"]


def accept(w) -> Plan:
    plan = proposal_services.record_answer(
        w.proposal, LenderAnswer(kind="accepted", answered_on=w.today)
    )
    assert plan is not None
    return plan


# The lender's answer -------------------------------------------------------------


def test_an_answer_from_the_form_notifies_each_following_counselor_once(w):
    proposal_services.finalise(w.proposal, w.today, "zh-hans")
    response = client_for(w.x.user).post(
        reverse("proposal_answer", args=[w.proposal.pk]),
        {"kind": "rejected", "answered_on": w.today.isoformat(), "note": "No."},
    )
    assert response.status_code == 302
    assert recipients(w, K.CASE_ANSWERED) == FOLLOWERS
    answer = w.proposal.answers.get()
    for reminder in counselor_rows(w, K.CASE_ANSWERED):
        counselor = reminder.user.counselor
        assert reminder.subject == f"answer:{answer.pk}:c{counselor.pk}"
        assert reminder.link == reverse("counselor_review", args=[w.x.pk, w.proposal.pk])
        with translation.override("en"):
            assert reminders.reminder_title(reminder) == (
                "Plan Lender rejected the proposal of Xavier Xu"
            )
    # The borrower, who recorded it, is not notified of their own answer.
    assert not Reminder.objects.filter(user=w.x.user).exists()
    # A second answer is refused, and notifies nobody.
    with pytest.raises(Refused):
        proposal_services.record_answer(
            w.proposal, LenderAnswer(kind="accepted", answered_on=w.today)
        )
    assert Reminder.objects.count() == 2


def test_an_agreement_in_the_negotiation_log_notifies_them_too(w):
    proposal_services.finalise(w.proposal, w.today, "zh-hans")
    data = {
        "occurred_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "channel": "hotline",
        "agent": "A1023",
        "asked": "12 installments of 100",
        "outcome": "agreed",
        "offer_monthly": "100",
        "offer_months": "12",
        "offer_first_due": plan_services.next_month_first(w.today).isoformat(),
        "interest_continues": "no",
        "penalties_continue": "no",
        "form_key": "key-1",
    }
    response = client_for(w.x.user).post(reverse("negotiation_create", args=["Plan Lender"]), data)
    assert response.status_code == 302
    assert Plan.objects.filter(proposal=w.proposal).exists()
    assert recipients(w, K.CASE_ANSWERED) == FOLLOWERS
    with translation.override("en"):
        assert reminders.reminder_title(counselor_rows(w, K.CASE_ANSWERED)[0]) == (
            "Plan Lender answered the proposal of Xavier Xu with other terms, "
            "and Xavier Xu accepted them"
        )


def test_nothing_is_notified_when_the_answer_is_not_saved(w, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(proposal_services, "create_plan", broken)
    with pytest.raises(RuntimeError):
        accept(w)
    assert not Reminder.objects.exists()


# A missed installment --------------------------------------------------------------


def test_a_missed_installment_is_told_the_day_after_its_due_date(w):
    plan = accept(w)
    first = plan.installments.get(number=1)
    assert first.due_date == w.today - timedelta(days=1)
    reminders.sweep(w.today - timedelta(days=1), enqueue=False)
    assert not Reminder.objects.filter(kind=K.CASE_MISSED).exists()
    reminders.sweep(w.today, enqueue=False)
    assert recipients(w, K.CASE_MISSED) == FOLLOWERS
    # As the borrower's own reminder that day.
    assert Reminder.objects.get(kind=K.MISSED).user == w.x.user
    for reminder in counselor_rows(w, K.CASE_MISSED):
        assert reminder.subject == f"installment:{first.pk}:c{reminder.user.counselor.pk}"
        assert reminder.link == reverse("counselor_borrower", args=[w.x.pk])
        with translation.override("en"):
            assert reminders.reminder_title(reminder) == (
                f"Xavier Xu missed installment 1 to Plan Lender (¥{first.amount}), "
                f"due {first.due_date.isoformat()}"
            )
    count = Reminder.objects.count()
    reminders.sweep(w.today, enqueue=False)
    assert Reminder.objects.count() == count
    reminders.sweep(w.today + timedelta(days=1), enqueue=False)
    assert Reminder.objects.filter(kind=K.CASE_MISSED).count() == 2


def test_a_paid_installment_is_not_told(w):
    plan = accept(w)
    first = plan.installments.get(number=1)
    plan_services.record_payment(plan, first.amount, first.due_date)
    reminders.sweep(w.today, enqueue=False)
    assert not Reminder.objects.filter(kind=K.CASE_MISSED).exists()


# A worse tier ------------------------------------------------------------------------


def test_a_worse_tier_is_told_on_the_day_it_is_reached(w):
    for offset in (-1, 1):
        reminders.sweep(w.today + timedelta(days=offset), enqueue=False)
    assert not Reminder.objects.filter(kind=K.CASE_TIER).exists()
    reminders.sweep(w.today, enqueue=False)
    # The plan debt (45 days) reaches nothing today; the tier debt becomes moderate.
    assert recipients(w, K.CASE_TIER) == FOLLOWERS
    for reminder in counselor_rows(w, K.CASE_TIER):
        assert reminder.subject == f"tier:{w.tier_debt.pk}:moderate:c{reminder.user.counselor.pk}"
        assert reminder.link == reverse("counselor_borrower", args=[w.x.pk])
        with translation.override("en"):
            assert reminders.reminder_title(reminder) == (
                "Xavier Xu: the debt to Tier Lender reached Moderate delinquency today, "
                f"{w.today.isoformat()}"
            )
    count = Reminder.objects.count()
    reminders.sweep(w.today, enqueue=False)
    assert Reminder.objects.count() == count


def test_the_first_day_past_due_and_severe_are_worse_tiers_too(w):
    w.tier_debt.first_missed_date = w.today - timedelta(days=1)
    w.tier_debt.save()
    reminders.sweep(w.today, enqueue=False)
    assert Reminder.objects.filter(kind=K.CASE_TIER).first().context["tier"] == "light"
    Reminder.objects.all().delete()
    w.tier_debt.first_missed_date = w.today - timedelta(days=61)
    w.tier_debt.save()
    reminders.sweep(w.today, enqueue=False)
    assert Reminder.objects.filter(kind=K.CASE_TIER).first().context["tier"] == "severe"


def test_a_debt_with_an_agreed_plan_stops_escalating(w):
    w.proposal.debts.set([w.plan_debt, w.tier_debt])
    accept(w)
    reminders.sweep(w.today, enqueue=False)
    assert not Reminder.objects.filter(kind=K.CASE_TIER).exists()


def test_grace_days_move_the_day(w):
    w.tier_debt.grace_days_override = 3
    w.tier_debt.first_missed_date = w.today - timedelta(days=3)
    w.tier_debt.save()
    reminders.sweep(w.today, enqueue=False)  # still in grace
    assert not Reminder.objects.filter(kind=K.CASE_TIER).exists()
    reminders.sweep(w.today + timedelta(days=1), enqueue=False)  # 4 days past due: light
    assert recipients(w, K.CASE_TIER) == FOLLOWERS


# Channels: the preferences page, switching off, unsubscribing ----------------------------


def kinds_listed(user) -> set[str]:
    html = client_for(user).get(reverse("notification_preferences")).content.decode()
    return set(re.findall(r'name="email:(\w+)"', html)) | set(
        re.findall(r'name="in_app:(\w+)"', html)
    )


def test_the_settings_page_lists_each_account_the_kinds_it_receives(w):
    counselor_kinds = {str(k) for k in COUNSELOR_RECIPIENT_KINDS}
    assert counselor_kinds == {
        "digest",
        "review_asked",
        "case_answered",
        "case_missed",
        "case_tier",
    }
    borrower_kinds = set(K.values) - counselor_kinds
    assert kinds_listed(w.a.user) == counselor_kinds
    assert kinds_listed(w.x.user) == borrower_kinds
    # An account with both profiles (a counselor who is also a borrower) gets both.
    BorrowerFactory(user=w.o.user)
    assert kinds_listed(User.objects.get(pk=w.o.user.pk)) == set(K.values)


def test_a_counselor_switches_both_channels_of_a_case_kind_off(w, mailoutbox):
    data = {f"{c}:{k}": "on" for k in COUNSELOR_RECIPIENT_KINDS for c in Channel.values}
    del data[f"email:{K.CASE_TIER}"]
    del data[f"in_app:{K.CASE_TIER}"]
    del data[f"email:{K.CASE_MISSED}"]
    response = client_for(w.a.user).post(reverse("notification_preferences"), data)
    assert response.status_code == 302
    reminders.sweep(w.today, enqueue=False)
    tier = Reminder.objects.get(kind=K.CASE_TIER, user=w.a.user)
    assert reminders.send_reminder(tier.pk) == "sent"
    tier.refresh_from_db()
    assert tier.status == "skipped" and mailoutbox == []
    # Counselor B's settings are theirs: B is told by both channels.
    other = Reminder.objects.get(kind=K.CASE_TIER, user=w.b.user)
    reminders.send_reminder(other.pk)
    other.refresh_from_db()
    assert (other.status, other.emailed, other.in_app) == ("sent", True, True)
    assert mailoutbox[0].to == ["b@agency.example"]


def test_the_unsubscribe_link_works_for_the_case_kinds(w, mailoutbox):
    accept(w)
    reminders.sweep(w.today, enqueue=False)
    missed = Reminder.objects.get(kind=K.CASE_MISSED, user=w.a.user)
    reminders.send_reminder(missed.pk)
    [message] = mailoutbox
    assert message.to == ["a@agency.example"]
    assert "Xavier Xu missed installment 1" in message.subject
    assert reverse("counselor_borrower", args=[w.x.pk]) in message.body
    path = urlparse(message.extra_headers["List-Unsubscribe"].strip("<>")).path
    page = Client(headers={"accept-language": "en"}).get(path)
    assert page.status_code == 200
    assert "A borrower missed an installment (counselors)" in page.content.decode()
    # The mail client's one-click POST: no cookie, no CSRF token.
    assert Client(enforce_csrf_checks=True).post(path).status_code == 200
    assert not reminders.channel_enabled(w.a.user.pk, Channel.EMAIL, K.CASE_MISSED)
    assert reminders.channel_enabled(w.a.user.pk, Channel.EMAIL, K.CASE_TIER)
    tier = Reminder.objects.get(kind=K.CASE_TIER, user=w.a.user)
    later = Reminder.objects.create(
        user=w.a.user,
        kind=K.CASE_MISSED,
        subject="installment:other:c1",
        on_date=w.today,
        context=missed.context,
    )
    reminders.send_reminder(later.pk)
    reminders.send_reminder(tier.pk)
    later.refresh_from_db()
    assert (later.emailed, later.in_app, later.status) == (False, True, "sent")
    assert len(mailoutbox) == 2 and "Tier Lender" in mailoutbox[1].subject


# The Monday digest ------------------------------------------------------------------------


def test_the_digest_skips_deactivated_counselors(w, monkeypatch):
    monkeypatch.setattr(reminders, "DIGEST_WEEKDAY", w.today.weekday())
    reminders.sweep(w.today, enqueue=False)
    digests = Reminder.objects.filter(kind=K.COUNSELOR_DIGEST)
    # A and B follow X; D also has a grant, but is deactivated; R's grant is revoked;
    # O has no caseload.
    assert sorted(digests.values_list("user__email", flat=True)) == FOLLOWERS
    Counselor.objects.filter(pk=w.b.pk).update(deactivated_at=timezone.now())
    digests.delete()
    reminders.sweep(w.today, enqueue=False)
    assert list(digests.values_list("user__email", flat=True)) == ["a@agency.example"]


# No app URL makes a counselor an agency admin ----------------------------------------------------


JOIN = re.compile(r"/counselor/join/([\w-]+)/")


@pytest.mark.parametrize("existing_account", [False, True])
def test_the_invite_and_join_flows_make_plain_counselors_whatever_is_posted(
    w, django_capture_on_commit_callbacks, monkeypatch, existing_account
):
    monkeypatch.setattr(
        account_mail.send_counselor_invite, "delay", account_mail.send_counselor_invite
    )
    w.a.is_agency_admin = True
    w.a.save()
    if existing_account:
        User.objects.create_user("new@agency.example", PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(w.a.user).post(
            reverse("agency_invite"),
            {"email": "new@agency.example", "display_name": "New One", "is_agency_admin": "1"},
        )
    assert response.status_code == 302
    assert CounselorInvite.objects.get().email == "new@agency.example"
    url = reverse("counselor_join", args=[JOIN.search(mail.outbox[-1].body)[1]])
    data = {"display_name": "New One", "password1": PASSWORD, "is_agency_admin": "1"}
    if not existing_account:
        data["password2"] = PASSWORD
    response = Client().post(url, data)
    assert response.status_code == 302
    joined = Counselor.objects.get(user__email="new@agency.example")
    assert joined.agency_id == w.a.agency_id and joined.is_agency_admin is False
    # The new counselor opens no page of the agency.
    assert client_for(joined.user).get(reverse("agency")).status_code == 404


# Through the real worker and SMTP server ---------------------------------------------------------


def delivered(inbox) -> Counter:
    """(recipient, kind) of each email received, found by its Message-ID."""
    received: Counter = Counter()
    for envelope in inbox.messages:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        found_id = MESSAGE_ID.search(message["Message-ID"])
        assert found_id is not None
        reminder = Reminder.objects.select_related("user").get(pk=int(found_id[1]))
        assert envelope.rcpt_tos == [reminder.user.email]
        received[(reminder.user.email, reminder.kind)] += 1
    return received


def in_app(user) -> Counter:
    html = client_for(user).get(reverse("notifications")).content.decode()
    return Counter(re.findall(r'data-kind="(\w+)"', html))


def all_sent() -> bool:
    return not Reminder.objects.filter(status=Reminder.Status.PENDING).exists()


COUNSELOR_EVENTS = {K.REVIEW_ASKED, K.CASE_ANSWERED, K.CASE_MISSED, K.CASE_TIER}


@pytest.mark.django_db(transaction=True)
def test_each_event_reaches_each_recipient_once_by_email_and_in_the_app(
    seeded_profiles, smtp_server, w, celery_worker
):
    # Each step waits for the worker to be done with the previous one: in the
    # SQLite test database, two writers at once fail ("database table is locked").
    x = client_for(w.x.user)
    # Review asked (to the counselors), reviewed (to the borrower).
    assert x.post(reverse("request_review", args=[w.proposal.pk])).status_code == 302
    assert wait_for(all_sent)
    response = client_for(w.a.user).post(
        reverse("proposal_review", args=[w.x.pk, w.proposal.pk]), {"decision": "approve"}
    )
    assert response.status_code == 302
    assert wait_for(all_sent)
    # The lender's answer, recorded by the borrower.
    proposal_services.finalise(w.proposal, w.today, "zh-hans")
    response = x.post(
        reverse("proposal_answer", args=[w.proposal.pk]),
        {"kind": "accepted", "answered_on": w.today.isoformat()},
    )
    assert response.status_code == 302 and Plan.objects.exists()
    assert wait_for(all_sent)
    # The day's sweep: installment 1 was due yesterday; the tier debt turns moderate.
    reminders.sweep(w.today)
    assert wait_for(all_sent)
    assert wait_for(lambda: len(smtp_server.messages) == Reminder.objects.count())
    emails = delivered(smtp_server)
    for follower in FOLLOWERS:
        assert {kind for (to, kind) in emails if to == follower} == COUNSELOR_EVENTS
    for (to, kind), n in emails.items():
        assert n == 1, (to, kind)
        assert to in [*FOLLOWERS, "xavier@example.com"], (to, kind)
    assert emails[("xavier@example.com", K.REVIEWED)] == 1
    assert emails[("xavier@example.com", K.MISSED)] == 1
    # One in-app item each; nothing for the revoked, the deactivated, the unrelated.
    for counselor in (w.a, w.b):
        assert in_app(counselor.user) == {kind: 1 for kind in COUNSELOR_EVENTS}
    for counselor in (w.r, w.d, w.o):
        assert in_app(counselor.user) == {}
    assert in_app(w.x.user)[K.REVIEWED] == 1
    # The counselors' emails name the borrower and link to the counselor's pages.
    for envelope in smtp_server.messages:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        if envelope.rcpt_tos[0] in FOLLOWERS:
            assert "Xavier Xu" in message["Subject"]
            assert f"/counselor/borrowers/{w.x.pk}/" in message.get_content()
    # A second sweep of the day adds and sends nothing.
    count = Reminder.objects.count()
    again = reminders.sweep(w.today)
    assert (Reminder.objects.count(), again.enqueued) == (count, 0)
    assert len(smtp_server.messages) == count


@pytest.mark.django_db(transaction=True)
def test_the_worker_follows_each_counselors_channels(
    seeded_profiles, smtp_server, w, celery_worker
):
    # A switches off the email of worse tiers on the settings page; B the in-app
    # items of missed installments.
    data = {f"{c}:{k}": "on" for k in COUNSELOR_RECIPIENT_KINDS for c in Channel.values}
    del data[f"email:{K.CASE_TIER}"]
    assert client_for(w.a.user).post(reverse("notification_preferences"), data).status_code == 302
    reminders.set_channel(w.b.user, Channel.IN_APP, K.CASE_MISSED, False)
    accept(w)
    assert wait_for(all_sent)  # one writer at a time (see above)
    reminders.sweep(w.today)
    assert wait_for(all_sent)
    emailed = Reminder.objects.filter(emailed=True).count()
    assert wait_for(lambda: len(smtp_server.messages) == emailed)
    emails = delivered(smtp_server)
    assert {kind for (to, kind) in emails if to == "a@agency.example"} == set(CASE_KINDS) - {
        K.CASE_TIER
    }
    assert {kind for (to, kind) in emails if to == "b@agency.example"} == set(CASE_KINDS)
    assert in_app(w.a.user) == {kind: 1 for kind in CASE_KINDS}
    assert in_app(w.b.user) == {K.CASE_ANSWERED: 1, K.CASE_TIER: 1}
