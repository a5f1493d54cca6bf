"""This app's answer to borrowers.positions: the position of each debt for the
borrower's own pages and the counselor's caseload (registered when ready)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from borrowers.debts.tiers import money
from repayment_plans.models import Proposal
from repayment_plans.position import compute as position
from repayment_plans.position.load import (
    POSITION_PREFETCH,
    cost_warning_percent,
    load_position,
    position_from_prefetched,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _fen(value: Decimal | None) -> Decimal | None:
    return None if value is None else money(value)


def legal_deadline_on(borrower, today: date) -> date | None:
    """The nearest open court or arbitration deadline, today or later (prefetched)."""
    due = [
        stage.deadline_on
        for matter in borrower.legal_matters.all()
        if (stage := matter.open_deadline) is not None
        and stage.deadline_on is not None
        and stage.deadline_on >= today
    ]
    return min(due, default=None)


class PositionSource:
    def load(self, borrower, today: date) -> position.BorrowerPosition:
        return load_position(borrower, today)

    def preview(self, facts, principal: Decimal, today: date) -> position.DebtPosition:
        entered = position.DebtInput(
            debt_id=0,
            label="",
            lender="",
            principal=principal,
            interest=Decimal("0"),
            penalty_fees=Decimal("0"),
            facts=facts,
            overdue_total=facts.overdue_amount,
        )
        return position.debt_position(entered, None, None, today, cost_warning_percent())

    def prepare_caseload(self, borrowers):
        latest = Proposal.objects.filter(borrower=OuterRef("pk")).order_by("-updated_at")
        return borrowers.prefetch_related(
            *POSITION_PREFETCH, "legal_matters__current_stage"
        ).annotate(proposal_status=Coalesce(Subquery(latest.values("status")[:1]), Value("none")))

    def caseload_figures(self, borrower, today: date) -> dict:
        current = position_from_prefetched(borrower, today)
        upcoming = current.next_installment
        missed = current.missed_installments
        return {
            "worst_rank": current.worst_tier.rank,
            "next_tier_on": current.next_tier_on,
            "oldest_missed": current.oldest_overdue_since,
            "total_overdue": _fen(current.total_overdue),
            "missed_n": missed,
            "has_missed": missed > 0,
            "next_installment_on": upcoming.due if upcoming else None,
            "next_installment_amount": _fen(upcoming.left) if upcoming else None,
            "proposal_status": borrower.proposal_status,
            "legal_deadline_on": legal_deadline_on(borrower, today),
        }

    def proposal_labels(self) -> dict[str, StrOrPromise]:
        return dict(Proposal.Status.choices)
