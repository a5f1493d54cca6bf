"""Run the reminder sweep for a day (today in Asia/Shanghai by default).

The same sweep the beat runs at 09:00. Safe to run again: reminders already
recorded for that day are not recorded or sent twice.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from repayment_plans.reminders.engine import local_today, sweep


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--date", help="The day to sweep, YYYY-MM-DD.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be sent; change nothing."
        )

    def handle(self, *args, date=None, dry_run=False, **options):
        day = local_today() if date is None else self._parse(date)
        with transaction.atomic():
            result = sweep(day, dry_run=dry_run)
        verb = "would remind" if dry_run else "recorded"
        for kind, count in sorted(result.candidates.items()):
            self.stdout.write(f"{kind:16} {count}")
        self.stdout.write(
            f"{day}: {verb} {result.total} in {result.batches} batches; enqueued {result.enqueued}"
        )

    @staticmethod
    def _parse(value) -> date:
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise CommandError(f"--date must be YYYY-MM-DD, not {value!r}") from exc
