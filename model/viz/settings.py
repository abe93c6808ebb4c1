"""The visualiser's current settings: control values over a base scenario file.

A :class:`Settings` holds the base scenario file, its generated controls and the values
the user has set. It builds the scenario to simulate (the base file with the changed
values as overrides) and writes the changes as a scenario file that ``extends:`` the
base, so an idea found by hand becomes a reproducible experiment (``conduit run``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from model.scenario import NAMED_LISTS, Scenario, ScenarioError, load_scenario
from model.viz.controls import MAX_SUBSCRIBERS, ControlSpec, build_controls

SIGNIFICANT_DIGITS = 10
"""Slider values are rounded to this many significant digits (float noise from steps)."""


def clean(value: Any) -> Any:
    """A slider value without float noise (0.30000000000000004 -> 0.3)."""
    if isinstance(value, float):
        return float(f"{value:.{SIGNIFICANT_DIGITS}g}")
    return value


class Settings:
    """Control values over a base scenario file (one per browser session and scenario).

    Args:
        file: the base scenario file.
        max_subscribers: cap on the simulated population (accounts).
    """

    def __init__(self, file: str | Path, max_subscribers: int = MAX_SUBSCRIBERS):
        self.file = Path(file)
        self.max_subscribers = max_subscribers
        self.base: Scenario = load_scenario(self.file)
        self.specs: list[ControlSpec] = build_controls(self.base, max_subscribers)
        self.by_path = {s.path: s for s in self.specs}
        self.values: dict[str, Any] = {s.path: s.default for s in self.specs}

    def set(self, path: str, value: Any) -> None:
        """Set one control's value (``path`` as in ``--set``: ``isps.BT.stance``)."""
        if path not in self.by_path:
            raise KeyError(f"no control for '{path}'")
        self.values[path] = clean(value)

    def changed(self) -> dict[str, Any]:
        """Paths whose value differs from the base file, market shares normalised.

        The population cap counts as a change when the base file asks for more
        subscribers than the visualiser builds.
        """
        base = _flat_values(self.base)
        out = {p: v for p, v in self.values.items() if base.get(p) != v}
        shares = {p: v for p, v in self.values.items() if p.endswith(".market_share")}
        for p, v in normalise_shares(shares, set(shares) & set(out)).items():
            if v != base.get(p):
                out[p] = v
        return out

    def scenario(self) -> Scenario:
        """The scenario to simulate: the base file with the changed values applied."""
        return load_scenario(self.file, overrides=self.changed())

    def scenario_data(self, name: str) -> dict[str, Any]:
        """The changes as raw scenario data (list items by name), without ``extends``."""
        data: dict[str, Any] = {"name": name}
        data["description"] = f"Saved from the visualiser: {self.base.name} with changes."
        for path, value in self.changed().items():
            _insert(data, path.split("."), value)
        return data

    def save(self, name: str, dest: str | Path | None = None, folder: str | Path = ".") -> Path:
        """Write the changes as a scenario file that ``extends:`` the base file.

        Args:
            name: the new scenario's name (letters, digits, ``.``, ``_``, ``-``).
            dest: the file to write; None: ``<folder>/<name>.yaml``.
            folder: where to write when ``dest`` is None.

        Returns:
            the path written. The file validates (``conduit check``) before it is kept.

        Raises:
            ScenarioError: a bad name or settings that do not validate.
        """
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name or ""):
            raise ScenarioError(
                f"'{name}' is not a scenario name: use letters, digits, '.', '_', '-'"
            )
        path = Path(dest) if dest is not None else Path(folder) / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        extends = os.path.relpath(self.file.resolve(), path.parent.resolve())
        body = {"extends": Path(extends).as_posix(), **self.scenario_data(name)}
        text = (
            f"# Saved from the conduit visualiser; base: {self.file.name}.\n"
            f"# Only the settings that differ from the base are listed.\n"
            + yaml.safe_dump(body, sort_keys=False, allow_unicode=True)
        )
        path.write_text(text, encoding="utf-8")
        try:
            load_scenario(path)
        except ScenarioError:
            path.unlink()
            raise
        return path


def normalise_shares(shares: dict[str, float], fixed: set[str]) -> dict[str, float]:
    """Market shares that sum to 1: the ``fixed`` ones (set by the user) are kept and the
    others scaled to fill the rest; if that cannot work, all are scaled (fractions)."""
    if not fixed:
        return dict(shares)
    kept = sum(shares[p] for p in fixed)
    free = sum(v for p, v in shares.items() if p not in fixed)
    if kept <= 1.0 and free > 0:
        factor = (1.0 - kept) / free
        out = {p: v if p in fixed else v * factor for p, v in shares.items()}
    else:
        total = sum(shares.values()) or 1.0
        out = {p: v / total for p, v in shares.items()}
    return {p: round(v, 6) for p, v in out.items()}


def _flat_values(scenario: Scenario) -> dict[str, Any]:
    """The base scenario's values by override path (list items by name)."""
    out: dict[str, Any] = {}

    def walk(data: Any, prefix: str) -> None:
        if isinstance(data, dict):
            for key, value in data.items():
                walk(value, f"{prefix}{key}.")
        elif prefix.rstrip(".") in NAMED_LISTS and isinstance(data, list):
            for item in data:
                walk({k: v for k, v in item.items() if k != "name"}, f"{prefix}{item['name']}.")
        else:
            out[prefix[:-1]] = data

    walk(scenario.to_dict(), "")
    return out


def _insert(data: dict[str, Any], parts: list[str], value: Any) -> None:
    """Put ``value`` at ``parts`` in raw scenario data; named lists get ``{name: ...}`` items."""
    head, rest = parts[0], parts[1:]
    if head in NAMED_LISTS:
        items: list[dict[str, Any]] = data.setdefault(head, [])
        name, rest = rest[0], rest[1:]
        item = next((i for i in items if i["name"] == name), None)
        if item is None:
            item = {"name": name}
            items.append(item)
        _insert_plain(item, rest, value)
        return
    _insert_plain(data, parts, value)


def _insert_plain(data: dict[str, Any], parts: list[str], value: Any) -> None:
    for part in parts[:-1]:
        data = data.setdefault(part, {})
    data[parts[-1]] = value
