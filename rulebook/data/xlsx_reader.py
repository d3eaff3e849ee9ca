"""xlsx data: one row per unit, typed into Excel (needs the `excel` extra: openpyxl).

The sheet read is the one named `数据` or `data` if there is one, else the first. openpyxl reads
it in read-only mode with formulas kept (data_only=False): values must be typed, so a formula
cell is an error (its cached result may be stale or missing), as are merged cells (only the
first cell of a merge holds a value), error values such as #DIV/0!, and cells formatted as
percentages (92.5% is stored as 0.925, while a rate indicator takes 92.5: refused rather than
guessed). Merged ranges are found
by scanning the sheet's XML for `<mergeCell>`, which read-only openpyxl does not expose.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import attrs

from rulebook.data.dataset import DataSet
from rulebook.data.table import CellProblem, cell_name, read_table
from rulebook.errors import DataError, Location, Problem
from rulebook.scheme.model import Scheme

SHEET_NAMES = ("数据", "data", "Data")
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Z]+[0-9]+)(?::([A-Z]+[0-9]+))?"')


def read_xlsx(
    source: str | Path | IO[bytes], scheme: Scheme, *, file: str | None = None
) -> DataSet:
    """Read and check the data sheet of an xlsx workbook (a path or a binary stream)."""
    name = file or (
        str(source) if isinstance(source, str | Path) else str(getattr(source, "name", "<stream>"))
    )
    try:
        import openpyxl
    except ImportError:
        raise DataError(
            [
                Problem(
                    "reading .xlsx needs openpyxl",
                    Location(name, 1, 1),
                    "pip install 'rulebook[excel]' (or save the sheet as CSV)",
                )
            ]
        ) from None
    try:
        book = openpyxl.load_workbook(source, read_only=True, data_only=False)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DataError(
            [
                Problem(
                    f"cannot read the workbook: {exc}",
                    Location(name, 1, 1),
                    "save it from Excel as .xlsx",
                )
            ]
        ) from None
    try:
        sheet = next((book[s] for s in SHEET_NAMES if s in book.sheetnames), book.worksheets[0])
        if hasattr(sheet, "reset_dimensions"):  # each row as long as its own cells: a stray
            sheet.reset_dimensions()  # cell at XFD would pad every row to 16,384 cells
        title = sheet.title

        def place(row: int, col: int) -> tuple[Location, str]:
            return Location(name, row, col + 1), f"{title}!{cell_name(col, row)}"

        rows = _rows(sheet, _merged(book, sheet))
        first = next(rows, None)
        if first is None:
            raise DataError(
                [
                    Problem(
                        f"the sheet `{title}` is empty: no header row, no units",
                        Location(name, 1, 1),
                        "`rulebook template SCHEME` writes a sheet with the header to fill in",
                    )
                ]
            )
        return read_table(scheme, name, first[1], first[0], rows, place)
    finally:
        book.close()


def _rows(sheet: Any, merges: list[_Merge]) -> Iterator[tuple[int, list[Any]]]:
    """(row number, values) of each non-empty row. A cell no value can be taken from -- a
    formula, an error value, a percentage, a cell of a merge -- is handed over as a CellProblem,
    so the table reports it with the unit and indicator, in the one pass with every other
    problem. The merges over the current row are kept as a column -> merge map, updated as
    merges start and end (time linear in the merged columns, whatever the sheet)."""
    number = 0
    starts = sorted(merges, key=lambda m: m.top)
    ends = sorted(merges, key=lambda m: m.bottom)
    started = ended = 0
    cover: dict[int, _Merge] = {}
    for cells in sheet.iter_rows():
        number = next((c.row for c in cells if getattr(c, "row", None)), number + 1)
        while ended < len(ends) and ends[ended].bottom < number:
            merge = ends[ended]
            for col in range(merge.left, min(merge.right, MAX_COLUMN) + 1):
                if cover.get(col) is merge:
                    del cover[col]
            ended += 1
        while started < len(starts) and starts[started].top <= number:
            merge = starts[started]
            if merge.bottom >= number:
                for col in range(merge.left, min(merge.right, MAX_COLUMN) + 1):
                    cover[col] = merge
            started += 1
        values = [_value(cell, cover.get(col)) for col, cell in enumerate(cells)]
        if any(v is not None and not (isinstance(v, str) and not v.strip()) for v in values):
            yield number, values


MAX_COLUMN = 16383
"""Excel's last column (XFD), 0-based: a merge declared wider is clipped to it."""


def _value(cell: Any, merge: _Merge | None) -> Any:
    """A cell's value, or the CellProblem that says why it has none."""
    if merge is not None:
        return CellProblem(
            f"merged cells {merge.ref}",
            "unmerge them and type the value in every cell (one row per unit, one value per cell)",
        )
    kind = getattr(cell, "data_type", "n")
    value = cell.value
    if kind == "f":
        return CellProblem(
            f"a formula (`{str(value)[:60]}`): values must be typed",
            "replace it by its value (copy, then Paste Special → Values); rulebook does not "
            "recompute Excel formulas",
        )
    if (
        kind == "n"
        and isinstance(value, int | float)
        and not isinstance(value, bool)
        and "%" in str(getattr(cell, "number_format", ""))
    ):
        return CellProblem(
            f"a percentage cell (shows {value * 100:g}%, holds {value:g})",
            "format the column as Number and type the figure the scheme asks for (a rate of "
            "92.5% is typed 92.5)",
        )
    if kind == "e":
        return CellProblem(f"an error value `{value}`", "type the value")
    return value


@attrs.frozen
class _Merge:
    """A merged range: rows top..bottom (1-based), columns left..right (0-based)."""

    ref: str
    top: int
    bottom: int
    left: int
    right: int


def _merged(book: Any, sheet: Any) -> list[_Merge]:
    """The sheet's merged ranges, scanned from its XML (read-only openpyxl hides them)."""
    path = getattr(sheet, "_worksheet_path", None)
    archive = getattr(book, "_archive", None)
    if path is None or archive is None:
        return []
    out = []
    tail = b""
    with archive.open(path) as xml:
        while chunk := xml.read(1 << 20):
            block = tail + chunk
            for match in _MERGE.finditer(block):
                first = match.group(1).decode()
                last = (match.group(2) or match.group(1)).decode()
                (top, left), (bottom, right) = _cell(first), _cell(last)
                out.append(
                    _Merge(
                        f"{first}:{last}",
                        min(top, bottom),
                        max(top, bottom),
                        min(left, right),
                        max(left, right),
                    )
                )
            tail = block[-200:]
    return list(dict.fromkeys(out))


def _cell(ref: str) -> tuple[int, int]:
    """`B7` as (row 7, column 1)."""
    return int(re.sub(r"[A-Z]", "", ref)), _column(re.sub(r"[0-9]", "", ref))


def _column(letters: str) -> int:
    out = 0
    for ch in letters:
        out = out * 26 + ord(ch) - 64
    return out - 1
