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
    plan = s.program.plan
    assert [stage.rankings for stage in plan.stages] == [(), ("place",)]
    assert plan.stages[0].computes == ("g.a", "vetoed")  # `vetoed` (no vetoes: False)
    assert plan.stages[1].computes == ("g.b", "g", "total")
    assert plan.stage_of["g.a"] == 0 and plan.stage_of["g.b"] == 1


DEMOTED = """
scheme: {id: d, title: demoted}
periods: {Q1: {weight: 1}, Q2: {weight: 1}}
indicators:
  done: {type: count, per_period: true}
  complaint: {type: bool, per_period: true}
values:
  points: {per_period: true, expr: "done * 2"}
rankings:
  place: {basis: points, demote_if: "complaint"}
tree:
  - id: g
    children:
      - {id: award, expr: "sum(by_rank(place, 3, 1))"}
"""


def test_builder_and_plan_use_one_graph() -> None:
    """The builder's cycle check and the execution plan get their graph from one function: a
    ranking's demotion condition reads its basis's axis, so the plan too orders it after the
    basis (the edge the compiler's own copy used to lack)."""
    plan = scheme(DEMOTED).program.plan
    edges = set(plan.graph.graph.edges)
    assert {
        ("points", "place"),
        ("place.demote_if", "place"),
        ("points", "place.demote_if"),
        ("complaint", "place.demote_if"),
        ("place", "g.award"),
        ("g.award", "g"),
        ("g", "total"),
    } <= edges
    order = plan.order
    assert order.index("points") < order.index("place.demote_if") < order.index("place")


def test_plan_lays_out_one_slot_per_point_and_a_raw_slot_per_node() -> None:
    """`points` varies over Q1, Q2 (two slots); every scored node and the total has a raw slot
    besides its score; slots do not overlap and fill the unit's list exactly."""
    plan = scheme(DEMOTED).program.plan
    assert plan.points["points"] == ("Q1", "Q2")
    assert plan.slot("points", "Q2") == plan.slots["points"] + 1
    used = []
    for name in plan.order:
        used += range(plan.slots[name], plan.slots[name] + max(len(plan.points.get(name, ())), 1))
        if name in plan.raw_slots:
            used.append(plan.raw_slots[name])
    assert sorted(used) == list(range(plan.size))
    assert set(plan.raw_slots) == {"g", "g.award", "total"}
