"""What a figure draws: the series (sweep points, or scenarios in a comparison), their
labels and colours, the time axis, and the notes shown under a figure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import dates as mdates

from model import style
from model.formatting import point_labels
from model.plots.aggregate import PRESSURE_TO_NEXT, pressure_to_next_stage
from model.plots.load import by_policy, select_points
from model.results import Results
from model.scenario import Scenario


@dataclass
class TimeAxis:
    """Week numbers on the x axis as calendar dates from the start date, if one is given."""

    start: pd.Timestamp | None = None

    def x(self, weeks: Any) -> Any:
        """Plot coordinates of week numbers (dates when a start date is known)."""
        if self.start is None:
            return np.asarray(weeks, dtype=float)
        days = np.asarray(weeks, dtype=float) * 7.0
        return (self.start + pd.to_timedelta(days, unit="D")).to_numpy()

    def label(self) -> str:
        if self.start is None:
            return "Week of the simulation"
        return f"Year (week 0 = {self.start:%d %b %Y})"

    def format(self, ax) -> None:
        ax.set_xlabel(self.label())
        if self.start is not None:
            locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


@dataclass
class View:
    """What to draw: a time series with a series column and how to label and colour it.

    Attributes:
        timeseries: rows of the runs drawn; column ``by`` names each row's series.
        by: the series column (``point`` for one results folder, ``series`` in compare).
        labels: legend label per series key (in drawing order).
        scale: accounts per simulated subscriber, one number or one per series.
        isps: ISP names (colour order); parties: parties with enforcement costs.
        time: the x axis; title: figure title prefix; notes: caveats shown in figures.
    """

    timeseries: pd.DataFrame
    by: str
    labels: dict[Any, str]
    scale: float | dict[Any, float]
    isps: list[str]
    parties: list[str]
    time: TimeAxis
    title: str
    steps: int
    notes: list[str] = field(default_factory=list)
    missing_isps: dict[Any, list[str]] = field(default_factory=dict)

    def within_steps(self) -> pd.DataFrame:
        """Rows of the first ``steps`` weeks (all rows unless compared runs differ in length)."""
        ts = self.timeseries
        return ts if int(ts["week"].max()) < self.steps else ts[ts["week"] < self.steps]

    @property
    def colours(self) -> dict[Any, str]:
        return style.colours(self.labels)

    @property
    def isp_colours(self) -> dict[str, str]:
        return style.colours(self.isps)

    @property
    def scale_text(self) -> str:
        scales = set(self.scale.values()) if isinstance(self.scale, dict) else {self.scale}
        if scales == {1.0}:
            return "counts as simulated"
        return "counts scaled to the real population"


def view_of(results: Results, points: Sequence[int] | None = None) -> View:
    """The view of one results folder: one series per (selected) sweep point.

    A design with several policies (and no ``points`` asked for) is drawn with one
    series per policy, pooling its worlds and replicates.
    """
    if not points and by_policy(results.summary) and "policy" in results.timeseries:
        return _policy_view(results)
    chosen = select_points(results, points)
    ts = results.timeseries
    if len(chosen) < len(results.points):
        ts = ts[ts["point"].isin(chosen)]
    ts = with_pressure_to_next_stage(ts, results.scenario)
    labels = point_labels(results)
    notes = []
    if len(chosen) < len(results.points):
        notes.append(
            f"{len(chosen)} of {len(results.points)} sweep points shown "
            "(choose others with --points)."
        )
    return View(
        timeseries=ts,
        by="point",
        labels={p: labels[p] for p in chosen},
        **_common(results),
        notes=notes,
    )


def _policy_view(results: Results) -> View:
    ts = with_pressure_to_next_stage(results.timeseries, results.scenario)
    policies = list(dict.fromkeys(results.summary["policy"]))
    worlds = ts["world"].nunique()
    total = results.summary["world"].nunique()
    shown = f"{worlds} of {total} worlds" if worlds < total else f"all {total} worlds"
    note = (
        f"one band per policy, over {shown} x {ts['replicate'].nunique()} replicates "
        "(one sweep point with --points)."
    )
    return View(
        timeseries=ts,
        by="policy",
        labels={p: p for p in policies},
        **_common(results),
        notes=[note],
    )


def _common(results: Results) -> dict[str, Any]:
    return {
        "scale": results.scale,
        "isps": results.isps(),
        "parties": results.parties(),
        "time": TimeAxis(_start(results.scenario)),
        "title": results.name,
        "steps": results.steps,
    }


CONSULTATION = "regulator.consultation_threshold"
BILL = "regulator.bill_threshold"


def with_pressure_to_next_stage(ts: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """``ts`` with the derived :data:`PRESSURE_TO_NEXT` column (if pressure is recorded).

    The thresholds are the scenario's, or the run's own where they are swept.
    """
    if "legislative_pressure" not in ts or "legislative_stage" not in ts:
        return ts
    reg = scenario.regulator
    consultation = ts[CONSULTATION] if CONSULTATION in ts else reg.consultation_threshold
    bill = ts[BILL] if BILL in ts else reg.bill_threshold
    return ts.assign(**{PRESSURE_TO_NEXT: pressure_to_next_stage(ts, consultation, bill)})


def _start(scenario: Scenario) -> pd.Timestamp | None:
    try:
        return pd.Timestamp(scenario.start_date) if scenario.start_date else None
    except ValueError:
        return None
