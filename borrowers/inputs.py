"""What every form shares: plain text only, numbers within the model's bounds, amounts in yuan."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from borrowers.models import (
    MAX_AMOUNT,
)
from borrowers.money import FEN
from borrowers.money_input import NotAnAmount, parse_amount
from borrowers.numerals import figures

# Django's label of the blank choice of a select, which its own zh_Hans
# catalogue does not translate; listed here so that ours does.
BLANK_CHOICE_LABEL = gettext_noop("- Select an option -")


class ChoiceAmongRead(forms.ModelChoiceField):
    """A choice among rows read once with the form (``read(rows)``): the select
    is rendered from them and the posted choice is found among them, where
    ``ModelChoiceField`` would read the table again for each."""

    def read(self, rows) -> None:
        rows = list(rows)
        self._rows = {str(row.pk): row for row in rows}
        self.choices = [(row.pk, self.label_from_instance(row)) for row in rows]

    @property
    def rows(self) -> list:
        """The rows read, in their order."""
        return list(self._rows.values())

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, self.queryset.model):
            value = value.pk
        try:
            return self._rows[str(value)]
        except KeyError:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            ) from None


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


def name_required_fields(fields) -> None:
    """Replace Django's "This field is required." with a message that names the
    field: "Enter the lender." / "Choose the channel." next to a field is still
    clear when a screen reader or a phone shows the message alone."""
    for field in fields.values():
        if field.error_messages.get("required") != forms.Field.default_error_messages["required"]:
            continue  # the field's own message (an AmountField's, a form's)
        label = field.label or ""
        if isinstance(field, forms.BooleanField):  # a box to tick, its label next to it
            field.error_messages["required"] = _("Tick this box to go on.")
        elif isinstance(field, (forms.ChoiceField, forms.ModelChoiceField)):
            field.error_messages["required"] = _("Please choose “%(field)s”.") % {"field": label}
        else:
            field.error_messages["required"] = _("Please fill in “%(field)s”.") % {"field": label}


class NamedRequiredMixin:
    """A form whose empty required fields say which field they are, and whose
    first invalid field takes the focus when the page loads (``autofocus``),
    without JavaScript too (with it, static/js/forms.js does the same after a swap)."""

    # Provided by the form class this is mixed into.
    fields: dict[str, forms.Field]
    errors: forms.utils.ErrorDict

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name_required_fields(self.fields)

    def full_clean(self):
        super().full_clean()
        self.focus_first_error()

    def focus_first_error(self) -> None:
        """Autofocus the first field that shows an error (again after a form
        drops one of its errors, as sign-up does for a taken address)."""
        first = next((name for name in self.fields if name in self.errors), None)
        for name, field in self.fields.items():
            if name == first:
                field.widget.attrs["autofocus"] = True
            else:
                field.widget.attrs.pop("autofocus", None)


class PlainTextMixin(NamedRequiredMixin):
    """Apply :func:`plain_text` to every CharField of the form (and name the
    field in its "required" message)."""

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


class AmountField(forms.DecimalField):
    """An amount of yuan, read as people type it (borrowers/money_input.py:
    "12,000", "１２０００", "¥12000", "1.2万", "一万二"), with one message per
    error that names the field and the allowed range. A text input with the
    decimal keypad: a number input would drop "1万" before the server sees it."""

    widget = forms.TextInput

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        label = self.label or ""
        self.error_messages["required"] = _("Please fill in “%(field)s”.") % {"field": label}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if text.startswith(("-", "−", "－")):
            raise ValidationError(
                _("%(field)s cannot be below zero.") % {"field": self.label}, code="min_value"
            )
        try:
            amount = parse_amount(text)
        except (NotAnAmount, InvalidOperation, ValueError):
            raise ValidationError(
                _(
                    "We could not read “%(text)s” as an amount. "
                    "Write it like 12000, 12,000 or 1.2万."
                )
                % {"text": text[:24]},
                code="invalid",
            ) from None
        return amount

    def validate(self, value):
        forms.Field.validate(self, value)  # "required" only: the range is checked once, below

    def run_validators(self, value):
        if value is None:
            return
        high = self.max_value if self.max_value is not None else MAX_AMOUNT
        if value > high:
            raise ValidationError(
                _("%(field)s can be at most ¥%(max)s.")
                % {"field": self.label, "max": figures(high)},
                code="max_value",
            )
        if self.min_value is not None and value < self.min_value:
            raise ValidationError(
                _("%(field)s must be at least ¥%(min)s.")
                % {"field": self.label, "min": figures(self.min_value)},
                code="min_value",
            )
        if value != value.quantize(FEN):
            raise ValidationError(
                _("%(field)s has at most two decimals (fen).") % {"field": self.label},
                code="max_decimal_places",
            )

    def clean(self, value):
        amount = super().clean(value)
        return None if amount is None else amount.quantize(FEN)

    def widget_attrs(self, widget):
        return {"inputmode": "decimal", "autocomplete": "off"}


def amount_field(label, required=True, help_text=""):
    return AmountField(
        label=label,
        required=required,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=MAX_AMOUNT,
        help_text=help_text,
    )
