"""The daily reminder sweep and the delivery of each reminder.

The sweep finds what is due on a day (Asia/Shanghai), writes one Reminder per
(subject, kind, day) — the database's unique constraint makes a second sweep,
or a sweep resumed after a crash, add nothing — and enqueues the pending ones
in batches. The installment reminders, the most numerous, are written by the
database, one INSERT … SELECT per batch of installments (writing.py); the
kinds that need Python to decide (tiers, milestones, …) are built in Python
and written one INSERT per batch. Delivery takes a reminder id, locks the row
and sends it only while it is pending, so the same task delivered twice sends
one email.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import cast

from celery import current_app
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, JSONObject
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from borrowers.counselors.caseload import caseload
from borrowers.debts import tiers
from borrowers.debts.explanations import TIER_TEXT
from borrowers.models import AccessGrant, Borrower, CaseNote, Counselor, Debt, User
from repayment_plans.disputes import rules as disputes
from repayment_plans.legal import deadlines as legal_deadlines
from repayment_plans.legal.labels import ACTION_LABELS
from repayment_plans.models import (
    Channel,
    Dispute,
    EmailDelivery,
    Installment,
    LegalStage,
    NegotiationContact,
    NotificationPreference,
    Payment,
    Proposal,
    Reminder,
    ReminderKind,
    ReviewSection,
)
from repayment_plans.position.load import POSITION_PREFETCH, position_from_prefetched
from repayment_plans.proposals.mail import message_id_domain, stuck
from repayment_plans.recovery import timeline as recovery
from repayment_plans.recovery.text import TITLES
from repayment_plans.recovery.timeline import MilestoneKind
from repayment_plans.reminders import writing

BATCH_SIZE = 1000
SEND_BATCH_SIZE = 200
NO_ANSWER_DAYS = 14
# Days after an agreement by phone or in the app, still without the lender's
# words in writing, on which to remind the borrower to ask for them.
CONFIRMATION_DAYS = (1, 7)
DIGEST_WEEKDAY = 0  # Monday
DIGEST_LIST_LIMIT = 20
UNSUBSCRIBE_SALT = "reminders.unsubscribe"
UNSUBSCRIBE_MAX_AGE = 60 * 60 * 24 * 90  # links in emails work for 90 days

DUE_OFFSETS = {
    3: ReminderKind.DUE_IN_3_DAYS,
    1: ReminderKind.DUE_TOMORROW,
    0: ReminderKind.DUE_TODAY,
    -1: ReminderKind.MISSED,  # the day after the due date
}
TIER_OFFSETS = {7: ReminderKind.TIER_IN_7_DAYS, 1: ReminderKind.TIER_TOMORROW}
# Court and arbitration deadlines (repayment_plans/legal/deadlines.py): 5 days
# before, 2 days before and on the day.
LEGAL_OFFSETS = {
    5: ReminderKind.LEGAL_IN_5_DAYS,
    2: ReminderKind.LEGAL_IN_2_DAYS,
    0: ReminderKind.LEGAL_DUE_TODAY,
}
DISPUTE_OFFSETS = {
    disputes.REMIND_DAYS_BEFORE: ReminderKind.DISPUTE_IN_3_DAYS,
    0: ReminderKind.DISPUTE_DUE,
}


def local_today(now=None) -> date:
    """The sweep's day: the date in Asia/Shanghai at ``now``."""
    return timezone.localdate(now or timezone.now())


@dataclass
class SweepResult:
    """What a sweep found (``candidates``, whether recorded before or not) and
    wrote (``inserted``), by kind; ``batches`` of candidates; ``enqueued`` ids."""

    day: date
    candidates: Counter = field(default_factory=Counter)
    inserted: Counter = field(default_factory=Counter)
    batches: int = 0
    enqueued: int = 0

    @property
    def total(self) -> int:
        return sum(self.candidates.values())


def sweep(
    day: date, *, dry_run: bool = False, enqueue: bool = True, batch_size: int = BATCH_SIZE
) -> SweepResult:
    """Record the reminders for ``day`` and enqueue those not sent yet."""
    result = SweepResult(day=day)
    now = timezone.now()
    for found, inserted in _installment_batches(day, batch_size, dry_run, now):
        result.batches += 1
        result.candidates.update(found)
        result.inserted.update(inserted)
    for rows in _all_candidates(day, batch_size):
        result.batches += 1
        result.candidates.update(row.kind for row in rows)
        if not dry_run and rows:
            result.inserted.update(writing.insert_rows(rows, now))
    if not dry_run and enqueue:
        result.enqueued = enqueue_pending(day, batch_size)
    return result


def _all_candidates(day: date, batch_size: int):
    """The kinds built in Python, a list of Reminders per batch."""
    yield from _tier_candidates(day, batch_size)
    yield from _case_tier_candidates(day, batch_size)
    yield from _no_answer_candidates(day, batch_size)
    yield from _milestone_candidates(day, batch_size)
    yield from _dispute_candidates(day, batch_size)
    yield from _confirmation_candidates(day, batch_size)
    yield from _legal_candidates(day, batch_size)
    if day.weekday() == DIGEST_WEEKDAY:
        yield from _digest_candidates(day)


def _link(name: str):
    """A URL maker for ``name`` with one integer argument, reversed once, not per row."""
    pattern = reverse(name, args=[987654321])
    return lambda pk: pattern.replace("987654321", str(pk))


def _batched(queryset, batch_size: int, fields: tuple[str, ...]):
    """Keyset pagination by primary key: one query per batch, however many rows."""
    last = 0
    while True:
        rows = list(
            queryset.filter(pk__gt=last).order_by("pk").values_list("pk", *fields)[:batch_size]
        )
        if not rows:
            return
        yield rows
        last = rows[-1][0]


LAST_PK = 2**63 - 1  # the largest primary key (a 64-bit integer)
GROUP_COLUMNS = ["reminder_kind", "n", "top", "followers"]
# The conditions on an installment's borrower's grants for a counselor who
# follows them: an active grant, the counselor not deactivated.
GRANT = "plan__proposal__borrower__grants"
FOLLOWING = Q(
    **{
        f"{GRANT}__revoked_at__isnull": True,
        f"{GRANT}__counselor__deactivated_at__isnull": True,
    }
)


def _installment_batches(day: date, batch_size: int, dry_run: bool, now: datetime):
    """Unpaid installments due in 3 days, tomorrow or today, or missed yesterday
    (the borrower's reminders), and the missed ones again for each counselor who
    follows the borrower: a batch of installments at a time, by primary key,
    in three queries whatever its size (one when ``dry_run``), each compiled once.

    Yields (candidates, written) by kind, per batch.
    """
    kind_by_due = {day + timedelta(days=offset): kind for offset, kind in DUE_OFFSETS.items()}
    kind = Case(
        *(When(due_date=due, then=Value(k)) for due, k in kind_by_due.items()),
        output_field=CharField(),
    )
    open_installments = Installment.objects.filter(
        plan__status="active", paid_on__isnull=True, due_date__in=list(kind_by_due)
    )
    # The batch's bounds and its candidates by kind (the missed ones counted
    # once per following counselor too), in one query. The batch is a range of
    # primary keys: up to the batch_size-th key after the last one (a scalar
    # subquery, evaluated once), or to the end.
    nth = (
        open_installments.filter(pk__gt=writing.AFTER)
        .order_by("pk")
        .values("pk")[batch_size - 1 : batch_size]
    )
    groups = writing.Batched.select(
        open_installments.filter(
            pk__gt=writing.AFTER,
            pk__lte=Coalesce(Subquery(nth), Value(LAST_PK, output_field=BigIntegerField())),
        )
        .annotate(reminder_kind=kind)
        .values("reminder_kind")
        .annotate(
            n=Count("pk", distinct=True),
            top=Max("pk"),
            followers=Count(GRANT, filter=FOLLOWING),
        )
        .values_list(*GROUP_COLUMNS)
        .order_by(),
        GROUP_COLUMNS,
    )
    in_batch = open_installments.filter(pk__gt=writing.AFTER, pk__lte=writing.UP_TO)
    inserts = [
        writing.Batched.insert(in_batch, _borrower_values(day, kind, now)),
        # One filter: the conditions on the grant are about the same grant.
        writing.Batched.insert(
            in_batch.filter(
                FOLLOWING, due_date=day - timedelta(days=1), **{f"{GRANT}__isnull": False}
            ),
            _counselor_values(day, now),
        ),
    ]
    last = 0
    while True:
        rows = groups.run(after=last)
        if not rows:
            return
        found = Counter({k: n for k, n, _top, _followers in rows})
        found[ReminderKind.CASE_MISSED] = sum(
            followers for k, _n, _top, followers in rows if k == ReminderKind.MISSED
        )
        top = max(top for _k, _n, top, _followers in rows)
        written: Counter = Counter()
        if not dry_run:
            for insert in inserts:
                written.update(k for (k,) in insert.run(after=last, up_to=top))
        yield +found, written
        last = top


def _borrower_values(day: date, kind, now: datetime) -> dict:
    """The borrower's reminder of an installment (as it reads in reminder_title)."""
    return {
        "user": F("plan__proposal__borrower__user_id"),
        "kind": kind,
        "subject": Concat(Value("installment:"), writing.text("pk"), output_field=CharField()),
        "context": JSONObject(
            number=F("number"),
            due=F("due_date"),
            amount=writing.YuanText(F("amount") - F("paid_amount")),
            lender=F("plan__proposal__lender_name"),
        ),
        "link": writing.link(reverse("plan_detail", args=[987654321]), "plan_id"),
        **writing.pending(day, now),
    }


def _counselor_values(day: date, now: datetime) -> dict:
    """A following counselor's copy of a missed installment: one per
    (installment, counselor), naming the borrower, linking to their page."""
    return {
        "user": F(f"{GRANT}__counselor__user_id"),
        "kind": Value(ReminderKind.CASE_MISSED, output_field=CharField()),
        "subject": Concat(
            Value("installment:"),
            writing.text("pk"),
            Value(":c"),
            writing.text(f"{GRANT}__counselor_id"),
            output_field=CharField(),
        ),
        "context": JSONObject(
            borrower=F("plan__proposal__borrower__display_name"),
            number=F("number"),
            due=F("due_date"),
            amount=writing.YuanText(F("amount") - F("paid_amount")),
            lender=F("plan__proposal__lender_name"),
        ),
        "link": writing.link(
            reverse("counselor_borrower", args=[987654321]), "plan__proposal__borrower_id"
        ),
        **writing.pending(day, now),
    }


def following_grants():
    """The grants of counselors who follow a borrower: active, and the counselor
    not deactivated by their agency (the one rule for who is told of a case)."""
    return AccessGrant.objects.active().filter(counselor__deactivated_at__isnull=True)


def _followers(borrower_ids) -> dict[int, list[tuple[int, int]]]:
    """(counselor id, user id) of the counselors following each borrower: one
    query for a batch of borrowers."""
    followers: dict[int, list[tuple[int, int]]] = {}
    grants = following_grants().filter(borrower_id__in=set(borrower_ids))
    for borrower_id, counselor_id, user_id in grants.order_by("counselor_id").values_list(
        "borrower_id", "counselor_id", "counselor__user_id"
    ):
        followers.setdefault(borrower_id, []).append((counselor_id, user_id))
    return followers


def _followed(queryset, borrower_field: str):
    """Only the rows of borrowers some active counselor follows."""
    return queryset.filter(**{f"{borrower_field}__in": following_grants().values("borrower_id")})


def _escalating_debts(day: date):
    # Only debts missed within the last 61 days can still reach a worse tier.
    return Debt.objects.filter(
        cleared_on__isnull=True,
        first_missed_date__isnull=False,
        first_missed_date__gte=day - timedelta(days=61),
    ).exclude(proposals__plan__isnull=False)  # agreed or repaid: the position stops the tiers


def _case_tier_candidates(day: date, batch_size: int):
    """Debts that reach a worse tier on ``day`` (the tier of the day is worse than
    the day before's), to each counselor following the borrower."""
    borrower_link = _link("counselor_borrower")
    debts = _followed(_escalating_debts(day), "borrower_id")
    fields = (
        "first_missed_date",
        "grace_days_override",
        "profile__grace_days",
        "lender_name",
        "borrower_id",
        "borrower__display_name",
    )
    for rows in _batched(debts, batch_size, fields):
        reached = []
        for pk, missed, grace_override, grace, lender, borrower_id, name in rows:
            grace_days = grace_override if grace_override is not None else grace
            before, _in_grace = tiers.days_past_due(missed, day - timedelta(days=1), grace_days)
            now, _in_grace = tiers.days_past_due(missed, day, grace_days)
            tier = tiers.tier_for(now)
            if tier.rank > tiers.tier_for(before).rank:
                reached.append((pk, tier, lender, borrower_id, name))
        followers = _followers(row[3] for row in reached) if reached else {}
        yield [
            Reminder(
                user_id=user_id,
                kind=ReminderKind.CASE_TIER,
                subject=f"tier:{pk}:{tier}:c{counselor_id}",
                on_date=day,
                context={
                    "borrower": name,
                    "lender": lender,
                    "tier": str(tier),
                    "on": day.isoformat(),
                },
                link=borrower_link(borrower_id),
            )
            for pk, tier, lender, borrower_id, name in reached
            for counselor_id, user_id in followers.get(borrower_id, [])
        ]


def _tier_candidates(day: date, batch_size: int):
    open_debts = _escalating_debts(day)
    fields = (
        "first_missed_date",
        "grace_days_override",
        "profile__grace_days",
        "nickname",
        "lender_name",
        "borrower__user_id",
    )
    for rows in _batched(open_debts, batch_size, fields):
        batch = []
        for pk, missed, grace_override, grace, nickname, lender, user_id in rows:
            grace_days = grace_override if grace_override is not None else grace
            days = tiers.days_until_next_tier(missed, day, grace_days)
            if days not in TIER_OFFSETS:
                continue
            dpd, _in_grace = tiers.days_past_due(missed, day, grace_days)
            next_tier = tiers.next_tier_after(tiers.tier_for(dpd))
            batch.append(
                Reminder(
                    user_id=user_id,
                    kind=TIER_OFFSETS[days],
                    subject=f"debt:{pk}",
                    on_date=day,
                    context={
                        "debt": nickname or lender,
                        "next_tier": str(next_tier),
                        "on": (day + timedelta(days=days)).isoformat(),
                    },
                    link=reverse("debt_detail", args=[pk]),
                )
            )
        yield batch


def _no_answer_candidates(day: date, batch_size: int):
    sent_on = day - timedelta(days=NO_ANSWER_DAYS)
    start = timezone.make_aware(datetime.combine(sent_on, time.min))
    unanswered = EmailDelivery.objects.filter(
        status=EmailDelivery.Status.SENT,
        sent_at__gte=start,
        sent_at__lt=start + timedelta(days=1),
        version__proposal__status=Proposal.Status.FINALISED,
    )
    fields = (
        "version__proposal_id",
        "version__proposal__lender_name",
        "version__proposal__borrower__user_id",
    )
    for rows in _batched(unanswered, batch_size, fields):
        yield [
            Reminder(
                user_id=user_id,
                kind=ReminderKind.NO_ANSWER,
                subject=f"proposal:{proposal_id}",
                on_date=day,
                context={"lender": lender, "sent": sent_on.isoformat()},
                link=reverse("proposal_detail", args=[proposal_id]),
            )
            for _pk, proposal_id, lender, user_id in rows
        ]


def _confirmation_candidates(day: date, batch_size: int):
    """Agreements recorded from a call or the lender's app, 1 and 7 days on,
    with neither the lender's SMS pasted nor a screenshot or recording kept."""
    for days in CONFIRMATION_DAYS:
        start = timezone.make_aware(datetime.combine(day - timedelta(days=days), time.min))
        unconfirmed = NegotiationContact.objects.filter(
            outcome=NegotiationContact.Outcome.AGREED,
            proposal__isnull=False,
            sms_text="",
            attachments__isnull=True,
            occurred_at__gte=start,
            occurred_at__lt=start + timedelta(days=1),
        )
        fields = ("lender_name", "borrower__user_id")
        for rows in _batched(unconfirmed, batch_size, fields):
            yield [
                Reminder(
                    user_id=user_id,
                    kind=ReminderKind.CONFIRMATION,
                    subject=f"negotiation:{pk}",
                    on_date=day,
                    context={"lender": lender},
                    link=reverse("lender_detail", args=[lender]),
                )
                for pk, lender, user_id in rows
            ]


def _milestone_candidates(day: date, batch_size: int):
    """Milestones reached today, for borrowers with a repaid debt or a payment.

    Every milestone that is not a projection counts from a day something was
    paid: the clearing day (a debt marked repaid, or a plan paid off, which takes
    payments) and the sixth installment paid on time. A borrower with neither
    reaches none today, however many plans and installments they have, so their
    timeline is not computed (recovery/timeline.py, ``recovery_timeline``)."""

    with_history = Borrower.objects.filter(
        Exists(Debt.objects.filter(borrower=OuterRef("pk"), cleared_on__isnull=False))
        | Exists(Payment.objects.filter(plan__proposal__borrower=OuterRef("pk")))
    )
    last = 0
    while True:
        borrowers = list(
            with_history.filter(pk__gt=last)
            .order_by("pk")
            .select_related("user")
            .prefetch_related(*POSITION_PREFETCH)[:batch_size]
        )
        if not borrowers:
            return
        last = borrowers[-1].pk
        batch = []
        for borrower in borrowers:
            accounts = position_from_prefetched(borrower, day).recovery_accounts()
            timeline = recovery.recovery_timeline(accounts, day)
            for milestone in timeline.milestones:
                if milestone.day != day or milestone.projected:
                    continue
                batch.append(
                    Reminder(
                        user_id=borrower.user_id,
                        kind=ReminderKind.MILESTONE,
                        subject=f"milestone:{borrower.pk}:{milestone.account or 'all'}:"
                        f"{milestone.kind}",
                        on_date=day,
                        context={"milestone": str(milestone.kind), "account": milestone.account},
                        link=reverse("timeline"),
                    )
                )
        yield batch


def _dispute_candidates(day: date, batch_size: int):
    """Written replies to disputes due in 3 days or today, and replies to complaints to a
    PBOC branch due today, while no reply is recorded (征信业管理条例 Arts.25, 26)."""
    link = _link("dispute_detail")
    kind_by_filed = {
        day + timedelta(days=offset) - timedelta(days=disputes.REPLY_DAYS): kind
        for offset, kind in DISPUTE_OFFSETS.items()
    }
    fields = ("debt__nickname", "debt__lender_name", "borrower__user_id")
    waiting = Dispute.objects.filter(
        filed_on__in=list(kind_by_filed),
        reply_on__isnull=True,
        outcome="",
        complaint_on__isnull=True,
    )
    for rows in _batched(waiting, batch_size, ("filed_on", *fields)):
        yield [
            Reminder(
                user_id=user_id,
                kind=kind_by_filed[filed],
                subject=f"dispute:{pk}",
                on_date=day,
                context={"debt": nickname or lender, "due": disputes.reply_due(filed).isoformat()},
                link=link(pk),
            )
            for pk, filed, nickname, lender, user_id in rows
        ]
    complained_on = day - timedelta(days=disputes.COMPLAINT_REPLY_DAYS)
    unanswered = Dispute.objects.filter(complaint_on=complained_on, complaint_reply_on__isnull=True)
    for rows in _batched(unanswered, batch_size, fields):
        yield [
            Reminder(
                user_id=user_id,
                kind=ReminderKind.COMPLAINT_DUE,
                subject=f"dispute:{pk}",
                on_date=day,
                context={"debt": nickname or lender, "due": day.isoformat()},
                link=link(pk),
            )
            for pk, nickname, lender, user_id in rows
        ]


def _legal_candidates(day: date, batch_size: int):
    """The current stage of each legal matter whose deadline is 5 days, 2 days or
    0 days away, while the borrower has not recorded acting on it."""
    kind_by_due = {day + timedelta(days=offset): kind for offset, kind in LEGAL_OFFSETS.items()}
    link = _link("legal_matter_detail")
    waiting = LegalStage.objects.filter(
        deadline_on__in=list(kind_by_due), acted_on__isnull=True, current_of__isnull=False
    )
    fields = (
        "deadline_on",
        "kind",
        "matter_id",
        "matter__debt__nickname",
        "matter__debt__lender_name",
        "matter__borrower__user_id",
    )
    for rows in _batched(waiting, batch_size, fields):
        yield [
            Reminder(
                user_id=user_id,
                kind=kind_by_due[due],
                subject=f"legal:{pk}",
                on_date=day,
                context={"debt": nickname or lender, "due": due.isoformat(), "stage": kind},
                link=link(matter_id),
            )
            for pk, due, kind, matter_id, nickname, lender, user_id in rows
        ]


def _digest_candidates(day: date):
    """Monday: each counselor's week ahead, from their caseload."""

    week = day + timedelta(days=7)  # the next seven days, as the 7-day tier reminder
    # Counselors with at least one active grant (a counselor with none has no
    # caseload), not deactivated: they open no page of the counselor area.
    counselors = Counselor.objects.active().filter(
        pk__in=AccessGrant.objects.active().values("counselor_id")
    )
    for counselor in counselors.select_related("user"):
        rows = list(caseload(counselor, day))
        names = {row.pk: row.display_name for row in rows}
        notes = CaseNote.objects.filter(
            borrower_id__in=list(names),
            next_action_on__gte=day,
            next_action_on__lte=week,
        ).order_by("next_action_on")
        context = {
            "tier_changes": [
                [r.display_name, r.next_tier_on.isoformat()]
                for r in rows
                if r.next_tier_on and r.next_tier_on <= week
            ][:DIGEST_LIST_LIMIT],
            "due": [
                [r.display_name, r.next_installment_on.isoformat(), str(r.next_installment_amount)]
                for r in rows
                if r.next_installment_on and r.next_installment_on <= week
            ][:DIGEST_LIST_LIMIT],
            "missed": [[r.display_name, r.missed_n] for r in rows if r.missed_n][
                :DIGEST_LIST_LIMIT
            ],
            "actions": [
                [names[n.borrower_id], n.next_action_on.isoformat()]
                for n in notes
                if n.next_action_on is not None  # always: the query asks for a day
            ][:DIGEST_LIST_LIMIT],
        }
        yield [
            Reminder(
                user_id=counselor.user_id,
                kind=ReminderKind.COUNSELOR_DIGEST,
                subject=f"digest:{counselor.pk}",
                on_date=day,
                context=context,
                link=reverse("caseload"),
            )
        ]


def enqueue_pending(day: date, batch_size: int = BATCH_SIZE) -> int:
    """Enqueue the day's pending reminders, a batch of ids per task; the ids are
    read a page at a time, by primary key, never all at once."""

    pending = Reminder.objects.filter(status=Reminder.Status.PENDING, on_date=day)
    last, total = 0, 0
    while True:
        ids = list(
            pending.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch_size]
        )
        for start in range(0, len(ids), SEND_BATCH_SIZE):
            chunk = ids[start : start + SEND_BATCH_SIZE]

            def send(chunk: list[int] = chunk) -> None:
                # The task by its registered name: repayment_plans.tasks imports
                # this module, so it is looked up, not imported.
                # A short argsrepr: Celery would otherwise format the ids for its logs.
                current_app.tasks["repayment_plans.tasks.send_reminder_batch"].apply_async(
                    (chunk,), argsrepr=f"({len(chunk)} reminders)"
                )

            transaction.on_commit(send)
        total += len(ids)
        if len(ids) < batch_size:
            return total
        last = ids[-1]


# Preferences and unsubscribe -------------------------------------------------


def channel_enabled(user_id: int, channel: str, kind: str) -> bool:
    return not NotificationPreference.objects.filter(
        user_id=user_id, channel=channel, kind=kind, enabled=False
    ).exists()


def set_channel(user, channel: str, kind: str, enabled: bool) -> None:
    NotificationPreference.objects.update_or_create(
        user=user, channel=channel, kind=kind, defaults={"enabled": enabled}
    )


def unsubscribe_token(user_id: int, kind: str) -> str:
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """(user id, kind) from a valid token, else None (tampered or expired)."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("k") not in ReminderKind.values:
        return None
    return cast(int, data.get("u")), data["k"]


# Delivery --------------------------------------------------------------------


def message_for(reminder: Reminder, user: User) -> EmailMessage:
    unsubscribe = settings.SITE_URL + reverse(
        "unsubscribe", args=[unsubscribe_token(user.pk, reminder.kind)]
    )
    with translation.override(user.language):
        context = {
            "reminder": reminder,
            "c": reminder.context,
            "link": settings.SITE_URL + reminder.link if reminder.link else settings.SITE_URL,
            "unsubscribe": unsubscribe,
            "title": reminder_title(reminder),
        }
        body = render_to_string("repayment_plans/email/reminder_body.txt", context)
    return EmailMessage(
        subject=str(context["title"]),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            # The same on every try: a copy sent twice after a crash is recognisable.
            "Message-ID": reminder_message_id(reminder),
        },
    )


def reminder_message_id(reminder: Reminder) -> str:

    return f"<reminder-{reminder.pk}.{reminder.on_date:%Y%m%d}@{message_id_domain()}>"


def stuck_reminders(now=None) -> list[int]:
    """Reminders still pending long after they were recorded (their task lost)."""

    return stuck(Reminder, Reminder.Status.PENDING, now)


def reminder_title(reminder: Reminder) -> str:
    """The one-line text of a reminder, in the active language."""

    c = reminder.context
    kind = reminder.kind
    if kind in (ReminderKind.DUE_IN_3_DAYS, ReminderKind.DUE_TOMORROW, ReminderKind.DUE_TODAY):
        whens: dict[str, str] = {
            ReminderKind.DUE_IN_3_DAYS: _("in 3 days"),
            ReminderKind.DUE_TOMORROW: _("tomorrow"),
            ReminderKind.DUE_TODAY: _("today"),
        }
        when = whens[kind]
        return _("Installment %(number)s to %(lender)s (¥%(amount)s) is due %(when)s, %(due)s") % {
            **c,
            "when": when,
        }
    if kind == ReminderKind.MISSED:
        return _("Installment %(number)s to %(lender)s (¥%(amount)s) was due yesterday") % c
    if kind in (ReminderKind.TIER_IN_7_DAYS, ReminderKind.TIER_TOMORROW):
        tier = TIER_TEXT[tiers.Tier(c["next_tier"])].name
        return _("%(debt)s becomes %(tier)s on %(on)s unless it is paid or a plan is agreed") % {
            **c,
            "tier": tier,
        }
    if kind == ReminderKind.COUNSELOR_DIGEST:
        return _(
            "Your caseload this week: %(tiers)s tier changes, %(due)s installments due, "
            "%(missed)s with missed installments, %(actions)s actions due"
        ) % {
            "tiers": len(c["tier_changes"]),
            "due": len(c["due"]),
            "missed": len(c["missed"]),
            "actions": len(c["actions"]),
        }
    if kind == ReminderKind.MILESTONE:
        return _("Milestone reached: %(title)s") % {"title": TITLES[MilestoneKind(c["milestone"])]}
    if kind == ReminderKind.DISPUTE_IN_3_DAYS:
        return (
            _("The written reply to your dispute about %(debt)s is due in 3 days, by %(due)s") % c
        )
    if kind == ReminderKind.DISPUTE_DUE:
        return (
            _(
                "The written reply to your dispute about %(debt)s is due today, %(due)s. No reply? "
                "You can complain to the local PBOC branch."
            )
            % c
        )
    if kind == ReminderKind.COMPLAINT_DUE:
        return (
            _(
                "The PBOC branch's reply to your complaint about %(debt)s is due today, %(due)s, "
                "if it accepted the complaint the day you made it"
            )
            % c
        )
    if kind == ReminderKind.CONFIRMATION:
        return (
            _(
                "Ask %(lender)s for the agreement in writing (SMS, in-app record or letter): "
                "the amount, the term and whether interest continues"
            )
            % c
        )
    if kind in (
        ReminderKind.LEGAL_IN_5_DAYS,
        ReminderKind.LEGAL_IN_2_DAYS,
        ReminderKind.LEGAL_DUE_TODAY,
    ):
        return _legal_title(kind, c)
    if kind in COUNSELOR_KINDS:
        return _counselor_title(kind, c)
    return _("No answer from %(lender)s since %(sent)s: time for a follow-up call") % c


COUNSELOR_KINDS = (
    ReminderKind.REVIEW_ASKED,
    ReminderKind.REVIEWED,
    ReminderKind.TRANSFER,
    ReminderKind.CASE_ANSWERED,
    ReminderKind.CASE_MISSED,
    ReminderKind.CASE_TIER,
)


def _counselor_title(kind: str, c: dict) -> str:
    """Review requested, the lender's answer, a missed installment and a worse
    tier (to the counselor, naming the borrower); reviewed and transfer (to the
    borrower)."""
    if kind == ReminderKind.REVIEW_ASKED:
        return _("%(borrower)s asks you to review the proposal to %(lender)s") % c
    if kind == ReminderKind.CASE_ANSWERED:
        return _answer_title(c)
    if kind == ReminderKind.CASE_MISSED:
        return (
            _("%(borrower)s missed installment %(number)s to %(lender)s (¥%(amount)s), due %(due)s")
            % c
        )
    if kind == ReminderKind.CASE_TIER:
        tier = TIER_TEXT[tiers.Tier(c["tier"])].name
        return _("%(borrower)s: the debt to %(lender)s reached %(tier)s today, %(on)s") % {
            **c,
            "tier": tier,
        }
    if kind == ReminderKind.TRANSFER:
        return (
            _(
                "%(agency)s proposes that %(to)s follow your case instead of %(from)s. "
                "Nothing changes unless you accept."
            )
            % c
        )
    if c.get("decision") == "approved":
        return _("%(counselor)s approved your proposal to %(lender)s") % c
    section = c.get("section", "")
    if section in ReviewSection.values:
        return _("%(counselor)s asks for a change to your proposal to %(lender)s: %(section)s") % {
            **c,
            "section": ReviewSection(section).label,
        }
    return _("%(counselor)s asks for changes to your proposal to %(lender)s") % c


def _answer_title(c: dict) -> str:
    if c.get("answer") == "accepted":
        return _("%(lender)s accepted the proposal of %(borrower)s") % c
    if c.get("answer") == "rejected":
        return _("%(lender)s rejected the proposal of %(borrower)s") % c
    if c.get("counter_accepted"):
        return (
            _(
                "%(lender)s answered the proposal of %(borrower)s with other terms, "
                "and %(borrower)s accepted them"
            )
            % c
        )
    return _("%(lender)s answered the proposal of %(borrower)s with other terms") % c


def _legal_title(kind: str, c: dict) -> str:
    action = legal_deadlines.ACTION_BY_KIND.get(c.get("stage", ""))
    what = ACTION_LABELS[action] if action else _("act")
    if kind == ReminderKind.LEGAL_DUE_TODAY:
        return _(
            "Court deadline about %(debt)s is today, %(due)s: last day to %(what)s. Free legal "
            "aid: 12348"
        ) % {**c, "what": what}
    days = 5 if kind == ReminderKind.LEGAL_IN_5_DAYS else 2
    return _("Court deadline about %(debt)s in %(days)s days, %(due)s: last day to %(what)s") % {
        **c,
        "days": days,
        "what": what,
    }


def send_reminder(reminder_id: int) -> str:
    """Send one reminder by the channels the user has on. Raises on SMTP errors."""
    error = None
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update(skip_locked=True)
            .select_related("user")
            .filter(pk=reminder_id, status=Reminder.Status.PENDING)
            .first()
        )
        if reminder is None:
            return "skipped"  # sent, switched off, failed for good, or being sent now
        user = reminder.user
        in_app = channel_enabled(user.pk, Channel.IN_APP, reminder.kind)
        email = channel_enabled(user.pk, Channel.EMAIL, reminder.kind)
        done = {"in_app": in_app, "attempts": F("attempts") + 1}
        if email:
            try:
                message_for(reminder, user).send()
            except Exception as exc:
                error = exc
                done["failure_reason"] = (str(exc) or exc.__class__.__name__)[:300]
        if error is None:
            done.update(
                status=Reminder.Status.SENT if (email or in_app) else Reminder.Status.SKIPPED,
                emailed=email,
                sent_at=timezone.now(),
                failure_reason="",
            )
        Reminder.objects.filter(pk=reminder_id).update(**done)
    if error is not None:
        raise error
    return "sent"


def mark_reminders_failed(reminder_ids: list[int], reason: str) -> None:
    Reminder.objects.filter(pk__in=reminder_ids, status=Reminder.Status.PENDING).update(
        status=Reminder.Status.FAILED, failure_reason=reason[:300]
    )
