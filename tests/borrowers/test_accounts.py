"""Sign-up, log-in, password change and reset, language switch, budget."""

from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from borrowers.models import Borrower, HardshipReason, User
from tests.factories import PASSWORD

SIGNUP = {
    "email": "New.Person@Example.com",
    "display_name": "张三",
    "password1": "a long enough passphrase 42",
    "password2": "a long enough passphrase 42",
}


def test_sign_up_makes_a_borrower_profile_and_the_password_logs_in(client, db, account_mail):
    response = client.post(reverse("signup"), SIGNUP)
    assert response.status_code == 302
    assert response["Location"] == reverse("signup") + "?sent=1"
    user = User.objects.get(email="new.person@example.com")
    assert Borrower.objects.get(user=user).display_name == "张三"
    assert user.language == "zh-hans"
    assert [m.to for m in account_mail] == [["new.person@example.com"]]
    # The page never says whether the address was new: the borrower logs in.
    assert client.get(reverse("dashboard")).status_code == 302
    assert client.login(email="new.person@example.com", password=SIGNUP["password1"])
    assert client.get(reverse("dashboard")).status_code == 200


def test_sign_up_with_an_email_already_taken_looks_the_same_and_tells_the_owner(
    client, alice, account_mail
):
    response = client.post(reverse("signup"), {**SIGNUP, "email": "ALICE@example.com"})
    assert response.status_code == 302
    assert response["Location"] == reverse("signup") + "?sent=1"
    assert User.objects.count() == 1
    assert not client.login(email="alice@example.com", password=SIGNUP["password1"])
    assert [m.to for m in account_mail] == [["alice@example.com"]]


def test_sign_up_refuses_markup_in_the_name(client, db):
    response = client.post(reverse("signup"), {**SIGNUP, "display_name": "<b>x</b>"})
    assert response.status_code == 200
    assert not User.objects.exists()


def test_log_in_with_email_any_case_and_log_out(client, alice):
    response = client.post(
        reverse("login"), {"username": "ALICE@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("dashboard")).status_code == 302


def test_wrong_password_is_a_form_error(client, alice):
    response = client.post(reverse("login"), {"username": alice.user.email, "password": "no"})
    assert response.status_code == 200
    assert 'class="errors"' in response.content.decode()


def test_password_change(alice_client, alice):
    response = alice_client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another long passphrase 7",
            "new_password2": "another long passphrase 7",
        },
    )
    assert response.status_code == 302
    alice.user.refresh_from_db()
    assert alice.user.check_password("another long passphrase 7")


def test_password_reset_sends_a_working_link(client, alice, account_mail):
    response = client.post(reverse("password_reset"), {"email": "alice@example.com"})
    assert response.status_code == 302
    assert len(account_mail) == 1
    link = next(line for line in account_mail[0].body.splitlines() if "/reset/" in line)
    path = urlsplit(link.strip()).path
    form_page = client.get(path, follow=True)
    new_password = {
        "new_password1": "fresh passphrase 2026",
        "new_password2": "fresh passphrase 2026",
    }
    client.post(form_page.redirect_chain[-1][0], new_password)
    alice.user.refresh_from_db()
    assert alice.user.check_password("fresh passphrase 2026")


def test_password_reset_does_not_reveal_whether_an_account_exists(client, alice, account_mail):
    known = client.post(reverse("password_reset"), {"email": "alice@example.com"})
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(account_mail) == 1


def test_chinese_is_the_default_and_english_is_one_click_away(alice_client, alice):
    assert "总览" in alice_client.get(reverse("dashboard")).content.decode()
    response = alice_client.post(
        reverse("set_language"), {"language": "en", "next": reverse("dashboard")}
    )
    assert response["Location"] == reverse("dashboard")
    assert "Overview" in alice_client.get(reverse("dashboard")).content.decode()
    alice.user.refresh_from_db()
    assert alice.user.language == "en"


def test_language_switch_refuses_an_offsite_next(client, db):
    response = client.post(
        reverse("set_language"), {"language": "en", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")


def test_budget_saves_income_expenses_and_hardship(alice_client, alice):
    data = {
        "display_name": "Alice",
        "phone": "13800138000",
        "monthly_net_income": "7800",
        "rent": "2200",
        "food": "1500",
        "transport": "300",
        "medical": "100",
        "dependants": "800",
        "other_expenses": "200",
        "commitment_percent": "70",
        "hardship_reason": HardshipReason.INCOME_CUT,
        "hardship_detail": "",
    }
    assert alice_client.post(reverse("budget"), data).status_code == 302
    alice.refresh_from_db()
    assert alice.essential_expenses == Decimal("5100")
    assert alice.disposable_income == Decimal("2700")
    assert alice.monthly_capacity == Decimal("1890.00")  # 70 % of 2,700
    assert alice.has_budget


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("monthly_net_income", "-1"),
        ("rent", "1e11"),
        ("food", "abc"),
        ("hardship_reason", "bankrupt"),
        ("hardship_detail", "<script>x</script>"),
        ("phone", "call me"),
        ("phone", "138²0013800"),  # a superscript digit is a digit to str.isdigit()
        ("phone", "١٣٨٠٠١٣٨٠٠٠"),  # Arabic-Indic digits
        ("commitment_percent", "10"),
        ("commitment_percent", "101"),
    ],
)
def test_budget_bad_input_saves_nothing(alice_client, alice, field, value):
    data = {
        "display_name": "Alice",
        "monthly_net_income": "7800",
        "rent": "0",
        "food": "0",
        "transport": "0",
        "medical": "0",
        "dependants": "0",
        "other_expenses": "0",
        "commitment_percent": "70",
        "hardship_reason": HardshipReason.ILLNESS,
        field: value,
    }
    response = alice_client.post(reverse("budget"), data)
    assert response.status_code == 200
    assert 'class="field-errors"' in response.content.decode().split(f'id="field-{field}"')[1]
    alice.refresh_from_db()
    assert alice.monthly_net_income == Decimal("8000")
    assert alice.commitment_percent == 70


def test_other_hardship_needs_a_description(alice_client, alice):
    response = alice_client.post(
        reverse("budget"),
        {
            "display_name": "Alice",
            "monthly_net_income": "1",
            **dict.fromkeys(
                ["rent", "food", "transport", "medical", "dependants", "other_expenses"], "0"
            ),
            "commitment_percent": "70",
            "hardship_reason": HardshipReason.OTHER,
        },
    )
    assert (
        'class="field-errors"' in response.content.decode().split('id="field-hardship_detail"')[1]
    )


def test_counselor_lands_in_the_counselor_area(client, charlie):
    client.login(email=charlie.user.email, password=PASSWORD)
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("caseload")
    assert charlie.agency.name in response.content.decode()


def test_passwords_are_hashed_with_argon2_and_an_old_hash_is_upgraded_at_login(
    client, alice, settings
):
    from django.contrib.auth.hashers import make_password

    from config import settings as project

    settings.PASSWORD_HASHERS = project.PASSWORD_HASHERS  # as deployed, not the tests' MD5
    user = alice.user
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$")
    assert make_password("another passphrase").startswith("argon2$")
