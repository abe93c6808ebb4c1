"""Test fixture: a results folder in the documented layout (docs/results-layout.md).

Independent of ``conduit run`` so the plotting tests do not depend on the runner: runs
``PolicyModel`` for a few sweep points and replicates and writes ``manifest.json``,
``runs/``, ``timeseries.parquet`` and ``summary.csv`` per the contract.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.policy_model import PolicyModel
from model.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
UK = ROOT / "scenarios" / "uk-2008-bpi-vs-talktalk.yaml"
NORWAY = ROOT / "scenarios" / "norway-2008-ikt-refusal.yaml"
COUNT_WORDS = ("notices", "warnings", "sanction", "lawsuits", "cases")


def is_count(column: str) -> bool:
    """Count columns get a ``total.`` column in summary.csv."""
    return any(w in column for w in COUNT_WORDS) and column != "review_backlog"


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
    """Run a small experiment and write it to ``out`` in the documented layout."""
    base = {"population.subscribers": subscribers, **(overrides or {})}
    params = list(sweep or {})
    points = list(itertools.product(*(sweep or {}).values())) or [()]
    runs_dir = out / "runs"
    runs_dir.mkdir(parents=True, exist_ok=True)
    frames, rows, table = [], [], []
    scenario = load_scenario(scenario_file, overrides=base)
    for point, values in enumerate(points):
        point_params = dict(zip(params, values, strict=True))
        scen = load_scenario(scenario_file, overrides={**base, **point_params})
        for rep in range(replicates):
            run_id = point * replicates + rep
            ss = np.random.SeedSequence(seed, spawn_key=(point, rep))
            df = PolicyModel(scen, rng=ss).run(weeks).outcomes()
            ids = pd.DataFrame(
                {"run_id": run_id, "point": point, "replicate": rep, **point_params},
                index=df.index,
            ).astype({"run_id": "int64", "point": "int64", "replicate": "int64"})
            df = pd.concat([ids, df], axis=1)
            df.to_parquet(runs_dir / f"run-{run_id:05d}.parquet", index=False)
            frames.append(df)
            rows.append(_summary_row(df, run_id, point, rep, point_params))
            table.append(
                {
                    "run_id": run_id,
                    "point": point,
                    "replicate": rep,
                    "params": point_params,
                    "seed": {"entropy": seed, "spawn_key": [point, rep]},
                    "status": "done",
                    "seconds": 0.1,
                    "error": None,
                }
            )
    pd.concat(frames, ignore_index=True).to_parquet(out / "timeseries.parquet", index=False)
    pd.DataFrame(rows).to_csv(out / "summary.csv", index=False)
    data = scenario.to_dict()
    data["experiment"].update({"replicates": replicates, "seed": seed, "steps": weeks})
    if sweep:
        data["experiment"]["sweep"] = {"method": "grid", "parameters": sweep}
    pop = scenario.population
    manifest = {
        "conduit_version": "0.1.0",
        "git_commit": None,
        "created": "2024-01-01T00:00:00+00:00",
        "command": ["conduit", "run", str(scenario_file)],
        "python": "3.12",
        "platform": "test",
        "packages": {},
        "scenario_file": str(scenario_file),
        "scenario": data,
        "scenario_sha256": scenario.sha256(),
        "scale": (pop.represents or pop.subscribers) / pop.subscribers,
        "experiment": {"replicates": replicates, "seed": seed, "steps": weeks, "sweep": sweep},
        "parameters": params,
        "runs": table,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return out


def _summary_row(df: pd.DataFrame, run_id, point, rep, point_params) -> dict[str, Any]:
    row: dict[str, Any] = {"run_id": run_id, "point": point, "replicate": rep, **point_params}
    outcomes = df.columns[df.columns.get_loc("week") :]
    for col in outcomes:
        if col == "week" or not pd.api.types.is_numeric_dtype(df[col]):
            continue
        row[f"final.{col}"] = df[col].iloc[-1]
    for col in outcomes:
        if is_count(col) and pd.api.types.is_numeric_dtype(df[col]):
            row[f"total.{col}"] = df[col].sum()
    row["status"] = "done"
    return row
