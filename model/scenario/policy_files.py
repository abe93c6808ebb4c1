"""Policies given as scenario files: ``policies: [{name: ..., file: ../counterfactuals/x.yaml}]``.

A counterfactual scenario file (one that ``extends`` a base scenario and changes a few
parameters) is a policy: its parameter overrides are the paths whose resolved values
differ from those of the root of its ``extends`` chain (the first file, which extends
nothing). The design sections (``experiment``, ``analysis``, ``policies``,
``discovery``) and the labels (``name``, ``description``, ``start_date``) are not
parameters and are ignored. The file is found and validated like ``extends``: a path
relative to the file that declares the policy, a located error when it is missing, and
the file's own errors located in it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from model.scenario.compare import flatten
from model.scenario.errors import ScenarioError
from model.scenario.source import Source, load_chain, read_yaml

NOT_POLICY = (
    "name",
    "description",
    "start_date",
    "experiment",
    "analysis",
    "policies",
    "discovery",
)
"""Top-level keys of a policy file that are not parameters of the policy."""


Validate = Callable[[dict[str, Any], Source, str], Any]
"""The loader's ``validate(raw, source, file) -> Scenario`` (passed in: no import cycle)."""


def resolve_policy_files(
    raw: dict[str, Any], source: Source, file: str | None, validate: Validate
) -> dict[str, Any]:
    """``raw`` with every policy's ``file`` turned into overrides merged under its ``set``.

    Raises:
        ScenarioError: the file is missing (located at ``policies.<name>.file``), or is
            not a valid scenario (located in the policy file).
    """
    policies = raw.get("policies")
    if not isinstance(policies, list):
        return raw
    out = []
    for item in policies:
        if not isinstance(item, dict) or not isinstance(item.get("file"), str):
            out.append(item)
            continue
        name = str(item.get("name", "?"))
        key = ("policies", name, "file")
        declared, line = source.locate(key)
        path = Path(declared or file or ".").parent / item["file"]
        if not path.is_file():
            raise ScenarioError(
                f"policy file not found: {path}", declared or file, line, ".".join(key)
            )
        overrides, description = policy_overrides(path, validate)
        item = dict(item)
        item["set"] = {**overrides, **(item.get("set") or {})}
        if not item.get("description"):
            item["description"] = description
        out.append(item)
    return {**raw, "policies": out}


def policy_overrides(path: Path, validate: Validate) -> tuple[dict[str, Any], str]:
    """(parameter path -> value where ``path`` differs from its extends-root, its description)."""
    changed = _parameters(path, validate)
    base = _parameters(_chain_root(path), validate)
    overrides = {k: v for k, v in changed.items() if base.get(k, _MISSING) != v}
    description = str(read_yaml(path, {}).get("description", "") or "").strip()
    return overrides, description


_MISSING = object()


def _parameters(path: Path, validate: Validate) -> dict[str, Any]:
    where: dict = {}
    raw = load_chain(path, where, ())
    for key in NOT_POLICY:
        raw.pop(key, None)
    scenario = validate(raw, Source(where), str(path))
    return flatten({k: v for k, v in scenario.to_dict().items() if k not in NOT_POLICY})


def _chain_root(path: Path) -> Path:
    seen = {path.resolve()}
    while True:
        parent = read_yaml(path, {}).get("extends")
        if not isinstance(parent, str):
            return path
        path = path.parent / parent
        if path.resolve() in seen:  # load_chain has already reported the cycle
            return path
        seen.add(path.resolve())
