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

from model import measures as summary_measures
from model import outcomes as registry
from model.formatting import human, number
from model.results import ID_COLUMNS, Results

RARE_EVENTS = summary_measures.RARE_EVENTS
"""Below this many simulated events per run (median), a count is flagged as imprecise."""
PRECISION_HINT = (
    "for precision, simulate more subscribers (population.subscribers) or more replicates"
)


@dataclass(frozen=True)
class Measure:
    """One headline measure: a registry summary measure, labelled for a reader.

    Attributes:
        summary: what is computed per run (:class:`model.measures.SummaryMeasure`):
            final value, mean or total over a window (counts scaled to the real
            population), or a discounted total.
        label: what a person reads, with the statistic.
        kind: ``share`` (fraction, shown in %), ``count``, ``money`` (GBP) or ``index``.
        figure: the figure (file stem) that shows it.
    """

    summary: summary_measures.SummaryMeasure
    label: str
    kind: str
    figure: str

    @property
    def key(self) -> str:
        """Its name, e.g. ``mean.infringing_share``, ``total[0:52].sanctions``."""
        return self.summary.name

    @property
    def column(self) -> str:
        return self.summary.column

    @property
    def statistic(self) -> str:
        return self.summary.statistic


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
        wanted = ("final", "mean") if how == "final" else ("total",)
        found += [_measure(f"{stat}.{weekly}") for stat in wanted]
    cost = registry.BY_NAME["enforcement_cost.<party>"]
    found += [_measure(f"total.{column}") for column in columns if cost.matches(column)]
    return found


def _measure(text: str) -> Measure:
    """A headline measure from its registry name (a whole-run total reads ", total")."""
    summary = summary_measures.parse_measure(text)
    outcome = summary.outcome
    label = summary.describe()
    if summary.statistic == "total" and summary.window is None:
        label = label.replace(", total over the run", ", total")
    return Measure(summary, label, _kind(outcome), _figure(outcome))


def declared(results: Results) -> list[Measure]:
    """The summary measures the scenario declares (``summaries:``), for these results."""
    columns = set(results.timeseries.columns)
    return [m for m in map(_measure, results.scenario.summaries) if m.column in columns]


def per_run(results: Results, steps: int | None = None) -> pd.DataFrame:
    """Every headline measure (and every measure the scenario declares) of every run.

    Args:
        steps: use the first ``steps`` weeks only (to compare runs of different length).

    Returns:
        DataFrame with the id columns (and ``policy`` where present), one column per
        measure key, and ``events.<key>`` (simulated events per run) for count totals.
    """
    ts = results.timeseries
    if steps is not None:
        ts = ts[ts["week"] < steps]
    by = [c for c in (*ID_COLUMNS, "policy") if c in ts]
    ordered = ts.sort_values(["run_id", "week"])
    groups = ordered.groupby("run_id", sort=True)
    out = groups[by].first().reset_index(drop=True)
    index = groups.size().index
    for m in all_measures(results, list(ts.columns)):
        s = m.summary
        rows = ordered
        if s.window is not None:
            rows = rows[(rows["week"] >= s.window[0]) & (rows["week"] < s.window[1])]
        values = rows.groupby("run_id", sort=True)[s.column]
        if s.statistic == "final":
            result = values.last()
        elif s.statistic == "mean":
            result = values.mean()
        elif s.statistic == "total":
            result = values.sum()
        else:
            weight = (1.0 + float(s.rate or 0.0)) ** (-rows["week"].to_numpy(dtype=float) / 52.0)
            result = (rows[s.column] * weight).groupby(rows["run_id"], sort=True).sum()
        result = result.reindex(index).astype(float)
        if m.kind == "count" and s.statistic == "total":
            out[f"events.{m.key}"] = result.to_numpy()
            result = result * registry.real_factor(f"total.{s.column}", results.scale)
        out[m.key] = result.to_numpy()
    return out


def all_measures(results: Results, columns: Sequence[str]) -> list[Measure]:
    """The default headline measures, then those the scenario declares (no duplicates)."""
    found = {m.key: m for m in measures(columns)}
    for m in declared(results):
        found.setdefault(m.key, m)
    return list(found.values())


def table(results: Results, by: str = "point") -> pd.DataFrame:
    """Median and 5-95 % range over replicates of each headline measure, per point.

    Args:
        by: ``point`` (design point) or ``policy`` (pooling a policy's worlds).

    Returns:
        DataFrame[by, key, label, kind, figure, median, q05, q95, runs, events, rare]:
        ``events`` is the median number of simulated events per run behind a count
        (NaN otherwise) and ``rare`` whether it is below :data:`RARE_EVENTS`.
    """
    runs = per_run(results)
    rows = []
    for point, group in runs.groupby(by, sort=by == "point"):
        for m in all_measures(results, list(results.timeseries.columns)):
            values = group[m.key].dropna().to_numpy(dtype=float)
            if not len(values):
                continue
            q05, median, q95 = np.quantile(values, [0.05, 0.5, 0.95])
            events = (
                float(np.median(group[f"events.{m.key}"])) if f"events.{m.key}" in group else np.nan
            )
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
    if events == 0:
        return f"rests on no simulated event: a rare one could be missed; {PRECISION_HINT}"
    return f"rests on ~{events:.0f} simulated events per run: imprecise; {PRECISION_HINT}"


def key_outcomes(summary: pd.DataFrame) -> list[tuple[str, str, bool]]:
    """(label, summary column, scaled to the real population?) of the key outcomes
    (:data:`model.outcomes.KEY_OUTCOMES`), then the ISPs' final market shares."""
    found = [(label, col, registry.is_scaled(col)) for label, col in registry.KEY_OUTCOMES]
    found = [f for f in found if f[1] in summary.columns]
    isps = [c for c in summary.columns if c.startswith("final.market_share.")]
    found += [(f"share {c.removeprefix('final.market_share.')}", c, False) for c in isps]
    return found


def point_digest(summary: pd.DataFrame, scale: float = 1.0) -> pd.DataFrame:
    """Per sweep point and key outcome: median, 5% and 95% quantiles over replicates.

    Counts (sanctions) are totals over the run times ``scale`` (real accounts per
    simulated subscriber), i.e. at the real population's size; shares are in percent
    (their label ends in "(%)"). A count whose median simulated total is below
    :data:`RARE_EVENTS` at some point is flagged in its label.

    Columns: ``point``, ``outcome`` (label), ``median``, ``p05``, ``p95``, ``n`` (replicates).
    """
    rows = []
    for point, group in summary.groupby("point", sort=True):
        for label, col, scaled in key_outcomes(summary):
            percent = (
                registry.summary_outcome(col) or registry.lookup(col.split(".", 1)[-1])
            ).kind == "share"
            factor = (scale if scaled else 1.0) * (100.0 if percent else 1.0)
            values = group[col].astype(float).to_numpy() * factor
            label = f"{label} (%)" if percent else label
            if scaled and (summary.groupby("point")[col].median() < RARE_EVENTS).any():
                label = f"{label} ⚠ <{RARE_EVENTS} simulated/run"  # see the findings
            p05, median, p95 = np.quantile(values, [0.05, 0.5, 0.95])
            rows.append(
                {
                    "point": point,
                    "outcome": label,
                    "median": median,
                    "p05": p05,
                    "p95": p95,
                    "n": len(values),
                }
            )
    return pd.DataFrame(rows, columns=["point", "outcome", "median", "p05", "p95", "n"])
