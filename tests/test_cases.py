"""YAML scheme test cases: `rulebook test` and the pytest plugin, passing and failing."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from rulebook.cases import run_file
from rulebook.cli import EXIT_OK, EXIT_TESTS_FAILED, main

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
    path = tmp_path / "wrong.tests.yaml"
    path.write_text(FAILING.format(scheme=SCHEMES / "village-fp-1000.yaml",
                                   data=SCHEMES / "examples" / "village-fp-1000.data.yaml"),
                    encoding="utf-8")
    return path


def test_shipped_cases_pass() -> None:
    out = io.StringIO()
    assert main(["test", str(SCHEMES)], out, io.StringIO()) == EXIT_OK
    assert out.getvalue().endswith("11 passed, 0 failed\n")


def test_a_failing_case_names_file_line_node_expected_got_and_audit(tmp_path: Path) -> None:
    """12 − 3 × 1 = 9, not 12: the report points at line 8 (the expectation) and shows the
    node's formula with the value read."""
    path = write_failing(tmp_path)
    (result,) = run_file(path)
    assert [f.key for f in result.failures] == ["committee.meetings"]
    out = io.StringIO()
    assert main(["test", str(path)], out, io.StringIO()) == EXIT_TESTS_FAILED
    text = out.getvalue()
    assert f"{path}:8:9: case 'a wrong expectation', unit '西河村', committee.meetings: " \
           "expected 12, got 9.00" in text
    assert "= max(0, 12 - 3 * meetings_missed[1])" in text
    assert text.endswith("0 passed, 1 failed\n")


def test_the_pytest_plugin_collects_and_reports_cases(tmp_path: Path) -> None:
    write_failing(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(tmp_path)], capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert "expected 12, got 9.00" in proc.stdout
    assert "1 failed" in proc.stdout
