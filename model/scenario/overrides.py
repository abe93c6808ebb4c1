"""``--set PATH=VALUE`` overrides: parsing, and setting a path (list items by name) in raw data.

A path is checked against the schema as it is walked, so a typo is reported with a suggestion.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml
from pydantic import BaseModel

from model.params import AssociationParams, ISPParams, RightsBodyParams
from model.scenario.errors import ScenarioError, suggest
from model.scenario.root import Scenario

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
                    f"no item named '{part}' in {'.'.join(parts[:depth])}" + suggest(part, names),
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
        fields = fields_of(schema)
        if fields is not None and part not in fields:
            raise ScenarioError(
                f"unknown parameter '{part}'" + suggest(part, fields), origin, None, here
            )
        schema = child_schema(schema, part)
        if last:
            node[part] = value
            return
        if part not in node or node[part] is None:
            if schema is not None and not _is_list_schema(schema):
                node[part] = {}
            elif _is_list_schema(schema):
                node[part] = _default_list(data, parts[: depth + 1])
        node = node[part]


def fields_of(schema: Any) -> dict[str, Any] | None:
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        return schema.model_fields
    return None


def child_schema(schema: Any, name: str) -> Any:
    fields = fields_of(schema)
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
