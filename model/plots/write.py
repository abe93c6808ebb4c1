"""Every figure of a results folder, written to ``RESULTS_DIR/plots/``, then report.html."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

from model import style
from model.plots.draw import save
from model.plots.figures import (
    figure_funnel,
    figure_legislation,
    figure_market_shares,
    figure_money,
    figure_outcomes,
)
from model.plots.load import load_results
from model.plots.sweep import figure_sweep
from model.plots.timing import figure_event_timing, has_event_times
from model.plots.view import View, view_of
from model.report import write_report
from model.results import Results

FIGURES: dict[str, tuple[str, Callable[[View], tuple[Figure, dict]]]] = {
    "outcomes": ("Outcomes over time", figure_outcomes),
    "market-shares": ("ISP market shares and stances", figure_market_shares),
    "funnel": ("Enforcement funnel", figure_funnel),
    "legislation": ("Legislative pressure and stage", figure_legislation),
    "money": ("Revenue and enforcement costs", figure_money),
}
"""File stem -> (title, figure function)."""
LOOK_AT: dict[str, str] = {
    "outcomes": "Look at how far the infringing share (top left) falls after each step of "
    "enforcement and whether it drifts back; the shaded bands are the spread over runs.",
    "market-shares": "Look for an ISP losing or gaining customers after its stance changes "
    "(the markers): that is churn caused by enforcement.",
    "funnel": "Look at how few notices end in a sanction, and at the hatched part of each "
    "bar: the wrongful ones; ⚠ marks counts resting on too few simulated events.",
    "legislation": "Pressure is shown as a percentage of the threshold the next stage needs "
    "(100 % = the next stage opens): look at when it crosses 100 % and when the dashed line "
    "marks the law coming into force.",
    "money": "Look at whether the rights holders' weekly revenue (left, GBP million) rises "
    "by more than what each party spends on enforcement over the run (right, GBP million).",
    "event-timing": "Look at when the law passes and when each ISP first polices, and at "
    "where each curve ends: below 100 % means that in some runs it never happens (the "
    "institutions' decisions are random, so the runs disagree).",
    "sweep": "Look at which parameter values (or which policy's colour) move the final "
    "outcomes, and at how wide the bands are compared with the differences.",
}
"""File stem -> one sentence telling the reader what to look at."""
CAPTIONS: dict[str, tuple[str, str]] = {
    **{k: (v[0], LOOK_AT[k]) for k, v in FIGURES.items()},
    "event-timing": ("Event timing across runs", LOOK_AT["event-timing"]),
    "sweep": ("Final outcomes across the sweep", LOOK_AT["sweep"]),
}
"""File stem -> (title, what to look at): the report's figure captions."""


def figures(view: View, results: Results | None = None) -> dict[str, tuple[Figure, dict]]:
    """Every figure of a view, plus, for a results folder, the event timing across its runs
    (when its summary holds event times) and the sweep figure (when it is swept)."""
    out = {}
    with matplotlib.rc_context(style.RC):
        for stem, (_, make) in FIGURES.items():
            if stem == "market-shares" and not view.isps:
                continue
            out[stem] = make(view)
        if results is not None and has_event_times(results.summary):
            out["event-timing"] = figure_event_timing(view, results.summary)
        if results is not None and results.parameters and len(results.points) > 1:
            out["sweep"] = figure_sweep(results)
    return out


def plot_results(
    results_dir: str | Path,
    points: Sequence[int] | None = None,
    formats: Sequence[str] = ("png", "svg"),
    report: bool = True,
) -> list[Path]:
    """Write every figure of a results folder to ``RESULTS_DIR/plots/``, then report.html.

    Args:
        results_dir: a results folder (docs/results-layout.md).
        points: sweep points to draw in time-series figures (default: all, or
            MAX_SERIES evenly spaced).
        formats: image formats; the first (PNG by default) is embedded in the report.

    Returns:
        The first-format figure paths, then the report's path.

    Raises:
        PlotError: not a results folder, or an unknown sweep point.
    """
    results = load_results(results_dir, points=points, selected_only=True)
    view = view_of(results, points)
    out_dir = results.path / "plots"
    written = []
    with matplotlib.rc_context(style.RC):
        for stem, (fig, _) in figures(view, results).items():
            written.append(save(fig, out_dir, stem, formats))
    if report:
        written.append(write_report(results.path, written, results, CAPTIONS))
    return written
