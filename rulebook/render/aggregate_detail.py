"""`rulebook explain --node <aggregate>`: an aggregate explained for one unit like a group
value — its value for the unit's group, what it aggregates over how many units, and (for `max`
and `min`) which units hold the value; read from the result, nothing is recomputed."""

from __future__ import annotations

from typing import Any

from rulebook.audit.result import Result
from rulebook.engine import semantics
from rulebook.render.safe import terminal_lines
from rulebook.render.worksheet import provenance, show

MAX_NAMED = 20
"""Units named on the `held by` line at most; more are counted."""


def aggregate_detail(result: Result, unit: str, name: str) -> str:
    """The detail block of aggregate `name` as unit `unit` reads it (its group's value)."""
    scheme = result.scheme
    agg = scheme.aggregates[name]
    target = result.unit(unit)
    group = None if agg.by is None else target.value(agg.by)
    members = [u for u in result.units if agg.by is None or u.value(agg.by) == group]
    value = target.value(name)
    over = "all units" if agg.by is None else f"{agg.by} = {group}"
    condition = scheme.values.get(agg.of) if agg.function == "count" else None
    what = (
        f"count of units where {' '.join(condition.formula.text.split())}"
        if condition is not None
        else f"{agg.function} of {agg.of}"
    )
    lines = [
        f"{name}  {agg.label}  [aggregate]",
        f"  value     {_text(value)}",
        f"  aggregate {name} = {what} over {len(members)} units ({over})",
    ]
    if agg.function in ("max", "min") and scheme.axis_of(name) is None:
        holders = [u.unit for u in members if _same(u.value(agg.of), value)]
        more = len(holders) - MAX_NAMED
        shown = ", ".join(holders[:MAX_NAMED]) + (f", … and {more} more" if more > 0 else "")
        if holders:
            lines.append(f"  held by   {shown}")
    lines += provenance(agg.location, agg.reference, agg.note)
    return terminal_lines("\n".join(lines) + "\n")


def _same(a: Any, b: Any) -> bool:
    return a is not semantics.NA and b is not semantics.NA and a == b


def _text(value: Any) -> str:
    return "n/a" if value is semantics.NA else show(value)
