"""Scenario files: the schema, YAML loading with ``extends`` and overrides, located errors.

A scenario is a YAML file validated by :class:`Scenario`. It may ``extends:`` another file
(a path relative to itself): mappings merge key by key, and lists of named items (ISPs,
rights bodies, associations) merge item by item on ``name``. Overrides (``--set`` on the
command line) address list items by name too: ``isps.TalkTalk.stance``.

Every error names the file, the line and the key path, and suggests a fix where one is
obvious; see :class:`ScenarioError`.

The rooms:

- :mod:`.root`: the root :class:`Scenario` (agents' sections come from :mod:`model.params`);
- :mod:`.sections`: the design sections ``experiment`` (sweep, precision), ``analysis``,
  ``policies``; a new scenario section goes here (or in :mod:`model.params` for agents);
- :mod:`.source`: YAML with line numbers, ``extends`` and merging;
- :mod:`.overrides`: ``--set PATH=VALUE``;
- :mod:`.load`: :func:`load_scenario`, validation and whole-scenario checks;
- :mod:`.compare`: resolved YAML, flat parameter paths, :func:`diff`;
- :mod:`.policy_files`: policies given as scenario files (``policies: [{file: ...}]``);
- :mod:`.condition`: conditions on summary columns (discovery questions, ``--where``);
- :mod:`.errors`: :class:`ScenarioError`.
"""

from __future__ import annotations

from model.scenario.compare import diff, flatten, resolved_yaml
from model.scenario.errors import ScenarioError, ScenarioErrors, suggest
from model.scenario.load import (
    check_analysis,
    check_sweep,
    load_scenario,
    outcome_names,
    validate,
)
from model.scenario.overrides import COMMAND_LINE, apply_override, parse_assignment
from model.scenario.root import NAMED_LISTS, SHARE_TOLERANCE, Scenario
from model.scenario.sections import (
    KNOWN_GOALS,
    Analysis,
    Discovery,
    Experiment,
    Goal,
    OutcomeSpec,
    Policy,
    Precision,
    Question,
    Range,
    Sweep,
)
from model.scenario.source import Source, merge, read_yaml

__all__ = [
    "COMMAND_LINE",
    "KNOWN_GOALS",
    "NAMED_LISTS",
    "SHARE_TOLERANCE",
    "Analysis",
    "Discovery",
    "Experiment",
    "Goal",
    "OutcomeSpec",
    "Policy",
    "Precision",
    "Question",
    "Range",
    "Scenario",
    "ScenarioError",
    "ScenarioErrors",
    "Source",
    "Sweep",
    "apply_override",
    "check_analysis",
    "check_sweep",
    "diff",
    "flatten",
    "load_scenario",
    "merge",
    "outcome_names",
    "parse_assignment",
    "read_yaml",
    "resolved_yaml",
    "suggest",
    "validate",
]
