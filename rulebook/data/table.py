"""Data laid out as a table -- one row per unit, one column per indicator -- into checked data.

Shared by the CSV, xlsx, DataFrame and dict-of-columns readers: each hands over the header cells
and the rows (with a way to name a cell: `data.csv` line 7, `数据!D7`, DataFrame row 3), and this
module maps headers to indicators, turns cells into values and reports every problem at its cell.

Headers: the unit column is headed `unit` or `单位` (else it is the first column, if that is not
an indicator's); an indicator's column is headed by its id or its label, optionally followed by
its unit in brackets (`会员人数 (人)`); a per-period indicator has one column per period, headed
`name[Q1]` or `name.Q1` (name: id or label; period: id or label).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from rulebook.data.dataset import DataSet
from rulebook.data.stream import UnitStream
from rulebook.data.values import MISSING, duration_seconds, exact_number
from rulebook.errors import DataError, Location, Problem, did_you_mean
from rulebook.scheme.loader import Path_
from rulebook.scheme.model import Indicator, Scheme

UNIT_HEADERS = ("unit", "units", "单位", "单位名称")
"""Headers recognised as the unit column (compared without case and surrounding spaces)."""

TRUE_WORDS = frozenset({"true", "yes", "y", "t", "1", "是", "有", "√", "✓"})
FALSE_WORDS = frozenset({"false", "no", "n", "f", "0", "否", "无", "×", "✗"})
"""Cell texts read as yes/no for a `bool` indicator (compared without case)."""

_UNIT_SUFFIX = re.compile(r"\s*[(（][^()（）]*[)）]\s*$")

Place = Callable[[int, int], tuple[Location | None, str]]
"""(row, column) -> the cell's Location and its name for messages (e.g. `数据!D7`); row and
column are the reader's own numbers (1-based in files)."""

Column = tuple[Indicator, str | None]


class CellProblem:
    """A cell a reader could not take a value from (an xlsx formula, merged or error cell):
    reported here, at the cell and with its unit and indicator, with every other problem."""

    __slots__ = ("hint", "message")

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message, self.hint = message, hint


def header_names(scheme: Scheme) -> dict[str, Column]:
    """Every header text accepted for an indicator column: ids and labels, with periods."""
    label_count: dict[str, int] = {}
    for ind in scheme.indicators.values():
        if ind.label:
            label_count[ind.label] = label_count.get(ind.label, 0) + 1
    names: dict[str, Column] = {}
    for ind in scheme.indicators.values():
        spellings = [ind.name]
        if ind.label and label_count[ind.label] == 1 and ind.label not in scheme.indicators:
            spellings.append(ind.label)
        for spelled in spellings:
            if not ind.per_period:
                names.setdefault(spelled, (ind, None))
                continue
            for period in scheme.periods:
                for p in dict.fromkeys((period.id, period.label or period.id)):
                    names.setdefault(f"{spelled}[{p}]", (ind, period.id))
                    names.setdefault(f"{spelled}.{p}", (ind, period.id))
    return names


def read_table(
    scheme: Scheme,
    file: str,
    header: list[Any],
    header_row: int,
    rows: Iterable[tuple[int, list[Any]]],
    place: Place,
) -> DataSet:
    """Check a table: header cells (in row `header_row`), then (row number, cells) per row."""
    reader = _TableReader(scheme, file, place)
    columns = reader.header(header, header_row)
    units = UnitStream(scheme)
    reader.rows(columns, rows, units)
    if reader.unit_col < 0 or not len(units):
        raise DataError(reader.problems)
    locator = _TableLocator(file, reader, header_row)
    return units.finish(file, locator, reader.problems, reader.quiet)


MAX_COLUMNS = 16_384
"""Header columns read at most: Excel's limit (XFD); a wider header is refused at once."""

MAX_PROBLEMS = 1_000
"""Problems after which a table is no longer read: the report stops there."""

_HEADLESS_NAMED = 5
"""Columns without a header named one by one; more are one problem."""

_CUT_SHORT = 3
"""Columns that need a value, left out at a row's end, from which the row is reported once as
cut short (fewer are each a missing cell, named)."""


class _TableReader:
    def __init__(self, scheme: Scheme, file: str, place: Place) -> None:
        self.scheme, self.file, self.place = scheme, file, place
        self.problems: list[Problem] = []
        self.names = header_names(scheme)
        self.unit_rows: dict[str, int] = {}
        self.column_of: dict[tuple[str, str | None], int] = {}
        self.headers: dict[int, str] = {}
        self.unit_col = -1
        self.header_row = 1
        self.quiet: set[tuple[str, str]] = set()
        """(unit or "*", indicator) already reported as a missing column or cell: the checker
        does not report them again as missing."""

    def error(self, row: int, col: int, message: str, hint: str | None = None) -> None:
        self.problems.append(self.at(row, col, message, hint))
        if len(self.problems) >= MAX_PROBLEMS:  # enough to act on; reading on costs time
            location, cell = self.place(row, col)
            where = f"{location.file}: " if location else ""
            self.problems.append(  # unlocated, so it is told first
                Problem(
                    f"{where}stopped reading at {cell} after {MAX_PROBLEMS} problems",
                    None,
                    "fix these and read the file again",
                )
            )
            raise DataError(self.problems)

    def at(self, row: int, col: int, message: str, hint: str | None = None) -> Problem:
        """A problem at a cell, named the reader's way and, below the header, by its column."""
        location, cell = self.place(row, col)
        header = self.headers.get(col) if row != self.header_row else None
        shown = f"{cell}, column `{header}`" if header else cell
        return Problem(f"{shown}: {message}", location, hint)

    def header(self, cells: list[Any], row: int) -> dict[int, Column]:
        """Map each column to (indicator, period); report bad, unknown, repeated and missing
        columns at the header row."""
        self.header_row = row
        for i, cell in enumerate(cells):
            if isinstance(cell, CellProblem):
                self.error(row, i, cell.message, cell.hint)
        texts = ["" if c is None or isinstance(c, CellProblem) else str(c).strip() for c in cells]
        while texts and not texts[-1]:
            texts.pop()
        if len(texts) > MAX_COLUMNS:
            self.error(
                row,
                MAX_COLUMNS,
                f"the header has {len(texts):,} columns: a sheet has at most {MAX_COLUMNS:,}",
                "one column for the unit, then one per indicator (and period)",
            )
            raise DataError(self.problems)
        self.headers = dict(enumerate(texts))
        if not texts:
            self.error(
                row,
                0,
                "the header row is empty",
                "the first row names the columns: unit, then one per indicator "
                "(`rulebook template SCHEME` writes one)",
            )
            return {}
        units = [i for i, t in enumerate(texts) if t.lower() in UNIT_HEADERS]
        self.unit_col = units[0] if units else 0
        if not units and self.lookup(texts[0]) is not None:
            self.error(
                row,
                0,
                "no unit column: head the column of unit names `unit` or `单位`",
                "the first column holds each unit's name",
            )
            self.unit_col = -1
        for extra in units[1:]:
            self.error(row, extra, f"a second unit column `{texts[extra]}`", "keep one unit column")
        columns: dict[int, Column] = {}
        seen = self.column_of
        for i, text in enumerate(texts):
            if i == self.unit_col:
                continue
            if not text and isinstance(cells[i], CellProblem):
                continue  # reported above
            if not text:
                continue  # reported below, together
            found = self.lookup(text)
            whole = self.per_period_name(text)
            if found is None and whole is not None:
                self.quiet.add(("*", whole.name))
                self.error(
                    row,
                    i,
                    f"`{text}` has one column per period, not one",
                    "head them " + ", ".join(f"{text}[{p.id}]" for p in self.scheme.periods),
                )
                continue
            if found is None:
                self.error(
                    row,
                    i,
                    f"unknown column `{text}`",
                    did_you_mean(text, self.names)
                    or "headers are indicator ids or labels: "
                    + ", ".join(list(self.names)[:12])
                    + (", …" if len(self.names) > 12 else ""),
                )
                continue
            ind, period = found
            if (ind.name, period) in seen:
                first = seen[(ind.name, period)]
                self.error(
                    row,
                    i,
                    f"column {i + 1} `{text}` repeats column {first + 1} (`{texts[first]}`)",
                    "delete one of the two columns",
                )
                continue
            seen[(ind.name, period)] = i
            columns[i] = found
        self.headless(row, cells, texts)
        self.missing_columns(row, set(seen), texts)
        return columns

    def headless(self, row: int, cells: list[Any], texts: list[str]) -> None:
        """Columns with no header (left of the last header): each named, or, beyond a few,
        one problem at the first that counts them and names the last."""
        empty = [
            i
            for i, text in enumerate(texts)
            if not text and i != self.unit_col and not isinstance(cells[i], CellProblem)
        ]
        hint = "write the indicator's id or label in the header row, or delete the column"
        if len(empty) <= _HEADLESS_NAMED:
            for i in empty:
                self.error(row, i, "this column has no header", hint)
            return
        last = self.place(row, empty[-1])[1]
        self.error(
            row,
            empty[0],
            f"this and {len(empty) - 1:,} more columns, up to {last}, have no header",
            hint,
        )

    def per_period_name(self, text: str) -> Indicator | None:
        """The per-period indicator a header names without a period (`rate` for `rate[Q1]`)."""
        short = _UNIT_SUFFIX.sub("", text)
        for ind in self.scheme.indicators.values():
            if ind.per_period and short in (ind.name, ind.label):
                return ind
        return None

    def lookup(self, text: str) -> Column | None:
        found = self.names.get(text)
        if found is None:
            short = _UNIT_SUFFIX.sub("", text)
            found = self.names.get(short) if short != text else None
        if found is None:  # a per-period column written with the unit: `会员 (人)[Q1]`
            match = re.fullmatch(r"(.*?)\s*[(（][^()（）]*[)）]\s*(\[[^\]]*\]|\.[^.]*)", text)
            if match:
                found = self.names.get(match.group(1) + match.group(2))
        return found

    def missing_columns(
        self, row: int, have: set[tuple[str, str | None]], texts: list[str]
    ) -> None:
        periods = [p.id for p in self.scheme.periods]
        for ind in self.scheme.indicators.values():
            if ("*", ind.name) in self.quiet:
                continue
            if not ind.per_period:
                if (ind.name, None) not in have and ind.default is None:
                    self.quiet.add(("*", ind.name))
                    self.error(
                        row,
                        len(texts),
                        f"missing column `{ind.name}`" + (f" ({ind.label})" if ind.label else ""),
                        "add the column, or declare a `default` for the indicator",
                    )
                continue
            present = [p for p in periods if (ind.name, p) in have]
            if not present and ind.default is not None:
                continue
            for p in periods:
                if p not in present:
                    self.quiet.add(("*", ind.name))
                    self.error(
                        row,
                        len(texts),
                        f"missing column `{ind.name}[{p}]`"
                        + (f" ({ind.label}, period {p})" if ind.label else ""),
                        f"`{ind.name}` has one column per period: "
                        + ", ".join(f"{ind.name}[{q}]" for q in periods),
                    )

    def rows(
        self, columns: dict[int, Column], rows: Iterable[tuple[int, list[Any]]], units: UnitStream
    ) -> None:
        """Each row's unit read and handed to `units` to be checked at once: no row's cells
        and no unit's raw values are kept once read (unless the check refuses them)."""
        first_row = self.unit_rows
        plan = [
            (col, ind, ind.name, period, _NUMBER if ind.type in _NUMBERS else None)
            for col, (ind, period) in columns.items()
        ]
        width = max(columns, default=0) + 1
        numbers: dict[str | int, Decimal] = {}
        """Each plain number's text (or a typed cell's int) -> its Decimal: cells repeat (0, 1,
        100), and sharing one object per number keeps a large table's data a third of the size,
        read in less time."""
        for number, written in rows:
            cells = written
            if len(cells) < width:
                cells = [*cells, *([None] * (width - len(cells)))]
            if all(_blank(c) for c in cells):
                continue
            if self.unit_col < 0:
                continue
            unit_cell = cells[self.unit_col] if self.unit_col < len(cells) else None
            if isinstance(unit_cell, CellProblem):
                self.error(number, self.unit_col, unit_cell.message, unit_cell.hint)
                continue
            name = _unit_name(unit_cell)
            if name is None:
                self.error(
                    number,
                    self.unit_col,
                    "this row has no unit name",
                    "write the unit's name in the unit column, or delete the row",
                )
                continue
            if len(written) > len(self.headers) and self.beyond_header(number, name, written):
                continue
            if len(written) < len(self.headers) and self.cut_short(number, name, written, plan):
                continue
            if name in first_row:
                self.error(
                    number,
                    self.unit_col,
                    f"unit `{name}` is listed twice (first at "
                    f"{self.place(first_row[name], self.unit_col)[1]})",
                    "keep one row per unit",
                )
                continue
            first_row[name] = number
            values: dict[str, Any] = {}
            for col, ind, ind_name, period, number_text in plan:
                raw = cells[col]
                if number_text is not None and type(raw) is str:
                    value: Any = numbers.get(raw)  # a number already read: the same object
                    if value is None:
                        if number_text(raw):  # plain digits: the common case, made quick
                            value = Decimal(raw)
                            if len(numbers) < _NUMBERS_KEPT:
                                numbers[raw] = value
                        else:
                            value = _cell_value(ind, raw)
                elif number_text is not None and (
                    type(raw) is int or (type(raw) is float and math.isfinite(raw))
                ):  # a typed number (xlsx, columns): Decimal(i), Decimal(repr(x)), shared too
                    key = raw if type(raw) is int else repr(raw)
                    value = numbers.get(key)
                    if value is None:
                        value = Decimal(key)
                        if len(numbers) < _NUMBERS_KEPT:
                            numbers[key] = value
                elif isinstance(raw, CellProblem):
                    self.quiet.add((name, ind.name))
                    self.error(
                        number,
                        col,
                        f"{_where(name, ind, period)}: {raw.message}",
                        raw.hint,
                    )
                    continue
                else:
                    value = _cell_value(ind, raw)
                if value is MISSING:
                    if ind.default is not None:
                        value = ind.default
                    else:
                        self.quiet.add((name, ind.name))
                        self.error(
                            number,
                            col,
                            f"{_where(name, ind, period)}: missing cell",
                            "fill it in (every indicator without a `default` needs a value)",
                        )
                        continue
                if period is None:
                    values[ind_name] = value
                else:
                    values.setdefault(ind_name, {})[period] = value
            units.add(name, values)
        if not len(units) and not self.problems:
            self.error(
                self.header_row + 1,
                0,
                "no units: the table has a header but no rows",
                "one row per unit, its name in the unit column",
            )

    def cut_short(self, row: int, name: str, cells: list[Any], plan: list[Any]) -> bool:
        """Whether the row stops before `_CUT_SHORT` or more columns that need a value (no
        default): reported once, at the first, rather than as a missing cell per column — in
        a CSV file a lost comma or a row cut short leaves them out."""
        needed = [col for col, ind, *_ in plan if col >= len(cells) and ind.default is None]
        if len(needed) < _CUT_SHORT:
            return False
        self.quiet.update((name, ind.name) for col, ind, *_ in plan if col >= len(cells))
        self.error(
            row,
            needed[0],
            f"unit `{name}`: the row stops after column {len(cells)}: {len(needed)} columns "
            f"that need a value, from `{self.headers[needed[0]]}` on, are left out",
            "every row has one cell per column (in a CSV file, two commas with nothing between "
            "for an empty one); check for a lost comma or a row cut short",
        )
        return True

    def beyond_header(self, row: int, name: str, cells: list[Any]) -> bool:
        """Whether the row has a value right of the last header (reported, at its first such
        cell): its cells would otherwise be read under the wrong headers or dropped — an
        unquoted `1,000` in a CSV shifts every later cell one column right."""
        extra = [i for i in range(len(self.headers), len(cells)) if not _blank(cells[i])]
        if not extra:
            return False
        last = len(self.headers) - 1
        self.error(
            row,
            extra[0],
            f"unit `{name}`: a value right of the last column (`{self.headers[last]}`, column "
            f"{last + 1}), with no header above it",
            "add a header for the column or delete the value; in a CSV file, a comma inside a "
            "number (1,000) splits the cell in two: write 1000",
        )
        return True


class _TableLocator:
    """Where a checked value was in the table: its cell, named the reader's way."""

    def __init__(self, file: str, reader: _TableReader, header_row: int) -> None:
        self.file, self.reader, self.header_row = file, reader, header_row

    def problem(
        self,
        path: Path_,
        message: str,
        hint: str | None = None,
        *,
        key: bool = False,  # noqa: ARG002 - the Locator protocol
    ) -> Problem:
        reader = self.reader
        row, col = self.header_row, 0
        if len(path) >= 2 and path[1] in reader.unit_rows:
            row, col = reader.unit_rows[str(path[1])], reader.unit_col
            if len(path) >= 3:
                period = str(path[3]) if len(path) >= 4 else None
                col = reader.column_of.get((str(path[2]), period), col)
                if period is None:  # a per-period indicator as a whole: its first column
                    col = next((c for (n, _), c in reader.column_of.items() if n == path[2]), col)
        return reader.at(row, col, message, hint or _cell_hint(message))


_NUMBERS = frozenset({"count", "rate", "decimal"})
_NUMBERS_KEPT = 1 << 16
"""At most this many distinct number texts are remembered while reading a table."""
_NUMBER = re.compile(r"-?[0-9]{1,30}(\.[0-9]{1,30})?").fullmatch
"""Cell text that is plainly a number (read with Decimal at once, no further questions)."""


def _cell_hint(message: str) -> str | None:
    """The fix for a value problem in a cell, when the checker has no more specific hint."""
    if "expected a number" in message:
        return "type a plain number in the cell: no units, words or thousands separators"
    if "expected true or false" in message:
        return "type 是 or 否 (or true / false)"
    if "declared maximum" in message or "declared minimum" in message:
        return "check the figure against the source: the scheme does not allow it"
    if "whole number" in message:
        return "type a whole number"
    return None


def _blank(cell: Any) -> bool:
    if isinstance(cell, str):
        return not cell.strip()
    return cell is None or exact_number(cell) is MISSING


def _unit_name(cell: Any) -> str | None:
    if _blank(cell):
        return None
    if isinstance(cell, str):
        return cell.strip()
    number = exact_number(cell)
    if isinstance(number, Decimal):  # a numeric unit code, e.g. 1001 (not 1001.0)
        return str(number.normalize()) if number == number.to_integral_value() else str(number)
    return str(cell)


def _where(unit: str, ind: Indicator, period: str | None) -> str:
    """`unit `A`, indicator `x`, period `Q1`` for a cell's message."""
    return f"unit `{unit}`, indicator `{ind.name}`" + (f", period `{period}`" if period else "")


def _cell_value(ind: Indicator, cell: Any) -> Any:
    """A cell as the value the checker expects: Decimal, bool or text; MISSING when empty.
    Text that is not a valid value is kept as text, so the checker reports it."""
    if ind.type == "duration":
        timed = duration_seconds(cell)  # an Excel time or duration cell, a pandas Timedelta
        if timed is not None:
            return timed
    if isinstance(cell, str):
        text = cell.strip()
        if not text:
            return MISSING
        if ind.type == "duration":
            return text  # `4:36.11`: parsed (or reported) by the check
        if ind.type == "bool":
            low = text.lower()
            return True if low in TRUE_WORDS else False if low in FALSE_WORDS else text
        if ind.type == "enum":
            return text
        try:
            value = Decimal(text)
        except InvalidOperation:
            return text
        return value if value.is_finite() else text
    if _blank(cell):
        return MISSING
    if ind.type == "bool" and not isinstance(cell, bool):
        number = exact_number(cell)
        if number in (0, 1):
            return number == 1
    if (
        ind.type == "enum"
        and not isinstance(cell, bool)
        and isinstance(exact_number(cell), Decimal)
    ):
        return str(exact_number(cell))  # an enum whose values are numbers typed as numbers
    if type(cell).__name__ in ("datetime", "date", "time", "Timestamp"):
        return f"a date ({cell})"
    number = exact_number(cell)
    if isinstance(number, Decimal):
        return number
    return cell


def read_cell(ind: Indicator, cell: Any) -> Any:
    """A cell (or any value typed as text, e.g. `--set`) read the way the table readers read
    it: yes/no words, numbers, durations, enum names; MISSING when empty."""
    return _cell_value(ind, cell)


def _letters(col: int) -> str:
    """Spreadsheet column letters for a 0-based column: 0 -> A, 27 -> AB."""
    out = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        out = chr(65 + rest) + out
    return out


def cell_name(col: int, row: int) -> str:
    """`D7` for 0-based column 3, row 7."""
    return f"{_letters(col)}{row}"
