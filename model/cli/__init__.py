"""The ``conduit`` command line (typer): one module per command group, commands kept thin.

Commands (each parses its options, calls the model's library code and prints):

- ``run`` (:mod:`.run`): run a scenario's experiment into results/<name>/;
- ``verify`` (:mod:`.verify`): check a results folder against its manifest;
- ``check``, ``diff``, ``schema`` (:mod:`.scenario`): scenario files without running them;
- ``viz`` (:mod:`.viz`): the browser visualiser;
- ``plot``, ``compare`` (:mod:`.plots`): figures of one results folder, or several overlaid;
- ``validate``, ``calibrate`` (:mod:`.validate`): the model against the empirical targets;
- ``analyse``, ``compare-policies`` (:mod:`.analysis`): sensitivity indices, policy comparison;
- ``discover`` (:mod:`.discovery`): scenario discovery (PRIM, CART).

Every command reports bad input as a located error on stderr with exit code 2 and no
traceback (see :func:`model.cli.common.fail`); every command is wrapped by
:func:`model.cli.common.guarded` (results folders verified, internal errors reported).
A new command goes in the module of its group (or a new module imported below); the app,
``--set`` and the shared helpers are in :mod:`.common`.
"""

from __future__ import annotations

import sys

from model.cli import analysis, discovery, plots, run, scenario, validate, verify, viz
from model.cli.common import app, fail, guarded, load_or_fail, parse_overrides
from model.cli.scenario import scenario_schema

GROUPS = (run, verify, scenario, viz, plots, validate, analysis, discovery)
"""The command groups, in the order ``conduit --help`` lists their commands."""

app.registered_commands.sort(key=lambda c: GROUPS.index(sys.modules[c.callback.__module__]))
for _command in app.registered_commands:  # one error contract for every command
    if _command.callback is not None and not hasattr(_command.callback, "__wrapped__"):
        _command.callback = guarded(_command.callback)

__all__ = ["app", "fail", "load_or_fail", "main", "parse_overrides", "scenario_schema"]


def main() -> None:  # pragma: no cover - console entry point
    app(prog_name="conduit")
