"""Test fixture: a small results folder written by the real experiment and results writer.

:func:`make_results` runs a scenario's experiment in this process
(:func:`model.experiment.run_experiment`, one worker), so the folder is exactly what
``conduit run`` writes (docs/results-layout.md): ``manifest.json``, ``runs/``,
``timeseries.parquet`` and ``summary.csv`` from :mod:`model.results`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from model.experiment import run_experiment
from model.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
UK = ROOT / "scenarios" / "uk-2008-bpi-vs-talktalk.yaml"
NORWAY = ROOT / "scenarios" / "norway-2008-ikt-refusal.yaml"


def make_results(
    out: Path,
    scenario_file: Path = UK,
    *,
    subscribers: int = 3000,
    weeks: int = 40,
    replicates: int = 3,
    seed: int = 7,
    sweep: dict[str, list[Any]] | None = None,
    overrides: dict[str, Any] | None = None,
) -> Path:
    """Run a small experiment into ``out/<scenario name>/`` and return that folder."""
    scenario = load_scenario(
        scenario_file,
        overrides={
            "population.subscribers": subscribers,
            "experiment.steps": weeks,
            "experiment.replicates": replicates,
            "experiment.seed": seed,
            **(overrides or {}),
        },
    )
    if sweep:
        data = scenario.to_dict()
        data["experiment"]["sweep"] = {"method": "grid", "parameters": sweep}
        scenario = Scenario.model_validate(data)
    outcome = run_experiment(
        scenario, out, workers=1, scenario_file=str(scenario_file), command=["test"]
    )
    assert not outcome.failed, outcome.failed
    return outcome.directory
