from datetime import date
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from borrowers.debts.forms import EARLIEST_MISSED_DATE
from borrowers.inputs import PlainTextMixin
from borrowers.models import Debt
from repayment_plans.disputes import rules as disputes
from repayment_plans.models import Dispute

MONTH_FORMAT = "%Y-%m"

TRACKING_FIELDS = (
    "filed_on",
    "reply_on",
    "outcome",
    "reply_note",
    "complaint_on",
    "complaint_office",
    "complaint_reply_on",
)


DATE_FIELDS = ("filed_on", "reply_on", "complaint_on", "complaint_reply_on")


def _date_widget():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DisputeForm(PlainTextMixin, forms.ModelForm):
    """The entry in dispute and the dispute's course, for one of the borrower's debts."""

    class Meta:
        model = Dispute
        fields = (
            "debt",
            "problem",
            "entry_month",
            "shown",
            "should_be",
            "reason",
            "evidence",
            "addressee",
            "addressee_detail",
            *TRACKING_FIELDS,
        )
        widgets = {
            "problem": forms.RadioSelect,
            "addressee": forms.RadioSelect,
            # Browsers without a month picker show a text box: the help text gives the
            # format (HTML allows no placeholder on a month input).
            "entry_month": forms.DateInput(attrs={"type": "month"}, format=MONTH_FORMAT),
            "reason": forms.Textarea(attrs={"rows": 4}),
            "evidence": forms.Textarea(attrs={"rows": 3}),
            "reply_note": forms.Textarea(attrs={"rows": 2}),
            **{name: _date_widget() for name in DATE_FIELDS},
        }

    def __init__(self, *args, user, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        debt_field = cast("forms.ModelChoiceField[Debt]", self.fields["debt"])
        debt_field.queryset = Debt.objects.for_user(user).select_related("profile")
        # Per-instance override of the field's method (as Django's docs allow).
        debt_field.label_from_instance = lambda obj: f"{obj.label} · {obj.lender_name}"  # type: ignore[method-assign]
        debt_field.empty_label = None
        # Radio buttons need no empty "select" choice.
        cast(forms.ChoiceField, self.fields["problem"]).choices = Dispute.Problem.choices
        cast(forms.ChoiceField, self.fields["addressee"]).choices = Dispute.Addressee.choices
        self.fields["addressee"].initial = Dispute.Addressee.CREDIT_CENTER
        cast(forms.DateField, self.fields["entry_month"]).input_formats = [MONTH_FORMAT, "%Y-%m-%d"]
        self.fields["entry_month"].help_text = _(
            "The month of the wrong entry in the repayment record, if it is about one month, "
            "as year-month, e.g. 2025-03."
        )
        self.fields["shown"].help_text = _(
            "As printed on your report, e.g. “2025-03: 1 (1–30 days overdue)” or “balance ¥8,000”."
        )
        self.fields["should_be"].help_text = _("e.g. “N (paid on time on 2025-03-09)”.")
        self.fields["reason"].help_text = _(
            "The facts: when and how you paid, why the account is not yours, when the overdue "
            "ended."
        )
        self.fields["evidence"].help_text = _(
            "One item per line, e.g. “bank transfer receipt of 2025-03-09”."
        )
        self.fields["addressee_detail"].help_text = _(
            "e.g. the PBOC branch counter of your city, or the lender's complaints department."
        )
        self.fields["filed_on"].help_text = _(
            "Fill in once you have handed it in or sent it; the 20-day count starts then."
        )
        self.fields["outcome"].help_text = _(
            "“No written reply” can be recorded once the 20 days have passed."
        )
        self.fields["complaint_on"].help_text = _(
            "If there was no reply in time, or you disagree with it: the date you complained "
            "to the local PBOC branch."
        )
        latest = today.isoformat()
        for name in DATE_FIELDS:
            self.fields[name].widget.attrs["max"] = latest
        self.fields["entry_month"].widget.attrs["max"] = today.strftime(MONTH_FORMAT)

    def _past_date(self, name: str, message) -> date | None:
        day = self.cleaned_data.get(name)
        if day is None:
            return None
        if day > self.today:
            raise ValidationError(message)
        if day < EARLIEST_MISSED_DATE:
            raise ValidationError(_("Enter a date on or after 2000-01-01."))
        return day

    def clean_entry_month(self):
        month = self.cleaned_data.get("entry_month")
        if month is None:
            return None
        month = month.replace(day=1)
        if month > self.today:
            raise ValidationError(_("The month cannot be in the future."))
        if month < EARLIEST_MISSED_DATE:
            raise ValidationError(_("Enter a month from 2000 on."))
        return month

    def clean_filed_on(self):
        return self._past_date("filed_on", _("Enter the day you submitted it: not a future date."))

    def clean_reply_on(self):
        return self._past_date("reply_on", _("The reply date cannot be in the future."))

    def clean_complaint_on(self):
        return self._past_date("complaint_on", _("The complaint date cannot be in the future."))

    def clean_complaint_reply_on(self):
        return self._past_date("complaint_reply_on", _("The reply date cannot be in the future."))

    def clean(self):
        cleaned = super().clean()
        self._check_problem(cleaned)
        self._check_reply(cleaned)
        self._check_complaint(cleaned)
        return cleaned

    def _check_problem(self, cleaned):
        """A record can only be "too old" if the overdue ended more than 5 years ago."""
        debt = cleaned.get("debt")
        if cleaned.get("problem") != Dispute.Problem.TOO_OLD or debt is None:
            return
        if debt.cleared_on is None:
            self.add_error(
                "problem",
                _(
                    "This debt is not marked as repaid. The 5 years start on the day the "
                    "overdue ends; if it has been repaid, enter that date on the debt first."
                ),
            )
            return
        until = disputes.record_kept_until(debt.cleared_on)
        if until > self.today:
            self.add_error(
                "problem",
                _(
                    "Repaid on %(cleared)s, the record may lawfully be kept until %(until)s "
                    "(征信业管理条例 Art.16). If the repayment date is wrong, correct it on the "
                    "debt first."
                )
                % {
                    "cleared": date_format(debt.cleared_on, "Y-m-d"),
                    "until": date_format(until, "Y-m-d"),
                },
            )

    def _check_reply(self, cleaned):
        filed, reply, outcome = (
            cleaned.get("filed_on"),
            cleaned.get("reply_on"),
            cleaned.get("outcome"),
        )
        if filed is None and "filed_on" not in self.errors:
            for name in ("reply_on", "outcome"):
                if cleaned.get(name):
                    self.add_error(name, _("Enter the day you submitted the dispute first."))
            return
        if filed is not None and reply is not None and reply < filed:
            self.add_error("reply_on", _("The reply cannot come before the dispute was filed."))
        answered = (Dispute.Outcome.CORRECTED, Dispute.Outcome.UPHELD)
        if outcome in answered and reply is None and "reply_on" not in self.errors:
            self.add_error("reply_on", _("Enter the date of the written reply."))
        if reply is not None and not outcome:
            self.add_error("outcome", _("Choose what the reply says."))
        if outcome == Dispute.Outcome.NO_REPLY and filed is not None:
            if reply is not None:
                self.add_error("outcome", _("A reply date is entered: choose what it says."))
            elif self.today <= disputes.reply_due(filed):
                self.add_error(
                    "outcome",
                    _("The reply is due by %(due)s: wait until that day has passed.")
                    % {"due": date_format(disputes.reply_due(filed), "Y-m-d")},
                )

    def _check_complaint(self, cleaned):
        filed = cleaned.get("filed_on")
        complaint = cleaned.get("complaint_on")
        complaint_reply = cleaned.get("complaint_reply_on")
        if complaint is not None:
            if filed is None and "filed_on" not in self.errors:
                self.add_error("complaint_on", _("Enter the day you submitted the dispute first."))
            elif filed is not None and complaint < filed:
                self.add_error(
                    "complaint_on", _("The complaint cannot come before the dispute was filed.")
                )
        elif cleaned.get("complaint_office") and "complaint_on" not in self.errors:
            self.add_error("complaint_on", _("Enter the date of the complaint."))
        if complaint_reply is not None:
            if complaint is None and "complaint_on" not in self.errors:
                self.add_error("complaint_reply_on", _("Enter the date of the complaint first."))
            elif complaint is not None and complaint_reply < complaint:
                self.add_error(
                    "complaint_reply_on",
                    _("The reply cannot come before the complaint was made."),
                )
