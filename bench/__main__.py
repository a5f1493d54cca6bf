"""Benchmarks (`make bench`): figures as ratios against a baseline in the same run.

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
"""

import os
import statistics
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


def engine_median_ms() -> float:
    from datetime import date, timedelta

    from repayment_plans.recovery import AccountInput, Installment, PlanInput, recovery_timeline
    from repayment_plans.schedules import add_months

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

    from repayment_plans import reminders
    from repayment_plans.models import Reminder

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

    from borrowers import caseload as triage
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
                    light_on=missed + timedelta(days=1),
                    moderate_on=missed + timedelta(days=31),
                    severe_on=missed + timedelta(days=61),
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

    rows = list(triage.caseload(counselor, today)[:50])
    page = Paginator(rows, 50).get_page(1)
    bench_urls.BASELINE_CONTEXT.update(
        {
            "counselor": counselor,
            "filters": triage.Filters(),
            "rows": [(row, triage.describe(row, today)) for row in rows],
            "page": page,
            "query": "",
            "tiers": triage.TIER_NAMES,
            "proposal_statuses": [(s, s) for s in triage.PROPOSAL_STATUSES],
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

    # Interleaved rounds, so that both see the same machine load.
    base_samples, view_samples = [], []
    baseline()
    page_view()
    for _ in range(max(ROUNDS, 40)):
        for fn, samples in ((baseline, base_samples), (page_view, view_samples)):
            start = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - start)
    base_ms = statistics.median(base_samples) * 1000
    view_ms = statistics.median(view_samples) * 1000
    return {"queries": page_queries, "base_ms": base_ms, "view_ms": view_ms}


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(Path(tmp))
        from django.test import Client
        from django.utils import timezone
        from weasyprint import HTML

        from repayment_plans import pdf, services

        user, proposal = make_proposal()
        today = timezone.localdate()
        html = services.render_letter_html(proposal, today, "zh-hans")
        assert services.proposal_schedule(proposal).regular_count == 36

        def baseline():
            HTML(string=html).write_pdf(
                stylesheets=[pdf.font_stylesheet()], font_config=pdf.FONT_CONFIG
            )

        def app_render():
            pdf.render_pdf(services.render_letter_html(proposal, today, "zh-hans"), strict=True)

        base = median_seconds(baseline)
        app = median_seconds(app_render)
        ratio = app / base

        version = services.finalise(proposal, today, "zh-hans")
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

    print(f"proposal render, WeasyPrint alone (baseline): {base * 1000:8.1f} ms median")
    print(f"proposal render, app (template + strict PDF): {app * 1000:8.1f} ms median")
    print(f"ratio app / baseline: {ratio:.2f} (limit {RATIO_LIMIT})")
    print(
        f"download of a finalised version: {download_ms:.1f} ms median (limit {DOWNLOAD_LIMIT_MS})"
    )
    print(
        f"recovery engine, 10 debts x 60 months: {engine_ms:.2f} ms median "
        f"(limit {ENGINE_LIMIT_MS})"
    )
    print(
        f"reminder sweep: {sweep['recorded']} reminders from {SWEEP_INSTALLMENTS} due "
        f"installments in {sweep['seconds']:.1f} s (limit {SWEEP_LIMIT_S}); "
        f"{sweep['batches']} batches, {sweep['queries']} queries "
        f"({sweep['per_batch']:.1f} per batch); {sweep['enqueued']} enqueued"
    )
    print(f"second sweep: {sweep['second_new']} new reminders, {sweep['second_enqueued']} enqueued")
    sweep_ok = (
        sweep["seconds"] <= SWEEP_LIMIT_S
        and sweep["recorded"] == SWEEP_INSTALLMENTS
        and sweep["second_new"] == 0
        and sweep["second_enqueued"] == 0
    )
    case_ratio = case["view_ms"] / case["base_ms"]
    print(
        f"caseload of {CASELOAD_BORROWERS} borrowers, page of 50: {case['queries']} queries "
        f"(limit {CASELOAD_QUERY_LIMIT}); {case['view_ms']:.1f} ms median against "
        f"{case['base_ms']:.1f} ms for the page rendered without queries: "
        f"{case_ratio:.2f}x (limit {CASELOAD_RATIO_LIMIT})"
    )
    ok = (
        case["queries"] <= CASELOAD_QUERY_LIMIT
        and case_ratio <= CASELOAD_RATIO_LIMIT
        and ratio <= RATIO_LIMIT
        and download_ms <= DOWNLOAD_LIMIT_MS
        and engine_ms <= ENGINE_LIMIT_MS
        and sweep_ok
    )
    print("OK" if ok else "OVER THE TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
