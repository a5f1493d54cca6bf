import secrets
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from borrowers.models import Borrower, Debt, OwnedQuerySet, money_field
from repayment_plans.disputes import rules as disputes
from repayment_plans.plans import adherence
from repayment_plans.plans.schedules import Method

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

METHOD_CHOICES = [
    (Method.INTEREST_FREE, _("Interest frozen: equal principal")),
    (Method.ANNUITY, _("Equal payments with interest (等额本息)")),
    (Method.EQUAL_PRINCIPAL, _("Equal principal with interest (等额本金)")),
]


class ProposalQuerySet(OwnedQuerySet):
    pass


class Proposal(models.Model):
    """What the borrower asks one lender for (协商还款申请书), editable until sent.

    Finalising freezes the current terms into a numbered ProposalVersion with
    its PDF; editing afterwards starts the next version.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("Awaiting the counselor's review")
        CHANGES_REQUESTED = "changes", _("Changes requested")
        APPROVED = "approved", _("Approved by the counselor")
        FINALISED = "finalised", _("Finalised")
        ACCEPTED = "accepted", _("Accepted")
        COUNTERED = "countered", _("Countered")
        REJECTED = "rejected", _("Rejected")

    borrower = models.ForeignKey(Borrower, on_delete=models.CASCADE, related_name="proposals")
    lender_name = models.CharField(_("lender"), max_length=120)
    debts = models.ManyToManyField(Debt, related_name="proposals", verbose_name=_("debts"))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    method = models.CharField(
        _("repayment method"), max_length=20, choices=METHOD_CHOICES, default=Method.INTEREST_FREE
    )
    annual_percent = models.DecimalField(
        _("interest rate (percent per year)"),
        max_digits=7,
        decimal_places=4,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("36"))],
    )
    months = models.PositiveSmallIntegerField(
        _("number of installments"), validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    first_due_date = models.DateField(_("first installment date"))
    good_faith_amount = money_field(_("good-faith first payment"), default=Decimal("0"))
    ask_freeze_interest = models.BooleanField(_("ask to stop interest"), default=True)
    ask_waive_penalty = models.BooleanField(
        _("ask to waive penalty interest and fees"), default=True
    )
    lender_email = models.EmailField(_("lender's email address"), blank=True)
    strategy = models.CharField(max_length=20, blank=True)
    disclosures_acknowledged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["lender_name", "pk"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")

    def __str__(self):
        return f"{self.lender_name} ({self.get_status_display()})"

    @property
    def latest_version(self):
        return self.versions.order_by("-number").first()

    @property
    def is_answered(self) -> bool:
        return self.status in (self.Status.ACCEPTED, self.Status.COUNTERED, self.Status.REJECTED)

    @property
    def has_unfinalised_changes(self) -> bool:
        latest = self.latest_version
        return latest is None or self.updated_at > latest.created_at


def version_upload_to(instance, filename):
    return f"proposals/{instance.proposal.borrower_id}/{instance.proposal_id}/{filename}"


class ProposalVersion(models.Model):
    """An immutable finalised proposal: its PDF bytes never change."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    pdf = models.FileField(upload_to=version_upload_to)
    sha256 = models.CharField(max_length=64)
    language = models.CharField(max_length=10)
    terms = models.JSONField(help_text="The terms and schedule as finalised.")
    created_at = models.DateTimeField(auto_now_add=True)
    # Not stored: set by services.finalise on the version it returns, the
    # characters the PDF draws as □.
    unprintable: list[str]

    class Meta:
        ordering = ["proposal", "number"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "number"], name="unique_version_number")
        ]

    def __str__(self):
        return f"{self.proposal} v{self.number}"

    @property
    def filename(self) -> str:
        return f"proposal-{self.proposal_id}-v{self.number}.pdf"


class EmailDelivery(models.Model):
    """One sending of a finalised version to the lender (copy to the borrower)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    version = models.ForeignKey(
        ProposalVersion, on_delete=models.CASCADE, related_name="deliveries"
    )
    to_email = models.EmailField()
    cc_email = models.EmailField(blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    failure_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The same on every try, so that a copy sent twice after a crash is recognisable.
    message_id = models.CharField(max_length=200, blank=True)
    # From the send form: a second submission of the same form sends nothing more.
    idempotency_key = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "email deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["version", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="one_delivery_per_send_form",
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"{self.version} → {self.to_email}: {self.status}"


class LenderAnswer(models.Model):
    class Kind(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        COUNTERED = "countered", _("Countered with other terms")
        REJECTED = "rejected", _("Rejected")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="answers")
    kind = models.CharField(_("answer"), max_length=12, choices=Kind.choices)
    answered_on = models.DateField(_("date of the answer"))
    note = models.TextField(_("note"), max_length=2000, blank=True)
    counter_months = models.PositiveSmallIntegerField(
        _("installments offered"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    counter_method = models.CharField(
        _("method offered"), max_length=20, choices=METHOD_CHOICES, blank=True
    )
    counter_annual_percent = models.DecimalField(
        _("rate offered (percent per year)"),
        max_digits=7,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("36"))],
    )
    counter_first_due_date = models.DateField(
        _("first installment date offered"), null=True, blank=True
    )
    counter_accepted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-answered_on", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.answered_on}"


class PlanQuerySet(OwnedQuerySet):
    owner = "proposal__borrower__user"


class Plan(models.Model):
    """Terms a lender agreed to, with their installments."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")

    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="plan")
    principal = money_field(_("amount to repay"))
    method = models.CharField(max_length=20, choices=METHOD_CHOICES)
    annual_percent = models.DecimalField(max_digits=7, decimal_places=4, default=Decimal("0"))
    months = models.PositiveSmallIntegerField()
    first_due_date = models.DateField()
    agreed_on = models.DateField(
        _("agreed on"), help_text="The day the lender agreed: reporting follows the plan from then."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # 1 as agreed; each change the lender agrees to later adds one (see PlanChange).
    version = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["first_due_date", "pk"]

    def __str__(self):
        return f"{self.proposal.lender_name}: {self.months} × {self.method}"

    @property
    def total_due(self) -> Decimal:
        return sum((i.amount for i in self.installments.all()), Decimal("0"))

    @property
    def total_paid(self) -> Decimal:
        return sum((p.amount for p in self.payments.all()), Decimal("0"))

    @property
    def outstanding(self) -> Decimal:
        return self.total_due - self.total_paid


class PlanChange(models.Model):
    """The audit of a change to an agreed plan: who changed it, when the lender
    agreed, why, and the terms and installments it replaced. The plan row keeps
    its payments; the installments already paid stay, the rest are replaced."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="changes")
    version = models.PositiveSmallIntegerField(help_text="The plan version this change made.")
    agreed_on = models.DateField(_("the lender agreed on"))
    reason = models.TextField(_("why the plan changed"), max_length=500)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The replaced version: terms and installments as they stood, for the record.
    previous = models.JSONField()

    class Meta:
        ordering = ["plan", "version"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "version"], name="one_change_per_version")
        ]

    def __str__(self):
        return f"{self.plan_id} v{self.version} {self.agreed_on}"


class Installment(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="installments")
    number = models.PositiveSmallIntegerField()
    due_date = models.DateField()
    amount = money_field("amount")
    principal = money_field("principal")
    interest = money_field("interest")
    paid_amount = money_field("paid", default=Decimal("0"))
    paid_on = models.DateField(null=True, blank=True, help_text="When it was paid in full.")

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="unique_installment_number")
        ]

    def __str__(self):
        return f"#{self.number} {self.due_date} {self.amount}"

    def status(self, today: date) -> adherence.InstallmentStatus:
        return adherence.installment_status(
            self.due_date, self.amount, self.paid_amount, self.paid_on, today
        )


class Payment(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="payments")
    amount = money_field(_("amount paid"))
    paid_on = models.DateField(_("date paid"))
    created_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    # From the payment form: a second submission of the same form records nothing more.
    idempotency_key = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["paid_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="one_payment_per_form",
            )
        ]

    def __str__(self):
        return f"{self.paid_on} {self.amount}"


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
            models.Index(fields=["status", "on_date"]),
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


class ProposalEvent(models.Model):
    """Audit trail: every change of a proposal's status, by whom and when."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor_name = models.CharField(max_length=80)
    from_status = models.CharField(max_length=12)
    to_status = models.CharField(max_length=12)
    comment = models.TextField(max_length=2000, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name}: {self.from_status} → {self.to_status}"

    @staticmethod
    def _label(status: str) -> "StrOrPromise":
        return Proposal.Status(status).label if status in Proposal.Status.values else status

    @property
    def from_label(self) -> "StrOrPromise":
        return self._label(self.from_status)

    @property
    def to_label(self) -> "StrOrPromise":
        return self._label(self.to_status)


class DisputeQuerySet(OwnedQuerySet):
    pass


class Dispute(models.Model):
    """A dispute (异议) about an inaccurate credit-report entry of one debt, and its course.

    Only inaccurate records can be corrected: the credit reference center or the
    lender must check and answer in writing within 20 days (征信业管理条例 Art.25);
    a complaint to the local PBOC branch follows if not (Art.26). See disputes.py.
    """

    class Addressee(models.TextChoices):
        CREDIT_CENTER = "credit_center", _("The PBOC Credit Reference Center or its local counter")
        LENDER = "lender", _("The lender that reported it")

    class Problem(models.TextChoices):
        PAID_ON_TIME = "paid_on_time", _("A month shows as overdue, but I paid on time")
        WRONG_AMOUNT = "wrong_amount", _("An amount is wrong")
        NOT_MINE = "not_mine", _("This account is not mine")
        TOO_OLD = "too_old", _("Still shown more than 5 years after the overdue ended")
        OTHER = "other", _("Other wrong or missing information")

    class Outcome(models.TextChoices):
        CORRECTED = "corrected", _("Corrected")
        UPHELD = "upheld", _("Not corrected: they say the record is right")
        NO_REPLY = "no_reply", _("No written reply by the due date")

    borrower = models.ForeignKey(Borrower, on_delete=models.CASCADE, related_name="disputes")
    debt = models.ForeignKey(
        Debt, on_delete=models.CASCADE, related_name="disputes", verbose_name=_("account")
    )
    addressee = models.CharField(_("send it to"), max_length=16, choices=Addressee.choices)
    addressee_detail = models.CharField(
        _("office or counter (optional)"), max_length=120, blank=True
    )
    problem = models.CharField(_("what is wrong"), max_length=16, choices=Problem.choices)
    entry_month = models.DateField(
        _("month of the entry"), null=True, blank=True, help_text="The first day of the month."
    )
    shown = models.CharField(_("what the report shows"), max_length=200)
    should_be = models.CharField(_("what it should show"), max_length=200, blank=True)
    reason = models.TextField(_("why it is wrong"), max_length=2000)
    evidence = models.TextField(_("evidence you attach"), max_length=1000, blank=True)
    filed_on = models.DateField(_("date you submitted it"), null=True, blank=True)
    reply_on = models.DateField(_("date of the written reply"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    reply_note = models.TextField(_("what the reply says"), max_length=1000, blank=True)
    complaint_on = models.DateField(
        _("date of your complaint to the PBOC branch"), null=True, blank=True
    )
    complaint_office = models.CharField(_("PBOC branch"), max_length=120, blank=True)
    complaint_reply_on = models.DateField(
        _("date of the branch's written reply"), null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DisputeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("credit-report dispute")
        verbose_name_plural = _("credit-report disputes")
        indexes = [
            models.Index(fields=["filed_on"]),
            models.Index(fields=["complaint_on"]),
        ]

    def __str__(self):
        return f"{self.debt} · {self.get_problem_display()}"

    @property
    def reply_due(self) -> date | None:
        return disputes.reply_due(self.filed_on) if self.filed_on else None

    @property
    def complaint_reply_due(self) -> date | None:
        return disputes.complaint_reply_due(self.complaint_on) if self.complaint_on else None

    def stage(self, today: date) -> disputes.Stage:
        return disputes.stage(
            filed_on=self.filed_on,
            reply_on=self.reply_on,
            outcome=self.outcome,
            complaint_on=self.complaint_on,
            complaint_reply_on=self.complaint_reply_on,
            today=today,
        )

    @property
    def addressee_name(self) -> str:
        """Who the application is addressed to, by name."""
        if self.addressee == self.Addressee.LENDER:
            name = self.debt.lender_name
        else:
            name = disputes.CREDIT_CENTER_NAME
        return f"{name}（{self.addressee_detail}）" if self.addressee_detail else name

    @property
    def evidence_items(self) -> list[str]:
        return [line.strip() for line in self.evidence.splitlines() if line.strip()]
