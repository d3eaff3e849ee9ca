"""YAML scheme test cases: `rulebook test` and the pytest plugin, passing and failing."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from rulebook.cli import EXIT_OK, EXIT_OUTPUT, EXIT_SCHEME, EXIT_TESTS_FAILED, EXIT_USAGE, main
from rulebook.testing.cases import run_file

from conftest import SCHEMES

FAILING = """\
scheme: {scheme}
cases:
  - name: a wrong expectation
    data: {data}
    overrides: {{西河村: {{meetings_missed: 1}}}}
    expect:
      西河村:
        committee.meetings: 12
        total: 591.45
        vetoed: []
"""


def write_failing(tmp_path: Path) -> Path:
    """The failing tests file beside copies of the village scheme and data (a tests file may
    only read files inside its own folder)."""
    shutil.copy(SCHEMES / "village-fp-1000.yaml", tmp_path / "village.yaml")
    shutil.copy(SCHEMES / "examples" / "village-fp-1000.data.yaml", tmp_path / "data.yaml")
    path = tmp_path / "wrong.tests.yaml"
    path.write_text(FAILING.format(scheme="village.yaml", data="data.yaml"), encoding="utf-8")
    return path


def test_shipped_cases_pass() -> None:
    out = io.StringIO()
    assert main(["test", str(SCHEMES)], out, io.StringIO()) == EXIT_OK
    cases = sum(
        len(yaml.safe_load(p.read_text(encoding="utf-8"))["cases"])
        for p in SCHEMES.glob("*.tests.yaml")
    )
    assert out.getvalue().endswith(f"{cases} passed, 0 failed\n")


def test_a_failing_case_names_file_line_node_expected_got_and_audit(tmp_path: Path) -> None:
    """12 − 3 × 1 = 9, not 12: the report points at line 8 (the expectation) and shows the
    node's formula with the value read."""
    path = write_failing(tmp_path)
    (result,) = run_file(path)
    assert [f.key for f in result.failures] == ["committee.meetings"]
    out = io.StringIO()
    assert main(["test", str(path)], out, io.StringIO()) == EXIT_TESTS_FAILED
    text = out.getvalue()
    assert (
        f"{path}:8:9: case 'a wrong expectation', unit '西河村', committee.meetings: "
        "expected 12, got 9.00" in text
    )
    assert "= max(0, 12 - 3 * meetings_missed[1])" in text
    assert text.endswith("0 passed, 1 failed\n")


def test_the_pytest_plugin_collects_and_reports_cases(tmp_path: Path) -> None:
    write_failing(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "expected 12, got 9.00" in proc.stdout
    assert "1 failed" in proc.stdout


WRONG_MONOTONE = """\
scheme: {id: wrong, title: wrong}
indicators:
  missed: {type: count, max: 12}
tree:
  - id: g
    children:
      - id: meetings
        expr: "max(0, 12 - 3 * missed) + (5 if missed == 4 else 0)"
        monotone: {missed: decreasing}
"""


def test_a_broken_monotonicity_is_found_with_a_rerunnable_counterexample(tmp_path: Path) -> None:
    """12 − 3 × 3 = 3 at three missed meetings, but 0 + 5 = 5 at four: more missed meetings
    raised the score. The shrunk counterexample is saved as a data file that scores again."""
    import rulebook
    from rulebook.testing.properties import check_properties

    scheme = rulebook.loads(WRONG_MONOTONE, "wrong.yaml")
    results = {r.name: r for r in check_properties(scheme, examples=200, out_dir=tmp_path)}
    assert results["caps and floors hold"].passed
    broken = results["declared monotonicity holds"]
    assert not broken.passed and broken.counterexample is not None
    assert "g.meetings went from 3.00 to 5.00 when missed rose by 1" in str(broken.failure)
    data = rulebook.read_data(broken.counterexample, scheme)
    assert [u.values["missed"] for u in data.units][:1] == [3]


def test_properties_from_the_cli(tmp_path: Path) -> None:
    (tmp_path / "wrong.yaml").write_text(WRONG_MONOTONE, encoding="utf-8")
    (tmp_path / "wrong.tests.yaml").write_text(
        "cases:\n  - name: three missed\n    units: {a: {missed: 3}}\n"
        "    expect: {a: {g.meetings: 3}}\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    code = main(["test", "--properties", "--examples", "200", str(tmp_path)], out, io.StringIO())
    assert code == EXIT_TESTS_FAILED
    text = out.getvalue()
    assert "wrong: property 'declared monotonicity holds' FAILED" in text
    assert "counterexample:" in text and text.endswith("4 passed, 1 failed\n")


COVER = """\
scheme: {id: cover, title: cover}
indicators:
  missed: {type: count, max: 12}
  sixth: {type: count}
tree:
  - id: g
    children:
      - id: meetings
        expr: "max(0, 12 - 3 * missed)"
      - id: plan
        expr: "0 if sixth > 0 else 60"
      - id: capped
        expr: "missed * 10"
        max: 50
"""


def test_coverage_names_what_the_cases_never_exercised(tmp_path: Path) -> None:
    """One case, missed = 1, sixth = 0: the floor of `meetings` never clipped (12 − 3 ≥ 0),
    `sixth > 0` was never true, the cap 50 never clipped (10 ≤ 50), and `capped` was never
    asserted. The `false` side was taken: 3 of 4 limits/branches sides are missing."""
    (tmp_path / "cover.yaml").write_text(COVER, encoding="utf-8")
    (tmp_path / "cover.tests.yaml").write_text(
        "cases:\n  - name: one\n    units: {a: {missed: 1, sixth: 0}}\n"
        "    expect: {a: {g.meetings: 9, g.plan: 60}}\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    assert main(["test", "--coverage", str(tmp_path)], out, io.StringIO()) == EXIT_OK
    text = out.getvalue()
    assert (
        "cover: coverage — items asserted 2/3, branch sides taken 1/2, caps and floors "
        "hit 0/2" in text
    )
    for line in (
        "g.capped: never asserted by a case",
        "g.plan: `sixth > 0` was never true",
        "g.meetings: `max(0, 12 - 3 * missed)` never clipped",
        "g.capped: `max: 50` never clipped",
    ):
        assert f"    never: {line}\n" in text


def test_a_search_does_not_follow_symlinked_tests_files(tmp_path: Path) -> None:
    """`rulebook test DIR` skips a planted link to a tests file and a linked folder; a tests
    file named explicitly is run as named."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "wrong.yaml").write_text(WRONG_MONOTONE, encoding="utf-8")
    (elsewhere / "wrong.tests.yaml").write_text(
        "cases:\n  - units: {a: {missed: 3}}\n    expect: {a: {g.meetings: 3}}\n", "utf-8"
    )
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "link.tests.yaml").symlink_to(elsewhere / "wrong.tests.yaml")
    (folder / "linked").symlink_to(elsewhere)
    err = io.StringIO()
    assert main(["test", str(folder)], io.StringIO(), err) == EXIT_USAGE
    assert err.getvalue() == f"rulebook: no *.tests.yaml under {folder}\n"
    out = io.StringIO()
    assert main(["test", str(elsewhere / "wrong.tests.yaml")], out, io.StringIO()) == EXIT_OK
    assert out.getvalue() == "1 passed, 0 failed\n"


def test_a_refused_data_file_exits_2_with_the_located_message(tmp_path: Path) -> None:
    (tmp_path / "wrong.yaml").write_text(WRONG_MONOTONE, encoding="utf-8")
    tests = tmp_path / "wrong.tests.yaml"
    tests.write_text(
        "cases:\n  - name: zero\n    data: /dev/zero\n    expect: {a: {g.meetings: 3}}\n",
        encoding="utf-8",
    )
    out, err = io.StringIO(), io.StringIO()
    assert main(["test", str(tmp_path)], out, err) == EXIT_SCHEME
    assert err.getvalue().startswith(
        f"{tests}:3:11: error: data file `/dev/zero` refused: absolute paths are not allowed\n"
    )
    assert out.getvalue() == "0 passed, 0 failed, 1 not run\n"


def test_a_counterexample_never_leaves_the_tests_folder(tmp_path: Path) -> None:
    """`id: ../../x` is free text: the counterexample is written as `x.counterexample....`
    directly in the tests file's folder, and nowhere else."""
    folder = tmp_path / "a" / "b"
    folder.mkdir(parents=True)
    (folder / "wrong.yaml").write_text(
        WRONG_MONOTONE.replace("{id: wrong,", "{id: ../../x,"), encoding="utf-8"
    )
    (folder / "wrong.tests.yaml").write_text(
        "cases:\n  - units: {a: {missed: 3}}\n    expect: {a: {g.meetings: 3}}\n", "utf-8"
    )
    out = io.StringIO()
    assert (
        main(["test", "--properties", "--examples", "200", str(folder)], out, io.StringIO())
        == EXIT_TESTS_FAILED
    )
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == [
        "a/b/wrong.tests.yaml",
        "a/b/wrong.yaml",
        "a/b/x.counterexample.declared.yaml",
    ]
    assert f"counterexample: {folder / 'x.counterexample.declared.yaml'}" in out.getvalue()


def test_an_unwritable_counterexample_is_a_one_line_error(tmp_path: Path) -> None:
    """The counterexample's name is taken by a folder: exit 6, `cannot write …`."""
    (tmp_path / "wrong.yaml").write_text(WRONG_MONOTONE, encoding="utf-8")
    (tmp_path / "wrong.tests.yaml").write_text(
        "cases:\n  - units: {a: {missed: 3}}\n    expect: {a: {g.meetings: 3}}\n", "utf-8"
    )
    (tmp_path / "wrong.counterexample.declared.yaml").mkdir()
    err = io.StringIO()
    assert (
        main(["test", "--properties", "--examples", "200", str(tmp_path)], io.StringIO(), err)
        == EXIT_OUTPUT
    )
    assert err.getvalue() == (
        f"rulebook: cannot write {tmp_path}/wrong.counterexample."
        "declared.yaml: it is a folder; give a file name\n"
    )


def test_an_expect_that_is_not_a_mapping_is_a_located_error(tmp_path: Path) -> None:
    """`expect: {unit: [total, 6]}` (a list where a mapping belongs) is an error at its line and
    column in the tests file; the other cases still run."""
    shutil.copy(SCHEMES / "migrant-services.yaml", tmp_path / "m.yaml")
    shutil.copy(SCHEMES / "examples" / "migrant-services.data.yaml", tmp_path / "d.yaml")
    path = tmp_path / "x.tests.yaml"
    path.write_text(
        "scheme: m.yaml\n"
        "cases:\n"
        "  - name: bad\n"
        "    data: d.yaml\n"
        "    expect:\n"
        "      中马街道: [total, 6]\n"
        "  - name: good\n"
        "    data: d.yaml\n"
        "    expect:\n"
        "      中马街道: {total: 6}\n",
        encoding="utf-8",
    )
    out, err = io.StringIO(), io.StringIO()
    assert main(["test", str(path)], out, err) == EXIT_SCHEME
    assert (
        "x.tests.yaml:6:13: error: `expect` of unit `中马街道` must be a mapping" in err.getvalue()
    )
    assert "1 passed, 0 failed, 1 not run" in out.getvalue()
