"""``conduit validate`` and ``calibrate``: the model against the empirical targets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from model.cli.common import SetOption, app, fail, parse_overrides
from model.scenario import ScenarioError

TargetsArg = Annotated[
    Path | None,
    typer.Argument(help="Targets file (default: scenarios/validation/targets.yaml)."),
]


def _load_targets_or_fail(path: Path | None) -> Any:
    from model.validation import DEFAULT_TARGETS, load_targets

    try:
        return load_targets(path or DEFAULT_TARGETS)
    except ScenarioError as exc:
        fail(exc)


def _validation_table(results: list, title: str) -> Table:
    from model.validation import table as validation_table

    frame = validation_table(results)
    out = Table(
        title=title,
        caption="pass: the model's median over replicates lies in the band; known-fail: a "
        "documented limitation of the rules (see the target's known_failure)",
    )
    for column in frame.columns:
        out.add_column(column, overflow="fold", max_width=40 if column == "source" else None)
    for row in frame.itertuples(index=False):
        cells = [str(v) for v in row]
        colour = {"pass": "green", "FAIL": "red"}.get(cells[-1], "yellow")
        cells[-1] = f"[{colour}]{cells[-1]}[/]"
        out.add_row(*cells)
    return out


@app.command()
def validate(
    targets: TargetsArg = None,
    replicates: Annotated[int, typer.Option(min=1, help="Runs per scenario.")] = 3,
    subscribers: Annotated[
        int, typer.Option(min=1000, help="Simulated subscribers per scenario.")
    ] = 20_000,
    set_: SetOption = None,
    workers: Annotated[int | None, typer.Option(help="Local worker processes.")] = None,
    out: Annotated[Path, typer.Option(help="Folder for the table and figures.")] = Path(
        "results/validation"
    ),
) -> None:
    """Run the empirical targets' scenarios; print and write the validation table and figures.

    Exit codes: 0 every target passes, 1 a target fails, 2 bad input.
    The full validation (docs/validation.md): --replicates 20 --subscribers 100000.
    """
    from model.validation import validate as run_validation
    from model.validation import write_report

    spec = _load_targets_or_fail(targets)
    overrides = {**parse_overrides(set_), "population.subscribers": subscribers}
    try:
        results, runs = run_validation(spec, replicates, overrides, workers)
    except ScenarioError as exc:
        fail(exc)
    meta = f"{replicates} replicates, {subscribers:,} subscribers per scenario ({spec.path})"
    write_report(results, runs, out, meta)
    Console(width=max(Console().width, 140)).print(
        _validation_table(results, f"validation: {meta}")
    )
    typer.echo(f"table and figures: {out}")
    failed = [r.target.name for r in results if r.status == "FAIL"]
    if failed:
        fail(f"{len(failed)} of {len(results)} targets failed: {', '.join(failed)}", 1)


@app.command()
def calibrate(
    targets: TargetsArg = None,
    params: Annotated[
        list[str] | None,
        typer.Option(
            "--params",
            help="A parameter to fit: PATH=LOW:HIGH (repeatable), "
            "e.g. population.risk.notice_jump=0.2:0.8.",
        ),
    ] = None,
    samples: Annotated[int, typer.Option(min=1, help="Latin hypercube points.")] = 12,
    refine: Annotated[int, typer.Option(min=0, help="Local-search evaluations.")] = 12,
    replicates: Annotated[int, typer.Option(min=1, help="Runs per scenario per point.")] = 2,
    subscribers: Annotated[int, typer.Option(min=1000, help="Simulated subscribers.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Seed of the Latin hypercube.")] = 1,
    workers: Annotated[int | None, typer.Option(help="Local worker processes.")] = None,
    out: Annotated[Path, typer.Option(help="Folder for calibration.csv.")] = Path(
        "results/validation"
    ),
) -> None:
    """Fit parameters jointly to every target: Latin hypercube, then compass search.

    The same values go into every target's scenario. Writes every evaluation to
    OUT/calibration.csv and prints the best fit.
    """
    from model.calibration import calibrate as run_calibration
    from model.calibration import fmt_params, parse_range
    from model.scenario import load_scenario

    spec = _load_targets_or_fail(targets)
    if not params:
        fail("give at least one --params PATH=LOW:HIGH")
    ranges: dict[str, tuple[float, float]] = {}
    for text in params:
        try:
            path, low, high = parse_range(text)
        except ValueError as exc:
            fail(f"--params: {exc}")
        for target in spec.targets:
            for value in (low, high):
                try:
                    load_scenario(spec.scenario_path(target), overrides={path: value})
                except ScenarioError as exc:
                    fail(f"--params {text}: {exc}")
        ranges[path] = (low, high)
    console = Console(stderr=True)
    cal = run_calibration(
        spec,
        ranges,
        samples,
        refine,
        replicates,
        {"population.subscribers": subscribers},
        workers,
        seed,
        on_evaluation=lambda e: console.print(
            f"{e.stage} loss {e.loss:.4g}: {fmt_params(e.params)}", highlight=False
        ),
    )
    out.mkdir(parents=True, exist_ok=True)
    cal.history().to_csv(out / "calibration.csv", index=False)
    best = cal.best
    typer.echo(f"fitted ({len(cal.evaluations)} evaluations, loss {best.loss:.4g}):")
    for path, value in best.params.items():
        typer.echo(f"  {path} = {value:.4g}" if isinstance(value, float) else f"  {path} = {value}")
    Console(width=max(Console().width, 140)).print(_validation_table(best.results, "fit"))
    typer.echo(f"every evaluation: {out / 'calibration.csv'}")
