"""The vocabulary of the schema (stances, legislative stages, escalation steps, with one
table of what each stance does) and the parameter container every section derives from."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

Stance = Literal["refuse", "forward", "graduated", "disconnect"]
"""What an ISP does with rights holders' notices (one word for all three uses below).

- ``refuse``: "We are the conduit" (TalkTalk); notices are dropped.
- ``forward``: warning letters are passed on, never a sanction (UK 2008 MoU).
- ``graduated``: a ladder of warnings, then a sanction (HADOPI).
- ``disconnect``: a sanction on the first notice (the BPI's demand).

Three holders of a stance, three names: an ISP's ``voluntary_stance`` (what it chose),
the ``stance`` of the :class:`~model.agents.regime.Regime` in force at it (its voluntary
stance or the law's; the one recorded as ``stance.<ISP>``) and an association's
``common_stance`` (what it sets for its members).
"""
STANCES: tuple[str, ...] = get_args(Stance)


@dataclass(frozen=True)
class StanceTraits:
    """The fixed attributes of a stance (its tunable ones are parameters: the perceived
    penalty ``population.risk.penalty_<stance>``, ISPs' ``compliance`` and
    ``expected_sanction_share``)."""

    polices: bool  # notices are handled and reach the subscriber
    sanctions: bool  # the ladder can end in a sanction
    first_notice_sanctions: bool  # no warnings: the first notice reaches the sanction
    penalty: str | None  # field of population.risk with its perceived penalty


STANCE_TRAITS: dict[str, StanceTraits] = {
    "refuse": StanceTraits(False, False, False, None),
    "forward": StanceTraits(True, False, False, "penalty_forward"),
    "graduated": StanceTraits(True, True, False, "penalty_graduated"),
    "disconnect": StanceTraits(True, True, True, "penalty_disconnect"),
}
"""One row per stance: the only table of what each stance does."""

LawStance = Literal["graduated", "forward", "disconnect"]
"""The stances a law can mandate (a law that mandates refusal is no law)."""

SanctionKind = Literal["suspension", "throttle", "fine", "none"]
"""What a sanction does: suspends the account, throttles its P2P traffic, or fines the
subscriber (an amount in GBP, decided by a tribunal when due process applies); its
severity scales the perceived penalty (:func:`model.deterrence.severity_factor`)."""

LegislativeStage = Literal["none", "consultation", "bill", "passed", "law"]
"""Where legislation stands; the regulator holds it as a :class:`Stage`. ``passed``: the
law has passed (Royal Assent) but its obligations are not in force yet (commencement, a
pending legal challenge); ``law``: in force."""
STAGES: tuple[str, ...] = get_args(LegislativeStage)


class Stage(IntEnum):
    """Legislative stages in order (the ``legislative_stage`` outcome is this number)."""

    NONE = 0
    CONSULTATION = 1
    BILL = 2
    PASSED = 3  # Royal Assent; obligations not yet in force
    LAW = 4  # in force

    @property
    def label(self) -> str:
        """The stage's name in scenarios and outputs (``none`` .. ``passed``, ``law``)."""
        return STAGES[self]


ReviewTiming = Literal["random", "periodic"]
"""When an institution reviews: ``periodic`` every ``review_interval_weeks`` exactly;
``random`` each week with probability 1 / ``review_interval_weeks`` (the same mean
interval; replicates then differ in who moves first)."""

EscalationLevel = Literal["notify", "demand", "threat", "lobby", "litigate"]
"""Rights bodies' escalation ladder, in order (``escalation_level.<body>`` is the index)."""
ESCALATION_LEVELS: tuple[str, ...] = get_args(EscalationLevel)


def _table_complete(name: str, table: dict, keys: tuple[str, ...], low=0.0, high=1.0) -> None:
    """A per-stance/stage/level table needs a value in [low, high] for every key."""
    missing = [k for k in keys if k not in table]
    if missing:
        raise ValueError(f"{name} needs a value for every key; missing {missing}")
    bad = {k: v for k, v in table.items() if not low <= v <= high}
    if bad:
        raise ValueError(f"{name} values must lie in [{low:g}, {high:g}]; got {bad}")


def P(default: Any, description: str, unit: str = "", **bounds: Any) -> Any:
    """A parameter field: default, description, unit and bounds in one call."""
    extra = {"unit": unit} if unit else None
    return Field(default, description=description, json_schema_extra=extra, **bounds)


class Params(BaseModel):
    """Base for every parameter group: unknown keys are errors, values re-validated on set."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)
