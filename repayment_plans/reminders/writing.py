"""How the sweep writes Reminder rows: one INSERT per batch, in the database.

``Batched.insert`` writes the rows a query selects (``INSERT … SELECT``), with
the values built in SQL by Django's expressions (the context by ``JSONObject``:
``json_object`` on SQLite, ``JSONB_BUILD_OBJECT`` on PostgreSQL), so that no
row passes through Python. ``insert_rows`` writes rows built in Python (the
kinds that need Python to decide, such as tiers and milestones). Both end in
``ON CONFLICT DO NOTHING``: the unique (subject, kind, day) constraint keeps a
row already recorded, and ``RETURNING`` tells which kinds were written. Both
SQLite (3.35 and later) and PostgreSQL take this SQL.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from django.db import connection
from django.db.models import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    Expression,
    F,
    Field,
    Func,
    IntegerField,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast, Concat

from repayment_plans.models import Reminder

# The columns written, in this order; the others are NULL (read_at, sent_at).
FIELDS = (
    "user",
    "kind",
    "subject",
    "on_date",
    "context",
    "link",
    "status",
    "emailed",
    "in_app",
    "attempts",
    "failure_reason",
    "created_at",
)
# Rows per INSERT … VALUES statement: SQLite takes at most 32,766 parameters.
VALUES_CHUNK = 500


class YuanText(Func):
    """A money expression as text with two decimals, as ``str()`` of the Decimal
    gives it in Python ("100.00"): SQLite keeps 100.00 as the number 100."""

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        return Cast(self.get_source_expressions()[0], CharField()).as_sql(compiler, connection)

    def as_sqlite(self, compiler, connection, **extra_context):
        # The format is a parameter: no "%" in the statement's text.
        printf = Func(Value("%.2f"), self.get_source_expressions()[0], function="printf")
        return printf.as_sql(compiler, connection)


def text(expression: str | Expression) -> Expression:
    """A column (or expression) as text, to concatenate."""
    return Cast(F(expression) if isinstance(expression, str) else expression, CharField())


def link(pattern: str, column: str) -> Expression:
    """A URL with one integer argument, built in SQL: ``pattern`` is the URL
    reversed with the placeholder 987654321 (as engine._link)."""
    before, _sep, after = pattern.partition("987654321")
    return Concat(Value(before), text(column), Value(after), output_field=CharField())


def pending(day: date, now: datetime) -> dict[str, Expression]:
    """The values every new row starts with: pending, in the app, not sent."""
    return {
        "on_date": Value(day, output_field=DateField()),
        "status": Value(Reminder.Status.PENDING, output_field=CharField()),
        "emailed": Value(False, output_field=BooleanField()),
        "in_app": Value(True, output_field=BooleanField()),
        "attempts": Value(0, output_field=IntegerField()),
        "failure_reason": Value("", output_field=CharField()),
        "created_at": Value(now, output_field=DateTimeField()),
    }


def _field(name: str) -> Field:
    field = Reminder._meta.get_field(name)
    assert isinstance(field, Field)
    return field


def _column(name: str) -> str:
    column = _field(name).column
    assert column is not None
    return connection.ops.quote_name(column)


def _insert(rows_sql: str) -> str:
    table = connection.ops.quote_name(Reminder._meta.db_table)
    columns = ", ".join(_column(name) for name in FIELDS)
    kind = _column("kind")
    return f"INSERT INTO {table} ({columns}) {rows_sql} ON CONFLICT DO NOTHING RETURNING {kind}"


# Stand-ins for a batch's bounds in a statement compiled once (Batched): the
# primary key the batch starts after, and its last one.
AFTER = -(2**62) - 1
UP_TO = -(2**62) - 2


class Batched:
    """A statement compiled once and run for each batch with the batch's bounds
    in place of AFTER and UP_TO: the same SQL for every batch, and no time spent
    compiling Django's expressions again."""

    def __init__(self, sql: str, params: tuple):
        self.sql = sql
        self.params = list(params)
        self.marks = {
            i: mark
            for i, mark in enumerate(self.params)
            if type(mark) is int and mark in (AFTER, UP_TO)
        }
        assert self.marks, "a batched statement names its bounds"

    @classmethod
    def select(cls, queryset: QuerySet, columns: list[str]) -> Batched:
        """The query's rows, as tuples of ``columns`` (all annotations, in the
        order they were annotated: the order of the SQL's columns)."""
        assert list(queryset.query.annotation_select) == columns
        return cls(*queryset.query.sql_with_params())

    @classmethod
    def insert(cls, queryset: QuerySet, values: dict[str, Expression]) -> Batched:
        """Write one row per row of ``queryset``, each column the expression of
        ``values`` (a key per name of FIELDS); run() returns the kinds written.

        The query must have a WHERE clause (SQLite reads "ON CONFLICT" right
        after a join as the join's condition otherwise).
        """
        names = [f"reminder_{name}" for name in FIELDS]
        select = (
            queryset.order_by()
            .annotate(**{alias: values[name] for alias, name in zip(names, FIELDS, strict=True)})
            .values_list(*names)
        )
        assert list(select.query.annotation_select) == names  # the SQL's column order
        sql, params = select.query.sql_with_params()
        assert " WHERE " in sql
        return cls(_insert(sql), params)

    def run(self, after: int, up_to: int = 0) -> list[tuple]:
        params = list(self.params)
        for i, mark in self.marks.items():
            params[i] = after if mark == AFTER else up_to
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            return cursor.fetchall()


def insert_rows(rows: list[Reminder], now: datetime) -> Counter:
    """Write Reminders built in Python; the kinds written, counted."""
    fields = [_field(name) for name in FIELDS]
    written: Counter = Counter()
    for start in range(0, len(rows), VALUES_CHUNK):
        chunk = rows[start : start + VALUES_CHUNK]
        params = []
        for row in chunk:
            row.created_at = now
            params += [f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields]
        placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
        values_sql = "VALUES " + ", ".join([placeholders] * len(chunk))
        with connection.cursor() as cursor:
            cursor.execute(_insert(values_sql), params)
            written.update(kind for (kind,) in cursor.fetchall())
    return written
