"""The caseload shows the state of every case: proposals counted by state, a
filter and a total per state, the borrowers waiting for the counselor's review
first, the next action in words (from the latest note or review, editable in the
row), an empty table that says why, and the same few queries at any size.

Personas: counselor A, to whom every borrower of the world granted access;
counselor B of the same agency without a grant; borrower Yan; anonymous.
"""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from borrowers import positions
from borrowers.counselors import caseload
from borrowers.models import AccessGrant, Borrower, CaseNote, Debt, Triage, User
from repayment_plans.models import Proposal, ProposalEvent
from repayment_plans.position.source import CASELOAD_STATES
from repayment_plans.proposals import services as proposal_services
from tests.factories import AgencyFactory, BorrowerFactory, CounselorFactory, DebtFactory, profile
from tests.repayment_plans.conftest import make_proposal

HTMX = {"HTTP_HX_REQUEST": "true"}
ROW_NAME = re.compile(r'<th scope="row"><a href="[^"]*">([^<]*)</a>')
Status = Proposal.Status


def client_for(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def row_names(response) -> list[str]:
    return ROW_NAME.findall(response.content.decode())


def the_row(response, borrower) -> str:
    """The HTML of one borrower's row of the table."""
    html = response.content.decode()
    match = re.search(rf'<tr id="case-{borrower.pk}".*?</tr>', html, re.S)
    assert match, f"no row for {borrower}"
    return match[0]


@pytest.fixture
def today():
    return timezone.localdate()


def borrower_with(counselor, name, statuses, today, days_missed=10):
    """A borrower who granted ``counselor`` access, with one proposal per status."""
    borrower = BorrowerFactory(display_name=name)
    AccessGrant.objects.create(borrower=borrower, counselor=counselor)
    proposals = []
    for n, status in enumerate(statuses):
        debt = DebtFactory(
            borrower=borrower,
            lender_name=f"Lender {n}",
            first_missed_date=today - timedelta(days=days_missed),
        )
        proposals.append(make_proposal([debt], status=status))
    if not statuses:
        DebtFactory(borrower=borrower, first_missed_date=today - timedelta(days=days_missed))
    return SimpleNamespace(borrower=borrower, proposals=proposals)


@pytest.fixture
def w(db, today):
    """Zoe has an agreed plan and a proposal awaiting review, and owes least;
    the others have one proposal (or none) each and more urgent debts."""
    agency = AgencyFactory()
    a = CounselorFactory(agency=agency, display_name="Counselor A")
    b = CounselorFactory(agency=agency, display_name="Counselor B")
    zoe = borrower_with(a, "Zoe Zhou", [Status.ACCEPTED, Status.IN_REVIEW], today, 1)
    others = {
        name: borrower_with(a, name, statuses, today, days)
        for name, statuses, days in [
            ("Ann Draft", [Status.DRAFT], 80),
            ("Ben Changes", [Status.CHANGES_REQUESTED], 70),
            ("Cai Approved", [Status.APPROVED], 60),
            ("Dai Finalised", [Status.FINALISED], 50),
            ("Eve Countered", [Status.COUNTERED], 40),
            ("Fan Rejected", [Status.REJECTED], 30),
            ("Gao None", [], 20),
        ]
    }
    yan = BorrowerFactory(display_name="Yan Yu")
    return SimpleNamespace(
        a=a,
        b=b,
        zoe=zoe,
        others=others,
        yan=yan,
        client=client_for(a.user),
        b_client=client_for(b.user),
        yan_client=client_for(yan.user),
    )


def stored(borrower) -> Triage:
    return Triage.objects.get(borrower=borrower)


# Counts by state -------------------------------------------------------------------


def test_every_proposal_status_is_in_exactly_one_state():
    assert tuple(CASELOAD_STATES) == positions.PROPOSAL_STATES == caseload.STATES
    statuses = [s for group in CASELOAD_STATES.values() for s in group]
    assert sorted(statuses) == sorted(Status.values)


@pytest.mark.parametrize(
    ("status", "state"),
    [
        (Status.DRAFT, "draft"),
        (Status.CHANGES_REQUESTED, "draft"),
        (Status.IN_REVIEW, "in_review"),
        (Status.APPROVED, "approved"),
        (Status.FINALISED, "sent"),
        (Status.COUNTERED, "sent"),
        (Status.ACCEPTED, "agreed"),
        (Status.REJECTED, "refused"),
    ],
)
def test_each_status_counts_in_its_state(db, today, status, state):
    counselor = CounselorFactory()
    case = borrower_with(counselor, "One", [status, status], today)
    row = stored(case.borrower)
    counts = {s: getattr(row, f"n_{s}") for s in caseload.STATES}
    assert counts == {s: 2 if s == state else 0 for s in caseload.STATES}
    expected = min(p.pk for p in case.proposals) if state == "in_review" else None
    assert row.review_proposal_id == expected


def test_a_borrower_with_an_agreed_plan_and_a_proposal_in_review_counts_both(w):
    row = stored(w.zoe.borrower)
    assert (row.n_agreed, row.n_in_review, row.n_draft, row.n_sent) == (1, 1, 0, 0)
    assert row.review_proposal_id == w.zoe.proposals[1].pk


def test_the_counts_follow_a_review_without_reading_the_caseload(w):
    in_review = w.zoe.proposals[1]
    response = w.client.post(
        reverse("proposal_review", args=[w.zoe.borrower.pk, in_review.pk]),
        {"decision": "approve"},
    )
    assert response.status_code == 302
    row = stored(w.zoe.borrower)
    assert (row.n_agreed, row.n_in_review, row.n_approved) == (1, 0, 1)
    assert row.review_proposal_id is None


@pytest.mark.parametrize(
    ("state", "names"),
    [
        ("agreed", ["Zoe Zhou"]),
        ("in_review", ["Zoe Zhou"]),
        ("waiting", ["Zoe Zhou"]),
        ("draft", ["Ann Draft", "Ben Changes"]),
        ("approved", ["Cai Approved"]),
        ("sent", ["Dai Finalised", "Eve Countered"]),
        ("refused", ["Fan Rejected"]),
    ],
)
def test_the_state_filter_selects_borrowers_with_a_proposal_in_that_state(w, state, names):
    response = w.client.get(reverse("caseload"), {"state": state, "sort": "name"})
    assert row_names(response) == names
    assert f'<option value="{state}" selected>' in response.content.decode()


@pytest.mark.parametrize("sort", ["urgency", "name", "overdue", "next_action"])
def test_waiting_for_my_review_comes_first_in_every_sort(w, sort):
    response = w.client.get(reverse("caseload"), {"sort": sort})
    names = row_names(response)
    assert len(names) == 8
    assert names[0] == "Zoe Zhou"
    if sort == "name":  # then the chosen sort
        assert names[1:] == sorted(names[1:])


def test_the_waiting_row_is_marked_and_links_to_the_review(w):
    response = w.client.get(reverse("caseload"))
    row = the_row(response, w.zoe.borrower)
    assert 'class="row-waiting"' in row
    review = reverse("counselor_review", args=[w.zoe.borrower.pk, w.zoe.proposals[1].pk])
    assert f'href="{review}"' in row
    badges = re.findall(r'data-state="(\w+)">([^<]*)<b>(\d+)</b>', row)
    assert badges == [("in_review", "Awaiting review ", "1"), ("agreed", "Agreed ", "1")]
    other = the_row(response, w.others["Ann Draft"].borrower)
    assert "row-waiting" not in other
    assert re.findall(r'data-state="(\w+)"', other) == ["draft"]
    assert "—" in the_row(response, w.others["Gao None"].borrower).split('class="states"')[1][:20]


# Totals --------------------------------------------------------------------------------


def test_the_totals_count_borrowers_by_state_in_one_query(w):
    with CaptureQueriesContext(connection) as queries:
        totals = caseload.totals(w.a)
    assert len(queries) == 1
    assert totals.borrowers == 8
    assert totals.waiting == 1
    assert totals.by_state == {
        "draft": 2,
        "in_review": 1,
        "approved": 1,
        "sent": 2,
        "agreed": 1,
        "refused": 1,
    }
    # Another counselor's caseload is not counted.
    assert caseload.totals(w.b) == caseload.Totals(0, 0, dict.fromkeys(caseload.STATES, 0))


def test_the_totals_line_links_each_state_filter(w):
    response = w.client.get(reverse("caseload"), {"state": "sent", "sort": "name"})
    html = response.content.decode()
    start = html.index('class="state-totals"')
    line = html[start : html.index("</nav>", start)]
    links = re.findall(r'<a href="\?state=(\w+)&amp;sort=name"[^>]*>([^<]*)<b>(\d+)</b>', line)
    assert links == [
        ("waiting", "Waiting for me ", "1"),
        ("draft", "Draft ", "2"),
        ("approved", "Approved ", "1"),
        ("sent", "Sent ", "2"),
        ("agreed", "Agreed ", "1"),
        ("refused", "Refused by the lender ", "1"),
    ]
    assert re.search(r'data-state="sent" aria-current="true"', line)
    # The totals are the caseload's, whatever the filter shows.
    assert row_names(response) == ["Dai Finalised", "Eve Countered"]


# Next action ---------------------------------------------------------------------------


def caseload_row(w, borrower):
    response = w.client.get(reverse("caseload"))
    rows = {row.pk: row for row, _facts in response.context["rows"]}
    return rows[borrower.pk], the_row(response, borrower)


def test_the_next_action_comes_from_the_latest_note_or_a_later_review(w, today):
    zoe = w.zoe.borrower
    note_url = reverse("note_create", args=[zoe.pk])
    day = today + timedelta(days=3)
    w.client.post(
        note_url,
        {"kind": "call", "text": "Spoke.", "next_action": "Call HR", "next_action_on": day},
    )
    row, html = caseload_row(w, zoe)
    assert (row.next_action, row.next_action_on, row.next_action_source) == ("Call HR", day, "note")
    assert "Call HR" in html and day.isoformat() in html and "from a note" in html

    # A note without a next action leaves it as it is.
    w.client.post(note_url, {"kind": "call", "text": "No answer."})
    row, _html = caseload_row(w, zoe)
    assert (row.next_action, row.next_action_on) == ("Call HR", day)

    # A later review with a comment: the counselor's words, with the section; the
    # note's day still stands (a review gives none).
    review_url = reverse("proposal_review", args=[zoe.pk, w.zoe.proposals[1].pk])
    response = w.client.post(
        review_url, {"decision": "changes", "section": "term", "comment": "Ask for 24 months."}
    )
    assert response.status_code == 302
    event = ProposalEvent.objects.latest("pk")
    row, html = caseload_row(w, zoe)
    assert (row.next_action, row.next_action_on, row.next_action_source) == (
        "Ask for 24 months.",
        day,
        "review",
    )
    assert row.next_action_section == "term"
    assert "Term: Ask for 24 months." in html
    assert "Call HR" not in html
    assert day.isoformat() in html and "day set in a note" in html
    review_day = timezone.localtime(event.at).strftime("%m-%d")
    assert f"from the review of {review_day}" in html
    assert "from a note" not in html

    # A later note with a next action wins again.
    w.client.post(note_url, {"kind": "call", "text": "Agreed.", "next_action": "Send the letter"})
    row, _html = caseload_row(w, zoe)
    assert (row.next_action, row.next_action_on, row.next_action_source) == (
        "Send the letter",
        None,
        "note",
    )


def test_an_approval_without_a_comment_supersedes_the_change_asked_before(w):
    """A change asked for is no next action once the counselor approved the
    changed proposal: the next step is the letter going out."""
    zoe = w.zoe.borrower
    proposal = w.zoe.proposals[1]
    proposal_services.change_status(
        proposal, Status.CHANGES_REQUESTED, w.a.user, "Fewer months", "term"
    )
    assert (stored(zoe).next_action, stored(zoe).next_action_source) == ("Fewer months", "review")
    proposal_services.change_status(proposal, Status.IN_REVIEW, zoe.user)
    w.client.post(reverse("proposal_review", args=[zoe.pk, proposal.pk]), {"decision": "approve"})
    assert (stored(zoe).next_action, stored(zoe).next_action_source) == ("", "approved")
    with translation.override("en"):
        html = w.client.get(reverse("caseload"), headers={"accept-language": "en"}).content
    row = html.decode()
    assert "Fewer months" not in row
    assert "Approved: check that the borrower finalises and sends the letter." in row


def test_an_approval_is_done_with_once_its_letter_goes_out(w, today):
    """Finalised after the approval: the approval's step is done, the latest note speaks."""
    zoe = w.zoe.borrower
    proposal = w.zoe.proposals[1]
    w.client.post(
        reverse("note_create", args=[zoe.pk]),
        {"kind": "call", "text": "Spoke.", "next_action": "Call HR"},
    )
    w.client.post(reverse("proposal_review", args=[zoe.pk, proposal.pk]), {"decision": "approve"})
    assert stored(zoe).next_action_source == "approved"
    proposal_services.change_status(proposal, Status.FINALISED, zoe.user)
    assert (stored(zoe).next_action, stored(zoe).next_action_source) == ("Call HR", "note")


def test_a_long_review_comment_is_cut_to_the_stored_length(w):
    zoe = w.zoe.borrower
    comment = "Lower the amount. " * 30
    proposal_services.change_status(
        w.zoe.proposals[1], Status.CHANGES_REQUESTED, w.a.user, comment, "amount"
    )
    text = stored(zoe).next_action
    assert len(text) == caseload.NEXT_ACTION_LENGTH
    assert text.startswith("Lower the amount. Lower") and text.endswith("…")


def test_the_note_form_on_the_borrower_page_has_the_next_action(w, today):
    zoe = w.zoe.borrower
    html = w.client.get(reverse("counselor_borrower", args=[zoe.pk])).content.decode()
    assert 'name="next_action"' in html and 'maxlength="200"' in html
    response = w.client.post(
        reverse("note_create", args=[zoe.pk]),
        {"kind": "meeting", "text": "Met.", "next_action": "Check the payslip"},
        follow=True,
    )
    note = CaseNote.objects.get()
    assert (note.text, note.next_action, note.next_action_on) == ("Met.", "Check the payslip", None)
    assert "Next action: Check the payslip" in response.content.decode()


# The inline edit -----------------------------------------------------------------------


def action_url(borrower):
    return reverse("counselor_next_action", args=[borrower.pk])


def test_the_edit_control_opens_a_form_in_the_row(w, today):
    zoe = w.zoe.borrower
    page = w.client.get(reverse("caseload")).content.decode()
    assert f'hx-get="{action_url(zoe)}" hx-target="closest tr" hx-swap="outerHTML"' in page
    response = w.client.get(action_url(zoe), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith(f'<tr id="case-{zoe.pk}" class="row-waiting">')
    assert "<html" not in html
    assert f'hx-post="{action_url(zoe)}"' in html
    assert f'id="id_next{zoe.pk}_next_action"' in html
    assert 'type="date"' in html
    cancel = w.client.get(action_url(zoe), {"cancel": "1"}, **HTMX).content.decode()
    assert cancel.startswith(f'<tr id="case-{zoe.pk}"')
    assert 'name="next_action"' not in cancel


def test_saving_the_next_action_inline_answers_with_the_updated_row(w, today):
    zoe = w.zoe.borrower
    day = today + timedelta(days=5)
    response = w.client.post(
        action_url(zoe), {"next_action": "Call the lender", "next_action_on": day}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith(f'<tr id="case-{zoe.pk}" class="row-waiting">')
    assert 'name="next_action"' not in html
    assert "Call the lender" in html and day.isoformat() in html and "from a note" in html
    note = CaseNote.objects.get()
    assert (note.borrower, note.author, note.kind) == (zoe, w.a, CaseNote.Kind.OTHER)
    assert (note.text, note.next_action, note.next_action_on) == (
        "Call the lender",
        "Call the lender",
        day,
    )
    row = stored(zoe)
    assert (row.next_action, row.next_action_on, row.next_action_source) == (
        "Call the lender",
        day,
        "note",
    )
    assert row.last_contact is not None
    # The day is optional.
    response = w.client.post(action_url(zoe), {"next_action": "Wait for the payslip"}, **HTMX)
    assert response.status_code == 200
    assert (stored(zoe).next_action, stored(zoe).next_action_on) == ("Wait for the payslip", None)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"next_action": ""}, "next_action"),
        ({"next_action": "   "}, "next_action"),
        ({"next_action": "x" * 201}, "next_action"),
        ({"next_action": "<b>call</b>"}, "next_action"),
        ({"next_action": "Call", "next_action_on": "PAST"}, "next_action_on"),
        ({"next_action": "Call", "next_action_on": "FAR"}, "next_action_on"),
        ({"next_action": "Call", "next_action_on": "soon"}, "next_action_on"),
    ],
)
@pytest.mark.parametrize("htmx", [True, False])
def test_bad_input_is_answered_next_to_the_field_and_saves_nothing(w, today, data, field, htmx):
    zoe = w.zoe.borrower
    days = {"PAST": today - timedelta(days=1), "FAR": today + timedelta(days=367)}
    if data.get("next_action_on") in days:
        data = {**data, "next_action_on": days[data["next_action_on"]].isoformat()}
    before = Triage.objects.filter(borrower=zoe).values().get()
    response = w.client.post(action_url(zoe), data, **(HTMX if htmx else {}))
    assert response.status_code == 200
    html = response.content.decode()
    prefix = f"id_next{zoe.pk}_" if htmx else "id_"
    error = re.search(
        rf'<div class="field has-error[^"]*" id="field-{field}">.*?id="{prefix}{field}_error"',
        html,
        re.S,
    )
    assert error, html
    if htmx:
        assert html.startswith(f'<tr id="case-{zoe.pk}"') and "<html" not in html
    else:
        assert "<html" in html
    assert not CaseNote.objects.exists()
    assert Triage.objects.filter(borrower=zoe).values().get() == before
    assert "<b>call</b>" not in html


def test_without_javascript_the_next_action_has_a_page_of_its_own(w, today):
    zoe = w.zoe.borrower
    w.client.post(
        reverse("note_create", args=[zoe.pk]),
        {"kind": "call", "text": "Spoke.", "next_action": "Call HR", "next_action_on": today},
    )
    response = w.client.get(action_url(zoe))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and "Next action for Zoe Zhou" in html
    assert f'action="{action_url(zoe)}"' in html
    assert 'value="Call HR"' in html and f'value="{today.isoformat()}"' in html
    response = w.client.post(
        action_url(zoe), {"next_action": "Visit", "next_action_on": today}, follow=True
    )
    assert response.redirect_chain == [(reverse("caseload"), 302)]
    assert "Next action saved." in response.content.decode()
    assert stored(zoe).next_action == "Visit"


@pytest.mark.parametrize("method", ["get", "post"])
def test_only_a_counselor_with_the_grant_reaches_the_next_action(w, method, today):
    zoe = w.zoe.borrower
    data = {"next_action": "Leak", "next_action_on": today.isoformat()}
    for client in (w.b_client, w.yan_client):
        for headers in ({}, HTMX):
            response = getattr(client, method)(action_url(zoe), data, **headers)
            assert response.status_code == 404
    # A borrower who never granted counselor A access.
    assert getattr(w.client, method)(action_url(w.yan), data).status_code == 404
    anonymous = Client()
    response = getattr(anonymous, method)(action_url(zoe), data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    # Revoked: a 404 for counselor A too.
    AccessGrant.objects.filter(borrower=zoe).update(revoked_at=timezone.now())
    assert getattr(w.client, method)(action_url(zoe), data, **HTMX).status_code == 404
    assert not CaseNote.objects.exists()


# The empty table says why --------------------------------------------------------------


def empty_cell(response) -> str:
    html = response.content.decode()
    match = re.search(r'<td colspan="10" class="empty">(.*?)</td>', html, re.S)
    assert match, "the table is not empty"
    return match[1]


def test_without_any_grant_the_caseload_says_how_borrowers_join(db):
    counselor = CounselorFactory()
    response = client_for(counselor.user).get(reverse("caseload"), {"state": "waiting"})
    text = empty_cell(response)
    assert text.startswith("No borrower has granted you access yet.")
    assert "invite code" in text
    assert "clear-filters" not in text


def test_filters_that_select_nobody_offer_to_clear_them(w):
    response = w.client.get(
        reverse("caseload"), {"tier": "severe", "state": "agreed", "sort": "name"}
    )
    text = empty_cell(response)
    assert text.startswith("No borrower matches these filters.")
    assert f'href="{reverse("caseload")}?sort=name" class="clear-filters"' in text
    response = w.client.get(reverse("caseload"), {"q": "nobody by this name"})
    assert empty_cell(response).startswith("No borrower matches these filters.")


def test_nothing_waiting_says_so(w):
    w.client.post(
        reverse("proposal_review", args=[w.zoe.borrower.pk, w.zoe.proposals[1].pk]),
        {"decision": "approve"},
    )
    response = w.client.get(reverse("caseload"), {"state": "waiting"})
    assert empty_cell(response).startswith("Nothing is waiting for your review.")


# CSV -----------------------------------------------------------------------------------


def test_the_csv_carries_the_counts_and_the_next_action(w):
    zoe = w.zoe.borrower
    w.client.post(action_url(zoe), {"next_action": "=HYPERLINK(1)"}, **HTMX)
    response = w.client.get(reverse("caseload"), {"format": "csv", "state": "waiting"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = rows[0]
    states = ["Draft", "Awaiting review", "Approved", "Sent", "Agreed", "Refused by the lender"]
    assert header[5:11] == states
    assert header[-2:] == ["Next action", "Next action on"]
    assert [r[0] for r in rows[1:]] == ["Zoe Zhou"]
    assert rows[1][5:11] == ["0", "1", "0", "0", "1", "0"]
    assert rows[1][-2:] == ["'=HYPERLINK(1)", ""]


# A fixed number of queries -------------------------------------------------------------

MIXED = [
    Status.DRAFT,
    Status.IN_REVIEW,
    Status.CHANGES_REQUESTED,
    Status.APPROVED,
    Status.FINALISED,
    Status.COUNTERED,
    Status.ACCEPTED,
    Status.REJECTED,
]


def bulk_caseload(counselor, n, today):
    """``n`` borrowers, each with a debt and a proposal (every status in turn), every
    third with a second proposal awaiting review, counselor reviews with comments and
    notes with next actions: every kind of row the caseload reads, at any size."""
    tag = f"{counselor.pk}-{n}"
    users = User.objects.bulk_create(
        User(email=f"mixed-{tag}-{i}@example.com", password="!") for i in range(n)
    )
    borrowers = Borrower.objects.bulk_create(
        Borrower(user=user, display_name=f"Mixed {tag}-{i:04d}") for i, user in enumerate(users)
    )
    AccessGrant.objects.bulk_create(AccessGrant(borrower=b, counselor=counselor) for b in borrowers)
    debts = Debt.objects.bulk_create(
        Debt(
            borrower=b,
            profile=profile("huabei"),
            lender_name="Some lender",
            principal=Decimal("1000"),
            annual_rate_percent=Decimal("18"),
            first_missed_date=today - timedelta(days=5 + i % 90),
        )
        for i, b in enumerate(borrowers)
    )
    made = []
    for i, (borrower, debt) in enumerate(zip(borrowers, debts, strict=True)):
        statuses = [MIXED[i % len(MIXED)]] + ([Status.IN_REVIEW] if i % 3 == 0 else [])
        made += [(debt, Proposal(borrower=borrower, lender_name="Some lender", months=6,
                                 first_due_date=today + timedelta(days=30), status=status))
                 for status in statuses]  # fmt: skip
    Proposal.objects.bulk_create(p for _d, p in made)
    Proposal.debts.through.objects.bulk_create(
        Proposal.debts.through(proposal_id=p.pk, debt_id=d.pk) for d, p in made
    )
    ProposalEvent.objects.bulk_create(
        ProposalEvent(
            proposal=p,
            actor=counselor.user,
            actor_name="Counselor",
            from_status="in_review",
            to_status=p.status,
            comment="Look at the term.",
            section="term",
        )
        for _d, p in made
        if p.status in (Status.CHANGES_REQUESTED, Status.APPROVED)
    )
    CaseNote.objects.bulk_create(
        CaseNote(
            borrower=b,
            author=counselor,
            text="note",
            next_action="Call back" if i % 2 else "",
            next_action_on=today + timedelta(days=i % 5) if i % 4 else None,
        )
        for i, b in enumerate(borrowers)
    )


def page_queries(client) -> tuple[int, int, int]:
    """Queries of the first read of the day (which stores the figures) and of the next."""
    with CaptureQueriesContext(connection) as first:
        response = client.get(reverse("caseload"))
    assert response.status_code == 200
    with CaptureQueriesContext(connection) as second:
        response = client.get(reverse("caseload"))
    assert response.status_code == 200
    return len(first), len(second), len(row_names(response))


def test_the_caseload_costs_the_same_queries_for_10_and_500_borrowers(db, today):
    warm, small, large = CounselorFactory(), CounselorFactory(), CounselorFactory()
    for counselor, n in ((warm, 10), (small, 10), (large, 500)):
        bulk_caseload(counselor, n, today)
    page_queries(client_for(warm.user))  # the process's first request
    small_first, small_next, small_rows = page_queries(client_for(small.user))
    large_first, large_next, large_rows = page_queries(client_for(large.user))
    assert (small_rows, large_rows) == (10, 50)
    assert small_first == large_first
    assert small_next == large_next
    assert small_next < 12
    # And the figures are right at that size.
    totals = caseload.totals(large)
    assert totals.borrowers == 500
    waiting = sum(1 for i in range(500) if MIXED[i % 8] == Status.IN_REVIEW or i % 3 == 0)
    assert totals.waiting == totals.by_state["in_review"] == waiting
    drafts = sum(1 for i in range(500) if MIXED[i % 8] in (Status.DRAFT, Status.CHANGES_REQUESTED))
    assert totals.by_state["draft"] == drafts
