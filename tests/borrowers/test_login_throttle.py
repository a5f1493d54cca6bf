"""Login throttling (django-axes): five failures for one email from one address
pause logging in there for the cool-off; the person is told until when, and the
password reset stays open."""

import os
import subprocess
import sys
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from borrowers.models import User
from tests.factories import PASSWORD

ALICE_IP = "10.0.0.1"
BOB_IP = "10.0.0.2"


@pytest.fixture
def en_client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def log_in(client, email, password, ip=ALICE_IP):
    return client.post(reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=ip)


def fail(client, email, times, ip=ALICE_IP):
    return [log_in(client, email, "wrong password", ip) for _ in range(times)]


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_throttle_is_on_in_tests_with_the_defaults():
    assert settings.AXES_ENABLED
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_RESET_ON_SUCCESS


def test_limit_and_cool_off_come_from_the_environment():
    base = {k: v for k, v in os.environ.items() if not k.startswith("AXES_")}
    code = (
        "from django.conf import settings; "
        "print(settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME.total_seconds())"
    )
    env = {**base, "DEBUG": "true", "AXES_FAILURE_LIMIT": "3", "AXES_COOLOFF_MINUTES": "60"}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["3", "3600.0"]
    env["AXES_FAILURE_LIMIT"] = "five"
    bad = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert bad.returncode != 0


def test_failures_before_the_limit_are_form_errors(en_client, alice):
    for response in fail(en_client, alice.user.email, 4):
        assert response.status_code == 200
        assert 'class="errors"' in response.content.decode()


def test_the_fifth_failure_locks_with_a_friendly_page(en_client, alice):
    fail(en_client, alice.user.email, 4)
    before = timezone.localtime()
    response = fail(en_client, alice.user.email, 1)[0]
    assert response.status_code == 429
    page = response.content.decode()
    assert "Logging in is paused" in page
    assert "Please try again after" in page
    until = before + settings.AXES_COOLOFF_TIME
    assert (
        until.strftime("%H:%M") in page or (until + timedelta(minutes=1)).strftime("%H:%M") in page
    )
    assert "in 15 minutes" in page
    assert reverse("password_reset") in page
    assert "Account locked" not in page  # not axes' bare text


def test_the_right_password_is_refused_during_the_lockout(en_client, alice):
    fail(en_client, alice.user.email, 5)
    response = log_in(en_client, alice.user.email, PASSWORD)
    assert response.status_code == 429
    assert not is_logged_in(en_client)
    assert en_client.get(reverse("dashboard")).status_code == 302


def test_attempts_during_the_lockout_do_not_prolong_it(en_client, alice, monkeypatch):
    fail(en_client, alice.user.email, 5)
    first = AccessAttempt.objects.get().attempt_time
    travel(monkeypatch, minutes=10)
    assert log_in(en_client, alice.user.email, "still wrong").status_code == 429
    assert AccessAttempt.objects.get().attempt_time == first


def travel(monkeypatch, minutes):
    """Move axes' clock (the time it stamps on and compares attempts with)."""
    moved = timezone.now() + timedelta(minutes=minutes)
    monkeypatch.setattr("axes.handlers.proxy.now", lambda: moved)


def test_the_lock_ends_after_the_cool_off(en_client, alice, monkeypatch):
    fail(en_client, alice.user.email, 5)
    travel(monkeypatch, minutes=14)
    assert log_in(en_client, alice.user.email, PASSWORD).status_code == 429
    travel(monkeypatch, minutes=16)
    response = log_in(en_client, alice.user.email, PASSWORD)
    assert response.status_code == 302
    assert is_logged_in(en_client)


def test_axes_reset_ends_the_lock(en_client, alice):
    from axes.utils import reset

    fail(en_client, alice.user.email, 5)
    assert reset(username=alice.user.email) == 1
    assert log_in(en_client, alice.user.email, PASSWORD).status_code == 302


def test_a_success_resets_the_counter(en_client, alice):
    fail(en_client, alice.user.email, 4)
    assert log_in(en_client, alice.user.email, PASSWORD).status_code == 302
    en_client.post(reverse("logout"))
    assert [r.status_code for r in fail(en_client, alice.user.email, 4)] == [200] * 4
    assert fail(en_client, alice.user.email, 1)[0].status_code == 429


def test_letter_case_does_not_evade_the_limit(en_client, alice):
    variants = ["alice@example.com", "ALICE@example.com", "Alice@Example.com", " alice@EXAMPLE.com"]
    fail(en_client, variants[0], 1)
    for variant in variants[1:]:
        fail(en_client, variant, 1)
    assert log_in(en_client, "aLiCe@example.com", "wrong").status_code == 429
    assert AccessAttempt.objects.get().username == "alice@example.com"


def test_one_locked_account_does_not_lock_another_user_elsewhere(en_client, alice, bob):
    fail(en_client, alice.user.email, 5)
    other = Client(headers={"accept-language": "en"})
    response = other.post(
        reverse("login"), {"username": bob.user.email, "password": PASSWORD}, REMOTE_ADDR=BOB_IP
    )
    assert response.status_code == 302


def test_the_same_address_may_still_log_in_to_another_account(en_client, alice, bob):
    fail(en_client, alice.user.email, 5)
    assert log_in(en_client, bob.user.email, PASSWORD).status_code == 302


def test_the_locked_email_from_another_address_is_not_locked(en_client, alice):
    fail(en_client, alice.user.email, 5)
    assert log_in(en_client, alice.user.email, PASSWORD, ip=BOB_IP).status_code == 302


def test_sign_up_works_from_a_locked_address(en_client, alice):
    fail(en_client, alice.user.email, 5)
    response = en_client.post(
        reverse("signup"),
        {
            "email": "newcomer@example.com",
            "display_name": "Newcomer",
            "password1": "a long enough passphrase 42",
            "password2": "a long enough passphrase 42",
        },
        REMOTE_ADDR=ALICE_IP,
    )
    assert response.status_code == 302
    assert User.objects.filter(email="newcomer@example.com").exists()


def test_password_reset_works_during_the_lockout_and_ends_it(en_client, alice, account_mail):
    fail(en_client, alice.user.email, 5)
    response = en_client.post(
        reverse("password_reset"), {"email": alice.user.email}, REMOTE_ADDR=ALICE_IP
    )
    assert response.status_code == 302
    assert len(account_mail) == 1
    link = next(line for line in account_mail[0].body.splitlines() if "/reset/" in line)
    form_page = en_client.get(urlsplit(link.strip()).path, follow=True)
    assert form_page.status_code == 200
    new = "fresh passphrase 2026"
    done = en_client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert done.status_code == 302
    assert log_in(en_client, alice.user.email, new).status_code == 302
    assert is_logged_in(en_client)


def test_the_lockout_page_is_in_chinese_by_default(client, alice):
    fail(client, alice.user.email, 5)
    response = log_in(client, alice.user.email, PASSWORD)
    assert response.status_code == 429
    assert response["Content-Language"] == "zh-hans"


PROXY_IP = "127.0.0.1"


def log_in_through_proxy(client, email, password, forwarded):
    return client.post(
        reverse("login"),
        {"username": email, "password": password},
        REMOTE_ADDR=PROXY_IP,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_behind_a_trusted_proxy_each_client_address_counts_apart(en_client, alice, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # An attacker who fails five times, and forges the header, locks only himself.
    for _ in range(5):
        response = log_in_through_proxy(
            en_client, alice.user.email, "wrong password", f"{ALICE_IP}, 203.0.113.9"
        )
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}
    # Alice, from her own address through the same proxy, still logs in.
    response = log_in_through_proxy(Client(), alice.user.email, PASSWORD, ALICE_IP)
    assert response.status_code == 302


def test_without_trusted_proxies_the_forwarded_header_is_ignored(en_client, alice, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for _ in range(5):
        response = log_in_through_proxy(
            en_client, alice.user.email, "wrong password", f"203.0.113.{_}"
        )
    assert response.status_code == 429  # a changing header does not evade the limit
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {PROXY_IP}
