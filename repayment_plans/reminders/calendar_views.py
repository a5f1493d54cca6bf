"""Calendar export: a one-off .ics download, and a private subscribe URL whose
secret token the borrower can renew or revoke."""

import re
from datetime import date

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from borrowers.access import AuthenticatedHttpRequest, borrower_required
from borrowers.models import Borrower
from repayment_plans.models import CalendarFeed
from repayment_plans.position.load import load_position
from repayment_plans.recovery import text as recovery_text
from repayment_plans.recovery import timeline as recovery
from repayment_plans.reminders.ical import CalendarEvent, build_calendar, installment_events

FILENAME = "huankuan.ics"
CONTENT_TYPE = "text/calendar; charset=utf-8"
TIME_ZONE = "Asia/Shanghai"
FEED_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")  # secrets.token_urlsafe


def borrower_events(borrower: Borrower, today: date) -> list[CalendarEvent]:
    """Everything that goes into the borrower's calendar: the one place to add to.

    Read from the borrower's position (a fixed number of queries, whatever
    the number of events), so the dates agree with every page.
    """
    current = load_position(borrower, today)
    return installment_events(current.active_plans) + milestone_events(current, today)


def milestone_events(current, today: date) -> list[CalendarEvent]:
    """All-day events for the recovery milestones of the whole record, from today on."""
    timeline = recovery.recovery_timeline(current.recovery_accounts(), today)
    return [
        CalendarEvent(
            uid=f"milestone-{m.kind}-{current.borrower_id}@huankuan",
            day=m.day,
            title=str(recovery_text.TITLES[m.kind]),
            description=str(recovery_text.EXPLANATIONS[m.kind]),
        )
        for m in timeline.milestones
        if m.account is None and m.day >= today
    ]


def _ics_response(borrower: Borrower, *, attachment: bool) -> HttpResponse:
    events = borrower_events(borrower, timezone.localdate())
    body = build_calendar(events, name=_("还款助手"), tz=TIME_ZONE)
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{FILENAME}"'
    return response


@borrower_required
@require_GET
def calendar_download(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _ics_response(request.user.borrower, attachment=True)


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The subscribe URL: no login, the secret token is the key.

    A revoked feed has no token, so it never matches; anything that cannot
    be a token (such as a NUL, which PostgreSQL refuses) is not looked up.
    """
    if not FEED_TOKEN.fullmatch(token):
        raise Http404
    feed = (
        CalendarFeed.objects.filter(token=token, token__isnull=False)
        .select_related("borrower__user")
        .first()
    )
    if feed is None:
        raise Http404
    borrower = feed.borrower
    # Calendar apps send no language cookie: use the borrower's own language.
    with translation.override(borrower.user.language or translation.get_language()):
        response = _ics_response(borrower, attachment=False)
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response


@borrower_required
@require_http_methods(["GET", "POST"])
def calendar_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    borrower = request.user.borrower
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "renew":
            CalendarFeed.for_borrower(borrower).renew()
            messages.success(
                request,
                _("New calendar address created. Any previous address no longer works."),
            )
        elif action == "revoke":
            feed = CalendarFeed.objects.filter(borrower=borrower).first()
            if feed is not None and feed.is_active:
                feed.revoke()
            messages.success(request, _("Calendar address turned off. It no longer works."))
        else:
            return HttpResponseBadRequest(_("Unknown action."))
        return redirect("calendar_settings")

    feed = CalendarFeed.objects.filter(borrower=borrower).first()
    feed_url = webcal_url = None
    if feed is not None and feed.is_active:
        feed_url = request.build_absolute_uri(reverse("calendar_feed", args=[feed.token]))
        webcal_url = "webcal://" + feed_url.split("://", 1)[1]
    context = {
        "borrower": borrower,
        "feed_url": feed_url,
        "webcal_url": webcal_url,
        "events": len(borrower_events(borrower, timezone.localdate())),
    }
    return render(request, "repayment_plans/calendar.html", context)
