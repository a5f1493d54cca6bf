"""The reminder sweep over many due installments, in a process of its own, on
PostgreSQL (a database of its own, created and dropped here) or SQLite.

    python -m bench.sweep --database postgres|sqlite [--installments N] --json PATH

The sweep runs as the beat runs it: ``sweep(day)`` outside any transaction, so
that the day's pending reminders are enqueued (kombu's in-memory transport)
inside the timed call. Its queries are counted (CaptureQueriesContext) at two
sizes and two batch sizes: SMALL installments with batches of 1000 and of 250,
then the full count with batches of 1000, each on freshly seeded rows. With a
constant number of queries per batch, every run makes ``c + k × batches``
queries for the same ``c`` and ``k``; bench/__main__.py judges that the three
runs lie on one such line. A second sweep of the day must record and enqueue
nothing.
"""

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from bench import environment, load

DATABASE_NAME = "huankuan_bench_sweep"
DAY = date(2027, 3, 1)
INSTALLMENTS = int(os.environ.get("BENCH_SWEEP_INSTALLMENTS", "100000"))
SMALL = int(os.environ.get("BENCH_SWEEP_SMALL", "5000"))
BATCH_SIZE = 1000
SMALL_BATCH_SIZE = 250
PER_PLAN = 100


def make_due_installments(day: date, count: int, prefix: str) -> None:
    """``count`` unpaid installments due on ``day``, PER_PLAN per agreed plan."""
    from borrowers.models import Borrower, User
    from repayment_plans.models import Installment, Plan, Proposal

    plans = max(1, count // PER_PLAN)
    users = User.objects.bulk_create(
        User(email=f"{prefix}{n}@sweep.example", password="!") for n in range(plans)
    )
    borrowers = Borrower.objects.bulk_create(
        Borrower(user=u, display_name=f"B{n}") for n, u in enumerate(users)
    )
    proposals = Proposal.objects.bulk_create(
        Proposal(
            borrower=b, lender_name="L", months=PER_PLAN, first_due_date=day, status="accepted"
        )
        for b in borrowers
    )
    plan_rows = Plan.objects.bulk_create(
        Plan(
            proposal=p,
            principal=Decimal("10000"),
            method="interest_free",
            months=PER_PLAN,
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
            for k in range(count // len(plan_rows))
        ),
        batch_size=5000,
    )
    analyze()


def analyze() -> None:
    """Fresh planner statistics, as a production database has after autovacuum."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def remove_seeded(prefix: str) -> None:
    """The reminders and the seeded users with everything they own."""
    from borrowers.models import Borrower, User
    from repayment_plans.models import Installment, Plan, Proposal, Reminder

    Reminder.objects.all().delete()
    Installment.objects.filter(plan__proposal__borrower__user__email__startswith=prefix).delete()
    Plan.objects.filter(proposal__borrower__user__email__startswith=prefix).delete()
    Proposal.objects.filter(borrower__user__email__startswith=prefix).delete()
    Borrower.objects.filter(user__email__startswith=prefix).delete()
    User.objects.filter(email__startswith=prefix).delete()


def counted_sweep(batch_size: int) -> dict:
    """One sweep of DAY as the beat runs it: its time, batches and queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from repayment_plans.models import Reminder
    from repayment_plans.reminders import engine as reminders

    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        result = reminders.sweep(DAY, batch_size=batch_size)
        seconds = time.perf_counter() - start
    return {
        "batch_size": batch_size,
        "seconds": seconds,
        "batches": result.batches,
        "queries": len(queries),
        "enqueued": result.enqueued,
        "recorded": Reminder.objects.filter(on_date=DAY).count(),
    }


def measure(installments: int) -> dict:
    from repayment_plans.models import Reminder
    from repayment_plans.reminders import engine as reminders

    # Queries at a small size, with two batch sizes.
    make_due_installments(DAY, SMALL, "small")
    points = []
    for size in (BATCH_SIZE, SMALL_BATCH_SIZE):
        Reminder.objects.all().delete()
        points.append({"installments": SMALL, **counted_sweep(size)})
    remove_seeded("small")

    # The full size: the timed run, then a second run of the same day.
    make_due_installments(DAY, installments, "sweep")
    full = {"installments": installments, **counted_sweep(BATCH_SIZE)}
    points.append(full)
    Reminder.objects.filter(on_date=DAY).update(status=Reminder.Status.SENT)
    second = reminders.sweep(DAY)
    return {
        **full,
        "points": points,
        "second_new": Reminder.objects.filter(on_date=DAY).count() - full["recorded"],
        "second_enqueued": second.enqueued,
    }


def run(database: str, installments: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        if database == "postgres":
            import psycopg

            try:
                url, version = load.create_postgres(DATABASE_NAME)
            except psycopg.OperationalError as error:
                reason = str(error).strip().splitlines()[0]
                return {"error": f"PostgreSQL not reachable: {reason}"}
            label = f"PostgreSQL {version}"
        else:
            url = f"sqlite:///{Path(tmp) / 'sweep.sqlite3'}"
            label = f"SQLite {sqlite3.sqlite_version}"
        try:
            environment.configure(url, Path(tmp))
            figures = measure(installments)
        finally:
            if database == "postgres":
                from django.db import connections

                connections.close_all()
                load.drop_postgres(DATABASE_NAME)
    return {"database": label, **figures}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.sweep", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--database", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--installments", type=int, default=INSTALLMENTS)
    parser.add_argument("--json", type=Path, help="write the figures here (for python -m bench)")
    args = parser.parse_args(argv)
    try:
        figures = run(args.database, args.installments)
    except Exception as error:  # reported as a failed row, with the reason
        figures = {"error": f"the sweep bench failed: {error!r}"}
    text = json.dumps(figures, indent=1)
    if args.json:
        args.json.write_text(text)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
