from decimal import Decimal, InvalidOperation

from django import template

from borrowers.numerals import capital_yuan, yuan_figures

register = template.Library()


@register.filter
def yuan(value):
    """Format a Decimal amount of yuan as ¥12,345.67 (rounded half-up to the fen)."""
    if value is None or value == "":
        return "—"
    try:
        return yuan_figures(Decimal(value))
    except (InvalidOperation, TypeError, ValueError):
        return "—"


@register.filter
def percent(value):
    """Format a percent figure (already in percent) with up to two decimals."""
    if value is None:
        return "—"
    text = f"{Decimal(value).quantize(Decimal('0.01')):f}".rstrip("0").rstrip(".")
    return f"{text} %"


@register.filter
def capital(value):
    """Chinese capital numerals (大写) for an amount of yuan: 壹万捌仟元整."""

    if value is None or value == "":
        return ""
    return capital_yuan(Decimal(value))
