from datetime import date
from decimal import Decimal

from repayment_plans.plans.adherence import (
    InstallmentStatus as S,
)
from repayment_plans.plans.adherence import (
    adherence_percent,
    apply_payments,
    installment_status,
    on_time_streak,
)

D = Decimal


def test_payments_fill_the_oldest_installments_first():
    applied = apply_payments(
        [D("100"), D("100"), D("100")],
        [(date(2027, 2, 3), D("150")), (date(2027, 1, 1), D("60"))],
    )
    # 60 on 1 Jan; the 150 on 3 Feb completes #1 (40), fills #2 (100), leaves 10 on #3.
    assert [a.paid_amount for a in applied] == [D("100"), D("100"), D("10")]
    assert [a.paid_on for a in applied] == [date(2027, 2, 3), date(2027, 2, 3), None]


def test_statuses_around_the_due_date():
    due = date(2027, 1, 10)
    assert installment_status(due, D(100), D(100), date(2027, 1, 10), date(2027, 1, 20)) == S.PAID
    assert installment_status(due, D(100), D(100), date(2027, 1, 11), date(2027, 1, 20)) == S.LATE
    assert installment_status(due, D(100), D(99), None, date(2027, 1, 11)) == S.MISSED
    assert installment_status(due, D(100), D(0), None, date(2027, 1, 10)) == S.DUE
    assert installment_status(due, D(100), D(0), None, date(2027, 1, 3)) == S.DUE
    assert installment_status(due, D(100), D(0), None, date(2027, 1, 2)) == S.UPCOMING


def test_a_missed_installment_resets_the_streak():
    assert on_time_streak([S.PAID, S.PAID, S.MISSED, S.PAID, S.PAID, S.UPCOMING]) == 2
    assert on_time_streak([S.PAID, S.LATE]) == 0
    assert on_time_streak([S.PAID, S.PAID, S.DUE]) == 2


def test_adherence_counts_only_installments_already_due():
    assert adherence_percent([S.PAID, S.LATE, S.MISSED, S.PAID, S.UPCOMING]) == D("50.0")
    assert adherence_percent([S.UPCOMING]) is None
