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
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db.models import F, Prefetch
from django.utils import timezone
from django.utils.translation import get_language

from borrowers.models import Borrower, Debt, PositionStamp
from borrowers.money import ZERO
from borrowers.positions import debts_with_profiles, remember_debts
from config.compiled import CompiledQuery
from repayment_plans.models import Installment, Payment, Plan, PlanChange, Proposal
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


class Related:
    """Where the position finds a proposal's debts and a plan's installments,
    payments and changes: the related managers (prefetched, or a query each)."""

    def proposal_debts(self, proposal: Proposal) -> list[Debt]:
        return list(proposal.debts.all())

    def installments(self, plan: Plan) -> Iterable[Installment]:
        return plan.installments.all()

    def payments(self, plan: Plan) -> Iterable[Payment]:
        return plan.payments.all()

    def changes(self, plan: Plan) -> Iterable[PlanChange]:
        return plan.changes.all()


RELATED = Related()


@dataclass
class ReadApart(Related):
    """The same rows, read apart for one borrower (``_computed``), by parent."""

    debts_by_proposal: dict[int, list[Debt]] = field(default_factory=dict)
    installments_by_plan: dict[int, list[Installment]] = field(default_factory=dict)
    payments_by_plan: dict[int, list[Payment]] = field(default_factory=dict)
    changes_by_plan: dict[int, list[PlanChange]] = field(default_factory=dict)

    def proposal_debts(self, proposal: Proposal) -> list[Debt]:
        return self.debts_by_proposal.get(proposal.pk, [])

    def installments(self, plan: Plan) -> list[Installment]:
        return self.installments_by_plan.get(plan.pk, [])

    def payments(self, plan: Plan) -> list[Payment]:
        return self.payments_by_plan.get(plan.pk, [])

    def changes(self, plan: Plan) -> list[PlanChange]:
        return self.changes_by_plan.get(plan.pk, [])


def plan_input(plan: Plan, proposal: Proposal, related: Related = RELATED) -> position.PlanInput:
    return position.PlanInput(
        plan_id=plan.pk,
        proposal_id=proposal.pk,
        lender=proposal.lender_name.strip(),
        agreed_on=plan.agreed_on,
        installments=tuple(
            position.ScheduledInstallment(i.number, i.due_date, i.amount, i.pk)
            for i in sorted(related.installments(plan), key=lambda i: i.number)
        ),
        payments=tuple(
            (p.paid_on, p.amount) for p in sorted(related.payments(plan), key=lambda p: p.paid_on)
        ),
        debt_ids=tuple(d.pk for d in related.proposal_debts(proposal)),
        earlier=earlier_versions(plan, related),
    )


def earlier_versions(plan: Plan, related: Related = RELATED):
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
        for change in sorted(related.changes(plan), key=lambda c: c.version)
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


def proposal_input(
    proposal: Proposal, order: int = 0, related: Related = RELATED
) -> position.ProposalInput:
    debts = related.proposal_debts(proposal)
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


def _build(
    borrower: Borrower, debts, proposals, today: date, related: Related = RELATED
) -> position.BorrowerPosition:
    plans, open_proposals = [], []
    ordered = sorted(proposals, key=lambda p: (p.updated_at, p.pk))
    for order, proposal in enumerate(ordered):
        if proposal.status == Proposal.Status.REJECTED:
            continue
        plan = getattr(proposal, "plan", None)
        if plan is not None:
            plans.append(plan_input(plan, proposal, related))
        else:
            open_proposals.append(proposal_input(proposal, order, related))
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
# The code and wording a kept value was computed and rendered by: a deployment
# that changes them never reads what the code before computed.
CODE_VERSION = hashlib.sha256(
    b"".join(
        path.read_bytes()
        for pattern in (
            "borrowers/**/*.py",
            "repayment_plans/**/*.py",
            "templates/**/*.html",
            "locale/**/*.po",
        )
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


class RecentlyKept:
    """The values this process kept or read last, by key, at most ``size`` of
    them (the least recently used goes first). A key names one value for good
    (the stamp is in it), so what is here is never older than the shared cache,
    and a page served again skips the cache's round trip and unpickling. The
    values are shared by the requests of the process: nothing changes them."""

    def __init__(self, size: int):
        self.size = size
        self._values: OrderedDict[str, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> object | None:
        with self._lock:
            value = self._values.get(key)
            if value is not None:
                self._values.move_to_end(key)
            return value

    def put(self, key: str, value: object) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self.size:
                self._values.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


recently_kept = RecentlyKept(settings.POSITION_CACHE_RECENT)


def kept[T](borrower: Borrower, today: date, part: str, compute: Callable[[], T]) -> T:
    """``compute()``, or what it gave before for the same borrower, day, language
    and code while the borrower's data has not changed since (the position stamp):
    the position itself, and what pages derive from it and from nothing else.
    Looked up in this process first (``recently_kept``), then in the cache."""
    seconds = settings.POSITION_CACHE_SECONDS
    if not seconds:
        return compute()
    key = cache_key(borrower, today, part)
    found = recently_kept.get(key)
    if found is None:
        try:
            found = cache.get(key)
        except Exception:  # the cache is an optimisation: a cache server down costs time only
            logger.warning("position cache unavailable", exc_info=True)
            found = None
        if found is not None:
            recently_kept.put(key, found)
    if found is not None:
        if settings.POSITION_CACHE_CHECK and found != compute():
            raise StalePosition(f"borrower {borrower.pk}: the kept {part} is stale ({key})")
        return found  # type: ignore[return-value]
    value = compute()
    recently_kept.put(key, value)
    try:
        cache.set(key, value, seconds)
    except Exception:
        logger.warning("position cache unavailable", exc_info=True)
    return value


def compute_position(borrower_id: int, today: date) -> position.BorrowerPosition:
    """The position computed from the database, never from the cache."""
    return _computed(borrower_id, today)[0]


# One borrower's position rows, read by its id in queries compiled once
# (config/compiled.py): what ``POSITION_PREFETCH`` reads, in the same order, for
# the pages that compute a position after a write. Rows of rejected proposals'
# plans are read too, and left aside.
_borrower = CompiledQuery[Borrower](lambda pk: Borrower.objects.filter(pk=pk))
_proposals = CompiledQuery[Proposal](
    lambda pk: (
        Proposal.objects.filter(borrower=pk)
        .exclude(status=Proposal.Status.REJECTED)
        .select_related("plan")
    )
)
_proposal_debts = CompiledQuery[Debt](
    lambda pk: (
        Debt.objects.filter(proposals__borrower=pk)
        .select_related("profile")
        .annotate(proposal_pk=F("proposals__pk"))
    )
)
_installments = CompiledQuery[Installment](
    lambda pk: Installment.objects.filter(plan__proposal__borrower=pk)
)
_payments = CompiledQuery[Payment](lambda pk: Payment.objects.filter(plan__proposal__borrower=pk))
_changes = CompiledQuery[PlanChange](
    lambda pk: PlanChange.objects.filter(plan__proposal__borrower=pk)
)


def _by(rows: list, key: str, parent: str, parents: dict) -> dict[int, list]:
    """``rows`` by their parent's id (attribute ``key``), each pointing to its
    parent object as a prefetch leaves them; rows of other parents are left out."""
    grouped: dict[int, list] = {pk: [] for pk in parents}
    for row in rows:
        owner = parents.get(getattr(row, key))
        if owner is not None:
            if parent:
                setattr(row, parent, owner)
            grouped[owner.pk].append(row)
    return grouped


def _computed(borrower_id: int, today: date) -> tuple[position.BorrowerPosition, list[Debt]]:
    found = _borrower(borrower_id)
    if not found:
        raise Borrower.DoesNotExist(f"no borrower {borrower_id}")
    borrower = found[0]
    debts = debts_with_profiles(borrower_id)
    for debt in debts:
        debt.borrower = borrower
    proposals = _proposals(borrower_id)
    for proposal in proposals:
        proposal.borrower = borrower
    related = ReadApart()
    if proposals:
        by_pk = {p.pk: p for p in proposals}
        related.debts_by_proposal = _by(_proposal_debts(borrower_id), "proposal_pk", "", by_pk)
    plans = {p.plan.pk: p.plan for p in proposals if getattr(p, "plan", None) is not None}
    if plans:
        related.installments_by_plan = _by(_installments(borrower_id), "plan_id", "plan", plans)
        related.payments_by_plan = _by(_payments(borrower_id), "plan_id", "plan", plans)
        related.changes_by_plan = _by(_changes(borrower_id), "plan_id", "plan", plans)
    return _build(borrower, debts, proposals, today, related), debts


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
