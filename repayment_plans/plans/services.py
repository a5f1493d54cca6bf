"""Agreed plans: creating one, payments, and changing the terms the lender agreed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from borrowers.money import FEN, ZERO
from borrowers.numerals import figures
from borrowers.signals import position_changed
from repayment_plans.models import (
    Installment,
    Payment,
    Plan,
    PlanChange,
    Proposal,
)
from repayment_plans.plans import adherence
from repayment_plans.plans.schedules import Method, Schedule, add_months, build_schedule
from repayment_plans.refusals import Refused


def schedule_for(
    amount: Decimal,
    months: int,
    first_due: date,
    method: str,
    annual_percent: Decimal,
    good_faith: Decimal = ZERO,
) -> Schedule:
    method = Method(method)
    rate = ZERO if method == Method.INTEREST_FREE else annual_percent
    return build_schedule(amount, months, first_due, method, rate, good_faith)


def create_plan(
    proposal: Proposal,
    *,
    amount: Decimal,
    months: int,
    first_due: date,
    method: str,
    annual_percent: Decimal,
    good_faith: Decimal,
    agreed_on: date | None = None,
) -> Plan:
    schedule = schedule_for(amount, months, first_due, method, annual_percent, good_faith)
    plan = Plan.objects.create(
        proposal=proposal,
        principal=amount,
        method=method,
        annual_percent=annual_percent if method != Method.INTEREST_FREE else ZERO,
        months=months,
        first_due_date=first_due,
        agreed_on=agreed_on or timezone.localdate(),
    )
    Installment.objects.bulk_create(
        Installment(
            plan=plan,
            number=i.number,
            due_date=i.due_date,
            amount=i.payment,
            principal=i.principal,
            interest=i.interest,
        )
        for i in schedule.installments
    )

    position_changed(proposal.borrower_id)
    return plan


@transaction.atomic
def record_payment(
    plan: Plan, amount: Decimal, paid_on: date, user=None, idempotency_key: str = ""
) -> Payment:
    """Save a payment and re-apply all payments to the oldest open installments.

    Decided under the plan's row lock: what is left is computed again there,
    so two payments submitted at once never pay more than the plan; the same
    form submitted twice records one payment.
    """
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if idempotency_key:
        same = plan.payments.filter(idempotency_key=idempotency_key).first()
        if same is not None:
            return same
    left = plan.outstanding
    if amount > left:
        raise Refused(
            gettext("That is more than what is left on this plan (¥%(left)s).")
            % {"left": figures(left)}
        )
    payment = Payment.objects.create(
        plan=plan,
        amount=amount,
        paid_on=paid_on,
        recorded_by=user,
        idempotency_key=idempotency_key[:64],
    )
    _apply_payments(plan)
    return payment


def _apply_payments(plan: Plan) -> None:
    """Apply all the plan's payments to its installments, oldest first, and
    complete the plan when every installment is paid. Called under the plan's
    row lock."""
    installments = list(plan.installments.order_by("number"))
    applied = adherence.apply_payments(
        [i.amount for i in installments],
        list(plan.payments.values_list("paid_on", "amount")),
    )
    for installment, result in zip(installments, applied, strict=True):
        installment.paid_amount = result.paid_amount
        installment.paid_on = result.paid_on
    Installment.objects.bulk_update(installments, ["paid_amount", "paid_on"])
    done = all(i.paid_on is not None for i in installments)
    status = Plan.Status.COMPLETED if done else Plan.Status.ACTIVE
    if plan.status != status:
        plan.status = status
        plan.save(update_fields=["status"])

    position_changed(plan.proposal.borrower_id)  # installments changed in bulk, without signals


@dataclass(frozen=True)
class PlanTerms:
    """New terms the lender agreed to for what is left on a plan."""

    amount: Decimal
    months: int
    first_due: date
    method: str
    annual_percent: Decimal


def _plan_record(plan: Plan, installments) -> dict:
    return {
        "version": plan.version,
        "principal": str(plan.principal),
        "months": plan.months,
        "method": plan.method,
        "annual_percent": str(plan.annual_percent),
        "first_due_date": plan.first_due_date.isoformat(),
        "installments": [
            {
                "number": i.number,
                "due_date": i.due_date.isoformat(),
                "amount": str(i.amount),
                "paid_amount": str(i.paid_amount),
            }
            for i in installments
        ],
    }


@transaction.atomic
def change_plan(
    plan: Plan,
    terms: PlanTerms,
    *,
    based_on_version: int,
    agreed_on: date,
    reason: str,
    actor=None,
) -> PlanChange:
    """Make the lender's new terms the plan's next version.

    Nothing paid is lost: the installments already paid stay as they were, the
    one paid in part is closed at what was paid, and the new schedule for
    ``terms.amount`` follows them; every payment is then applied again, oldest
    first. The replaced version is kept in a PlanChange row. Decided under the
    plan's row lock; a form based on an older version is refused, so a double
    submission changes the plan once.
    """
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan.version != based_on_version:
        raise Refused(gettext("The plan was changed in the meantime. Check its new terms."))
    installments = list(plan.installments.order_by("number"))
    record = _plan_record(plan, installments)
    kept = [i for i in installments if i.paid_amount > 0]
    for installment in kept:
        if installment.paid_amount < installment.amount:
            # Closed at what was paid; its unpaid part is in terms.amount.
            share = installment.paid_amount / installment.amount
            installment.principal = (installment.principal * share).quantize(FEN)
            installment.interest = installment.paid_amount - installment.principal
            installment.amount = installment.paid_amount
    if kept and terms.first_due <= kept[-1].due_date:
        raise Refused(gettext("The new installments must start after the last one paid."))
    Installment.objects.filter(plan=plan).exclude(pk__in=[i.pk for i in kept]).delete()
    Installment.objects.bulk_update(kept, ["amount", "principal", "interest"])
    schedule = schedule_for(
        terms.amount, terms.months, terms.first_due, terms.method, terms.annual_percent
    )
    start = len(kept)
    Installment.objects.bulk_create(
        Installment(
            plan=plan,
            number=start + i.number,
            due_date=i.due_date,
            amount=i.payment,
            principal=i.principal,
            interest=i.interest,
        )
        for i in schedule.installments
    )
    plan.version += 1
    plan.principal = sum((i.principal for i in kept), ZERO) + terms.amount
    plan.months = start + terms.months
    plan.method = terms.method
    plan.annual_percent = terms.annual_percent if terms.method != Method.INTEREST_FREE else ZERO
    plan.first_due_date = installments[0].due_date if kept else terms.first_due
    plan.save(
        update_fields=[
            "version",
            "principal",
            "months",
            "method",
            "annual_percent",
            "first_due_date",
        ]
    )
    change = PlanChange.objects.create(
        plan=plan,
        version=plan.version,
        agreed_on=agreed_on,
        reason=reason,
        changed_by=actor,
        previous=record,
    )
    _apply_payments(plan)
    return change


def next_month_first(today: date) -> date:
    """A sensible default first installment date: the 1st of next month or later."""
    return add_months(today.replace(day=1), 1)
