"""The forms of an agreed plan: a payment, and new terms the lender agreed."""

from datetime import date, timedelta
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from borrowers.inputs import NamedRequiredMixin, PlainTextMixin, amount_field, no_minus_sign
from borrowers.numerals import figures
from repayment_plans.models import METHOD_CHOICES
from repayment_plans.plans import services as plan_services

LATEST_FIRST_DUE_DAYS = 365


def first_due_date(first: date, today: date, past_days: int = 0) -> date:
    """The one check of a first installment date: from ``past_days`` before
    today (a plan already running may start a little in the past) to a year
    ahead."""
    if first < today - timedelta(days=past_days):
        if past_days:
            raise ValidationError(_("This date is too far in the past."))
        raise ValidationError(_("The first installment cannot be in the past."))
    if first > today + timedelta(days=LATEST_FIRST_DUE_DAYS):
        raise ValidationError(_("Start within a year."))
    return first


class PaymentForm(NamedRequiredMixin, forms.Form):
    amount = amount_field(_("Amount paid"))
    paid_on = forms.DateField(
        label=_("Date paid"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, outstanding: Decimal, today: date, earliest: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.outstanding = outstanding
        self.today = today
        self.earliest = earliest
        self.fields["paid_on"].initial = today
        self.fields["paid_on"].widget.attrs["max"] = today.isoformat()

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount <= 0:
            raise ValidationError(_("Enter an amount above zero."))
        if amount > self.outstanding:
            raise ValidationError(
                _("That is more than what is left on this plan (¥%(left)s).")
                % {"left": figures(self.outstanding)}
            )
        return amount

    def clean_paid_on(self):
        paid_on = self.cleaned_data["paid_on"]
        if paid_on > self.today:
            raise ValidationError(_("The payment date cannot be in the future."))
        if paid_on < self.earliest:
            raise ValidationError(_("The payment date is before the plan was agreed."))
        return paid_on


class PlanChangeForm(PlainTextMixin, forms.Form):
    """New terms the lender agreed to for what is left on a plan."""

    amount = amount_field(
        _("Amount left to repay under the new terms"),
        help_text=_("What is still unpaid; the payments already made stay on the plan."),
    )
    months = forms.IntegerField(label=_("Number of installments"), min_value=1, max_value=120)
    method = forms.ChoiceField(label=_("Repayment method"), choices=METHOD_CHOICES)
    annual_percent = forms.DecimalField(
        label=_("Annual interest rate (%)"),
        min_value=Decimal("0"),
        max_value=Decimal("36"),
        max_digits=7,
        decimal_places=4,
        initial=Decimal("0"),
        validators=[no_minus_sign],
        help_text=_("Only for the methods with interest."),
    )
    first_due_date = forms.DateField(
        label=_("First new installment"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    agreed_on = forms.DateField(
        label=_("The lender agreed on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(
        label=_("Why the plan changed"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: income fell, the lender agreed to 18 smaller installments."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=32767)

    def __init__(self, *args, plan, outstanding: Decimal, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.today = today
        self.outstanding = outstanding
        self.fields["amount"].initial = outstanding
        self.fields["months"].initial = plan.months
        self.fields["months"].widget.attrs.update(inputmode="numeric")
        self.fields["method"].initial = plan.method
        self.fields["annual_percent"].initial = plan.annual_percent
        self.fields["agreed_on"].initial = today
        self.fields["agreed_on"].widget.attrs["max"] = today.isoformat()
        self.fields["version"].initial = plan.version

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount <= 0:
            raise ValidationError(_("Enter an amount above zero."))
        return amount

    def clean_agreed_on(self):
        agreed = self.cleaned_data["agreed_on"]
        if agreed > self.today:
            raise ValidationError(_("The date cannot be in the future."))
        latest = self.plan.changes.order_by("-version").first()
        since = max(self.plan.agreed_on, latest.agreed_on if latest else self.plan.agreed_on)
        if agreed < since:
            raise ValidationError(_("The change cannot come before the plan was agreed."))
        return agreed

    def clean_first_due_date(self):
        return first_due_date(self.cleaned_data["first_due_date"], self.today, past_days=31)

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Say why the plan changed: it is kept with the plan."))
        return reason

    def clean(self):
        cleaned = super().clean()
        if all(cleaned.get(k) is not None for k in ("amount", "months", "first_due_date")):
            try:
                plan_services.schedule_for(
                    cleaned["amount"],
                    cleaned["months"],
                    cleaned["first_due_date"],
                    cleaned.get("method") or "interest_free",
                    cleaned.get("annual_percent") or Decimal("0"),
                )
            except ValueError:
                self.add_error("amount", _("The amount is too small for that many installments."))
        return cleaned

    def terms(self) -> plan_services.PlanTerms:
        data = self.cleaned_data
        return plan_services.PlanTerms(
            amount=data["amount"],
            months=data["months"],
            first_due=data["first_due_date"],
            method=data["method"],
            annual_percent=data["annual_percent"],
        )
