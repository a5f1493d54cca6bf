"""Build the position inputs (repayment_plans.position.compute) from the database.

``load_position`` reads one borrower in a fixed number of queries, or takes the
position from the cache: it is kept there under the borrower's position stamp
(borrowers.models.PositionStamp, renewed by every write to what the position
is computed from), the day, the language and the code that computes it, so a
kept position is never older than the data (docs/architecture.md, "The
position cache"). ``position_from_prefetched`` reads nothing when the borrower
was fetched with ``POSITION_PREFETCH`` (caseloads, reminder sweeps).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import get_language

from borrowers.models import Borrower, Debt, PositionStamp
from borrowers.money import ZERO
from borrowers.positions import remember_debts
from repayment_plans.models import Plan, Proposal
from repayment_plans.plans import schedules
from repayment_plans.position import compute as position

POSITION_PREFETCH = (
    Prefetch("debts", queryset=Debt.objects.select_related("profile")),
    Prefetch(
        "proposals",
        queryset=Proposal.objects.exclude(status=Proposal.Status.REJECTED)
        .select_related("plan")
        .prefetch_related(
            Prefetch("debts", queryset=Debt.objects.select_related("profile")),
            "plan__installments",
            "plan__payments",
            "plan__changes",
        ),
    ),
)


def cost_warning_percent() -> Decimal:
    return Decimal(settings.COST_WARNING_ANNUAL_PERCENT)


def debt_input(debt: Debt) -> position.DebtInput:
    return position.DebtInput(
        debt_id=debt.pk,
        label=debt.label,
        lender=debt.lender_name.strip(),
        principal=debt.principal,
        interest=debt.interest,
        penalty_fees=debt.penalty_fees,
        facts=debt.facts(),
        overdue_total=debt.overdue_amount
        if debt.overdue_amount is not None
        else debt.principal + debt.interest + debt.penalty_fees,
    )


def plan_input(plan: Plan, proposal: Proposal) -> position.PlanInput:
    return position.PlanInput(
        plan_id=plan.pk,
        proposal_id=proposal.pk,
        lender=proposal.lender_name.strip(),
        agreed_on=plan.agreed_on,
        installments=tuple(
            position.ScheduledInstallment(i.number, i.due_date, i.amount, i.pk)
            for i in sorted(plan.installments.all(), key=lambda i: i.number)
        ),
        payments=tuple(
            (p.paid_on, p.amount) for p in sorted(plan.payments.all(), key=lambda p: p.paid_on)
        ),
        debt_ids=tuple(d.pk for d in proposal.debts.all()),
        earlier=earlier_versions(plan),
    )


def earlier_versions(plan: Plan):
    """The replaced versions of a changed plan (PlanChange.previous), each with
    the day the next one took over, oldest first."""
    return tuple(
        (
            change.agreed_on,
            tuple(
                (date.fromisoformat(row["due_date"]), Decimal(row["amount"]))
                for row in change.previous["installments"]
            ),
        )
        for change in sorted(plan.changes.all(), key=lambda c: c.version)
    )


def proposal_schedule(proposal: Proposal, debts) -> schedules.Schedule | None:
    """The proposal's schedule from its debts' current amounts, or None when
    they leave nothing to repay."""
    amount = amount_to_repay(debts, proposal.ask_waive_penalty)
    if amount <= proposal.good_faith_amount or amount < proposal.months * Decimal("0.01"):
        return None
    method = schedules.Method(proposal.method)
    rate = ZERO if method == schedules.Method.INTEREST_FREE else proposal.annual_percent
    return schedules.build_schedule(
        amount, proposal.months, proposal.first_due_date, method, rate, proposal.good_faith_amount
    )


def amount_to_repay(debts, waive_penalty: bool) -> Decimal:
    """What a proposal offers to repay: principal and interest, plus the
    penalty and fees unless their waiver is asked for."""
    total = sum((d.principal + d.interest for d in debts), ZERO)
    if not waive_penalty:
        total += sum((d.penalty_fees for d in debts), ZERO)
    return total


def proposal_input(proposal: Proposal, order: int = 0) -> position.ProposalInput:
    debts = list(proposal.debts.all())
    schedule = proposal_schedule(proposal, debts)
    return position.ProposalInput(
        proposal_id=proposal.pk,
        lender=proposal.lender_name.strip(),
        status=proposal.status,
        installments=tuple(
            position.ScheduledInstallment(i.number, i.due_date, i.payment)
            for i in (schedule.installments if schedule else ())
        ),
        debt_ids=tuple(d.pk for d in debts),
        updated_at_order=order,
    )


def _build(borrower: Borrower, debts, proposals, today: date) -> position.BorrowerPosition:
    plans, open_proposals = [], []
    ordered = sorted(proposals, key=lambda p: (p.updated_at, p.pk))
    for order, proposal in enumerate(ordered):
        if proposal.status == Proposal.Status.REJECTED:
            continue
        plan = getattr(proposal, "plan", None)
        if plan is not None:
            plans.append(plan_input(plan, proposal))
        else:
            open_proposals.append(proposal_input(proposal, order))
    return position.borrower_position(
        [
            debt_input(d)
            for d in sorted(debts, key=lambda d: (d.first_missed_date or date.max, d.pk))
        ],
        plans,
        open_proposals,
        today,
        borrower.monthly_capacity,
        cost_warning_percent(),
        borrower.pk,
    )


logger = logging.getLogger(__name__)
_ROOT = Path(__file__).resolve().parent.parent.parent
# The code a kept value was computed and rendered by: a deployment that changes
# it never reads what the code before computed.
CODE_VERSION = hashlib.sha256(
    b"".join(
        path.read_bytes()
        for pattern in ("borrowers/**/*.py", "repayment_plans/**/*.py", "templates/**/*.html")
        for path in sorted(_ROOT.glob(pattern))
    )
).hexdigest()[:12]


class StalePosition(AssertionError):
    """POSITION_CACHE_CHECK: a kept value differs from the one computed now."""


def cache_key(borrower: Borrower, today: date, part: str) -> str:
    """Where ``part`` of the borrower's pages on ``today`` is kept (PositionStamp.of)."""
    stamp = PositionStamp.of(borrower)
    return ":".join(
        (
            "position",
            CODE_VERSION,
            str(borrower.pk),
            stamp.hex,
            today.isoformat(),
            get_language() or "",
            str(settings.COST_WARNING_ANNUAL_PERCENT),
            part,
        )
    )


def kept[T](borrower: Borrower, today: date, part: str, compute: Callable[[], T]) -> T:
    """``compute()``, or what it gave before for the same borrower, day, language
    and code while the borrower's data has not changed since (the position stamp):
    the position itself, and what pages derive from it and from nothing else."""
    seconds = settings.POSITION_CACHE_SECONDS
    if not seconds:
        return compute()
    key = cache_key(borrower, today, part)
    try:
        found = cache.get(key)
    except Exception:  # the cache is an optimisation: a cache server down costs time only
        logger.warning("position cache unavailable", exc_info=True)
        found = None
    if found is not None:
        if settings.POSITION_CACHE_CHECK and found != compute():
            raise StalePosition(f"borrower {borrower.pk}: the kept {part} is stale ({key})")
        return found
    value = compute()
    try:
        cache.set(key, value, seconds)
    except Exception:
        logger.warning("position cache unavailable", exc_info=True)
    return value


def compute_position(borrower_id: int, today: date) -> position.BorrowerPosition:
    """The position computed from the database, never from the cache."""
    return _computed(borrower_id, today)[0]


def _computed(borrower_id: int, today: date) -> tuple[position.BorrowerPosition, list[Debt]]:
    fetched = Borrower.objects.prefetch_related(*POSITION_PREFETCH).get(pk=borrower_id)
    return position_from_prefetched(fetched, today), list(fetched.debts.all())


def load_position(borrower: Borrower, today: date | None = None) -> position.BorrowerPosition:
    """The borrower's position on ``today`` (Beijing date by default), computed
    once for as long as the borrower's data does not change. When it is computed,
    the debts it was computed from are kept on ``borrower`` for the pages that
    show them (borrowers.positions.debts_of)."""
    today = today or timezone.localdate()

    def compute() -> position.BorrowerPosition:
        computed, debts = _computed(borrower.pk, today)
        remember_debts(borrower, debts)
        return computed

    return kept(borrower, today, "position", compute)


def position_from_prefetched(borrower: Borrower, today: date) -> position.BorrowerPosition:
    """From a borrower fetched with ``prefetch_related(*POSITION_PREFETCH)``: no query."""
    return _build(borrower, list(borrower.debts.all()), list(borrower.proposals.all()), today)
