"""Tests files compare values as the JSON reports them, reach per-period named values and
aggregates (`name[P]`), count `node[P]` as asserting the node for coverage, locate inline data
errors in the tests file, and report every case that cannot run while running the others.

The scheme (PP) throughout, with the units of UNITS:
    x: 乙, aware 30, surveyed 60, visits 1, 2, 3, 7
    y: 乙, aware 70, surveyed 75, visits 0, 0, 1, 1
    jd_rate (乙) = 100 × (30 + 70) / (60 + 75) = 10000 / 135 = 74.074074… → JSON, snapped to 20
      places: 74.07407407407407407407 (the 21st decimal is 4, so it rounds down)
    share(x) = 30 / 60 = 0.5;  v(x)[M02] = 2 / 60 = 0.0333… → 0.03333333333333333333
    hsum(x)[H2] = 3 + 7 = 10;  mv[M04] = 7 + 1 = 8;  m.a(x)[M04] = min(5, 7) = 5;
    m.a(x) = 1 + 2 + 3 + 5 = 11
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import rulebook
from rulebook.cli import EXIT_DATA, EXIT_SCHEME, EXIT_TESTS_FAILED, main
from rulebook.errors import DataError
from rulebook.testing.cases import run_file
from rulebook.testing.coverage import measure

PP = """\
scheme: {id: pp, title: pp}
rounding: {places: 2, mode: half_up}
periods: {M01: 1, M02: 1, M03: 1, M04: 1}
period_groups:
  halves: {H1: [M01, M02], H2: [M03, M04]}
parameters:
  target: {required: true}
indicators:
  jd: {type: enum, values: [甲, 乙]}
  aware: {type: count}
  surveyed: {type: count, min: 1}
  visits: {type: count, per_period: true}
values:
  share: {expr: "aware / surveyed"}
  v: {per: period, expr: "visits / surveyed"}
  hsum: {per: halves, expr: "sum(visits)"}
aggregates:
  jd_aware: {sum: aware, by: jd}
  jd_surv: {sum: surveyed, by: jd}
  mv: {sum: visits}
group_values:
  jd_rate: {expr: "100 * jd_aware / jd_surv"}
tree:
  - id: m
    per: period
    aggregate: sum
    children:
      - {id: a, expr: "min(5, visits)", period_standard: 5}
  - {id: k, expr: "10 if aware >= target else 0"}
"""

UNITS = """\
    units:
      x: {jd: 乙, aware: 30, surveyed: 60, visits: {M01: 1, M02: 2, M03: 3, M04: 7}}
      y: {jd: 乙, aware: 70, surveyed: 75, visits: {M01: 0, M02: 0, M03: 1, M04: 1}}
"""


def write_tests(tmp_path: Path, expect: str, *, extra: str = "", params: str = "") -> Path:
    (tmp_path / "pp.yaml").write_text(PP, encoding="utf-8")
    path = tmp_path / "pp.tests.yaml"
    head = "scheme: pp.yaml\n" + (params or "params: {target: 30}\n") + "cases:\n"
    body = f"  - name: one\n{extra}{UNITS}    expect:\n      x: {expect}\n"
    path.write_text(head + body, encoding="utf-8")
    return path


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_a_value_copied_from_the_json_output_passes(tmp_path: Path) -> None:
    """The JSON writes jd_rate as 74.07407407407407407407 and v[M02] as 0.0333…3 (20 places);
    pasted into the tests file, both pass (before: compared with all 50 digits, they failed)."""
    path = write_tests(
        tmp_path,
        '{jd_rate: 74.07407407407407407407, share: 0.5, "v[M02]": 0.03333333333333333333}',
    )
    scheme = rulebook.loads(PP, "pp.yaml", params={"target": 30})
    data = rulebook.parse_data(
        "units:\n" + "\n".join(line[4:] for line in UNITS.splitlines()[1:]), scheme, "d.yaml"
    )
    document = rulebook.evaluate(scheme, data).to_dict(audit=False)
    assert document["groups"][0]["values"]["jd_rate"] == "74.07407407407407407407"
    assert document["units"][0]["values"]["v"]["M02"] == "0.03333333333333333333"
    (case,) = run_file(path)
    assert case.passed, [f.render() for f in case.failures]


def test_tolerance_still_applies_and_a_miss_shows_the_reported_value(tmp_path: Path) -> None:
    """|74.0740… − 74.07| = 0.0041: within 0.01, outside 0.001; the miss shows the JSON text."""
    assert run_file(write_tests(tmp_path, "{jd_rate: 74.07}", extra="    tolerance: 0.01\n"))[
        0
    ].passed
    path = write_tests(tmp_path, "{jd_rate: 74.07}", extra="    tolerance: 0.001\n")
    code, out, _ = run("test", str(path))
    assert code == EXIT_TESTS_FAILED
    assert "jd_rate: expected 74.07, got 74.07407407407407407407\n" in out
    assert "= 100 * jd_aware[100] / jd_surv[135]" in out


def test_per_period_named_values_aggregates_and_nodes(tmp_path: Path) -> None:
    path = write_tests(tmp_path, '{"hsum[H2]": 10, "mv[M04]": 8, "m.a[M04]": 5, m.a: 11}')
    (case,) = run_file(path)
    assert case.passed, [f.render() for f in case.failures]
    wrong = write_tests(tmp_path, '{"hsum[H2]": 11, "mv[M04]": 9, "hsum[H3]": 1, hsum: 10}')
    (case,) = run_file(wrong)
    assert [(f.key, f.got) for f in case.failures] == [
        ("hsum[H2]", "10"),
        ("mv[M04]", "8"),
        ("hsum[H3]", "no period `H3` of `hsum` (it has H1, H2)"),
        ("hsum", "one value per period: write `hsum[H1]`"),
    ]


def test_asserting_a_period_of_an_item_covers_the_item(tmp_path: Path) -> None:
    """Only `m.a[M04]` and `k` are asserted: both items count, nothing is 'never asserted'."""
    path = write_tests(tmp_path, '{"m.a[M04]": 5, k: 10}')
    (case,) = run_file(path)
    assert case.passed and case.result is not None
    covered = measure(case.result.scheme, [case.result], set(case.asserted))
    assert (covered.items, covered.items_asserted) == (2, 2)
    assert not [n for n in covered.never if "never asserted" in n]


def test_inline_data_errors_are_located_in_the_tests_file(tmp_path: Path) -> None:
    """`aware: 30.5` is line 6 of the tests file, column 25; an override at 5:28."""
    path = write_tests(tmp_path, "{k: 10}")
    path.write_text(path.read_text("utf-8").replace("aware: 30,", "aware: 30.5,"), "utf-8")
    (case,) = run_file(path)
    assert isinstance(case.error, DataError)
    assert str(case.error).startswith(
        f"{path}:6:25: error: unit `x`, indicator `aware`: a count must be a whole number, "
        "got 30.5\n"
    )
    path = write_tests(tmp_path, "{k: 10}", extra="    overrides: {y: {aware: -1}}\n")
    code, _, err = run("test", str(path))
    assert code == EXIT_DATA
    assert f"{path}:5:28: error: unit `y`, indicator `aware`" in err


def test_a_data_file_error_is_located_in_the_data_file(tmp_path: Path) -> None:
    path = write_tests(tmp_path, "{k: 10}")
    (tmp_path / "d.yaml").write_text(
        "units:\n  x: {jd: 丙, aware: 1, surveyed: 1, visits: {M01: 0, M02: 0, M03: 0, M04: 0}}\n",
        "utf-8",
    )
    text = path.read_text("utf-8")
    path.write_text(text[: text.index("    units:")] + "    data: d.yaml\n    expect: {}\n")
    (case,) = run_file(path)
    assert str(case.error).startswith(f"{tmp_path / 'd.yaml'}:2:11: error: unit `x`")


def test_every_case_missing_a_parameter_is_reported_and_the_others_run(tmp_path: Path) -> None:
    """No file-level params: cases one and three lack `target`; case two gives it and runs
    (k = 10 since 30 >= 30). Exit 2 after all ran; the hint is `params: {target: <number>}`."""
    path = write_tests(tmp_path, "{k: 10}", params="params: {}\n")
    one = path.read_text("utf-8").split("cases:\n")[1]
    two = one.replace("name: one\n", "name: two\n    params: {target: 30}\n")
    three = one.replace("name: one", "name: three")
    path.write_text(f"scheme: pp.yaml\ncases:\n{one}{two}{three}", "utf-8")
    first, second, third = run_file(path)
    assert second.passed and first.error is not None and third.error is not None
    code, out, err = run("test", str(path))
    assert code == EXIT_SCHEME
    assert out == "1 passed, 0 failed, 2 not run\n"
    assert f"{path}:3:5: error: case `one`: the scheme needs parameters" in err
    assert f"{path}:16:5: error: case `three`: the scheme needs parameters" in err
    assert "hint: give them in the tests file or the case: `params: {target: <number>}`" in err
    assert json.dumps("`target") not in err  # no backquote inside the braces
    code, out, _ = run("test", "--coverage", str(path))  # measured on the case that ran
    assert "pp: coverage — items asserted 1/2" in out and "m.a: never asserted" in out
