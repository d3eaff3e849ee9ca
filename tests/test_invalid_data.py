"""Malformed data files (tests/data/invalid_data/), checked against the folder's scheme.yaml: each
problem names unit, indicator and period at the file's line:col, and nothing is scored."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from test_invalid_schemes import expectations

import rulebook
from rulebook.cli import EXIT_DATA, main

HERE = Path(__file__).parent / "data" / "invalid_data"
SCHEME = HERE / "scheme.yaml"
CASES = sorted(p for p in HERE.glob("[0-9]*.yaml"))


def test_there_are_at_least_twenty_cases() -> None:
    assert len(CASES) >= 20


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_invalid_data_is_reported_where_and_as_expected(path: Path) -> None:
    where, words = expectations(path)
    scheme = rulebook.load(SCHEME)
    with pytest.raises(rulebook.DataError) as info:
        rulebook.read_data(path, scheme)
    located = [
        p
        for p in info.value.problems
        if p.location and f"{p.location.line}:{p.location.column}" == where
    ]
    assert located, str(info.value)
    assert words[0] in located[0].render()
    assert located[0].location is not None and located[0].location.file == str(path)
    for w in words[1:]:
        assert w in str(info.value)


@pytest.mark.parametrize("path", CASES[:5], ids=[p.stem for p in CASES[:5]])
def test_score_writes_nothing_and_exits_3(path: Path, tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    target = tmp_path / "out.json"
    assert main(["score", str(SCHEME), str(path), "-o", str(target)], out, err) == EXIT_DATA
    assert not target.exists() and out.getvalue() == ""
    assert f"{path}:{expectations(path)[0]}: error:" in err.getvalue()


@pytest.mark.parametrize("suffix", ["", ".csv", ".xlsx", ".json"])
def test_a_device_named_as_data_is_refused_before_reading(suffix: str, tmp_path: Path) -> None:
    """/dev/zero never ends (and reports size 0): read, it would fill memory. Whatever its
    name says, it is refused at once, at line 1 of the name given."""
    import os
    import time

    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero here")
    link = tmp_path / f"zero{suffix}"
    link.symlink_to("/dev/zero")
    start = time.process_time()
    with pytest.raises(rulebook.DataError) as info:
        rulebook.read_data(link, rulebook.load(SCHEME))
    assert time.process_time() - start < 5
    assert f"{link}:1:1" in str(info.value) and "not a regular file (a device)" in str(info.value)
