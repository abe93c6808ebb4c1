"""Event timing across runs: the share of runs in which an institutional event has happened.

Institutional decisions are random (issue 12), so a law passes in different weeks in
different runs, or never. For the law and for each ISP's first policing stance, this
figure draws the cumulative share of runs in which the event has happened by week t,

    share(t) = (runs whose event week <= t) / (all runs of the series),

from the per-run event times of ``summary.csv`` (``week_law``,
``week_first_forward.<ISP>``: :data:`model.outcomes.RUN_EVENTS`, empty when the event
never happens in the run). A run where the event never happens stays in the
denominator, so the curve ends below 100 % by exactly the share of such runs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from model import style
from model.plots.draw import _add_notes, _figure
from model.plots.view import View

LAW = "week_law"
FIRST_POLICING = "week_first_forward."
LAW_LABEL = "Law passed"
LAW_REFERENCE = "#bbbbbb"
"""The law's curve drawn behind each ISP's, for reference (one series only)."""


def timed_events(summary: pd.DataFrame, isps: list[str]) -> dict[str, str]:
    """Event column -> label: the law, then each ISP's first policing stance (ISP order)."""
    out = {LAW: LAW_LABEL} if LAW in summary else {}
    for isp in isps:
        if f"{FIRST_POLICING}{isp}" in summary:
            out[f"{FIRST_POLICING}{isp}"] = isp
    return out


def share_by_week(weeks: pd.Series, steps: int) -> np.ndarray:
    """share[t] for t = 0 .. steps - 1: the share of runs with an event week <= t.

    ``weeks`` holds one run each; a missing value (the event never happened) counts in
    the denominator but never in the numerator.
    """
    if not len(weeks):
        return np.full(steps, np.nan)
    happened = pd.to_numeric(weeks, errors="coerce").dropna().to_numpy(dtype=float)
    counts = np.searchsorted(np.sort(happened), np.arange(steps), side="right")
    return counts / len(weeks)


def event_runs(summary: pd.DataFrame, view: View) -> pd.DataFrame:
    """The summary rows of the runs the view draws (its series and, if known, its runs)."""
    rows = summary[summary[view.by].isin(list(view.labels))] if view.by in summary else summary
    if "status" in rows:
        rows = rows[rows["status"] == "done"]
    if "run_id" in rows and "run_id" in view.timeseries:
        rows = rows[rows["run_id"].isin(view.timeseries["run_id"].unique())]
    return rows


def event_timing(summary: pd.DataFrame, view: View) -> pd.DataFrame:
    """Tidy cumulative shares: one row per (series, event, week) with ``share`` and ``runs``.

    ``share`` is :func:`share_by_week` of the series' runs; ``runs`` is their number;
    ``label`` names the event (the ISP's name for its first policing stance).
    """
    rows = event_runs(summary, view)
    events = timed_events(rows, view.isps)
    weeks = np.arange(view.steps)
    frames = []
    for key in view.labels:
        runs = rows[rows[view.by] == key] if view.by in rows else rows
        for column, label in events.items():
            frames.append(
                pd.DataFrame(
                    {
                        view.by: key,
                        "event": column,
                        "label": label,
                        "week": weeks,
                        "share": share_by_week(runs[column], view.steps),
                        "runs": len(runs),
                    }
                )
            )
    columns = [view.by, "event", "label", "week", "share", "runs"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def figure_event_timing(
    view: View, summary: pd.DataFrame
) -> tuple[Figure, dict[str, pd.DataFrame]]:
    """When the law passes and each ISP first polices: share of runs, by week.

    One panel per event (the law, then each ISP), one step line per series (sweep point
    or policy). Each panel states the share of runs in which the event happened by the
    run's last week; with one series, ISP panels show the law's curve in grey behind.
    """
    data = event_timing(summary, view)
    events = list(dict.fromkeys(data["event"]))
    keys = list(view.labels)
    colours = view.colours if len(keys) > 1 else dict.fromkeys(keys, style.colours(["x"])["x"])
    ncols = min(3, max(1, len(events)))
    nrows = max(1, -(-len(events) // ncols))
    fig = _figure(view, "event timing across runs", (13, 1.6 + 3.0 * nrows))
    axes = np.atleast_1d(fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False))
    axes = axes.ravel()
    last = view.steps - 1
    law = data[data["event"] == LAW]
    for ax, event in zip(axes, events, strict=False):
        d = data[data["event"] == event]
        if event != LAW and len(keys) == 1 and len(law):
            ax.step(
                view.time.x(law["week"]),
                law["share"] * 100,
                where="post",
                color=LAW_REFERENCE,
                lw=5,
                label="law passed",
            )
        ends = []
        for key in keys:
            g = d[d[view.by] == key]
            if g.empty:
                continue
            ax.step(
                view.time.x(g["week"]),
                g["share"] * 100,
                where="post",
                color=colours[key],
                lw=1.8,
                label=view.labels[key],
            )
            ends.append((key, float(g["share"].iloc[-1]), int(g["runs"].iloc[0])))
        label = str(d["label"].iloc[0])
        ax.set_title(LAW_LABEL if event == LAW else f"{label}: first policing stance")
        by_end = "\n".join(
            (f"{view.labels[k]}: " if len(keys) > 1 else "") + f"{e:.0%} of {n} runs"
            for k, e, n in ends
        )
        ax.text(
            0.02,
            0.97,
            f"by week {last}:\n{by_end}",
            transform=ax.transAxes,
            va="top",
            fontsize=9,
            color="#333333",
        )
        ax.set_ylabel("% of runs")
        ax.set_ylim(-2, 102)
        view.time.format(ax)
        ax.tick_params(labelbottom=True)
    for ax in axes[len(events) :]:
        ax.axis("off")
    handles = [Line2D([], [], color=colours[k], lw=1.8, label=view.labels[k]) for k in keys]
    if len(keys) == 1:
        handles = [
            Line2D([], [], color=colours[keys[0]], lw=1.8, label="the event (panel title)"),
            Line2D([], [], color=LAW_REFERENCE, lw=5, label="the law passed"),
        ]
    fig.legend(handles=handles, loc="outside right upper", title="Share of runs in which")
    _add_notes(
        fig,
        view,
        ["share of runs in which the event has happened by each week; a run where it "
         "never happens counts in every week's denominator, so the curve ends below "
         "100 % by the share of such runs."],
    )  # fmt: skip
    return fig, {"timing": data}


def has_event_times(summary: pd.DataFrame) -> bool:
    """Whether ``summary.csv`` holds per-run event times (runs made before them do not)."""
    return LAW in summary or any(c.startswith(FIRST_POLICING) for c in summary.columns)
