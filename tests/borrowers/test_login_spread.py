"""Guesses spread over many client addresses, or over many emails from one
address, are limited too (borrowers.accounts.throttle.AxesHandler): an email is locked
everywhere after AXES_ACCOUNT_FAILURE_LIMIT failures from any addresses, and an
address is refused for every email after AXES_ADDRESS_FAILURE_LIMIT failures,
both within the cool-off. The per-(email, address) lock of five stays as it is
(tests/borrowers/test_login_throttle.py)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD


def log_in(client, email, password, ip):
    return client.post(reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=ip)


def addresses(count, prefix="10.1"):
    return [f"{prefix}.{n // 250}.{n % 250 + 1}" for n in range(count)]


@pytest.fixture
def en_client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_the_settings(settings):
    assert settings.AXES_HANDLER == "borrowers.accounts.throttle.AxesHandler"
    assert settings.AXES_ACCOUNT_FAILURE_LIMIT == 10
    assert settings.AXES_ADDRESS_FAILURE_LIMIT == 30
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def test_guesses_from_many_addresses_lock_the_email_everywhere(en_client, alice):
    # Two guesses from each of five addresses: no pair reaches five; the tenth
    # failure, like the fifth of a pair, is answered with the lockout page.
    statuses = [
        log_in(en_client, alice.user.email, "guess", ip).status_code
        for ip in addresses(5)
        for _ in range(2)
    ]
    assert statuses == [200] * 9 + [429]
    response = log_in(en_client, alice.user.email, PASSWORD, "10.9.9.9")
    assert response.status_code == 429
    assert "Logging in is paused" in response.content.decode()
    assert "_auth_user_id" not in en_client.session
    # A new password from the reset link ends the lock (borrowers.accounts.lockout).
    from axes.utils import reset

    reset(username=alice.user.email)
    assert log_in(en_client, alice.user.email, PASSWORD, "10.9.9.9").status_code == 302


def test_the_tenth_failure_locks_the_ninth_does_not(en_client, alice, bob):
    for ip in addresses(9):
        log_in(en_client, alice.user.email, "guess", ip)
        log_in(en_client, bob.user.email, "guess", ip)
    assert log_in(en_client, alice.user.email, PASSWORD, "10.9.9.9").status_code == 302
    log_in(en_client, bob.user.email, "guess", "10.9.9.8")
    assert log_in(en_client, bob.user.email, PASSWORD, "10.9.9.9").status_code == 429


def test_the_account_lock_ends_after_the_cool_off(en_client, alice, monkeypatch):
    for ip in addresses(10):
        log_in(en_client, alice.user.email, "guess", ip)
    assert log_in(en_client, alice.user.email, PASSWORD, "10.9.9.9").status_code == 429
    later = timezone.now() + timedelta(minutes=16)
    monkeypatch.setattr("axes.handlers.proxy.now", lambda: later)
    assert log_in(en_client, alice.user.email, PASSWORD, "10.9.9.9").status_code == 302


def test_one_address_trying_many_emails_is_refused(en_client, db, alice, bob):
    for number in range(29):
        log_in(en_client, f"someone{number}@example.com", "guess", "10.6.6.6")
    # A few typos behind a shared address do not lock the others out...
    assert log_in(en_client, alice.user.email, PASSWORD, "10.6.6.6").status_code == 302
    en_client.post(reverse("logout"))
    # ...the thirtieth failure does: even an email it never tried, with the right
    # password, from that address...
    log_in(en_client, "someone29@example.com", "guess", "10.6.6.6")
    assert log_in(en_client, bob.user.email, PASSWORD, "10.6.6.6").status_code == 429
    # ...but not from another one.
    assert log_in(en_client, bob.user.email, PASSWORD, "10.7.7.7").status_code == 302


def test_the_page_says_when_an_account_wide_lock_lifts(en_client, alice):
    from axes.models import AccessAttempt

    # Six failures from six addresses ten minutes ago, four more now: the tenth
    # locks the email everywhere. The lock lifts when the old six age out of
    # the 15-minute cool-off, in five minutes, not fifteen.
    for ip in addresses(6, prefix="10.3"):
        AccessAttempt.objects.create(
            username=alice.user.email,
            ip_address=ip,
            user_agent="",
            get_data="",
            post_data="",
            http_accept="",
            path_info="/accounts/login/",
            failures_since_start=1,
        )
    ten_minutes_ago = timezone.now() - timedelta(minutes=10)
    AccessAttempt.objects.update(attempt_time=ten_minutes_ago)
    statuses = [log_in(en_client, alice.user.email, "guess", ip).status_code for ip in addresses(4)]
    assert statuses == [200, 200, 200, 429]
    page = log_in(en_client, alice.user.email, PASSWORD, "10.9.9.9").content.decode()
    assert "in 5 minutes" in page
    lifts = timezone.localtime(ten_minutes_ago + timedelta(minutes=15))
    assert lifts.strftime("%H:%M") in page
