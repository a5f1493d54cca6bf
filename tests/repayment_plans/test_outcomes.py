"""Issue 17, part 5: an agency's outcome statistics (docs/outcomes.md).

The constructed agency: "Agency One" with its admin, counselors A and B and a
deactivated counselor D; "Agency Two" with counselor C. Each case is a
borrower of its own (a name, email and phone that must never show), granted
to one counselor, with one proposal, its sending, the lender's answers and
maybe a plan, all dated in days before today. The expected figures are
computed in the tests from the cases' specifications (``expected``), never read
back from the code under test.
"""

import re
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from borrowers.models import AccessGrant
from repayment_plans.counselors import outcomes
from repayment_plans.counselors.outcomes import InstallmentRow, kept_in_window
from repayment_plans.models import (
    EmailDelivery,
    Installment,
    LenderAnswer,
    Plan,
    PlanChange,
    Proposal,
    ProposalEvent,
    ProposalVersion,
)
from repayment_plans.proposals import services as proposal_services
from tests.factories import AgencyFactory, BorrowerFactory, CounselorFactory, DebtFactory, profile
from tests.repayment_plans.conftest import make_proposal

ACCEPTED, COUNTERED, REJECTED = "accepted", "countered", "rejected"
ALPHA, BETA = "Alpha Bank", "Beta Loans"
D = Decimal


# The cases --------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """One case, its dates in days before today."""

    lender: str
    products: tuple[str, ...]
    answers: tuple[tuple[str, int], ...]  # (kind, days ago), in the order given
    months: int = 12
    waive: bool = True
    finalised: int | None = None  # days ago
    emailed: int | None = None  # days ago
    counter_accepted: bool = False
    agreed: int | None = None  # days ago: a plan agreed that day
    # Installments: (due days ago, paid how many days after due; None: unpaid).
    installments: tuple[tuple[int, int | None], ...] = ()
    changed: int | None = None  # days ago: a change of the plan agreed that day
    who: str = "a"  # the counselor granted

    @property
    def outcome(self) -> str:
        return self.answers[-1][0] if self.answers else ""

    @property
    def days_to_answer(self) -> int | None:
        """From the earliest sending to the earliest answer (the most days ago)."""
        sends = [d for d in (self.finalised, self.emailed) if d is not None]
        if not self.answers or not sends:
            return None
        first_sent, first_answer = max(sends), max(days for _kind, days in self.answers)
        return first_sent - first_answer if first_answer <= first_sent else None


def monthly(first: int, n: int, late: dict[int, int | None] | None = None):
    """n installments 30 days apart from ``first`` days ago, paid on their due
    date unless ``late`` says otherwise (index → days late, None unpaid)."""
    late = late or {}
    return tuple((first - 30 * i, late.get(i, 0)) for i in range(n))


# Lender Alpha (product 花呗-like): nine answered cases, seven plans.
# fmt: off
ALPHA_CASES = [
    # a1: finalised, then emailed; accepted 20 days after finalising; kept.
    Spec(ALPHA, ("huabei",), ((ACCEPTED, 230),), 12, True, finalised=250, emailed=248,
         agreed=230, installments=monthly(220, 8), who="d"),
    # a2: emailed only; accepted after 10 days; the 3rd installment paid 4 days late.
    Spec(ALPHA, ("huabei",), ((ACCEPTED, 290),), 24, True, emailed=300, agreed=290,
         installments=monthly(280, 9, {2: 4}), who="d"),
    # a3: finalised only; 29 days; kept 3 months, the 4th installment missed.
    Spec(ALPHA, ("huabei",), ((ACCEPTED, 215),), 6, False, finalised=244, agreed=215,
         installments=monthly(195, 5, {3: None, 4: None})),
    # a4: 5 days; agreed 100 days ago: counted at 3 months only.
    Spec(ALPHA, ("huabei",), ((ACCEPTED, 100),), 18, True, emailed=105, agreed=100,
         installments=monthly(85, 3), who="b"),
    # a5: a counter-offer the borrower accepted (a plan), changed 36 days after.
    Spec(ALPHA, ("huabei",), ((COUNTERED, 306),), 36, True, emailed=320, counter_accepted=True,
         agreed=306, installments=monthly(290, 10), changed=270),
    # a6: countered, then rejected; 9 days to the first answer.
    Spec(ALPHA, ("huabei",), ((COUNTERED, 190), (REJECTED, 160)), finalised=199),
    # a7: rejected, with no sending recorded (an answer to a call): no days to count.
    Spec(ALPHA, ("huabei",), ((REJECTED, 60),), who="b"),
    # a8: countered, then accepted: the latest answer decides; 8 days to the first.
    Spec(ALPHA, ("huabei",), ((COUNTERED, 140), (ACCEPTED, 110)), 10, False, emailed=148,
         agreed=110, installments=monthly(95, 3)),
    # a9: two products; 7 days; kept a year.
    Spec(ALPHA, ("huabei", "jiebei"), ((ACCEPTED, 373),), 12, True, finalised=380, agreed=373,
         installments=monthly(360, 12)),
]
# fmt: on


def beta_case() -> Spec:
    return Spec(BETA, ("weilidai",), ((ACCEPTED, 40),), 12, True, finalised=50)


# Lender Beta (product 微粒贷-like): four answered cases, 10 days each; no plan.
BETA_CASES = [beta_case() for _ in range(4)]


# Counted nowhere: a case of Agency Two's, and one whose borrower revoked the grant.
OTHER_AGENCY_CASE = Spec(ALPHA, ("huabei",), ((REJECTED, 20),), finalised=50, who="c")
REVOKED_CASE = Spec(ALPHA, ("huabei",), ((REJECTED, 20),), finalised=50, who="revoked")


def shanghai_noon(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12)))


@dataclass
class Made:
    names: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)


def make_case(spec: Spec, counselor, today: date, n: int, made: Made) -> Proposal:
    name, email, phone = f"Secret Person {n:03}", f"secret{n:03}@example.com", f"139{n:08}"
    made.names.append(name)
    made.emails.append(email)
    made.phones.append(phone)
    borrower = BorrowerFactory(display_name=name, user__email=email, phone=phone)
    grant = AccessGrant.objects.create(borrower=borrower, counselor=counselor)
    debts = [
        DebtFactory(borrower=borrower, profile=profile(key), lender_name=spec.lender)
        for key in spec.products
    ]
    proposal = Proposal.objects.create(
        borrower=borrower,
        lender_name=f" {spec.lender} " if n % 2 else spec.lender,  # spaces do not split a lender
        months=spec.months,
        first_due_date=today,
        ask_waive_penalty=spec.waive,
        status=spec.outcome or Proposal.Status.FINALISED,
    )
    proposal.debts.set(debts)
    if spec.finalised is not None:
        event = ProposalEvent.objects.create(
            proposal=proposal, actor_name="x", from_status="approved", to_status="finalised"
        )
        ProposalEvent.objects.filter(pk=event.pk).update(
            at=shanghai_noon(today - timedelta(spec.finalised))
        )
    if spec.emailed is not None:
        version = ProposalVersion.objects.create(
            proposal=proposal, number=1, pdf="x.pdf", sha256="0" * 64, language="zh-hans", terms={}
        )
        EmailDelivery.objects.create(
            version=version,
            to_email="lender@example.com",
            status=EmailDelivery.Status.SENT,
            sent_at=shanghai_noon(today - timedelta(spec.emailed)),
        )
        # A failed try earlier does not count as a sending.
        EmailDelivery.objects.create(
            version=version,
            to_email="lender@example.com",
            status=EmailDelivery.Status.FAILED,
            sent_at=shanghai_noon(today - timedelta(spec.emailed + 30)),
        )
    for kind, days in spec.answers:
        LenderAnswer.objects.create(
            proposal=proposal,
            kind=kind,
            answered_on=today - timedelta(days),
            counter_accepted=spec.counter_accepted and kind == COUNTERED,
        )
    if spec.agreed is not None:
        agreed_on = today - timedelta(spec.agreed)
        plan = Plan.objects.create(
            proposal=proposal,
            principal=D("1000.00"),
            method="interest_free",
            months=spec.months,
            first_due_date=today - timedelta(spec.installments[0][0]),
            agreed_on=agreed_on,
        )
        Installment.objects.bulk_create(
            Installment(
                plan=plan,
                number=number,
                due_date=today - timedelta(due),
                amount=D("100.00"),
                principal=D("100.00"),
                interest=D("0.00"),
                paid_amount=D("0.00") if late is None else D("100.00"),
                paid_on=None if late is None else today - timedelta(due) + timedelta(late),
            )
            for number, (due, late) in enumerate(spec.installments, start=1)
        )
        if spec.changed is not None:
            PlanChange.objects.create(
                plan=plan,
                version=2,
                agreed_on=today - timedelta(spec.changed),
                reason="lower installments",
                previous={},
            )
    if spec.who == "revoked":
        AccessGrant.objects.filter(pk=grant.pk).update(revoked_at=timezone.now())
    return proposal


# What the figures must be, from the specifications ------------------------------------------


def share(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (D(part) * 100 / whole).quantize(D("1"), rounding=ROUND_HALF_UP)


def middle(values) -> Decimal | None:
    values = list(values)
    return D(str(statistics.median(values))) if values else None


def kept_by_hand(spec: Spec, months: int, today: date) -> bool | None:
    if spec.agreed is None:
        return None
    agreed_on = today - timedelta(spec.agreed)
    end = agreed_on + relativedelta(months=months)
    if end >= today:
        return None
    if spec.changed is not None and today - timedelta(spec.changed) <= end:
        return False
    due = [(d, late) for d, late in spec.installments if today - timedelta(d) <= end]
    if not due:
        return None
    return all(late == 0 for _d, late in due)


def expected(specs: list[Spec], today: date) -> dict[str, tuple[Decimal | None, int]]:
    answered = [s for s in specs if s.answers]
    accepted = [s for s in answered if s.outcome == ACCEPTED]
    days = [s.days_to_answer for s in specs if s.days_to_answer is not None]
    kept = {m: [k for s in specs if (k := kept_by_hand(s, m, today)) is not None] for m in (3, 6)}
    return {
        "acceptance": (share(len(accepted), len(answered)), len(answered)),
        "days_to_answer": (middle(days), len(days)),
        "months": (middle(s.months for s in accepted), len(accepted)),
        "waived": (share(sum(s.waive for s in accepted), len(accepted)), len(accepted)),
        "kept_3": (share(sum(kept[3]), len(kept[3])), len(kept[3])),
        "kept_6": (share(sum(kept[6]), len(kept[6])), len(kept[6])),
    }


def figures_of(group) -> dict[str, tuple[Decimal | None, int]]:
    return {
        name: (getattr(group, name).value, getattr(group, name).cases)
        for name in ("acceptance", "days_to_answer", "months", "waived", "kept_3", "kept_6")
    }


# The world ----------------------------------------------------------------------------


def client_for(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def w(db):
    today = timezone.localdate()
    agency = AgencyFactory(name="Agency One")
    other = AgencyFactory(name="Agency Two")
    counselors = {
        "admin": CounselorFactory(agency=agency, display_name="Admin Ada", is_agency_admin=True),
        "a": CounselorFactory(agency=agency, display_name="Counselor A"),
        "b": CounselorFactory(agency=agency, display_name="Counselor B"),
        "d": CounselorFactory(agency=agency, display_name="Counselor D"),
        "c": CounselorFactory(agency=other, display_name="Counselor C"),
    }
    counselors["revoked"] = counselors["a"]
    made = Made()
    specs = [*ALPHA_CASES, *BETA_CASES, OTHER_AGENCY_CASE, REVOKED_CASE]
    for n, spec in enumerate(specs):
        make_case(spec, counselors[spec.who], today, n, made)
    # D is deactivated after the fact: their borrowers' cases still count.
    counselors["d"].deactivated_at = timezone.now()
    counselors["d"].save()
    # Borrower X (granted A) with a proposal to Alpha waiting for the review;
    # borrower Y with no counselor.
    x = BorrowerFactory(
        display_name="Xavier Xu", user__email="xavier@example.com", phone="13812345678"
    )
    y = BorrowerFactory(display_name="Yolanda Yang", user__email="yolanda@example.com")
    AccessGrant.objects.create(borrower=x, counselor=counselors["a"])
    debt = DebtFactory(borrower=x, lender_name=ALPHA, first_missed_date=today - timedelta(45))
    proposal = make_proposal([debt], months=6)
    proposal_services.finalise(proposal, today, "zh-hans")
    proposal_services.change_status(proposal, Proposal.Status.IN_REVIEW, x.user)
    made.names.append(x.display_name)
    made.emails.append(x.user.email)
    made.phones.append(x.phone)
    users = {name: c.user for name, c in counselors.items()} | {"x": x.user, "y": y.user}
    return SimpleNamespace(
        today=today,
        agency=agency,
        other=other,
        made=made,
        x=x,
        proposal=proposal,
        clients=SimpleNamespace(
            **{name: client_for(user) for name, user in users.items()},
            anonymous=client_for(None),
        ),
        counselors=counselors,
    )


# The figures ----------------------------------------------------------------------------


def test_the_specifications_give_the_figures_worked_out_in_the_doc(w):
    """The hand count, written out once, so that ``expected`` is checked too:
    Alpha's 9 answers, 6 accepted (a1 a2 a3 a4 a8 a9) → 67 %; days 20 10 29 5
    14 9 8 7 → 9.5; installments accepted 12 24 6 18 10 12 → 12; waived 4 of 6
    → 67 %; kept 3 months a1 a3 a4 a8 a9 of 7 plans → 71 %; kept 6 months a1
    a9 of 5 (a2 a3 a5 not) → 40 %."""
    assert expected(ALPHA_CASES, w.today) == {
        "acceptance": (D("67"), 9),
        "days_to_answer": (D("9.5"), 8),
        "months": (D("12"), 6),
        "waived": (D("67"), 6),
        "kept_3": (D("71"), 7),
        "kept_6": (D("40"), 5),
    }


def test_figures_by_lender_product_and_overall(w):
    result = outcomes.agency_outcomes(w.agency, w.today)
    by_lender = {group.label: group for group in result.by_lender}
    assert sorted(by_lender) == [ALPHA, BETA]  # " Alpha Bank " is Alpha Bank
    assert figures_of(by_lender[ALPHA]) == expected(ALPHA_CASES, w.today)
    assert figures_of(result.overall) == expected(ALPHA_CASES + BETA_CASES, w.today)
    with translation.override("en"):
        by_product = {g.label: g for g in outcomes.agency_outcomes(w.agency, w.today).by_product}
    assert sorted(by_product) == ["Huabei-like", "Jiebei-like", "WeLiDai-like"]
    # a9 counts in both its products' rows, and once overall (13 answered).
    assert figures_of(by_product["Huabei-like"]) == expected(ALPHA_CASES, w.today)
    assert figures_of(by_product["Jiebei-like"]) == expected(ALPHA_CASES[-1:], w.today)
    assert figures_of(by_product["WeLiDai-like"]) == expected(BETA_CASES, w.today)
    assert result.overall.acceptance.cases == 13


def test_another_agencys_cases_and_a_revoked_grants_cases_are_never_counted(w):
    alpha = outcomes.lender_outcomes(w.agency, ALPHA, w.today)
    assert alpha.acceptance.cases == 9  # not 10 (revoked) nor 14 (Agency Two)
    assert alpha.acceptance.value == D("67")
    # Agency Two sees its one case, and only that.
    two = outcomes.agency_outcomes(w.other, w.today)
    assert two.overall.acceptance.cases == 1
    assert [g.label for g in two.by_lender] == [ALPHA]
    # The grant revoked now withdraws a counted case at once.
    case = Proposal.objects.filter(lender_name__contains=BETA).first()
    AccessGrant.objects.filter(borrower=case.borrower_id).update(revoked_at=timezone.now())
    assert outcomes.lender_outcomes(w.agency, BETA, w.today).acceptance.cases == 3


def test_four_cases_are_hidden_five_are_shown(w):
    beta = outcomes.lender_outcomes(w.agency, BETA, w.today)
    assert beta.acceptance.cases == 4 and not beta.acceptance.shown
    assert not beta.days_to_answer.shown and not beta.months.shown and not beta.waived.shown
    html = w.clients.admin.get(reverse("agency_outcomes")).content.decode()
    beta_row = row(html, BETA)
    assert beta_row.count("fewer than 5 cases") == 6 and "%" not in beta_row

    make_case(beta_case(), w.counselors["b"], w.today, 500, Made())
    beta = outcomes.lender_outcomes(w.agency, BETA, w.today)
    assert (beta.acceptance.value, beta.acceptance.cases, beta.acceptance.shown) == (
        D("100"),
        5,
        True,
    )
    assert (beta.days_to_answer.value, beta.days_to_answer.shown) == (D("10"), True)
    html = w.clients.admin.get(reverse("agency_outcomes")).content.decode()
    assert "<strong>100%</strong>" in row(html, BETA)
    assert '<span class="help">5 cases</span>' in row(html, BETA)
    # No plan: the adherence figures stay hidden.
    assert row(html, BETA).count("fewer than 5 cases") == 2


def test_a_figure_is_hidden_per_figure_and_per_group(w):
    """Jiebei's single case shows nothing, though Alpha's row, which counts it, does;
    Alpha's kept-6 figure (5 plans) shows, Alpha's kept-3 too."""
    html = w.clients.admin.get(reverse("agency_outcomes")).content.decode()
    jiebei = row(html, "Jiebei-like")
    assert jiebei.count("fewer than 5 cases") == 6
    alpha = row(html, ALPHA)
    for text in ("67%", "9.5", "71%", "40%"):
        assert f"<strong>{text}</strong>" in alpha, text


# Pure parts ------------------------------------------------------------------------------


def inst(due: date, paid_on: date | None, amount="100", paid=None) -> InstallmentRow:
    paid_amount = D(paid if paid is not None else (amount if paid_on else "0"))
    return InstallmentRow(due, D(amount), paid_amount, paid_on)


def test_kept_in_window_rules():
    agreed = date(2026, 1, 20)
    on_time = [inst(date(2026, 2, 1), date(2026, 2, 1)), inst(date(2026, 3, 1), date(2026, 2, 27))]
    # The window (to 2026-04-20) must be over before today.
    assert kept_in_window(agreed, on_time, None, 3, date(2026, 4, 20)) is None
    assert kept_in_window(agreed, on_time, None, 3, date(2026, 4, 21)) is True
    # An installment due on the window's last day is in it; one a day later is not.
    last_day = [*on_time, inst(date(2026, 4, 20), date(2026, 4, 21))]
    assert kept_in_window(agreed, last_day, None, 3, date(2026, 5, 1)) is False
    after = [*on_time, inst(date(2026, 4, 21), None)]
    assert kept_in_window(agreed, after, None, 3, date(2026, 5, 1)) is True
    # Paid in part is not paid; nothing due in the window is not counted.
    part = [inst(date(2026, 2, 1), None, paid="99.99")]
    assert kept_in_window(agreed, part, None, 3, date(2026, 5, 1)) is False
    assert kept_in_window(agreed, [inst(date(2026, 6, 1), None)], None, 3, date(2026, 7, 1)) is None
    # A change agreed within the window: not kept; after it: the installments decide.
    assert kept_in_window(agreed, on_time, date(2026, 4, 20), 3, date(2026, 5, 1)) is False
    assert kept_in_window(agreed, on_time, date(2026, 4, 21), 3, date(2026, 5, 1)) is True


def test_medians_and_shares():
    assert outcomes.median([5, 1, 3]) == D("3")
    assert outcomes.median([4, 1, 3, 2]) == D("2.5")
    assert outcomes.median([]) is None
    assert outcomes.percent(5, 8) == D("63")  # 62.5, half up
    assert outcomes.percent(1, 3) == D("33")
    assert outcomes.percent(0, 0) is None


# The page and the box -------------------------------------------------------------------


def row(html: str, label: str) -> str:
    match = re.search(rf'<th scope="row">{re.escape(label)}</th>(.*?)</tr>', html, re.S)
    assert match, f"no row for {label}"
    return match[1]


@pytest.mark.parametrize(
    "who,status",
    [
        ("admin", 200),
        ("a", 200),
        ("b", 200),
        ("c", 200),
        ("d", 404),  # deactivated
        ("x", 404),  # the borrower
        ("y", 404),  # another borrower
    ],
)
def test_who_opens_the_outcomes_page(w, who, status):
    response = getattr(w.clients, who).get(reverse("agency_outcomes"))
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        own = w.other if who == "c" else w.agency
        assert response.context["agency"] == own
        assert f"Outcomes at {own.name}" in html


def test_anonymous_is_sent_to_log_in(w):
    response = w.clients.anonymous.get(reverse("agency_outcomes"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_counselor_of_another_agency_sees_only_its_own_figures(w):
    html = w.clients.c.get(reverse("agency_outcomes")).content.decode()
    assert "Agency One" not in html and BETA not in html
    assert "Jiebei" not in html
    # Agency Two's one Alpha case: hidden; Agency One's Alpha rate (67 %) nowhere.
    assert row(html, ALPHA).count("fewer than 5 cases") == 6
    assert "67%" not in html


def test_the_page_names_no_borrower(w):
    for who in ("admin", "a", "c"):
        for language in ("en", "zh-hans"):
            client = getattr(w.clients, who)
            html = client.get(
                reverse("agency_outcomes"), headers={"accept-language": language}
            ).content.decode()
            for text in (*w.made.names, *w.made.emails, *w.made.phones):
                assert text not in html, (who, language, text)


def test_the_agency_page_links_to_the_outcomes(w):
    html = w.clients.admin.get(reverse("agency")).content.decode()
    assert f'href="{reverse("agency_outcomes")}"' in html


def review_box(html: str) -> str:
    match = re.search(r'<aside class="card review-outcomes".*?</aside>', html, re.S)
    assert match, "no outcomes box on the review page"
    return match[0]


def test_the_review_page_shows_the_lenders_outcomes_next_to_the_decision(w):
    url = reverse("counselor_review", args=[w.x.pk, w.proposal.pk])
    html = w.clients.a.get(url).content.decode()
    box = review_box(html)
    assert "Outcomes with Alpha Bank at Agency One" in box
    assert html.index('id="decision-h"') < html.index('id="outcomes-h"')
    want = expected(ALPHA_CASES, w.today)
    assert f"<strong>{want['acceptance'][0]}%</strong>" in box
    assert f"<strong>{want['kept_3'][0]}%</strong>" in box
    assert f'href="{reverse("agency_outcomes")}"' in box
    for text in (*w.made.names, *w.made.emails, *w.made.phones):
        assert text not in box, text
    # The decision still works beside it: an invalid review answers with the box too.
    response = w.clients.a.post(reverse("proposal_review", args=[w.x.pk, w.proposal.pk]), {})
    assert response.status_code == 200 and "Outcomes with Alpha Bank" in review_box(
        response.content.decode()
    )


def test_the_review_box_hides_a_lender_with_fewer_than_five_cases(w):
    debt = DebtFactory(borrower=w.x, lender_name=BETA, profile=profile("weilidai"))
    proposal = make_proposal([debt], months=6)
    html = w.clients.a.get(reverse("counselor_review", args=[w.x.pk, proposal.pk])).content
    box = review_box(html.decode())
    assert "Outcomes with Beta Loans at Agency One" in box
    assert box.count('<span class="muted">fewer than 5 cases</span>') == 6


def test_the_review_box_in_the_default_language(w):
    """The UI's default language (zh-hans) shows the same figures."""
    client = Client()
    client.force_login(w.counselors["a"].user)
    url = reverse("counselor_review", args=[w.x.pk, w.proposal.pk])
    box = review_box(client.get(url).content.decode())
    assert "Alpha Bank" in box and "Agency One" in box
    assert f"<strong>{expected(ALPHA_CASES, w.today)['acceptance'][0]}%</strong>" in box
    for text in (*w.made.names, *w.made.emails, *w.made.phones):
        assert text not in box, text


# Queries ---------------------------------------------------------------------------------


def page_queries(client) -> int:
    client.get(reverse("agency_outcomes"))  # warm up (session, caches)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("agency_outcomes"))
    assert response.status_code == 200
    return len(queries)


def test_the_page_makes_as_many_queries_for_5_cases_as_for_50(db):
    today = timezone.localdate()
    counts = {}
    for size in (5, 50):
        counselor = CounselorFactory(agency=AgencyFactory())
        for n in range(size):
            make_case(ALPHA_CASES[n % len(ALPHA_CASES)], counselor, today, 1000 * size + n, Made())
        counts[size] = page_queries(client_for(counselor.user))
    assert counts[5] == counts[50]
    assert counts[5] < 15
