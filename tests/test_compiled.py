"""config/compiled.py: a query compiled once answers as the ORM would, every time."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from borrowers.models import User
from config.compiled import CompiledQuery
from repayment_plans.models import Reminder
from tests.factories import BorrowerFactory, CounselorFactory, DebtFactory, UserFactory

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def with_profile(pk):
    return User.objects.select_related("borrower__position_stamp", "counselor").filter(pk=pk)


def fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_the_signed_in_user_is_read_as_the_orm_reads_it_with_its_profile(db):
    borrowers = [BorrowerFactory() for _ in range(3)]
    counselor = CounselorFactory()
    compiled = CompiledQuery[User](with_profile)
    for user in [b.user for b in borrowers] + [counselor.user]:
        with CaptureQueriesContext(connection) as queries:
            (found,) = compiled(user.pk)
            borrower = getattr(found, "borrower", None)
            stamp = borrower.position_stamp.stamp if borrower else None
            is_counselor = hasattr(found, "counselor")
        assert len(queries) == 1  # the profile and the stamp came with the user
        expected = with_profile(user.pk).get()
        assert fields(found) == fields(expected)
        if borrower:
            assert fields(borrower) == fields(expected.borrower)
            assert stamp == expected.borrower.position_stamp.stamp
        assert is_counselor == hasattr(expected, "counselor")
        assert str(queries[0]["sql"]) == str(with_profile(user.pk).query)
    assert compiled(10**9) == []


def test_each_call_reads_the_rows_as_they_are_now(db):
    user = UserFactory()
    compiled = CompiledQuery[int](
        lambda user_id: (
            Reminder.objects.filter(user=user_id, read_at__isnull=True)
            .order_by()
            .values("user")
            .annotate(n=Count("pk"))
            .values_list("n", flat=True)
        )
    )
    assert compiled(user.pk) == []
    day = timezone.localdate()
    for n in range(3):
        Reminder.objects.create(user=user, kind="due_today", subject=f"s{n}", on_date=day)
    assert compiled(user.pk) == [3]
    Reminder.objects.filter(subject="s0").update(read_at=timezone.now())
    assert compiled(user.pk) == [2]
    assert compiled(UserFactory().pk) == []


def test_a_query_whose_key_does_not_reach_the_parameters_unchanged_is_refused(db):
    shifted = CompiledQuery[User](lambda pk: User.objects.filter(pk=pk + 1))
    with pytest.raises(ImproperlyConfigured):
        shifted(1)
    with pytest.raises(TypeError):
        CompiledQuery[User](with_profile)("1")
    with pytest.raises(TypeError):
        CompiledQuery[User](with_profile)(1, 2)


def test_a_query_compiled_in_one_thread_runs_on_each_threads_own_connection(transactional_db):
    users = [BorrowerFactory().user for _ in range(4)]
    compiled = CompiledQuery[User](with_profile)
    assert compiled(users[0].pk)[0].email == users[0].email  # compiled on this thread

    def read(user):
        try:
            own = connections["default"]
            with CaptureQueriesContext(own) as queries:
                (found,) = compiled(user.pk)
            return found.email, found.borrower.pk, len(queries)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(read, users * 3))
    assert [email for email, _, _ in answers] == [u.email for u in users] * 3
    assert [pk for _, pk, _ in answers] == [u.borrower.pk for u in users] * 3
    # Each read ran on the connection of the thread that asked.
    assert [n for _, _, n in answers] == [1] * len(answers)


def test_the_debt_page_shows_its_disputes_and_another_borrowers_debt_is_not_found(
    alice, alice_client
):
    debt = DebtFactory(borrower=alice)
    url = reverse("debt_detail", args=[debt.pk])
    page = alice_client.get(url, **EN).content.decode()
    assert not re.search(r"\d+ disputes?</a>", page)
    for n in range(2):
        debt.disputes.create(
            borrower=alice, addressee="lender", problem="other", shown="x", reason=f"r{n}"
        )
    with CaptureQueriesContext(connection) as queries:
        page = alice_client.get(url, **EN).content.decode()
    assert f'<a href="{reverse("dispute_list")}">2 disputes</a>' in page
    # The debt is read with its court matter and its disputes' count, in one query.
    extras = [q["sql"] for q in queries if "legalmatter" in q["sql"] or "dispute" in q["sql"]]
    assert len(extras) == 1 and 'FROM "borrowers_debt"' in extras[0], extras
    other = DebtFactory(borrower=BorrowerFactory())
    for name in ("debt_detail", "debt_edit"):
        assert alice_client.get(reverse(name, args=[other.pk])).status_code == 404
