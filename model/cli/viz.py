"""``conduit viz``: the browser visualiser."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from model.cli.common import app, fail
from model.scenario import ScenarioError


@app.command()
def viz(
    file: Annotated[
        Path | None, typer.Argument(help="Scenario to open (default: the UK 2008 one).")
    ] = None,
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8765,
    max_subscribers: Annotated[
        int, typer.Option(help="Population cap (accounts) that keeps stepping interactive.")
    ] = 200_000,
    save_dir: Annotated[
        Path | None, typer.Option(help="Where 'Save as scenario' writes (scenarios/saved).")
    ] = None,
    results_dir: Annotated[
        Path | None, typer.Option(help="Where 'Download results' writes (results/viz).")
    ] = None,
) -> None:
    """Explore a scenario in the browser: ensembles, policy A/B, step, play, save, export."""
    from model.viz.app import DEFAULT_SCENARIO
    from model.viz.server import serve

    try:
        code = serve(
            file or DEFAULT_SCENARIO,
            host,
            port,
            max_subscribers,
            save_dir=save_dir,
            results_dir=results_dir,
        )
    except ScenarioError as exc:
        fail(exc)
    raise typer.Exit(code)
