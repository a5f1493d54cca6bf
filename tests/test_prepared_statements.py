"""On PostgreSQL the reads every page makes are prepared: planned once per connection.

config/settings.py binds parameters on the server and prepares a statement at
its fifth run on a connection (DATABASE_PREPARED_STATEMENTS, on by default).
"""

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from tests.conftest import settings_at_start
from tests.factories import BorrowerFactory, DebtFactory

on_postgres = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="prepared statements are PostgreSQL's; the embedded SQLite has none",
)


def database_options(**env) -> dict:
    """DATABASES["default"]["OPTIONS"] as a process started with ``env`` reads them."""
    found = settings_at_start(
        "s.DATABASES['default'].get('OPTIONS', {})",
        unset=("DATABASE_PREPARED_STATEMENTS",),
        **env,
    )
    assert isinstance(found, dict)
    return found


def prepared() -> list[str]:
    """The statements this connection has prepared at the protocol level."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        return [row[0] for row in cursor.fetchall()]


def test_on_postgresql_statements_are_bound_and_prepared_unless_turned_off():
    url = "postgres://postgres@127.0.0.1:5432/postgres"
    on = database_options(DATABASE_URL=url)
    assert on["server_side_binding"] is True
    assert on["prepare_threshold"] == 5
    off = database_options(DATABASE_URL=url, DATABASE_PREPARED_STATEMENTS="false")
    assert "server_side_binding" not in off and "prepare_threshold" not in off
    sqlite = database_options(DATABASE_URL="sqlite:///:memory:")
    assert "server_side_binding" not in sqlite


@on_postgres
def test_the_signed_in_user_is_planned_once_and_the_pages_answer_as_before(client, db):
    borrower = BorrowerFactory()
    debt = DebtFactory(borrower=borrower, nickname="借呗那笔")
    client.force_login(borrower.user)
    assert not [s for s in prepared() if '"borrowers_user"' in s]
    pages = [reverse("dashboard"), reverse("debt_detail", args=[debt.pk]), reverse("timeline")]
    for _ in range(2):
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200
            assert "借呗那笔" in response.content.decode()
    # Six pages on one connection: the user's read (with its profile, stamp and
    # the bell's count) ran six times and is now a prepared statement.
    user_reads = [s for s in prepared() if 'FROM "borrowers_user"' in s]
    assert len(user_reads) == 1
    assert "$1" in user_reads[0]  # bound by the server, not written into the text
    assert client.get(pages[0]).status_code == 200  # and it still answers, prepared
