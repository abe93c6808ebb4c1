"""No import cycles inside model/: every import counts, at any level (inside functions and
``if TYPE_CHECKING:`` blocks too), so each module can be read, tested and moved on its own.

The graph is read from the source with ``ast`` (nothing is imported). ``from model.x import
y`` is an edge to ``model.x.y`` when that is a module, else to ``model.x``; importing a
package's submodule is an edge to the submodule only (not to the package's ``__init__``).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "model"

KNOWN_CYCLES: set[frozenset[str]] = set()
"""Cycles tolerated until the change that removes them lands (each with its reason)."""


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The modules of ``known`` that module ``name`` (file ``path``) imports, anywhere."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def owner(dotted: str) -> str | None:  # the longest known module prefix
        parts = dotted.split(".")
        for n in range(len(parts), 0, -1):
            candidate = ".".join(parts[:n])
            if candidate in known:
                return candidate
        return None

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(filter(None, (owner(a.name) for a in node.names)))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            for alias in node.names:
                target = f"{module}.{alias.name}"
                found.update(filter(None, [target if target in known else owner(module)]))
    found.discard(name)
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports(name, path, known) for name, path in mods.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def path_within(edges: dict[str, set[str]], component: list[str]) -> list[str]:
    """One import cycle through the component's first module, for the failure message."""
    members, start = set(component), component[0]
    trail, seen = [start], {start}
    while True:
        nxt = sorted(w for w in edges[trail[-1]] if w in members)
        back = [w for w in nxt if w == start]
        if back and len(trail) > 1:
            return [*trail, start]
        step = next((w for w in nxt if w not in seen), None)
        if step is None:
            return trail
        trail.append(step)
        seen.add(step)


def test_the_graph_sees_imports_at_every_level():
    edges = graph()
    assert "model.scenario.root" in edges["model.scenario.overrides"]  # module level
    assert "model.experiment" in edges["model.cli.scenario"]  # inside a function
    assert "model.outcomes" in edges["model.results"]
    assert "model.runspec" in edges["model.results"]


def test_the_cycle_finder_finds_cycles():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert cycles(edges) == [["a", "b", "c"]]
    assert path_within(edges, ["a", "b", "c"]) == ["a", "b", "c", "a"]


def test_no_import_cycles_inside_model():
    edges = graph()
    found = [c for c in cycles(edges) if frozenset(c) not in KNOWN_CYCLES]
    assert not found, "import cycles: " + "; ".join(
        " -> ".join(path_within(edges, c)) for c in found
    )


def test_the_scenario_package_depends_only_on_params_and_the_outcome_registry():
    edges = graph()
    allowed = {"model.params", "model.outcomes", "model.measures"}
    for name, targets in edges.items():
        if name == "model.scenario" or name.startswith("model.scenario."):
            outside = {t for t in targets if not t.startswith("model.scenario")}
            assert outside <= allowed, (name, outside - allowed)


def test_results_does_not_import_experiment():
    assert "model.experiment" not in graph()["model.results"]
