"""Inputs for the columnar engine: a pandas DataFrame, a dict of numpy columns, or checked data.

Columns are named as in the data readers (`rulebook.data`): a `unit` column (or the index) names
the units, an annual indicator's column is its id, a per-period indicator has one column per
period, `name[Q1]`. Every value is checked against its declared domain with column operations;
any row that fails is handed to the per-unit checker (`rulebook.data.check.check_data`), so the
error message is the one the YAML reader gives. Floats are taken from their shortest repr
(92.5 → 92.5, never 92.5000000000000071…): a float column is read at the fewest decimal places
that reproduce every value, proven row by row in float arithmetic; rows that cannot be proven
(huge magnitudes) are converted through `repr` one at a time.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import numpy as np

from rulebook.arith import number_problem
from rulebook.data.dataset import DataSet
from rulebook.data.frame import read_columns, read_frame
from rulebook.data.table import UNIT_HEADERS
from rulebook.engine.columnar.fixed import LIMIT, Col, Flag, Num, Text
from rulebook.engine.semantics import NA
from rulebook.scheme.model import Indicator, Scheme

MAX_SCALE = 12


class Inputs:
    """Unit names, the input columns by slot, and exact values of inputs no column can hold."""

    def __init__(
        self, names: list[str], cols: dict[int, Col], exact: dict[tuple[int, int], Any]
    ) -> None:
        self.names, self.cols, self.exact = names, cols, exact


def from_dataset(scheme: Scheme, data: DataSet) -> Inputs:
    """Columns from checked data (one Python pass over the values)."""
    names = [u.name for u in data.units]
    table: dict[str, list[Any]] = {}
    periods = [p.id for p in scheme.periods]
    for name, ind in scheme.indicators.items():
        if ind.per_period:
            for pid in periods:
                table[f"{name}[{pid}]"] = [
                    u.values[name][pid]  # type: ignore[index]
                    for u in data.units
                ]
        else:
            table[name] = [u.values[name] for u in data.units]
    return _build(
        scheme, names, {k: np.array(v, dtype=object) for k, v in table.items()}, checked=True
    )


class _NotFast(Exception):
    """The columns need the data readers' full treatment (labels, text cells, errors)."""


def from_columns(scheme: Scheme, columns: Any) -> Inputs:
    """Columns from a pandas DataFrame or a mapping of column name -> array. Clean columns
    (ids as headers, typed values inside their domains) are converted with column operations;
    anything else goes through `rulebook.data.frame`, whose checks and messages are the
    readers' own."""
    if _is_dataframe(columns):
        frame = columns
        table = {str(c): frame[c].to_numpy() for c in frame.columns}
        if (
            not any(c.strip().lower() in UNIT_HEADERS for c in table)
            and type(frame.index).__name__ != "RangeIndex"
        ):
            table = {"unit": frame.index.to_numpy(), **table}
    else:
        table = {str(k): np.asarray(v) for k, v in columns.items()}
    inputs = _fast(scheme, table)
    if inputs is not None:
        return inputs
    if _is_dataframe(columns):
        return from_dataset(scheme, read_frame(columns, scheme))
    return from_dataset(scheme, read_columns(columns, scheme))


def _fast(scheme: Scheme, table: dict[str, Any]) -> Inputs | None:
    """Inputs by column operations, or None when the readers must take over."""
    unit_col = next((c for c in table if c.strip().lower() in UNIT_HEADERS), None)
    if unit_col is None or len({len(v) for v in table.values()}) > 1:
        return None
    names = [str(x) for x in table[unit_col]]
    if not names or len(set(names)) != len(names):
        return None
    rest = {k: v for k, v in table.items() if k != unit_col}
    try:
        return _build(scheme, names, rest, checked=False)
    except _NotFast:
        return None


def _is_dataframe(obj: Any) -> bool:
    kind = type(obj)
    return kind.__name__ == "DataFrame" and kind.__module__.startswith("pandas")


def _build(scheme: Scheme, names: list[str], table: dict[str, Any], *, checked: bool) -> Inputs:
    expected: dict[str, tuple[Indicator, str | None]] = {}
    for name, ind in scheme.indicators.items():
        if ind.per_period:
            for p in scheme.periods:
                expected[f"{name}[{p.id}]"] = (ind, p.id)
        else:
            expected[name] = (ind, None)
    if any(column not in expected for column in table) or any(
        column not in table and ind.default is None for column, (ind, _) in expected.items()
    ):
        raise _NotFast
    n = len(names)
    slots = scheme.program.plan.slots
    period_index = {p.id: i for i, p in enumerate(scheme.periods)}
    cols: dict[int, Col] = {}
    exact: dict[tuple[int, int], Any] = {}
    failing = np.zeros(n, dtype=bool)
    for column, (ind, period) in expected.items():
        values = table.get(column)
        if values is None:
            values = np.full(n, ind.default, dtype=object)
        na = _na_rows(ind, values, checked=checked)
        col, bad, odd = _convert(ind, values)
        failing |= bad if na is None else bad & ~na
        if ind.name in slots:
            slot = slots[ind.name] + (period_index[period] if period else 0)
            cols[slot] = col
            for row, value in odd.items():
                exact[(slot, row)] = value
            if na is not None:  # n/a cells: their rows are scored by the per-unit engine
                col.bad = na.copy() if col.bad is None else col.bad | na
                for na_row in np.flatnonzero(na):
                    exact[(slot, int(na_row))] = NA
    if failing.any() and not checked:
        raise _NotFast
    for name, parameter in scheme.parameters.items():
        if scheme.per_unit_parameter(name):
            values = np.array(
                [parameter.by_unit.get(u, parameter.value) for u in names], dtype=object
            )
            col, _, odd = _convert_numbers(values)
            cols[slots[name]] = col
            for row, value in odd.items():
                exact[(slots[name], row)] = value
    return Inputs(names, cols, exact)


def _na_rows(ind: Indicator, values: Any, *, checked: bool) -> Any:
    """Rows holding the not-applicable value (checked data) — None when there are none. An
    unchecked column with a marker is left to the readers (it fails the domain check)."""
    if not checked or not ind.na_allowed:
        return None
    mask = np.array([v is NA for v in values], dtype=bool)
    return mask if mask.any() else None


def _plain(value: Any) -> Any:
    """A cell as the YAML reader would have it: floats from their shortest repr; NaN empty."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return Decimal(repr(value))
    return value


def _convert(ind: Indicator, values: Any) -> tuple[Col, Any, dict[int, Any]]:
    """(column, rows that fail the domain, exact values of rows no column can hold)."""
    n = len(values)
    if ind.type == "bool":
        arr = np.asarray(values)
        if arr.dtype == bool:
            return Flag(arr), np.zeros(n, bool), {}
        ok = np.array([v is True or v is False or isinstance(v, np.bool_) for v in arr])
        return (
            Flag(np.array([bool(v) if k else False for v, k in zip(arr, ok, strict=True)])),
            ~ok,
            {},
        )
    if ind.type == "enum":
        arr = np.asarray(values, dtype=object)
        ok = np.isin(arr, np.array(list(ind.values), dtype=object))
        return Text(arr), ~ok, {}
    col, bad, odd = _convert_numbers(values)
    if ind.min is not None:
        bad |= _below(col, ind.min)
    if ind.max is not None:
        bad |= _below(col, ind.max, above=True)
    for row, value in odd.items():  # values no column holds: checked one by one
        bad[row] |= (
            (ind.min is not None and value < ind.min)
            or (ind.max is not None and value > ind.max)
            or number_problem(value) is not None
        )
    if ind.type == "count":
        bad |= np.asarray(col.p) % col.q != 0 if isinstance(col.q, int) else True
        for row, value in odd.items():
            bad[row] |= value != value.to_integral_value()
    return col, bad, odd


def _below(col: Num, limit: Decimal, above: bool = False) -> Any:
    num, den = limit.as_integer_ratio()
    left = (
        np.asarray(col.p).astype(object) * den
        if abs(num) * col.q >= LIMIT
        else np.asarray(col.p) * den
    )
    right = num * col.q
    return np.asarray(left > right if above else left < right, dtype=bool)


def _convert_numbers(values: Any) -> tuple[Num, Any, dict[int, Any]]:
    arr = np.asarray(values)
    n = len(arr)
    if arr.dtype.kind in "iu":
        big = np.abs(arr.astype(float)) >= LIMIT
        p = np.where(big, 0, arr).astype(np.int64)
        odd = {int(r): Decimal(int(arr[r])) for r in np.flatnonzero(big)}
        return Num(p, 1, big if big.any() else None), np.zeros(n, bool), odd
    if arr.dtype.kind == "f":  # a narrower float as the text it shows (as `data.values` reads it)
        wide = arr.astype(np.float64) if arr.dtype.itemsize == 8 else arr.astype(str).astype(float)
        return _from_floats(wide)
    return _from_objects(arr)


def _from_floats(x: Any) -> tuple[Num, Any, dict[int, Any]]:
    n = len(x)
    missing = ~np.isfinite(x)
    if missing.all():
        return Num(np.zeros(n, np.int64), 1), missing, {}
    scale = 0
    proven = np.zeros(n, bool)
    p = np.zeros(n, np.int64)
    for s in range(MAX_SCALE + 1):
        f = 10.0**s
        with np.errstate(invalid="ignore", over="ignore"):
            cand = np.rint(x * f)
            ok = (np.abs(cand) < 2.0**53) & (cand / f == x) & (np.abs(x) < 2.0**52 / f)
        ok &= ~missing
        newly = ok & ~proven
        if newly.any():
            # rows proven at this scale; earlier rows rescaled to it (those that would leave
            # int64 are read through repr below, and fall back)
            over = proven & (np.abs(p.astype(float)) * 10.0 ** (s - scale) >= LIMIT)
            proven &= ~over
            p[over] = 0
            p = p * (10 ** (s - scale))
            p[newly] = cand[newly].astype(np.int64)
            proven |= newly
            scale = s
        if (proven | missing).all():
            break
    odd: dict[int, Any] = {}
    rest = ~proven & ~missing
    for row in np.flatnonzero(rest):
        odd[int(row)] = Decimal(repr(float(x[row])))
    bad = rest.copy() if rest.any() else None
    if bad is not None:
        p[bad] = 0
    return Num(p, 10**scale, bad), missing, odd


def _from_objects(arr: Any) -> tuple[Num, Any, dict[int, Any]]:
    n = len(arr)
    decimals: list[Decimal | None] = []
    missing = np.zeros(n, bool)
    for i, cell in enumerate(arr):
        v = _plain(cell)
        number = (isinstance(v, int) and not isinstance(v, bool)) or (
            isinstance(v, Decimal) and v.is_finite()
        )
        decimals.append(Decimal(v) if number else None)
        missing[i] = not number
    scale = 0
    for d in decimals:
        if d is not None:
            exponent = d.as_tuple().exponent
            if isinstance(exponent, int) and -exponent > scale:
                scale = min(-exponent, MAX_SCALE)
    p = np.zeros(n, np.int64)
    odd: dict[int, Any] = {}
    bad = np.zeros(n, bool)
    for i, d in enumerate(decimals):
        if d is None:
            continue
        scaled = d.scaleb(scale)
        if scaled != scaled.to_integral_value() or abs(scaled) >= LIMIT:
            odd[i] = d
            bad[i] = True
        else:
            p[i] = int(scaled)
    return Num(p, 10**scale, bad if bad.any() else None), missing, odd
