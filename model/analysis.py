"""Global sensitivity analysis of a results folder: Sobol indices or Morris elementary effects.

A scenario's ``analysis:`` section names uncertain parameters with ranges, outcomes and a
sample size. :func:`model.experiment.design` draws the SALib sample (the worlds) and the
executor runs it like any sweep (crossed with ``policies:`` if there are any). Here the
runs' ``summary.csv`` goes back into SALib in the order its sampler produced, one value
per world (the mean over that world's replicates), and once per policy:

- ``sobol``: first-order ``S1`` and total ``ST`` indices (share of the outcome's variance,
  0..1), with bootstrap confidence intervals (``*_conf`` is the half-width);
- ``morris``: ``mu_star`` (mean absolute elementary effect, in the outcome's unit per
  parameter range), ``sigma`` (its spread: interactions or non-linearity) and
  ``mu_star_conf``.

Sampling and indices are SALib's (``SALib.sample`` / ``SALib.analyze``); nothing is
reimplemented. :func:`analyse` writes ``analysis/indices.csv`` and one bar chart per
outcome (``analysis/indices-<outcome>.png``).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from model import style
from model.outcomes import summary_outcome
from model.scenario import Analysis, Scenario

matplotlib.use("Agg")

ANALYSIS_DIR = "analysis"
INDICES = "indices.csv"
NUM_RESAMPLES = 1000
"""Bootstrap resamples behind SALib's confidence intervals."""
SOBOL_COLUMNS = ("S1", "S1_conf", "ST", "ST_conf")
MORRIS_COLUMNS = ("mu", "mu_star", "mu_star_conf", "sigma")


class AnalysisError(Exception):
    """A results folder that cannot be analysed (no analysis section, missing worlds)."""


# --------------------------------------------------------------------------- indices
def sensitivity(analysis: Analysis, x: np.ndarray, y: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """SALib's indices of one outcome: one row per uncertain parameter.

    Args:
        analysis: the scenario's ``analysis:`` section (method, parameters, levels).
        x: the sample as SALib drew it (:func:`model.experiment.analysis_matrix`).
        y: the outcome in the same row order.
        seed: seed of the bootstrap behind the confidence intervals.

    Returns:
        Columns ``parameter`` and ``S1, S1_conf, ST, ST_conf`` (sobol) or
        ``mu, mu_star, mu_star_conf, sigma`` (morris). A constant outcome has no variance
        to apportion: its Sobol indices are NaN.
    """
    from SALib.analyze import morris, sobol

    from model.experiment import salib_problem

    problem = salib_problem(analysis.parameters)
    y = np.asarray(y, dtype=float)
    if len(y) != len(x):
        raise AnalysisError(f"{len(y)} outcome values for a sample of {len(x)} rows")
    frame = pd.DataFrame({"parameter": problem["names"]})
    if analysis.method == "morris":
        found = morris.analyze(
            problem,
            x,
            y,
            num_resamples=NUM_RESAMPLES,
            conf_level=analysis.conf_level,
            num_levels=analysis.num_levels,
            seed=seed,
        )
        for column in MORRIS_COLUMNS:
            frame[column] = np.asarray(found[column], dtype=float)
        return frame
    if not np.ptp(y) > 0:
        for column in SOBOL_COLUMNS:
            frame[column] = np.nan
        return frame
    with warnings.catch_warnings():
        # an outcome constant within some resamples (rare events): SALib warns, CIs say it
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)
        found = sobol.analyze(
            problem,
            y,
            calc_second_order=analysis.second_order,
            num_resamples=NUM_RESAMPLES,
            conf_level=analysis.conf_level,
            seed=seed,
        )
    for column in SOBOL_COLUMNS:
        frame[column] = np.asarray(found[column], dtype=float)
    return frame


def world_means(summary: pd.DataFrame, column: str) -> pd.DataFrame:
    """Mean of ``column`` over replicates, per (policy, world); columns policy, world, value.

    Without policies, ``world`` is the point and ``policy`` is the empty string.
    """
    frame = summary.copy()
    if "world" not in frame.columns:
        frame["world"] = frame["point"]
    frame["policy"] = frame["policy"].astype(str) if "policy" in frame.columns else ""
    means = frame.groupby(["policy", "world"], sort=False)[column].mean()
    return means.rename("value").reset_index()


def indices(scenario: Scenario, summary: pd.DataFrame) -> pd.DataFrame:
    """Indices of every analysed outcome and policy from a results folder's summary.

    Columns: ``method``, ``policy`` (empty without policies), ``outcome``, ``parameter``,
    then the method's index columns (see :func:`sensitivity`) and ``conf_level``.

    Raises:
        AnalysisError: no analysis section, an outcome missing from the summary, or a
            world without a finished run (SALib needs the whole sample).
    """
    from model.experiment import analysis_matrix

    analysis = scenario.analysis
    if analysis is None:
        raise AnalysisError("the scenario has no analysis: section")
    x = analysis_matrix(scenario)
    policies = [p.name for p in scenario.policies] or [""]
    parts = []
    for spec in analysis.outcomes:
        if spec.name not in summary.columns:
            raise AnalysisError(f"outcome '{spec.name}' is not a column of summary.csv")
        means = world_means(summary, spec.name)
        for policy in policies:
            values = means[means["policy"] == policy].set_index("world")["value"]
            missing = sorted(set(range(len(x))) - set(values.index))
            if missing:
                raise AnalysisError(
                    f"{len(missing)} of {len(x)} sampled worlds have no finished run"
                    + (f" under policy '{policy}'" if policy else "")
                    + f" (e.g. world {missing[0]}); run the experiment again to finish them"
                )
            y = values.sort_index().to_numpy()
            frame = sensitivity(analysis, x, y, seed=scenario.experiment.seed)
            frame.insert(0, "outcome", spec.name)
            frame.insert(0, "policy", policy)
            frame.insert(0, "method", analysis.method)
            frame["conf_level"] = analysis.conf_level
            parts.append(frame)
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------- figures
def slug(name: str) -> str:
    """A file-name-safe version of an outcome name (``final.market_share.TalkTalk`` ->
    ``final-market_share-TalkTalk``)."""
    return re.sub(r"[^A-Za-z0-9_]+", "-", name).strip("-")


def figure_indices(table: pd.DataFrame, outcome: str, title: str) -> Figure:
    """Bar chart of one outcome's indices: one panel per policy, parameters down the side.

    Sobol: S1 and ST bars with their confidence intervals (share of variance, 0..1).
    Morris: mu* bars with its confidence interval, and sigma.
    """
    data = table[table["outcome"] == outcome]
    registered = summary_outcome(outcome)
    unit = registered.unit if registered is not None else "outcome unit"
    policies = list(dict.fromkeys(data["policy"]))
    method = str(data["method"].iloc[0])
    params = list(dict.fromkeys(data["parameter"]))
    bars = (
        (("S1", "S1_conf", "first-order S1"), ("ST", "ST_conf", "total ST"))
        if method == "sobol"
        else (("mu_star", "mu_star_conf", "mu*"), ("sigma", None, "sigma"))
    )
    colours = [style.OKABE_ITO["blue"], style.OKABE_ITO["orange"]]
    height = 0.38
    fig, axes = policy_panels(len(policies), len(params), (3.6, 0.55, 1.8))
    y = np.arange(len(params))
    for ax, policy in zip(axes, policies, strict=True):
        rows = data[data["policy"] == policy].set_index("parameter").reindex(params)
        for k, (column, conf, label) in enumerate(bars):
            err = rows[conf].to_numpy() if conf else None
            ax.barh(
                y + (k - 0.5) * height,
                rows[column].to_numpy(),
                height,
                xerr=err,
                color=colours[k],
                label=label,
                error_kw={"ecolor": "#333333", "capsize": 2, "lw": 1},
            )
        ax.set_title(policy or "all runs")
        ax.axvline(0, color="#444444", lw=0.8)
        ax.set_yticks(y, [_short(p) for p in params])
        if method == "sobol":
            ax.set_xlim(*_sobol_limits(data))  # every bar and CI whole, never clipped
            ax.axvline(1, color="#999999", lw=0.8, ls=":")
            ax.set_xlabel("share of variance (indices lie in [0, 1])")
        else:
            ax.set_xlabel(f"effect per range ({unit})")
    axes[0].invert_yaxis()  # first parameter on top (once: the y axis is shared)
    axes[0].legend(loc="lower right")
    level = float(data["conf_level"].iloc[0])
    what = "Sobol indices" if method == "sobol" else "Morris elementary effects"
    fig.suptitle(f"{title}: {what} ({level:.0%} CI)")
    return fig


def figure_convergence(table: pd.DataFrame, outcome: str, title: str) -> Figure:
    """Total indices ST against the base sample N (nested subsamples), one panel per policy.

    Each parameter's ST with its CI (parameters side by side at each N); the shaded band
    is [0, 1], where indices lie. An index still moving between N/2 and N is not converged.
    """
    data = table[table["outcome"] == outcome]
    policies = list(dict.fromkeys(data["policy"]))
    params = list(dict.fromkeys(data["parameter"]))
    colours = style.colours(params)
    fig = Figure(figsize=(3.4 * len(policies) + 1.6, 4.2), dpi=style.DPI, layout="constrained")
    axes = fig.subplots(1, len(policies), sharey=True, squeeze=False)[0]
    for ax, policy in zip(axes, policies, strict=True):
        rows = data[data["policy"] == policy]
        for k, p in enumerate(params):
            r = rows[rows["parameter"] == p].sort_values("N")
            offset = 1 + 0.03 * (k - len(params) / 2)  # side by side on the log axis
            ax.errorbar(
                r["N"] * offset,
                r["ST"],
                yerr=r["ST_conf"],
                color=colours[p],
                marker="o",
                ms=3,
                lw=1.2,
                capsize=2,
                label=_short(p),
            )
        ax.axhspan(0, 1, color="#f2f2f2", zorder=0)
        ax.set_xscale("log", base=2)
        ax.set_title(policy or "all runs")
        ax.set_xlabel("base sample N (nested subsamples)")
    axes[0].set_ylabel("total index ST (95 % CI)")
    axes[-1].legend(loc="upper right", fontsize=7)
    fig.suptitle(f"{title}: convergence of the Sobol total indices")
    return fig


def policy_panels(
    policies: int, params: int, inches: tuple[float, float, float]
) -> tuple[Figure, np.ndarray]:
    """One horizontal-bar panel per policy, parameters on a shared y axis. ``inches``:
    width per panel, height per parameter, height of titles and axes."""
    per_panel, per_param, pad = inches
    fig = Figure(
        figsize=(per_panel * policies + 1.8, per_param * params + pad),
        dpi=style.DPI,
        layout="constrained",
    )
    return fig, fig.subplots(1, policies, sharey=True, sharex=True, squeeze=False)[0]


def figure_features(table: pd.DataFrame, outcome: str, title: str) -> Figure:
    """Extra-trees feature scores of one outcome, one panel per policy (scores sum to 1)."""
    data = table[table["outcome"] == outcome]
    policies = list(dict.fromkeys(data["policy"]))
    params = list(dict.fromkeys(data["parameter"]))
    fig, axes = policy_panels(len(policies), len(params), (3.2, 0.45, 1.6))
    y = np.arange(len(params))
    for ax, policy in zip(axes, policies, strict=True):
        rows = data[data["policy"] == policy].set_index("parameter").reindex(params)
        ax.barh(y, rows["score"].to_numpy(), 0.6, color=style.OKABE_ITO["bluish green"])
        ax.set_yticks(y, [_short(p) for p in params])
        ax.set_xlim(0, 1)
        ax.set_title(policy or "all runs")
        ax.set_xlabel("feature score (sums to 1)")
    axes[0].invert_yaxis()  # first parameter on top (once: the y axis is shared)
    fig.suptitle(f"{title}: extra-trees feature scores")
    return fig


def _sobol_limits(data: pd.DataFrame) -> tuple[float, float]:
    """x range holding [0, 1] and every Sobol bar with its CI, plus a margin."""
    ends = [0.0, 1.0]
    for column, conf in (("S1", "S1_conf"), ("ST", "ST_conf")):
        v, e = data[column].to_numpy(float), data[conf].fillna(0).to_numpy(float)
        ends += [float(np.nanmin(v - e, initial=0.0)), float(np.nanmax(v + e, initial=1.0))]
    low, high = min(ends), max(ends)
    margin = 0.05 * (high - low)
    return low - margin, high + margin


def _short(path: str) -> str:
    parts = path.split(".")
    return ".".join(parts[-2:]) if len(parts) > 1 else path


# --------------------------------------------------------------------------- reading them
CI_HALF_WIDTH = 0.1
"""Sobol indices are worth reading when their CI half-width is below this (a share)."""


def index_warnings(table: pd.DataFrame, limit: float = CI_HALF_WIDTH) -> list[str]:
    """Why some Sobol indices should not be read, one line each (empty: all fine).

    - a CI half-width above ``limit``: the index is not estimated to the nearest 0.1;
    - an index outside [0, 1] beyond its CI (S - conf > 1 or S + conf < 0): the estimator
      has not converged (too few worlds, or noise the sample cannot average out).
    """
    if table.empty or table["method"].iloc[0] != "sobol":
        return []
    wide, outside = [], []
    for row in table.itertuples():
        where = f"{row.outcome}" + (f" under {row.policy}" if row.policy else "")
        for name in ("S1", "ST"):
            value, conf = getattr(row, name), getattr(row, f"{name}_conf")
            if np.isnan(value):
                continue
            if conf > limit:
                wide.append((conf, f"{name} of {row.parameter} for {where} (+/- {conf:.2f})"))
            if value - conf > 1 or value + conf < 0:
                outside.append(
                    f"{name} of {row.parameter} for {where} = {value:.2f} +/- {conf:.2f}"
                )
    out = []
    if wide:
        wide.sort(key=lambda w: -w[0])
        total = int(table[["S1", "ST"]].notna().sum().sum())
        out.append(
            f"{len(wide)} of {total} Sobol indices have a {table['conf_level'].iloc[0]:.0%} CI "
            f"half-width above {limit} (widest: {wide[0][1]}); do not read them as more than "
            "noise, raise analysis.samples (the CI shrinks as 1/sqrt(N))"
        )
    if outside:
        out.append(
            f"{len(outside)} Sobol indices lie outside [0, 1] beyond their CI (e.g. "
            f"{outside[0]}): the estimator has not converged; see convergence-*.png"
        )
    return out


def convergence(scenario: Scenario, summary: pd.DataFrame, smallest: int = 8) -> pd.DataFrame:
    """Sobol indices against the base sample N, from nested subsamples of the design.

    Saltelli's design is built in blocks, one per base-sample row (A_j, the D rows AB_j^i,
    B_j; 2D + 2 rows with second order), and the base sample is a Sobol sequence, whose
    prefixes are themselves balanced designs; so the first n blocks are the design SALib
    would draw for N = n. Indices are computed for n = N, N/2, N/4, ... down to
    ``smallest``: if they still move between N/2 and N, N is too small.

    Columns: ``policy``, ``outcome``, ``parameter``, ``N``, ``S1``, ``S1_conf``, ``ST``,
    ``ST_conf``.
    """
    analysis = scenario.analysis
    if analysis is None or analysis.method != "sobol":
        return pd.DataFrame()
    from model.experiment import analysis_matrix

    x = analysis_matrix(scenario)
    d = len(analysis.parameters)
    block = 2 * d + 2 if analysis.second_order else d + 2
    sizes, n = [], analysis.samples
    while n >= smallest:
        sizes.append(n)
        n //= 2
    parts = []
    policies = [p.name for p in scenario.policies] or [""]
    for spec in analysis.outcomes:
        means = world_means(summary, spec.name)
        for policy in policies:
            y = means[means["policy"] == policy].set_index("world")["value"].sort_index()
            y = y.to_numpy()
            if len(y) != len(x):
                continue
            for n in sorted(sizes):
                rows = n * block
                frame = sensitivity(analysis, x[:rows], y[:rows], seed=scenario.experiment.seed)
                frame.insert(0, "N", n)
                frame.insert(0, "outcome", spec.name)
                frame.insert(0, "policy", policy)
                parts.append(frame)
    if not parts:
        return pd.DataFrame()
    out = pd.concat(parts, ignore_index=True)
    return out[["policy", "outcome", "parameter", "N", *SOBOL_COLUMNS]]


def feature_scores(
    summary: pd.DataFrame,
    parameters: Sequence[str],
    outcomes: Sequence[str],
    policies: Sequence[str],
    seed: int = 0,
) -> pd.DataFrame:
    """Extra-trees feature scores (the EMA Workbench's) of each outcome and policy.

    A cheap companion to Sobol that needs no special design (LHS, grid, Sobol, Morris):
    an ensemble of extremely randomised regression trees is fitted to the outcome's
    world means, and each parameter's score is its share of the trees' total impurity
    reduction (scores sum to 1; a ranking, not a variance share). Columns: ``policy``,
    ``outcome``, ``parameter``, ``score`` (NaN for a constant outcome).
    """
    import warnings as _warnings

    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore")
        from ema_workbench.analysis import feature_scoring
        from ema_workbench.analysis.scenario_discovery_util import RuleInductionType

    frame = summary.copy()
    if "world" not in frame.columns:
        frame["world"] = frame["point"]
    frame["policy"] = frame["policy"].astype(str) if "policy" in frame.columns else ""
    numeric = [p for p in parameters if pd.api.types.is_numeric_dtype(frame[p])]
    rows = []
    for outcome in outcomes:
        grouped = frame.groupby(["policy", "world"], sort=True)
        worlds = grouped[numeric].first().join(grouped[outcome].mean())
        for policy in policies:
            data = worlds.loc[policy] if policy in worlds.index.get_level_values(0) else None
            if data is None or len(data) < 2:
                continue
            y = data[outcome].to_numpy(float)
            if not np.ptp(y) > 0:
                scores = dict.fromkeys(numeric, np.nan)
            else:
                with _warnings.catch_warnings():
                    _warnings.simplefilter("ignore")
                    found, _ = feature_scoring.get_ex_feature_scores(
                        data[numeric].astype(float),
                        y,
                        mode=RuleInductionType.REGRESSION,
                        nr_trees=200,
                        random_state=seed,
                    )
                scores = {str(k): float(v) for k, v in found.iloc[:, 0].items()}
            rows += [
                {"policy": policy, "outcome": outcome, "parameter": p, "score": scores[p]}
                for p in numeric
            ]
    return pd.DataFrame(rows, columns=["policy", "outcome", "parameter", "score"])


# --------------------------------------------------------------------------- the command
FEATURES = "feature_scores.csv"
CONVERGENCE = "convergence.csv"


def analyse(results_dir: str | Path, formats: Sequence[str] = ("png", "svg")) -> list[Path]:
    """Write the analysis of a results folder under ``analysis/``.

    - with an ``analysis:`` section: ``indices.csv`` and ``indices-<outcome>`` charts
      (Sobol or Morris), and for Sobol ``convergence.csv`` and ``convergence-<outcome>``;
    - on any sweep (the analysis sample, LHS, grid, ...): ``feature_scores.csv`` and
      ``features-<outcome>`` (extra trees).

    Returns the first CSV's path (``indices.csv``, else ``feature_scores.csv``), then the
    other CSVs and the first-format figure paths.

    Raises:
        AnalysisError: not a results folder, no uncertain parameters, an incomplete sample.
    """
    from model.plots import save
    from model.policies import outcome_specs
    from model.results import load

    path = Path(results_dir)
    if not (path / "manifest.json").is_file():
        raise AnalysisError(f"{path} is not a results folder (no manifest.json)")
    res = load(path)
    scenario = res.scenario
    parameters = [p for p in res.manifest.get("parameters", []) if p in res.summary.columns]
    if scenario.analysis is None and not parameters:
        raise AnalysisError(
            f"{path}: no analysis: section and no sweep; there is nothing to apportion"
        )
    specs = outcome_specs(scenario, list(res.summary.columns))
    if not specs:
        raise AnalysisError("no outcomes to analyse (add analysis.outcomes to the scenario)")
    policies = [p.name for p in scenario.policies] or [""]
    table = indices(scenario, res.summary) if scenario.analysis is not None else None
    scores = feature_scores(
        res.summary, parameters, [s.name for s in specs], policies, scenario.experiment.seed
    )
    converge = convergence(scenario, res.summary) if table is not None else pd.DataFrame()
    out = path / ANALYSIS_DIR
    out.mkdir(parents=True, exist_ok=True)
    csvs = [(table, INDICES), (scores, FEATURES), (converge, CONVERGENCE)]
    written = []
    for frame, name in csvs:
        if frame is None or frame.empty:
            continue
        frame.to_csv(out / name, index=False, lineterminator="\n", float_format="%.6g")
        written.append(out / name)
    with matplotlib.rc_context(style.RC):
        for spec in specs:
            title = f"{scenario.name}: {spec.title}"
            if table is not None:
                fig = figure_indices(table, spec.name, title)
                written.append(save(fig, out, f"indices-{slug(spec.name)}", formats))
            if not converge.empty:
                fig = figure_convergence(converge, spec.name, title)
                written.append(save(fig, out, f"convergence-{slug(spec.name)}", formats))
            if not scores.empty:
                fig = figure_features(scores, spec.name, title)
                written.append(save(fig, out, f"features-{slug(spec.name)}", formats))
    return written


def leading(table: pd.DataFrame, outcome: str, policy: str = "") -> list[tuple[str, float]]:
    """Parameters of one outcome and policy by importance: (parameter, ST or mu*), largest first."""
    rows = table[(table["outcome"] == outcome) & (table["policy"] == policy)]
    key = "ST" if "ST" in rows.columns and rows["ST"].notna().any() else "mu_star"
    ordered = rows.sort_values(key, ascending=False)
    return [(str(p), float(v)) for p, v in zip(ordered["parameter"], ordered[key], strict=True)]


__all__ = [
    "CI_HALF_WIDTH",
    "AnalysisError",
    "analyse",
    "convergence",
    "feature_scores",
    "figure_convergence",
    "figure_features",
    "figure_indices",
    "index_warnings",
    "indices",
    "leading",
    "sensitivity",
    "world_means",
]
