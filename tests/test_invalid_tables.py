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
