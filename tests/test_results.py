"""The results layout: files, manifest, resume (also after SIGKILL), conflicts, load()."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from model import load_scenario
from model.experiment import run_experiment
from model.results import MANIFEST, SUMMARY, TIMESERIES, ResultsConflict, finished_runs, load
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
