"""The overview costs the same number of queries for 1 debt as for 20."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import DebtFactory, profile

PROFILES = ["huabei", "weilidai", "jiebei", "credit_card", "other_online"]


def add_debts(borrower, count, start=0):
    today = timezone.localdate()
    for n in range(start, start + count):
        DebtFactory(
            borrower=borrower,
            profile=profile(PROFILES[n % len(PROFILES)]),
            nickname=f"Debt {n}",
            first_missed_date=today - timedelta(days=5 + 11 * n),
        )


def dashboard_queries(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.django_db
def test_dashboard_queries_do_not_grow_with_debts(
    alice, alice_client, django_assert_max_num_queries
):
    add_debts(alice, 1)
    one, html = dashboard_queries(alice_client)
    assert "Debt 0" in html

    add_debts(alice, 19, start=1)
    with django_assert_max_num_queries(one):
        twenty, html = dashboard_queries(alice_client)
    assert all(f"Debt {n}<" in html for n in range(20))
    assert twenty <= 10


@pytest.mark.django_db
def test_debts_partial_queries_do_not_grow_with_debts(alice, alice_client):
    """The htmx re-render after an inline delete reads the debts once, however many."""
    add_debts(alice, 3)
    first = alice.debts.first()
    with CaptureQueriesContext(connection) as few:
        response = alice_client.post(
            reverse("debt_delete", args=[first.pk]), HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200

    add_debts(alice, 18, start=3)
    second = alice.debts.first()
    with CaptureQueriesContext(connection) as many:
        response = alice_client.post(
            reverse("debt_delete", args=[second.pk]), HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200
    assert f'id="debt-{second.pk}"' not in response.content.decode()
    assert len(many) <= len(few)
