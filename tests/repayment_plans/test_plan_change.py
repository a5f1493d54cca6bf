"""Changing an agreed plan: a new, audited version that keeps every payment."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from repayment_plans import refusals
from repayment_plans.models import LenderAnswer, Plan, PlanChange
from repayment_plans.plans import services as plan_services
from repayment_plans.plans.schedules import add_months
from repayment_plans.position import compute as position
from repayment_plans.position import load as position_load
from repayment_plans.proposals import services as proposal_services
from tests.factories import DebtFactory
from tests.repayment_plans.conftest import make_proposal


@pytest.fixture
def plan(alice, seeded_profiles):
    today = timezone.localdate()
    debt = DebtFactory(
        borrower=alice,
        principal=Decimal("1200"),
        interest=Decimal("0"),
        penalty_fees=Decimal("0"),
    )
    proposal = make_proposal([debt], months=3, first_due=today - timedelta(days=40))
    countered = LenderAnswer(
        kind="countered", answered_on=today - timedelta(days=45), counter_months=3
    )
    plan = proposal_services.record_answer(proposal, countered, accept_counter=True)
    plan_services.record_payment(plan, Decimal("500"), today - timedelta(days=10))
    return plan


def new_terms(today, **changes):
    terms = {
        "amount": Decimal("700.00"),
        "months": 7,
        "first_due": add_months(today, 2),
        "method": "interest_free",
        "annual_percent": Decimal("0"),
    }
    terms.update(changes)
    return plan_services.PlanTerms(**terms)


def change(plan, today, **changes):
    return plan_services.change_plan(
        plan,
        new_terms(today, **changes),
        based_on_version=plan.version,
        agreed_on=today,
        reason="收入下降，贷款方同意分 7 期",
    )


def test_a_change_keeps_the_payments_and_closes_the_part_paid_installment(plan):
    today = timezone.localdate()
    before = [(i.number, i.amount, i.paid_amount) for i in plan.installments.all()]
    assert before[:2] == [
        (1, Decimal("400.00"), Decimal("400.00")),
        (2, Decimal("400.00"), Decimal("100.00")),
    ]

    record = change(plan, today)

    plan = Plan.objects.get(pk=plan.pk)
    assert plan.version == record.version == 2
    assert plan.payments.get().amount == Decimal("500.00")
    rows = list(plan.installments.order_by("number"))
    assert [(i.amount, i.paid_amount) for i in rows[:2]] == [
        (Decimal("400.00"), Decimal("400.00")),
        (Decimal("100.00"), Decimal("100.00")),
    ]
    assert rows[1].paid_on is not None  # closed at what was paid
    assert [i.amount for i in rows[2:]] == [Decimal("100.00")] * 7
    assert rows[2].due_date == add_months(today, 2)
    assert plan.total_paid == Decimal("500.00")
    assert plan.outstanding == Decimal("700.00")
    assert plan.months == 9
    # The replaced version is kept, row by row, with what had been paid.
    assert [r["amount"] for r in record.previous["installments"]] == ["400.00"] * 3
    assert record.previous["installments"][1]["paid_amount"] == "100.00"
    assert record.previous["version"] == 1


def test_a_plan_behind_is_on_track_after_the_lender_agrees_to_new_terms(plan):
    today = timezone.localdate()
    state = position.plan_state(position_load.plan_input(plan, plan.proposal), today)
    assert state.arrears_periods >= 1  # installment 2 was due ten days ago and is not paid
    change(plan, today)
    plan = Plan.objects.get(pk=plan.pk)
    state = position.plan_state(position_load.plan_input(plan, plan.proposal), today)
    assert state.arrears_periods == 0
    assert state.outstanding == Decimal("700.00")


def test_a_change_from_an_older_version_is_refused_so_a_double_submit_changes_once(plan):
    today = timezone.localdate()
    change(plan, today)
    with pytest.raises(refusals.Refused):
        plan_services.change_plan(
            plan, new_terms(today), based_on_version=1, agreed_on=today, reason="again"
        )
    assert PlanChange.objects.filter(plan=plan).count() == 1
    assert Plan.objects.get(pk=plan.pk).installments.count() == 9


def test_new_installments_cannot_start_before_the_last_paid_one(plan):
    today = timezone.localdate()
    kept_due = plan.installments.get(number=2).due_date
    with pytest.raises(refusals.Refused):
        change(plan, today, first_due=kept_due)
    assert Plan.objects.get(pk=plan.pk).version == 1
    assert plan.installments.count() == 3


def test_paying_off_a_changed_plan_completes_it(plan):
    today = timezone.localdate()
    change(plan, today, amount=Decimal("700.00"), months=1)
    plan = Plan.objects.get(pk=plan.pk)
    plan_services.record_payment(plan, Decimal("700.00"), today)
    assert Plan.objects.get(pk=plan.pk).status == Plan.Status.COMPLETED


def form_data(plan, today, **changes):
    data = {
        "amount": "700.00",
        "months": "7",
        "method": "interest_free",
        "annual_percent": "0",
        "first_due_date": add_months(today, 2).isoformat(),
        "agreed_on": today.isoformat(),
        "reason": "收入下降",
        "version": str(plan.version),
    }
    data.update(changes)
    return data


def test_the_plan_page_offers_the_change_and_shows_the_history(alice_client, plan):
    today = timezone.localdate()
    page = alice_client.get(reverse("plan_detail", args=[plan.pk])).content.decode()
    assert reverse("plan_change", args=[plan.pk]) in page
    response = alice_client.post(reverse("plan_change", args=[plan.pk]), form_data(plan, today))
    assert response.status_code == 302
    page = alice_client.get(response["Location"]).content.decode()
    assert "收入下降" in page
    assert PlanChange.objects.get(plan=plan).changed_by == plan.proposal.borrower.user


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("reason", "   "),
        ("agreed_on", "2099-01-01"),
        ("amount", "1e20"),
        ("amount", "NaN"),
        ("months", "0"),
        ("amount", "0.05"),  # too small for 7 installments: a message, not a 500
        ("annual_percent", "-0"),
        ("first_due_date", "2001-01-01"),
    ],
)
def test_bad_input_is_a_message_next_to_the_field_and_changes_nothing(
    alice_client, plan, field, value
):
    today = timezone.localdate()
    response = alice_client.post(
        reverse("plan_change", args=[plan.pk]), form_data(plan, today, **{field: value})
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert f'id="field-{field}"' in response.content.decode()
    assert Plan.objects.get(pk=plan.pk).version == 1
    assert not PlanChange.objects.exists()


def test_a_stale_form_says_the_plan_changed_meanwhile(alice_client, plan):
    today = timezone.localdate()
    data = form_data(plan, today)
    assert alice_client.post(reverse("plan_change", args=[plan.pk]), data).status_code == 302
    response = alice_client.post(reverse("plan_change", args=[plan.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert PlanChange.objects.filter(plan=plan).count() == 1


def test_another_borrowers_plan_is_a_404(bob_client, plan):
    today = timezone.localdate()
    assert bob_client.get(reverse("plan_change", args=[plan.pk])).status_code == 404
    response = bob_client.post(reverse("plan_change", args=[plan.pk]), form_data(plan, today))
    assert response.status_code == 404
    assert not PlanChange.objects.exists()


def report_code(plan, day):
    """What the lender's report printed at the end of ``day`` for the plan's debt."""
    from repayment_plans.recovery import timeline as recovery

    plan = Plan.objects.get(pk=plan.pk)
    debt = plan.proposal.debts.get()
    account = position.recovery_account(
        position_load.debt_input(debt), position_load.plan_input(plan, plan.proposal), False
    )
    path = recovery.plan_path(account.plan, timezone.localdate())
    return recovery.code_on(account, path, None, day).code


def test_the_months_before_a_change_are_reported_as_they_were(plan):
    today = timezone.localdate()
    missed = plan.installments.get(number=2)  # 100 of 400 paid, due ten days ago
    assert missed.due_date < today
    before = report_code(plan, today)
    assert before not in ("N", "*", "C")  # behind: the lender reports a late code
    change(plan, today)
    # The new version starts today: reports made before it still print the
    # missed installment; from today the plan is on track.
    assert report_code(plan, today - timedelta(days=1)) == before
    assert report_code(plan, today) == "N"
