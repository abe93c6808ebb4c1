"""Policy comparison under uncertainty: values, regret and paired differences per policy.

A scenario's ``policies:`` are run in every sampled world (the ``analysis:`` sample or
the sweep points, times the replicates). A *sampled world* here is one (world, replicate)
pair: one set of uncertain parameter values and one run seed. Every policy of a world
uses the same seed and so the same random streams (common random numbers, see
:mod:`model.streams`): two policies in one sampled world differ only by their effect.

For each policy and outcome this module reports, over the sampled worlds:

- the outcome's median and 90 % range (5 % and 95 % quantiles);
- the *regret*: how far the policy is from the best policy of that sampled world,
  ``|value - best value|`` where best is the lowest value for a ``minimise`` outcome and
  the highest for a ``maximise`` one (0 for the best policy, in the outcome's unit);
  median, 95 % quantile and maximum, and the share of worlds in which it is the best;
- robustness metrics (:func:`robustness`): the 10th and 90th percentiles, the
  satisficing share (worlds meeting the outcome's ``threshold``) and the mean-variance
  signal-to-noise ratio;
- the mean difference from the reference policy (the first one, e.g. the status quo)
  with a 95 % confidence interval from the paired differences (Student t over the
  sampled worlds), and the interval an unpaired comparison (Welch) would give from the
  same runs; their width ratio is what common random numbers buy.

Model-scale counts (``total.*`` columns, ``final.customers.<ISP>``; the registry's
``scaled`` outcomes in :mod:`model.outcomes`) are scaled to the real population
(``manifest["scale"]`` accounts per simulated subscriber); shares are fractions; money is
as recorded.

:func:`compare_policies` writes ``policies/comparison.csv``, ``policies/paired.csv`` and
a figure ``policies/comparison.png``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from model import style
from model.outcomes import KNOWN_GOALS, real_factor
from model.scenario import OutcomeSpec, Scenario

matplotlib.use("Agg")

POLICIES_DIR = "policies"
COMPARISON = "comparison.csv"
PAIRED = "paired.csv"
LEVEL = 0.95
"""Confidence level of the paired and unpaired intervals."""


class PolicyError(Exception):
    """A results folder without policies, or without the outcomes to compare."""


# --------------------------------------------------------------------------- data
def outcome_specs(scenario: Scenario, columns: Sequence[str]) -> list[OutcomeSpec]:
    """The outcomes to compare: the analysis section's, else the known ones present."""
    if scenario.analysis is not None:
        return list(scenario.analysis.outcomes)
    return [OutcomeSpec(name=name) for name in KNOWN_GOALS if name in columns]


def long_values(summary: pd.DataFrame, outcomes: Sequence[str], scale: float = 1.0) -> pd.DataFrame:
    """One row per (outcome, policy, world, replicate) with the run's ``value``.

    Only sampled worlds (world, replicate) in which every policy has a finished run are
    kept, so every comparison is paired. Model-scale counts (``total.<count>``,
    ``final.customers.<ISP>``; see :func:`model.outcomes.is_scaled`) are multiplied by ``scale``.
    """
    if "policy" not in summary.columns:
        raise PolicyError("these results have no policies (no policy column in summary.csv)")
    frame = summary.copy()
    if "world" not in frame.columns:
        frame["world"] = frame["point"]
    frame["policy"] = frame["policy"].astype(str)
    n_policies = frame["policy"].nunique()
    complete = frame.groupby(["world", "replicate"])["policy"].transform("nunique") == n_policies
    frame = frame[complete]
    parts = []
    for name in outcomes:
        if name not in frame.columns:
            raise PolicyError(f"outcome '{name}' is not a column of summary.csv")
        factor = real_factor(name, scale)
        part = frame[["policy", "world", "replicate"]].copy()
        part["value"] = frame[name].astype(float) * factor
        part.insert(0, "outcome", name)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def regrets(values: pd.DataFrame, goals: dict[str, str]) -> pd.DataFrame:
    """``values`` plus ``best`` (the best policy's value in that sampled world) and ``regret``.

    ``regret = |value - best|``: 0 for the best policy of the world (ties included).
    """
    out = values.copy()
    group = out.groupby(["outcome", "world", "replicate"])["value"]
    lowest, highest = group.transform("min"), group.transform("max")
    maximise = out["outcome"].map(goals).eq("maximise")
    out["best"] = np.where(maximise, highest, lowest)
    out["regret"] = (out["value"] - out["best"]).abs()
    return out


def table(values: pd.DataFrame, specs: Sequence[OutcomeSpec], order: Sequence[str]) -> pd.DataFrame:
    """Per policy and outcome: values, regrets and robustness metrics over sampled worlds.

    Columns: ``outcome``, ``goal``, ``policy``, ``median``, ``p05``, ``p95``, ``p10``,
    ``p90``, ``regret_median``, ``regret_p95``, ``regret_max``, ``best_share`` (fraction
    of sampled worlds in which the policy is best, ties counted for each),
    ``threshold`` and ``satisficing`` (share of worlds meeting the outcome's threshold,
    NaN without one), ``signal_to_noise``, ``worlds``. See :func:`robustness`.
    """
    goals = {s.name: str(s.goal) for s in specs}
    with_regret = regrets(values, goals)
    rows = []
    for spec in specs:
        for policy in order:
            g = with_regret[
                (with_regret["outcome"] == spec.name) & (with_regret["policy"] == policy)
            ]
            v, r = g["value"].to_numpy(), g["regret"].to_numpy()
            p05, median, p95 = np.quantile(v, [0.05, 0.5, 0.95])
            rows.append(
                {
                    "outcome": spec.name,
                    "goal": spec.goal,
                    "policy": policy,
                    "median": median,
                    "p05": p05,
                    "p95": p95,
                    "regret_median": float(np.median(r)),
                    "regret_p95": float(np.quantile(r, 0.95)),
                    "regret_max": float(r.max()),
                    "best_share": float(np.mean(r == 0.0)),
                    **robustness(v, str(spec.goal), spec.threshold),
                    "worlds": len(v),
                }
            )
    return pd.DataFrame(rows)


def robustness(values: np.ndarray, goal: str, threshold: float | None = None) -> dict[str, float]:
    """Robustness metrics of one policy's values of one outcome over the sampled worlds.

    - ``p10``, ``p90``: the 10th and 90th percentiles (the 90th is the bad tail of an
      outcome to minimise, the 10th of one to maximise);
    - ``satisficing``: the share of worlds meeting ``threshold`` (value <= threshold
      when minimising, >= when maximising; NaN without a threshold);
    - ``signal_to_noise``: the mean-variance signal-to-noise ratio of Hamarat et al.
      (2014): mean / standard deviation when maximising (higher is better), mean x
      standard deviation when minimising (lower is better); population standard
      deviation over the worlds.
    """
    v = np.asarray(values, dtype=float)
    p10, p90 = np.quantile(v, [0.10, 0.90])
    mean, sd = float(v.mean()), float(v.std())
    if goal == "maximise":
        snr = mean / sd if sd > 0 else float("inf") if mean > 0 else float("nan")
        meets = v >= threshold if threshold is not None else None
    else:
        snr = mean * sd
        meets = v <= threshold if threshold is not None else None
    return {
        "p10": float(p10),
        "p90": float(p90),
        "threshold": float("nan") if threshold is None else float(threshold),
        "satisficing": float(np.mean(meets)) if meets is not None else float("nan"),
        "signal_to_noise": float(snr),
    }


def _t(level: float, dof: float) -> float:
    from scipy import stats

    return float(stats.t.ppf(0.5 + level / 2, dof)) if dof > 0 else float("nan")


def paired_half_width(d: np.ndarray, level: float = LEVEL) -> float:
    """Half-width of the paired Student-t interval of the mean of differences ``d`` (one per
    world and replicate); NaN with fewer than two."""
    n = len(d)
    return _t(level, n - 1) * float(d.std(ddof=1)) / np.sqrt(n) if n > 1 else float("nan")


def paired(values: pd.DataFrame, order: Sequence[str], level: float = LEVEL) -> pd.DataFrame:
    """Mean difference (policy minus reference, the first of ``order``) per outcome.

    Paired interval: Student t on the per-world differences (same world, same seed).
    Unpaired interval: Welch's t on the two policies' values as if the runs were
    independent. Columns: ``outcome``, ``policy``, ``reference``, ``mean_diff``,
    ``paired_low``, ``paired_high``, ``unpaired_low``, ``unpaired_high``,
    ``width_ratio`` (unpaired width / paired width; NaN when the paired width is 0),
    ``correlation`` (of the two policies' values across worlds), ``worlds``.
    """
    reference = order[0]
    rows = []
    for outcome, group in values.groupby("outcome", sort=False):
        wide = group.pivot_table(
            index=["world", "replicate"], columns="policy", values="value", aggfunc="first"
        )
        ref = wide[reference].to_numpy()
        for policy in order[1:]:
            other = wide[policy].to_numpy()
            d = other - ref
            n = len(d)
            mean = float(d.mean())
            half_paired = paired_half_width(d, level)
            v1, v2 = float(other.var(ddof=1)) / n, float(ref.var(ddof=1)) / n
            se = np.sqrt(v1 + v2)
            dof = (v1 + v2) ** 2 / (v1**2 / (n - 1) + v2**2 / (n - 1)) if se > 0 else 0.0
            half_unpaired = _t(level, dof) * se if se > 0 else 0.0
            corr = (
                float(np.corrcoef(other, ref)[0, 1])
                if other.std() > 0 and ref.std() > 0
                else float("nan")
            )
            rows.append(
                {
                    "outcome": outcome,
                    "policy": policy,
                    "reference": reference,
                    "mean_diff": mean,
                    "paired_low": mean - half_paired,
                    "paired_high": mean + half_paired,
                    "unpaired_low": mean - half_unpaired,
                    "unpaired_high": mean + half_unpaired,
                    "width_ratio": half_unpaired / half_paired if half_paired > 0 else np.nan,
                    "correlation": corr,
                    "worlds": n,
                }
            )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- figure
def figure(
    summary: pd.DataFrame, diffs: pd.DataFrame, specs: Sequence[OutcomeSpec], title: str
) -> Figure:
    """One row per outcome: values (median, 90 % range), regret, difference from reference.

    Left: each policy's median and 5-95 % range of the outcome over sampled worlds.
    Middle: its regret (same unit; 0 is best). Right: the mean difference from the
    reference policy with the paired 95 % CI (thick) and the unpaired one (thin).
    """
    order = list(dict.fromkeys(summary["policy"]))
    colours = style.colours(order)
    fig = Figure(figsize=(13, 0.6 + 2.3 * len(specs)), dpi=style.DPI, layout="constrained")
    y = np.arange(len(order))
    for k, (sub, spec) in enumerate(zip(fig.subfigures(len(specs), 1), specs, strict=True)):
        row = sub.subplots(1, 3)
        better = "lower" if spec.goal == "minimise" else "higher"
        sub.suptitle(f"{spec.title} ({better} is better)", x=0.01, ha="left", fontsize=12)
        t = summary[summary["outcome"] == spec.name].set_index("policy").reindex(order)
        d = diffs[diffs["outcome"] == spec.name].set_index("policy")
        for i, policy in enumerate(order):
            c = colours[policy]
            row[0].plot([t.at[policy, "p05"], t.at[policy, "p95"]], [i, i], color=c, lw=3)
            row[0].plot(t.at[policy, "median"], i, "o", color=c, ms=7)
            row[1].plot([0, t.at[policy, "regret_p95"]], [i, i], color=c, lw=3)
            row[1].plot(t.at[policy, "regret_median"], i, "o", color=c, ms=7)
            row[1].plot(t.at[policy, "regret_max"], i, "|", color=c, ms=10)
            if policy in d.index:
                unpaired = [d.at[policy, "unpaired_low"], d.at[policy, "unpaired_high"]]
                row[2].plot(unpaired, [i + 0.2, i + 0.2], color=c, lw=1)
                pair = [d.at[policy, "paired_low"], d.at[policy, "paired_high"]]
                row[2].plot(pair, [i, i], color=c, lw=4)
                row[2].plot(d.at[policy, "mean_diff"], i, "o", color="#000000", ms=4)
        row[2].axvline(0, color="#444444", lw=0.8)
        for ax in row:
            ax.set_yticks(y, order)
            ax.set_ylim(len(order) - 0.5, -0.5)
        for ax in row[1:]:
            ax.tick_params(labelleft=False)
        if k == 0:
            row[0].set_title("value: median, 90 % range", loc="left")
            row[1].set_title("regret: median, 95 % (end), max (|)", loc="left")
            row[2].set_title(f"minus {order[0]}: 95 % CIs", loc="left")
    fig.suptitle(
        f"{title}: policies compared on common random numbers (CIs: thick paired, thin unpaired)"
    )
    return fig


# --------------------------------------------------------------------------- the command
def compare_policies(
    results_dir: str | Path, formats: Sequence[str] = ("png", "svg")
) -> tuple[pd.DataFrame, pd.DataFrame, list[Path]]:
    """Compare a results folder's policies; write the tables and the figure.

    Returns:
        (comparison table, paired differences, written paths: the two CSVs, the figure).

    Raises:
        PolicyError: not a results folder, fewer than two policies, no outcomes.
    """
    from model.plots import save
    from model.results import load

    path = Path(results_dir)
    if not (path / "manifest.json").is_file():
        raise PolicyError(f"{path} is not a results folder (no manifest.json)")
    res = load(path)
    order = [p.name for p in res.scenario.policies]
    if len(order) < 2:
        raise PolicyError(f"{path}: the scenario has {len(order)} policies; compare needs two")
    specs = outcome_specs(res.scenario, list(res.summary.columns))
    if not specs:
        raise PolicyError("no outcomes to compare (add analysis.outcomes to the scenario)")
    values = long_values(res.summary, [s.name for s in specs], float(res.manifest.get("scale", 1)))
    if values.empty:
        raise PolicyError("no sampled world has a finished run of every policy")
    summary = table(values, specs, order)
    diffs = paired(values, order)
    out = path / POLICIES_DIR
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for frame, name in ((summary, COMPARISON), (diffs, PAIRED)):
        frame.to_csv(out / name, index=False, lineterminator="\n", float_format="%.6g")
        written.append(out / name)
    with matplotlib.rc_context(style.RC):
        fig = figure(summary, diffs, specs, res.scenario.name)
        written.append(save(fig, out, "comparison", formats))
    return summary, diffs, written
