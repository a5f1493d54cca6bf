"""The project's URLs plus the baseline views of the latency benchmarks."""

from django.shortcuts import render
from django.urls import include, path

BASELINE_CONTEXT: dict = {}
DASHBOARD_CONTEXT: dict = {}


def caseload_without_queries(request):
    """The caseload page rendered from rows fetched in advance: no query at all."""
    return render(request, "borrowers/counselor/caseload.html", BASELINE_CONTEXT)


def dashboard_without_queries(request):
    """The overview rendered from an overview built in advance: no query at all."""
    return render(request, "borrowers/dashboard.html", DASHBOARD_CONTEXT)


urlpatterns = [
    path("bench/caseload-without-queries/", caseload_without_queries),
    path("bench/dashboard-without-queries/", dashboard_without_queries),
    path("", include("config.urls")),
]
