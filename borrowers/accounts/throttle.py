"""Limits on what one email address or one client can set off.

- Emails anyone may trigger for an address (password reset, the sign-up notice
  to an address that has an account): ACCOUNT_EMAILS_PER_ADDRESS_HOUR per
  address and ACCOUNT_EMAILS_PER_CLIENT_HOUR per client address, counted in
  Django's cache. Past a limit the visitor sees the same page and nothing is
  sent, so the limit says nothing about whether the address has an account.
- Failed logins (django-axes, settings.AXES_HANDLER): besides axes' count per
  (email, client address), failures for one email from any address and from one
  address for any email, within the cool-off.

The client address is borrowers.accounts.lockout.client_address (TRUSTED_PROXY_COUNT).
"""

from hashlib import sha256

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.db.models import Sum
from django.http import HttpResponseRedirect

from borrowers.accounts.lockout import client_address
from borrowers.accounts.mail import queue_account_email
from borrowers.inputs import NamedRequiredMixin

HOUR = 60 * 60


def _key(scope: str, kind: str, value: str) -> str:
    # Hashed: no email or IP address in the cache, and a key any backend accepts.
    digest = sha256(f"{scope}:{kind}:{value}".encode()).hexdigest()
    return f"throttle:{digest}"


def _count(key: str) -> int:
    """One more in this hour's count (the hour starts at the first)."""
    cache.add(key, 0, timeout=HOUR)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=HOUR)
        return 1


def allow_email(scope: str, email: str, request) -> bool:
    """Count an email to ``email`` set off by this request; False when the
    address or the client has had its share this hour (send nothing then)."""
    per_address = _count(_key(scope, "email", email.strip().lower()))
    per_client = _count(_key(scope, "client", client_address(request) or "unknown"))
    return (
        per_address <= settings.ACCOUNT_EMAILS_PER_ADDRESS_HOUR
        and per_client <= settings.ACCOUNT_EMAILS_PER_CLIENT_HOUR
    )


class PasswordResetForm(NamedRequiredMixin, auth_forms.PasswordResetForm):
    """Django's form, with the email sent by the worker after the request
    (borrowers.accounts.mail), so that the page takes as long for an address
    without an account."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        queue_account_email("password_reset", context["user"])


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset page, which says the same whether the address has an
    account or not; past the limit it says it too, without sending."""

    form_class = PasswordResetForm

    def form_valid(self, form):
        if not allow_email("password_reset", form.cleaned_data["email"], self.request):
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


def _failures(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class AxesHandler(AxesDatabaseHandler):
    """axes' database handler with two more limits.

    AXES_LOCKOUT_PARAMETERS keeps one (email, address) pair's count: a stranger
    who fails five times at someone's email does not lock its owner out at home.
    Guesses spread over many addresses still stop: after
    AXES_ACCOUNT_FAILURE_LIMIT failures for the email, from any addresses, it is
    locked everywhere; and an address that has failed
    AXES_ADDRESS_FAILURE_LIMIT times, for any emails, is refused for every
    email. Both count the attempts of the cool-off, as axes does; a new password
    from the reset link ends the email's lock (borrowers.accounts.lockout).
    """

    def get_failures(self, request, credentials=None) -> int:

        failures = super().get_failures(request, credentials)
        limit = get_failure_limit(request, credentials)
        if failures >= limit:
            return failures
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        username = get_client_username(request, credentials)
        if username and (
            _failures(recent.filter(username=username)) >= settings.AXES_ACCOUNT_FAILURE_LIMIT
        ):
            return limit
        address = getattr(request, "axes_ip_address", None)
        if address and (
            _failures(recent.filter(ip_address=address)) >= settings.AXES_ADDRESS_FAILURE_LIMIT
        ):
            return limit
        return failures
