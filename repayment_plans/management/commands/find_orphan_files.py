"""Find stored files that no row points to, and rows whose file is missing.

Every file field of every model is compared with every file in the default
storage (MEDIA_ROOT, or the bucket when AWS_STORAGE_BUCKET_NAME is set), listed
through the storage API. An orphan is a file no row points to: a PDF written by a
finalise whose transaction then failed, one left by older code, or a media
folder restored from another day than the database. A missing file is a row
whose file is not in storage.

One line per finding, then a summary line that starts with "clean" or "found".
Only file paths, model names and row ids are printed. Exit code 0 when clean, 1
when anything was found (a restore drill expects 0).

A dry report by default. With --delete, orphan files are deleted (rows never
are), except those younger than --min-age minutes, which may belong to a
finalise still under way.
"""

import sys
from dataclasses import dataclass
from datetime import timedelta

from django.apps import apps
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.db import models
from django.utils import timezone

from borrowers.data_rights.sections import remove_files, stored_tree


@dataclass(frozen=True)
class Row:
    model: str  # app_label.Model
    pk: object
    field: str
    name: str  # the stored file's name, "" when the row has none

    def __str__(self):
        return f"{self.model} {self.pk} {self.field}: {self.name or '(no file name)'}"


def file_fields():
    """(model, field) for every file field of the project's tables."""
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        for field in meta.local_concrete_fields:
            if isinstance(field, models.FileField):
                yield model, field


def rows_with_files() -> list[Row]:
    """Every row's file (or its lack, where the field requires one)."""
    rows = []
    for model, field in file_fields():
        queryset = model._default_manager.order_by("pk")
        if field.blank:
            queryset = queryset.exclude(**{field.attname: ""}).exclude(
                **{f"{field.attname}__isnull": True}
            )
        for pk, name in queryset.values_list("pk", field.attname).iterator():
            rows.append(Row(model._meta.label, pk, field.name, name or ""))
    return rows


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--delete",
            action="store_true",
            help="Delete the orphan files (never rows). Without it, only report.",
        )
        parser.add_argument(
            "--min-age",
            type=int,
            default=60,
            metavar="MINUTES",
            help="With --delete, keep orphans younger than this (default 60).",
        )

    def handle(self, *args, delete=False, min_age=60, **options):
        # Rows first, then files: a file is written before its row commits, so a
        # row seen here has its file in the listing below unless it is really gone.
        rows = rows_with_files()
        stored, _folders = stored_tree("")
        stored_set = set(stored)
        referenced = {row.name for row in rows if row.name}

        orphans = [name for name in stored if name not in referenced]
        missing = [
            row
            for row in rows
            if not row.name or (row.name not in stored_set and not default_storage.exists(row.name))
        ]

        deleted = []
        if delete:
            old_enough = [name for name in orphans if self._old_enough(name, min_age)]
            deleted = remove_files(old_enough)
        for name in orphans:
            if not delete:
                note = ""
            elif name in deleted:
                note = " (deleted)"
            else:
                note = f" (kept: younger than {min_age} minutes, or could not be deleted)"
            self.stdout.write(f"orphan file: {name}{note}")
        for row in missing:
            self.stdout.write(f"missing file: {row}")

        counts = f"{plural(len(stored), 'stored file')}, {plural(len(rows), 'row')} with files"
        if not orphans and not missing:
            self.stdout.write(f"clean: {counts}; no orphan file, no missing file")
            return
        action = f", {len(deleted)} deleted" if delete else " (dry run: --delete removes them)"
        self.stdout.write(
            f"found: {plural(len(orphans), 'orphan file')}{action}, "
            f"{plural(len(missing), 'row')} with a missing file; {counts}"
        )
        sys.exit(1)

    @staticmethod
    def _old_enough(name: str, min_age: int) -> bool:
        if min_age <= 0:
            return True
        try:
            modified = default_storage.get_modified_time(name)
        except (NotImplementedError, OSError):
            return False  # age unknown: keep it
        return timezone.now() - modified >= timedelta(minutes=min_age)
