"""Calibration: search named parameters so that the model meets its empirical targets.

Method (documented in docs/ODD.md, "Calibration and validation"):

1. **Latin hypercube**: ``samples`` points over the parameter ranges (SALib ``latin``,
   seeded), each scored by :func:`model.validation.loss` on every target at once
   (the same parameter values in every country's scenario).
2. **Local refinement**: a compass (coordinate pattern) search from the best point:
   each parameter is moved up and down by a step (a quarter of its range at first);
   a move is kept when it lowers the loss; when no move helps, the steps are halved.
   It stops after ``refine`` evaluations or when steps fall below 1% of the ranges.

Every evaluation runs the same replicates with the same seeds (common random numbers),
so differences between points are not seed noise. The loss is the sum over targets of
the squared miss outside the band (in band widths) plus 1% of the squared distance to
the band's centre.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from model.validation import TargetResult, Targets, loss, validate


@dataclass
class Evaluation:
    """One parameter point and its fit."""

    params: dict[str, float]
    loss: float
    results: list[TargetResult]
    stage: str  # "lhs" or "refine"


@dataclass
class Calibration:
    """Every evaluation, in order; the best is :attr:`best`."""

    ranges: dict[str, tuple[float, float]]
    evaluations: list[Evaluation] = field(default_factory=list)

    @property
    def best(self) -> Evaluation:
        return min(self.evaluations, key=lambda e: e.loss)

    def history(self) -> pd.DataFrame:
        """One row per evaluation: stage, parameters, loss, each target's median."""
        rows = []
        for i, e in enumerate(self.evaluations):
            row: dict[str, Any] = {"evaluation": i, "stage": e.stage, **e.params, "loss": e.loss}
            row.update({r.target.name: r.median for r in e.results})
            rows.append(row)
        return pd.DataFrame(rows)


def parse_range(text: str) -> tuple[str, float, float]:
    """``PATH=LOW:HIGH`` -> (path, low, high); ValueError with the reason otherwise."""
    path, sep, span = text.partition("=")
    low, sep2, high = span.partition(":")
    if not sep or not sep2 or not path.strip():
        raise ValueError(
            f"'{text}' is not PATH=LOW:HIGH (e.g. population.risk.notice_jump=0.2:0.8)"
        )
    try:
        lo, hi = float(low), float(high)
    except ValueError:
        raise ValueError(f"'{text}': LOW and HIGH must be numbers") from None
    if not lo < hi:
        raise ValueError(f"'{text}': LOW ({lo:g}) must be below HIGH ({hi:g})")
    return path.strip(), lo, hi


def latin_hypercube(
    ranges: Mapping[str, tuple[float, float]], samples: int, seed: int
) -> list[dict[str, float]]:
    """``samples`` points, one in each of ``samples`` equal strata of every range."""
    from SALib.sample import latin

    problem = {
        "num_vars": len(ranges),
        "names": list(ranges),
        "bounds": [list(r) for r in ranges.values()],
    }
    matrix = latin.sample(problem, samples, seed=seed)
    return [dict(zip(ranges, map(float, row), strict=True)) for row in matrix]


def _rounded(point: dict[str, float]) -> dict[str, Any]:
    from model.experiment import _is_integer_parameter

    return {p: round(v) if _is_integer_parameter(p) else v for p, v in point.items()}


def compass_search(
    objective: Callable[[dict[str, float]], float],
    start: dict[str, float],
    start_loss: float,
    ranges: Mapping[str, tuple[float, float]],
    budget: int,
    first_step: float = 0.25,
    min_step: float = 0.01,
) -> tuple[dict[str, float], float]:
    """Compass search within the ranges, from ``start``: at most ``budget`` evaluations.

    Steps are fractions of each range: ``first_step`` at first, halved whenever no move
    improves, until ``min_step``. Returns the best point and its loss.
    """
    best, best_loss = dict(start), start_loss
    step = first_step
    used = 0
    while used < budget and step >= min_step:
        improved = False
        for path, (lo, hi) in ranges.items():
            for sign in (+1, -1):
                if used >= budget:
                    break
                trial = dict(best)
                trial[path] = float(np.clip(best[path] + sign * step * (hi - lo), lo, hi))
                if trial[path] == best[path]:
                    continue
                used += 1
                value = objective(trial)
                if value < best_loss:
                    best, best_loss, improved = trial, value, True
                    break
        if not improved:
            step /= 2
    return best, best_loss


def calibrate(
    targets: Targets,
    ranges: Mapping[str, tuple[float, float]],
    samples: int = 12,
    refine: int = 12,
    replicates: int = 2,
    overrides: Mapping[str, Any] | None = None,
    workers: int | None = None,
    seed: int = 1,
    on_evaluation: Callable[[Evaluation], None] | None = None,
) -> Calibration:
    """Fit ``ranges``' parameters to every target jointly (LHS, then compass search).

    Args:
        targets: the targets (their scenarios all get the same parameter values).
        ranges: parameter path -> (low, high).
        samples: Latin hypercube points.
        refine: evaluations allowed in the local search.
        replicates: runs per scenario per evaluation (same seeds at every point).
        overrides: fixed overrides for every scenario (e.g. a smaller population).
        seed: seed of the Latin hypercube.
    """
    cal = Calibration(dict(ranges))

    def evaluate(point: dict[str, float], stage: str) -> float:
        params = _rounded(point)
        results, _ = validate(targets, replicates, {**(overrides or {}), **params}, workers)
        e = Evaluation(params, loss(results), results, stage)
        cal.evaluations.append(e)
        if on_evaluation is not None:
            on_evaluation(e)
        return e.loss

    for point in latin_hypercube(ranges, samples, seed):
        evaluate(point, "lhs")
    start = cal.best
    if refine > 0:
        compass_search(
            lambda p: evaluate(p, "refine"),
            {k: float(v) for k, v in start.params.items()},
            start.loss,
            ranges,
            refine,
        )
    return cal


def fmt_params(params: Mapping[str, Any]) -> str:
    return ", ".join(
        f"{p}={v:.4g}" if isinstance(v, float) and not math.isnan(v) else f"{p}={v}"
        for p, v in params.items()
    )
