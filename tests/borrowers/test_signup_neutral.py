"""Sign-up does not tell a visitor whether an email address already has an
account: a new address and a taken one get the same answer ("check your
email"), nobody is logged in, and the owner of a taken address is told by email
(with the password reset). Other mistakes stay form errors."""

import re

import pytest
from django.urls import reverse

from borrowers.models import Borrower, User

PASSPHRASE = "a long enough passphrase 42"


def signup_data(email, **changes):
    data = {
        "email": email,
        "display_name": "张三",
        "password1": PASSPHRASE,
        "password2": PASSPHRASE,
    }
    return {**data, **changes}


@pytest.fixture
def en_client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def visible(response) -> str:
    """The page without what differs on every request (CSRF token, CSP nonce)."""
    page = response.content.decode()
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    page = re.sub(r'"X-CSRFToken": "[^"]+"', "", page)
    return re.sub(r'nonce="[^"]+"', "", page)


def test_a_new_address_gets_an_account_and_a_welcome_email(en_client, db, account_mail):
    response = en_client.post(reverse("signup"), signup_data("New.Person@Example.com"))
    assert response.status_code == 302
    assert response["Location"] == reverse("signup") + "?sent=1"
    user = User.objects.get(email="new.person@example.com")
    assert Borrower.objects.get(user=user).display_name == "张三"
    assert user.language == "en" and user.check_password(PASSPHRASE)
    assert not is_logged_in(en_client)
    (message,) = account_mail
    assert message.to == ["new.person@example.com"]
    assert "account for this email address is ready" in message.body
    assert "http://127.0.0.1:8000/accounts/login/?next=/dashboard/" in message.body
    done = en_client.get(response["Location"])
    assert "Log in to continue" in done.content.decode()


def test_a_taken_address_gets_the_same_answer_and_the_owner_an_email(
    en_client, client, alice, account_mail
):
    new = en_client.post(reverse("signup"), signup_data("newcomer@example.com"), follow=True)
    account_mail.clear()
    taken = client.post(
        reverse("signup"),
        signup_data("ALICE@example.com", display_name="Mallory"),
        headers={"accept-language": "en"},
        follow=True,
    )
    assert taken.redirect_chain == new.redirect_chain
    assert taken.status_code == new.status_code == 200
    assert visible(taken) == visible(new)
    assert "already" not in visible(taken)
    assert not is_logged_in(client)
    assert User.objects.filter(email__iexact="alice@example.com").count() == 1
    assert alice.display_name == Borrower.objects.get(pk=alice.pk).display_name
    (message,) = account_mail
    assert message.to == ["alice@example.com"]
    # In the owner's language (Chinese by default), not the visitor's.
    assert "有人" in message.subject
    assert "http://127.0.0.1:8000/accounts/password_reset/" in message.body


def test_other_mistakes_with_a_taken_address_look_as_with_a_new_one(en_client, alice, account_mail):
    mismatch = {"password2": "another passphrase 43"}
    new = en_client.post(reverse("signup"), signup_data("newcomer@example.com", **mismatch))
    taken = en_client.post(reverse("signup"), signup_data("alice@example.com", **mismatch))
    assert new.status_code == taken.status_code == 200
    assert set(taken.context["form"].errors) == set(new.context["form"].errors) == {"password2"}
    assert visible(taken).replace("alice@", "newcomer@") == visible(new)
    # Other invalid input is still an error next to its field.
    invalid = en_client.post(reverse("signup"), signup_data("not-an-email"))
    assert 'class="field-errors"' in invalid.content.decode().split('id="field-email"')[1]
    assert not account_mail
    assert list(User.objects.values_list("email", flat=True)) == ["alice@example.com"]


def test_the_owner_is_emailed_a_few_times_an_hour_at_most(client, alice, account_mail, settings):
    for _ in range(settings.ACCOUNT_EMAILS_PER_ADDRESS_HOUR + 2):
        response = client.post(reverse("signup"), signup_data("alice@example.com"))
        assert response.status_code == 302
    assert len(account_mail) == settings.ACCOUNT_EMAILS_PER_ADDRESS_HOUR


def test_an_email_that_cannot_be_sent_does_not_change_the_answer(client, alice, smtp_server):
    smtp_server.refuse = 2
    for email in ["newcomer@example.com", "alice@example.com"]:
        response = client.post(reverse("signup"), signup_data(email))
        assert response.status_code == 302
        assert response["Location"] == reverse("signup") + "?sent=1"
    assert not smtp_server.messages
    assert User.objects.filter(email="newcomer@example.com").exists()
