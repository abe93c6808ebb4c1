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
import json
import platform
import re
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from model import provenance
from model.events import LEVEL_EVENTS, event_weeks
from model.integrity import (
    LOCK,
    FolderBusy,
    FolderLock,
    append_line,
    atomic_path,
    atomic_write,
    check_run_file,
    read_lines,
    sha256_bytes,
    sha256_file,
    shorten,
)
from model.outcomes import (
    is_summed,
    run_event,
)
from model.runspec import ID_COLUMNS, RunSpec
from model.scenario import Scenario

MANIFEST = "manifest.json"
TIMESERIES = "timeseries.parquet"
SUMMARY = "summary.csv"
RUNS = "runs"
RUNS_LOG = "runs.jsonl"
"""Append-only log of finished and failed runs (one JSON object a line; the last one of a
run id wins): its parameters, seed, status, seconds, error and the run file's SHA-256."""
FORMAT = "conduit-results"
"""The manifest's ``format`` marker: only folders with it (or an older conduit manifest)
are ever deleted by ``--force``."""
FORMAT_VERSION = 2
OUTPUTS = (MANIFEST, RUNS_LOG, TIMESERIES, SUMMARY, "report.html")
"""Top-level files conduit writes in a results folder (``--force`` deletes only these, the
run files and the figures in :data:`OUTPUT_DIRS`)."""
OUTPUT_DIRS = {
    "plots": (".png", ".svg", ".html", ".csv", ".tmp"),
    "analysis": (".png", ".svg", ".csv", ".tmp"),
    "policies": (".png", ".svg", ".csv", ".tmp"),
}
RUN_FILE = re.compile(r"^run-(\d{5,})\.parquet$")
DESIGN_COLUMNS = ("world", "policy")
"""Written after the ids when the scenario has ``policies:``: world index, policy name."""
MANIFEST_EVERY = 2.0
"""Seconds between manifest rewrites while runs finish (always rewritten at the end)."""


class ResultsError(Exception):
    """A results folder is missing, corrupted, or not conduit's (the message names the file)."""


class ResultsConflict(ResultsError):
    """The results directory holds results of a different scenario (or foreign files)."""


class ResultsBusy(ResultsConflict):
    """Another conduit run is writing the results directory (it holds the lock)."""


def run_file(directory: Path, run_id: int) -> Path:
    """``runs/run-<run_id:05d>.parquet`` in a results directory."""
    return directory / RUNS / f"run-{run_id:05d}.parquet"


def finished_runs(directory: Path) -> set[int]:
    """Run ids with a run file in ``directory/runs`` (any number of digits, at least five)."""
    runs = directory / RUNS
    if not runs.is_dir():
        return set()
    return {int(m.group(1)) for p in runs.iterdir() if (m := RUN_FILE.match(p.name))}


def is_conduit_manifest(manifest: Any) -> bool:
    """Whether ``manifest`` was written by conduit (its marker, or an older conduit's keys)."""
    if not isinstance(manifest, dict):
        return False
    if manifest.get("format") == FORMAT:
        return True
    return all(k in manifest for k in ("conduit_version", "scenario_sha256", "scenario"))


# --------------------------------------------------------------------------- the store
class ResultStore:
    """Writes one experiment's results: run files as they come, then the assembled files.

    Use :meth:`open` (takes the folder's lock, checks for a conflicting scenario), then
    :meth:`extend` with the runs to do (reused run files are verified; those that fail are
    run again), :meth:`add` / :meth:`fail` for each run, then :meth:`finish` and
    :meth:`close` (or :meth:`abort` on an error).
    """

    def __init__(
        self,
        directory: Path,
        manifest: dict[str, Any],
        lock: FolderLock,
        created: bool,
        warn: Callable[[str], None] | None = None,
    ):
        self.directory = directory
        self.manifest = manifest
        self.lock = lock
        self.created = created
        self.warn = warn or (lambda message: None)
        self.specs: dict[int, RunSpec] = {}
        self.records: dict[int, dict[str, Any]] = {}
        """The latest record of each run (done or failed), as in ``runs.jsonl``."""
        self.finished: set[int] = set()
        self.rejected: dict[int, str] = {}
        """Run files that failed verification (and were run again): why."""
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
        warn: Callable[[str], None] | None = None,
    ) -> ResultStore:
        """Prepare ``directory`` for ``scenario``: resume it, start it, or refuse.

        Raises:
            ResultsBusy: another conduit run holds the folder's lock.
            ResultsConflict: the directory holds another scenario's results or foreign
                files (and not ``force``), or is a file.
            OSError: the folder cannot be written (read-only, full disk).
        """
        created = _prepare(directory)
        lock = FolderLock(directory)
        try:
            lock.acquire()
        except FolderBusy as exc:
            raise ResultsBusy(str(exc)) from None
        if lock.stale and warn is not None:
            warn(f"{directory}: replaced a stale lock ({lock.stale}; that run is gone)")
        try:
            previous = _check_directory(directory, scenario.sha256(), force)
            (directory / RUNS).mkdir(exist_ok=True)
            _remove_leftovers(directory)
            manifest = build_manifest(scenario, specs, scenario_file, command)
            store = cls(directory, manifest, lock, created, warn)
            store.specs = {spec.run_id: spec for spec in specs}
            if previous is not None:
                store.records = _previous_records(directory, previous)
            store.write_manifest()
        except BaseException:
            lock.release()
            if created:
                shutil.rmtree(directory, ignore_errors=True)
            raise
        return store

    def extend(self, specs: Sequence[RunSpec]) -> list[RunSpec]:
        """Add runs to the plan; return those still to do.

        A run file already there (a resumed experiment) is verified (:func:`check_run_file`)
        and reused, or reported through ``warn``, deleted and run again.
        """
        on_disk = finished_runs(self.directory)
        todo = []
        for spec in specs:
            self.specs[spec.run_id] = spec
            if spec.run_id in self.finished:
                continue
            if spec.run_id in on_disk and self._reuse(spec):
                continue
            todo.append(spec)
        self.write_manifest()
        return todo

    def _reuse(self, spec: RunSpec) -> bool:
        path = run_file(self.directory, spec.run_id)
        record = self.records.get(spec.run_id, {})
        recorded = record.get("sha256") if record.get("status") == "done" else None
        problem = check_run_file(path, spec.run_id, spec.seed_record(), recorded)
        if problem is not None:
            self.rejected[spec.run_id] = problem
            self.warn(f"{path.relative_to(self.directory)}: {problem}; running it again")
            path.unlink(missing_ok=True)
            return False
        expected = run_record(spec)
        if recorded is None or any(record.get(k) != v for k, v in expected.items()):
            # no checksum (an older conduit's file, checked by reading it) or a damaged
            # record of a good file: log it afresh
            sha = recorded or sha256_file(path)
            self._record(spec, "done", record.get("seconds"), sha256=sha)
        self.finished.add(spec.run_id)
        return True

    def add(self, run_id: int, data: bytes, seconds: float) -> None:
        """A finished run: write its file atomically, then log it with its checksum."""
        atomic_write(run_file(self.directory, run_id), data)
        self._record(self.specs[run_id], "done", round(seconds, 3), sha256=sha256_bytes(data))
        self.finished.add(run_id)
        self._maybe_write_manifest()

    def fail(self, run_id: int, error: str, seconds: float) -> None:
        """A failed run: log the error (it is retried when the experiment is run again)."""
        self._record(self.specs[run_id], "failed", round(seconds, 3), error=error)
        self._maybe_write_manifest()

    def _record(self, spec: RunSpec, status: str, seconds: Any, **extra: Any) -> None:
        record = {
            **run_record(spec),
            "status": status,
            "seconds": seconds,
            "error": None,
            **extra,
        }
        append_line(self.directory / RUNS_LOG, record)
        self.records[spec.run_id] = record

    def finish(self) -> None:
        """Assemble the time series and summary from the run files; write the manifest."""
        done = sorted(self.finished)
        files = assemble(self.directory, done, self.manifest["parameters"])
        self.manifest["files"] = files
        self.manifest["assembled_from"] = runs_digest(self.records, done)
        self.manifest["finished"] = provenance.now()
        self.write_manifest()

    def close(self) -> None:
        """Release the folder's lock."""
        self.lock.release()

    def abort(self) -> None:
        """After an error: leave a manifest that matches the files, release the lock, and
        remove the folder if this run created it and finished nothing."""
        try:
            if self.created and not self.finished:
                shutil.rmtree(self.directory, ignore_errors=True)
            else:
                self.write_manifest()
        except OSError:
            pass  # a full disk: the run files and runs.jsonl are consistent anyway
        finally:
            self.lock.release()

    def write_manifest(self) -> None:
        failed = {r for r, rec in self.records.items() if rec.get("status") == "failed"}
        self.manifest["run_count"] = {
            "planned": len(self.specs),
            "done": len(self.finished),
            "failed": len(failed - self.finished),
        }
        text = json.dumps(self.manifest, indent=2, default=provenance.json_default) + "\n"
        atomic_write(self.directory / MANIFEST, text.encode())
        self._last_write = time.monotonic()

    def _maybe_write_manifest(self) -> None:
        if time.monotonic() - self._last_write >= MANIFEST_EVERY:
            self.write_manifest()


def runs_digest(records: dict[int, dict[str, Any]], run_ids: Sequence[int]) -> str:
    """SHA-256 of the (run id, run file checksum) pairs the assembled files were built from."""
    pairs = [[i, records.get(i, {}).get("sha256")] for i in sorted(run_ids)]
    return sha256_bytes(json.dumps(pairs, separators=(",", ":")).encode())


def _prepare(directory: Path) -> bool:
    """Create ``directory`` (and parents); True when it is new or was empty."""
    if directory.exists() and not directory.is_dir():
        raise ResultsConflict(f"{directory} is a file, not a results folder; use --out")
    if directory.is_dir() and any(p.name != LOCK for p in directory.iterdir()):
        return False
    directory.mkdir(parents=True, exist_ok=True)
    return True


def _remove_leftovers(directory: Path) -> None:
    """Temporary files of a killed run (``.<name>.tmp-<pid>``), whoever left them."""
    for folder in (directory, directory / RUNS):
        for stale in folder.glob(".*.tmp-*"):
            stale.unlink(missing_ok=True)


def _previous_records(directory: Path, previous: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """The latest record of each run: ``runs.jsonl``, or an older manifest's run table."""
    records: dict[int, dict[str, Any]] = {}
    legacy = previous.get("runs") if isinstance(previous.get("runs"), list) else []
    for record in [*legacy, *read_lines(directory / RUNS_LOG)]:
        if isinstance(record, dict) and isinstance(record.get("run_id"), int):
            records[record["run_id"]] = record
    return records


def run_records(directory: Path, manifest: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Finished and failed runs of a results folder, by run id (``runs.jsonl``)."""
    records = _previous_records(directory, manifest or {})
    return [records[i] for i in sorted(records)]


def _check_directory(directory: Path, sha: str, force: bool) -> dict[str, Any] | None:
    """The previous manifest of the same scenario, None for a fresh start; or refuse.

    ``force`` deletes the outputs of a conduit manifest of another scenario (only what
    :func:`delete_outputs` lists); a folder without a conduit manifest is never touched.
    """
    manifest_path = directory / MANIFEST
    if not any(p.name != LOCK for p in directory.iterdir()):
        return None
    previous: Any = None
    problem = None
    try:
        previous = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problem = f"{directory} holds files but no {MANIFEST}: it is not conduit results"
    except (OSError, ValueError) as exc:
        problem = f"{manifest_path} is unreadable ({shorten(exc)})"
    if problem is None and not is_conduit_manifest(previous):
        problem = f"{manifest_path} was not written by conduit"
    elif problem is None and previous.get("scenario_sha256") != sha:
        problem = (
            f"{directory} holds results of a different scenario "
            f"(sha256 {str(previous.get('scenario_sha256'))[:12]}..., this one {sha[:12]}...)"
        )
    if problem is None:
        return previous
    if not is_conduit_manifest(previous):
        raise ResultsConflict(
            f"{problem}; conduit never writes into (or deletes) a folder it did not write, "
            "even with --force: use --out to write elsewhere"
        )
    if not force:
        raise ResultsConflict(
            f"{problem}; use --force to delete them and start afresh, or --out to write elsewhere"
        )
    delete_outputs(directory)
    return None


def delete_outputs(directory: Path) -> None:
    """Delete what conduit writes in a results folder, and nothing else.

    The files of :data:`OUTPUTS`, ``runs/run-*.parquet`` and conduit's temporary files, and
    the figures and tables in :data:`OUTPUT_DIRS`; each folder is removed only if empty
    then. Other files (a user's notes) stay.
    """
    for name in OUTPUTS:
        (directory / name).unlink(missing_ok=True)
    runs = directory / RUNS
    if runs.is_dir():
        for path in runs.iterdir():
            if RUN_FILE.match(path.name) or ".tmp-" in path.name:
                path.unlink(missing_ok=True)
    for sub, suffixes in OUTPUT_DIRS.items():
        folder = directory / sub
        if folder.is_dir():
            for path in folder.iterdir():
                if path.is_file() and path.suffix in suffixes:
                    path.unlink(missing_ok=True)
    _remove_leftovers(directory)
    for folder in (runs, *(directory / sub for sub in OUTPUT_DIRS)):
        with contextlib.suppress(OSError):
            folder.rmdir()


# --------------------------------------------------------------------------- manifest
def build_manifest(
    scenario: Scenario,
    specs: Sequence[RunSpec],
    scenario_file: str | None = None,
    command: list[str] | None = None,
) -> dict[str, Any]:
    """The manifest (provenance, design and run counts) of an experiment.

    The runs themselves are logged in ``runs.jsonl`` as they finish, so the manifest stays
    small however many runs there are.
    """
    from model import __version__

    pop = scenario.population
    commit, dirty = provenance.git_state()
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "conduit_version": __version__,
        "git_commit": commit,
        "git_dirty": dirty,
        "created": provenance.now(),
        "command": list(command if command is not None else sys.argv),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": provenance.installed_packages(),
        "scenario_file": scenario_file,
        "scenario": scenario.to_dict(),
        "scenario_sha256": scenario.sha256(),
        "scale": (pop.represents or pop.subscribers) / pop.subscribers,
        "experiment": scenario.experiment.model_dump(mode="json"),
        "parameters": design_parameters(scenario),
        **({"policies": [p.name for p in scenario.policies]} if scenario.policies else {}),
        "runs_file": RUNS_LOG,
        "run_count": {"planned": len(specs), "done": 0, "failed": 0},
    }


def design_parameters(scenario: Scenario) -> list[str]:
    """The parameter paths that vary between worlds: swept, or sampled by the analysis."""
    if scenario.analysis is not None:
        return list(scenario.analysis.parameters)
    sweep = scenario.experiment.sweep
    return list(sweep.parameters) if sweep is not None else []


def run_record(spec: RunSpec) -> dict[str, Any]:
    """A run's entry in ``runs.jsonl``: ids, parameters and seed (status added by the store)."""
    record: dict[str, Any] = {
        "run_id": spec.run_id,
        "point": spec.point,
        "replicate": spec.replicate,
    }
    if spec.policy is not None:
        record.update(world=spec.world_index, policy=spec.policy_name)
    record.update(params=spec.params, seed=spec.seed_record())
    return record


# --------------------------------------------------------------------------- assembly
def assemble(
    directory: Path, run_ids: Sequence[int], parameters: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Rebuild ``timeseries.parquet`` and ``summary.csv`` from the run files, by run_id.

    Reads one run at a time. Runs whose outcome columns differ (a swept parameter that
    adds columns) are aligned on the union of columns, missing values null. Both files
    are written atomically (a failure leaves the previous file, or none, and no temporary
    file).

    Returns:
        ``{file name: {"sha256": ..., "bytes": ...}}`` of the two files.
    """
    paths = [run_file(directory, i) for i in sorted(run_ids)]
    schema = _unified_schema(paths)
    rows: list[dict[str, Any]] = []
    with atomic_path(directory / TIMESERIES) as tmp:
        with pq.ParquetWriter(tmp, schema) as writer:
            for path in paths:
                table = _conform(pq.read_table(path), schema)
                writer.write_table(table)
                rows.append(summarise_run(table, parameters))
    _write_summary(directory / SUMMARY, rows)
    return {name: file_record(directory / name) for name in (TIMESERIES, SUMMARY)}


def file_record(path: Path) -> dict[str, Any]:
    """A file's checksum entry in the manifest: ``{"sha256": ..., "bytes": ...}``."""
    return {"sha256": sha256_file(path), "bytes": path.stat().st_size}


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
    row.update(run_event_weeks(table))
    row["status"] = "done"
    return row


EVENT_INPUTS = ("week", "legislative_stage", "sanctions")
"""Weekly columns :func:`model.events.event_weeks` needs (it also reads every
``stance.<ISP>`` and, where recorded, the columns of ``LEVEL_EVENTS``)."""


def run_event_weeks(table: pa.Table) -> dict[str, int | None]:
    """The run's per-run event columns (``week_law``, ...; registry: ``RUN_EVENTS``).

    Only the few columns the events need are converted (to numpy). A table without them
    (a run file from before the events existed) has none.
    """
    if not all(c in table.column_names for c in EVENT_INPUTS):
        return {}
    optional = [c for c in LEVEL_EVENTS.values() if c in table.column_names]
    stances = [c for c in table.column_names if c.startswith("stance.")]
    wanted = [*EVENT_INPUTS, *optional, *stances]
    return event_weeks({c: table.column(c).to_numpy() for c in wanted})


def _write_summary(path: Path, rows: list[dict[str, Any]]) -> None:
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    frame = pd.DataFrame(rows, columns=list(columns) or list(ID_COLUMNS))
    for column in frame.columns:  # whole weeks, empty when the event never happens
        if run_event(column) is not None:
            frame[column] = frame[column].astype("Int64")
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


def read_manifest(path: str | Path) -> dict[str, Any]:
    """A results folder's manifest, checked to be conduit's, or a :class:`ResultsError`."""
    path = Path(path)
    if not path.exists():
        raise ResultsError(f"{path}: no such folder")
    if not path.is_dir():
        raise ResultsError(f"{path}: not a folder (give a results folder, results/<name>)")
    manifest_path = path / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultsError(
            f"{path} is not a results folder (no {MANIFEST}); `conduit run SCENARIO` writes one"
        ) from None
    except (OSError, ValueError) as exc:
        raise ResultsError(f"{manifest_path}: unreadable or corrupted ({shorten(exc)})") from None
    if not is_conduit_manifest(manifest) or not isinstance(manifest.get("parameters"), list):
        raise ResultsError(f"{manifest_path}: not a conduit manifest")
    return manifest


def check_assembled(path: Path, manifest: dict[str, Any]) -> None:
    """``timeseries.parquet`` and ``summary.csv`` exist and match their recorded checksums.

    Raises:
        ResultsError: naming the missing or corrupted file.
    """
    recorded = manifest.get("files") if isinstance(manifest.get("files"), dict) else {}
    for name in (TIMESERIES, SUMMARY):
        file = path / name
        if not file.is_file():
            raise ResultsError(
                f"{file} is missing; run the scenario again (`conduit run`) to rebuild it"
            )
        entry = recorded.get(name)
        if isinstance(entry, dict) and entry.get("sha256") != sha256_file(file):
            raise ResultsError(
                f"{file} is corrupted (its checksum differs from the manifest's); run the "
                "scenario again (`conduit run`) to rebuild it from the run files"
            )


def load(
    path: str | Path,
    columns: Callable[[str], bool] | None = None,
    points: Sequence[int] | None = None,
    verify: bool = True,
) -> Results:
    """Load ``results/<scenario name>`` back: time series, summary, manifest, scenario.

    With ``verify`` the assembled files are checked against the manifest's checksums first.
    ``manifest["runs"]`` is filled in from ``runs.jsonl`` (finished and failed runs).

    Args:
        columns: keep only the time-series columns it accepts (ids, design columns and
            parameters are always kept): bounded memory for large sweeps.
        points: read the time series of these design points only (None: all).
        verify: check the checksums of ``timeseries.parquet`` and ``summary.csv``.

    Raises:
        ResultsError: the folder is missing, not conduit's, or a file is missing or corrupted.
    """
    path = Path(path)
    manifest = read_manifest(path)
    if verify:
        check_assembled(path, manifest)
    try:
        keep = None
        if columns is not None:
            always = {*ID_COLUMNS, *DESIGN_COLUMNS, *manifest.get("parameters", [])}
            names = pq.read_schema(path / TIMESERIES).names
            keep = [c for c in names if c in always or columns(c)]
        filters = [("point", "in", list(points))] if points is not None else None
        timeseries = pd.read_parquet(path / TIMESERIES, columns=keep, filters=filters)
    except (OSError, pa.ArrowException, ValueError) as exc:
        raise ResultsError(f"{path / TIMESERIES}: unreadable ({shorten(exc)})") from None
    summary = pd.DataFrame(columns=list(ID_COLUMNS))
    try:
        summary = pd.read_csv(path / SUMMARY)
    except pd.errors.EmptyDataError:
        pass
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise ResultsError(f"{path / SUMMARY}: unreadable ({shorten(exc)})") from None
    try:
        scenario = Scenario.model_validate(manifest["scenario"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ResultsError(
            f"{path / MANIFEST}: its scenario does not validate ({shorten(exc)})"
        ) from None
    manifest = {**manifest, "runs": run_records(path, manifest)}
    return Results(
        path=path,
        timeseries=timeseries,
        summary=summary,
        manifest=manifest,
        scenario=scenario,
        parameters=list(manifest["parameters"]),
    )
