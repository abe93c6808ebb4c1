"""Experiments: sweep designs, per-run seeds, the worker function and the executors.

A scenario's ``experiment:`` section defines R replicates of each of P sweep points
(P = 1 without a sweep). Runs are numbered in design order, ``run_id = point * R +
replicate``, and each run's seed is ``SeedSequence(experiment.seed, spawn_key=(point,
replicate))``, so any single run can be reproduced alone and results do not depend on
the number of workers or on the executor (local processes or a Dask cluster).

No command-line code here: see :mod:`model.cli`. Results on disk: :mod:`model.results`.
"""

from __future__ import annotations

import concurrent.futures as cf
import io
import itertools
import multiprocessing
import time
import traceback
import typing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from model import results
from model.policy_model import PolicyModel
from model.scenario import Range, Scenario, apply_override

ID_COLUMNS = ("run_id", "point", "replicate")


# --------------------------------------------------------------------------- designs
def design(scenario: Scenario) -> list[dict[str, Any]]:
    """The sweep points: one ``{parameter path: value}`` per point, in design order.

    - no sweep: one empty point;
    - ``grid``: every combination of the listed values (the first parameter varies slowest);
    - ``lhs``: ``samples`` points, one in each of ``samples`` equal strata of every range
      (SALib ``latin``);
    - ``sobol``: Saltelli's scheme for Sobol indices with second-order terms, N * (2D + 2)
      points for N = ``samples`` and D parameters (SALib ``sobol``).

    Sampling is seeded by ``experiment.seed``. Integer parameters are rounded.
    """
    sweep = scenario.experiment.sweep
    if sweep is None:
        return [{}]
    paths = list(sweep.parameters)
    if sweep.method == "grid":
        values = [typing.cast(list, sweep.parameters[p]) for p in paths]
        return [dict(zip(paths, combo, strict=True)) for combo in itertools.product(*values)]
    matrix = _sample(sweep.method, sweep.parameters, sweep.samples or 1, scenario.experiment.seed)
    integer = [_is_integer_parameter(p) for p in paths]
    return [
        {
            p: (round(float(v)) if is_int else float(v))
            for p, v, is_int in zip(paths, row, integer, strict=True)
        }
        for row in matrix
    ]


def salib_problem(parameters: dict[str, Any]) -> dict[str, Any]:
    """The SALib problem definition of a sweep's ranges (for sampling and analysis)."""
    ranges = [typing.cast(Range, spec) for spec in parameters.values()]
    return {
        "num_vars": len(parameters),
        "names": list(parameters),
        "bounds": [[r.low, r.high] for r in ranges],
    }


def _sample(method: str, parameters: dict[str, Any], samples: int, seed: int) -> np.ndarray:
    from SALib.sample import latin, sobol  # SALib is slow to import; only sweeps need it

    problem = salib_problem(parameters)
    if method == "lhs":
        return latin.sample(problem, samples, seed=seed)
    return sobol.sample(problem, samples, calc_second_order=True, seed=seed)


def _is_integer_parameter(path: str) -> bool:
    """Whether the schema types the parameter at ``path`` as an integer."""
    schema: Any = Scenario
    parts = path.split(".")
    i = 0
    while i < len(parts):
        fields = getattr(schema, "model_fields", None)
        if fields is None or parts[i] not in fields:
            return False
        annotation = fields[parts[i]].annotation
        args = typing.get_args(annotation)
        if i == len(parts) - 1:
            return annotation is int or int in args
        if typing.get_origin(annotation) is list:
            i += 1  # the next part is an item's name
            annotation = args[0]
        schema = next(
            (a for a in (annotation, *typing.get_args(annotation)) if hasattr(a, "model_fields")),
            None,
        )
        i += 1
    return False


# --------------------------------------------------------------------------- runs
@dataclass(frozen=True)
class RunSpec:
    """One run of an experiment: where it sits in the design, its parameters, its seed.

    Attributes:
        run_id: ``point * replicates + replicate``.
        point: index of the sweep point (0 without a sweep).
        replicate: 0..replicates-1.
        params: ``{parameter path: value}`` of the sweep point.
        entropy: the scenario's ``experiment.seed``.
        steps: weeks to simulate.
    """

    run_id: int
    point: int
    replicate: int
    params: dict[str, Any]
    entropy: int
    steps: int

    def seed_sequence(self) -> np.random.SeedSequence:
        """The run's seed: ``SeedSequence(entropy, spawn_key=(point, replicate))``."""
        return np.random.SeedSequence(self.entropy, spawn_key=(self.point, self.replicate))

    def seed_record(self) -> dict[str, Any]:
        """The seed as recorded in the manifest."""
        return {"entropy": self.entropy, "spawn_key": [self.point, self.replicate]}


@dataclass
class RunResult:
    """What a worker sends back: the run's table as Parquet bytes, or an error."""

    run_id: int
    data: bytes | None
    seconds: float
    error: str | None = None


def plan(scenario: Scenario) -> list[RunSpec]:
    """Every run of the scenario's experiment, in ``run_id`` order."""
    exp = scenario.experiment
    return [
        RunSpec(point * exp.replicates + rep, point, rep, params, exp.seed, exp.steps)
        for point, params in enumerate(design(scenario))
        for rep in range(exp.replicates)
    ]


def scenario_for(base: dict[str, Any], params: dict[str, Any]) -> Scenario:
    """The resolved scenario ``base`` (``Scenario.to_dict()``) with a sweep point applied."""
    data = _deep_copy(base)
    for path, value in params.items():
        apply_override(data, path, value)
    return Scenario.model_validate(data)


def _deep_copy(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _deep_copy(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_deep_copy(v) for v in data]
    return data


def run_table(base: dict[str, Any], spec: RunSpec) -> pd.DataFrame:
    """Simulate one run: its rows of ``timeseries.parquet`` (ids, parameters, outcomes)."""
    scenario = scenario_for(base, spec.params)
    outcomes = PolicyModel(scenario, rng=spec.seed_sequence()).run(spec.steps).outcomes()
    ids = {"run_id": spec.run_id, "point": spec.point, "replicate": spec.replicate}
    front = pd.DataFrame(
        {**{k: np.full(len(outcomes), v, dtype=np.int64) for k, v in ids.items()}},
        index=outcomes.index,
    )
    for path, value in spec.params.items():
        front[path] = pd.Series([value] * len(outcomes), index=outcomes.index)
    return pd.concat([front, outcomes], axis=1)


def run_one(base: dict[str, Any], spec: RunSpec) -> RunResult:
    """The worker function: run ``spec`` and return its table as Parquet bytes.

    Never raises: a failing run comes back with ``error`` set (its traceback's summary).
    """
    start = time.perf_counter()
    try:
        table = run_table(base, spec)
        buffer = io.BytesIO()
        pq.write_table(pa.Table.from_pandas(table, preserve_index=False), buffer)
        data, error = buffer.getvalue(), None
    except Exception as exc:  # a failed run is reported, the others carry on
        data = None
        error = f"{type(exc).__name__}: {exc}\n" + "".join(traceback.format_exc(limit=-3))
    return RunResult(spec.run_id, data, time.perf_counter() - start, error)


# --------------------------------------------------------------------------- executors
def run_local(base: dict, specs: list[RunSpec], workers: int) -> Iterator[RunResult]:
    """Runs in local processes (in this process when ``workers`` is 1), as they finish.

    At most ``2 * workers`` runs are in flight, so memory stays bounded however many
    runs there are.
    """
    if workers <= 1:
        for spec in specs:
            yield run_one(base, spec)
        return
    context = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield from _windowed(
            specs,
            lambda spec: pool.submit(run_one, base, spec),
            lambda pending: cf.wait(pending, return_when=cf.FIRST_COMPLETED)[0],
            2 * workers,
            _local_failure,
        )


def run_dask(base: dict, specs: list[RunSpec], address: str) -> Iterator[RunResult]:
    """Runs on a Dask distributed cluster (``tcp://host:port``), as they finish.

    The workers need conduit installed (``pip install -e .`` in the same version).
    """
    import distributed

    with distributed.Client(address, set_as_default=False) as client:
        window = 2 * max(1, sum(client.nthreads().values()))
        base_future = client.scatter(base, broadcast=True)
        finished = distributed.as_completed(loop=client.loop)

        def submit(spec: RunSpec) -> Any:
            future = client.submit(run_one, base_future, spec, pure=False)
            finished.add(future)
            return future

        yield from _windowed(specs, submit, lambda _: [next(finished)], window, _dask_failure)


def _windowed(
    specs: Iterable[RunSpec],
    submit: Callable[[RunSpec], Any],
    wait_any: Callable[[set], Iterable[Any]],
    window: int,
    failure: Callable[[Any, RunSpec], RunResult | None],
) -> Iterator[RunResult]:
    todo = iter(specs)
    pending: dict[Any, RunSpec] = {}
    while True:
        while len(pending) < window and (spec := next(todo, None)) is not None:
            pending[submit(spec)] = spec
        if not pending:
            return
        for future in list(wait_any(set(pending))):
            spec = pending.pop(future)
            yield failure(future, spec) or future.result()


def _local_failure(future: cf.Future, spec: RunSpec) -> RunResult | None:
    exc = future.exception()
    if exc is None:
        return None
    return RunResult(spec.run_id, None, 0.0, f"worker died: {type(exc).__name__}: {exc}")


def _dask_failure(future: Any, spec: RunSpec) -> RunResult | None:
    if future.status != "error":
        return None
    exc = future.exception()
    return RunResult(spec.run_id, None, 0.0, f"worker failed: {type(exc).__name__}: {exc}")


# --------------------------------------------------------------------------- the experiment
@dataclass
class ExperimentOutcome:
    """What :func:`run_experiment` did."""

    directory: Path
    total: int
    skipped: int
    done: int
    failed: dict[int, str] = field(default_factory=dict)
    seconds: float = 0.0


def run_experiment(
    scenario: Scenario,
    root: str | Path = "results",
    *,
    workers: int = 1,
    scheduler: str | None = None,
    force: bool = False,
    scenario_file: str | None = None,
    command: list[str] | None = None,
    on_start: Callable[[int, int], None] | None = None,
    on_result: Callable[[RunResult], None] | None = None,
) -> ExperimentOutcome:
    """Run every unfinished run of ``scenario`` and write ``<root>/<scenario.name>/``.

    Finished runs (same scenario sha256) are skipped; a different scenario in the same
    directory raises :class:`model.results.ResultsConflict` unless ``force``.

    Args:
        workers: local processes (ignored with ``scheduler``).
        scheduler: address of a Dask scheduler; runs go to its workers.
        on_start: called with (runs to do, runs already finished).
        on_result: called after each run is written (or has failed).
    """
    start = time.perf_counter()
    specs = plan(scenario)
    store = results.ResultStore.open(
        Path(root) / scenario.name, scenario, specs, force, scenario_file, command
    )
    todo = [s for s in specs if s.run_id not in store.finished]
    if on_start is not None:
        on_start(len(todo), len(specs) - len(todo))
    base = scenario.to_dict()
    stream = run_dask(base, todo, scheduler) if scheduler else run_local(base, todo, workers)
    failed: dict[int, str] = {}
    for result in stream:
        if result.error is None and result.data is not None:
            store.add(result.run_id, result.data, result.seconds)
        else:
            failed[result.run_id] = result.error or "no result"
            store.fail(result.run_id, failed[result.run_id], result.seconds)
        if on_result is not None:
            on_result(result)
    store.finish()
    return ExperimentOutcome(
        store.directory,
        len(specs),
        len(specs) - len(todo),
        len(todo) - len(failed),
        failed,
        time.perf_counter() - start,
    )
