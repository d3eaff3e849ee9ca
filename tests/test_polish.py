"""Findings of the QA pass over data in / results out (issue 10): `--set` reads values as the
readers read cells, the table fits the terminal, xlsx keeps every digit, the readers report all
of a row's problems in one pass, and the hints for repeated DataFrame columns and semicolon CSV."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import rulebook
from rulebook.analysis.whatif import settings_of, what_if
from rulebook.engine.semantics import NA

SETTINGS = """
scheme: {id: polish, title: polish, language: en}
indicators:
  done: {type: bool}
  time: {type: duration, max: 9:59.99}
  a: {type: decimal, min: 0, max: 10, na: allowed}
  c: {type: count}
tree:
  - id: g
    not_applicable: rescale
    children:
      - {id: x, standard: 10, expr: "10 if done else 0"}
      - {id: y, standard: 10, expr: a}
      - {id: z, standard: 10, expr: "min(c, 10)"}
"""


@pytest.mark.parametrize(
    ("setting", "point", "value"),
    [
        ("done=是", ("done", None), True),  # the CSV/xlsx readers' yes/no words
        ("done=否", ("done", None), False),
        ("done=yes", ("done", None), True),
        ("time=4:36.11", ("time", None), Decimal("276.11")),  # 4 * 60 + 36.11 seconds
        ("a=n/a", ("a", None), NA),  # `a` declares `na: allowed`
        ("a=不适用", ("a", None), NA),
        ("c=7", ("c", None), Decimal(7)),
    ],
)
def test_set_reads_values_as_the_readers_read_cells(
    setting: str, point: tuple[str, None], value: Any
) -> None:
    scheme = rulebook.loads(SETTINGS, "s.yaml")
    assert settings_of(scheme, [setting]) == {point: value}


@pytest.mark.parametrize(
    ("setting", "words"),
    [
        ("c=n/a", "`n/a` marks the indicator not applicable, but `c` does not declare"),
        ("done=maybe", "`done`: expected true or false, got 'maybe'"),
        ("time=10:00", "above the declared maximum"),
        ("c=1.5", "a count must be a whole number"),
    ],
)
def test_set_refuses_what_the_readers_refuse(setting: str, words: str) -> None:
    scheme = rulebook.loads(SETTINGS, "s.yaml")
    with pytest.raises(rulebook.DataError) as info:
        settings_of(scheme, [setting])
    assert f"--set {setting}: " in str(info.value) and words in str(info.value)


def test_what_if_with_a_chinese_yes() -> None:
    """Node x is 10 if done else 0: setting done=是 moves the unit's x from 0 to 10."""
    scheme = rulebook.loads(SETTINGS, "s.yaml")
    data = rulebook.parse_data("units: {A: {done: false, time: 300, a: 5, c: 3}}", scheme, "d")
    change = what_if(scheme, data, "A", ["done=是"])
    assert change.after.unit("A").scores["g.x"] == Decimal(10)
    assert change.before.unit("A").scores["g.x"] == Decimal(0)


TABLES = Path(__file__).parent / "data" / "invalid_tables"
TABLE_HEADER = (
    "unit,meetings_missed,checkup_rate[Q1],checkup_rate[Q2],checkup_rate[Q3],"
    "staffing_complete,level,score\n"
)


def _problems(path: Path) -> list[str]:
    with pytest.raises(rulebook.DataError) as info:
        rulebook.read_data(path, rulebook.load(TABLES / "scheme.yaml"))
    return [p.render() for p in info.value.problems]


def test_csv_row_with_a_missing_period_cell_reports_its_other_problems(tmp_path: Path) -> None:
    """Line 2 misses checkup_rate[Q1] (column 3), has text in checkup_rate[Q2] (column 4) and
    a rate above 100 in checkup_rate[Q3] (column 5): three problems, all in the one report."""
    path = tmp_path / "d.csv"
    path.write_text(TABLE_HEADER + "东山村,1,,abc,170,true,city,18.5\n", encoding="utf-8")
    found = _problems(path)
    assert len(found) == 3, found
    assert f"{path}:2:3: error: line 2, column `checkup_rate[Q1]`" in found[0]
    assert "period `Q1`: missing cell" in found[0]
    assert f"{path}:2:4: error:" in found[1] and "expected a number, got 'abc'" in found[1]
    assert f"{path}:2:5: error:" in found[2] and "170 is above the declared maximum 100" in found[2]


def test_xlsx_reports_every_problem_in_one_pass_with_unit_and_indicator(tmp_path: Path) -> None:
    """One sheet with a formula (H2), merged value cells (B3:B4), text in a number (H3), an
    error value (E4) and a missing cell (C4): five kinds of problem, one report, each at its
    sheet!cell with its unit and indicator (before, the formula, merge and error value came
    alone in a first pass, naming neither)."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "数据"
    sheet.append(
        [
            "单位",
            "缺席例会次数",
            "孕检率[Q1]",
            "孕检率[Q2]",
            "孕检率[Q3]",
            "专干配齐",
            "表彰级别",
            "考评分",
        ]
    )
    sheet.append(["东山村", 1, 72.5, 68, 70, "是", "city", "=B2*2"])
    sheet.append(["西河村", 0, 80, 80, 80, "否", "none", "十二"])
    sheet.append(["南岭村", None, None, 80, "=1/0", "否", "none", 12])
    sheet.merge_cells("B3:B4")
    sheet["E4"].value = "#DIV/0!"
    sheet["E4"].data_type = "e"
    path = tmp_path / "d.xlsx"
    book.save(path)
    found = "\n".join(_problems(path))
    expected = [
        "2:8: error: 数据!H2, column `考评分`: unit `东山村`, indicator `score`: a formula",
        "3:2: error: 数据!B3, column `缺席例会次数`: unit `西河村`, indicator `meetings_missed`: "
        "merged cells B3:B4",
        "3:8: error: 数据!H3, column `考评分`: unit `西河村`, indicator `score`: expected a "
        "number, got '十二'",
        "4:2: error: 数据!B4, column `缺席例会次数`: unit `南岭村`, indicator `meetings_missed`: "
        "merged cells B3:B4",
        "4:3: error: 数据!C4, column `孕检率[Q1]`: unit `南岭村`, indicator `checkup_rate`, "
        "period `Q1`: missing cell",
        "4:5: error: 数据!E4, column `孕检率[Q3]`: unit `南岭村`, indicator `checkup_rate`, "
        "period `Q3`: an error value `#DIV/0!`",
    ]
    for words in expected:
        assert f"{path}:{words}" in found, found


def test_dataframe_with_a_repeated_column_says_so() -> None:
    """`score` is the 8th and 9th column: the message says it is repeated (before: "the
    columns have different lengths ... score: 2")."""
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        [["A", 1, 70, 70, 70, True, "city", 5, 6]],
        columns=[
            "unit",
            "meetings_missed",
            "checkup_rate[Q1]",
            "checkup_rate[Q2]",
            "checkup_rate[Q3]",
            "staffing_complete",
            "level",
            "score",
            "score",
        ],
    )
    with pytest.raises(rulebook.DataError) as info:
        rulebook.read_data(frame, rulebook.load(TABLES / "scheme.yaml"))
    assert "the DataFrame has the column `score` 2 times (columns 8, 9)" in str(info.value)
    assert "different lengths" not in str(info.value)


def test_semicolon_separated_csv_gets_the_hint(tmp_path: Path) -> None:
    """European Excel writes `;` between cells: the header (8 names, 7 semicolons) reads as one
    cell; the message says the file is semicolon-separated and how to save it with commas."""
    path = tmp_path / "d.csv"
    path.write_text(
        TABLE_HEADER.replace(",", ";") + "东山村;1;72,5;68;70;true;city;18,5\n", encoding="utf-8"
    )
    (found,) = _problems(path)
    assert f"{path}:1:1: error: line 1: the header is 8 names separated by semicolons" in found
    assert "CSV UTF-8 (Comma delimited)" in found


def test_a_semicolon_inside_one_header_among_commas_is_not_taken_for_a_separator(
    tmp_path: Path,
) -> None:
    """A header with commas is comma-separated even if a name holds `;`: the usual
    unknown-column message, no semicolon hint."""
    path = tmp_path / "d.csv"
    path.write_text("unit,a;b\n东山村,1\n", encoding="utf-8")
    text = "\n".join(_problems(path))
    assert "unknown column `a;b`" in text and "semicolons" not in text


def test_english_template_follows_the_scheme_language(tmp_path: Path) -> None:
    """A scheme declaring `language: en` gets English sheet names (`data`, `notes`), an English
    unit header and yes/no choices; a filled copy is read back (the readers accept them)."""
    pytest.importorskip("openpyxl")
    import openpyxl

    from rulebook.data.template import template_csv, write_template

    scheme = rulebook.loads(SETTINGS, "s.yaml")
    path = tmp_path / "t.xlsx"
    write_template(scheme, path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["data", "notes"]
    sheet = book["data"]
    assert [c.value for c in sheet[1]] == ["unit", "done", "time", "a", "c"]
    lists = [v.formula1 for v in sheet.data_validations.dataValidation if v.type == "list"]
    assert lists == ['"yes,no"']
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in book["notes"]["A2"].value)
    assert template_csv(scheme).startswith("unit,done,")
    sheet.append(["A", "yes", "4:36.11", "n/a", 3])
    book.save(path)
    data = rulebook.read_data(path, scheme)
    (unit,) = data.units
    assert unit.values["done"] is True and unit.values["time"] == Decimal("276.11")
    assert unit.values["a"] is NA and unit.values["c"] == Decimal(3)


BIG = """
scheme: {id: big, title: big, language: en}
indicators:
  x: {type: decimal}
tree:
  - {id: n, expr: x}
"""


def test_xlsx_writes_numbers_beyond_15_digits_as_their_exact_text(tmp_path: Path) -> None:
    """Unit A's score 12345678901234.5678 rounds (2 places) to 12345678901234.57: 16
    significant digits, more than Excel's double keeps (it would show 12345678901234.6), so
    the cell is the text `12345678901234.57`. Unit B's 72.5 -> 72.50 stays a number."""
    openpyxl = pytest.importorskip("openpyxl")
    from rulebook.render.excel import write_xlsx

    scheme = rulebook.loads(BIG, "b.yaml")
    data = rulebook.parse_data(
        "units: {A: {x: 12345678901234.5678}, B: {x: 72.5}}", scheme, "d.yaml"
    )
    path = tmp_path / "r.xlsx"
    write_xlsx(rulebook.evaluate(scheme, data), path)
    sheet = openpyxl.load_workbook(path)["summary"]
    header = [c.value for c in sheet[1]]
    col = header.index("n")
    a, b = sheet[2][col], sheet[3][col]
    assert (sheet[2][0].value, a.value, a.data_type) == ("A", "12345678901234.57", "s")
    assert (sheet[3][0].value, b.value, b.data_type) == ("B", 72.5, "n")
    assert b.number_format == "0.00"
