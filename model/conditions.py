"""Conditions on a run's weeks, and the event metrics of validation targets.

A condition is one clause or ``{all: [clauses]}`` / ``{any: [clauses]}``; a clause is
``<column> <op> <number>`` (op: ``>=``, ``>``, ``<=``, ``<``, ``==``, ``!=``) on a weekly
numeric outcome, or ``<stance column> polices`` / ``<stance column> sanctions`` on an ISP's
stance (``stance.BT polices``: forward, graduated or disconnect; ``sanctions``: graduated
or disconnect). ISP names may hold spaces (``stance.Virgin Media polices``).

Metrics on one run (``PolicyModel.outcomes()``, rows = weeks): :func:`event_week` (the
first week a condition holds) and :func:`held_by` (whether it has held by a week); over
runs, :func:`wilson` gives the interval of a share of runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from model.params import STANCE_TRAITS

OPERATORS: dict[str, Callable[[pd.Series, float], pd.Series]] = {
    ">=": lambda s, v: s >= v,
    ">": lambda s, v: s > v,
    "<=": lambda s, v: s <= v,
    "<": lambda s, v: s < v,
    "==": lambda s, v: s == v,
    "!=": lambda s, v: s != v,
}
STANCE_TESTS = {
    "polices": frozenset(s for s, t in STANCE_TRAITS.items() if t.polices),
    "sanctions": frozenset(s for s, t in STANCE_TRAITS.items() if t.sanctions),
}


@dataclass(frozen=True)
class Clause:
    """``column op value`` on a numeric outcome, or ``column polices|sanctions`` (stance)."""

    column: str
    test: str
    value: float | None = None

    def holds(self, df: pd.DataFrame) -> np.ndarray:
        """Week by week, whether the clause holds (booleans, one per row)."""
        series = df[self.column]
        if self.test in STANCE_TESTS:
            return series.isin(STANCE_TESTS[self.test]).to_numpy()
        assert self.value is not None
        return OPERATORS[self.test](series.astype(float), self.value).to_numpy()


def parse_clause(text: str) -> Clause:
    """A :class:`Clause` from ``"legislative_stage >= 3"`` or ``"stance.BT polices"``."""
    words = text.strip().rsplit(" ", 2)
    if len(words) >= 2 and words[-1] in STANCE_TESTS:
        column = text.strip().rsplit(" ", 1)[0].strip()
        if not column.startswith("stance."):
            raise ValueError(f"'{text}': '{words[-1]}' applies to a stance column (stance.<ISP>)")
        return Clause(column, words[-1])
    if len(words) == 3 and words[1] in OPERATORS:
        try:
            value = float(words[2])
        except ValueError:
            raise ValueError(f"'{text}': '{words[2]}' is not a number") from None
        return Clause(words[0], words[1], value)
    raise ValueError(
        f"'{text}': expected '<column> <op> <number>' (op one of {', '.join(OPERATORS)}) or "
        "'stance.<ISP> polices' / 'stance.<ISP> sanctions'"
    )


class Condition(BaseModel):
    """A condition on one week of a run: one clause, or all / any of several."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    all_of: list[str] | None = Field(None, alias="all", min_length=1)
    any_of: list[str] | None = Field(None, alias="any", min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _one_clause(cls, data: Any) -> Any:
        return {"all": [data]} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _exactly_one(self) -> Condition:
        if (self.all_of is None) == (self.any_of is None):
            raise ValueError("give a clause, or exactly one of 'all' and 'any' (lists of clauses)")
        for text in self.clauses_text:
            parse_clause(text)
        return self

    @property
    def clauses_text(self) -> list[str]:
        return list(self.all_of or self.any_of or [])

    @property
    def clauses(self) -> list[Clause]:
        return [parse_clause(t) for t in self.clauses_text]

    def holds(self, df: pd.DataFrame) -> np.ndarray:
        """Week by week, whether the condition holds (booleans, one per row)."""
        rows = [c.holds(df) for c in self.clauses]
        return np.logical_and.reduce(rows) if self.all_of else np.logical_or.reduce(rows)


def event_week(df: pd.DataFrame, condition: Condition) -> float:
    """The first week (row position) in which ``condition`` holds; ``inf`` if it never does."""
    hits = np.flatnonzero(condition.holds(df))
    return float(hits[0]) if len(hits) else math.inf


def held_by(df: pd.DataFrame, condition: Condition, by: int, holds: bool = True) -> float:
    """1.0 if ``condition`` has held in some week 0..``by`` (inclusive), else 0.0; with
    ``holds=False`` the opposite (1.0: it has not held by then)."""
    if by < 0 or by >= len(df):
        raise ValueError(f"week {by} lies outside the run (weeks 0..{len(df) - 1})")
    happened = bool(condition.holds(df)[: by + 1].any())
    return float(happened == holds)


def wilson(successes: float, n: int, z: float = 1.6449) -> tuple[float, float]:
    """Wilson score interval of a binomial share (z = 1.645: a 90% interval, 5%-95%)."""
    if n == 0:
        return math.nan, math.nan
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)
