"""Aggregations behind the figures: tidy time series in, small tidy DataFrames out.

Each function turns the time series (one row per run and week) into quantiles over runs
with pandas group-bys, never a Python loop over runs. Shares are fractions, counts are
per simulated population unless a scale is given, money is GBP as recorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from model import outcomes as registry

QUANTILES: dict[str, float] = {"q05": 0.05, "q25": 0.25, "median": 0.5, "q75": 0.75, "q95": 0.95}
"""Band columns and their quantiles over replicates."""


OUTCOMES: dict[str, tuple[str, str, float]] = {
    o.name: (o.title, o.axis, o.factor) for o in registry.figure_group("outcomes")
}
"""Outcome column -> (title, axis label with unit, factor from the recorded unit): the
outcome registry's ``outcomes`` figure group."""

FUNNEL: tuple[tuple[str, str, str | None], ...] = tuple(
    (
        o.title,
        o.name,
        next((w.name for w in registry.figure_group("funnel") if w.of == o.name), None),
    )
    for o in registry.figure_group("funnel")
    if o.of is None
)
"""Enforcement funnel, from the registry's ``funnel`` group: (stage, count column, wrongful
count column or None); a family (``warnings_level_<n>``) is one stage per member."""


def bands(timeseries: pd.DataFrame, column: str, by: str = "point") -> pd.DataFrame:
    """Median and 50 % / 90 % bands of ``column`` over runs, per series and week.

    Returns:
        DataFrame[by, week, median, q05, q25, q75, q95] in the column's recorded unit.
    """
    grouped = timeseries.groupby([by, "week"], sort=True, observed=True)[column]
    q = grouped.quantile(list(QUANTILES.values())).unstack()
    q.columns = list(QUANTILES)
    return q.reset_index()[[by, "week", "median", "q05", "q25", "q75", "q95"]]


def isp_shares(timeseries: pd.DataFrame, isps: Sequence[str], by: str = "point") -> pd.DataFrame:
    """Market-share bands per ISP: DataFrame[by, isp, week, median, q05, ..., q95] (fraction)."""
    frames = [
        bands(timeseries, f"market_share.{isp}", by).assign(isp=isp)
        for isp in isps
        if f"market_share.{isp}" in timeseries
    ]
    cols = [by, "isp", "week", *QUANTILES]
    if not frames:
        return pd.DataFrame(columns=cols)
    out = pd.concat(frames, ignore_index=True)[cols]
    return out.dropna(subset=["median"]).reset_index(drop=True)


def modal_stance(timeseries: pd.DataFrame, isp: str, by: str = "point") -> pd.DataFrame:
    """The most common stance of ``isp`` over runs each week.

    Returns:
        DataFrame[by, week, stance, share]: share is the fraction of runs in that stance.
    """
    col = f"stance.{isp}"
    counts = timeseries.groupby([by, "week", col], observed=True).size().rename("n").reset_index()
    totals = counts.groupby([by, "week"])["n"].transform("sum")
    counts["share"] = counts["n"] / totals
    counts = counts.sort_values([by, "week", "n", col], ascending=[True, True, False, True])
    modal = counts.drop_duplicates([by, "week"]).rename(columns={col: "stance"})
    modal["stance"] = modal["stance"].astype(str)
    return modal[[by, "week", "stance", "share"]].reset_index(drop=True)


def stance_changes(
    timeseries: pd.DataFrame, isps: Sequence[str], by: str = "point"
) -> pd.DataFrame:
    """Initial stance and every change of each ISP's modal stance over runs.

    Returns:
        DataFrame[by, isp, week, stance, share]: one row at the first week and one per
        week where the most common stance differs from the week before.
    """
    frames = []
    for isp in isps:
        if f"stance.{isp}" not in timeseries:
            continue
        m = modal_stance(timeseries, isp, by)
        changed = m["stance"].ne(m.groupby(by)["stance"].shift())
        frames.append(m[changed].assign(isp=isp))
    cols = [by, "isp", "week", "stance", "share"]
    return pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)


def funnel_stages(columns: Iterable[str]) -> list[tuple[str, str, str | None]]:
    """Funnel stages present in ``columns``: (stage label, count column, wrongful column)."""
    columns = list(columns)
    stages = []
    for title, name, wrongful in FUNNEL:
        outcome = registry.BY_NAME[name]
        if outcome.family is None:
            stages += [(title, name, wrongful)] if name in columns else []
            continue
        head, placeholder, tail = registry.FAMILY.split(name)
        found = [c for c in columns if outcome.matches(c)]
        member = {c: c[len(head) : len(c) - len(tail)] for c in found}
        found.sort(key=lambda c: int(member[c]) if member[c].isdigit() else member[c])
        stages += [(title.replace(f"<{placeholder}>", member[c]), c, None) for c in found]
    return stages


def funnel(
    timeseries: pd.DataFrame, scale: float | Mapping[Any, float], by: str = "point"
) -> pd.DataFrame:
    """Totals over the run of each enforcement stage, scaled to the real population.

    Args:
        timeseries: tidy time series with ``run_id``, ``by`` and the count columns.
        scale: accounts per simulated subscriber, one number or one per series.

    Returns:
        DataFrame[by, stage, column, median, q05, q95, wrongful_median, wrongful_q05,
        wrongful_q95, events]: quantiles over runs of per-run totals x scale (counts at the
        real population's size); wrongful columns are NaN for stages without a wrongful
        count; ``events`` is the median simulated (unscaled) total per run.
    """
    stages = funnel_stages(timeseries.columns)
    count_cols = list(dict.fromkeys(c for _, col, w in stages for c in (col, w) if c))
    totals = timeseries.groupby([by, "run_id"], observed=True)[count_cols].sum()
    factor = (
        totals.index.get_level_values(by).map(scale).to_numpy(dtype=float)
        if isinstance(scale, Mapping)
        else float(scale)
    )
    events = totals.groupby(level=by).median()
    totals = totals.mul(factor, axis=0)
    q = totals.groupby(level=by).quantile([0.05, 0.5, 0.95])
    rows = []
    for key in q.index.get_level_values(0).unique():
        for stage, col, wrong in stages:
            row = {by: key, "stage": stage, "column": col}
            for name, p in (("q05", 0.05), ("median", 0.5), ("q95", 0.95)):
                row[name] = q.at[(key, p), col]
                row[f"wrongful_{name}"] = q.at[(key, p), wrong] if wrong else np.nan
            row["events"] = events.at[key, col]
            rows.append(row)
    cols = [by, "stage", "column", "median", "q05", "q95"]
    cols += ["wrongful_median", "wrongful_q05", "wrongful_q95", "events"]
    return pd.DataFrame(rows, columns=cols)


PRESSURE_TO_NEXT = "pressure_to_next_stage"
"""Derived column: legislative pressure as % of the threshold the next stage needs."""


def pressure_to_next_stage(timeseries: pd.DataFrame, consultation: Any, bill: Any) -> pd.Series:
    """Legislative pressure as a percentage of the threshold the next stage needs.

    The regulator (docs/ODD.md) opens a consultation when pressure reaches the
    consultation threshold, introduces a bill at the bill threshold, and passes the law
    after the legislative lag if pressure is still at the consultation threshold. So
    100 % means the next stage opens (or the bill can pass); NaN once the law has passed.

    Args:
        consultation, bill: the thresholds (pressure units), scalars or one per row.
    """
    stage = timeseries["legislative_stage"].to_numpy()
    threshold = np.select(
        [stage == 0, stage == 1, stage == 2],
        [
            np.broadcast_to(consultation, stage.shape),
            np.broadcast_to(bill, stage.shape),
            np.broadcast_to(consultation, stage.shape),
        ],
        np.nan,
    ).astype(float)
    threshold[threshold <= 0] = np.nan  # a zero threshold is crossed at once
    pressure = timeseries["legislative_pressure"].to_numpy(dtype=float)
    return pd.Series(100.0 * pressure / threshold, index=timeseries.index, name=PRESSURE_TO_NEXT)


def stage_median(timeseries: pd.DataFrame, by: str = "point") -> pd.DataFrame:
    """Median legislative stage over runs: DataFrame[by, week, stage] (0 none .. 4 law)."""
    med = timeseries.groupby([by, "week"], observed=True)["legislative_stage"].median()
    return med.rename("stage").reset_index()


def law_passage(timeseries: pd.DataFrame, by: str = "point") -> pd.DataFrame:
    """When the law comes into force, per series.

    Returns:
        DataFrame[by, runs, passed, median_week, q05_week, q95_week]: ``passed`` is the
        fraction of runs in which the law came into force; the weeks are quantiles of the
        first week in force among those runs (NaN if none).
    """
    in_force = timeseries[timeseries["law_in_force"] > 0]
    first = in_force.groupby([by, "run_id"], observed=True)["week"].min()
    runs = timeseries.groupby(by, observed=True)["run_id"].nunique().rename("runs")
    passed = first.groupby(level=by).size().reindex(runs.index, fill_value=0) / runs
    q = first.groupby(level=by).quantile([0.5, 0.05, 0.95]).unstack()
    q = q.reindex(columns=[0.5, 0.05, 0.95]).reindex(runs.index)
    q.columns = ["median_week", "q05_week", "q95_week"]
    out = pd.concat([runs, passed.rename("passed"), q], axis=1).reset_index()
    return out[[by, "runs", "passed", "median_week", "q05_week", "q95_week"]]


def costs(timeseries: pd.DataFrame, parties: Sequence[str], by: str = "point") -> pd.DataFrame:
    """Each party's total enforcement cost over the run (GBP), quantiles over runs.

    Returns:
        DataFrame[by, party, median, q05, q95].
    """
    present = [p for p in parties if f"enforcement_cost.{p}" in timeseries]
    totals = timeseries.groupby([by, "run_id"], observed=True)[
        [f"enforcement_cost.{p}" for p in present]
    ].sum()
    totals.columns = present
    long = totals.melt(ignore_index=False, var_name="party", value_name="total").reset_index()
    long["party"] = pd.Categorical(long["party"], categories=present, ordered=True)
    q = long.groupby([by, "party"], observed=True)["total"].quantile([0.05, 0.5, 0.95])
    q = q.unstack()
    q.columns = ["q05", "median", "q95"]
    out = q.reset_index()
    out["party"] = out["party"].astype(str)
    return out[[by, "party", "median", "q05", "q95"]]


def final_vs_parameter(
    summary: pd.DataFrame, parameters: Sequence[str], column: str
) -> pd.DataFrame:
    """A final outcome over runs, per value of the swept parameters.

    Args:
        summary: ``summary.csv`` (one row per run).
        parameters: one or two swept parameter paths (columns of ``summary``).
        column: a summary column, e.g. ``final.infringing_share``.

    Returns:
        DataFrame[*parameters, median, q05, q25, q75, q95, runs], sorted by parameters.
    """
    grouped = summary.groupby(list(parameters), sort=True)[column]
    q = grouped.quantile(list(QUANTILES.values())).unstack()
    q.columns = list(QUANTILES)
    q["runs"] = grouped.size()
    return q.reset_index()[[*parameters, "median", "q05", "q25", "q75", "q95", "runs"]]
