"""Reading scenario YAML with the line of every key, and merging files along ``extends``.

Mappings merge key by key, and lists of named items (ISPs, rights bodies, associations)
merge item by item on ``name``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from model.scenario.errors import ScenarioError


@dataclass
class Source:
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


def read_yaml(path: Path, where: dict) -> dict[str, Any]:
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


def merge(base: Any, child: Any) -> Any:
    """Child overrides base: mappings key by key, named lists item by item on ``name``."""
    if isinstance(base, Mapping) and isinstance(child, Mapping):
        out = dict(base)
        for key, value in child.items():
            out[key] = merge(base[key], value) if key in base else value
        return out
    if is_named_list(base) and is_named_list(child):
        out_list = [dict(item) for item in base]
        index = {item["name"]: i for i, item in enumerate(out_list)}
        for item in child:
            if item["name"] in index:
                out_list[index[item["name"]]] = merge(out_list[index[item["name"]]], item)
            else:
                out_list.append(item)
        return out_list
    return child


def is_named_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(i, Mapping) and "name" in i for i in value)


def load_chain(path: Path, where: dict, seen: tuple[Path, ...]) -> dict[str, Any]:
    path = path.resolve() if path.is_absolute() else path
    key = path.resolve()
    if key in seen:
        chain = " -> ".join(str(p) for p in (*seen, key))
        raise ScenarioError(f"'extends' forms a cycle: {chain}", str(path))
    data = read_yaml(path, where)
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
    base = load_chain(parent_path, parent_where, (*seen, key))
    # the child's own lines take precedence over its parent's
    merged_where = {**parent_where, **where}
    where.clear()
    where.update(merged_where)
    return merge(base, data)
