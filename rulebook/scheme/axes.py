"""Where a value varies: its axis (none, periods, or the groups of a period-group set), and how a
formula evaluated at one point of an axis reads names and iterates aggregators.

Shared by the compiler, the reference interpreter and the audit, so all three agree on what
`sum(x)` means inside a quarter of months, or what a monthly formula reads from its quarter.
"""

from __future__ import annotations

import ast
from decimal import Decimal
from typing import Literal

from rulebook.expr.syntax import PERIOD, inner_axis
from rulebook.scheme.model import Scheme

Context = tuple[str, int] | None
"""Where a formula is being evaluated: None (once per unit) or (axis, index along it)."""


def points(scheme: Scheme, axis: str | None) -> list[Context]:
    """Every point along `axis` (a single None for a one-value name)."""
    if axis is None:
        return [None]
    return [(axis, i) for i in range(len(scheme.axis_ids(axis)))]


Reach = Literal["fixed", "same", "group"]
"""How a formula at a point reads a name: its one slot (`fixed`), its own point along the same
axis (`same`), or — a per-group name read inside a period — the group holding that period."""


def reach(scheme: Scheme, name: str, axis: str | None) -> Reach:
    """How a formula evaluated along `axis` (None: once per unit) reads `name`."""
    own = scheme.axis_of(name)
    if own is None or axis is None:
        return "fixed"
    if axis == own:
        return "same"
    if axis == PERIOD:
        return "group"
    raise ValueError(f"{name} ({own}) read along {axis}")  # excluded by the type checker


def offset(scheme: Scheme, name: str, ctx: Context) -> int:
    """Which of `name`'s slots a formula at `ctx` reads: its own point along the same axis, or,
    for a per-group name read inside a period, the group containing that period."""
    how = reach(scheme, name, ctx[0] if ctx is not None else None)
    if how == "fixed" or ctx is None:
        return 0
    if how == "same":
        return ctx[1]
    return scheme.group_index(str(scheme.axis_of(name)), ctx[1])


def span(scheme: Scheme, arg: ast.expr, axis: str | None) -> tuple[str | None, bool]:
    """What an aggregator evaluated along `axis` iterates: (the axis of its argument, whether
    only the periods of the current group — when inside a group and the argument varies by
    period — rather than every point of that axis)."""
    inner = inner_axis(arg, scheme.axis_of)
    return inner, inner == PERIOD and axis is not None and axis != PERIOD


def aggregated(scheme: Scheme, arg: ast.expr, ctx: Context) -> list[Context]:
    """The points an aggregator's argument is evaluated at: the periods of the current group
    when inside a group and the argument varies by period; otherwise every point of its axis."""
    inner, members_only = span(scheme, arg, ctx[0] if ctx is not None else None)
    if members_only:
        assert ctx is not None
        return [(PERIOD, p) for p in scheme.period_groups[ctx[0]][ctx[1]].members]
    return points(scheme, inner)


def weight(scheme: Scheme, ctx: Context) -> Decimal:
    """The share of the current point: a period's share, or a group's (its periods' sum)."""
    assert ctx is not None
    if ctx[0] == PERIOD:
        return scheme.periods[ctx[1]].share
    return scheme.period_groups[ctx[0]][ctx[1]].share
