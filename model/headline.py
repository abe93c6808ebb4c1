"""Headline measures of a results folder: final value, mean over the run, cumulative total.

A reader of a five-year run needs more than its final week: the mean over the run (or
over a window) shows what a policy did on the way, the cumulative total what it cost.
:func:`per_run` computes every headline measure for each run (counts scaled to the real
population, simulated event counts kept for the rare-event warning); :func:`table`
gives their median and 5-95 % range over replicates per design point.

Shares are fractions here and shown in percent by :func:`cell`; counts are totals over
the run at the real population's size; money is GBP.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model import outcomes as registry
from model.formatting import human, number
from model.results import ID_COLUMNS, Results

RARE_EVENTS = 20
"""Below this many simulated events per run (median), a count is flagged as imprecise."""
PRECISION_HINT = (
    "for precision, simulate more subscribers (population.subscribers) or more replicates"
)


@dataclass(frozen=True)
class Measure:
    """One headline measure.

    Attributes:
        key: ``<statistic>.<column>``: ``final.`` (last week), ``mean.`` (mean over the
            weeks), ``total.`` (sum over the weeks, scaled to the real population).
        label: what a person reads, with the statistic.
        kind: ``share`` (fraction, shown in %), ``count``, ``money`` (GBP) or ``index``.
        figure: the figure (file stem) that shows it.
    """

    key: str
    label: str
    kind: str
    figure: str

    @property
    def column(self) -> str:
        return self.key.split(".", 1)[1]

    @property
    def statistic(self) -> str:
        return self.key.split(".", 1)[0]


def _kind(outcome: registry.Outcome) -> str:
    if outcome.kind in ("share", "count"):
        return outcome.kind
    if outcome.factor == 100.0:  # a fraction of something other than subscribers, shown in %
        return "share"
    return "money" if outcome.unit.startswith("GBP") else "index"


def _figure(outcome: registry.Outcome) -> str:
    return (outcome.figure or "outcomes").replace("_", "-")  # the figure's file stem


def measures(columns: Sequence[str]) -> list[Measure]:
    """The headline measures available from a time series' ``columns``.

    The registry's reported outcomes (:data:`model.outcomes.REPORTED`): a final value is
    joined by the mean over the run for shares and levels; a total is the sum over the
    run. Then each party's total enforcement cost (the ``enforcement_cost.<party>`` family).
    """
    found = []
    for column in registry.REPORTED:
        how, weekly = registry.split_summary(column) or ("", "")
        outcome = registry.lookup(weekly)
        if outcome is None or weekly not in columns:
            continue
        kind, figure = _kind(outcome), _figure(outcome)
        if how == "final":
            found.append(Measure(f"final.{weekly}", f"{outcome.title}, final week", kind, figure))
            found.append(
                Measure(f"mean.{weekly}", f"{outcome.title}, mean over the run", kind, figure)
            )
        else:
            found.append(Measure(f"total.{weekly}", f"{outcome.title}, total", kind, figure))
    cost = registry.BY_NAME["enforcement_cost.<party>"]
    head = cost.name.split("<", 1)[0]
    for column in columns:
        if cost.matches(column):
            party = column.removeprefix(head)
            label = f"{cost.title} of {party}, total"
            found.append(Measure(f"total.{column}", label, _kind(cost), _figure(cost)))
    return found


def per_run(
    results: Results, window: tuple[int, int] | None = None, steps: int | None = None
) -> pd.DataFrame:
    """Every headline measure of every run in the time series.

    Args:
        window: weeks ``[first, last)`` for the means (default: the whole run).
        steps: use the first ``steps`` weeks only (to compare runs of different length).

    Returns:
        DataFrame with the id columns (and ``policy`` where present), one column per
        measure key, and ``events.<column>`` (simulated events per run) for counts.
    """
    ts = results.timeseries
    if steps is not None:
        ts = ts[ts["week"] < steps]
    by = [c for c in (*ID_COLUMNS, "policy") if c in ts]
    found = measures(list(ts.columns))
    weeks = ts if window is None else ts[(ts["week"] >= window[0]) & (ts["week"] < window[1])]
    ordered = ts.sort_values(["run_id", "week"])
    groups = ordered.groupby("run_id", sort=True)
    out = groups[by].first().reset_index(drop=True)
    index = groups.size().index
    for m in found:
        if m.statistic == "final":
            values = groups[m.column].last()
        elif m.statistic == "mean":
            values = weeks.groupby("run_id")[m.column].mean().reindex(index)
        else:
            values = groups[m.column].sum()
            if m.kind == "count":
                out[f"events.{m.column}"] = values.to_numpy(dtype=float)
                values = values * registry.real_factor(m.key, results.scale)
        out[m.key] = values.to_numpy(dtype=float)
    return out


def table(
    results: Results, window: tuple[int, int] | None = None, by: str = "point"
) -> pd.DataFrame:
    """Median and 5-95 % range over replicates of each headline measure, per point.

    Args:
        by: ``point`` (design point) or ``policy`` (pooling a policy's worlds).

    Returns:
        DataFrame[by, key, label, kind, figure, median, q05, q95, runs, events, rare]:
        ``events`` is the median number of simulated events per run behind a count
        (NaN otherwise) and ``rare`` whether it is below :data:`RARE_EVENTS`.
    """
    runs = per_run(results, window)
    rows = []
    for point, group in runs.groupby(by, sort=by == "point"):
        for m in measures(list(results.timeseries.columns)):
            values = group[m.key].dropna().to_numpy(dtype=float)
            if not len(values):
                continue
            q05, median, q95 = np.quantile(values, [0.05, 0.5, 0.95])
            events = float(np.median(group[f"events.{m.column}"])) if m.kind == "count" else np.nan
            rows.append(
                {
                    by: point,
                    "key": m.key,
                    "label": m.label,
                    "kind": m.kind,
                    "figure": m.figure,
                    "median": median,
                    "q05": q05,
                    "q95": q95,
                    "runs": len(values),
                    "events": events,
                    "rare": bool(events < RARE_EVENTS) if np.isfinite(events) else False,
                }
            )
    cols = [by, "key", "label", "kind", "figure", "median", "q05", "q95", "runs"]
    return pd.DataFrame(rows, columns=[*cols, "events", "rare"])


def show(value: float, kind: str) -> str:
    """One value in its reading unit: shares in %, money in GBP, counts rounded."""
    if pd.isna(value):
        return "n/a"
    if kind == "share":
        return f"{100 * value:.3g}%"
    if kind == "money":
        return f"GBP {human(value)}"
    if kind == "count":
        return human(value) if abs(value) >= 1e4 else f"{value:,.0f}"
    return number(value)


def cell(median: float, q05: float, q95: float, kind: str) -> str:
    """``median [q05–q95]`` in the measure's reading unit."""
    if kind == "money":
        return f"GBP {human(median)} [{human(q05)}–{human(q95)}]"
    return f"{show(median, kind)} [{show(q05, kind)}–{show(q95, kind)}]"


def rare_note(events: float) -> str:
    """The warning shown next to a count resting on few simulated events."""
    return f"rests on ~{events:.0f} simulated events per run: imprecise; {PRECISION_HINT}"
