"""Per-run event times: the week an institutional event first happens in a run.

Computed from a run's weekly outcomes (``PolicyModel.outcomes()`` or a run's rows of
``timeseries.parquet``), so results, validation and plots can all derive them alike:

- ``week_consultation``, ``week_bill``: first week the legislative stage is at least
  that stage;
- ``week_law``: first week a law has passed (Royal Assent: stage ``passed`` or later),
  whether or not it is in force;
- ``week_obligations_in_force``: first week a law's obligations bind ISPs;
- ``week_challenge``: first week a court challenge of the law is pending (filed);
- ``week_first_forward.<ISP>``: first week the stance in force at the ISP polices
  (forward, graduated or disconnect: letters at least);
- ``week_first_sanction_stance.<ISP>``: first week it is graduated or disconnect;
- ``week_first_sanction``: first week any sanction is carried out.

A value is ``None`` when the event never happens in the run (an empty cell in a table).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from model.params import STANCE_TRAITS, Stage

STAGE_EVENTS = {
    "week_consultation": Stage.CONSULTATION,
    "week_bill": Stage.BILL,
    "week_law": Stage.PASSED,
}

LEVEL_EVENTS = {
    "week_obligations_in_force": "obligations_in_force",
    "week_challenge": "challenge_pending",
}
"""Events that are the first week a 0/1 outcome is 1 (computed when the column exists:
runs recorded before it have none)."""

POLICING = [s for s, t in STANCE_TRAITS.items() if t.polices]
SANCTIONING = [s for s, t in STANCE_TRAITS.items() if t.sanctions]


def first_week(weeks: np.ndarray, happened: np.ndarray) -> int | None:
    """The first of ``weeks`` where ``happened`` holds, or None."""
    hits = np.flatnonzero(happened)
    return int(weeks[hits[0]]) if len(hits) else None


def event_weeks(outcomes: Any) -> dict[str, int | None]:
    """The run's event times (module docstring) from its weekly outcomes (one run).

    ``outcomes``: a DataFrame, or a mapping of column name to a one-dimensional array
    (the weekly values; numpy arrays keep this cheap when summarising thousands of runs).
    """
    columns = list(outcomes.columns) if hasattr(outcomes, "columns") else list(outcomes)

    def col(name: str) -> np.ndarray:
        return np.asarray(outcomes[name])

    weeks = col("week")
    stage = col("legislative_stage")
    events: dict[str, int | None] = {
        name: first_week(weeks, stage >= level) for name, level in STAGE_EVENTS.items()
    }
    for name, column in LEVEL_EVENTS.items():
        if column in columns:
            events[name] = first_week(weeks, col(column) > 0)
    for column in columns:
        if column.startswith("stance."):
            isp = column.removeprefix("stance.")
            stance = col(column)
            events[f"week_first_forward.{isp}"] = first_week(weeks, np.isin(stance, POLICING))
            events[f"week_first_sanction_stance.{isp}"] = first_week(
                weeks, np.isin(stance, SANCTIONING)
            )
    events["week_first_sanction"] = first_week(weeks, col("sanctions") > 0)
    return events
