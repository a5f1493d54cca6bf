"""What a borrower can pay each month (docs/domain.md §4). Pure: amounts in yuan."""

from decimal import ROUND_FLOOR, Decimal

from borrowers.money import FEN, ZERO


def monthly_capacity(disposable: Decimal, commitment_percent: Decimal = Decimal(70)) -> Decimal:
    """Yuan per month for all proposals together: disposable income times the
    commitment ratio, rounded down to the fen, never below zero."""
    if disposable <= 0:
        return ZERO
    return (disposable * commitment_percent / 100).quantize(FEN, rounding=ROUND_FLOOR)
