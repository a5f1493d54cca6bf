"""Proposals, their immutable versions and audit trail, email deliveries and lenders' answers."""

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from borrowers.models import Borrower, Debt, OwnedQuerySet, money_field
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
    # Keys of repayment_plans/negotiation/evidence.py DOCUMENTS the borrower ticked
    # as attached: the letter lists exactly these.
    evidence = models.JSONField(_("documents attached"), default=list, blank=True)
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
    # An answer given by phone, in the lender's app or in person
    # (repayment_plans/negotiation): how, and the agent who gave it.
    channel = models.CharField(_("how the lender answered"), max_length=10, blank=True)
    agent = models.CharField(_("agent's name or number"), max_length=120, blank=True)
    # The total of the installments agreed by phone or in the app (monthly
    # amount × installments); when set, the plan repays this instead of the debts' balance.
    agreed_amount = money_field(_("total agreed"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-answered_on", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.answered_on}"


class ReviewSection(models.TextChoices):
    """The part of a proposal a counselor's request for changes is about."""

    AMOUNT = "amount", _("Amount")
    TERM = "term", _("Term")
    HARDSHIP = "hardship", _("Hardship statement")
    ATTACHMENTS = "attachments", _("Attachments")


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
    # A counselor's request for changes: which part of the proposal it is about.
    section = models.CharField(max_length=12, choices=ReviewSection.choices, blank=True)
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
