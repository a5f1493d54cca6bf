"""Alice owns the debt; Bob, another borrower, and Charlie, a counselor, must
reach none of it, by any URL, with GET or POST."""

import pytest
from django.urls import reverse

from borrowers.models import Debt
from tests.factories import PASSWORD, DebtFactory

OBJECT_URLS = ["debt_detail", "debt_edit", "debt_delete"]


@pytest.fixture
def alice_debt(alice):
    return DebtFactory(borrower=alice, nickname="alice's")


@pytest.mark.parametrize("name", OBJECT_URLS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_borrower_gets_404_and_changes_nothing(bob_client, alice_debt, name, method):
    url = reverse(name, args=[alice_debt.pk])
    data = {"nickname": "bob was here", "principal": "1", "profile": alice_debt.profile_id}
    response = getattr(bob_client, method)(url, data)
    # The detail page takes only GET, for everyone: 405 before any lookup.
    expected = 405 if (name, method) == ("debt_detail", "post") else 404
    assert response.status_code == expected
    alice_debt.refresh_from_db()
    assert alice_debt.nickname == "alice's"


@pytest.mark.parametrize("name", OBJECT_URLS)
def test_the_owner_reaches_her_debt(alice_client, alice_debt, name):
    assert alice_client.get(reverse(name, args=[alice_debt.pk])).status_code == 200


@pytest.mark.parametrize("name", OBJECT_URLS)
def test_anonymous_is_sent_to_login(client, alice_debt, name):
    response = client.post(reverse(name, args=[alice_debt.pk]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
    assert Debt.objects.filter(pk=alice_debt.pk).exists()


@pytest.mark.parametrize("name", OBJECT_URLS)
def test_a_counselor_without_access_sees_nothing(client, charlie, alice_debt, name):
    client.login(email=charlie.user.email, password=PASSWORD)
    response = client.post(reverse(name, args=[alice_debt.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("caseload")
    assert "alice's" not in response.content.decode()
    assert Debt.objects.filter(pk=alice_debt.pk, nickname="alice's").exists()


def test_bob_dashboard_does_not_list_alices_debt(bob_client, alice_debt):
    assert "alice's" not in bob_client.get(reverse("dashboard")).content.decode()
