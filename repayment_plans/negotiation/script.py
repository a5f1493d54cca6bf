"""The call script (协商话术) for one lender, from the borrower's own figures.

docs/domain.md §7, docs/negotiation.md ("The call script"). Two parts:

* ``script_sections(data, language)``: pure. From a ``ScriptInput`` it writes
  the script, in ``language``, as ordered sections: what the borrower says
  (first person, spoken), notes for the borrower, and the ask's figures.
  It promises nothing the app cannot: no deletion of records, no outcome.
* ``load_script_input(borrower, lender, today)``: the borrower's debts with
  this lender, their position, the ask and the fallback, from the database
  (no debts: 404).

The ask (N × ¥X from the first date) is the lender's proposal when one is open
(draft or awaiting an answer), else the lender's share of the stop-escalation
split of the capacity left, as the plan page computes it
(``strategies.services.strategy_inputs``, ``affordability.plan_strategy``).
The fallback is the profile's longest term (``max_term_months``) with a
good-faith first payment of one month's ask (convention, see
``fallback_for``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.http import Http404
from django.utils import formats, translation
from django.utils.translation import gettext, ngettext, pgettext

from borrowers.debts import tiers
from borrowers.debts.explanations import TIER_TEXT
from borrowers.models import Borrower, Debt, HardshipReason
from borrowers.money import ZERO
from borrowers.numerals import yuan_figures
from borrowers.templatetags.money import percent
from repayment_plans.models import Proposal
from repayment_plans.negotiation.evidence import evidence_for
from repayment_plans.plans.schedules import Method, build_schedule
from repayment_plans.plans.services import next_month_first
from repayment_plans.position import compute as position
from repayment_plans.position.load import proposal_schedule
from repayment_plans.strategies import services as strategy_services
from repayment_plans.strategies.affordability import Strategy, plan_strategy

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The split whose share of the capacity the script asks for: the plan page's
# first strategy, the one the timeline's scenario uses (docs/domain.md 5.11).
STRATEGY = Strategy.STOP_ESCALATION


# --- the input ---------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    """One debt with the lender, as the agent will look it up."""

    product_zh: str
    product_en: str
    nickname: str
    contract_number: str
    is_credit_card: bool
    principal: Decimal
    interest: Decimal
    penalty_fees: Decimal
    dpd: int
    tier: tiers.Tier
    account_digits: str = ""  # the last 4 digits the borrower entered (Debt.account_digits)

    @property
    def card_digits(self) -> str:
        """The last 4 digits of a card number: as entered, or from the number
        entered as the contract's when it has them."""
        if self.is_credit_card and self.account_digits:
            return self.account_digits
        digits = re.sub(r"\D", "", self.contract_number)
        return digits[-4:] if self.is_credit_card and len(digits) >= 4 else ""


@dataclass(frozen=True)
class Ask:
    """What the borrower proposes: ``months`` regular installments of
    ``monthly`` (the last one ``last``) from ``first_due``, after an optional
    good-faith payment."""

    months: int
    monthly: Decimal
    last: Decimal
    first_due: date
    total: Decimal
    good_faith: Decimal = ZERO
    good_faith_due: date | None = None
    freeze_interest: bool = True
    annual_percent: Decimal = ZERO
    from_proposal: bool = False
    within_max_term: bool = True


@dataclass(frozen=True)
class Fallback:
    """The second ask: the longest term with a good-faith first payment."""

    months: int  # the profile's typical maximum term
    monthly: Decimal  # its regular installment after the good-faith payment
    good_faith: Decimal  # 0 when one payment clears the balance
    good_faith_due: date
    fits: bool  # the monthly amount is within the ask's (the lender's share)
    good_faith_by_rule: bool = True  # one month's ask, not the proposal's own amount


@dataclass(frozen=True)
class ScriptInput:
    borrower_name: str
    lender: str
    accounts: tuple[Account, ...]
    hardship: str  # a HardshipReason value, or ""
    hardship_detail: str  # the borrower's own words
    evidence: tuple[StrOrPromise, ...]
    capacity: Decimal  # yuan a month for all repayments together
    capacity_left: Decimal  # what agreed plans and pending proposals leave to split
    max_term_months: int  # the smallest typical maximum term of the lender's debts
    ask: Ask | None  # None when the budget leaves nothing for this lender
    fallback: Fallback | None
    today: date

    @property
    def principal(self) -> Decimal:
        return sum((a.principal for a in self.accounts), ZERO)

    @property
    def interest(self) -> Decimal:
        return sum((a.interest for a in self.accounts), ZERO)

    @property
    def penalty_fees(self) -> Decimal:
        return sum((a.penalty_fees for a in self.accounts), ZERO)

    @property
    def dpd(self) -> int:
        return max((a.dpd for a in self.accounts), default=0)

    @property
    def tier(self) -> tiers.Tier:
        return tiers.worst_tier([a.tier for a in self.accounts])

    @property
    def is_credit_card(self) -> bool:
        return any(a.is_credit_card for a in self.accounts)


# --- the output --------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    label: str
    value: str


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    said: tuple[str, ...]  # what the borrower says, first person
    notes: tuple[str, ...] = ()  # for the borrower, not said
    figures: tuple[Figure, ...] = ()


# --- the fallback (pure) -----------------------------------------------------


def fallback_for(
    balance: Decimal, max_term_months: int, ask: Ask | None, first_due: date
) -> Fallback | None:
    """The longest term that still fits, with a good-faith first payment.

    Convention: the good-faith payment is the proposal's own when it has one,
    else one month of the ask (``ask.monthly``), paid on the ask's first date
    in place of that month's installment, so that no month asks more than the
    ask does; the regular installments start a month later (the schedules'
    rule, docs/affordability.md). The balance (principal + interest, penalty
    asked to be waived) is then spread interest-free over the profile's
    typical maximum term. Without an ask (the budget does not reach this
    lender) there is no good-faith payment, and the longest term does not fit:
    the script says what it would cost. None when nothing is owed.
    """
    if balance <= 0:
        return None
    by_rule = ask is None or ask.good_faith <= 0
    good_faith = ZERO if ask is None else ask.monthly if by_rule else ask.good_faith
    due = first_due if ask is None else ask.good_faith_due or ask.first_due
    try:
        schedule = build_schedule(
            balance, max_term_months, due, Method.INTEREST_FREE, ZERO, good_faith
        )
    except ValueError:  # one payment clears it, or too little is left to spread
        good_faith = ZERO
        schedule = build_schedule(balance, max_term_months, due, Method.INTEREST_FREE)
    monthly = schedule.first_regular_payment
    return Fallback(
        months=max_term_months,
        monthly=monthly,
        good_faith=good_faith,
        good_faith_due=due,
        fits=ask is not None and monthly <= ask.monthly,
        good_faith_by_rule=by_rule,
    )


# --- the text (pure) ---------------------------------------------------------


def _day(value: date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _join(items) -> str:
    return pgettext("list separator", ", ").join(str(i) for i in items)


def _hardship_sentence(cause: str) -> str:
    sentences: dict[str, str] = {
        HardshipReason.UNEMPLOYMENT: gettext(
            "I lost my job, and I have no steady income at the moment."
        ),
        HardshipReason.ILLNESS: gettext(
            "I fell seriously ill: the treatment took most of my savings, and my income "
            "has suffered."
        ),
        HardshipReason.FAMILY_EMERGENCY: gettext(
            "My family had an emergency that I had to pay for, and it took the money I had "
            "set aside for repayments."
        ),
        HardshipReason.BUSINESS_FAILURE: gettext(
            "My business failed, and the income I was counting on has gone."
        ),
        HardshipReason.INCOME_CUT: gettext(
            "My income was cut, and what I earn now does not cover the original repayments."
        ),
    }
    return sentences.get(
        cause,
        gettext(
            "Something happened that cut my income, and I cannot keep up with the original "
            "repayments."
        ),
    )


def _account_sentence(account: Account) -> str:
    if account.card_digits:
        return gettext("The card number ends in %(digits)s.") % {"digits": account.card_digits}
    if account.account_digits:
        return gettext("The account number ends in %(digits)s.") % {
            "digits": account.account_digits
        }
    if account.contract_number:
        return gettext("The contract number is %(number)s.") % {"number": account.contract_number}
    return gettext(
        "I don't have the contract number to hand: you can find the account by my name "
        "and ID number."
    )


def _opening(data: ScriptInput, english: bool) -> Section:
    said = [
        gettext("Hello, my name is %(name)s.") % {"name": data.borrower_name}
        if data.borrower_name
        else gettext("Hello.")
    ]
    count = len(data.accounts)
    if count > 1:
        said.append(
            ngettext(
                "I'm calling about my %(count)s account with %(lender)s: I'd like to talk "
                "about how to repay it.",
                "I'm calling about my %(count)s accounts with %(lender)s: I'd like to talk "
                "about how to repay them.",
                count,
            )
            % {"count": count, "lender": data.lender}
        )
        unknown = []
        for account in data.accounts:
            label = account.nickname or (account.product_en if english else account.product_zh)
            if not (account.card_digits or account.account_digits or account.contract_number):
                unknown.append(label)
                continue
            said.append(
                gettext("%(label)s: %(text)s")
                % {"label": label, "text": _account_sentence(account)}
            )
        if unknown:  # said once for all the accounts without a number
            said.append(
                ngettext(
                    "I don't have the contract number of %(labels)s to hand: you can find it "
                    "by my name and ID number.",
                    "I don't have the contract numbers of %(labels)s to hand: you can find them "
                    "by my name and ID number.",
                    len(unknown),
                )
                % {"labels": _join(unknown)}
            )
    else:
        about = (
            gettext(
                "I'm calling about my credit card with %(lender)s: I'd like to talk about how "
                "to repay it."
            )
            if data.is_credit_card
            else gettext(
                "I'm calling about my loan with %(lender)s: I'd like to talk about how to repay it."
            )
        )
        said.append(about % {"lender": data.lender})
        said.extend(_account_sentence(a) for a in data.accounts)
    amounts = {"principal": yuan_figures(data.principal), "interest": yuan_figures(data.interest)}
    said.append(
        gettext("In total I owe %(principal)s in principal and %(interest)s in interest.") % amounts
        if data.interest > 0
        else gettext("In total I owe %(principal)s in principal.") % amounts
    )
    if data.penalty_fees > 0:
        said.append(
            gettext("On top of that, %(fees)s in penalty interest and fees has been charged.")
            % {"fees": yuan_figures(data.penalty_fees)}
        )
    tier = data.tier
    if tier == tiers.Tier.CURRENT:
        said.append(
            gettext("I haven't missed a payment yet, but I can't pay the next one in full.")
        )
    else:
        said.append(
            ngettext("It is %(dpd)s day overdue.", "It is %(dpd)s days overdue.", data.dpd)
            % {"dpd": data.dpd}
        )
    said.append(
        {
            tiers.Tier.CURRENT: gettext(
                "I'm calling before it falls behind, to agree something I can keep."
            ),
            tiers.Tier.LIGHT: gettext(
                "I want to sort this out with you now, before it falls further behind."
            ),
            tiers.Tier.MODERATE: gettext(
                "If the account has gone to a collection agency, I would still rather agree "
                "a plan with you directly."
            ),
            tiers.Tier.SEVERE: gettext(
                "I know it is seriously overdue. I want to reach an agreement with you before "
                "any legal steps."
            ),
        }[tier]
    )
    text = TIER_TEXT[tier]
    notes = [
        gettext("Have your ID card at hand: the agent will check who you are."),
        gettext("Where you stand: %(tier)s, %(dpd)s days past due.")
        % {"tier": text.name, "dpd": data.dpd},
        gettext("What lenders typically do at this stage: %(actions)s")
        % {"actions": (" " if english else "").join(map(str, text.lender_actions))},
    ]
    return Section("opening", gettext("Who you are and which account"), tuple(said), tuple(notes))


def _willing() -> Section:
    return Section(
        "willing",
        gettext("Say that you want to repay"),
        (
            gettext(
                "I'm not refusing to pay. I want to repay this debt in full, but right now I "
                "can't pay it all at once."
            ),
            gettext("That's why I'm calling you myself: I want to agree a plan I can really keep."),
        ),
    )


def _hardship(data: ScriptInput) -> Section:
    said = [_hardship_sentence(data.hardship)]
    if data.hardship_detail.strip():
        said.append(data.hardship_detail.strip())
    said.append(gettext("I can send you proof: %(items)s.") % {"items": _join(data.evidence)})
    notes = [
        gettext("Say it in one or two sentences: you don't have to give every detail on the phone.")
    ]
    if not data.hardship:
        notes.append(
            gettext(
                "Add the cause of your hardship on your budget page, and this part will use "
                "your own words."
            )
        )
    return Section("hardship", gettext("Why you can't pay as agreed"), tuple(said), tuple(notes))


def _ask(data: ScriptInput) -> Section:
    ask = data.ask
    title = gettext("What you ask for")
    waive = gettext(
        "I ask you to stop charging penalty interest and fees, and to waive those already charged."
    )
    if ask is None:
        return Section(
            "ask",
            title,
            (
                waive,
                gettext(
                    "My budget can't cover this debt within your usual terms yet, so I can't "
                    "promise a monthly amount I could keep."
                )
                if data.capacity_left > 0
                else gettext(
                    "Right now nothing is left after my essential costs, so I can't yet promise "
                    "a monthly amount I could keep."
                ),
                gettext(
                    "I ask you to pause penalty interest, fees and collection for now. I will "
                    "come back to you with an offer as soon as my income allows."
                ),
            ),
            (
                gettext(
                    "Your plan page shows this lender as not covered: your budget falls short. "
                    "A counselor can help you decide what to offer."
                )
                if data.capacity_left > 0
                else gettext(
                    "Enter or update your budget: with it, this script asks for an amount you "
                    "can really pay."
                ),
            ),
        )
    said = [waive]
    if ask.freeze_interest:
        said.append(gettext("I also ask you to stop charging interest from the day we agree."))
    else:
        said.append(
            gettext("I can pay interest of %(rate)s a year on the remaining balance.")
            % {"rate": percent(ask.annual_percent)}
        )
    if ask.good_faith > 0 and ask.good_faith_due is not None:
        said.append(
            gettext("On %(date)s I will make a good-faith first payment of %(amount)s.")
            % {"date": _day(ask.good_faith_due), "amount": yuan_figures(ask.good_faith)}
        )
    said.append(
        ngettext(
            "I can pay %(amount)s a month, in %(months)s monthly installment.",
            "I can pay %(amount)s a month, in %(months)s monthly installments.",
            ask.months,
        )
        % {"amount": yuan_figures(ask.monthly), "months": ask.months}
    )
    said.append(
        gettext("The first installment would be on %(date)s.") % {"date": _day(ask.first_due)}
    )
    total = {"total": yuan_figures(ask.total)}
    said.append(
        gettext("The last installment settles the remainder, %(amount)s: %(total)s in total.")
        % {"amount": yuan_figures(ask.last), **total}
        if ask.last != ask.monthly
        else gettext("That is %(total)s in total.") % total
    )
    if data.is_credit_card:
        said.append(
            gettext(
                "I'm asking for a personalised installment plan (个性化分期) under Article 70 "
                "of the credit card rules, and I won't apply for a new card until this is "
                "repaid."
            )
        )
    said.append(
        gettext(
            "While I keep to the plan, please stop collection, and don't contact my family, "
            "friends or colleagues."
        )
    )
    notes = (
        [gettext("These figures come from your proposal to this lender.")]
        if ask.from_proposal
        else [
            gettext(
                "%(amount)s a month is what your budget leaves for this lender after essential "
                "costs and your other repayments."
            )
            % {"amount": yuan_figures(ask.monthly)},
            gettext(
                "These figures come from the split of your budget on your plan page (%(strategy)s)."
            )
            % {"strategy": gettext("Stop escalation first")},
        ]
    )
    if not ask.within_max_term:
        notes.append(
            gettext(
                "This is longer than the %(months)s months this kind of lender usually allows: "
                "the lender may refuse it."
            )
            % {"months": data.max_term_months}
        )
    figures = (
        Figure(gettext("Each month"), yuan_figures(ask.monthly)),
        Figure(gettext("Number of installments"), str(ask.months)),
        Figure(gettext("Total"), yuan_figures(ask.total)),
        Figure(gettext("First installment"), _day(ask.first_due)),
    )
    return Section("ask", title, tuple(said), tuple(notes), figures)


def _fallback(data: ScriptInput) -> Section:
    fallback = data.fallback
    said: list[str] = []
    notes: list[str] = []
    if fallback is not None:
        figures = {"months": fallback.months, "amount": yuan_figures(fallback.monthly)}
        said.append(
            ngettext(
                "If you can't agree to that, I ask for the longest term you allow, %(months)s "
                "month: %(amount)s a month.",
                "If you can't agree to that, I ask for the longest term you allow, %(months)s "
                "months: %(amount)s a month.",
                fallback.months,
            )
            % figures
            if fallback.fits
            else ngettext(
                "Even over %(months)s month, the longest term you usually allow, it would be "
                "%(amount)s a month, which is more than I can pay. I ask you to allow a longer "
                "term.",
                "Even over %(months)s months, the longest term you usually allow, it would be "
                "%(amount)s a month, which is more than I can pay. I ask you to allow a longer "
                "term.",
                fallback.months,
            )
            % figures
        )
        if fallback.good_faith > 0:
            said.append(
                gettext(
                    "To show I'm serious, I can make a good-faith first payment of %(amount)s "
                    "on %(date)s, and start the monthly payments a month later."
                )
                % {
                    "amount": yuan_figures(fallback.good_faith),
                    "date": _day(fallback.good_faith_due),
                }
            )
            if fallback.good_faith_by_rule:
                notes.append(
                    gettext(
                        "Good-faith payment: one month of what you can pay this lender, paid on "
                        "the first date instead of a regular installment, so that month stays "
                        "within your budget."
                    )
                )
    said.append(
        gettext("If you can't decide now, please tell me when and how you will give me an answer.")
    )
    notes.append(
        gettext(
            "If they offer other terms, write them down and check them against your budget "
            "before you agree."
        )
    )
    return Section("fallback", gettext("If they say no"), tuple(said), tuple(notes))


def _in_writing() -> Section:
    return Section(
        "in_writing",
        gettext("Before you hang up: get it in writing"),
        (
            gettext("Please send me what we agreed in writing: by SMS, in the app, or by letter."),
            gettext(
                "It should state the monthly amount, the number of installments, the first date, "
                "and whether interest and penalties still accrue."
            ),
            gettext("Please also confirm from which day collection stops."),
            gettext("May I have your name or staff number?"),
        ),
        (
            gettext(
                "Write down the time of the call, the agent's name or number, and what was offered."
            ),
            gettext("Keeping your own recording of the call as evidence is common practice."),
            gettext(
                "Nothing is agreed until you have it in writing. The lender may refuse, and an "
                "agreement does not remove past records from your credit report."
            ),
            gettext(
                "Agreeing to repay restarts the 3-year limitation period (民法典 Arts.188, 195)."
            ),
        ),
    )


def _never(data: ScriptInput) -> Section:
    limit = (
        gettext(
            "A monthly amount above %(amount)s: it is more than you can pay, and a plan you "
            "cannot keep makes things worse."
        )
        % {"amount": yuan_figures(data.ask.monthly)}
        if data.ask is not None
        else gettext(
            "Any monthly amount before your budget shows what you can pay: a plan you cannot "
            "keep makes things worse."
        )
    )
    return Section(
        "never",
        gettext("Never accept"),
        (
            gettext(
                "I can't agree to more than I can pay: a plan I can't keep would help neither "
                "of us."
            ),
        ),
        (
            limit,
            gettext(
                "Paying into a personal account, or to an 'agent' or other third party. Pay only "
                "through the lender's own app or its official account."
            ),
            gettext("An up-front 'service fee' or 'handling fee' to arrange the plan."),
            gettext(
                "A promise to delete your credit record: accurate records cannot be deleted, and "
                "paid 'credit repair' is a scam that regulators warn about."
            ),
        ),
    )


def script_sections(data: ScriptInput, language: str) -> list[Section]:
    """The call script in ``language``, section by section, in the order of the call."""
    with translation.override(language):
        english = (translation.get_language() or "").startswith("en")
        return [
            _opening(data, english),
            _willing(),
            _hardship(data),
            _ask(data),
            _fallback(data),
            _in_writing(),
            _never(data),
        ]


# --- from the database -------------------------------------------------------


def _open_proposal(borrower: Borrower, lender: str) -> Proposal | None:
    """The newest proposal to this lender that is neither agreed nor rejected."""
    return (
        Proposal.objects.filter(borrower=borrower, lender_name=lender, plan__isnull=True)
        .exclude(status__in=(Proposal.Status.ACCEPTED, Proposal.Status.REJECTED))
        .order_by("-updated_at", "-pk")
        .first()
    )


def _ask_from_proposal(proposal: Proposal, max_term: int) -> Ask | None:
    schedule = proposal_schedule(proposal, list(proposal.debts.all()))
    if schedule is None:
        return None
    regular = [i for i in schedule.installments if i.number >= 1]
    good_faith = schedule.good_faith_payment
    return Ask(
        months=len(regular),
        monthly=schedule.first_regular_payment,
        last=regular[-1].payment,
        first_due=regular[0].due_date,
        total=schedule.total_paid,
        good_faith=good_faith,
        good_faith_due=proposal.first_due_date if good_faith > 0 else None,
        freeze_interest=proposal.ask_freeze_interest,
        annual_percent=proposal.annual_percent,
        from_proposal=True,
        within_max_term=len(regular) <= max_term,
    )


def _ask_from_strategy(
    inputs: strategy_services.StrategyInputs, lender: str, today: date
) -> Ask | None:
    outcome = plan_strategy(
        inputs.groups, inputs.capacity, STRATEGY, next_month_first(today), today
    )
    allocation = next((a for a in outcome.allocations if a.lender == lender.strip()), None)
    if allocation is None or allocation.months == 0:
        return None
    return Ask(
        months=allocation.months,
        monthly=allocation.monthly,
        last=allocation.last_payment,
        first_due=allocation.first_due,
        total=allocation.total_paid,
        within_max_term=allocation.within_max_term,
    )


def load_script_input(borrower: Borrower, lender: str, today: date) -> ScriptInput:
    """The script's input for ``borrower``'s debts with ``lender``.

    Raises Http404 when the borrower has no debt with that lender. Debts repaid
    or under an agreed plan are left out (there is nothing to negotiate); the
    script then has no account, which the view reports.
    """
    debts: list[Debt] = list(borrower.debts.filter(lender_name=lender).select_related("profile"))
    if not debts:
        raise Http404
    inputs = strategy_services.strategy_inputs(borrower, today)
    open_standings = (position.Standing.NOT_NEGOTIATED, position.Standing.PROPOSED)
    rows: list[tuple[Debt, position.DebtPosition]] = []
    for debt in debts:
        standing = inputs.position.by_debt(debt.pk)
        if standing is not None and standing.standing in open_standings:
            rows.append((debt, standing))
    accounts = tuple(
        Account(
            product_zh=d.profile.name,
            product_en=d.profile.name_en,
            nickname=d.nickname,
            contract_number=d.contract_number,
            account_digits=d.account_digits,
            is_credit_card=d.profile.is_credit_card,
            principal=d.principal,
            interest=d.interest,
            penalty_fees=d.penalty_fees,
            dpd=p.dpd,
            tier=p.tier,
        )
        for d, p in rows
    )
    open_debts = [d for d, _p in rows]
    max_term = strategy_services.max_term_for(open_debts or debts)
    ask: Ask | None = None
    if accounts:
        proposal = _open_proposal(borrower, lender)
        if proposal is not None:
            ask = _ask_from_proposal(proposal, max_term)
        if ask is None:
            ask = _ask_from_strategy(inputs, lender, today)
    balance = sum((d.principal + d.interest for d in open_debts), ZERO)
    return ScriptInput(
        borrower_name=borrower.display_name,
        lender=lender,
        accounts=accounts,
        hardship=borrower.hardship_reason,
        hardship_detail=borrower.hardship_detail,
        evidence=evidence_for(borrower.hardship_reason),
        capacity=borrower.monthly_capacity,
        capacity_left=inputs.capacity,
        max_term_months=max_term,
        ask=ask,
        fallback=fallback_for(balance, max_term, ask, next_month_first(today)),
        today=today,
    )
