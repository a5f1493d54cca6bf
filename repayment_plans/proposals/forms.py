"""The forms of a proposal: its terms, the disclosures, sending, the lender's answer."""

from datetime import date, timedelta
from decimal import Decimal
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from borrowers.identity import normalised, validate_resident_id
from borrowers.inputs import NamedRequiredMixin, PlainTextMixin, amount_field, bound_to_model
from borrowers.models import Debt
from borrowers.numerals import figures
from repayment_plans.models import LenderAnswer, Proposal
from repayment_plans.negotiation.evidence import COMMON_KEYS, DOCUMENTS, letter_checklist
from repayment_plans.plans import services as plan_services
from repayment_plans.plans.forms import LATEST_FIRST_DUE_DAYS, first_due_date
from repayment_plans.plans.schedules import Method, months_for_payment
from repayment_plans.position import load as position_load
from repayment_plans.strategies import services as strategy_services

MIN_MONTHLY = Decimal("10")


LARGEST_ID = 2**63 - 1


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """Refuses what cannot be a row id before asking the database: an integer
    too large for it failed the query (SQLite: OverflowError) instead of being
    a form error."""

    def _check_values(self, value):
        for pk in value:
            text = str(pk)
            # The length first: int() refuses strings of more than 4,300 digits.
            short_digits = text.isascii() and text.isdigit() and len(text) <= 19
            if not (short_digits and int(text) <= LARGEST_ID):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": text[:20]},
                )
        return super()._check_values(value)


class ProposalForm(PlainTextMixin, forms.ModelForm):
    monthly = amount_field(
        _("Monthly amount"),
        required=False,
        help_text=_("Type a monthly amount to get the number of installments, or the reverse."),
    )

    id_number = forms.CharField(
        label=_("Your ID number (身份证号, optional)"),
        max_length=20,
        required=False,
        validators=[validate_resident_id],
        help_text=_(
            "Helps the lender find your accounts. Printed in full only in the letter; "
            "the app shows it masked."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    forget_id_number = forms.BooleanField(label=_("Remove the saved ID number"), required=False)
    evidence = forms.MultipleChoiceField(
        label=_("Documents you attach to the letter"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick what you will send with it: the letter lists exactly these."),
    )

    class Meta:
        model = Proposal
        fields = (
            "debts",
            "method",
            "annual_percent",
            "months",
            "first_due_date",
            "good_faith_amount",
            "ask_waive_penalty",
            "lender_email",
        )
        widgets = {
            "debts": forms.CheckboxSelectMultiple,
            "first_due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        field_classes = {"debts": IdsChoiceField}

    def __init__(self, *args, borrower, today: date, drive: str = "months", **kwargs):
        super().__init__(*args, **kwargs)
        self.borrower = borrower
        self.today = today
        self.drive = drive
        # A debt under another agreed plan is not proposed again.
        agreed = (
            Proposal.objects.for_user(borrower.user)
            .filter(plan__isnull=False)
            .exclude(pk=self.instance.pk)
            .values("debts")
        )
        debts = cast(IdsChoiceField, self.fields["debts"])
        debts.queryset = (
            Debt.objects.for_user(borrower.user)
            .filter(lender_name=self.instance.lender_name)
            .exclude(pk__in=agreed)
        )
        # Per-instance override of the field's method (as Django's docs allow).
        debts.label_from_instance = lambda obj: obj.label  # type: ignore[method-assign]
        self.fields["months"].required = False
        self.fields["months"].widget.attrs.update(min="1", inputmode="numeric")
        self.fields["annual_percent"].help_text = _("Only for the methods with interest.")
        self.fields["good_faith_amount"] = amount_field(
            _("Good-faith first payment (optional)"),
            required=False,
            help_text=_("Paid on the first date to show willingness; the installments follow."),
        )
        self.fields["first_due_date"].widget.attrs["min"] = today.isoformat()
        self.fields["lender_email"].required = False
        bound_to_model(self)  # annual_percent 0 to 36, months 1 to 120
        checklist = letter_checklist(borrower.hardship_reason)
        cast(forms.MultipleChoiceField, self.fields["evidence"]).choices = [
            (key, DOCUMENTS[key]) for key in checklist
        ]
        if not self.is_bound:
            self.initial["evidence"] = self.instance.evidence or list(COMMON_KEYS)
        if borrower.id_number:  # never shown in full in the app: blank keeps it
            self.fields["id_number"].help_text = _(
                "Saved: %(masked)s. Leave blank to keep it; type another to replace it."
            ) % {"masked": borrower.id_number_masked}
        else:
            del self.fields["forget_id_number"]
        self.schedule = None
        self.capacity = None

    def clean_first_due_date(self):
        return first_due_date(self.cleaned_data["first_due_date"], self.today)

    def clean_good_faith_amount(self):
        return self.cleaned_data.get("good_faith_amount") or Decimal("0")

    def clean(self):
        cleaned = super().clean()
        debts = cleaned.get("debts")
        method = cleaned.get("method")
        if not debts or not method or self.has_error("first_due_date"):
            return cleaned
        rate = cleaned.get("annual_percent") or Decimal("0")
        if method == Method.INTEREST_FREE:
            rate = Decimal("0")
            cleaned["annual_percent"] = rate
        amount = position_load.amount_to_repay(debts, cleaned.get("ask_waive_penalty", False))
        if amount <= 0:
            self.add_error("debts", _("These debts have nothing left to repay."))
            return cleaned
        good_faith = cleaned.get("good_faith_amount") or Decimal("0")
        if good_faith >= amount:
            self.add_error("good_faith_amount", _("The first payment must be less than the total."))
            return cleaned
        months = self._months(cleaned, amount - good_faith, Method(method), rate)
        if months is None:
            return cleaned
        max_term = strategy_services.max_term_for(debts)
        if months > max_term:
            self.add_error(
                "months",
                _("At most %(max)s installments: the typical maximum for this product.")
                % {"max": max_term},
            )
            return cleaned
        cleaned["months"] = months
        try:
            self.schedule = plan_services.schedule_for(
                amount, months, cleaned["first_due_date"], method, rate, good_faith
            )
        except ValueError:
            self.add_error("months", _("The amount is too small for that many installments."))
            return cleaned
        monthly = self.schedule.first_regular_payment
        self.capacity = strategy_services.capacity_check(
            self.borrower, self.instance, self.schedule, self.today
        )
        largest = max(i.payment for i in self.schedule.installments if i.number >= 1)
        if monthly < MIN_MONTHLY:
            self.add_error("monthly", _("Propose at least ¥10 a month."))
        elif largest > self.capacity.capacity:
            self.add_error(
                "monthly",
                _("¥%(monthly)s a month is more than you can pay (¥%(capacity)s).")
                % {"monthly": figures(largest), "capacity": figures(self.capacity.capacity)},
            )
        elif not self.capacity.fits:
            self.add_error(
                "monthly",
                _(
                    "With your other proposals this makes ¥%(total)s a month, above what you "
                    "can pay (¥%(capacity)s). Lower this amount or another proposal."
                )
                % {
                    "total": figures(self.capacity.total),
                    "capacity": figures(self.capacity.capacity),
                },
            )
        return cleaned

    def _months(self, cleaned, principal, method, rate) -> int | None:
        months = cleaned.get("months")
        monthly = cleaned.get("monthly")
        if (self.drive == "monthly" or not months) and monthly:
            if monthly > self.borrower.monthly_capacity:
                self.add_error(
                    "monthly",
                    _("¥%(monthly)s a month is more than you can pay (¥%(capacity)s).")
                    % {"monthly": monthly, "capacity": self.borrower.monthly_capacity},
                )
                return None
            derived = months_for_payment(principal, monthly, method, rate)
            if derived is None:
                self.add_error("monthly", _("This amount does not even cover the interest."))
                return None
            return derived
        if not months:
            self.add_error("months", _("Enter the number of installments or a monthly amount."))
            return None
        return months

    def clean_id_number(self):
        return normalised(self.cleaned_data["id_number"])

    def save(self, commit=True):
        self.instance.ask_freeze_interest = self.cleaned_data["method"] == Method.INTEREST_FREE
        self.instance.months = self.cleaned_data["months"]
        self.instance.evidence = self.cleaned_data["evidence"]
        id_number = self.cleaned_data["id_number"] or self.borrower.id_number
        if self.cleaned_data.get("forget_id_number"):
            id_number = ""
        if commit and id_number != self.borrower.id_number:
            self.borrower.id_number = id_number
            self.borrower.save(update_fields=["id_number"])
        return super().save(commit=commit)


class DisclosureForm(NamedRequiredMixin, forms.Form):
    limitation = forms.BooleanField(
        label=_(
            "I understand that agreeing to repay restarts the 3-year limitation period "
            "(民法典 Arts.188, 195)."
        )
    )
    may_refuse = forms.BooleanField(label=_("I understand that the lender may refuse."))
    records_stay = forms.BooleanField(
        label=_("I understand that a proposal does not remove past records from my credit report.")
    )


class SendForm(NamedRequiredMixin, forms.Form):
    # The builder form on the same page has a lender_email field too.
    prefix = "send"

    lender_email = forms.EmailField(label=_("Lender's email address"), max_length=254)


class AnswerForm(PlainTextMixin, forms.ModelForm):
    accept_counter = forms.BooleanField(
        label=_("I accept the lender's counter-offer: make it my plan"), required=False
    )

    class Meta:
        model = LenderAnswer
        fields = (
            "kind",
            "answered_on",
            "note",
            "counter_months",
            "counter_method",
            "counter_annual_percent",
            "counter_first_due_date",
        )
        widgets = {
            "kind": forms.RadioSelect,
            "answered_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "counter_first_due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, proposal: Proposal, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.proposal = proposal
        self.today = today
        self.fields["answered_on"].initial = today
        # Radios: the answer is one of these, with no blank "- Select an option -" radio.
        cast(forms.ChoiceField, self.fields["kind"]).choices = LenderAnswer.Kind.choices
        bound_to_model(self)  # counter_months up to 120, counter_annual_percent 0 to 36
        self.fields["counter_months"].widget.attrs["min"] = "1"

    def clean_answered_on(self):
        answered = self.cleaned_data["answered_on"]
        if answered > self.today:
            raise ValidationError(_("The answer cannot be dated in the future."))
        latest = self.proposal.latest_version
        if latest and answered < latest.created_at.date() - timedelta(days=1):
            raise ValidationError(_("The answer cannot come before the proposal."))
        return answered

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") != LenderAnswer.Kind.COUNTERED:
            for name in (
                "counter_months",
                "counter_method",
                "counter_annual_percent",
                "counter_first_due_date",
            ):
                cleaned[name] = None if name != "counter_method" else ""
            cleaned["accept_counter"] = False
            return cleaned
        months = cleaned.get("counter_months")
        if not months:
            self.add_error("counter_months", _("Enter the number of installments offered."))
        elif months < 1:
            self.add_error("counter_months", _("At least one installment."))
        first = cleaned.get("counter_first_due_date")
        if cleaned.get("accept_counter") and first and first < self.today - timedelta(days=31):
            self.add_error("counter_first_due_date", _("This date is too far in the past."))
        elif first and first > self.today + timedelta(days=LATEST_FIRST_DUE_DAYS):
            self.add_error("counter_first_due_date", _("Start within a year."))
        return cleaned
