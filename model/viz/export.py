"""'Download results': the session's runs as a results folder (docs/results-layout.md).

The runs are written with :class:`model.results.ResultStore`, the writer of
``conduit run``, so ``conduit plot`` and ``compare`` read the folder. The folder's
scenario is the one the runs simulate: the settings with ``experiment.steps`` = the
weeks run so far and ``experiment.replicates`` = the runs, and in an A/B comparison
``policies:`` A (no changes) and B (B's changes). Its run ids and seeds are those of
``conduit run`` on that scenario (world 0, replicate r), so a run re-simulated by the
batch tools is identical to the one exported.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from model import experiment
from model.results import ResultStore
from model.scenario import Policy, Scenario
from model.viz.workbench import Workbench


def results_scenario(bench: Workbench, name: str) -> Scenario:
    """The scenario whose ``conduit run`` would make the session's runs."""
    a = bench.a.scenario
    exp = a.experiment.model_copy(
        update={"replicates": bench.a.runs, "steps": bench.week, "sweep": None, "precision": None}
    )
    policies = []
    if bench.b is not None:
        policies = [
            Policy(name="A", description="The visualiser's settings."),
            Policy(name="B", description="The settings with B's changes.", set=bench.variant),
        ]
    data = a.model_copy(
        update={"name": name, "experiment": exp, "analysis": None, "policies": policies}
    ).to_dict()
    return Scenario.model_validate(data)


def export(bench: Workbench, root: Path, stamp: str | None = None) -> Path:
    """Write the session's runs under ``root`` (``<root>/<scenario>-viz-<stamp>/``).

    Returns:
        the results folder.

    Raises:
        ValueError: nothing simulated yet.
    """
    with bench.lock:
        if bench.week == 0:
            raise ValueError("nothing to export yet: press Step or Play first")
        stamp = stamp or dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
        name = f"{bench.settings.base.name}-viz-{stamp}"
        suffix = 1
        while (root / name).exists():  # two downloads within a second: never mix them
            suffix += 1
            name = f"{bench.settings.base.name}-viz-{stamp}-{suffix}"
        scenario = results_scenario(bench, name)
        specs = experiment.plan(scenario)
        store = ResultStore.open(
            root / name,
            scenario,
            specs,
            scenario_file=bench.settings.file.name,
            command=["conduit", "viz"],
        )
        for spec in specs:
            arm = bench.a if not spec.policy else bench.b
            assert arm is not None
            table = _run_table(arm.outcomes(spec.replicate), spec)
            buffer = io.BytesIO()
            pq.write_table(pa.Table.from_pandas(table, preserve_index=False), buffer)
            store.add(spec.run_id, buffer.getvalue(), 0.0)
        store.finish()
        return root / name


def _run_table(outcomes: pd.DataFrame, spec: experiment.RunSpec) -> pd.DataFrame:
    """A run's rows as ``experiment.run_table`` lays them out (ids, then outcomes)."""
    ids = {"run_id": spec.run_id, "point": spec.point, "replicate": spec.replicate}
    if spec.policy is not None:
        ids["world"] = spec.world_index
    front = pd.DataFrame(
        {k: np.full(len(outcomes), v, dtype=np.int64) for k, v in ids.items()},
        index=outcomes.index,
    )
    if spec.policy_name is not None:
        front["policy"] = pd.Series([spec.policy_name] * len(outcomes), index=outcomes.index)
    return pd.concat([front, outcomes], axis=1)
