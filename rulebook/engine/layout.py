"""Lay a checked scheme out as a `Plan`: its one dependency graph, slots, order and stages.

Kept apart from `rulebook.engine.plan` (pure data) so that the plan's types need nothing from the
scheme model, and the model can name the compiled program's type without an import cycle.
"""

from __future__ import annotations

from rulebook.engine.plan import Plan, Stage
from rulebook.scheme.aggregates import aggregate_reads
from rulebook.scheme.graph import Read, dependency_graph
from rulebook.scheme.model import Scheme


def lay_out(scheme: Scheme) -> Plan:
    """The scheme's graph (the same rule the builder checked for cycles), a slot for every name
    that is read or computed per unit, and stages split at rankings and aggregates: a name's
    stage is the highest stage of what it reads, plus one if it is itself a ranking or an
    aggregate (computed across all units once what it reads is known)."""
    unit_parameters = [p for p in scheme.parameters if scheme.per_unit_parameter(p)]
    known = {
        *scheme.indicators,
        *scheme.parameters,
        *scheme.values,
        *scheme.nodes,
        *scheme.rankings,
        *scheme.aggregates,
        "total",
    }
    reads: list[Read] = [
        (v.name, (n for n, _ in v.formula.names()), v.location) for v in scheme.values.values()
    ]
    reads += [
        (n.id, (name for name, _ in n.formula.names()), n.location)
        for n in scheme.nodes.values()
        if n.formula is not None
    ]
    reads += aggregate_reads(scheme.aggregates.values())
    graph = dependency_graph(
        reads,
        scheme.nodes,
        scheme.roots,
        [(r, r.location) for r in scheme.rankings.values()],
        known,
        inputs=(*scheme.indicators, *unit_parameters),
    )
    slotted = {
        *scheme.indicators,
        *scheme.values,
        *scheme.nodes,
        *scheme.rankings,
        *scheme.aggregates,
        "total",
        *unit_parameters,
    }
    order = tuple(n for n in graph.order() if n in slotted)
    slots: dict[str, int] = {}
    raw_slots: dict[str, int] = {}
    points: dict[str, tuple[str, ...]] = {}
    size = 0
    for name in order:
        slots[name] = size
        axis = scheme.axis_of(name)
        if axis is not None:
            points[name] = scheme.axis_ids(axis)
        size += scheme.axis_size(axis)
        if name in scheme.nodes or name == "total":
            raw_slots[name] = size
            size += 1
        elif name in scheme.values and scheme.values[name].period_of is not None:
            raw_slots[name] = size  # a per-period node's raw period scores, one per point
            size += scheme.axis_size(axis)
    stage_of: dict[str, int] = {}
    for name in order:
        before = max((stage_of.get(p, 0) for p in graph.predecessors(name)), default=0)
        across = name in scheme.rankings or name in scheme.aggregates
        stage_of[name] = before + (1 if across else 0)
    count = max(stage_of.values(), default=0) + 1
    computed = [n for n in order if n in scheme.values or n in scheme.nodes or n == "total"]
    stages = tuple(
        Stage(
            k,
            tuple(n for n in order if n in scheme.rankings and stage_of[n] == k),
            tuple(n for n in computed if stage_of[n] == k),
            tuple(n for n in order if n in scheme.aggregates and stage_of[n] == k),
        )
        for k in range(count)
    )
    return Plan(
        graph,
        order,
        slots,
        raw_slots,
        points,
        size,
        stage_of,
        stages,
        annual_inputs=tuple(
            (n, slots[n]) for n, i in scheme.indicators.items() if not i.per_period
        ),
        period_inputs=tuple((n, slots[n]) for n, i in scheme.indicators.items() if i.per_period),
        unit_parameters=tuple((n, slots[n]) for n in unit_parameters),
    )
