"""The recovery timeline's repeated markup, built in Python.

A timeline draws up to 300 report-grid cells and 60 month rows; as template
loops they were most of the page's time. The markup and the translated
phrases are the same as the template's (templates/repayment_plans/timeline.html).
"""

from datetime import date

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from borrowers.templatetags.money import yuan

register = template.Library()


@register.simple_tag
def grid_cells(cells, this_month: date) -> SafeString:
    """One report grid's cells: ``(month, code)`` pairs, months after ``this_month``
    marked as the future."""
    return format_html_join(
        "",
        '<li class="code-{}{}" title="{}"><span class="grid-month">{}</span><b>{}</b></li>',
        (
            (
                code,
                " future" if month > this_month else "",
                f"{month:%Y-%m}",
                f"{month:%y}/{month.month}",
                code,
            )
            for month, code in cells
        ),
    )


@register.simple_tag
def month_rows(months) -> SafeString:
    """The "month by month" list items (repayment_plans.recovery.views.timeline_context)."""
    return mark_safe("".join(_month_row(item) for item in months))  # noqa: S308 (escaped below)


def _month_row(item) -> str:
    row = item["row"]
    month = f"{row.month:%Y-%m}"
    codes = format_html_join(
        "",
        '<span class="code-chip code-{}">{} <b>{}</b></span>',
        ((state.code, label, state.code) for label, state in item["accounts"]),
    )
    facts = []
    if row.due:
        facts.append(format_html("{}", gettext("Due %(due)s") % {"due": yuan(row.due)}))
    facts.append(format_html("{}", gettext("left %(left)s") % {"left": yuan(row.remaining)}))
    if row.streak:
        facts.append(
            format_html(
                "{}",
                ngettext("%(n)s on time in a row", "%(n)s on time in a row", row.streak)
                % {"n": row.streak},
            )
        )
    if row.missed:
        facts.append(format_html('<span class="negative">{}</span>', gettext("missed")))
    cards = format_html_join(
        "",
        '<p class="month-milestone">★ {}{}</p>',
        (
            (format_html("{}: ", card["label"]) if card["label"] else "", card["title"])
            for card in item["cards"]
        ),
    )
    return format_html(
        '<li class="month{}"><h3><time datetime="{}">{}</time></h3>'
        '<p class="codes">{}</p><p class="muted">{}</p>{}</li>',
        " month-missed" if row.missed else "",
        month,
        month,
        codes,
        mark_safe(" · ".join(facts)),  # noqa: S308 (each part escaped above)
        cards,
    )
