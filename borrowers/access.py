"""Who may open a page: the signed-in borrower's own pages."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django_htmx.middleware import HtmxDetails

from borrowers.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """For type hints only (Django builds the requests): a request of a signed-in
    user, as the views behind login_required, borrower_required and
    counselor_required get it, with django-htmx's ``htmx`` from its middleware."""

    user: User
    htmx: HtmxDetails


def borrower_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Signed in and owning a borrower profile; counselors go to their area."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not hasattr(request.user, "borrower"):
            return redirect("home")
        return view(request, *args, **kwargs)

    return wrapped
