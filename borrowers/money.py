"""Money in yuan: Decimal only, rounded half-up to the fen at the edges.

The one home of the constants and checks every module uses (docs/domain.md
§2 and §4 say where rounding happens); both apps import from here.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def decimal(value: Decimal | int | str, name: str = "amount") -> Decimal:
    """Accept a Decimal, an int or a numeric string; refuse float and bool
    (binary fractions are wrong for money) and anything not finite."""
    if isinstance(value, float | bool):
        raise TypeError(f"{name} must be a Decimal, not {type(value).__name__}")
    try:
        result = value if isinstance(value, Decimal) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValueError(f"{name} is not a number: {value!r}") from exc
    if not result.is_finite():
        raise ValueError(f"{name} must be finite: {value!r}")
    return result


def to_fen(amount: Decimal) -> Decimal:
    """Round yuan half-up to the fen."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def money(value: Decimal | int | str, name: str = "amount") -> Decimal:
    """A checked amount, rounded half-up to the fen."""
    return to_fen(decimal(value, name))
