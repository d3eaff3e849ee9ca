"""The package's modules import each other without cycles — counting imports made only for
type checking and imports inside functions, since those are cycles in the design all the same
(`audit.trail` ↔ `audit.result` was one)."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "rulebook"


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _target(name: str) -> str:
    """`rulebook.x.y` as a module when it is one, else the module that defines `y`."""
    as_path = ROOT / Path(*name.split("."))
    if as_path.with_suffix(".py").exists() or (as_path / "__init__.py").exists():
        return name
    return name.rsplit(".", 1)[0]


def import_graph() -> nx.DiGraph:
    graph = nx.DiGraph()
    for path in PACKAGE.rglob("*.py"):
        source = _module(path)
        graph.add_node(source)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.split(".")[0] == "rulebook"
            ):
                for alias in node.names:
                    graph.add_edge(source, _target(f"{node.module}.{alias.name}"))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "rulebook":
                        graph.add_edge(source, _target(alias.name))
    return graph


def test_the_graph_sees_a_known_import() -> None:
    """A sanity check of the scan itself: the evaluator imports the execution plan."""
    assert import_graph().has_edge("rulebook.engine.evaluate", "rulebook.engine.plan")


def test_no_module_imports_itself_through_others() -> None:
    knots = [sorted(c) for c in nx.strongly_connected_components(import_graph()) if len(c) > 1]
    assert knots == []
