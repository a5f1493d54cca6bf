"""Reminders: each kind on its exact day, exactly once, by the channels left on."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from borrowers.models import AccessGrant, User
from repayment_plans.models import (
    Channel,
    EmailDelivery,
    LenderAnswer,
    Reminder,
    ReminderKind,
)
from repayment_plans.plans import services as plan_services
from repayment_plans.proposals import services as proposal_services
from repayment_plans.reminders import engine as reminders
from repayment_plans.reminders.views import unread_count
from repayment_plans.tasks import daily_reminder_sweep, send_reminder_batch
from tests.factories import DebtFactory
from tests.repayment_plans.conftest import make_proposal
from tests.repayment_plans.test_email import wait_for

K = ReminderKind


@pytest.fixture
def plan(huabei_debt, today):
    version = proposal_services.finalise(
        make_proposal([huabei_debt], months=6, first_due=today + timedelta(days=10)),
        today,
        "zh-hans",
    )
    return proposal_services.record_answer(
        version.proposal, LenderAnswer(kind="accepted", answered_on=today)
    )


@pytest.fixture
def first(plan):
    return plan.installments.get(number=1)


def kinds_on(day):
    reminders.sweep(day, enqueue=False)
    return sorted(Reminder.objects.filter(on_date=day).values_list("kind", flat=True))


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (-4, []),
        (-3, [K.DUE_IN_3_DAYS]),
        (-2, []),
        (-1, [K.DUE_TOMORROW]),
        (0, [K.DUE_TODAY]),
        (1, [K.MISSED]),
        (2, []),
    ],
)
def test_installment_reminders_on_their_exact_days(first, offset, expected):
    assert kinds_on(first.due_date + timedelta(days=offset)) == expected


def test_a_paid_installment_is_neither_due_nor_missed(plan, first):
    plan_services.record_payment(plan, first.amount, first.due_date - timedelta(days=5))
    assert kinds_on(first.due_date) == []
    assert kinds_on(first.due_date + timedelta(days=1)) == []


def test_tier_reminders_7_days_and_1_day_before(alice, today):
    # Huabei-like, no grace: severe from day 61, so 7 days before at day 54.
    debt = DebtFactory(borrower=alice, first_missed_date=today - timedelta(days=54))
    assert kinds_on(today) == [K.TIER_IN_7_DAYS]
    assert Reminder.objects.get().subject == f"debt:{debt.pk}"
    assert kinds_on(today + timedelta(days=6)) == [K.TIER_TOMORROW]
    assert kinds_on(today + timedelta(days=3)) == []


def test_no_tier_reminder_for_a_debt_in_an_active_plan(plan, huabei_debt, today):
    # huabei_debt is 45 days late: severe in 16 days; 7 days before is in 9 days.
    assert K.TIER_IN_7_DAYS not in kinds_on(today + timedelta(days=9))


def test_no_answer_after_14_days(version, today):
    delivery = EmailDelivery.objects.create(
        version=version, to_email="a@lender.example", status="sent"
    )
    EmailDelivery.objects.filter(pk=delivery.pk).update(sent_at=timezone.now())
    assert kinds_on(today + timedelta(days=14)) == [K.NO_ANSWER]
    assert kinds_on(today + timedelta(days=13)) == []


def test_milestone_reached_today(alice, today):
    DebtFactory(borrower=alice, first_missed_date=today - timedelta(days=90), cleared_on=today)
    assert kinds_on(today).count(K.MILESTONE) == 2  # the debt, and the whole record
    assert kinds_on(today + timedelta(days=1)) == []


def test_a_plan_paid_off_reaches_its_milestones_on_the_payment_day(plan, today):
    """No debt is marked repaid: the plan's payments alone clear it, and the sweep
    still finds the borrower (it only skips borrowers with nothing paid)."""
    payday = today + timedelta(days=3)
    assert kinds_on(payday).count(K.MILESTONE) == 0  # a plan, nothing paid
    plan_services.record_payment(plan, plan.principal, payday)
    milestones = Reminder.objects.filter(on_date=payday, kind=K.MILESTONE)
    reminders.sweep(payday, enqueue=False)
    assert {m.context["milestone"] for m in milestones} >= {"cleared"}


def test_one_record_per_subject_kind_and_day(first):
    day = first.due_date
    reminders.sweep(day, enqueue=False)
    reminders.sweep(day, enqueue=False)
    assert Reminder.objects.filter(on_date=day).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(
            user=first.plan.proposal.borrower.user,
            kind=K.DUE_TODAY,
            subject=f"installment:{first.pk}",
            on_date=day,
        )


def test_an_interrupted_sweep_completes_on_the_next_run(alice, first, monkeypatch):
    day = first.due_date - timedelta(days=3)
    DebtFactory(borrower=alice, first_missed_date=day - timedelta(days=54))

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed")
        yield  # pragma: no cover

    monkeypatch.setattr(reminders, "_tier_candidates", crash)
    with pytest.raises(RuntimeError):
        reminders.sweep(day, enqueue=False)
    assert list(Reminder.objects.values_list("kind", flat=True)) == [K.DUE_IN_3_DAYS]
    monkeypatch.undo()
    reminders.sweep(day, enqueue=False)
    assert sorted(Reminder.objects.values_list("kind", flat=True)) == [
        K.DUE_IN_3_DAYS,
        K.TIER_IN_7_DAYS,
    ]


def test_sweeps_use_the_shanghai_date_at_the_day_boundary():
    # 15:59 UTC is 23:59 in Shanghai; 16:01 UTC is 00:01 the next day.
    assert str(reminders.local_today(datetime(2026, 11, 28, 15, 59, tzinfo=UTC))) == "2026-11-28"
    assert str(reminders.local_today(datetime(2026, 11, 28, 16, 1, tzinfo=UTC))) == "2026-11-29"


def reminder_for(first, kind=K.DUE_TODAY):
    reminders.sweep(first.due_date, enqueue=False)
    return Reminder.objects.get(kind=kind)


def test_delivery_emails_in_the_users_language_with_a_link_and_unsubscribe(first, mailoutbox):
    reminder = reminder_for(first)
    assert reminders.send_reminder(reminder.pk) == "sent"
    [message] = mailoutbox
    assert "今天" in message.subject and "重庆蚂蚁消费金融" in message.subject
    assert f"/plans/{first.plan_id}/" in message.body
    assert "/unsubscribe/" in message.body and message.extra_headers["List-Unsubscribe"]
    reminder.refresh_from_db()
    assert (reminder.status, reminder.emailed, reminder.in_app) == ("sent", True, True)


def test_english_speakers_get_english(first, mailoutbox, alice):
    alice.user.language = "en"
    alice.user.save()
    reminders.send_reminder(reminder_for(first).pk)
    assert "is due today" in mailoutbox[0].subject


def test_the_same_reminder_delivered_twice_sends_one_email(first, mailoutbox):
    reminder = reminder_for(first)
    send_reminder_batch.apply(args=[[reminder.pk]])
    send_reminder_batch.apply(args=[[reminder.pk]])
    assert len(mailoutbox) == 1


def test_unsubscribe_link_stops_that_kind_of_email_at_once(client, first, mailoutbox):
    reminder = reminder_for(first)
    reminders.send_reminder(reminder.pk)
    link = next(w for w in mailoutbox[0].body.split() if "/unsubscribe/" in w)
    path = link.split("testserver")[-1].replace("http://127.0.0.1:8000", "")
    # Opening the link (as a mail scanner does) only asks.
    assert client.get(path).status_code == 200
    assert reminders.channel_enabled(reminder.user_id, Channel.EMAIL, K.DUE_TODAY)
    # The mail client's one-click POST (RFC 8058) has no cookie and no CSRF token.
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert mailoutbox[0].extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    later = Reminder.objects.create(
        user=reminder.user, kind=K.DUE_TODAY, subject="installment:other", on_date=first.due_date
    )
    reminders.send_reminder(later.pk)
    assert len(mailoutbox) == 1
    later.refresh_from_db()
    assert (later.status, later.emailed, later.in_app) == ("sent", False, True)


def test_a_tampered_or_expired_token_changes_nothing(client, alice, monkeypatch):
    token = reminders.unsubscribe_token(alice.user.pk, K.DUE_TODAY)
    response = client.get(reverse("unsubscribe", args=[token[:-2] + "xx"]))
    assert response.status_code == 400
    monkeypatch.setattr(reminders, "UNSUBSCRIBE_MAX_AGE", -1)
    assert client.get(reverse("unsubscribe", args=[token])).status_code == 400
    assert reminders.channel_enabled(alice.user.pk, Channel.EMAIL, K.DUE_TODAY)


def test_preferences_switch_channels_off(alice_client, alice, first, mailoutbox):
    data = {f"{c}:{k}": "on" for k in K.values for c in Channel.values}
    del data[f"email:{K.DUE_TODAY}"]
    del data[f"in_app:{K.DUE_TODAY}"]
    alice_client.post(reverse("notification_preferences"), data)
    reminder = reminder_for(first)
    reminders.send_reminder(reminder.pk)
    reminder.refresh_from_db()
    assert reminder.status == "skipped" and mailoutbox == []


def test_in_app_list_and_unread_count(alice_client, first):
    reminders.send_reminder(reminder_for(first).pk)
    assert '<span class="badge"' in alice_client.get(reverse("dashboard")).content.decode()
    html = alice_client.get(reverse("notifications")).content.decode()
    assert 'data-kind="due_today"' in html
    assert '<span class="badge"' not in alice_client.get(reverse("dashboard")).content.decode()


def test_the_bell_is_counted_with_the_signed_in_user_in_one_query(alice_client, first):
    reminders.send_reminder(reminder_for(first).pk)
    page = queries_of(alice_client, reverse("budget"))
    counted = [q for q in page if "repayment_plans_reminder" in q]
    # The count comes as part of the query that reads the user: no query of its own.
    assert len(counted) == 1 and '"borrowers_user"' in counted[0] and "COUNT(" in counted[0]
    html = alice_client.get(reverse("budget")).content.decode()
    assert html.count('<span class="badge"') == 2  # the phone's bell and the row's
    assert 'class="badge" aria-label="1条未读">1</span>' in html
    # Opening the list reads everything: its own page shows no count, nor does the next.
    html = alice_client.get(reverse("notifications")).content.decode()
    assert 'data-kind="due_today"' in html and '<span class="badge"' not in html
    assert '<span class="badge"' not in alice_client.get(reverse("budget")).content.decode()


def test_a_user_read_otherwise_has_the_bell_counted_when_shown(alice, first, rf):
    """A request whose user was not read by the backend (a test's request
    factory, a view that swaps it) still shows the right count."""
    reminders.send_reminder(reminder_for(first).pk)
    request = rf.get("/")
    request.user = User.objects.get(pk=alice.user.pk)  # no count read with it
    count = unread_count(request)["unread_notifications"]
    with CaptureQueriesContext(connection) as queries:
        assert count() == 1 and count() == 1
    assert len(queries.captured_queries) == 1


def queries_of(client, url, **headers) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, **headers).status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def test_smtp_refusing_then_accepting_is_retried_to_sent(smtp_server, first):
    smtp_server.refuse = 2
    reminder = reminder_for(first)
    send_reminder_batch.apply(args=[[reminder.pk]])
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == ("sent", 3)
    assert len(smtp_server.messages) == 1


def test_after_the_last_try_the_reminder_is_failed_and_visible(smtp_server, first):
    smtp_server.refuse = 100
    reminder = reminder_for(first)
    send_reminder_batch.apply(args=[[reminder.pk]])
    reminder.refresh_from_db()
    assert reminder.status == "failed" and "try again later" in reminder.failure_reason


def test_the_command_dry_run_changes_nothing(first, capsys):
    call_command("send_reminders", "--dry-run", "--date", first.due_date.isoformat())
    assert "would remind 1" in capsys.readouterr().out
    assert not Reminder.objects.exists()
    with pytest.raises(CommandError):
        call_command("send_reminders", "--date", "tomorrow")


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_sweep_and_the_emails_arrive(
    seeded_profiles, smtp_server, alice, today, celery_worker
):
    debt = DebtFactory(borrower=alice, principal=Decimal("600"), first_missed_date=today)
    version = proposal_services.finalise(
        make_proposal([debt], months=2, first_due=today), today, "zh-hans"
    )
    proposal_services.record_answer(
        version.proposal, LenderAnswer(kind="accepted", answered_on=today)
    )
    daily_reminder_sweep.delay()
    assert wait_for(lambda: len(smtp_server.messages) == 1)
    assert wait_for(lambda: Reminder.objects.filter(status="sent").count() == 1)
    assert smtp_server.messages[0].rcpt_tos == [alice.user.email]


def test_monday_digest_for_each_counselor_with_a_caseload(alice, charlie, mailoutbox):
    from datetime import date

    monday = date(2027, 3, 1)
    AccessGrant.objects.create(borrower=alice, counselor=charlie)
    # 54 days late on Monday: severe in 7 days, within the week ahead.
    DebtFactory(borrower=alice, first_missed_date=monday - timedelta(days=54))
    assert K.COUNSELOR_DIGEST in kinds_on(monday)
    assert K.COUNSELOR_DIGEST not in kinds_on(monday + timedelta(days=1))
    digest = Reminder.objects.get(kind=K.COUNSELOR_DIGEST)
    assert digest.user == charlie.user
    assert digest.context["tier_changes"] == [["Alice", "2027-03-08"]]
    reminders.send_reminder(digest.pk)
    assert "Alice: 2027-03-08" in mailoutbox[0].body


# The set-based sweep: what it writes, and its queries ----------------------------------


def test_the_installment_reminders_say_what_they_said(plan, first):
    """Written by the database (INSERT … SELECT), each row reads as the row built
    in Python did: the amount left with two decimals, the plan's link."""
    plan_services.record_payment(plan, Decimal("100.50"), first.due_date - timedelta(days=9))
    first.refresh_from_db()
    left = first.amount - first.paid_amount
    assert left.as_tuple().exponent == -2 and left != first.amount
    second = plan.installments.get(number=2)
    result = reminders.sweep(first.due_date, enqueue=False)
    assert result.candidates == {K.DUE_TODAY: 1} == result.inserted
    reminder = Reminder.objects.get()
    assert (reminder.user, reminder.kind, reminder.subject, reminder.on_date) == (
        plan.proposal.borrower.user,
        K.DUE_TODAY,
        f"installment:{first.pk}",
        first.due_date,
    )
    assert reminder.context == {
        "number": 1,
        "due": first.due_date.isoformat(),
        "amount": str(left),
        "lender": plan.proposal.lender_name,
    }
    assert reminder.link == reverse("plan_detail", args=[plan.pk])
    assert (reminder.status, reminder.emailed, reminder.in_app, reminder.attempts) == (
        "pending",
        False,
        True,
        0,
    )
    assert reminder.created_at is not None and reminder.read_at is reminder.sent_at is None
    assert second.amount == Decimal(str(second.amount))  # a whole amount reads "1025.00"
    reminders.sweep(second.due_date - timedelta(days=3), enqueue=False)
    assert Reminder.objects.get(kind=K.DUE_IN_3_DAYS).context["amount"] == f"{second.amount:.2f}"


def test_a_second_sweep_finds_the_same_and_writes_nothing(first):
    day = first.due_date
    assert reminders.sweep(day, enqueue=False).inserted == {K.DUE_TODAY: 1}
    again = reminders.sweep(day, enqueue=False)
    assert again.candidates == {K.DUE_TODAY: 1} and not again.inserted


def sweep_queries(day, batch_size, **options) -> tuple[int, reminders.SweepResult]:
    Reminder.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        result = reminders.sweep(day, enqueue=False, batch_size=batch_size, **options)
    return len(queries), result


def test_each_batch_of_installments_costs_the_same_queries(plan, charlie, monkeypatch):
    """Three queries per batch (its bounds and candidates, the borrowers'
    rows, the counselors' rows), whatever the batch holds."""
    monkeypatch.setattr(reminders, "DIGEST_WEEKDAY", 7)  # no Monday digest here
    AccessGrant.objects.create(borrower=plan.proposal.borrower, counselor=charlie)
    day = plan.installments.get(number=6).due_date + timedelta(days=40)
    # Installments 1-3 due in 3 days, today and yesterday (missed: a counselor's row too).
    for number, offset in ((1, 3), (2, 0), (3, -1)):
        plan.installments.filter(number=number).update(due_date=day + timedelta(days=offset))
    sweep_queries(day, batch_size=3)  # a new connection asks SQLite once what JSON it has
    one, in_one = sweep_queries(day, batch_size=3)
    assert in_one.inserted == {K.DUE_IN_3_DAYS: 1, K.DUE_TODAY: 1, K.MISSED: 1, K.CASE_MISSED: 1}
    assert in_one.candidates == in_one.inserted
    three, in_three = sweep_queries(day, batch_size=1)
    assert in_three.inserted == in_one.inserted
    assert in_three.batches - in_one.batches == 2  # 3 batches of installments instead of 1
    assert three - one == 2 * 3
    # Twice the installments in each of three batches: the same queries.
    for number, offset in ((4, 3), (5, 0), (6, -1)):
        plan.installments.filter(number=number).update(due_date=day + timedelta(days=offset))
    six, result = sweep_queries(day, batch_size=2)
    assert (six, Reminder.objects.count()) == (three, 8)
    # Counting only (dry run): one query per batch.
    dry_one, _ = sweep_queries(day, batch_size=6, dry_run=True)
    dry_three, result = sweep_queries(day, batch_size=2, dry_run=True)
    assert dry_three - dry_one == 2 * 1 and not Reminder.objects.exists()
    assert result.candidates[K.CASE_MISSED] == 2 and not result.inserted


def test_enqueuing_reads_the_ids_a_page_at_a_time(
    first, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(
        "repayment_plans.tasks.send_reminder_batch.apply_async",
        lambda args, argsrepr: queued.append((*args, argsrepr)),
    )
    monkeypatch.setattr(reminders, "SEND_BATCH_SIZE", 2)
    day = first.due_date
    user = first.plan.proposal.borrower.user
    made = Reminder.objects.bulk_create(
        Reminder(user=user, kind=K.DUE_TODAY, subject=f"installment:x{n}", on_date=day)
        for n in range(5)
    )
    Reminder.objects.filter(pk=made[0].pk).update(status=Reminder.Status.SENT)
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert reminders.enqueue_pending(day, batch_size=3) == 4
    assert len(queries) == 2  # pages of 3 ids: 3, then 1
    assert queued == [
        ([m.pk for m in made[1:3]], "(2 reminders)"),
        ([made[3].pk], "(1 reminders)"),
        ([made[4].pk], "(1 reminders)"),
    ]
