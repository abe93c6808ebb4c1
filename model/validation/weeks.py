"""Weeks in a targets file: a week number, or a week relative to a scenario parameter.

A week (``at``, ``by``) is written as

- a number: ``52``;
- a scenario parameter path whose value is a week: ``regulator.schedule.law_week``;
- that path plus or minus a whole number of weeks: ``regulator.schedule.law_week + 12``,
  ``rights_bodies.MarkMonitor.start_week - 4``.

A path is resolved against the target's scenario *after* its overrides (the command
line's ``--set`` and a control's ``overrides``), so a target follows its scenario's dates.
The parameter must hold a whole number of weeks: an unknown path, or a value that is
``null`` (the event never happens in that scenario) or not a number, is an error, as is
a resolved week before week 0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from model.scenario import Scenario, ScenarioError, flatten, suggest

Week = int | str
"""A week number, or ``<parameter path> [+|- <weeks>]`` (a week relative to a parameter)."""

COMMAND_LINE_AT = "<target week>"

_OFFSET = re.compile(r"^(?P<path>.*?\S)\s*(?P<sign>[+-])\s*(?P<weeks>\d+)\s*$")


@dataclass(frozen=True)
class RelativeWeek:
    """``path + offset``: the value of a scenario parameter (a week) shifted by whole weeks."""

    path: str
    offset: int = 0

    def __str__(self) -> str:
        if not self.offset:
            return self.path
        return f"{self.path} {'+' if self.offset > 0 else '-'} {abs(self.offset)}"


def parse_week(text: str) -> RelativeWeek:
    """``"regulator.schedule.law_week + 12"`` -> RelativeWeek("regulator.schedule.law_week", 12).

    Text without a trailing ``+ N`` / ``- N`` is a bare path (offset 0). Paths may hold
    spaces and hyphens (``rights_bodies.Rights holders (TMG).start_week``); a parameter
    path always ends in a parameter name, never in ``-<digits>``.
    """
    text = text.strip()
    match = _OFFSET.match(text)
    if match is None:
        return RelativeWeek(text)
    weeks = int(match["weeks"])
    return RelativeWeek(match["path"].strip(), weeks if match["sign"] == "+" else -weeks)


def resolve_week(at: Week, scenario: Scenario) -> int:
    """The week ``at`` stands for in ``scenario`` (weeks from the run's start, >= 0).

    Raises:
        ScenarioError: unknown path (with a suggestion), a value that is not a whole
            number of weeks (``null``: the scenario has no such event), or a week below 0.
    """
    if isinstance(at, int):
        if at < 0:
            raise ScenarioError(f"week {at} is before the run's start (week 0)", COMMAND_LINE_AT)
        return at
    week = parse_week(at)
    values = flatten(scenario.to_dict())
    if week.path not in values:
        raise ScenarioError(
            f"'{week.path}' is not a parameter of the scenario"
            + suggest(week.path, values)
            + "; a week is a number, a parameter path, or '<path> + <weeks>'",
            COMMAND_LINE_AT,
        )
    value = values[week.path]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        why = "null: the scenario has no such event" if value is None else f"{value!r}"
        raise ScenarioError(
            f"'{week.path}' is not a week of the scenario (its value is {why})", COMMAND_LINE_AT
        )
    resolved = value + week.offset
    if resolved < 0:
        raise ScenarioError(
            f"'{at}' is week {resolved}, before the run's start (week 0)", COMMAND_LINE_AT
        )
    return resolved
