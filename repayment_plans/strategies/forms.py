"""The strategy form: the first installment date of the strategies."""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from borrowers.inputs import NamedRequiredMixin
from repayment_plans.plans.forms import first_due_date


class StrategyForm(NamedRequiredMixin, forms.Form):
    first_due_date = forms.DateField(
        label=_("First installment date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_first_due_date(self):
        return first_due_date(self.cleaned_data["first_due_date"], self.today)
