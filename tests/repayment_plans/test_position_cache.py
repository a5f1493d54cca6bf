"""The kept position (repayment_plans/position/load.py, docs/architecture.md).

A borrower's position, and what pages derive from it alone (the timeline body,
the strategies), is computed once and kept under the borrower's position stamp;
every write to what it is computed from renews the stamp. These tests turn
POSITION_CACHE_CHECK off, so that a stale value would be served, and compare
what is served with a position computed from the database.
"""

import pickle
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from borrowers.accounts.backends import ModelBackend
from borrowers.accounts.models import POSITION_DEBTS
from borrowers.debts.views import _card_html, build_overview
from borrowers.models import Borrower, Debt, PositionStamp, ProductProfile
from borrowers.signals import request_began, request_ended
from repayment_plans.plans import services as plan_services
from repayment_plans.position.load import (
    RecentlyKept,
    StalePosition,
    compute_position,
    load_position,
    recently_kept,
)
from repayment_plans.proposals import services as proposal_services
from tests.repayment_plans.conftest import make_proposal


@pytest.fixture(autouse=True)
def served_as_kept(settings):
    settings.POSITION_CACHE_CHECK = False


def fresh(borrower, today):
    return compute_position(borrower.pk, today)


def agree(proposal, amount: str, first_due):
    """The lender's agreement: a 12-month plan of ``amount`` yuan."""
    return plan_services.create_plan(
        proposal,
        amount=Decimal(amount),
        months=12,
        first_due=first_due,
        method="equal_principal",
        annual_percent=Decimal("0"),
        good_faith=Decimal("0"),
    )


def test_a_kept_position_is_served_without_reading_the_debts_again(alice, huabei_debt, today):
    first = load_position(alice, today)
    with CaptureQueriesContext(connection) as queries:
        again = load_position(alice, today)
    assert again == first
    # The stamp alone: no debt, proposal or plan is read.
    assert [q["sql"] for q in queries] and all(
        "positionstamp" in q["sql"] for q in queries.captured_queries
    )


def test_a_value_this_process_kept_is_served_without_the_shared_cache(alice, huabei_debt, today):
    """Each process holds what it kept or read last (RecentlyKept): emptying the
    shared cache does not make the page compute again; a write still does."""
    first = load_position(alice, today)
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        again = load_position(alice, today)
    assert again is first  # the same object: no unpickling, no computation
    assert not any("borrowers_debt" in q["sql"] for q in queries.captured_queries)
    huabei_debt.principal = Decimal("6500.00")
    huabei_debt.save()
    after = load_position(alice, today)
    assert after != first and after == fresh(alice, today)
    # A process that never saw the value reads it from the shared cache.
    recently_kept.clear()
    assert load_position(alice, today) == after


def test_a_process_holds_the_values_used_last_up_to_its_size():
    recent = RecentlyKept(2)
    recent.put("a", 1)
    recent.put("b", 2)
    assert recent.get("a") == 1  # now the most recently used
    recent.put("c", 3)
    assert (recent.get("a"), recent.get("b"), recent.get("c")) == (1, None, 3)
    nothing = RecentlyKept(0)  # POSITION_CACHE_RECENT=0
    nothing.put("a", 1)
    assert nothing.get("a") is None


def test_every_kind_of_write_is_seen_at_once(alice, huabei_debt, weilidai_debt, today):
    """Debts, proposals (and which debts they cover), plans, payments, the budget and
    the product profile: after each, the served position is the one computed now."""
    served = [load_position(alice, today)]

    def check():
        current = load_position(alice, today)
        assert current == fresh(alice, today)
        assert current != served[-1]  # the write changed something the page shows
        served.append(current)

    huabei_debt.principal = Decimal("6500.00")
    huabei_debt.save()
    check()

    proposal = make_proposal([huabei_debt])  # created, then its debts set
    check()

    proposal.debts.add(weilidai_debt)
    check()

    version = proposal_services.finalise(proposal, today, "zh-hans")
    check()

    plan = agree(version.proposal, "6650.00", today - timedelta(days=40))
    check()

    plan_services.record_payment(plan, Decimal("300.00"), today)
    check()

    alice.monthly_net_income = Decimal("20000")
    alice.save()
    check()

    profile = ProductProfile.objects.get(pk=weilidai_debt.profile_id)
    profile.grace_days += 5
    profile.save()
    check()

    weilidai_debt.delete()
    check()


def test_a_write_that_bypasses_the_stamp_is_caught_by_the_check(
    settings, alice, huabei_debt, today
):
    """POSITION_CACHE_CHECK (on in the test suite) fails loudly on a stale value."""
    load_position(alice, today)
    Debt.objects.filter(pk=huabei_debt.pk).update(principal=Decimal("1.00"))  # no signal
    assert load_position(alice, today) != fresh(alice, today)  # served stale: the bug
    settings.POSITION_CACHE_CHECK = True
    with pytest.raises(StalePosition):
        load_position(alice, today)


def test_the_stamp_read_with_the_user_holds_until_a_write_in_the_same_request(
    alice, huabei_debt, today
):
    request_began(sender=None)  # what request_started runs, without closing connections
    user = ModelBackend().get_user(alice.user.pk)
    borrower = user.borrower
    load_position(borrower, today)
    with CaptureQueriesContext(connection) as queries:
        load_position(borrower, today)
    assert len(queries) == 0  # the stamp came with the user

    huabei_debt.principal = Decimal("9000.00")
    huabei_debt.save()  # the in-memory stamp is now old
    assert load_position(borrower, today) == fresh(alice, today)
    served = load_position(borrower, today).by_debt(huabei_debt.pk)
    assert served.debt.principal == Decimal("9000.00")

    # The stamp the write gave is known to the request without reading it back.
    with CaptureQueriesContext(connection) as queries:
        stamp = PositionStamp.of(borrower)
        load_position(borrower, today)
    assert len(queries) == 0
    assert stamp == PositionStamp.objects.get(borrower=alice).stamp

    # Out of a request, every read asks the database (another process may write).
    request_ended(sender=None)
    PositionStamp.objects.filter(borrower=alice).update(stamp=uuid.uuid4())
    with CaptureQueriesContext(connection) as queries:
        assert PositionStamp.of(borrower) == PositionStamp.objects.get(borrower=alice).stamp
    assert len(queries) == 2


def test_a_borrower_read_without_the_stamp_has_it_read_once_per_request(alice, huabei_debt, today):
    """A counselor's page reads a borrower without the stamp: the first read in the
    request is kept for the rest of it (the position, the overview, the debts)."""
    request_began(sender=None)
    try:
        borrower = Borrower.objects.get(pk=alice.pk)
        with CaptureQueriesContext(connection) as queries:
            build_overview(borrower, today)
            assert PositionStamp.of(borrower) == PositionStamp.objects.get(borrower=alice).stamp
        stamp_reads = [q for q in queries.captured_queries if "positionstamp" in q["sql"]]
        assert len(stamp_reads) == 2  # the first read, and the assertion's own
    finally:
        request_ended(sender=None)


def test_the_signed_in_user_comes_with_the_profile_and_the_stamp(alice_client, alice):
    request = RequestFactory().get("/")
    request.session = alice_client.session
    assert request.session.get("_auth_user_id")  # the session itself is read apart
    with CaptureQueriesContext(connection) as queries:
        user = get_user(request)
        stamp = user.borrower.position_stamp.stamp
    assert len(queries) == 1
    assert stamp == PositionStamp.objects.get(borrower=alice).stamp


def test_a_borrower_without_a_stamp_gets_one_on_the_first_read(alice, huabei_debt, today):
    PositionStamp.objects.filter(borrower=alice).delete()
    assert load_position(alice, today) == fresh(alice, today)
    assert PositionStamp.objects.filter(borrower=alice).exists()


def test_positions_are_kept_per_language(alice, today):
    from tests.factories import DebtFactory

    debt = DebtFactory(borrower=alice, nickname="", first_missed_date=today - timedelta(days=10))
    with translation.override("zh-hans"):
        chinese = load_position(alice, today).by_debt(debt.pk).debt.label
    with translation.override("en"):
        english = load_position(alice, today).by_debt(debt.pk).debt.label
    assert chinese == f"{debt.lender_name} · {debt.profile.name}"
    assert english == f"{debt.lender_name} · {debt.profile.name_en}"


def test_a_cache_that_does_not_answer_costs_time_only(settings, alice_client, huabei_debt):
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        },
        "fragments": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    response = alice_client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert huabei_debt.nickname in response.content.decode()


def timeline_body(client) -> str:
    html = client.get(reverse("timeline")).content.decode()
    return html.split('<div id="timeline-body">', 1)[1].split("</main>", 1)[0]


def test_the_timeline_body_follows_a_payment(settings, alice_client, huabei_debt, today):
    proposal = make_proposal([huabei_debt], months=12)
    version = proposal_services.finalise(proposal, today, "zh-hans")
    plan = agree(version.proposal, "6150.00", today - timedelta(days=1))
    before = timeline_body(alice_client)
    with CaptureQueriesContext(connection) as queries:
        again = timeline_body(alice_client)
    assert again == before
    assert not any("repayment_plans_installment" in q["sql"] for q in queries.captured_queries)

    plan_services.record_payment(plan, Decimal("512.50"), today)
    after = timeline_body(alice_client)
    assert after != before
    settings.POSITION_CACHE_SECONDS = 0  # computed and rendered on every read
    assert timeline_body(alice_client) == after


def test_a_kept_overview_carries_neither_the_prefetched_position_nor_the_requests_debts(
    alice, huabei_debt, weilidai_debt, today
):
    """The debts the position was read with are reused by the overview; what goes
    into the cache must not drag the position's prefetch (proposals, plans,
    installments) nor the request's remembered debts with them."""
    proposal = make_proposal([huabei_debt], months=12)
    version = proposal_services.finalise(proposal, today, "zh-hans")
    agree(version.proposal, "6150.00", today - timedelta(days=1))
    borrower = Borrower.objects.get(pk=alice.pk)
    load_position(borrower, today)  # computed: its debts are remembered on borrower
    with CaptureQueriesContext(connection) as queries:
        overview = build_overview(borrower, today)
    assert not any('FROM "borrowers_debt"' in q["sql"] for q in queries.captured_queries)

    kept = pickle.loads(pickle.dumps(overview))
    assert [row.debt.pk for row in kept.rows] == [row.debt.pk for row in overview.rows]
    owner = kept.rows[0].debt.borrower
    assert owner.pk == alice.pk
    assert "_prefetched_objects_cache" not in owner.__dict__
    assert POSITION_DEBTS not in owner.__dict__
    assert POSITION_DEBTS in borrower.__dict__  # still there for this request


def debts_section(client) -> str:
    html = client.get(reverse("dashboard")).content.decode()
    return html.split('<section id="debts"', 1)[1].split("</section>", 1)[0]


def test_the_overviews_debts_section_is_rendered_once_and_follows_every_write(
    settings, alice_client, huabei_debt, today
):
    """The dashboard's debts section is kept as HTML with the position (like the
    timeline's body): served again without reading the debts, rendered anew after
    a write, and kept per language."""
    before = debts_section(alice_client)
    assert huabei_debt.nickname in before
    with CaptureQueriesContext(connection) as queries:
        again = debts_section(alice_client)
    assert again == before
    assert not any('FROM "borrowers_debt"' in q["sql"] for q in queries.captured_queries)

    huabei_debt.nickname = "装修借款"
    huabei_debt.principal += Decimal("1000")
    huabei_debt.save()
    after = debts_section(alice_client)
    assert "装修借款" in after and after != before
    kept_for = settings.POSITION_CACHE_SECONDS
    settings.POSITION_CACHE_SECONDS = 0  # rendered on every read
    assert debts_section(alice_client) == after
    settings.POSITION_CACHE_SECONDS = kept_for

    chinese = debts_section(alice_client)
    alice_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = debts_section(alice_client)
    assert "Total owed" in english and "Total owed" not in chinese


def test_a_write_renders_again_only_the_cards_it_changed(
    settings, alice_client, huabei_debt, weilidai_debt
):
    """Each debt's card is rendered once per process for what it shows (the
    language, the debt's printed fields, its position): after a write to one
    debt, the other's card is reused, and the page is the one rendered afresh."""
    _card_html.cache_clear()
    first = debts_section(alice_client)
    assert _card_html.cache_info().misses == 2

    huabei_debt.principal += Decimal("1000")  # its position changes, not its label
    huabei_debt.save()
    after = debts_section(alice_client)
    assert _card_html.cache_info().misses == 3  # the edited debt's card alone
    assert weilidai_debt.label in after and after != first

    _card_html.cache_clear()
    settings.POSITION_CACHE_SECONDS = 0
    assert debts_section(alice_client) == after  # what a fresh render gives

    alice_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    misses = _card_html.cache_info().misses
    english = debts_section(alice_client)
    assert _card_html.cache_info().misses == misses + 2
    assert "Days past due" in english
