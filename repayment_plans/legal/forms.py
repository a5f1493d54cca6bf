from __future__ import annotations

from datetime import date, timedelta
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from borrowers.debts.forms import EARLIEST_MISSED_DATE
from borrowers.inputs import PlainTextMixin
from borrowers.models import Debt
from repayment_plans.legal.models import LegalStage
from repayment_plans.legal.services import accepted
from repayment_plans.negotiation import attachments

# A hearing may be set some months ahead; nothing else is recorded before it happens.
LATEST_HEARING = timedelta(days=366)
DATE_FIELDS = ("received_on", "event_on", "acted_on")


def _mb(size: int) -> str:
    return f"{size / attachments.MB:.0f}"


class LegalStageForm(PlainTextMixin, forms.ModelForm):
    """A document received from a court or an arbitration commission, and what
    the borrower did about it. One photo or PDF of it may come with it."""

    document = forms.FileField(label=_("Photo or PDF of the document"), required=False)

    class Meta:
        model = LegalStage
        fields = (
            "kind",
            "court",
            "case_number",
            "received_on",
            "event_on",
            "acted_on",
            "statement",
            "notes",
        )
        widgets = {
            "received_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "event_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "acted_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "statement": forms.Textarea(attrs={"rows": 4}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.document_type: attachments.FileType | None = None
        kind = cast(forms.ChoiceField, self.fields["kind"])
        kind.choices = LegalStage.Kind.choices
        for name in ("received_on", "acted_on"):
            self.fields[name].widget.attrs["max"] = today.isoformat()
            self.fields[name].widget.attrs["min"] = EARLIEST_MISSED_DATE.isoformat()
        self.fields["event_on"].widget.attrs["max"] = (today + LATEST_HEARING).isoformat()
        self.fields["document"].help_text = gettext(
            "Optional. A photo (PNG, JPEG, WebP, HEIC) or a PDF, up to %(mb)s MB. Only you, "
            "and a counselor you gave access to, can open it."
        ) % {"mb": _mb(attachments.PDF_MAX_BYTES)}
        self.fields["document"].widget.attrs["accept"] = (
            "image/png,image/jpeg,image/webp,image/heic,.heic,application/pdf"
        )

    def _past(self, name: str, message) -> date | None:
        day = self.cleaned_data.get(name)
        if day is None:
            return None
        if day > self.today:
            raise ValidationError(message, code="future")
        if day < EARLIEST_MISSED_DATE:
            raise ValidationError(_("Enter a date on or after 2000-01-01."), code="too_early")
        return day

    def clean_received_on(self):
        return self._past("received_on", _("Enter the day you received it: not a future date."))

    def clean_acted_on(self):
        return self._past("acted_on", _("Enter the day you acted: not a future date."))

    def clean_event_on(self):
        day = self.cleaned_data.get("event_on")
        if day is None:
            return None
        if day < EARLIEST_MISSED_DATE or day > self.today + LATEST_HEARING:
            raise ValidationError(_("Enter a date within a year from today."), code="range")
        return day

    def clean_document(self):
        upload = self.cleaned_data.get("document")
        if not upload:
            return None
        head = upload.read(attachments.SNIFF_BYTES)
        upload.seek(0)
        found = attachments.sniff(head)
        if not accepted(found):
            raise ValidationError(
                _(
                    "This file is not a photo or a PDF we can keep. "
                    "Use PNG, JPEG, WebP, HEIC or PDF."
                ),
                code="file_type",
            )
        assert found is not None
        if upload.size > found.max_bytes:
            raise ValidationError(
                _("This file is %(size)s MB; the limit is %(max)s MB.")
                % {"size": f"{upload.size / attachments.MB:.1f}", "max": _mb(found.max_bytes)},
                code="file_size",
            )
        self.document_type = found
        return upload

    def clean(self):
        cleaned = super().clean()
        received, acted = cleaned.get("received_on"), cleaned.get("acted_on")
        if received and acted and acted < received:
            self.add_error("acted_on", _("You cannot have acted before you received it."))
        kind, event = cleaned.get("kind"), cleaned.get("event_on")
        if kind == LegalStage.Kind.PAID and event and event > self.today:
            self.add_error("event_on", _("Enter the day you paid: not a future date."))
        return cleaned


class LegalMatterForm(LegalStageForm):
    """A new legal matter: the debt it is about, and the first document received."""

    debt = forms.ModelChoiceField(queryset=Debt.objects.none(), label=_("account"))

    field_order = ["debt"]

    def __init__(self, *args, user, today: date, **kwargs):
        super().__init__(*args, today=today, **kwargs)
        debt_field = cast("forms.ModelChoiceField[Debt]", self.fields["debt"])
        debt_field.queryset = (
            Debt.objects.for_user(user).filter(legal_matter__isnull=True).select_related("profile")
        )
        # Per-instance override of the field's method (as Django's docs allow).
        debt_field.label_from_instance = lambda obj: f"{obj.label} · {obj.lender_name}"  # type: ignore[method-assign]
        debt_field.empty_label = None
