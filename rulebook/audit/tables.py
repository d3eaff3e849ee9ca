"""Scheme tables in the audit and in static bounds: which row a unit's call matched, and the
range a call can give.

An audit re-runs the formula of a node that calls a table with the reference interpreter,
noting each call as it is actually made (an untaken branch makes none), with the argument's
value, the row it fell in and the number the row gave. Bounds take, over the rows an argument's
interval can reach, the least and greatest value (and `otherwise` when the interval reaches past
the bands).
"""

from __future__ import annotations

import ast
import copy
from decimal import Decimal, localcontext
from typing import Any

import attrs

from rulebook.arith import CONTEXT
from rulebook.engine.interpret import Interpreter
from rulebook.scheme import axes
from rulebook.scheme.model import Scheme
from rulebook.scheme.tables import Band, Edge, Table, tables_called


@attrs.frozen
class TableRead:
    """One table call a formula made for a unit: the table (and its label), the argument as
    written and its value, the period it was made in (if any), the row and the row's value."""

    table: str
    label: str
    argument: str
    value: Decimal | str
    period: str | None
    row: str
    result: Decimal

    def text(self) -> str:
        """`respiration_score(resp) 14 → 11 < x ≤ 20 → 0` (the trail's one-line form)."""
        when = f"{self.period}: " if self.period else ""
        if isinstance(self.value, str):  # a lookup: the value is its row
            return f"{when}{self.table}({self.argument}) {self.value} → {_plain(self.result)}"
        shown = _plain(self.value)
        return f"{when}{self.table}({self.argument}) {shown} → {self.row} → {_plain(self.result)}"


def _plain(value: Decimal) -> str:
    from rulebook.arith import canonical

    return canonical(value)


class _Number:
    """Stands for a Decimal constant, so `ast.unparse` writes `3`, not `Decimal('3')`."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _shown(tree: ast.expr) -> str:
    """An argument as text, its Decimal constants written as the numbers they are."""
    shown = copy.deepcopy(tree)
    for node in ast.walk(shown):
        if isinstance(node, ast.Constant) and isinstance(node.value, Decimal):
            node.value = _Number(_plain(node.value))
    return " ".join(ast.unparse(shown).split())


def calls_tables(scheme: Scheme, tree: ast.expr) -> bool:
    """Whether `tree` calls any of the scheme's tables."""
    return bool(scheme.tables) and next(tables_called(tree, scheme.tables), None) is not None


class _Recorder(Interpreter):
    """The reference interpreter, noting each table call it makes."""

    def __init__(self, scheme: Scheme) -> None:
        super().__init__(scheme)
        self.reads: list[TableRead] = []

    def _eval_call(self, node: ast.Call) -> Any:
        name = node.func.id  # type: ignore[attr-defined]  # validated: always a Name
        table = self.scheme.tables.get(name)
        if table is None:
            return super()._eval_call(node)
        x = self._eval(node.args[0])
        found = table.match(x)
        if found is not None:
            period = self.scheme.axis_ids(self.ctx[0])[self.ctx[1]] if self.ctx else None
            argument = _shown(node.args[0])
            self.reads.append(
                TableRead(table.name, table.label, argument, x, period, found[0], found[1])
            )
        return table(x)


def table_reads(
    scheme: Scheme, tree: ast.expr, axis: str | None, vector: list[Any]
) -> tuple[TableRead, ...]:
    """The table calls `tree` makes for the unit whose slots are `vector`, at each point of
    `axis` (once if None), in the order they are made; a call repeated with the same
    argument value at the same point is noted once."""
    recorder = _Recorder(scheme)
    memo: dict[int, Any] = {}
    with localcontext(CONTEXT):
        for ctx in axes.points(scheme, axis):
            try:
                recorder.run(tree, vector, ctx, memo)
            except ArithmeticError:  # the unit would not have been scored: nothing to show
                break
    return tuple(dict.fromkeys(recorder.reads))


def table_range(table: Table, lo: Decimal | None, hi: Decimal | None) -> tuple[Decimal, Decimal]:
    """The least and greatest value a band table gives for an argument in [lo, hi] (None: no
    limit); a lookup table's over all its rows. Rows the interval cannot reach do not count."""
    if table.kind == "lookup":
        values = list(table.mapping.values())
        return min(values), max(values)
    reached = [b.value for b in table.bands if _reaches(b, lo, hi)]
    if reaches_past(table, lo, hi) and table.otherwise is not None:
        reached.append(table.otherwise)
    if not reached:  # every value in [lo, hi] is an evaluation error: no number results
        reached = list(table.values())
    return min(reached), max(reached)


def reaches_past(table: Table, lo: Decimal | None, hi: Decimal | None) -> bool:
    """Whether some x in [lo, hi] lies outside every band of a band table."""
    first, last = table.bands[0], table.bands[-1]
    return (first.low is not None and (lo is None or _before(lo, first.low))) or (
        last.high is not None and (hi is None or _after(hi, last.high))
    )


def _reaches(band: Band, lo: Decimal | None, hi: Decimal | None) -> bool:
    """Whether some x in the closed interval [lo, hi] lies in `band`."""
    if band.low is not None and hi is not None and _before(hi, band.low):
        return False
    return not (band.high is not None and lo is not None and _after(lo, band.high))


def _before(x: Decimal, low: Edge) -> bool:
    """Whether `x` lies below a band's lower edge."""
    return x < low.at or (x == low.at and not low.inclusive)


def _after(x: Decimal, high: Edge) -> bool:
    """Whether `x` lies above a band's upper edge."""
    return x > high.at or (x == high.at and not high.inclusive)
