"""The recovery timeline's repeated markup, built in Python.

A timeline draws up to 300 report-grid cells and 60 month rows; as template
loops they were most of the page's time. The markup and the translated
phrases are the same as the template's (templates/repayment_plans/timeline.html).
"""

import html
from datetime import date

from django import template
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from borrowers.templatetags.money import yuan

register = template.Library()


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
    missed = f'<span class="negative">{escape(gettext("missed"))}</span>'
    return mark_safe("".join(_month_row(item, due, left, missed) for item in months))  # noqa: S308 (escaped below)


def _month_row(item, due: str, left: str, missed: str) -> str:
    row = item["row"]
    month = f"{row.month.year:04d}-{row.month.month:02d}"
    codes = "".join(
        f'<span class="code-chip code-{code}">{conditional_escape(label)} <b>{code}</b></span>'
        for label, state in item["accounts"]
        for code in (html.escape(str(state.code)),)
    )
    facts: list[str] = []
    if row.due:
        facts.append(escape(due % {"due": yuan(row.due)}))
    facts.append(escape(left % {"left": yuan(row.remaining)}))
    if row.streak:
        streak = ngettext("%(n)s on time in a row", "%(n)s on time in a row", row.streak)
        facts.append(escape(streak % {"n": row.streak}))
    if row.missed:
        facts.append(missed)
    cards = "".join(
        '<p class="month-milestone">★ {}{}</p>'.format(
            f"{conditional_escape(card['label'])}: " if card["label"] else "",
            conditional_escape(card["title"]),
        )
        for card in item["cards"]
    )
    return (
        f'<li class="month{" month-missed" if row.missed else ""}">'
        f'<h3><time datetime="{month}">{month}</time></h3>'
        f'<p class="codes">{codes}</p><p class="muted">{" · ".join(facts)}</p>{cards}</li>'
    )
