"""Malformed CSV and xlsx files (tests/data/invalid_tables/): each problem is reported at its
line/row and column, names unit, indicator and column, and nothing is scored (exit 3, no file)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml

import rulebook
from rulebook.cli import EXIT_DATA, main

HERE = Path(__file__).parent / "data" / "invalid_tables"
SCHEME = HERE / "scheme.yaml"
EXPECTED: dict[str, list[str]] = yaml.safe_load((HERE / "expected.yaml").read_text("utf-8"))
CASES = sorted(p for p in HERE.iterdir() if p.suffix in (".csv", ".xlsx"))


def test_every_file_has_an_expectation_and_every_expectation_a_file() -> None:
    assert sorted(EXPECTED) == [p.name for p in CASES]


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_malformed_table_is_reported_where_and_as_expected(path: Path) -> None:
    if path.suffix == ".xlsx":
        pytest.importorskip("openpyxl")
    where, first, *rest = EXPECTED[path.name]
    scheme = rulebook.load(SCHEME)
    with pytest.raises(rulebook.DataError) as info:
        rulebook.read_data(path, scheme)
    located = [
        p
        for p in info.value.problems
        if p.location and f"{p.location.line}:{p.location.column}" == where
    ]
    assert located, str(info.value)
    assert first in located[0].render()
    assert located[0].location is not None and located[0].location.file == str(path)
    for words in rest:
        assert words in str(info.value)


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_score_exits_3_and_writes_nothing(path: Path, tmp_path: Path) -> None:
    if path.suffix == ".xlsx":
        pytest.importorskip("openpyxl")
    out, err = io.StringIO(), io.StringIO()
    target = tmp_path / "out.json"
    code = main(["score", str(SCHEME), str(path), "--format", "json", "-o", str(target)], out, err)
    assert code == EXIT_DATA
    assert not target.exists() and out.getvalue() == ""
    assert f"{path}:{EXPECTED[path.name][0]}: error:" in err.getvalue()
    assert "Traceback" not in err.getvalue()


def test_hostile_tables_stop_early_with_a_located_reason(tmp_path: Path) -> None:
    """Bounded work on tables built to stall: a header wider than Excel allows (16,384
    columns) is refused at once; a line of millions of cells is refused before it is split;
    a file wrong on every row stops after 1,000 problems and shows the first 200."""
    scheme = rulebook.load(SCHEME)
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(20_000)) + "\n", encoding="utf-8")
    with pytest.raises(rulebook.DataError) as info:
        rulebook.read_data(wide, scheme)
    assert "the header has 20,000 columns: a sheet has at most 16,384" in str(info.value)
    long_line = tmp_path / "line.csv"
    long_line.write_text("a," * 1_500_000 + "\n", encoding="utf-8")
    with pytest.raises(rulebook.DataError) as info:
        rulebook.read_data(long_line, scheme)
    assert f"{long_line}:1:1: error: line 1 is 3,000,001 characters long" in str(info.value)
    header = Path(HERE / "03-duplicate-unit.csv").read_text(encoding="utf-8").splitlines()[0]
    stray = tmp_path / "stray.csv"
    rows = [f"U{i},1,72.5,68,70,true,city,18.5,9" for i in range(5_000)]  # 9: no header above
    stray.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    with pytest.raises(rulebook.DataError) as info:
        rulebook.read_data(stray, scheme)
    assert len(info.value.problems) == 1_001  # 1,000, then where reading stopped
    text = str(info.value)
    assert text.startswith(f"error: {stray}: stopped reading at line 1001 after 1000 problems")
    assert "… and 801 more problem(s), not shown (the first 200" in text
    assert text.count("a value right of the last column") == 199  # and the stop, first


def test_a_stray_header_far_right_is_one_problem_and_rows_stay_short(tmp_path: Path) -> None:
    """A header cell at XFD1 (the last column) leaves 16,375 columns without a header between:
    one problem counts them; a stray value at XFD3000 is found without every row being padded
    to 16,384 cells (the sheet's dimension is not trusted)."""
    openpyxl = pytest.importorskip("openpyxl")
    header = ["单位", "缺席例会次数", "孕检率 (%)[Q1]", "孕检率 (%)[Q2]", "孕检率 (%)[Q3]"]
    header += ["专干配齐", "表彰级别", "考评分"]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "数据"
    sheet.append(header)
    for i in range(2, 3001):
        sheet.append([f"村{i}", 1, 72.5, 68, 70, "是", "city", 18.5])
    sheet["XFD3000"] = 5
    stray = tmp_path / "stray.xlsx"
    book.save(stray)
    with pytest.raises(rulebook.DataError) as info:
        rulebook.read_data(stray, rulebook.load(SCHEME))
    assert "数据!XFD3000: unit `村3000`: a value right of the last column (`考评分`" in str(
        info.value
    )
    sheet["XFD1"] = "extra"
    sheet["XFD3000"] = None
    book.save(stray)
    with pytest.raises(rulebook.DataError) as info:
        rulebook.read_data(stray, rulebook.load(SCHEME))
    assert "数据!I1: this and 16,374 more columns, up to 数据!XFC1, have no header" in str(
        info.value
    )
    assert str(info.value).count("have no header") == 1
