"""Experiments: sweep designs, per-run seeds, the worker function and the executors.

A scenario's ``experiment:`` section defines R replicates of each of W worlds: the sweep
points, or the ``analysis:`` sample (W = 1 without either). With ``policies:`` every
policy is run in every world, giving P = policies x W design points, ``point = policy *
W + world`` (W points and ``point = world`` without policies). Runs are numbered in
design order, ``run_id = point * R + replicate``, and each run's seed is
``SeedSequence(experiment.seed, spawn_key=(world, replicate))``: it depends on the world
and the replicate, never on the policy, so the policies of one world share every random
stream (common random numbers). Without policies this is ``spawn_key=(point,
replicate)`` as it always was. Any single run can be reproduced alone and results do not
depend on the number of workers or on the executor (local processes or a Dask cluster).

An ``analysis:`` design shares seeds further (:func:`seed_worlds`): every world derived
from one base-sample row (a Saltelli block A_j, AB_j^1..AB_j^D, B_j; a Morris trajectory)
uses the seed of the block's first world, ``spawn_key=(block, replicate)``. The Sobol
estimators difference worlds of one block (f(A_j) - f(AB_j^i)); with one seed per block
the seed's noise cancels in those differences instead of counting as an effect of every
parameter (common random numbers within each block).

With ``replicates: auto`` R is ``precision.max_replicates`` (the numbering slots) and
replicates are run in batches until each point's confidence interval is narrow enough
(:func:`run_experiment`); adding replicates never changes earlier runs.

No command-line code here: see :mod:`model.cli`. Results on disk: :mod:`model.results`.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import io
import itertools
import math
import multiprocessing
import os
import re
import signal
import time
import traceback
import typing
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from model import integrity, results
from model.policy_model import PolicyModel
from model.runspec import RunSpec
from model.scenario import Range, Scenario, apply_override


# --------------------------------------------------------------------------- designs
def design(scenario: Scenario) -> list[dict[str, Any]]:
    """The sweep points: one ``{parameter path: value}`` per point, in design order.

    - no sweep: one empty point;
    - ``grid``: every combination of the listed values (the first parameter varies slowest);
    - ``lhs``: ``samples`` points, one in each of ``samples`` equal strata of every range
      (SALib ``latin``);
    - ``sobol``: Saltelli's scheme for Sobol indices with second-order terms, N * (2D + 2)
      points for N = ``samples`` and D parameters (SALib ``sobol``).

    With an ``analysis:`` section the points are its SALib sample instead (see
    :func:`analysis_matrix`); these are the worlds that policies are crossed with.

    Sampling is seeded by ``experiment.seed``. Integer parameters are rounded.
    """
    if scenario.analysis is not None:
        return _rows(list(scenario.analysis.parameters), analysis_matrix(scenario))
    sweep = scenario.experiment.sweep
    if sweep is None:
        return [{}]
    paths = list(sweep.parameters)
    if sweep.method == "grid":
        values = [typing.cast(list, sweep.parameters[p]) for p in paths]
        return [dict(zip(paths, combo, strict=True)) for combo in itertools.product(*values)]
    matrix = _sample(sweep.method, sweep.parameters, sweep.samples or 1, scenario.experiment.seed)
    return _rows(paths, matrix)


def _rows(paths: list[str], matrix: np.ndarray) -> list[dict[str, Any]]:
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


def analysis_matrix(scenario: Scenario) -> np.ndarray:
    """The ``analysis:`` sample as SALib draws it (rows in sampler order, unrounded).

    ``sobol``: Saltelli's scheme, N * (D + 2) rows (N * (2D + 2) with ``second_order``);
    ``morris``: N trajectories of D + 1 rows on a ``num_levels`` grid. Seeded by
    ``experiment.seed``. SALib's analysers need exactly these rows in this order.
    """
    from SALib.sample import morris, sobol

    analysis = scenario.analysis
    if analysis is None:
        raise ValueError("the scenario has no analysis section")
    problem = salib_problem(analysis.parameters)
    seed = scenario.experiment.seed
    if analysis.method == "morris":
        return morris.sample(problem, analysis.samples, num_levels=analysis.num_levels, seed=seed)
    return sobol.sample(
        problem, analysis.samples, calc_second_order=analysis.second_order, seed=seed
    )


def seed_worlds(scenario: Scenario) -> list[int]:
    """For each world of the design, the world whose seed it uses (its seed index).

    - ``analysis: {method: sobol}``: Saltelli's design is N blocks of ``D + 2`` rows
      (``2D + 2`` with second order), each derived from base-sample row j: A_j, the D rows
      AB_j^i (A_j with parameter i from B_j), B_j (and BA_j^i). Every world of block j
      gets seed index j.
    - ``analysis: {method: morris}``: N trajectories of ``D + 1`` rows, each one parameter
      step from the last; every world of trajectory j gets seed index j.
    - otherwise (sweeps, no design): each world its own, ``world``.

    Why: Jansen's total index averages (f(A_j) - f(AB_j^i))^2 and the first-order
    estimator f(B_j) (f(AB_j^i) - f(A_j)). With a seed per world, each difference carries
    the noise of two independent runs, so seed noise adds Var(noise) / Var(Y) to every
    total index (an outcome mostly noise reads ST ~ 1 for every parameter, whatever N).
    With one seed per block the differences compare the same random streams, and the
    noise is a share of Var(Y) left unexplained rather than a false effect. The seeds are
    fixed by the design alone, so results stay the same whatever the workers or executor.
    """
    worlds = len(design(scenario))
    analysis = scenario.analysis
    if analysis is None:
        return list(range(worlds))
    d = len(analysis.parameters)
    if analysis.method == "morris":
        block = d + 1
    else:
        block = 2 * d + 2 if analysis.second_order else d + 2
    return [world // block for world in range(worlds)]


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
@dataclass
class RunResult:
    """What a worker sends back: the run's table as Parquet bytes, or an error."""

    run_id: int
    data: bytes | None
    seconds: float
    error: str | None = None


def plan(
    scenario: Scenario, replicates: Callable[[int], Iterable[int]] | None = None
) -> list[RunSpec]:
    """Runs of the scenario's experiment, in ``run_id`` order.

    Args:
        replicates: point -> the replicate numbers to plan for it (default: all
            ``experiment.replicates``; with ``replicates: auto`` the first batch).

    ``run_id = point * slots + replicate`` with ``slots`` = ``experiment.replicates``
    (``precision.max_replicates`` with ``auto``). With policies, ``point = policy *
    worlds + world`` and the seed depends on (world, replicate) only; with an
    ``analysis:`` design, on (block, replicate) (:func:`seed_worlds`).
    """
    exp = scenario.experiment
    slots = exp.replicate_slots
    worlds = design(scenario)
    shared = seed_worlds(scenario) if scenario.analysis is not None else None
    chosen = replicates or (lambda point: range(exp.first_replicates))

    def runs(point: int, params: dict[str, Any], index: int, **policy: Any) -> list[RunSpec]:
        """The runs of one point; ``index``: its world's index (for the shared seed)."""
        seed_world = None if shared is None else shared[index]
        return [
            RunSpec(
                point * slots + rep,
                point,
                rep,
                params,
                exp.seed,
                exp.steps,
                seed_world=seed_world,
                **policy,
            )
            for rep in chosen(point)
        ]

    if not scenario.policies:
        return [spec for point, params in enumerate(worlds) for spec in runs(point, params, point)]
    return [
        spec
        for index, policy in enumerate(scenario.policies)
        for world, params in enumerate(worlds)
        for spec in runs(
            index * len(worlds) + world,
            params,
            world,
            world=world,
            policy=index,
            policy_name=policy.name,
            overrides=dict(policy.set),
        )
    ]


def scenario_for(
    base: dict[str, Any], params: dict[str, Any], overrides: dict[str, Any] | None = None
) -> Scenario:
    """The resolved scenario ``base`` (``Scenario.to_dict()``) with a policy's overrides,
    then a sweep point (world), applied."""
    data = _deep_copy(base)
    for path, value in {**(overrides or {}), **params}.items():
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
    scenario = scenario_for(base, spec.params, spec.overrides)
    outcomes = PolicyModel(scenario, rng=spec.seed_sequence()).run(spec.steps).outcomes()
    ids = {"run_id": spec.run_id, "point": spec.point, "replicate": spec.replicate}
    if spec.policy is not None:
        ids["world"] = spec.world_index
    front = pd.DataFrame(
        {**{k: np.full(len(outcomes), v, dtype=np.int64) for k, v in ids.items()}},
        index=outcomes.index,
    )
    if spec.policy_name is not None:
        front["policy"] = pd.Series([spec.policy_name] * len(outcomes), index=outcomes.index)
    for path, value in spec.params.items():
        front[path] = pd.Series([value] * len(outcomes), index=outcomes.index)
    return pd.concat([front, outcomes], axis=1)


def run_one(base: dict[str, Any], spec: RunSpec) -> RunResult:
    """The worker function: run ``spec`` and return its table as Parquet bytes.

    Never raises: a failing run comes back with ``error`` set (its traceback's summary).
    """
    start = time.perf_counter()
    try:
        table = pa.Table.from_pandas(run_table(base, spec), preserve_index=False)
        # the run's identity inside its file: a resume checks it against the file's name
        table = table.replace_schema_metadata(
            {
                **(table.schema.metadata or {}),
                integrity.RUN_ID_KEY: str(spec.run_id).encode(),
                integrity.SEED_KEY: integrity.seed_key(spec.seed_record()),
            }
        )
        buffer = io.BytesIO()
        pq.write_table(table, buffer)
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
    pool = cf.ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_die_with_parent,
        initargs=(os.getpid(),),
    )
    try:
        yield from _windowed(
            specs,
            lambda spec: pool.submit(run_one, base, spec),
            lambda pending: cf.wait(pending, return_when=cf.FIRST_COMPLETED)[0],
            2 * workers,
            _local_failure,
        )
    except BaseException:
        # interrupted (Ctrl-C, SIGTERM, an error writing results): stop the workers now
        # rather than wait for the runs in flight
        for process in list(getattr(pool, "_processes", {}).values()):
            with contextlib.suppress(Exception):
                process.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _die_with_parent(parent: int) -> None:
    """Worker initializer: on Linux, ask the kernel to kill this worker when ``conduit run``
    dies (even by SIGKILL), so no orphan keeps computing."""
    with contextlib.suppress(Exception):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


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
    rejected: dict[int, str] = field(default_factory=dict)
    """Reused run files that failed verification and were run again: why."""


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
    on_warning: Callable[[str], None] | None = None,
) -> ExperimentOutcome:
    """Run every unfinished run of ``scenario`` and write ``<root>/<scenario.name>/``.

    Finished runs (same scenario sha256) are skipped; a different scenario in the same
    directory raises :class:`model.results.ResultsConflict` unless ``force``.

    With ``replicates: auto`` runs go in batches: every point gets ``precision.batch``
    replicates, then each point whose confidence interval of ``precision.outcome`` is
    still wider than ``precision.ci_width`` gets another batch, until it is narrow
    enough or the point has ``precision.max_replicates``. The decisions depend only on
    finished runs' values, so a resumed experiment takes the same ones; the manifest's
    ``precision`` entry records the replicates each point used.

    Args:
        workers: local processes (ignored with ``scheduler``).
        scheduler: address of a Dask scheduler; runs go to its workers.
        on_start: called with (runs to do, runs already finished), once per batch.
        on_result: called after each run is written (or has failed).
        on_warning: called with a message for each reused run file that failed
            verification (it is run again), and for a stale lock that was replaced.

    Raises:
        model.results.ResultsConflict: another scenario's results (or a busy folder,
            :class:`model.results.ResultsBusy`).
        ValueError: ``scheduler`` is not an address.
    """
    start = time.perf_counter()
    if scheduler is not None:
        check_scheduler(scheduler)
    batch = plan(scenario)
    store = results.ResultStore.open(
        Path(root) / scenario.name, scenario, batch, force, scenario_file, command, on_warning
    )
    try:
        outcome = _run_batches(scenario, store, batch, workers, scheduler, on_start, on_result)
        store.finish()
    except BaseException:
        store.abort()
        raise
    store.close()
    outcome.seconds = time.perf_counter() - start
    return outcome


def _run_batches(
    scenario: Scenario,
    store: results.ResultStore,
    batch: list[RunSpec],
    workers: int,
    scheduler: str | None,
    on_start: Callable[[int, int], None] | None,
    on_result: Callable[[RunResult], None] | None,
) -> ExperimentOutcome:
    exp = scenario.experiment
    base = scenario.to_dict()
    failed: dict[int, str] = {}
    total = skipped = 0
    planned: dict[int, int] = {}
    while batch:
        todo = store.extend(batch)
        total += len(batch)
        skipped += len(batch) - len(todo)
        for spec in batch:
            planned[spec.point] = max(planned.get(spec.point, 0), spec.replicate + 1)
        if on_start is not None:
            on_start(len(todo), len(batch) - len(todo))
        stream = run_dask(base, todo, scheduler) if scheduler else run_local(base, todo, workers)
        for result in stream:
            if result.error is None and result.data is not None:
                store.add(result.run_id, result.data, result.seconds)
            else:
                failed[result.run_id] = result.error or "no result"
                store.fail(result.run_id, failed[result.run_id], result.seconds)
            if on_result is not None:
                on_result(result)
        if exp.replicates != "auto":
            break
        batch = _next_batch(scenario, store, planned)
    return ExperimentOutcome(
        store.directory, total, skipped, total - skipped - len(failed), failed, 0.0, store.rejected
    )


SCHEDULER = re.compile(r"^(?:(?:tcp|tls|inproc|ucx|ws|wss)://)?[\w.\-\[\]:]+:\d{1,5}$")


def check_scheduler(address: str) -> None:
    """A Dask scheduler address (``tcp://host:port``), or a ValueError saying what one is."""
    if not SCHEDULER.match(address) or not 0 < int(address.rsplit(":", 1)[1]) < 65536:
        raise ValueError(
            f"--scheduler '{address[:80]}' is not a Dask scheduler address; expected "
            "tcp://HOST:PORT (e.g. tcp://10.0.0.1:8786)"
        )


MAX_RUNS = 100_000
"""Largest experiment ``conduit run`` starts without ``--allow-large`` (runs, all batches).
100,000 runs of a small population already take hours on a workstation and ~10 GB of
run files; a typo (a grid of 1,000 x 1,000 values) should not start silently."""


def count_runs(scenario: Scenario) -> int:
    """Runs in the scenario's experiment (with ``replicates: auto``, at most), without
    building the design (a huge grid must be counted, not listed)."""
    exp = scenario.experiment
    sweep, analysis = exp.sweep, scenario.analysis
    if analysis is not None:
        d, n = len(analysis.parameters), analysis.samples
        worlds = (
            n * (d + 1)
            if analysis.method == "morris"
            else n * (2 * d + 2 if analysis.second_order else d + 2)
        )
    elif sweep is None:
        worlds = 1
    elif sweep.method == "grid":
        worlds = math.prod(len(typing.cast(list, v)) for v in sweep.parameters.values())
    elif sweep.method == "lhs":
        worlds = sweep.samples or 1
    else:
        worlds = (sweep.samples or 1) * (2 * len(sweep.parameters) + 2)
    return worlds * max(1, len(scenario.policies)) * exp.replicate_slots


# --------------------------------------------------------------------------- replicates: auto
def ci_width(values: Sequence[float], level: float = 0.95) -> float:
    """Full width of the Student-t confidence interval of the mean of ``values``.

    ``2 * t_{(1+level)/2, n-1} * s / sqrt(n)`` with ``s`` the sample standard deviation;
    infinite for fewer than two values (no estimate of the spread).
    """
    from scipy import stats

    x = np.asarray(values, dtype=float)
    if len(x) < 2:
        return float("inf")
    t = float(stats.t.ppf(0.5 + level / 2, len(x) - 1))
    return 2.0 * t * float(np.std(x, ddof=1)) / np.sqrt(len(x))


def _next_batch(
    scenario: Scenario, store: results.ResultStore, planned: dict[int, int]
) -> list[RunSpec]:
    """The next batch of ``replicates: auto``; records each point's state in the manifest."""
    precision = scenario.experiment.precision
    assert precision is not None
    values = _point_values(store, precision.outcome)
    more: dict[int, range] = {}
    points = []
    for point in sorted(planned):
        n = planned[point]
        width = ci_width(values.get(point, []), precision.level)
        reached = width <= precision.ci_width
        if not reached and n < precision.max_replicates:
            more[point] = range(n, min(n + precision.batch, precision.max_replicates))
        points.append(
            {
                "point": point,
                "replicates": len(values.get(point, [])),
                "ci_width": None if not np.isfinite(width) else round(width, 12),
                "reached": bool(reached),
            }
        )
    store.manifest["precision"] = {
        "outcome": precision.outcome,
        "target_ci_width": precision.ci_width,
        "level": precision.level,
        "points": points,
    }
    if not more:
        return []
    return plan(scenario, lambda point: more.get(point, range(0)))


def _point_values(store: results.ResultStore, outcome: str) -> dict[int, list[float]]:
    """Finished runs' values of ``outcome`` (a summary column), by point, in replicate order."""
    cache = store.outcome_cache
    parameters = store.manifest["parameters"]
    by_point: dict[int, list[tuple[int, float]]] = {}
    for run_id in sorted(store.specs):
        spec = store.specs[run_id]
        if run_id not in store.finished:
            continue
        if run_id not in cache:
            table = pq.read_table(results.run_file(store.directory, run_id))
            cache[run_id] = float(results.summarise_run(table, parameters)[outcome])
        by_point.setdefault(spec.point, []).append((spec.replicate, cache[run_id]))
    return {p: [v for _, v in sorted(pairs)] for p, pairs in by_point.items()}
