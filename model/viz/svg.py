"""Small SVG charts (line and bar) for the visualiser's views.

Matplotlib takes 0.2-0.3 s of CPU per figure here, so four live charts would make a
step take over a second; these SVG strings take well under a millisecond each and are
drawn by the browser. Offline by construction: no JavaScript, no CDN.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 460, 250
LEFT, RIGHT, TOP, BOTTOM = 52, 150, 28, 34
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")


@dataclass(frozen=True)
class Series:
    """One line: x and y values, a legend label, an optional colour and dash pattern."""

    label: str
    x: Sequence[float]
    y: Sequence[float]
    color: str | None = None
    dash: str | None = None


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values covering [low, high]."""
    if high <= low:
        high = low + 1.0
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks, value = [], first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _fmt(value: float) -> str:
    if abs(value) >= 1e6:
        return f"{value / 1e6:g}M"
    if abs(value) >= 1e3:
        return f"{value / 1e3:g}k"
    return f"{value:g}"


def _frame(title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" style="max-width:{WIDTH * 1.6}px" font-family="sans-serif" font-size="11">'
        f'<text x="{WIDTH / 2}" y="16" text-anchor="middle" font-size="13" '
        f'font-weight="bold">{escape(title)}</text>' + "".join(body) + "</svg>"
    )


def line_chart(
    title: str,
    series: Sequence[Series],
    y_label: str = "",
    x_label: str = "week",
    y_min: float = 0.0,
    y_max: float | None = None,
    bands: Sequence[tuple[float, float, str, str]] = (),
) -> str:
    """A line chart as an SVG string.

    Args:
        series: the lines; the legend lists their labels at the right.
        y_min, y_max: the y range (``y_max`` None: from the data).
        bands: shaded x intervals ``(x0, x1, colour, label)`` (e.g. legislative stages).
    """
    xs = [x for s in series for x in s.x]
    ys = [y for s in series for y in s.y if not math.isnan(y)]
    if not xs:
        body = [
            f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" fill="#666">'
            "Press Step or Play</text>"
        ]
        return _frame(title, body)
    x0, x1 = min(xs), max(max(xs), min(xs) + 1)
    top = y_max if y_max is not None else max([*ys, y_min + 1e-9])
    yticks = nice_ticks(y_min, top)
    y0, y1 = y_min, max(yticks[-1], top)
    pw, ph = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(x: float) -> float:
        return LEFT + (x - x0) / (x1 - x0) * pw

    def py(y: float) -> float:
        return TOP + ph - (y - y0) / (y1 - y0) * ph

    body: list[str] = []
    for b0, b1, colour, _ in bands:
        body.append(
            f'<rect x="{px(b0):.1f}" y="{TOP}" width="{max(px(b1) - px(b0), 0.5):.1f}" '
            f'height="{ph}" fill="{colour}" opacity="0.25"/>'
        )
    for t in yticks:
        body.append(
            f'<line x1="{LEFT}" x2="{LEFT + pw}" y1="{py(t):.1f}" y2="{py(t):.1f}" stroke="#ddd"/>'
            f'<text x="{LEFT - 4}" y="{py(t) + 4:.1f}" text-anchor="end">{_fmt(t)}</text>'
        )
    for t in nice_ticks(x0, x1):
        if x0 <= t <= x1:
            body.append(
                f'<text x="{px(t):.1f}" y="{TOP + ph + 14}" text-anchor="middle">{_fmt(t)}</text>'
            )
    body.append(
        f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#888"/>'
        f'<text x="{LEFT + pw / 2}" y="{HEIGHT - 4}" text-anchor="middle">{escape(x_label)}</text>'
        f'<text transform="translate(12 {TOP + ph / 2}) rotate(-90)" text-anchor="middle">'
        f"{escape(y_label)}</text>"
    )
    legend_y = TOP + 8
    for i, s in enumerate(series):
        colour = s.color or PALETTE[i % len(PALETTE)]
        dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
        points = " ".join(
            f"{px(x):.1f},{py(min(max(y, y0), y1)):.1f}"
            for x, y in zip(s.x, s.y, strict=True)
            if not math.isnan(y)
        )
        body.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'
        )
        body.append(
            f'<line x1="{LEFT + pw + 8}" x2="{LEFT + pw + 24}" y1="{legend_y}" y2="{legend_y}" '
            f'stroke="{colour}" stroke-width="2"{dash}/>'
            f'<text x="{LEFT + pw + 28}" y="{legend_y + 4}">{escape(s.label)}</text>'
        )
        legend_y += 15
    seen: set[str] = set()
    for _, _, colour, label in bands:
        if label in seen:
            continue
        seen.add(label)
        body.append(
            f'<rect x="{LEFT + pw + 8}" y="{legend_y - 5}" width="16" height="10" '
            f'fill="{colour}" opacity="0.4"/>'
            f'<text x="{LEFT + pw + 28}" y="{legend_y + 4}">{escape(label)}</text>'
        )
        legend_y += 15
    return _frame(title, body)


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float], unit: str) -> str:
    """Horizontal bars with their values (an enforcement funnel), as an SVG string."""
    left, bar_h, gap = 130, 22, 10
    pw = WIDTH - left - 80
    top = max([*values, 1.0])
    body = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = TOP + 6 + i * (bar_h + gap)
        w = value / top * pw
        colour = PALETTE[i % len(PALETTE)]
        body.append(
            f'<text x="{left - 6}" y="{y + bar_h / 2 + 4}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{left}" y="{y}" width="{max(w, 0.5):.1f}" height="{bar_h}" '
            f'fill="{colour}"/>'
            f'<text x="{left + w + 4:.1f}" y="{y + bar_h / 2 + 4}">{value:,.0f}</text>'
        )
    body.append(
        f'<text x="{left + pw / 2}" y="{HEIGHT - 4}" text-anchor="middle">{escape(unit)}</text>'
    )
    return _frame(title, body)
