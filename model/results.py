"""Results on disk: the layout of docs/results-layout.md (a contract other tools read).

``<root>/<scenario name>/`` holds ``manifest.json``, ``timeseries.parquet``,
``summary.csv`` and ``runs/run-<run_id:05d>.parquet`` (one file per finished run,
written atomically). The assembled files are rebuilt from ``runs/`` deterministically
(sorted by ``run_id``), so a resumed experiment ends with byte-identical files, and
they are written one run at a time, so memory stays bounded however many runs there are.

Load results back with :func:`load`.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from model.outcomes import KEY_OUTCOMES, is_scaled, is_summed, lookup, summary_outcome
from model.runspec import ID_COLUMNS, RunSpec
from model.scenario import Scenario

MANIFEST = "manifest.json"
TIMESERIES = "timeseries.parquet"
SUMMARY = "summary.csv"
RUNS = "runs"
DESIGN_COLUMNS = ("world", "policy")
"""Written after the ids when the scenario has ``policies:``: world index, policy name."""
MANIFEST_EVERY = 2.0
"""Seconds between manifest rewrites while runs finish (always rewritten at the end)."""


class ResultsConflict(Exception):
    """The results directory holds results of a different scenario (or foreign files)."""


def run_file(directory: Path, run_id: int) -> Path:
    """``runs/run-<run_id:05d>.parquet`` in a results directory."""
    return directory / RUNS / f"run-{run_id:05d}.parquet"


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: a temporary file in the same folder, then rename."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def finished_runs(directory: Path) -> set[int]:
    """Run ids with a finished run file in ``directory/runs``."""
    runs = directory / RUNS
    if not runs.is_dir():
        return set()
    return {
        int(p.name[4:9])
        for p in runs.glob("run-*.parquet")
        if len(p.name) == len("run-00000.parquet") and p.name[4:9].isdigit()
    }


# --------------------------------------------------------------------------- the store
class ResultStore:
    """Writes one experiment's results: run files as they come, then the assembled files.

    Use :meth:`open` (checks for a conflicting scenario, finds finished runs), then
    :meth:`add` / :meth:`fail` for each run, then :meth:`finish`.
    """

    def __init__(self, directory: Path, manifest: dict[str, Any], finished: set[int]):
        self.directory = directory
        self.manifest = manifest
        self.finished = finished
        self._runs = {r["run_id"]: r for r in manifest["runs"]}
        self._last_write = 0.0
        self.outcome_cache: dict[int, float] = {}
        """Summary values of finished runs, by run_id (``replicates: auto`` reads them)."""

    @classmethod
    def open(
        cls,
        directory: Path,
        scenario: Scenario,
        specs: Sequence[RunSpec],
        force: bool = False,
        scenario_file: str | None = None,
        command: list[str] | None = None,
    ) -> ResultStore:
        """Prepare ``directory`` for ``scenario``: resume it, start it, or refuse.

        Raises:
            ResultsConflict: the directory holds another scenario's results (and not ``force``).
        """
        sha = scenario.sha256()
        previous = _check_directory(directory, sha, force)
        (directory / RUNS).mkdir(parents=True, exist_ok=True)
        for stale in (directory / RUNS).glob(".*.tmp-*"):
            stale.unlink(missing_ok=True)  # left by a killed run
        finished = finished_runs(directory) & {s.run_id for s in specs}
        manifest = build_manifest(scenario, specs, scenario_file, command)
        old_runs = {r["run_id"]: r for r in (previous or {}).get("runs", [])}
        for run in manifest["runs"]:
            if run["run_id"] in finished:
                run["status"] = "done"
                run["seconds"] = old_runs.get(run["run_id"], {}).get("seconds")
        store = cls(directory, manifest, finished)
        store.write_manifest()
        return store

    def add(self, run_id: int, data: bytes, seconds: float) -> None:
        """A finished run: write its file atomically, record it."""
        atomic_write(run_file(self.directory, run_id), data)
        self.finished.add(run_id)
        self._runs[run_id].update(status="done", seconds=round(seconds, 3), error=None)
        self._maybe_write_manifest()

    def extend(self, specs: Sequence[RunSpec]) -> list[RunSpec]:
        """Add runs to the plan (more replicates); return those not finished yet.

        A run whose file is already there (a resumed experiment) is recorded as done.
        """
        on_disk = finished_runs(self.directory)
        todo = []
        for spec in specs:
            if spec.run_id not in self._runs:
                record = run_record(spec)
                self.manifest["runs"].append(record)
                self._runs[spec.run_id] = record
            if spec.run_id in on_disk:
                self.finished.add(spec.run_id)
                self._runs[spec.run_id]["status"] = "done"
            elif spec.run_id not in self.finished:
                todo.append(spec)
        self.manifest["runs"].sort(key=lambda r: r["run_id"])
        self.write_manifest()
        return todo

    def fail(self, run_id: int, error: str, seconds: float) -> None:
        """A failed run: record the error (it is retried when the experiment is run again)."""
        self._runs[run_id].update(status="failed", seconds=round(seconds, 3), error=error)
        self._maybe_write_manifest()

    def finish(self) -> None:
        """Assemble the time series and summary from the run files; write the manifest."""
        assemble(self.directory, sorted(self.finished), self.manifest["parameters"])
        self.manifest["finished"] = _now()
        self.write_manifest()

    def write_manifest(self) -> None:
        text = json.dumps(self.manifest, indent=2, default=_json_default) + "\n"
        atomic_write(self.directory / MANIFEST, text.encode())
        self._last_write = time.monotonic()

    def _maybe_write_manifest(self) -> None:
        if time.monotonic() - self._last_write >= MANIFEST_EVERY:
            self.write_manifest()


def _check_directory(directory: Path, sha: str, force: bool) -> dict[str, Any] | None:
    """The previous manifest of the same scenario, None for a fresh start; or refuse."""
    manifest_path = directory / MANIFEST
    if not directory.exists() or not any(directory.iterdir()):
        return None
    previous: dict[str, Any] | None = None
    problem = None
    try:
        previous = json.loads(manifest_path.read_text())
    except FileNotFoundError:
        problem = f"{directory} exists but has no {MANIFEST} (not conduit results?)"
    except (OSError, ValueError) as exc:
        problem = f"{manifest_path} is unreadable ({exc})"
    if previous is not None and previous.get("scenario_sha256") != sha:
        problem = (
            f"{directory} holds results of a different scenario "
            f"(sha256 {str(previous.get('scenario_sha256'))[:12]}..., this one {sha[:12]}...)"
        )
    if problem is None:
        return previous
    if not force:
        raise ResultsConflict(
            f"{problem}; use --force to delete them and start afresh, or --out to write elsewhere"
        )
    if previous is None and not (directory / RUNS).is_dir():
        raise ResultsConflict(f"{problem}; refusing to delete a folder conduit did not write")
    shutil.rmtree(directory)
    return None


# --------------------------------------------------------------------------- manifest
def build_manifest(
    scenario: Scenario,
    specs: Sequence[RunSpec],
    scenario_file: str | None = None,
    command: list[str] | None = None,
) -> dict[str, Any]:
    """The manifest (provenance and run table) of an experiment, every run pending."""
    from model import __version__

    pop = scenario.population
    commit, dirty = _git_state()
    return {
        "conduit_version": __version__,
        "git_commit": commit,
        "git_dirty": dirty,
        "created": _now(),
        "command": list(command if command is not None else sys.argv),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": installed_packages(),
        "scenario_file": scenario_file,
        "scenario": scenario.to_dict(),
        "scenario_sha256": scenario.sha256(),
        "scale": (pop.represents or pop.subscribers) / pop.subscribers,
        "experiment": scenario.experiment.model_dump(mode="json"),
        "parameters": design_parameters(scenario),
        **({"policies": [p.name for p in scenario.policies]} if scenario.policies else {}),
        "runs": [run_record(s) for s in specs],
    }


def design_parameters(scenario: Scenario) -> list[str]:
    """The parameter paths that vary between worlds: swept, or sampled by the analysis."""
    if scenario.analysis is not None:
        return list(scenario.analysis.parameters)
    sweep = scenario.experiment.sweep
    return list(sweep.parameters) if sweep is not None else []


def run_record(spec: RunSpec) -> dict[str, Any]:
    """A run's entry in the manifest's run table, pending."""
    record: dict[str, Any] = {
        "run_id": spec.run_id,
        "point": spec.point,
        "replicate": spec.replicate,
    }
    if spec.policy is not None:
        record.update(world=spec.world_index, policy=spec.policy_name)
    record.update(
        params=spec.params, seed=spec.seed_record(), status="pending", seconds=None, error=None
    )
    return record


def installed_packages() -> dict[str, str]:
    """Exact versions of every installed distribution, by name (sorted)."""
    found: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            found.setdefault(name, dist.version)
    return dict(sorted(found.items(), key=lambda kv: kv[0].lower()))


def _git_state() -> tuple[str | None, bool | None]:
    """The commit of the conduit source tree and whether it has uncommitted changes."""
    here = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=10
        )
        if commit.returncode != 0:
            return None, None
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=10,
        )
        return commit.stdout.strip(), bool(status.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        return None, None


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


# --------------------------------------------------------------------------- assembly
def assemble(directory: Path, run_ids: Sequence[int], parameters: Sequence[str]) -> None:
    """Rebuild ``timeseries.parquet`` and ``summary.csv`` from the run files, by run_id.

    Reads one run at a time. Runs whose outcome columns differ (a swept parameter that
    adds columns) are aligned on the union of columns, missing values null.
    """
    paths = [run_file(directory, i) for i in sorted(run_ids)]
    schema = _unified_schema(paths)
    rows: list[dict[str, Any]] = []
    tmp = directory / f".{TIMESERIES}.tmp-{os.getpid()}"
    with pq.ParquetWriter(tmp, schema) as writer:
        for path in paths:
            table = _conform(pq.read_table(path), schema)
            writer.write_table(table)
            rows.append(summarise_run(table, parameters))
    os.replace(tmp, directory / TIMESERIES)
    _write_summary(directory / SUMMARY, rows)


def _unified_schema(paths: Sequence[Path]) -> pa.Schema:
    if not paths:
        return pa.schema([(c, pa.int64()) for c in ID_COLUMNS])
    schemas = [pq.read_schema(p).remove_metadata() for p in paths]
    return pa.unify_schemas(schemas, promote_options="permissive")


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    if table.schema.remove_metadata().equals(schema):  # the usual case: nothing to align
        return table.replace_schema_metadata(schema.metadata)
    columns = [
        table.column(f.name).cast(f.type)
        if f.name in table.column_names
        else pa.nulls(len(table), f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)


def summarise_run(table: pa.Table, parameters: Sequence[str]) -> dict[str, Any]:
    """One row of ``summary.csv``: ids, parameters, ``final.<col>``, ``total.<col>``, status.

    Works on the run's Arrow table: the first and last rows are converted once, totals
    are Arrow sums (no column-by-column pandas access).
    """
    first = table.slice(0, 1).to_pylist()[0]
    last = table.slice(table.num_rows - 1, 1).to_pylist()[0]
    row: dict[str, Any] = {c: int(first[c]) for c in ID_COLUMNS}
    row.update({c: first[c] for c in DESIGN_COLUMNS if c in first})
    row.update({p: first[p] for p in parameters})
    skip = {*ID_COLUMNS, *DESIGN_COLUMNS, *parameters}
    numeric = [
        f.name
        for f in table.schema
        if f.name not in skip
        and (
            pa.types.is_integer(f.type)
            or pa.types.is_floating(f.type)
            or pa.types.is_boolean(f.type)
        )
    ]
    for c in numeric:
        row[f"final.{c}"] = last[c]
    for c in numeric:
        if is_summed(c):
            row[f"total.{c}"] = pc.sum(table.column(c), min_count=0).as_py()  # none: 0
    row["status"] = "done"
    return row


def _write_summary(path: Path, rows: list[dict[str, Any]]) -> None:
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    frame = pd.DataFrame(rows, columns=list(columns) or list(ID_COLUMNS))
    text = frame.to_csv(index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    atomic_write(path, text.encode())


# --------------------------------------------------------------------------- loading
@dataclass
class Results:
    """A results directory, loaded: see docs/results-layout.md."""

    path: Path
    timeseries: pd.DataFrame
    summary: pd.DataFrame
    manifest: dict[str, Any]
    scenario: Scenario
    parameters: list[str]

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def scale(self) -> float:
        """Real accounts per simulated subscriber (multiply counts by it)."""
        return float(self.manifest.get("scale") or 1.0)

    @property
    def steps(self) -> int:
        """Weeks recorded per run."""
        ts = self.timeseries
        return int(ts["week"].max()) + 1 if len(ts) and "week" in ts else 0

    @property
    def points(self) -> list[int]:
        """Every design point of the experiment (the time series may hold only some)."""
        source = self.summary if len(self.summary) else self.timeseries
        return sorted(int(p) for p in source["point"].unique())

    def isps(self) -> list[str]:
        """ISP names with a market-share column, in the scenario's order."""
        present = {c.split(".", 1)[1] for c in self.timeseries if c.startswith("market_share.")}
        named = [i.name for i in self.scenario.isps]
        return [i for i in named if i in present] + sorted(present - set(named))

    def parties(self) -> list[str]:
        """Parties with an enforcement-cost column, in column order."""
        return [c.split(".", 1)[1] for c in self.timeseries if c.startswith("enforcement_cost.")]


def load(
    path: str | Path,
    columns: Callable[[str], bool] | None = None,
    points: Sequence[int] | None = None,
) -> Results:
    """Load ``results/<scenario name>`` back: time series, summary, manifest, scenario.

    Args:
        columns: keep only the time-series columns it accepts (ids, design columns and
            parameters are always kept): bounded memory for large sweeps.
        points: read the time series of these design points only (None: all).
    """
    path = Path(path)
    manifest = json.loads((path / MANIFEST).read_text())
    keep = None
    if columns is not None:
        always = {*ID_COLUMNS, *DESIGN_COLUMNS, *manifest.get("parameters", [])}
        names = pq.read_schema(path / TIMESERIES).names
        keep = [c for c in names if c in always or columns(c)]
    filters = [("point", "in", list(points))] if points is not None else None
    timeseries = pd.read_parquet(path / TIMESERIES, columns=keep, filters=filters)
    summary = pd.DataFrame(columns=list(ID_COLUMNS))
    with contextlib.suppress(pd.errors.EmptyDataError):
        summary = pd.read_csv(path / SUMMARY)
    return Results(
        path=path,
        timeseries=timeseries,
        summary=summary,
        manifest=manifest,
        scenario=Scenario.model_validate(manifest["scenario"]),
        parameters=list(manifest["parameters"]),
    )


# --------------------------------------------------------------------------- digest
def key_outcomes(summary: pd.DataFrame) -> list[tuple[str, str, bool]]:
    """(label, summary column, scaled to the real population?) of the key outcomes
    (:data:`model.outcomes.KEY_OUTCOMES`), then the ISPs' final market shares."""
    found = [(label, col, is_scaled(col)) for label, col in KEY_OUTCOMES]
    found = [f for f in found if f[1] in summary.columns]
    isps = [c for c in summary.columns if c.startswith("final.market_share.")]
    found += [(f"share {c.removeprefix('final.market_share.')}", c, False) for c in isps]
    return found


def point_digest(summary: pd.DataFrame, scale: float = 1.0) -> pd.DataFrame:
    """Per sweep point and key outcome: median, 5% and 95% quantiles over replicates.

    Counts (sanctions) are totals over the run times ``scale`` (real accounts per
    simulated subscriber), i.e. at the real population's size; shares are in percent
    (their label ends in "(%)").

    Columns: ``point``, ``outcome`` (label), ``median``, ``p05``, ``p95``, ``n`` (replicates).
    """
    rows = []
    for point, group in summary.groupby("point", sort=True):
        for label, col, scaled in key_outcomes(summary):
            percent = (summary_outcome(col) or lookup(col.split(".", 1)[-1])).kind == "share"
            factor = (scale if scaled else 1.0) * (100.0 if percent else 1.0)
            values = group[col].astype(float).to_numpy() * factor
            label = f"{label} (%)" if percent else label
            p05, median, p95 = np.quantile(values, [0.05, 0.5, 0.95])
            rows.append(
                {
                    "point": point,
                    "outcome": label,
                    "median": median,
                    "p05": p05,
                    "p95": p95,
                    "n": len(values),
                }
            )
    return pd.DataFrame(rows, columns=["point", "outcome", "median", "p05", "p95", "n"])
