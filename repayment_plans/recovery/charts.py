"""Server-rendered SVG: the remaining balance by month with the milestones marked.

Plain SVG with presentation attributes only (no inline style, no script), so it
passes the page's Content-Security-Policy and renders in WeasyPrint's PDFs.
"""

from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import mark_safe

from repayment_plans.recovery.timeline import Timeline

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 70, 30, 16, 40
LINE = "#1d5fa8"
MARK = "#b54708"
GRID = "#d9e2ec"
TEXT = "#52606d"


def _yuan_label(amount: Decimal) -> str:
    if amount >= 10000:
        return f"¥{amount / 10000:.1f}万".replace(".0万", "万")
    return f"¥{amount:,.0f}"


def balance_chart(timeline: Timeline, title: str) -> str:
    """An SVG of the overall remaining balance, one point per month; milestones
    of the whole record are numbered in the order of ``timeline.milestones``."""
    months = timeline.months
    if not any(row.remaining > 0 for row in months):
        return ""  # nothing owed in any month: no chart, the page says so
    top = max((row.remaining for row in months), default=Decimal(0)) or Decimal(1)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(months) - 1, 1)

    def x(index: int) -> float:
        return LEFT + index * step

    def y(amount: Decimal) -> float:
        return TOP + plot_h - float(amount / top) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" role="img" aria-label="{escape(title)}" class="chart" '
        f'font-family="Noto Sans SC Subset, PingFang SC, Noto Sans CJK SC, sans-serif">',
        f"<title>{escape(title)}</title>",
    ]
    for fraction in (0, 0.5, 1):
        amount = top * Decimal(str(fraction))
        gy = y(amount)
        parts.append(
            f'<line x1="{LEFT}" y1="{gy:.1f}" x2="{WIDTH - RIGHT}" y2="{gy:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{gy + 4:.1f}" text-anchor="end" font-size="13" '
            f'fill="{TEXT}">{escape(_yuan_label(amount))}</text>'
        )
    label_every = max(1, len(months) // 6)
    for index, row in enumerate(months):
        if index % label_every == 0:
            parts.append(
                f'<text x="{x(index):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
                f'font-size="13" fill="{TEXT}">{row.month:%Y-%m}</text>'
            )
    overall = [m for m in timeline.milestones if m.account is None]
    index_of_month = {row.month: i for i, row in enumerate(months)}
    for number, milestone in enumerate(overall, start=1):
        month = milestone.day.replace(day=1)
        if month not in index_of_month:
            continue
        mx = x(index_of_month[month])
        parts.append(
            f'<line x1="{mx:.1f}" y1="{TOP}" x2="{mx:.1f}" y2="{TOP + plot_h}" stroke="{MARK}" '
            f'stroke-width="1" stroke-dasharray="4 3"/>'
        )
        parts.append(
            f'<circle cx="{mx:.1f}" cy="{TOP + 8}" r="8" fill="{MARK}"/>'
            f'<text x="{mx:.1f}" y="{TOP + 12}" text-anchor="middle" font-size="10" '
            f'fill="#fff">{number}</text>'
        )
    points = " ".join(f"{x(i):.1f},{y(row.remaining):.1f}" for i, row in enumerate(months))
    parts.append(
        f'<polyline points="{points}" fill="none" stroke="{LINE}" stroke-width="2.5" '
        f'stroke-linejoin="round"/>'
    )
    parts.append(
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" '
        f'stroke="{TEXT}" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped
