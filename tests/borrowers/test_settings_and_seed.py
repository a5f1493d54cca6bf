"""Configuration from the environment fails loudly; the seeded product profiles."""

import os
import subprocess
import sys
from decimal import Decimal

import pytest

from borrowers.models import ProductProfile


def load_settings(**env):
    unset = ("SECRET_KEY", "DEBUG", "DATABASE_URL")
    base = {k: v for k, v in os.environ.items() if k not in unset}
    code = "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_secret_key_is_required_when_debug_is_off():
    result = load_settings(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_malformed_boolean_fails_loudly():
    result = load_settings(DEBUG="maybe")
    assert result.returncode != 0


def test_database_url_switches_to_postgresql():
    result = load_settings(DEBUG="true", DATABASE_URL="postgres://u@127.0.0.1:5432/x")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.postgresql"


def test_sqlite_is_the_embedded_default():
    result = load_settings(DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.sqlite3"


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "huankuan.example.org",
    "DATABASE_URL": "postgres://app@127.0.0.1:5432/huankuan",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.org:587",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "SECURE_SSL_REDIRECT": "true",
}


def test_check_deploy_is_clean_with_production_values():
    test_only = ("SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")  # set for the test run
    env = {k: v for k, v in os.environ.items() if k not in test_only}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env={**env, **PRODUCTION, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_cookies_are_secure_httponly_and_samesite():
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.SESSION_COOKIE_SAMESITE, s.MAILERS['default']['BACKEND'].rsplit('.', 2)[-2])"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, **PRODUCTION, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.split() == ["True", "True", "True", "Lax", "smtp"], result.stderr


@pytest.mark.django_db
def test_the_five_profiles_are_seeded_with_typical_terms():
    profiles = {p.key: p for p in ProductProfile.objects.all()}
    assert set(profiles) == {"weilidai", "huabei", "jiebei", "other_online", "credit_card"}
    assert profiles["weilidai"].default_lender == "深圳前海微众银行"
    assert profiles["weilidai"].grace_days == 1
    assert profiles["weilidai"].penalty_multiplier == Decimal("1.5")
    assert profiles["weilidai"].hotline == "95384"
    assert profiles["huabei"].penalty_rule == "daily_rate"
    assert profiles["huabei"].penalty_daily_percent == Decimal("0.05")
    assert profiles["jiebei"].hotline == "95188"
    assert profiles["credit_card"].grace_days == 3
    assert profiles["credit_card"].max_term_months == 60
    assert all(p.reports_to_credit for p in profiles.values())
