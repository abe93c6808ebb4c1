"""``conduit plot`` and ``compare``: figures of one results folder, or several overlaid."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.table import Table

from model.cli.common import app, fail, formats, wide_console


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

    from model import comparison
    from model.plots import PlotError
    from model.plots import compare as _compare

    try:
        paths = _compare(results_dirs, out, formats(svg))
    except PlotError as exc:
        fail(exc)
    table = pd.read_csv(next(p for p in paths if p.name == comparison.CSV))
    console = wide_console()
    console.print(side_by_side_table(table))
    console.print("Key findings:", highlight=False)
    for i, finding in enumerate(comparison.difference_findings(table), 1):
        console.print(f"{i}. {finding.text}", highlight=False)
    for path in paths:
        typer.echo(str(path))


def side_by_side_table(table: Any) -> Table:
    """The scenarios' headline measures side by side, differences from the first."""
    from model import comparison, headline

    scenarios = list(dict.fromkeys(table["scenario"]))
    out = Table(
        title="Headline measures: median [5-95%] over runs; difference from the reference",
        caption="differences run by run where the runs share seeds (5-95% range), else of "
        "medians; pp: percentage points; ⚠: fewer than "
        f"{headline.RARE_EVENTS} simulated events per run ({headline.PRECISION_HINT})",
    )
    out.add_column("measure")
    out.add_column(f"{scenarios[0]}\n(reference)", justify="right")
    for name in scenarios[1:]:
        out.add_column(name, justify="right")
        out.add_column("difference", justify="right")
    for _, group in table.groupby("key", sort=False):
        cells = [group.iloc[0]["label"]]
        for _, r in group.iterrows():
            text = headline.cell(r["median"], r["q05"], r["q95"], r["kind"])
            cells.append(text + (" ⚠" if r["rare"] else ""))
            if r["scenario"] != scenarios[0]:
                cells.append(comparison.show_difference(r))
        out.add_row(*cells)
    return out
