"""Endpoints that read parameters without a Form class (filters, decisions,
tokens in the path): generated input never causes a server error, and changes
only what the endpoint is meant to change."""

import copy
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from repayment_plans.models import Proposal
from repayment_plans.proposals import services as proposal_services
from tests.fuzz.registry import World, changed_tables, snapshot
from tests.fuzz.test_forms import PHASES, RANDOM
from tests.fuzz.values import HUGE, TEXTS, URL_HUGE, hostile


@dataclass
class Endpoint:
    name: str
    url: object  # (world, path_value) -> str
    params: dict  # name -> valid values
    persona: str | None = "alice"
    method: str = "get"
    may_change: tuple = ()  # tables an accepted request may change
    setup: object = None
    path_values: bool = False  # fuzz a value in the path too
    headers: dict = field(default_factory=dict)


def in_review(world):
    proposal = world.proposal
    proposal_services.change_status(proposal, Proposal.Status.IN_REVIEW, world.alice.user)
    return proposal


ENDPOINTS = [
    Endpoint(
        "caseload",
        url=lambda w, v: reverse("caseload"),
        params={
            "tier": ["severe", "moderate", "light", "current"],
            "state": ["waiting", "draft", "in_review", "sent", "agreed", "refused"],
            "needs_action": ["1", "on"],
            "q": ["Alice", "ali", "王"],
            "sort": ["urgency", "name", "overdue", "-overdue"],
            "page": ["1", "2", "last", "0", "-1"],
            "format": ["csv"],
        },
        persona="charlie",
        may_change=("borrowers.Triage",),
        headers={"HTTP_HX_REQUEST": "true"},
    ),
    Endpoint(
        "counselor_next_action_row",
        url=lambda w, v: reverse("counselor_next_action", args=[w.alice.pk]),
        params={"cancel": ["1", ""]},
        persona="charlie",
        may_change=("borrowers.Triage",),
        headers={"HTTP_HX_REQUEST": "true"},
    ),
    Endpoint(
        "proposal_review",
        url=lambda w, v: reverse("proposal_review", args=[w.alice.pk, w.proposal.pk]),
        params={"decision": ["approve", "changes"], "comment": ["Lower the amount.", "好"]},
        persona="charlie",
        method="post",
        setup=in_review,
        may_change=(
            "repayment_plans.Proposal",
            "repayment_plans.ProposalEvent",
            "repayment_plans.Reminder",  # the borrower is told of the review
            "borrowers.AccessEvent",
            "borrowers.Triage",
            "borrowers.PositionStamp",  # the status is part of the position
        ),
    ),
    Endpoint(
        "access_edit",
        url=lambda w, v: reverse("access_edit", args=[w.alice.grants.get().pk]),
        params={"can_edit": ["1", "0", ""]},
        method="post",
        may_change=("borrowers.AccessGrant", "borrowers.AccessEvent"),
    ),
    Endpoint(
        "calendar_settings",
        url=lambda w, v: reverse("calendar_settings"),
        params={"action": ["renew", "revoke"]},
        method="post",
        may_change=("repayment_plans.CalendarFeed",),
    ),
    Endpoint(
        "set_language",
        url=lambda w, v: reverse("set_language"),
        params={"language": ["en", "zh-hans"], "next": ["/dashboard/", "//evil.example/"]},
        method="post",
        may_change=("borrowers.User",),
    ),
    Endpoint(
        "calendar_feed",
        url=lambda w, v: reverse("calendar_feed", args=["t"]).replace("/t.ics", f"/{v}.ics"),
        params={},
        persona=None,
        path_values=True,
    ),
    Endpoint(
        "unsubscribe",
        url=lambda w, v: reverse("unsubscribe", args=["t"]).replace("/t/", f"/{v}/"),
        params={"action": ["resubscribe"]},
        persona=None,
        method="post",
        path_values=True,
    ),
    Endpoint(
        "collection_contact_prefill",
        url=lambda w, v: reverse("collection_contact_create") + f"?debt={v}",
        params={},
        path_values=True,
    ),
    Endpoint(
        "dispute_create_prefill",
        url=lambda w, v: reverse("dispute_create") + f"?debt={v}",
        params={},
        path_values=True,
    ),
]

PATH_VALUES = st.one_of(
    st.sampled_from(TEXTS),
    hostile(URL_HUGE),
    st.text(max_size=30),
).map(lambda v: quote(v, safe=""))


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return World()


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_fuzzed_parameters(endpoint, world):
    if endpoint.setup:
        endpoint.setup(world)
    client = Client()
    user = world.persona(endpoint.persona)
    if user is not None:
        client.force_login(user)
    cookies = client.cookies

    value = hostile(HUGE if endpoint.method == "post" else URL_HUGE)
    params = st.fixed_dictionaries(
        {},
        optional={
            name: st.one_of(st.sampled_from(values), value, st.lists(value, max_size=3))
            for name, values in endpoint.params.items()
        },
    )

    @settings(
        max_examples=100,
        deadline=None,
        derandomize=not RANDOM,
        database=None,
        phases=PHASES,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )
    @given(data=params, path_value=PATH_VALUES if endpoint.path_values else st.just(""))
    def run(data, path_value):
        savepoint = transaction.savepoint_create()
        try:
            client.cookies = copy.deepcopy(cookies)
            before = snapshot()
            url = endpoint.url(world, path_value)
            response = getattr(client, endpoint.method)(url, data, **endpoint.headers)
            assert response.status_code < 500
            changed = set(changed_tables(before, snapshot()))
            assert changed <= set(endpoint.may_change), changed
        finally:
            transaction.savepoint_rollback(savepoint)

    run()
