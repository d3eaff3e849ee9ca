"""Per-period nodes together with not applicable (QA findings 2 and 3): an n/a item's period
scores are n/a; a per-period group's period scores follow its `not_applicable:` rule as its
score does (`rulebook.engine.periodna`, calling `semantics.applicable_sum`); every rendering
works; and no library traceback reaches standard error."""

from __future__ import annotations

import csv
import gc
import io
import json
import sys
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rulebook
from rulebook import columnar
from rulebook.audit.bounds import Interval, analyze
from rulebook.cli import EXIT_BUG, EXIT_OK, main
from rulebook.engine.columnar.result import same
from rulebook.engine.semantics import NA
from rulebook.render import excel
from rulebook.render.worksheet import worksheet
from rulebook.testing.properties import from_scheme

from helpers import problems

# /tmp/qa/pn.yaml: `v` may be n/a per month; the group rescales over the items that apply
PN = """
scheme: {id: pn, title: pn, language: en}
periods: {M01: 1, M02: 1, M03: 1}
indicators:
  v: {type: count, per_period: true, na: allowed}
  w: {type: count}
tree:
  - id: m
    per: period
    aggregate: sum
    not_applicable: rescale
    children:
      - {id: a, expr: "min(10, v)", period_standard: 10}
      - {id: b, expr: "min(5, w)", period_standard: 5}
total: {not_applicable: zero}
"""
PN_DATA: dict[str, Any] = {
    "units": {"x": {"v": {"M01": 4, "M02": "n/a", "M03": 6}, "w": 5}, "y": {"v": "n/a", "w": 2}}
}

# /tmp/qa/pn3.yaml: `a` applies only where w > 3
PN3 = PN.replace("na: allowed", "min: 0").replace(
    "period_standard: 10}", 'period_standard: 10, applies: "w > 3"}'
)
PN3_DATA: dict[str, Any] = {"units": {"x": {"v": {"M01": 4, "M02": 5, "M03": 6}, "w": 2}}}

MONTHS = ("M01", "M02", "M03")


def _periods(result: rulebook.Result, unit: str, node: str) -> list[Any]:
    return [result.unit(unit).value(f"{node}.periods", p) for p in MONTHS]


@pytest.mark.parametrize("engine", ["compiled", "reference"])
def test_one_n_a_month_makes_the_item_n_a_and_the_group_rescales_each_month(engine: str) -> None:
    """x: v is n/a in M02, so `a` reads an n/a value and is n/a — in every month too (the
    propagation rule: a formula reading n/a at any period is n/a). b = min(5, 5) = 5 a month,
    15 in all. Standards: a 3 × 10 = 30, b 3 × 5 = 15, so m = 15 × 45 / 15 = 45 and each
    month m = 5 × 45 / 15 = 15 — the months add up to m (15 + 15 + 15 = 45), where before the
    fix every month of m was n/a while m was 45."""
    result = rulebook.evaluate(rulebook.loads(PN, "pn.yaml"), PN_DATA, engine=engine)
    assert result.unit("x").scores["m"] == Decimal("45.00")
    assert _periods(result, "x", "m.a") == [NA, NA, NA]
    assert _periods(result, "x", "m.b") == [5, 5, 5]
    assert _periods(result, "x", "m") == [15, 15, 15]
    # y: w = 2 → b 2 a month, 6 in all; m = 6 × 45 / 15 = 18, each month 2 × 3 = 6
    assert result.unit("y").scores["m"] == Decimal("18.00")
    assert _periods(result, "y", "m") == [6, 6, 6]


@pytest.mark.parametrize("engine", ["compiled", "reference"])
def test_an_item_whose_applies_fails_has_no_period_scores(engine: str) -> None:
    """With w = 2, `a` (applies w > 3) is n/a — and so is each of its months (before the fix:
    4, 5, 6, and m's months 6, 7, 8 summing to 21 while m = 18). b = 2 a month; m = 6 × 45 /
    15 = 18 and each month 2 × 45 / 15 = 6 (6 + 6 + 6 = 18)."""
    result = rulebook.evaluate(rulebook.loads(PN3, "pn3.yaml"), PN3_DATA, engine=engine)
    assert result.unit("x").value("m.a") is NA
    assert _periods(result, "x", "m.a") == [NA, NA, NA]
    assert _periods(result, "x", "m") == [6, 6, 6]
    assert result.unit("x").scores["m"] == Decimal("18.00")


def test_under_full_an_n_a_child_counts_its_period_standard_each_month() -> None:
    """`full`: a (n/a) counts 10 a month, b 2 → m months 12 each, m = 30 + 6 = 36 = 3 × 12."""
    result = rulebook.evaluate(rulebook.loads(PN3.replace("rescale", "full"), "pn3.yaml"), PN3_DATA)
    assert _periods(result, "x", "m") == [12, 12, 12]
    assert result.unit("x").scores["m"] == Decimal("36.00")


def test_an_n_a_month_in_an_applying_item_still_scores_other_items() -> None:
    """Every month applies (pn2): no n/a, so the plain sum: m months 4 + 5, 5 + 5, 6 + 5."""
    data = {"units": {"x": {"v": {"M01": 4, "M02": 5, "M03": 6}, "w": 5}}}
    result = rulebook.evaluate(rulebook.loads(PN, "pn.yaml"), data)
    assert _periods(result, "x", "m") == [9, 10, 11]
    assert result.unit("x").scores["m"] == Decimal("30.00")


@pytest.mark.parametrize(("text", "data"), [(PN, PN_DATA), (PN3, PN3_DATA)])
def test_every_rendering_runs_and_agrees(text: str, data: Any, tmp_path: Path) -> None:
    """explain, HTML, JSON with the audit, long CSV and xlsx each crashed before; now each
    exits 0 and the long CSV's months of m add up to m."""
    scheme_file, data_file = tmp_path / "s.yaml", tmp_path / "d.json"
    scheme_file.write_text(text, encoding="utf-8")
    data_file.write_text(json.dumps(data), encoding="utf-8")
    base = ["score", str(scheme_file), str(data_file)]
    runs = {
        "explain": ["explain", str(scheme_file), str(data_file), "--unit", "x"],
        "html": [*base, "-o", str(tmp_path / "r.html")],
        "json": [*base, "--format", "json", "--audit"],
        "csv-long": [*base, "--format", "csv-long"],
        "xlsx": [*base, "-o", str(tmp_path / "r.xlsx")],
    }
    outputs = {}
    for name, argv in runs.items():
        out, err = io.StringIO(), io.StringIO()
        assert main(argv, out, err) == EXIT_OK, (name, err.getvalue())
        assert err.getvalue() == "", name
        outputs[name] = out.getvalue()
    rows = list(csv.DictReader(io.StringIO(outputs["csv-long"])))
    m = [r for r in rows if r["unit"] == "x" and r["node"] == "m"]
    whole, months = Decimal(m[0]["value"]), [Decimal(r["value"]) for r in m[1:]]
    assert sum(months) == whole
    assert all(r["value"] == "n/a" for r in rows if r["node"] == "m.a" and r["unit"] == "x")
    assert "n/a" in (tmp_path / "r.html").read_text(encoding="utf-8")
    audit = json.loads(outputs["json"])
    assert audit["units"][0]["period_scores"]["m.a"] == {"M01": None, "M02": None, "M03": None}


def test_a_library_failure_inside_xlsx_prints_one_line_and_no_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """A writer that fails half-way leaves openpyxl's row generator half-run; when it is
    finalised, Python prints "Exception ignored in … Traceback" to stderr unless the CLI's
    guard silences it. The CLI says one line (the bug report) and nothing else."""

    def failing(result: rulebook.Result) -> Iterator[tuple[Any, ...]]:
        yield ("x", "m", "m", "group", "", Decimal(1), Decimal(1), 0, "")
        raise RuntimeError("boom")

    monkeypatch.setattr(excel, "long_rows", failing)
    scheme_file, data_file = tmp_path / "s.yaml", tmp_path / "d.json"
    scheme_file.write_text(PN, encoding="utf-8")
    data_file.write_text(json.dumps(PN_DATA), encoding="utf-8")
    monkeypatch.delenv("RULEBOOK_DEBUG", raising=False)
    printed: list[Any] = []  # what Python would print as "Exception ignored in …"
    monkeypatch.setattr(sys, "unraisablehook", printed.append)
    err = io.StringIO()
    code = main(
        ["score", str(scheme_file), str(data_file), "-o", str(tmp_path / "r.xlsx")],
        io.StringIO(),
        err,
    )
    assert code == EXIT_BUG
    assert err.getvalue().count("\n") == 1 and "RuntimeError: boom" in err.getvalue()
    gc.collect()  # what is left to finalise would print now (as at interpreter exit)
    assert printed == []
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err and "Exception ignored" not in captured.err
    assert not (tmp_path / "r.xlsx").exists()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data(), which=st.sampled_from([PN, PN3, PN3.replace("rescale", "full")]))
def test_engines_agree_and_months_add_up(data: st.DataObject, which: str) -> None:
    """Compiled, reference and columnar agree; with `sum` under rescale or full, a group's
    months add up to its raw score (the same factor Σ all / Σ applicable)."""
    scheme = rulebook.loads(which, "s.yaml")
    sample = data.draw(from_scheme(scheme, units=(1, 5)))
    compiled = rulebook.evaluate(scheme, sample)
    reference = rulebook.evaluate(scheme, sample, engine="reference")
    column = columnar.evaluate(scheme, sample)
    for unit, other in zip(compiled, reference, strict=True):
        assert all(same(a, b) for a, b in zip(unit.vector, other.vector, strict=True))
        assert all(same(a, b) for a, b in zip(unit.vector, column.vector(unit.unit), strict=True))
        months = [unit.value("m.periods", p) for p in MONTHS]
        raw = unit.value("m", raw=True)
        if raw is NA:
            assert months == [NA, NA, NA]
        else:
            assert sum(months) == raw


def test_bounds_of_a_rescaled_group_period_score_are_sound() -> None:
    """Item b is uncapped (w ≤ 20) with period_standard 5 (standard 15), a capped at 10 (standard
    30). With a n/a, m's month is w × 45 / 15 = 3w, up to 60 — above the plain sum of the
    children's highs (10 + 20 = 30) the old bounds gave. rescaled_span: 45 × max(10 / 30,
    20 / 15) = 60."""
    text = PN.replace("w: {type: count}", "w: {type: count, max: 20}").replace(
        'expr: "min(5, w)"', 'expr: "w"'
    )
    scheme = rulebook.loads(text, "pn.yaml")
    found = {b.name: b.bounds for b in analyze(scheme)}
    assert found["m.periods"] == Interval(Decimal(0), Decimal(60))
    result = rulebook.evaluate(scheme, {"units": {"x": {"v": "n/a", "w": 20}}})
    assert _periods(result, "x", "m") == [60, 60, 60]


def test_full_on_a_per_period_group_needs_each_childs_period_standard() -> None:
    text = PN3.replace("rescale", "full").replace(", period_standard: 10", "")
    found = problems(text)
    assert any(
        "`not_applicable: full` on a per-period group counts an n/a child's `period_standard`"
        " in each period, but `m.a` has none" in p
        for p in found
    ), found


def test_a_rescaled_group_whose_standard_is_not_its_childrens_sum_is_warned() -> None:
    """Standard 100, children 10 + 20: rescale scales to 30 (a n/a, b = 10 → 10 × 30 / 20 =
    15, not 50), so the load warns at the group's `standard:`."""
    text = """
scheme: {id: r, title: r, language: en}
indicators:
  x: {type: count, na: allowed}
  y: {type: count}
tree:
  - id: g
    standard: 100
    not_applicable: rescale
    children:
      - {id: a, standard: 10, expr: "min(10, x)"}
      - {id: b, standard: 20, expr: "min(20, y)"}
"""
    scheme = rulebook.loads(text, "r.yaml")
    (warning,) = [p for p in scheme_warnings(text) if "rescale" in p.message]
    assert "(10 + 20 = 30), not to this `standard: 100`" in warning.message
    assert (warning.location.line, warning.location.column) == (8, 15)
    result = rulebook.evaluate(scheme, {"units": {"u": {"x": "n/a", "y": 10}}})
    assert result.unit("u").scores["g"] == Decimal("15.00")


def scheme_warnings(text: str) -> list[Any]:
    scheme_file = Path(tempfile.mkdtemp()) / "r.yaml"
    scheme_file.write_text(text, encoding="utf-8")
    return [p for p in rulebook.check(scheme_file) if p.severity == "warning"]


def test_explain_says_the_groups_period_scores_were_combined_by_its_rule() -> None:
    """pn, unit x: each month 5 × 45 / 15 = 15 — the explain line says so, not only a + b."""
    result = rulebook.evaluate(rulebook.loads(PN, "pn.yaml"), PN_DATA)
    text = worksheet(result, "x", "m")
    assert "rescale (缺项按比例折算) at each period: M01 15, M02 15, M03 15" in text
