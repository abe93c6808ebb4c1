"""Faults while writing results: SIGKILL, concurrent runs, a read-only or full file system,
SIGTERM/SIGKILL of ``conduit run`` and its worker processes.

Each case ends with results that verify (``model.audit``), a clear one-line error, or both;
never a partial file that looks complete. The file-system cases mount a small tmpfs, which
needs root: elsewhere they are skipped with the reason.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from typer.testing import CliRunner

from model import load_scenario
from model.audit import audit
from model.cli import app
from model.experiment import run_experiment
from model.integrity import LOCK
from model.results import RUNS_LOG, SUMMARY, TIMESERIES, finished_runs
from tests.conftest import ROOT, small_yaml

LONG = small_yaml(replicates=8, steps=30).replace("{subscribers: 2000}", "{subscribers: 5000}")


def conduit(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "model.cli", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def wait_for(condition, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)


@contextlib.contextmanager
def tmpfs(path: Path, options: str) -> Iterator[Path]:
    """A tmpfs mounted at ``path`` (root only), unmounted afterwards; else skip."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def test_sigkill_then_truncate_then_resume_gives_identical_files(write, tmp_path):
    file = write("s.yaml", LONG)
    killed = tmp_path / "killed"
    proc = conduit(
        "run", str(file), "--out", str(killed), "--workers", "1", "--quiet", "--no-plots"
    )
    runs = killed / "small"
    wait_for(lambda: len(finished_runs(runs)) >= 3, proc)
    proc.kill()
    proc.wait()
    done = sorted(finished_runs(runs))
    assert 3 <= len(done) < 8, "the sweep must be killed mid-way"
    victim = runs / "runs" / f"run-{done[1]:05d}.parquet"
    victim.write_bytes(victim.read_bytes()[: victim.stat().st_size // 2])
    # the lock of the killed run is stale (its pid is gone): the resume takes it over
    resumed = CliRunner().invoke(
        app, ["run", str(file), "--out", str(killed), "--workers", "1", "--no-plots", "--quiet"]
    )
    assert resumed.exit_code == 0, resumed.output + resumed.stderr
    assert f"runs/{victim.name}: it" in resumed.stderr and "running it again" in resumed.stderr
    assert "replaced a stale lock" in resumed.stderr
    clean = run_experiment(load_scenario(file), tmp_path / "clean", workers=1)
    for name in (TIMESERIES, SUMMARY):
        assert (runs / name).read_bytes() == (clean.directory / name).read_bytes()
    assert audit(runs)[1] == [] and not (runs / LOCK).exists()


def test_two_runs_on_one_folder_one_waits_out(write, tmp_path):
    file = write("s.yaml", LONG)
    first = conduit(
        "run", str(file), "--out", str(tmp_path), "--workers", "1", "--quiet", "--no-plots"
    )
    wait_for(lambda: (tmp_path / "small" / LOCK).exists(), first)
    second = CliRunner().invoke(
        app, ["run", str(file), "--out", str(tmp_path), "--workers", "1", "--no-plots"]
    )
    assert second.exit_code == 2
    assert second.stderr.startswith("error: ")
    assert f"being written by another conduit run (pid {first.pid}, since " in second.stderr
    assert second.stderr.rstrip().endswith("wait or use --out")
    assert first.wait(120) == 0, first.stderr.read()
    assert audit(tmp_path / "small")[1] == []


def test_a_read_only_results_folder_is_a_clear_error(write, tmp_path):
    file = write("s.yaml", small_yaml(steps=2))
    with tmpfs(tmp_path / "ro", "ro,size=1m") as root:
        result = CliRunner().invoke(
            app, ["run", str(file), "--out", str(root), "--workers", "1", "--no-plots"]
        )
    assert result.exit_code == 2, result.output + result.stderr
    assert result.stderr == f"error: cannot use {root / 'small'}: the file system is read-only\n"


def test_a_full_disk_is_a_clear_error_and_leaves_no_partial_file(write, tmp_path):
    file = write("s.yaml", small_yaml(replicates=8, steps=60))
    with tmpfs(tmp_path / "full", "size=192k") as root:
        result = CliRunner().invoke(
            app, ["run", str(file), "--out", str(root), "--workers", "1", "--no-plots", "--quiet"]
        )
        assert result.exit_code == 2, result.output + result.stderr
        assert result.stderr.startswith(f"error: cannot use {root / 'small'}")
        assert (
            result.stderr.rstrip().endswith(": the disk is full")
            and len(result.stderr.splitlines()) == 1
        )
        directory = root / "small"
        leftovers = [p for p in directory.rglob("*") if ".tmp-" in p.name or p.name == LOCK]
        assert leftovers == []
        # every run file there is complete and logged; the rest is just not finished
        kinds = {f.kind for f in audit(directory)[1]}
        assert kinds <= {"incomplete", "stale"} and "corrupted" not in kinds
        assert not (directory / TIMESERIES).exists() or (directory / RUNS_LOG).exists()


def _workers(proc: subprocess.Popen) -> list[psutil.Process]:
    try:
        return [
            c
            for c in psutil.Process(proc.pid).children(recursive=True)
            if "multiprocessing" in " ".join(c.cmdline())
        ]
    except psutil.NoSuchProcess:
        return []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_killing_conduit_run_stops_its_workers(write, tmp_path, sig):
    file = write("s.yaml", LONG.replace("replicates: 8", "replicates: 40"))
    proc = conduit(
        "run", str(file), "--out", str(tmp_path), "--workers", "2", "--quiet", "--no-plots"
    )
    # both workers have started (imports done, initializer run) once two runs are written
    wait_for(lambda: len(finished_runs(tmp_path / "small")) >= 2, proc, 120)
    workers = _workers(proc)
    assert len(workers) >= 2, "the workers must have started"
    proc.send_signal(sig)
    code = proc.wait(30)
    _, alive = psutil.wait_procs(workers, timeout=15)
    assert alive == [], f"orphaned workers: {[p.pid for p in alive]}"
    if sig == signal.SIGTERM:
        assert code == 143
        assert "interrupted; finished runs are kept" in proc.stderr.read()
        assert not (tmp_path / "small" / LOCK).exists()
