"""Where each debt stands, as this app's pages and the caseload read it.

A debt's position (agreed plans, proposals awaiting an answer, payments,
arrears) is computed by the plans app, which depends on this one; this app
never imports it. It fills in this port from its ``AppConfig.ready()``
(repayment_plans/position_source.py), as it adds its data-rights sections.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

from django.core.exceptions import ImproperlyConfigured

from borrowers.accounts.models import POSITION_DEBTS
from borrowers.models import Borrower, Debt, PositionStamp
from config.compiled import CompiledQuery

if TYPE_CHECKING:
    from decimal import Decimal

    from django_stubs_ext import StrOrPromise

    from borrowers.debts import tiers


class DebtPositionLike(Protocol):
    """What this app reads of a debt's position (repayment_plans.position.compute)."""

    @property
    def status(self) -> tiers.TierStatus: ...
    @property
    def tier(self) -> tiers.Tier: ...
    @property
    def next_tier(self) -> tiers.Tier | None: ...
    @property
    def report_code(self) -> str: ...


class BorrowerPositionLike(Protocol):
    """What this app reads of a borrower's position (a
    repayment_plans.position.compute.BorrowerPosition)."""

    @property
    def total_owed(self) -> Decimal: ...
    @property
    def total_overdue(self) -> Decimal: ...
    @property
    def penalty_to_date(self) -> Decimal: ...
    @property
    def worst_tier(self) -> tiers.Tier: ...


# The caseload's proposal states: the source sorts each proposal status into one
# of them, and ``caseload_figures`` counts a borrower's proposals in each as
# ``n_<state>`` (docs/counselors.md, "The caseload").
PROPOSAL_STATES = ("draft", "in_review", "approved", "sent", "agreed", "refused")


@dataclass(frozen=True)
class CounselorReview:
    """A counselor's review of one of the borrower's proposals: changes
    requested with the counselor's own words about a section of the proposal
    ("" for none), or an approval (``approved``, with or without words),
    written at ``at``."""

    comment: str
    section: str
    at: datetime
    approved: bool = False
    # The approved proposal has not gone out yet (its next step is still open).
    still_approved: bool = False

    @property
    def is_next_action(self) -> bool:
        """A change asked for in words, or an approval whose letter is not sent yet."""
        return self.still_approved if self.approved else bool(self.comment)


class PositionSource(Protocol):
    def load(self, borrower, today: date):
        """The borrower's position (repayment_plans.position.compute.BorrowerPosition)."""

    def preview(self, facts, principal, today: date):
        """The position of a debt being entered, not yet saved (a DebtPosition)."""

    def kept(self, borrower, today: date, part: str, compute):
        """``compute()``, kept while the borrower's data does not change (the
        position stamp): for what a page derives from the position and the
        borrower's debts alone."""

    def prepare_caseload(self, borrowers):
        """The borrowers' queryset with what ``caseload_figures`` reads, fetched at once."""

    def caseload_figures(self, borrower, today: date) -> dict:
        """One prepared borrower's caseload figures (the Triage fields): the
        position's, ``n_<state>`` for each of PROPOSAL_STATES, and
        ``review_proposal_id``, the oldest proposal awaiting review (or None)."""

    def latest_review(self, borrower) -> CounselorReview | None:
        """One prepared borrower's latest counselor review with a comment."""

    def review_section_labels(self) -> dict[str, StrOrPromise]:
        """A review's section → its label ("Term", "Amount"...)."""


_source: PositionSource | None = None


def provide(source: PositionSource) -> None:
    global _source
    _source = source


def source() -> PositionSource:
    if _source is None:
        raise ImproperlyConfigured("No position source: is repayment_plans installed?")
    return _source


# A borrower's debts with their product profiles, by the borrower's id: what the
# position and the pages that list debts read. Compiled once (config/compiled.py).
debts_with_profiles = CompiledQuery[Debt](
    lambda borrower_id: Debt.objects.filter(borrower=borrower_id).select_related("profile")
)


def remember_debts(borrower: Borrower, debts: list[Debt]) -> None:
    """The debts (with their product profiles) a position of ``borrower`` was just
    computed from, for ``debts_of`` on the same borrower object (one request).
    Their borrower becomes that object: the one they were read with carries the
    whole prefetched position, which must not follow them into a cached page."""
    for debt in debts:
        debt.borrower = borrower
    borrower.__dict__[POSITION_DEBTS] = (PositionStamp.of(borrower), debts)


def debts_of(borrower: Borrower) -> list[Debt]:
    """The borrower's debts with their product profiles: the ones a position was
    computed from earlier on this borrower object while its position stamp has not
    changed since (so nothing was written), else read now (one query)."""
    stamp = PositionStamp.of(borrower)
    remembered = borrower.__dict__.get(POSITION_DEBTS)
    if remembered is not None and remembered[0] == stamp:
        return list(remembered[1])
    debts = debts_with_profiles(borrower.pk)
    remember_debts(borrower, debts)
    return debts
