"""Reminders, their settings and the private calendar feed."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CalendarFeed(models.Model):
    """The borrower's private calendar subscription: the secret token in its URL.

    A revoked feed keeps its row with no token, so no URL matches it.
    """

    borrower = models.OneToOneField(
        "borrowers.Borrower", on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.borrower}: {'active' if self.token else 'revoked'}"

    @classmethod
    def for_borrower(cls, borrower) -> "CalendarFeed":
        feed, _created = cls.objects.get_or_create(borrower=borrower)
        return feed

    @property
    def is_active(self) -> bool:
        return bool(self.token)

    def renew(self) -> None:
        """A new secret token: the previous URL stops working at once."""
        self.token = secrets.token_urlsafe(32)
        self.rotated_at = timezone.now()
        self.save()

    def revoke(self) -> None:
        self.token = None
        self.rotated_at = timezone.now()
        self.save()


class ReminderKind(models.TextChoices):
    DUE_IN_3_DAYS = "due_in_3_days", _("Installment due in 3 days")
    DUE_TOMORROW = "due_tomorrow", _("Installment due tomorrow")
    DUE_TODAY = "due_today", _("Installment due today")
    MISSED = "missed", _("Installment missed")
    TIER_IN_7_DAYS = "tier_in_7_days", _("Debt reaches a worse tier in 7 days")
    TIER_TOMORROW = "tier_tomorrow", _("Debt reaches a worse tier tomorrow")
    MILESTONE = "milestone", _("Recovery milestone reached")
    NO_ANSWER = "no_answer", _("No answer to a proposal after 14 days")
    COUNSELOR_DIGEST = "digest", _("Weekly caseload digest (counselors)")
    DISPUTE_IN_3_DAYS = "dispute_in_3_days", _("Reply to a credit-report dispute due in 3 days")
    DISPUTE_DUE = "dispute_due", _("Reply to a credit-report dispute due today")
    COMPLAINT_DUE = "complaint_due", _("Reply to a complaint to the PBOC branch due")
    CONFIRMATION = "confirmation", _("An agreement by phone not yet confirmed in writing")
    LEGAL_IN_5_DAYS = "legal_in_5_days", _("A court or arbitration deadline in 5 days")
    LEGAL_IN_2_DAYS = "legal_in_2_days", _("A court or arbitration deadline in 2 days")
    LEGAL_DUE_TODAY = "legal_due_today", _("A court or arbitration deadline today")
    # Counselors (docs/counselors.md): sent when it happens, not by the sweep.
    REVIEW_ASKED = "review_asked", _("A proposal awaits your review (counselors)")
    REVIEWED = "reviewed", _("Your counselor reviewed your proposal")
    TRANSFER = "transfer", _("Another counselor is proposed to follow your case")
    # Counselors, about the borrowers they follow (docs/notifications.md): the
    # answer when it is recorded, the missed installment and the worse tier by the sweep.
    CASE_ANSWERED = "case_answered", _("A lender answered a proposal (counselors)")
    CASE_MISSED = "case_missed", _("A borrower missed an installment (counselors)")
    CASE_TIER = "case_tier", _("A borrower's debt reached a worse tier (counselors)")


# The kinds sent to counselors; every other kind is sent to borrowers. The
# settings page lists each account the kinds it can receive.
COUNSELOR_RECIPIENT_KINDS = frozenset(
    {
        ReminderKind.COUNSELOR_DIGEST,
        ReminderKind.REVIEW_ASKED,
        ReminderKind.CASE_ANSWERED,
        ReminderKind.CASE_MISSED,
        ReminderKind.CASE_TIER,
    }
)


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    IN_APP = "in_app", _("In the app")


class Reminder(models.Model):
    """One reminder about one subject, of one kind, for one day: sent at most once.

    The row is the in-app notification as well as the record of the email.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Switched off")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    subject = models.CharField(max_length=64, help_text="e.g. installment:12, debt:3")
    on_date = models.DateField(help_text="The day (Asia/Shanghai) the reminder is for.")
    context = models.JSONField(default=dict, help_text="What the message says.")
    link = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    emailed = models.BooleanField(default=False)
    in_app = models.BooleanField(default=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    failure_reason = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-on_date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "kind", "on_date"], name="one_reminder_per_subject_kind_day"
            )
        ]
        indexes = [
            # The day's pending reminders, read a page at a time in key order
            # (engine.enqueue_pending): the key last, so no page is sorted.
            models.Index(fields=["status", "on_date", "id"]),
            models.Index(fields=["user", "read_at"]),
        ]

    def __str__(self):
        return f"{self.kind} {self.subject} {self.on_date} ({self.status})"


class NotificationPreference(models.Model):
    """A channel switched off for a kind of reminder (on unless a row says off)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    enabled = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "channel", "kind"], name="one_preference")
        ]

    def __str__(self):
        return f"{self.user} {self.channel}:{self.kind}={self.enabled}"
