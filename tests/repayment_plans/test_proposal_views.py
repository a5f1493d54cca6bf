"""Plan overview, the proposal builder, finalising, sending, answers and payments."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from repayment_plans.models import EmailDelivery, LenderAnswer, Payment, Plan, Proposal
from repayment_plans.proposals import services as proposal_services
from tests.factories import DebtFactory
from tests.repayment_plans.conftest import make_proposal

HTMX = {"HTTP_HX_REQUEST": "true"}
DISCLOSURES = {"limitation": "on", "may_refuse": "on", "records_stay": "on"}


def builder_data(proposal, **overrides):
    data = {
        "debts": [d.pk for d in proposal.debts.all()],
        "method": "interest_free",
        "annual_percent": "0",
        "months": "12",
        "monthly": "",
        "first_due_date": proposal.first_due_date.isoformat(),
        "good_faith_amount": "",
        "ask_waive_penalty": "on",
        "lender_email": "",
    }
    data.update(overrides)
    return data


def test_overview_compares_the_four_strategies(alice_client, huabei_debt, weilidai_debt):
    html = alice_client.get(reverse("plan_overview")).content.decode()
    assert html.count('name="strategy"') == 4
    for strategy in ("stop_escalation", "pro_rata", "avalanche", "snowball"):
        assert f'value="{strategy}"' in html


def test_the_plan_page_reads_no_more_for_more_finalised_proposals(
    alice_client, huabei_debt, weilidai_debt, today
):
    """Each proposal's latest version number comes with the proposals, not a query each."""

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert alice_client.get(reverse("plan_overview")).status_code == 200
        return len(queries)

    first = make_proposal([huabei_debt])
    proposal_services.finalise(first, today, "zh-hans")
    one = page_queries()
    for _ in range(2):
        proposal_services.finalise(make_proposal([weilidai_debt]), today, "zh-hans")
    first.months = 18
    first.save()
    proposal_services.finalise(first, today, "zh-hans")  # its version 2
    assert page_queries() == one
    html = alice_client.get(reverse("plan_overview"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = html.content.decode()
    assert (text.count("版本1"), text.count("版本2")) == (2, 1)


def test_overview_shows_the_shortfall_when_the_budget_is_too_small(
    alice_client, alice, weilidai_debt
):
    alice.monthly_net_income = Decimal("4000")  # 500 left, 350 for repayments
    alice.save()
    response = alice_client.get(reverse("plan_overview"))
    # 19,200 over the typical 36 months needs 533.34 a month: 183.34 short.
    assert "¥183.34" in response.content.decode()


def test_adopting_a_strategy_prefills_one_proposal_per_lender(
    alice_client, alice, huabei_debt, weilidai_debt, today
):
    first = (today + timedelta(days=20)).isoformat()
    response = alice_client.post(
        reverse("adopt_strategy"), {"strategy": "stop_escalation", "first_due_date": first}
    )
    assert response.status_code == 302
    proposals = {p.lender_name: p for p in Proposal.objects.filter(borrower=alice)}
    assert set(proposals) == {"重庆蚂蚁消费金融", "深圳前海微众银行"}
    assert list(proposals["深圳前海微众银行"].debts.all()) == [weilidai_debt]
    total = sum(
        proposal_services.proposal_schedule(p).first_regular_payment for p in proposals.values()
    )
    assert total <= alice.monthly_capacity


@pytest.mark.parametrize("strategy", ["", "nonsense"])
def test_an_unknown_strategy_prepares_nothing(alice_client, huabei_debt, strategy, today):
    alice_client.post(
        reverse("adopt_strategy"), {"strategy": strategy, "first_due_date": today.isoformat()}
    )
    assert not Proposal.objects.exists()


def test_builder_saves_terms(alice_client, proposal):
    response = alice_client.post(
        reverse("proposal_detail", args=[proposal.pk]),
        builder_data(proposal, months="10", lender_email="a@lender.example"),
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.months, proposal.lender_email) == (10, "a@lender.example")


def test_a_monthly_amount_sets_the_number_of_installments(alice_client, proposal):
    alice_client.post(
        reverse("proposal_detail", args=[proposal.pk]),
        builder_data(proposal, months="", monthly="1000", drive="monthly"),
    )
    proposal.refresh_from_db()
    assert proposal.months == 6  # 6,000 at 1,000 a month


@pytest.mark.parametrize(
    ("field", "value", "error_field"),
    [
        ("months", "25", "months"),  # huabei-like typical maximum is 24
        ("months", "0", "months"),
        ("months", "abc", "months"),
        ("monthly", "5000", "monthly"),  # above the 3,150 capacity
        ("monthly", "5", "monthly"),  # below a sane minimum
        ("monthly", "-1", "monthly"),
        ("first_due_date", "2020-01-01", "first_due_date"),
        ("lender_email", "not-an-email", "lender_email"),
        ("annual_percent", "99", "annual_percent"),
        ("good_faith_amount", "6000", "good_faith_amount"),
        ("method", "bogus", "method"),
        ("debts", "999999", "debts"),
    ],
)
def test_builder_bad_input_is_refused_next_to_the_field(
    alice_client, proposal, field, value, error_field
):
    data = builder_data(proposal, **{field: value})
    if field == "annual_percent":
        data["method"] = "annuity"
    if field == "monthly":
        data.update(months="", drive="monthly")
    response = alice_client.post(reverse("proposal_detail", args=[proposal.pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="field-errors"' in html.split(f'id="field-{error_field}"', 1)[1]
    proposal.refresh_from_db()
    assert proposal.months == 12


def test_another_borrowers_debt_cannot_be_slipped_into_a_proposal(alice_client, proposal, bob):
    bobs = DebtFactory(borrower=bob)
    data = builder_data(proposal, debts=[bobs.pk])
    alice_client.post(reverse("proposal_detail", args=[proposal.pk]), data)
    assert list(proposal.debts.all()) != [bobs]


def test_sum_across_lenders_must_fit_the_capacity(alice_client, alice, huabei_debt, weilidai_debt):
    make_proposal([weilidai_debt], months=7)  # 19,200 / 7 = 2,742.86 of 3,150
    proposal = make_proposal([huabei_debt], months=12)
    response = alice_client.post(
        reverse("proposal_detail", args=[proposal.pk]), builder_data(proposal, months="6")
    )
    html = response.content.decode()
    assert 'class="field-errors"' in html.split('id="field-monthly"', 1)[1]


def test_live_preview_from_a_monthly_amount_updates_the_months(alice_client, proposal):
    response = alice_client.get(
        reverse("proposal_preview", args=[proposal.pk]),
        builder_data(proposal, months="12", monthly="1500", drive="monthly"),
        **HTMX,
    )
    html = response.content.decode()
    assert 'id="id_months" value="4" min="1" inputmode="numeric" hx-swap-oob="true"' in html
    assert "¥1,500.00" in html


def test_live_preview_from_months_updates_the_monthly_amount(alice_client, proposal):
    response = alice_client.get(
        reverse("proposal_preview", args=[proposal.pk]), builder_data(proposal, months="8"), **HTMX
    )
    html = response.content.decode()
    assert 'id="id_monthly" value="750.00"' in html
    assert html.count("<tr><td>") == 8
    proposal.refresh_from_db()
    assert proposal.months == 12  # a preview saves nothing


def test_finalising_needs_every_disclosure(alice_client, proposal):
    url = reverse("proposal_finalise", args=[proposal.pk])
    response = alice_client.post(url, {"limitation": "on", "may_refuse": "on"})
    assert response.status_code == 200
    assert 'class="field-errors"' in response.content.decode().split('id="field-records_stay"')[1]
    assert not proposal.versions.exists()
    assert alice_client.post(url, DISCLOSURES).status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.FINALISED
    assert proposal.versions.get().number == 1


def test_download_is_the_stored_version(alice_client, version):
    response = alice_client.get(
        reverse("version_download", args=[version.proposal_id, version.number])
    )
    assert response["Content-Type"] == "application/pdf"
    with version.pdf.open("rb") as f:
        assert b"".join(response.streaming_content) == f.read()


def test_editing_after_finalising_leads_to_version_two(alice_client, version):
    proposal = version.proposal
    alice_client.post(
        reverse("proposal_detail", args=[proposal.pk]), builder_data(proposal, months="6")
    )
    alice_client.post(reverse("proposal_finalise", args=[proposal.pk]), DISCLOSURES)
    assert list(proposal.versions.values_list("number", flat=True)) == [1, 2]


def test_sending_queues_a_delivery_after_commit(
    alice_client, version, django_capture_on_commit_callbacks
):
    url = reverse("proposal_send", args=[version.proposal_id])
    with django_capture_on_commit_callbacks() as callbacks:
        alice_client.post(url, {"send-lender_email": "collect@lender.example"})
    delivery = EmailDelivery.objects.get()
    assert (delivery.to_email, delivery.status) == ("collect@lender.example", "queued")
    assert delivery.cc_email == "alice@example.com"
    assert len(callbacks) == 1


def test_sending_to_an_invalid_address_queues_nothing(alice_client, version):
    response = alice_client.post(
        reverse("proposal_send", args=[version.proposal_id]), {"send-lender_email": "nope"}
    )
    assert response.status_code == 200
    assert 'class="field-errors"' in response.content.decode()
    assert not EmailDelivery.objects.exists()


def test_resend_makes_a_new_delivery(alice_client, version):
    failed = EmailDelivery.objects.create(
        version=version, to_email="a@lender.example", status="failed"
    )
    alice_client.post(reverse("delivery_resend", args=[failed.pk]))
    assert EmailDelivery.objects.filter(status="queued").count() == 1


def test_acceptance_makes_an_active_plan(alice_client, version, today):
    response = alice_client.post(
        reverse("proposal_answer", args=[version.proposal_id]),
        {"kind": "accepted", "answered_on": today.isoformat(), "note": "电话确认"},
    )
    plan = Plan.objects.get()
    assert response["Location"] == reverse("plan_detail", args=[plan.pk])
    assert plan.installments.count() == 12
    assert plan.total_due == Decimal("6000.00")  # penalty waived as asked
    assert plan.proposal.status == Proposal.Status.ACCEPTED


def test_an_accepted_counter_offer_becomes_the_plan(alice_client, version, today):
    alice_client.post(
        reverse("proposal_answer", args=[version.proposal_id]),
        {
            "kind": "countered",
            "answered_on": today.isoformat(),
            "counter_months": "6",
            "counter_method": "interest_free",
            "accept_counter": "on",
        },
    )
    assert Plan.objects.get().installments.count() == 6
    assert LenderAnswer.objects.get().counter_accepted


def test_a_rejection_makes_no_plan(alice_client, version, today):
    alice_client.post(
        reverse("proposal_answer", args=[version.proposal_id]),
        {"kind": "rejected", "answered_on": today.isoformat()},
    )
    assert not Plan.objects.exists()
    assert Proposal.objects.get().status == Proposal.Status.REJECTED


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "accepted", "answered_on": "2999-01-01"}, "answered_on"),
        ({"kind": "maybe", "answered_on": "2026-11-01"}, "kind"),
        ({"kind": "countered", "answered_on": "TODAY"}, "answered_on"),
    ],
)
def test_bad_answers_save_nothing(alice_client, version, data, field):
    response = alice_client.post(reverse("proposal_answer", args=[version.proposal_id]), data)
    assert 'class="field-errors"' in response.content.decode().split(f'id="field-{field}"')[1]
    assert not LenderAnswer.objects.exists()


def test_a_counter_needs_its_installments(alice_client, version, today):
    response = alice_client.post(
        reverse("proposal_answer", args=[version.proposal_id]),
        {"kind": "countered", "answered_on": today.isoformat()},
    )
    assert 'class="field-errors"' in response.content.decode().split('id="field-counter_months"')[1]
    assert not LenderAnswer.objects.exists()


@pytest.fixture
def plan(version, today):
    answer = LenderAnswer(kind="accepted", answered_on=today)
    return proposal_services.record_answer(version.proposal, answer)


def test_a_payment_is_applied_to_the_oldest_installment(alice_client, plan, today):
    response = alice_client.post(
        reverse("payment_create", args=[plan.pk]),
        {"amount": "600", "paid_on": today.isoformat()},
        **HTMX,
    )
    assert response.status_code == 200
    first, second = plan.installments.order_by("number")[:2]
    assert (first.paid_amount, second.paid_amount) == (Decimal("500.00"), Decimal("100.00"))
    assert first.paid_on == today and second.paid_on is None
    page = response.content.decode()
    assert '<dd class="streak">1</dd>' in page
    # The success is said where the phone's screen is: the toast, swapped out of band.
    toast = page.split('id="messages"')[1]
    assert 'hx-swap-oob="true"' in toast.split(">")[0] and "还款已记录" in toast


def test_a_payment_without_javascript_lands_on_the_plan_with_its_message(alice_client, plan, today):
    response = alice_client.post(
        reverse("payment_create", args=[plan.pk]),
        {"amount": "600", "paid_on": today.isoformat()},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("plan_detail", args=[plan.pk]), 302)]
    assert "还款已记录" in response.content.decode()


def test_reloading_a_refused_payment_goes_back_to_the_plan(alice_client, plan, today):
    """Without JavaScript a refused payment leaves the browser on the payment URL;
    reloading it shows the plan, not a 405."""
    response = alice_client.get(reverse("payment_create", args=[plan.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("plan_detail", args=[plan.pk])


def test_a_refused_payment_focuses_its_first_invalid_field(alice_client, plan, today):
    response = alice_client.post(
        reverse("payment_create", args=[plan.pk]),
        {"amount": "", "paid_on": (today + timedelta(days=1)).isoformat()},
    )
    page = response.content.decode()
    amount = page.split('name="amount"')[1].split(">")[0]
    paid_on = page.split('name="paid_on"')[1].split(">")[0]
    assert "autofocus" in amount and "autofocus" not in paid_on
    assert "请填写" in page  # the empty amount is named, not Django's bare message


def test_paying_everything_completes_the_plan(alice_client, plan, today):
    alice_client.post(
        reverse("payment_create", args=[plan.pk]),
        {"amount": "6000", "paid_on": today.isoformat()},
    )
    plan.refresh_from_db()
    assert plan.status == Plan.Status.COMPLETED


@pytest.mark.parametrize(
    ("amount", "days_ahead"), [("0", 0), ("-5", 0), ("6000.01", 0), ("abc", 0), ("100", 1)]
)
def test_bad_payments_save_nothing(alice_client, plan, today, amount, days_ahead):
    response = alice_client.post(
        reverse("payment_create", args=[plan.pk]),
        {"amount": amount, "paid_on": (today + timedelta(days=days_ahead)).isoformat()},
    )
    assert response.status_code == 200
    assert 'class="field-errors"' in response.content.decode()
    assert not Payment.objects.exists()


def test_an_accepted_proposal_cannot_be_edited(alice_client, plan):
    proposal = plan.proposal
    response = alice_client.post(
        reverse("proposal_detail", args=[proposal.pk]), builder_data(proposal, months="3")
    )
    assert response.status_code == 409
    proposal.refresh_from_db()
    assert proposal.months == 12


def test_a_proposal_whose_debts_were_deleted_is_shown_not_finalised(
    alice_client, proposal, huabei_debt
):
    huabei_debt.delete()
    assert alice_client.get(reverse("proposal_detail", args=[proposal.pk])).status_code == 200
    assert alice_client.get(reverse("letter_preview", args=[proposal.pk])).status_code == 404
    response = alice_client.post(reverse("proposal_finalise", args=[proposal.pk]), DISCLOSURES)
    assert response.status_code == 302
    assert not proposal.versions.exists()
    assert alice_client.get(reverse("plan_overview")).status_code == 200


def test_a_name_no_pdf_font_has_still_finalises_with_a_warning(alice_client, alice, proposal):
    # It used to be a 500 (MissingGlyphError): the borrower could never finalise.
    alice.display_name = "王𠀀明"  # U+20000: in no font of the PDF
    alice.save()
    url = reverse("proposal_finalise", args=[proposal.pk])
    alice_client.cookies["django_language"] = "en"
    response = alice_client.post(url, DISCLOSURES, follow=True)
    assert response.status_code == 200
    assert proposal.versions.get().number == 1
    assert "were replaced with □: 𠀀" in response.content.decode()


ID_NUMBER = "11010519491231002X"


def test_a_wrong_id_number_is_refused_next_to_its_field_and_nothing_is_saved(
    alice_client, alice, proposal
):
    url = reverse("proposal_detail", args=[proposal.pk])
    response = alice_client.post(url, builder_data(proposal, id_number="110105194912310021"))
    page = response.content.decode()
    assert 'class="field-errors"' in page.split('id="field-id_number"')[1].split("</div>")[1]
    alice.refresh_from_db()
    assert alice.id_number == ""

    alice_client.post(
        url, builder_data(proposal, id_number=ID_NUMBER.lower(), evidence=["id_card"])
    )
    alice.refresh_from_db()
    proposal.refresh_from_db()
    assert alice.id_number == ID_NUMBER and proposal.evidence == ["id_card"]
    page = alice_client.get(url).content.decode()
    assert "110105********002X" in page and ID_NUMBER not in page

    # Blank keeps it; the box removes it.
    alice_client.post(url, builder_data(proposal, id_number=""))
    alice.refresh_from_db()
    assert alice.id_number == ID_NUMBER
    alice_client.post(url, builder_data(proposal, id_number="", forget_id_number="on"))
    alice.refresh_from_db()
    assert alice.id_number == ""
