"""What every command shares: the typer app, the ``--set`` option, exiting on bad input, tables.

Every command reports bad input as a located error on stderr with exit code 2 and no
traceback (see :func:`fail`). :func:`guarded` wraps every command: a results folder given
as an argument is verified before the command reads it, and whatever escapes a command
becomes one line: a located error (exit 2) for bad input, an unreadable or unwritable
file or folder; for a real internal error, where its traceback was saved and how to
report it (exit 1).
"""

from __future__ import annotations

import datetime as dt
import errno
import functools
import hashlib
import json
import os
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.exceptions import TyperException

from model.scenario import Scenario, ScenarioError, load_scenario, parse_assignment

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console

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
    from rich.console import Console  # rich is imported when a command prints

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


SvgOption = Annotated[bool, typer.Option("--svg/--no-svg", help="Also write SVG files.")]


def formats(svg: bool) -> tuple[str, ...]:
    """The figure formats to write: PNG, and SVG unless ``--no-svg``."""
    return ("png", "svg") if svg else ("png",)


# --------------------------------------------------------------------------- errors
USER_ERRNOS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOENT: "no such file or folder",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "is a folder",
    errno.ENAMETOOLONG: "the name is too long",
    errno.EEXIST: "already exists",
    errno.ENOTEMPTY: "the folder is not empty",
}
"""Operating-system errors that are the user's environment, not a bug: reported, exit 2."""
READS_DAMAGED_RESULTS = {"verify"}
"""Commands given a results folder that is not checked first (they report the damage)."""
REPORT_TO = "the conduit maintainers (open an issue in the conduit repository)"
COMPARE_MARKER = ".conduit-compare"
"""Written by ``conduit compare`` in its --out folder: it may overwrite its own report."""


def crash_dir() -> Path:
    """Where internal-error reports go: $CONDUIT_CRASH_DIR, else ~/.cache/conduit/crashes."""
    if os.environ.get("CONDUIT_CRASH_DIR"):
        return Path(os.environ["CONDUIT_CRASH_DIR"])
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "conduit" / "crashes"


def save_crash_report(exc: BaseException) -> Path | None:
    """Write the traceback, command line and versions to a file; its path (None: unwritable)."""
    from model import __version__

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    text = (
        f"conduit {__version__}, Python {sys.version.split()[0]}, {sys.platform}\n"
        f"command: {' '.join(sys.argv)}\n\n" + "".join(traceback.format_exception(exc))
    )
    for folder in (crash_dir(), Path(tempfile.gettempdir())):
        path = folder / f"conduit-crash-{stamp}-{os.getpid()}.txt"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return path
        except OSError:
            continue
    return None


def internal_error(exc: BaseException) -> NoReturn:
    """A bug: one line saying what, where the full traceback is, and whom to tell (exit 1)."""
    path = save_crash_report(exc)
    where = f"the full traceback is in {path}" if path else "the traceback could not be saved"
    what = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
    fail(f"internal error ({what}); {where}; please report it, with that file, to {REPORT_TO}", 1)


def os_error(exc: OSError) -> str:
    """An environment error as one line: the file and what is wrong."""
    reason = USER_ERRNOS.get(exc.errno or 0) or exc.strerror or str(exc)
    name = exc.filename if exc.filename is not None else "a file"
    return f"cannot use {name}: {reason}"


def check_results_arguments(kwargs: dict[str, Any]) -> None:
    """Verify the results folders a command is given before it reads them (missing or
    corrupted files are named, exit 2), and that ``compare --out`` will not overwrite a
    report it did not write."""
    from model.results import ResultsError, check_assembled, read_manifest

    folders = [kwargs["results_dir"]] if "results_dir" in kwargs else []
    folders += list(kwargs.get("results_dirs") or [])
    for folder in folders:
        if (Path(folder) / "manifest.json").exists():  # else the command says what it is not
            check_assembled(Path(folder), read_manifest(folder))
    out = kwargs.get("out")
    if "results_dirs" in kwargs and isinstance(out, Path) and (out / "report.html").exists():
        if not (out / COMPARE_MARKER).exists():
            raise ResultsError(
                f"{out} holds a report.html that `conduit compare` did not write; "
                "choose another --out (or delete it)"
            )


def guarded(command: Callable[..., Any]) -> Callable[..., Any]:
    """``command`` with conduit's error contract (see the module docstring)."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        from model.results import ResultsError

        try:
            if command.__name__ not in READS_DAMAGED_RESULTS:
                check_results_arguments(kwargs)
            value = command(*args, **kwargs)
            if "results_dirs" in kwargs and isinstance(kwargs.get("out"), Path):
                (kwargs["out"] / COMPARE_MARKER).touch()
            return value
        except (typer.Exit, typer.Abort, TyperException):
            raise
        except (ScenarioError, ResultsError) as exc:
            fail(exc)
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except OSError as exc:
            if exc.errno in USER_ERRNOS:
                fail(os_error(exc))
            internal_error(exc)
        except RecursionError as exc:
            internal_error(exc)
        except MemoryError:
            fail("out of memory: the input or the experiment is too large for this machine")
        except Exception as exc:
            internal_error(exc)

    return run
