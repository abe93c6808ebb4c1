"""Summary measures: how a run's weekly outcome is condensed into one number per run.

A measure is written ``<statistic>[<argument>].<column>`` (``mean[52:260].infringing_share``,
``total.sanctions``, ``discounted[3.5%].enforcement_cost.BPI``) and names a weekly outcome of
the registry (:mod:`model.outcomes`). Scenarios list them in ``experiment.summaries``; the
headline tables, findings and policy comparison compute them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from model.outcomes import Outcome, lookup

RARE_EVENTS = 20
"""A count resting on fewer simulated events per run (median) than this is imprecise:
tables, the report and figures flag it, with how to get precision."""

Statistic = Literal["final", "mean", "total", "discounted"]
"""How a summary measure condenses a run's weekly values: the final week's value, the mean
over a window of weeks, the total (sum) over a window, or the total discounted to week 0."""

MEASURE = re.compile(
    r"^(?P<stat>final|mean|total|discounted)"
    r"(?:\[(?P<arg>[^\]]*)\])?\.(?P<column>.+)$"
)


@dataclass(frozen=True)
class SummaryMeasure:
    """A summary of one weekly outcome over each run, reported beside the defaults.

    Written ``<statistic>[<argument>].<column>``: ``mean[52:260].infringing_share`` (mean
    over weeks 52-259), ``total.sanctions`` (the whole run), ``discounted[3.5%].
    enforcement_cost.BPI`` (GBP summed with weights ``(1 + rate) ** (-week / 52)``).

    Attributes:
        statistic: see :data:`Statistic`.
        column: the weekly column (a family member such as ``enforcement_cost.BPI``).
        window: weeks ``[first, last)`` for mean and total; None: the whole run.
        rate: annual discount rate (fraction) for ``discounted``.
    """

    statistic: Statistic
    column: str
    window: tuple[int, int] | None = None
    rate: float | None = None

    @property
    def name(self) -> str:
        if self.window is not None:
            return f"{self.statistic}[{self.window[0]}:{self.window[1]}].{self.column}"
        if self.rate is not None:
            return f"{self.statistic}[{100 * self.rate:g}%].{self.column}"
        return f"{self.statistic}.{self.column}"

    @property
    def outcome(self) -> Outcome:
        found = lookup(self.column)
        assert found is not None  # parse_measure checked it
        return found

    def describe(self) -> str:
        """Its label in tables: "Infringing share, mean over weeks 52-259"."""
        title = self.outcome.title
        if self.outcome.family:
            head = self.outcome.name.split("<")[0]
            title = f"{title} of {self.column.removeprefix(head)}"
        weeks = f"weeks {self.window[0]}-{self.window[1] - 1}" if self.window else "the run"
        return {
            "final": f"{title}, final week",
            "mean": f"{title}, mean over {weeks}",
            "total": f"{title}, total over {weeks}",
            "discounted": f"{title}, total discounted at {100 * (self.rate or 0):g}%/year",
        }[self.statistic]


def parse_measure(text: str) -> SummaryMeasure:
    """A :class:`SummaryMeasure` from its written form, or ValueError saying what is wrong."""
    match = MEASURE.match(text.strip())
    if match is None:
        raise ValueError(
            f"'{text}': expected <statistic>[<argument>].<column> with statistic final, mean, "
            "total or discounted, e.g. mean[52:260].infringing_share"
        )
    stat, arg, column = match["stat"], match["arg"], match["column"]
    outcome = lookup(column)
    if outcome is None or not outcome.numeric or (outcome.family and column == outcome.name):
        raise ValueError(f"'{text}': '{column}' is not a numeric recorded outcome")
    money = outcome.unit.startswith("GBP")
    if stat in ("total", "discounted") and not (outcome.summed or money):
        raise ValueError(f"'{text}': {stat} needs a summed count or money, not a {outcome.kind}")
    if stat == "discounted" and not money:
        raise ValueError(f"'{text}': discounted needs money (GBP), '{column}' is not")
    window = rate = None
    if stat == "discounted":
        try:
            rate = float(arg.rstrip("%")) / (100 if arg and arg.endswith("%") else 1)
        except (TypeError, ValueError, AttributeError):
            raise ValueError(f"'{text}': discounted[RATE]: give a rate, e.g. [3.5%]") from None
        if not 0 <= rate < 1:
            raise ValueError(f"'{text}': the discount rate must be in [0%, 100%)")
    elif arg is not None:
        if stat == "final":
            raise ValueError(f"'{text}': final takes no [argument]")
        first, _, last = arg.partition(":")
        try:
            window = (int(first), int(last))
        except ValueError:
            raise ValueError(
                f"'{text}': [{arg}]: expected weeks FIRST:LAST, e.g. [52:260]"
            ) from None
        if not 0 <= window[0] < window[1]:
            raise ValueError(f"'{text}': [{arg}]: need 0 <= FIRST < LAST")
    return SummaryMeasure(stat, column, window, rate)
