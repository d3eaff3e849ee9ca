"""What would restore each lost item: for every item below its standard, the single change
to one indicator it reads (directly or through named values) that brings it back to the
standard, the smallest such change, verified by re-scoring — or None when no one indicator
can (several must move, or the loss comes from another unit's rank).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import attrs

from rulebook.analysis.goal import Goal
from rulebook.analysis.search import Budget, Change, Search, compares_units
from rulebook.analysis.whatif import Point
from rulebook.arith import canonical
from rulebook.audit.result import Result, UnitResult
from rulebook.audit.trail import Auditor
from rulebook.data.dataset import DataSet
from rulebook.errors import DataError, Problem

ITEM_BUDGET = 200
"""Re-scorings spent on one lost item at most."""
TOTAL_BUDGET = 1000
"""Re-scorings spent on all of a unit's lost items together at most."""
UNIT_SCORINGS = 20_000
"""And at most this many units scored in all: an item that reads a ranking is re-scored with
the whole data set, so on a large data set fewer of those are searched (the rest say so);
any other item is re-scored with its unit alone."""


@attrs.frozen
class Restore:
    """A lost item and the single-indicator change that restores it (None if there is none
    within the declared domains, or the budget ran out first: `exhausted`)."""

    node: str
    label: str
    lost: Decimal
    change: Change | None
    exhausted: bool = False

    def render(self) -> str:
        if self.change is not None:
            return f"restored by {self.change.render()}"
        if self.exhausted:
            return "not found within the search budget"
        return "no single indicator restores it"

    def to_dict(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "label": self.label,
            "lost": canonical(self.lost),
            "change": self.change.to_dict() if self.change is not None else None,
            "budget_exhausted": self.exhausted,
        }


def restore(
    result: Result,
    unit: str,
    *,
    budget: int = ITEM_BUDGET,
    total_budget: int = TOTAL_BUDGET,
    keep: Iterable[str] = (),
) -> list[Restore]:
    """For each item `unit` lost points on (as `Result.points_lost` lists them, biggest
    first), the least single-indicator change (not to the indicators in `keep`) that restores
    it to its standard; at most `budget` re-scorings per item and `total_budget` in all (fewer
    on a large data set with rankings: `UNIT_SCORINGS`)."""
    if not isinstance(result.data, DataSet):
        raise DataError(
            [
                Problem(
                    "this result carries no data set to re-score",
                    hint="score it with rulebook.evaluate(scheme, data)",
                )
            ]
        )
    auditor = Auditor(result)
    target = result.unit(unit)
    out = []
    graph = result.scheme.program.plan.graph
    left, units_left = total_budget, UNIT_SCORINGS
    for lost in result.points_lost(unit):
        goal = Goal("score", lost.node, lost.standard)
        change: Change | None = None
        size = len(result.data.units) if compares_units(result.scheme, goal, graph) else 1
        allowed = min(budget, left, units_left // size)
        if allowed <= 1:
            out.append(Restore(lost.node, lost.label, lost.lost, None, True))
            continue
        search = Search(result.scheme, result.data, unit, goal, budget=allowed, graph=graph)
        try:
            points = [p for p in _points(result, auditor, target, lost.node) if p[0] not in keep]
            inputs = search.inputs(points)
            # `least` returns only values it scored and saw restore the item (re-scoring the
            # unit alone is exact unless the item reads a ranking: then the whole data set)
            for inp in inputs:
                value = search.least(inp, {})
                if value is None:
                    continue
                found = search.change(inp, value)
                if change is None or found.size < change.size:
                    change = found
        except Budget:
            pass
        left -= search.used
        units_left -= search.used * size
        out.append(
            Restore(lost.node, lost.label, lost.lost, change, change is None and search.exhausted)
        )
    return out


def _points(result: Result, auditor: Auditor, unit: UnitResult, node: str) -> list[Point]:
    """The indicator inputs a node reads, through named values, in reading order."""
    scheme = result.scheme
    seen: set[str] = set()
    out: list[Point] = []

    def walk(name: str) -> None:
        for i in auditor.explain(unit, name).inputs:
            if i.name in seen:
                continue
            seen.add(i.name)
            if i.kind == "indicator" and not scheme.indicators[i.name].record_only:
                ind = scheme.indicators[i.name]
                out.extend(
                    [(i.name, p.id) for p in scheme.periods] if ind.per_period else [(i.name, None)]
                )
            elif i.kind == "value":
                walk(i.name)

    walk(node)
    return out
