"""Where a value varies: its axis (none, periods, or the groups of a period-group set), and how a
formula evaluated at one point of an axis reads names and iterates aggregators.

Shared by the compiler, the reference interpreter and the audit, so all three agree on what
`sum(x)` means inside a quarter of months, or what a monthly formula reads from its quarter.
"""

from __future__ import annotations

import ast
from decimal import Decimal

from rulebook.expr.syntax import PERIOD, inner_axis
from rulebook.scheme.model import Scheme

Context = tuple[str, int] | None
"""Where a formula is being evaluated: None (once per unit) or (axis, index along it)."""


def points(scheme: Scheme, axis: str | None) -> list[Context]:
    """Every point along `axis` (a single None for a one-value name)."""
    if axis is None:
        return [None]
    return [(axis, i) for i in range(len(scheme.axis_ids(axis)))]


def offset(scheme: Scheme, name: str, ctx: Context) -> int:
    """Which of `name`'s slots a formula at `ctx` reads: its own point along the same axis, or,
    for a per-group name read inside a period, the group containing that period."""
    axis = scheme.axis_of(name)
    if axis is None or ctx is None:
        return 0
    if ctx[0] == axis:
        return ctx[1]
    if ctx[0] == PERIOD:
        return scheme.group_index(axis, ctx[1])
    raise ValueError(f"{name} ({axis}) read at {ctx}")  # excluded by the type checker


def aggregated(scheme: Scheme, arg: ast.expr, ctx: Context) -> list[Context]:
    """The points an aggregator's argument is evaluated at: the periods of the current group
    when inside a group and the argument varies by period; otherwise every point of its axis."""
    axis = inner_axis(arg, scheme.axis_of)
    if axis == PERIOD and ctx is not None and ctx[0] != PERIOD:
        members = scheme.period_groups[ctx[0]][ctx[1]].members
        return [(PERIOD, p) for p in members]
    return points(scheme, axis)


def weight(scheme: Scheme, ctx: Context) -> Decimal:
    """The share of the current point: a period's share, or a group's (its periods' sum)."""
    assert ctx is not None
    if ctx[0] == PERIOD:
        return scheme.periods[ctx[1]].share
    return scheme.period_groups[ctx[0]][ctx[1]].share
