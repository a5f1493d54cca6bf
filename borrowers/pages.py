"""One answer for every form that works inline (htmx, embedded in another page)
and as a full page of its own.

- Saved, embedded in another page: that page's fragment (the list the form
  sits in), with the success message swapped in out of band.
- Saved, on the form's own page (htmx or not): the success message, then the
  page it lands on (``HX-Redirect`` for htmx, a redirect without JavaScript).
  Landing on a part of that page (``#contact-7``) scrolls past the messages at
  its top, so there the message floats on the screen (a toast) instead.
- Not saved: the form again with its errors, in place; static/js/forms.js
  moves focus to the first invalid field and keeps it in view.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote, urlsplit

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django_htmx.http import HttpResponseClientRedirect

TOAST = "toast"  # a message shown floating on the screen (templates/_messages.html)


def embedded(request: HttpRequest) -> bool:
    """An htmx request from a page other than the form's own (htmx names the
    page in HX-Current-URL, percent-encoded; request.path is decoded, so a
    lender's Chinese name in the path compares equal once unquoted)."""
    if not getattr(request, "htmx", False):
        return False
    current = request.headers.get("HX-Current-URL", "")
    return unquote(urlsplit(current).path) != request.path


def with_messages(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Add the pending messages to an htmx fragment, swapped into #messages."""
    response.content += render_to_string("_messages.html", {"oob": True}, request=request).encode()
    return response


def saved(
    request: HttpRequest,
    *,
    message: str,
    page_url: str,
    fragment: Callable[[], HttpResponse] | None = None,
) -> HttpResponse:
    if fragment is not None and embedded(request):
        messages.success(request, message)
        return with_messages(request, fragment())
    messages.success(request, message, extra_tags=TOAST if urlsplit(page_url).fragment else "")
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(page_url)
    return redirect(page_url)
