from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from repayment_plans.models import Proposal
from repayment_plans.plans import services as plan_services
from repayment_plans.proposals import services as proposal_services
from tests.factories import DebtFactory, profile


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def huabei_debt(alice, today):
    return DebtFactory(
        borrower=alice,
        nickname="花呗",
        principal=Decimal("6000.00"),
        interest=Decimal("0.00"),
        penalty_fees=Decimal("150.00"),
        annual_rate_percent=Decimal("0"),
        first_missed_date=today - timedelta(days=45),
        contract_number="HB-2026-001",
    )


@pytest.fixture
def weilidai_debt(alice, today):
    return DebtFactory(
        borrower=alice,
        profile=profile("weilidai"),
        nickname="微粒贷",
        principal=Decimal("18000.00"),
        interest=Decimal("1200.00"),
        annual_rate_percent=Decimal("18.25"),
        first_missed_date=today - timedelta(days=75),
    )


def make_proposal(debts, months=12, first_due: date | None = None, **extra) -> Proposal:
    first = debts[0]
    proposal = Proposal.objects.create(
        borrower=first.borrower,
        lender_name=first.lender_name,
        months=months,
        first_due_date=first_due or plan_services.next_month_first(timezone.localdate()),
        **extra,
    )
    proposal.debts.set(debts)
    return proposal


@pytest.fixture
def proposal(huabei_debt):
    return make_proposal([huabei_debt])


@pytest.fixture
def version(proposal, today):
    return proposal_services.finalise(proposal, today, "zh-hans")
