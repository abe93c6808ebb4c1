"""The ``conduit`` command line (typer).

Every command reports bad input as a located error on stderr with exit code 2 and no
traceback (see :func:`fail`).
"""

from __future__ import annotations

import sys
from typing import NoReturn

import typer

app = typer.Typer(
    name="conduit",
    help="Agent-based policy simulator for online copyright enforcement.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def fail(error: Exception | str, code: int = 2) -> NoReturn:
    """Print a clear error (no traceback) and exit with ``code`` (2: bad input)."""
    typer.echo(f"error: {error}", err=True)
    raise typer.Exit(code)


def main() -> None:  # pragma: no cover - console entry point
    app(prog_name="conduit")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
