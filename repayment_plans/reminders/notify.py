"""Notifications sent when something happens (a review asked for or given, a
transfer proposed, a lender's answer recorded), through the reminder
machinery: one Reminder row per recipient and event (the in-app item, and the
record of the email), sent by the worker with the recipient's preferences and
the unsubscribe link."""

import logging

from celery import current_app
from django.db import IntegrityError, transaction

from repayment_plans.models import Reminder
from repayment_plans.reminders.engine import following_grants, local_today

log = logging.getLogger(__name__)


def notify(user_id: int, kind: str, subject: str, context: dict, link: str) -> Reminder | None:
    """Record the notification and send it after the commit; None when this
    event was already notified to this user (the subject names the event)."""
    try:
        with transaction.atomic():
            reminder = Reminder.objects.create(
                user_id=user_id,
                kind=kind,
                subject=subject[:64],
                on_date=local_today(),
                context=context,
                link=link[:200],
            )
    except IntegrityError:
        return None

    def enqueue() -> None:
        try:
            # By its registered name, as the sweep does (repayment_plans.tasks imports the engine).
            current_app.tasks["repayment_plans.tasks.send_reminder_batch"].delay([reminder.pk])
        except Exception:  # noqa: BLE001 - the page must not fail; the beat sends it later
            log.exception("Could not queue notification %s", reminder.pk)

    transaction.on_commit(enqueue)
    return reminder


def following_counselors(borrower_id: int) -> list[tuple[int, int]]:
    """(counselor id, user id) of each counselor who follows the borrower: an
    active grant, and not deactivated by their agency."""
    return list(
        following_grants()
        .filter(borrower_id=borrower_id)
        .order_by("counselor_id")
        .values_list("counselor_id", "counselor__user_id")
    )


def notify_counselors(
    borrower_id: int, kind: str, event: str, context: dict, link: str
) -> list[Reminder]:
    """One notification of the event to each counselor following the borrower;
    the subject is the event's and the counselor's (``answer:12:c3``), so each
    counselor is told once."""
    sent = []
    for counselor_id, user_id in following_counselors(borrower_id):
        reminder = notify(user_id, kind, f"{event}:c{counselor_id}", context, link)
        if reminder is not None:
            sent.append(reminder)
    return sent
