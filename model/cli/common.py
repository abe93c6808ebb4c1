"""What every command shares: the typer app, the ``--set`` option, exiting on bad input, tables.

Every command reports bad input as a located error on stderr with exit code 2 and no
traceback (see :func:`fail`).
"""

from __future__ import annotations

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
