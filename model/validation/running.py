"""Running the targets' scenarios and scoring them: per-replicate values, verdicts, loss."""

from __future__ import annotations

import concurrent.futures as cf
import io
import math
import multiprocessing
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.conditions import event_week, held_by, wilson
from model.scenario import Scenario, load_scenario
from model.validation.metrics import change, control, mean, persistence, ratio, recovery, total
from model.validation.schema import (
    WEEKS_OR_NEVER,
    ChangeSpec,
    ControlSpec,
    EventWeekSpec,
    PersistenceSpec,
    RatioSpec,
    RecoverySpec,
    ShareOfRunsSpec,
    Target,
    Targets,
    WindowSpec,
    check_weeks,
)
from model.validation.weeks import resolve_week


def evaluate(
    target: Target, scenario: Scenario, run: pd.DataFrame, control_run: pd.DataFrame | None = None
) -> float:
    """The target's metric on one run's outcomes (and its control run's, for ``control``)."""
    spec = target.compute
    if isinstance(spec, EventWeekSpec):
        return event_week(run, spec.when)
    if isinstance(spec, ShareOfRunsSpec):
        return held_by(run, spec.when, resolve_week(spec.by, scenario), spec.holds)
    at = resolve_week(spec.at, scenario)
    if isinstance(spec, RatioSpec):
        return ratio(run, spec.numerator, spec.denominator, at, spec.weeks)
    if isinstance(spec, WindowSpec):
        window = total if spec.metric == "total" else mean
        return window(run, spec.column, at, spec.weeks)
    if isinstance(spec, ChangeSpec):
        return change(run, spec.column, at, spec.before, spec.after)
    if isinstance(spec, PersistenceSpec):
        return persistence(
            run, spec.column, at, spec.before, spec.after, spec.later, spec.min_change
        )
    if isinstance(spec, RecoverySpec):
        return recovery(run, spec.column, at, spec.before, spec.within, spec.smooth)
    if control_run is None:
        raise ValueError(f"target {target.name}: a control run is needed")
    return control(run, control_run, spec.column, at, spec.weeks)


@dataclass
class TargetResult:
    """A target against the model: the per-replicate values and the verdict."""

    target: Target
    values: np.ndarray

    @property
    def is_share(self) -> bool:
        return isinstance(self.target.compute, ShareOfRunsSpec)

    @property
    def median(self) -> float:
        """The model's value: the median over runs; for ``share_of_runs`` the share of runs."""
        ok = self.values[~np.isnan(self.values)]
        if not len(ok):
            return math.nan
        return float(np.mean(ok)) if self.is_share else float(np.median(ok))

    def _percentile(self, q: float) -> float:
        ok = self.values[~np.isnan(self.values)]
        if not len(ok):
            return math.nan
        if self.is_share:  # a 90% interval of the share, not of the 0/1 values
            return wilson(float(ok.sum()), len(ok))[0 if q < 50 else 1]
        if isinstance(self.target.compute, WEEKS_OR_NEVER):  # weeks; "never" is inf
            return float(np.percentile(ok, q, method="lower" if q < 50 else "higher"))
        return float(np.percentile(ok, q))

    @property
    def low(self) -> float:
        return self._percentile(5)

    @property
    def high(self) -> float:
        return self._percentile(95)

    @property
    def passed(self) -> bool:
        m = self.median
        return not math.isnan(m) and self.target.band[0] <= m <= self.target.band[1]

    @property
    def status(self) -> str:
        """``pass``, ``FAIL``, or ``known-fail`` (a documented limitation of the rules)."""
        if self.passed:
            return "pass"
        return "known-fail" if self.target.known_failure else "FAIL"

    def miss(self) -> float:
        """Distance of the median outside the band, in band widths (0 inside; inf if NaN)."""
        m = self.median
        lo, hi = self.target.band
        if math.isnan(m):
            return math.inf
        width = max(hi - lo, 1e-9, 0.05 * max(abs(lo), abs(hi)))
        return max(lo - m, m - hi, 0.0) / width

    def off_centre(self) -> float:
        """Distance of the median from the band's centre, in half band widths."""
        m = self.median
        lo, hi = self.target.band
        if math.isnan(m):
            return math.inf
        return abs(m - (lo + hi) / 2) / max((hi - lo) / 2, 1e-9)


@dataclass
class Runs:
    """Outcomes of every replicate of every scenario variant needed by a set of targets."""

    scenarios: dict[str, Scenario] = field(default_factory=dict)
    outcomes: dict[str, list[pd.DataFrame]] = field(default_factory=dict)


def _variants(
    targets: Targets, overrides: Mapping[str, Any]
) -> dict[str, tuple[Path, dict[str, Any]]]:
    """The scenario variants to run: key -> (file, overrides). Controls are variants too."""
    out: dict[str, tuple[Path, dict[str, Any]]] = {}
    for t in targets.targets:
        file = targets.scenario_path(t)
        out.setdefault(t.scenario, (file, dict(overrides)))
        if isinstance(t.compute, ControlSpec):
            out.setdefault(_control_key(t), (file, {**overrides, **t.compute.overrides}))
    return out


def _control_key(target: Target) -> str:
    return f"{target.scenario}#control:{target.name}"


def run_targets(
    targets: Targets,
    replicates: int,
    overrides: Mapping[str, Any] | None = None,
    workers: int | None = None,
    on_result: Callable[[], None] | None = None,
) -> Runs:
    """Run every scenario (and control) the targets need, ``replicates`` times each.

    Replicate r of every variant uses the seed ``SeedSequence(experiment.seed,
    spawn_key=(0, r))`` of its scenario, so a scenario and its control share their
    random numbers (common random numbers). Runs go to local processes
    (:func:`model.experiment.run_local`).

    Raises:
        ScenarioError: a target's week does not resolve in its scenario once ``overrides``
            are applied (located in the targets file); raised before anything runs.
    """
    from model.experiment import RunSpec

    runs = Runs()
    jobs: list[tuple[str, dict[str, Any], Any]] = []
    for key, (file, ov) in _variants(targets, overrides or {}).items():
        scenario = load_scenario(file, overrides=ov)
        runs.scenarios[key] = scenario
        exp = scenario.experiment
        base = scenario.to_dict()
        for rep in range(replicates):
            spec = RunSpec(
                run_id=rep, point=0, replicate=rep, params={}, entropy=exp.seed, steps=exp.steps
            )
            jobs.append((key, base, spec))
        runs.outcomes[key] = [pd.DataFrame()] * replicates
    check_weeks(targets, runs.scenarios)  # before any run: overrides may remove a date
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    for key, rep, result in _execute(jobs, workers):
        if result.error is not None or result.data is None:
            raise RuntimeError(f"{key} replicate {rep} failed: {result.error}")
        runs.outcomes[key][rep] = pd.read_parquet(io.BytesIO(result.data))
        if on_result is not None:
            on_result()
    return runs


def _execute(jobs: list[tuple[str, dict[str, Any], Any]], workers: int) -> Iterable[tuple]:
    """Run ``(key, base, spec)`` jobs with :func:`model.experiment.run_one`, as they finish.

    One pool of ``workers`` local processes for every scenario variant (in this process
    when ``workers`` is 1).
    """
    from model.experiment import run_one

    if workers <= 1:
        for key, base, spec in jobs:
            yield key, spec.replicate, run_one(base, spec)
        return
    context = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {pool.submit(run_one, base, spec): (key, spec) for key, base, spec in jobs}
        for future in cf.as_completed(futures):
            key, spec = futures[future]
            yield key, spec.replicate, future.result()


def score(targets: Targets, runs: Runs) -> list[TargetResult]:
    """Each target's metric on every replicate."""
    out = []
    for t in targets.targets:
        scenario = runs.scenarios[t.scenario]
        treated = runs.outcomes[t.scenario]
        controls: Iterable[pd.DataFrame | None] = (
            runs.outcomes[_control_key(t)]
            if isinstance(t.compute, ControlSpec)
            else [None] * len(treated)
        )
        values = np.array(
            [evaluate(t, scenario, r, c) for r, c in zip(treated, controls, strict=True)]
        )
        out.append(TargetResult(t, values))
    return out


def validate(
    targets: Targets,
    replicates: int,
    overrides: Mapping[str, Any] | None = None,
    workers: int | None = None,
    on_result: Callable[[], None] | None = None,
) -> tuple[list[TargetResult], Runs]:
    """Run the targets' scenarios and score them."""
    runs = run_targets(targets, replicates, overrides, workers, on_result)
    return score(targets, runs), runs


def loss(results: Iterable[TargetResult]) -> float:
    """Fit of a set of results (lower is better; 0 is unreachable).

    Sum over targets of the squared miss outside the band (in band widths) plus 1% of the
    squared distance from the band's centre (to break ties between points inside every
    band). A NaN median counts as a miss of 10 band widths. Known failures are left out.
    """
    total_loss = 0.0
    for r in results:
        if r.target.known_failure:
            continue
        miss = r.miss()
        miss = 10.0 if math.isinf(miss) else miss
        centre = r.off_centre()
        centre = 10.0 if math.isinf(centre) else centre
        total_loss += miss**2 + 0.01 * centre**2
    return total_loss
