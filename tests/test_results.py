"""The results layout: files, manifest, resume (also after SIGKILL), conflicts, load()."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time

import pandas as pd
import pyarrow.parquet as pq
import pytest

from model import integrity, load_scenario
from model.audit import audit
from model.events import event_weeks
from model.experiment import run_experiment
from model.integrity import LOCK
from model.results import (
    MANIFEST,
    RUNS_LOG,
    SUMMARY,
    TIMESERIES,
    ResultsConflict,
    ResultsError,
    _write_summary,
    finished_runs,
    load,
    run_file,
)
from tests.conftest import ROOT, small_yaml

SWEEP = small_yaml().replace(
    "  steps: 20\n",
    "  steps: 20\n  sweep:\n    parameters:\n      rights_bodies.BPI.detection_prob: [0.0, 0.05]\n",
)


def test_layout_and_load(write, tmp_path):
    scenario = load_scenario(write("s.yaml", SWEEP))
    outcome = run_experiment(scenario, tmp_path, workers=1, command=["conduit", "run"])
    res = load(tmp_path / "small")
    assert outcome.directory == tmp_path / "small"
    assert sorted(p.name for p in (tmp_path / "small" / "runs").iterdir()) == [
        f"run-{i:05d}.parquet" for i in range(4)
    ]
    ts = res.timeseries
    assert list(ts.columns[:5]) == ["run_id", "point", "replicate", res.parameters[0], "week"]
    assert len(ts) == 4 * 20 and ts["run_id"].is_monotonic_increasing
    assert ts.groupby("run_id")["week"].apply(list).map(lambda w: w == list(range(20))).all()
    sm = res.summary
    assert list(sm["run_id"]) == [0, 1, 2, 3] and (sm["status"] == "done").all()
    assert list(sm["rights_bodies.BPI.detection_prob"]) == [0.0, 0.0, 0.05, 0.05]
    last = ts[ts["week"] == 19].set_index("run_id")
    assert list(sm["final.infringing_share"]) == list(last["infringing_share"])
    totals = ts.groupby("run_id")["notices_sent"].sum()
    assert list(sm["total.notices_sent"]) == list(totals)
    assert "total.infringing_share" not in sm.columns
    for run_id, weekly in ts.groupby("run_id"):  # per-run event times, empty when never
        expected = event_weeks(weekly.reset_index(drop=True))
        assert expected and "week_law" in expected
        got = sm.set_index("run_id").loc[run_id, list(expected)]
        assert {k: (None if pd.isna(v) else int(v)) for k, v in got.items()} == expected
    m = res.manifest
    assert m["scenario_sha256"] == scenario.sha256() and res.scenario == scenario
    assert m["packages"]["numpy"] and m["command"] == ["conduit", "run"]
    assert m["scale"] == pytest.approx(16_920_000 / 2000)
    assert [r["status"] for r in m["runs"]] == ["done"] * 4
    assert m["runs"][3]["seed"] == {"entropy": 7, "spawn_key": [1, 1]}
    assert m["runs"][3]["params"] == {"rights_bodies.BPI.detection_prob": 0.05}


def test_rerun_skips_finished_runs_and_rebuilds_identical_files(write, tmp_path):
    scenario = load_scenario(write("s.yaml", SWEEP))
    first = run_experiment(scenario, tmp_path, workers=1)
    before = {n: (first.directory / n).read_bytes() for n in (TIMESERIES, SUMMARY)}
    (first.directory / "runs" / "run-00002.parquet").unlink()
    (first.directory / TIMESERIES).unlink()
    again = run_experiment(scenario, tmp_path, workers=1)
    assert (again.skipped, again.done) == (3, 1)
    assert {n: (first.directory / n).read_bytes() for n in (TIMESERIES, SUMMARY)} == before


def test_a_changed_scenario_is_refused_then_force_starts_afresh(write, tmp_path):
    run_experiment(load_scenario(write("s.yaml", SWEEP)), tmp_path, workers=1)
    changed = load_scenario(write("s.yaml", SWEEP), overrides={"salience.maximum": 0.5})
    with pytest.raises(ResultsConflict, match=r"different scenario.*--force"):
        run_experiment(changed, tmp_path, workers=1)
    old = json.loads((tmp_path / "small" / MANIFEST).read_text())
    assert old["scenario_sha256"] != changed.sha256()  # untouched by the refusal
    fresh = run_experiment(changed, tmp_path, workers=1, force=True)
    assert (fresh.skipped, fresh.done) == (0, 4)
    assert load(fresh.directory).manifest["scenario_sha256"] == changed.sha256()


def test_a_foreign_folder_is_never_deleted(write, tmp_path):
    (tmp_path / "small").mkdir()
    (tmp_path / "small" / "notes.txt").write_text("mine")
    scenario = load_scenario(write("s.yaml", SWEEP))
    for force in (False, True):
        with pytest.raises(ResultsConflict):
            run_experiment(scenario, tmp_path, workers=1, force=force)
    assert (tmp_path / "small" / "notes.txt").read_text() == "mine"


@pytest.mark.slow
def test_resume_after_sigkill_gives_the_same_files(write, tmp_path):
    text = small_yaml(replicates=8, steps=30).replace("{subscribers: 2000}", "{subscribers: 5000}")
    file = write("s.yaml", text)
    killed_root, clean_root = tmp_path / "killed", tmp_path / "clean"
    command = [sys.executable, "-m", "model.cli", "run", str(file), "--out", str(killed_root)]
    proc = subprocess.Popen(
        [*command, "--workers", "1", "--quiet", "--no-plots"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    runs = killed_root / "small"
    deadline = time.monotonic() + 60
    while len(finished_runs(runs)) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = finished_runs(runs)
    assert 3 <= len(done_before) < 8, "the sweep must be killed mid-way"
    assert not (runs / TIMESERIES).exists()

    scenario = load_scenario(file)
    resumed = run_experiment(scenario, killed_root, workers=1)
    clean = run_experiment(scenario, clean_root, workers=1)
    assert resumed.skipped == len(done_before) and resumed.done == 8 - len(done_before)
    for name in (TIMESERIES, SUMMARY):
        assert (resumed.directory / name).read_bytes() == (clean.directory / name).read_bytes()
    assert not [p for p in (runs / "runs").iterdir() if p.name.startswith(".")]
    assert pd.read_csv(resumed.directory / SUMMARY)["run_id"].tolist() == list(range(8))


# --------------------------------------------------------------------------- integrity
def _files(directory):
    return {n: (directory / n).read_bytes() for n in (TIMESERIES, SUMMARY)}


def _run(scenario, root, **kwargs):
    warnings: list[str] = []
    outcome = run_experiment(scenario, root, workers=1, on_warning=warnings.append, **kwargs)
    return outcome, warnings


DAMAGE = {
    "copied from another run": lambda d: (d / "runs" / "run-00002.parquet").write_bytes(
        (d / "runs" / "run-00003.parquet").read_bytes()
    ),
    "truncated": lambda d: (d / "runs" / "run-00002.parquet").write_bytes(
        (d / "runs" / "run-00002.parquet").read_bytes()[:500]
    ),
    "empty": lambda d: (d / "runs" / "run-00002.parquet").write_bytes(b""),
    "bit flip": lambda d: _flip(d / "runs" / "run-00002.parquet", 300),
}


def _flip(path, offset):
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


CASES = [(d, "with runs.jsonl") for d in DAMAGE] + [
    # without a checksum only what breaks the file or its run id can be seen
    (d, "older results without a log")
    for d in ("copied from another run", "truncated", "empty")
]


@pytest.mark.parametrize(("damage", "log"), CASES, ids=[f"{d}, {log}" for d, log in CASES])
def test_resume_reruns_a_damaged_run_file_and_says_so(write, tmp_path, damage, log):
    scenario = load_scenario(write("s.yaml", SWEEP))
    clean, _ = _run(scenario, tmp_path / "clean")
    damaged, _ = _run(scenario, tmp_path / "damaged")
    DAMAGE[damage](damaged.directory)
    if log != "with runs.jsonl":  # no checksum: the file's own run id is checked
        (damaged.directory / RUNS_LOG).unlink()
    again, warnings = _run(scenario, tmp_path / "damaged")
    assert (again.skipped, again.done) == (3, 1), warnings
    assert len(warnings) == 1 and warnings[0].startswith("runs/run-00002.parquet: ")
    assert warnings[0].endswith("running it again")
    assert list(again.rejected) == [2]
    assert _files(again.directory) == _files(clean.directory)
    assert pd.read_csv(again.directory / SUMMARY)["run_id"].tolist() == [0, 1, 2, 3]
    assert audit(again.directory)[1] == []


def test_run_files_carry_their_run_id_and_seed(write, tmp_path):
    outcome, _ = _run(load_scenario(write("s.yaml", SWEEP)), tmp_path)
    meta = pq.read_schema(outcome.directory / "runs" / "run-00003.parquet").metadata
    assert meta[b"conduit.run_id"] == b"3"
    assert json.loads(meta[b"conduit.seed"]) == {"entropy": 7, "spawn_key": [1, 1]}
    records = [
        json.loads(line) for line in (outcome.directory / RUNS_LOG).read_text().split("\n") if line
    ]
    assert [r["run_id"] for r in records] == [0, 1, 2, 3]
    for r in records:
        path = outcome.directory / "runs" / f"run-{r['run_id']:05d}.parquet"
        assert r["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    m = json.loads((outcome.directory / MANIFEST).read_text())
    assert m["format"] == "conduit-results" and "runs" not in m
    assert m["run_count"] == {"planned": 4, "done": 4, "failed": 0}
    for name in (TIMESERIES, SUMMARY):
        digest = hashlib.sha256((outcome.directory / name).read_bytes()).hexdigest()
        assert m["files"][name]["sha256"] == digest


def test_the_manifest_stays_small_however_many_runs(write, tmp_path):
    sizes = []
    for replicates in (1, 12):
        scenario = load_scenario(write("s.yaml", small_yaml(replicates=replicates, steps=2)))
        outcome, _ = _run(scenario, tmp_path / str(replicates))
        sizes.append(len((outcome.directory / MANIFEST).read_bytes()))
    assert abs(sizes[1] - sizes[0]) < 16  # only the counts' digits differ


def test_run_files_of_any_digit_count_are_found(tmp_path):
    (tmp_path / "runs").mkdir()
    for name in (
        "run-00007.parquet",
        "run-100000.parquet",
        "run-1234567.parquet",
        "run-0001.parquet",
        "run-x.parquet",
        ".run-00008.parquet.tmp-1",
    ):
        (tmp_path / "runs" / name).write_bytes(b"")
    assert finished_runs(tmp_path) == {7, 100000, 1234567}
    assert run_file(tmp_path, 100000).name == "run-100000.parquet"


def test_force_deletes_only_what_conduit_wrote(write, tmp_path):
    old, _ = _run(load_scenario(write("s.yaml", SWEEP)), tmp_path)
    (old.directory / "notes.txt").write_text("mine")
    (old.directory / "plots").mkdir(exist_ok=True)
    (old.directory / "plots" / "thesis.tex").write_text("mine")
    (old.directory / "runs" / "keep.md").write_text("mine")
    changed = load_scenario(write("s.yaml", SWEEP), overrides={"salience.maximum": 0.5})
    fresh, _ = _run(changed, tmp_path, force=True)
    assert (fresh.skipped, fresh.done) == (0, 4)
    for kept in ("notes.txt", "plots/thesis.tex", "runs/keep.md"):
        assert (old.directory / kept).read_text() == "mine"
    assert load(fresh.directory).manifest["scenario_sha256"] == changed.sha256()


@pytest.mark.parametrize(
    "foreign",
    [
        {"manifest.json": '{"title": "my thesis"}', "thesis.tex": "x", "runs/data.csv": "x"},
        {"manifest.json": "[1, 2]", "index.html": "x"},
        {"runs/run-00000.parquet": "x", "index.html": "x"},
    ],
    ids=["foreign manifest", "manifest holding a list", "runs folder without manifest"],
)
def test_force_never_touches_a_folder_conduit_did_not_write(write, tmp_path, foreign):
    for name, text in foreign.items():
        (tmp_path / "small" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "small" / name).write_text(text)
    scenario = load_scenario(write("s.yaml", SWEEP))
    for force in (False, True):
        with pytest.raises(ResultsConflict, match="use --out"):
            run_experiment(scenario, tmp_path, workers=1, force=force)
    for name, text in foreign.items():
        assert (tmp_path / "small" / name).read_text() == text
    assert not (tmp_path / "small" / LOCK).exists()


def test_a_file_where_the_results_folder_goes_is_refused(write, tmp_path):
    (tmp_path / "small").write_text("a file")
    with pytest.raises(ResultsConflict, match="is a file"):
        run_experiment(load_scenario(write("s.yaml", SWEEP)), tmp_path, workers=1)
    assert (tmp_path / "small").read_text() == "a file"


def test_a_failed_write_leaves_no_temporary_file_and_a_consistent_manifest(
    write, tmp_path, monkeypatch
):
    import model.results as results_module

    real = results_module.atomic_write
    calls = []

    def failing(path, data):
        if path.name.startswith("run-"):
            calls.append(path)
            if len(calls) == 3:
                with integrity.atomic_path(path) as tmp:
                    tmp.write_bytes(data[:100])
                    raise OSError(28, "No space left on device", str(path))
        real(path, data)

    monkeypatch.setattr(results_module, "atomic_write", failing)
    with pytest.raises(OSError):
        run_experiment(load_scenario(write("s.yaml", SWEEP)), tmp_path, workers=1)
    directory = tmp_path / "small"
    leftovers = [p for p in directory.rglob("*") if ".tmp-" in p.name]
    assert leftovers == [] and not (directory / LOCK).exists()
    manifest = json.loads((directory / MANIFEST).read_text())
    assert manifest["run_count"]["done"] == len(finished_runs(directory)) == 2
    kinds = {f.kind for f in audit(directory)[1]}
    assert kinds == {"incomplete"}


def test_the_lock_names_its_holder_and_stale_locks_are_replaced(tmp_path):
    first = integrity.FolderLock(tmp_path).acquire()
    with pytest.raises(integrity.FolderBusy) as info:
        integrity.FolderLock(tmp_path).acquire()
    message = str(info.value)
    assert f"being written by another conduit run (pid {os.getpid()}, since " in message
    assert message.endswith("); wait or use --out")
    first.release()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    holder = {"pid": gone.pid, "host": socket.gethostname(), "started": "2026-01-01T00:00:00"}
    (tmp_path / LOCK).write_text(json.dumps(holder))
    lock = integrity.FolderLock(tmp_path).acquire()
    assert lock.stale == f"pid {gone.pid}, since 2026-01-01T00:00:00"
    assert json.loads((tmp_path / LOCK).read_text())["pid"] == os.getpid()
    lock.release()
    assert not (tmp_path / LOCK).exists()


def test_verify_names_missing_corrupted_stale_and_incomplete_files(write, tmp_path):
    outcome, _ = _run(load_scenario(write("s.yaml", SWEEP)), tmp_path)
    d = outcome.directory
    assert audit(d)[1] == []
    (d / "runs" / "run-00001.parquet").unlink()
    _flip(d / "runs" / "run-00002.parquet", 200)
    _flip(d / TIMESERIES, 100)
    (d / "runs" / "run-00009.parquet").write_bytes(b"PAR1")
    found = {(f.file, f.kind) for f in audit(d)[1]}
    assert found == {
        ("runs/run-00001.parquet", "missing"),
        ("runs/run-00002.parquet", "corrupted"),
        ("runs/run-00009.parquet", "stale"),
        (TIMESERIES, "corrupted"),
    }
    with pytest.raises(ResultsError, match=f"{TIMESERIES} is corrupted"):
        load(d)


def test_load_names_a_missing_or_unreadable_file(write, tmp_path):
    outcome, _ = _run(load_scenario(write("s.yaml", SWEEP)), tmp_path)
    d = outcome.directory
    (d / SUMMARY).unlink()
    with pytest.raises(ResultsError, match=f"{SUMMARY} is missing"):
        load(d)
    (d / MANIFEST).write_text("[1, 2]")
    with pytest.raises(ResultsError, match="not a conduit manifest"):
        load(d)
    (d / MANIFEST).write_text("{")
    with pytest.raises(ResultsError, match=r"manifest\.json: unreadable or corrupted"):
        load(d)
    with pytest.raises(ResultsError, match="no such folder"):
        load(tmp_path / "nowhere")


def test_event_columns_are_whole_weeks_or_empty(tmp_path):
    rows = [
        {"run_id": 0, "week_law": 203, "week_first_forward.BT": None, "final.week": 259},
        {"run_id": 1, "week_law": None, "week_first_forward.BT": 13, "final.week": 259},
    ]
    _write_summary(tmp_path / SUMMARY, rows)
    lines = (tmp_path / SUMMARY).read_text().splitlines()
    assert lines == [
        "run_id,week_law,week_first_forward.BT,final.week",
        "0,203,,259",
        "1,,13,259",
    ]
