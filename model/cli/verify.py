"""``conduit verify``: check a results folder against its manifest and run log."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from model.cli.common import app, fail


@app.command()
def verify(
    results_dir: Annotated[Path, typer.Argument(help="A results folder written by `conduit run`.")],
) -> None:
    """Check every run file and assembled file against the checksums conduit recorded.

    Prints what is missing, corrupted (bytes changed, or another run's file), stale (built
    from other runs, or not logged) or incomplete. Exit codes: 0 intact, 1 a problem was
    found (run the same `conduit run` command again to repair it), 2 not a results folder.
    """
    from model.audit import audit
    from model.results import ResultsError

    try:
        manifest, findings = audit(results_dir)
    except ResultsError as exc:
        fail(exc)
    count = manifest.get("run_count") or {}
    if not findings:
        typer.echo(f"{results_dir}: intact ({count.get('done', '?')} runs, checksums match)")
        return
    for finding in findings:
        typer.echo(str(finding))
    typer.echo(
        f"{results_dir}: {len(findings)} problem(s); run the same `conduit run` command "
        "again to re-run bad runs and rebuild the assembled files",
        err=True,
    )
    raise typer.Exit(1)
