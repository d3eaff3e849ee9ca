"""Reading and checking `tables:` at load, and each call of a table once its argument's type is
known (`rulebook.scheme.tables` holds the tables themselves).

Band rows must be in increasing order, contiguous (each starts where the row before ends, with
the complementary edge), with no gap, overlap or empty band; numbers are exact. A lookup must map
exactly the values of the enum it is called with; a band table with a closed end must cover the
declared domain of the indicator it reads, or declare `otherwise`. Every problem is located.
"""

from __future__ import annotations

import ast
import itertools
from decimal import Decimal
from typing import Any

from rulebook.arith import canonical
from rulebook.errors import did_you_mean
from rulebook.expr import syntax as ex
from rulebook.expr.functions import AGGREGATORS, FUNCTIONS
from rulebook.scheme import keys
from rulebook.scheme.context import Context
from rulebook.scheme.loader import Path_
from rulebook.scheme.tables import LOWER, UPPER, Band, Edge, Table

# -- reading --------------------------------------------------------------------------------------


def read_tables(cx: Context, raw: Any) -> None:
    """`tables:` name -> {label, map} or {label, bands, otherwise}: checked and kept in
    `cx.tables` (a name must be new and no function's or aggregator's)."""
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
