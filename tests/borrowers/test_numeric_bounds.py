"""Every numeric field of the borrower, proposal, collection and dispute forms has
a minimum and a maximum (the model's): a huge number, NaN, Infinity or "-0" is
an error of the field itself, shown next to it, never a server error."""

import pytest
from django import forms as django_forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.urls import reverse

from borrowers.accounts import forms as account_forms
from borrowers.collection import forms as collection_forms
from borrowers.debts import forms as debt_forms
from borrowers.inputs import AmountField
from repayment_plans.disputes import forms as dispute_forms
from repayment_plans.plans import forms as plan_forms
from repayment_plans.proposals import forms as proposal_forms
from tests.fuzz.registry import BY_NAME, TARGETS, World

MODULES = (account_forms, debt_forms, plan_forms, proposal_forms, collection_forms, dispute_forms)
NUMERIC = (
    django_forms.IntegerField,
    django_forms.DecimalField,
    django_forms.FloatField,
)
OUT_OF_RANGE = [
    "1e20",
    "-1e20",
    "NaN",
    "Infinity",
    "-Infinity",
    "99999999999999999999",
    "-99999999999999999999",
    "9" * 5000,
]
MINUS_ZERO = ["-0", "-0.00", "-0e5"]
# The registered forms of the four modules that have numeric fields.
WITH_NUMBERS = [
    "budget",
    "debt_create",
    "debt_preview",
    "proposal_detail",
    "proposal_answer",
    "payment_create",
    "plan_change",
    "tier_check",
]


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the payment form needs a finalised proposal
    return World()


def targets():
    """One registered target per form class of the four modules."""
    seen = {}
    for target in TARGETS:
        if any(target.form.__module__ == m.__name__ for m in MODULES):
            seen.setdefault(target.form, target)
    return list(seen.values())


def numeric_fields(form):
    """The numbers a person types (a hidden version number is the form's own)."""
    return {
        name: field
        for name, field in form.fields.items()
        if isinstance(field, NUMERIC) and not field.widget.is_hidden
    }


def refuses(field, value) -> bool:
    try:
        field.clean(value)
    except ValidationError:
        return True
    return False


def test_every_numeric_field_has_the_bounds_of_its_model(world):
    fields = {t.name: numeric_fields(t.oracle(world, QueryDict())) for t in targets()}
    assert "commitment_percent" in fields["budget"]
    assert {"rate_value", "grace_days_override", "penalty_multiplier_override"} <= set(
        fields["debt_create"]
    )
    assert {"annual_percent", "months", "monthly"} <= set(fields["proposal_detail"])
    assert {"counter_months", "counter_annual_percent"} <= set(fields["proposal_answer"])
    assert set(fields["payment_create"]) == {"amount"}
    assert set(fields["plan_change"]) == {"amount", "months", "annual_percent"}
    assert set(fields["tier_check"]) == {"amount"}
    assert {name for name, named in fields.items() if named} == set(WITH_NUMBERS)
    for target, named in fields.items():
        for name, field in named.items():
            assert field.min_value is not None and field.max_value is not None, (target, name)
            if isinstance(field, AmountField):
                # Typed as text ("1.2万"): the bounds are the server's, one message each.
                assert field.widget.input_type == "text", (target, name)
                assert field.widget.attrs.get("inputmode") == "decimal", (target, name)
            else:
                assert str(field.widget.attrs.get("max")) == str(field.max_value), (target, name)
    budget, debt, proposal = fields["budget"], fields["debt_create"], fields["proposal_detail"]
    assert (budget["commitment_percent"].min_value, budget["commitment_percent"].max_value) == (
        30,
        100,
    )
    assert debt["grace_days_override"].max_value == 30
    assert (debt["penalty_multiplier_override"].min_value, proposal["months"].max_value) == (1, 120)


@pytest.mark.parametrize("name", WITH_NUMBERS)
def test_out_of_range_numbers_and_minus_zero_are_errors_of_the_field(world, name):
    target = BY_NAME[name]
    form = target.oracle(world, QueryDict())
    assert numeric_fields(form)
    for name, field in numeric_fields(form).items():
        for value in OUT_OF_RANGE:
            assert refuses(field, value), (name, value)
        if isinstance(field, django_forms.DecimalField):
            for value in MINUS_ZERO:
                assert refuses(field, value), (name, value)
        # And a whole form with it is invalid, without raising.
        data = QueryDict(mutable=True)
        data[form.add_prefix(name)] = "99999999999999999999"
        bound = target.oracle(world, data)
        assert not bound.is_valid() and name in bound.errors


def test_the_commitment_is_between_30_and_100_percent(world):
    field = debt_forms.BudgetForm(instance=world.alice).fields["commitment_percent"]
    for value, valid in [("29", False), ("30", True), ("100", True), ("101", False)]:
        assert refuses(field, value) is not valid, value


def budget_data(**changes):
    data = {
        "display_name": "Alice",
        "monthly_net_income": "10000000000",
        "rent": "0",
        "food": "0",
        "transport": "0",
        "medical": "0",
        "dependants": "0",
        "other_expenses": "0",
        "commitment_percent": "70",
        "hardship_reason": "illness",
    }
    return {**data, **changes}


def test_a_huge_commitment_is_an_error_next_to_the_field(client, world):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(world.alice.user)
    # The first was a server error (decimal.InvalidOperation while showing the capacity).
    for value in ["99999999999999999999", "9" * 30, "1e20", "NaN", "Infinity", "-0"]:
        response = client.post(reverse("budget"), budget_data(commitment_percent=value))
        assert response.status_code == 200, value
        field = response.content.decode().split('id="field-commitment_percent"')[1]
        assert 'class="field-errors"' in field.split('id="field-')[0], value
        assert world.fresh(world.alice).commitment_percent == 70


def test_an_amount_of_minus_zero_is_not_saved(client, world):
    client.force_login(world.alice.user)
    response = client.post(reverse("budget"), budget_data(rent="-0"))
    assert response.status_code == 200
    assert str(world.fresh(world.alice).rent) == "2000.00"
