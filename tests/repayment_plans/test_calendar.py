"""Calendar export: the .ics file, the private subscribe URL and its token."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from icalendar import Calendar

from repayment_plans.models import CalendarFeed, LenderAnswer, Plan
from repayment_plans.plans import services as plan_services
from repayment_plans.proposals import services as proposal_services
from repayment_plans.reminders.ical import CalendarEvent, build_calendar
from tests.factories import DebtFactory
from tests.repayment_plans.conftest import make_proposal

SHANGHAI = "Asia/Shanghai"


def accepted_plan(debts, today, months=12) -> Plan:
    proposal = make_proposal(debts, months=months)
    return proposal_services.record_answer(
        proposal, LenderAnswer(kind="accepted", answered_on=today)
    )


@pytest.fixture
def alice_plan(huabei_debt, today):
    return accepted_plan([huabei_debt], today)


@pytest.fixture
def bob_plan(bob, today):
    debt = DebtFactory(borrower=bob, lender_name="招商银行", principal=Decimal("1200.00"))
    return accepted_plan([debt], today)


def parse(response) -> Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events(cal: Calendar) -> dict:
    """The installment events, by UID (milestone events are checked on their own)."""
    return {str(e["UID"]): e for e in cal.walk("VEVENT") if str(e["UID"]).startswith("inst")}


def milestone_events(cal: Calendar) -> dict:
    return {
        str(e["UID"]).split("-")[1]: e
        for e in cal.walk("VEVENT")
        if str(e["UID"]).startswith("milestone-")
    }


def installment_uid(installment) -> str:
    return f"installment-{installment.pk}@huankuan"


def feed_url(token) -> str:
    return reverse("calendar_feed", args=[token])


def expected_summary(installment) -> str:
    with translation.override("zh-hans"):
        return translation.gettext("Installment %(number)s to %(lender)s: ¥%(amount)s") % {
            "number": installment.number,
            "lender": installment.plan.proposal.lender_name,
            "amount": f"{installment.amount:,.2f}",
        }


# The builder


def test_timed_and_all_day_events():
    stamp = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    body = build_calendar(
        [
            CalendarEvent("timed@test", date(2026, 5, 1), "Pay", at=time(9, 0)),
            CalendarEvent("allday@test", date(2026, 6, 1), "Milestone", "Details"),
        ],
        name="还款助手",
        stamp=stamp,
    )
    cal = Calendar.from_ical(body)
    assert str(cal["VERSION"]) == "2.0"
    assert cal["PRODID"]
    assert str(cal["X-WR-CALNAME"]) == "还款助手"
    assert str(cal["X-WR-TIMEZONE"]) == SHANGHAI
    assert [tz.tz_name for tz in cal.walk("VTIMEZONE")] == [SHANGHAI]

    by_uid = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    timed = by_uid["timed@test"]
    start = timed["DTSTART"]
    assert start.params["TZID"] == SHANGHAI
    assert start.dt == datetime(2026, 5, 1, 9, 0, tzinfo=start.dt.tzinfo)
    assert start.dt.tzinfo.key == SHANGHAI
    assert start.dt.utcoffset() == timedelta(hours=8)
    assert timed["DTSTAMP"].dt == stamp
    [alarm] = timed.walk("VALARM")
    assert alarm["TRIGGER"].dt == timedelta(days=-1)

    all_day = by_uid["allday@test"]
    assert all_day["DTSTART"].params["VALUE"] == "DATE"
    assert all_day["DTSTART"].dt == date(2026, 6, 1)
    assert not isinstance(all_day["DTSTART"].dt, datetime)
    assert str(all_day["DESCRIPTION"]) == "Details"
    assert not all_day.walk("VALARM")
    # Same input, same stamp: byte-identical output.
    assert body == build_calendar(
        [
            CalendarEvent("allday@test", date(2026, 6, 1), "Milestone", "Details"),
            CalendarEvent("timed@test", date(2026, 5, 1), "Pay", at=time(9, 0)),
        ],
        name="还款助手",
        stamp=stamp,
    )


def test_only_all_day_events_need_no_timezone():
    body = build_calendar([CalendarEvent("d@test", date(2026, 6, 1), "Day")], name="x")
    assert not Calendar.from_ical(body).walk("VTIMEZONE")


# Download


def test_download_has_one_event_per_unpaid_installment(alice_client, alice_plan, today):
    plan_services.record_payment(alice_plan, alice_plan.installments.first().amount, today)
    installments = list(alice_plan.installments.select_related("plan__proposal"))
    paid = [i for i in installments if i.paid_on is not None]
    unpaid = [i for i in installments if i.paid_on is None]
    assert len(paid) == 1 and len(unpaid) == 11

    response = alice_client.get(reverse("calendar_download"))
    assert response["Content-Disposition"] == 'attachment; filename="huankuan.ics"'
    cal = parse(response)
    by_uid = events(cal)
    assert set(by_uid) == {installment_uid(i) for i in unpaid}
    assert [tz.tz_name for tz in cal.walk("VTIMEZONE")] == [SHANGHAI]
    for installment in unpaid:
        event = by_uid[installment_uid(installment)]
        assert str(event["SUMMARY"]) == expected_summary(installment)
        start = event["DTSTART"].dt
        assert start.tzinfo.key == SHANGHAI
        assert (start.date(), start.time()) == (installment.due_date, time(9, 0))
    assert "¥500.00" in str(by_uid[installment_uid(unpaid[0])]["SUMMARY"])


def test_uids_are_stable_across_exports(alice_client, alice_plan):
    first = events(parse(alice_client.get(reverse("calendar_download"))))
    second = events(parse(alice_client.get(reverse("calendar_download"))))
    assert len(first) == 12
    assert set(first) == set(second)


def test_completed_plans_are_left_out(alice_client, alice_plan):
    plan_services.record_payment(alice_plan, alice_plan.total_due, timezone.localdate())
    alice_plan.refresh_from_db()
    assert alice_plan.status == Plan.Status.COMPLETED
    assert events(parse(alice_client.get(reverse("calendar_download")))) == {}


def test_anonymous_download_goes_to_login(client, alice_plan):
    response = client.get(reverse("calendar_download"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# Feed and token


def test_feed_works_without_login(client, alice, alice_plan):
    feed = CalendarFeed.for_borrower(alice)
    feed.renew()
    response = client.get(feed_url(feed.token))
    assert response["Content-Disposition"] == 'inline; filename="huankuan.ics"'
    assert response["Cache-Control"] == "private, max-age=300"
    by_uid = events(parse(response))
    assert set(by_uid) == {installment_uid(i) for i in alice_plan.installments.all()}


def test_wrong_token_is_404(client, alice, alice_plan):
    CalendarFeed.for_borrower(alice).renew()
    assert client.get(feed_url("not-the-token")).status_code == 404


def test_revoked_token_stops_working(alice_client, alice, alice_plan):
    alice_client.post(reverse("calendar_settings"), {"action": "renew"})
    token = CalendarFeed.objects.get(borrower=alice).token
    assert alice_client.get(feed_url(token)).status_code == 200

    response = alice_client.post(reverse("calendar_settings"), {"action": "revoke"})
    assert response.status_code == 302
    assert CalendarFeed.objects.get(borrower=alice).token is None
    assert alice_client.get(feed_url(token)).status_code == 404


def test_renewed_token_replaces_the_old_one(alice_client, alice, alice_plan):
    alice_client.post(reverse("calendar_settings"), {"action": "renew"})
    old = CalendarFeed.objects.get(borrower=alice).token
    alice_client.post(reverse("calendar_settings"), {"action": "renew"})
    new = CalendarFeed.objects.get(borrower=alice).token
    assert new and new != old
    assert alice_client.get(feed_url(old)).status_code == 404
    assert len(events(parse(alice_client.get(feed_url(new))))) == 12


def test_bobs_token_never_serves_alices_events(client, alice, bob, alice_plan, bob_plan):
    alice_feed, bob_feed = CalendarFeed.for_borrower(alice), CalendarFeed.for_borrower(bob)
    alice_feed.renew()
    bob_feed.renew()
    alice_uids = {installment_uid(i) for i in alice_plan.installments.all()}
    bob_events = events(parse(client.get(feed_url(bob_feed.token))))
    assert set(bob_events) == {installment_uid(i) for i in bob_plan.installments.all()}
    assert not set(bob_events) & alice_uids
    alice_lender = alice_plan.proposal.lender_name
    assert alice_lender != bob_plan.proposal.lender_name
    assert not any(alice_lender in str(e["SUMMARY"]) for e in bob_events.values())


def test_feed_queries_do_not_grow_with_installments(client, alice, bob, huabei_debt, today):
    accepted_plan([huabei_debt], today, months=3)
    accepted_plan([DebtFactory(borrower=bob, principal=Decimal("1200.00"))], today, months=12)
    counts = {}
    for borrower, expected in ((alice, 3), (bob, 12)):
        feed = CalendarFeed.for_borrower(borrower)
        feed.renew()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(feed_url(feed.token))
        assert len(events(parse(response))) == expected
        counts[expected] = len(queries)
    assert counts[3] == counts[12]


# Settings page


def test_settings_page_shows_the_absolute_subscribe_url(alice_client, alice):
    response = alice_client.get(reverse("calendar_settings"))
    assert response.status_code == 200
    assert reverse("calendar_download") in response.text
    assert "/calendar/feed/" not in response.text

    alice_client.post(reverse("calendar_settings"), {"action": "renew"})
    token = CalendarFeed.objects.get(borrower=alice).token
    response = alice_client.get(reverse("calendar_settings"))
    assert f"http://testserver{feed_url(token)}" in response.text
    assert f"webcal://testserver{feed_url(token)}" in response.text


def test_unknown_action_changes_nothing(alice_client, alice):
    response = alice_client.post(reverse("calendar_settings"), {"action": "delete-all"})
    assert response.status_code == 400
    assert not CalendarFeed.objects.exists()

    feed = CalendarFeed.for_borrower(alice)
    feed.renew()
    before = (feed.token, feed.rotated_at)
    response = alice_client.post(reverse("calendar_settings"), {"action": "nope"})
    assert response.status_code == 400
    feed.refresh_from_db()
    assert (feed.token, feed.rotated_at) == before


def test_settings_needs_login(client):
    response = client.get(reverse("calendar_settings"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_milestones_are_all_day_events_on_their_dates(alice_client, alice_plan):
    cal = parse(alice_client.get(reverse("calendar_download")))
    milestones = milestone_events(cal)
    last_due = alice_plan.installments.order_by("-number").first().due_date
    assert milestones["cleared"]["DTSTART"].dt == last_due
    assert "DATE" in str(milestones["deleted"]["DTSTART"].params.get("VALUE", "DATE"))
    assert milestones["deleted"]["DTSTART"].dt == last_due.replace(year=last_due.year + 5)
