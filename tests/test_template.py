"""`rulebook template`: the data-entry sheet for a scheme, filled in and scored.

The round trip is the office's workflow: download the template, type each unit's values into
it, score it. For every shipped scheme the template filled (programmatically) with the example
data must give exactly the data, hence the results, of the shipped YAML example.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import rulebook
from rulebook.cli import EXIT_OK, main
from rulebook.data.template import columns

from conftest import load_shipped

ROOT = Path(__file__).resolve().parent.parent
STEMS = sorted(p.stem for p in (ROOT / "schemes").glob("*.yaml") if ".tests" not in p.name)
openpyxl = pytest.importorskip("openpyxl")


def _shipped(stem: str) -> tuple[rulebook.Scheme, rulebook.DataSet, dict[str, Any]]:
    import yaml

    scheme = load_shipped(stem)
    path = ROOT / "schemes" / "examples" / f"{stem}.data.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))["units"]
    return scheme, rulebook.read_data(path, scheme), raw


def _cell(
    raw: dict[str, Any],
    ind: rulebook.scheme.model.Indicator | None,
    period: str | None,
    *,
    spreadsheet: bool,
) -> Any:
    """The value the office types for one cell; empty when the YAML leaves it to the default."""
    if ind is None or ind.name not in raw:
        return None
    value = raw[ind.name] if period is None else raw[ind.name][period]
    if isinstance(value, bool):
        return ("是" if value else "否") if spreadsheet else ("true" if value else "false")
    if spreadsheet and isinstance(value, float):
        return value  # typed as a number: read back from its shortest repr
    return value if spreadsheet else str(value)


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("stem", STEMS)
def test_xlsx_template_filled_in_scores_like_the_yaml_example(stem: str, tmp_path: Path) -> None:
    scheme, expected, raw = _shipped(stem)
    target = tmp_path / "data.xlsx"
    assert _run(["template", f"schemes/{stem}.yaml", "-o", str(target)])[0] == EXIT_OK
    book = openpyxl.load_workbook(target)
    sheet = book["数据"]
    heads = [c.value for c in sheet[1]]
    layout = columns(scheme)
    assert heads == [c.header for c in layout]
    for row, (unit, values) in enumerate(raw.items(), start=2):
        sheet.cell(row=row, column=1, value=unit)
        for col, column in enumerate(layout[1:], start=2):
            sheet.cell(
                row=row,
                column=col,
                value=_cell(values, column.indicator, column.period, spreadsheet=True),
            )
    book.save(target)
    data = rulebook.read_data(target, scheme)
    assert data.units == expected.units
    params = Path(f"schemes/examples/{stem}.params.yaml")
    given = ["--params", str(params)] if params.exists() else []
    code, out, err = _run(["score", f"schemes/{stem}.yaml", str(target), "--format", "csv", *given])
    assert code == EXIT_OK, err
    yaml_run = _run(
        [
            "score",
            f"schemes/{stem}.yaml",
            f"schemes/examples/{stem}.data.yaml",
            "--format",
            "csv",
            *given,
        ]
    )
    assert out == yaml_run[1]


@pytest.mark.parametrize("stem", STEMS)
def test_csv_template_filled_in_scores_like_the_yaml_example(stem: str, tmp_path: Path) -> None:
    scheme, expected, raw = _shipped(stem)
    target = tmp_path / "data.csv"
    assert _run(["template", f"schemes/{stem}.yaml", "-o", str(target)])[0] == EXIT_OK
    content = target.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")  # a BOM: Excel then reads the labels as UTF-8
    layout = columns(scheme)
    with target.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        for unit, values in raw.items():
            writer.writerow(
                [
                    unit,
                    *(_cell(values, c.indicator, c.period, spreadsheet=False) for c in layout[1:]),
                ]
            )
    assert rulebook.read_data(target, scheme).units == expected.units


def test_xlsx_template_has_validations_frozen_header_and_notes(tmp_path: Path) -> None:
    """The village scheme's sheet: a drop-down 是/否 for the bool, the enum's values listed,
    whole numbers 0..12 for meetings missed (declared `max: 12`, count), a frozen header row and
    unit column, and a comment on each indicator header naming its id."""
    target = tmp_path / "v.xlsx"
    assert _run(["template", "schemes/village-fp-1000.yaml", "-o", str(target)])[0] == EXIT_OK
    book = openpyxl.load_workbook(target)
    sheet = book["数据"]
    assert sheet.freeze_panes == "B2"
    assert sheet["A1"].value == "单位"
    scheme = rulebook.load("schemes/village-fp-1000.yaml")
    layout = columns(scheme)
    letters = {
        c.indicator.name if c.indicator else "unit": openpyxl.utils.get_column_letter(i)
        for i, c in enumerate(layout, start=1)
        if c.period in (None, "Q1")
    }
    by_cell = {}
    for validation in sheet.data_validations.dataValidation:
        for ref in str(validation.sqref).split():
            by_cell[ref.split(":")[0]] = validation
    staffing = by_cell[letters["staffing_complete"] + "2"]
    assert (staffing.type, staffing.formula1) == ("list", '"是,否"')
    meetings = by_cell[letters["meetings_missed"] + "2"]
    assert (meetings.type, meetings.operator, meetings.formula1, meetings.formula2) == (
        "whole",
        "between",
        "0",
        "12",
    )
    enums = [i for i in scheme.indicators.values() if i.type == "enum"]
    for ind in enums:
        listed = by_cell[letters[ind.name] + "2"]
        assert listed.type == "list" and listed.formula1 == '"' + ",".join(ind.values) + '"'
    comment = sheet[letters["meetings_missed"] + "1"].comment.text
    assert "id: meetings_missed" in comment and "whole number" in comment
    assert sheet.column_dimensions["A"].width >= 10
    assert "说明" in book.sheetnames


def test_template_of_a_broken_scheme_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("scheme: {id: x}\n", encoding="utf-8")
    target = tmp_path / "t.xlsx"
    code, _, err = _run(["template", str(bad), "-o", str(target)])
    assert code == 2 and "error" in err and not target.exists()


def test_number_columns_get_numeric_validation() -> None:
    """A rate (declared 0..100 by its type) gets a decimal range; bounds come from the domain."""
    from rulebook.data.template import template_xlsx

    scheme = rulebook.loads("""
scheme: {id: t, title: t}
indicators:
  share: {type: rate, label: 占比}
  money: {type: decimal, min: 0}
tree:
  - id: a
    expr: share + money
""")
    book: Any = template_xlsx(scheme)
    found = {str(v.sqref).split(":")[0]: v for v in book["数据"].data_validations.dataValidation}
    assert (found["B2"].type, found["B2"].formula1, found["B2"].formula2) == ("decimal", "0", "100")
    assert (found["C2"].type, found["C2"].operator, found["C2"].formula1) == (
        "decimal",
        "greaterThanOrEqual",
        "0",
    )
    assert book["数据"]["B1"].value == "占比"
    assert Decimal(found["B2"].formula2) == 100


def test_cli_template_csv_then_score_with_encoding(tmp_path: Path) -> None:
    """--format csv writes the header row; a GBK-saved copy scores with --encoding gbk, and the
    results equal the UTF-8 copy's."""
    target = tmp_path / "t.txt"
    assert (
        _run(
            [
                "template",
                "tests/data/invalid_tables/scheme.yaml",
                "--format",
                "csv",
                "-o",
                str(target),
            ]
        )[0]
        == EXIT_OK
    )
    header = target.read_text(encoding="utf-8-sig").strip()
    assert header == (
        "单位,缺席例会次数,孕检率 (%)[Q1],孕检率 (%)[Q2],孕检率 (%)[Q3],专干配齐,"
        "表彰级别,考评分,宣传活动次数"
    )
    body = header + "\r\n东山村,1,72.5,68,70,是,city,18.5,\r\n"
    (tmp_path / "u.csv").write_text(body, encoding="utf-8")
    (tmp_path / "g.csv").write_bytes(body.encode("gbk"))
    utf8 = _run(
        [
            "score",
            "tests/data/invalid_tables/scheme.yaml",
            str(tmp_path / "u.csv"),
            "--format",
            "csv",
        ]
    )
    gbk = _run(
        [
            "score",
            "tests/data/invalid_tables/scheme.yaml",
            str(tmp_path / "g.csv"),
            "--format",
            "csv",
            "--encoding",
            "gbk",
        ]
    )
    assert utf8[0] == gbk[0] == EXIT_OK and utf8[1] == gbk[1]
    # 12 - 3*1 + (72.5 + 68 + 70)/30 + 18.5 + 0 + 8 + 10 = 9 + 7.0166… + 36.5 = 52.52 (2 places)
    assert "52.52" in utf8[1]
    wrong = _run(
        [
            "score",
            "tests/data/invalid_tables/scheme.yaml",
            str(tmp_path / "g.csv"),
            "--encoding",
            "utf-8",
        ]
    )
    assert wrong[0] == 3 and "not utf-8 text" in wrong[2]


def test_a_label_two_indicators_share_is_not_a_header() -> None:
    """Two indicators labelled 次数: the template heads both by id, and a sheet headed 次数 is
    refused (it could be either)."""
    scheme = rulebook.loads("""
scheme: {id: t, title: t}
indicators:
  visits: {type: count, label: 次数}
  calls: {type: count, label: 次数}
  share: {type: rate, label: 占比, unit: "%"}
tree:
  - id: a
    expr: visits + calls + share
""")
    assert [c.header for c in columns(scheme)] == ["单位", "visits", "calls", "占比 (%)"]
    with pytest.raises(rulebook.DataError, match="unknown column `次数`"):
        rulebook.read_data({"unit": ["A"], "次数": [1], "calls": [2], "占比": [3]}, scheme)
    data = rulebook.read_data(
        {"unit": ["A"], "visits": [1], "calls": [2], "占比（%）": [3.5]}, scheme
    )
    assert data.units[0].values == {"visits": 1, "calls": 2, "share": Decimal("3.5")}


def test_enum_values_with_commas_go_on_a_hidden_sheet() -> None:
    """Excel's list validation cannot quote a comma: such values are listed on `取值` (the
    sheet names follow `scheme.language`)."""
    from rulebook.data.template import template_xlsx

    scheme = rulebook.loads("""
scheme: {id: t, title: t, language: zh}
indicators:
  level: {type: enum, values: ["市级,省级", 县级]}
tree:
  - id: a
    expr: 1 if level == "县级" else 0
""")
    book: Any = template_xlsx(scheme)
    validation = book["数据"].data_validations.dataValidation[0]
    assert validation.formula1 == "'取值'!$A$1:$A$2"
    assert [book["取值"]["A1"].value, book["取值"]["A2"].value] == ["市级,省级", "县级"]
    assert book["取值"].sheet_state == "hidden"


def test_cli_template_to_standard_output_and_a_name_it_cannot_tell(tmp_path: Path) -> None:
    """`-o -` writes the CSV header to standard output (no BOM there: it is not a file Excel
    opens); an xlsx on standard output needs a binary stream that is not a terminal (a text
    stream here: refused, exit 1); `-o t.txt` names no format, so nothing is written (exit 1)
    instead of a workbook under a .txt name."""
    scheme_file = "tests/data/invalid_tables/scheme.yaml"
    code, shown, _ = _run(["template", scheme_file, "-o", "-"])
    assert code == EXIT_OK
    assert shown.splitlines()[0] == (
        "单位,缺席例会次数,孕检率 (%)[Q1],孕检率 (%)[Q2],孕检率 (%)[Q3],专干配齐,"
        "表彰级别,考评分,宣传活动次数"
    )
    code, shown, said = _run(["template", scheme_file, "-o", "-", "--format", "xlsx"])
    assert code == 1 and shown == "" and "binary workbook" in said
    target = tmp_path / "t.txt"
    code, _, said = _run(["template", scheme_file, "-o", str(target)])
    assert code == 1 and not target.exists()
    assert "cannot tell the template's format" in said and "--format xlsx|csv" in said


def test_data_validation_covers_every_row_of_the_sheet(tmp_path: Path) -> None:
    """An office with more units than any fixed number of prepared rows is still checked as it
    types: each validated column's range runs from row 2 to Excel's last row, 1,048,576."""
    pytest.importorskip("openpyxl")
    from openpyxl import load_workbook

    target = tmp_path / "t.xlsx"
    assert _run(["template", "tests/data/invalid_tables/scheme.yaml", "-o", str(target)])[0] == 0
    sheet = load_workbook(target)["数据"]
    ranges = [str(v.sqref) for v in sheet.data_validations.dataValidation]
    assert ranges and all(r.endswith("1048576") and r[1:].startswith("2:") for r in ranges)
    assert any("B50000" in v.sqref for v in sheet.data_validations.dataValidation)


def test_output_names_that_are_no_file(tmp_path: Path) -> None:
    """A name ending in `/` names a folder, even one that does not exist yet (a file was
    written under the name without its slash); an empty name is no name; `.csv` alone is a
    CSV file's name. Each refused with exit 6 and nothing written."""
    scheme_file = "tests/data/invalid_tables/scheme.yaml"
    folder = f"{tmp_path}/newdir/"
    code, _, said = _run(["template", scheme_file, "-o", folder])
    assert code == 6 and "it names a folder" in said and not (tmp_path / "newdir").exists()
    code, _, said = _run(["template", scheme_file, "-o", ""])
    assert code == 6 and "no file name" in said
    code, _, _ = _run(["template", scheme_file, "-o", str(tmp_path / ".csv")])
    assert code == EXIT_OK
    assert (tmp_path / ".csv").read_text(encoding="utf-8-sig").startswith("单位,缺席例会次数,")
