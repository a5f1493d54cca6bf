"""Benchmarks (`make bench`): figures as ratios against a baseline in the same run,
printed as one table (path, figure, baseline, ratio, target, result); the exit
code is non-zero when any figure misses its target.

1. Rendering a proposal (3 debts, a 36-row schedule) through the app, template and
   all, against WeasyPrint alone rendering the same HTML with a reused
   FontConfiguration: median ratio must be <= 1.3.
2. Downloading a finalised version through the view: median <= 20 ms.
3. The recovery engine for 10 debts over 60 months: median <= 5 ms.
4. The reminder sweep over 100,000 due installments: <= 20 s, the same number
   of queries for every batch, and a second run that records and sends nothing.
5. A counselor's caseload of 10,000 borrowers, one page of 50: at most 12
   queries, median latency <= 3x a Django view with no queries (the same page
   template rendered from fixed rows) in the same run.
6. A borrower's overview with 20 debts: at most 10 queries, median latency
   <= 2x a Django view with no queries rendering the same template from the
   same rows, in the same run.
7. The load test (bench/load.py): gunicorn with 2 workers, 20 simulated users
   for 60 s, no failed request (skipped with --no-load).

Latency ratios (5, 6) come from interleaved rounds in blocks that alternate
which side goes first; each block gives a ratio of medians and the figure is
the median of the blocks, after warm-up rounds and with the garbage collector's
long-lived objects frozen, so that a burst of load on the machine moves one
block, not the result.

`python -m bench --write-results` also writes bench/RESULTS.md (the table, the
date and the machine).
"""

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))
RATIO_LIMIT = 1.3
DOWNLOAD_LIMIT_MS = 20.0
ENGINE_LIMIT_MS = 5.0
SWEEP_INSTALLMENTS = int(os.environ.get("BENCH_SWEEP_INSTALLMENTS", "100000"))
SWEEP_LIMIT_S = 20.0
CASELOAD_BORROWERS = int(os.environ.get("BENCH_CASELOAD_BORROWERS", "10000"))
CASELOAD_QUERY_LIMIT = 12
CASELOAD_RATIO_LIMIT = 3.0
DASHBOARD_DEBTS = 20
DASHBOARD_QUERY_LIMIT = 10
DASHBOARD_RATIO_LIMIT = 2.0
# Interleaved latency comparisons: blocks of rounds, a ratio per block.
BLOCKS = int(os.environ.get("BENCH_BLOCKS", "9"))
BLOCK_ROUNDS = max(ROUNDS, 20)
WARMUP_ROUNDS = 10
# The environment as given, for the load test's own processes.
ORIGINAL_ENV = dict(os.environ)


def setup_django(workdir: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("STATIC_MANIFEST", "false")
    os.environ.setdefault("SECURE_HTTPS", "false")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # Enqueueing is measured against kombu's in-memory transport: no server needed.
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    settings.ROOT_URLCONF = "bench.urls"
    call_command("migrate", verbosity=0)


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


def median_seconds(fn, rounds=ROUNDS) -> float:
    fn()  # warm-up: fonts, templates, imports
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def interleaved(baseline, measured) -> dict:
    """Median latencies of ``baseline`` and ``measured`` and their ratio.

    Rounds alternate between the two so that both see the same machine load;
    they come in BLOCKS blocks whose first side alternates, each block giving
    the ratio of its two medians; the figures are the medians over the blocks.
    """
    for _ in range(WARMUP_ROUNDS):  # templates, caches, connections
        baseline()
        measured()
    gc.collect()
    gc.freeze()  # what exists now is not traced again by every collection
    base_blocks, view_blocks, ratios = [], [], []
    try:
        for block in range(BLOCKS):
            base_samples, view_samples = [], []
            pair = [(baseline, base_samples), (measured, view_samples)]
            if block % 2:
                pair.reverse()
            for _ in range(BLOCK_ROUNDS):
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


def engine_median_ms() -> float:
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
    return median_seconds(lambda: recovery_timeline(accounts, today), rounds=50) * 1000


def make_due_installments(day, count: int) -> None:
    """``count`` unpaid installments due on ``day``, 100 per plan."""
    from datetime import timedelta

    from borrowers.models import Borrower, User
    from repayment_plans.models import Installment, Plan, Proposal

    per_plan = 100
    plans = count // per_plan
    users = User.objects.bulk_create(
        User(email=f"sweep{n}@example.com", password="!") for n in range(plans)
    )
    borrowers = Borrower.objects.bulk_create(
        Borrower(user=u, display_name=f"B{n}") for n, u in enumerate(users)
    )
    proposals = Proposal.objects.bulk_create(
        Proposal(
            borrower=b, lender_name="L", months=per_plan, first_due_date=day, status="accepted"
        )
        for b in borrowers
    )
    plan_rows = Plan.objects.bulk_create(
        Plan(
            proposal=p,
            principal=Decimal("10000"),
            method="interest_free",
            months=per_plan,
            first_due_date=day,
            agreed_on=day - timedelta(days=30),
        )
        for p in proposals
    )
    Installment.objects.bulk_create(
        (
            Installment(
                plan=plan,
                number=k + 1,
                due_date=day,
                amount=Decimal("100"),
                principal=Decimal("100"),
                interest=Decimal("0"),
            )
            for plan in plan_rows
            for k in range(per_plan)
        ),
        batch_size=5000,
    )


def sweep_figures() -> dict:
    from datetime import date

    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from repayment_plans.models import Reminder
    from repayment_plans.reminders import engine as reminders

    day = date(2027, 3, 1)
    make_due_installments(day, SWEEP_INSTALLMENTS)
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        start = time.perf_counter()
        first = reminders.sweep(day)
        seconds = time.perf_counter() - start
    recorded = Reminder.objects.filter(on_date=day).count()
    # What the worker would do with them; then the second run must add nothing.
    Reminder.objects.filter(on_date=day).update(status=Reminder.Status.SENT)
    with transaction.atomic():
        second = reminders.sweep(day)
    again = Reminder.objects.filter(on_date=day).count() - recorded
    per_batch = (len(queries) - 1) / max(first.batches, 1)  # minus the enqueue query
    return {
        "seconds": seconds,
        "recorded": recorded,
        "batches": first.batches,
        "queries": len(queries),
        "per_batch": per_batch,
        "enqueued": first.enqueued,
        "second_new": again,
        "second_enqueued": second.enqueued,
    }


def caseload_figures() -> dict:
    from datetime import timedelta

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from borrowers.counselors import caseload
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

    client = Client()
    client.force_login(counselor_user)
    # The first read of the day stores every borrower's figures; measure the rest.
    assert client.get("/counselor/").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/counselor/").status_code == 200
    page_queries = len(queries)

    # Baseline: a Django view rendering the same template from the same 50 rows,
    # through the same middleware, making no query (an anonymous request).
    from django.core.paginator import Paginator

    from bench import urls as bench_urls

    rows = list(caseload.caseload(counselor, today)[:50])
    page = Paginator(rows, 50).get_page(1)
    bench_urls.BASELINE_CONTEXT.update(
        {
            "counselor": counselor,
            "filters": caseload.Filters(),
            "rows": [(row, caseload.describe(row, today)) for row in rows],
            "page": page,
            "query": "",
            "tiers": caseload.TIER_NAMES,
            "proposal_statuses": [(s, s) for s in caseload.PROPOSAL_STATUSES],
            "invite": None,
        }
    )
    anonymous = Client()
    with CaptureQueriesContext(connection) as baseline_queries:
        assert anonymous.get("/bench/caseload-without-queries/").status_code == 200
    assert len(baseline_queries) == 0, baseline_queries.captured_queries

    def baseline():
        assert anonymous.get("/bench/caseload-without-queries/").status_code == 200

    def page_view():
        assert client.get("/counselor/").status_code == 200

    return {"queries": page_queries, **interleaved(baseline, page_view)}


def dashboard_figures() -> dict:
    from datetime import timedelta

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bench import urls as bench_urls
    from borrowers.debts.views import build_overview
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
        response = client.get("/dashboard/")
    assert response.status_code == 200
    page_queries = len(queries)

    # Baseline: the same template, through the same middleware, from the same
    # rows fetched in advance, for a request that makes no query (anonymous;
    # the signed-in user is handed to the template so the header is the same).
    signed_in = User.objects.select_related("borrower").get(pk=user.pk)
    bench_urls.DASHBOARD_CONTEXT.update(
        {
            "overview": build_overview(signed_in.borrower, today),
            "borrower": signed_in.borrower,
            "user": signed_in,
            "unread_notifications": 0,
        }
    )
    anonymous = Client()
    with CaptureQueriesContext(connection) as baseline_queries:
        baseline_response = anonymous.get("/bench/dashboard-without-queries/")
    assert baseline_response.status_code == 200
    assert len(baseline_queries) == 0, baseline_queries.captured_queries
    for html in (response.content.decode(), baseline_response.content.decode()):
        assert all(f"借款{n + 1}<" in html for n in range(DASHBOARD_DEBTS))
        assert 'action="/accounts/logout/"' in html

    def baseline():
        assert anonymous.get("/bench/dashboard-without-queries/").status_code == 200

    def page_view():
        assert client.get("/dashboard/").status_code == 200

    return {"queries": page_queries, **interleaved(baseline, page_view)}


def run_load() -> dict:
    """The load test in its own processes (bench/load.py), from the environment as given."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "load.json"
        completed = subprocess.run(
            [sys.executable, "-m", "bench.load", "--json", str(out)],
            env=ORIGINAL_ENV,
            cwd=Path(__file__).resolve().parent.parent,
            check=False,
        )
        if not out.exists():
            return {"error": f"the load test stopped (exit code {completed.returncode})"}
        return json.loads(out.read_text())


def ms(value: float) -> str:
    return f"{value:.1f} ms"


def bench_rows() -> list:
    from bench.report import Row

    with tempfile.TemporaryDirectory() as tmp:
        setup_django(Path(tmp))
        from django.test import Client
        from django.utils import timezone
        from weasyprint import HTML

        from borrowers import pdf
        from repayment_plans.proposals import services as proposal_services

        user, proposal = make_proposal()
        today = timezone.localdate()
        html = proposal_services.render_letter_html(proposal, today, "zh-hans")
        assert proposal_services.proposal_schedule(proposal).regular_count == 36

        def baseline():
            HTML(string=html).write_pdf(
                stylesheets=[pdf.font_stylesheet()], font_config=pdf.FONT_CONFIG
            )

        def app_render():
            pdf.render_pdf(
                proposal_services.render_letter_html(proposal, today, "zh-hans"), strict=True
            )

        base = median_seconds(baseline)
        app = median_seconds(app_render)
        ratio = app / base

        version = proposal_services.finalise(proposal, today, "zh-hans")
        client = Client()
        client.force_login(user)
        url = f"/proposals/{proposal.pk}/versions/{version.number}.pdf"

        def download():
            response = client.get(url)
            assert response.status_code == 200
            b"".join(response.streaming_content)

        download_ms = median_seconds(download, rounds=max(ROUNDS, 30)) * 1000
        engine_ms = engine_median_ms()
        sweep = sweep_figures()
        case = caseload_figures()
        dash = dashboard_figures()

    sweep_ok = sweep["seconds"] <= SWEEP_LIMIT_S and sweep["recorded"] == SWEEP_INSTALLMENTS
    low, high = case["ratio_spread"]
    dlow, dhigh = dash["ratio_spread"]
    return [
        Row(
            "proposal PDF (3 debts, 36 installments): app, template + strict PDF",
            ms(app * 1000),
            f"≤ {RATIO_LIMIT}×",
            ratio <= RATIO_LIMIT,
            baseline=f"{ms(base * 1000)} WeasyPrint alone",
            ratio=f"{ratio:.2f}×",
        ),
        Row(
            "download of a finalised PDF version (view)",
            ms(download_ms),
            f"≤ {DOWNLOAD_LIMIT_MS:.0f} ms",
            download_ms <= DOWNLOAD_LIMIT_MS,
        ),
        Row(
            "recovery engine, 10 debts × 60 months",
            f"{engine_ms:.2f} ms",
            f"≤ {ENGINE_LIMIT_MS:.0f} ms",
            engine_ms <= ENGINE_LIMIT_MS,
        ),
        Row(
            f"reminder sweep, {SWEEP_INSTALLMENTS:,} due installments",
            f"{sweep['seconds']:.1f} s, {sweep['recorded']:,} recorded",
            f"≤ {SWEEP_LIMIT_S:.0f} s, all recorded",
            sweep_ok,
        ),
        Row(
            "reminder sweep: queries (reported)",
            f"{sweep['queries']} for {sweep['batches']} batches "
            f"({sweep['per_batch']:.1f} per batch); {sweep['enqueued']:,} enqueued",
        ),
        Row(
            "reminder sweep, second run",
            f"{sweep['second_new']} new, {sweep['second_enqueued']} enqueued",
            "0 new, 0 enqueued",
            sweep["second_new"] == 0 and sweep["second_enqueued"] == 0,
        ),
        Row(
            f"caseload of {CASELOAD_BORROWERS:,} borrowers, page of 50: queries",
            str(case["queries"]),
            f"≤ {CASELOAD_QUERY_LIMIT}",
            case["queries"] <= CASELOAD_QUERY_LIMIT,
        ),
        Row(
            f"caseload of {CASELOAD_BORROWERS:,} borrowers, page of 50: latency",
            ms(case["view_ms"]),
            f"≤ {CASELOAD_RATIO_LIMIT:.0f}×",
            case["ratio"] <= CASELOAD_RATIO_LIMIT,
            baseline=f"{ms(case['base_ms'])} same page, no queries",
            ratio=f"{case['ratio']:.2f}× ({low:.2f}–{high:.2f})",
        ),
        Row(
            f"overview (dashboard), {DASHBOARD_DEBTS} debts: queries",
            str(dash["queries"]),
            f"≤ {DASHBOARD_QUERY_LIMIT}",
            dash["queries"] <= DASHBOARD_QUERY_LIMIT,
        ),
        Row(
            f"overview (dashboard), {DASHBOARD_DEBTS} debts: latency",
            ms(dash["view_ms"]),
            f"≤ {DASHBOARD_RATIO_LIMIT:.0f}×",
            dash["ratio"] <= DASHBOARD_RATIO_LIMIT,
            baseline=f"{ms(dash['base_ms'])} same page, no queries",
            ratio=f"{dash['ratio']:.2f}× ({dlow:.2f}–{dhigh:.2f})",
        ),
    ]


def load_rows(load: dict) -> list:
    from bench.load import rows_from

    return rows_from(load)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--no-load", action="store_true", help="skip the load test")
    parser.add_argument("--write-results", action="store_true", help="also write bench/RESULTS.md")
    args = parser.parse_args(argv)

    from bench import report

    rows = bench_rows()
    load = None if args.no_load else run_load()
    if load is not None:
        rows += load_rows(load)
    print()
    print(report.table(rows))
    ok = report.all_pass(rows)
    print()
    print("OK: every figure within its target" if ok else "OVER A TARGET")
    if args.write_results:
        database = load.get("database") if load else None
        path = report.write_results(rows, database, load.get("notes", "") if load else "")
        print(f"Wrote {path}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
