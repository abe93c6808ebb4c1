"""The visualiser's charts of the live runs, as SVG strings (see :mod:`model.viz.svg`).

Each chart reads arm A and, in an A/B comparison, arm B (:class:`model.viz.ensemble.Arm`).
With several runs a line is the median across runs, with its 50 % and 90 % bands; with
one run it is that run. A is drawn solid and B dashed, each in its colour from
:func:`model.style.colours` (the same order, so the same colours as ``compare``). ISPs
keep their colours from the scenario's order. Shares are plotted in % of subscribers;
counts in real accounts (simulated subscribers times the scale). Each chart comes with
a one-line caption (:class:`Chart`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from model import outcomes, style
from model.params import STAGES
from model.viz.ensemble import Arm, Band, differences, spread
from model.viz.svg import BarGroup, Interval, Series, interval_rows, line_chart, range_bars

FUNNEL = ("notices_sent", "notices_handled", "sanction_cases", "sanctions", "wrongful_sanctions")
"""Enforcement funnel stages (outcome columns; titles and units from the registry)."""


def outcome(column: str) -> outcomes.Outcome:
    """The registry's entry of a recorded column (titles, units, display factors)."""
    found = outcomes.lookup(column)
    assert found is not None, f"{column} is not in model/outcomes.py"
    return found


STAGE_COLOURS = {
    "none": "#ffffff",
    "consultation": "#ffe08a",
    "bill": "#ffb347",
    "passed": "#f08a5d",
    "law": "#e0625a",
}
STANCE_LETTERS = {"refuse": "R", "forward": "F", "graduated": "G", "disconnect": "D"}
DASH = {"A": None, "B": "6,3"}
LAW_COLOUR = "#7f7f7f"
"""The law's line in the event timing panel: grey, outside the palette the ISPs take
their colours from (its seventh colour is black)."""


@dataclass(frozen=True)
class Chart:
    """A chart and the one-line caption shown under it."""

    key: str
    svg: str
    caption: str


def arm_colours() -> dict[str, str]:
    """A and B in the project's order of colours (``style.colours``)."""
    return {str(k): v for k, v in style.colours(["A", "B"]).items()}


def date_axis(start_date: str | None, weeks: int = 0) -> tuple[str, Callable[[float], str] | None]:
    """The x-axis label and tick format: dates from the scenario's start (day and month
    over the first half year of a run, then month and year)."""
    if not start_date:
        return "week", None
    start = dt.date.fromisoformat(start_date)
    pattern = "%d %b" if weeks < 26 else "%b %Y"

    def fmt(week: float) -> str:
        return (start + dt.timedelta(weeks=week)).strftime(pattern)

    return f"date (week 0 = {start.isoformat()})", fmt


def _line(
    arm: Arm, band: Band, label: str, colour: str, dash: str | None, bands: bool = True, **kw
) -> Series:
    x = band.weeks.tolist()
    several = arm.runs > 1 and bands
    return Series(
        label,
        x,
        band.median.tolist(),
        colour,
        dash,
        outer=(band.p05.tolist(), band.p95.tolist()) if several else None,
        inner=(band.p25.tolist(), band.p75.tolist()) if several else None,
        **kw,
    )


def _arms(a: Arm, b: Arm | None) -> list[Arm]:
    return [a] if b is None else [a, b]


def _who(a: Arm, b: Arm | None) -> str:
    runs = f"median of {a.runs} runs, bands 50 % and 90 %" if a.runs > 1 else "one run"
    return f"{runs}; A solid, B dashed" if b is not None else runs


def infringing(a: Arm, b: Arm | None, start: str | None) -> Chart:
    colours = arm_colours()
    x_label, fmt = date_axis(start, a.week)
    o = outcome("infringing_share")
    lines = [
        _line(arm, arm.band(o.name, o.factor), arm.label, colours[arm.label], None)
        for arm in _arms(a, b)
    ]
    lows = [min(s.outer[0] if s.outer else s.y, default=0.0) for s in lines]
    floor = 0.8 * min(lows, default=0.0)  # the spread across runs stays visible
    svg = line_chart(o.title, lines, o.axis, x_label, y_min=floor, x_format=fmt)
    return Chart(
        "infringing",
        svg,
        f"Share of subscribers sharing infringing files each week ({_who(a, b)}).",
    )


def alternatives(a: Arm, b: Arm | None, start: str | None) -> Chart:
    colours = arm_colours()
    x_label, fmt = date_axis(start, a.week)
    lines = []
    legal, vpn = outcome("legal_share"), outcome("vpn_share")
    for arm in _arms(a, b):
        colour = colours[arm.label]
        tag = f" ({arm.label})" if b is not None else ""
        for o, dash in ((legal, None), (vpn, "2,3")):
            lines.append(_line(arm, arm.band(o.name, o.factor), f"{o.title}{tag}", colour, dash))
    title = f"{legal.title} and {vpn.title}"
    svg = line_chart(title, lines, "% of subscribers", x_label, x_format=fmt)
    return Chart(
        "alternatives",
        svg,
        f"Subscribers using the legal service (solid) or a VPN (dotted) ({_who(a, b)}).",
    )


def traffic(a: Arm, b: Arm | None, start: str | None) -> Chart:
    """Volume-weighted P2P traffic (index, no enforcement = 100), the top decile's share of
    sharing volume and the share of notices going to subscribers noticed before (%)."""
    colours = arm_colours()
    x_label, fmt = date_axis(start, a.week)
    lines = []
    shown = (("p2p_traffic", None), ("traffic_top_decile_share", "2,3"))
    shown += (("repeat_notice_share", "6,2"),)
    for arm in _arms(a, b):
        tag = f" ({arm.label})" if b is not None else ""
        for column, dash in shown:
            o = outcome(column)
            band = arm.band(o.name, o.factor)
            lines.append(_line(arm, band, f"{o.title}{tag}", colours[arm.label], dash))
    svg = line_chart("Traffic and repeat notices", lines, "index / %", x_label, x_format=fmt)
    return Chart(
        "traffic",
        svg,
        "P2P traffic index (solid, 100 = no enforcement), the top 10 % of sharers' share of "
        f"volume (dotted) and repeat notices (dashed) ({_who(a, b)}).",
    )


def market(a: Arm, b: Arm | None, start: str | None) -> Chart:
    isp_colours = style.colours(a.isps)
    x_label, fmt = date_axis(start, a.week)
    share = outcome(f"market_share.{a.isps[0]}")
    lines = []
    for arm in _arms(a, b):
        changes = arm.stance_changes(0)
        for name in arm.isps:
            marks = [(w, STANCE_LETTERS[s]) for w, s in changes[name]]
            lines.append(
                _line(
                    arm,
                    arm.band(f"market_share.{name}", share.factor),
                    name,
                    isp_colours[name],
                    DASH[arm.label],
                    bands=b is None,  # 14 banded lines in A/B would hide each other
                    markers=marks,
                )
            )
    svg = line_chart(f"{share.title} by ISP", lines, share.axis, x_label, x_format=fmt)
    run = "run 1" + (" of A and of B" if b is not None else "")
    what = "medians, A solid, B dashed" if b is not None else _who(a, b)
    return Chart(
        "market",
        svg,
        f"Each ISP's share of subscribers ({what}); letters mark {run}'s stance changes "
        "(R refuse, F forward, G graduated, D disconnect).",
    )


def funnel(a: Arm, b: Arm | None) -> Chart:
    colours = arm_colours()
    groups = []
    for arm in _arms(a, b):
        spreads = [spread(arm.totals(c)) for c in FUNNEL]
        several = arm.runs > 1
        groups.append(
            BarGroup(
                arm.label,
                colours[arm.label],
                [s.median for s in spreads],
                [s.low for s in spreads] if several else None,
                [s.high for s in spreads] if several else None,
            )
        )
    units = dict.fromkeys(outcome(c).unit.split(" (")[0] for c in FUNNEL)
    where = "real population" if a.scale != 1 else "as simulated"
    unit = f"{' or '.join(units)} so far ({where})"
    titles = [outcome(c).title for c in FUNNEL]
    svg = range_bars("Enforcement funnel so far", titles, groups, unit)
    ranges = ", lines: lowest to highest run" if a.runs > 1 else ""
    return Chart(
        "funnel",
        svg,
        f"Notices, handling, sanction cases and sanctions summed over the weeks so far "
        f"(median{ranges}).",
    )


def legislation(
    a: Arm, b: Arm | None, consultation: float, bill: float, start: str | None
) -> Chart:
    colours = arm_colours()
    x_label, fmt = date_axis(start, a.week)
    pressure_outcome = outcome("legislative_pressure")
    lines = [
        _line(
            arm,
            arm.band(pressure_outcome.name),
            f"pressure ({arm.label})" if b else "pressure",
            colours[arm.label],
            DASH[arm.label],
        )
        for arm in _arms(a, b)
    ]
    weeks = a.weeks().tolist()
    stages = []
    if weeks:
        span = [weeks[0], weeks[-1]]
        lines.append(Series("consultation threshold", span, [consultation] * 2, "#a33", "2,3"))
        lines.append(Series("bill threshold", span, [bill] * 2, "#a33", "7,4"))
        if a.runs == 1 and b is None:
            stage = a.values("legislative_stage")[0]
            stages = [
                (
                    w,
                    min(w + 1, weeks[-1]),
                    STAGE_COLOURS[STAGES[int(s)]],
                    f"stage: {STAGES[int(s)]}",
                )
                for w, s in zip(weeks, stage, strict=True)
                if STAGES[int(s)] != "none"
            ]
    pressure = a.values("legislative_pressure")
    top = max(bill * 1.1, float(pressure.max()) * 1.1 if pressure.size else 0.0)
    svg = line_chart(
        pressure_outcome.title,
        lines,
        pressure_outcome.axis,
        x_label,
        y_max=top,
        bands=stages,
        x_format=fmt,
    )
    shading = "shading: legislative stage" if stages else "when the law passes: see Event timing"
    return Chart(
        "legislation",
        svg,
        f"Pressure on government to legislate against its consultation and bill thresholds "
        f"({shading}).",
    )


def timing(a: Arm, b: Arm | None, start: str | None) -> Chart:
    """Share of runs with the law in force, and in which each ISP has started policing."""
    isp_colours = style.colours(a.isps)
    x_label, fmt = date_axis(start, a.week)
    law = outcome("law_in_force").title.lower()
    lines = []
    for arm in _arms(a, b):
        weeks = arm.weeks().tolist()
        dash = DASH[arm.label]
        lines.append(Series(law, weeks, (100 * arm.law_share()).tolist(), LAW_COLOUR, dash))
        for name, share in arm.policing_share().items():
            lines.append(
                Series(f"{name} policing", weeks, (100 * share).tolist(), isp_colours[name], dash)
            )
    svg = line_chart("Event timing", lines, "% of runs", x_label, y_max=100.0, x_format=fmt)
    who = "A solid, B dashed" if b is not None else f"{a.runs} run{'s' if a.runs > 1 else ''}"
    return Chart(
        "timing",
        svg,
        f"Share of runs in which the law is in force, and in which each ISP has started "
        f"policing (any regime but refuse) by each week ({who}).",
    )


def difference(a: Arm, b: Arm) -> Chart:
    """B minus A for the key outcomes with the paired 95 % interval (by replicate)."""
    table = differences(a, b) if a.week else None
    rows = []
    if table is not None:
        rows = [
            Interval(r.title, r.unit, r.mean_diff, r.paired_low, r.paired_high)
            for r in table.itertuples()
        ]
    svg = interval_rows("B minus A", rows, arm_colours()["B"])
    return Chart(
        "difference",
        svg,
        f"Mean difference B minus A over {a.runs} paired runs (same seeds), with its 95 % "
        "paired interval: shares in % in the latest week, counts so far (real population).",
    )
