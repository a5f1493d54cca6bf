"""The negotiation log's form: one contact with a lender, its offer and evidence."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from borrowers.inputs import AmountField, PlainTextMixin, bound_to_model
from borrowers.models import MAX_AMOUNT, Borrower
from repayment_plans.models import NegotiationContact
from repayment_plans.negotiation import attachments
from repayment_plans.negotiation.attachments import FileType

EARLIEST_CONTACT = date(2000, 1, 1)
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
OFFER_DATE_WINDOW = timedelta(days=366)  # a first installment within a year of today
OFFER_FIELDS = (
    "offer_monthly",
    "offer_months",
    "offer_first_due",
    "interest_continues",
    "penalties_continue",
    "offer_fees",
    "offer_waived",
)
# An agreement that has become a plan keeps these: the plan's page changes the terms.
LOCKED_WHEN_AGREED = ("outcome", *OFFER_FIELDS)


def _mb(size: int) -> str:
    return f"{size / attachments.MB:.0f}"


class NegotiationContactForm(PlainTextMixin, forms.ModelForm):
    """A contact as the borrower remembers it; ``now`` is an aware datetime."""

    offer_monthly = AmountField(
        label=_("Monthly amount offered"),
        required=False,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=MAX_AMOUNT,
    )
    offer_fees = AmountField(
        label=_("Fees the lender asks for"),
        required=False,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=MAX_AMOUNT,
        help_text=_("Service or handling fees on top of the installments, if any."),
    )
    offer_waived = AmountField(
        label=_("Amount the lender waives"),
        required=False,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=MAX_AMOUNT,
    )
    evidence = forms.FileField(label=_("Screenshot, call recording or PDF"), required=False)

    class Meta:
        model = NegotiationContact
        fields = (
            "occurred_at",
            "channel",
            "agent",
            "asked",
            "outcome",
            *OFFER_FIELDS,
            "next_step",
            "sms_text",
        )
        widgets = {
            "occurred_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format=DATETIME_LOCAL
            ),
            "channel": forms.RadioSelect,
            "outcome": forms.RadioSelect,
            "offer_first_due": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "asked": forms.Textarea(attrs={"rows": 2}),
            "next_step": forms.Textarea(attrs={"rows": 2}),
            "sms_text": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "occurred_at": _("Local time in China (Beijing time)."),
            "asked": _("For example: stop penalty interest, 12 installments of ¥500."),
            "next_step": _("For example: call back on Monday, send the hardship proof."),
        }

    def __init__(self, *args, borrower: Borrower, lender: str, now: datetime, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.borrower = borrower
        self.lender = lender
        self.now = now
        self.evidence_type: FileType | None = None
        bound_to_model(self)
        choices = {
            "channel": NegotiationContact.Channel.choices,
            "outcome": NegotiationContact.Outcome.choices,
            "interest_continues": NegotiationContact.Continues.choices,
            "penalties_continue": NegotiationContact.Continues.choices,
        }
        for name, values in choices.items():
            field = cast(forms.ChoiceField, self.fields[name])
            field.widget = forms.RadioSelect()
            field.choices = values
        local_now = timezone.localtime(now).replace(second=0, microsecond=0, tzinfo=None)
        when = self.fields["occurred_at"].widget
        when.attrs["max"] = local_now.strftime(DATETIME_LOCAL)
        when.attrs["min"] = f"{EARLIEST_CONTACT.isoformat()}T00:00"
        today = timezone.localdate(now)
        first_due = self.fields["offer_first_due"].widget
        first_due.attrs["min"] = (today - OFFER_DATE_WINDOW).isoformat()
        first_due.attrs["max"] = (today + OFFER_DATE_WINDOW).isoformat()
        self.fields["agent"].widget.attrs["autocomplete"] = "off"
        self.fields["evidence"].help_text = gettext(
            "Optional. Pictures (PNG, JPEG, WebP, HEIC) and PDFs up to %(image)s MB, "
            "recordings (M4A, MP3, AMR, WAV, AAC) up to %(audio)s MB. Only you, and a "
            "counselor you gave access to, can open it."
        ) % {
            "image": _mb(attachments.IMAGE_MAX_BYTES),
            "audio": _mb(attachments.RECORDING_MAX_BYTES),
        }
        self.fields["evidence"].widget.attrs["accept"] = (
            "image/png,image/jpeg,image/webp,image/heic,.heic,audio/*,.m4a,.amr,application/pdf"
        )
        if self.instance.pk and self.instance.proposal_id:
            for name in LOCKED_WHEN_AGREED:
                self.fields[name].disabled = True
        if not self.instance.pk and not self.is_bound and "occurred_at" not in self.initial:
            self.initial["occurred_at"] = timezone.localtime(now).replace(second=0, microsecond=0)

    @property
    def locked(self) -> bool:
        return bool(self.instance.pk and self.instance.proposal_id)

    def clean_occurred_at(self):
        at = self.cleaned_data["occurred_at"]
        if at > self.now:
            raise ValidationError(_("The contact cannot be in the future."), code="future")
        if timezone.localtime(at).date() < EARLIEST_CONTACT:
            raise ValidationError(_("Enter a date on or after 2000-01-01."), code="too_early")
        return at

    def clean_offer_first_due(self):
        due = self.cleaned_data.get("offer_first_due")
        today = timezone.localdate(self.now)
        if due is not None and not (today - OFFER_DATE_WINDOW <= due <= today + OFFER_DATE_WINDOW):
            raise ValidationError(_("Enter a date within a year of today."), code="out_of_range")
        return due

    def clean_evidence(self):
        upload = self.cleaned_data.get("evidence")
        if not upload:
            return None
        head = upload.read(attachments.SNIFF_BYTES)
        upload.seek(0)
        found = attachments.sniff(head)
        if found is None:
            raise ValidationError(
                _(
                    "This file is not a picture, a recording or a PDF we can keep. Use PNG, "
                    "JPEG, WebP or HEIC for screenshots, M4A, MP3, AMR, WAV or AAC for "
                    "recordings, PDF for documents."
                ),
                code="file_type",
            )
        if upload.size > found.max_bytes:
            raise ValidationError(
                _("This file is %(size)s MB; the limit for this kind of file is %(max)s MB.")
                % {"size": f"{upload.size / attachments.MB:.1f}", "max": _mb(found.max_bytes)},
                code="file_size",
            )
        self.evidence_type = found
        return upload

    def clean(self):
        cleaned = super().clean()
        outcome = cleaned.get("outcome")
        monthly, months = cleaned.get("offer_monthly"), cleaned.get("offer_months")
        if outcome in (NegotiationContact.Outcome.OFFER, NegotiationContact.Outcome.AGREED):
            needed = ["offer_monthly", "offer_months"]
            if outcome == NegotiationContact.Outcome.AGREED:
                needed.append("offer_first_due")
            for name in needed:
                if name in cleaned and cleaned[name] is None:
                    self.add_error(
                        name,
                        ValidationError(
                            _("Enter what the lender offered: %(field)s.")
                            % {"field": self.fields[name].label},
                            code="required",
                        ),
                    )
        if monthly is not None and months is not None and monthly * months > MAX_AMOUNT:
            self.add_error(
                "offer_months",
                ValidationError(_("That adds up to more than any debt here."), code="max_value"),
            )
        return cleaned

    @property
    def agreed(self) -> bool:
        return self.cleaned_data.get("outcome") == NegotiationContact.Outcome.AGREED
