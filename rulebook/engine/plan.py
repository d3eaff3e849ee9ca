"""The execution plan as data: the dependency graph, the slot layout, the computation order, the
stage of every name, what each stage computes and which rankings run before it.

A scheme is scored unit by unit over a flat slot list (one slot per name, one per period or group
for a name that varies, and one for the raw value of every scored node); the plan says where each
name lives. The compiled engine generates code from the plan, the reference engine interprets the
same stages, evaluation fills inputs and applies rankings by it, and results read values by name
through it — none of them works the layout out again. `rulebook.engine.layout` builds a Plan from
a Scheme; `rulebook.engine.codegen` compiles it into a Program.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from rulebook.errors import did_you_mean
from rulebook.scheme.graph import DependencyGraph

StageFn = Callable[[list[Any]], None]
"""A stage's computations for one unit, reading and writing its slot list."""


@attrs.frozen
class Stage:
    """One stage: the rankings and aggregates applied (across all units) before it, then the
    names it computes for each unit, in order. Stage 0 needs neither; stage k reads the k-th
    round of them. A stage's rankings and aggregates never read one another."""

    index: int
    rankings: tuple[str, ...]
    computes: tuple[str, ...]
    aggregates: tuple[str, ...] = ()


@attrs.frozen
class Plan:
    """Where every name lives and when it is computed, for one scheme."""

    graph: DependencyGraph = attrs.field(repr=False, eq=False)
    order: tuple[str, ...]
    """Every name with a slot (inputs, values, nodes, rankings, aggregates, `total`), in
    computation order."""
    slots: Mapping[str, int]
    """First slot of each name; a name that varies has one slot per point of its axis."""
    raw_slots: Mapping[str, int]
    """Slot of each scored node's (and the total's) raw value, before floor, cap and rounding;
    for the period scores of a per-period node (`<id>.periods`), the first of one raw slot per
    point."""
    points: Mapping[str, tuple[str, ...]]
    """The period or group ids a name varies over (absent for a one-value name)."""
    size: int
    stage_of: Mapping[str, int]
    stages: tuple[Stage, ...]
    annual_inputs: tuple[tuple[str, int], ...]
    """One-value indicators and their slots."""
    period_inputs: tuple[tuple[str, int], ...]
    """Per-period indicators and their first slots (one slot per period, in period order)."""
    unit_parameters: tuple[tuple[str, int], ...]
    """Parameters with unit-specific values, and their slots."""

    def slot(self, name: str, point: str | None = None, *, raw: bool = False) -> int:
        """The slot of `name` (at period or group `point` for a name that varies; its raw value
        with `raw=True`). KeyError, naming what exists, for a name or point without one."""
        table = self.raw_slots if raw else self.slots
        if name not in table:
            what = "scored node" if raw else "name"
            raise KeyError(_missing(f"no {what} `{name}`", name, table))
        ids = self.points.get(name, ())
        if point is None:
            return table[name]
        if not ids:
            raise KeyError(
                f"`{name}` has one value, not one per period or group (asked for `{point}`)"
            )
        if point not in ids:
            raise KeyError(f"`{name}` has no period or group `{point}` (it has {', '.join(ids)})")
        return table[name] + ids.index(point)

    def read(
        self, vector: Sequence[Any], name: str, point: str | None = None, *, raw: bool = False
    ) -> Any:
        """`name`'s value in one unit's slot list: a single value, or — for a name that varies
        and no `point` — a mapping of its periods (or groups) to values."""
        slot = self.slot(name, point, raw=raw)
        ids = () if point is not None else self.points.get(name, ())
        if ids:
            return {p: vector[slot + i] for i, p in enumerate(ids)}
        return vector[slot]


def _missing(message: str, name: str, table: Mapping[str, int]) -> str:
    hint = did_you_mean(name, list(table))
    return f"{message}; {hint}" if hint else message


@attrs.frozen
class Program:
    """A compiled scheme: its plan and one generated function per stage (with the generated
    source and, per stage, which scheme name each generated line computes)."""

    plan: Plan
    stages: tuple[StageFn, ...] = attrs.field(repr=False)
    line_owner: tuple[Mapping[int, str], ...] = attrs.field(repr=False)
    source: tuple[str, ...] = attrs.field(repr=False)

    @property
    def size(self) -> int:
        """Length of one unit's slot list."""
        return self.plan.size

    def owner_at(self, stage: int, line: int) -> str | None:
        return self.line_owner[stage].get(line)
