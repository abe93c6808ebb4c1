"""Live ensembles for the visualiser: N seeded replicates of one or two configurations.

An :class:`Arm` is one configuration (a resolved scenario) simulated ``runs`` times side
by side in this process. Replicate ``r`` takes the seed
``SeedSequence(experiment.seed, spawn_key=(0, r))``: world 0 of the batch tools' seeds
rule (docs/results-layout.md), so the visualiser's runs are the runs ``conduit run`` and
``compare-policies`` would make, and policy A and policy B of one replicate draw the
same random numbers (common random numbers): they differ only by the policy's effect.

The runs step one after another in the server's process: a week of 16 runs of 20,000
subscribers (A/B x 8) costs 0.03-0.07 s here (benchmarks/bench_viz.py), a small part of
the page's round trip, so a worker pool (which would have to ship every run's state or
keep long-lived workers per browser session) was not built.

The arm keeps each numeric outcome as a (runs x weeks) array, grown a week at a time,
and the ISPs' regimes (policing or not) the same way; the charts read summaries of
those arrays (:func:`bands`, :func:`totals`, :meth:`Arm.policing_share`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from model import outcomes, policies
from model.policy_model import PolicyModel
from model.scenario import Scenario

WORLD = 0
"""The visualiser samples one world (the scenario's own parameter values)."""

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
"""Band edges drawn: 90 % band (5-95 %), 50 % band (25-75 %) and the median."""

MAX_RUNS = 32
DEFAULT_RUNS = 8


def seed_for(scenario: Scenario, replicate: int) -> np.random.SeedSequence:
    """The batch tools' seed of world 0, replicate ``replicate`` (the policy is not in it)."""
    return np.random.SeedSequence(scenario.experiment.seed, spawn_key=(WORLD, replicate))


class TrackedModel(PolicyModel):
    """A :class:`PolicyModel` that keeps its latest outcome row at hand (no DataFrame)."""

    last_row: dict[str, Any]

    def outcome_row(self, week: int, tally, sanctions: dict, penalty) -> dict[str, Any]:
        row = super().outcome_row(week, tally, sanctions, penalty)
        self.last_row = row
        return row


@dataclass(frozen=True)
class Band:
    """Quantiles of one outcome across runs, per week (arrays of length weeks)."""

    weeks: np.ndarray
    p05: np.ndarray
    p25: np.ndarray
    median: np.ndarray
    p75: np.ndarray
    p95: np.ndarray


class Arm:
    """One configuration simulated ``runs`` times (replicates 0..runs-1).

    Args:
        label: ``"A"`` or ``"B"``.
        scenario: the resolved scenario.
        runs: number of replicates.
    """

    def __init__(self, label: str, scenario: Scenario, runs: int):
        if not 1 <= runs <= MAX_RUNS:
            raise ValueError(f"runs must be 1..{MAX_RUNS}, got {runs}")
        self.label = label
        self.scenario = scenario
        self.models = [TrackedModel(scenario, rng=seed_for(scenario, r)) for r in range(runs)]
        self.isps = [i.name for i in scenario.isps]
        self._columns: dict[str, list[np.ndarray]] = {}
        self._policing: list[np.ndarray] = []  # per week: (runs, isps) bool
        self._stances: list[list[tuple[str, ...]]] = []  # per week, per run
        self._stacked: dict[str, np.ndarray] = {}  # this week's (runs x weeks) arrays
        self._started: dict[str, np.ndarray] | None = None

    @property
    def runs(self) -> int:
        return len(self.models)

    @property
    def week(self) -> int:
        """Weeks simulated so far."""
        return self.models[0].week

    @property
    def scale(self) -> float:
        """Real accounts per simulated subscriber."""
        return self.models[0].scale

    def step(self) -> None:
        """One week of every run, then the week's outcomes appended to the arrays."""
        for model in self.models:
            model.step()
        self._stacked, self._started = {}, None
        rows = [m.last_row for m in self.models]
        first = rows[0]
        for key, value in first.items():
            if isinstance(value, str):
                continue
            self._columns.setdefault(key, []).append(
                np.fromiter((r.get(key, np.nan) for r in rows), float, len(rows))
            )
        stances = [tuple(r[f"stance.{n}"] for n in self.isps) for r in rows]
        self._stances.append(stances)
        self._policing.append(np.array([[s != "refuse" for s in run] for run in stances]))

    # ------------------------------------------------------------------ reading
    def has(self, column: str) -> bool:
        return column in self._columns

    def values(self, column: str) -> np.ndarray:
        """(runs x weeks) values of a numeric outcome column (built once a week)."""
        cached = self._stacked.get(column)
        if cached is not None:
            return cached
        weeks = self._columns.get(column)
        stacked = np.stack(weeks, axis=1) if weeks else np.zeros((self.runs, 0))
        self._stacked[column] = stacked
        return stacked

    def weeks(self) -> np.ndarray:
        return np.arange(self.week)

    def band(self, column: str, factor: float = 1.0) -> Band:
        """Median and 50/90 % bands of ``column`` (times ``factor``) across runs, per week."""
        return bands(factor * self.values(column))

    def totals(self, column: str) -> np.ndarray:
        """Per run: the column summed over the weeks so far, at the real population's
        size where the registry records it at model scale."""
        return outcomes.real_factor(column, self.scale) * self.values(column).sum(axis=1)

    def finals(self, column: str) -> np.ndarray:
        """Per run: the column's value in the latest week."""
        v = self.values(column)
        return v[:, -1] if v.shape[1] else np.zeros(self.runs)

    def law_share(self) -> np.ndarray:
        """Per week: share of runs with the law in force."""
        return self.values("law_in_force").mean(axis=0)

    def policing_share(self) -> dict[str, np.ndarray]:
        """Per ISP, per week: share of runs in which it has started policing (any regime
        other than refuse, voluntary or under law) by that week."""
        if self._started is None:
            if not self._policing:
                self._started = {n: np.zeros(0) for n in self.isps}
            else:
                started = np.maximum.accumulate(np.stack(self._policing, axis=0), axis=0)
                share = started.mean(axis=1)  # weeks x isps
                self._started = {n: share[:, i] for i, n in enumerate(self.isps)}
        return self._started

    def stance_changes(self, run: int = 0) -> dict[str, list[tuple[int, str]]]:
        """Per ISP: (week, stance) where run ``run``'s regime changed (week 0 excluded)."""
        out: dict[str, list[tuple[int, str]]] = {n: [] for n in self.isps}
        previous = None
        for week, per_run in enumerate(self._stances):
            now = per_run[run]
            if previous is not None:
                for name, before, after in zip(self.isps, previous, now, strict=True):
                    if before != after:
                        out[name].append((week, after))
            previous = now
        return out

    def outcomes(self, run: int) -> pd.DataFrame:
        """Run ``run``'s weekly outcomes, as ``PolicyModel.outcomes()`` gives them."""
        return self.models[run].outcomes()


# --------------------------------------------------------------------------- summaries
def bands(values: np.ndarray) -> Band:
    """Quantiles across runs (axis 0) of a (runs x weeks) array."""
    weeks = np.arange(values.shape[1])
    if values.shape[1] == 0:
        empty = np.zeros(0)
        return Band(weeks, empty, empty, empty, empty, empty)
    q = np.quantile(values, QUANTILES, axis=0)
    return Band(weeks, *q)


@dataclass(frozen=True)
class Spread:
    """Median and range (min, max) of one figure across runs."""

    median: float
    low: float
    high: float

    def text(self, fmt: str = "{:,.0f}") -> str:
        """``"1,234 (1,100-1,400)"``; a single number when every run agrees."""
        if self.low == self.high:
            return fmt.format(self.median)
        return f"{fmt.format(self.median)} ({fmt.format(self.low)} to {fmt.format(self.high)})"


def spread(values: np.ndarray) -> Spread:
    return Spread(float(np.median(values)), float(np.min(values)), float(np.max(values)))


@dataclass(frozen=True)
class KeyOutcome:
    """An outcome of the difference panel, from the outcome registry: a summary column
    (``final.<column>``, the latest week; ``total.<column>``, summed so far)."""

    summary: str

    @property
    def how(self) -> str:
        return self.summary.split(".", 1)[0]

    @property
    def column(self) -> str:
        return self.summary.split(".", 1)[1]

    @property
    def outcome(self) -> outcomes.Outcome:
        found = outcomes.lookup(self.column)
        assert found is not None, self.column
        return found

    @property
    def title(self) -> str:
        return self.outcome.title

    @property
    def unit(self) -> str:
        """The displayed unit: the registry's axis; counts at the real population's size."""
        o = self.outcome
        if self.how == "total" and o.scaled:
            return real_unit(o.unit)
        return o.axis

    def per_run(self, arm: Arm) -> np.ndarray:
        if self.how == "total":
            return arm.totals(self.column)
        return self.outcome.factor * arm.finals(self.column)


def real_unit(unit: str) -> str:
    """A model-scale count's unit at the real population's size."""
    return unit.replace("(model scale)", "(real population)")


KEY_OUTCOMES = tuple(KeyOutcome(name) for name in ("total.notices_sent", *outcomes.HEADLINE))
"""Outcomes compared between A and B (B minus A, paired by replicate): the registry's
headline outcomes, after the notices sent."""


def differences(a: Arm, b: Arm, level: float = policies.LEVEL) -> pd.DataFrame:
    """B minus A for each key outcome, paired by replicate (same seed), with the paired
    interval of ``compare-policies``: Student t on the per-replicate differences, the
    same formula as :func:`model.policies.paired` (:func:`~model.policies.paired_half_width`).

    Columns: ``outcome``, ``title``, ``unit``, ``mean_diff``, ``paired_low``,
    ``paired_high``, ``worlds`` (replicates); the interval is NaN with one run.
    """
    n = a.runs
    rows = []
    for key in KEY_OUTCOMES:
        d = key.per_run(b) - key.per_run(a)
        mean = float(d.mean())
        half = policies.paired_half_width(d, level)
        rows.append(
            {
                "outcome": key.column,
                "title": key.title,
                "unit": key.unit,
                "mean_diff": mean,
                "paired_low": mean - half,
                "paired_high": mean + half,
                "worlds": n,
            }
        )
    return pd.DataFrame(rows)
