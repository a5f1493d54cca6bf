"""The project's URLs plus the baseline and floor views of the benchmarks.

Each baseline renders a page's own template through the same middleware from a
context prepared in advance, for a request that makes no query (anonymous: no
session to read). The in-process benches fill BASELINE_CONTEXT and
DASHBOARD_CONTEXT; the load test's floor view reads the contexts that
bench/load.py pickled for its users before gunicorn started (BENCH_FLOOR_CONTEXT).
"""

import os
import pickle
from functools import cache

from django.http import Http404
from django.shortcuts import render
from django.urls import include, path

BASELINE_CONTEXT: dict = {}
DASHBOARD_CONTEXT: dict = {}
# The caseload's template as the view rendered it (its context may grow new keys).
BASELINE_TEMPLATE = ["borrowers/counselor/caseload.html"]


def caseload_without_queries(request):
    """The caseload page rendered from rows fetched in advance: no query at all."""
    return render(request, BASELINE_TEMPLATE[0], BASELINE_CONTEXT)


def dashboard_without_queries(request):
    """The overview rendered from an overview built in advance: no query at all."""
    return render(request, "borrowers/dashboard.html", DASHBOARD_CONTEXT)


@cache
def floor_contexts() -> list[dict]:
    """The load test users' overviews, built and pickled by bench/load.py: reading
    them is a file read, once per process, never a query."""
    name = os.environ.get("BENCH_FLOOR_CONTEXT")
    if not name:
        return []
    with open(name, "rb") as f:
        return pickle.load(f)  # noqa: S301 (written by bench/load.py for this run)


def floor(request, n: int):
    """The capacity floor: user ``n``'s overview page from its prebuilt context."""
    contexts = floor_contexts()
    if n >= len(contexts):
        raise Http404
    return render(request, "borrowers/dashboard.html", contexts[n])


urlpatterns = [
    path("bench/caseload-without-queries/", caseload_without_queries),
    path("bench/dashboard-without-queries/", dashboard_without_queries),
    path("bench/floor/<int:n>/", floor),
    path("", include("config.urls")),
]
