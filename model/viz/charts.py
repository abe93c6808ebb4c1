"""The visualiser's charts of a running model, as SVG strings (see :mod:`model.viz.svg`).

Each function takes the model's weekly outcomes (``PolicyModel.outcomes()``, one row a
week). Shares are fractions of subscribers, plotted in %; counts are simulated
subscribers times ``scale`` (real accounts per simulated one).
"""

from __future__ import annotations

import pandas as pd

from model.params import STAGES
from model.viz.svg import Series, bar_chart, line_chart

FUNNEL = (
    ("notices_sent", "Notices sent"),
    ("notices_handled", "Handled by ISPs"),
    ("sanction_cases", "Sanction cases"),
    ("sanctions", "Sanctions"),
    ("wrongful_sanctions", "Wrongful sanctions"),
)
"""Enforcement funnel stages: outcome column, label."""

STAGE_COLOURS = {"none": "#ffffff", "consultation": "#ffe08a", "bill": "#ffb347", "law": "#e0625a"}


def _series(frame: pd.DataFrame, column: str, label: str, factor: float = 100.0, **kw) -> Series:
    return Series(label, frame["week"].tolist(), (factor * frame[column]).tolist(), **kw)


def behaviour(frame: pd.DataFrame) -> str:
    """Infringing, legal-service and VPN shares of subscribers over time (%)."""
    lines = (
        []
        if frame.empty
        else [
            _series(frame, "infringing_share", "Infringing"),
            _series(frame, "legal_share", "Legal service"),
            _series(frame, "vpn_share", "VPN"),
        ]
    )
    return line_chart("Subscribers: infringing, legal, VPN", lines, "% of subscribers")


def traffic(frame: pd.DataFrame) -> str:
    """P2P traffic index (no enforcement = 100), the top decile's share of sharing volume
    and the share of notices going to subscribers noticed before (%)."""
    lines = (
        []
        if frame.empty
        else [
            _series(frame, "p2p_traffic", "P2P traffic index", factor=1.0),
            _series(frame, "traffic_top_decile_share", "Top-decile share of volume (%)"),
            _series(frame, "repeat_notice_share", "Repeat notices (% of notices)"),
        ]
    )
    return line_chart("Traffic and repeat notices", lines, "index / %")


def market(frame: pd.DataFrame, isps: list[str]) -> str:
    """ISP market shares over time (%), each labelled with its current stance."""
    lines = []
    if not frame.empty:
        last = frame.iloc[-1]
        lines = [_series(frame, f"market_share.{n}", f"{n} ({last[f'stance.{n}']})") for n in isps]
    return line_chart("ISP market shares (current stance)", lines, "% of subscribers")


def funnel_totals(frame: pd.DataFrame, scale: float) -> list[float]:
    """Cumulative counts of each funnel stage so far (real accounts)."""
    return [scale * float(frame[c].sum()) if not frame.empty else 0.0 for c, _ in FUNNEL]


def funnel(frame: pd.DataFrame, scale: float) -> str:
    """Cumulative notices, handling, cases and sanctions so far (real accounts)."""
    unit = "accounts" if scale != 1 else "simulated accounts"
    return bar_chart(
        "Enforcement funnel so far",
        [label for _, label in FUNNEL],
        funnel_totals(frame, scale),
        unit,
    )


def legislation(frame: pd.DataFrame, consultation: float, bill: float) -> str:
    """Legislative pressure against the consultation and bill thresholds; stages shaded."""
    if frame.empty:
        return line_chart("Legislative pressure and stage", [], "pressure")
    weeks = frame["week"].tolist()
    n = len(weeks)
    bands = [
        (w, min(w + 1, weeks[-1]), STAGE_COLOURS[STAGES[s]], STAGES[s])
        for w, s in zip(weeks, frame["legislative_stage"], strict=True)
        if STAGES[s] != "none"
    ]
    lines = [
        _series(frame, "legislative_pressure", "pressure", factor=1.0, color="#a33"),
        Series("consultation", [weeks[0], weeks[-1]], [consultation] * 2, "#a33", "2,3"),
        Series("bill", [weeks[0], weeks[-1]], [bill] * 2, "#a33", "7,4"),
    ]
    top = max(bill * 1.1, float(frame["legislative_pressure"].max()) * 1.1) if n else bill
    return line_chart("Legislative pressure and stage", lines, "pressure", y_max=top, bands=bands)
