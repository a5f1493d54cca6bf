"""A counselor's caseload: the borrowers who granted access, triaged in SQL.

Each borrower's figures (worst tier, overdue total, largest DPD, next tier
date, proposals by state, installments, last contact, next action) are
computed from the position (``triage_row``) and stored in ``Triage`` whenever
the borrower's data changes and every night (``refresh_triage``). The table
filters, sorts and pages on those stored rows, and the totals by state are one
aggregate over them, so a page costs the same few queries whether the caseload
has 10 borrowers or 10,000.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.cache import cache
from django.db.models import (
    Case,
    Count,
    DateField,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least
from django.utils.translation import gettext_lazy as _

from borrowers import positions
from borrowers.debts import tiers
from borrowers.models import AccessGrant, Borrower, CaseNote, Triage

TIER_NAMES = ("current", "light", "moderate", "severe")
STATES = positions.PROPOSAL_STATES
STATE_LABELS = {
    "draft": _("Draft"),
    "in_review": _("Awaiting review"),
    "approved": _("Approved"),
    "sent": _("Sent"),
    "agreed": _("Agreed"),
    "refused": _("Refused by the lender"),
}
# "Waiting for me": a proposal awaiting review, which every counselor with an
# active grant is asked to review (repayment_plans/proposals/views.py,
# ``_notify_counselors``); the same borrowers as "in_review", first in every sort.
WAITING = "waiting"
WAITING_LABEL = _("Waiting for me")
STATE_FILTERS = (WAITING, *STATES)
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
# The longest next action stored; a longer review comment is cut, with "…".
NEXT_ACTION_LENGTH = 200


@dataclass(frozen=True)
class Filters:
    tier: str = ""
    state: str = ""
    needs_action: bool = False
    q: str = ""
    sort: str = "urgency"

    @classmethod
    def from_query(cls, params) -> Filters:
        """Unknown values are ignored rather than refused."""
        tier = params.get("tier", "")
        state = params.get("state", "")
        sort = params.get("sort", "urgency")
        return cls(
            tier=tier if tier in TIER_NAMES else "",
            state=state if state in STATE_FILTERS else "",
            needs_action=params.get("needs_action") in ("1", "on", "true"),
            q=_searchable(params.get("q", ""))[:60],
            sort=sort if sort in SORTS else "urgency",
        )

    @property
    def selecting(self) -> bool:
        """Whether the filters leave out some of the caseload (the sort does not)."""
        return bool(self.tier or self.state or self.needs_action or self.q)

    def as_query(self) -> dict:
        data = {"tier": self.tier, "state": self.state, "q": self.q, "sort": self.sort}
        if self.needs_action:
            data["needs_action"] = "1"
        return {k: v for k, v in data.items() if v}


def _searchable(text: str) -> str:
    """The search text without control characters: no name contains them, and
    PostgreSQL refuses NUL in a query."""
    return "".join(ch for ch in text if ch.isprintable() or ch == " ").strip()


def granted_borrowers(counselor):
    """Borrowers with an active grant to this counselor: the only ones they may see.
    A join, not a list of ids: a borrower has at most one active grant to a
    counselor (a unique constraint), so each comes once."""
    return Borrower.objects.filter(grants__counselor=counselor, grants__revoked_at__isnull=True)


STATE_FIELDS = tuple(f"n_{state}" for state in STATES)
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
    "next_action",
    "next_action_on",
    "next_action_source",
    "next_action_section",
    "next_action_at",
    *STATE_FIELDS,
    "review_proposal_id",
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
    """The borrowers with what their caseload figures are computed from, fetched at once:
    the position, the proposals by state and the latest review (the position source),
    the latest case note and the latest one with a next action."""
    latest_note = CaseNote.objects.filter(borrower=OuterRef("pk")).order_by("-created_at", "-pk")
    action_note = latest_note.filter(Q(next_action__gt="") | Q(next_action_on__isnull=False))
    return (
        positions.source()
        .prepare_caseload(borrowers)
        .annotate(
            last_contact=Subquery(latest_note.values("created_at")[:1]),
            note_action=Subquery(action_note.values("next_action")[:1]),
            note_action_on=Subquery(action_note.values("next_action_on")[:1]),
            note_action_at=Subquery(action_note.values("created_at")[:1]),
        )
    )


def triage_row(borrower, today: date) -> Triage:
    """One borrower's caseload figures, read from the position."""
    return Triage(
        borrower_id=borrower.pk,
        computed_on=today,
        last_contact=borrower.last_contact,
        **next_action(borrower),
        **positions.source().caseload_figures(borrower, today),
    )


def next_action(borrower) -> dict:
    """The next action of a prepared borrower: from the latest case note with one
    (its text and day) or the latest counselor review (a change asked for, with its
    words and section, or an approval whose letter has not gone out), whichever was
    written last; a note wins a tie. A review gives no day: the day of the latest
    note stays (a call planned before the review is still planned, for "needs
    action" and the sort)."""
    review = positions.source().latest_review(borrower)
    if review is not None and not review.is_next_action:
        review = None  # the latest review is done with: the latest note speaks
    noted_at = borrower.note_action_at
    if review is not None and (noted_at is None or review.at > noted_at):
        return {
            "next_action": _cut(review.comment),
            "next_action_on": borrower.note_action_on,
            # An approval's next step (the letter going out) is shown in words of the
            # page's language; its comment, if any, follows.
            "next_action_source": "approved" if review.approved else "review",
            "next_action_section": review.section,
            "next_action_at": review.at,
        }
    if noted_at is not None:
        return {
            "next_action": borrower.note_action,
            "next_action_on": borrower.note_action_on,
            "next_action_source": "note",
            "next_action_section": "",
            "next_action_at": noted_at,
        }
    return {
        "next_action": "",
        "next_action_on": None,
        "next_action_source": "",
        "next_action_section": "",
        "next_action_at": None,
    }


def _cut(text: str) -> str:
    text = " ".join(text.split())  # one line in the table
    if len(text) <= NEXT_ACTION_LENGTH:
        return text
    return text[: NEXT_ACTION_LENGTH - 1] + "…"


def _ensure_fresh(counselor, granted, today: date) -> None:
    """Changes refresh a borrower's figures at once; what time alone changes (a
    new day) is refreshed here, checked once a day per counselor and process."""
    checked = f"triage-fresh:{counselor.pk}:{today.isoformat()}"
    if not cache.get(checked):
        stale = list(granted.exclude(triage__computed_on=today).values_list("pk", flat=True))
        if stale:
            refresh_triage(stale, today)
        cache.set(checked, True, 60 * 60 * 24)


def caseload(counselor, today: date, filters: Filters = Filters()):
    """The counselor's caseload, filtered and sorted, read from the stored figures
    (refreshed first for any borrower whose figures are not from today). Borrowers
    with a proposal waiting for the counselor's review come first in every sort."""
    granted = granted_borrowers(counselor)
    _ensure_fresh(counselor, granted, today)
    rows = (
        granted.only("pk", "display_name", "phone", "user_id")
        .annotate(**{name: F(f"triage__{name}") for name in TRIAGE_FIELDS})
        .annotate(
            waiting=Case(
                When(n_in_review__gt=0, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
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
    if filters.state:
        state = "in_review" if filters.state == WAITING else filters.state
        rows = rows.filter(**{f"n_{state}__gt": 0})
    if filters.needs_action:
        rows = rows.filter(
            Q(missed_n__gt=0)
            | Q(next_tier_on__lte=today + WEEK)
            | Q(next_action_on__lte=today)
            | Q(legal_soon_on__isnull=False)
        )
    return _search(rows, filters.q).order_by("-waiting", *SORTS[filters.sort])


def caseload_row(counselor, borrower_id: int, today: date):
    """One borrower's row of the caseload, as the table shows it (None without a grant)."""
    row = caseload(counselor, today).filter(pk=borrower_id).first()
    if row is not None and row.worst_rank is None:  # granted without the signal (bulk)
        refresh_triage([borrower_id], today)
        row = caseload(counselor, today).filter(pk=borrower_id).first()
    return row


@dataclass(frozen=True)
class Totals:
    """How many of the counselor's borrowers have at least one proposal in each
    state, and how many are waiting for their review."""

    borrowers: int
    waiting: int
    by_state: dict[str, int]

    def links(self) -> list[tuple[str, object, int]]:
        """(filter, label, count) above the table: waiting for me first, then the
        states after the review (awaiting review is the same number as waiting)."""
        return [
            (WAITING, WAITING_LABEL, self.waiting),
            *((s, STATE_LABELS[s], self.by_state[s]) for s in STATES if s != "in_review"),
        ]


def totals(counselor) -> Totals:
    """The caseload's totals by state, in one aggregate query over the counselor's
    active grants (one per borrower: a unique constraint) and the borrowers' stored
    figures; read from the grants, it joins each borrower once instead of looking
    the borrowers up in a list of granted ids."""
    counts = (
        AccessGrant.objects.active()
        .filter(counselor=counselor)
        .aggregate(
            borrowers=Count("pk"),
            **{
                state: Count("pk", filter=Q(**{f"borrower__triage__n_{state}__gt": 0}))
                for state in STATES
            },
        )
    )
    by_state = {state: counts[state] for state in STATES}
    return Totals(borrowers=counts["borrowers"], waiting=by_state["in_review"], by_state=by_state)


def caseload_count(filters: Filters, rows, caseload_totals: Totals) -> int:
    """How many borrowers the filters select; without any filter, every granted
    borrower (already counted by the totals)."""
    if filters.selecting:
        return rows.count()
    return caseload_totals.borrowers


def _search(rows, q: str):
    if not q:
        return rows
    return rows.filter(
        Q(display_name__icontains=q) | Q(phone__icontains=q) | Q(user__email__icontains=q)
    )


def describe(row, today: date) -> dict:
    """Derived figures of an annotated caseload row, for the table and the CSV."""

    # Past its grace days a debt's DPD counts from the original due date.
    largest_dpd = (today - row.oldest_missed).days if row.oldest_missed else 0
    legal_soon = (
        row.legal_deadline_on is not None and today <= row.legal_deadline_on <= today + WEEK
    )
    waiting = bool(row.n_in_review)
    classes = [
        name
        for name, on in (
            ("row-missed", row.missed_n),
            ("row-legal", legal_soon),
            ("row-waiting", waiting),
        )
        if on
    ]
    section = row.next_action_section
    section_label = (
        str(positions.source().review_section_labels().get(section, "")) if section else ""
    )
    return {
        "states": [
            (state, STATE_LABELS[state], getattr(row, f"n_{state}"))
            for state in STATES
            if getattr(row, f"n_{state}")
        ],
        "waiting": waiting,
        "row_class": " ".join(classes),
        "next_action_section": section_label,
        "next_action_text": next_action_text(row, section_label),
        "tier": tiers.Tier(TIER_NAMES[row.worst_rank]),
        "days_to_next_tier": (row.next_tier_on - today).days if row.next_tier_on else None,
        "largest_dpd": largest_dpd,
        "legal_days": (row.legal_deadline_on - today).days if row.legal_deadline_on else None,
        "legal_soon": legal_soon,
    }


APPROVED_NEXT = _("Approved: check that the borrower finalises and sends the letter.")


def next_action_text(row, section_label: str) -> str:
    """The next action in words, for the table and the CSV: the counselor's own
    words, after the reviewed section's name, or an approval's next step."""
    words = row.next_action or ""
    if row.next_action_source == "approved":
        return " ".join(filter(None, [str(APPROVED_NEXT), words]))
    return f"{section_label}: {words}" if section_label and words else words
