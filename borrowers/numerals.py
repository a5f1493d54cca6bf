"""Amounts in words and figures for agreements and letters.

Pure functions. Amounts are yuan as ``Decimal``, rounded half-up to the fen
(0.01 yuan) before they are written.

``capital_yuan`` writes Chinese financial capital numerals (大写), as on
contracts and cheques (中国人民银行《正确填写票据和结算凭证的基本规定》):

* digits 零壹贰叁肆伍陆柒捌玖; units 拾佰仟 inside a four-digit group, then
  万 and 亿 for the groups (10^12 is 壹万亿); 元, 角, 分 and 整.
* 壹 is always written before 拾 (10 -> 壹拾元整, 100000 -> 壹拾万元整), so that
  nothing can be added in front of the amount.
* Zeros: any run of zeros between two non-zero digits is written as a single
  零, including across 万 and 亿 (1001 -> 壹仟零壹元整, 10000001 -> 壹仟万零壹元整,
  100010 -> 壹拾万零壹拾元整); zeros at the end of the amount or of a group
  before 万/亿 are not written (100000 -> 壹拾万元整, 105000 -> 壹拾万伍仟元整).
* Jiao and fen: X元整 with neither; X元Y角整 with jiao only (12.30 ->
  壹拾贰元叁角整, the optional 整 after 角 is written); X元Y角Z分 with both;
  X元零Z分 with fen only (1.05 -> 壹元零伍分). The optional 零 between 元 and
  角 when the yuan end in zero (e.g. 壹拾元零伍角) is not written.
* Under one yuan, 元 is omitted (0.50 -> 伍角整, 0.05 -> 伍分); zero is 零元整.
"""

from __future__ import annotations

from decimal import Decimal

from borrowers.money import FEN, money

MAX_AMOUNT = Decimal("9999999999999.99")
DIGITS = "零壹贰叁肆伍陆柒捌玖"
_GROUP_UNITS = ("仟", "佰", "拾", "")
_WAN = 10**4
_YI = 10**8


def _to_fen(amount: Decimal) -> Decimal:
    return money(amount)


def _group(number: int) -> str:
    """Write 1..9999 with 仟佰拾, one 零 per inner run of zeros, none at the end."""
    text = ""
    pending_zero = False
    for digit, unit in zip(f"{number:04d}", _GROUP_UNITS, strict=True):
        if digit == "0":
            pending_zero = bool(text)
            continue
        if pending_zero:
            text += "零"
            pending_zero = False
        text += DIGITS[int(digit)] + unit
    return text


def _integer(number: int) -> str:
    """Write a positive integer below 10^13 (亿 may be preceded by up to 万 digits)."""
    for size, unit in ((_YI, "亿"), (_WAN, "万")):
        if number >= size:
            high, low = divmod(number, size)
            text = _integer(high) + unit
            if low:
                # A zero is heard between the unit and a lower part that does
                # not start at the next digit (1000 of 10^4, 10^7 of 10^8).
                if low < size // 10:
                    text += "零"
                text += _integer(low)
            return text
    return _group(number)


def capital_yuan(amount: Decimal) -> str:
    """Chinese capital numerals for ``amount`` yuan, e.g. 18000 -> 壹万捌仟元整.

    Rounded half-up to the fen first; 0 to 9,999,999,999,999.99 yuan.
    Raises ValueError for negative or larger amounts (TypeError for float).
    """
    value = _to_fen(amount)
    if value < 0:
        raise ValueError("amount must not be negative")
    if value > MAX_AMOUNT:
        raise ValueError("amount is too large (at most 9,999,999,999,999.99 yuan)")
    total_fen = int(value / FEN)
    yuan, cents = divmod(total_fen, 100)
    jiao, fen = divmod(cents, 10)

    if yuan == 0 and cents == 0:
        return "零元整"
    text = _integer(yuan) + "元" if yuan else ""
    if jiao:
        text += DIGITS[jiao] + "角"
    elif fen and yuan:
        text += "零"
    if fen:
        text += DIGITS[fen] + "分"
    else:
        text += "整"
    return text


def yuan_figures(amount: Decimal) -> str:
    """``amount`` yuan in figures, e.g. ¥18,000.00 (half-up to the fen; -¥5.00 if negative)."""
    value = _to_fen(amount)
    sign = "-" if value < 0 else ""
    return f"{sign}¥{figures(abs(value))}"


def figures(amount: Decimal) -> str:
    """``amount`` yuan as 18,000.00, for a text that puts ¥ before it (half-up to the fen)."""
    return f"{_to_fen(amount):,.2f}"
