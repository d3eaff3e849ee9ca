"""The dependency graph: order, cycles with the place of every edge, and evaluation stages."""

from __future__ import annotations

from rulebook.errors import Location
from rulebook.scheme.graph import DependencyGraph

from helpers import scheme


def test_order_puts_every_name_after_what_it_reads() -> None:
    g = DependencyGraph()
    for a, b in [("x", "total"), ("b", "x"), ("a", "b"), ("a", "x")]:
        g.add_edge(a, b, None)
    order = g.order()
    assert order == ["a", "b", "x", "total"]
    assert g.cycles() == []


def test_cycles_name_each_node_and_edge_location() -> None:
    g = DependencyGraph()
    g.add_edge("a", "b", Location("f.yaml", 1))
    g.add_edge("b", "c", Location("f.yaml", 2))
    g.add_edge("c", "a", Location("f.yaml", 3))
    g.add_edge("c", "d", Location("f.yaml", 4))
    (cycle,) = g.cycles()
    assert [name for name, _ in cycle] == ["a", "b", "c"]
    assert [loc.line for _, loc in cycle if loc] == [3, 1, 2]


def test_ranking_splits_evaluation_into_stages() -> None:
    s = scheme("""
    scheme: {id: s, title: s}
    indicators: {n: {type: count}}
    rankings: {place: {basis: g.a}}
    tree:
      - id: g
        children:
          - {id: a, expr: "n"}
          - {id: b, expr: "by_rank(place, 3)"}
    """)
    program = s.program
    assert len(program.stages) == 2
    assert [r.name for r in program.rankings_before[1]] == ["place"]
    stage_of = {name: i for i, owners in enumerate(program.line_owner)
                for name in owners.values()}
    assert stage_of["g.a"] == 0 and stage_of["g.b"] == 1 and stage_of["total"] == 1
