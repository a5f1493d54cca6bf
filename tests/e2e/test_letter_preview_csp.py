"""The letter preview is styled under the page's Content-Security-Policy."""

import pytest

from repayment_plans.models import Proposal
from tests.factories import PASSWORD, BorrowerFactory, DebtFactory
from tests.repayment_plans.conftest import make_proposal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_letter_preview_loads_without_a_csp_violation(live_server, phone_page, seeded_profiles):
    borrower = BorrowerFactory(user__email="zhao@example.com", display_name="赵敏")
    proposal = make_proposal([DebtFactory(borrower=borrower)], months=12)
    assert Proposal.objects.filter(pk=proposal.pk).exists()
    page = phone_page
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill("zhao@example.com")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button.primary").click()
    response = page.goto(f"{live_server.url}/proposals/{proposal.pk}/letter/")
    assert response.status == 200
    assert "nonce-" in response.headers["content-security-policy"]
    # The letter's own style applies: its title is centred, as in the PDF.
    title = page.locator("h1").first
    assert title.evaluate("e => getComputedStyle(e).textAlign") == "center"
    assert violations == []
