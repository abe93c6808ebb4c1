"""``conduit analyse`` and ``compare-policies``: sensitivity indices and policy comparison."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from model.cli.common import SvgOption, app, fail, fmt, formats, wide_console
from model.scenario import Scenario

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console
    from rich.table import Table


def draw_analysis(directory: Path, scenario: Scenario, console: Console, quiet: bool) -> None:
    """At the end of ``conduit run``: indices and policy comparison; errors only warn."""
    try:
        if scenario.analysis is not None:
            from model.analysis import analyse as _analyse

            paths = _analyse(directory)
            if not quiet:
                typer.echo(f"analysis: {len(paths)} files in {paths[0].parent}", err=True)
            for line in analysis_warnings(directory):
                typer.echo(f"warning: {line}", err=True)
        if len(scenario.policies) > 1:
            from model.policies import compare_policies as _compare_policies

            table, diffs, _ = _compare_policies(directory)
            for out in policy_tables(table, diffs):
                console.print(out)
    except Exception as exc:  # the analysis must not lose finished results
        typer.echo(f"warning: analysis failed: {type(exc).__name__}: {exc}", err=True)


def analysis_warnings(directory: Path) -> list[str]:
    """The index warnings of a results folder's ``analysis/indices.csv`` (none without it)."""
    import pandas as pd

    from model.analysis import ANALYSIS_DIR, INDICES, index_warnings

    csv = directory / ANALYSIS_DIR / INDICES
    if not csv.is_file():
        return []
    return index_warnings(pd.read_csv(csv, dtype={"policy": str}).fillna({"policy": ""}))


def index_tables(directory: Path) -> list[Table]:
    """Per outcome and policy: Sobol S1/ST or Morris mu*/sigma beside extra-trees scores."""
    import pandas as pd
    from rich.table import Table

    from model.analysis import ANALYSIS_DIR, FEATURES, INDICES

    folder = directory / ANALYSIS_DIR
    frames = [
        pd.read_csv(folder / name, dtype={"policy": str}).fillna({"policy": ""})
        for name in (INDICES, FEATURES)
        if (folder / name).is_file()
    ]
    if not frames:
        return []
    keys = ["policy", "outcome", "parameter"]
    data = frames[0] if len(frames) == 1 else frames[0].merge(frames[1], on=keys, how="outer")
    method = str(data["method"].iloc[0]) if "method" in data.columns else ""
    level = f" ({data['conf_level'].iloc[0]:.0%} CI)" if "conf_level" in data.columns else ""
    columns: list[tuple[str, Any]] = []
    if method == "sobol":
        columns = [
            ("S1", lambda r: f"{fmt(r.S1)} +/- {fmt(r.S1_conf)}"),
            ("ST", lambda r: f"{fmt(r.ST)} +/- {fmt(r.ST_conf)}"),
        ]
    elif method == "morris":
        columns = [
            ("mu*", lambda r: f"{fmt(r.mu_star)} +/- {fmt(r.mu_star_conf)}"),
            ("sigma", lambda r: fmt(r.sigma)),
        ]
    if "score" in data.columns:
        columns.append(("extra-trees", lambda r: fmt(r.score)))
    out = []
    for (outcome, policy), rows in data.groupby(["outcome", "policy"], sort=False):
        t = Table(title=f"{outcome}" + (f" under {policy}" if policy else "") + level)
        t.add_column("parameter")
        for name, _ in columns:
            t.add_column(name, justify="right")
        for r in rows.itertuples():
            t.add_row(str(r.parameter), *(cell(r) for _, cell in columns))
        out.append(t)
    return out


def policy_tables(table: Any, diffs: Any) -> list[Table]:
    """Per outcome: each policy's median [90 % range], regret, best share, paired difference."""
    from rich.markup import escape
    from rich.table import Table

    from model import outcomes

    out = []
    for outcome, rows in table.groupby("outcome", sort=False):
        d = diffs[diffs["outcome"] == outcome].set_index("policy")
        goal = rows["goal"].iloc[0]
        declared = outcomes.summary_outcome(outcome)
        percent = declared is not None and declared.kind == "share"

        def fmt_v(value: float, percent: bool = percent) -> str:
            """Values in their reading unit: shares in % (S/N stays in recorded units)."""
            return fmt(100 * value) if percent else fmt(value)

        t = Table(
            title=f"{outcome}{' (%)' if percent else ''} "
            f"({'lower' if goal == 'minimise' else 'higher'} is better)",
            caption=escape(
                "over sampled worlds; meets: share of worlds meeting the threshold; S/N: "
                "mean x sd (minimise) or mean / sd (maximise); difference: mean, 95% CI "
                "paired (...) [unpaired]"
            ),
        )
        threshold = rows["threshold"].iloc[0] if "threshold" in rows else float("nan")
        meets = f"meets {'<=' if goal == 'minimise' else '>='} {fmt_v(threshold)}"
        names = ["policy", "median [5%, 95%]", "p10 / p90", "regret median / 95%", "best in"]
        names += [meets] if threshold == threshold else []
        names += ["S/N", "difference"]
        for name in names:
            t.add_column(name, justify="left" if name == "policy" else "right")
        for row in rows.itertuples():
            diff = "reference"
            if row.policy in d.index:
                r = d.loc[row.policy]
                diff = (
                    f"{fmt_v(r.mean_diff)} ({fmt_v(r.paired_low)}, {fmt_v(r.paired_high)}) "
                    f"[{fmt_v(r.unpaired_low)}, {fmt_v(r.unpaired_high)}]"
                )
            cells = [
                row.policy,
                f"{fmt_v(row.median)} [{fmt_v(row.p05)}, {fmt_v(row.p95)}]",
                f"{fmt_v(row.p10)} / {fmt_v(row.p90)}",
                f"{fmt_v(row.regret_median)} / {fmt_v(row.regret_p95)}",
                f"{row.best_share:.0%}",
            ]
            cells += [f"{row.satisficing:.0%}"] if threshold == threshold else []
            t.add_row(*cells, fmt(row.signal_to_noise), diff)
        out.append(t)
    return out


@app.command()
def analyse(
    results_dir: Annotated[
        Path, typer.Argument(help="A results folder of a scenario with analysis:.")
    ],
    svg: SvgOption = True,
) -> None:
    """Sobol S1/ST or Morris mu*/sigma with CIs, and extra-trees feature scores on any
    sweep (LHS too): RESULTS_DIR/analysis/. Warns when an index is not worth reading."""
    from model.analysis import AnalysisError
    from model.analysis import analyse as _analyse

    try:
        paths = _analyse(results_dir, formats(svg))
    except AnalysisError as exc:
        fail(exc)
    console = wide_console()
    for out in index_tables(Path(results_dir)):
        console.print(out)
    for line in analysis_warnings(Path(results_dir)):
        typer.echo(f"warning: {line}", err=True)
    for path in paths:
        typer.echo(str(path))


@app.command("compare-policies")
def compare_policies(
    results_dir: Annotated[
        Path, typer.Argument(help="A results folder of a scenario with policies:.")
    ],
    svg: SvgOption = True,
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
