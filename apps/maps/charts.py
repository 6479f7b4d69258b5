"""A small server-side SVG bar chart (stacked), so dashboards show pictures without any chart library."""

from __future__ import annotations

import math

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

PALETTE = ("#1b7f3b", "#c8961e", "#c0392b", "#2874a6", "#7d3c98", "#16a085", "#d35400", "#566573", "#b7950b")


def nice_maximum(value: float) -> float:
    """Round ``value`` up to 1, 2 or 5 times a power of ten (a readable top of the axis)."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def stacked_bar_chart(
    *,
    title: str,
    categories: list,
    series: list[str],
    values: dict,
    colours: dict[str, str] | None = None,
    width: int = 640,
    height: int = 300,
) -> SafeString:
    """Return an accessible inline SVG: one bar per category, stacked by series, with axis and legend.

    ``values[category][series]`` is a number (missing means 0). Each segment has a ``<title>`` tooltip.
    """
    colours = colours or {name: PALETTE[index % len(PALETTE)] for index, name in enumerate(series)}
    left, right, top, bottom = 44, 12, 30, 54
    plot_width, plot_height = width - left - right, height - top - bottom
    totals = [sum(values.get(category, {}).get(name, 0) for name in series) for category in categories]
    maximum = nice_maximum(max(totals, default=0))
    slot = plot_width / max(len(categories), 1)
    bar = slot * 0.65
    parts = []
    for tick in range(5):
        value = maximum * tick / 4
        y = top + plot_height - plot_height * tick / 4
        parts.append(format_html(
            '<line x1="{}" x2="{}" y1="{y}" y2="{y}" stroke="#ddd"/>'
            '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="#555">{}</text>',
            left, left + plot_width, left - 6, y + 4, f"{value:g}", y=f"{y:.1f}",
        ))
    for index, category in enumerate(categories):
        x = left + index * slot + (slot - bar) / 2
        y = top + plot_height
        for name in series:
            count = values.get(category, {}).get(name, 0)
            if not count:
                continue
            segment = plot_height * count / maximum
            y -= segment
            parts.append(format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{} · {}: {}</title></rect>',
                f"{x:.1f}", f"{y:.1f}", f"{bar:.1f}", f"{segment:.1f}", colours[name], category, name, count,
            ))
        parts.append(format_html(
            '<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="#333">{}</text>',
            f"{x + bar / 2:.1f}", top + plot_height + 16, category,
        ))
        if totals[index]:
            parts.append(format_html(
                '<text x="{}" y="{}" text-anchor="middle" font-size="10" fill="#333">{}</text>',
                f"{x + bar / 2:.1f}", f"{y - 3:.1f}", totals[index],
            ))
    legend = format_html_join("", '<g transform="translate({},{})"><rect width="10" height="10" fill="{}"/>'
                              '<text x="14" y="9" font-size="11" fill="#333">{}</text></g>',
                              ((left + (index % 4) * 150, height - 26 + (index // 4) * 14, colours[name], name)
                               for index, name in enumerate(series)))
    return format_html(
        '<svg class="chart" role="img" aria-label="{title}" viewBox="0 0 {w} {h}" width="100%" '
        'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">'
        '<title>{title}</title>'
        '<text x="{left}" y="18" font-size="13" font-weight="bold" fill="#222">{title}</text>'
        '<line x1="{left}" x2="{left}" y1="{top}" y2="{bottom}" stroke="#888"/>{body}{legend}</svg>',
        title=title, w=width, h=height, left=left, top=top, bottom=top + plot_height,
        body=SafeString("".join(parts)), legend=legend,
    )
