"""Server-side SVG bar charts: no script, no inline style (the page's CSP allows neither), readable
by screen readers (a <title> for the chart, one per bar) and printable."""

from __future__ import annotations

import math

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 16, 44


def _number(value: float) -> str:
    """Vietnamese digits: dot between thousands, comma before decimals (1.234,5)."""
    text = f"{value:,.1f}".removesuffix(".0")
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def nice_top(value: float) -> float:
    """The axis top: the smallest of 1, 2, 4, 8 or 10 × a power of ten at or above the value, so the
    four grid steps are round numbers (0,25 · 0,5 · 1 · 2 · 2,5 × a power of ten)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 2, 4, 8, 10) if m * power >= value)


def bar_chart(chart_id: str, title: str, series: list[tuple[str, float | None]], unit: str = "") -> SafeString:
    """One bar per (label, value); a missing value (None) draws no bar and says so in its <title>."""
    values = [v for _label, v in series if v is not None]
    top = nice_top(max(values, default=0.0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(series), 1)
    parts: list[str] = [format_html('<svg class="bar-chart" viewBox="0 0 {} {}" role="img" aria-labelledby="{}">',
                         WIDTH, HEIGHT, f"chart-{chart_id}"),
             format_html('<title id="{}">{}</title>', f"chart-{chart_id}", title)]
    for step in range(5):  # horizontal grid lines with their values
        value = top * step / 4
        y = TOP + plot_h - plot_h * step / 4
        parts.append(format_html('<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/>', LEFT, WIDTH - RIGHT,
                                 f"{y:.1f}", f"{y:.1f}"))
        parts.append(format_html('<text class="axis" x="{}" y="{}" text-anchor="end">{}</text>', LEFT - 6,
                                 f"{y + 4:.1f}", _number(value)))
    for index, (label, amount) in enumerate(series):
        x = LEFT + slot * index
        shown = _number(amount) + (f" {unit}" if unit else "") if amount is not None else "—"
        height = plot_h * (amount or 0) / top
        parts.append('<g class="bar">')
        parts.append(format_html("<title>{}: {}</title>", label, shown))
        if amount is not None:
            parts.append(format_html('<rect x="{}" y="{}" width="{}" height="{}"/>', f"{x + slot * 0.15:.1f}",
                                     f"{TOP + plot_h - height:.1f}", f"{slot * 0.7:.1f}", f"{height:.1f}"))
        parts.append(format_html('<text class="label" x="{}" y="{}" text-anchor="middle">{}</text>',
                                 f"{x + slot / 2:.1f}", HEIGHT - BOTTOM + 16, label))
        parts.append("</g>")
    parts.append("</svg>")
    return mark_safe("".join(str(p) for p in parts))  # noqa: S308 - every piece is escaped by format_html above

