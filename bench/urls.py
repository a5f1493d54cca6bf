"""The project's URLs plus the baseline view of the caseload benchmark."""

from django.shortcuts import render
from django.urls import include, path

BASELINE_CONTEXT: dict = {}


def caseload_without_queries(request):
    """The caseload page rendered from rows fetched in advance: no query at all."""
    return render(request, "borrowers/counselor/caseload.html", BASELINE_CONTEXT)


urlpatterns = [
    path("bench/caseload-without-queries/", caseload_without_queries),
    path("", include("config.urls")),
]
