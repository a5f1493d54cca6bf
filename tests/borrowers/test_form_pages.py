"""One answer for a form that works inline and as a full page (borrowers/pages.py)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from borrowers.models import CollectionContact, Debt
from tests.factories import DebtFactory, profile


@pytest.fixture
def debt_form(db):
    return {
        "profile": str(profile("huabei").pk),
        "lender_name": "",
        "principal": "6500",
        "rate_value": "0",
        "rate_unit": "annual_percent",
        "first_missed_date": (timezone.localdate() - timedelta(days=45)).isoformat(),
    }


def htmx_from(page_path):
    return {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": f"http://testserver{page_path}"}


def test_saved_on_its_own_page_goes_to_the_debt_with_a_message(alice_client, debt_form):
    path = reverse("debt_create")
    response = alice_client.post(path, debt_form, **htmx_from(path))
    debt = Debt.objects.get()
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("debt_detail", args=[debt.pk])
    page = alice_client.get(response["HX-Redirect"]).content.decode()
    assert "债务已添加。" in page


def test_saved_inline_on_the_overview_swaps_the_list_and_shows_the_message(alice_client, debt_form):
    response = alice_client.post(reverse("debt_create"), debt_form, **htmx_from("/dashboard/"))
    assert response["HX-Retarget"] == "#debts"
    page = response.content.decode()
    assert 'id="messages"' in page and 'hx-swap-oob="true"' in page
    assert "HX-Redirect" not in response


def test_without_javascript_it_redirects(alice_client, debt_form):
    response = alice_client.post(reverse("debt_create"), debt_form)
    assert response.status_code == 302
    assert response["Location"] == reverse("debt_detail", args=[Debt.objects.get().pk])


def test_an_error_stays_on_the_form_marked_invalid(alice_client, debt_form):
    debt_form["principal"] = "很多"
    path = reverse("debt_create")
    response = alice_client.post(path, debt_form, **htmx_from(path))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'aria-invalid="true"' in page
    assert not Debt.objects.exists()


def test_the_full_page_cancel_is_a_plain_link(alice_client):
    page = alice_client.get(reverse("debt_create")).content.decode()
    assert 'hx-select="#debts"' not in page
    inline = alice_client.get(reverse("debt_create"), **htmx_from("/dashboard/")).content.decode()
    assert 'hx-select="#debts"' in inline


def test_a_contact_recorded_from_the_debt_page_lands_on_the_log(alice_client, alice):
    debt = DebtFactory(borrower=alice)
    path = reverse("collection_contact_create")
    data = {
        "occurred_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "channel": "call",
        "who": "某催收公司",
        "debt": str(debt.pk),
    }
    response = alice_client.post(f"{path}?debt={debt.pk}", data, **htmx_from(path))
    contact = CollectionContact.objects.get()
    assert response["HX-Redirect"] == f"{reverse('collection_log')}#contact-{contact.pk}"
    # It lands on the contact, below the messages at the top: the message floats (a toast).
    page = alice_client.get(response["HX-Redirect"]).content.decode()
    assert 'class="messages-region toast"' in page and "已记录这次联系。" in page


def test_a_message_on_a_page_opened_at_its_top_stays_in_place(alice_client, debt_form):
    response = alice_client.post(reverse("debt_create"), debt_form, follow=True)
    page = response.content.decode()
    assert "债务已添加。" in page
    assert 'class="messages-region"' in page and "toast" not in page
