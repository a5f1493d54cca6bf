"""Account emails leave the request: a worker sends them after the commit.

The page for an address with an account must take as long as for one without:
an SMTP exchange inside the request would tell who uses a debt-help app.
"""

import email
import logging
from email import policy
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from borrowers.accounts import mail as account_mail
from tests.repayment_plans.test_email import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queued(monkeypatch):
    """What the requests hand to the broker, instead of a broker."""
    calls = []
    monkeypatch.setattr(account_mail.send_account_email, "delay", lambda *a: calls.append(a))
    return calls


def test_a_reset_request_sends_nothing_itself_and_queues_only_the_kind_and_id(
    client, alice, mailoutbox, queued
):
    response = client.post(reverse("password_reset"), {"email": "alice@example.com"})
    assert response.status_code == 302
    assert mailoutbox == []  # nothing was sent inside the request
    assert queued == [("password_reset", alice.user.pk)]  # no link, no address in the broker


def test_an_address_without_an_account_queues_nothing_and_gets_the_same_page(client, alice, queued):
    known = client.post(reverse("password_reset"), {"email": "alice@example.com"})
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert len(queued) == 1


def test_sign_up_queues_the_welcome_and_the_taken_notice(client, alice, queued):
    form = {
        "email": "new.person@example.com",
        "display_name": "小新",
        "password1": "a long enough passphrase 42",
        "password2": "a long enough passphrase 42",
    }
    client.post(reverse("signup"), form)
    client.post(reverse("signup"), {**form, "email": "alice@example.com"})
    assert [kind for kind, _ in queued] == ["welcome", "taken"]
    assert queued[1][1] == alice.user.pk


def test_a_broker_that_is_down_does_not_break_the_page(client, alice, monkeypatch, caplog):
    def down(*args):
        raise ConnectionError("broker down")

    monkeypatch.setattr(account_mail.send_account_email, "delay", down)
    with caplog.at_level(logging.ERROR, logger="borrowers.accounts.mail"):
        response = client.post(reverse("password_reset"), {"email": "alice@example.com"})
    assert response.status_code == 302
    assert "Could not queue the password_reset email" in caplog.text


def test_an_account_deleted_before_the_worker_runs_gets_no_email(alice, mailoutbox):
    user_id = alice.user.pk
    alice.user.delete()
    assert account_mail.send_account_email.apply(args=["password_reset", user_id]).get() is False
    assert mailoutbox == []


def test_a_real_worker_sends_a_working_reset_link(
    client, alice, smtp_server, celery_worker, settings
):
    alice.user.language = "en"
    alice.user.save()
    response = client.post(reverse("password_reset"), {"email": "Alice@Example.com"})
    assert response.status_code == 302
    assert wait_for(lambda: len(smtp_server.messages) == 1)
    message = email.message_from_bytes(smtp_server.messages[0].content, policy=policy.default)
    assert message["To"] == "alice@example.com"
    body = message.get_body(("plain",)).get_content()
    assert "Open this link to choose a new password" in body  # the account's language
    link = next(line for line in body.splitlines() if "/reset/" in line).strip()
    assert link.startswith(settings.SITE_URL)
    form_page = client.get(urlsplit(link).path, follow=True)
    new = "fresh passphrase 2026"
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert done.status_code == 302
    alice.user.refresh_from_db()
    assert alice.user.check_password(new)
