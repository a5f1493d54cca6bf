"""Chinese capital numerals (大写) and figures for amounts in yuan. No database."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from borrowers.numerals import MAX_AMOUNT, capital_yuan, yuan_figures

D = Decimal
ALLOWED = set("零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整")
_DIGITS = {char: value for value, char in enumerate("零壹贰叁肆伍陆柒捌玖")}
_SMALL_UNITS = {"拾": 10, "佰": 100, "仟": 1000}


def parse_capital(text: str) -> Decimal:
    """Read capital numerals back into yuan (an independent check of the writer)."""
    body = text.removesuffix("整")
    integer_text, _, cents_text = body.rpartition("元")
    total = wan = section = number = 0
    for char in integer_text:
        if char in _DIGITS:
            number = _DIGITS[char]
        elif char in _SMALL_UNITS:
            section += number * _SMALL_UNITS[char]
            number = 0
        elif char == "万":
            wan = (section + number) * 10**4
            section = number = 0
        elif char == "亿":
            total = (wan + section + number) * 10**8
            wan = section = number = 0
        else:
            raise AssertionError(f"unexpected {char!r} in {text!r}")
    yuan = total + wan + section + number
    fen = number = 0
    for char in cents_text:
        if char in _DIGITS:
            number = _DIGITS[char]
        elif char == "角":
            fen += number * 10
        elif char == "分":
            fen += number
        else:
            raise AssertionError(f"unexpected {char!r} in {text!r}")
    return D(yuan * 100 + fen).scaleb(-2)


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("18000", "壹万捌仟元整"),
        ("20000", "贰万元整"),
        ("1200", "壹仟贰佰元整"),
        ("0", "零元整"),
        ("0.00", "零元整"),
        ("10", "壹拾元整"),  # cheque convention: 壹 before 拾
        ("15", "壹拾伍元整"),
        ("100000", "壹拾万元整"),
        ("100000000", "壹亿元整"),
        ("1010", "壹仟零壹拾元整"),
        ("1001", "壹仟零壹元整"),
        ("100010", "壹拾万零壹拾元整"),
        ("10000001", "壹仟万零壹元整"),
        ("105000", "壹拾万伍仟元整"),
        ("1205000", "壹佰贰拾万伍仟元整"),
        ("100010000", "壹亿零壹万元整"),
        ("110000000", "壹亿壹仟万元整"),
        ("100000001", "壹亿零壹元整"),
        ("1000000000000", "壹万亿元整"),
        ("1000100000000", "壹万零壹亿元整"),
        ("0.50", "伍角整"),
        ("0.05", "伍分"),
        ("0.55", "伍角伍分"),
        ("1.05", "壹元零伍分"),
        ("10.50", "壹拾元伍角整"),
        ("12.30", "壹拾贰元叁角整"),
        ("12.34", "壹拾贰元叁角肆分"),
        ("18000.005", "壹万捌仟元零壹分"),  # half-up to 18000.01
        ("18000.004", "壹万捌仟元整"),
        ("0.004", "零元整"),
        ("9999999999999.99", "玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ],
)
def test_capital_yuan(amount, expected):
    assert capital_yuan(D(amount)) == expected


def test_capital_yuan_accepts_int():
    assert capital_yuan(18000) == "壹万捌仟元整"


@pytest.mark.parametrize("amount", [D("-1"), D("-0.01"), D("-0.005"), D("10000000000000")])
def test_capital_yuan_rejects_negative_and_too_large(amount):
    with pytest.raises(ValueError):
        capital_yuan(amount)


def test_capital_yuan_rejects_float_and_nan():
    with pytest.raises(TypeError):
        capital_yuan(18000.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        capital_yuan(D("NaN"))


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("18000", "¥18,000.00"),
        ("0", "¥0.00"),
        ("0.005", "¥0.01"),  # half-up, not banker's rounding
        ("0.015", "¥0.02"),
        ("1234567.891", "¥1,234,567.89"),
        ("9999999999999.99", "¥9,999,999,999,999.99"),
        ("-5", "-¥5.00"),
    ],
)
def test_yuan_figures(amount, expected):
    assert yuan_figures(D(amount)) == expected


FEN_AMOUNTS = st.one_of(
    st.integers(0, int(MAX_AMOUNT * 100)),
    # Many zeros: runs of zeros inside and across the 万 and 亿 groups.
    st.lists(st.sampled_from([0, 0, 0, 0, 0, 1, 5, 9]), min_size=1, max_size=15).map(
        lambda digits: int("".join(map(str, digits)))
    ),
).map(lambda fen: D(fen).scaleb(-2))


@given(FEN_AMOUNTS)
def test_capital_yuan_is_well_formed_and_reads_back(amount):
    text = capital_yuan(amount)
    assert "零零" not in text
    assert not text.endswith("零")
    assert set(text) <= ALLOWED
    assert text.endswith(("整", "分"))
    assert "零万" not in text and "零亿" not in text and "零元" not in text.removeprefix("零元")
    assert parse_capital(text) == amount


@given(FEN_AMOUNTS)
def test_yuan_figures_reads_back(amount):
    text = yuan_figures(amount)
    assert text.startswith("¥")
    assert D(text.removeprefix("¥").replace(",", "")) == amount
