"""A lender's counter-offer, judged on the spot against the borrower's own numbers.

docs/domain.md §7 ("A lender's counter-offer is judged against the borrower's
own numbers"), rules and worked example in docs/negotiation.md. The same
evaluator serves an offer made by phone or in the app and the counter-offer in
a written answer to a proposal (``offer_from_schedule``).

Pure functions: no ORM, no clock ("today" is passed in). Amounts are yuan as
``Decimal`` (a float is refused), terms are months, yearly costs are percent
per year. Every reason is a translatable message whose amounts are formatted
like the ``yuan`` template filter (``borrowers.numerals.yuan_figures``); it is
rendered in the language active when it is shown.

What is checked, in order (each gives ok, warn or fail):

1. the largest monthly installment against the capacity left after the other
   agreed plans (fail when above it, by even one fen);
2. the total repaid against the principal (fail above ``MAX_TOTAL_RATIO`` × the principal);
3. the effective yearly cost (warn above the cost-warning threshold, 24 % by default);
4. the term against the product's maximum (card: fail beyond 60 months,
   信用卡业务监督管理办法 Art.70; other products: fail beyond ``MAX_PLAN_MONTHS``,
   a note beyond the profile's typical maximum);
5. whether penalty interest and fees keep running (warn when they do or when
   the lender did not say);
6. whether interest keeps running (warn only when the lender did not say);
7. fees (warn when there are any); then notes: the amount waived, the
   comparison with the borrower's own proposal.

Verdict: any fail → does not fit; else any warn → fits but costly; else fits.
When the offer does not fit, ``Evaluation.counter`` is the offer to propose.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext
from typing import TYPE_CHECKING

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext_lazy as _

from borrowers.money import FEN, ZERO, decimal
from borrowers.numerals import yuan_figures
from borrowers.templatetags.money import percent as percent_filter
from repayment_plans.plans.schedules import Method, Schedule, add_months, build_schedule
from repayment_plans.strategies.affordability import MAX_PLAN_MONTHS

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# --- thresholds (docs/negotiation.md, "The rules") ---------------------------

#: Longest individual installment agreement a bank may agree for a credit card:
#: 5 years [law, 信用卡业务监督管理办法 Art.70; DOMAIN §3, docs/domain.md §3.1].
#: A card offer beyond it does not fit.
CARD_MAX_TERM_MONTHS = 60

#: A plan that repays more than this many times the principal does not fit.
#: **Convention** (the domain notes name no ratio): beyond it the plan no longer
#: settles the debt but doubles it; for scale, 24 % a year over 60 months
#: repays about 1.73 times, and a month of 30 % penalty-only arrears never gets there.
MAX_TOTAL_RATIO = Decimal(2)

#: An offer whose effective yearly cost is above this is "fits but costly".
#: The app's cost warning line (docs/domain.md §2.7, ``COST_WARNING_ANNUAL_PERCENT``,
#: default 24 [design]; the views pass ``position_load.cost_warning_percent()``).
COST_WARNING_PERCENT = Decimal(24)

#: A yearly cost is reported rounded half-up to this (percent per year).
PERCENT_PLACES = Decimal("0.01")

# Bisection of the monthly rate: stop when the bracket is narrower than this
# (1e-12 a month is about 1e-9 percent a year), after at most this many steps.
_RATE_TOLERANCE = Decimal("1e-12")
_MAX_STEPS = 400
_PRECISION = 40


# --- inputs --------------------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    """What a lender offers (or what the borrower proposes): yuan, months, dates.

    ``payments`` are the regular installments when they are known one by one
    (from a schedule; they then win over ``monthly_amount`` and ``total``);
    otherwise they are ``months`` installments of
    ``monthly_amount``, the last one taking what is left of ``total`` when the
    lender states a total. ``total`` is everything the borrower pays under the
    offer: the installments, the good-faith first payment and the fees.
    ``fees`` are paid at the start (up-front, or the total of the fees the
    lender names); ``good_faith`` is a first payment at the start, money in hand
    and not monthly income, so it is not checked against the capacity.
    ``waived`` is what the lender says it waives (a note only).
    ``interest_continues`` and ``penalties_continue``: None when the lender did not say.
    """

    monthly_amount: Decimal
    months: int
    first_due: date | None = None
    interest_continues: bool | None = None
    penalties_continue: bool | None = None
    fees: Decimal = ZERO
    waived: Decimal = ZERO
    good_faith: Decimal = ZERO
    total: Decimal | None = None
    payments: tuple[Decimal, ...] = ()

    def __post_init__(self) -> None:
        for name in ("monthly_amount", "fees", "waived", "good_faith"):
            value = decimal(getattr(self, name), name)
            if value < 0:
                raise ValueError(f"{name} must not be negative")
            object.__setattr__(self, name, value)
        if isinstance(self.months, bool) or not isinstance(self.months, int):
            raise TypeError("months must be an int")
        if self.months < 1:
            raise ValueError("months must be at least 1")
        if self.payments:
            payments = tuple(decimal(p, "payment") for p in self.payments)
            if len(payments) != self.months or any(p <= 0 for p in payments):
                raise ValueError("payments must be one positive amount per month")
            object.__setattr__(self, "payments", payments)
        elif self.monthly_amount <= 0:
            raise ValueError("monthly_amount must be positive")
        if self.total is not None:
            object.__setattr__(self, "total", decimal(self.total, "total"))
        self.installments()  # refuses a total the installments cannot add up to

    def installments(self) -> tuple[Decimal, ...]:
        """The regular monthly installments, in order (yuan)."""
        if self.payments:
            return self.payments
        regular = [self.monthly_amount] * (self.months - 1)
        if self.total is None:
            return (*regular, self.monthly_amount)
        last = self.total - self.fees - self.good_faith - sum(regular, ZERO)
        if last <= 0:
            raise ValueError("total is less than the installments, good faith and fees")
        return (*regular, last)

    @property
    def largest_installment(self) -> Decimal:
        """What the offer asks in its heaviest month (good faith and fees excluded)."""
        return max(self.installments())

    @property
    def total_paid(self) -> Decimal:
        """Everything paid under the offer: installments, good faith and fees."""
        return sum(self.installments(), ZERO) + self.good_faith + self.fees


@dataclass(frozen=True)
class BorrowerSide:
    """The borrower's own numbers for one lender.

    ``principal``: the principal still owed to this lender (本金), the base of
    the total-to-principal ratio and of the yearly cost.
    ``capacity_left``: the monthly capacity minus what the other agreed plans
    take in their heaviest month (``BorrowerPosition.capacity_left``), rounded
    down to the fen, never below 0.
    ``max_term_months``: the smallest typical maximum term of the debts'
    product profiles (``strategies.services.max_term_for``).
    ``owed``: what a counter-offer repays, principal + interest with penalty and
    fees asked to be waived (``position_load.amount_to_repay(debts, True)``);
    the principal when None.
    ``proposal``: the borrower's own proposal to this lender, if any.
    """

    principal: Decimal
    capacity_left: Decimal
    max_term_months: int
    is_credit_card: bool = False
    owed: Decimal | None = None
    proposal: Offer | None = None

    def __post_init__(self) -> None:
        principal = decimal(self.principal, "principal")
        if principal <= 0:
            raise ValueError("principal must be positive")
        object.__setattr__(self, "principal", principal)
        # Rounded down to the fen, as the capacity itself (budget.monthly_capacity).
        left = decimal(self.capacity_left, "capacity_left").quantize(FEN, rounding=ROUND_FLOOR)
        object.__setattr__(self, "capacity_left", max(left, ZERO))
        owed = principal if self.owed is None else decimal(self.owed, "owed")
        if owed <= 0:
            raise ValueError("owed must be positive")
        object.__setattr__(self, "owed", owed)
        if self.max_term_months < 1:
            raise ValueError("max_term_months must be at least 1")

    @property
    def amount_owed(self) -> Decimal:
        assert self.owed is not None  # set in __post_init__
        return self.owed

    @property
    def longest_term(self) -> int:
        """The longest term a counter-offer asks for: the profile's typical
        maximum, never beyond 60 months for a card (Art.70) or 120 months."""
        cap = CARD_MAX_TERM_MONTHS if self.is_credit_card else MAX_PLAN_MONTHS
        return min(self.max_term_months, cap)

    @property
    def hard_term_limit(self) -> int:
        """Beyond this an offer does not fit: 60 months for a card, else 120."""
        return CARD_MAX_TERM_MONTHS if self.is_credit_card else MAX_PLAN_MONTHS


# --- results -------------------------------------------------------------------


class Level(enum.StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


class Verdict(enum.StrEnum):
    FITS = "fits"
    FITS_COSTLY = "fits_costly"
    DOES_NOT_FIT = "does_not_fit"

    @property
    def label(self) -> StrOrPromise:
        return VERDICT_TEXT[self]


VERDICT_TEXT: dict[Verdict, StrOrPromise] = {
    Verdict.FITS: _("This offer fits your budget."),
    Verdict.FITS_COSTLY: _("This offer fits your budget, but it is costly: see the points below."),
    Verdict.DOES_NOT_FIT: _("This offer does not fit your budget."),
}


@dataclass(frozen=True)
class Message:
    """A translatable text and its figures, rendered in the active language."""

    text: StrOrPromise
    params: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return str(self.text) % dict(self.params) if self.params else str(self.text)


@dataclass(frozen=True)
class Check:
    name: str  # monthly, total, cost, term, penalties, interest, fees, waived, proposal
    level: Level
    message: Message

    @property
    def reason(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class Evaluation:
    offer: Offer
    side: BorrowerSide
    verdict: Verdict
    checks: tuple[Check, ...]
    total: Decimal  # everything paid under the offer
    ratio: Decimal  # total / principal, half-up to 0.01
    yearly_cost_percent: Decimal | None  # None: what is paid at the start is the principal or more
    counter: Offer | None
    counter_message: Message | None  # what to counter with, or why no counter is possible

    @property
    def headline(self) -> StrOrPromise:
        return self.verdict.label

    @property
    def counter_reason(self) -> str:
        return str(self.counter_message) if self.counter_message else ""

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)


# --- the effective yearly cost ------------------------------------------------------


def first_period(today: date, first_due: date | None) -> int:
    """Whole months from ``today`` to the first installment, at least 1.

    Convention (docs/negotiation.md): installments fall a whole number of
    months apart; the first counts one month after the offer unless the
    lender defers it by more (a first due date 3 months away is period 3).
    """
    if first_due is None:
        return 1
    gap = relativedelta(first_due, today)
    return max(1, int(gap.years) * 12 + int(gap.months))


def _present_value(payments: Sequence[Decimal], start: int, rate: Decimal) -> Decimal:
    discount = 1 / (1 + rate)
    factor = discount**start
    value = Decimal(0)
    for payment in payments:
        value += payment * factor
        factor *= discount
    return value


def effective_yearly_percent(
    amount: Decimal, payments: Sequence[Decimal], start: int = 1, at_start: Decimal = ZERO
) -> Decimal | None:
    """The yearly cost, in percent per year, of repaying ``amount`` yuan with
    ``at_start`` paid now and ``payments`` at months ``start``, ``start + 1`` …

    The monthly internal rate of return r solves
    ``amount − at_start = Σ payment_k / (1 + r)^(start + k)`` and the result is
    r × 12 × 100, the nominal yearly rate, the same convention as the
    schedules' ``annual_percent`` (monthly rate = percent ÷ 100 ÷ 12), so that a
    等额本息 offer at 18 % shows 18 %. The present value falls as r rises, so
    r is found by bisection in Decimal arithmetic (40 digits) until the bracket
    is narrower than 1e-12 a month, then rounded half-up to 0.01 percent.

    0 when the payments add up to no more than ``amount − at_start`` (an offer
    that repays no more than the principal costs nothing; a discount is not
    shown as a negative cost). None when ``at_start`` is ``amount`` or more:
    no rate makes the payments worth what was received.
    """
    received = amount - at_start
    paid = sum(payments, ZERO)
    if received <= 0:
        return None
    if paid <= received:
        return ZERO
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        low, high = Decimal(0), Decimal(1)
        while _present_value(payments, start, high) > received:
            low, high = high, high * 2
        for _step in range(_MAX_STEPS):
            if high - low < _RATE_TOLERANCE:
                break
            middle = (low + high) / 2
            if _present_value(payments, start, middle) > received:
                low = middle
            else:
                high = middle
        monthly = (low + high) / 2
        return (monthly * 12 * 100).quantize(PERCENT_PLACES, rounding=ROUND_HALF_UP)


# --- messages --------------------------------------------------------------------

MONTHLY_FITS = _("%(monthly)s a month fits the %(left)s you have left after your agreed plans.")
MONTHLY_OVER = _(
    "%(monthly)s a month is %(over)s more than the %(left)s you have left after your agreed plans."
)
TOTAL_OK = _("You would repay %(total)s in total for %(principal)s of principal (%(ratio)s times).")
TOTAL_OVER = _(
    "You would repay %(total)s in total for %(principal)s of principal (%(ratio)s times): "
    "more than twice the principal."
)
COST_NONE = _("Effective yearly cost: %(cost)s. You repay no more than the principal.")
COST_OK = _("Effective yearly cost: %(cost)s.")
COST_HIGH = _(
    "Effective yearly cost: %(cost)s, above %(limit)s. Licensed lenders are under regulatory "
    "caps; if the charges look wrong, ask the lender for a breakdown and consider the "
    "complaint lines 12378 or 12363."
)
COST_UNKNOWN = _(
    "The yearly cost cannot be worked out: what is paid at the start is already as much as "
    "the principal."
)
TERM_OK = _("%(months)s months is within the longest term for this product (%(max)s months).")
TERM_LONGER_THAN_TYPICAL = _(
    "%(months)s months is longer than is typical for this product (%(max)s months). "
    "Make sure the lender confirms this term in writing."
)
TERM_CARD_OVER = _(
    "%(months)s months is longer than the 5 years (%(max)s months) a bank may agree for a "
    "credit card (信用卡业务监督管理办法 Art.70)."
)
TERM_OVER = _("%(months)s months is longer than %(max)s months: that is no longer a plan.")
PENALTIES_STOP = _("Penalty interest and fees stop while you pay.")
PENALTIES_RUN = _(
    "Penalty interest and fees keep running: the debt still grows while you pay, so the total "
    "above is not the whole cost. Ask in writing for them to stop while you pay on time."
)
PENALTIES_UNSAID = _(
    "The lender did not say whether penalty interest and fees stop. Ask, and get the answer "
    "in writing."
)
INTEREST_FROZEN = _("Interest is frozen.")
INTEREST_RUNS = _("Interest keeps running; it is counted in the total and the yearly cost.")
INTEREST_UNSAID = _(
    "The lender did not say whether interest keeps running. Ask, and get the answer in writing."
)
FEES = _(
    "The offer includes %(fees)s in fees, counted in the total and the yearly cost. Pay them "
    "only into the lender's own account, never to a personal account or a third-party agent."
)
WAIVED = _("The lender waives %(waived)s.")
PROPOSAL_MORE = _(
    "This offer asks %(difference)s more in total than your own proposal (%(proposal_total)s "
    "over %(proposal_months)s months)."
)
PROPOSAL_NOT_MORE = _(
    "This offer asks no more in total than your own proposal (%(proposal_total)s over "
    "%(proposal_months)s months)."
)
COUNTER = _(
    "Counter with %(months)s monthly installments of %(monthly)s (%(total)s in total), "
    "interest frozen and penalty interest and fees stopped, the first on %(first_due)s."
)
COUNTER_NONE_NOTHING_LEFT = _(
    "Nothing is left each month after your agreed plans, so no monthly amount fits now. "
    "Do not accept an amount you cannot pay; review your budget and your other plans first."
)
COUNTER_NONE_TOO_LONG = _(
    "Even over %(months)s months, the longest term for this product, %(needed)s a month is "
    "needed: %(gap)s more than the %(left)s you have left. You could ask for %(months)s "
    "months of %(left)s with a good-faith first payment of %(good_faith)s, if you can raise it."
)


def _yuan(amount: Decimal) -> str:
    return yuan_figures(amount)


# The ``percent`` template filter (18.5 %), typed for the call sites below.
_percent: Callable[[Decimal], str] = percent_filter


def _ratio(total: Decimal, principal: Decimal) -> Decimal:
    return (total / principal).quantize(FEN, rounding=ROUND_HALF_UP)


# --- the checks --------------------------------------------------------------------


def _monthly_check(offer: Offer, side: BorrowerSide) -> Check:
    monthly = offer.largest_installment
    params = {"monthly": _yuan(monthly), "left": _yuan(side.capacity_left)}
    if monthly <= side.capacity_left:
        return Check("monthly", Level.OK, Message(MONTHLY_FITS, params))
    params["over"] = _yuan(monthly - side.capacity_left)
    return Check("monthly", Level.FAIL, Message(MONTHLY_OVER, params))


def _total_check(total: Decimal, ratio: Decimal, side: BorrowerSide) -> Check:
    params = {"total": _yuan(total), "principal": _yuan(side.principal), "ratio": f"{ratio}"}
    if total > MAX_TOTAL_RATIO * side.principal:
        return Check("total", Level.FAIL, Message(TOTAL_OVER, params))
    return Check("total", Level.OK, Message(TOTAL_OK, params))


def _cost_check(cost: Decimal | None, limit: Decimal) -> Check:
    if cost is None:
        return Check("cost", Level.WARN, Message(COST_UNKNOWN))
    params = {"cost": _percent(cost), "limit": _percent(limit)}
    if cost == 0:
        return Check("cost", Level.OK, Message(COST_NONE, {"cost": params["cost"]}))
    if cost > limit:
        return Check("cost", Level.WARN, Message(COST_HIGH, params))
    return Check("cost", Level.OK, Message(COST_OK, params))


def _term_check(offer: Offer, side: BorrowerSide) -> Check:
    months = offer.months
    if months > side.hard_term_limit:
        params = {"months": str(months), "max": str(side.hard_term_limit)}
        text = TERM_CARD_OVER if side.is_credit_card else TERM_OVER
        return Check("term", Level.FAIL, Message(text, params))
    params = {"months": str(months), "max": str(side.longest_term)}
    if months > side.longest_term:
        # The typical maximum is editable data [unsure] (docs/domain.md §3.2):
        # a lender may offer longer; a note, not a warning.
        return Check("term", Level.OK, Message(TERM_LONGER_THAN_TYPICAL, params))
    return Check("term", Level.OK, Message(TERM_OK, params))


def _penalty_check(offer: Offer) -> Check:
    if offer.penalties_continue is None:
        return Check("penalties", Level.WARN, Message(PENALTIES_UNSAID))
    if offer.penalties_continue:
        return Check("penalties", Level.WARN, Message(PENALTIES_RUN))
    return Check("penalties", Level.OK, Message(PENALTIES_STOP))


def _interest_check(offer: Offer) -> Check:
    if offer.interest_continues is None:
        return Check("interest", Level.WARN, Message(INTEREST_UNSAID))
    if offer.interest_continues:
        return Check("interest", Level.OK, Message(INTEREST_RUNS))
    return Check("interest", Level.OK, Message(INTEREST_FROZEN))


def _notes(offer: Offer, side: BorrowerSide, total: Decimal) -> list[Check]:
    notes = []
    if offer.fees > 0:
        notes.append(Check("fees", Level.WARN, Message(FEES, {"fees": _yuan(offer.fees)})))
    if offer.waived > 0:
        notes.append(Check("waived", Level.OK, Message(WAIVED, {"waived": _yuan(offer.waived)})))
    if side.proposal is not None:
        proposal_total = side.proposal.total_paid
        params = {
            "proposal_total": _yuan(proposal_total),
            "proposal_months": str(side.proposal.months),
        }
        if total > proposal_total:
            params["difference"] = _yuan(total - proposal_total)
            notes.append(Check("proposal", Level.OK, Message(PROPOSAL_MORE, params)))
        else:
            notes.append(Check("proposal", Level.OK, Message(PROPOSAL_NOT_MORE, params)))
    return notes


def _verdict(checks: Sequence[Check]) -> Verdict:
    levels = {c.level for c in checks}
    if Level.FAIL in levels:
        return Verdict.DOES_NOT_FIT
    if Level.WARN in levels:
        return Verdict.FITS_COSTLY
    return Verdict.FITS


# --- the counter-offer -------------------------------------------------------------


def counter_offer(
    side: BorrowerSide, first_due: date, months_asked: int | None = None
) -> tuple[Offer | None, Message]:
    """What to propose instead: what is owed, interest frozen and penalty
    interest and fees stopped, over the lender's own term when it fits.

    The term is the lender's ``months_asked``, capped at the longest term
    (``BorrowerSide.longest_term``); when what is owed ÷ that term is more than
    the capacity left, the term becomes what is owed ÷ the capacity left,
    rounded up (the whole capacity left, as ``affordability._allocation``
    gives a lender the capacity it can have). The monthly amount is then what
    the interest-free schedule of that term asks (owed ÷ months rounded up to
    the fen, the last installment taking the remainder), never above the
    capacity left. None, with the reason, when nothing is left each month, or
    when even the longest term needs more than is left: the reason then names
    the monthly amount that term needs and the good-faith first payment
    (owed − capacity left × longest term) that would let the capacity left
    clear the rest.
    """
    owed, left, longest = side.amount_owed, side.capacity_left, side.longest_term
    if left <= 0:
        return None, Message(COUNTER_NONE_NOTHING_LEFT)
    # At least a fen an installment (schedules._split).
    months = max(1, min(months_asked or longest, longest, int(owed / FEN)))
    if owed / months > left:
        months = int((owed / left).to_integral_value(rounding=ROUND_CEILING))
    if months > longest:
        needed = (owed / longest).quantize(FEN, rounding=ROUND_CEILING)
        return None, Message(
            COUNTER_NONE_TOO_LONG,
            {
                "months": str(longest),
                "needed": _yuan(needed),
                "gap": _yuan(needed - left),
                "left": _yuan(left),
                "good_faith": _yuan(owed - left * longest),
            },
        )
    schedule = build_schedule(owed, months, first_due, Method.INTEREST_FREE)
    counter = offer_from_schedule(schedule, penalties_continue=False)
    return counter, Message(
        COUNTER,
        {
            "months": str(counter.months),
            "monthly": _yuan(counter.largest_installment),
            "total": _yuan(counter.total_paid),
            "first_due": first_due.isoformat(),
        },
    )


def offer_from_schedule(
    schedule: Schedule,
    *,
    penalties_continue: bool | None = None,
    fees: Decimal = ZERO,
    waived: Decimal = ZERO,
) -> Offer:
    """An offer made of a schedule's installments: the written answer's
    counter-offer (months, method, rate, first date) built with
    ``schedules.build_schedule``, or the borrower's own proposal."""
    regular = [i for i in schedule.installments if i.number >= 1]
    return Offer(
        monthly_amount=max(i.payment for i in regular),
        months=len(regular),
        first_due=regular[0].due_date,
        interest_continues=schedule.method != Method.INTEREST_FREE and schedule.annual_percent > 0,
        penalties_continue=penalties_continue,
        fees=fees,
        waived=waived,
        good_faith=schedule.good_faith_payment,
        payments=tuple(i.payment for i in regular),
    )


# --- the evaluator -------------------------------------------------------------------


def evaluate(
    offer: Offer,
    side: BorrowerSide,
    today: date,
    cost_warning_percent: Decimal = COST_WARNING_PERCENT,
) -> Evaluation:
    """Judge ``offer`` against the borrower's numbers on ``today`` (module docstring)."""
    total = offer.total_paid
    ratio = _ratio(total, side.principal)
    cost = effective_yearly_percent(
        side.principal,
        offer.installments(),
        first_period(today, offer.first_due),
        offer.fees + offer.good_faith,
    )
    checks = [
        _monthly_check(offer, side),
        _total_check(total, ratio, side),
        _cost_check(cost, cost_warning_percent),
        _term_check(offer, side),
        _penalty_check(offer),
        _interest_check(offer),
        *_notes(offer, side, total),
    ]
    verdict = _verdict(checks)
    counter, counter_message = None, None
    if verdict == Verdict.DOES_NOT_FIT:
        counter, counter_message = counter_offer(
            side, offer.first_due or add_months(today, 1), offer.months
        )
    return Evaluation(
        offer=offer,
        side=side,
        verdict=verdict,
        checks=tuple(checks),
        total=total,
        ratio=ratio,
        yearly_cost_percent=cost,
        counter=counter,
        counter_message=counter_message,
    )
