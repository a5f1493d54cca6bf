"""Reading an amount of money as people type it.

Accepted: digits with thousands separators ("12,000", "12，000"), full-width
digits ("１２０００"), a currency sign or unit around the number ("¥12000",
"12000元", "RMB 12000"), the units 万 and 千 after a number ("1万", "1.5万",
"3千", "1万2千"), and amounts written in Chinese numerals ("一万二",
"两千五百", "三千零五十"). Anything else is refused with a message; nothing
is guessed. Pure: text in, Decimal out.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
          "七": 7, "八": 8, "九": 9, "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5, "陆": 6,
          "柒": 7, "捌": 8, "玖": 9}  # fmt: skip
SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
BIG_UNITS = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
# Around the number: currency signs and words, and the 元/块 that end it.
AROUND = re.compile(r"^(?:¥|￥|RMB|CNY|人民币)?\s*(.*?)\s*(?:元整?|块钱?|圆整?)?$", re.IGNORECASE)
NUMBER = re.compile(r"\d+(?:\.\d+)?")


class NotAnAmount(ValueError):
    """The text is not an amount of money this module can read."""


def parse_amount(text: str) -> Decimal:
    """The amount of yuan ``text`` says, or NotAnAmount."""
    cleaned = unicodedata.normalize("NFKC", text).strip()  # full-width digits and ¥
    cleaned = cleaned.replace(" ", "").replace("\u3000", "")
    match = AROUND.match(cleaned)
    body = match.group(1) if match else cleaned
    body = re.sub(r"(?<=\d)[,，](?=\d{3}(?:\D|$))", "", body)  # thousands separators
    if not body:
        raise NotAnAmount(text)
    if re.fullmatch(r"\d+(?:\.\d+)?", body):
        return Decimal(body)
    if any(ch in DIGITS for ch in body) and not re.search(r"\d", body):
        return Decimal(_chinese_integer(body))
    return _digits_with_units(body, text)


def _digits_with_units(body: str, text: str) -> Decimal:
    """ "1.5万", "3千", "1万2千", "1万2" (= 12,000: a bare digit after 万 is thousands)."""
    total = Decimal(0)
    rest = body
    for units in (BIG_UNITS, SMALL_UNITS):
        for unit, size in sorted(units.items(), key=lambda u: -u[1]):
            if unit not in rest:
                continue
            head, _, rest = rest.partition(unit)
            number = NUMBER.fullmatch(head)
            if number is None:
                raise NotAnAmount(text)
            total += Decimal(head) * size
            if rest and NUMBER.fullmatch(rest) and "." not in rest and len(rest) == 1:
                # Spoken shorthand: 1万2 is 12,000, 3千5 is 3,500.
                total += Decimal(rest) * size / 10
                rest = ""
    if rest:
        if not NUMBER.fullmatch(rest) or total == 0:
            raise NotAnAmount(text)
        total += Decimal(rest)
    if total == 0 and not body.startswith("0"):
        raise NotAnAmount(text)
    return total


def _chinese_integer(body: str) -> int:
    """ "一万二" = 12,000, "两千五百" = 2,500, "三千零五十" = 3,050, "十五" = 15."""
    total, section, number = 0, 0, None
    last_unit = None
    for ch in body:
        if ch in DIGITS:
            number = DIGITS[ch]
        elif ch in SMALL_UNITS:
            section += (1 if number is None else number) * SMALL_UNITS[ch]
            last_unit, number = SMALL_UNITS[ch], None
        elif ch in BIG_UNITS:
            section += number or 0
            total += section * BIG_UNITS[ch]
            last_unit, section, number = BIG_UNITS[ch], 0, None
        else:
            raise NotAnAmount(body)
    if number is not None:
        if last_unit and last_unit >= 100 and body[-2:-1] not in ("零", "〇"):
            # Shorthand: 一万二 is 12,000, 两千五 is 2,500 (the digit is the next unit down).
            number *= last_unit // 10
        section += number
    return total + section
