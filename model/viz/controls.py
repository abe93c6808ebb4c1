"""Scenario schema -> control specifications for the visualiser (pure: no Solara here).

Every control is generated from the pydantic models of :mod:`model.params`, never
written by hand:

- a numeric field with both bounds (``ge``/``le``) -> a slider over those bounds, its
  unit (``json_schema_extra={"unit": ...}``) in the label;
- a numeric field with only a lower bound (e.g. ``regulator.bill_threshold``) -> a
  slider from that bound to a range chosen for the UI: four times the larger of the
  schema default and the scenario's value (or the run length for weeks, 1 otherwise,
  when both are 0); such specs carry ``ui_range=True``;
- a ``Literal`` field -> a select with its choices; a ``bool`` -> a checkbox;
- an optional number (``X | None``: None means "never" for weeks, "unlimited" for
  capacities and budgets) -> the same slider plus a "never"/"unlimited" checkbox
  (``none_label``); ``population.represents`` stays skipped (None there is a scale,
  not an option);
- a float slider whose values sit in the bottom 1 % of its range (small probabilities
  such as detection, 0.002 on 0..1) gets a log scale (``log``) over
  [range / 10^LOG_DECADES, max]; every numeric control also takes typed values;
- skipped: names, references (``association``, ``targets``) and the per-stage tables
  (dicts).

Controls are grouped by agent: the population (and its sub-groups), salience, each ISP
by name, each association, each rights body by name, the regulator. The number of
subscribers is capped to what stays interactive (:data:`MAX_SUBSCRIBERS`).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import math
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from model.scenario import NAMED_LISTS, Scenario

MAX_SUBSCRIBERS = 200_000
"""Largest population the visualiser builds (accounts): a step + render stays well under 1 s."""

PROMINENT = (
    "population.subscribers",
    "population.sharing.baseline_share",
    "isps.*.stance",
    "rights_bodies.*.detection_prob",
    "rights_bodies.*.misattribution_rate",
    "rights_bodies.*.max_level",
    "regulator.initial_stage",
    "regulator.mandated_regime",
    "regulator.due_process",
    "regulator.obligations_in_force",
)
"""Path patterns of the commonly tweaked parameters, shown above the collapsible groups."""

SKIPPED_FIELDS = frozenset({"name", "association", "targets", "represents"})
"""Fields that are identifiers or references, not tunable quantities."""

GROUP_TITLES = {
    "population": "Population",
    "salience": "Salience",
    "isps": "ISP",
    "associations": "Association",
    "rights_bodies": "Rights body",
    "regulator": "Regulator",
}

LOG_DECADES = 5
"""A log-scale slider spans this many decades below its maximum (0 is typed, or the
slider's far left)."""

ControlKind = Literal["SliderFloat", "SliderInt", "Select", "Checkbox"]


@dataclass(frozen=True)
class ControlSpec:
    """One generated control.

    Attributes:
        path: the parameter's override path, list items by name (``isps.BT.stance``).
        kind: Mesa's input type (``SliderFloat``, ``SliderInt``, ``Select``, ``Checkbox``).
        label: human label with the unit in brackets (``Detection prob [1/week]``).
        group: the agent it belongs to (``ISP BT``, ``Population / Sharing``).
        default: the base scenario's value (what the control starts at).
        unit: the schema's unit, "" if none.
        min, max, step: slider bounds and increment (None for selects and checkboxes).
        choices: the options of a select.
        ui_range: the slider's upper bound is a UI choice, not a schema bound.
        prominent: shown in the main "Key parameters" group.
        description: the schema's description (help text).
        log: a log-scale slider (values spanning orders of magnitude).
        none_label: for an optional field, what None means ("never", "unlimited");
            "" for a required field.
    """

    path: str
    kind: ControlKind
    label: str
    group: str
    default: Any
    unit: str = ""
    min: float | None = None
    max: float | None = None
    step: float | None = None
    choices: tuple[str, ...] = ()
    ui_range: bool = False
    prominent: bool = False
    description: str = ""
    log: bool = False
    none_label: str = ""

    @property
    def optional(self) -> bool:
        return bool(self.none_label)

    @property
    def log_floor(self) -> float:
        """Smallest value on a log slider (its far left stands for ``min``)."""
        return float(self.max or 1.0) / 10.0**LOG_DECADES

    def check(self, value: Any) -> str | None:
        """Why a typed value is not acceptable (None: it is)."""
        if value is None:
            return None if self.optional else "a value is required"
        if self.kind in ("SliderFloat", "SliderInt"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                return "expected a number"
            if self.kind == "SliderInt" and value != int(value):
                return "expected a whole number"
            if self.min is not None and value < self.min:
                return f"must be at least {self.min:g}"
            if self.max is not None and value > self.max and not self.ui_range:
                return f"must be at most {self.max:g}"
        return None

    def mesa_param(self, value: Any = None) -> dict[str, Any]:
        """The control as a Mesa ``model_params`` entry (``{"type": "SliderFloat", ...}``).

        Args:
            value: the current value; None: the default.
        """
        current = self.default if value is None else value
        param: dict[str, Any] = {"type": self.kind, "value": current, "label": self.label}
        if self.kind in ("SliderFloat", "SliderInt"):
            param.update(min=self.min, max=self.max, step=self.step)
        elif self.kind == "Select":
            param["values"] = list(self.choices)
        return param


# --------------------------------------------------------------------------- field analysis
def _literal_choices(annotation: Any) -> tuple[str, ...] | None:
    if typing.get_origin(annotation) is Literal:
        return tuple(str(a) for a in typing.get_args(annotation))
    return None


def _is_optional(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    return origin in (typing.Union, types.UnionType) and type(None) in typing.get_args(annotation)


def _bounds(field: FieldInfo) -> tuple[float | None, float | None]:
    low = high = None
    for item in field.metadata:
        if isinstance(item, annotated_types.Ge):
            low = item.ge
        elif isinstance(item, annotated_types.Le):
            high = item.le
    return low, high


def _unit(field: FieldInfo) -> str:
    extra = field.json_schema_extra
    return str(extra.get("unit", "")) if isinstance(extra, dict) else ""


ACRONYMS = {"vpn": "VPN", "isp": "ISP"}


def _label(name: str, unit: str) -> str:
    text = " ".join(ACRONYMS.get(w, w) for w in name.split("_"))
    text = text[0].upper() + text[1:]
    return f"{text} [{unit}]" if unit else text


def nice_step(low: float, high: float, values: tuple[float, ...], integer: bool) -> float:
    """A slider increment of 1, 2 or 5 x 10^k: about 1/100 of the range or finer, on which
    every value in ``values`` lies exactly (so the defaults are reachable)."""
    if integer:
        return 1
    span = high - low
    if span <= 0:
        return 1.0
    exponent = math.floor(math.log10(span / 100))
    for k in range(exponent, exponent - 8, -1):
        for mantissa in (5, 2, 1):
            step = mantissa * 10.0**k
            if step > span / 100 * 1.000001:
                continue
            if all(abs((v - low) / step - round((v - low) / step)) < 1e-6 for v in values):
                return float(f"{step:.10g}")
    return float(f"{10.0 ** (exponent - 8):.10g}")


def _ui_upper(schema_default: Any, value: float, unit: str, steps: int) -> float:
    top = max(float(schema_default or 0), float(value or 0))
    if top > 0:
        return 4 * top
    return float(steps) if unit.startswith("week") else 1.0


def field_control(
    path: str,
    name: str,
    field: FieldInfo,
    value: Any,
    group: str,
    steps: int = 260,
    max_subscribers: int = MAX_SUBSCRIBERS,
) -> ControlSpec | None:
    """The control for one schema field at ``path`` with current ``value``; None: skipped.

    Args:
        steps: the run length in weeks (the UI range of week-valued fields without a
            schema maximum).
        max_subscribers: cap on ``population.subscribers`` (accounts).
    """
    annotation = field.annotation
    if name in SKIPPED_FIELDS:
        return None
    none_label = ""
    if _is_optional(annotation):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(inner) != 1 or inner[0] not in (int, float):
            return None
        annotation = inner[0]
        none_label = "never" if name.endswith("_week") else "unlimited"
    unit = _unit(field)
    common = {
        "path": path,
        "group": group,
        "unit": unit,
        "description": field.description or "",
        "prominent": any(fnmatch.fnmatchcase(path, p) for p in PROMINENT),
        "none_label": none_label,
    }
    choices = _literal_choices(annotation)
    if choices is not None:
        return ControlSpec(
            kind="Select", label=_label(name, unit), default=value, choices=choices, **common
        )
    if annotation is bool:
        return ControlSpec(kind="Checkbox", label=_label(name, unit), default=bool(value), **common)
    if annotation not in (int, float):
        return None
    low, high = _bounds(field)
    if low is None:
        return None
    integer = annotation is int
    label = _label(name, unit)
    ui_range = high is None
    shown = value if value is not None else field.default
    if ui_range:
        high = _ui_upper(field.default, shown, unit, steps)
        if integer:
            high = math.ceil(high)
    if path == "population.subscribers":
        high = min(high, max_subscribers)
        value = min(value, high)
        label = f"Subscribers [accounts, capped at {max_subscribers:,}]"
    on_grid = tuple(v for v in (shown, field.default, low) if v is not None)
    step = nice_step(low, high, on_grid[:2], integer)
    kind: ControlKind = "SliderInt" if integer else "SliderFloat"
    if integer:
        low, high = int(low), int(high)
        value = None if value is None else int(value)
    typical = max(abs(float(v)) for v in on_grid[:2])
    log = not integer and low >= 0 and 0 < typical <= (high - low) / 100
    return ControlSpec(
        kind=kind,
        label=label,
        default=value,
        min=low,
        max=high,
        step=step,
        ui_range=ui_range,
        log=log,
        **common,
    )


# --------------------------------------------------------------------------- walking
def _walk(
    model: BaseModel,
    prefix: str,
    group: str,
    out: list[ControlSpec],
    steps: int,
    max_subscribers: int,
) -> None:
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        path = f"{prefix}.{name}"
        if isinstance(value, BaseModel):
            _walk(value, path, f"{group} / {_label(name, '')}", out, steps, max_subscribers)
            continue
        spec = field_control(path, name, field, value, group, steps, max_subscribers)
        if spec is not None:
            out.append(spec)


def build_controls(scenario: Scenario, max_subscribers: int = MAX_SUBSCRIBERS) -> list[ControlSpec]:
    """All generated controls for ``scenario``, in schema order, grouped by agent.

    Args:
        scenario: the base scenario; its values are the controls' defaults.
        max_subscribers: cap on the simulated population (accounts).
    """
    out: list[ControlSpec] = []
    steps = scenario.experiment.steps
    for key in ("population", "salience", "isps", "associations", "rights_bodies", "regulator"):
        title = GROUP_TITLES[key]
        if key in NAMED_LISTS:
            for item in getattr(scenario, key):
                _walk(
                    item, f"{key}.{item.name}", f"{title} {item.name}", out, steps, max_subscribers
                )
        else:
            _walk(getattr(scenario, key), key, title, out, steps, max_subscribers)
    return _label_stances(scenario, out)


def stance_label(isp: Any) -> str:
    """What an ISP's stance control really sets: the stance it starts with, and whether
    (and how) it can change during the run (an ``ISPParams``)."""
    if isp.association is not None:
        return f"Starting stance (then set by {isp.association} at its reviews)"
    if not isp.adaptive:
        return "Stance (held all run: not adaptive; a law overrides it)"
    if isp.principled:
        return "Starting stance (principled: back to refuse at its first review)"
    every = "every" if isp.review_timing == "periodic" else "on average every"
    return f"Starting stance (reviewed {every} {isp.review_interval_weeks} weeks by cost)"


def _label_stances(scenario: Scenario, specs: list[ControlSpec]) -> list[ControlSpec]:
    out = []
    for spec in specs:
        parts = spec.path.split(".")
        if parts[0] == "isps" and parts[-1] == "stance":
            label = stance_label(scenario.isp(parts[1]))
            spec = dataclasses.replace(spec, label=label)
        out.append(spec)
    return out


def groups(specs: list[ControlSpec]) -> dict[str, list[ControlSpec]]:
    """Specs by group title, in first-seen order."""
    out: dict[str, list[ControlSpec]] = {}
    for spec in specs:
        out.setdefault(spec.group, []).append(spec)
    return out


def prominent_label(spec: ControlSpec) -> str:
    """The label of a prominent control, prefixed by its agent where it is a list item."""
    top = spec.path.split(".")[0]
    if top in NAMED_LISTS:
        return f"{spec.path.split('.')[1]}: {spec.label}"
    return spec.label
