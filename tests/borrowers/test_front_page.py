"""The public front page: what the app is, and a debt's tier before any account;
"save this" carries the checked debt into a new account."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from borrowers.models import Debt, User
from tests.factories import profile

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture
def check(db):
    missed = timezone.localdate() - timedelta(days=40)
    return {
        "check-profile": str(profile("huabei").pk),
        "check-amount": "3千",
        "check-first_missed": missed.isoformat(),
    }


def test_a_visitor_sees_what_the_app_is_not_a_login_page(client, db):
    response = client.get(reverse("home"), **ZH)
    assert response.status_code == 200
    page = response.content.decode()
    assert "完全免费" in page and "绝不承诺删除征信记录" in page
    assert 'name="check-profile"' in page and 'name="check-amount"' in page
    assert reverse("guide") in page


def test_the_check_gives_the_tier_and_its_countdown_without_an_account(client, check):
    response = client.get(reverse("tier_check"), check, **ZH)
    page = response.content.decode()
    assert "中度逾期" in page
    assert 'class="days-to-next"' in page
    assert "如何阻止逾期升级" in page
    assert not User.objects.exists() and not Debt.objects.exists()  # nothing is stored
    save = reverse("signup") + "?"
    assert save in page and "check-amount=" in page


def test_with_htmx_the_check_answers_with_the_result_alone(client, check):
    response = client.get(reverse("tier_check"), check, HTTP_HX_REQUEST="true", **ZH)
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="check">')  # the form and its answer
    assert "中度逾期" in page and "<html" not in page


def test_with_htmx_a_bad_check_answers_with_the_form_and_its_errors(client, check):
    check["check-amount"] = "很多"
    response = client.get(reverse("tier_check"), check, HTTP_HX_REQUEST="true", **ZH)
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="check">')
    assert "无法把“很多”识别为金额" in page and 'aria-invalid="true"' in page


def test_a_bad_check_says_what_is_wrong_next_to_the_field(client, check):
    check["check-amount"] = "很多"
    check["check-first_missed"] = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client.get(reverse("tier_check"), check, **ZH)
    assert response.status_code == 200
    page = response.content.decode()
    assert "无法把“很多”识别为金额" in page
    assert "首次未还款日期不能晚于今天。" in page
    assert "中度逾期" not in page


def signup_data(check, email="mei@example.com"):
    return {
        **check,
        "email": email,
        "display_name": "小美",
        "password1": "a long enough passphrase 42",
        "password2": "a long enough passphrase 42",
    }


def test_save_this_carries_the_debt_into_the_new_account(client, check):
    form_page = client.get(reverse("signup"), check, **ZH).content.decode()
    assert "你刚查的这笔债务" in form_page
    assert 'type="hidden" name="check-amount" value="3千"' in form_page
    response = client.post(reverse("signup"), signup_data(check), **ZH)
    assert response.status_code == 302
    debt = Debt.objects.get()
    assert debt.borrower.user.email == "mei@example.com"
    assert debt.profile == profile("huabei")
    assert debt.principal == debt.overdue_amount == Decimal("3000.00")
    assert debt.first_missed_date == timezone.localdate() - timedelta(days=40)
    assert debt.lender_name == profile("huabei").default_lender


def test_a_taken_address_gets_the_same_answer_and_no_debt(client, check, alice):
    response = client.post(reverse("signup"), signup_data(check, alice.user.email), **ZH)
    assert response.status_code == 302
    assert not Debt.objects.filter(borrower=alice).exists()


def test_a_signed_in_borrower_still_goes_to_the_overview(alice_client):
    response = alice_client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")


def test_the_check_shows_what_the_saved_debt_will_show(client, check):
    """One truth: the check uses the rate the saved debt gets (the typical one)."""
    from borrowers.debts.views import debt_row

    check["check-profile"] = str(profile("weilidai").pk)  # a contract-rate penalty
    shown = client.get(reverse("tier_check"), check).context["row"].position
    client.post(reverse("signup"), signup_data(check))
    saved = debt_row(Debt.objects.get(), timezone.localdate()).position
    assert shown.penalty_accrued > 0
    assert (shown.penalty_accrued, shown.tier, shown.days_to_next_tier) == (
        saved.penalty_accrued,
        saved.tier,
        saved.days_to_next_tier,
    )
