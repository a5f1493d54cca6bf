"""Calendar (.ics) export of installments and other dated events.

Pure functions: the views decide whose events go in; this module only turns
them into RFC 5545 bytes with the icalendar library.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar, Event, Timezone

PRODID = "-//Huankuan Zhushou//Repayment calendar//EN"
INSTALLMENT_TIME = time(9, 0)
REMINDER_BEFORE = timedelta(days=1)
# The VTIMEZONE covers at least this span, so it stays the same from one
# export to the next (it only grows for events outside of it).
TZ_FIRST_DATE = date(2000, 1, 1)
TZ_LAST_DATE = Timezone.DEFAULT_LAST_DATE


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    day: date
    title: str
    description: str = ""
    at: time | None = None
    duration_minutes: int = 30


def build_calendar(
    events: list[CalendarEvent],
    *,
    name: str,
    tz: str = "Asia/Shanghai",
    stamp: datetime | None = None,
) -> bytes:
    """The events as an iCalendar file.

    An event with a time of day is a timed event in ``tz`` (DTSTART;TZID=…,
    with the matching VTIMEZONE) and a reminder the day before; one without
    is an all-day event (DTSTART;VALUE=DATE). ``stamp`` (DTSTAMP) defaults to
    now; pass a fixed one for reproducible output.
    """
    zone = ZoneInfo(tz)
    stamp = (stamp or datetime.now(UTC)).astimezone(UTC)
    events = sorted(events, key=lambda e: (e.day, e.at or time.min, e.uid))

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.calendar_name = str(name)  # NAME and X-WR-CALNAME
    cal.add("x-wr-timezone", tz)

    for item in events:
        event = Event()
        event.uid = item.uid
        event.DTSTAMP = stamp
        event.summary = str(item.title)
        if item.description:
            event.description = str(item.description)
        if item.at is None:
            event.start = item.day
            event.end = item.day + timedelta(days=1)
        else:
            start = datetime.combine(item.day, item.at, tzinfo=zone)
            event.start = start
            event.end = start + timedelta(minutes=item.duration_minutes)
            event.add_component(Alarm.new_display(str(item.title), -REMINDER_BEFORE))
        cal.add_component(event)

    timed_days = [e.day for e in events if e.at is not None]
    if timed_days:
        cal.add_missing_timezones(
            first_date=min(TZ_FIRST_DATE, min(timed_days) - 2 * REMINDER_BEFORE),
            last_date=max(TZ_LAST_DATE, max(timed_days) + 2 * REMINDER_BEFORE),
        )
    return cal.to_ical()


def installment_events(plan_states) -> list[CalendarEvent]:
    """One event at 09:00 on the due date of each installment not paid in full,
    from the position's plan states (payments applied oldest first)."""
    events = []
    for state in plan_states:
        lender = state.plan.lender
        for installment in state.installments:
            if installment.paid_on is not None:
                continue
            title = _("Installment %(number)s to %(lender)s: ¥%(amount)s") % {
                "number": installment.number,
                "lender": lender,
                "amount": f"{installment.amount:,.2f}",
            }
            description = ""
            if installment.paid_amount:
                description = _("Already paid ¥%(paid)s; ¥%(left)s left.") % {
                    "paid": f"{installment.paid_amount:,.2f}",
                    "left": f"{installment.left:,.2f}",
                }
            events.append(
                CalendarEvent(
                    uid=f"installment-{installment.id}@huankuan",
                    day=installment.due,
                    title=title,
                    description=description,
                    at=INSTALLMENT_TIME,
                )
            )
    return events
