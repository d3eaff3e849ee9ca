"""The data-entry sheet for a scheme: the columns `read_data` expects, ready to fill in.

`rulebook template SCHEME -o data.xlsx` writes one sheet `数据` (`data` for a scheme whose
`language` is `en`, as every sheet name, the unit header and the yes/no choices) with the unit
column first, then
one column per indicator (one per period for per-period indicators), headed by the label (or id)
and unit; each header carries a comment with the id, type, domain, default and note. Every column
has Excel data validation: drop-downs for enums and yes/no, whole numbers for counts, numeric
ranges for declared domains; the header row and unit column are frozen. A second sheet `说明`
lists the indicators. The CSV template is the header row alone (UTF-8 with a byte-order mark, so
Excel opens it with the right characters).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import attrs

from rulebook.data.table import header_names
from rulebook.data.values import duration_text
from rulebook.data.xlsx_reader import SHEET_NAMES
from rulebook.files import replacing
from rulebook.render.textwidth import display_width
from rulebook.scheme.model import Indicator, Scheme

UNIT_HEADER = "单位"
ROWS = 1000
"""Rows below the header formatted as text for a duration column (Excel extends the format
when rows are inserted inside the range)."""

VALIDATED_TO = 1_048_576
"""The last row data validation covers: every row of the sheet (Excel's limit), so an office
with more units than a template foresaw is still checked as it types."""

BOOL_CHOICES = ("是", "否")

WORDS: dict[str, dict[str, Any]] = {
    "zh": {
        "data": SHEET_NAMES[0],
        "notes": "说明",
        "choices": "取值",
        "unit": UNIT_HEADER,
        "yes_no": BOOL_CHOICES,
        "unit_comment": "each unit's name, one row per unit",
        "instructions": (
            "在「数据」表中每个单位填一行；每个单元格只填数值，不要公式，不要合并单元格。"
            " Fill one row per unit on the 数据 sheet: typed values only, no formulas, "
            "no merged cells."
        ),
    },
    "en": {
        "data": "data",
        "notes": "notes",
        "choices": "choices",
        "unit": "unit",
        "yes_no": ("yes", "no"),
        "unit_comment": "each unit's name, one row per unit",
        "instructions": (
            "Fill one row per unit on the data sheet: typed values only, no formulas, "
            "no merged cells."
        ),
    },
}
"""Sheet names, the unit header and yes/no choices per `scheme.language` (each one a name the
readers accept: `data`/`数据`, `unit`/`单位`, `yes`/`no`/`是`/`否`)."""


def words(scheme: Scheme) -> dict[str, Any]:
    """The template's words for the scheme's language."""
    return WORDS.get(scheme.language, WORDS["zh"])


@attrs.frozen
class TemplateColumn:
    """One column of the template: its header text and what it holds."""

    header: str
    indicator: Indicator | None
    period: str | None = None


def columns(scheme: Scheme) -> list[TemplateColumn]:
    """The template's columns in order: unit, then the indicators as the scheme declares them."""
    accepted = header_names(scheme)
    out = [TemplateColumn(words(scheme)["unit"], None)]
    for ind in scheme.indicators.values():
        probe = f"{ind.label}[{scheme.periods[0].id}]" if ind.per_period else ind.label
        base = ind.label if ind.label and accepted.get(probe, (None,))[0] is ind else ind.name
        unit = f" ({ind.unit})" if ind.unit else ""
        if ind.per_period:
            out.extend(TemplateColumn(f"{base}{unit}[{p.id}]", ind, p.id) for p in scheme.periods)
        else:
            out.append(TemplateColumn(f"{base}{unit}", ind))
    return out


def describe(ind: Indicator, yes_no: tuple[str, str] = BOOL_CHOICES) -> str:
    """What a cell of this indicator takes, for header comments and the `说明` sheet."""
    parts = [f"id: {ind.name}", f"type: {ind.type}"]
    if ind.type == "enum":
        parts.append("one of: " + ", ".join(ind.values))
    elif ind.type == "bool":
        parts.append(" / ".join(yes_no))
    elif ind.type == "duration":
        low = "" if ind.min is None or not ind.min else f"{duration_text(ind.min)} ≤ "
        high = "" if ind.max is None else f" ≤ {duration_text(ind.max)}"
        if low or high:
            parts.append(f"{low}time{high}")
        parts.append("a time typed as text: m:ss.xx (4:36.11), h:mm:ss or seconds")
    else:
        low = "" if ind.min is None else f"{ind.min} ≤ "
        high = "" if ind.max is None else f" ≤ {ind.max}"
        if low or high:
            parts.append(f"{low}value{high}")
        if ind.type == "count":
            parts.append("whole number")
    if ind.na_allowed:
        parts.append("or n/a (不适用) where it does not apply")
    if ind.unit:
        parts.append(f"unit: {ind.unit}")
    parts.append("default: " + str(ind.default) if ind.default is not None else "required")
    if ind.note:
        parts.append(ind.note)
    return "\n".join(parts)


def template_csv(scheme: Scheme) -> str:
    """The CSV template: the header row (write it with a UTF-8 BOM for Excel)."""
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerow([c.header for c in columns(scheme)])
    return text.getvalue()


def write_template(scheme: Scheme, path: str | Path, fmt: str = "xlsx") -> None:
    """Write the template to `path`, all or nothing (`rulebook.files.replacing`: a temporary
    file renamed into place; OutputError naming the path when it cannot be written)."""
    with replacing(path) as partial:
        if fmt == "csv":
            partial.write_bytes(template_csv(scheme).encode("utf-8-sig"))
        else:
            template_xlsx(scheme).save(partial)


def template_xlsx(scheme: Scheme) -> Any:
    """The xlsx template as an openpyxl Workbook (ImportError, with advice, without openpyxl)."""
    try:
        from openpyxl import Workbook
        from openpyxl.comments import Comment
        from openpyxl.styles import Alignment, Font, PatternFill
        from openpyxl.utils import get_column_letter
        from openpyxl.worksheet.datavalidation import DataValidation
    except ImportError:
        raise ImportError(
            "writing an .xlsx template needs openpyxl: pip install "
            "'rulebook[excel]' (or use --format csv)"
        ) from None
    said = words(scheme)
    book = Workbook()
    sheet = book.active
    sheet.title = said["data"]
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for col, column in enumerate(columns(scheme), start=1):
        cell = sheet.cell(row=1, column=col, value=column.header)
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        letter = get_column_letter(col)
        sheet.column_dimensions[letter].width = min(max(display_width(column.header) + 4, 10), 40)
        ind = column.indicator
        if ind is None:
            cell.comment = Comment(said["unit_comment"], "rulebook")
            continue
        cell.comment = Comment(
            (ind.label + "\n" if ind.label else "") + describe(ind, said["yes_no"]),
            "rulebook",
            width=260,
            height=160,
        )
        if ind.type == "duration":  # typed as text, so Excel keeps `4:36.11` as written
            for row in range(2, ROWS + 2):
                sheet.cell(row=row, column=col).number_format = "@"
        validation = _validation(ind, DataValidation, book, said)
        if validation is not None:
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{VALIDATED_TO}")
    sheet.freeze_panes = "B2"
    _notes_sheet(book, scheme)
    return book


def _validation(ind: Indicator, DataValidation: Any, book: Any, said: dict[str, Any]) -> Any:  # noqa: N803 - openpyxl's class, passed in lazily
    """Excel data validation for the indicator's cells, with a message saying what is allowed."""
    described = describe(ind, said["yes_no"])
    common = {
        "allow_blank": ind.default is not None,
        "showErrorMessage": True,
        "errorTitle": ind.label or ind.name,
        "error": described.replace("\n", "; "),
        "showInputMessage": True,
        "promptTitle": (ind.label or ind.name)[:32],
        "prompt": described[:255],
    }
    if ind.na_allowed:  # `n/a` must be enterable: the check warns instead of refusing
        common["errorStyle"] = "warning"
    marker = ("n/a",) if ind.na_allowed else ()
    if ind.type == "bool":
        choices = ",".join((*said["yes_no"], *marker))
        return DataValidation(type="list", formula1=f'"{choices}"', **common)
    if ind.type == "duration":
        return DataValidation(
            type="textLength", operator="lessThanOrEqual", formula1="20", **common
        )
    if ind.type == "enum":
        listed = ",".join((*ind.values, *marker))
        if len(listed) <= 250 and not any("," in v or '"' in v for v in ind.values):
            return DataValidation(type="list", formula1=f'"{listed}"', **common)
        return DataValidation(
            type="list", formula1=_choices_range(book, ind, said["choices"]), **common
        )
    kind = "whole" if ind.type == "count" else "decimal"
    if ind.min is not None and ind.max is not None:
        return DataValidation(
            type=kind, operator="between", formula1=str(ind.min), formula2=str(ind.max), **common
        )
    if ind.min is not None:
        return DataValidation(
            type=kind, operator="greaterThanOrEqual", formula1=str(ind.min), **common
        )
    if ind.max is not None:
        return DataValidation(
            type=kind, operator="lessThanOrEqual", formula1=str(ind.max), **common
        )
    return DataValidation(
        type=kind, operator="between", formula1="-1E+300", formula2="1E+300", **common
    )


def _choices_range(book: Any, ind: Indicator, title: str) -> str:
    """Long or comma-holding enum values go on a hidden sheet; the drop-down refers to them."""
    sheet = book[title] if title in book.sheetnames else book.create_sheet(title)
    sheet.sheet_state = "hidden"
    col = sheet.max_column + (0 if sheet.max_row == 1 and sheet["A1"].value is None else 1)
    from openpyxl.utils import get_column_letter

    for row, value in enumerate(ind.values, start=1):
        sheet.cell(row=row, column=col, value=value)
    letter = get_column_letter(col)
    return f"'{title}'!${letter}$1:${letter}${len(ind.values)}"


def _notes_sheet(book: Any, scheme: Scheme) -> None:
    """`说明` (`notes`): the scheme and, per indicator, what to type."""
    from openpyxl.styles import Alignment, Font

    said = words(scheme)
    sheet = book.create_sheet(said["notes"])
    sheet.append([f"{scheme.title} ({scheme.id} {scheme.version})"])
    sheet.append([said["instructions"]])
    sheet.append([])
    sheet.append(["id", "label", "type", "unit", "per period", "allowed", "default", "note"])
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    for ind in scheme.indicators.values():
        allowed = describe(ind, said["yes_no"]).split("\n")[2:3]
        sheet.append(
            [
                ind.name,
                ind.label,
                ind.type,
                ind.unit,
                ", ".join(p.id for p in scheme.periods) if ind.per_period else "",
                allowed[0]
                if allowed and not allowed[0].startswith(("unit", "default", "required"))
                else "",
                "" if ind.default is None else str(ind.default),
                ind.note,
            ]
        )
    for letter, width in zip("ABCDEFGH", (22, 30, 9, 8, 12, 24, 9, 50), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=5):
        row[7].alignment = Alignment(wrap_text=True)
