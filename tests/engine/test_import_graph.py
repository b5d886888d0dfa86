"""The wiring has no circle: no module of ``engine/`` imports, directly or through others, a module
that imports it back (sinks and commands know the service only through ``engine.sinks.Controls``).

Read from the source with ``ast``, so an import under ``TYPE_CHECKING`` or inside a function
counts too: it is a dependency all the same."""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "engine"


def modules() -> dict[str, Path]:
    found = {}
    for path in ENGINE.rglob("*.py"):
        parts = path.relative_to(ENGINE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(path: Path, known: dict[str, Path]) -> set[str]:
    """The engine modules ``path`` names in its imports (``from engine import format`` → engine.format)."""

    def owner(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    out: set[str | None] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(owner(a.name) for a in node.names if a.name.split(".")[0] == "engine")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "engine":
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                out.add(full if full in known else owner(node.module))
    out.discard(None)
    return out  # type: ignore[return-value]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_engine_module_imports_itself_back_through_others():
    known = modules()
    graph = {name: imports(path, known) - {name} for name, path in known.items()}
    assert "engine.service" in graph and graph["engine.service"]  # the walk saw real imports
    assert cycles(graph) == []


def test_nothing_below_the_service_imports_it():
    known = modules()
    importers = sorted(name for name, path in known.items() if "engine.service" in imports(path, known))
    assert importers == ["engine.headless"]  # the headless command runs a service; nothing it feeds does


def test_the_cycle_finder_finds_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
