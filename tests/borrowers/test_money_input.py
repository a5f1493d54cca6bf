"""Amounts as people type them (borrowers/money_input.py, borrowers.inputs.AmountField)."""

from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from borrowers.inputs import amount_field
from borrowers.money_input import NotAnAmount, parse_amount


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1000", "1000"),
        ("1,000", "1000"),
        ("12，000", "12000"),
        ("１０００", "1000"),
        ("¥1000", "1000"),
        ("￥ 7,699.00", "7699"),
        ("1000元", "1000"),
        ("5000块", "5000"),
        ("RMB 300", "300"),
        ("1万", "10000"),
        ("1.5万", "15000"),
        ("3千", "3000"),
        ("1万2千", "12000"),
        ("1万2", "12000"),
        ("一万二", "12000"),
        ("两千五百", "2500"),
        ("两千五", "2500"),
        ("三千零五十", "3050"),
        ("十五", "15"),
        ("二十万", "200000"),
        ("0.5", "0.5"),
    ],
)
def test_what_people_type_is_read(text, amount):
    assert parse_amount(text) == Decimal(amount)


@pytest.mark.parametrize("text", ["", "abc", "1万x", "万", "1.2.3", "12,00", "1e20", "NaN", "--5"])
def test_anything_else_is_refused_not_guessed(text):
    with pytest.raises(NotAnAmount):
        parse_amount(text)


FEN_AMOUNTS = st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2)


@given(FEN_AMOUNTS)
def test_thousands_separators_currency_and_full_width_round_trip(amount):
    plain = f"{amount:,.2f}"
    full_width = plain.translate(str.maketrans("0123456789,.", "０１２３４５６７８９，．"))
    for text in (f"{amount}", plain, f"¥{plain}", f"{plain}元", full_width):
        assert parse_amount(text) == amount, text


@given(st.integers(min_value=1, max_value=9999), st.integers(min_value=0, max_value=9))
def test_wan_with_a_decimal_round_trips(whole, tenth):
    assert parse_amount(f"{whole}.{tenth}万") == Decimal(whole * 10000 + tenth * 1000)


def test_one_message_per_error_naming_the_field_in_chinese():
    field = amount_field("月净收入")
    with translation.override("zh-hans"):
        for value, expected in [
            ("99999999999999999999", "月净收入最多为 ¥10,000,000,000.00。"),
            ("-5", "月净收入不能小于零。"),
            ("", "请填写月净收入。"),
        ]:
            with pytest.raises(Exception) as refused:
                field.clean(value)
            assert refused.value.messages == [expected]


def test_an_amount_field_is_a_text_input_with_the_decimal_keypad():
    html = str(amount_field("x").widget.render("x", ""))
    assert 'type="text"' in html and 'inputmode="decimal"' in html


def test_the_cleaned_amount_is_rounded_to_the_fen():
    assert amount_field("x").clean("1.5万") == Decimal("15000.00")
    assert str(amount_field("x").clean("1.5万")) == "15000.00"
