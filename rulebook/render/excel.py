"""The Excel rendering (optional extra `excel`: openpyxl), written row by row (write-only
workbook): a summary sheet (one row per unit, as the wide CSV), the breakdown sheet (the long
CSV: the audit as rows), for a scheme with aggregates a `groups` sheet (the group rows), the
run manifest on its own sheet and, when the scheme cites its source clauses, a `references` sheet
(each node's clause and source line). Numbers are numbers with the places they are shown with
(a number of more than 15 significant digits, which Excel's double would change, is its exact
text); each sheet has a bold frozen header, an autofilter and column widths. Text a spreadsheet
would read as a formula is stored as text, never as a formula.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from rulebook.audit.result import Result
from rulebook.errors import Location
from rulebook.render.csvout import LONG_HEADER, long_rows, wide_header, wide_rows
from rulebook.render.grouprows import kind_of, label_of
from rulebook.render.textwidth import display_width
from rulebook.scheme.model import Scheme

FIXED_TIME = dt.datetime(2000, 1, 1)  # noqa: DTZ001 - a fixed, zone-less stamp keeps the workbook byte-identical
"""Workbook created/modified stamp: fixed, so equal results give equal workbook properties."""

NUMBER_WIDTH = 12
MAX_WIDTH = 60


def write_xlsx(result: Result, path: str | Path) -> None:
    """Write the workbook; raises ImportError with an install hint if openpyxl is missing."""
    try:
        from openpyxl import Workbook
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError("Excel output needs openpyxl: pip install 'rulebook[excel]'") from exc
    book = Workbook(write_only=True)
    header = wide_header(result)
    unit_w = max((display_width(u.unit) for u in result.units), default=8)
    widths = [unit_w] + [max(display_width(h), NUMBER_WIDTH) for h in header[1:]]
    _sheet(book, "summary", header, widths, wide_rows(result))
    long_widths = [unit_w, 28, 28, 8, 8, NUMBER_WIDTH, NUMBER_WIDTH, NUMBER_WIDTH, 8]
    _sheet(book, "breakdown", list(LONG_HEADER), long_widths, long_rows(result))
    if result.scheme.groupings:  # group rows: one sheet, a row per group and name (and period)
        _sheet(
            book,
            "groups",
            list(GROUP_HEADER),
            [12, 16, 8, 20, 20, 10, 8, NUMBER_WIDTH],
            _group_rows(result),
        )
    _sheet(book, "manifest", ["key", "value"], [24, 72], _flat(result.manifest()))
    cited = list(references(result.scheme))
    if cited:
        _sheet(book, "references", list(REFERENCE_HEADER), [28, 10, 28, 24, 28], cited)
    book.properties.creator = "rulebook"
    book.properties.created = book.properties.modified = FIXED_TIME
    with tempfile.TemporaryFile() as raw:
        book.save(raw)
        raw.seek(0)
        _stamped(raw, path)


REFERENCE_HEADER = ("id", "kind", "label", "reference", "source")


def references(scheme: Scheme) -> Iterator[tuple[str, str, str, str, str]]:
    """Every node, value, veto, outcome, ranking, parameter and indicator that cites a clause
    (`reference:`), in tree then declaration order, with its source line: the workbook's
    `references` sheet, from which an auditor goes from a row of the breakdown to the clause."""
    rows: list[tuple[str, str, str, str, Location | None]] = [
        (n, "node", scheme.nodes[n].label, scheme.nodes[n].reference, scheme.nodes[n].location)
        for n in (*scheme.score_ids[:-1], *scheme.output_ids)
    ]
    rows += [(n, v.kind, v.label, v.reference, v.location) for n, v in scheme.values.items()]
    rows += [(n, "ranking", r.label, r.reference, r.location) for n, r in scheme.rankings.items()]
    rows += [
        (n, "parameter", p.label, p.reference, p.location) for n, p in scheme.parameters.items()
    ]
    rows += [
        (n, "indicator", i.label, i.reference, i.location) for n, i in scheme.indicators.items()
    ]
    for name, kind, label, reference, where in rows:
        if reference:
            yield name, kind, label, reference, f"{where.file}:{where.line}" if where else ""


def _stamped(raw: IO[bytes], path: str | Path) -> None:
    """Copy the zip entry by entry with fixed timestamps (and openpyxl's save-time `modified`
    stamp replaced), so equal results give byte-identical workbooks."""
    fixed = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _MODIFIED.sub(rb"\g<1>" + fixed + rb"\g<2>", data)
            stamp = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            stamp.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(stamp, data)


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""Control characters XML cannot hold: shown as `\\xNN` escapes."""

_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _sheet(
    book: Any, title: str, header: list[str], widths: list[int], rows: Iterable[Iterable[Any]]
) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title)
    for k, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(k)].width = min(width + 2, MAX_WIDTH)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    head = []
    for name in header:
        cell = _cell(WriteOnlyCell(sheet), name)
        cell.font = bold
        head.append(cell)
    sheet.append(head)
    count = 1
    for row in rows:
        sheet.append([_cell(WriteOnlyCell(sheet), value) for value in row])
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(max(len(header), 1))}{count}"


def _cell(cell: Any, value: Any) -> Any:
    """A number as a number (formatted to the places it carries) when Excel holds it exactly,
    else as its exact text; text always as text."""
    if isinstance(value, bool):
        value = "true" if value else "false"
    if isinstance(value, int) and not _fits_a_double(Decimal(value)):
        value = str(value)
    if isinstance(value, Decimal) and not _fits_a_double(value):
        value = str(value)  # as text below: Excel's number would change it
    if isinstance(value, Decimal):
        cell.value = value
        exponent = value.as_tuple().exponent
        places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        cell.number_format = "0." + "0" * places if places else "0"
        return cell
    if isinstance(value, int) or value is None:
        cell.value = value
        return cell
    cell.value = _XML_ILLEGAL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", str(value))
    cell.data_type = "s"  # never a formula, whatever the text starts with
    return cell


EXCEL_DIGITS = 15
"""Excel keeps at most 15 significant digits of a number (an IEEE double, shown and re-entered
to 15 digits); a value with more is written as text so no digit silently changes."""


def _fits_a_double(value: Decimal) -> bool:
    """Whether Excel holds `value` as a number without changing it: at most 15 significant
    digits (trailing zeros aside) and a magnitude a double can hold."""
    if not value.is_finite():
        return False
    if not value:
        return True
    digits = len(value.normalize().as_tuple().digits)
    return digits <= EXCEL_DIGITS and -300 <= value.adjusted() <= 300


GROUP_HEADER = ("by", "group", "units", "name", "label", "kind", "period", "value")


def _group_rows(result: Result) -> Iterator[tuple[Any, ...]]:
    """The `groups` sheet: each aggregate and group value of each group (`Result.groups`)."""
    scheme = result.scheme
    for row in result.groups:
        by = row.by or ""
        group = row.group if row.group is not None else row.label(scheme)
        for name, value in row.values.items():
            kind, label = kind_of(scheme, name), label_of(scheme, name)
            points = value.items() if isinstance(value, dict) else (("", value),)
            for period, v in points:
                yield (by, group, len(row.units), name, label, kind, period, v)


def _flat(data: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in data.items():
        if isinstance(value, dict):
            yield from _flat(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value
