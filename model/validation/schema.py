"""The targets file's schema and loading: targets, their metrics' specs, located errors."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from model import outcomes
from model.conditions import Condition
from model.scenario import (
    Scenario,
    ScenarioError,
    ScenarioErrors,
    Source,
    load_scenario,
    read_yaml,
    suggest,
)
from model.validation.weeks import Week, resolve_week

DEFAULT_TARGETS = (
    Path(__file__).resolve().parent.parent.parent / "scenarios" / "validation" / "targets.yaml"
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RatioSpec(_Strict):
    metric: Literal["ratio"]
    numerator: str = Field(description="Outcome column summed on top.")
    denominator: str = Field(description="Outcome column summed below.")
    at: Week = Field(description="First week of the window (week or parameter path).")
    weeks: int = Field(ge=1, description="Window length (weeks).")


class WindowSpec(_Strict):
    """``total``: the sum of ``column`` over the window (model scale); ``mean``: its mean
    (a level, e.g. a share of lines)."""

    metric: Literal["total", "mean"]
    column: str
    at: Week
    weeks: int = Field(ge=1)


class ChangeSpec(_Strict):
    metric: Literal["change"]
    column: str
    at: Week = Field(description="The event's week (e.g. regulator.schedule.law_week).")
    before: int = Field(ge=1, description="Baseline weeks before the event.")
    after: int = Field(ge=1, description="Weeks from the event averaged.")


class PersistenceSpec(_Strict):
    metric: Literal["persistence"]
    column: str
    at: Week
    before: int = Field(ge=1)
    after: int = Field(ge=1)
    later: int = Field(ge=1, description="Weeks after the event when the effect is measured again.")
    min_change: float = Field(0.01, ge=0.0, description="Smallest initial change (fraction).")


class ControlSpec(_Strict):
    metric: Literal["control"]
    column: str
    at: Week
    weeks: int = Field(ge=1)
    overrides: dict[str, Any] = Field(
        description="Parameter path -> value making the control (counterfactual) scenario."
    )


class RecoverySpec(_Strict):
    metric: Literal["recovery"]
    column: str
    at: Week = Field(description="The event's week (e.g. regulator.schedule.law_week + 12).")
    before: int = Field(ge=1, description="Weeks before the event averaged: the pre-event level.")
    within: float = Field(
        gt=0.0, le=1.0, description="Recovered when back within this fraction of that level."
    )
    smooth: int = Field(4, ge=1, description="Weeks averaged into each week's level.")


class EventWeekSpec(_Strict):
    metric: Literal["event_week"]
    when: Condition = Field(description="The condition whose first week is measured.")


class ShareOfRunsSpec(_Strict):
    metric: Literal["share_of_runs"]
    when: Condition = Field(description="The condition.")
    by: Week = Field(description="Last week (inclusive) by which it must have held.")
    holds: bool = Field(True, description="false: count the runs where it has NOT held by then.")


EVENT_METRICS = (EventWeekSpec, ShareOfRunsSpec)
WEEKS_OR_NEVER = (EventWeekSpec, RecoverySpec)
"""Metrics whose value is a number of weeks, ``inf`` for "never"."""

Compute = Annotated[
    RatioSpec
    | WindowSpec
    | ChangeSpec
    | PersistenceSpec
    | ControlSpec
    | RecoverySpec
    | EventWeekSpec
    | ShareOfRunsSpec,
    Field(discriminator="metric"),
]


class Target(_Strict):
    """One empirical target: a scenario, an outcome computed from it, the accepted band."""

    name: str = Field(description="Short identifier.")
    scenario: str = Field(description="Scenario file, relative to the targets file.")
    outcome: str = Field(description="What is compared, in words.")
    compute: Compute
    band: tuple[float, float] = Field(description="[low, high]: accepted values (inclusive).")
    source: str = Field(description="Where the figure comes from.")
    firmness: Literal["E", "A", "D"] = Field(description="E exact, A approximate, D disputed.")
    note: str = Field("", description="Why this band: the figure, its firmness, the margin.")
    known_failure: str = Field(
        "",
        description="Why the model's rules cannot meet this target (with the evidence); "
        "a known failure is reported but does not fail `conduit validate` or enter the "
        "calibration loss.",
    )

    @field_validator("band")
    @classmethod
    def _band_ordered(cls, band: tuple[float, float]) -> tuple[float, float]:
        if band[0] > band[1]:
            raise ValueError(f"low ({band[0]:g}) is above high ({band[1]:g})")
        return band


class TargetsFile(_Strict):
    targets: list[Target] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> TargetsFile:
        names = [t.name for t in self.targets]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"targets: names must be unique; repeated: {dupes}")
        return self


@dataclass
class Targets:
    """A validated targets file: its targets and the folder scenario paths are relative to."""

    path: Path
    targets: list[Target]
    source: Source | None = field(default=None, repr=False)

    def scenario_path(self, target: Target) -> Path:
        return self.path.parent / target.scenario

    def located(self, target: Target, part: str, exc: ScenarioError) -> ScenarioError:
        """``exc`` placed at ``targets.<name>.<part>`` of the targets file (file and line)."""
        key = ("targets", target.name, *part.split("."))
        file, line = self.source.locate(key) if self.source else (None, None)
        message = exc.message if part != "scenario" else f"{target.scenario}: {exc}"
        return ScenarioError(message, file or str(self.path), line, ".".join(key))


WEEK_KEYS = ("at", "by")
"""The keys of a metric's spec that hold a week (:mod:`model.validation.weeks`)."""


def check_weeks(targets: Targets, scenarios: Mapping[str, Scenario]) -> None:
    """Every target's weeks resolve in its scenario as run (after the command line's overrides).

    ``scenarios`` maps a target's ``scenario`` (as written) to the loaded scenario.

    Raises:
        ScenarioError: located at the target's key (or ScenarioErrors for several).
    """
    errors = []
    for target in targets.targets:
        for key in WEEK_KEYS:
            week = getattr(target.compute, key, None)
            if week is None:
                continue
            try:
                resolve_week(week, scenarios[target.scenario])
            except ScenarioError as exc:
                errors.append(targets.located(target, f"compute.{key}", exc))
    if errors:
        raise errors[0] if len(errors) == 1 else ScenarioErrors(errors)


def load_targets(path: str | Path = DEFAULT_TARGETS) -> Targets:
    """Read and validate a targets file; errors are located (file, line, key path).

    Also checks that every target's scenario loads, that its outcome columns exist and
    that its weeks (``at``, ``by``) resolve in it (:func:`model.validation.weeks.resolve_week`).

    Raises:
        ScenarioError: the first problem, or ScenarioErrors for several.
    """
    path = Path(path)
    where: dict = {}
    data = read_yaml(path, where)
    source = Source(where)
    try:
        parsed = TargetsFile.model_validate(data)
    except ValidationError as exc:
        raise _located(exc, data, source, str(path)) from None
    targets = Targets(path, parsed.targets, source)
    errors = []
    for target in parsed.targets:
        for part, check in _checks(targets, target):
            try:
                check()
            except ScenarioError as exc:
                errors.append(targets.located(target, part, exc))
                break
    if errors:
        raise errors[0] if len(errors) == 1 else ScenarioErrors(errors)
    return targets


def _checks(targets: Targets, target: Target) -> list[tuple[str, Callable[[], Any]]]:
    """What must hold for a target to be computable: (key, check raising ScenarioError)."""
    file = targets.scenario_path(target)
    checks: list[tuple[str, Callable[[], Any]]] = [("scenario", lambda: load_scenario(file))]
    for key in WEEK_KEYS:
        week = getattr(target.compute, key, None)
        if week is not None:
            checks.append((f"compute.{key}", lambda w=week: resolve_week(w, load_scenario(file))))
    condition = getattr(target.compute, "when", None)
    if condition is not None:
        for clause in condition.clauses:
            checks.append(
                ("compute.when", lambda c=clause.column: check_column(c, load_scenario(file)))
            )
    for key in ("numerator", "denominator", "column"):
        column = getattr(target.compute, key, None)
        if column is not None:
            checks.append((f"compute.{key}", lambda c=column: check_column(c, load_scenario(file))))
    if isinstance(target.compute, ControlSpec):
        overrides = target.compute.overrides
        checks.append(("compute.overrides", lambda: load_scenario(file, overrides=overrides)))
    return checks


def check_column(column: str, scenario: Scenario) -> None:
    """``column`` is a weekly outcome the model records for ``scenario`` (the registry's)."""
    known = outcomes.columns_for([scenario])
    if column not in known:
        raise ScenarioError(
            f"unknown outcome column '{column}'"
            + suggest(column, known)
            + "; targets use weekly outcome columns (docs/ODD.md section 8, model/outcomes.py)"
        )


METRICS = (
    "ratio", "total", "mean", "change", "persistence", "control", "recovery", "event_week",
    "share_of_runs",
)  # fmt: skip


def _located(exc: ValidationError, data: dict, source: Source, file: str) -> ScenarioError:
    errors = []
    for err in exc.errors():
        path: list[str] = []
        node: Any = data
        for part in err["loc"]:
            if isinstance(part, int) and isinstance(node, list) and part < len(node):
                node = node[part]
                name = node.get("name") if isinstance(node, Mapping) else None
                path.append(str(name) if name is not None else str(part))
            elif isinstance(node, Mapping) and part in node:
                node = node[part]
                path.append(str(part))
            elif part in METRICS:
                continue  # the discriminated union's tag, not a key
            else:
                path.append(str(part))
                node = None
        kind = err["type"]
        if kind == "extra_forbidden":
            message = f"unknown key '{err['loc'][-1]}'"
        elif kind == "missing":
            message = f"required key '{err['loc'][-1]}' is missing"
        elif kind == "union_tag_invalid":
            path.append("metric")
            message = (
                f"unknown metric {err.get('input', {}).get('metric')!r}; expected one of "
                + ", ".join(METRICS)
            )
        elif kind == "value_error":
            message = err["msg"].removeprefix("Value error, ")
        else:
            message = f"{err['msg']}; got {err.get('input')!r}"
        where_file, line = source.locate(tuple(path))
        errors.append(ScenarioError(message, where_file or file, line, ".".join(path) or None))
    return errors[0] if len(errors) == 1 else ScenarioErrors(errors)
