from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from borrowers.access import AuthenticatedHttpRequest
from borrowers.models import User
from config.compiled import CompiledQuery
from repayment_plans.models import Channel, NotificationPreference, Reminder, ReminderKind
from repayment_plans.reminders import engine as reminders
from repayment_plans.reminders.models import COUNSELOR_RECIPIENT_KINDS

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


UNREAD = "unread_notifications"


def unread_count(request: HttpRequest) -> dict[str, Callable[[], int]]:
    """Context processor: the number in the header's bell. The signed-in user
    comes with it (``unread_with_user``); a user read otherwise has it counted
    once, when a template first shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def count() -> int:
        counted = getattr(user, UNREAD, None)
        return sum(_unread(user.pk)) if counted is None else counted

    return {UNREAD: count}


def _visible(user: User | int | OuterRef) -> QuerySet[Reminder]:
    return Reminder.objects.filter(user=user, in_app=True).exclude(status=Reminder.Status.SKIPPED)


def _unread_of(user: User | int | OuterRef) -> "QuerySet[Reminder, int]":
    """The user's unread reminders, counted: one row, or none when nothing is unread."""
    return (
        _visible(user)
        .filter(read_at__isnull=True)
        .order_by()
        .values("user")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )


def unread_with_user() -> Coalesce:
    """The bell's count as the signed-in user's query reads it
    (borrowers.accounts.backends.read_with_user): a page needs no query of its own."""
    return Coalesce(Subquery(_unread_of(OuterRef("pk"))), 0)


# The bell's count, on every page: compiled once (config/compiled.py). One row
# (the user's count), or none when nothing is unread.
_unread = CompiledQuery[int](_unread_of)


@login_required
@require_GET
def notifications(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The in-app list; opening it marks everything as read."""
    items = list(_visible(request.user)[:100])
    rows = [(item, reminders.reminder_title(item)) for item in items]
    _visible(request.user).filter(read_at__isnull=True).update(read_at=timezone.now())
    # The count read with the user was before this page: everything is read now.
    return render(request, "repayment_plans/notifications.html", {"rows": rows, UNREAD: 0})


def kinds_for(user: User) -> list[tuple[str, "StrOrPromise"]]:
    """The kinds (value, label) the account can receive: the counselors' kinds
    to a counselor, the borrowers' kinds to a borrower (an account with both
    profiles gets both; one with neither, the borrowers' kinds)."""
    counselor = hasattr(user, "counselor")
    borrower = hasattr(user, "borrower") or not counselor
    return [
        (kind, label)
        for kind, label in ReminderKind.choices
        if (counselor if kind in COUNSELOR_RECIPIENT_KINDS else borrower)
    ]


class PreferencesForm(forms.Form):
    """One checkbox per (channel, kind) the account can receive; a cleared box
    switches that channel off."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        off = set(
            NotificationPreference.objects.filter(user=user, enabled=False).values_list(
                "channel", "kind"
            )
        )
        self.kinds = kinds_for(user)
        for kind, kind_label in self.kinds:
            for channel, channel_label in Channel.choices:
                self.fields[f"{channel}:{kind}"] = forms.BooleanField(
                    label=f"{kind_label} · {channel_label}",
                    required=False,
                    initial=(channel, kind) not in off,
                )

    def rows(self):
        for kind, label in self.kinds:
            yield label, [self[f"{channel}:{kind}"] for channel, _l in Channel.choices]


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        for name, enabled in form.cleaned_data.items():
            channel, kind = name.split(":")
            reminders.set_channel(request.user, channel, kind, enabled)
        messages.success(request, _("Reminder settings saved."))
        return redirect("notification_preferences")
    return render(
        request,
        "repayment_plans/notification_preferences.html",
        {"form": form, "channels": Channel.choices},
    )


@csrf_exempt  # the signed token is the credential; mail clients' one-click POST has no cookie
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """From an email, no login. GET only asks (mail scanners open links), POST
    stops that kind of email: the page's button, or the mail client's one-click
    POST (RFC 8058, List-Unsubscribe-Post). "Undo" posts action=resubscribe."""
    found = reminders.read_unsubscribe_token(token)
    user = User.objects.filter(pk=found[0]).first() if found else None
    if found is None or user is None:  # no user without a valid token
        return render(request, "repayment_plans/unsubscribe.html", {"invalid": True}, status=400)
    kind = found[1]
    context = {"kind": ReminderKind(kind).label, "token": token}
    if request.method == "GET":
        return render(request, "repayment_plans/unsubscribe.html", {**context, "confirm": True})
    resubscribe = request.POST.get("action") == "resubscribe"
    reminders.set_channel(user, Channel.EMAIL, kind, enabled=resubscribe)
    return render(
        request, "repayment_plans/unsubscribe.html", {**context, "resubscribed": resubscribe}
    )
