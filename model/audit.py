"""Check a results folder against its manifest and run log (``conduit verify``).

Each finding names a file and says whether it is *missing* (recorded but gone),
*corrupted* (its bytes differ from the checksum recorded when it was written, or it holds
another run), *stale* (assembled from other runs than those finished now, or a run file no
log records) or *incomplete* (planned runs not finished). A folder with no finding is intact:
its files are exactly those conduit wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.integrity import check_run_file, sha256_file
from model.results import (
    MANIFEST,
    RUNS,
    RUNS_LOG,
    SUMMARY,
    TIMESERIES,
    finished_runs,
    read_manifest,
    run_file,
    run_records,
    runs_digest,
)


@dataclass(frozen=True)
class Finding:
    """One problem of a results folder: the file (relative), its kind and what is wrong."""

    file: str
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind:<10} {self.file}: {self.detail}"


def audit(path: str | Path) -> tuple[dict[str, Any], list[Finding]]:
    """The manifest and every finding of the results folder ``path`` (empty: intact).

    Raises:
        model.results.ResultsError: ``path`` is not a conduit results folder.
    """
    path = Path(path)
    manifest = read_manifest(path)
    records = {r["run_id"]: r for r in run_records(path, manifest)}
    done = {i for i, r in records.items() if r.get("status") == "done"}
    findings: list[Finding] = []
    for run_id in sorted(done):
        record = records[run_id]
        file = run_file(path, run_id)
        name = f"{RUNS}/{file.name}"
        if not file.is_file():
            findings.append(Finding(name, "missing", "recorded as finished in runs.jsonl"))
            continue
        seed = record.get("seed") if isinstance(record.get("seed"), dict) else {}
        problem = check_run_file(file, run_id, seed, record.get("sha256"))
        if problem is not None and "checksum" not in problem and record.get("sha256"):
            # the file is the one written (checksum), so the log's record is what changed
            detail = f"its record of run {run_id} does not match the run file"
            findings.append(Finding(RUNS_LOG, "corrupted", detail))
        elif problem is not None:
            findings.append(Finding(name, "corrupted", problem))
    for run_id in sorted(finished_runs(path) - done):
        findings.append(
            Finding(
                f"{RUNS}/{run_file(path, run_id).name}",
                "stale",
                f"no finished run {run_id} is logged in {RUNS_LOG} (left by another run?)",
            )
        )
    count = manifest.get("run_count") if isinstance(manifest.get("run_count"), dict) else {}
    log = path / RUNS_LOG
    if not log.is_file() and (count.get("done") or finished_runs(path)):
        findings.append(Finding(RUNS_LOG, "missing", "the log of finished runs is gone"))
    else:
        findings += _assembled(path, manifest, records, done)
    planned = int(count.get("planned", len(done)) or 0)
    if planned > len(done):
        findings.append(
            Finding(
                RUNS,
                "incomplete",
                f"{planned - len(done)} of {planned} planned runs are not finished; run the "
                "same command again to finish them",
            )
        )
    return manifest, findings


def _assembled(
    path: Path, manifest: dict[str, Any], records: dict[int, dict], done: set[int]
) -> list[Finding]:
    files = manifest.get("files") if isinstance(manifest.get("files"), dict) else {}
    findings = []
    for name in (TIMESERIES, SUMMARY):
        entry = files.get(name)
        if not (path / name).is_file():
            if entry or manifest.get("finished"):
                findings.append(Finding(name, "missing", f"listed in {MANIFEST}"))
            continue
        if not isinstance(entry, dict):
            findings.append(
                Finding(name, "stale", f"no checksum in {MANIFEST} (an unfinished run?)")
            )
        elif sha256_file(path / name) != entry.get("sha256"):
            findings.append(
                Finding(name, "corrupted", f"its checksum differs from the one in {MANIFEST}")
            )
        elif manifest.get("assembled_from") != runs_digest(records, sorted(done)):
            findings.append(
                Finding(name, "stale", "assembled from other run files than the finished ones")
            )
    return findings
