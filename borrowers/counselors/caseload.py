"""A counselor's caseload: the borrowers who granted access, triaged in SQL.

Each borrower's figures (worst tier, overdue total, largest DPD, next tier
date, proposal status, installments, last contact) are computed from the
position (``triage_row``) and stored in ``Triage`` whenever the borrower's
data changes and every night (``refresh_triage``). The table filters, sorts
and pages on those stored rows, so a page costs the same few queries whether
the caseload has 10 borrowers or 10,000.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.cache import cache
from django.db.models import (
    Case,
    DateField,
    F,
    Min,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least

from borrowers import positions
from borrowers.debts import tiers
from borrowers.models import AccessGrant, Borrower, CaseNote, Triage

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
    # A court or arbitration deadline within a week comes before everything else; a
    # later one counts like the date of a tier change.
    "urgency": (
        F("legal_soon_on").asc(nulls_last=True),
        "-has_missed",
        F("next_date").asc(nulls_last=True),
        "-worst_rank",
        "pk",
    ),
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
    "legal_deadline_on",
)
REFRESH_CHUNK = 1000


def refresh_triage(borrower_ids, today: date) -> int:
    """Recompute the stored caseload figures of these borrowers as of ``today``,
    from each borrower's position (repayment_plans.position.compute): the caseload row
    agrees with the borrower's own pages."""
    ids = list(borrower_ids)
    for start in range(0, len(ids), REFRESH_CHUNK):
        chunk = ids[start : start + REFRESH_CHUNK]
        Triage.objects.bulk_create(
            [triage_row(b, today) for b in with_position(Borrower.objects.filter(pk__in=chunk))],
            update_conflicts=True,
            unique_fields=["borrower"],
            update_fields=["computed_on", *TRIAGE_FIELDS],
        )
    return len(ids)


def with_position(borrowers):
    """The borrowers with what their caseload figures are computed from, fetched at once."""
    latest_note = CaseNote.objects.filter(borrower=OuterRef("pk")).order_by("-created_at", "-pk")
    return (
        positions.source()
        .prepare_caseload(borrowers)
        .annotate(
            last_contact=Subquery(latest_note.values("created_at")[:1]),
            next_action_on=Subquery(latest_note.values("next_action_on")[:1]),
        )
    )


def triage_row(borrower, today: date) -> Triage:
    """One borrower's caseload figures, read from the position."""
    return Triage(
        borrower_id=borrower.pk,
        computed_on=today,
        last_contact=borrower.last_contact,
        next_action_on=borrower.next_action_on,
        **positions.source().caseload_figures(borrower, today),
    )


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
    rows = (
        granted.only("pk", "display_name", "phone", "user_id")
        .annotate(**{name: F(f"triage__{name}") for name in TRIAGE_FIELDS})
        .annotate(
            legal_soon_on=Case(
                When(
                    legal_deadline_on__gte=today,
                    legal_deadline_on__lte=today + WEEK,
                    then=F("legal_deadline_on"),
                ),
                default=Value(None),
                output_field=DateField(),
            ),
            # The earlier of the next tier change and the court deadline (either may be
            # missing; SQLite's two-argument min() would give NULL).
            next_date=Least(
                Coalesce("next_tier_on", "legal_deadline_on"),
                Coalesce("legal_deadline_on", "next_tier_on"),
            ),
        )
    )
    if filters.tier:
        rows = rows.filter(worst_rank=TIER_NAMES.index(filters.tier))
    if filters.proposal:
        rows = rows.filter(proposal_status=filters.proposal)
    if filters.needs_action:
        rows = rows.filter(
            Q(missed_n__gt=0)
            | Q(next_tier_on__lte=today + WEEK)
            | Q(next_action_on__lte=today)
            | Q(legal_soon_on__isnull=False)
        )
    return _search(rows, filters.q).order_by(*SORTS[filters.sort])


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

    return Min(expression, filter=condition, output_field=DateField())


def describe(row, today: date) -> dict:
    """Derived figures of an annotated caseload row, for the table and the CSV."""

    # Past its grace days a debt's DPD counts from the original due date.
    largest_dpd = (today - row.oldest_missed).days if row.oldest_missed else 0
    return {
        "proposal": positions.source().proposal_labels().get(row.proposal_status, "—"),
        "tier": tiers.Tier(TIER_NAMES[row.worst_rank]),
        "days_to_next_tier": (row.next_tier_on - today).days if row.next_tier_on else None,
        "largest_dpd": largest_dpd,
        "legal_days": (row.legal_deadline_on - today).days if row.legal_deadline_on else None,
        "legal_soon": row.legal_deadline_on is not None
        and today <= row.legal_deadline_on <= today + WEEK,
    }
