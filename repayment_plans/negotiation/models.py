"""The negotiation log: what the borrower asked one lender, what the lender
offered, and the evidence kept (docs/domain.md §7)."""

import posixpath
import uuid
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from borrowers.models import Borrower, OwnedQuerySet, money_field
from repayment_plans.proposals.models import Proposal

MAX_OFFER_MONTHS = 120


class NegotiationContactQuerySet(OwnedQuerySet):
    def for_lender(self, lender: str):
        return self.filter(lender_name=lender)


class NegotiationContact(models.Model):
    """One call, app chat, letter, email or visit with a lender, as the borrower recorded it."""

    class Channel(models.TextChoices):
        HOTLINE = "hotline", _("Hotline call")
        IN_APP = "in_app", _("In the lender's app")
        LETTER = "letter", _("Letter")
        EMAIL = "email", _("Email")
        VISIT = "visit", _("Visit")

    class Continues(models.TextChoices):
        UNKNOWN = "unknown", _("Not said")
        YES = "yes", _("Yes")
        NO = "no", _("No")

    class Outcome(models.TextChoices):
        NO_OFFER = "no_offer", _("No offer yet")
        OFFER = "offer", _("The lender made an offer")
        AGREED = "agreed", _("We agreed")
        REFUSED = "refused", _("The lender refused")

    borrower = models.ForeignKey(
        Borrower, on_delete=models.CASCADE, related_name="negotiation_contacts"
    )
    lender_name = models.CharField(_("lender"), max_length=120)
    occurred_at = models.DateTimeField(_("date and time"))
    channel = models.CharField(_("how"), max_length=10, choices=Channel.choices)
    agent = models.CharField(
        _("agent's name or number"),
        max_length=120,
        blank=True,
        help_text=_("The name or staff number the agent gave."),
    )
    asked = models.TextField(_("what you asked for"), max_length=2000)
    offer_monthly = money_field(_("monthly amount offered"), null=True, blank=True)
    offer_months = models.PositiveSmallIntegerField(
        _("installments offered"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_OFFER_MONTHS)],
    )
    offer_first_due = models.DateField(_("first installment date offered"), null=True, blank=True)
    interest_continues = models.CharField(
        _("interest keeps running"),
        max_length=8,
        choices=Continues.choices,
        default=Continues.UNKNOWN,
    )
    penalties_continue = models.CharField(
        _("penalty interest and fees keep running"),
        max_length=8,
        choices=Continues.choices,
        default=Continues.UNKNOWN,
    )
    offer_fees = money_field(_("fees the lender asks for"), null=True, blank=True)
    offer_waived = money_field(_("amount the lender waives"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.NO_OFFER
    )
    next_step = models.TextField(_("next step"), max_length=1000, blank=True)
    sms_text = models.TextField(
        _("the lender's SMS or in-app message"),
        max_length=4000,
        blank=True,
        help_text=_("Paste the confirmation the lender sent, word for word."),
    )
    # The proposal (and through it the plan) an agreement became.
    proposal = models.ForeignKey(
        Proposal,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="negotiation_contacts",
    )
    # From the form (repayment_plans/web.py, new_form_key): the same form
    # submitted twice records one contact, and one plan.
    idempotency_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = NegotiationContactQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("negotiation contact")
        verbose_name_plural = _("negotiation contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["borrower", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="one_negotiation_contact_per_form",
            )
        ]
        indexes = [
            models.Index(
                fields=["borrower", "lender_name", "-occurred_at"], name="negotiation_lender_time"
            )
        ]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.lender_name} {self.get_channel_display()}"

    @property
    def has_offer(self) -> bool:
        return self.offer_monthly is not None and self.offer_months is not None

    @property
    def is_agreed(self) -> bool:
        return self.outcome == self.Outcome.AGREED

    @property
    def has_written_confirmation(self) -> bool:
        """The lender's own words kept: a pasted SMS or an uploaded file."""
        if self.sms_text.strip():
            return True
        return self.attachments.exists()

    @property
    def offer_total(self) -> Decimal | None:
        if not self.has_offer:
            return None
        assert self.offer_monthly is not None and self.offer_months is not None
        return self.offer_monthly * self.offer_months + (self.offer_fees or Decimal("0"))


def attachment_upload_to(instance: "NegotiationAttachment", filename: str) -> str:
    """negotiation/<borrower id>/<contact id>/<random>.<ext>: never the
    uploaded name (kept in original_name), never a public URL."""
    extension = posixpath.splitext(filename)[1].lower()[:8]
    contact = instance.contact
    return f"negotiation/{contact.borrower_id}/{contact.pk}/{uuid.uuid4().hex}{extension}"


class NegotiationAttachment(models.Model):
    """A screenshot, a recording or a document kept as evidence of a contact."""

    class Kind(models.TextChoices):
        SCREENSHOT = "screenshot", _("Screenshot")
        RECORDING = "recording", _("Call recording")
        DOCUMENT = "document", _("Other document")

    contact = models.ForeignKey(
        NegotiationContact, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_upload_to, max_length=255)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("negotiation attachment")
        verbose_name_plural = _("negotiation attachments")

    def __str__(self):
        return f"{self.original_name} ({self.get_kind_display()})"

    @property
    def export_name(self) -> str:
        """Its path in the My data zip."""
        name = posixpath.basename(self.file.name or "")
        return f"negotiation/{self.contact_id}/{name}"
