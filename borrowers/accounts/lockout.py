"""Login throttling (django-axes): whose attempts count together, and the page
a locked-out person sees.

Settings: AXES_USERNAME_CALLABLE and AXES_LOCKOUT_CALLABLE point here.
"""

from axes.attempts import get_cool_off_threshold
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.shortcuts import render
from django.utils import timezone

from borrowers.accounts.forms import SetPasswordForm
from borrowers.inputs import NamedRequiredMixin


def username_from(request, credentials=None) -> str | None:
    """The login email as it is stored: trimmed and lower-case.

    Emails are matched case-insensitively at login, so "Alice@…" and "alice@…"
    must count as one account, or changing case would evade the limit. The
    login form posts ``username``, ``client.login`` and axes itself pass
    ``email`` (the user model's USERNAME_FIELD).
    """
    if credentials:
        value = credentials.get("email") or credentials.get("username")
    else:
        data = getattr(request, "POST", {}) or {}
        value = data.get("username") or data.get("email")
    if not isinstance(value, str):
        return None
    return value.strip().lower() or None


def _lifts_at(attempts, limit: int):
    """When the failures of ``attempts`` (axes rows, each with its last attempt
    time) fall below ``limit`` as rows age past the cool-off; None if they are
    below it already."""
    rows = sorted(attempts.values_list("attempt_time", "failures_since_start"))
    total = sum(failures for _, failures in rows)
    if total < limit:
        return None
    for attempt_time, failures in rows:
        total -= failures
        if total < limit:
            return attempt_time + settings.AXES_COOLOFF_TIME
    return None  # pragma: no cover - the loop always ends below the limit


def locked_until(request, credentials=None):
    """When this email may try again from this address (an aware datetime), or
    None: the latest of the three locks that hold (the email from this address,
    the email from anywhere, this address for any email; see
    borrowers.accounts.throttle.AxesHandler)."""

    recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
    username = username_from(request, credentials)
    address = getattr(request, "axes_ip_address", None)
    locks = [
        (recent.filter(username=username, ip_address=address), settings.AXES_FAILURE_LIMIT),
        (recent.filter(username=username), settings.AXES_ACCOUNT_FAILURE_LIMIT),
        (recent.filter(ip_address=address), settings.AXES_ADDRESS_FAILURE_LIMIT),
    ]
    times = [t for t in (_lifts_at(rows, limit) for rows, limit in locks) if t is not None]
    return max(times, default=None)


def lockout_response(request, original_response=None, credentials=None):
    """A friendly 429 page instead of axes' bare text: when to try again, and
    the password reset, which stays open during a lockout."""
    until = locked_until(request, credentials) or timezone.now() + settings.AXES_COOLOFF_TIME
    minutes = max(1, -(-int((until - timezone.now()).total_seconds()) // 60))
    context = {"until": timezone.localtime(until), "minutes": minutes}
    return render(
        request,
        "registration/locked_out.html",
        context,
        status=429,  # Too Many Requests
    )


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Setting a new password through the emailed link ends a lockout of that
    email: whoever reads the mailbox is the owner, and the old password's
    failed attempts no longer matter."""

    form_class = SetPasswordForm

    def form_valid(self, form):

        response = super().form_valid(form)
        reset(username=username_from(None, {"email": form.user.email}))
        return response


class BoundedUsernameMixin(NamedRequiredMixin):
    """Django's login forms set the username's max_length after the field was
    built, so the length is never checked: a 100,000-character "email" went on
    to the database (SQLite refuses so long a LIKE pattern, and axes cannot
    store it in its 255 characters). Checked here, it is a form error."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))


class LoginForm(BoundedUsernameMixin, AuthenticationForm):
    pass


class AdminLoginForm(BoundedUsernameMixin, AdminAuthenticationForm):
    pass


def client_address(request) -> str | None:
    """The address whose failed logins count together.

    Behind TRUSTED_PROXY_COUNT reverse proxies, every request comes from the
    nearest proxy, so REMOTE_ADDR would put all visitors in one bucket. Each
    proxy appends the address it saw to X-Forwarded-For; the entry that many
    places from the right was written by our own outermost proxy and cannot be
    forged (whatever a client sends itself sits further left). Without trusted
    proxies the header is ignored and REMOTE_ADDR is used.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR")
