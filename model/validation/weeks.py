"""Weeks in a targets file: a week number, or a scenario parameter path whose value is one."""

from __future__ import annotations

from model.scenario import Scenario, ScenarioError, flatten

Week = int | str
"""A week number, or a scenario parameter path whose value is a week."""

COMMAND_LINE_AT = "<target week>"


def resolve_week(at: Week, scenario: Scenario) -> int:
    """A week number, or the value of a scenario parameter path (must be a week number)."""
    if isinstance(at, int):
        return at
    values = flatten(scenario.to_dict())
    value = values.get(at)
    if not isinstance(value, int):
        hint = "no such parameter" if at not in values else f"its value is {value!r}"
        raise ScenarioError(f"'{at}' is not a week of the scenario ({hint})", COMMAND_LINE_AT)
    return value
