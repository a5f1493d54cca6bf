"""This app's answer to borrowers.positions: the position of each debt for the
borrower's own pages and the counselor's caseload (registered when ready)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Min, OuterRef, Q, Subquery

from borrowers.debts.tiers import money
from borrowers.positions import PROPOSAL_STATES, CounselorReview
from repayment_plans.models import Proposal, ProposalEvent, ReviewSection
from repayment_plans.position import compute as position
from repayment_plans.position.load import (
    POSITION_PREFETCH,
    cost_warning_percent,
    kept,
    load_position,
    position_from_prefetched,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


Status = Proposal.Status
# Each proposal status in the caseload's state (docs/counselors.md, "The caseload"):
# changes requested is a draft again; finalised and countered wait on the lender.
CASELOAD_STATES = {
    "draft": (Status.DRAFT, Status.CHANGES_REQUESTED),
    "in_review": (Status.IN_REVIEW,),
    "approved": (Status.APPROVED,),
    "sent": (Status.FINALISED, Status.COUNTERED),
    "agreed": (Status.ACCEPTED,),
    "refused": (Status.REJECTED,),
}
# A counselor's decisions on a review (repayment_plans/counselors/forms.py).
REVIEWED = (Status.CHANGES_REQUESTED, Status.APPROVED)


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

    def kept(self, borrower, today: date, part: str, compute):
        return kept(borrower, today, part, compute)

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
        """The position's prefetch, and in the same grouped query the number of
        proposals in each state, the oldest one awaiting review and the latest
        counselor review with a comment."""
        reviews = ProposalEvent.objects.filter(
            proposal__borrower=OuterRef("pk"),
            to_status__in=REVIEWED,
            actor__counselor__isnull=False,
        ).order_by("-at", "-pk")
        return borrowers.prefetch_related(
            *POSITION_PREFETCH, "legal_matters__current_stage"
        ).annotate(
            **{
                f"n_{state}": Count("proposals", filter=Q(proposals__status__in=statuses))
                for state, statuses in CASELOAD_STATES.items()
            },
            review_proposal_id=Min("proposals", filter=Q(proposals__status=Status.IN_REVIEW)),
            review_comment=Subquery(reviews.values("comment")[:1]),
            review_section=Subquery(reviews.values("section")[:1]),
            review_at=Subquery(reviews.values("at")[:1]),
            review_status=Subquery(reviews.values("to_status")[:1]),
            review_now=Subquery(reviews.values("proposal__status")[:1]),
        )

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
            "legal_deadline_on": legal_deadline_on(borrower, today),
            "review_proposal_id": borrower.review_proposal_id,
            **{f"n_{state}": getattr(borrower, f"n_{state}") for state in PROPOSAL_STATES},
        }

    def latest_review(self, borrower) -> CounselorReview | None:
        if borrower.review_at is None:
            return None
        return CounselorReview(
            comment=borrower.review_comment,
            section=borrower.review_section,
            at=borrower.review_at,
            approved=borrower.review_status == Status.APPROVED,
            still_approved=borrower.review_now == Status.APPROVED,
        )

    def review_section_labels(self) -> dict[str, StrOrPromise]:
        return dict(ReviewSection.choices)
