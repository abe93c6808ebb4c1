"""Figures of a results folder, and side-by-side comparisons of several.

Two layers, so the numbers behind every figure can be checked:

- aggregation functions (:func:`bands`, :func:`isp_shares`, :func:`stance_changes`,
  :func:`funnel`, :func:`law_passage`, :func:`stage_median`, :func:`costs`,
  :func:`final_vs_parameter`) turn the tidy time series (one row per run and week) into
  small tidy DataFrames with pandas group-bys, never a Python loop over runs;
- figure functions (``figure_*``) take a :class:`View` (what to draw and how to colour
  it), call the aggregations and return ``(Figure, data)``: the matplotlib figure and a
  dict of the DataFrames drawn.

:func:`plot_results` writes every figure of a results folder to ``RESULTS_DIR/plots/`` and
then ``report.html``; :func:`compare` overlays several results folders. Figures are built
with matplotlib's object API (no pyplot, no global figure registry) and rendered by Agg.

Units: shares are drawn in % of subscribers; counts are scaled to the real population
the scenario represents (``manifest["scale"]`` accounts per simulated subscriber);
money is in GBP as recorded by the model (already at the real population's scale).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from matplotlib import dates as mdates
from matplotlib import ticker
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from model import style
from model.scenario import Scenario

matplotlib.use("Agg")


class PlotError(Exception):
    """Input that cannot be plotted: not a results folder, nothing in common to compare."""


QUANTILES: dict[str, float] = {"q05": 0.05, "q25": 0.25, "median": 0.5, "q75": 0.75, "q95": 0.95}
"""Band columns and their quantiles over replicates."""

OUTCOMES: dict[str, tuple[str, str, float]] = {
    "infringing_share": ("Infringing share", "% of subscribers sharing that week", 100.0),
    "p2p_traffic": ("P2P traffic", "index (no enforcement = 100)", 1.0),
    "legal_share": ("Legal service share", "% of subscribers using it", 100.0),
    "vpn_share": ("VPN share", "% of subscribers with a VPN", 100.0),
    "suspended_share": ("Suspended share", "% of subscribers suspended", 100.0),
    "traffic_top_decile_share": ("Top-decile traffic share", "% of sharing volume", 100.0),
    "repeat_notice_share": ("Repeat-notice share", "% of handled notices", 100.0),
}
"""Outcome column -> (title, axis label with unit, factor from the recorded unit)."""

FUNNEL: tuple[tuple[str, str, str | None], ...] = (
    ("Notices sent", "notices_sent", "wrongful_notices"),
    ("Notices handled by ISPs", "notices_handled", None),
    # warnings_level_<n> stages are inserted here (see funnel_stages)
    ("Sanctions applied", "sanctions", "wrongful_sanctions"),
)
"""Enforcement funnel: (stage, count column, wrongful count column or None)."""

ID_COLUMNS = ("run_id", "point", "replicate")
PLOT_COLUMNS = (
    "week",
    *OUTCOMES,
    "notices_sent",
    "notices_handled",
    "sanctions",
    "wrongful_notices",
    "wrongful_sanctions",
    "legislative_pressure",
    "legislative_stage",
    "law_in_force",
    "rights_holder_revenue",
)
PLOT_PREFIXES = ("market_share.", "stance.", "enforcement_cost.", "warnings_level_")
MAX_SERIES = 6
"""Sweep points drawn by default in time-series figures (evenly spaced over the design)."""


# --------------------------------------------------------------------------- reading
@dataclass
class Results:
    """A results folder, read for plotting (only the columns the figures need).

    Attributes:
        path: the folder.
        manifest: ``manifest.json``.
        scenario: the resolved scenario.
        parameters: swept parameter paths (empty without a sweep).
        summary: ``summary.csv``, one row per run.
        timeseries: ``timeseries.parquet`` (ids, swept parameters, plotted outcomes).
    """

    path: Path
    manifest: dict[str, Any]
    scenario: Scenario
    parameters: list[str]
    summary: pd.DataFrame
    timeseries: pd.DataFrame

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def scale(self) -> float:
        """Real accounts per simulated subscriber (multiply counts by it)."""
        return float(self.manifest.get("scale") or 1.0)

    @property
    def steps(self) -> int:
        """Weeks recorded per run."""
        return int(self.timeseries["week"].max()) + 1 if len(self.timeseries) else 0

    @property
    def points(self) -> list[int]:
        """Every sweep point of the experiment (the time series may hold only some)."""
        source = self.summary if len(self.summary) else self.timeseries
        return sorted(int(p) for p in source["point"].unique())

    def isps(self) -> list[str]:
        """ISP names with a market-share column, in the scenario's order."""
        present = {c.split(".", 1)[1] for c in self.timeseries if c.startswith("market_share.")}
        return [i.name for i in self.scenario.isps if i.name in present] + sorted(
            present - {i.name for i in self.scenario.isps}
        )

    def parties(self) -> list[str]:
        """Parties with an enforcement-cost column, in column order."""
        return [c.split(".", 1)[1] for c in self.timeseries if c.startswith("enforcement_cost.")]

    def point_labels(self) -> dict[int, str]:
        """Legend label per sweep point: ``param=value, ...`` (scenario name without a sweep)."""
        if not self.parameters:
            return {p: self.name for p in self.points}
        short = _short_names(self.parameters)
        first = self.summary.drop_duplicates("point").set_index("point")
        return {
            p: ", ".join(f"{short[k]}={_fmt(first.at[p, k])}" for k in self.parameters)
            if p in first.index and all(k in first.columns for k in self.parameters)
            else f"point {p}"
            for p in self.points
        }


def _short_names(paths: Sequence[str]) -> dict[str, str]:
    """Shortest unambiguous dotted suffix of each parameter path."""
    out = {}
    for path in paths:
        parts = path.split(".")
        for n in range(1, len(parts) + 1):
            name = ".".join(parts[-n:])
            if sum(p.endswith(name) for p in paths) == 1:
                break
        out[path] = name
    return out


def _fmt(value: Any) -> str:
    return f"{value:g}" if isinstance(value, int | float | np.number) else str(value)


def _wanted(column: str, parameters: Iterable[str]) -> bool:
    return (
        column in ID_COLUMNS
        or column in PLOT_COLUMNS
        or column in parameters
        or column.startswith(PLOT_PREFIXES)
    )


def load_results(
    path: str | Path, points: Sequence[int] | None = None, selected_only: bool = False
) -> Results:
    """Read a results folder (docs/results-layout.md), or raise :class:`PlotError`.

    Args:
        points: sweep points to draw (see :func:`select_points`).
        selected_only: read the time series of the points drawn only (bounded memory for
            large sweeps); else every point's.

    Uses ``model.results.load`` for the manifest, scenario and summary where it exists;
    the time series is read column-selectively from ``timeseries.parquet`` either way so
    memory stays bounded for large sweeps.
    """
    path = Path(path)
    if not path.is_dir():
        raise PlotError(f"{path}: no such folder")
    missing = [
        f
        for f in ("manifest.json", "timeseries.parquet", "summary.csv")
        if not (path / f).is_file()
    ]
    if missing:
        raise PlotError(
            f"{path} is not a results folder (missing {', '.join(missing)}); "
            "`conduit run SCENARIO` writes one"
        )
    try:
        manifest, scenario, parameters, summary = _load_meta(path)
    except (OSError, ValueError, KeyError) as err:
        raise PlotError(f"{path}: cannot read the results: {err}") from err
    ts_file = path / "timeseries.parquet"
    columns = [c for c in pq.read_schema(ts_file).names if _wanted(c, parameters)]
    filters = None
    if selected_only and len(summary):
        available = sorted(int(p) for p in summary["point"].unique())
        chosen = choose_points(available, points, path)
        if len(chosen) < len(available):
            filters = [("point", "in", chosen)]
    ts = pd.read_parquet(ts_file, columns=columns, filters=filters)
    for col in ts.columns:
        if col.startswith("stance."):
            ts[col] = ts[col].astype("category")
    if "week" not in ts.columns or "point" not in ts.columns:
        raise PlotError(f"{path}/timeseries.parquet: no 'week' or 'point' column")
    return Results(path, manifest, scenario, list(parameters), summary, ts)


def _load_meta(path: Path) -> tuple[dict, Scenario, list[str], pd.DataFrame]:
    """Manifest, scenario, swept parameters and summary, as ``model.results.load`` reads them.

    (``model.results.load`` also reads every column of the time series, which a
    1000-run sweep cannot afford just to draw a few outcomes, so it is not called here.)
    """
    manifest = json.loads((path / "manifest.json").read_text())
    scenario = Scenario.model_validate(manifest["scenario"])
    parameters = list(manifest.get("parameters") or [])
    try:
        summary = pd.read_csv(path / "summary.csv")
    except pd.errors.EmptyDataError:
        summary = pd.DataFrame(columns=list(ID_COLUMNS))
    return manifest, scenario, parameters, summary


# --------------------------------------------------------------------------- aggregation
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
    columns = set(columns)
    levels = sorted(int(c.rsplit("_", 1)[1]) for c in columns if c.startswith("warnings_level_"))
    ordinal = {1: "First", 2: "Second", 3: "Third", 4: "Fourth"}
    warnings = [
        (f"{ordinal.get(n, f'Level-{n}')} warnings", f"warnings_level_{n}", None) for n in levels
    ]
    stages = [*FUNNEL[:2], *warnings, *FUNNEL[2:]]
    return [s for s in stages if s[1] in columns]


def funnel(
    timeseries: pd.DataFrame, scale: float | Mapping[Any, float], by: str = "point"
) -> pd.DataFrame:
    """Totals over the run of each enforcement stage, scaled to the real population.

    Args:
        timeseries: tidy time series with ``run_id``, ``by`` and the count columns.
        scale: accounts per simulated subscriber, one number or one per series.

    Returns:
        DataFrame[by, stage, column, median, q05, q95, wrongful_median, wrongful_q05,
        wrongful_q95]: quantiles over runs of per-run totals x scale (counts at the real
        population's size); wrongful columns are NaN for stages without a wrongful count.
    """
    stages = funnel_stages(timeseries.columns)
    count_cols = list(dict.fromkeys(c for _, col, w in stages for c in (col, w) if c))
    totals = timeseries.groupby([by, "run_id"], observed=True)[count_cols].sum()
    factor = (
        totals.index.get_level_values(by).map(scale).to_numpy(dtype=float)
        if isinstance(scale, Mapping)
        else float(scale)
    )
    totals = totals.mul(factor, axis=0)
    q = totals.groupby(level=by).quantile([0.05, 0.5, 0.95])
    rows = []
    for key in q.index.get_level_values(0).unique():
        for stage, col, wrong in stages:
            row = {by: key, "stage": stage, "column": col}
            for name, p in (("q05", 0.05), ("median", 0.5), ("q95", 0.95)):
                row[name] = q.at[(key, p), col]
                row[f"wrongful_{name}"] = q.at[(key, p), wrong] if wrong else np.nan
            rows.append(row)
    cols = [by, "stage", "column", "median", "q05", "q95"]
    cols += ["wrongful_median", "wrongful_q05", "wrongful_q95"]
    return pd.DataFrame(rows, columns=cols)


def stage_median(timeseries: pd.DataFrame, by: str = "point") -> pd.DataFrame:
    """Median legislative stage over runs: DataFrame[by, week, stage] (0 none .. 3 law)."""
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


# --------------------------------------------------------------------------- views
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


def choose_points(
    available: Sequence[int], points: Sequence[int] | None, where: object = "results"
) -> list[int]:
    """Sweep points to draw: those asked for, else all (or MAX_SERIES evenly spaced)."""
    available = list(available)
    if points:
        bad = [p for p in points if p not in available]
        if bad:
            raise PlotError(f"{where}: no sweep point {bad}; points are 0..{max(available)}")
        return list(dict.fromkeys(int(p) for p in points))
    if len(available) <= MAX_SERIES:
        return available
    idx = np.unique(np.linspace(0, len(available) - 1, MAX_SERIES).round().astype(int))
    return [available[i] for i in idx]


def select_points(results: Results, points: Sequence[int] | None = None) -> list[int]:
    """Sweep points of ``results`` to draw (see :func:`choose_points`)."""
    return choose_points(results.points, points, results.path)


def view_of(results: Results, points: Sequence[int] | None = None) -> View:
    """The view of one results folder: one series per (selected) sweep point."""
    chosen = select_points(results, points)
    ts = results.timeseries
    if len(chosen) < len(results.points):
        ts = ts[ts["point"].isin(chosen)]
    labels = results.point_labels()
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
        scale=results.scale,
        isps=results.isps(),
        parties=results.parties(),
        time=TimeAxis(_start(results.scenario)),
        title=results.name,
        steps=results.steps,
        notes=notes,
    )


def _start(scenario: Scenario) -> pd.Timestamp | None:
    try:
        return pd.Timestamp(scenario.start_date) if scenario.start_date else None
    except ValueError:
        return None


# --------------------------------------------------------------------------- drawing
def _figure(view: View, title: str, size: tuple[float, float]) -> Figure:
    fig = Figure(figsize=size, dpi=style.DPI, layout="constrained")
    fig.suptitle(f"{view.title}: {title}")
    return fig


def _add_notes(fig: Figure, view: View, extra: Sequence[str] = ()) -> None:
    notes = [*view.notes, *extra]
    if notes:
        fig.supxlabel(
            "\n".join(f"Note: {n}" for n in notes), x=0.01, ha="left", fontsize=9, color="#444444"
        )


def _draw_bands(ax, data: pd.DataFrame, view: View, factor: float = 1.0) -> None:
    """Median line with 50 % and 90 % bands, one colour per series."""
    colours = view.colours
    for key, label in view.labels.items():
        g = data[data[view.by] == key]
        if g.empty:
            continue
        x = view.time.x(g["week"])
        c = colours[key]
        ax.fill_between(x, g["q05"] * factor, g["q95"] * factor, color=c, alpha=0.12, lw=0)
        ax.fill_between(x, g["q25"] * factor, g["q75"] * factor, color=c, alpha=0.28, lw=0)
        ax.plot(x, g["median"] * factor, color=c, label=label)


def _band_legend_handles(view: View) -> list:
    handles = [Line2D([], [], color=c, label=view.labels[k]) for k, c in view.colours.items()]
    grey = "#777777"
    handles += [
        Line2D([], [], color=grey, label="median over runs"),
        Patch(color=grey, alpha=0.45, label="50 % of runs"),
        Patch(color=grey, alpha=0.15, label="90 % of runs"),
    ]
    return handles


def figure_outcomes(view: View) -> tuple[Figure, dict[str, pd.DataFrame]]:
    """Outcome time series: median and bands over runs of each key outcome."""
    present = [c for c in OUTCOMES if c in view.timeseries]
    data = {col: bands(view.timeseries, col, view.by) for col in present}
    rows = -(-(len(present) + 1) // 2)  # one panel per outcome, and one for the legend
    fig = _figure(view, "outcomes over time", (13, 3.2 * rows))
    axes = fig.subplots(rows, 2, sharex=True).ravel()
    for ax, col in zip(axes, present, strict=False):
        title, unit, factor = OUTCOMES[col]
        _draw_bands(ax, data[col], view, factor)
        ax.set_title(title)
        ax.set_ylabel(unit)
        ax.set_ylim(bottom=0)
        view.time.format(ax)
        ax.tick_params(labelbottom=True)
    legend_ax = axes[-1]
    for ax in axes[len(present) :]:
        ax.axis("off")
    legend_ax.legend(handles=_band_legend_handles(view), loc="center", fontsize=11)
    _add_notes(fig, view)
    return fig, data


def figure_market_shares(view: View) -> tuple[Figure, dict[str, pd.DataFrame]]:
    """ISP market shares over time (median over runs), with stance changes marked."""
    shares = isp_shares(view.timeseries, view.isps, view.by)
    changes = stance_changes(view.timeseries, view.isps, view.by)
    keys = list(view.labels)
    ncols = 1 if len(keys) == 1 else 2
    nrows = -(-len(keys) // ncols)
    fig = _figure(view, "ISP market shares and stances", (13, 3.2 + 3.3 * nrows))
    axes = np.atleast_1d(fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False))
    axes = axes.ravel()
    colours = view.isp_colours
    lines = style.linestyles(view.isps)
    for ax, key in zip(axes, keys, strict=False):
        s = shares[shares[view.by] == key]
        ch = changes[changes[view.by] == key]
        for isp in view.isps:
            g = s[s["isp"] == isp]
            if g.empty:
                continue
            x = view.time.x(g["week"])
            ax.fill_between(x, g["q05"] * 100, g["q95"] * 100, color=colours[isp], alpha=0.15)
            ax.plot(x, g["median"] * 100, color=colours[isp], ls=lines[isp], label=isp)
            at = ch[ch["isp"] == isp].merge(g[["week", "median"]], on="week")
            for stance, pts in at.groupby("stance"):
                ax.scatter(
                    view.time.x(pts["week"]),
                    pts["median"] * 100,
                    marker=style.STANCE_MARKERS.get(stance, "D"),
                    s=70,
                    color=colours[isp],
                    edgecolor="black",
                    linewidth=0.8,
                    zorder=3,
                )
        ax.set_title(view.labels[key] if len(keys) > 1 else "Market share (median, 90 % band)")
        ax.set_ylabel("% of subscribers")
        missing = view.missing_isps.get(key)
        if missing:
            ax.text(
                0.99,
                0.98,
                "no " + ", ".join(missing),
                transform=ax.transAxes,
                ha="right",
                va="top",
                fontsize=9,
                color="#444444",
            )
        view.time.format(ax)
        ax.tick_params(labelbottom=True)
    axes[0].set_ylim(bottom=0)  # shared: set once, after every panel is drawn
    for ax in axes[len(keys) :]:
        ax.axis("off")
    isp_handles = [Line2D([], [], color=colours[i], ls=lines[i], label=i) for i in view.isps]
    spacer = Line2D([], [], ls="", label=" ")
    title = Line2D([], [], ls="", label="Stance from then on\n(most common over runs):")
    stance_handles = [
        Line2D(
            [],
            [],
            ls="",
            marker=m,
            color="white",
            markeredgecolor="black",
            markersize=9,
            label=f"{s}",
        )
        for s, m in style.STANCE_MARKERS.items()
    ]
    fig.legend(
        handles=[*isp_handles, spacer, title, *stance_handles],
        loc="outside right upper",
        title="ISP",
    )
    _add_notes(fig, view)
    return fig, {"shares": shares, "stance_changes": changes}


def _human(value: float) -> str:
    """12,345 -> '12.3k'; for bar labels."""
    if not np.isfinite(value):
        return "n/a"
    for unit, div in (("bn", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(value) >= div:
            return f"{value / div:.3g}{unit}"
    return f"{value:.3g}"


def figure_funnel(view: View) -> tuple[Figure, dict[str, pd.DataFrame]]:
    """Enforcement funnel: totals over the run per stage, wrongful ones shown."""
    data = funnel(view.within_steps(), view.scale, view.by)
    stages = list(dict.fromkeys(data["stage"]))
    keys = list(view.labels)
    n = len(keys)
    height = 0.8 / n
    fig = _figure(view, "enforcement funnel", (13, 2.2 + 0.55 * len(stages) * max(n, 1.6)))
    ax = fig.subplots()
    colours = view.colours
    ypos = np.arange(len(stages))
    xmax = float(np.nanmax(data["q95"])) if len(data) else 1.0
    for i, key in enumerate(keys):
        d = data[data[view.by] == key].set_index("stage").reindex(stages)
        y = ypos - 0.4 + height * (i + 0.5)
        err = np.vstack([d["median"] - d["q05"], d["q95"] - d["median"]]).clip(min=0)
        ax.barh(
            y,
            d["median"],
            height=height * 0.9,
            color=colours[key],
            label=view.labels[key],
            xerr=err,
            error_kw={"ecolor": "#333333", "capsize": 3, "lw": 1},
        )
        ax.barh(
            y,
            d["wrongful_median"].fillna(0),
            height=height * 0.9,
            color="none",
            edgecolor="black",
            hatch="///",
            lw=0,
        )
        for yy, (_, row) in zip(y, d.iterrows(), strict=True):
            text = _human(row["median"])
            if np.isfinite(row["wrongful_median"]):
                text += f" (wrongful {_human(row['wrongful_median'])})"
            ax.text(max(row["q95"], row["median"]) + 0.01 * xmax, yy, text, va="center", fontsize=9)
    ax.set_yticks(ypos, stages)
    ax.invert_yaxis()
    ax.set_xlim(0, xmax * 1.3 if xmax > 0 else 1)
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: _human(v)))
    ax.set_xlabel(
        f"Total over {view.steps} weeks (median over runs; whiskers 5-95 %; {view.scale_text})"
    )
    ax.grid(axis="y", visible=False)
    handles = [Patch(color=colours[k], label=view.labels[k]) for k in keys]
    handles.append(Patch(facecolor="white", edgecolor="black", hatch="///", label="wrongful"))
    ax.legend(handles=handles, loc="lower right")
    _add_notes(fig, view)
    return fig, {"funnel": data}


def figure_legislation(view: View) -> tuple[Figure, dict[str, pd.DataFrame]]:
    """Legislative pressure and stage over time, with the law's passage marked."""
    pressure = bands(view.timeseries, "legislative_pressure", view.by)
    stage = stage_median(view.timeseries, view.by)
    law = law_passage(view.timeseries, view.by)
    fig = _figure(view, "legislation", (13, 8))
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    _draw_bands(top, pressure, view)
    top.set_title("Legislative pressure (median, 50 % and 90 % bands)")
    top.set_ylabel("pressure (model units)")
    top.set_ylim(bottom=0)
    colours = view.colours
    for key, label in view.labels.items():
        s = stage[stage[view.by] == key]
        bottom.step(
            view.time.x(s["week"]), s["stage"], where="post", color=colours[key], label=label
        )
    bottom.set_yticks(range(len(style.STAGE_LABELS)), style.STAGE_LABELS)
    bottom.set_ylim(-0.2, len(style.STAGE_LABELS) - 0.6)
    bottom.set_title("Legislative stage (median over runs); dashed: law comes into force")
    bottom.set_ylabel("stage")
    for ax in (top, bottom):
        for _, row in law.iterrows():
            if row["passed"] > 0 and np.isfinite(row["median_week"]):
                ax.axvline(
                    view.time.x([row["median_week"]])[0],
                    color=colours[row[view.by]],
                    ls="--",
                    lw=1.5,
                )
        view.time.format(ax)
        ax.tick_params(labelbottom=True)
    lines = []
    for _, row in law.iterrows():
        label = view.labels[row[view.by]]
        if row["passed"] > 0:
            lines.append(
                f"{label}: law in force in {row['passed']:.0%} of runs, median week "
                f"{row['median_week']:.0f}"
            )
        else:
            lines.append(f"{label}: no law in any of {int(row['runs'])} runs")
    bottom.legend(loc="upper left")
    _add_notes(fig, view, lines if len(lines) <= 4 else [])
    return fig, {"pressure": pressure, "stage": stage, "law": law}


def figure_money(view: View) -> tuple[Figure, dict[str, pd.DataFrame]]:
    """Rights holders' weekly revenue, and each party's total enforcement cost."""
    revenue = bands(view.timeseries, "rights_holder_revenue", view.by)
    cost = costs(view.within_steps(), view.parties, view.by)
    fig = _figure(view, "revenue and enforcement costs", (13, 6.5))
    left, right = fig.subplots(1, 2, width_ratios=(3, 2))
    _draw_bands(left, revenue, view, 1e-6)
    left.set_title("Rights holders' revenue")
    left.set_ylabel("GBP million per week")
    view.time.format(left)
    left.legend(loc="lower left")
    parties = [p for p in view.parties if p in set(cost["party"])]
    keys = list(view.labels)
    height = 0.8 / max(len(keys), 1)
    ypos = np.arange(len(parties))
    colours = view.colours
    for i, key in enumerate(keys):
        d = cost[cost[view.by] == key].set_index("party").reindex(parties)
        y = ypos - 0.4 + height * (i + 0.5)
        err = np.vstack([d["median"] - d["q05"], d["q95"] - d["median"]]).clip(min=0)
        right.barh(
            y,
            d["median"] / 1e6,
            height=height * 0.9,
            color=colours[key],
            xerr=err,
            error_kw={"ecolor": "#333333", "capsize": 2, "lw": 1},
        )
    right.set_yticks(ypos, parties)
    right.invert_yaxis()
    right.grid(axis="y", visible=False)
    right.set_title("Enforcement cost by party")
    right.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: _human(v)))
    right.set_xlabel(f"GBP, total over {view.steps} weeks (median; whiskers 5-95 %)")
    _add_notes(fig, view)
    return fig, {"revenue": revenue, "costs": cost}


SWEEP_OUTCOMES = tuple(
    f"final.{c}"
    for c in ("infringing_share", "p2p_traffic", "legal_share", "vpn_share", "suspended_share")
)
"""The sweep figure's panels (2 x 3: five outcomes and the legend)."""


def figure_sweep(results: Results) -> tuple[Figure, dict[str, pd.DataFrame]]:
    """Final outcomes against the swept parameter(s): line with bands (one), heatmap (two).

    With more than two parameters, each panel shows the final infringing share against
    one parameter (all other parameters pooled).
    """
    params = results.parameters
    summary = results.summary
    short = _short_names(params)
    outcomes = [c for c in SWEEP_OUTCOMES if c in summary]
    fig = Figure(figsize=(13, 8.5), dpi=style.DPI, layout="constrained")
    fig.suptitle(f"{results.name}: final outcomes (week {results.steps - 1}) across the sweep")
    data: dict[str, pd.DataFrame] = {}
    if len(params) == 2:
        panels = [(col, params) for col in outcomes]
    elif len(params) == 1:
        panels = [(col, params) for col in outcomes]
    else:
        panels = [("final.infringing_share", [p]) for p in params[:6]]
    axes = fig.subplots(2, 3).ravel()
    for ax, (col, ps) in zip(axes, panels, strict=False):
        title, unit, factor = OUTCOMES[col.removeprefix("final.")]
        d = final_vs_parameter(summary, ps, col)
        data[col if len(params) <= 2 else f"{col} by {ps[0]}"] = d
        if len(ps) == 1:
            _sweep_line(ax, d, ps[0], factor)
            ax.set_xlabel(short[ps[0]])
            ax.set_ylabel(unit)
            ax.set_title(title if len(params) <= 2 else f"{title} vs {short[ps[0]]}")
        else:
            _sweep_heatmap(fig, ax, d, ps, factor, unit, short)
            ax.set_title(title)
    for ax in axes[len(panels) :]:
        ax.axis("off")
    if len(params) == 1 and len(panels) < len(axes):
        axes[-1].legend(
            handles=[
                Line2D([], [], color="black", marker="o", label="median over replicates"),
                Patch(color="black", alpha=0.3, label="50 % of replicates"),
                Patch(color="black", alpha=0.12, label="90 % of replicates"),
            ],
            loc="center",
        )
    return fig, data


def _sweep_line(ax, d: pd.DataFrame, param: str, factor: float) -> None:
    x = d[param]
    c = style.PALETTE[0]
    ax.fill_between(x, d["q05"] * factor, d["q95"] * factor, color=c, alpha=0.12, lw=0)
    ax.fill_between(x, d["q25"] * factor, d["q75"] * factor, color=c, alpha=0.3, lw=0)
    ax.plot(x, d["median"] * factor, color=c, marker="o" if len(d) <= 30 else None)
    ax.set_ylim(bottom=0)


def _sweep_heatmap(fig, ax, d, params, factor, unit, short) -> None:
    grid = d.pivot_table(index=params[1], columns=params[0], values="median") * factor
    if grid.size > 900:  # continuous designs: scatter instead of a sparse grid
        sc = ax.scatter(d[params[0]], d[params[1]], c=d["median"] * factor, cmap="cividis")
        fig.colorbar(sc, ax=ax, label=unit)
    else:
        lo, hi = np.nanmin(grid.to_numpy()), np.nanmax(grid.to_numpy())
        im = ax.imshow(
            grid.to_numpy(),
            origin="lower",
            aspect="auto",
            cmap="cividis",
            vmin=lo,
            vmax=hi if hi > lo else lo + 1.0,
        )
        ax.set_xticks(range(grid.shape[1]), [_fmt(v) for v in grid.columns], rotation=45)
        ax.set_yticks(range(grid.shape[0]), [_fmt(v) for v in grid.index])
        fig.colorbar(im, ax=ax, label=unit)
        if grid.size <= 36:
            for (i, j), v in np.ndenumerate(grid.to_numpy()):
                light = hi > lo and (v - lo) / (hi - lo) < 0.5
                ax.text(
                    j,
                    i,
                    f"{v:.3g}",
                    ha="center",
                    va="center",
                    fontsize=9,
                    color="white" if light else "black",
                )
        ax.grid(False)
    ax.set_xlabel(short[params[0]])
    ax.set_ylabel(short[params[1]])


# --------------------------------------------------------------------------- writing
FIGURES: dict[str, tuple[str, Callable[[View], tuple[Figure, dict]]]] = {
    "outcomes": ("Outcomes over time", figure_outcomes),
    "market-shares": ("ISP market shares and stances", figure_market_shares),
    "funnel": ("Enforcement funnel", figure_funnel),
    "legislation": ("Legislative pressure and stage", figure_legislation),
    "money": ("Revenue and enforcement costs", figure_money),
}
"""File stem -> (caption, figure function)."""
CAPTIONS = {**{k: v[0] for k, v in FIGURES.items()}, "sweep": "Final outcomes across the sweep"}


def save(fig: Figure, out_dir: Path, stem: str, formats: Sequence[str] = ("png", "svg")) -> Path:
    """Write ``fig`` as ``out_dir/stem.<format>`` for each format; return the first path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = out_dir / f"{stem}.{fmt}"
        tmp = path.with_name(f".{path.name}.tmp")
        fig.savefig(tmp, format=fmt, dpi=style.DPI)
        tmp.replace(path)
        paths.append(path)
    return paths[0]


def figures(view: View, results: Results | None = None) -> dict[str, tuple[Figure, dict]]:
    """Every figure of a view (plus the sweep figure for a swept results folder)."""
    out = {}
    with matplotlib.rc_context(style.RC):
        for stem, (_, make) in FIGURES.items():
            if stem == "market-shares" and not view.isps:
                continue
            out[stem] = make(view)
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
        from model.report import write_report

        written.append(write_report(results.path, written, results))
    return written


# --------------------------------------------------------------------------- compare
def _series_labels(results: Sequence[Results]) -> list[dict[int, str]]:
    """Legend label per (results folder, sweep point), unique across folders."""
    names = [r.name for r in results]
    out = []
    for r in results:
        name = r.name if names.count(r.name) == 1 else f"{r.name} ({r.path.name})"
        if names.count(r.name) > 1 and [x.path.name for x in results].count(r.path.name) > 1:
            name = f"{r.name} ({r.path})"
        chosen = select_points(r)
        labels = r.point_labels()
        out.append({p: name if len(r.points) == 1 else f"{name} [{labels[p]}]" for p in chosen})
    return out


def _plotted(columns: Iterable[str]) -> set[str]:
    return {c for c in columns if c in PLOT_COLUMNS or c.startswith(PLOT_PREFIXES)}


def _only_in(
    kind: str, lists: Sequence[Sequence[str]], names: Sequence[str], where: str
) -> list[str]:
    """One note per group of entities (ISPs, parties) that only some results have."""
    everyone = set.intersection(*(set(x) for x in lists))
    groups: dict[tuple[str, ...], list[str]] = {}
    for entity in dict.fromkeys(e for lst in lists for e in lst):
        if entity not in everyone:
            having = tuple(n for n, lst in zip(names, lists, strict=True) if entity in lst)
            groups.setdefault(having, []).append(entity)
    plural = "ISPs" if kind == "ISP" else "parties"
    return [
        f"{plural if len(ents) > 1 else kind} {', '.join(ents)} only in {', '.join(having)} "
        f"({where})"
        for having, ents in groups.items()
    ]


def comparison_view(results: Sequence[Results]) -> View:
    """One view over several results folders: a series per scenario (and sweep point).

    What is not common is said in ``view.notes``: ISPs or parties only some scenarios
    have (drawn where present), other columns missing somewhere (dropped), different run
    lengths (aligned on week; totals over the common weeks), different start dates
    (x axis in weeks).

    Raises:
        PlotError: the results have no outcome in common.
    """
    notes: list[str] = []
    column_sets = [_plotted(r.timeseries.columns) for r in results]
    common = set.intersection(*column_sets)
    if not common & set(OUTCOMES) or "week" not in common:
        sizes = "; ".join(
            f"{r.path}: {len(c)} plotted columns" for r, c in zip(results, column_sets, strict=True)
        )
        raise PlotError(
            f"nothing to compare: the results have no outcome column in common ({sizes})"
        )
    per_entity = ("market_share.", "stance.", "enforcement_cost.")
    uncommon = set.union(*column_sets) - common
    dropped = sorted(c for c in uncommon if not c.startswith(per_entity))
    if dropped:
        notes.append(f"not in every result, so not shown: {', '.join(dropped)}")
    isp_lists = [r.isps() for r in results]
    isps = list(dict.fromkeys(i for lst in isp_lists for i in lst))
    names = [r.name for r in results]
    notes += _only_in("ISP", isp_lists, names, "each panel shows its own")
    party_lists = [r.parties() for r in results]
    parties = list(dict.fromkeys(p for lst in party_lists for p in lst))
    notes += _only_in(
        "party", [[p for p in lst if p not in isps] for lst in party_lists], names, "cost bars"
    )
    steps = [r.steps for r in results]
    if len(set(steps)) > 1:
        notes.append(
            "runs differ in length ("
            + ", ".join(f"{r.name}: {s} weeks" for r, s in zip(results, steps, strict=True))
            + f"): aligned on week 0; totals are over the first {min(steps)} weeks"
        )
    starts = [_start(r.scenario) for r in results]
    start = starts[0] if len(set(starts)) == 1 else None
    if len(set(starts)) > 1:
        notes.append("start dates differ: the x axis is weeks since each scenario's start")
    labels_per = _series_labels(results)
    frames, labels, scale, missing = [], {}, {}, {}
    for r, lab in zip(results, labels_per, strict=True):
        keep = [c for c in r.timeseries.columns if c in common or c.startswith(per_entity)]
        keep = [*ID_COLUMNS, *(c for c in keep if c not in ID_COLUMNS)]
        ts = r.timeseries.loc[r.timeseries["point"].isin(list(lab)), keep]
        frames.append(ts.assign(series=ts["point"].map(lab)))
        for label in lab.values():
            labels[label] = label
            scale[label] = r.scale
            missing[label] = [i for i in isps if i not in r.isps()]
    combined = pd.concat(frames, ignore_index=True)
    for col in combined.columns:
        if col.startswith("stance."):
            combined[col] = combined[col].astype("category")
    return View(
        timeseries=combined,
        by="series",
        labels=labels,
        scale=scale,
        isps=isps,
        parties=parties,
        time=TimeAxis(start),
        title=f"Comparison of {len(results)} results",
        steps=min(steps),
        notes=notes,
        missing_isps={k: v for k, v in missing.items() if v},
    )


def compare(
    dirs: Sequence[str | Path],
    out_dir: str | Path,
    formats: Sequence[str] = ("png", "svg"),
    report: bool = True,
    warn: Callable[[str], None] | None = None,
) -> list[Path]:
    """Overlay the figures of several results folders into ``out_dir``.

    Args:
        dirs: two or more results folders (e.g. a scenario and its counterfactuals).
        out_dir: where figures (and report.html) go; created if needed.
        warn: called with each difference between the results (default: print to stderr).

    Returns:
        The first-format figure paths, then the report's path.

    Raises:
        PlotError: fewer than two folders, a folder that is not a results folder, or
            results with nothing in common.
    """
    if len(dirs) < 2:
        raise PlotError("compare needs at least two results folders")
    results = [load_results(d) for d in dirs]
    view = comparison_view(results)
    warn = warn or (lambda text: print(f"warning: {text}", file=sys.stderr))
    for note in view.notes:
        warn(note)
    out = Path(out_dir)
    written = []
    with matplotlib.rc_context(style.RC):
        for stem, (fig, _) in figures(view).items():
            written.append(save(fig, out, stem, formats))
    if report:
        from model.report import write_comparison_report

        written.append(write_comparison_report(out, results, written, view.notes))
    return written
