"""The demo agency's caseload: 40 borrowers in every tier and proposal state
(some with several proposals in different states, such as an agreed plan and
another proposal awaiting review), split between its two counselors, with case
notes that carry next actions, so that the caseload's filters, totals, sorting
and paging, the agency page and reassignment can be tried at once.

Deterministic: a seeded random generator and dates relative to ``today`` only,
so that loading twice on the same day gives the same figures. Rows are
bulk-created; only the lenders' answers go through the service (it creates
the plans), and the caseload figures are computed once at the end.
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password

from borrowers.counselors.caseload import refresh_triage
from borrowers.models import (
    AccessGrant,
    Borrower,
    CaseNote,
    Counselor,
    Debt,
    HardshipReason,
    ProductProfile,
    User,
)
from repayment_plans.models import LenderAnswer, Proposal, ProposalEvent, ReviewSection
from repayment_plans.plans.services import next_month_first
from repayment_plans.proposals import services as proposal_services

SEED = 17
SIZE = 40
EMAIL = "case{:02d}@demo.local"
SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何林高罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "秀英", "涛"]
# Days since the first missed payment, by tier: current (none), light, moderate, severe.
TIER_DAYS = [None, (3, 29), (33, 58), (64, 240)]
# The states of each borrower's proposals, one per debt, by groups of four
# borrowers (one of each tier): every status, and borrowers with several.
Status = Proposal.Status
STATES = [
    (),
    (Status.DRAFT,),
    (Status.IN_REVIEW,),
    (Status.CHANGES_REQUESTED,),
    (Status.APPROVED,),
    (Status.FINALISED,),
    (Status.ACCEPTED,),
    (Status.REJECTED,),
    (Status.ACCEPTED, Status.IN_REVIEW),
    (Status.COUNTERED, Status.REJECTED, Status.DRAFT),
]
ANSWERED = (Status.ACCEPTED, Status.COUNTERED, Status.REJECTED)
PROFILES = ["weilidai", "huabei", "jiebei", "other_online", "credit_card"]
OTHER_LENDERS = ["马上消费金融", "招联消费金融", "中银消费金融"]
CARD_LENDERS = ["招商银行信用卡", "广发银行信用卡"]
NOTES = [
    "电话沟通：已了解收入情况，下周再联系。",
    "已帮助整理债务清单，等待借款人补充合同号。",
    "借款人同意先与平台协商延期。",
    "提醒借款人按时记录还款。",
]
NEXT_ACTIONS = [
    "周五前电话确认收入证明",
    "提醒借款人补充合同号",
    "跟进平台对延期申请的答复",
    "约借款人面谈，核对还款计划",
    "检查本月还款是否按时到账",
]
CHANGE_COMMENTS = {
    ReviewSection.TERM: "期数可以再长一些，每月还款压力太大。",
    ReviewSection.AMOUNT: "建议先申请减免罚息，再确认还款总额。",
    ReviewSection.HARDSHIP: "困难说明请补充收入下降的时间和原因。",
}


def emails() -> list[str]:
    return [EMAIL.format(i + 1) for i in range(SIZE)]


def load(counselors: list[Counselor], today, password: str) -> list[Borrower]:
    """Replace the demo caseload (the rows of the previous load are deleted);
    every account logs in with ``password`` (hashed once: 40 hashes are slow)."""
    User.objects.filter(email__in=emails()).delete()
    rng = random.Random(SEED)
    profiles = {p.key: p for p in ProductProfile.objects.filter(key__in=PROFILES)}
    hashed = make_password(password)
    users = User.objects.bulk_create(User(email=email, password=hashed) for email in emails())
    borrowers = Borrower.objects.bulk_create(
        _borrower(i, user, rng) for i, user in enumerate(users)
    )
    debts_by_borrower: dict[int, list[Debt]] = {}
    debts = []
    for i, borrower in enumerate(borrowers):
        # A debt for each proposal at least.
        for n in range(max(1 + rng.randrange(3), len(_states(i)))):
            debt = _debt(i, n, borrower, profiles, rng, today)
            debts.append(debt)
            debts_by_borrower.setdefault(borrower.pk, []).append(debt)
    Debt.objects.bulk_create(debts)
    AccessGrant.objects.bulk_create(
        AccessGrant(borrower=b, counselor=counselors[(i + i // 4) % 2], can_edit=i % 5 == 0)
        for i, b in enumerate(borrowers)
    )
    CaseNote.objects.bulk_create(
        CaseNote(
            borrower=b,
            author=counselors[(i + i // 4) % 2],
            kind=CaseNote.Kind.CALL,
            text=NOTES[i % len(NOTES)],
            next_action=NEXT_ACTIONS[i % len(NEXT_ACTIONS)] if i % 3 or i % 4 == 0 else "",
            next_action_on=today + timedelta(days=1 + i % 9) if i % 3 else None,
        )
        for i, b in enumerate(borrowers)
        if i % 2 == 0
    )
    _proposals(borrowers, debts_by_borrower, counselors, rng, today)
    refresh_triage([b.pk for b in borrowers], today)
    return borrowers


def _borrower(i: int, user: User, rng: random.Random) -> Borrower:
    income = Decimal(rng.randrange(40, 160) * 100)
    return Borrower(
        user=user,
        display_name=SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)],
        phone=f"139{i:04d}{rng.randrange(10000):04d}",
        monthly_net_income=income,
        rent=(income * Decimal("0.25")).quantize(Decimal("1")),
        food=Decimal(rng.randrange(8, 20) * 100),
        transport=Decimal(rng.randrange(1, 5) * 100),
        hardship_reason=rng.choice(HardshipReason.values),
        hardship_detail="收入下降，暂时无法按原合同还款。",
    )


def _debt(i, n, borrower, profiles, rng, today) -> Debt:
    key = PROFILES[(i + n * 2) % len(PROFILES)]
    profile = profiles[key]
    lender = profile.default_lender or (
        CARD_LENDERS[(i + n) % len(CARD_LENDERS)]
        if profile.is_credit_card
        else OTHER_LENDERS[(i + n) % len(OTHER_LENDERS)]
    )
    tier = i % 4 if n == 0 else rng.randrange(i % 4 + 1)  # the first debt sets the worst tier
    days = TIER_DAYS[tier]
    return Debt(
        borrower=borrower,
        profile=profile,
        lender_name=lender,
        principal=Decimal(rng.randrange(20, 400) * 100),
        interest=Decimal(rng.randrange(0, 30) * 10),
        annual_rate_percent=Decimal(rng.choice(["0", "12.775", "18.25", "24"])),
        first_missed_date=None if days is None else today - timedelta(days=rng.randint(*days)),
    )


def _states(i: int) -> tuple[str, ...]:
    return STATES[(i // 4) % len(STATES)]


def _proposals(borrowers, debts_by_borrower, counselors, rng, today) -> None:
    made = []
    for i, borrower in enumerate(borrowers):
        for debt, state in zip(debts_by_borrower[borrower.pk], _states(i), strict=False):
            behind = state == Status.ACCEPTED and i % 3 == 0  # a missed installment
            first_due = today - timedelta(days=40) if behind else next_month_first(today)
            months = min(rng.choice([6, 12, 18, 24, 36]), debt.profile.max_term_months)
            made.append(
                (
                    i,
                    borrower,
                    debt,
                    state,
                    Proposal(
                        borrower=borrower,
                        lender_name=debt.lender_name,
                        months=months,
                        first_due_date=first_due,
                        status=Status.FINALISED if state in ANSWERED else state,
                        strategy="stop_escalation" if i % 2 else "",
                    ),
                )
            )
    Proposal.objects.bulk_create(p for *_rest, p in made)
    Proposal.debts.through.objects.bulk_create(
        Proposal.debts.through(proposal_id=p.pk, debt_id=debt.pk) for _i, _b, debt, _s, p in made
    )
    events = []
    for i, borrower, _debt, state, proposal in made:
        counselor = counselors[(i + i // 4) % 2]
        if state != Status.DRAFT:
            events.append(
                _event(proposal, borrower.user, borrower.display_name, "draft", "in_review")
            )
        if state == Status.CHANGES_REQUESTED:
            section = list(CHANGE_COMMENTS)[i % len(CHANGE_COMMENTS)]
            event = _event(proposal, counselor.user, counselor.display_name, "in_review", state)
            event.comment, event.section = CHANGE_COMMENTS[section], section
            events.append(event)
        elif state not in (Status.DRAFT, Status.IN_REVIEW):
            events.append(
                _event(proposal, counselor.user, counselor.display_name, "in_review", "approved")
            )
    ProposalEvent.objects.bulk_create(events)
    for _i, _borrower, _debt, state, proposal in made:
        if state in ANSWERED:
            answered_on = min(today, proposal.first_due_date - timedelta(days=3))
            proposal_services.record_answer(
                proposal, LenderAnswer(kind=state, answered_on=answered_on, note="电话确认")
            )


def _event(proposal, actor, name, from_status, to_status) -> ProposalEvent:
    return ProposalEvent(
        proposal=proposal,
        actor=actor,
        actor_name=name,
        from_status=from_status,
        to_status=to_status,
    )
