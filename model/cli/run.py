"""``conduit run``: run a scenario's experiment, print a summary, draw plots and analysis."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from model.cli.analysis import draw_analysis
from model.cli.common import (
    USER_ERRNOS,
    SetOption,
    app,
    fail,
    fmt,
    load_or_fail,
    named_for_overrides,
    os_error,
    parse_overrides,
    wide_console,
)

if TYPE_CHECKING:  # pragma: no cover
    from rich.progress import Progress
    from rich.table import Table


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
    allow_large: Annotated[
        bool,
        typer.Option(
            "--allow-large",
            help="Run an experiment of more than 100,000 runs (refused without it).",
        ),
    ] = False,
) -> None:
    """Run a scenario's experiment (replicates x sweep points); write results/<name>/.

    Finished runs of the same scenario are verified, kept and skipped: run again to resume.
    Exit codes: 0 done, 2 bad input (or a busy, foreign, read-only or full results
    folder), 1 a run failed (the others are kept).
    """
    from model import experiment, findings, results

    overrides = parse_overrides(set_, replicates=replicates, steps=steps, seed=seed)
    scenario = load_or_fail(file, overrides)
    scenario = named_for_overrides(
        file, scenario, set_, replicates=replicates, steps=steps, seed=seed
    )
    if workers is not None and workers < 1:
        fail("--workers must be at least 1")
    if scheduler is not None:
        try:
            experiment.check_scheduler(scheduler)
        except ValueError as exc:
            fail(exc)
    runs = experiment.count_runs(scenario)
    if runs > experiment.MAX_RUNS and not allow_large:
        fail(
            f"{file}: the experiment has {runs:,} runs (more than {experiment.MAX_RUNS:,}); "
            "check the sweep and replicates, or pass --allow-large to run it anyway"
        )
    progress = RunProgress(enabled=not quiet)
    previous = signal.signal(signal.SIGTERM, _terminate)
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
            on_warning=lambda message: typer.echo(f"warning: {message}", err=True),
        )
    except results.ResultsConflict as exc:
        progress.stop()
        fail(exc)
    except (KeyboardInterrupt, Terminated) as exc:
        progress.stop()
        code = 143 if isinstance(exc, Terminated) else 130
        fail("interrupted; finished runs are kept: run the same command again to resume", code)
    except OSError as exc:  # distributed reports an unreachable scheduler as OSError
        progress.stop()
        if scheduler is None or exc.errno in USER_ERRNOS:
            raise  # a results-folder problem: reported by guarded()
        fail(f"cannot reach the Dask scheduler at {scheduler}: {' '.join(str(exc).split())}")
    finally:
        progress.stop()
        signal.signal(signal.SIGTERM, previous)
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
    console.print(findings.text(res), highlight=False, markup=False)
    if not no_plots and not draw_plots(outcome.directory, quiet):
        fail(
            f"the results are complete in {outcome.directory}, but drawing the plots failed; "
            f"draw them again with `conduit plot {outcome.directory}`",
            1,
        )
    if not outcome.failed and (scenario.analysis is not None or len(scenario.policies) > 1):
        draw_analysis(outcome.directory, scenario, console, quiet)
    if outcome.failed:
        for run_id, error in sorted(outcome.failed.items()):
            typer.echo(f"run {run_id} failed: {error.splitlines()[0]}", err=True)
        fail(f"{len(outcome.failed)} of {outcome.total} runs failed (see manifest.json)", 1)


class Terminated(BaseException):
    """SIGTERM reached ``conduit run``: stop the workers, keep finished runs, exit 143."""


def _terminate(signum: int, frame: Any) -> None:
    raise Terminated()


def draw_plots(directory: Path, quiet: bool) -> bool:
    """Draw the figures and the report; False (after saying why) when that failed."""
    from model.plots import plot_results  # matplotlib: imported only when drawing

    try:
        paths = plot_results(directory)
    except OSError as exc:  # plots must not lose finished results
        typer.echo(f"error: plotting failed: {os_error(exc)}", err=True)
        return False
    except Exception as exc:
        typer.echo(f"error: plotting failed: {type(exc).__name__}: {exc}", err=True)
        return False
    if not quiet:
        typer.echo(f"plots: {len(paths)} files in {directory}", err=True)
    return True


class RunProgress:
    """Runs done, runs/s and ETA: a rich bar on a terminal, else plain lines every few seconds."""

    PLAIN_EVERY = 5.0

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        from rich.console import Console

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
            # rich.progress only when a bar is drawn: the command line starts faster
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

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

    from model.headline import point_digest

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
        return [_headline_table(res, digest, title)]
    labels = list(dict.fromkeys(digest["outcome"]))
    shares = [lb for lb in labels if lb.startswith("share ")]
    return [
        _points_table(res, digest, points, [lb for lb in labels if lb not in shares], title, ""),
        _points_table(res, digest, points, shares, "final ISP market shares", caption),
    ]


def _headline_table(res: Any, digest: Any, title: str) -> Table:
    """One point: every headline measure (final week, mean over the run, cumulative total,
    and the scenario's own ``summaries:``) with its 5-95% range, then final ISP shares."""
    from rich.table import Table

    from model import headline

    table = Table(
        title=title,
        caption="median [5%-95%] over replicates; counts and money at the real population's "
        "size; (!) rests on fewer than 20 simulated events per run",
    )
    for name in ("outcome", "median", "5%", "95%"):
        table.add_column(name, justify="left" if name == "outcome" else "right")
    for row in headline.table(res).itertuples():
        label = f"{row.label} (!)" if row.rare else row.label
        cells = (headline.show(v, row.kind) for v in (row.median, row.q05, row.q95))
        table.add_row(label, *cells)
    for row in digest[digest["outcome"].str.startswith("share ")].itertuples():
        table.add_row(f"final {row.outcome}", fmt(row.median), fmt(row.p05), fmt(row.p95))
    return table


def _points_table(
    res: Any, digest: Any, points: list, labels: list[str], title: str, caption: str
) -> Table:
    from rich.table import Table

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
        values = [fmt(first.loc[point, p]) for p in params]
        table.add_row(str(point), *values, *(_cell(rows.loc[lb]) for lb in labels))
    return table


def _cell(row: Any) -> str:
    """Median on one line, [5%-95%] range under it."""
    return f"{fmt(row['median'])}\n[{fmt(row['p05'])}, {fmt(row['p95'])}]"
