"""A counselor's caseload: the borrowers who granted access, triaged in SQL.

Everything the table shows and sorts by is annotated on one queryset, so a
page costs the same few queries whether the caseload has 10 borrowers or
10,000. Urgency uses the dates each debt enters a tier (kept on the debt).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.cache import cache
from django.db.models import (
    Case,
    Count,
    DateField,
    DecimalField,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from .models import AccessGrant, Borrower, CaseNote, Triage

TIER_NAMES = ("current", "light", "moderate", "severe")
PROPOSAL_STATUSES = (
    "none",
    "draft",
    "in_review",
    "changes",
    "approved",
    "finalised",
    "accepted",
    "countered",
    "rejected",
)
SORTS = {
    "urgency": ("-has_missed", F("next_tier_on").asc(nulls_last=True), "-worst_rank", "pk"),
    "name": ("display_name", "pk"),
    "overdue": ("-total_overdue", "pk"),
    "next_action": (F("next_action_on").asc(nulls_last=True), "pk"),
}
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Filters:
    tier: str = ""
    proposal: str = ""
    needs_action: bool = False
    q: str = ""
    sort: str = "urgency"

    @classmethod
    def from_query(cls, params) -> Filters:
        """Unknown values are ignored rather than refused."""
        tier = params.get("tier", "")
        proposal = params.get("proposal", "")
        sort = params.get("sort", "urgency")
        return cls(
            tier=tier if tier in TIER_NAMES else "",
            proposal=proposal if proposal in PROPOSAL_STATUSES else "",
            needs_action=params.get("needs_action") in ("1", "on", "true"),
            q=_searchable(params.get("q", ""))[:60],
            sort=sort if sort in SORTS else "urgency",
        )

    def as_query(self) -> dict:
        data = {"tier": self.tier, "proposal": self.proposal, "q": self.q, "sort": self.sort}
        if self.needs_action:
            data["needs_action"] = "1"
        return {k: v for k, v in data.items() if v}


def _searchable(text: str) -> str:
    """The search text without control characters: no name contains them, and
    PostgreSQL refuses NUL in a query."""
    return "".join(ch for ch in text if ch.isprintable() or ch == " ").strip()


def granted_borrowers(counselor):
    """Borrowers with an active grant to this counselor: the only ones they may see."""
    return Borrower.objects.filter(
        pk__in=AccessGrant.objects.active().filter(counselor=counselor).values("borrower_id")
    )


TRIAGE_FIELDS = (
    "worst_rank",
    "next_tier_on",
    "oldest_missed",
    "total_overdue",
    "missed_n",
    "has_missed",
    "next_installment_on",
    "next_installment_amount",
    "last_contact",
    "next_action_on",
    "proposal_status",
)
REFRESH_CHUNK = 1000


def refresh_triage(borrower_ids, today: date) -> int:
    """Recompute the stored caseload figures of these borrowers as of ``today``."""
    ids = list(borrower_ids)
    for start in range(0, len(ids), REFRESH_CHUNK):
        chunk = ids[start : start + REFRESH_CHUNK]
        rows = _live(Borrower.objects.filter(pk__in=chunk), today).values("pk", *TRIAGE_FIELDS)
        Triage.objects.bulk_create(
            [
                Triage(
                    borrower_id=row.pop("pk"),
                    computed_on=today,
                    **{
                        **row,
                        "has_missed": bool(row["has_missed"]),
                        "total_overdue": _fen(row["total_overdue"]),
                        "next_installment_amount": _fen(row["next_installment_amount"]),
                    },
                )
                for row in rows
            ],
            update_conflicts=True,
            unique_fields=["borrower"],
            update_fields=["computed_on", *TRIAGE_FIELDS],
        )
    return len(ids)


def _fen(value):
    from decimal import Decimal

    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


def caseload(counselor, today: date, filters: Filters = Filters()):
    """The counselor's caseload, filtered and sorted, read from the stored figures
    (refreshed first for any borrower whose figures are not from today)."""
    granted = granted_borrowers(counselor)
    # Changes refresh a borrower's figures at once; what time alone changes (a
    # new day) is refreshed here, checked once a day per counselor and process.
    checked = f"triage-fresh:{counselor.pk}:{today.isoformat()}"
    if not cache.get(checked):
        stale = list(granted.exclude(triage__computed_on=today).values_list("pk", flat=True))
        if stale:
            refresh_triage(stale, today)
        cache.set(checked, True, 60 * 60 * 24)
    rows = granted.only("pk", "display_name", "phone", "user_id").annotate(
        **{name: F(f"triage__{name}") for name in TRIAGE_FIELDS}
    )
    if filters.tier:
        rows = rows.filter(worst_rank=TIER_NAMES.index(filters.tier))
    if filters.proposal:
        rows = rows.filter(proposal_status=filters.proposal)
    if filters.needs_action:
        rows = rows.filter(
            Q(missed_n__gt=0) | Q(next_tier_on__lte=today + WEEK) | Q(next_action_on__lte=today)
        )
    return _search(rows, filters.q).order_by(*SORTS[filters.sort])


def _live(borrowers, today: date):
    """The caseload figures computed from debts, installments, notes and proposals."""
    from repayment_plans.models import Installment, Proposal

    open_debt = Q(debts__cleared_on__isnull=True, debts__first_missed_date__isnull=False)
    unpaid = Installment.objects.filter(
        plan__proposal__borrower=OuterRef("pk"), plan__status="active", paid_on__isnull=True
    )
    missed = (
        unpaid.filter(due_date__lt=today)
        .values("plan__proposal__borrower")
        .annotate(n=Count("pk"))
        .values("n")
    )
    upcoming = unpaid.filter(due_date__gte=today).order_by("due_date", "pk")
    latest_note = CaseNote.objects.filter(borrower=OuterRef("pk")).order_by("-created_at", "-pk")
    latest_proposal = Proposal.objects.filter(borrower=OuterRef("pk")).order_by("-updated_at")
    rows = borrowers.annotate(
        total_overdue=Coalesce(
            Sum(
                Coalesce("debts__overdue_amount", "debts__principal"),
                filter=open_debt & Q(debts__light_on__lte=today),
            ),
            Value(0),
            output_field=DecimalField(max_digits=14, decimal_places=2),
        ),
        severe_n=Count("debts", filter=open_debt & Q(debts__severe_on__lte=today)),
        moderate_n=Count("debts", filter=open_debt & Q(debts__moderate_on__lte=today)),
        light_n=Count("debts", filter=open_debt & Q(debts__light_on__lte=today)),
        oldest_missed=_min_date(
            "debts__first_missed_date", open_debt & Q(debts__light_on__lte=today)
        ),
        next_tier_on=_min_date(
            Case(
                When(debts__light_on__gt=today, then=F("debts__light_on")),
                When(debts__moderate_on__gt=today, then=F("debts__moderate_on")),
                When(debts__severe_on__gt=today, then=F("debts__severe_on")),
                default=None,
                output_field=DateField(),
            ),
            open_debt,
        ),
        missed_n=Coalesce(Subquery(missed, output_field=IntegerField()), Value(0)),
        next_installment_on=Subquery(upcoming.values("due_date")[:1]),
        next_installment_amount=Subquery(upcoming.values("amount")[:1]),
        last_contact=Subquery(latest_note.values("created_at")[:1]),
        next_action_on=Subquery(latest_note.values("next_action_on")[:1]),
        proposal_status=Coalesce(Subquery(latest_proposal.values("status")[:1]), Value("none")),
    ).annotate(
        worst_rank=Case(
            When(severe_n__gt=0, then=Value(3)),
            When(moderate_n__gt=0, then=Value(2)),
            When(light_n__gt=0, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
        has_missed=Case(When(missed_n__gt=0, then=Value(1)), default=Value(0)),
    )
    return rows


def caseload_count(counselor, filters: Filters, rows) -> int:
    """How many borrowers the filters select; without any filter, the number of
    active grants (an indexed count) is the same number, far cheaper."""
    if filters.tier or filters.proposal or filters.needs_action or filters.q:
        return rows.count()
    return AccessGrant.objects.active().filter(counselor=counselor).count()


def _search(rows, q: str):
    if not q:
        return rows
    return rows.filter(
        Q(display_name__icontains=q) | Q(phone__icontains=q) | Q(user__email__icontains=q)
    )


def _min_date(expression, condition):
    from django.db.models import Min

    return Min(expression, filter=condition, output_field=DateField())


def describe(row, today: date) -> dict:
    """Derived figures of an annotated caseload row, for the table and the CSV."""
    from . import tiers

    # Past its grace days a debt's DPD counts from the original due date.
    largest_dpd = (today - row.oldest_missed).days if row.oldest_missed else 0
    from repayment_plans.models import Proposal

    status = row.proposal_status
    return {
        "proposal": Proposal.Status(status).label if status in Proposal.Status.values else "—",
        "tier": tiers.Tier(TIER_NAMES[row.worst_rank]),
        "days_to_next_tier": (row.next_tier_on - today).days if row.next_tier_on else None,
        "largest_dpd": largest_dpd,
    }
