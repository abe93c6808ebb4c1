"""Reading a results folder for drawing: the columns the figures need, the points drawn.

The reader is :func:`model.results.load`; this module checks the folder is one, keeps
the time series to the plotted columns (bounded memory for large sweeps) and chooses
which design points a time-series figure draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from model import outcomes as registry
from model import results as results_io
from model.results import MANIFEST, SUMMARY, TIMESERIES, Results


class PlotError(Exception):
    """Input that cannot be plotted: not a results folder, nothing in common to compare."""


MAX_SERIES = 6
"""Sweep points drawn by default in time-series figures (evenly spaced over the design)."""
MAX_WORLDS = 50
"""Worlds per policy read for the bands of a policy sweep (evenly spaced over the design)."""


def plotted(column: str) -> bool:
    """Whether a time-series column is drawn by some figure (has a figure group in the
    outcome registry), or is the week."""
    if column == registry.WEEK:
        return True
    outcome = registry.lookup(column)
    return outcome is not None and outcome.figure is not None


def load_results(
    path: str | Path, points: Sequence[int] | None = None, selected_only: bool = False
) -> Results:
    """Read a results folder (docs/results-layout.md) for drawing, or raise :class:`PlotError`.

    Args:
        points: sweep points to draw (see :func:`select_points`).
        selected_only: read the time series of the points drawn only (bounded memory for
            large sweeps); else every point's.
    """
    path = Path(path)
    if not path.is_dir():
        raise PlotError(f"{path}: no such folder")
    missing = [f for f in (MANIFEST, TIMESERIES, SUMMARY) if not (path / f).is_file()]
    if missing:
        raise PlotError(
            f"{path} is not a results folder (missing {', '.join(missing)}); "
            "`conduit run SCENARIO` writes one"
        )
    try:
        chosen = _points_to_read(path, points) if selected_only else None
        res = results_io.load(path, columns=plotted, points=chosen)
    except (OSError, ValueError, KeyError) as err:
        raise PlotError(f"{path}: cannot read the results: {err}") from err
    ts = res.timeseries
    if "week" not in ts.columns or "point" not in ts.columns:
        raise PlotError(f"{path}/{TIMESERIES}: no 'week' or 'point' column")
    for col in ts.columns:
        if col.startswith("stance."):
            ts[col] = ts[col].astype("category")
    return res


def _points_to_read(path: Path, points: Sequence[int] | None) -> list[int] | None:
    """Design points whose time series a drawing needs (None: all of them).

    Asked-for points, else :func:`choose_points`; a policy sweep drawn by policy reads
    every policy's runs in up to :data:`MAX_WORLDS` evenly spaced worlds.
    """
    try:
        summary = pd.read_csv(path / SUMMARY)
    except pd.errors.EmptyDataError:
        return None
    if "point" not in summary or summary.empty:
        return None
    available = sorted(int(p) for p in summary["point"].unique())
    if not points and by_policy(summary):
        worlds = sorted(summary["world"].unique())
        keep = set(choose_points(worlds, None, path, MAX_WORLDS))
        chosen = sorted(int(p) for p in summary.loc[summary["world"].isin(keep), "point"].unique())
    else:
        chosen = choose_points(available, points, path)
    return chosen if len(chosen) < len(available) else None


def by_policy(summary: pd.DataFrame) -> bool:
    """Whether a design has several policies (drawn as one series per policy)."""
    return "policy" in summary and "world" in summary and summary["policy"].nunique() > 1


def choose_points(
    available: Sequence[int],
    points: Sequence[int] | None,
    where: object = "results",
    most: int = MAX_SERIES,
) -> list[int]:
    """Sweep points to draw: those asked for, else all (or ``most`` evenly spaced)."""
    available = list(available)
    if points:
        bad = [p for p in points if p not in available]
        if bad:
            raise PlotError(f"{where}: no sweep point {bad}; points are 0..{max(available)}")
        return list(dict.fromkeys(int(p) for p in points))
    if len(available) <= most:
        return available
    idx = np.unique(np.linspace(0, len(available) - 1, most).round().astype(int))
    return [available[i] for i in idx]


def select_points(results: Results, points: Sequence[int] | None = None) -> list[int]:
    """Sweep points of ``results`` to draw (see :func:`choose_points`)."""
    return choose_points(results.points, points, results.path)
