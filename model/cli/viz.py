"""``conduit viz``: the browser visualiser."""

from __future__ import annotations

import ipaddress
import signal
from pathlib import Path
from typing import Annotated, Any

import typer

from model.cli.common import app, fail
from model.scenario import ScenarioError


@app.command()
def viz(
    file: Annotated[
        Path | None, typer.Argument(help="Scenario to open (default: the UK 2008 one).")
    ] = None,
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8765,
    max_subscribers: Annotated[
        int, typer.Option(help="Population cap (accounts) that keeps stepping interactive.")
    ] = 200_000,
    save_dir: Annotated[
        Path | None, typer.Option(help="Where 'Save as scenario' writes (scenarios/saved).")
    ] = None,
    export_dir: Annotated[
        Path | None,
        typer.Option("--results-dir", help="Where 'Download results' writes (results/viz)."),
    ] = None,
) -> None:
    """Explore a scenario in the browser: ensembles, policy A/B, step, play, save, export."""
    from model.viz.app import DEFAULT_SCENARIO
    from model.viz.server import serve

    if not is_loopback(host):
        typer.echo(
            f"warning: --host {host} makes the visualiser reachable from other machines; "
            "anyone who can reach it can run simulations and save scenarios here",
            err=True,
        )
    # SIGTERM stops the Solara server too (serve() cleans up on KeyboardInterrupt)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        code = serve(
            file or DEFAULT_SCENARIO,
            host,
            port,
            max_subscribers,
            save_dir=save_dir,
            results_dir=export_dir,
        )
    except ScenarioError as exc:
        fail(exc)
    finally:
        signal.signal(signal.SIGTERM, previous)
    raise typer.Exit(code)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def is_loopback(host: str) -> bool:
    """Whether ``host`` binds this machine only (localhost, 127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
