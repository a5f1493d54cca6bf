"""Password reset emails are limited per address and per client address (3 and
10 an hour by default); past a limit the page is the same "check your email"
and nothing is sent."""

import re

from django.urls import reverse

from tests.factories import UserFactory

CLIENT_A = "10.0.0.1"
CLIENT_B = "10.0.0.2"


def ask(client, email, ip=CLIENT_A, **extra):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=ip, **extra)


def visible(response) -> str:
    """The page without what differs on every request (CSRF token, CSP nonce)."""
    page = response.content.decode()
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    page = re.sub(r'"X-CSRFToken": "[^"]+"', "", page)
    return re.sub(r'nonce="[^"]+"', "", page)


def test_three_emails_an_hour_per_address_and_the_same_page_past_it(client, alice, account_mail):
    unknown = ask(client, "nobody@example.com", ip=CLIENT_B, follow=True)
    sent = [ask(client, "alice@example.com", follow=True) for _ in range(3)]
    assert len(account_mail) == 3
    refused = ask(client, "alice@example.com", follow=True)
    assert len(account_mail) == 3
    # An address without an account, one with, one past the limit: the same answer.
    for response in [*sent, refused]:
        assert response.redirect_chain == unknown.redirect_chain
        assert response.redirect_chain[0] == (reverse("password_reset_done"), 302)
        assert visible(response) == visible(unknown)


def test_letter_case_does_not_evade_the_limit(client, alice, account_mail):
    variants = ["alice@example.com", "ALICE@example.com", "Alice@Example.com", "alicE@EXAMPLE.com"]
    for variant in variants:
        ask(client, variant)
    assert len(account_mail) == 3


def test_another_client_does_not_free_the_address(client, alice, account_mail):
    for ip in ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"]:
        ask(client, "alice@example.com", ip=ip)
    assert len(account_mail) == 3


def test_ten_requests_an_hour_per_client(client, db, account_mail, settings):
    assert settings.ACCOUNT_EMAILS_PER_ADDRESS_HOUR == 3
    assert settings.ACCOUNT_EMAILS_PER_CLIENT_HOUR == 10
    users = [UserFactory() for _ in range(12)]
    for user in users:
        ask(client, user.email)
    assert len(account_mail) == 10
    ask(client, users[-1].email, ip=CLIENT_B)
    assert len(account_mail) == 11


def test_addresses_without_an_account_count_for_the_client_too(client, alice, account_mail):
    for number in range(10):
        ask(client, f"nobody{number}@example.com")
    ask(client, "alice@example.com")
    assert not account_mail
    ask(client, "alice@example.com", ip=CLIENT_B)
    assert len(account_mail) == 1


def test_behind_a_trusted_proxy_each_client_counts_apart(client, db, account_mail, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    users = [UserFactory() for _ in range(11)]
    for user in users[:10]:
        ask(client, user.email, ip="127.0.0.1", HTTP_X_FORWARDED_FOR=f"1.2.3.4, {CLIENT_A}")
    assert len(account_mail) == 10
    # The same proxy, another client: not limited by the first one's requests.
    ask(client, users[10].email, ip="127.0.0.1", HTTP_X_FORWARDED_FOR=CLIENT_B)
    assert len(account_mail) == 11
    # A forged left-hand entry does not make a new client.
    ask(client, users[10].email, ip="127.0.0.1", HTTP_X_FORWARDED_FOR=f"9.9.9.9, {CLIENT_A}")
    assert len(account_mail) == 11


def test_the_counts_are_not_stored_under_the_address(client, alice, account_mail):
    from django.core.cache import cache

    ask(client, "alice@example.com")
    keys = list(cache._cache)  # the test run's local-memory cache
    assert keys and not any("alice" in key or CLIENT_A in key for key in keys)
