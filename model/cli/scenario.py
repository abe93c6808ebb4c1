"""``conduit check``, ``diff`` and ``schema``: scenario files without running them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from model.cli.common import SetOption, app, load_or_fail, parse_overrides, wide_console
from model.scenario import Scenario, ScenarioError, load_scenario, resolved_yaml
from model.scenario import diff as scenario_diff


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
