"""The nightly job stores the day's caseload figures before anyone reads them."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from borrowers.counselors.caseload import TIER_NAMES
from borrowers.models import AccessGrant, Triage
from borrowers.tasks import nightly_triage_refresh, refresh_stale_triage
from tests.factories import BorrowerFactory, CounselorFactory, DebtFactory

pytestmark = pytest.mark.django_db


def test_a_new_day_moves_granted_borrowers_figures_and_skips_the_rest():
    today = timezone.localdate()
    counselor = CounselorFactory()
    granted = BorrowerFactory()
    other = BorrowerFactory()
    for borrower in (granted, other):
        DebtFactory(borrower=borrower, first_missed_date=today - timedelta(days=30))
    AccessGrant.objects.create(borrower=granted, counselor=counselor)
    # Saving the debt and the grant stored today's figures.
    stored = Triage.objects.get(borrower=granted)
    assert stored.computed_on == today
    rank_today = stored.worst_rank

    tomorrow = today + timedelta(days=1)
    assert refresh_stale_triage(tomorrow) == 1
    stored.refresh_from_db()
    assert stored.computed_on == tomorrow
    # The debt crossed into the next tier overnight; the stored figures follow.
    assert (TIER_NAMES[rank_today], TIER_NAMES[stored.worst_rank]) == ("light", "moderate")
    assert not Triage.objects.filter(borrower=other, computed_on=tomorrow).exists()
    # Already fresh: nothing to do on a second run the same day.
    assert refresh_stale_triage(tomorrow) == 0


def test_revoked_grants_are_not_refreshed():
    today = timezone.localdate()
    grant = AccessGrant.objects.create(borrower=BorrowerFactory(), counselor=CounselorFactory())
    grant.revoked_at = timezone.now()
    grant.save()
    assert refresh_stale_triage(today + timedelta(days=1)) == 0


def test_the_beat_runs_the_refresh_after_midnight():
    entry = settings.CELERY_BEAT_SCHEDULE["nightly-triage-refresh"]
    assert entry["task"] == nightly_triage_refresh.name
    assert entry["schedule"].hour == {0}
    assert entry["schedule"].minute == {5}


def test_a_profile_whose_grace_changes_moves_the_caseload_figures():
    # Missed 2 days ago: past a 0-day grace it is light, inside a 3-day one current.
    today = timezone.localdate()
    borrower = BorrowerFactory()
    debt = DebtFactory(borrower=borrower, first_missed_date=today - timedelta(days=2))
    AccessGrant.objects.create(borrower=borrower, counselor=CounselorFactory())
    profile = debt.profile
    profile.grace_days = 0
    profile.save()
    assert TIER_NAMES[Triage.objects.get(borrower=borrower).worst_rank] == "light"
    profile.grace_days = 3
    profile.save()
    stored = Triage.objects.get(borrower=borrower)
    assert TIER_NAMES[stored.worst_rank] == "current"
    assert stored.next_tier_on == today + timedelta(days=2)  # day 1 past a 3-day grace
