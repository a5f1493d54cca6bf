"""Forms of the collection-contact log and of the complaint draft."""

from datetime import date, datetime
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from borrowers.collection.complaint import unprintable_characters
from borrowers.inputs import PlainTextMixin
from borrowers.models import Borrower, CollectionContact, Debt

EARLIEST_CONTACT = date(2000, 1, 1)
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class CollectionContactForm(PlainTextMixin, forms.ModelForm):
    """A contact as the borrower remembers it; ``now`` is an aware datetime."""

    class Meta:
        model = CollectionContact
        fields = ("occurred_at", "channel", "connected", "who", "debt", "notes", "threats")
        widgets = {
            "occurred_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format=DATETIME_LOCAL
            ),
            "channel": forms.RadioSelect,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "occurred_at": _("Local time in China (Beijing time)."),
            "connected": _("Only for calls: tick it if you spoke with them."),
            "notes": _("What was said; whom they contacted instead of you, if anyone."),
        }

    def __init__(self, *args, borrower: Borrower, now: datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now
        debt = cast("forms.ModelChoiceField[Debt]", self.fields["debt"])
        debt.queryset = Debt.objects.filter(borrower=borrower)
        debt.empty_label = _("Not sure")
        debt.required = False
        cast(forms.ChoiceField, self.fields["channel"]).choices = CollectionContact.Channel.choices
        local_now = timezone.localtime(now).replace(second=0, microsecond=0, tzinfo=None)
        when = self.fields["occurred_at"].widget
        when.attrs["max"] = local_now.strftime(DATETIME_LOCAL)
        when.attrs["min"] = f"{EARLIEST_CONTACT.isoformat()}T00:00"
        self.fields["who"].widget.attrs["autocomplete"] = "off"
        if not self.instance.pk and not self.is_bound and "occurred_at" not in self.initial:
            self.initial["occurred_at"] = timezone.localtime(now).replace(second=0, microsecond=0)

    def clean_occurred_at(self):
        at = self.cleaned_data["occurred_at"]
        if at > self.now:
            raise ValidationError(_("The contact cannot be in the future."), code="future")
        if timezone.localtime(at).date() < EARLIEST_CONTACT:
            raise ValidationError(_("Enter a date on or after 2000-01-01."), code="too_early")
        return at

    def _printable(self, name):
        value = self.cleaned_data.get(name) or ""
        missing = unprintable_characters(value)
        if missing:
            raise ValidationError(
                _("These characters cannot be printed in the complaint letter: %(chars)s"),
                code="unprintable",
                params={"chars": " ".join(missing)},
            )
        return value

    def clean_who(self):
        return self._printable("who")

    def clean_notes(self):
        return self._printable("notes")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("channel") != CollectionContact.Channel.CALL:
            cleaned["connected"] = False
        return cleaned


class ComplaintFilterForm(forms.Form):
    """Which flagged contacts go into the complaint: one collecting party, a period."""

    party = forms.ChoiceField(label=_("Which lender or collector"), required=False)
    date_from = forms.DateField(
        label=_("Contacts from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=_("Contacts until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, parties: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        party = cast(forms.ChoiceField, self.fields["party"])
        party.choices = [("", _("Everyone in the record")), *parties]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end of the period cannot be before its start."))
        return cleaned
