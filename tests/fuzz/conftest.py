import pytest


@pytest.fixture(autouse=True)
def no_email_limits(settings):
    """The fuzzing posts hundreds of examples from one client within seconds and
    checks that each valid password reset sends its email. The hourly limits on
    such emails (borrowers.accounts.throttle, tested in tests/borrowers/test_reset_throttle.py)
    would stop them after a few: here they are out of reach."""
    settings.ACCOUNT_EMAILS_PER_ADDRESS_HOUR = 10**9
    settings.ACCOUNT_EMAILS_PER_CLIENT_HOUR = 10**9
