"""Charts as inline SVG, drawn on the server from plain numbers (no script, no CDN, no font
download). Pure: labels in, an SVG string out, every text escaped.

Each chart carries a <title> and a <desc> listing its values, so screen readers and printouts
keep the numbers; the pages also show each chart's data as a table. Series are told apart by
colour and by dash pattern and marker shape, so they survive grey-scale printing.
"""
from __future__ import annotations

import math
from html import escape
from itertools import count
from typing import Sequence

PALETTE = ("#b3261e", "#1f5fa8", "#2e7d32", "#8a4b00", "#6a3d9a", "#00838f")
DASHES = ("", "6 4", "2 3", "8 3 2 3")
FONT = 15  # in chart units; a chart 300-340 units wide keeps about this size on a phone
_ids = count(1)


def text_width(text: str, size: int = FONT) -> float:
    """Rough width of ``text``: CJK and full-width characters take a full em, others about half."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.6 for ch in text)


def nice_max(value: float) -> int:
    """A round axis maximum at or above ``value`` (1, 2, 5 × 10ⁿ steps); at least 1."""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5):
        if step * magnitude >= value:
            return int(step * magnitude)
    return int(10 * magnitude)


def _fmt(n: float) -> str:
    return f"{n:.1f}".rstrip("0").rstrip(".")


def _open(title: str, desc: str, width: float, height: float) -> tuple[str, str]:
    uid = f"chart{next(_ids)}"
    head = (f'<svg class="chart" viewBox="0 0 {_fmt(width)} {_fmt(height)}" width="100%" '
            f'role="img" aria-labelledby="{uid}t {uid}d" preserveAspectRatio="xMinYMin meet" '
            f'style="max-width:{_fmt(width * 1.3)}px;font-size:{FONT}px">'
            f'<title id="{uid}t">{escape(title)}</title><desc id="{uid}d">{escape(desc)}</desc>')
    return uid, head


def bar_chart(title: str, items: Sequence[tuple[str, int]], *, color: str = PALETTE[1],
              width: int = 300) -> str:
    """Horizontal bars, one per (label, value): the label and the value on a line above each
    bar, so long names fit and the chart stays legible when a phone shrinks it."""
    items = list(items)
    desc = "；".join(f"{label}：{value}" for label, value in items) or "无数据"
    row, bar_h = 44, 14
    height = max(1, len(items)) * row + 4
    top = max([v for _, v in items] + [0])
    _, svg = _open(title, desc, width, height)
    parts = [svg]
    if not items:
        parts.append(f'<text x="0" y="{FONT + 4}" fill="#57606a">无数据</text>')
    for i, (label, value) in enumerate(items):
        y = i * row
        length = 0.0 if top == 0 else width * value / top
        parts.append(f'<text x="0" y="{y + FONT + 2}" fill="#1f2328">{escape(label)}</text>')
        parts.append(f'<text x="{width}" y="{y + FONT + 2}" text-anchor="end" fill="#1f2328" '
                     f'font-weight="600">{value}</text>')
        parts.append(f'<rect x="0" y="{y + FONT + 8}" width="{width}" height="{bar_h}" rx="3" fill="#eef1f4"/>')
        if value > 0:
            parts.append(f'<rect x="0" y="{y + FONT + 8}" width="{_fmt(max(length, 2))}" height="{bar_h}" '
                         f'rx="3" fill="{color}"><title>{escape(label)}：{value}</title></rect>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart(title: str, categories: Sequence[str], series: Sequence[tuple[str, Sequence[int]]],
               *, full_names: Sequence[str] | None = None, width: int = 340, height: int = 250) -> str:
    """One line per series over the categories (months), with a value axis, grid and legend.
    A category may have a second line after "\n" (the year under a month), drawn smaller;
    ``full_names`` name the categories in the description when the axis labels are short."""
    categories, series = list(categories), list(series)
    names = list(full_names) if full_names is not None else [c.replace("\n", " ") for c in categories]
    desc = "；".join(f"{name}：" + "，".join(f"{c} {v}" for c, v in zip(names, values))
                    for name, values in series) or "无数据"
    top = nice_max(max([v for _, values in series for v in values] + [0]))
    left, right, plot_top = 36.0, 8.0, 10.0
    legend_h = 28
    bottom = height - 2 * FONT - 12 - legend_h
    plot_w = width - left - right
    step = plot_w / max(1, len(categories))
    _, svg = _open(title, desc, width, height)
    parts = [svg]
    ticks = 5 if top >= 5 else top
    for t in range(ticks + 1):  # value axis and grid lines
        value = top * t / ticks
        y = bottom - (bottom - plot_top) * t / ticks
        parts.append(f'<line x1="{_fmt(left)}" x2="{_fmt(width - right)}" y1="{_fmt(y)}" y2="{_fmt(y)}" '
                     f'stroke="#d0d7de" stroke-width="1"/>')
        parts.append(f'<text x="{_fmt(left - 6)}" y="{_fmt(y + FONT * 0.35)}" text-anchor="end" '
                     f'fill="#57606a">{_fmt(value)}</text>')

    def x_of(i: int) -> float:
        return left + step * (i + 0.5)

    for i, label in enumerate(categories):
        first, _, second = label.partition("\n")
        parts.append(f'<text x="{_fmt(x_of(i))}" y="{_fmt(bottom + FONT + 4)}" text-anchor="middle" '
                     f'fill="#1f2328">{escape(first)}</text>')
        if second:
            parts.append(f'<text x="{_fmt(x_of(i))}" y="{_fmt(bottom + 2 * FONT + 6)}" text-anchor="middle" '
                         f'fill="#57606a" font-size="{FONT - 3}">{escape(second)}</text>')
    for n, (name, values) in enumerate(series):
        color, dash = PALETTE[n % len(PALETTE)], DASHES[n % len(DASHES)]
        points = [(x_of(i), bottom - (bottom - plot_top) * v / top) for i, v in enumerate(values)]
        path = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in points)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2.5"{dash_attr}/>')
        for (x, y), label, value in zip(points, categories, values):
            parts.append(_marker(n, x, y, color, f"{name} {label}：{value}"))
    legend_y = height - legend_h / 2
    x = 4.0
    for n, (name, _) in enumerate(series):  # legend: a line sample with the series' marker
        color, dash = PALETTE[n % len(PALETTE)], DASHES[n % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<line x1="{_fmt(x)}" x2="{_fmt(x + 28)}" y1="{_fmt(legend_y)}" y2="{_fmt(legend_y)}" '
                     f'stroke="{color}" stroke-width="2.5"{dash_attr}/>')
        parts.append(_marker(n, x + 14, legend_y, color, name))
        parts.append(f'<text x="{_fmt(x + 34)}" y="{_fmt(legend_y + FONT * 0.35)}" fill="#1f2328">{escape(name)}</text>')
        x += 34 + text_width(name) + 16
    parts.append("</svg>")
    return "".join(parts)


def _marker(n: int, x: float, y: float, color: str, label: str) -> str:
    tip = f"<title>{escape(label)}</title>"
    shape = n % 3
    if shape == 0:
        return f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="4" fill="{color}">{tip}</circle>'
    if shape == 1:
        return f'<rect x="{_fmt(x - 4)}" y="{_fmt(y - 4)}" width="8" height="8" fill="{color}">{tip}</rect>'
    return (f'<polygon points="{_fmt(x)},{_fmt(y - 5)} {_fmt(x + 5)},{_fmt(y + 4)} {_fmt(x - 5)},{_fmt(y + 4)}" '
            f'fill="{color}">{tip}</polygon>')
