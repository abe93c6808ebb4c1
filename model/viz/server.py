"""Start the visualiser: ``solara run model.viz.app`` in a subprocess (``conduit viz``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from model.scenario import load_scenario
from model.viz.controls import MAX_SUBSCRIBERS

APP = "model.viz.app"


def command(host: str, port: int) -> list[str]:
    """The ``solara run`` command line: production mode, no browser, no version check."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        APP,
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
        "--no-check-version",
    ]


def environment(
    file: Path,
    max_subscribers: int,
    scenarios: Path | None,
    save_dir: Path | None,
    results_dir: Path | None = None,
) -> dict[str, str]:
    """The server's environment: the scenario and the visualiser's options."""
    env = dict(os.environ)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    env["CONDUIT_VIZ_SCENARIO"] = str(file.resolve())
    env["CONDUIT_VIZ_MAX_SUBSCRIBERS"] = str(max_subscribers)
    if scenarios is not None:
        env["CONDUIT_VIZ_SCENARIOS"] = str(scenarios.resolve())
    if save_dir is not None:
        env["CONDUIT_VIZ_SAVE_DIR"] = str(save_dir.resolve())
    if results_dir is not None:
        env["CONDUIT_VIZ_RESULTS"] = str(results_dir.resolve())
    return env


def serve(
    file: str | Path,
    host: str = "127.0.0.1",
    port: int = 8765,
    max_subscribers: int = MAX_SUBSCRIBERS,
    scenarios: str | Path | None = None,
    save_dir: str | Path | None = None,
    results_dir: str | Path | None = None,
) -> int:
    """Validate ``file``, print the URL and run the server until it stops (or Ctrl-C).

    Args:
        file: the scenario to open.
        host: interface to bind (loopback unless told otherwise).
        port: TCP port.
        max_subscribers: population cap (accounts) to keep stepping interactive.
        scenarios: folder listed by the scenario picker (default ``scenarios/``).
        save_dir: where "Save as scenario" writes (default ``scenarios/saved/``).
        results_dir: where "Download results" writes (default ``results/viz/``).

    Returns:
        the server's exit code.

    Raises:
        ScenarioError: the scenario does not validate.
    """
    path = Path(file)
    load_scenario(path)  # fail fast, with a located error
    env = environment(
        path,
        max_subscribers,
        Path(scenarios) if scenarios else None,
        Path(save_dir) if save_dir else None,
        Path(results_dir) if results_dir else None,
    )
    print(f"conduit viz: serving {path} at http://{host}:{port}/  (Ctrl-C stops)", flush=True)
    proc = subprocess.Popen(command(host, port), env=env)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            return proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()
