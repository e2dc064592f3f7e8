"""The domain's shape, read from its source: standard library only, and no import cycle (model
modules <- ports <- services). Every import counts, at the top, under TYPE_CHECKING or inside a
function, because each one is a dependency a reader has to hold in their head."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "domain"


def imports_of(path: Path) -> set[str]:
    """Every module `path` imports, as absolute dotted names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the domain package
                base = "domain" if node.module is None else f"domain.{node.module}"
            else:
                base = node.module or ""
            found.add(base)
            # `from domain import lifecycle` imports the module domain.lifecycle
            if base == "domain":
                found.update(f"domain.{alias.name}" for alias in node.names)
    return found


def domain_graph() -> dict[str, set[str]]:
    modules = {f"domain.{p.stem}": p for p in DOMAIN.glob("*.py") if p.stem != "__init__"}
    return {
        name: {m for m in imports_of(path) if m in modules and m != name}
        for name, path in modules.items()
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the path that closes it, or None."""
    state: dict[str, str] = {}  # visiting | done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "visiting"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "visiting":
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle is not None:
                    return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle is not None:
                return cycle
    return None


def test_the_domain_has_no_import_cycle() -> None:
    cycle = find_cycle(domain_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_one() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_models_and_ports_import_no_service_module() -> None:
    """Ports import models only; a module the ports import is a model and imports models."""
    graph = domain_graph()
    models: set[str] = set()
    todo = list(graph["domain.ports"])
    while todo:
        name = todo.pop()
        if name not in models:
            models.add(name)
            todo.extend(graph[name])
    assert "domain.ports" not in models
    assert all(m.partition(".")[2] != "ports" for m in models)


def test_the_domain_imports_only_the_standard_library_and_itself() -> None:
    allowed = set(sys.stdlib_module_names) | {"domain", "__future__"}
    strays = {
        f"{path.name}: {name}"
        for path in DOMAIN.glob("*.py")
        for name in imports_of(path)
        if name.partition(".")[0] not in allowed
    }
    assert not strays, sorted(strays)
