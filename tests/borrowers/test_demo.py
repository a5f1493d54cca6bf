"""The demo that `make run` loads shows every part of the app with real data."""

from io import StringIO

import pytest
from django.core.management import call_command

from borrowers.collection import complaint
from borrowers.models import Borrower, CollectionRule
from repayment_plans.disputes.rules import reply_due

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
