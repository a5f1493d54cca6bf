"""The recovery timeline's repeated markup, built in Python.

A timeline draws up to 300 report-grid cells and 60 month rows; as template
loops they were most of the page's time. The markup and the translated
phrases are the same as the template's (templates/repayment_plans/timeline.html).
"""

import html
from datetime import date

from django import template
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from borrowers.templatetags.money import yuan

register = template.Library()


def _escape(value) -> str:
    """Django's ``conditional_escape``, without its check of every argument for
    a lazy string (a timeline escapes some 600 values)."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


@register.simple_tag
def grid_cells(cells, this_month: date) -> SafeString:
    """One report grid's cells: ``(month, code)`` pairs, months after ``this_month``
    marked as the future."""
    parts = []
    for month, code in cells:
        code = html.escape(str(code))  # a report code: one or two characters
        future = " future" if month > this_month else ""
        parts.append(
            f'<li class="code-{code}{future}" title="{month.year:04d}-{month.month:02d}">'
            f'<span class="grid-month">{month.year % 100:02d}/{month.month}</span>'
            f"<b>{code}</b></li>"
        )
    return mark_safe("".join(parts))  # noqa: S308 (the code escaped, the rest digits)


@register.simple_tag
def month_rows(months) -> SafeString:
    """The "month by month" list items (repayment_plans.recovery.views.timeline_context)."""
    due, left = gettext("Due %(due)s"), gettext("left %(left)s")
    missed = f'<span class="negative">{_escape(gettext("missed"))}</span>'
    return mark_safe("".join(_month_row(item, due, left, missed) for item in months))  # noqa: S308 (escaped below)


def _month_row(item, due: str, left: str, missed: str) -> str:
    row = item["row"]
    month = f"{row.month.year:04d}-{row.month.month:02d}"
    codes = "".join(
        f'<span class="code-chip code-{code}">{_escape(label)} <b>{code}</b></span>'
        for label, state in item["accounts"]
        for code in (html.escape(str(state.code)),)
    )
    facts: list[str] = []
    if row.due:
        facts.append(_escape(due % {"due": yuan(row.due)}))
    facts.append(_escape(left % {"left": yuan(row.remaining)}))
    if row.streak:
        streak = ngettext("%(n)s on time in a row", "%(n)s on time in a row", row.streak)
        facts.append(_escape(streak % {"n": row.streak}))
    if row.missed:
        facts.append(missed)
    cards = "".join(
        '<p class="month-milestone">★ {}{}</p>'.format(
            f"{_escape(card['label'])}: " if card["label"] else "",
            _escape(card["title"]),
        )
        for card in item["cards"]
    )
    return (
        f'<li class="month{" month-missed" if row.missed else ""}">'
        f'<h3><time datetime="{month}">{month}</time></h3>'
        f'<p class="codes">{codes}</p><p class="muted">{" · ".join(facts)}</p>{cards}</li>'
    )
