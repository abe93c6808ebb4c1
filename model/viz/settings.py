"""The visualiser's current settings: control values over a base scenario file.

A :class:`Settings` holds the base scenario file, its generated controls and the values
the user has set. It builds the scenario to simulate (the base file with the changed
values as overrides) and writes the changes as a scenario file that ``extends:`` the
base, so an idea found by hand becomes a reproducible experiment (``conduit run``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from model.scenario import NAMED_LISTS, Scenario, ScenarioError, ScenarioErrors, load_scenario
from model.viz.controls import MAX_SUBSCRIBERS, ControlSpec, build_controls
from model.viz.ensemble import DEFAULT_RUNS

SIGNIFICANT_DIGITS = 10
"""Slider values are rounded to this many significant digits (float noise from steps)."""


def clean(value: Any) -> Any:
    """A slider value without float noise (0.30000000000000004 -> 0.3)."""
    if isinstance(value, float):
        return float(f"{value:.{SIGNIFICANT_DIGITS}g}")
    return value


@dataclass(frozen=True)
class Options:
    """How the workbench runs the settings: one run or an ensemble, alone or against B.

    Attributes:
        ensemble: run ``runs`` seeded replicates (else one run).
        runs: the ensemble size (1..32).
        compare: also run policy B (the settings with ``variant``'s changes).
        variant: policy B's changes as typed in the editor (``path: value`` lines).
    """

    ensemble: bool = False
    runs: int = DEFAULT_RUNS
    compare: bool = False
    variant: str = ""

    @property
    def replicates(self) -> int:
        return self.runs if self.ensemble else 1


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
        self.options = Options()

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

    def scenario(self, extra: dict[str, Any] | None = None) -> Scenario:
        """The scenario to simulate: the base file with the changed values applied
        (then ``extra``, e.g. the ensemble's subscriber cap)."""
        return load_scenario(self.file, overrides={**self.changed(), **(extra or {})})

    def scenario_data(
        self, name: str, runs: int | None = None, variant: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """The changes as raw scenario data (list items by name), without ``extends``.

        Args:
            runs: the ensemble size, saved as ``experiment.replicates`` (None: not saved).
            variant: policy B's changes (over these settings); saved as ``policies:``
                ``A`` (these settings) and ``B`` (these settings plus the changes), which
                ``conduit run`` and ``compare-policies`` run on common random numbers.
        """
        data: dict[str, Any] = {"name": name}
        data["description"] = f"Saved from the visualiser: {self.base.name} with changes."
        for path, value in self.changed().items():
            _insert(data, path.split("."), value)
        if runs is not None:
            data.setdefault("experiment", {})["replicates"] = runs
        if variant:
            data["policies"] = [
                {"name": "A", "description": "The saved settings."},
                {
                    "name": "B",
                    "description": "The saved settings with B's changes.",
                    "set": dict(variant),
                },
            ]
        return data

    def save(
        self,
        name: str,
        dest: str | Path | None = None,
        folder: str | Path = ".",
        overwrite: bool = False,
        runs: int | None = None,
        variant: dict[str, Any] | None = None,
    ) -> Path:
        """Write the changes as a scenario file that ``extends:`` the base file.

        The file is written to a temporary name beside the target, validated, then
        renamed over the target: a file that would not load is never left behind.

        Args:
            name: the new scenario's name (letters, digits, ``.``, ``_``, ``-``; a
                trailing ``.yaml`` is dropped).
            dest: the file to write; None: ``<folder>/<name>.yaml``.
            folder: where to write when ``dest`` is None.
            overwrite: replace an existing file (else :class:`FileExists` is raised).
            runs, variant: see :meth:`scenario_data`.

        Returns:
            the path written. The file validates (``conduit check``) before it is kept.

        Raises:
            FileExists: the file exists and ``overwrite`` is false.
            ScenarioError: a bad name, the base scenario as target, settings that do not
                validate, or the file cannot be written (message without server paths).
        """
        name = check_name(name)
        path = Path(dest) if dest is not None else Path(folder) / f"{name}.yaml"
        if path.resolve() == self.file.resolve():
            raise ScenarioError(
                f"'{path.name}' is the scenario these settings are built on: "
                "choose another name (the base is never overwritten)"
            )
        if path.exists() and not overwrite:
            raise FileExists(f"'{path.name}' exists already")
        extends = Path(os.path.relpath(self.file.resolve(), path.parent.resolve())).as_posix()
        body = {"extends": extends, **self.scenario_data(name, runs, variant)}
        text = (
            f"# Saved from the conduit visualiser; base: {self.file.name}.\n"
            f"# Only the settings that differ from the base are listed. 'extends' is relative\n"
            f"# to this file: keep it in a folder beside the base's (scenarios/saved/README.md).\n"
            + yaml.safe_dump(body, sort_keys=False, allow_unicode=True)
        )
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(text, encoding="utf-8")
            try:
                load_scenario(tmp)
            except ScenarioError as exc:
                raise ScenarioError(public_message(exc).replace(tmp.name, path.name)) from None
            os.replace(tmp, path)
        except OSError as exc:
            raise ScenarioError(
                f"could not write '{path.name}': {exc.strerror or type(exc).__name__}"
            ) from None
        finally:
            tmp.unlink(missing_ok=True)
        return path


class FileExists(ScenarioError):
    """ "Save as scenario" would replace an existing file: ask the user first."""


MAX_NAME = 80
"""Longest scenario name accepted (file names stay well under the OS limit)."""


def public_message(exc: BaseException) -> str:
    """An error's text for the page: file paths shown by file name only (no server paths)."""
    return re.sub(r"(?:[A-Za-z]:)?(?:/[^/\s:'\"]+)+/([^/\s:'\"]+)", r"\1", str(exc))


def check_name(name: str) -> str:
    """A scenario name to save under, without a trailing ``.yaml``; or ScenarioError."""
    name = (name or "").strip()
    if name.lower().endswith((".yaml", ".yml")):
        name = name.rsplit(".", 1)[0]
    if len(name) > MAX_NAME:
        raise ScenarioError(f"the name is {len(name)} characters long: use at most {MAX_NAME}")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        raise ScenarioError(f"'{name}' is not a scenario name: use letters, digits, '.', '_', '-'")
    return name


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


# --------------------------------------------------------------------------- policy B
def parse_changes(text: str) -> dict[str, tuple[Any, int]]:
    """Policy B's changes as typed in the editor: one ``path: value`` a line.

    Returns:
        ``{path: (value, line number)}``; values are read as YAML (``0.01``, ``graduated``,
        ``true``, ``null``). Blank lines and ``#`` comments are skipped.

    Raises:
        ScenarioError: a line that is not ``path: value`` (located at its line).
    """
    out: dict[str, tuple[Any, int]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.split("#", 1)[0].strip()
        if not stripped:
            continue
        path, sep, raw = stripped.partition(":")
        if not sep and "=" in stripped:
            path, sep, raw = stripped.partition("=")
        path = path.strip()
        if not sep or not path or not raw.strip():
            raise ScenarioError(
                "expected 'path: value', e.g. 'isps.BT.stance: graduated'",
                VARIANT,
                number,
            )
        try:
            value = yaml.safe_load(raw.strip())
        except yaml.YAMLError:
            raise ScenarioError(
                f"cannot read the value '{raw.strip()}'", VARIANT, number, path
            ) from None
        if path in out:
            raise ScenarioError(f"set twice (first on line {out[path][1]})", VARIANT, number, path)
        out[path] = (value, number)
    return out


VARIANT = "policy B"
"""How the editor of B's changes is named in its error messages."""


def variant_scenario(
    settings: Settings, text: str, extra: dict[str, Any] | None = None
) -> tuple[Scenario, dict[str, Any]]:
    """Policy B: the current settings with the editor's changes applied, validated.

    Returns:
        B's scenario and its changes ``{path: value}`` (what a saved scenario's policy
        ``B`` sets).

    Raises:
        ScenarioError: located at the editor's line: an unknown parameter path, a value
            out of range or of the wrong type (the message says what was expected).
    """
    changes = parse_changes(text)
    if not changes:
        raise ScenarioError(
            "no changes: B would be A (add e.g. 'isps.BT.stance: graduated')", VARIANT
        )
    base = settings.changed()
    for path, (value, number) in changes.items():
        try:
            load_scenario(settings.file, overrides={**base, path: value})
        except ScenarioError as exc:
            raise ScenarioError(_strip_origin(exc), VARIANT, number, path) from None
    values = {p: v for p, (v, _) in changes.items()}
    return load_scenario(settings.file, overrides={**base, **values, **(extra or {})}), values


def changes_from_file(settings: Settings, file: str | Path) -> str:
    """Another scenario file as policy B's changes over ``settings`` (editor text).

    Raises:
        ScenarioError: the file does not load, or its agents differ from the base's
            (B must be the same world with other settings).
    """
    other = _world(_flat_values(load_scenario(file)))
    base = _world(_flat_values(settings.base))
    missing = sorted(set(base) ^ set(other))
    if missing:
        raise ScenarioError(
            f"it has other agents than {settings.file.name} (e.g. {missing[0]}): "
            "B must be the same world with other settings",
            Path(file).name,
        )
    current = {**base, **settings.changed()}
    lines = [
        f"{path}: {_yaml_value(value)}"
        for path, value in other.items()
        if path in settings.by_path
        and path != "population.subscribers"  # the visualiser's cap decides
        and value != current.get(path)
    ]
    return "\n".join(lines)


def _strip_origin(exc: ScenarioError) -> str:
    """The message of an override error without its "<command line> (--set x): x:" prefix."""
    message = exc.message if not isinstance(exc, ScenarioErrors) else str(exc)
    return re.sub(r"^<command line>[^:]*:\s*(\S+:\s*)?", "", message)


def _yaml_value(value: Any) -> str:
    """A value as YAML on one line (``0.01``, ``graduated``, ``true``, ``null``)."""
    return yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()


WORLD_SECTIONS = ("population", "salience", "isps", "associations", "rights_bodies", "regulator")
"""Sections that describe the world (the agents); the rest says how it is run."""


def _world(values: dict[str, Any]) -> dict[str, Any]:
    return {p: v for p, v in values.items() if p.split(".")[0] in WORLD_SECTIONS}
