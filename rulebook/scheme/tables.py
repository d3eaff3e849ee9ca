"""Lookup tables (an enum's value -> a number) and band tables (a number -> a number).

A scheme declares them under `tables:` and formulas call them by name, `av_weight(AV)` or
`respiration_score(resp)`. This module holds the tables themselves (frozen, and callable: the
engines bind a table as the function of its name), reads and checks the `tables:` section at load
(bands in increasing order, contiguous, no gap, overlap or empty band; numbers exact), and checks
each call once the argument's type is known (a lookup maps exactly its enum's values; a band table
with a closed end covers its indicator's declared domain, or declares `otherwise`). A value that no
band holds at run time raises `TableMiss`, an evaluation error naming the table and the value.
"""

from __future__ import annotations

import ast
import bisect
import itertools
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

import attrs

from rulebook.arith import canonical
from rulebook.errors import Location, did_you_mean
from rulebook.expr import syntax as ex
from rulebook.expr.functions import AGGREGATORS, FUNCTIONS

if TYPE_CHECKING:
    from rulebook.scheme.context import Context
    from rulebook.scheme.loader import Path_

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
        super().__init__(
            f"{shown} is outside every band of table `{table.name}` (it covers {table.covers()})"
        )
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


# -- reading --------------------------------------------------------------------------------------


def read_tables(cx: Context, raw: Any) -> None:
    """`tables:` name -> {label, map} or {label, bands, otherwise}: checked and kept in
    `cx.tables` (a name must be new and no function's or aggregator's)."""
    from rulebook.scheme import keys

    for name, path, fields in cx.entries(raw, "tables", "table", keys.TABLE):
        if name in FUNCTIONS or name in AGGREGATORS:
            cx.error(
                path,
                f"table `{name}` has the name of a built-in function",
                f"choose another name, e.g. `{name}_table`; functions: "
                + ", ".join(sorted([*FUNCTIONS, *AGGREGATORS])),
                key=True,
            )
            continue
        label = cx.text(fields.get("label"), (*path, "label"), "label")
        note = cx.text(fields.get("note"), (*path, "note"), "note")
        where = cx.src.loc(path, key=True)
        has_map, has_bands = fields.get("map") is not None, fields.get("bands") is not None
        if has_map == has_bands:
            cx.error(
                path,
                f"table `{name}` needs "
                + ("either `map` or `bands`, not both" if has_map else "`map` or `bands`"),
                "`map: {N: 0.85, A: 0.62}` looks an enum's value up; "
                "`bands: [{to: 8, value: 3}, {above: 8, value: 0}]` places a number in a band",
                key=True,
            )
            continue
        if has_map:
            if fields.get("otherwise") is not None:
                cx.error(
                    (*path, "otherwise"),
                    "a lookup table maps every value of its enum, so `otherwise` never applies",
                    "remove `otherwise`",
                    key=True,
                )
            mapping = _read_map(cx, fields["map"], (*path, "map"))
            cx.tables[name] = Table(name, "lookup", label, note, mapping=mapping, location=where)
        else:
            bands = _read_bands(cx, fields["bands"], (*path, "bands"))
            otherwise = cx.number(fields.get("otherwise"), (*path, "otherwise"), "`otherwise`")
            if otherwise is not None and bands and bands[0].low is None and bands[-1].high is None:
                cx.error(
                    (*path, "otherwise"),
                    "`otherwise` never applies: the bands are open at both ends, so they "
                    "cover every number",
                    "remove `otherwise`, or close an end (`from:`/`above:` on the first row, "
                    "`to:`/`below:` on the last)",
                    key=True,
                )
            # kept even when its rows were refused, so that its calls are not reported unknown
            cx.tables[name] = Table(
                name, "band", label, note, bands=bands, otherwise=otherwise, location=where
            )


def _read_map(cx: Context, raw: Any, path: Path_) -> dict[str, Decimal]:
    if not isinstance(raw, dict) or not raw:
        cx.error(path, "`map` must map each enum value to a number", "e.g. map: {N: 0.85, A: 0.62}")
        return {}
    out: dict[str, Decimal] = {}
    for key, value in raw.items():  # the scheme reader keeps every key as text
        number = cx.number(value, (*path, key), f"the value of `{key}`")
        if number is not None:
            out[str(key)] = number
    return out


def _read_bands(cx: Context, raw: Any, path: Path_) -> tuple[Band, ...]:
    """The rows, each read and then checked against the row before it."""
    from rulebook.scheme import keys

    if not isinstance(raw, list) or not raw:
        cx.error(path, "`bands` must be a list of rows", "e.g. - {above: 8, to: 11, value: 1}")
        return ()
    rows: list[Band] = []
    for i, entry in enumerate(raw):
        fields = cx.record(entry, (*path, i), keys.BAND, "a band")
        row = _read_row(cx, fields, (*path, i), i, len(raw))
        if row is None:
            return ()
        rows.append(row)
    for i, (before, row) in enumerate(itertools.pairwise(rows), start=1):
        if _start(row) < _start(before):
            cx.error(
                (*path, i),
                "band rows must be in increasing order: this row starts below the row before",
                "sort the rows by their edges, lowest first",
            )
            return ()
    contiguous = [
        _follows(cx, b, r, (*path, i)) for i, (b, r) in enumerate(itertools.pairwise(rows), start=1)
    ]
    return tuple(rows) if all(contiguous) else ()


def _start(band: Band) -> tuple[Decimal, bool]:
    """Where a band starts, for ordering (an open start first; `from: 8` before `above: 8`)."""
    if band.low is None:
        return (Decimal("-Infinity"), False)
    return (band.low.at, not band.low.inclusive)


def _read_row(cx: Context, fields: dict[str, Any], path: Path_, i: int, n: int) -> Band | None:
    edges: list[Edge | None] = []
    for kinds, side in ((LOWER, "lower"), (UPPER, "upper")):
        given = [k for k in kinds if fields.get(k) is not None]
        if len(given) > 1:
            cx.error(
                (*path, given[1]),
                f"a row has one {side} edge: `{given[0]}` or `{given[1]}`, not both",
                "`from: 8` means x ≥ 8, `above: 8` means x > 8; `to: 8` x ≤ 8, `below: 8` x < 8",
                key=True,
            )
            return None
        if not given:
            edges.append(None)
            continue
        at = cx.number(fields[given[0]], (*path, given[0]), f"`{given[0]}`")
        if at is None:
            return None
        edges.append(Edge(at, kinds[given[0]]))
    low, high = edges
    value = cx.number(fields.get("value"), (*path, "value"), "a band's `value`")
    if value is None:
        return None  # missing: the record reported it
    if low is None and i > 0:
        cx.error(
            path,
            "only the first row may leave its lower edge open",
            "give this row the edge where the row before ends: `above:` after a `to:`, "
            "`from:` after a `below:`",
        )
        return None
    if high is None and i < n - 1:
        cx.error(
            path,
            "only the last row may leave its upper edge open",
            "close this row with `to:` (≤) or `below:` (<)",
        )
        return None
    if (
        low is not None
        and high is not None
        and (low.at > high.at or (low.at == high.at and not (low.inclusive and high.inclusive)))
    ):
        row = Band(low, high, value)
        cx.error(path, f"empty band: no number is {row.text()}", "check the row's edges")
        return None
    return Band(low, high, value)


def _follows(cx: Context, before: Band, row: Band, path: Path_) -> bool:
    """Whether `row` starts exactly where `before` ends, with the complementary edge: after
    `to: 8` comes `above: 8`, after `below: 8` comes `from: 8`. Reports the gap, the overlap or
    the wrong order otherwise."""
    assert before.high is not None  # only the last row may be open above, the first below
    assert row.low is not None
    end, start = before.high, row.low
    want = "above" if end.inclusive else "from"
    fix = f"start this row with `{want}: {canonical(end.at)}` (the row before ends at " + (
        f"`to: {canonical(end.at)}`)" if end.inclusive else f"`below: {canonical(end.at)}`)"
    )
    if start.at < end.at or (start.at == end.at and start.inclusive and end.inclusive):
        overlap = (
            f"{canonical(end.at)}"
            if start.at == end.at
            else f"{canonical(start.at)} to {canonical(end.at)}"
        )
        cx.error(path, f"this band overlaps the row before it ({overlap} is in both)", fix)
        return False
    if start.at > end.at or (not start.inclusive and not end.inclusive):
        gap = (
            f"{canonical(end.at)} itself"
            if start.at == end.at
            else f"the numbers between {canonical(end.at)} and {canonical(start.at)}"
        )
        cx.error(path, f"gap before this band: {gap} fall in no row", fix)
        return False
    return True


# -- calls ----------------------------------------------------------------------------------------


Call = tuple[str, ex.NameInfo, ast.expr]
"""A call of a table met by the type checker: the table, the argument's type, the argument."""


def check_calls(cx: Context, path: Path_, text: str, calls: list[Call]) -> None:
    """Check each call of a table in one formula: a lookup maps exactly its enum's values
    (missing and unknown keys are reported at the table's `map`); a band table with a closed end
    covers the declared domain of the indicator it reads (or declares `otherwise`)."""
    for name, info, arg in calls:
        table = cx.tables[name]
        if table.kind == "lookup":
            _check_lookup(cx, table, info)
        elif table.bands and isinstance(arg, ast.Name) and arg.id in cx.indicators:
            _check_domain(cx, table, arg, path, text)


def _check_lookup(cx: Context, table: Table, info: ex.NameInfo) -> None:
    indicator = info.type.removeprefix("enum:")
    values = info.values
    where = f"`{indicator}`, the enum it is called with"
    table_path: Path_ = ("tables", table.name, "map")
    for key in table.mapping:
        if key not in values:
            cx.error(
                (*table_path, key),
                f"table `{table.name}` maps `{key}`, which is not a value of {where}",
                did_you_mean(key, values) or f"its values: {', '.join(values)}",
                key=True,
            )
    missing = [v for v in values if v not in table.mapping]
    if missing:
        cx.error(
            table_path,
            f"table `{table.name}` has no row for {', '.join(f'`{m}`' for m in missing)} "
            f"of {where}",
            f"add `{missing[0]}: <number>` to its `map`: every value of the enum needs one",
            key=True,
        )


def _check_domain(cx: Context, table: Table, arg: ast.Name, path: Path_, text: str) -> None:
    if table.otherwise is not None:
        return
    indicator = cx.indicators[arg.id]
    first, last = table.bands[0], table.bands[-1]
    below = first.low is not None and (
        indicator.min is None
        or indicator.min < first.low.at
        or (indicator.min == first.low.at and not first.low.inclusive)
    )
    above = last.high is not None and (
        indicator.max is None
        or indicator.max > last.high.at
        or (indicator.max == last.high.at and not last.high.inclusive)
    )
    proven = (below and indicator.min is not None) or (above and indicator.max is not None)
    if not proven:
        return  # no declared domain to compare: a value outside is an evaluation error
    low = "…" if indicator.min is None else canonical(indicator.min)
    high = "…" if indicator.max is None else canonical(indicator.max)
    cx.expr_error(
        path,
        ex.ExprError(
            f"`{arg.id}` may be {low} to {high} (its declared min/max), but table "
            f"`{table.name}` only covers {table.covers()}",
            arg.col_offset,
            "widen the first or last band (or leave its outer edge open), narrow the "
            f"indicator's min/max, or declare `otherwise: <value>` under `tables.{table.name}`",
        ),
        text,
    )


def tables_called(tree: ast.expr, tables: dict[str, Table]) -> Iterator[tuple[str, ast.Call]]:
    """The calls of a table in `tree`, each with the table's name."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in tables
        ):
            yield node.func.id, node
