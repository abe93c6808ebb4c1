"""Scenario files: the schema's root, YAML loading with ``extends`` and overrides, located errors.

A scenario is a YAML file validated by :class:`Scenario`. It may ``extends:`` another file
(a path relative to itself): mappings merge key by key, and lists of named items (ISPs,
rights bodies, associations) merge item by item on ``name``. Overrides (``--set`` on the
command line) address list items by name too: ``isps.TalkTalk.stance``.

Every error names the file, the line and the key path, and suggests a fix where one is
obvious; see :class:`ScenarioError`.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from model.params import (
    AssociationParams,
    ISPParams,
    Params,
    Population,
    RegulatorParams,
    RightsBodyParams,
    Salience,
)

NAMED_LISTS = ("isps", "rights_bodies", "associations")
"""Top-level lists whose items are addressed and merged by their ``name``."""

SHARE_TOLERANCE = 1e-3


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
        "final.infringing_share", description="Summary column whose CI is targeted."
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
Goal = Literal["minimise", "maximise"]

KNOWN_GOALS: dict[str, Goal] = {
    "final.infringing_share": "minimise",
    "final.p2p_traffic": "minimise",
    "total.wrongful_sanctions": "minimise",
    "total.wrongful_notices": "minimise",
    "total.sanctions": "minimise",
    "final.suspended_share": "minimise",
    "final.rights_holder_revenue": "maximise",
    "final.legal_share": "maximise",
}
"""Default direction of "better" for common outcomes (others must say ``goal``)."""


class OutcomeSpec(Params):
    """An outcome to analyse: a ``summary.csv`` column and which direction is better."""

    name: str = Field(
        description="Summary column, e.g. final.infringing_share, total.wrongful_sanctions, "
        "final.market_share.TalkTalk, final.rights_holder_revenue."
    )
    goal: Goal | None = Field(
        None,
        description="minimise or maximise (policy regret); default for known outcomes.",
    )
    label: str | None = Field(None, description="Human label for tables and figures.")

    @model_validator(mode="before")
    @classmethod
    def _default_goal(cls, data: Any) -> Any:
        if isinstance(data, str):  # a bare column name
            data = {"name": data}
        if isinstance(data, Mapping) and data.get("goal") is None and "name" in data:
            data = {**data, "goal": KNOWN_GOALS.get(str(data["name"]))}
        return data

    @model_validator(mode="after")
    def _goal(self) -> OutcomeSpec:
        if self.goal is None:
            raise ValueError(
                f"say whether '{self.name}' is better low or high: goal: minimise | maximise"
                + _suggest(self.name, KNOWN_GOALS)
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
    """A named policy: a set of parameter overrides (same paths as ``--set``)."""

    name: str = Field(description="Short name, e.g. status-quo.")
    description: str = Field("", description="What the policy is, in a sentence.")
    set: dict[str, Any] = Field(
        default_factory=dict,
        description="Parameter path -> value, e.g. isps.TalkTalk.stance: graduated.",
    )


# --------------------------------------------------------------------------- the root
class Scenario(Params):
    """A complete, validated scenario: the agents' parameters and how to run them."""

    name: str = Field("scenario", description="Short name; results go to results/<name>/.")
    description: str = Field("", description="What the scenario represents, in a sentence or two.")
    start_date: str | None = Field(
        None, description="Calendar date of week 0 (YYYY-MM-DD), for labelling plots."
    )
    population: Population = Field(default_factory=Population)
    salience: Salience = Field(default_factory=Salience)
    isps: list[ISPParams] = Field(
        default_factory=lambda: [ISPParams(name="ISP", market_share=1.0)],
        description="The ISPs (at least one); market shares sum to 1.",
    )
    associations: list[AssociationParams] = Field(default_factory=list)
    rights_bodies: list[RightsBodyParams] = Field(default_factory=list)
    regulator: RegulatorParams = Field(default_factory=RegulatorParams)
    experiment: Experiment = Field(default_factory=Experiment)
    analysis: Analysis | None = Field(
        None, description="Global sensitivity analysis (SALib sample of uncertain parameters)."
    )
    policies: list[Policy] = Field(
        default_factory=list,
        description="Policies compared on common random numbers across the sampled worlds; "
        "the first is the reference (e.g. the status quo).",
    )

    @model_validator(mode="after")
    def _coherent(self) -> Scenario:
        if not self.isps:
            raise ValueError("isps: at least one ISP is needed")
        if self.analysis is not None and self.experiment.sweep is not None:
            raise ValueError(
                "analysis: cannot be combined with experiment.sweep (the analysis draws its "
                "own sample); move the swept ranges to analysis.parameters"
            )
        names = [p.name for p in self.policies]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"policies: names must be unique; repeated: {dupes}")
        for key in NAMED_LISTS:
            names = [item.name for item in getattr(self, key)]
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise ValueError(f"{key}: names must be unique; repeated: {dupes}")
        total = sum(isp.market_share for isp in self.isps)
        if abs(total - 1.0) > SHARE_TOLERANCE:
            shares = ", ".join(f"{i.name} {i.market_share:g}" for i in self.isps)
            raise ValueError(
                f"isps: market shares must sum to 1, they sum to {total:.4f} ({shares})"
            )
        isp_names = {i.name for i in self.isps}
        assoc_names = {a.name for a in self.associations}
        for isp in self.isps:
            if isp.association is not None and isp.association not in assoc_names:
                raise ValueError(
                    f"isps.{isp.name}.association: no association named '{isp.association}'"
                    + _suggest(isp.association, assoc_names)
                )
        for body in self.rights_bodies:
            for target in body.targets or []:
                if target not in isp_names:
                    raise ValueError(
                        f"rights_bodies.{body.name}.targets: no ISP named '{target}'"
                        + _suggest(target, isp_names)
                    )
        return self

    def isp(self, name: str) -> ISPParams:
        return next(i for i in self.isps if i.name == name)

    def to_dict(self) -> dict[str, Any]:
        """The resolved scenario as plain data (JSON-compatible)."""
        return self.model_dump(mode="json")

    def sha256(self) -> str:
        """Fingerprint of the resolved scenario (what results are keyed on)."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


# --------------------------------------------------------------------------- errors
class ScenarioError(Exception):
    """Bad scenario input, located: file, line, key path, what was expected, a suggestion."""

    def __init__(
        self,
        message: str,
        file: str | None = None,
        line: int | None = None,
        path: str | None = None,
    ):
        self.message, self.file, self.line, self.path = message, file, line, path
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file or "<scenario>"
        if self.line is not None:
            where += f":{self.line}"
        key = f" {self.path}:" if self.path else ""
        return f"{where}:{key} {self.message}"


class ScenarioErrors(ScenarioError):
    """Several located errors found at once (all are reported, not just the first)."""

    def __init__(self, errors: list[ScenarioError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


def _suggest(word: str, options: Iterable[str]) -> str:
    match = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


# --------------------------------------------------------------------------- YAML with lines
@dataclass
class _Source:
    """Where each key path of the merged data came from: (file, line)."""

    where: dict[tuple[str, ...], tuple[str, int]] = field(default_factory=dict)

    def locate(self, path: tuple[str, ...]) -> tuple[str | None, int | None]:
        # the deepest recorded ancestor of the path (a missing key is reported at its parent)
        for n in range(len(path), -1, -1):
            if path[:n] in self.where:
                return self.where[path[:n]]
        return None, None


def _construct(node: yaml.Node, file: str, path: tuple[str, ...], where: dict) -> Any:
    """Turn a composed YAML node into Python data, recording each key's line."""
    where.setdefault(path, (file, node.start_mark.line + 1))
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if key in out:
                raise ScenarioError(
                    f"key '{key}' appears twice in the same mapping",
                    file,
                    key_node.start_mark.line + 1,
                    ".".join((*path, str(key))),
                )
            sub = (*path, str(key))
            where[sub] = (file, key_node.start_mark.line + 1)
            out[key] = _construct(value_node, file, sub, where)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item_node in enumerate(node.value):
            name = _item_name(item_node)
            sub = (*path, name if name is not None else str(i))
            where[sub] = (file, item_node.start_mark.line + 1)
            items.append(_construct(item_node, file, sub, where))
        return items
    loader = yaml.SafeLoader("")
    return loader.construct_object(node, deep=True)


def _item_name(node: yaml.Node) -> str | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if k.value == "name" and isinstance(v, yaml.ScalarNode):
                return str(v.value)
    return None


def _read_yaml(path: Path, where: dict) -> dict[str, Any]:
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError("file not found", file) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read file: {exc.strerror}", file) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(f"not valid YAML: {problem}", file, line) from None
    if node is None:
        return {}
    if not isinstance(node, yaml.MappingNode):
        raise ScenarioError("a scenario file must be a mapping of keys to values", file, 1)
    data = _construct(node, file, (), where)
    return data


# --------------------------------------------------------------------------- merging
def merge(base: Any, child: Any) -> Any:
    """Child overrides base: mappings key by key, named lists item by item on ``name``."""
    if isinstance(base, Mapping) and isinstance(child, Mapping):
        out = dict(base)
        for key, value in child.items():
            out[key] = merge(base[key], value) if key in base else value
        return out
    if _is_named_list(base) and _is_named_list(child):
        out_list = [dict(item) for item in base]
        index = {item["name"]: i for i, item in enumerate(out_list)}
        for item in child:
            if item["name"] in index:
                out_list[index[item["name"]]] = merge(out_list[index[item["name"]]], item)
            else:
                out_list.append(item)
        return out_list
    return child


def _is_named_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(i, Mapping) and "name" in i for i in value)


def _load_chain(path: Path, where: dict, seen: tuple[Path, ...]) -> dict[str, Any]:
    path = path.resolve() if path.is_absolute() else path
    key = path.resolve()
    if key in seen:
        chain = " -> ".join(str(p) for p in (*seen, key))
        raise ScenarioError(f"'extends' forms a cycle: {chain}", str(path))
    data = _read_yaml(path, where)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        file, line = where.get(("extends",), (str(path), None))
        raise ScenarioError("'extends' takes one file path (a string)", file, line, "extends")
    parent_path = path.parent / parent
    if not parent_path.exists():
        file, line = where.get(("extends",), (str(path), None))
        raise ScenarioError(f"'extends' target not found: {parent_path}", file, line, "extends")
    if parent_path.resolve() in (*seen, key):
        file, line = where.get(("extends",), (str(path), None))
        chain = " -> ".join(str(p) for p in (*seen, key, parent_path.resolve()))
        raise ScenarioError(f"'extends' forms a cycle: {chain}", file, line, "extends")
    parent_where: dict = {}
    base = _load_chain(parent_path, parent_where, (*seen, key))
    # the child's own lines take precedence over its parent's
    merged_where = {**parent_where, **where}
    where.clear()
    where.update(merged_where)
    return merge(base, data)


# --------------------------------------------------------------------------- overrides
COMMAND_LINE = "<command line>"


def parse_assignment(text: str) -> tuple[str, Any]:
    """``PATH=VALUE`` with the value parsed as a YAML scalar (``--set`` syntax)."""
    if "=" not in text:
        raise ScenarioError(
            f"'{text}' is not PATH=VALUE (e.g. isps.TalkTalk.stance=graduated)", COMMAND_LINE
        )
    path, _, raw = text.partition("=")
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        value = raw
    return path.strip(), value


def apply_override(data: dict[str, Any], path: str, value: Any, origin: str = COMMAND_LINE) -> None:
    """Set ``path`` (dots; list items by name) in raw scenario data, checking it exists."""
    parts = path.split(".")
    node: Any = data
    schema: Any = Scenario
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        here = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            match = [
                item for item in node if isinstance(item, Mapping) and item.get("name") == part
            ]
            if not match:
                names = [item.get("name") for item in node if isinstance(item, Mapping)]
                raise ScenarioError(
                    f"no item named '{part}' in {'.'.join(parts[:depth])}" + _suggest(part, names),
                    origin,
                    None,
                    here,
                )
            if last:
                raise ScenarioError(
                    "cannot replace a whole list item; set one of its keys", origin, None, here
                )
            node = match[0]
            continue
        fields = _fields_of(schema)
        if fields is not None and part not in fields:
            raise ScenarioError(
                f"unknown parameter '{part}'" + _suggest(part, fields), origin, None, here
            )
        schema = _child_schema(schema, part)
        if last:
            node[part] = value
            return
        if part not in node or node[part] is None:
            if schema is not None and not _is_list_schema(schema):
                node[part] = {}
            elif _is_list_schema(schema):
                node[part] = _default_list(data, parts[: depth + 1])
        node = node[part]


def _fields_of(schema: Any) -> dict[str, Any] | None:
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        return schema.model_fields
    return None


def _child_schema(schema: Any, name: str) -> Any:
    fields = _fields_of(schema)
    if fields is None or name not in fields:
        return None
    annotation = fields[name].annotation
    return _unwrap(annotation)


def _unwrap(annotation: Any) -> Any:
    """Find the model class inside ``X | None`` or ``list[X]`` annotations."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _unwrap(arg)
        if found is not None:
            return found
    return None


def _is_list_schema(schema: Any) -> bool:
    return schema in (ISPParams, RightsBodyParams, AssociationParams)


def _default_list(data: dict, parts: list[str]) -> list:
    default = Scenario.model_fields[parts[0]].get_default(call_default_factory=True)
    return [item.model_dump() for item in default]


# --------------------------------------------------------------------------- validation
def _loc_to_path(data: dict, loc: tuple) -> tuple[str, ...]:
    """Pydantic's location (list indices) -> our key path (list items by name)."""
    out: list[str] = []
    node: Any = data
    for part in loc:
        if isinstance(part, int) and isinstance(node, list):
            item = node[part] if part < len(node) else None
            name = item.get("name") if isinstance(item, Mapping) else None
            out.append(str(name) if name is not None else str(part))
            node = item
        else:
            out.append(str(part))
            node = node.get(part) if isinstance(node, Mapping) else None
    return tuple(out)


def _message(err: dict, data: dict) -> str:
    kind, msg = err["type"], err["msg"]
    value = err.get("input")
    loc = err["loc"]
    if kind == "extra_forbidden":
        parent = _schema_at(loc[:-1])
        options = list(_fields_of(parent) or {})
        return (
            f"unknown key '{loc[-1]}'"
            + _suggest(str(loc[-1]), options)
            + (f"; allowed keys: {', '.join(options)}" if options and len(options) <= 25 else "")
        )
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        options = [o.strip(" '") for o in str(expected).replace(" or ", ",").split(",")]
        return f"expected one of {expected}; got {value!r}" + _suggest(str(value), options)
    if kind == "missing":
        return f"required key '{loc[-1]}' is missing"
    if kind.startswith(("greater", "less")):
        return f"{msg.lower()}; got {value!r}"
    if kind.endswith(("_type", "_parsing")):
        return f"{msg.lower()}; got {value!r} ({type(value).__name__})"
    return msg.removeprefix("Value error, ")


def _schema_at(loc: tuple) -> Any:
    schema: Any = Scenario
    for part in loc:
        if isinstance(part, int):
            continue
        schema = _child_schema(schema, str(part))
        if schema is None:
            return None
    return schema


def validate(
    data: dict[str, Any], source: _Source | None = None, file: str | None = None
) -> Scenario:
    """Validate raw data into a :class:`Scenario`, raising located errors."""
    source = source or _Source()
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            path = _loc_to_path(data, err["loc"])
            where_file, line = source.locate(path)
            message = _message(err, data)
            # root-level validators report problems with their own path in the message
            if not path and ":" in message and message.split(":")[0].split(".")[0] in data:
                head = message.split(":")[0]
                path = tuple(head.split("."))
                where_file, line = source.locate(path)
                message = message[len(head) + 1 :].strip()
            errors.append(ScenarioError(message, where_file or file, line, ".".join(path) or None))
        raise (errors[0] if len(errors) == 1 else ScenarioErrors(errors)) from None


def load_scenario(
    path: str | Path | None = None,
    overrides: Mapping[str, Any] | Iterable[str] | None = None,
    data: dict[str, Any] | None = None,
) -> Scenario:
    """Load, merge (``extends``), override and validate a scenario.

    Args:
        path: the YAML file. ``None`` with ``data``: validate in-memory data.
        overrides: ``{"isps.TalkTalk.stance": "graduated"}`` or ``["PATH=VALUE", ...]``.
        data: raw scenario data (instead of, or merged over, the file).

    Raises:
        ScenarioError: located error (file, line, key path, message).
    """
    where: dict = {}
    raw: dict[str, Any] = {}
    file = None
    if path is not None:
        file = str(path)
        raw = _load_chain(Path(path), where, ())
    if data is not None:
        raw = merge(raw, copy.deepcopy(data))
    if overrides:
        items = (
            overrides.items()
            if isinstance(overrides, Mapping)
            else (parse_assignment(o) for o in overrides)
        )
        for key, value in items:
            apply_override(raw, key, value)
            where[tuple(key.split("."))] = (COMMAND_LINE + f" (--set {key})", None)
    scenario = validate(raw, _Source(where), file)
    check_sweep(scenario, _Source(where), file)
    check_analysis(scenario, _Source(where), file)
    return scenario


def check_sweep(scenario: Scenario, source: _Source | None = None, file: str | None = None) -> None:
    """Every sweep path must exist (same rules as ``--set``) and every swept value be valid.

    Grid values are checked one by one; for ``lhs``/``sobol`` both ends of each range are.
    Errors are located at the sweep key (file, line, ``experiment.sweep.parameters.<path>``).
    """
    sweep = scenario.experiment.sweep
    if sweep is None:
        return
    source = source or _Source()
    base = scenario.to_dict()
    base["experiment"]["sweep"] = None
    for path, spec in sweep.parameters.items():
        key = ("experiment", "sweep", "parameters", path)
        where_file, line = source.locate(key)

        def located(message: str, key=key, where_file=where_file, line=line) -> ScenarioError:
            return ScenarioError(message, where_file or file, line, ".".join(key))

        if path.split(".")[0] == "experiment":
            raise located("the experiment section itself cannot be swept")
        for value in spec if isinstance(spec, list) else [spec.low, spec.high]:
            data = copy.deepcopy(base)
            try:
                apply_override(data, path, value, origin=where_file or file or COMMAND_LINE)
            except ScenarioError as exc:
                raise located(f"sweep path does not exist: {exc.message}") from None
            try:
                Scenario.model_validate(data)
            except ValidationError as exc:
                err = exc.errors()[0]
                raise located(f"swept value {value!r}: {_message(err, data)}") from None


def _bare(scenario: Scenario) -> dict[str, Any]:
    """The scenario's data without its design sections (sweep, analysis, policies)."""
    base = scenario.to_dict()
    base["experiment"]["sweep"] = None
    base["analysis"] = None
    base["policies"] = []
    return base


def _check_values(
    base: dict[str, Any], path: str, values: Iterable[Any], located: Any, what: str
) -> None:
    """``path`` exists (``--set`` rules) and each value gives a valid scenario, or raise."""
    if path.split(".")[0] in ("experiment", "analysis", "policies"):
        raise located(f"the {path.split('.')[0]} section itself cannot be {what}")
    for value in values:
        data = copy.deepcopy(base)
        try:
            apply_override(data, path, value)
        except ScenarioError as exc:
            raise located(f"{what} path does not exist: {exc.message}") from None
        try:
            Scenario.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise located(f"{what} value {value!r}: {_message(err, data)}") from None


def _locator(source: _Source, file: str | None, key: tuple[str, ...]) -> Any:
    where_file, line = source.locate(key)

    def located(message: str) -> ScenarioError:
        return ScenarioError(message, where_file or file, line, ".".join(key))

    return located


def check_analysis(
    scenario: Scenario, source: _Source | None = None, file: str | None = None
) -> None:
    """Check the ``analysis:``, ``policies:`` and ``experiment.precision`` sections.

    - every uncertain parameter path exists and both ends of its range are valid;
    - every policy override path exists and its value is valid; a policy may not set
      an uncertain parameter (the world, not the policy, decides it);
    - every outcome (and the precision outcome) is a ``summary.csv`` column the model
      writes for this scenario (found by a one-week run of a tiny population).

    Errors are located at the offending key (file, line, key path), with a suggestion.
    """
    analysis, policies = scenario.analysis, scenario.policies
    precision = scenario.experiment.precision
    if analysis is None and not policies and precision is None:
        return
    source = source or _Source()
    base = _bare(scenario)
    uncertain = list(analysis.parameters) if analysis is not None else []
    for path, spec in (analysis.parameters if analysis is not None else {}).items():
        located = _locator(source, file, ("analysis", "parameters", path))
        _check_values(base, path, [spec.low, spec.high], located, "uncertain parameter")
    for policy in policies:
        for path, value in policy.set.items():
            located = _locator(source, file, ("policies", policy.name, "set", path))
            if path in uncertain:
                raise located(
                    f"policy '{policy.name}' sets '{path}', an uncertain parameter of the "
                    "analysis; a lever cannot also be an uncertainty"
                )
            _check_values(base, path, [value], located, "policy")
    wanted = (
        [(("analysis", "outcomes", o.name), o.name) for o in analysis.outcomes]
        if (analysis is not None)
        else []
    )
    if precision is not None:
        wanted.append((("experiment", "precision", "outcome"), precision.outcome))
    if wanted:
        known = outcome_names(scenario)
        for key, name in wanted:
            if name not in known:
                located = _locator(source, file, key)
                raise located(
                    f"unknown outcome '{name}'"
                    + _suggest(name, known)
                    + "; outcomes are summary.csv columns: final.<column> or total.<count column>"
                )


def outcome_names(scenario: Scenario) -> list[str]:
    """``summary.csv`` outcome columns the model writes for ``scenario`` and its policies.

    Found by running one week of a 200-subscriber copy of the scenario (and of each policy),
    so the names always match what the model records.
    """
    from model.policy_model import PolicyModel  # the model imports this module
    from model.results import is_count_column

    base = _bare(scenario)
    variants = [base]
    for policy in scenario.policies:
        data = copy.deepcopy(base)
        for path, value in policy.set.items():
            apply_override(data, path, value)
        variants.append(data)
    names: dict[str, None] = {}
    for data in variants:
        data["population"]["subscribers"] = 200
        outcomes = PolicyModel(Scenario.model_validate(data), rng=0).run(1).outcomes()
        numeric = [c for c in outcomes.columns if pd_is_numeric(outcomes[c]) and c != "week"]
        names.update(dict.fromkeys(f"final.{c}" for c in numeric))
        names.update(dict.fromkeys(f"total.{c}" for c in numeric if is_count_column(c)))
    return list(names)


def pd_is_numeric(series: Any) -> bool:
    """Whether a pandas column is numeric (its summary has ``final.<column>``)."""
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(series))


def resolved_yaml(scenario: Scenario) -> str:
    """The resolved scenario (defaults filled in) as YAML text."""
    return yaml.safe_dump(scenario.to_dict(), sort_keys=False, allow_unicode=True)


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """``{"isps.TalkTalk.stance": "refuse", ...}``: leaves by path, list items by name."""
    out: dict[str, Any] = {}
    if isinstance(data, Mapping):
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}{key}."))
    elif _is_named_list(data) and data:
        for item in data:
            item = dict(item)
            name = item.pop("name")
            out.update(flatten(item, f"{prefix}{name}."))
    else:
        out[prefix[:-1]] = data
    return out


def diff(a: Scenario, b: Scenario) -> list[tuple[str, Any, Any]]:
    """Parameters that differ between two resolved scenarios: (path, value in a, value in b)."""
    fa, fb = flatten(a.to_dict()), flatten(b.to_dict())
    missing = object()
    rows = []
    for key in sorted(set(fa) | set(fb)):
        va, vb = fa.get(key, missing), fb.get(key, missing)
        if va != vb:
            rows.append((key, None if va is missing else va, None if vb is missing else vb))
    return rows
