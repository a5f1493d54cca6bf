"""An agency's outcome statistics over its own cases: how often lenders accept
a proposal, how long they take to answer, the terms they accept and whether
the plans agreed are kept (docs/outcomes.md has every definition).

The cases are the proposals of the borrowers with an active grant to a
counselor of the agency, active or deactivated: a revoked grant withdraws the
borrower's proposals from the figures. The figures are anonymised: no
borrower, proposal or counselor is named, only lenders and products, and a
figure computed from fewer than ``MIN_CASES`` cases is hidden, group by group.

``load_cases`` reads the database in seven queries whatever the agency's size
(values() rows, grouped in Python); ``group_outcomes`` and ``kept_in_window``
are pure. "today" is passed in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import Exists, Min, OuterRef, Q, QuerySet
from django.db.models.functions import Trim
from django.utils import timezone
from django.utils.translation import get_language

from borrowers.models import AccessGrant, Agency
from repayment_plans.models import (
    EmailDelivery,
    Installment,
    LenderAnswer,
    PlanChange,
    Proposal,
    ProposalEvent,
)
from repayment_plans.plans import adherence

# A figure computed from fewer cases than this is not shown: with so few, a
# counselor could tell whose case it is, and the figure says little anyway.
MIN_CASES = 5
# Adherence is read this many months after the lender agreed.
WINDOWS = (3, 6)


@dataclass(frozen=True)
class InstallmentRow:
    due_date: date
    amount: Decimal
    paid_amount: Decimal
    paid_on: date | None


@dataclass(frozen=True)
class Case:
    """One proposal of the agency's cases, with nothing that names its borrower."""

    lender: str
    products: frozenset[int]
    # The kind of the lender's latest answer (LenderAnswer.Kind); "" before any answer.
    outcome: str
    # From the first sending to the first answer; None when either is missing.
    days_to_answer: int | None
    months: int
    asked_waiver: bool
    # Months after the agreement (3, 6) → whether the plan was kept that long;
    # a window that is not over, or that nothing fell due in, is absent.
    kept: dict[int, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class Figure:
    """A figure and the number of cases it is computed from."""

    value: Decimal | None
    cases: int

    @property
    def shown(self) -> bool:
        return self.value is not None and self.cases >= MIN_CASES


@dataclass(frozen=True)
class GroupOutcomes:
    """The figures of one group of cases: a lender, a product or the whole agency."""

    label: str
    acceptance: Figure  # percent of the answered proposals accepted as written
    days_to_answer: Figure  # median days from the first sending to the first answer
    months: Figure  # median installments of the proposals accepted
    waived: Figure  # percent of the proposals accepted that asked to waive penalties
    kept_3: Figure  # percent of the plans kept in their first 3 months
    kept_6: Figure  # percent of the plans kept in their first 6 months


@dataclass(frozen=True)
class AgencyOutcomes:
    overall: GroupOutcomes
    by_lender: list[GroupOutcomes]
    by_product: list[GroupOutcomes]


# Pure ---------------------------------------------------------------------------------


def percent(part: int, whole: int) -> Decimal | None:
    """A share in whole percent, half up; None of nothing."""
    if whole == 0:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("1"), rounding=ROUND_HALF_UP)


def median(values: Iterable[int]) -> Decimal | None:
    """The middle value; of an even number, the mean of the two middle ones."""
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return Decimal(ordered[middle])
    return (Decimal(ordered[middle - 1]) + Decimal(ordered[middle])) / 2


def kept_in_window(
    agreed_on: date,
    installments: list[InstallmentRow],
    changed_on: date | None,
    months: int,
    today: date,
) -> bool | None:
    """Whether a plan was kept in its first ``months`` months: every installment
    due from the agreement to the same day ``months`` later (inclusive) was paid
    in full on or before its due date (``adherence.installment_status`` says
    PAID). A change of the plan agreed within the window counts as not kept
    (its replaced installments are gone). None when the plan is not counted:
    the window is not over before today, or nothing fell due in it."""
    end = agreed_on + relativedelta(months=months)
    if end >= today:
        return None
    if changed_on is not None and changed_on <= end:
        return False
    due = [i for i in installments if i.due_date <= end]
    if not due:
        return None
    return all(
        adherence.installment_status(i.due_date, i.amount, i.paid_amount, i.paid_on, today)
        == adherence.InstallmentStatus.PAID
        for i in due
    )


def _kept_share(cases: list[Case], months: int) -> Figure:
    counted = [case.kept[months] for case in cases if months in case.kept]
    return Figure(percent(sum(counted), len(counted)), len(counted))


def group_outcomes(label: str, cases: list[Case]) -> GroupOutcomes:
    answered = [case for case in cases if case.outcome]
    accepted = [case for case in answered if case.outcome == LenderAnswer.Kind.ACCEPTED]
    days = [case.days_to_answer for case in cases if case.days_to_answer is not None]
    return GroupOutcomes(
        label=label,
        acceptance=Figure(percent(len(accepted), len(answered)), len(answered)),
        days_to_answer=Figure(median(days), len(days)),
        months=Figure(median(case.months for case in accepted), len(accepted)),
        waived=Figure(
            percent(sum(1 for case in accepted if case.asked_waiver), len(accepted)),
            len(accepted),
        ),
        kept_3=_kept_share(cases, 3),
        kept_6=_kept_share(cases, 6),
    )


def outcomes_of(cases: list[Case], product_names: dict[int, str], overall: str) -> AgencyOutcomes:
    by_lender: dict[str, list[Case]] = defaultdict(list)
    by_product: dict[int, list[Case]] = defaultdict(list)
    for case in cases:
        by_lender[case.lender].append(case)
        for product in case.products:
            by_product[product].append(case)
    return AgencyOutcomes(
        overall=group_outcomes(overall, cases),
        by_lender=[group_outcomes(name, by_lender[name]) for name in sorted(by_lender)],
        by_product=sorted(
            (group_outcomes(product_names[pk], group) for pk, group in by_product.items()),
            key=lambda group: group.label,
        ),
    )


# From the database ----------------------------------------------------------------


def agency_proposals(agency: Agency, lender: str | None = None) -> QuerySet[Proposal]:
    """The agency's cases: proposals of borrowers with an active grant to one of
    its counselors (deactivated ones included); of one lender when named."""
    granted = AccessGrant.objects.active().filter(counselor__agency=agency).values("borrower_id")
    proposals = Proposal.objects.filter(borrower_id__in=granted)
    if lender is not None:
        proposals = proposals.alias(lender_key=Trim("lender_name")).filter(
            lender_key=lender.strip()
        )
    return proposals


def load_cases(
    agency: Agency, today: date, lender: str | None = None
) -> tuple[list[Case], dict[int, str]]:
    """The cases answered or agreed, and the names of their products (in the
    language of the request). Seven queries, whatever the number of cases."""
    scope = agency_proposals(agency, lender)
    ids = scope.values("pk")
    rows = list(
        scope.filter(
            Q(Exists(LenderAnswer.objects.filter(proposal=OuterRef("pk")))) | Q(plan__isnull=False)
        ).values("pk", "lender_name", "months", "ask_waive_penalty", "plan__pk", "plan__agreed_on")
    )
    answers: dict[int, list[tuple[date, int, str]]] = defaultdict(list)
    for answer in LenderAnswer.objects.filter(proposal_id__in=ids).values(
        "proposal_id", "answered_on", "pk", "kind"
    ):
        answers[answer["proposal_id"]].append((answer["answered_on"], answer["pk"], answer["kind"]))
    first_sent = _first_sent(ids)
    products, names = _products(ids)
    installments, changed = _plan_rows(ids, today)
    cases = []
    for row in rows:
        proposal_answers = sorted(answers.get(row["pk"], []))
        days = None
        sent = first_sent.get(row["pk"])
        if proposal_answers and sent is not None and proposal_answers[0][0] >= sent:
            days = (proposal_answers[0][0] - sent).days
        kept = {}
        if row["plan__pk"] is not None:
            for months in WINDOWS:
                result = kept_in_window(
                    row["plan__agreed_on"],
                    installments.get(row["plan__pk"], []),
                    changed.get(row["plan__pk"]),
                    months,
                    today,
                )
                if result is not None:
                    kept[months] = result
        cases.append(
            Case(
                lender=row["lender_name"].strip(),
                products=frozenset(products.get(row["pk"], ())),
                outcome=proposal_answers[-1][2] if proposal_answers else "",
                days_to_answer=days,
                months=row["months"],
                asked_waiver=row["ask_waive_penalty"],
                kept=kept,
            )
        )
    return cases, names


def _first_sent(ids: QuerySet) -> dict[int, date]:
    """The day (Asia/Shanghai) each proposal first went out: the earliest of its
    first email sent and its first finalising."""
    sent: dict[int, date] = {}
    emails = (
        EmailDelivery.objects.filter(
            version__proposal_id__in=ids,
            status=EmailDelivery.Status.SENT,
            sent_at__isnull=False,
        )
        .values("version__proposal_id")
        .annotate(first=Min("sent_at"))
        .values_list("version__proposal_id", "first")
    )
    finalised = (
        ProposalEvent.objects.filter(proposal_id__in=ids, to_status=Proposal.Status.FINALISED)
        .values("proposal_id")
        .annotate(first=Min("at"))
        .values_list("proposal_id", "first")
    )
    for proposal_id, at in [*emails, *finalised]:
        day = timezone.localdate(at)
        sent[proposal_id] = min(day, sent.get(proposal_id, day))
    return sent


def _products(ids: QuerySet) -> tuple[dict[int, set[int]], dict[int, str]]:
    """The products of each proposal's debts, and their names."""
    english = (get_language() or "").startswith("en")
    products: dict[int, set[int]] = defaultdict(set)
    names: dict[int, str] = {}
    for row in (
        Proposal.debts.through.objects.filter(proposal_id__in=ids)
        .values("proposal_id", "debt__profile_id", "debt__profile__name", "debt__profile__name_en")
        .distinct()
    ):
        profile_id = row["debt__profile_id"]
        products[row["proposal_id"]].add(profile_id)
        names[profile_id] = row["debt__profile__name_en" if english else "debt__profile__name"]
    return products, names


def _plan_rows(
    ids: QuerySet, today: date
) -> tuple[dict[int, list[InstallmentRow]], dict[int, date]]:
    """The installments already due of the cases' plans, and the day the lender
    agreed to each plan's first change."""
    installments: dict[int, list[InstallmentRow]] = defaultdict(list)
    for row in Installment.objects.filter(
        plan__proposal_id__in=ids, plan__agreed_on__lt=today, due_date__lt=today
    ).values("plan_id", "due_date", "amount", "paid_amount", "paid_on"):
        installments[row["plan_id"]].append(
            InstallmentRow(row["due_date"], row["amount"], row["paid_amount"], row["paid_on"])
        )
    changed = dict(
        PlanChange.objects.filter(plan__proposal_id__in=ids)
        .values("plan_id")
        .annotate(first=Min("agreed_on"))
        .values_list("plan_id", "first")
    )
    return installments, changed


def agency_outcomes(agency: Agency, today: date) -> AgencyOutcomes:
    """Every figure of the agency: overall, by lender and by product."""
    cases, names = load_cases(agency, today)
    return outcomes_of(cases, names, agency.name)


def lender_outcomes(agency: Agency, lender: str, today: date) -> GroupOutcomes:
    """One lender's figures at the agency (the review page's box)."""
    cases, _names = load_cases(agency, today, lender)
    return group_outcomes(lender.strip(), cases)
