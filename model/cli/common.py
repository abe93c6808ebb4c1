"""What every command shares: the typer app, the ``--set`` option, exiting on bad input, tables.

Every command reports bad input as a located error on stderr with exit code 2 and no
traceback (see :func:`fail`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console

from model.scenario import Scenario, ScenarioError, load_scenario, parse_assignment

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


def named_for_overrides(
    file: Path | str, scenario: Scenario, assignments: list[str] | None, **flags: Any
) -> Scenario:
    """A ``--set`` run's scenario, renamed ``<name>-<hash>`` so its results do not collide.

    The hash is the first 8 hex digits of the SHA-256 of the ``--set`` overrides (sorted
    JSON), so the same overrides always give the same folder. Overrides that leave the
    scenario unchanged (or that set ``name`` themselves) keep the name. The new name is
    printed (stderr) and recorded in the manifest's scenario.
    """
    sets = parse_overrides(assignments)
    if not sets or "name" in sets:
        return scenario
    base = load_or_fail(file, parse_overrides(None, **flags))
    if base.sha256() == scenario.sha256():
        return scenario
    text = json.dumps(sets, sort_keys=True, default=str)
    name = f"{scenario.name}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"
    typer.echo(
        f"--set changes the scenario: this run is named {name} "
        f"({scenario.name} + a hash of the overrides)",
        err=True,
    )
    return scenario.model_copy(update={"name": name})


def wide_console() -> Console:
    """stdout; tables are not squeezed to 80 columns when the output is a file or a pipe."""
    console = Console()
    return console if console.is_terminal else Console(width=200)


def fmt(value: Any) -> str:
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


def formats(svg: bool) -> tuple[str, ...]:
    return ("png", "svg") if svg else ("png",)
