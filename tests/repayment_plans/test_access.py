"""Alice's proposals, PDFs, deliveries and plans: Bob gets a 404 everywhere and
changes nothing; anonymous users are sent to log in."""

import pytest
from django.urls import reverse

from repayment_plans.models import EmailDelivery, LenderAnswer, Payment, Proposal
from repayment_plans.proposals import services as proposal_services


@pytest.fixture
def alice_objects(version, today):
    delivery = EmailDelivery.objects.create(version=version, to_email="a@lender.example")
    plan = proposal_services.record_answer(
        version.proposal, LenderAnswer(kind="accepted", answered_on=today)
    )
    # A second, still editable proposal of Alice's for the builder URLs.
    editable = Proposal.objects.create(
        borrower=version.proposal.borrower,
        lender_name=version.proposal.lender_name,
        months=6,
        first_due_date=version.proposal.first_due_date,
    )
    editable.debts.set(version.proposal.debts.all())
    proposal_services.finalise(editable, today, "zh-hans")
    return {"proposal": editable, "version": version, "delivery": delivery, "plan": plan}


def urls(objects):
    p, v = objects["proposal"], objects["version"]
    return [
        ("get", reverse("proposal_detail", args=[p.pk])),
        ("post", reverse("proposal_detail", args=[p.pk])),
        ("get", reverse("proposal_preview", args=[p.pk])),
        ("get", reverse("letter_preview", args=[p.pk])),
        ("get", reverse("proposal_finalise", args=[p.pk])),
        ("post", reverse("proposal_finalise", args=[p.pk])),
        ("get", reverse("version_download", args=[v.proposal_id, v.number])),
        ("post", reverse("proposal_send", args=[p.pk])),
        ("get", reverse("proposal_answer", args=[p.pk])),
        ("post", reverse("proposal_answer", args=[p.pk])),
        ("post", reverse("delivery_resend", args=[objects["delivery"].pk])),
        ("get", reverse("plan_detail", args=[objects["plan"].pk])),
        ("post", reverse("payment_create", args=[objects["plan"].pk])),
    ]


def snapshot():
    return (
        list(Proposal.objects.values_list("pk", "months", "status", "lender_email")),
        EmailDelivery.objects.count(),
        LenderAnswer.objects.count(),
        Payment.objects.count(),
    )


def test_bob_gets_404_on_every_url_and_changes_nothing(bob_client, alice_objects, today):
    before = snapshot()
    data = {
        "months": "3",
        "lender_email": "bob@example.com",
        "send-lender_email": "bob@example.com",
        "kind": "rejected",
        "answered_on": today.isoformat(),
        "amount": "100",
        "paid_on": today.isoformat(),
        "limitation": "on",
        "may_refuse": "on",
        "records_stay": "on",
    }
    for method, url in urls(alice_objects):
        response = getattr(bob_client, method)(url, data)
        assert response.status_code == 404, (method, url, response.status_code)
    assert snapshot() == before


def test_alice_reaches_every_url(alice_client, alice_objects):
    for method, url in urls(alice_objects):
        if method == "get":
            # The finalise page sends her back when nothing changed since the last version.
            assert alice_client.get(url).status_code in (200, 302), url


def test_anonymous_is_sent_to_login(client, alice_objects):
    before = snapshot()
    for method, url in urls(alice_objects):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert snapshot() == before
