"""A lender's offer judged against the borrower's own numbers (docs/negotiation.md):
the borrower's side for one lender, and the offers of the negotiation log and of
a written answer made into :class:`offers.Offer`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from borrowers.models import Borrower, Debt
from repayment_plans.models import LenderAnswer, NegotiationContact, Proposal
from repayment_plans.negotiation import offers
from repayment_plans.plans.schedules import Method, build_schedule
from repayment_plans.position import compute as position
from repayment_plans.position import load as position_load
from repayment_plans.position.load import amount_to_repay, load_position
from repayment_plans.proposals import services as proposal_services
from repayment_plans.strategies.services import max_term_for

CONTINUES: dict[str, bool | None] = {
    NegotiationContact.Continues.YES: True,
    NegotiationContact.Continues.NO: False,
    NegotiationContact.Continues.UNKNOWN: None,
}


# The borrower's side of an offer ---------------------------------------------------


def borrower_side(
    borrower: Borrower, lender: str, current: position.BorrowerPosition, debts: list[Debt]
) -> offers.BorrowerSide | None:
    """The borrower's numbers for this lender: the principal still owed, the
    capacity left after the agreed plans with other lenders (in their heaviest
    month, as BorrowerPosition.capacity_left counts them), the product's term.
    None when nothing is owed to the lender any more."""
    open_debts = [d for d in debts if d.cleared_on is None]
    principal = sum((d.principal for d in open_debts), Decimal("0"))
    if principal <= 0:
        return None
    load: dict[date, Decimal] = {}
    first = current.today.replace(day=1)
    for state in current.active_plans:
        if state.plan.lender == lender.strip():
            continue  # an offer from this lender replaces what it agreed
        for row in state.installments:
            if row.left > 0:
                month = max(row.due.replace(day=1), first)
                load[month] = load.get(month, Decimal("0")) + row.left
    pending = next((p for p in current.proposals if p.pending and p.lender == lender.strip()), None)
    own = None
    if pending is not None and pending.months:
        regular = tuple(i.amount for i in pending.installments if i.number >= 1)
        own = offers.Offer(
            monthly_amount=max(regular),
            months=len(regular),
            first_due=pending.first_due,
            good_faith=sum((i.amount for i in pending.installments if i.number < 1), Decimal(0)),
            payments=regular,
        )
    return offers.BorrowerSide(
        principal=principal,
        capacity_left=current.capacity - position.peak_month(load)[1],
        max_term_months=max_term_for(open_debts),
        is_credit_card=any(d.profile.is_credit_card for d in open_debts),
        owed=amount_to_repay(open_debts, True) or principal,
        proposal=own,
    )


def offer_of(contact: NegotiationContact) -> offers.Offer | None:
    if not contact.has_offer or not contact.offer_monthly or not contact.offer_months:
        return None
    return offers.Offer(
        monthly_amount=contact.offer_monthly,
        months=contact.offer_months,
        first_due=contact.offer_first_due,
        interest_continues=CONTINUES.get(contact.interest_continues),
        penalties_continue=CONTINUES.get(contact.penalties_continue),
        fees=contact.offer_fees or Decimal("0"),
        waived=contact.offer_waived or Decimal("0"),
    )


def evaluate(
    contact: NegotiationContact, side: offers.BorrowerSide | None, today: date
) -> offers.Evaluation | None:
    offer = offer_of(contact)
    if offer is None or side is None:
        return None
    return offers.evaluate(offer, side, today, position_load.cost_warning_percent())


def judge_answer(answer: LenderAnswer, today: date) -> offers.Evaluation | None:
    """The verdict on a written answer's counter-offer, by the same evaluator as
    an offer made on the phone. None when the answer is not a counter-offer."""
    if answer.kind != LenderAnswer.Kind.COUNTERED:
        return None
    proposal: Proposal = answer.proposal
    terms = proposal_services.answer_terms(proposal, answer)
    method = Method(terms["method"])
    rate = Decimal("0") if method == Method.INTEREST_FREE else terms["annual_percent"]
    try:
        schedule = build_schedule(
            terms["amount"], terms["months"], terms["first_due"], method, rate, terms["good_faith"]
        )
    except ValueError:  # terms that make no schedule (nothing left to spread)
        return None
    debts = proposal_services.proposal_debts(proposal)
    current = load_position(proposal.borrower, today)
    side = borrower_side(proposal.borrower, proposal.lender_name, current, debts)
    if side is None:
        return None
    return offers.evaluate(
        offers.offer_from_schedule(schedule), side, today, position_load.cost_warning_percent()
    )
