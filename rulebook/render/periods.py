"""What renderings show of per-period nodes (`per:` in the tree): for each such node, its
points (periods, or the groups of a period-group set) with their labels, its standard per
period, and a unit's score at each point — read from the result, never recomputed."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

from rulebook.audit.result import UnitResult
from rulebook.engine import semantics
from rulebook.scheme.model import Scheme


@attrs.frozen
class Point:
    """One period (or period group) of a per-period node, as a row or column shows it."""

    id: str
    label: str
    standard: Decimal | None


def has_periods(scheme: Scheme, node_id: str) -> bool:
    """True when `node_id` is a per-period node (it has period scores to show)."""
    node = scheme.nodes.get(node_id)
    return node is not None and node.per is not None


def points(scheme: Scheme, node_id: str) -> tuple[Point, ...]:
    """The points of a per-period node, in order; () for a node scored once."""
    node = scheme.nodes.get(node_id)
    if node is None or node.per is None:
        return ()
    if node.per == "period":
        labelled = [(p.id, p.label) for p in scheme.periods]
    else:
        labelled = [(g.id, g.label) for g in scheme.period_groups[node.per]]
    return tuple(Point(i, label or i, node.period_standard) for i, label in labelled)


def scores(unit: UnitResult, node_id: str) -> list[Decimal]:
    """The unit's score at each point of a per-period node, in the order of `points`."""
    by_point = unit.value(f"{node_id}.periods")
    return [by_point[p.id] for p in points(unit.scheme, node_id)]


def any_per_period(scheme: Scheme) -> bool:
    """True when some node of the tree is scored per period."""
    return any(n.per is not None for n in scheme.nodes.values())


def clipped(scheme: Scheme, node_id: str, raw: Mapping[str, Any]) -> dict[str, Decimal]:
    """Points the node's period floor and cap removed (or added back) in each period, by the
    one rule (`semantics.settle` with `semantics.period_part`)."""
    part = semantics.period_part(scheme.nodes[node_id])
    out = {}
    for point, before in raw.items():
        if before is semantics.NA:  # nothing was computed, so nothing clipped
            out[point] = Decimal(0)
            continue
        settled = semantics.settle(part, before, scheme.rounding)
        out[point] = sum((c.clipped for c in settled.clips), Decimal(0))
    return out
