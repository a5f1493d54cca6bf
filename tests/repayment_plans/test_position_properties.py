"""One truth about a borrower's position, checked over generated borrowers.

Pure properties (many examples): report codes step one per monthly report and
never skip or repeat while unpaid; schedules sum exactly and never ask more in
a month than their regular installment; no strategy asks more than the
capacity in any month. Then, over random borrowers with 1–5 debts in every
standing (not negotiated, proposed, agreed with random payments and misses),
the figures agree across the overview, the debt pages, the strategies, the plan
page, the timeline, the caseload row and the calendar.
"""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from borrowers.counselors.caseload import triage_row, with_position
from borrowers.models import Borrower
from repayment_plans.models import LenderAnswer, Proposal
from repayment_plans.plans import services as plan_services
from repayment_plans.plans.schedules import Method, add_months, build_schedule
from repayment_plans.position.compute import Standing
from repayment_plans.position.load import load_position
from repayment_plans.proposals import services as proposal_services
from repayment_plans.recovery import timeline as recovery
from repayment_plans.strategies import affordability
from repayment_plans.strategies import services as strategy_services
from tests.factories import BorrowerFactory, DebtFactory, profile
from tests.repayment_plans.conftest import make_proposal

days = st.dates(min_value=date(2023, 1, 1), max_value=date(2028, 12, 31))
money = st.decimals(min_value=Decimal("100"), max_value=Decimal("90000"), places=2)


# --- the report code ------------------------------------------------------------


@given(first_missed=days, grace=st.integers(0, 3), today=days)
def test_codes_step_once_per_monthly_report_while_unpaid(first_missed, grace, today):
    acc = recovery.AccountInput("a", "a", first_missed, grace, Decimal(1), Decimal(1))
    codes = [c for _m, c in recovery.recovery_timeline([acc], today).grids["a"]]
    digits = [int(c) for c in codes if c.isdigit()]
    # N until the first report past grace, then 1, 2, 3 … 7, 7: no skip, no repeat.
    assert codes[: len(codes) - len(digits)] == ["N"] * (len(codes) - len(digits))
    if digits:
        assert digits[0] == 1 or codes[0] != "N"
        for a, b in zip(digits, digits[1:], strict=False):
            assert b == min(a + 1, 7)


@given(
    count=st.integers(1, 24),
    due_day=st.integers(1, 31),
    paid=st.lists(st.booleans(), min_size=24, max_size=24),
    today_offset=st.integers(0, 30),
)
def test_under_a_plan_the_digit_is_the_number_of_unpaid_installments(
    count, due_day, paid, today_offset
):
    first = date(2027, 1, min(due_day, 28))
    installments = tuple(
        recovery.Installment(add_months(first, k), Decimal("100")) for k in range(count)
    )
    payments = tuple(
        (i.due, Decimal("100")) for i, is_paid in zip(installments, paid, strict=False) if is_paid
    )
    plan = recovery.PlanInput("p", installments, payments, agreed_on=date(2026, 12, 1))
    today = add_months(first, today_offset)
    path = recovery.plan_path(plan, today)
    acc = recovery.AccountInput("a", "a", date(2026, 10, 1), 0, Decimal(1), Decimal(1), plan=plan)
    previous = 0
    for k in range(count + 2):
        end = recovery.month_end(add_months(first, k))
        code = recovery.code_on(acc, path, path.cleared, end).code
        if code == "C":
            break
        digit = 0 if code == "N" else int(code)
        # Oldest first: each report counts what is due and unpaid, one more at most.
        assert digit <= previous + 1
        due = sum(1 for i in installments if i.due <= end)
        paid_by = sum((a for d, a in path.payments if d <= end), Decimal(0))
        assert digit == min(max(due - int(paid_by // 100), 0), 7)
        previous = digit


# --- schedules and strategies ---------------------------------------------------


@given(amount=money, months=st.integers(1, 60), method=st.sampled_from(list(Method)))
def test_a_schedule_sums_exactly_and_its_last_month_is_never_the_largest(amount, months, method):
    schedule = build_schedule(amount, months, date(2027, 1, 31), method, Decimal("12"))
    assert schedule.total_principal == amount
    if method != Method.ANNUITY:
        regular = [i.principal for i in schedule.installments]
        assert regular[-1] <= max(regular)
        assert max(regular) == regular[0]


lender_groups = st.lists(
    st.builds(
        lambda balance, rate, term, missed: affordability.LenderGroup(
            lender=f"L{balance}",
            debts=(
                affordability.DebtSnapshot(
                    debt_id=1,
                    balance=balance,
                    penalty_fees=Decimal(0),
                    annual_percent=rate,
                    first_missed=date(2026, 11, 30) - timedelta(days=missed),
                    grace_days=0,
                ),
            ),
            max_term_months=term,
        ),
        money,
        st.decimals(min_value=0, max_value=36, places=2),
        st.integers(1, 60),
        st.integers(0, 400),
    ),
    min_size=1,
    max_size=6,
    unique_by=lambda g: g.lender,
)


@given(groups=lender_groups, capacity=st.decimals(min_value=1, max_value=20000, places=2))
def test_no_strategy_asks_more_than_the_capacity_in_any_month(groups, capacity):
    first_due = date(2027, 1, 1)
    for outcome in affordability.compare_strategies(
        groups, capacity, first_due, date(2026, 11, 30)
    ):
        load: dict[date, Decimal] = {}
        by_lender = {g.lender: g for g in groups}
        for a in outcome.allocations:
            if not a.months:
                continue
            schedule = build_schedule(
                by_lender[a.lender].balance, a.months, a.first_due, Method.INTEREST_FREE
            )
            assert schedule.first_regular_payment == a.monthly  # what the strategy shows
            for i in schedule.installments:
                load[i.due_date] = load.get(i.due_date, Decimal(0)) + i.payment
        assert all(total <= capacity for total in load.values())


# --- the same figures on every page -----------------------------------------------

LENDERS = ["深圳前海微众银行", "重庆蚂蚁消费金融", "招商银行", "马上消费金融", "中银消费金融"]

debt_specs = st.lists(
    st.fixed_dictionaries(
        {
            "days_missed": st.integers(0, 200),
            "principal": st.decimals(min_value=500, max_value=30000, places=2),
            "standing": st.sampled_from(["new", "pending", "agreed"]),
            "months": st.integers(3, 24),
            "started": st.integers(0, 5),  # installments already due
            "paid": st.lists(st.booleans(), min_size=5, max_size=5),
        }
    ),
    min_size=1,
    max_size=5,
)


def _build(specs, today):
    borrower = BorrowerFactory(monthly_net_income=Decimal("30000"))
    for n, spec in enumerate(specs):
        debt = DebtFactory(
            borrower=borrower,
            profile=profile("weilidai" if n % 2 else "huabei"),
            lender_name=LENDERS[n],
            principal=spec["principal"],
            first_missed_date=today - timedelta(days=spec["days_missed"])
            if spec["days_missed"]
            else None,
        )
        if spec["standing"] == "new":
            continue
        first_due = add_months(today, -spec["started"]) if spec["standing"] == "agreed" else None
        proposal = make_proposal(
            [debt], months=spec["months"], first_due=first_due or add_months(today, 1)
        )
        if spec["standing"] == "pending":
            Proposal.objects.filter(pk=proposal.pk).update(status=Proposal.Status.FINALISED)
            continue
        plan = proposal_services.record_answer(
            proposal, LenderAnswer(kind="accepted", answered_on=first_due - timedelta(days=3))
        )
        for installment, is_paid in zip(plan.installments.all(), spec["paid"], strict=False):
            if installment.due_date <= today and is_paid:
                plan_services.record_payment(plan, installment.amount, installment.due_date)
    return borrower


def _text(html, pattern):
    return [m.strip() for m in re.findall(pattern, html, re.S)]


@pytest.mark.django_db
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=debt_specs)
def test_every_page_shows_the_same_position(client, seeded_profiles, specs):
    today = timezone.localdate()
    with transaction.atomic():
        borrower = _build(specs, today)
        client.force_login(borrower.user)
        current = load_position(borrower, today)
        overview = client.get(reverse("dashboard")).content.decode()
        for pos in current.debts:
            card = overview.split(f'id="debt-{pos.debt_id}"')[1].split("</article>")[0]
            page = client.get(reverse("debt_detail", args=[pos.debt_id])).content.decode()
            for html in (card, page):
                assert f'data-standing="{pos.standing}"' in html
                assert _text(html, r'class="code">(.*?)<')[0] == pos.report_code
                shown = _text(html, r'class="days-to-next">(.*?)<')
                expected = "—" if pos.days_to_next_tier is None else str(pos.days_to_next_tier)
                assert shown == ([expected] if pos.standing != Standing.REPAID else [])
            if pos.standing == Standing.AGREED:
                assert pos.days_to_next_tier is None or pos.behind

        # Strategies split only what is left, across the debts not negotiated.
        plan_page = client.get(reverse("plan_overview")).content.decode()
        inputs = strategy_services.strategy_inputs(borrower, today)
        negotiable = {p.lender for p in current.debts if p.standing == Standing.NOT_NEGOTIATED}
        assert {g.lender for g in inputs.groups} == negotiable
        left = _text(plan_page, r'class="capacity-left">(.*?)<')[0]
        assert left == f"¥{inputs.capacity:,.2f}"
        assert inputs.capacity == max(
            borrower.monthly_capacity - current.agreed_monthly - inputs.pending_monthly,
            Decimal(0),
        )

        # Plan page and timeline month 0: the same installments due this month (a plan
        # completed by paying this month's last installment counts it too).
        timeline = recovery.recovery_timeline(current.recovery_accounts(), today)
        due_now = sum(
            (
                row.amount
                for state in current.plan_states
                for row in state.installments
                if recovery.month_start(row.due) == recovery.month_start(today)
            ),
            Decimal(0),
        )
        assert timeline.months[0].due == due_now
        for state in current.active_plans:
            plan_html = client.get(reverse("plan_detail", args=[state.plan.plan_id])).content
            assert f"¥{state.outstanding:,.2f}" in plan_html.decode()
            assert (b"catch-up" in plan_html) is (state.arrears_periods > 0)

        # Caseload row and calendar: the same next installment.
        row = triage_row(with_position(Borrower.objects.filter(pk=borrower.pk)).get(), today)
        ics = Calendar.from_ical(client.get(reverse("calendar_download")).content)
        installment_days = sorted(
            e.get("dtstart").dt.date()
            for e in ics.walk("VEVENT")
            if str(e.get("uid")).startswith("installment-")
        )
        upcoming = [d for d in installment_days if d >= today]
        assert row.next_installment_on == (upcoming[0] if upcoming else None)
        assert row.missed_n == current.missed_installments
        assert row.total_overdue == current.total_overdue.quantize(Decimal("0.01"))
        transaction.set_rollback(True)
