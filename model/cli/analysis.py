"""``conduit analyse`` and ``compare-policies``: sensitivity indices and policy comparison."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from model.cli.common import app, fail, fmt, formats, wide_console
from model.scenario import Scenario


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
                    f"{fmt(r.mean_diff)} ({fmt(r.paired_low)}, {fmt(r.paired_high)}) "
                    f"[{fmt(r.unpaired_low)}, {fmt(r.unpaired_high)}]"
                )
            t.add_row(
                row.policy,
                f"{fmt(row.median)} [{fmt(row.p05)}, {fmt(row.p95)}]",
                f"{fmt(row.regret_median)} / {fmt(row.regret_p95)}",
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
        paths = _analyse(results_dir, formats(svg))
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
        table, diffs, paths = _compare_policies(results_dir, formats(svg))
    except PolicyError as exc:
        fail(exc)
    console = wide_console()
    for out in policy_tables(table, diffs):
        console.print(out)
    for path in paths:
        typer.echo(str(path))
