"""``conduit discover``: scenario discovery (PRIM boxes and CART trees) on a results folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from model.cli.common import app, fail, formats


@app.command()
def discover(
    results_dir: Annotated[Path, typer.Argument(help="A results folder of any sweep.")],
    where: Annotated[
        str | None,
        typer.Option(
            "--where",
            help='Condition on summary.csv columns, e.g. "final.infringing_share > 0.08" '
            "(and/or/not, parentheses). Default: the scenario's discovery: questions.",
        ),
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Name of the --where question (its folder).")
    ] = None,
    policy: Annotated[
        str | None, typer.Option("--policy", help="Only this policy (default: each).")
    ] = None,
    min_density: Annotated[
        float | None,
        typer.Option(
            "--min-density",
            help="Target density of the chosen PRIM box (default: the scenario's, else 0.8).",
        ),
    ] = None,
    svg: Annotated[bool, typer.Option("--svg/--no-svg", help="Also write SVG files.")] = True,
) -> None:
    """Where does a condition hold? PRIM boxes, CART trees, plain words: RESULTS_DIR/discovery/."""
    from model.discovery import DiscoveryError
    from model.discovery import discover as _discover

    try:
        findings, paths = _discover(results_dir, where, name, policy, min_density, formats(svg))
    except DiscoveryError as exc:
        fail(exc)
    for finding in findings:
        typer.echo(finding.text + "\n")
    for path in paths:
        typer.echo(str(path))
