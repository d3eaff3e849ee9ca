"""CSV data: one row per unit, as offices export it from Excel.

Encoding rule (when none is given): a UTF-8 byte-order mark means UTF-8; otherwise the file is
UTF-8 if all of it decodes as UTF-8, else GB18030 (the superset of GBK that Chinese Excel
writes) if all of it decodes as that; otherwise it is refused with the line that fails and the
advice to pass `--encoding`. The file is read row by row (no size limit of its own).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from rulebook.data.dataset import DataSet
from rulebook.data.table import read_table
from rulebook.errors import DataError, Location, Problem
from rulebook.scheme.model import Scheme

_CHUNK = 1 << 20


def read_csv(
    source: str | Path | IO[Any],
    scheme: Scheme,
    *,
    encoding: str | None = None,
    file: str | None = None,
) -> DataSet:
    """Read and check a CSV file (a path, or a binary/text stream)."""
    name = file or (
        str(source) if isinstance(source, str | Path) else str(getattr(source, "name", "<stream>"))
    )
    if isinstance(source, str | Path):
        try:
            with open(source, "rb") as handle:
                chosen = encoding or detect_encoding(handle, name)
            with open(source, encoding=chosen, newline="") as text:
                return _read(text, scheme, name, chosen)
        except OSError as exc:
            raise DataError(
                [Problem(f"cannot read file: {exc.strerror or exc}", Location(name, 1, 1))]
            ) from None
    data = source.read()
    if isinstance(data, str):
        return _read(io.StringIO(data, newline=""), scheme, name, "text")
    chosen = encoding or detect_encoding(io.BytesIO(data), name)
    return _read(
        io.TextIOWrapper(io.BytesIO(data), encoding=chosen, newline=""), scheme, name, chosen
    )


def detect_encoding(handle: IO[bytes], name: str) -> str:
    """`utf-8-sig`, `utf-8` or `gb18030` by the rule in the module docstring."""
    head = handle.read(3)
    if head == codecs.BOM_UTF8:
        return "utf-8-sig"
    for candidate in ("utf-8", "gb18030"):
        handle.seek(0)
        decoder = codecs.getincrementaldecoder(candidate)("strict")
        line, failed = 1, False
        while chunk := handle.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                failed = True
                line += chunk[: exc.start].count(b"\n")
                break
            line += chunk.count(b"\n")
        else:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                failed = True
        if not failed:
            return candidate
    raise DataError(
        [
            Problem(
                f"line {line}: the file is neither UTF-8 nor GB18030/GBK text",
                Location(name, line, 1),
                "save it from Excel as `CSV UTF-8`, or name its encoding: "
                "--encoding big5 (any Python codec name)",
            )
        ]
    )


def _read(text: IO[str], scheme: Scheme, name: str, encoding: str) -> DataSet:
    rows = csv.reader(_bounded_lines(text, name), strict=True)

    def place(row: int, col: int) -> tuple[Location, str]:
        return Location(name, row, col + 1), f"line {row}"

    try:
        lines = _numbered(rows)
        first = next(lines, None)
        if first is None:
            raise DataError(
                [
                    Problem(
                        "the file is empty: no header row, no units",
                        Location(name, 1, 1),
                        "`rulebook template SCHEME --format csv` writes the header",
                    )
                ]
            )
        if len(first[1]) == 1 and ";" in first[1][0]:
            raise DataError([_semicolons(name, first[0], first[1][0])])
        return read_table(scheme, name, first[1], first[0], lines, place)
    except csv.Error as exc:
        raise DataError(
            [
                Problem(
                    f"CSV: {exc}", Location(name, rows.line_num, 1), "check the quotes on that line"
                )
            ]
        ) from None
    except UnicodeError as exc:  # also UTF-16's "does not start with BOM"
        reason = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
        raise DataError(
            [
                Problem(
                    f"the file is not {encoding} text ({reason})",
                    Location(name, rows.line_num + 1, 1),
                    "give the right --encoding (gb18030 for a file saved by Chinese Excel), or "
                    "leave it out to detect it",
                )
            ]
        ) from None


MAX_LINE = 2_000_000
"""Characters a line may have: a row of every column Excel allows, each cell a long number,
fits; a line of millions of cells (split into millions of strings) is refused where it is."""


def _bounded_lines(text: IO[str], name: str) -> Iterator[str]:
    """The file's lines, each refused (located) if longer than `MAX_LINE`."""
    for number, line in enumerate(text, start=1):
        if len(line) > MAX_LINE:
            raise DataError(
                [
                    Problem(
                        f"line {number} is {len(line):,} characters long: at most {MAX_LINE:,}",
                        Location(name, number, 1),
                        "one row per unit, one cell per column: is this a CSV file?",
                    )
                ]
            )
        yield line


def _semicolons(name: str, line: int, header: str) -> Problem:
    """The header is one cell holding `;`: a semicolon-separated file, as Excel writes "CSV"
    where the decimal separator is a comma (most of Europe)."""
    count = header.count(";") + 1
    return Problem(
        f"line {line}: the header is {count} names separated by semicolons (`;`), not commas: "
        "this file is semicolon-separated, as Excel writes CSV where the decimal separator is a "
        "comma",
        Location(name, line, 1),
        "save it from Excel as `CSV UTF-8 (Comma delimited)` with the decimal separator set to "
        "`.` (File → Options → Advanced → Use system separators off), or save it as .xlsx and "
        "score that",
    )


def _numbered(rows: Any) -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) per row, skipping blank lines (a quoted cell may span lines)."""
    start = 1
    for cells in rows:
        if cells and any(c.strip() for c in cells):
            yield start, cells
        start = rows.line_num + 1
