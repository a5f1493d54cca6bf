"""A written answer's counter-offer is judged by the same evaluator as an offer
made on the phone (repayment_plans/negotiation/judging.py): on the proposal page
once recorded, and on the answer form before anything is saved."""

from datetime import timedelta

from django.urls import reverse

from repayment_plans.models import LenderAnswer, Plan
from repayment_plans.negotiation import judging, offers
from repayment_plans.position.load import load_position
from repayment_plans.proposals import services as proposal_services


def counter(months, today, **extra):
    return {
        "kind": "countered",
        "answered_on": today.isoformat(),
        "counter_months": str(months),
        "counter_method": "interest_free",
        "counter_first_due_date": (today + timedelta(days=20)).isoformat(),
        **extra,
    }


def test_a_counter_over_capacity_does_not_fit_and_a_longer_one_does(version, today):
    proposal = version.proposal
    capacity = load_position(proposal.borrower, today).capacity
    owed = proposal_services.answer_terms(proposal, LenderAnswer())["amount"]
    short = LenderAnswer(proposal=proposal, kind="countered", counter_months=1, answered_on=today)
    verdict = judging.judge_answer(short, today)
    assert owed > capacity  # one installment of everything is more than is left
    assert verdict.verdict == offers.Verdict.DOES_NOT_FIT
    assert verdict.counter is not None and verdict.counter.monthly_amount <= capacity

    months = 24
    long = LenderAnswer(
        proposal=proposal,
        kind="countered",
        counter_months=months,
        counter_method="interest_free",
        answered_on=today,
    )
    assert owed / months <= capacity
    assert judging.judge_answer(long, today).verdict != offers.Verdict.DOES_NOT_FIT
    accepted = LenderAnswer(proposal=proposal, kind="accepted", answered_on=today)
    assert judging.judge_answer(accepted, today) is None  # nothing to judge


def test_checking_an_offer_on_the_answer_form_saves_nothing(alice_client, version, today):
    url = reverse("proposal_answer", args=[version.proposal.pk])
    response = alice_client.post(url, {**counter(1, today), "check": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="answer-verdict"' in page and 'data-verdict="does_not_fit"' in page
    assert not LenderAnswer.objects.exists() and not Plan.objects.exists()


def test_a_recorded_counter_shows_its_verdict_on_the_proposal_page(alice_client, version, today):
    proposal = version.proposal
    alice_client.post(reverse("proposal_answer", args=[proposal.pk]), counter(1, today))
    assert LenderAnswer.objects.get().kind == "countered"
    page = alice_client.get(reverse("proposal_detail", args=[proposal.pk])).content.decode()
    verdict = page.split('id="answer"')[1]
    assert 'data-verdict="does_not_fit"' in verdict
    assert "verdict-counter" in verdict  # what to propose instead
