"""Cross-unit aggregates over exact values: the one rule for sum, mean, min, max and count,
over all units or per group of units (`rulebook.scheme.aggregates` reads them).

Every unit gets its own group's value, so per-unit formulas read an aggregate like any name.
Groups are the distinct values of the `by` indicator among the units scored, so no group is
empty and a mean always has units to divide by. Sums run in rulebook's decimal context
(`rulebook.arith.CONTEXT`), in unit order, so results are the same run after run; a mean is the
sum divided by the number of units. A vetoed unit counts like any other: a veto does not change
its points.

Not applicable (`rulebook.engine.semantics.NA`): a unit whose value does not apply is left out —
`sum`, `mean`, `min` and `max` run over the units where the value applies, and `count` counts the
units where the condition holds (an n/a condition does not hold). A group where no unit applies
has `sum` 0 and `count` 0, but no `mean`, `min` or `max`: those are n/a, and what reads them is
n/a by the propagation rule (`semantics.reads_na`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from decimal import Decimal, localcontext
from typing import Any, Protocol

from rulebook.arith import CONTEXT
from rulebook.engine.plan import Plan
from rulebook.engine.semantics import NA, NotApplicable
from rulebook.scheme.model import AggregateFunction, Scheme

ZERO = Decimal(0)


class Columns(Protocol):
    """Every unit's slot values, read and written a whole slot (column) at a time: the plain
    slot lists (`rulebook.engine.evaluate.SlotLists`) or the packed ones
    (`rulebook.engine.packed.PackedRows`)."""

    def __len__(self) -> int: ...
    def column(self, slot: int) -> Sequence[Any]: ...
    def set_column(self, slot: int, values: Sequence[Any]) -> None: ...


def aggregate(
    function: AggregateFunction, values: Sequence[Any], keys: Sequence[Hashable] | None = None
) -> list[Decimal | NotApplicable]:
    """`function` of `values` within each group of equal `keys` (all values as one group when
    `keys` is None), returned per unit: each unit's group's value. For `count`, `values` are
    yes/no and the result counts the units where it holds."""
    if keys is None:
        keys = [None] * len(values)
    members: dict[Hashable, list[Any]] = {}
    for key, value in zip(keys, values, strict=True):
        members.setdefault(key, []).append(value)
    with localcontext(CONTEXT):
        result = {key: _reduce(function, group) for key, group in members.items()}
    return [result[key] for key in keys]


def _reduce(function: AggregateFunction, values: list[Any]) -> Decimal | NotApplicable:
    """One group's value over its units where the value applies (the module's n/a rule)."""
    if function == "count":
        return Decimal(sum(1 for v in values if v is True))
    values = applicable(values)
    if not values:
        return ZERO if function == "sum" else NA
    if function == "min":
        return min(values)  # type: ignore[no-any-return]
    if function == "max":
        return max(values)  # type: ignore[no-any-return]
    total = ZERO
    for v in values:
        total += v
    return total if function == "sum" else total / len(values)


def applicable(values: Sequence[Any]) -> list[Any]:
    """The values an aggregate runs over: those that apply (not n/a)."""
    return [v for v in values if v is not NA]


def group_sizes(keys: Sequence[Hashable]) -> dict[Hashable, int]:
    """How many units each group has (for the audit: "over 12 units of 庄桥街道")."""
    sizes: dict[Hashable, int] = {}
    for key in keys:
        sizes[key] = sizes.get(key, 0) + 1
    return sizes


def compute(
    scheme: Scheme, plan: Plan, name: str, count: int, read: Callable[[int, int], Any]
) -> list[list[Decimal | NotApplicable]]:
    """Aggregate `name` across `count` units, where `read(slot, row)` is unit `row`'s value at a
    slot: for each point of its axis (one, or one per period or period group), every unit's
    group's value, in unit order."""
    agg = scheme.aggregates[name]
    source = plan.slots[agg.of]
    rows = range(count)
    keys = [read(plan.slots[agg.by], row) for row in rows] if agg.by else None
    return [
        aggregate(agg.function, [read(source + offset, row) for row in rows], keys)
        for offset in range(scheme.axis_size(scheme.axis_of(name)))
    ]


def apply(scheme: Scheme, plan: Plan, name: str, columns: Columns) -> None:
    """Compute aggregate `name` over every unit's values and write each unit's group's value
    into its slot(s)."""
    target = plan.slots[name]
    read: dict[int, Sequence[Any]] = {}

    def value(slot: int, row: int) -> Any:
        column = read.get(slot)
        if column is None:
            column = read[slot] = columns.column(slot)
        return column[row]

    for offset, column in enumerate(compute(scheme, plan, name, len(columns), value)):
        columns.set_column(target + offset, column)
