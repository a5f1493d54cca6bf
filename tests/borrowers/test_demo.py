"""The demo that `make run` loads shows every part of the app with real data."""

from io import StringIO

import pytest
from django.core.management import call_command

from borrowers.collection import complaint
from borrowers.counselors import caseload
from borrowers.models import Borrower, CaseNote, CollectionRule, Counselor, Triage
from repayment_plans.disputes.rules import reply_due
from repayment_plans.management import demo_caseload
from repayment_plans.models import Proposal

pytestmark = pytest.mark.django_db


def load():
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue(), Borrower.objects.get(user__email="borrower@demo.local")


def test_the_demo_loads_twice_and_its_collection_log_shows_each_kind_of_breach():
    load()
    out, borrower = load()  # safe to run again: nothing doubles
    assert "borrower@demo.local" in out and "demo-password-2026" in out
    assert borrower.debts.count() == 3
    assert borrower.disputes.count() == 1
    log = complaint.build_log(borrower.collection_contacts.all())
    assert len(log.entries) == 6
    flagged = {
        (entry.contact.channel, rule_kind)
        for entry in log.flagged
        for rule_kind in (b.rule.kind for b in entry.breaches)
    }
    kinds = set(CollectionRule.objects.values_list("kind", flat=True))
    assert {kind for _channel, kind in flagged} == kinds - {"threats"}
    # The fourth connected call of the day is flagged, the third is not.
    calls = sorted(
        (e for e in log.entries if e.contact.who == "花呗委托催收"),
        key=lambda e: e.contact.occurred_at,
    )
    assert [bool(e.breaches) for e in calls] == [False, False, False, True]


def test_the_demo_dispute_waits_for_its_reply():
    _out, borrower = load()
    dispute = borrower.disputes.get()
    assert dispute.reply_on is None
    assert (reply_due(dispute.filed_on) - dispute.filed_on).days == 20


def test_the_demo_caseload_shows_every_proposal_state_and_next_actions():
    load()
    cases = Borrower.objects.filter(user__email__in=demo_caseload.emails())
    rows = list(Triage.objects.filter(borrower__in=cases).order_by("borrower__user__email"))
    assert len(rows) == demo_caseload.SIZE
    for state in caseload.STATES:
        assert any(getattr(row, f"n_{state}") for row in rows), f"no borrower in {state}"
    statuses = set(Proposal.objects.filter(borrower__in=cases).values_list("status", flat=True))
    assert statuses == set(Proposal.Status.values)
    # Several proposals in different states: an agreed plan and one awaiting review.
    assert any(row.n_agreed and row.n_in_review for row in rows)
    assert sum(1 for row in rows if sum(getattr(row, f) for f in caseload.STATE_FIELDS) > 1) >= 8
    # Both counselors have reviews waiting.
    counselors = Counselor.objects.filter(user__email__endswith="@demo.local")
    assert all(caseload.totals(c).waiting for c in counselors)
    # Next actions in words, from notes and from reviews.
    assert CaseNote.objects.filter(borrower__in=cases).exclude(next_action="").count() >= 10
    sources = {row.next_action_source for row in rows if row.next_action}
    assert sources == {"note", "review"}
    # Deterministic: a second load gives the same figures.
    figures = [
        (row.borrower.user.email, row.worst_rank, row.next_action, row.n_sent) for row in rows
    ]
    load()
    again = Triage.objects.filter(borrower__user__email__in=demo_caseload.emails())
    assert sorted(
        (row.borrower.user.email, row.worst_rank, row.next_action, row.n_sent)
        for row in again.select_related("borrower__user")
    ) == sorted(figures)
