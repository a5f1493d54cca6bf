"""Nothing lost, nothing doubled: money and letters under double clicks and races.

The races run in real threads, each with its own database connection, released
together by a barrier. They need PostgreSQL's row locks (CI runs the suite on
PostgreSQL); the single-request checks run everywhere.
"""

import threading
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from repayment_plans import refusals
from repayment_plans.models import EmailDelivery, LenderAnswer, Payment, Plan, ProposalVersion
from repayment_plans.plans import services as plan_services
from repayment_plans.proposals import services as proposal_services
from tests.factories import BorrowerFactory, DebtFactory
from tests.repayment_plans.conftest import make_proposal

pytestmark = pytest.mark.django_db(transaction=True)

needs_row_locks = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="races need PostgreSQL's row locks; the in-memory SQLite test database cannot wait",
)


def together(*calls):
    """Run the calls at the same moment, one thread each; their results or errors."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - the outcome is the result
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


@pytest.fixture
def plan(seeded_profiles):
    today = timezone.localdate()
    debt = DebtFactory(borrower=BorrowerFactory(), principal=Decimal("1200"))
    proposal = make_proposal([debt], months=3, first_due=today)
    return proposal_services.record_answer(
        proposal, LenderAnswer(kind="accepted", answered_on=today)
    )


class LiveUser:
    """A signed-in browser session against the live server, over real HTTP."""

    def __init__(self, live_server, user):
        # http.cookiejar files cookies of a dotless host under "localhost.local".
        self.base = live_server.url.replace("//localhost:", "//127.0.0.1:")
        self.http = requests.Session()
        client = Client()
        client.force_login(user)
        name = settings.SESSION_COOKIE_NAME
        self.http.cookies.set(name, client.cookies[name].value)
        # The CSRF cookie the pages set; the form field carries the same secret.
        self.http.get(self.base + reverse("dashboard"), timeout=30).raise_for_status()
        self.csrf = self.http.cookies[settings.CSRF_COOKIE_NAME]
        # Marked Secure outside DEBUG; the live server speaks plain HTTP.
        self.http.cookies.set(settings.CSRF_COOKIE_NAME, self.csrf)

    def post(self, path, data):
        return self.http.post(
            self.base + path,
            {**data, "csrfmiddlewaretoken": self.csrf},
            headers={"Referer": self.base + path},
            allow_redirects=False,
            timeout=30,
        )


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@needs_row_locks
def test_two_payments_of_everything_left_at_once_record_one(plan):
    user = plan.proposal.borrower.user
    today = timezone.localdate().isoformat()

    def pay(key):
        return lambda: client_for(user).post(
            reverse("payment_create", args=[plan.pk]),
            {"amount": "1200.00", "paid_on": today, "form_key": key},
        )

    responses = together(pay("a" * 32), pay("b" * 32))
    assert all(r.status_code in (200, 302) for r in responses), responses
    assert Payment.objects.filter(plan=plan).count() == 1
    plan.refresh_from_db()
    assert plan.outstanding == Decimal("0.00")
    refused = [r for r in responses if r.status_code == 200]
    assert len(refused) == 1
    assert "¥0.00" in refused[0].content.decode()  # what is left, next to the amount


@needs_row_locks
def test_the_same_payment_form_submitted_twice_at_once_records_one(plan):
    today = timezone.localdate()
    results = together(
        lambda: plan_services.record_payment(plan, Decimal("400"), today, idempotency_key="k" * 32),
        lambda: plan_services.record_payment(plan, Decimal("400"), today, idempotency_key="k" * 32),
    )
    assert [type(r) for r in results] == [Payment, Payment]
    assert results[0].pk == results[1].pk
    assert plan.payments.count() == 1


def test_an_answer_after_the_plan_exists_is_refused_and_keeps_the_payments(plan):
    plan_services.record_payment(plan, Decimal("500"), timezone.localdate())
    with pytest.raises(refusals.Refused):
        proposal_services.record_answer(
            plan.proposal,
            LenderAnswer(kind="countered", answered_on=timezone.localdate()),
            accept_counter=True,
        )
    assert Plan.objects.get(pk=plan.pk).payments.get().amount == Decimal("500.00")
    assert plan.proposal.answers.count() == 1


@needs_row_locks
def test_two_acceptances_at_once_store_one_answer_and_one_plan(seeded_profiles):
    today = timezone.localdate()
    debt = DebtFactory(borrower=BorrowerFactory())
    proposal = make_proposal([debt], months=6)

    def accept():
        return proposal_services.record_answer(
            proposal, LenderAnswer(kind="accepted", answered_on=today)
        )

    results = together(accept, accept)
    assert sum(isinstance(r, Plan) for r in results) == 1
    assert sum(isinstance(r, refusals.Refused) for r in results) == 1
    assert proposal.answers.count() == 1
    assert Plan.objects.filter(proposal=proposal).count() == 1


@needs_row_locks
def test_two_finalises_of_the_same_terms_make_one_version_and_one_file(seeded_profiles):
    today = timezone.localdate()
    proposal = make_proposal([DebtFactory(borrower=BorrowerFactory())], months=6)

    def finalise():
        return proposal_services.finalise(proposal, today, "zh-hans")

    results = together(finalise, finalise)
    assert sum(isinstance(r, ProposalVersion) for r in results) == 1
    assert sum(isinstance(r, refusals.NothingChanged) for r in results) == 1
    version = ProposalVersion.objects.get(proposal=proposal)
    storage = version.pdf.storage
    folder = version.pdf.name.rpartition("/")[0]
    assert storage.listdir(folder)[1] == [version.pdf.name.rpartition("/")[2]]


def test_a_second_finalise_with_nothing_changed_makes_nothing(seeded_profiles):
    today = timezone.localdate()
    proposal = make_proposal([DebtFactory(borrower=BorrowerFactory())], months=6)
    proposal_services.finalise(proposal, today, "zh-hans")
    with pytest.raises(refusals.NothingChanged):
        proposal_services.finalise(proposal, today, "zh-hans")
    assert proposal.versions.count() == 1


@needs_row_locks
def test_a_double_click_on_send_queues_one_email(seeded_profiles):
    proposal = make_proposal([DebtFactory(borrower=BorrowerFactory())], months=6)
    version = proposal_services.finalise(proposal, timezone.localdate(), "zh-hans")

    def send():
        return proposal_services.queue_delivery(version, "lender@example.com", "s" * 32)

    results = together(send, send)
    assert all(isinstance(r, EmailDelivery) for r in results)
    assert EmailDelivery.objects.filter(version=version).count() == 1


def test_sending_the_same_version_to_the_same_address_again_at_once_is_refused(seeded_profiles):
    proposal = make_proposal([DebtFactory(borrower=BorrowerFactory())], months=6)
    version = proposal_services.finalise(proposal, timezone.localdate(), "zh-hans")
    first = proposal_services.queue_delivery(version, "lender@example.com", "one")
    assert first.message_id.startswith("<") and first.message_id.endswith(">")
    with pytest.raises(refusals.Refused):
        proposal_services.queue_delivery(version, "LENDER@example.com", "two")
    assert EmailDelivery.objects.filter(version=version).count() == 1
    # An explicit "send again" is allowed, once per click.
    again = proposal_services.queue_delivery(version, "lender@example.com", "three", resend=True)
    assert again.pk != first.pk and again.message_id != first.message_id


def test_the_payment_page_refuses_more_than_what_is_left(plan):
    client = client_for(plan.proposal.borrower.user)
    today = timezone.localdate().isoformat()
    plan_services.record_payment(plan, Decimal("1000"), timezone.localdate())
    # The form was rendered when 1,200 was left; 200 is left now.
    response = client.post(
        reverse("payment_create", args=[plan.pk]),
        {"amount": "1000.00", "paid_on": today, "form_key": "f" * 32},
    )
    assert response.status_code == 200
    assert "¥200.00" in response.content.decode()
    assert plan.payments.count() == 1


def test_a_finalise_that_fails_after_writing_its_pdf_leaves_no_file(
    seeded_profiles, monkeypatch, media_root
):
    proposal = make_proposal([DebtFactory(borrower=BorrowerFactory())], months=6)

    def broken(*args, **kwargs):
        raise RuntimeError("the audit trail could not be written")

    monkeypatch.setattr(proposal_services, "change_status", broken)
    with pytest.raises(RuntimeError):
        proposal_services.finalise(proposal, timezone.localdate(), "zh-hans")
    assert not ProposalVersion.objects.exists()
    stored = [p for p in Path(media_root).rglob("*") if p.is_file()]
    assert stored == []


@needs_row_locks
def test_two_changes_of_the_same_plan_version_at_once_make_one_version(plan):
    today = timezone.localdate()
    plan_services.record_payment(plan, Decimal("500"), today)
    terms = plan_services.PlanTerms(
        amount=Decimal("700.00"),
        months=7,
        first_due=today + timedelta(days=70),
        method="interest_free",
        annual_percent=Decimal("0"),
    )

    def change():
        return plan_services.change_plan(
            plan, terms, based_on_version=1, agreed_on=today, reason="two tabs"
        )

    results = together(change, change)
    assert sorted(type(r).__name__ for r in results) == ["PlanChange", "Refused"]
    plan.refresh_from_db()
    assert plan.version == 2
    assert plan.payments.count() == 1
    assert plan.outstanding == Decimal("700.00")
    assert plan.installments.count() == 2 + 7  # installment 1 paid, 2 closed at 100, 7 new


# The same races through the whole stack: two requests to a live server at once.


@needs_row_locks
def test_live_two_payments_of_everything_left_record_one(plan, live_server):
    browser = LiveUser(live_server, plan.proposal.borrower.user)
    path = reverse("payment_create", args=[plan.pk])
    today = timezone.localdate().isoformat()
    responses = together(
        lambda: browser.post(path, {"amount": "1200.00", "paid_on": today, "form_key": "a" * 32}),
        lambda: browser.post(path, {"amount": "1200.00", "paid_on": today, "form_key": "b" * 32}),
    )
    assert sorted(r.status_code for r in responses) == [200, 302], responses
    assert Payment.objects.filter(plan=plan).count() == 1
    plan.refresh_from_db()
    assert plan.outstanding == Decimal("0.00")


@needs_row_locks
def test_live_two_acceptances_store_one_answer(seeded_profiles, live_server):
    debt = DebtFactory(borrower=BorrowerFactory())
    proposal = make_proposal([debt], months=6)
    proposal_services.finalise(proposal, timezone.localdate(), "zh-hans")
    browser = LiveUser(live_server, debt.borrower.user)
    path = reverse("proposal_answer", args=[proposal.pk])
    data = {"kind": "accepted", "answered_on": timezone.localdate().isoformat()}
    responses = together(lambda: browser.post(path, data), lambda: browser.post(path, data))
    assert all(r.status_code in (200, 302) for r in responses), responses
    assert proposal.answers.count() == 1
    assert Plan.objects.filter(proposal=proposal).count() == 1


@needs_row_locks
def test_live_two_finalises_make_one_version(seeded_profiles, live_server):
    debt = DebtFactory(borrower=BorrowerFactory())
    proposal = make_proposal([debt], months=6)
    browser = LiveUser(live_server, debt.borrower.user)
    path = reverse("proposal_finalise", args=[proposal.pk])
    data = {"limitation": "on", "may_refuse": "on", "records_stay": "on"}
    responses = together(lambda: browser.post(path, data), lambda: browser.post(path, data))
    assert [r.status_code for r in responses] == [302, 302], responses
    assert ProposalVersion.objects.filter(proposal=proposal).count() == 1


@needs_row_locks
def test_live_double_click_on_send_queues_one_email(seeded_profiles, live_server):
    debt = DebtFactory(borrower=BorrowerFactory())
    proposal = make_proposal([debt], months=6)
    version = proposal_services.finalise(proposal, timezone.localdate(), "zh-hans")
    browser = LiveUser(live_server, debt.borrower.user)
    path = reverse("proposal_send", args=[proposal.pk])
    data = {"send-lender_email": "lender@example.com", "form_key": "s" * 32}
    responses = together(lambda: browser.post(path, data), lambda: browser.post(path, data))
    assert [r.status_code for r in responses] == [302, 302], responses
    assert EmailDelivery.objects.filter(version=version).count() == 1


@needs_row_locks
def test_live_two_plan_changes_from_one_form_make_one_version(plan, live_server):
    today = timezone.localdate()
    plan_services.record_payment(plan, Decimal("500"), today)
    browser = LiveUser(live_server, plan.proposal.borrower.user)
    path = reverse("plan_change", args=[plan.pk])
    data = {
        "amount": "700.00",
        "months": "7",
        "method": "interest_free",
        "annual_percent": "0",
        "first_due_date": (today + timedelta(days=70)).isoformat(),
        "agreed_on": today.isoformat(),
        "reason": "two tabs",
        "version": "1",
    }
    responses = together(lambda: browser.post(path, data), lambda: browser.post(path, data))
    assert sorted(r.status_code for r in responses) == [200, 302], responses
    plan.refresh_from_db()
    assert plan.version == 2
    assert plan.payments.count() == 1
