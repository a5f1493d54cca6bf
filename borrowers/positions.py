"""Where each debt stands, as this app's pages and the caseload read it.

A debt's position (agreed plans, proposals awaiting an answer, payments,
arrears) is computed by the plans app, which depends on this one; this app
never imports it. It fills in this port from its ``AppConfig.ready()``
(repayment_plans/position_source.py), as it adds its data-rights sections.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Protocol

from django.core.exceptions import ImproperlyConfigured

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


class PositionSource(Protocol):
    def load(self, borrower, today: date):
        """The borrower's position (repayment_plans.position.compute.BorrowerPosition)."""

    def preview(self, facts, principal, today: date):
        """The position of a debt being entered, not yet saved (a DebtPosition)."""

    def prepare_caseload(self, borrowers):
        """The borrowers' queryset with what ``caseload_figures`` reads, fetched at once."""

    def caseload_figures(self, borrower, today: date) -> dict:
        """One prepared borrower's caseload figures (the Triage fields)."""

    def proposal_labels(self) -> dict[str, StrOrPromise]:
        """Proposal status → its label, for the caseload's filter and rows."""


_source: PositionSource | None = None


def provide(source: PositionSource) -> None:
    global _source
    _source = source


def source() -> PositionSource:
    if _source is None:
        raise ImproperlyConfigured("No position source: is repayment_plans installed?")
    return _source
