"""A borrower's position read apart after a write (repayment_plans/position/load.py,
``_computed``: queries compiled once) equals the one read with POSITION_PREFETCH."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from borrowers.models import Borrower
from repayment_plans.models import Payment, Plan, PlanChange, Proposal
from repayment_plans.plans import services as plan_services
from repayment_plans.plans.schedules import add_months
from repayment_plans.position import load

pytestmark = pytest.mark.django_db


def test_every_demo_borrower_reads_the_same_position_apart_as_prefetched():
    call_command("load_demo", stdout=StringIO())
    today = timezone.localdate()
    # A payment and a change on one plan, beside what the demo holds.
    plan = Plan.objects.order_by("pk").first()
    first = plan.installments.order_by("number").first()
    plan_services.record_payment(plan, first.amount, today - timedelta(days=1))
    plan.refresh_from_db()
    terms = plan_services.PlanTerms(
        amount=Decimal("900.00"),
        months=6,
        first_due=add_months(today, 2),
        method="interest_free",
        annual_percent=Decimal("0"),
    )
    plan_services.change_plan(
        plan, terms, based_on_version=plan.version, agreed_on=today, reason="收入下降"
    )
    # Each kind of row the position reads is there.
    assert Payment.objects.exists() and PlanChange.objects.exists()
    assert Proposal.objects.filter(status=Proposal.Status.REJECTED).exists()
    assert Proposal.objects.filter(plan__isnull=True).exclude(debts=None).exists()
    compared = 0
    for day in (today, today + timedelta(days=45)):
        for fetched in Borrower.objects.prefetch_related(*load.POSITION_PREFETCH).order_by("pk"):
            with CaptureQueriesContext(connection) as queries:
                apart, debts = load._computed(fetched.pk, day)
                owners = {debt.borrower.pk for debt in debts}
            assert apart == load.position_from_prefetched(fetched, day)
            assert [d.pk for d in debts] == [d.pk for d in fetched.debts.all()]
            assert owners <= {fetched.pk}
            assert len(queries) <= 7
            compared += 1
    assert compared >= 20


def test_a_borrower_that_is_gone_is_not_found():
    with pytest.raises(Borrower.DoesNotExist):
        load._computed(10**9, timezone.localdate())
