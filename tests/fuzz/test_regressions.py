"""Bugs the fuzzing found, one test each (they fail on PostgreSQL, or on both
databases, without the fix)."""

from datetime import timedelta

import pytest
from django.urls import reverse

from repayment_plans.models import LenderAnswer, Plan, Proposal, ProposalEvent
from repayment_plans.proposals import services as proposal_services
from tests.fuzz.registry import World


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return World()


@pytest.fixture
def en(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_a_caseload_search_with_a_nul_is_a_search_without_it(en, world):
    en.force_login(world.charlie.user)
    response = en.get(reverse("caseload"), {"q": "Ali\x00ce"})
    assert response.status_code == 200
    assert "Alice" in response.content.decode()


def test_a_review_comment_with_control_characters_is_refused(en, world):
    proposal_services.change_status(world.proposal, Proposal.Status.IN_REVIEW, world.alice.user)
    en.force_login(world.charlie.user)
    url = reverse("proposal_review", args=[world.alice.pk, world.proposal.pk])
    response = en.post(url, {"decision": "changes", "comment": "lower\x00 it"}, follow=True)
    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()
    assert Proposal.objects.get(pk=world.proposal.pk).status == Proposal.Status.IN_REVIEW
    assert not ProposalEvent.objects.filter(comment__contains="lower").exists()


def test_a_calendar_feed_token_with_a_nul_is_not_found(client, db):
    assert client.get("/calendar/feed/abc%00def.ics").status_code == 404


def test_a_preselected_debt_in_superscript_digits_is_ignored(client, world):
    client.force_login(world.alice.user)
    response = client.get(reverse("collection_contact_create"), {"debt": "²"})
    assert response.status_code == 200


def answer(world, first_due):
    return {
        "kind": "countered",
        "answered_on": world.today.isoformat(),
        "counter_months": "12",
        "counter_method": "interest_free",
        "counter_first_due_date": first_due,
        "accept_counter": "on",
    }


def test_a_counter_offer_starting_in_year_9999_is_a_form_error(en, world):
    world.version  # noqa: B018 - the proposal must have been finalised
    en.force_login(world.alice.user)
    url = reverse("proposal_answer", args=[world.proposal.pk])
    response = en.post(url, answer(world, "9999-12-01"))
    assert response.status_code == 200
    assert "Start within a year." in response.content.decode()
    assert not LenderAnswer.objects.exists() and not Plan.objects.exists()
    within = (world.today + timedelta(days=60)).isoformat()
    assert en.post(url, answer(world, within)).status_code == 302
    assert Plan.objects.get().first_due_date.isoformat() == within


@pytest.mark.parametrize("url_name", ["login", "admin:login"])
def test_an_over_long_login_name_is_a_form_error(en, db, url_name):
    from axes.models import AccessAttempt

    response = en.post(reverse(url_name), {"username": "x" * 100_000, "password": "secret"})
    assert response.status_code == 200
    assert "Ensure this value has at most 254 characters" in response.content.decode()
    assert not AccessAttempt.objects.exists()


@pytest.mark.parametrize("url_name", ["proposal_detail", "proposal_preview"])
@pytest.mark.parametrize("debt", ["9" * 30, "9" * 100_000, "9223372036854775808", "-1", "１"])
def test_a_debt_id_that_cannot_be_a_row_is_a_form_error(client, world, url_name, debt):
    client.force_login(world.alice.user)
    url = reverse(url_name, args=[world.proposal.pk])
    data = {"debts": debt, "method": "interest_free", "months": "6"}
    response = (client.post if url_name == "proposal_detail" else client.get)(url, data)
    assert response.status_code == 200
    assert "debts" in response.context["form"].errors
    assert list(world.fresh(world.proposal).debts.all()) == [world.huabei]
