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
    fig = Figure(
        figsize=(3.6 * len(policies) + 1.8, 0.55 * len(params) + 1.8),
        dpi=style.DPI,
        layout="constrained",
    )
    axes = fig.subplots(1, len(policies), sharey=True, sharex=True, squeeze=False)[0]
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
        ax.invert_yaxis()
        if method == "sobol":
            ax.set_xlim(-0.3, 1.3)  # indices lie in [0, 1]; wider CIs are cut at the edge
            ax.set_xlabel("share of variance")
        else:
            ax.set_xlabel(f"effect per range ({unit})")
    axes[0].legend(loc="lower right")
    level = float(data["conf_level"].iloc[0])
    what = "Sobol indices" if method == "sobol" else "Morris elementary effects"
    fig.suptitle(f"{title}: {what} ({level:.0%} CI)")
    return fig


def _short(path: str) -> str:
    parts = path.split(".")
    return ".".join(parts[-2:]) if len(parts) > 1 else path


# --------------------------------------------------------------------------- the command
def analyse(results_dir: str | Path, formats: Sequence[str] = ("png", "svg")) -> list[Path]:
    """Write ``analysis/indices.csv`` and one bar chart per outcome for a results folder.

    Returns the CSV's path, then the first-format figure paths.

    Raises:
        AnalysisError: not an analysis results folder, or an incomplete sample.
    """
    from model.plots import save
    from model.results import load

    path = Path(results_dir)
    if not (path / "manifest.json").is_file():
        raise AnalysisError(f"{path} is not a results folder (no manifest.json)")
    res = load(path)
    table = indices(res.scenario, res.summary)
    out = path / ANALYSIS_DIR
    out.mkdir(parents=True, exist_ok=True)
    csv = out / INDICES
    table.to_csv(csv, index=False, lineterminator="\n", float_format="%.6g")
    written = [csv]
    analysis = res.scenario.analysis
    assert analysis is not None
    with matplotlib.rc_context(style.RC):
        for spec in analysis.outcomes:
            fig = figure_indices(table, spec.name, f"{res.scenario.name}: {spec.title}")
            written.append(save(fig, out, f"indices-{slug(spec.name)}", formats))
    return written


def leading(table: pd.DataFrame, outcome: str, policy: str = "") -> list[tuple[str, float]]:
    """Parameters of one outcome and policy by importance: (parameter, ST or mu*), largest first."""
    rows = table[(table["outcome"] == outcome) & (table["policy"] == policy)]
    key = "ST" if "ST" in rows.columns and rows["ST"].notna().any() else "mu_star"
    ordered = rows.sort_values(key, ascending=False)
    return [(str(p), float(v)) for p, v in zip(ordered["parameter"], ordered[key], strict=True)]


__all__ = [
    "AnalysisError",
    "analyse",
    "figure_indices",
    "indices",
    "leading",
    "sensitivity",
    "world_means",
]
