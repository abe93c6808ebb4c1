"""Reporting a validation: the table (CSV, Markdown) and one figure per target."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from model.scenario import Scenario
from model.validation.running import Runs, TargetResult, _control_key
from model.validation.schema import (
    EVENT_METRICS,
    ControlSpec,
    EventWeekSpec,
    PersistenceSpec,
    RatioSpec,
    RecoverySpec,
    ShareOfRunsSpec,
    Target,
    WindowSpec,
)
from model.validation.weeks import resolve_week

COLUMNS = ("target", "source", "firmness", "band", "median", "5%", "95%", "pass")


def fmt(x: float) -> str:
    if math.isnan(x):
        return "nan"
    if x == 0:
        return "0"
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def table(results: list[TargetResult]) -> pd.DataFrame:
    """The validation table: one row per target."""
    rows = []
    for r in results:
        t = r.target
        rows.append(
            {
                "target": t.name,
                "source": t.source,
                "firmness": t.firmness,
                "band": f"[{fmt(t.band[0])}, {fmt(t.band[1])}]",
                "median": fmt(r.median),
                "5%": fmt(r.low),
                "95%": fmt(r.high),
                "pass": r.status,
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def markdown(frame: pd.DataFrame) -> str:
    """A pipe table (no extra dependency)."""
    head = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body]) + "\n"


def write_report(
    results: list[TargetResult], runs: Runs, out: str | Path, meta: str = ""
) -> list[Path]:
    """Write ``validation.csv``, ``validation.md`` and one figure per target into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    frame = table(results)
    written = [out / "validation.csv", out / "validation.md"]
    frame.to_csv(written[0], index=False)
    written[1].write_text(
        "# Validation against published figures\n\n"
        + (meta + "\n\n" if meta else "")
        + markdown(frame)
    )
    for r in results:
        written.append(figure(r, runs, out / f"{r.target.name}.png"))
    return written


def _series_column(target: Target) -> str:
    spec = target.compute
    if isinstance(spec, EVENT_METRICS):
        return spec.when.clauses[0].column
    return spec.numerator if isinstance(spec, RatioSpec) else spec.column


def figure(result: TargetResult, runs: Runs, path: Path) -> Path:
    """The model's replicate values against the target band; the outcome over time beside."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = result.target
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4), gridspec_kw={"width_ratios": [1, 2]})
    lo, hi = t.band
    left.axhspan(lo, hi, color="tab:green", alpha=0.25, label=f"target band ({t.firmness})")
    vals = result.values[~np.isnan(result.values)]
    left.scatter(np.zeros(len(vals)), vals, s=12, color="0.3", alpha=0.6, label="replicates")
    if len(vals):
        left.errorbar(
            [0.25],
            [result.median],
            yerr=[[result.median - result.low], [result.high - result.median]],
            fmt="o",
            color="tab:red" if not result.passed else "tab:blue",
            capsize=4,
            label="model median, 5-95%",
        )
    left.set_xlim(-0.5, 0.75)
    left.set_xticks([])
    left.set_title(f"{t.name}: {'pass' if result.passed else 'FAIL'}", fontsize=9)
    left.legend(fontsize=7, loc="best")
    column = _series_column(t)
    scenario = runs.scenarios[t.scenario]
    frames = runs.outcomes[t.scenario]
    condition = getattr(t.compute, "when", None)
    if frames and condition is not None:  # event metrics: share of runs where it has held
        held = np.vstack([np.maximum.accumulate(condition.holds(f)) for f in frames])
        right.step(np.arange(held.shape[1]), held.mean(axis=0), where="post", color="tab:blue")
        right.set_ylim(-0.02, 1.02)
        for start, length in _windows(t, scenario):
            right.axvspan(start, start + length, color="tab:orange", alpha=0.15)
        column = "share of runs in which it has held"
    elif frames and column in frames[0]:
        stack = np.vstack([f[column].to_numpy(dtype=float) for f in frames])
        weeks = np.arange(stack.shape[1])
        right.plot(weeks, np.median(stack, axis=0), color="tab:blue", lw=1.2, label="run")
        right.fill_between(
            weeks, *np.percentile(stack, [5, 95], axis=0), color="tab:blue", alpha=0.2
        )
        if isinstance(t.compute, ControlSpec):
            ctrl = np.vstack(
                [f[column].to_numpy(dtype=float) for f in runs.outcomes[_control_key(t)]]
            )
            right.plot(weeks, np.median(ctrl, axis=0), color="0.4", ls="--", label="control")
        for start, length in _windows(t, scenario):
            right.axvspan(start, start + length, color="tab:orange", alpha=0.15)
        right.legend(fontsize=7)
    right.set_xlabel("week")
    right.set_ylabel(column)
    right.set_title(t.outcome, fontsize=8)
    fig.suptitle(f"{t.source}", fontsize=7, y=0.02, va="bottom")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _windows(target: Target, scenario: Scenario) -> list[tuple[int, int]]:
    """The windows a target's metric reads (for shading figures): (start, length)."""
    spec = target.compute
    if isinstance(spec, EventWeekSpec):
        return []
    if isinstance(spec, ShareOfRunsSpec):
        return [(0, resolve_week(spec.by, scenario) + 1)]
    at = resolve_week(spec.at, scenario)
    if isinstance(spec, RatioSpec | WindowSpec | ControlSpec):
        return [(at, spec.weeks)]
    if isinstance(spec, RecoverySpec):
        return [(at - spec.before, spec.before), (at, spec.smooth)]
    wins = [(at - spec.before, spec.before), (at, spec.after)]
    if isinstance(spec, PersistenceSpec):
        wins.append((at + spec.later, spec.after))
    return wins
