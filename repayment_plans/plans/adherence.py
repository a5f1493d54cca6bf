"""Payments against installments: which are paid, late or missed, and the
on-time streak. Pure functions; "today" is passed in; amounts in yuan."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from borrowers.money import ZERO

DUE_SOON_DAYS = 7


class InstallmentStatus(enum.StrEnum):
    UPCOMING = "upcoming"
    DUE = "due"
    PAID = "paid"  # in full, on or before the due date
    LATE = "late"  # in full, after the due date
    MISSED = "missed"  # past due and not paid in full


@dataclass(frozen=True)
class Applied:
    paid_amount: Decimal
    paid_on: date | None  # the day the installment became fully paid


def apply_payments(
    amounts_due: list[Decimal], payments: list[tuple[date, Decimal]]
) -> list[Applied]:
    """Apply payments, in date order, to the oldest open installments first.

    ``amounts_due`` are the installments' amounts in order; returns, for each,
    how much has been paid and on which day it was fully paid.
    """
    paid = [ZERO for _ in amounts_due]
    paid_on: list[date | None] = [None for _ in amounts_due]
    index = 0
    for when, amount in sorted(payments, key=lambda p: p[0]):
        left = amount
        while left > 0 and index < len(amounts_due):
            room = amounts_due[index] - paid[index]
            take = min(room, left)
            paid[index] += take
            left -= take
            if paid[index] >= amounts_due[index]:
                paid_on[index] = when
                index += 1
    return [Applied(p, d) for p, d in zip(paid, paid_on, strict=True)]


def installment_status(
    due_date: date, amount: Decimal, paid_amount: Decimal, paid_on: date | None, today: date
) -> InstallmentStatus:
    if paid_amount >= amount and paid_on is not None:
        return InstallmentStatus.PAID if paid_on <= due_date else InstallmentStatus.LATE
    if due_date < today:
        return InstallmentStatus.MISSED
    if due_date <= today + timedelta(days=DUE_SOON_DAYS):
        return InstallmentStatus.DUE
    return InstallmentStatus.UPCOMING


def on_time_streak(statuses: list[InstallmentStatus]) -> int:
    """Consecutive installments paid on time, counting back from the latest
    one that is settled or past due; a late or missed one ends the streak."""
    streak = 0
    for status in reversed(statuses):
        if status in (InstallmentStatus.UPCOMING, InstallmentStatus.DUE):
            continue
        if status != InstallmentStatus.PAID:
            break
        streak += 1
    return streak


def adherence_percent(statuses: list[InstallmentStatus]) -> Decimal | None:
    """Share of the installments already due that were paid on time, in percent."""
    counted = [s for s in statuses if s not in (InstallmentStatus.UPCOMING, InstallmentStatus.DUE)]
    if not counted:
        return None
    on_time = sum(1 for s in counted if s == InstallmentStatus.PAID)
    return (Decimal(on_time) * 100 / len(counted)).quantize(Decimal("0.1"))
