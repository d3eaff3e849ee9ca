"""Untrusted text on its way out (issue #11): unit names and labels that a spreadsheet would run
as formulas are written as text (a `'` in CSV, a string cell in xlsx) while numbers stay
numbers; control characters never reach a terminal raw; HTML is escaped."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

import rulebook
from rulebook.render.csvout import to_csv
from rulebook.render.html import to_html
from rulebook.render.safe import csv_text, terminal
from rulebook.render.table import to_table
from rulebook.render.worksheet import worksheet

SCHEME = """
scheme: {id: hostile, title: "Hostile \\e]0;owned\\a labels"}
indicators:
  x: {type: count, label: "@SUM(A1:A9)"}
tree:
  - id: work
    label: "=HYPERLINK(\\"http://evil\\",\\"click\\")"
    children:
      - {id: minus, label: "-2+3", expr: "0 - x"}
      - {id: plus, label: "+cmd|' /C calc'!A0", expr: "x"}
      - {id: tab, label: "\\tindent", expr: "x"}
      - {id: red, label: "\\e[31mred\\e[0m <script>alert(1)</script>", expr: "x"}
"""

DATA = """
units:
  "=1+1": {x: 3}
  "\\e[2Jwipe": {x: 1}
"""


@pytest.fixture(scope="module")
def result() -> rulebook.Result:
    scheme = rulebook.loads(SCHEME, "hostile")
    return rulebook.evaluate(scheme, rulebook.parse_data(DATA, scheme, "data"))


def test_csv_text_rule() -> None:
    assert [csv_text(t) for t in ("=A1", "+1", "-x", "@f", "\tx", "\rx", "ok", "中")] == [
        "'=A1",
        "'+1",
        "'-x",
        "'@f",
        "'\tx",
        "'\rx",
        "ok",
        "中",
    ]


def test_terminal_rule() -> None:
    assert terminal("a\x1b[31mb\x07c\x9bd\ne") == "a\\x1b[31mb\\x07c\\x9bd\\x0ae"


@pytest.mark.parametrize("long", [False, True], ids=["wide", "long"])
def test_csv_neutralises_text_but_not_numbers(result: rulebook.Result, long: bool) -> None:
    rows = list(csv.reader(io.StringIO(to_csv(result, long=long))))
    cells = [c for row in rows for c in row]
    for cell in cells:
        if cell.startswith(("=", "+", "@", "\t", "\r")):
            pytest.fail(f"live formula in CSV: {cell!r}")
        if cell.startswith("-"):  # only a number may start with a minus
            assert re.fullmatch(r"-\d+(\.\d+)?", cell), cell
    assert "'=1+1" in cells
    assert "-3.00" in cells  # unit `=1+1`: minus = 0 − 3, a negative number stays a number
    if long:
        assert "'-2+3" in cells and "'+cmd|' /C calc'!A0" in cells and "'\tindent" in cells


def test_xlsx_holds_no_formula_and_numbers_stay_numbers(
    result: rulebook.Result, tmp_path: Path
) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    from rulebook.render.excel import write_xlsx

    path = tmp_path / "h.xlsx"
    write_xlsx(result, path)
    book = openpyxl.load_workbook(path)
    texts, numbers = [], []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                (texts if cell.data_type == "s" else numbers).append(cell.value)
    assert "=1+1" in texts and "-2+3" in texts
    assert -3 in numbers  # the `minus` score of unit `=1+1`, as a number


def test_terminal_renderings_carry_no_control_characters(result: rulebook.Result) -> None:
    for text in (to_table(result), worksheet(result, "=1+1"), worksheet(result, "\x1b[2Jwipe")):
        assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f]", text)
        assert "\\x1b[31mred" in text or "\\x1b[2Jwipe" in text


def test_html_is_escaped(result: rulebook.Result) -> None:
    html = to_html(result)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
