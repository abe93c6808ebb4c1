"""Reading scenario YAML with the line of every key, and merging files along ``extends``.

Mappings merge key by key, and lists of named items (ISPs, rights bodies, associations)
merge item by item on ``name``.

Reading is defensive: only regular files of at most :data:`MAX_FILE_BYTES`, UTF-8 text,
nesting at most :data:`MAX_DEPTH` deep, at most :data:`MAX_NODES` values once aliases are
expanded, at most :data:`MAX_EXTENDS` files in an ``extends`` chain. Scalars follow the
YAML 1.2 core schema (``yes``/``no``/``on``/``off``, ``1:20`` and ``0012`` are not numbers or
booleans); a plain scalar that YAML 1.1 tools would read differently is refused with a hint
to quote it. Only the tags of plain data (text, numbers, booleans, null, lists, mappings)
are allowed. Every refusal is a located :class:`ScenarioError`.
"""

from __future__ import annotations

import math
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from model.scenario.errors import ScenarioError, shown

MAX_FILE_BYTES = 1 << 20
"""Largest scenario file read (1 MiB; real scenarios are a few KB)."""
MAX_DEPTH = 64
"""Deepest nesting of lists and mappings (real scenarios nest 5 levels)."""
MAX_NODES = 100_000
"""Most values (scalars, lists, mappings) in a file once aliases are expanded."""
MAX_EXTENDS = 32
"""Longest ``extends`` chain (files)."""
YAML_SUFFIXES = (".yaml", ".yml")

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_TAG}{t}" for t in ("str", "int", "float", "bool", "null")}
_AMBIGUOUS = [
    (
        re.compile(r"^(?:yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)$"),
        "YAML 1.1 tools read it as a boolean",
        "write true or false, or quote it ('{0}') if you mean the text",
    ),
    (
        re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$"),
        "YAML 1.1 tools read it as a base-60 number",
        "quote it ('{0}') if you mean the text",
    ),
    (
        re.compile(r"^[-+]?0[0-9_]+$"),
        "it has a leading zero (YAML 1.1 tools read it as octal)",
        "write the number without leading zeros, or quote it ('{0}') if you mean the text",
    ),
]


class StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2 core scalars and a nesting limit."""

    yaml_implicit_resolvers: dict = {}  # noqa: RUF012 - PyYAML's class-level registry
    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise _TooDeep(mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _TooDeep(Exception):
    def __init__(self, line: int):
        self.line = line


for _tag, _pattern, _first in (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("int", r"^[-+]?(?:0|[1-9][0-9_]*)$", "-+0123456789"),
    ("int", r"^0o[0-7]+$|^0x[0-9a-fA-F]+$", "0"),
    (
        "float",
        r"^[-+]?(?:\.[0-9]+|[0-9][0-9_]*\.[0-9_]*)(?:[eE][-+]?[0-9]+)?$"
        r"|^[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+$"
        r"|^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$",
        "-+.0123456789",
    ),
):
    StrictLoader.add_implicit_resolver(f"{_TAG}{_tag}", re.compile(_pattern), list(_first))


def _scalar(node: yaml.ScalarNode, file: str, path: tuple[str, ...]) -> Any:
    """A plain-data scalar (YAML 1.2 core), or a located error."""
    line = node.start_mark.line + 1
    key = ".".join(path) or None
    tag, text = node.tag, node.value
    if tag not in _SCALAR_TAGS:
        raise ScenarioError(
            f"the tag '{shown(tag.replace(_TAG, '!!'))}' is not allowed: scenario values are "
            "plain text, numbers, true/false, lists and mappings",
            file,
            line,
            key,
        )
    if tag.endswith(":str"):
        if node.style is None:  # plain (unquoted) text: would another YAML reader agree?
            for pattern, reading, hint in _AMBIGUOUS:
                if pattern.match(text):
                    raise ScenarioError(
                        f"'{shown(text)}' is ambiguous: {reading}; {hint.format(text)}",
                        file,
                        line,
                        key,
                    )
        return text
    if tag.endswith(":null"):
        return None
    if tag.endswith(":bool"):
        return text.lower() == "true"
    try:
        if tag.endswith(":int"):
            value: Any = int(text.replace("_", ""), 0)
        elif text.lstrip("+-").lower() in (".inf", ".nan"):
            value = math.inf
        else:
            value = float(text.replace("_", ""))
    except ValueError:
        raise ScenarioError(f"'{shown(text)}' is not a valid number", file, line, key) from None
    if isinstance(value, float) and not math.isfinite(value):
        raise ScenarioError(
            f"'{shown(text)}' is not a finite number (infinity, NaN or too large)",
            file,
            line,
            key,
        )
    return value


def parse_scalar(text: str, origin: str, key: str | None = None) -> Any:
    """A ``--set`` value: YAML (1.2 core scalars, same checks as files) or plain text."""
    try:
        node = yaml.compose(text, Loader=StrictLoader)
    except (yaml.YAMLError, _TooDeep):
        return text  # not YAML: the text itself (e.g. ``description=a: b``)
    if node is None:
        return None
    counter = [0]
    return _construct(node, origin, tuple((key or "").split(".")) if key else (), {}, counter, 0)


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


def _construct(
    node: yaml.Node,
    file: str,
    path: tuple[str, ...],
    where: dict,
    counter: list[int],
    depth: int,
) -> Any:
    """Turn a composed YAML node into Python data, recording each key's line.

    ``counter`` counts values as they are built (aliases expanded each time they are used)
    so an alias bomb stops at :data:`MAX_NODES`; ``depth`` stops recursive aliases.
    """
    line = node.start_mark.line + 1
    counter[0] += 1
    if counter[0] > MAX_NODES or depth > MAX_DEPTH:
        what = (
            f"more than {MAX_NODES:,} values once aliases (*name) are expanded"
            if counter[0] > MAX_NODES
            else f"nested more than {MAX_DEPTH} levels deep (aliases expanded)"
        )
        raise ScenarioError(
            f"the document has {what}; a scenario is a few hundred values: "
            "check the anchors (&name) and aliases (*name)",
            file,
            line,
            None if counter[0] > MAX_NODES else ".".join(path) or None,
        )
    where.setdefault(path, (file, line))
    if isinstance(node, yaml.MappingNode):
        if node.tag != f"{_TAG}map":
            raise ScenarioError(
                f"the tag '{shown(node.tag.replace(_TAG, '!!'))}' is not allowed on a mapping",
                file,
                line,
                ".".join(path) or None,
            )
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                kind = "list" if isinstance(key_node, yaml.SequenceNode) else "mapping"
                raise ScenarioError(
                    f"a key must be plain text, not a {kind}",
                    file,
                    key_line,
                    ".".join(path) or None,
                )
            key = key_node.value
            if key in out:
                raise ScenarioError(
                    f"key '{shown(key)}' appears twice in the same mapping",
                    file,
                    key_line,
                    ".".join((*path, shown(key))),
                )
            sub = (*path, str(key))
            where[sub] = (file, key_line)
            out[key] = _construct(value_node, file, sub, where, counter, depth + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        if node.tag != f"{_TAG}seq":
            raise ScenarioError(
                f"the tag '{shown(node.tag.replace(_TAG, '!!'))}' is not allowed on a list",
                file,
                line,
                ".".join(path) or None,
            )
        items = []
        for i, item_node in enumerate(node.value):
            name = _item_name(item_node)
            sub = (*path, name if name is not None else str(i))
            where[sub] = (file, item_node.start_mark.line + 1)
            items.append(_construct(item_node, file, sub, where, counter, depth + 1))
        return items
    return _scalar(node, file, path)


def _item_name(node: yaml.Node) -> str | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == "name":
                if isinstance(v, yaml.ScalarNode):
                    return str(v.value)
    return None


def read_text(path: Path) -> str:
    """The text of a scenario file: a regular file, at most 1 MiB, UTF-8 (a BOM is fine)."""
    file = str(path)
    try:
        # O_NONBLOCK: opening a FIFO must not hang; it is refused below
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise ScenarioError("file not found", file) from None
    except IsADirectoryError:
        raise ScenarioError("is a folder, not a scenario file", file) from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ScenarioError(f"cannot read file: {reason}", file) from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ScenarioError("is a folder, not a scenario file", file)
        raise ScenarioError(
            "not a regular file (a device, pipe or socket); scenarios are read from files",
            file,
        )
    with os.fdopen(fd, "rb") as fh:
        try:
            data = fh.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise ScenarioError(f"cannot read file: {exc.strerror}", file) from None
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(
            f"file is larger than {MAX_FILE_BYTES // 1024} KiB; a scenario file is a few KB "
            "(is this the right file?)",
            file,
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ScenarioError(
            f"not UTF-8 text (byte offset {exc.start}: 0x{data[exc.start]:02x}); "
            "save the file as UTF-8",
            file,
            line,
        ) from None


def read_yaml(path: Path, where: dict) -> dict[str, Any]:
    """A scenario file's mapping, recording each key's (file, line) in ``where``.

    An empty file (or one holding only comments) is an error: it is almost always a failed
    save or a wrong path. An explicit ``{}`` is a valid (all defaults) scenario.
    """
    file = str(path)
    text = read_text(path)
    if not text.strip():
        raise ScenarioError("the file is empty; write {} for a scenario of all defaults", file, 1)
    try:
        node = yaml.compose(text, Loader=StrictLoader)
    except _TooDeep as exc:
        raise ScenarioError(
            f"nested more than {MAX_DEPTH} levels deep; a scenario nests a few levels",
            file,
            exc.line,
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        if isinstance(exc, yaml.reader.ReaderError):
            line = text[: exc.position].count("\n") + 1
            problem = f"control character {exc.character!r} is not allowed in YAML"
        else:
            problem = getattr(exc, "problem", None) or type(exc).__name__
        raise ScenarioError(f"not valid YAML: {shown(str(problem), 120)}", file, line) from None
    if node is None:
        raise ScenarioError(
            "the file holds no YAML (only comments); write {} for a scenario of all defaults",
            file,
            1,
        )
    if not isinstance(node, yaml.MappingNode):
        # never echo the content of a file that is not a mapping (it may not be ours)
        raise ScenarioError("a scenario file must be a mapping of keys to values", file, 1)
    return _construct(node, file, (), where, [0], 0)


def merge(base: Any, child: Any) -> Any:
    """Child overrides base: mappings key by key, named lists item by item on ``name``."""
    if isinstance(base, Mapping) and isinstance(child, Mapping):
        out = dict(base)
        for key, value in child.items():
            out[key] = merge(base[key], value) if key in base else value
        return out
    if is_named_list(base) and is_named_list(child):
        out_list = [dict(item) for item in base]
        index = {_hashable(item["name"]): i for i, item in enumerate(out_list)}
        for item in child:
            at = index.get(_hashable(item["name"]))
            if at is not None:
                out_list[at] = merge(out_list[at], item)
            else:
                out_list.append(item)
        return out_list
    return child


def _hashable(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool | None) else repr(value)


def is_named_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(i, Mapping) and "name" in i for i in value)


def load_chain(path: Path, where: dict, seen: tuple[Path, ...]) -> dict[str, Any]:
    """A file merged over its ``extends`` ancestors (at most :data:`MAX_EXTENDS` files)."""
    path = path.resolve() if path.is_absolute() else path
    try:
        key = path.resolve()
    except (OSError, RuntimeError, ValueError) as exc:
        raise ScenarioError(f"cannot resolve the path: {exc}", str(path)) from None
    if key in seen:
        chain = " -> ".join(str(p) for p in (*seen, key))
        raise ScenarioError(f"'extends' forms a cycle: {chain}", str(path))
    data = read_yaml(path, where)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    file, line = where.get(("extends",), (str(path), None))
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError("'extends' takes one file path (a string)", file, line, "extends")
    if "\0" in parent:
        raise ScenarioError("'extends' path contains a NUL character", file, line, "extends")
    parent_path = path.parent / parent
    if parent_path.suffix.lower() not in YAML_SUFFIXES:
        raise ScenarioError(
            f"'extends' must name a scenario file ending in .yaml or .yml; got '{shown(parent)}'",
            file,
            line,
            "extends",
        )
    if len(seen) + 1 >= MAX_EXTENDS:
        raise ScenarioError(
            f"the 'extends' chain is longer than {MAX_EXTENDS} files", file, line, "extends"
        )
    if not parent_path.exists():
        raise ScenarioError(f"'extends' target not found: {parent_path}", file, line, "extends")
    if parent_path.resolve() in (*seen, key):
        chain = " -> ".join(str(p) for p in (*seen, key, parent_path.resolve()))
        raise ScenarioError(f"'extends' forms a cycle: {chain}", file, line, "extends")
    parent_where: dict = {}
    base = load_chain(parent_path, parent_where, (*seen, key))
    # the child's own lines take precedence over its parent's
    merged_where = {**parent_where, **where}
    where.clear()
    where.update(merged_where)
    return merge(base, data)
