"""The dependency graph of a scheme: who reads whom, in which order to compute, and cycles.

Nodes are full names (indicators, parameters, values, scored nodes, rankings, `total`); an edge
a -> b means b's formula reads a (or a is a child summed into b). Each edge remembers where it is
written, so a cycle can be reported edge by edge.

`dependency_graph` is the one rule for which edges a scheme has: the builder calls it to find
cycles and type-check in order, and the execution plan (`rulebook.engine.plan`) calls it to lay
out slots and stages, so the two cannot disagree.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Protocol

import attrs
import networkx as nx

from rulebook.engine import semantics
from rulebook.errors import Location

Read = tuple[str, Iterable[str], Location | None]
"""A formula's owner, the names it reads, and where it is written."""


class ScoredNode(semantics.Scored, Protocol):
    """What the graph needs of a tree node (`rulebook.scheme.model.Node`): what the node
    rules read, and its id, children and place in the source."""

    @property
    def id(self) -> str: ...
    @property
    def children(self) -> tuple[str, ...]: ...
    @property
    def location(self) -> Location | None: ...
    @property
    def applies(self) -> tuple[str, ...]: ...


class RankingRule(Protocol):
    """What the graph needs of a ranking (`rulebook.scheme.model.Ranking`)."""

    @property
    def name(self) -> str: ...
    @property
    def basis(self) -> str: ...
    @property
    def demote(self) -> str | None: ...


class DependencyGraph:
    """A networkx DiGraph with the few questions the builder and compiler ask of it."""

    def __init__(self) -> None:
        self.graph = nx.DiGraph()

    def add_node(self, name: str) -> None:
        self.graph.add_node(name)

    def add_edge(self, source: str, target: str, where: Location | None) -> None:
        self.graph.add_edge(source, target, where=where)

    def __contains__(self, name: object) -> bool:
        return name in self.graph

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


@attrs.frozen
class _Tree:
    roots: tuple[str, ...]
    nodes: Mapping[str, ScoredNode]


def dependency_graph(
    reads: Iterable[Read],
    nodes: Mapping[str, ScoredNode],
    roots: Iterable[str],
    rankings: Iterable[tuple[RankingRule, Location | None]],
    known: Collection[str],
    inputs: Iterable[str] = (),
) -> DependencyGraph:
    """The graph of a scheme: every formula's reads (names outside `known` — period names such
    as `weight`, or unknown names the builder reports — make no edge), every group's children,
    every node's `applies:` conditions (its own and its ancestors'), the total's terms
    (`rulebook.engine.semantics.total_terms`) into `total`, and every
    ranking's basis and demotion condition (the condition also reads the basis's axis, so it
    comes after it). `inputs` are added as nodes even when nothing reads them, so they get a
    slot."""
    graph = DependencyGraph()
    graph.add_node("total")
    for name in inputs:
        graph.add_node(name)
    for owner, names, where in reads:
        graph.add_node(owner)
        for name in names:
            if name in known:
                graph.add_edge(name, owner, where)
    for node in nodes.values():
        graph.add_node(node.id)
        for child in node.children:
            graph.add_edge(child, node.id, node.location)
        periods = f"{node.id}.periods"  # a per-period node's period scores obey them too
        for condition in node.applies:  # `applies:` conditions, its own and its ancestors'
            if condition in known:
                graph.add_edge(condition, node.id, node.location)
                if periods in known:
                    graph.add_edge(condition, periods, node.location)
    for root, _ in semantics.total_terms(_Tree(tuple(roots), nodes)):
        graph.add_edge(root, "total", None)
    for ranking, where in rankings:
        graph.add_edge(ranking.basis, ranking.name, where)
        if ranking.demote and ranking.demote in known:
            graph.add_edge(ranking.demote, ranking.name, where)
            graph.add_edge(ranking.basis, ranking.demote, where)
    return graph
