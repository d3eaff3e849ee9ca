"""Lookup tables (an enum's value -> a number) and band tables (a number -> a number).

A scheme declares them under `tables:` and formulas call them by name, `av_weight(AV)` or
`respiration_score(resp)`. This module holds the tables themselves: frozen, and callable — the
engines bind a table as the function of its name. `rulebook.scheme.table_checks` reads and checks
them at load. A value that no band holds at run time raises `TableMiss`, an evaluation error naming
the table and the value (the load-time checks exclude every other miss).
"""

from __future__ import annotations

import ast
import bisect
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, Literal

import attrs

from rulebook.arith import canonical
from rulebook.errors import Location

LOWER = {"from": True, "above": False}
"""A row's lower edge: `from` (x ≥ edge) or `above` (x > edge); the value says inclusive."""
UPPER = {"to": True, "below": False}
"""A row's upper edge: `to` (x ≤ edge) or `below` (x < edge)."""


class TableMiss(ArithmeticError):
    """A table was called with a value it has no row for: outside every band of a band table
    with no `otherwise` (the only miss the load-time checks cannot exclude)."""

    def __init__(self, table: Table, value: Any) -> None:
        self.table, self.value = table, value
        shown = canonical(value) if isinstance(value, Decimal) else repr(value)
        if table.kind == "lookup":
            message = f"table `{table.name}` has no row for {shown} (it maps {table.covers()})"
        else:
            message = (
                f"{shown} is outside every band of table `{table.name}` "
                f"(it covers {table.covers()})"
            )
        super().__init__(message)
        self.hint = (
            f"add a band for {shown} to `tables.{table.name}`, or declare "
            "`otherwise: <value>` for values outside the bands"
        )


@attrs.frozen
class Edge:
    """One end of a band: the number and whether the band includes it."""

    at: Decimal
    inclusive: bool


@attrs.frozen
class Band:
    """One row of a band table: `low` < (or ≤) x < (or ≤) `high` gives `value`; an absent edge
    is open (only the first row's lower and the last row's upper edge may be)."""

    low: Edge | None
    high: Edge | None
    value: Decimal

    def holds(self, x: Decimal) -> bool:
        """Whether `x` lies in this band."""
        low, high = self.low, self.high
        if low is not None and (x < low.at or (x == low.at and not low.inclusive)):
            return False
        return high is None or x < high.at or (x == high.at and high.inclusive)

    def text(self, x: str = "x") -> str:
        """The band as a reader writes it: `x ≤ 8`, `11 < x ≤ 20`, `x > 24`."""
        parts = []
        if self.low is not None:
            parts.append(f"{canonical(self.low.at)} {'≤' if self.low.inclusive else '<'}")
        parts.append(x)
        if self.high is not None:
            parts.append(f"{'≤' if self.high.inclusive else '<'} {canonical(self.high.at)}")
        if self.low is None and self.high is None:
            return f"any {x}"
        if self.low is not None and self.high is None:  # `x ≥ 24` reads better than `24 ≤ x`
            return f"{x} {'≥' if self.low.inclusive else '>'} {canonical(self.low.at)}"
        return " ".join(parts)


@attrs.frozen
class Table:
    """A declared table. `kind` is `lookup` (`mapping` from enum value to number) or `band`
    (`bands` in increasing order, and `otherwise` for a value outside them, if declared).
    Calling it gives the number for one value (or raises `TableMiss`)."""

    name: str
    kind: Literal["lookup", "band"]
    label: str = ""
    note: str = ""
    mapping: dict[str, Decimal] = attrs.field(factory=dict, hash=False)  # hashed by the rest
    bands: tuple[Band, ...] = ()
    otherwise: Decimal | None = None
    location: Location | None = None
    _uppers: tuple[tuple[Decimal, ...], tuple[bool, ...]] = attrs.field(
        init=False, eq=False, repr=False, hash=False
    )
    """The bands' upper edges and whether each is included, for bisection."""

    def __attrs_post_init__(self) -> None:
        highs = [b.high for b in self.bands if b.high is not None]
        uppers = (tuple(h.at for h in highs), tuple(h.inclusive for h in highs))
        object.__setattr__(self, "_uppers", uppers)

    def __call__(self, x: Any) -> Decimal:
        if self.kind == "lookup":
            found = self.mapping.get(x)
            if found is None:  # excluded at load and by the data check; kept honest anyway
                raise TableMiss(self, x)
            return found
        i = self._index(x)
        if i is not None:
            return self.bands[i].value
        if self.otherwise is None:
            raise TableMiss(self, x)
        return self.otherwise

    def band_of(self, x: Decimal) -> Band | None:
        """The band holding `x`, found by bisection over the upper edges (the rows are
        contiguous and increasing), so a long table costs a few comparisons per call."""
        i = self._index(x)
        return None if i is None else self.bands[i]

    def _index(self, x: Decimal) -> int | None:
        """The index of the band holding `x`: the first upper edge at or past it (a shared edge
        belongs to the row that includes it); only the first row's lower edge needs checking,
        the rows being contiguous."""
        uppers, closed = self._uppers
        i = bisect.bisect_left(uppers, x)
        if i < len(uppers) and uppers[i] == x and not closed[i]:
            i += 1
        if i >= len(self.bands):
            return None
        low = self.bands[0].low
        if i == 0 and low is not None and (x < low.at or (x == low.at and not low.inclusive)):
            return None
        return i

    def match(self, x: Any) -> tuple[str, Decimal] | None:
        """The row `x` falls in (as text: the band, the enum value, or `otherwise`) and its
        value; None when no row holds it. The audit shows it."""
        if self.kind == "lookup":
            found = self.mapping.get(x)
            return None if found is None else (str(x), found)
        band = self.band_of(x)
        if band is not None:
            return band.text(), band.value
        return None if self.otherwise is None else ("otherwise", self.otherwise)

    def rows(self) -> tuple[str, ...]:
        """Every row as `match` names it: the enum values, the bands, then `otherwise`."""
        if self.kind == "lookup":
            return tuple(self.mapping)
        bands = tuple(b.text() for b in self.bands)
        return bands if self.otherwise is None else (*bands, "otherwise")

    def covers(self) -> str:
        """What the bands cover, for messages: `x ≤ 8 … x > 24`."""
        if self.kind == "lookup":
            return ", ".join(self.mapping)
        first, last = self.bands[0], self.bands[-1]
        low = "" if first.low is None else f"{canonical(first.low.at)} {_le(first.low)} "
        high = "" if last.high is None else f" {_le(last.high)} {canonical(last.high.at)}"
        return f"{low}x{high}"

    def values(self) -> tuple[Decimal, ...]:
        """Every number the table can give."""
        found = list(self.mapping.values()) + [b.value for b in self.bands]
        if self.otherwise is not None:
            found.append(self.otherwise)
        return tuple(found)


def _le(edge: Edge) -> str:
    return "≤" if edge.inclusive else "<"


def tables_called(tree: ast.expr, tables: dict[str, Table]) -> Iterator[tuple[str, ast.Call]]:
    """The calls of a table in `tree`, each with the table's name."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in tables
        ):
            yield node.func.id, node
