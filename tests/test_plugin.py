"""The pytest plugin: collection only parses tests files; scoring happens when a case runs, so
`-k` selects cases and a broken scheme or data file fails its cases, not the collection."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

HOSTILE = Path(__file__).parent / "data" / "tests_files"

pytest_plugins = ["pytester"]

TWO_CASES = """\
scheme: tiny.yaml
cases:
  - name: one_missed
    data: tiny.data.yaml
    expect: {a: {g.meetings: 9}}
  - name: wrong_guess
    units: {a: {missed: 2}}
    expect: {a: {g.meetings: 7}}
"""
# 12 − 3 × 1 = 9 (passes); 12 − 3 × 2 = 6, not 7 (fails)


def _folder(pytester: pytest.Pytester, tests: str, scheme: str | None = None) -> Path:
    root = pytester.path
    if scheme is None:
        shutil.copy(HOSTILE / "tiny.yaml", root / "tiny.yaml")
    else:
        (root / "tiny.yaml").write_text(scheme, encoding="utf-8")
    shutil.copy(HOSTILE / "tiny.data.yaml", root / "tiny.data.yaml")
    (root / "tiny.tests.yaml").write_text(tests, encoding="utf-8")
    return root


def test_one_item_per_case_and_the_failure_names_expected_and_got(
    pytester: pytest.Pytester,
) -> None:
    _folder(pytester, TWO_CASES)
    run = pytester.runpytest("-p", "no:cacheprovider")
    run.assert_outcomes(passed=1, failed=1)
    text = run.stdout.str()
    assert (
        "tiny.tests.yaml:8:18: case 'wrong_guess', unit 'a', g.meetings: expected 7, "
        "got 6.00" in text
    )


def test_k_selects_cases_by_name(pytester: pytest.Pytester) -> None:
    _folder(pytester, TWO_CASES)
    run = pytester.runpytest("-p", "no:cacheprovider", "-k", "one_missed")
    run.assert_outcomes(passed=1, deselected=1)


def test_collection_does_not_load_the_scheme(pytester: pytest.Pytester) -> None:
    """A scheme that does not even parse: collecting still lists both cases."""
    _folder(pytester, TWO_CASES, scheme="scheme: {id: broken\n")
    run = pytester.runpytest("-p", "no:cacheprovider", "--collect-only", "-q")
    assert run.ret == 0
    assert "tiny.tests.yaml::one_missed" in run.stdout.str()
    assert "tiny.tests.yaml::wrong_guess" in run.stdout.str()


def test_a_broken_scheme_fails_its_cases_with_the_located_message(
    pytester: pytest.Pytester,
) -> None:
    _folder(pytester, TWO_CASES, scheme="scheme: {id: broken\n")
    # -rN: no short summary, which under CI=true repeats each failure's message in full
    run = pytester.runpytest("-p", "no:cacheprovider", "-rN")
    run.assert_outcomes(failed=2, errors=0)
    text = run.stdout.str()
    assert text.count("tiny.yaml:2:1: error: YAML syntax") == 2
    assert "Traceback" not in text and "rulebook/" not in text


def test_a_refused_data_file_fails_only_its_case(pytester: pytest.Pytester) -> None:
    _folder(pytester, TWO_CASES.replace("data: tiny.data.yaml", "data: /dev/zero"))
    run = pytester.runpytest("-p", "no:cacheprovider")
    run.assert_outcomes(failed=2)  # the refused data file, and the wrong guess
    text = run.stdout.str()
    assert (
        "tiny.tests.yaml:4:11: error: data file `/dev/zero` refused: absolute paths are "
        "not allowed" in text
    )
    assert "Traceback" not in text


def test_a_symlinked_tests_file_is_not_collected(
    pytester: pytest.Pytester, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Planted links, to a file and to a folder, are skipped: nothing is collected."""
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    shutil.copy(HOSTILE / "tiny.yaml", elsewhere / "tiny.yaml")
    shutil.copy(HOSTILE / "tiny.data.yaml", elsewhere / "tiny.data.yaml")
    (elsewhere / "x.tests.yaml").write_text(TWO_CASES, encoding="utf-8")
    (pytester.path / "link.tests.yaml").symlink_to(elsewhere / "x.tests.yaml")
    (pytester.path / "linked_folder").symlink_to(elsewhere)
    run = pytester.runpytest("-p", "no:cacheprovider")
    assert run.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_a_malformed_tests_file_is_one_located_collection_error(pytester: pytest.Pytester) -> None:
    """Only the tests file itself can stop its collection; it says where, without a traceback."""
    _folder(pytester, "scheme: tiny.yaml\ncases:\n  - name: x\n    expct: {}\n")
    run = pytester.runpytest("-p", "no:cacheprovider")
    run.assert_outcomes(errors=1)
    text = run.stdout.str()
    assert "tiny.tests.yaml:4:5: error: unknown key `expct` in a case" in text
    assert "Traceback" not in text and "rulebook/" not in text
