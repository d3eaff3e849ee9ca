"""The Excel rendering (optional extra `excel`: openpyxl): a ranking summary sheet and a long
breakdown sheet, numbers as numbers with the scheme's places."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from rulebook.audit.result import Result
from rulebook.render.tabular import LONG_HEADER, long_rows, ranking_header, ranking_rows

FIXED_TIME = dt.datetime(2000, 1, 1)
"""Workbook created/modified stamp: fixed, so equal results give equal workbook properties."""


def write_xlsx(result: Result, path: str | Path) -> None:
    """Write the workbook; raises ImportError with an install hint if openpyxl is missing."""
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Font
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError("Excel output needs openpyxl: pip install 'rulebook[excel]'") from exc
    places = result.scheme.rounding.places
    number_format = "0." + "0" * places if places else "0"
    book = Workbook()
    summary = book.active
    summary.title = "排名 ranking"
    summary.append(list(ranking_header(result)))
    for row in ranking_rows(result):
        summary.append([_cell(v) for v in row])
    breakdown = book.create_sheet("明细 breakdown")
    breakdown.append(list(LONG_HEADER))
    for row in long_rows(result):
        breakdown.append([_cell(v) for v in row])
    for sheet in (summary, breakdown):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, Decimal | float):
                    cell.number_format = number_format
    book.properties.creator = "rulebook"
    book.properties.created = book.properties.modified = FIXED_TIME
    book.save(str(path))


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
