import logging
from datetime import date
from decimal import Decimal
from typing import cast

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.hashers import make_password
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from borrowers.debts.tiers import DAYS_PER_YEAR
from borrowers.models import (
    EXPENSE_FIELDS,
    MAX_AMOUNT,
    MAX_ANNUAL_PERCENT,
    Borrower,
    Debt,
    HardshipReason,
    ProductProfile,
    User,
)

log = logging.getLogger(__name__)

PHONE_CHARACTERS = frozenset("0123456789+- ")

EARLIEST_MISSED_DATE = date(2000, 1, 1)


def plain_text(value: str) -> str:
    """Reject markup and control characters in free-text fields.

    Output is escaped anyway; refusing them here tells the borrower at once
    instead of printing "<script>" into a letter to a lender.
    """
    if any(ch in value for ch in "<>"):
        raise ValidationError(_("Please remove the characters < and >."), code="markup")
    if any((ord(ch) < 32 and ch not in "\n\r\t") or ord(ch) == 127 for ch in value):
        raise ValidationError(_("Please remove control characters."), code="control")
    return value


class PlainTextMixin:
    """Apply :func:`plain_text` to every CharField of the form."""

    def _clean_fields(self):
        super()._clean_fields()
        for name, field in self.fields.items():
            if (
                isinstance(field, forms.CharField)
                and not isinstance(field, forms.EmailField)
                and name in self.cleaned_data
                and name not in ("password1", "password2")
            ):
                try:
                    plain_text(self.cleaned_data[name] or "")
                except ValidationError as error:
                    self.add_error(name, error)


def no_minus_sign(value):
    """Refuse "-0" (and "-0.00") where nothing below zero is allowed: it is equal
    to zero, so the minimum lets it through, but it would be saved and printed
    as "-0.00"."""
    if isinstance(value, Decimal) and value.is_zero() and value.is_signed():
        raise ValidationError(_("Enter the number without a minus sign."), code="min_value")


def bound(field, low=None, high=None):
    """Give a numeric form field (at least) these limits, as min_value / max_value
    would at construction: validators and the input's min / max attributes.

    A value outside them is then an error of the field itself. Without a
    maximum, a huge number passed the form field and was refused only by the
    model's validators, after the ModelForm had already put it on the instance:
    the budget page, showing that instance's capacity, then raised
    decimal.InvalidOperation (a 500) instead of showing the error.
    """
    if low is not None and (field.min_value is None or low > field.min_value):
        field.min_value = low
        field.validators.append(MinValueValidator(low))
        field.widget.attrs["min"] = str(low)
    if high is not None and (field.max_value is None or high < field.max_value):
        field.max_value = high
        field.validators.append(MaxValueValidator(high))
        field.widget.attrs["max"] = str(high)
    if (
        isinstance(field, forms.DecimalField)
        and field.min_value is not None
        and field.min_value >= 0
        and no_minus_sign not in field.validators
    ):
        field.validators.append(no_minus_sign)
    return field


def model_limits(model_field) -> tuple:
    """The tightest minimum and maximum among a model field's validators
    (its own and, for integers, the database column's range)."""
    low = high = None
    for validator in model_field.validators:
        limit = getattr(validator, "limit_value", None)
        if limit is None or callable(limit):
            continue
        if isinstance(validator, MinValueValidator):
            low = limit if low is None else max(low, limit)
        elif isinstance(validator, MaxValueValidator):
            high = limit if high is None else min(high, limit)
    return low, high


NUMERIC_FIELDS = (forms.IntegerField, forms.DecimalField, forms.FloatField)


def bound_to_model(form):
    """Every numeric field of a ModelForm gets the limits of its model field."""
    for name, field in form.fields.items():
        if not isinstance(field, NUMERIC_FIELDS):
            continue
        try:
            model_field = form._meta.model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        bound(field, *model_limits(model_field))


def amount_field(label, required=True, help_text=""):
    field = forms.DecimalField(
        label=label,
        required=required,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=MAX_AMOUNT,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "min": "0"}),
    )
    return bound(field)


class SignUpForm(PlainTextMixin, UserCreationForm):
    """A new account. An address that already has one makes the form invalid
    (no account can be made with it) with the error code "taken", which is never
    shown: whether someone uses a debt-help app is not for any visitor to learn.
    views.signup answers as for a new account and emails the owner instead
    (borrowers.accounts.mail, the "taken" notice)."""

    display_name = forms.CharField(label=_("Your name"), max_length=60)

    class Meta:
        model = User
        fields = ("email",)

    taken_user: User | None = None

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        self.taken_user = User.objects.filter(email__iexact=email).first()
        if self.taken_user is not None:
            raise ValidationError(_("An account with this email already exists."), code="taken")
        return email

    def validate_unique(self):
        """The model's own unique check on the email would say it again: clean_email did."""
        exclude = self._get_validation_exclusions() | {"email"}
        try:
            self.instance.validate_unique(exclude=exclude)
        except ValidationError as error:
            self._update_errors(error)

    @property
    def only_taken(self) -> bool:
        """Valid but for an address that already has an account."""
        errors = self.errors.as_data()
        return list(errors) == ["email"] and all(e.code == "taken" for e in errors["email"])

    def hide_taken(self):
        """Drop the "taken" error, so that the page looks as for a new address."""
        errors = self.errors.get("email")
        if errors is None:
            return
        kept = [e for e in errors.as_data() if e.code != "taken"]
        if kept:
            self._errors["email"] = self.error_class(kept, renderer=self.renderer)
        else:
            del self._errors["email"]

    def spend_hashing_time(self):
        """Hash the password as a new account would: the answer for a taken address
        must not come noticeably sooner."""
        make_password(self.data.get("password1") or "")


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
        for name in ("monthly_net_income", *EXPENSE_FIELDS):
            self.fields[name] = amount_field(self.fields[name].label)
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
        profile = cast("forms.ModelChoiceField[ProductProfile]", self.fields["profile"])
        profile.queryset = ProductProfile.objects.all()
        profile.empty_label = None
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
        self.fields["first_missed_date"].widget.attrs["max"] = today.isoformat()
        self.fields["grace_days_override"].widget.attrs["min"] = "0"
        self.fields["grace_days_override"].help_text = _("Leave blank to use the typical value.")
        self.fields["penalty_multiplier_override"].help_text = _(
            "Leave blank to use the typical value."
        )
        if self.instance.pk and not self.is_bound:
            self.initial["rate_value"] = self.instance.annual_rate_percent.normalize()
            self.initial["rate_unit"] = "annual_percent"

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
        if value is not None and unit:
            annual = annual_percent_from(value, unit)
            if annual > MAX_ANNUAL_PERCENT:
                self.add_error("rate_value", _("The rate cannot be more than 100 % a year."))
            else:
                cleaned["annual_rate_percent"] = annual.quantize(Decimal("0.000001"))
        profile = cleaned.get("profile")
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
