"""Deployment guards: `check --deploy` refuses email that is never delivered,
and private pages and downloads are sent with Cache-Control: no-store."""

import os
import subprocess
import sys

import pytest
from django.core.checks import Tags, run_checks
from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path, reverse

from config.urls import urlpatterns as project_urlpatterns
from repayment_plans.models import CalendarFeed
from tests.borrowers.test_settings_and_seed import PRODUCTION

# Check E001 ------------------------------------------------------------------


def deploy_errors():
    messages = run_checks(include_deployment_checks=True, tags=[Tags.security])
    return [m.id for m in messages if m.id == "config.E001"]


def mailer(backend, **options):
    return {"default": {"BACKEND": backend, "OPTIONS": options}}


class OwnFileBackend(FileBackend):
    """A backend of one's own that derives from the file backend is caught too."""


@pytest.mark.parametrize(
    "backend",
    [
        "django.core.mail.backends.filebased.EmailBackend",
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
        f"{__name__}.OwnFileBackend",
    ],
)
def test_check_deploy_refuses_undelivered_email_with_debug_off(backend, tmp_path):
    options = {"file_path": str(tmp_path)} if "File" in backend or "file" in backend else {}
    with override_settings(DEBUG=False, MAILERS=mailer(backend, **options)):
        assert deploy_errors() == ["config.E001"]


def test_delivered_email_or_debug_on_passes(tmp_path):
    smtp = mailer("django.core.mail.backends.smtp.EmailBackend", host="smtp.example.org")
    files = mailer("django.core.mail.backends.filebased.EmailBackend", file_path=str(tmp_path))
    with override_settings(DEBUG=False, MAILERS=files):
        assert deploy_errors() == ["config.E001"]
        # Only `check --deploy` runs it, not the checks of every command.
        assert "config.E001" not in [m.id for m in run_checks(tags=[Tags.security])]
    with override_settings(DEBUG=False, MAILERS=smtp):
        assert deploy_errors() == []
    with override_settings(DEBUG=True, MAILERS=files):
        assert deploy_errors() == []


def test_manage_py_check_deploy_fails_without_email_url():
    test_only = ("SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "EMAIL_URL")
    env = {k: v for k, v in os.environ.items() if k not in test_only}
    production = {k: v for k, v in PRODUCTION.items() if k != "EMAIL_URL"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        env={**env, **production, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "(config.E001) DEBUG is off and email goes to" in result.stderr
    assert "Set EMAIL_URL" in result.stderr


# Cache-Control: no-store -----------------------------------------------------


def download(request, kind):
    """Files for a visitor, whatever they are (served by the project's middleware)."""
    types = {
        "pdf": "application/pdf",
        "ics": "text/calendar; charset=utf-8",
        "zip": "application/zip",
    }
    if kind == "cached":
        response = HttpResponse(b"%PDF-", content_type="application/pdf")
        response["Cache-Control"] = "private, max-age=60"
        return response
    return HttpResponse(b"data", content_type=types.get(kind, "text/html; charset=utf-8"))


urlpatterns = [*project_urlpatterns, path("test-download/<str:kind>/", download)]


def no_store(response) -> bool:
    return response.get("Cache-Control") == "no-store" and response.get("Pragma") == "no-cache"


@override_settings(DEBUG=False)
def test_signed_in_pages_are_not_stored_public_ones_are_left_alone(alice_client, client):
    response = alice_client.get(reverse("dashboard"))
    assert response.status_code == 200 and no_store(response)
    redirect = alice_client.get(reverse("home"))
    assert redirect.status_code == 302 and no_store(redirect)
    alice_client.post(reverse("logout"))
    public = alice_client.get(reverse("signup"))
    assert public.status_code == 200
    assert "no-store" not in public.get("Cache-Control", "") and "Pragma" not in public


@override_settings(DEBUG=False)
def test_the_calendar_download_is_not_stored_the_feed_keeps_its_own(alice_client, alice):
    response = alice_client.get(reverse("calendar_download"))
    assert response["Content-Type"].startswith("text/calendar")
    assert no_store(response)
    feed = CalendarFeed.for_borrower(alice)
    feed.renew()
    alice_client.post(reverse("logout"))
    response = alice_client.get(reverse("calendar_feed", args=[feed.token]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, max-age=300"
    assert "Pragma" not in response


@pytest.mark.urls(__name__)
@override_settings(DEBUG=False)
def test_downloads_are_not_stored_even_without_a_login(client, db):
    for kind in ["pdf", "ics", "zip"]:
        assert no_store(client.get(f"/test-download/{kind}/")), kind
    page = client.get("/test-download/html/")
    assert "Cache-Control" not in page and "Pragma" not in page
    cached = client.get("/test-download/cached/")
    assert cached["Cache-Control"] == "private, max-age=60" and "Pragma" not in cached
