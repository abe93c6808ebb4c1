"""Loading a scenario: read, merge ``extends``, apply overrides, validate with located errors.

Also the checks that need the whole scenario: sweep paths and values, the ``analysis:`` and
``policies:`` sections, and the outcome names they refer to.
"""

from __future__ import annotations

import copy
import math
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from model import outcomes
from model.scenario.errors import ScenarioError, ScenarioErrors, shown, suggest
from model.scenario.overrides import (
    COMMAND_LINE,
    apply_override,
    child_schema,
    fields_of,
    parse_assignment,
)
from model.scenario.policy_files import resolve_policy_files
from model.scenario.root import Scenario
from model.scenario.source import Source, load_chain, merge


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
        options = list(fields_of(parent) or {})
        return (
            f"unknown key '{loc[-1]}'"
            + suggest(str(loc[-1]), options)
            + (f"; allowed keys: {', '.join(options)}" if options and len(options) <= 25 else "")
        )
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        options = [o.strip(" '") for o in str(expected).replace(" or ", ",").split(",")]
        return f"expected one of {expected}; got {_repr(value)}" + suggest(str(value), options)
    if kind == "missing":
        return f"required key '{loc[-1]}' is missing"
    if kind.startswith(("greater", "less")):
        return f"{msg.lower()}; got {_repr(value)}"
    if kind.endswith(("_type", "_parsing")):
        return f"{msg.lower()}; got {_repr(value)} ({type(value).__name__})"
    return msg.removeprefix("Value error, ")


def _repr(value: Any) -> str:
    """A value as echoed in a message: its repr, cut to one short line."""
    return shown(repr(value), 80)


def _schema_at(loc: tuple) -> Any:
    schema: Any = Scenario
    for part in loc:
        if isinstance(part, int):
            continue
        schema = child_schema(schema, str(part))
        if schema is None:
            return None
    return schema


def validate(
    data: dict[str, Any], source: Source | None = None, file: str | None = None
) -> Scenario:
    """Validate raw data into a :class:`Scenario`, raising located errors."""
    source = source or Source()
    try:
        scenario = Scenario.model_validate(data)
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
    problems = [*_coercions(data, scenario.model_dump(), ()), *_name_problems(scenario.name)]
    if problems:
        errors = []
        for path, message in problems:
            where_file, line = source.locate(path)
            errors.append(ScenarioError(message, where_file or file, line, ".".join(path)))
        raise errors[0] if len(errors) == 1 else ScenarioErrors(errors)
    return scenario


NAME_MAX = 100
"""Longest scenario name (it names the results folder)."""
_NAME_FORBIDDEN = set('/\\:*?"<>|')


def _name_problems(name: str) -> list[tuple[tuple[str, ...], str]]:
    """Why ``name`` cannot name a results folder (empty list: it can)."""
    problem = None
    if not name.strip():
        problem = "is empty"
    elif len(name) > NAME_MAX:
        problem = f"is {len(name)} characters long (at most {NAME_MAX})"
    elif any(unicodedata.category(c).startswith("C") for c in name):
        problem = "contains a control character (a newline, tab or NUL)"
    elif _NAME_FORBIDDEN & set(name):
        problem = f"contains one of {' '.join(sorted(_NAME_FORBIDDEN))}"
    elif name[0] in ".~-" or name != name.strip() or name.endswith("."):
        problem = "starts with '.', '~' or '-', or starts or ends with a space or a dot"
    if problem is None:
        return []
    return [
        (
            ("name",),
            f"'{shown(name)}' cannot name the results folder: it {problem}; use letters, "
            "digits, '-', '_' and '.' (e.g. uk-2008-graduated)",
        )
    ]


def _coercions(raw: Any, kept: Any, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], str]]:
    """Values validation accepted but should not have: a boolean read as a number
    (``subscribers: true`` would be 1) and non-finite numbers (``'1e309'``, ``.inf``)."""
    if isinstance(raw, Mapping) and isinstance(kept, Mapping):
        return [
            problem
            for key, value in raw.items()
            if key in kept
            for problem in _coercions(value, kept[key], (*path, str(key)))
        ]
    if isinstance(raw, list) and isinstance(kept, list):
        named = {
            item.get("name"): item
            for item in kept
            if isinstance(item, Mapping) and isinstance(item.get("name"), str)
        }
        out = []
        for i, item in enumerate(raw):
            name = item.get("name") if isinstance(item, Mapping) else None
            if isinstance(name, str) and name in named:
                out += _coercions(item, named[name], (*path, name))
            elif i < len(kept):
                out += _coercions(item, kept[i], (*path, str(i)))
        return out
    if isinstance(raw, bool) and isinstance(kept, int | float) and not isinstance(kept, bool):
        return [(path, f"expected a number; got {str(raw).lower()} (a boolean)")]
    if isinstance(kept, float) and not math.isfinite(kept):
        return [(path, f"expected a finite number; got {_repr(raw)}")]
    return []


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
        raw = load_chain(Path(path), where, ())
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
    scenario = validate(raw, Source(where), file)
    if any(p.file for p in scenario.policies):
        raw = resolve_policy_files(raw, Source(where), file, validate)
        scenario = validate(raw, Source(where), file)
    check_sweep(scenario, Source(where), file)
    check_analysis(scenario, Source(where), file)
    return scenario


def check_sweep(scenario: Scenario, source: Source | None = None, file: str | None = None) -> None:
    """Every sweep path must exist (same rules as ``--set``) and every swept value be valid.

    Grid values are checked one by one; for ``lhs``/``sobol`` both ends of each range are.
    Errors are located at the sweep key (file, line, ``experiment.sweep.parameters.<path>``).
    """
    sweep = scenario.experiment.sweep
    if sweep is None:
        return
    source = source or Source()
    base = _bare(scenario)
    for path, spec in sweep.parameters.items():
        located = _locator(source, file, ("experiment", "sweep", "parameters", path))
        values = spec if isinstance(spec, list) else [spec.low, spec.high]
        _check_values(base, path, values, located, "sweep", done="swept")


def _bare(scenario: Scenario) -> dict[str, Any]:
    """The scenario's data without its design sections (sweep, analysis, policies)."""
    base = scenario.to_dict()
    base["experiment"]["sweep"] = None
    base["analysis"] = None
    base["policies"] = []
    base["discovery"] = None
    return base


def _check_values(
    base: dict[str, Any],
    path: str,
    values: Iterable[Any],
    located: Any,
    what: str,
    done: str | None = None,
) -> None:
    """``path`` exists (``--set`` rules) and each value gives a valid scenario, or raise.

    ``what`` names the path in messages ("policy path does not exist"), ``done`` the
    section and the value ("cannot be swept", "swept value 3"; default ``what``).
    """
    done = done or what
    if path.split(".")[0] in ("experiment", "analysis", "policies"):
        raise located(f"the {path.split('.')[0]} section itself cannot be {done}")
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
            raise located(f"{done} value {_repr(value)}: {_message(err, data)}") from None


def _locator(source: Source, file: str | None, key: tuple[str, ...]) -> Any:
    where_file, line = source.locate(key)

    def located(message: str) -> ScenarioError:
        return ScenarioError(message, where_file or file, line, ".".join(key))

    return located


def check_analysis(
    scenario: Scenario, source: Source | None = None, file: str | None = None
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
    if analysis is None and not policies and precision is None and scenario.discovery is None:
        return
    source = source or Source()
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
    known = outcome_names(scenario) if wanted or scenario.discovery is not None else []
    if wanted:
        for key, name in wanted:
            if name not in known:
                located = _locator(source, file, key)
                raise located(
                    f"unknown outcome '{name}'"
                    + suggest(name, known)
                    + "; outcomes are summary.csv columns: final.<column> or total.<count column> "
                    "(see model/outcomes.py)"
                )

    if scenario.discovery is not None:
        check_discovery(scenario, known, source, file)


def check_discovery(scenario: Scenario, known: list[str], source: Source, file: str | None) -> None:
    """Every discovery question's condition parses and names known columns and policies."""
    from model.scenario.condition import ConditionError, parse

    assert scenario.discovery is not None
    sweep = scenario.experiment.sweep
    analysis = scenario.analysis
    columns = [
        *known,
        *(analysis.parameters if analysis is not None else {}),
        *(sweep.parameters if sweep is not None else {}),
    ]
    names = [p.name for p in scenario.policies]
    for q in scenario.discovery.questions:
        located = _locator(source, file, ("discovery", "questions", q.name, "where"))
        try:
            parse(q.where).check(columns)
        except ConditionError as exc:
            raise located(str(exc)) from None
        for policy in q.policies:
            if policy not in names:
                located = _locator(source, file, ("discovery", "questions", q.name, "policies"))
                raise located(f"no policy named '{policy}'" + suggest(policy, names))


def outcome_names(scenario: Scenario) -> list[str]:
    """``summary.csv`` outcome columns the model writes for ``scenario`` and its policies.

    From the outcome registry (:mod:`model.outcomes`), its families expanded with the
    scenario's ISPs, rights bodies and warning levels (a policy may change the levels).
    """
    base = _bare(scenario)
    variants = [scenario]
    for policy in scenario.policies:
        data = copy.deepcopy(base)
        for path, value in policy.set.items():
            apply_override(data, path, value)
        variants.append(Scenario.model_validate(data))
    return outcomes.summary_names(outcomes.columns_for(variants))
