"""Adding, editing, deleting and previewing debts: full-page and htmx branches."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from borrowers.models import Debt
from repayment_plans.plans.schedules import add_months
from tests.factories import DebtFactory, profile

HTMX = {"HTTP_HX_REQUEST": "true"}


def debt_data(**overrides):
    today = timezone.localdate()
    data = {
        "profile": profile("huabei").pk,
        "lender_name": "",
        "nickname": "My huabei",
        "principal": "6500.00",
        "interest": "0",
        "penalty_fees": "0",
        "rate_value": "0",
        "rate_unit": "annual_percent",
        "first_missed_date": (today - timedelta(days=45)).isoformat(),
        "overdue_amount": "",
        "contract_number": "",
        "cleared_on": "",
        "grace_days_override": "",
        "penalty_multiplier_override": "",
    }
    data.update(overrides)
    return data


def test_dashboard_requires_login(client, db):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_dashboard_lists_each_debt_with_its_tier(alice_client, alice):
    today = timezone.localdate()
    DebtFactory(borrower=alice, nickname="huabei", first_missed_date=today - timedelta(days=45))
    DebtFactory(
        borrower=alice,
        nickname="weilidai",
        profile=profile("weilidai"),
        first_missed_date=today - timedelta(days=75),
    )
    response = alice_client.get(reverse("dashboard"))
    html = response.content.decode()
    assert 'class="tier tier-moderate"' in html
    assert html.count('class="tier tier-severe"') == 2  # the debt and the worst tier
    assert '<dd class="days-to-next">16</dd>' in html


def test_add_debt_full_page_saves_and_redirects_to_its_explanation(alice_client, alice):
    response = alice_client.post(reverse("debt_create"), debt_data())
    debt = Debt.objects.get(borrower=alice)
    assert response.status_code == 302
    assert response["Location"] == reverse("debt_detail", args=[debt.pk])
    assert debt.lender_name == "重庆蚂蚁消费金融"  # prefilled from the profile
    assert debt.principal == Decimal("6500.00")


def test_add_debt_with_htmx_returns_the_refreshed_debt_list(alice_client, alice):
    response = alice_client.post(reverse("debt_create"), debt_data(), **HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#debts"
    assert response["HX-Reswap"] == "outerHTML"
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="debts"')
    assert "My huabei" in html
    assert Debt.objects.filter(borrower=alice).count() == 1


def test_htmx_get_of_the_form_is_the_partial_only(alice_client):
    response = alice_client.get(reverse("debt_create"), **HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert 'class="card debt-form-card"' in html
    full = alice_client.get(reverse("debt_create")).content.decode()
    assert "<html" in full and 'class="card debt-form-card"' in full


@pytest.mark.parametrize(
    ("value", "unit", "annual"),
    [
        ("18.25", "annual_percent", Decimal("18.250000")),
        ("0.05", "daily_percent", Decimal("18.250000")),
        ("5", "daily_bp", Decimal("18.250000")),
        ("3.5", "daily_bp", Decimal("12.775000")),
    ],
)
def test_rate_is_stored_as_percent_per_year(alice_client, alice, value, unit, annual):
    alice_client.post(reverse("debt_create"), debt_data(rate_value=value, rate_unit=unit))
    assert Debt.objects.get(borrower=alice).annual_rate_percent == annual


BAD_INPUT = [
    ("principal", "-1"),
    ("principal", "10000000000.01"),
    ("principal", "lots"),
    ("interest", "-0.01"),
    ("overdue_amount", "99999999999"),
    ("first_missed_date", "2999-01-01"),
    ("first_missed_date", "1999-12-31"),
    ("first_missed_date", "not a date"),
    ("rate_value", "100.01"),
    ("rate_value", "-1"),
    ("rate_value", "abc"),
    ("nickname", "<script>alert(1)</script>"),
    ("nickname", "x" * 61),
    ("contract_number", "<b>1</b>"),
    ("cleared_on", "2999-01-01"),
    ("cleared_on", "2026-01-01"),  # before the first missed payment
    ("profile", "999999"),
    ("profile", "abc"),
    ("grace_days_override", "-1"),
    ("penalty_multiplier_override", "0.5"),
]


@pytest.mark.parametrize(("field", "value"), BAD_INPUT)
@pytest.mark.parametrize("htmx", [False, True])
def test_bad_input_shows_a_message_next_to_the_field_and_saves_nothing(
    alice_client, alice, field, value, htmx
):
    response = alice_client.post(
        reverse("debt_create"), debt_data(**{field: value}), **(HTMX if htmx else {})
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="field-{field}"' in html
    field_html = html.split(f'id="field-{field}"', 1)[1].split('<div class="field', 1)[0]
    assert 'class="field-errors"' in field_html
    assert not Debt.objects.exists()


def test_daily_rate_that_is_above_100_percent_a_year_is_refused(alice_client):
    response = alice_client.post(
        reverse("debt_create"), debt_data(rate_value="0.3", rate_unit="daily_percent")
    )
    assert response.status_code == 200
    assert 'class="field-errors"' in response.content.decode()
    assert not Debt.objects.exists()


def test_other_online_loan_needs_a_lender_name(alice_client):
    response = alice_client.post(
        reverse("debt_create"), debt_data(profile=profile("other_online").pk)
    )
    html = response.content.decode()
    assert 'class="field-errors"' in html.split('id="field-lender_name"', 1)[1]
    assert not Debt.objects.exists()


def test_edit_full_page_and_htmx(alice_client, alice):
    debt = DebtFactory(borrower=alice, nickname="old")
    url = reverse("debt_edit", args=[debt.pk])
    assert alice_client.get(url).status_code == 200
    response = alice_client.post(url, debt_data(nickname="renamed"))
    assert response.status_code == 302
    debt.refresh_from_db()
    assert debt.nickname == "renamed"
    response = alice_client.post(url, debt_data(nickname="again", principal="100"), **HTMX)
    assert response["HX-Retarget"] == "#debts"
    debt.refresh_from_db()
    assert (debt.nickname, debt.principal) == ("again", Decimal("100.00"))


def test_edit_with_bad_input_changes_nothing(alice_client, alice):
    debt = DebtFactory(borrower=alice, nickname="keep")
    url = reverse("debt_edit", args=[debt.pk])
    response = alice_client.post(url, debt_data(nickname="new", principal="-5"), **HTMX)
    assert response.status_code == 200
    assert "HX-Retarget" not in response
    debt.refresh_from_db()
    assert debt.nickname == "keep"


def test_the_product_is_found_among_the_profiles_the_form_read(alice_client, alice):
    debt = DebtFactory(borrower=alice, profile=profile("huabei"))
    url = reverse("debt_edit", args=[debt.pk])
    weilidai = profile("weilidai")
    data = debt_data(profile=weilidai.pk)
    with CaptureQueriesContext(connection) as queries:
        response = alice_client.post(url, data, **HTMX)
    assert response["HX-Retarget"] == "#debts"
    debt.refresh_from_db()
    assert debt.profile == weilidai
    reads = [q["sql"] for q in queries if 'FROM "borrowers_productprofile"' in q["sql"]]
    # The list, once: the choice is found in it, and the model does not check again.
    assert len(reads) == 1, "\n".join(reads)
    for unknown in ("999999", "huabei", "-1"):
        response = alice_client.post(url, debt_data(profile=unknown), **HTMX)
        assert response.status_code == 200 and "HX-Retarget" not in response
        assert "选择一个有效的选项" in response.content.decode()  # next to the field
        debt.refresh_from_db()
        assert debt.profile == weilidai


def test_delete_asks_first_then_deletes(alice_client, alice):
    debt = DebtFactory(borrower=alice)
    url = reverse("debt_delete", args=[debt.pk])
    assert alice_client.get(url).status_code == 200
    assert Debt.objects.filter(pk=debt.pk).exists()
    response = alice_client.post(url)
    assert response.status_code == 302
    assert not Debt.objects.filter(pk=debt.pk).exists()


def test_delete_with_htmx_returns_the_list_without_the_debt(alice_client, alice):
    debt = DebtFactory(borrower=alice, nickname="gone soon")
    keep = DebtFactory(borrower=alice, nickname="stays")
    response = alice_client.post(reverse("debt_delete", args=[debt.pk]), **HTMX)
    html = response.content.decode()
    assert response["HX-Retarget"] == "#debts"
    assert "gone soon" not in html and "stays" in html
    assert list(Debt.objects.values_list("pk", flat=True)) == [keep.pk]


def test_preview_shows_the_tier_before_saving(alice_client):
    response = alice_client.get(reverse("debt_preview"), debt_data(), **HTMX)
    html = response.content.decode()
    assert 'class="tier tier-moderate"' in html
    assert '<dd class="days-to-next">16</dd>' in html
    assert not Debt.objects.exists()


def test_preview_follows_the_product_grace_days(alice_client):
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    weilidai = alice_client.get(
        reverse("debt_preview"),
        debt_data(profile=profile("weilidai").pk, first_missed_date=yesterday),
    ).content.decode()
    huabei = alice_client.get(
        reverse("debt_preview"), debt_data(first_missed_date=yesterday)
    ).content.decode()
    assert 'class="tier tier-current"' in weilidai
    assert 'class="tier tier-light"' in huabei


def test_preview_offers_the_profile_lender_when_the_field_is_blank(alice_client):
    data = debt_data(profile=profile("weilidai").pk)
    with CaptureQueriesContext(connection) as queries:
        html = alice_client.get(reverse("debt_preview"), data)
    assert 'value="深圳前海微众银行" hx-swap-oob="true"' in html.content.decode()
    # The profiles are read once, for the choice and for the typical lenders.
    reads = [q["sql"] for q in queries if "borrowers_productprofile" in q["sql"]]
    assert len(reads) == 1, "\n".join(reads)
    # Another product's typical lender still in the field is replaced.
    replaced = alice_client.get(
        reverse("debt_preview"),
        debt_data(profile=profile("weilidai").pk, lender_name=profile("huabei").default_lender),
    ).content.decode()
    assert 'value="深圳前海微众银行" hx-swap-oob="true"' in replaced
    typed = alice_client.get(
        reverse("debt_preview"), debt_data(lender_name="My own bank")
    ).content.decode()
    assert "hx-swap-oob" not in typed


def test_preview_with_bad_input_is_not_an_error(alice_client):
    response = alice_client.get(
        reverse("debt_preview"), debt_data(first_missed_date="2999-01-01", principal="x")
    )
    assert response.status_code == 200
    assert 'class="tier tier-current"' in response.content.decode()


def test_debt_detail_explains_the_tier(alice_client, alice):
    # Missed on the 1st three months ago: past its 1-day grace in that month, so
    # that month's report printed 1 and this month's prints 4 (one step per
    # monthly report), whatever the number of days (89-122, severe).
    today = timezone.localdate()
    debt = DebtFactory(
        borrower=alice,
        profile=profile("weilidai"),
        principal=Decimal("18000"),
        first_missed_date=add_months(today.replace(day=1), -3),
    )
    html = alice_client.get(reverse("debt_detail", args=[debt.pk])).content.decode()
    assert 'class="tier tier-severe"' in html
    assert 'href="tel:95384"' in html
    assert '<span class="code">4</span>' in html
    assert 'data-standing="not_negotiated"' in html
    assert 'class="warning"' in html  # 27.38 % a year is above 24 %
    assert "12378" in html and "12363" in html


def test_the_debt_page_labels_a_typical_rate_and_shows_where_to_negotiate(alice_client, alice):
    debt = DebtFactory(borrower=alice, profile=profile("jiebei"))
    debt.annual_rate_percent = debt.profile.typical_annual_percent
    debt.save()
    html = alice_client.get(reverse("debt_detail", args=[debt.pk])).content.decode()
    assert 'class="muted typical-rate"' in html
    channels = html.split('class="channels"')[1]
    assert 'href="tel:95188"' in channels and "支付宝 → 借呗" in channels

    debt.annual_rate_percent = Decimal("7.30")  # the contract's own rate
    debt.save()
    html = alice_client.get(reverse("debt_detail", args=[debt.pk])).content.decode()
    assert 'class="muted typical-rate"' not in html
