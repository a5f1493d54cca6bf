"""A counselor edits a borrower's debt only when the borrower allowed it."""

from decimal import Decimal

import pytest
from django.urls import reverse

from borrowers.models import AccessEvent, AccessGrant
from tests.borrowers.test_debt_views import debt_data
from tests.factories import PASSWORD, CounselorFactory, DebtFactory


@pytest.fixture
def grant(alice, charlie):
    return AccessGrant.objects.create(borrower=alice, counselor=charlie)


@pytest.fixture
def charlie_client(client, charlie):
    client.login(email=charlie.user.email, password=PASSWORD)
    return client


def edit_url(alice, debt):
    return reverse("counselor_debt_edit", args=[alice.pk, debt.pk])


def test_read_only_by_default(charlie_client, alice, grant):
    debt = DebtFactory(borrower=alice)
    assert charlie_client.get(edit_url(alice, debt)).status_code == 404
    assert charlie_client.post(edit_url(alice, debt), debt_data(principal="1")).status_code == 404
    debt.refresh_from_db()
    assert debt.principal == Decimal("6500.00")


def test_the_borrower_allows_edits_and_every_edit_is_recorded_by_name(
    alice_client, client, alice, charlie, grant
):
    debt = DebtFactory(borrower=alice, nickname="card")
    alice_client.post(reverse("access_edit", args=[grant.pk]), {"can_edit": "1"})
    grant.refresh_from_db()
    assert grant.can_edit
    client.logout()
    client.login(email=charlie.user.email, password=PASSWORD)
    response = client.post(edit_url(alice, debt), debt_data(principal="6400", nickname="card"))
    assert response.status_code == 302
    debt.refresh_from_db()
    assert debt.principal == Decimal("6400.00")
    event = AccessEvent.objects.filter(action="edit").get()
    assert event.counselor == charlie and "principal" in event.detail
    client.logout()
    client.login(email=alice.user.email, password=PASSWORD)
    assert "principal" in client.get(reverse("access")).content.decode()


def test_bad_input_from_a_counselor_saves_nothing(charlie_client, alice, grant):
    grant.can_edit = True
    grant.save()
    debt = DebtFactory(borrower=alice)
    response = charlie_client.post(edit_url(alice, debt), debt_data(principal="-5"))
    assert response.status_code == 200
    assert 'class="field-errors"' in response.content.decode()
    assert not AccessEvent.objects.filter(action="edit").exists()


def test_another_counselor_or_borrower_cannot_edit(client, alice, bob, grant):
    grant.can_edit = True
    grant.save()
    debt = DebtFactory(borrower=alice)
    other = CounselorFactory(agency=grant.counselor.agency)
    client.login(email=other.user.email, password=PASSWORD)
    assert client.post(edit_url(alice, debt), debt_data(principal="1")).status_code == 404
    client.logout()
    client.login(email=bob.user.email, password=PASSWORD)
    assert client.post(edit_url(alice, debt), debt_data(principal="1")).status_code == 404
    # Bob cannot change Alice's grant either.
    assert (
        client.post(reverse("access_edit", args=[grant.pk]), {"can_edit": "0"}).status_code == 404
    )
    debt.refresh_from_db()
    assert debt.principal == Decimal("6500.00")
