"""Benchmarks (`make bench`): figures against a baseline measured in the same run,
printed as one table (path, figure, baseline, ratio, target, result); the exit
code is non-zero when any figure misses its target.

1. A proposal's PDF (3 debts, a 36-row schedule) through the app, template and
   all, against WeasyPrint alone on the same HTML with the same stylesheet,
   FontConfiguration, URL fetcher and options (the two PDFs are checked
   byte-identical): the median of the blocks' ratios <= 1.15, every block <= 1.3.
2. Downloading a finalised version through the view: median <= 20 ms.
3. The recovery engine for 10 debts over 60 months: median <= 5 ms.
4. The reminder sweep over 100,000 due installments on PostgreSQL, as the beat
   runs it (bench/sweep.py): <= 5 s, every due installment recorded; queries
   counted at two sizes and two batch sizes must be ``c + k × batches`` for
   one ``c`` and ``k`` (constant per batch); a second run records and enqueues
   nothing. The same on SQLite is reported beside it, without a target.
5. A counselor's caseload of 10,000 borrowers, one page of 50:
   a. the first read of the day after the nightly refresh
      (borrowers.tasks.nightly_triage_refresh) stored today's figures, the
      cache cold: median <= 0.5 s and at most 15 queries (the warm read of the
      same page is its baseline);
   b. the first read when the nightly refresh did not run (every figure
      stale, refreshed by the read itself): the fallback, reported only;
   c. warm: at most 12 queries, and the median of the blocks' ratios <= 3x the
      same page rendered from the same context without queries.
   The caseload's totals by state are printed beside them.
6. A borrower's overview with 20 debts, warm: at most 10 queries, the median
   of the blocks' ratios <= 2x the same page rendered without queries.
7. The load test (bench/load.py; --no-load skips it): capacity of gunicorn
   with 2 workers x 4 threads on PostgreSQL, 20 users in a closed loop,
   browsing against the floor (the same users, the same page template, no
   query): req/s >= 0.5x the floor's, p99 <= 300 ms, no error; and the login
   while users arrive: p50 <= 300 ms.
8. The scale-out test (bench/scaleout.py; --no-scaleout skips it), its rows as
   it reports them; a missing or failing module is a failed row.

Latency comparisons run A and B interleaved: rounds alternate which side goes
first, in blocks; each block gives a ratio of medians, the figure is the median
of the blocks and the ratio cell shows their spread (min–max), after warm-up
rounds and with the garbage collector's long-lived objects frozen. A timing row
measured while the 1-minute load average was above the core count is measured
once more before it is judged, and says so (bench/report.py ``when_calm``).

`python -m bench --write-results` also writes bench/RESULTS.md (the table, the
date, the machine and its load during the run).
"""

import argparse
import gc
import importlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from unittest import mock

from bench import environment, report
from bench.report import Row, noted, when_calm

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))
# The proposal PDF: blocks of A/B rounds (a render is around half a second).
PDF_BLOCKS = int(os.environ.get("BENCH_PDF_BLOCKS", "7"))
PDF_BLOCK_ROUNDS = int(os.environ.get("BENCH_PDF_BLOCK_ROUNDS", "5"))
PDF_WARMUP_ROUNDS = 2
PDF_RATIO_LIMIT = 1.15
PDF_BLOCK_LIMIT = 1.3
DOWNLOAD_LIMIT_MS = 20.0
ENGINE_LIMIT_MS = 5.0
SWEEP_INSTALLMENTS = int(os.environ.get("BENCH_SWEEP_INSTALLMENTS", "100000"))
SWEEP_LIMIT_S = 5.0
CASELOAD_BORROWERS = int(os.environ.get("BENCH_CASELOAD_BORROWERS", "10000"))
FIRST_READ_LIMIT_S = 0.5
FIRST_READ_QUERY_LIMIT = 15
FIRST_READ_ROUNDS = int(os.environ.get("BENCH_FIRST_READ_ROUNDS", "7"))
FALLBACK_ROUNDS = int(os.environ.get("BENCH_FALLBACK_ROUNDS", "3"))
CASELOAD_QUERY_LIMIT = 12
CASELOAD_RATIO_LIMIT = 3.0
DASHBOARD_DEBTS = 20
DASHBOARD_QUERY_LIMIT = 10
DASHBOARD_RATIO_LIMIT = 2.0
# Interleaved latency comparisons of pages: blocks of rounds, a ratio per block.
BLOCKS = int(os.environ.get("BENCH_BLOCKS", "9"))
BLOCK_ROUNDS = max(ROUNDS, 20)
WARMUP_ROUNDS = 10
# A subprocess (sweep, load test, scale-out) that runs longer than this has hung.
SUBPROCESS_TIMEOUT_S = 45 * 60
# The environment as given, for the benches' own processes.
ORIGINAL_ENV = dict(os.environ)
BASE_DIR = Path(__file__).resolve().parent.parent


def make_proposal():
    from datetime import date, timedelta

    from borrowers.models import Borrower, Debt, ProductProfile, User
    from repayment_plans.models import Proposal

    user = User.objects.create_user("bench@example.com", "bench-password-1")
    borrower = Borrower.objects.create(
        user=user,
        display_name="李明",
        monthly_net_income=Decimal("12000"),
        rent=Decimal("2500"),
        food=Decimal("1500"),
        hardship_reason="income_cut",
        hardship_detail="工作调动后收入减少。",
    )
    profile = ProductProfile.objects.get(key="weilidai")
    debts = [
        Debt.objects.create(
            borrower=borrower,
            profile=profile,
            lender_name=profile.default_lender,
            nickname=f"借款{i}",
            principal=Decimal(amount),
            interest=Decimal("300"),
            annual_rate_percent=Decimal("18.25"),
            first_missed_date=date.today() - timedelta(days=40 + i),
            contract_number=f"WLD-{i:04d}",
        )
        for i, amount in enumerate(["8000", "6000", "4000"])
    ]
    proposal = Proposal.objects.create(
        borrower=borrower,
        lender_name=profile.default_lender,
        months=36,
        first_due_date=date.today() + timedelta(days=30),
    )
    proposal.debts.set(debts)
    return user, proposal


def blocked(fn, blocks: int = 5, rounds: int = ROUNDS) -> dict:
    """Median latency of ``fn`` in ms: the median of ``blocks`` blocks' medians,
    and their spread."""
    fn()  # warm-up: fonts, templates, imports
    medians = []
    for _ in range(blocks):
        samples = []
        for _ in range(rounds):
            start = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - start)
        medians.append(statistics.median(samples) * 1000)
    return {"ms": statistics.median(medians), "spread": (min(medians), max(medians))}


def interleaved(
    baseline, measured, *, blocks=BLOCKS, rounds=BLOCK_ROUNDS, warmup=WARMUP_ROUNDS
) -> dict:
    """Median latencies of ``baseline`` and ``measured`` and their ratio.

    Both are warmed up first. Within a block the two alternate round by round,
    and which goes first alternates too, so that both see the same machine and
    neither always runs just after the other; each block gives the ratio of its
    two medians, and the figures are the medians over the blocks.
    """
    for _ in range(warmup):  # templates, caches, connections, fonts
        baseline()
        measured()
    gc.collect()
    gc.freeze()  # what exists now is not traced again by every collection
    base_blocks, view_blocks, ratios = [], [], []
    try:
        for block in range(blocks):
            base_samples, view_samples = [], []
            for n in range(rounds):
                pair = [(baseline, base_samples), (measured, view_samples)]
                if (block + n) % 2:
                    pair.reverse()
                for fn, samples in pair:
                    start = time.perf_counter()
                    fn()
                    samples.append(time.perf_counter() - start)
            base = statistics.median(base_samples)
            view = statistics.median(view_samples)
            base_blocks.append(base)
            view_blocks.append(view)
            ratios.append(view / base)
    finally:
        gc.unfreeze()
    return {
        "base_ms": statistics.median(base_blocks) * 1000,
        "view_ms": statistics.median(view_blocks) * 1000,
        "ratio": statistics.median(ratios),
        "ratio_spread": (min(ratios), max(ratios)),
    }


def spread(figures: dict) -> str:
    low, high = figures["ratio_spread"]
    return f"{figures['ratio']:.2f}× ({low:.2f}–{high:.2f})"


def ms(value: float) -> str:
    return f"{value:.1f} ms"


# --- The proposal PDF ---------------------------------------------------------------


def pdf_rows(user, proposal) -> list[Row]:
    from django.test import Client
    from django.utils import timezone
    from weasyprint import HTML

    from borrowers import pdf
    from repayment_plans.proposals import services as proposal_services

    today = timezone.localdate()
    html = proposal_services.render_letter_html(proposal, today, "zh-hans")
    assert proposal_services.proposal_schedule(proposal).regular_count == 36

    def weasyprint_alone() -> bytes:
        return HTML(string=html, url_fetcher=pdf.url_fetcher()).write_pdf(
            stylesheets=[pdf.font_stylesheet()], font_config=pdf.FONT_CONFIG, pdf_identifier=True
        )

    def app_render() -> bytes:
        return pdf.render_pdf(
            proposal_services.render_letter_html(proposal, today, "zh-hans"), strict=True
        )

    # The same work on both sides: the same bytes.
    same = weasyprint_alone() == app_render()

    def measure():
        return interleaved(
            weasyprint_alone,
            app_render,
            blocks=PDF_BLOCKS,
            rounds=PDF_BLOCK_ROUNDS,
            warmup=PDF_WARMUP_ROUNDS,
        )

    figures, note = when_calm("proposal PDF", measure)
    worst = figures["ratio_spread"][1]

    version = proposal_services.finalise(proposal, today, "zh-hans")
    client = Client()
    client.force_login(user)
    url = f"/proposals/{proposal.pk}/versions/{version.number}.pdf"

    def download():
        response = client.get(url)
        assert response.status_code == 200
        b"".join(response.streaming_content)

    downloaded, download_note = when_calm(
        "download", lambda: blocked(download, rounds=max(ROUNDS, 30))
    )
    engine, engine_note = when_calm("recovery engine", engine_figures)
    return [
        Row(
            "proposal PDF (3 debts, 36 installments): app, template + strict PDF",
            noted(ms(figures["view_ms"]), note),
            f"≤ {PDF_RATIO_LIMIT}× median, every block ≤ {PDF_BLOCK_LIMIT}×",
            same and figures["ratio"] <= PDF_RATIO_LIMIT and worst <= PDF_BLOCK_LIMIT,
            baseline=f"{ms(figures['base_ms'])} WeasyPrint alone, same HTML and fonts"
            + ("" if same else " (NOT the same PDF: FAIL)"),
            ratio=spread(figures),
        ),
        Row(
            "download of a finalised PDF version (view)",
            noted(_with_spread(downloaded), download_note),
            f"≤ {DOWNLOAD_LIMIT_MS:.0f} ms",
            downloaded["ms"] <= DOWNLOAD_LIMIT_MS,
        ),
        Row(
            "recovery engine, 10 debts × 60 months",
            noted(_with_spread(engine, digits=2), engine_note),
            f"≤ {ENGINE_LIMIT_MS:.0f} ms",
            engine["ms"] <= ENGINE_LIMIT_MS,
        ),
    ]


def _with_spread(figures: dict, digits: int = 1) -> str:
    low, high = figures["spread"]
    return f"{figures['ms']:.{digits}f} ms (blocks {low:.{digits}f}–{high:.{digits}f})"


def engine_figures() -> dict:
    from datetime import date, timedelta

    from repayment_plans.plans.schedules import add_months
    from repayment_plans.recovery.timeline import (
        AccountInput,
        Installment,
        PlanInput,
        recovery_timeline,
    )

    today = date(2026, 11, 28)
    accounts = []
    for n in range(10):
        plan = PlanInput(
            key=f"plan-{n}",
            installments=tuple(
                Installment(add_months(date(2027, 1, 10), k), Decimal("500")) for k in range(60)
            ),
        )
        accounts.append(
            AccountInput(
                key=str(n),
                label=f"debt {n}",
                first_missed=today - timedelta(days=20 + 9 * n),
                grace_days=0,
                balance=Decimal("30000"),
                overdue_amount=Decimal("30000"),
                plan=plan,
            )
        )
    timeline = recovery_timeline(accounts, today)
    assert len(timeline.months) >= 60
    return blocked(lambda: recovery_timeline(accounts, today), rounds=50)


# --- Baselines: the same page, rendered without queries -----------------------------


def captured_page(client, url: str, views_module) -> tuple[dict, object]:
    """Request ``url`` and keep what its view handed to ``render``: the template,
    the context and the request (the context's querysets are evaluated by then)."""
    seen: dict = {}
    real_render = views_module.render

    def recording(request, template_name, context=None, *args, **kwargs):
        seen.update(template=template_name, context=dict(context or {}), request=request)
        return real_render(request, template_name, context, *args, **kwargs)

    with mock.patch.object(views_module, "render", recording):
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return seen, response


def baseline_context(seen: dict) -> dict:
    """The view's context plus what the context processors give a signed-in
    request (the user, the bell's count), so that an anonymous request renders
    the same page."""
    from repayment_plans.reminders.views import unread_count

    request = seen["request"]
    # The bell is counted when a page shows it: count it now, not while rendering.
    bell = {name: count() for name, count in unread_count(request).items()}
    return {**seen["context"], "user": request.user, **bell}


_TOKENS = re.compile(r"[A-Za-z0-9]{64}|nonce=\"[^\"]+\"")


def same_page(page, url: str, baseline, baseline_url: str) -> bool:
    """Whether the baseline rendered the same page as the view: the same HTML,
    CSRF tokens, CSP nonces and the page's own address (the language switch's
    "next") aside."""
    view = _TOKENS.sub("", page.content.decode())
    base = _TOKENS.sub("", baseline.content.decode()).replace(baseline_url, url)
    return view == base


def anonymous_without_queries(url: str):
    """A client for the baseline ``url``, checked to answer without a query."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    anonymous = Client()
    with CaptureQueriesContext(connection) as queries:
        response = anonymous.get(url)
    assert response.status_code == 200, response.status_code
    assert len(queries) == 0, queries.captured_queries
    return anonymous, response


# --- The caseload -------------------------------------------------------------------


def make_caseload():
    """A counselor with CASELOAD_BORROWERS borrowers (2 debts each, half with an agreed plan)."""
    from datetime import timedelta

    from django.utils import timezone

    from borrowers.models import (
        AccessGrant,
        Agency,
        Borrower,
        Counselor,
        Debt,
        ProductProfile,
        User,
    )
    from repayment_plans.models import Installment, Plan, Proposal

    today = timezone.localdate()
    agency = Agency.objects.create(name="Bench agency", code="bench")
    counselor_user = User.objects.create_user("counselor@bench.example", "bench-password-1")
    counselor = Counselor.objects.create(
        user=counselor_user, agency=agency, display_name="Counselor"
    )
    users = User.objects.bulk_create(
        User(email=f"case{n}@example.com", password="!") for n in range(CASELOAD_BORROWERS)
    )
    borrowers = Borrower.objects.bulk_create(
        Borrower(user=u, display_name=f"借款人{n}", phone=f"138{n:08d}")
        for n, u in enumerate(users)
    )
    AccessGrant.objects.bulk_create(AccessGrant(borrower=b, counselor=counselor) for b in borrowers)
    profile = ProductProfile.objects.get(key="huabei")
    debts = []
    for n, b in enumerate(borrowers):
        for k in range(2):
            missed = today - timedelta(days=(n * 7 + k * 13) % 200)
            debts.append(
                Debt(
                    borrower=b,
                    profile=profile,
                    lender_name="L",
                    principal=Decimal("5000"),
                    annual_rate_percent=Decimal("0"),
                    first_missed_date=missed,
                )
            )
    Debt.objects.bulk_create(debts, batch_size=5000)
    proposals = Proposal.objects.bulk_create(
        Proposal(borrower=b, lender_name="L", months=6, first_due_date=today, status="accepted")
        for b in borrowers[::2]
    )
    plans = Plan.objects.bulk_create(
        Plan(
            proposal=p,
            principal=Decimal("600"),
            method="interest_free",
            months=6,
            first_due_date=today - timedelta(days=40),
            agreed_on=today - timedelta(days=45),
        )
        for p in proposals
    )
    Installment.objects.bulk_create(
        (
            Installment(
                plan=plan,
                number=k + 1,
                due_date=today + timedelta(days=30 * k - 40),
                amount=Decimal("100"),
                principal=Decimal("100"),
                interest=Decimal("0"),
            )
            for plan in plans
            for k in range(6)
        ),
        batch_size=5000,
    )
    return counselor, counselor_user


def caseload_totals(counselor) -> str:
    """The caseload's totals by state as the page shows them (caseload.totals),
    with the stored figures' tiers; without caseload.totals, the proposal
    states counted from the stored figures that have them."""
    from django.db.models import Count

    from borrowers.counselors import caseload
    from borrowers.models import Triage

    granted = Triage.objects.filter(borrower__in=caseload.granted_borrowers(counselor))
    tiers = Counter(
        {
            caseload.TIER_NAMES[row["worst_rank"]]: row["n"]
            for row in granted.values("worst_rank").annotate(n=Count("pk"))
        }
    )
    parts = ["tiers " + " · ".join(f"{t} {tiers[t]:,}" for t in caseload.TIER_NAMES)]
    totals = getattr(caseload, "totals", None)
    if totals is not None:
        found = totals(counselor)
        states = " · ".join(f"{state} {n:,}" for state, n in found.by_state.items())
        parts.append(f"proposals {states}; waiting for review {found.waiting:,}")
    elif any(f.name == "proposal_status" for f in Triage._meta.get_fields()):
        by_status = granted.values("proposal_status").annotate(n=Count("pk"))
        parts.append(
            "proposal status " + " · ".join(f"{r['proposal_status']} {r['n']:,}" for r in by_status)
        )
    return "; ".join(parts)


def first_read_figures(client) -> dict:
    """The first read of the day (cache cold) after the nightly refresh stored
    today's figures, each followed by a warm read of the same page (its baseline)."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first, warm, queries, ratios = [], [], [], []
    for _ in range(FIRST_READ_ROUNDS):
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            assert client.get("/counselor/").status_code == 200
            first.append(time.perf_counter() - start)
        queries.append(len(captured))
        start = time.perf_counter()
        assert client.get("/counselor/").status_code == 200
        warm.append(time.perf_counter() - start)
        ratios.append(first[-1] / warm[-1])
    return {
        "seconds": statistics.median(first),
        "spread": (min(first), max(first)),
        "queries": max(queries),
        "warm_ms": statistics.median(warm) * 1000,
        "ratio": statistics.median(ratios),
        "ratio_spread": (min(ratios), max(ratios)),
    }


def fallback_figures(client, yesterday) -> dict:
    """The first read of the day when the nightly refresh did not run: every
    stored figure is from yesterday and the read refreshes them all."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from borrowers.models import Triage

    seconds, queries = [], []
    for _ in range(FALLBACK_ROUNDS):
        Triage.objects.update(computed_on=yesterday)
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            assert client.get("/counselor/").status_code == 200
            seconds.append(time.perf_counter() - start)
        queries.append(len(captured))
    return {
        "seconds": statistics.median(seconds),
        "spread": (min(seconds), max(seconds)),
        "queries": max(queries),
    }


def caseload_rows() -> list[Row]:
    from datetime import timedelta

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bench import urls as bench_urls
    from borrowers.counselors import views as counselor_views
    from borrowers.tasks import nightly_triage_refresh

    today = timezone.localdate()
    counselor, counselor_user = make_caseload()
    client = Client()
    client.force_login(counselor_user)
    # What the beat does just after midnight: today's figures for every borrower.
    refreshed = nightly_triage_refresh()
    first, first_note = when_calm("caseload first read", lambda: first_read_figures(client))
    fallback, fallback_note = when_calm(
        "caseload fallback", lambda: fallback_figures(client, today - timedelta(days=1))
    )
    totals = caseload_totals(counselor)

    # Warm: the page against the same template rendered from the view's own context.
    assert client.get("/counselor/").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/counselor/").status_code == 200
    page_queries = len(queries)
    seen, page = captured_page(client, "/counselor/", counselor_views)
    bench_urls.BASELINE_TEMPLATE[0] = seen["template"]
    bench_urls.BASELINE_CONTEXT.clear()
    bench_urls.BASELINE_CONTEXT.update(baseline_context(seen))
    anonymous, baseline_page = anonymous_without_queries("/bench/caseload-without-queries/")
    same = same_page(page, "/counselor/", baseline_page, "/bench/caseload-without-queries/")

    def baseline():
        assert anonymous.get("/bench/caseload-without-queries/").status_code == 200

    def page_view():
        assert client.get("/counselor/").status_code == 200

    warm, warm_note = when_calm("caseload warm", lambda: interleaved(baseline, page_view))

    where = f"caseload of {CASELOAD_BORROWERS:,} borrowers, page of 50"
    low, high = first["spread"]
    flow, fhigh = fallback["spread"]
    return [
        Row(
            f"{where}: first read of the day after the nightly refresh "
            f"({refreshed:,} refreshed), cache cold",
            noted(
                f"{first['seconds'] * 1000:.0f} ms (runs {low * 1000:.0f}–{high * 1000:.0f}), "
                f"{first['queries']} queries",
                first_note,
            ),
            f"≤ {FIRST_READ_LIMIT_S} s, ≤ {FIRST_READ_QUERY_LIMIT} queries",
            first["seconds"] <= FIRST_READ_LIMIT_S and first["queries"] <= FIRST_READ_QUERY_LIMIT,
            baseline=f"{ms(first['warm_ms'])} warm read",
            ratio=spread(first),
        ),
        Row(
            f"{where}: first read when the nightly refresh did not run "
            "(fallback: every figure stale, refreshed by the read)",
            noted(
                f"{fallback['seconds']:.2f} s (runs {flow:.2f}–{fhigh:.2f}), "
                f"{fallback['queries']} queries",
                fallback_note,
            ),
            baseline=f"{first['seconds'] * 1000:.0f} ms after the nightly refresh",
            ratio=f"{fallback['seconds'] / first['seconds']:.1f}×",
        ),
        Row(f"{where}: totals (reported)", totals),
        Row(
            f"{where}, warm: queries",
            str(page_queries),
            f"≤ {CASELOAD_QUERY_LIMIT}",
            page_queries <= CASELOAD_QUERY_LIMIT,
        ),
        Row(
            f"{where}, warm: latency",
            noted(ms(warm["view_ms"]), warm_note),
            f"≤ {CASELOAD_RATIO_LIMIT:.0f}× (median of blocks)",
            same and warm["ratio"] <= CASELOAD_RATIO_LIMIT,
            baseline=f"{ms(warm['base_ms'])} same page, no queries"
            + ("" if same else " (NOT the same page: FAIL)"),
            ratio=spread(warm),
        ),
    ]


# --- The overview -------------------------------------------------------------------


def dashboard_rows() -> list[Row]:
    from datetime import timedelta

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bench import urls as bench_urls
    from borrowers.debts import views as debt_views
    from borrowers.models import Borrower, Debt, ProductProfile, User

    today = timezone.localdate()
    user = User.objects.create_user("dashboard@bench.example", "bench-password-1")
    borrower = Borrower.objects.create(
        user=user,
        display_name="王芳",
        monthly_net_income=Decimal("9000"),
        rent=Decimal("2000"),
        food=Decimal("1500"),
    )
    profiles = list(ProductProfile.objects.order_by("pk"))
    for n in range(DASHBOARD_DEBTS):
        profile = profiles[n % len(profiles)]
        Debt.objects.create(
            borrower=borrower,
            profile=profile,
            lender_name=profile.default_lender or "某银行",
            nickname=f"借款{n + 1}",
            principal=Decimal("3000") + 250 * n,
            interest=Decimal("120"),
            annual_rate_percent=Decimal("18.25"),
            first_missed_date=today - timedelta(days=3 + 9 * n),
        )

    client = Client()
    client.force_login(user)
    assert client.get("/dashboard/").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/dashboard/").status_code == 200
    page_queries = len(queries)
    seen, page = captured_page(client, "/dashboard/", debt_views)
    bench_urls.DASHBOARD_CONTEXT.clear()
    bench_urls.DASHBOARD_CONTEXT.update(baseline_context(seen))
    anonymous, baseline_page = anonymous_without_queries("/bench/dashboard-without-queries/")
    same = same_page(page, "/dashboard/", baseline_page, "/bench/dashboard-without-queries/")
    html = page.content.decode()
    assert all(f"借款{n + 1}<" in html for n in range(DASHBOARD_DEBTS))

    def baseline():
        assert anonymous.get("/bench/dashboard-without-queries/").status_code == 200

    def page_view():
        assert client.get("/dashboard/").status_code == 200

    warm, note = when_calm("overview warm", lambda: interleaved(baseline, page_view))
    where = f"overview (dashboard), {DASHBOARD_DEBTS} debts, warm"
    return [
        Row(
            f"{where}: queries",
            str(page_queries),
            f"≤ {DASHBOARD_QUERY_LIMIT}",
            page_queries <= DASHBOARD_QUERY_LIMIT,
        ),
        Row(
            f"{where}: latency",
            noted(ms(warm["view_ms"]), note),
            f"≤ {DASHBOARD_RATIO_LIMIT:.0f}× (median of blocks)",
            same and warm["ratio"] <= DASHBOARD_RATIO_LIMIT,
            baseline=f"{ms(warm['base_ms'])} same page, no queries"
            + ("" if same else " (NOT the same page: FAIL)"),
            ratio=spread(warm),
        ),
    ]


def bench_rows() -> tuple[list[Row], list[Row]]:
    """The in-process benches, on SQLite in a temporary folder: the PDF and
    engine rows, then the pages' rows."""
    with tempfile.TemporaryDirectory() as tmp:
        environment.configure(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", Path(tmp))
        user, proposal = make_proposal()
        return pdf_rows(user, proposal), [*caseload_rows(), *dashboard_rows()]


# --- Benches in processes of their own ----------------------------------------------


def run_module(module: str, *args: str) -> dict:
    """``python -m module --json OUT *args`` from the environment as given: its figures,
    or an error when it wrote none."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "figures.json"
        try:
            completed = subprocess.run(
                [sys.executable, "-m", module, "--json", str(out), *args],
                env=ORIGINAL_ENV,
                cwd=BASE_DIR,
                check=False,
                timeout=SUBPROCESS_TIMEOUT_S,
            )
        except subprocess.TimeoutExpired:
            return {"error": f"{module} did not finish within {SUBPROCESS_TIMEOUT_S // 60} min"}
        if not out.exists():
            return {"error": f"{module} stopped without figures (exit code {completed.returncode})"}
        return json.loads(out.read_text())


def sweep_rows() -> tuple[list[Row], list[str], str]:
    """The sweep on PostgreSQL (judged) and on SQLite (reported); the databases
    used and the notes for bench/RESULTS.md."""
    size = str(SWEEP_INSTALLMENTS)
    # The load is read before: the sweep keeps PostgreSQL and its client busy.
    postgres, note = when_calm(
        "reminder sweep",
        lambda: run_module("bench.sweep", "--database", "postgres", "--installments", size),
        load_before=True,
    )
    sqlite = run_module("bench.sweep", "--database", "sqlite", "--installments", size)
    where = f"reminder sweep, {SWEEP_INSTALLMENTS:,} due installments"
    if "error" in postgres:
        rows = [Row(f"{where}, PostgreSQL", postgres["error"], f"≤ {SWEEP_LIMIT_S:.0f} s", False)]
        databases: list[str] = []
    else:
        line = per_batch(postgres["points"])
        db = postgres["database"]
        databases = [f"{db}, database huankuan_bench_sweep (reminder sweep)"]
        recorded = postgres["recorded"] == SWEEP_INSTALLMENTS
        sqlite_s = sqlite.get("seconds")
        rows = [
            Row(
                f"{where}, {db}: as the beat runs it (enqueueing included)",
                noted(
                    f"{postgres['seconds']:.2f} s, {postgres['recorded']:,} recorded, "
                    f"{postgres['enqueued']:,} enqueued",
                    note,
                ),
                f"≤ {SWEEP_LIMIT_S:.0f} s, all recorded",
                postgres["seconds"] <= SWEEP_LIMIT_S and recorded,
                baseline="—" if sqlite_s is None else f"{sqlite_s:.2f} s on SQLite (no target)",
                ratio="—" if sqlite_s is None else f"{postgres['seconds'] / sqlite_s:.2f}×",
            ),
            Row(
                f"{where}, {db}: queries per batch",
                line["figure"],
                "constant: c + k × batches in all 3 runs",
                line["ok"],
            ),
            Row(
                f"{where}, {db}: second run",
                f"{postgres['second_new']} new, {postgres['second_enqueued']} enqueued",
                "0 new, 0 enqueued",
                postgres["second_new"] == 0 and postgres["second_enqueued"] == 0,
            ),
        ]
    if "error" in sqlite:
        rows.append(Row(f"{where}, SQLite (reported)", sqlite["error"]))
    else:
        rows.append(
            Row(
                f"{where}, {sqlite['database']} (reported, no target)",
                f"{sqlite['seconds']:.2f} s, {sqlite['recorded']:,} recorded; "
                f"{per_batch(sqlite['points'])['figure']}",
            )
        )
    return rows, databases, sweep_notes(postgres, sqlite)


def per_batch(points: list[dict]) -> dict:
    """Whether the runs' queries are ``c + k × batches`` for one c and k: the line
    through the first two runs (two batch sizes) must hold for the third (another size)."""
    (b1, q1), (b2, q2), (b3, q3) = ((p["batches"], p["queries"]) for p in points)
    runs = "; ".join(
        f"{p['installments']:,} at {p['batch_size']}: {p['queries']} in {p['batches']}"
        for p in points
    )
    if b1 == b2:
        ok = q1 == q2 == q3 and b3 == b1
        return {"figure": f"{q1} queries whatever the size ({runs})", "ok": ok}
    k = (q2 - q1) / (b2 - b1)
    c = q1 - k * b1
    ok = k == int(k) and c >= 0 and q3 == c + k * b3
    return {"figure": f"{c:.0f} + {k:.0f} per batch ({runs})", "ok": ok}


def sweep_notes(postgres: dict, sqlite: dict) -> str:
    lines = [
        "## Reminder sweep",
        "",
        "`sweep(day)` as the beat runs it (outside a transaction, enqueueing the "
        "pending reminders included), each run on freshly seeded rows (100 "
        "installments per agreed plan, planner statistics fresh): queries counted "
        "with CaptureQueriesContext.",
        "",
        "| database | installments | batch size | batches | queries | seconds |",
        "|---|---|---|---|---|---|",
    ]
    for figures in (postgres, sqlite):
        if "error" in figures:
            lines.append(f"| {figures['error']} | | | | | |")
            continue
        lines += [
            f"| {figures['database']} | {p['installments']:,} | {p['batch_size']} | "
            f"{p['batches']} | {p['queries']} | {p['seconds']:.2f} |"
            for p in figures["points"]
        ]
    return "\n".join(lines) + "\n"


def run_load() -> dict:
    """The load test in its own processes (bench/load.py), rerun once when the
    machine was already busy before it started (it keeps every core busy itself)."""
    load, note = when_calm("load test", lambda: run_module("bench.load"), load_before=True)
    load["rerun"] = note
    return load


def load_rows(load: dict) -> list[Row]:
    from bench.load import rows_from

    return rows_from(load)


def scaleout_rows() -> list[Row]:
    """The scale-out test (bench/scaleout.py) as a subprocess, then its rows; a
    module that is missing, fails or reports nothing gives a failed row."""
    data = run_module("bench.scaleout")
    if "error" in data and len(data) == 1:
        return [Row("scale-out (bench/scaleout.py)", data["error"], "runs", False)]
    try:
        rows = importlib.import_module("bench.scaleout").rows_from(data)
    except Exception as error:  # missing or broken: a failed row, not a stopped bench
        return [Row("scale-out (bench/scaleout.py)", f"no rows: {error!r}", "runs", False)]
    return rows or [Row("scale-out (bench/scaleout.py)", "reported no row", "runs", False)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--no-load", action="store_true", help="skip the load test")
    parser.add_argument("--no-scaleout", action="store_true", help="skip the scale-out test")
    parser.add_argument("--write-results", action="store_true", help="also write bench/RESULTS.md")
    args = parser.parse_args(argv)

    report.WATCH.start()
    # The in-process benches first, while the machine has nothing of ours to settle.
    documents, pages = bench_rows()
    sweep, databases, notes = sweep_rows()
    rows = [*documents, *sweep, *pages]
    if not args.no_load:
        load = run_load()
        rows += load_rows(load)
        if "database" in load:
            databases.append(f"{load['database']} (load test)")
        notes += "\n" + load.get("notes", "")
    if not args.no_scaleout:
        rows += scaleout_rows()
    report.WATCH.stop()
    print()
    print(report.table(rows))
    ok = report.all_pass(rows)
    print()
    print("OK: every figure within its target" if ok else "OVER A TARGET")
    if args.write_results:
        path = report.write_results(rows, databases, notes)
        print(f"Wrote {path}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
