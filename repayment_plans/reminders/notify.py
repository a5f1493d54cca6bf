"""Notifications sent when something happens (a review asked for or given, a
transfer proposed), through the reminder machinery: one Reminder row per
recipient and event (the in-app item, and the record of the email), sent by
the worker with the recipient's preferences and the unsubscribe link."""

import logging

from celery import current_app
from django.db import IntegrityError, transaction

from repayment_plans.models import Reminder
from repayment_plans.reminders.engine import local_today

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
