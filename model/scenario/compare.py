"""A resolved scenario as text and as flat parameter paths, and the difference of two."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from model.scenario.root import Scenario
from model.scenario.source import is_named_list


def resolved_yaml(scenario: Scenario) -> str:
    """The resolved scenario (defaults filled in) as YAML text."""
    return yaml.safe_dump(scenario.to_dict(), sort_keys=False, allow_unicode=True)


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """``{"isps.TalkTalk.stance": "refuse", ...}``: leaves by path, list items by name."""
    out: dict[str, Any] = {}
    if isinstance(data, Mapping):
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}{key}."))
    elif is_named_list(data) and data:
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
