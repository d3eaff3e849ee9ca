"""One malformed scheme per failure mode (tests/data/invalid/): each must be reported at the
line:col written in its `# expect:` header, with those words, a source line and a caret."""

from __future__ import annotations

from pathlib import Path

import pytest

import rulebook

HERE = Path(__file__).parent / "data" / "invalid"
CASES = sorted(HERE.glob("*.yaml"))


def expectations(path: Path) -> tuple[str, list[str]]:
    """(`line:col`, words) from the file's `# expect:` lines; the first starts with line:col."""
    lines = [
        line[len("# expect: ") :]
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("# expect: ")
    ]
    where, _, first = lines[0].partition(" ")
    return where, [first, *lines[1:]]


def test_there_is_a_case_for_at_least_thirty_failure_modes() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_invalid_scheme_is_reported_where_and_as_expected(path: Path) -> None:
    where, words = expectations(path)
    with pytest.raises(rulebook.SchemeError) as info:
        rulebook.load(path)
    errors = [p for p in info.value.problems if p.severity == "error"]
    located = [
        p for p in errors if p.location and f"{p.location.line}:{p.location.column}" == where
    ]
    assert located, f"no error at {where}: " + "; ".join(p.render() for p in errors)
    first = located[0].render()
    assert words[0] in first
    assert f"{path}:{where}: error:" in first
    if located[0].source_line is not None:
        assert "^" in first.splitlines()[2]
    everything = str(info.value)
    for w in words[1:]:
        assert w in everything


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_check_reports_the_same_and_exits_2(path: Path) -> None:
    import io

    from rulebook.cli import EXIT_SCHEME, main

    err = io.StringIO()
    assert main(["check", str(path)], io.StringIO(), err) == EXIT_SCHEME
    assert f"{path}:{expectations(path)[0]}: error:" in err.getvalue()
