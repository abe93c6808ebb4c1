"""The ``conduit`` command line (typer).

Every command reports bad input as a located error on stderr with exit code 2 and no
traceback (see :func:`fail`). The work is done in :mod:`model.experiment` and
:mod:`model.results`; this module parses options and prints.

Commands: ``run``, ``check``, ``diff``, ``schema`` (add new commands in their own section).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from model.scenario import (
    Scenario,
    ScenarioError,
    load_scenario,
    parse_assignment,
    resolved_yaml,
)
from model.scenario import diff as scenario_diff

app = typer.Typer(
    name="conduit",
    help="Agent-based policy simulator for online copyright enforcement.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Override a parameter: PATH=VALUE (YAML scalar; list items by name, "
        "e.g. isps.TalkTalk.stance=graduated). Repeatable; later wins.",
    ),
]


def fail(error: Exception | str, code: int = 2) -> NoReturn:
    """Print a clear error (no traceback) and exit with ``code`` (2: bad input)."""
    typer.echo(f"error: {error}", err=True)
    raise typer.Exit(code)


def load_or_fail(path: Path | str, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load a scenario; on bad input print the located error and exit 2."""
    try:
        return load_scenario(path, overrides=overrides)
    except ScenarioError as exc:
        fail(exc)


def parse_overrides(assignments: list[str] | None, **flags: Any) -> dict[str, Any]:
    """``--set PATH=VALUE`` items, then the explicit flags (``experiment.<name>``) over them."""
    overrides: dict[str, Any] = {}
    try:
        for text in assignments or []:
            path, value = parse_assignment(text)
            overrides[path] = value
    except ScenarioError as exc:
        fail(exc)
    overrides.update({f"experiment.{k}": v for k, v in flags.items() if v is not None})
    return overrides


# --------------------------------------------------------------------------- run
@app.command()
def run(
    file: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    replicates: Annotated[int | None, typer.Option(help="Runs per sweep point.")] = None,
    steps: Annotated[int | None, typer.Option(help="Weeks to simulate.")] = None,
    seed: Annotated[int | None, typer.Option(help="Root seed of the experiment.")] = None,
    set_: SetOption = None,
    workers: Annotated[
        int | None, typer.Option(help="Local worker processes (default: all cores).")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address (tcp://host:port).")
    ] = None,
    out: Annotated[Path, typer.Option(help="Results root.")] = Path("results"),
    force: Annotated[
        bool, typer.Option(help="Delete results of a different scenario and start afresh.")
    ] = False,
    no_plots: Annotated[bool, typer.Option("--no-plots", help="Do not draw plots.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress output.")] = False,
) -> None:
    """Run a scenario's experiment (replicates x sweep points); write results/<name>/.

    Finished runs of the same scenario are kept and skipped: run again to resume.
    Exit codes: 0 done, 2 bad input, 1 a run failed (the others are kept).
    """
    from model import experiment, results

    overrides = parse_overrides(set_, replicates=replicates, steps=steps, seed=seed)
    scenario = load_or_fail(file, overrides)
    if workers is not None and workers < 1:
        fail("--workers must be at least 1")
    if "/" in scenario.name or scenario.name in ("", ".", ".."):
        fail(f"{file}: name: '{scenario.name}' cannot be used as a results folder name")
    progress = RunProgress(enabled=not quiet)
    try:
        outcome = experiment.run_experiment(
            scenario,
            out,
            workers=workers or os.cpu_count() or 1,
            scheduler=scheduler,
            force=force,
            scenario_file=str(file),
            command=["conduit", *sys.argv[1:]],
            on_start=progress.restart,
            on_result=progress.advance,
        )
    except results.ResultsConflict as exc:
        progress.stop()
        fail(exc)
    except KeyboardInterrupt:
        progress.stop()
        fail("interrupted; finished runs are kept: run the same command again to resume", 130)
    progress.stop()
    res = results.load(outcome.directory)
    console = wide_console()
    if scenario.analysis is None and not scenario.policies:
        for table in summary_tables(res, outcome):
            console.print(table)
    else:
        console.print(
            f"{scenario.name}: {outcome.total} runs ({outcome.skipped} resumed, "
            f"{len(outcome.failed)} failed) -> {outcome.directory}",
            highlight=False,
        )
    if not no_plots:
        draw_plots(outcome.directory, quiet)
    if not outcome.failed and (scenario.analysis is not None or len(scenario.policies) > 1):
        draw_analysis(outcome.directory, scenario, console, quiet)
    if outcome.failed:
        for run_id, error in sorted(outcome.failed.items()):
            typer.echo(f"run {run_id} failed: {error.splitlines()[0]}", err=True)
        fail(f"{len(outcome.failed)} of {outcome.total} runs failed (see manifest.json)", 1)


def draw_plots(directory: Path, quiet: bool) -> None:
    """Draw the figures and the report; a plotting error is only a warning."""
    from model.plots import plot_results  # matplotlib: imported only when drawing

    try:
        paths = plot_results(directory)
    except Exception as exc:  # plots must not lose finished results
        typer.echo(f"warning: plotting failed: {type(exc).__name__}: {exc}", err=True)
        return
    if not quiet:
        typer.echo(f"plots: {len(paths)} files in {directory}", err=True)


class RunProgress:
    """Runs done, runs/s and ETA: a rich bar on a terminal, else plain lines every few seconds."""

    PLAIN_EVERY = 5.0

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self.console = Console(stderr=True)
        self.bar: Progress | None = None
        self.done = self.total = 0
        self.started = self.last_line = time.monotonic()

    def start(self, todo: int, skipped: int) -> None:
        self.total, self.started = todo, time.monotonic()
        if not self.enabled:
            return
        if skipped:
            self.console.print(f"resuming: {skipped} runs already finished, {todo} to run")
        if self.console.is_terminal:
            self.bar = Progress(
                TextColumn("runs"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=self.console,
            )
            self.bar.add_task("runs", total=todo, rate="")
            self.bar.start()
        else:
            self.console.print(f"{todo} runs to do")

    def restart(self, todo: int, skipped: int) -> None:
        """A new batch of runs (``replicates: auto`` runs in batches): a fresh bar."""
        self.stop()
        self.done = 0
        self.start(todo, skipped)

    def advance(self, result: Any) -> None:
        self.done += 1
        if not self.enabled:
            return
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = self.done / elapsed
        if self.bar is not None:
            self.bar.update(self.bar.task_ids[0], advance=1, rate=f"{rate:.2f} runs/s")
        elif time.monotonic() - self.last_line >= self.PLAIN_EVERY or self.done == self.total:
            eta = (self.total - self.done) / rate if rate > 0 else 0.0
            self.console.print(
                f"{self.done}/{self.total} runs, {rate:.2f} runs/s, ETA {eta:.0f} s",
                highlight=False,
            )
            self.last_line = time.monotonic()

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def summary_tables(res: Any, outcome: Any) -> list[Table]:
    """Key outcomes per sweep point: median and 5-95% range over replicates.

    One point: a single table, outcomes down the side. A sweep: one row per point, in
    two tables (enforcement outcomes; final ISP market shares) so each stays narrow.
    """
    from model.results import point_digest

    scale = float(res.manifest.get("scale", 1.0))
    digest = point_digest(res.summary, scale)
    points = sorted(digest["point"].unique()) if len(digest) else []
    title = (
        f"{res.scenario.name}: {outcome.total} runs ({outcome.skipped} resumed, "
        f"{len(outcome.failed)} failed) -> {outcome.directory}"
    )
    caption = "median [5%-95%] over replicates" + (
        f"; sanctions are totals scaled to the real population (x{scale:.4g})" if scale != 1 else ""
    )
    if len(points) <= 1:
        table = Table(title=title, caption=caption)
        for name in ("outcome", "median", "5%", "95%"):
            table.add_column(name, justify="left" if name == "outcome" else "right")
        for row in digest.itertuples():
            table.add_row(row.outcome, _fmt(row.median), _fmt(row.p05), _fmt(row.p95))
        return [table]
    labels = list(dict.fromkeys(digest["outcome"]))
    shares = [lb for lb in labels if lb.startswith("share ")]
    return [
        _points_table(res, digest, points, [lb for lb in labels if lb not in shares], title, ""),
        _points_table(res, digest, points, shares, "final ISP market shares", caption),
    ]


def _points_table(
    res: Any, digest: Any, points: list, labels: list[str], title: str, caption: str
) -> Table:
    params = res.parameters
    table = Table(title=title, caption=caption or None)
    table.add_column("point", justify="right")
    for p in params:
        table.add_column(p if len(params) <= 2 else p.split(".")[-1], justify="right")
    for label in labels:
        table.add_column(label.removeprefix("share "), justify="right", min_width=9)
    first = res.summary.groupby("point", sort=True).first()
    for point in points:
        rows = digest[digest["point"] == point].set_index("outcome")
        values = [_fmt(first.loc[point, p]) for p in params]
        table.add_row(str(point), *values, *(_cell(rows.loc[lb]) for lb in labels))
    return table


def wide_console() -> Console:
    """stdout; tables are not squeezed to 80 columns when the output is a file or a pipe."""
    console = Console()
    return console if console.is_terminal else Console(width=200)


def _cell(row: Any) -> str:
    """Median on one line, [5%-95%] range under it."""
    return f"{_fmt(row['median'])}\n[{_fmt(row['p05'])}, {_fmt(row['p95'])}]"


def _fmt(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if x != x:
        return "-"
    if x == int(x) and abs(x) >= 1:
        return f"{int(x):,}"
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"


# --------------------------------------------------------------------------- check
@app.command()
def check(
    files: Annotated[list[Path], typer.Argument(help="Scenario YAML files.")],
    set_: SetOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="Only report errors.")] = False,
) -> None:
    """Validate scenario files without running them; print each resolved scenario."""
    from model.experiment import design

    overrides = parse_overrides(set_)
    bad = 0
    for file in files:
        try:
            scenario = load_scenario(file, overrides=overrides)
        except ScenarioError as exc:
            typer.echo(f"error: {exc}", err=True)
            bad += 1
            continue
        if not quiet:
            exp = scenario.experiment
            points = len(design(scenario)) * max(1, len(scenario.policies))
            typer.echo(f"# {file}: ok, sha256 {scenario.sha256()}")
            if exp.replicates == "auto":
                typer.echo(
                    f"# {points} sweep points x {exp.first_replicates} to "
                    f"{exp.replicate_slots} replicates (auto) of {exp.steps} weeks"
                )
            else:
                typer.echo(
                    f"# {points} sweep points x {exp.replicates} replicates = "
                    f"{points * exp.replicates} runs of {exp.steps} weeks"
                )
            typer.echo(resolved_yaml(scenario))
    if bad:
        raise typer.Exit(2)


# --------------------------------------------------------------------------- diff
@app.command()
def diff(
    a: Annotated[Path, typer.Argument(help="First scenario.")],
    b: Annotated[Path, typer.Argument(help="Second scenario.")],
) -> None:
    """Parameters that differ between two resolved scenarios (after extends and defaults)."""
    rows = scenario_diff(load_or_fail(a), load_or_fail(b))
    if not rows:
        typer.echo("no differences")
        return
    table = Table(title=f"{len(rows)} parameters differ")
    table.add_column("parameter", no_wrap=True)
    table.add_column(str(a), overflow="fold")
    table.add_column(str(b), overflow="fold")
    for path, va, vb in rows:
        table.add_row(path, _show(va), _show(vb))
    wide_console().print(table)


def _show(value: Any) -> str:
    if value is None:
        return "(absent)"
    return value if isinstance(value, str) else json.dumps(value)


# --------------------------------------------------------------------------- schema
def scenario_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file (the ``Scenario`` model plus ``extends``)."""
    schema = Scenario.model_json_schema()
    schema["properties"] = {
        "extends": {
            "type": "string",
            "description": "Path (relative to this file) of a scenario this one inherits from "
            "and overrides.",
        },
        **schema["properties"],
    }
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files (docs/scenario.schema.json is this output)."""
    typer.echo(json.dumps(scenario_schema(), indent=2))


def main() -> None:  # pragma: no cover - console entry point
    app(prog_name="conduit")


# --------------------------------------------------------------------------- viz (issue 5)
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
) -> None:
    """Explore a scenario in the browser (Mesa SolaraViz): sliders, step, play, save."""
    from model.viz.app import DEFAULT_SCENARIO
    from model.viz.server import serve

    try:
        code = serve(file or DEFAULT_SCENARIO, host, port, max_subscribers, save_dir=save_dir)
    except ScenarioError as exc:
        fail(exc)
    raise typer.Exit(code)


# ------------------------------------------------------------------ plot, compare (issue 4)
def _parse_points(points: str | None) -> list[int] | None:
    """``"0,3,5"`` -> [0, 3, 5]; None or "" -> None (the default selection)."""
    if not points:
        return None
    try:
        return [int(p) for p in points.split(",") if p.strip()]
    except ValueError:
        fail(f"--points: expected comma-separated sweep point numbers, got '{points}'")


def _formats(svg: bool) -> tuple[str, ...]:
    return ("png", "svg") if svg else ("png",)


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
        paths = _plot_results(results_dir, _parse_points(points), _formats(svg))
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
        paths = _compare(results_dirs, out, _formats(svg))
    except PlotError as exc:
        fail(exc)
    for path in paths:
        typer.echo(str(path))


# ------------------------------------------------------------------ validate, calibrate (issue 7)
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


# ------------------------------------------------------- analyse, compare-policies (issue 8)
def draw_analysis(directory: Path, scenario: Scenario, console: Console, quiet: bool) -> None:
    """At the end of ``conduit run``: indices and policy comparison; errors only warn."""
    try:
        if scenario.analysis is not None:
            from model.analysis import analyse as _analyse

            paths = _analyse(directory)
            if not quiet:
                typer.echo(f"analysis: {paths[0]} and {len(paths) - 1} figures", err=True)
        if len(scenario.policies) > 1:
            from model.policies import compare_policies as _compare_policies

            table, diffs, _ = _compare_policies(directory)
            for out in policy_tables(table, diffs):
                console.print(out)
    except Exception as exc:  # the analysis must not lose finished results
        typer.echo(f"warning: analysis failed: {type(exc).__name__}: {exc}", err=True)


def policy_tables(table: Any, diffs: Any) -> list[Table]:
    """Per outcome: each policy's median [90 % range], regret, best share, paired difference."""
    from rich.markup import escape

    out = []
    for outcome, rows in table.groupby("outcome", sort=False):
        d = diffs[diffs["outcome"] == outcome].set_index("policy")
        goal = rows["goal"].iloc[0]
        t = Table(
            title=f"{outcome} ({'lower' if goal == 'minimise' else 'higher'} is better)",
            caption=escape("over sampled worlds; difference: mean, 95% CI paired (...) [unpaired]"),
        )
        for name in ("policy", "median [5%, 95%]", "regret median / 95%", "best in", "difference"):
            t.add_column(name, justify="left" if name == "policy" else "right")
        for row in rows.itertuples():
            diff = "reference"
            if row.policy in d.index:
                r = d.loc[row.policy]
                diff = (
                    f"{_fmt(r.mean_diff)} ({_fmt(r.paired_low)}, {_fmt(r.paired_high)}) "
                    f"[{_fmt(r.unpaired_low)}, {_fmt(r.unpaired_high)}]"
                )
            t.add_row(
                row.policy,
                f"{_fmt(row.median)} [{_fmt(row.p05)}, {_fmt(row.p95)}]",
                f"{_fmt(row.regret_median)} / {_fmt(row.regret_p95)}",
                f"{row.best_share:.0%}",
                diff,
            )
        out.append(t)
    return out


@app.command()
def analyse(
    results_dir: Annotated[
        Path, typer.Argument(help="A results folder of a scenario with analysis:.")
    ],
    svg: Annotated[bool, typer.Option("--svg/--no-svg", help="Also write SVG files.")] = True,
) -> None:
    """Sobol indices (S1, ST) or Morris mu*/sigma with CIs: RESULTS_DIR/analysis/."""
    from model.analysis import AnalysisError
    from model.analysis import analyse as _analyse

    try:
        paths = _analyse(results_dir, _formats(svg))
    except AnalysisError as exc:
        fail(exc)
    for path in paths:
        typer.echo(str(path))


@app.command("compare-policies")
def compare_policies(
    results_dir: Annotated[
        Path, typer.Argument(help="A results folder of a scenario with policies:.")
    ],
    svg: Annotated[bool, typer.Option("--svg/--no-svg", help="Also write SVG files.")] = True,
) -> None:
    """Median, 90% range, regret and paired differences per policy: RESULTS_DIR/policies/."""
    from model.policies import PolicyError
    from model.policies import compare_policies as _compare_policies

    try:
        table, diffs, paths = _compare_policies(results_dir, _formats(svg))
    except PolicyError as exc:
        fail(exc)
    console = wide_console()
    for out in policy_tables(table, diffs):
        console.print(out)
    for path in paths:
        typer.echo(str(path))


# keep last: every command above is registered before the module runs as a script
if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
