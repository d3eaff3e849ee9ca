"""Writes the malformed .xlsx files of this folder; run it again after changing a case.

python tests/data/invalid_tables/make_xlsx.py
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook

HERE = Path(__file__).parent
HEADER = [
    "单位",
    "缺席例会次数",
    "孕检率 (%)[Q1]",
    "孕检率 (%)[Q2]",
    "孕检率 (%)[Q3]",
    "专干配齐",
    "表彰级别",
    "考评分",
]
GOOD = [
    ["东山村", 1, 72.5, 68, 70, "是", "city", 18.5],
    ["西河村", 0, 80, 80, 80, "否", "none", 12],
]


def book(rows: list[list[Any]], title: str = "数据") -> Any:
    wb = Workbook()
    sheet = wb.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    return wb


def main() -> None:
    wb = book([HEADER, *GOOD])
    wb["数据"]["H3"] = "=B3*2"
    wb.save(HERE / "21-formula-cell.xlsx")

    wb = book([HEADER, GOOD[0], [None, *GOOD[0][1:]]])
    wb["数据"].merge_cells("A2:A3")
    wb.save(HERE / "22-merged-cells.xlsx")

    book([]).save(HERE / "23-empty-sheet.xlsx")

    book([HEADER, GOOD[0], ["西河村", 0, 80, 80, 80, "否", "none", "十二"]]).save(
        HERE / "24-text-in-number.xlsx"
    )

    book([["单位", "缺席例会数", *HEADER[2:]], *GOOD]).save(HERE / "25-unknown-column.xlsx")

    book([HEADER, *GOOD, GOOD[0]]).save(HERE / "26-duplicate-unit.xlsx")

    book([HEADER, GOOD[0], ["西河村", 0, 80, None, 80, "否", "none", 12]]).save(
        HERE / "27-missing-cell.xlsx"
    )

    book([HEADER[:4] + HEADER[5:], GOOD[0][:4] + GOOD[0][5:]]).save(
        HERE / "28-period-column-missing.xlsx"
    )

    wb = book([HEADER, *GOOD])
    wb["数据"]["H2"] = "#DIV/0!"
    wb.save(HERE / "29-error-value.xlsx")

    book([HEADER, ["东山村", 1, 72.5, 68, 170, "是", "city", 18.5]]).save(
        HERE / "30-rate-above-100.xlsx"
    )

    wb = book([HEADER, ["东山村", 1, 0.725, 68, 70, "是", "city", 18.5]])
    wb["数据"]["C2"].number_format = "0.0%"
    wb.save(HERE / "31-percent-cell.xlsx")

    wb = book([HEADER, *GOOD])
    wb["数据"]["J3"] = 5  # right of the last header (H), past a blank column
    wb.save(HERE / "32-value-beyond-last-column.xlsx")


if __name__ == "__main__":
    main()
