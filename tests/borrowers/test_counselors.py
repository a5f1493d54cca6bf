"""The counselor area: consent through invite codes, a triaged caseload, the
borrower view with case notes, and the review of proposals.

Personas: counselor A (agency 1) to whom borrower X granted access through the
real invite flow; counselor B of the same agency and counselor C of another
agency, both without a grant; borrower Y; and an anonymous visitor.
"""

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from borrowers.models import (
    AccessEvent,
    AccessGrant,
    Borrower,
    CaseNote,
    Debt,
    Invite,
    User,
)
from repayment_plans.models import Installment, Plan, Proposal, ProposalEvent
from tests.factories import (
    AgencyFactory,
    BorrowerFactory,
    CounselorFactory,
    DebtFactory,
    profile,
)
from tests.repayment_plans.conftest import make_proposal

HTMX = {"HTTP_HX_REQUEST": "true"}
ROW_NAME = re.compile(r'<th scope="row"><a href="[^"]*">([^<]*)</a></th>')
INVITE_CODE = re.compile(r'<strong class="code">([A-Z0-9]+)</strong>')


def client_for(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def row_names(response) -> list[str]:
    return ROW_NAME.findall(response.content.decode())


def grant_through_invite(counselor_client, borrower_client, counselor, borrower) -> AccessGrant:
    """The counselor asks for a code, reads it on the caseload, the borrower enters it."""
    response = counselor_client.post(reverse("invite_create"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("caseload")
    codes = INVITE_CODE.findall(response.content.decode())
    assert codes, "the caseload shows the new invite code"
    assert Invite.objects.filter(counselor=counselor, code=codes[0]).exists()
    response = borrower_client.post(reverse("access"), {"code": codes[0]})
    assert response.status_code == 302
    assert response["Location"] == reverse("access")
    return AccessGrant.objects.active().get(counselor=counselor, borrower=borrower)


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def world(db, today):
    agency = AgencyFactory(name="Agency One")
    a = CounselorFactory(agency=agency, display_name="Counselor A")
    b = CounselorFactory(agency=agency, display_name="Counselor B")
    c = CounselorFactory(agency=AgencyFactory(name="Agency Two"), display_name="Counselor C")
    assert c.agency != a.agency
    x = BorrowerFactory(
        display_name="Xavier Xu", phone="13800138000", user__email="xavier@example.com"
    )
    y = BorrowerFactory(display_name="Yolanda Yang", user__email="yolanda@example.com")
    debt = DebtFactory(borrower=x, nickname="Xavier card", first_missed_date=today - timedelta(45))
    clients = SimpleNamespace(
        a=client_for(a.user),
        b=client_for(b.user),
        c=client_for(c.user),
        x=client_for(x.user),
        y=client_for(y.user),
        anonymous=Client(headers={"accept-language": "en"}),
    )
    grant = grant_through_invite(clients.a, clients.x, a, x)
    proposal = make_proposal([debt])
    response = clients.x.post(reverse("request_review", args=[proposal.pk]))
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.IN_REVIEW
    return SimpleNamespace(
        a=a, b=b, c=c, x=x, y=y, debt=debt, grant=grant, proposal=proposal, clients=clients
    )


def x_requests(w):
    """The counselor URLs that concern borrower X: (method, url, data)."""
    return {
        "counselor_borrower": ("get", reverse("counselor_borrower", args=[w.x.pk]), {}),
        "note_create": (
            "post",
            reverse("note_create", args=[w.x.pk]),
            {"kind": "call", "text": "Spoke about the card."},
        ),
        "proposal_review": (
            "post",
            reverse("proposal_review", args=[w.x.pk, w.proposal.pk]),
            {"decision": "approve", "comment": ""},
        ),
    }


def all_requests(w):
    return {
        "caseload": ("get", reverse("caseload"), {}),
        "invite_create": ("post", reverse("invite_create"), {}),
        **x_requests(w),
    }


def send(client, request):
    method, url, data = request
    return getattr(client, method)(url, data)


def assert_x_untouched(w):
    assert not CaseNote.objects.exists()
    w.proposal.refresh_from_db()
    assert w.proposal.status == Proposal.Status.IN_REVIEW
    assert not ProposalEvent.objects.filter(to_status=Proposal.Status.APPROVED).exists()


# Access -----------------------------------------------------------------------


X_URL_NAMES = ["counselor_borrower", "note_create", "proposal_review"]
URL_NAMES = ["caseload", *X_URL_NAMES, "invite_create"]


@pytest.mark.parametrize("name", URL_NAMES)
def test_counselor_a_with_the_grant_succeeds(world, name):
    w = world
    response = send(w.clients.a, all_requests(w)[name])
    if name == "caseload":
        assert response.status_code == 200
        assert row_names(response) == ["Xavier Xu"]
    elif name == "counselor_borrower":
        assert response.status_code == 200
        html = response.content.decode()
        assert "Xavier Xu" in html
        assert "Xavier card" in html
    elif name == "note_create":
        assert response.status_code == 302
        assert response["Location"] == reverse("counselor_borrower", args=[w.x.pk])
        note = CaseNote.objects.get()
        assert (note.borrower, note.author) == (w.x, w.a)
    elif name == "proposal_review":
        assert response.status_code == 302
        w.proposal.refresh_from_db()
        assert w.proposal.status == Proposal.Status.APPROVED
    else:
        assert response.status_code == 302
        assert Invite.objects.filter(counselor=w.a, used_at__isnull=True).count() == 1


@pytest.mark.parametrize("who", ["b", "c"])
@pytest.mark.parametrize("name", X_URL_NAMES)
def test_counselors_without_a_grant_get_404_and_leave_no_trace(world, who, name):
    w = world
    events_before = AccessEvent.objects.count()
    response = send(getattr(w.clients, who), x_requests(w)[name])
    assert response.status_code == 404
    assert AccessEvent.objects.count() == events_before
    assert_x_untouched(w)


@pytest.mark.parametrize("who", ["b", "c"])
def test_counselors_without_a_grant_see_nothing_of_x_in_their_caseload(world, who):
    w = world
    client = getattr(w.clients, who)
    for params in (
        {},
        {"format": "csv"},
        {"tier": "moderate"},
        {"state": "in_review"},
        {"state": "waiting"},
    ):
        response = client.get(reverse("caseload"), params)
        assert response.status_code == 200
        body = response.content.decode("utf-8-sig")
        assert "Xavier" not in body
        assert "13800138000" not in body
        assert "xavier@example.com" not in body
    for q in ("Xavier", "13800138000", "xavier@example.com"):
        response = client.get(reverse("caseload"), {"q": q})
        assert response.status_code == 200
        assert row_names(response) == []
        assert response.context["page"].paginator.count == 0


@pytest.mark.parametrize("who", ["b", "c"])
def test_counselors_without_a_grant_may_still_make_their_own_invites(world, who):
    w = world
    response = getattr(w.clients, who).post(reverse("invite_create"))
    assert response.status_code == 302
    assert Invite.objects.filter(counselor=getattr(w, who)).count() == 1


@pytest.mark.parametrize("name", URL_NAMES)
def test_a_borrower_gets_404_on_counselor_urls(world, name):
    w = world
    invites_before = Invite.objects.count()
    response = send(w.clients.y, all_requests(w)[name])
    assert response.status_code == 404
    assert Invite.objects.count() == invites_before
    assert_x_untouched(w)


@pytest.mark.parametrize("name", URL_NAMES)
def test_anonymous_is_sent_to_login(world, name):
    w = world
    invites_before = Invite.objects.count()
    response = send(w.clients.anonymous, all_requests(w)[name])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert Invite.objects.count() == invites_before
    assert_x_untouched(w)


def test_a_successful_view_is_logged_as_a_view_event(world):
    w = world
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.VIEW).exists()
    assert w.clients.a.get(reverse("counselor_borrower", args=[w.x.pk])).status_code == 200
    event = AccessEvent.objects.get(action=AccessEvent.Action.VIEW)
    assert (event.borrower, event.counselor) == (w.x, w.a)


def test_a_counselor_404_for_an_unknown_borrower_records_nothing(world):
    w = world
    events_before = AccessEvent.objects.count()
    response = w.clients.a.get(reverse("counselor_borrower", args=[w.y.pk]))
    assert response.status_code == 404
    assert AccessEvent.objects.count() == events_before


# Grant and revoke -------------------------------------------------------------


def test_grant_and_revoke_take_effect_at_once(db, today):
    a = CounselorFactory(display_name="Counselor A")
    x = BorrowerFactory(display_name="Xavier Xu")
    DebtFactory(borrower=x, first_missed_date=today - timedelta(days=10))
    a_client, x_client = client_for(a.user), client_for(x.user)
    url = reverse("counselor_borrower", args=[x.pk])

    assert a_client.get(url).status_code == 404
    assert row_names(a_client.get(reverse("caseload"))) == []

    grant = grant_through_invite(a_client, x_client, a, x)
    assert a_client.get(url).status_code == 200
    assert row_names(a_client.get(reverse("caseload"))) == ["Xavier Xu"]
    access_page = x_client.get(reverse("access")).content.decode()
    assert "Counselor A" in access_page
    assert reverse("access_revoke", args=[grant.pk]) in access_page

    response = x_client.post(reverse("access_revoke", args=[grant.pk]))
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None

    assert a_client.get(url).status_code == 404
    assert a_client.post(reverse("note_create", args=[x.pk]), {"text": "hi"}).status_code == 404
    assert row_names(a_client.get(reverse("caseload"))) == []
    assert not CaseNote.objects.exists()
    actions = list(
        AccessEvent.objects.filter(borrower=x, counselor=a)
        .order_by("at", "pk")
        .values_list("action", flat=True)
    )
    assert actions == ["grant", "view", "revoke"]


def test_after_a_revoke_a_new_code_grants_access_again(world):
    w = world
    w.clients.x.post(reverse("access_revoke", args=[w.grant.pk]))
    assert w.clients.a.get(reverse("counselor_borrower", args=[w.x.pk])).status_code == 404
    grant_through_invite(w.clients.a, w.clients.x, w.a, w.x)
    assert w.clients.a.get(reverse("counselor_borrower", args=[w.x.pk])).status_code == 200
    assert AccessGrant.objects.filter(borrower=w.x, counselor=w.a).count() == 2


def test_a_second_code_from_the_same_counselor_is_not_consumed(world):
    w = world
    second = Invite.objects.create(counselor=w.a, expires_at=timezone.now() + timedelta(days=1))
    response = w.clients.x.post(reverse("access"), {"code": second.code}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("access")
    assert "already has access" in response.content.decode()
    second.refresh_from_db()
    assert second.used_at is None
    assert AccessGrant.objects.active().filter(borrower=w.x, counselor=w.a).count() == 1
    assert AccessEvent.objects.filter(action="grant").count() == 1


def test_another_borrower_cannot_revoke_xs_grant(world):
    w = world
    response = w.clients.y.post(reverse("access_revoke", args=[w.grant.pk]))
    assert response.status_code == 404
    w.grant.refresh_from_db()
    assert w.grant.revoked_at is None


# Invite codes ------------------------------------------------------------------


@pytest.fixture
def invite(db):
    return Invite.objects.create(
        counselor=CounselorFactory(display_name="Counselor A"),
        expires_at=timezone.now() + timedelta(days=14),
    )


def assert_code_error(response, text):
    """The error is on the code field and is rendered right next to it."""
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["code"]
    assert text in form.errors["code"][0]
    html = response.content.decode()
    field = re.search(r'<div class="field([^"]*)" id="field-code">(.*?)</div>', html, re.S)
    assert field is not None
    assert "has-error" in field[1]
    assert 'aria-invalid="true"' in field[2]
    assert 'id="id_code_error"' in field[2]
    assert text in field[2]


def test_an_expired_code_gives_a_clear_error_and_no_grant(invite):
    invite.expires_at = timezone.now() - timedelta(minutes=1)
    invite.save()
    x = BorrowerFactory()
    response = client_for(x.user).post(reverse("access"), {"code": invite.code})
    assert_code_error(response, "expired")
    assert not AccessGrant.objects.exists()
    assert not AccessEvent.objects.exists()
    invite.refresh_from_db()
    assert invite.used_at is None


def test_a_used_code_gives_a_clear_error_and_no_grant(invite):
    x, y = BorrowerFactory(), BorrowerFactory()
    assert client_for(x.user).post(reverse("access"), {"code": invite.code}).status_code == 302
    response = client_for(y.user).post(reverse("access"), {"code": invite.code})
    assert_code_error(response, "already been used")
    assert list(AccessGrant.objects.values_list("borrower", flat=True)) == [x.pk]
    invite.refresh_from_db()
    assert invite.used_by == x


def test_an_unknown_code_gives_a_clear_error(invite):
    x = BorrowerFactory()
    response = client_for(x.user).post(reverse("access"), {"code": "ZZZZ2222"})
    assert_code_error(response, "does not exist")
    assert not AccessGrant.objects.exists()


def test_a_valid_code_typed_in_lowercase_works(invite):
    x = BorrowerFactory()
    response = client_for(x.user).post(reverse("access"), {"code": f"  {invite.code.lower()} "})
    assert response.status_code == 302
    grant = AccessGrant.objects.active().get()
    assert (grant.borrower, grant.counselor) == (x, invite.counselor)
    invite.refresh_from_db()
    assert invite.used_by == x
    assert invite.used_at is not None
    event = AccessEvent.objects.get()
    assert (event.action, event.borrower, event.counselor) == ("grant", x, invite.counselor)


# Caseload: ordering --------------------------------------------------------------


def grant(borrower, counselor):
    return AccessGrant.objects.create(borrower=borrower, counselor=counselor)


def with_missed_installment(borrower, today):
    """An accepted proposal whose active plan has an installment due yesterday, unpaid."""
    debt = DebtFactory(borrower=borrower, first_missed_date=today - timedelta(days=5))
    proposal = make_proposal([debt], status=Proposal.Status.ACCEPTED)
    plan = Plan.objects.create(
        proposal=proposal,
        principal=Decimal("6000"),
        method="interest_free",
        months=12,
        first_due_date=today - timedelta(days=1),
        agreed_on=today - timedelta(days=2),
    )
    for number in (1, 2):
        Installment.objects.create(
            plan=plan,
            number=number,
            due_date=today - timedelta(days=1) + timedelta(days=30 * (number - 1)),
            amount=Decimal("500"),
            principal=Decimal("500"),
            interest=Decimal("0"),
        )
    return plan


def test_caseload_puts_the_nearest_tier_change_first_and_missed_installments_above_all(db, today):
    counselor = CounselorFactory()
    huabei = profile("huabei")
    assert huabei.grace_days == 0
    p = BorrowerFactory(display_name="Pamela Pan")
    q = BorrowerFactory(display_name="Quentin Qi")
    m = BorrowerFactory(display_name="Mona Ma")
    DebtFactory(borrower=p, profile=huabei, first_missed_date=today - timedelta(days=29))
    DebtFactory(borrower=q, profile=huabei, first_missed_date=today - timedelta(days=45))
    with_missed_installment(m, today)
    for borrower in (q, p, m):
        grant(borrower, counselor)

    response = client_for(counselor.user).get(reverse("caseload"))
    assert response.status_code == 200
    assert row_names(response) == ["Mona Ma", "Pamela Pan", "Quentin Qi"]
    facts = {row.display_name: (row, f) for row, f in response.context["rows"]}
    assert facts["Pamela Pan"][1]["days_to_next_tier"] == 2
    assert str(facts["Pamela Pan"][1]["tier"]) == "light"
    assert facts["Pamela Pan"][1]["largest_dpd"] == 29
    assert facts["Quentin Qi"][1]["days_to_next_tier"] == 16
    assert str(facts["Quentin Qi"][1]["tier"]) == "moderate"
    assert facts["Quentin Qi"][1]["largest_dpd"] == 45
    assert facts["Mona Ma"][0].missed_n == 1
    assert facts["Mona Ma"][0].next_installment_on == today + timedelta(days=29)
    html = response.content.decode()
    assert html.count('class="row-missed"') == 1
    cells = re.findall(r'<td class="days-to-next">([^<]*)</td>', html)
    assert cells[1:] == ["2", "16"]


# Caseload: filters, search, htmx, CSV --------------------------------------------


@pytest.fixture
def caseload(db, today):
    counselor = CounselorFactory(display_name="Counselor A")
    sally = BorrowerFactory(display_name="Sally Severe")
    molly = BorrowerFactory(display_name="Molly Moderate", phone="13912345678")
    lily = BorrowerFactory(display_name="Lily Light")
    carl = BorrowerFactory(display_name="Carl Current", user__email="carl@example.org")
    DebtFactory(borrower=sally, first_missed_date=today - timedelta(days=75))
    DebtFactory(borrower=molly, first_missed_date=today - timedelta(days=45))
    DebtFactory(borrower=lily, first_missed_date=today - timedelta(days=28))  # moderate in 3
    CaseNote.objects.create(
        borrower=carl, author=counselor, text="Call back.", next_action_on=today
    )
    for borrower in (sally, molly, lily, carl):
        grant(borrower, counselor)
    # Someone else's borrower never shows.
    grant(BorrowerFactory(display_name="Olga Other"), CounselorFactory())
    return SimpleNamespace(counselor=counselor, client=client_for(counselor.user))


def test_tier_filter_shows_only_that_tier(caseload):
    response = caseload.client.get(reverse("caseload"), {"tier": "severe"})
    assert row_names(response) == ["Sally Severe"]
    assert '<option value="severe" selected>' in response.content.decode()
    assert row_names(caseload.client.get(reverse("caseload"), {"tier": "light"})) == ["Lily Light"]
    assert row_names(caseload.client.get(reverse("caseload"), {"tier": "current"})) == [
        "Carl Current"
    ]


def test_state_filter(world):
    w = world
    client = w.clients.a
    assert row_names(client.get(reverse("caseload"), {"state": "in_review"})) == ["Xavier Xu"]
    assert row_names(client.get(reverse("caseload"), {"state": "approved"})) == []
    client.post(reverse("proposal_review", args=[w.x.pk, w.proposal.pk]), {"decision": "approve"})
    assert row_names(client.get(reverse("caseload"), {"state": "approved"})) == ["Xavier Xu"]
    assert row_names(client.get(reverse("caseload"), {"state": "in_review"})) == []


def test_needs_action_filter(caseload):
    response = caseload.client.get(reverse("caseload"), {"needs_action": "1"})
    # Lily reaches a worse tier within a week; Carl's next action is today.
    assert sorted(row_names(response)) == ["Carl Current", "Lily Light"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("molly", ["Molly Moderate"]),
        ("1234567", ["Molly Moderate"]),
        ("carl@example", ["Carl Current"]),
        ("ly", ["Lily Light", "Molly Moderate", "Sally Severe"]),
        ("Olga", []),
    ],
)
def test_search_by_name_phone_and_email(caseload, q, expected):
    response = caseload.client.get(reverse("caseload"), {"q": q, "sort": "name"})
    assert row_names(response) == expected


def test_unknown_filter_values_are_ignored(caseload):
    everyone = row_names(caseload.client.get(reverse("caseload")))
    assert len(everyone) == 4
    response = caseload.client.get(
        reverse("caseload"), {"tier": "bogus", "sort": "evil", "page": "abc", "state": "zzz"}
    )
    assert response.status_code == 200
    assert row_names(response) == everyone
    filters = response.context["filters"]
    assert (filters.tier, filters.state, filters.sort) == ("", "", "urgency")
    assert response.context["query"] == "sort=urgency"
    table = response.content.decode().split('id="caseload-table"')[1]
    assert "bogus" not in table
    assert "evil" not in table


def test_htmx_request_gets_only_the_table(caseload):
    response = caseload.client.get(reverse("caseload"), {"tier": "severe"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="caseload-table">')
    assert 'name="tier"' not in html  # the filter form stays in place
    assert ROW_NAME.findall(html) == ["Sally Severe"]


def csv_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_csv_export_has_a_header_and_one_row_per_borrower_of_the_filter(caseload):
    rows = csv_rows(caseload.client.get(reverse("caseload"), {"format": "csv"}))
    assert rows[0][0] == "Borrower"
    assert len(rows[0]) == 16
    assert sorted(r[0] for r in rows[1:]) == [
        "Carl Current",
        "Lily Light",
        "Molly Moderate",
        "Sally Severe",
    ]
    rows = csv_rows(caseload.client.get(reverse("caseload"), {"format": "csv", "tier": "severe"}))
    assert [r[0] for r in rows] == ["Borrower", "Sally Severe"]
    assert rows[1][3] == "75"


def test_csv_export_link_keeps_the_filter(caseload):
    html = caseload.client.get(reverse("caseload"), {"tier": "severe"}).content.decode()
    assert "?tier=severe&amp;sort=urgency&amp;format=csv" in html


def test_csv_neutralises_spreadsheet_formulas(caseload):
    evil = BorrowerFactory(display_name="=HYPERLINK(1)")
    grant(evil, caseload.counselor)
    rows = csv_rows(caseload.client.get(reverse("caseload"), {"format": "csv", "q": "HYPER"}))
    assert rows[1][0] == "'=HYPERLINK(1)"


# Caseload: a fixed number of queries ----------------------------------------------


def bulk_caseload(counselor, n, today):
    huabei = profile("huabei")
    users = User.objects.bulk_create(
        User(email=f"bulk-{counselor.pk}-{i}@example.com", password="!") for i in range(n)
    )
    borrowers = Borrower.objects.bulk_create(
        Borrower(user=user, display_name=f"Bulk {counselor.pk}-{i:04d}")
        for i, user in enumerate(users)
    )
    AccessGrant.objects.bulk_create(AccessGrant(borrower=b, counselor=counselor) for b in borrowers)
    debts = []
    for i, borrower in enumerate(borrowers):
        for days in (10 + i % 80, 40):
            debt = Debt(
                borrower=borrower,
                profile=huabei,
                lender_name="Some lender",
                principal=Decimal("1000"),
                annual_rate_percent=Decimal("18"),
                first_missed_date=today - timedelta(days=days),
            )
            debts.append(debt)
    Debt.objects.bulk_create(debts)
    CaseNote.objects.bulk_create(
        CaseNote(borrower=b, author=counselor, text="note", next_action_on=today) for b in borrowers
    )


def caseload_queries(client) -> tuple[int, int]:
    client.get(reverse("caseload"))  # warm up (session, caches)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("caseload"))
    assert response.status_code == 200
    return len(queries), len(row_names(response))


def test_caseload_queries_do_not_grow_with_the_caseload(db, today):
    small, large = CounselorFactory(), CounselorFactory()
    bulk_caseload(small, 10, today)
    bulk_caseload(large, 500, today)
    small_queries, small_rows = caseload_queries(client_for(small.user))
    large_queries, large_rows = caseload_queries(client_for(large.user))
    assert (small_rows, large_rows) == (10, 50)
    assert small_queries == large_queries
    assert small_queries < 15


def test_caseload_pages_by_fifty(db, today):
    counselor = CounselorFactory()
    bulk_caseload(counselor, 120, today)
    client = client_for(counselor.user)
    pages = [
        row_names(client.get(reverse("caseload"), {"page": p, "sort": "name"})) for p in (1, 2, 3)
    ]
    assert [len(p) for p in pages] == [50, 50, 20]
    names = [n for p in pages for n in p]
    assert names == sorted(names)
    assert len(set(names)) == 120


# Case notes ------------------------------------------------------------------------


def test_a_note_is_listed_with_author_and_next_action_and_feeds_the_caseload(world, today):
    w = world
    next_action = today + timedelta(days=7)
    response = w.clients.a.post(
        reverse("note_create", args=[w.x.pk]),
        {"kind": "meeting", "text": "Met at the office.", "next_action_on": next_action},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("counselor_borrower", args=[w.x.pk])
    note = CaseNote.objects.get()
    assert (note.kind, note.text, note.next_action_on) == (
        "meeting",
        "Met at the office.",
        next_action,
    )
    html = response.content.decode()
    notes = html[html.index('<ul class="notes">') :]
    assert "Met at the office." in notes
    assert "Counselor A" in notes
    assert "Meeting" in notes
    assert next_action.isoformat() in notes

    response = w.clients.a.get(reverse("caseload"))
    row, _facts = response.context["rows"][0]
    assert row.next_action_on == next_action
    assert row.last_contact is not None
    table = response.content.decode()
    assert next_action.isoformat() in table
    assert today.isoformat() in table  # last contact


def test_the_latest_note_sets_the_next_action(world, today):
    w = world
    url = reverse("note_create", args=[w.x.pk])
    later = today + timedelta(days=30)
    w.clients.a.post(url, {"kind": "call", "text": "First.", "next_action_on": today})
    w.clients.a.post(url, {"kind": "call", "text": "Second.", "next_action_on": later})
    row, _facts = w.clients.a.get(reverse("caseload")).context["rows"][0]
    assert row.next_action_on == later


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "call", "text": ""}, "text"),
        ({"kind": "call", "text": "   "}, "text"),
        ({"kind": "call", "text": "<script>alert(1)</script>"}, "text"),
        ({"kind": "call", "text": "ok", "next_action_on": "PAST"}, "next_action_on"),
        ({"kind": "call", "text": "ok", "next_action_on": "FAR"}, "next_action_on"),
        ({"kind": "call", "text": "ok", "next_action_on": "not a date"}, "next_action_on"),
        ({"kind": "bogus", "text": "ok"}, "kind"),
    ],
)
def test_bad_note_input_gives_a_field_error_and_saves_nothing(world, today, data, field):
    w = world
    days = {"PAST": today - timedelta(days=1), "FAR": today + timedelta(days=400)}
    if data.get("next_action_on") in days:
        data = {**data, "next_action_on": days[data["next_action_on"]].isoformat()}
    response = w.clients.a.post(reverse("note_create", args=[w.x.pk]), data)
    assert response.status_code == 200
    form = response.context["note_form"]
    assert list(form.errors) == [field]
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not CaseNote.objects.exists()
    assert "<script>alert" not in response.content.decode()


@pytest.mark.parametrize(
    ("day", "accepted"),
    [(date(2026, 3, 1), True), (date(2027, 3, 1), True), (date(2027, 3, 2), False)],
)
def test_the_next_action_may_be_at_most_one_year_ahead(world, day, accepted):
    """On 1 March 2026 "within the next year" ends on 1 March 2027."""
    w = world
    with mock.patch("django.utils.timezone.localdate", return_value=date(2026, 3, 1)):
        response = w.clients.a.post(
            reverse("note_create", args=[w.x.pk]),
            {"kind": "call", "text": "ok", "next_action_on": day.isoformat()},
        )
    assert CaseNote.objects.exists() is accepted
    assert response.status_code == (302 if accepted else 200)


# Proposal review ------------------------------------------------------------------


def trail_entry(actor, from_status, to_status, comment="", between=" · ") -> str:
    """One line of an audit trail as the templates render it (status labels, escaped)."""
    label = Proposal.Status
    text = f"{actor}{between}{label(from_status).label} → {label(to_status).label}"
    if comment:
        text += f" · “{comment}”"
    return escape(text)


def test_review_needs_an_active_grant(db, today):
    y = BorrowerFactory()
    proposal = make_proposal([DebtFactory(borrower=y, first_missed_date=today - timedelta(9))])
    response = client_for(y.user).post(reverse("request_review", args=[proposal.pk]))
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.DRAFT
    assert not ProposalEvent.objects.exists()


def test_another_borrower_cannot_send_xs_proposal_for_review(world):
    w = world
    response = w.clients.y.post(reverse("request_review", args=[w.proposal.pk]))
    assert response.status_code == 404


def test_review_request_approval_and_audit_trail(world):
    w = world
    proposal = w.proposal
    asked = ProposalEvent.objects.get(proposal=proposal)
    assert (asked.actor_name, asked.from_status, asked.to_status) == (
        "Xavier Xu",
        "draft",
        "in_review",
    )
    assert asked.actor == w.x.user
    review_url = reverse("proposal_review", args=[w.x.pk, proposal.pk])

    # The counselor's borrower page links to the review page, which has the form.
    page_url = reverse("counselor_review", args=[w.x.pk, proposal.pk])
    page = w.clients.a.get(reverse("counselor_borrower", args=[w.x.pk])).content.decode()
    assert f'href="{page_url}"' in page
    page = w.clients.a.get(page_url).content.decode()
    assert f'action="{review_url}"' in page

    # Asking for changes without saying which, or what, is refused next to the fields.
    response = w.clients.a.post(review_url, {"decision": "changes", "comment": "  "})
    assert response.status_code == 200
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.IN_REVIEW
    assert ProposalEvent.objects.count() == 1
    assert set(response.context["form"].errors) == {"section", "comment"}
    assert 'id="id_comment_error"' in response.content.decode()

    response = w.clients.a.post(review_url, {"decision": "approve", "comment": "Looks right."})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.APPROVED
    approved = ProposalEvent.objects.filter(proposal=proposal).latest("pk")
    assert (approved.actor, approved.actor_name) == (w.a.user, "Counselor A")
    assert (approved.from_status, approved.to_status) == ("in_review", "approved")
    assert approved.comment == "Looks right."
    edit = AccessEvent.objects.get(action=AccessEvent.Action.EDIT)
    assert (edit.borrower, edit.counselor) == (w.x, w.a)

    # Once decided, it cannot be reviewed again.
    assert w.clients.a.post(review_url, {"decision": "approve"}).status_code == 404

    # The borrower sees the audit trail on the proposal page.
    response = w.clients.x.get(reverse("proposal_detail", args=[proposal.pk]))
    assert response.status_code == 200
    assert list(response.context["events"]) == [asked, approved]
    html = response.content.decode()
    assert 'class="audit"' in html
    assert trail_entry("Xavier Xu", "draft", "in_review") in html
    assert trail_entry("Counselor A", "in_review", "approved", "Looks right.") in html

    # And so does the counselor, on the borrower page.
    page = w.clients.a.get(reverse("counselor_borrower", args=[w.x.pk])).content.decode()
    lender = f" · {w.proposal.lender_name}: "
    assert trail_entry("Counselor A", "in_review", "approved", "Looks right.", lender) in page


def test_requesting_changes_with_a_comment_goes_back_to_the_borrower(world):
    w = world
    review_url = reverse("proposal_review", args=[w.x.pk, w.proposal.pk])
    response = w.clients.a.post(
        review_url,
        {"decision": "changes", "section": "amount", "comment": "Start with a smaller amount."},
    )
    assert response.status_code == 302
    w.proposal.refresh_from_db()
    assert w.proposal.status == Proposal.Status.CHANGES_REQUESTED
    event = ProposalEvent.objects.latest("pk")
    assert (event.from_status, event.to_status) == ("in_review", "changes")
    assert event.comment == "Start with a smaller amount."
    assert event.section == "amount"
    html = w.clients.x.get(reverse("proposal_detail", args=[w.proposal.pk])).content.decode()
    assert "Start with a smaller amount." in html
    # Next to the amount, in the terms section of the borrower's page.
    terms = html[html.index('id="terms"') : html.index('id="versions"')]
    assert 'id="review-amount"' in terms and "Start with a smaller amount." in terms
    # The borrower can send it for review again.
    assert reverse("request_review", args=[w.proposal.pk]) in html
    w.clients.x.post(reverse("request_review", args=[w.proposal.pk]))
    w.proposal.refresh_from_db()
    assert w.proposal.status == Proposal.Status.IN_REVIEW


def test_a_review_comment_with_markup_is_refused(world):
    w = world
    review_url = reverse("proposal_review", args=[w.x.pk, w.proposal.pk])
    w.clients.a.post(review_url, {"decision": "changes", "comment": "<b>no</b>"})
    w.proposal.refresh_from_db()
    assert w.proposal.status == Proposal.Status.IN_REVIEW
    assert ProposalEvent.objects.count() == 1


def test_only_the_review_endpoint_of_an_in_review_proposal_exists(world):
    w = world
    draft = make_proposal([w.debt])
    url = reverse("proposal_review", args=[w.x.pk, draft.pk])
    assert w.clients.a.post(url, {"decision": "approve"}).status_code == 404
    draft.refresh_from_db()
    assert draft.status == Proposal.Status.DRAFT
