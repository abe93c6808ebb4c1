"""The design sections of a scenario: ``experiment`` (sweep, precision), ``analysis``, ``policies``.

The agents' own sections (population, ISPs, rights bodies, ...) live in :mod:`model.params`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from model import outcomes
from model.outcomes import KNOWN_GOALS, Goal
from model.params import Params
from model.scenario.errors import suggest

OUTCOME_SCHEMA = {"pattern": outcomes.summary_pattern(), "examples": outcomes.summary_examples()}
"""JSON Schema of an outcome name (editors check it; loading checks it against the scenario)."""


# --------------------------------------------------------------------------- experiment
class Range(Params):
    """A continuous range for ``lhs`` and ``sobol`` designs."""

    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self


class Sweep(Params):
    """A design over parameter paths: a grid of values, or a sample from ranges."""

    method: Literal["grid", "lhs", "sobol"] = Field(
        "grid", description="grid: every combination of listed values; lhs / sobol: sample ranges."
    )
    samples: int | None = Field(
        None,
        ge=1,
        description="Points to draw (lhs), or the base sample N (sobol: N*(2D+2) points).",
    )
    parameters: dict[str, list[Any] | Range] = Field(
        description="Parameter path -> list of values (grid) or {low, high} (lhs, sobol)."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Sweep:
        if not self.parameters:
            raise ValueError("a sweep needs at least one parameter")
        for path, spec in self.parameters.items():
            if self.method == "grid" and not isinstance(spec, list):
                raise ValueError(f"grid sweep: '{path}' needs a list of values")
            if self.method != "grid" and not isinstance(spec, Range):
                raise ValueError(f"{self.method} sweep: '{path}' needs a range {{low, high}}")
            if isinstance(spec, list) and not spec:
                raise ValueError(f"grid sweep: '{path}' has an empty list of values")
        if self.method != "grid" and self.samples is None:
            raise ValueError(f"a {self.method} sweep needs 'samples'")
        return self


class Precision(Params):
    """``replicates: auto``: add replicates in batches until the outcome's CI is narrow enough.

    Each sweep point stops when the ``level`` confidence interval of the mean of
    ``outcome`` over its replicates (Student t) is narrower than ``ci_width`` (in the
    outcome's own unit, e.g. a share), or when it has ``max_replicates`` replicates.
    """

    outcome: str = Field(
        "final.infringing_share",
        description="Summary column whose CI is targeted (see model/outcomes.py).",
        json_schema_extra=OUTCOME_SCHEMA,
    )
    ci_width: float = Field(
        description="Target full width of the CI (upper minus lower), outcome's unit.", gt=0
    )
    level: float = Field(0.95, gt=0.5, lt=1.0, description="Confidence level of the CI.")
    batch: int = Field(4, ge=2, le=10_000, description="Replicates added per batch.")
    max_replicates: int = Field(
        64, ge=2, le=100_000, description="Cap on replicates per point (design slots)."
    )

    @model_validator(mode="after")
    def _cap(self) -> Precision:
        if self.max_replicates < self.batch:
            raise ValueError(
                f"max_replicates ({self.max_replicates}) must be at least batch ({self.batch})"
            )
        return self


class Experiment(Params):
    """How a scenario is run: replicates, seed, length and an optional sweep."""

    replicates: int | Literal["auto"] = Field(
        4,
        description="Runs per sweep point (1 to 100,000), or 'auto' (batches until "
        "'precision' is met).",
    )
    seed: int = Field(2008, ge=0, description="Root seed; every run's seed derives from it.")
    steps: int = Field(260, ge=1, le=5200, description="Weeks to simulate.")
    sweep: Sweep | None = None
    precision: Precision | None = Field(
        None, description="Precision target of 'replicates: auto' (required with it)."
    )

    @field_validator("replicates", mode="wrap")
    @classmethod
    def _replicates(cls, value: Any, handler: Any) -> int | str:
        # one clear message instead of one error per branch of the union
        if value == "auto":
            return "auto"
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 100_000:
            return value
        raise ValueError(f"expected a whole number from 1 to 100,000 or 'auto'; got {value!r}")

    @model_validator(mode="after")
    def _auto(self) -> Experiment:
        if self.replicates == "auto" and self.precision is None:
            raise ValueError(
                "replicates: auto needs a 'precision' section "
                "(outcome, ci_width, batch, max_replicates)"
            )
        if self.replicates != "auto" and self.precision is not None:
            raise ValueError("'precision' is only used with replicates: auto")
        return self

    @property
    def replicate_slots(self) -> int:
        """Replicates per point in the run numbering: ``replicates``, or the auto cap."""
        if self.replicates == "auto":
            assert self.precision is not None
            return self.precision.max_replicates
        return self.replicates

    @property
    def first_replicates(self) -> int:
        """Replicates run for every point at first (all of them unless ``auto``)."""
        if self.replicates == "auto":
            assert self.precision is not None
            return self.precision.batch
        return self.replicates


# --------------------------------------------------------------------------- analysis
class OutcomeSpec(Params):
    """An outcome to analyse: a ``summary.csv`` column and which direction is better."""

    name: str = Field(
        description="Summary column, e.g. final.infringing_share, total.wrongful_sanctions, "
        "final.market_share.TalkTalk, final.rights_holder_revenue (see model/outcomes.py).",
        json_schema_extra=OUTCOME_SCHEMA,
    )
    goal: Goal | None = Field(
        None,
        description="minimise or maximise (policy regret); default: the registered goal.",
    )
    label: str | None = Field(None, description="Human label for tables and figures.")
    threshold: float | None = Field(
        None,
        description="Satisficing threshold (compare-policies): a world meets it when the "
        "value is at most this (minimise) or at least this (maximise).",
    )

    @model_validator(mode="before")
    @classmethod
    def _default_goal(cls, data: Any) -> Any:
        if isinstance(data, str):  # a bare column name
            data = {"name": data}
        if isinstance(data, Mapping) and data.get("goal") is None and "name" in data:
            data = {**data, "goal": outcomes.goal(str(data["name"]))}
        return data

    @model_validator(mode="after")
    def _goal(self) -> OutcomeSpec:
        if self.goal is None:
            raise ValueError(
                f"say whether '{self.name}' is better low or high: goal: minimise | maximise"
                + suggest(self.name, KNOWN_GOALS)
            )
        return self

    @property
    def title(self) -> str:
        return self.label or self.name


class Analysis(Params):
    """Global sensitivity analysis: a SALib sample of ranges, indices of outcomes.

    ``sobol``: Saltelli sampling, first-order and total indices (N * (D + 2) points, or
    N * (2D + 2) with ``second_order``). ``morris``: elementary effects, mu* and sigma
    (N trajectories of D + 1 points on a ``num_levels`` grid).
    """

    method: Literal["sobol", "morris"] = Field("sobol", description="sobol or morris.")
    samples: int = Field(
        ge=2, le=1_000_000, description="Base sample N (sobol) or trajectories (morris)."
    )
    parameters: dict[str, Range] = Field(
        description="Uncertain parameter path -> {low, high} (uniform)."
    )
    outcomes: list[OutcomeSpec] = Field(description="Outcomes to analyse (summary columns).")
    num_levels: int = Field(4, ge=2, le=100, description="Morris grid levels (even number).")
    second_order: bool = Field(False, description="sobol: also second-order indices.")
    conf_level: float = Field(0.95, gt=0.5, lt=1.0, description="Level of the indices' CIs.")

    @model_validator(mode="after")
    def _consistent(self) -> Analysis:
        if not self.parameters:
            raise ValueError("an analysis needs at least one uncertain parameter")
        if not self.outcomes:
            raise ValueError("an analysis needs at least one outcome")
        names = [o.name for o in self.outcomes]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"outcomes repeated: {dupes}")
        return self


class Policy(Params):
    """A named policy: a set of parameter overrides (same paths as ``--set``).

    With ``file``, the overrides are what that scenario file changes from the root of its
    own ``extends`` chain (e.g. a counterfactual of the base scenario), found when the
    scenario is loaded; ``set`` then adds to them and wins where both give a path.
    """

    name: str = Field(description="Short name, e.g. status-quo.")
    description: str = Field("", description="What the policy is, in a sentence.")
    file: str | None = Field(
        None,
        description="A scenario file (path relative to the file declaring the policy) whose "
        "changes from its extends-root are the policy, e.g. ../counterfactuals/uk-all-comply.yaml.",
    )
    set: dict[str, Any] = Field(
        default_factory=dict,
        description="Parameter path -> value, e.g. isps.TalkTalk.stance: graduated.",
    )


# --------------------------------------------------------------------------- discovery
class Question(Params):
    """A scenario-discovery question: in which worlds does ``where`` hold?"""

    name: str = Field(description="Short name; results go to discovery/<name>/.")
    where: str = Field(
        description="Condition on summary.csv columns, e.g. 'final.infringing_share > 0.08'."
    )
    policies: list[str] = Field(
        default_factory=list, description="Policies to ask about (default: each policy)."
    )
    description: str = Field("", description="The question in words.")


class Discovery(Params):
    """Scenario discovery (``conduit discover``): PRIM boxes and CART trees of conditions."""

    min_density: float = Field(
        0.8,
        gt=0,
        le=1,
        description="The chosen PRIM box: of the boxes with at least this density (share of "
        "its worlds meeting the condition), the one of largest coverage x density.",
    )
    questions: list[Question] = Field(description="The conditions worth asking about.")

    @model_validator(mode="after")
    def _unique(self) -> Discovery:
        names = [q.name for q in self.questions]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"question names must be unique; repeated: {dupes}")
        return self
