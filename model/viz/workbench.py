"""The visualiser's model: policy A (and B) run as live ensembles, one browser session each.

:class:`Workbench` is the Mesa model the page steps. Mesa's ``ModelController`` calls
:meth:`Workbench.step` (Step, Play) and rebuilds it from the session's
:class:`~model.viz.settings.Settings` on Reset, so a changed control takes effect on
Reset. It holds arm A (the settings) and, in an A/B comparison, arm B (the settings
with B's changes), each simulated ``runs`` times on the batch tools' seeds
(:mod:`model.viz.ensemble`).

The simulated population per run is capped so that one step of every run stays
interactive: ``min(cap, ENSEMBLE_BUDGET // total runs)`` subscribers, the real
population's size kept through the scale (``population.represents``).
"""

from __future__ import annotations

import threading
from typing import Any

import mesa

from model.scenario import ScenarioError, load_scenario
from model.viz.ensemble import Arm
from model.viz.settings import Options, Settings, public_message, variant_scenario

ENSEMBLE_BUDGET = 640_000
"""Subscribers simulated over all runs of one step (A and B): 16 runs of 40,000 step in
about 0.1 s here (benchmarks/bench_viz.py)."""


def subscribers_per_run(requested: int, cap: int, runs: int) -> int:
    """Subscribers each run simulates: the request, within the cap and the budget."""
    return max(1, min(requested, cap, ENSEMBLE_BUDGET // max(runs, 1)))


class Workbench(mesa.Model):
    """Arm A (and B) of one session, stepped together.

    Args:
        settings: the session's controls and options (read once: later changes wait
            for Reset).
        scenario: Mesa's own scenario object, passed by Mesa's controller on Reset; unused.

    Attributes:
        applied: the control values this model was built with.
        options: the options it was built with.
        error: why the settings could not be applied (then the base scenario runs).
        variant_error: why policy B could not be built (then only A runs).
        variant: B's changes ``{path: value}`` (empty without B).
        per_run: simulated subscribers per run (``subscribers`` is taken by Mesa).
    """

    def __init__(self, settings: Settings, scenario: Any = None):
        super().__init__()
        self.settings = settings
        self.applied = dict(settings.values)
        self.options: Options = settings.options
        self.error: str | None = None
        self.variant_error: str | None = None
        self.variant: dict[str, Any] = {}
        opts = self.options
        total_runs = opts.replicates * (2 if opts.compare else 1)
        self.per_run = subscribers_per_run(
            int(settings.values["population.subscribers"]), settings.max_subscribers, total_runs
        )
        extra = {"population.subscribers": self.per_run}
        try:
            a = settings.scenario(extra)
        except ScenarioError as exc:
            self.error = public_message(exc)
            a = load_scenario(settings.file, overrides=extra)
        b = None
        if opts.compare:
            try:
                b, self.variant = variant_scenario(settings, opts.variant, extra)
            except ScenarioError as exc:
                self.variant_error = public_message(exc)
        self.a = Arm("A", a, opts.replicates)
        self.b = Arm("B", b, opts.replicates) if b is not None else None
        self.run_weeks = a.experiment.steps  # (Mesa counts its own `steps`)
        self.running = True
        # Mesa's Play steps in a thread while the page renders: one at a time
        self.lock = threading.RLock()

    @property
    def week(self) -> int:
        return self.a.week

    @property
    def finished(self) -> bool:
        return self.a.week >= self.run_weeks

    @property
    def arms(self) -> list[Arm]:
        return [self.a] if self.b is None else [self.a, self.b]

    def step(self) -> None:
        with self.lock:
            if self.finished:
                self.running = False
                return
            for arm in self.arms:
                arm.step()
            self.running = not self.finished
