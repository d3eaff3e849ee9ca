"""Findings of the QA pass over data in / results out (issue 10): `--set` reads values as the
readers read cells, the table fits the terminal, xlsx keeps every digit, the readers report all
of a row's problems in one pass, and the hints for repeated DataFrame columns and semicolon CSV."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


SCHEMES = Path(__file__).resolve().parent.parent / "schemes"
SHIPPED = sorted(p for p in SCHEMES.glob("*.yaml") if not p.name.endswith(".tests.yaml"))


def _shipped(path: Path) -> rulebook.Result:
    import yaml

    params = SCHEMES / "examples" / f"{path.stem}.params.yaml"
    scheme = rulebook.load(
        path, params=yaml.safe_load(params.read_text("utf-8")) if params.exists() else None
    )
    return rulebook.evaluate(
        scheme, rulebook.read_data(SCHEMES / "examples" / f"{path.stem}.data.yaml", scheme)
    )


def _number(text: str) -> bool:
    """A group value shortened to 6 places (`90.706714…`) is a number, not a cut label."""
    return text.replace(".", "", 1).lstrip("-").isdigit()


@pytest.mark.parametrize("width", [80, 200])
@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_table_fits_the_terminal(path: Path, width: int) -> None:
    """Every line of every shipped scheme's table fits 80 and 200 columns (CJK counted two);
    every unit heads a column once; a cut label is a prefix of the label followed by `…`."""
    import io

    from rulebook.render.table import write_table
    from rulebook.render.textwidth import display_width

    result = _shipped(path)
    buffer = io.StringIO()
    write_table(result, buffer, width=width)
    lines = buffer.getvalue().splitlines()
    too_wide = [x for x in lines if display_width(x) > width]
    assert not too_wide, too_wide[:3]
    header = "项目" if result.scheme.language == "zh" else "node"
    standard = "标准分" if result.scheme.language == "zh" else "standard"
    heads = [x for x in lines if x.startswith(header) and standard in x]  # not group blocks
    shown = [u for h in heads for u in h.split(standard, 1)[1].split()]
    assert shown == [u.unit for u in result.units]
    scheme = result.scheme
    labels = {x.label for x in (*scheme.nodes.values(), *scheme.values.values()) if x.label}
    labels |= {a.label for a in scheme.aggregates.values() if a.label}
    for line in lines:
        for word in line.split("  "):
            cut = word.strip()
            if cut.endswith("…") and not cut.startswith("·") and not _number(cut[:-1]):
                assert any(lab.startswith(word.strip()[:-1]) for lab in labels), word


def test_township_table_at_80_columns_wraps_the_outcome_and_cuts_labels() -> None:
    """township-targets at 80 columns: node column 24, standard 6, widest unit column 20
    (80 // 4) and three gaps of 2 leave the label column 80 - (24 + 6 + 20 + 6) = 24 cells, so
    the longest label (inductions) is cut to 11 characters + `…` (22 + 1 cells);
    龙介村委会's consequence 诫勉谈话；辞退计生信息员；不能评为先进党支部 (44 cells) is
    wrapped at its punctuation into the 20-cell (80 // 4) unit column, right-aligned."""
    import io

    from rulebook.render.table import write_table

    result = _shipped(SCHEMES / "township-targets.yaml")
    buffer = io.StringIO()
    write_table(result, buffer, width=80)
    lines = buffer.getvalue().splitlines()
    assert any(x.startswith("  inductions              完成引产任务（村委会：…  ") for x in lines)
    at = lines.index(next(x for x in lines if x.endswith("龙介村委会")))
    block = lines[at:]
    start = next(k for k, x in enumerate(block) if x.startswith("consequences"))
    assert block[start].endswith("  诫勉谈话；")
    assert block[start + 1].endswith("  辞退计生信息员；") and block[start + 1].startswith(" " * 60)
    assert block[start + 2].endswith("  不能评为先进党支部")


@given(st.text(alphabet=st.sampled_from("ab 中文；,x"), max_size=60), st.integers(1, 30))
def test_wrap_and_truncate_keep_to_the_width(text: str, width: int) -> None:
    from rulebook.render.textwidth import display_width, truncate, wrap

    lines = wrap(text, width)
    for line in lines:
        assert display_width(line) <= max(width, 2)  # one wide character may exceed width 1
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    cut = truncate(text, width)
    assert display_width(cut) <= max(width, 1)
    assert cut == text or (cut.endswith("…") and text.startswith(cut[:-1]))


def test_xlsx_names_every_cell_of_a_two_by_two_merge(tmp_path: Path) -> None:
    """C2:D3 covers checkup_rate Q1 and Q2 of both units: four problems, one per cell, each
    with its unit and period; E2 and E3 (Q3) are outside the merge and read."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "数据"
    sheet.append(TABLE_HEADER.strip().split(","))
    sheet.append(["东山村", 1, 70, 70, 70, "是", "city", 12])
    sheet.append(["西河村", 1, 70, 70, 70, "是", "city", 12])
    sheet.merge_cells("C2:D3")
    path = tmp_path / "m.xlsx"
    book.save(path)
    found = _problems(path)
    assert len(found) == 4, found
    for cell, unit, period in [
        ("C2", "东山村", "Q1"),
        ("D2", "东山村", "Q2"),
        ("C3", "西河村", "Q1"),
        ("D3", "西河村", "Q2"),
    ]:
        assert any(
            f"数据!{cell}, column `checkup_rate[{period}]`: unit `{unit}`, indicator "
            f"`checkup_rate`, period `{period}`: merged cells C2:D3" in p
            for p in found
        ), found
