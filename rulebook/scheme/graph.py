"""The dependency graph of a scheme: who reads whom, in which order to compute, and cycles.

Nodes are full names (indicators, parameters, values, scored nodes, rankings); an edge a -> b means
b's formula reads a (or a is a child summed into b). Each edge remembers where it is written, so a
cycle can be reported edge by edge.
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

from rulebook.errors import Location


class DependencyGraph:
    """A networkx DiGraph with the few questions the builder and compiler ask of it."""

    def __init__(self) -> None:
        self.graph = nx.DiGraph()

    def add_node(self, name: str) -> None:
        self.graph.add_node(name)

    def add_edge(self, source: str, target: str, where: Location | None) -> None:
        self.graph.add_edge(source, target, where=where)

    def has_dependents(self, name: str) -> bool:
        return name in self.graph and self.graph.out_degree(name) > 0

    def cycles(self) -> list[list[tuple[str, Location | None]]]:
        """One cycle per strongly connected knot, as (name, where the edge into it is written),
        starting from its smallest name so the report is deterministic."""
        found = []
        for component in sorted(nx.strongly_connected_components(self.graph), key=min):
            start = min(component)
            if len(component) == 1 and not self.graph.has_edge(start, start):
                continue
            sub = self.graph.subgraph(component)
            edges = nx.find_cycle(sub, source=start)
            found.append([(b, self.graph.edges[a, b]["where"]) for a, b in edges])
        return [[*c[-1:], *c[:-1]] for c in found]

    def order(self) -> list[str]:
        """All names in a deterministic topological order (ties broken by name)."""
        return list(nx.lexicographical_topological_sort(self.graph))

    def predecessors(self, name: str) -> Iterable[str]:
        return self.graph.predecessors(name) if name in self.graph else ()
