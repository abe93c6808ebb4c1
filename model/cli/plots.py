"""``conduit plot`` and ``compare``: figures of one results folder, or several overlaid."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from model.cli.common import app, fail, formats


def _parse_points(points: str | None) -> list[int] | None:
    """``"0,3,5"`` -> [0, 3, 5]; None or "" -> None (the default selection)."""
    if not points:
        return None
    try:
        return [int(p) for p in points.split(",") if p.strip()]
    except ValueError:
        fail(f"--points: expected comma-separated sweep point numbers, got '{points}'")


@app.command()
def plot(
    results_dir: Annotated[Path, typer.Argument(help="A results folder written by `conduit run`.")],
    points: Annotated[
        str | None, typer.Option(help="Sweep points to draw, e.g. 0,3,5 (default: up to 6).")
    ] = None,
    svg: Annotated[bool, typer.Option("--svg/--no-svg", help="Also write SVG files.")] = True,
) -> None:
    """Draw figures into RESULTS_DIR/plots/ and write RESULTS_DIR/report.html."""
    from model.plots import PlotError
    from model.plots import plot_results as _plot_results

    try:
        paths = _plot_results(results_dir, _parse_points(points), formats(svg))
    except PlotError as exc:
        fail(exc)
    for path in paths:
        typer.echo(str(path))


@app.command()
def compare(
    results_dirs: Annotated[
        list[Path], typer.Argument(help="Two or more results folders to overlay.")
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for figures and report.html.")
    ] = Path("results/compare"),
    svg: Annotated[bool, typer.Option("--svg/--no-svg", help="Also write SVG files.")] = True,
) -> None:
    """Overlay the figures of several results (e.g. a scenario and its counterfactuals)."""
    from model.plots import PlotError
    from model.plots import compare as _compare

    try:
        paths = _compare(results_dirs, out, formats(svg))
    except PlotError as exc:
        fail(exc)
    for path in paths:
        typer.echo(str(path))
