"""The budget and debt forms."""

from datetime import date
from decimal import Decimal
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from borrowers.debts.tiers import DAYS_PER_YEAR
from borrowers.inputs import (
    ChoiceAmongRead,
    NamedRequiredMixin,
    PlainTextMixin,
    amount_field,
    bound,
    bound_to_model,
)
from borrowers.models import (
    EXPENSE_FIELDS,
    MAX_ANNUAL_PERCENT,
    Borrower,
    Debt,
    HardshipReason,
    ProductProfile,
)

PHONE_CHARACTERS = frozenset("0123456789+- ")


EARLIEST_MISSED_DATE = date(2000, 1, 1)


class BudgetForm(PlainTextMixin, forms.ModelForm):
    class Meta:
        model = Borrower
        fields = (
            "display_name",
            "phone",
            "monthly_net_income",
            *EXPENSE_FIELDS,
            "commitment_percent",
            "hardship_reason",
            "hardship_detail",
        )
        widgets = {"hardship_detail": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["monthly_net_income"] = amount_field(self.fields["monthly_net_income"].label)
        for name in EXPENSE_FIELDS:
            self.fields[name] = amount_field(
                self.fields[name].label, required=False, help_text=_("Leave blank if none.")
            )
        # A new budget starts empty, not at "0.00" that typing would append to.
        for name in ("monthly_net_income", *EXPENSE_FIELDS):
            if not self.is_bound and not getattr(self.instance, name):
                self.initial[name] = None
        bound_to_model(self)  # commitment_percent: 30 to 100
        self.fields["hardship_reason"].required = True
        self.fields["phone"].widget.attrs["inputmode"] = "tel"

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        # ASCII digits only: str.isdigit() also accepts "²" and other scripts' digits.
        if phone and not all(ch in PHONE_CHARACTERS for ch in phone):
            raise ValidationError(_("Enter digits only, for example 13800138000."))
        return phone

    def clean(self):
        cleaned = super().clean()
        for name in EXPENSE_FIELDS:
            if name in cleaned and cleaned[name] is None:
                cleaned[name] = Decimal("0")
        if cleaned.get("hardship_reason") == HardshipReason.OTHER and not cleaned.get(
            "hardship_detail"
        ):
            self.add_error("hardship_detail", _("Describe the hardship in a few words."))
        return cleaned


RATE_UNITS = (
    ("annual_percent", _("% per year")),
    ("daily_percent", _("% per day")),
    ("daily_bp", _("‱ per day")),
)


def annual_percent_from(value: Decimal, unit: str) -> Decimal:
    """Convert an entered contract rate to the canonical percent per year."""
    if unit == "daily_percent":
        return value * DAYS_PER_YEAR
    if unit == "daily_bp":
        return value * DAYS_PER_YEAR / 100
    return value


class DebtForm(PlainTextMixin, forms.ModelForm):
    # At most 100 % a year; in the daily units clean() checks the converted rate.
    rate_value = bound(
        forms.DecimalField(
            label=_("Contract interest rate"),
            max_digits=12,
            decimal_places=6,
            min_value=Decimal("0"),
            max_value=MAX_ANNUAL_PERCENT,
            widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any", "min": "0"}),
        )
    )
    rate_unit = forms.ChoiceField(
        label=_("Rate unit"), choices=RATE_UNITS, initial="annual_percent"
    )

    class Meta:
        model = Debt
        field_classes = {"profile": ChoiceAmongRead}
        fields = (
            "profile",
            "lender_name",
            "nickname",
            "principal",
            "interest",
            "penalty_fees",
            "first_missed_date",
            "overdue_amount",
            "contract_number",
            "account_digits",
            "cleared_on",
            "grace_days_override",
            "penalty_multiplier_override",
        )
        widgets = {
            "first_missed_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "cleared_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        profile = cast("ChoiceAmongRead", self.fields["profile"])
        profile.queryset = ProductProfile.objects.all()
        profile.empty_label = None
        # Read once, for the select and for the choice posted.
        profile.read(profile.queryset)
        self.fields["lender_name"].required = False
        self.fields["lender_name"].help_text = _("Filled in from the product when left blank.")
        self.fields["principal"] = amount_field(self.fields["principal"].label)
        for name in ("interest", "penalty_fees"):
            self.fields[name] = amount_field(
                self.fields[name].label, required=False, help_text=_("Leave blank if none.")
            )
        self.fields["overdue_amount"] = amount_field(
            self.fields["overdue_amount"].label,
            required=False,
            help_text=_("Leave blank if the whole principal is overdue."),
        )
        bound_to_model(self)  # grace days 0 to 30, penalty multiplier 1 to 5
        self.fields["first_missed_date"].help_text = _("Leave blank if you are not behind.")
        digits = self.fields["account_digits"]
        digits.widget.attrs.update(inputmode="numeric", autocomplete="off", maxlength="4")
        digits.help_text = _("Helps the lender find the account; printed in your letter.")
        self.fields["first_missed_date"].widget.attrs["max"] = today.isoformat()
        self.fields["grace_days_override"].widget.attrs["min"] = "0"
        self.fields["grace_days_override"].help_text = _("Leave blank to use the typical value.")
        self.fields["penalty_multiplier_override"].help_text = _(
            "Leave blank to use the typical value."
        )
        self.fields["rate_value"].required = False
        self.fields["rate_value"].help_text = _(
            "Leave blank to use the product's typical rate; enter your contract's when you know it."
        )
        if self.instance.pk and not self.is_bound:
            self.initial["rate_value"] = self.instance.annual_rate_percent.normalize()
            self.initial["rate_unit"] = "annual_percent"

    def _get_validation_exclusions(self):
        # The product was found among the profiles this form read (ChoiceAmongRead):
        # the model's own check that it exists would read the table again.
        return super()._get_validation_exclusions() | {"profile"}

    def clean_interest(self):
        return self.cleaned_data.get("interest") or Decimal("0")

    def clean_penalty_fees(self):
        return self.cleaned_data.get("penalty_fees") or Decimal("0")

    def clean_first_missed_date(self):
        missed = self.cleaned_data.get("first_missed_date")
        if missed is None:
            return None
        if missed > self.today:
            raise ValidationError(_("The first missed payment cannot be in the future."))
        if missed < EARLIEST_MISSED_DATE:
            raise ValidationError(_("Enter a date on or after 2000-01-01."))
        return missed

    def clean_cleared_on(self):
        cleared = self.cleaned_data.get("cleared_on")
        if cleared is not None and cleared > self.today:
            raise ValidationError(_("The repayment date cannot be in the future."))
        return cleared

    def clean(self):
        cleaned = super().clean()
        cleared, missed = cleaned.get("cleared_on"), cleaned.get("first_missed_date")
        if cleared is not None and missed is not None and cleared < missed:
            self.add_error("cleared_on", _("The debt cannot be repaid before it was missed."))
        value, unit = cleaned.get("rate_value"), cleaned.get("rate_unit")
        profile = cleaned.get("profile")
        if value is None and "rate_value" not in self.errors and profile is not None:
            if profile.typical_annual_percent is None:
                self.add_error(
                    "rate_value", _("Enter the contract rate: this product has none typical.")
                )
            else:
                cleaned["annual_rate_percent"] = profile.typical_annual_percent
        if value is not None and unit:
            annual = annual_percent_from(value, unit)
            if annual > MAX_ANNUAL_PERCENT:
                self.add_error("rate_value", _("The rate cannot be more than 100 % a year."))
            else:
                cleaned["annual_rate_percent"] = annual.quantize(Decimal("0.000001"))
        if profile is not None and not cleaned.get("lender_name"):
            if profile.lender_is_user_entered or not profile.default_lender:
                self.add_error("lender_name", _("Enter the lender's name."))
            else:
                cleaned["lender_name"] = profile.default_lender
        overdue, principal = cleaned.get("overdue_amount"), cleaned.get("principal")
        total = sum(
            (cleaned.get(n) or Decimal(0) for n in ("principal", "interest", "penalty_fees")),
            Decimal(0),
        )
        if overdue is not None and principal is not None and overdue > total:
            self.add_error("overdue_amount", _("The overdue amount cannot exceed what you owe."))
        return cleaned

    def save(self, commit=True):
        self.instance.annual_rate_percent = self.cleaned_data["annual_rate_percent"]
        self.instance.lender_name = self.cleaned_data["lender_name"]
        return super().save(commit=commit)


class DebtPreviewForm(DebtForm):
    """The same fields, read leniently: the preview shows what can be known so far."""

    def preview_values(self):
        """Valid cleaned values for the engine, or None for what is missing."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "profile": data.get("profile"),
            "profiles": cast("ChoiceAmongRead", self.fields["profile"]).rows,
            "first_missed": data.get("first_missed_date")
            if "first_missed_date" not in self.errors
            else None,
            "date_error": "first_missed_date" in self.errors,
            "principal": data.get("principal") or Decimal(0),
            "overdue_amount": data.get("overdue_amount"),
            "annual_rate_percent": data.get("annual_rate_percent") or Decimal(0),
            "grace_days_override": data.get("grace_days_override"),
            "penalty_multiplier_override": data.get("penalty_multiplier_override"),
        }


class TierCheckForm(NamedRequiredMixin, forms.Form):
    """The front page's check, without an account: the three facts that give a
    debt's tier. Its fields travel to sign-up (``check-`` prefix), which saves
    the debt in the new account."""

    prefix = "check"

    profile = forms.ModelChoiceField(
        label=_("Product"), queryset=ProductProfile.objects.all(), empty_label=None
    )
    amount = amount_field(_("Amount overdue"), help_text=_("For example 3000, 3,000 or 3千."))
    first_missed = forms.DateField(
        label=_("First missed payment"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        profile = cast("forms.ModelChoiceField[ProductProfile]", self.fields["profile"])
        profile.label_from_instance = lambda obj: obj.display_name  # type: ignore[method-assign]
        self.fields["first_missed"].widget.attrs["max"] = today.isoformat()

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount <= 0:
            raise ValidationError(_("Enter the amount that is overdue."))
        return amount

    def clean_first_missed(self):
        missed = self.cleaned_data["first_missed"]
        if missed > self.today:
            raise ValidationError(_("The first missed payment cannot be in the future."))
        if missed < EARLIEST_MISSED_DATE:
            raise ValidationError(_("Check the date of the first missed payment."))
        return missed

    def annual_rate_percent(self) -> Decimal:
        """The product's typical rate, until the borrower enters the contract's."""
        return self.cleaned_data["profile"].typical_annual_percent or Decimal("0")

    def debt(self, borrower: Borrower) -> Debt:
        """The checked debt, for the borrower's new account (not saved)."""
        data = self.cleaned_data
        profile = data["profile"]
        return Debt(
            borrower=borrower,
            profile=profile,
            lender_name=profile.default_lender or profile.display_name,
            principal=data["amount"],
            overdue_amount=data["amount"],
            annual_rate_percent=self.annual_rate_percent(),
            first_missed_date=data["first_missed"],
        )
