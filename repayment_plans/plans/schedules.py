"""Repayment schedules for negotiated plans.

Pure functions: no ORM, no request, no clock. Dates (the first due date) are
always passed in. Amounts are yuan as ``Decimal`` rounded half-up to the fen
(0.01 yuan); terms are counted in months; rates are ``annual_percent``, the
nominal rate in percent per year (12 means 12 %/yr, i.e. 1 % per month).

Rounding is done on exact rational values (``fractions.Fraction``) so that a
value lying exactly on half a fen always rounds up, whatever the rate's
decimal expansion; the results are ``Decimal`` with exactly two places.
"""

from __future__ import annotations

import calendar
import enum
import math
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal, localcontext
from fractions import Fraction

from borrowers.money import FEN, ZERO, decimal, money

MONTHS_PER_YEAR = 12
# Decimal precision for the logarithms in months_for_payment.
_PRECISION = 40
# months_for_payment checks the closed-form term against the rounded payments
# up to this many months (100 years); longer terms are returned unchecked.
_SEARCH_LIMIT = 1200
_TOO_SMALL = "amount too small for the number of installments"


class Method(enum.StrEnum):
    """How the regular installments are computed."""

    # Lender freezes interest (停息挂账): equal principal installments, no interest.
    INTEREST_FREE = "interest_free"
    # 等额本息: equal payment at the entered annual rate.
    ANNUITY = "annuity"
    # 等额本金: equal principal plus interest on the remaining balance.
    EQUAL_PRINCIPAL = "equal_principal"


@dataclass(frozen=True)
class Installment:
    """One installment; amounts in yuan.

    ``number`` 0 is the optional good-faith first payment (all principal);
    regular installments are numbered from 1. ``remaining`` is the principal
    balance after this installment.
    """

    number: int
    due_date: date
    payment: Decimal
    principal: Decimal
    interest: Decimal
    remaining: Decimal


@dataclass(frozen=True)
class Schedule:
    """A full repayment schedule.

    ``annual_percent`` is the rate actually applied, in percent per year
    (always 0 for ``Method.INTEREST_FREE``).
    """

    installments: tuple[Installment, ...]
    method: Method
    annual_percent: Decimal

    @property
    def total_paid(self) -> Decimal:
        """Sum of all payments, good faith included (yuan)."""
        return sum((i.payment for i in self.installments), ZERO)

    @property
    def total_interest(self) -> Decimal:
        """Sum of the interest parts (yuan)."""
        return sum((i.interest for i in self.installments), ZERO)

    @property
    def total_principal(self) -> Decimal:
        """Sum of the principal parts, good faith included (yuan); equals the principal."""
        return sum((i.principal for i in self.installments), ZERO)

    @property
    def regular_count(self) -> int:
        """Number of regular installments (number >= 1), i.e. the term in months."""
        return sum(1 for i in self.installments if i.number >= 1)

    @property
    def good_faith_payment(self) -> Decimal:
        """The good-faith first payment (installment 0) in yuan, 0.00 when there is none."""
        return next((i.payment for i in self.installments if i.number == 0), ZERO)

    @property
    def first_regular_payment(self) -> Decimal:
        """Payment of installment 1 (yuan)."""
        return next(i.payment for i in self.installments if i.number == 1)

    @property
    def last_due_date(self) -> date:
        """Due date of the final installment."""
        return self.installments[-1].due_date


def add_months(start: date, months: int) -> date:
    """``start`` plus a number of months, same day of month clamped to the month end.

    Always computed from ``start`` (never chained): Jan 31 + 1 month is Feb 28
    (Feb 29 in a leap year) and Jan 31 + 2 months is Mar 31.
    """
    years, month0 = divmod(start.month - 1 + months, 12)
    year, month = start.year + years, month0 + 1
    return start.replace(year=year, month=month, day=min(start.day, days_in_month(year, month)))


_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def days_in_month(year: int, month: int) -> int:
    if month == 2 and calendar.isleap(year):
        return 29
    return _DAYS_IN_MONTH[month - 1]


# --- helpers ---------------------------------------------------------------


_decimal = decimal
_money = money


def _rate(annual_percent: Decimal | int | str) -> Decimal:
    rate = _decimal(annual_percent, "annual_percent")
    if rate < 0:
        raise ValueError("annual_percent must not be negative")
    return rate


def _months(months: int) -> int:
    if isinstance(months, bool) or not isinstance(months, int):
        raise TypeError("months must be an int")
    if months < 1:
        raise ValueError("months must be at least 1")
    return months


def _fen_from(value: Fraction, *, down: bool = False) -> Decimal:
    """Round an exact non-negative value in yuan to the fen (half-up, or down)."""
    scaled = value * 100
    fen = math.floor(scaled) if down else math.floor(scaled + Fraction(1, 2))
    return Decimal(fen).scaleb(-2)


def _monthly_rate(annual_percent: Decimal) -> Fraction:
    """Exact monthly rate as a fraction (12 %/yr -> 1/100)."""
    return Fraction(annual_percent) / (100 * MONTHS_PER_YEAR)


def _interest(balance: Decimal, rate: Fraction) -> Decimal:
    """One month of interest on ``balance`` yuan, rounded half-up to the fen."""
    if not rate:
        return ZERO
    return _fen_from(Fraction(balance) * rate)


def _split(amount: Decimal, months: int) -> tuple[Decimal, Decimal]:
    """Principal per installment: (each of installments 1..n-1, the last).

    Each is ``amount / months`` rounded up to the fen and the last absorbs
    the remainder, so the last is never larger than the others: a schedule
    whose regular installment fits a monthly capacity fits it every month, the
    last included. If that would leave the last at zero or below (only for
    tiny amounts over many months) the regular parts are rounded down instead.
    """
    if amount < months * FEN:
        raise ValueError(_TOO_SMALL)
    share = Fraction(amount) / months
    regular = _fen_from_up(share)
    last = amount - regular * (months - 1)
    if last <= 0:
        regular = _fen_from(share, down=True)
        last = amount - regular * (months - 1)
    return regular, last


def _fen_from_up(value: Fraction) -> Decimal:
    """Round an exact non-negative value in yuan up to the fen."""
    return Decimal(math.ceil(value * 100)).scaleb(-2)


def _annuity_exact(amount: Decimal, months: int, rate: Fraction) -> tuple[Fraction, Fraction]:
    """Exact annuity payment A = P*r*(1+r)^n / ((1+r)^n - 1) for r > 0, and
    s_n = ((1+r)^n - 1) / r, the sum of (1+r)^k for k = 0..n-1."""
    growth = (1 + rate) ** months
    return Fraction(amount) * rate * growth / (growth - 1), (growth - 1) / rate


def _annuity_payment(amount: Decimal, months: int, rate: Fraction) -> Decimal:
    """The annuity payment rounded half-up to the fen (yuan)."""
    return _fen_from(_annuity_exact(amount, months, rate)[0])


def _effective_rate(method: Method, annual_percent: Decimal) -> Decimal:
    return Decimal("0") if method is Method.INTEREST_FREE else annual_percent


# --- schedules -------------------------------------------------------------


def build_schedule(
    principal: Decimal,
    months: int,
    first_due: date,
    method: Method,
    annual_percent: Decimal = Decimal("0"),
    good_faith: Decimal = Decimal("0"),
) -> Schedule:
    """Build the repayment schedule.

    ``principal`` and ``good_faith`` are yuan (rounded half-up to the fen),
    ``months`` the number of regular monthly installments, ``annual_percent``
    the nominal rate in percent per year (ignored for ``INTEREST_FREE``; a
    rate of 0 makes every method an equal split of the principal).

    With a good-faith payment, installment 0 of that amount (all principal)
    is due on ``first_due`` and installment k on ``first_due`` + k months;
    without it, installment k is due on ``first_due`` + (k - 1) months. The
    regular installments repay ``principal - good_faith``; the last one
    absorbs every rounding remainder so that its ``remaining`` is exactly 0.00.

    Raises ValueError for a non-positive principal, ``months`` < 1, a negative
    rate, a good faith < 0 or >= the principal, or when the amount to spread
    is below one fen per installment.
    """
    method = Method(method)
    amount = _money(principal, "principal")
    if amount <= 0:
        raise ValueError("principal must be positive")
    months = _months(months)
    rate_percent = _effective_rate(method, _rate(annual_percent))
    deposit = _money(good_faith, "good_faith")
    if deposit < 0:
        raise ValueError("good_faith must not be negative")
    if deposit >= amount:
        raise ValueError("good_faith must be less than the principal")

    rows: list[Installment] = []
    remaining = amount
    offset = 0
    if deposit > 0:
        remaining -= deposit
        rows.append(Installment(0, first_due, deposit, deposit, ZERO, remaining))
        offset = 1
    if remaining < months * FEN:
        raise ValueError(_TOO_SMALL)

    rate = _monthly_rate(rate_percent)
    if rate and method is Method.ANNUITY:
        parts = _annuity_parts(remaining, months, rate)
    else:
        parts = _equal_principal_parts(remaining, months, rate)
    for number, (principal_part, interest) in enumerate(parts, start=1):
        remaining -= principal_part
        rows.append(
            Installment(
                number=number,
                due_date=add_months(first_due, number - 1 + offset),
                payment=principal_part + interest,
                principal=principal_part,
                interest=interest,
                remaining=remaining,
            )
        )
    return Schedule(installments=tuple(rows), method=method, annual_percent=rate_percent)


def _equal_principal_parts(
    amount: Decimal, months: int, rate: Fraction
) -> list[tuple[Decimal, Decimal]]:
    """(principal, interest) per installment: equal principal, interest on the balance."""
    regular, last = _split(amount, months)
    parts = []
    balance = amount
    for number in range(1, months + 1):
        principal_part = last if number == months else regular
        parts.append((principal_part, _interest(balance, rate)))
        balance -= principal_part
    return parts


def _annuity_run(
    amount: Decimal, months: int, rate: Fraction, payment: Decimal
) -> list[tuple[Decimal, Decimal]] | None:
    """(principal, interest) per installment paying ``payment`` yuan in 1..n-1.

    Their interest is the rounded interest on the balance and their principal
    the rest; the last pays the balance left plus its interest. None when
    that balance would not stay positive until the last installment.
    """
    parts = []
    balance = amount
    for _ in range(months - 1):
        interest = _interest(balance, rate)
        principal_part = payment - interest
        balance -= principal_part
        if balance <= 0:
            return None
        parts.append((principal_part, interest))
    parts.append((balance, _interest(balance, rate)))
    return parts


def _annuity_parts(amount: Decimal, months: int, rate: Fraction) -> list[tuple[Decimal, Decimal]]:
    """(principal, interest) per installment for an equal payment (rate > 0).

    The level payment is the closed-form annuity payment rounded half-up to
    the fen. Each installment's rounding (interest to the fen, the payment to
    the fen) shifts the balance by less than a fen, compounded at the monthly
    rate, so the last installment differs from the others by less than
    0.01 * s_n yuan, s_n = ((1 + r)^n - 1) / r. When the amount is so small
    that this drift could pay the debt off before the last installment (a
    few yuan over long terms), the level payment is lowered fen by fen until
    the last installment keeps a positive balance; that happens at the
    latest at max(0.01, one month of interest on the amount).

    The level payment is never below the interest on the amount, and
    half-up rounding is monotonic, so no principal part is negative and the
    balance never increases.
    """
    payment = _annuity_payment(amount, months, rate)
    while True:
        parts = _annuity_run(amount, months, rate, payment)
        if parts is not None:
            return parts
        payment -= FEN


def _annuity_level(amount: Decimal, months: int, rate: Fraction) -> Decimal:
    """The payment of installments 1..n-1 of ``_annuity_parts``, without the run when possible.

    The balance before the last installment differs from the exact one,
    A / (1 + r), by less than 0.01 * s_(n-1); if A >= 0.01 * (s_n - 1) it
    stays positive and the level payment is the rounded closed form.
    """
    exact, accumulation = _annuity_exact(amount, months, rate)
    if exact * 100 >= accumulation - 1:
        return _fen_from(exact)
    principal_part, interest = _annuity_parts(amount, months, rate)[0]
    return principal_part + interest


def payment_for_months(
    principal: Decimal,
    months: int,
    method: Method,
    annual_percent: Decimal = Decimal("0"),
) -> Decimal:
    """The first regular installment's payment (yuan) for a term of ``months``.

    Same as ``build_schedule(principal, months, ..., method, annual_percent)
    .first_regular_payment`` (without good faith), computed without building
    the schedule; this is the figure the live preview shows.
    """
    method = Method(method)
    amount = _money(principal, "principal")
    if amount <= 0:
        raise ValueError("principal must be positive")
    months = _months(months)
    if amount < months * FEN:
        raise ValueError(_TOO_SMALL)
    rate = _monthly_rate(_effective_rate(method, _rate(annual_percent)))
    if rate and method is Method.ANNUITY:
        return _annuity_level(amount, months, rate)
    regular, _last = _split(amount, months)
    return regular + _interest(amount, rate)


def months_for_payment(
    principal: Decimal,
    monthly: Decimal,
    method: Method,
    annual_percent: Decimal = Decimal("0"),
) -> int | None:
    """Number of monthly installments to repay ``principal`` yuan paying about ``monthly`` yuan.

    The answer is the smallest term n whose first regular payment, as
    ``payment_for_months`` shows it (rounded to the fen), is at most
    ``monthly`` (rounded half-up to the fen). That is:

    * interest-free (or rate 0): about ceil(P / monthly);
    * annuity: about ceil(-ln(1 - r*P/A) / ln(1 + r)) with r = annual_percent
      / 100 / 12 per month, from the closed form, then checked against the
      rounded payments;
    * equal principal: the first (largest) payment, principal share plus a
      full month of interest on P, is at most ``monthly``.

    Returns None when ``monthly`` <= 0 or when it does not exceed a month of
    interest on the principal (P * r): the debt would never shrink; also when
    no term fits with at least one fen of principal per installment. Terms
    beyond ``_SEARCH_LIMIT`` months come from the closed form unchecked.
    """
    method = Method(method)
    amount = _money(principal, "principal")
    if amount <= 0:
        raise ValueError("principal must be positive")
    target = _money(monthly, "monthly")
    rate_percent = _effective_rate(method, _rate(annual_percent))
    rate = _monthly_rate(rate_percent)
    if target <= 0 or target <= Fraction(amount) * rate:
        return None
    longest = int(amount / FEN)  # one fen per installment

    if rate and method is Method.ANNUITY:
        # Smallest n with exact A_n < target + half a fen, i.e. rounded A_n <= target.
        with localcontext() as ctx:
            ctx.prec = _PRECISION
            r = rate_percent / (100 * MONTHS_PER_YEAR)
            ceiling = target + FEN / 2
            x = -(1 - r * amount / ceiling).ln() / (1 + r).ln()
        guess = int(x.to_integral_value(rounding=ROUND_FLOOR)) + 1
    else:
        # Regular share: round(P / n) <= target - interest on P.
        share = target - _interest(amount, rate)
        if share < FEN:
            return None
        guess = int(amount / (share + FEN / 2)) + 1
    if guess > longest:
        return None
    n = max(guess, 1)
    if n > _SEARCH_LIMIT:
        return n

    def fits(term: int) -> bool:
        return payment_for_months(amount, term, method, rate_percent) <= target

    # The closed forms are exact up to the last digits; settle the boundary.
    while n > 1 and fits(n - 1):
        n -= 1
    while not fits(n):
        if n >= longest:
            return None
        n += 1
    return n
