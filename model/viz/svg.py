"""Small SVG charts (line and bar) for the visualiser's views.

Matplotlib takes 0.2-0.3 s of CPU per figure here, so four live charts would make a
step take over a second; these SVG strings take well under a millisecond each and are
drawn by the browser. Offline by construction: no JavaScript, no CDN.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 460, 250
LEFT, RIGHT, TOP, BOTTOM = 52, 150, 28, 34
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")


@dataclass(frozen=True)
class Series:
    """One line: x and y values, a legend label, an optional colour and dash pattern.

    ``outer`` and ``inner`` are optional (low, high) bands around the line (the 90 % and
    50 % ranges across runs), drawn shaded in the line's colour; ``markers`` are
    ``(x, text)`` points marked on the line with a short text (a stance change).
    """

    label: str
    x: Sequence[float]
    y: Sequence[float]
    color: str | None = None
    dash: str | None = None
    outer: tuple[Sequence[float], Sequence[float]] | None = None
    inner: tuple[Sequence[float], Sequence[float]] | None = None
    markers: Sequence[tuple[float, str]] = ()


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
        return f"{value / 1e6:.4g}M"
    if abs(value) >= 1e3:
        return f"{value / 1e3:.4g}k"
    return f"{value:.4g}"


def _frame(title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" style="max-width:{WIDTH * 1.6}px" font-family="sans-serif" font-size="11">'
        f'<text x="{WIDTH / 2}" y="16" text-anchor="middle" font-size="13" '
        f'font-weight="bold">{escape(title)}</text>' + "".join(body) + "</svg>"
    )


MAX_POINTS = 100
"""Points drawn per line or band edge: more than the plot's width in pixels would only
enlarge the page sent on each step (260 weeks x 14 lines x 3 edges)."""


def thinned(n: int, limit: int = MAX_POINTS) -> list[int]:
    """Indices of at most about ``limit`` evenly spaced points of ``n``, the last kept."""
    if n <= limit:
        return list(range(n))
    stride = math.ceil(n / limit)
    keep = list(range(0, n, stride))
    return keep if keep[-1] == n - 1 else [*keep, n - 1]


def line_chart(
    title: str,
    series: Sequence[Series],
    y_label: str = "",
    x_label: str = "week",
    y_min: float = 0.0,
    y_max: float | None = None,
    bands: Sequence[tuple[float, float, str, str]] = (),
    x_format: Callable[[float], str] | None = None,
) -> str:
    """A line chart as an SVG string.

    Args:
        series: the lines; the legend lists their labels at the right (each label once).
        y_min, y_max: the y range (``y_max`` None: from the data, bands included).
        bands: shaded x intervals ``(x0, x1, colour, label)`` (e.g. legislative stages).
        x_format: tick text of an x value (dates for weeks); None: the number.
    """
    xs = [x for s in series for x in s.x]
    ys = [y for s in series for y in s.y if not math.isnan(y)]
    ys += [y for s in series if s.outer for y in s.outer[1] if not math.isnan(y)]
    if not xs:
        body = [
            f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" fill="#666">'
            "Press Step or Play</text>"
        ]
        return _frame(title, body)
    x0, x1 = min(xs), max(max(xs), min(xs) + 1)
    top = y_max if y_max is not None else max(ys, default=y_min)
    if top - y_min < 1e-9:
        top = y_min + 1.0  # all values at the floor: a unit-high axis, not 1e-9
    yticks = nice_ticks(y_min, top)
    y0, y1 = min(y_min, yticks[0]), max(yticks[-1], top)
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
    for t in nice_ticks(x0, x1, 4 if x_format else 5):
        if x0 <= t <= x1:
            text = x_format(t) if x_format else _fmt(t)
            body.append(
                f'<text x="{px(t):.1f}" y="{TOP + ph + 14}" text-anchor="middle">{text}</text>'
            )
    body.append(
        f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#888"/>'
        f'<text x="{LEFT + pw / 2}" y="{HEIGHT - 4}" text-anchor="middle">{escape(x_label)}</text>'
        f'<text transform="translate(12 {TOP + ph / 2}) rotate(-90)" text-anchor="middle">'
        f"{escape(y_label)}</text>"
    )

    def clip(y: float) -> float:
        return py(min(max(y, y0), y1))

    for i, s in enumerate(series):
        colour = s.color or PALETTE[i % len(PALETTE)]
        for band, opacity in ((s.outer, 0.15), (s.inner, 0.25)):
            if band is None or not len(s.x):
                continue
            low, high = band
            keep = thinned(len(s.x))
            edge = [f"{px(s.x[i]):.1f},{clip(high[i]):.1f}" for i in keep]
            edge += [f"{px(s.x[i]):.1f},{clip(low[i]):.1f}" for i in reversed(keep)]
            body.append(
                f'<polygon class="band" points="{" ".join(edge)}" fill="{colour}" '
                f'opacity="{opacity}" stroke="none"/>'
            )
    legend_y = TOP + 8
    seen: set[str] = set()
    for i, s in enumerate(series):
        colour = s.color or PALETTE[i % len(PALETTE)]
        dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
        points = " ".join(
            f"{px(s.x[i]):.1f},{clip(s.y[i]):.1f}"
            for i in thinned(len(s.x))
            if not math.isnan(s.y[i])
        )
        body.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'
        )
        lookup = dict(zip(s.x, s.y, strict=True))
        for x, text in s.markers:
            y = clip(lookup.get(x, y0))
            body.append(
                f'<g class="marker"><circle cx="{px(x):.1f}" cy="{y:.1f}" r="4" fill="white" '
                f'stroke="{colour}" stroke-width="2"/><text x="{px(x):.1f}" y="{y - 7:.1f}" '
                f'text-anchor="middle" font-size="9" fill="{colour}">{escape(text)}</text>'
                f"<title>{escape(s.label)}: {escape(text)} from week {x:g}</title></g>"
            )
        if s.label in seen:
            continue
        seen.add(s.label)
        body.append(
            f'<line x1="{LEFT + pw + 8}" x2="{LEFT + pw + 24}" y1="{legend_y}" y2="{legend_y}" '
            f'stroke="{colour}" stroke-width="2"{dash}/>'
            f'<text x="{LEFT + pw + 28}" y="{legend_y + 4}">{escape(s.label)}</text>'
        )
        legend_y += 15
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


@dataclass(frozen=True)
class BarGroup:
    """One configuration's bars: medians and (low, high) ranges across runs."""

    label: str
    color: str
    values: Sequence[float]
    low: Sequence[float] | None = None
    high: Sequence[float] | None = None


def range_bars(title: str, labels: Sequence[str], groups: Sequence[BarGroup], unit: str) -> str:
    """Horizontal bars (one per group and label) with whiskers for their ranges."""
    left, gap = 130, 8
    pw = WIDTH - left - 120
    bar_h = max(6.0, (HEIGHT - TOP - BOTTOM - gap * len(labels)) / len(labels) / len(groups))
    top = max([1.0, *(v for g in groups for v in (g.high or g.values))])
    body = []
    for i, label in enumerate(labels):
        y0 = TOP + 4 + i * (bar_h * len(groups) + gap)
        body.append(
            f'<text x="{left - 6}" y="{y0 + bar_h * len(groups) / 2 + 4:.1f}" '
            f'text-anchor="end">{escape(label)}</text>'
        )
        for j, g in enumerate(groups):
            y = y0 + j * bar_h
            w = g.values[i] / top * pw
            text = _short(g.values[i])
            body.append(
                f'<rect x="{left}" y="{y:.1f}" width="{max(w, 0.5):.1f}" height="{bar_h - 1:.1f}" '
                f'fill="{g.color}" opacity="0.8"><title>{escape(g.label)}</title></rect>'
            )
            end = w
            if g.low is not None and g.high is not None and g.high[i] > g.low[i]:
                lo, hi = g.low[i] / top * pw, g.high[i] / top * pw
                mid = y + bar_h / 2
                body.append(
                    f'<line class="range" x1="{left + lo:.1f}" x2="{left + hi:.1f}" '
                    f'y1="{mid:.1f}" y2="{mid:.1f}" stroke="#222" stroke-width="1.5"/>'
                )
                text += f" ({_short(g.low[i])}-{_short(g.high[i])})"
                end = max(w, hi)
            body.append(
                f'<text x="{left + end + 4:.1f}" y="{y + bar_h / 2 + 3:.1f}" '
                f'font-size="9">{text}</text>'
            )
    legend_x = left
    if len(groups) > 1:
        for g in groups:
            body.append(
                f'<rect x="{legend_x}" y="{HEIGHT - 26}" width="12" height="8" fill="{g.color}"/>'
                f'<text x="{legend_x + 16}" y="{HEIGHT - 18}">{escape(g.label)}</text>'
            )
            legend_x += 90
    body.append(
        f'<text x="{left + pw / 2}" y="{HEIGHT - 4}" text-anchor="middle">{escape(unit)}</text>'
    )
    return _frame(title, body)


@dataclass(frozen=True)
class Interval:
    """A difference and its interval, in the outcome's unit."""

    label: str
    unit: str
    mean: float
    low: float
    high: float


def interval_rows(title: str, rows: Sequence[Interval], color: str) -> str:
    """One row per outcome: the difference (dot) and its interval (bar) around a zero
    line; each row on its own symmetric scale (outcomes have different units)."""
    left, right = 120, 150
    pw = WIDTH - left - right
    row_h = (HEIGHT - TOP - BOTTOM) / max(len(rows), 1)
    mid = left + pw / 2
    body = [
        f'<line x1="{mid}" x2="{mid}" y1="{TOP}" y2="{HEIGHT - BOTTOM}" stroke="#888" '
        f'stroke-dasharray="3,3"/>'
    ]
    for i, r in enumerate(rows):
        y = TOP + (i + 0.5) * row_h
        ends = [abs(v) for v in (r.mean, r.low, r.high) if not math.isnan(v)]
        reach = max([*ends, 1e-12]) * 1.1

        def px(v: float, reach: float = reach) -> float:
            return mid + v / reach * (pw / 2)

        body.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(r.label)}</text>'
        )
        if not math.isnan(r.low):
            body.append(
                f'<line class="interval" x1="{px(r.low):.1f}" x2="{px(r.high):.1f}" '
                f'y1="{y:.1f}" y2="{y:.1f}" stroke="{color}" stroke-width="4" opacity="0.5"/>'
            )
        span = "" if math.isnan(r.low) else f" [{_short(r.low)}, {_short(r.high)}]"
        body.append(
            f'<circle cx="{px(r.mean):.1f}" cy="{y:.1f}" r="4" fill="{color}">'
            f"<title>{escape(r.label)}: {escape(r.unit)}</title></circle>"
            f'<text x="{left + pw + 6}" y="{y + 4:.1f}" font-size="10">'
            f"{_signed(r.mean)}{span}</text>"
        )
    body.append(
        f'<text x="{mid}" y="{HEIGHT - 4}" text-anchor="middle">'
        "B minus A (each row on its own scale; 0 dashed)</text>"
    )
    return _frame(title, body)


def _short(value: float) -> str:
    """3 significant digits (k, M for thousands, millions)."""
    if abs(value) >= 1e6:
        return f"{value / 1e6:.3g}M"
    if abs(value) >= 1e3:
        return f"{value / 1e3:.3g}k"
    return f"{value:.3g}"


def _signed(value: float) -> str:
    return ("+" if value > 0 else "") + _short(value)
