"""Not-applicable items (不适用): the data marker, `applies:` conditions, and the parents'
rules `rescale` (缺项按比例折算), `full` (不适用项按满分计) and `zero`, worked by hand on a nested
scheme and its total; the load and data errors; the audit's sentences; every rendering;
bounds; and the three engines holding to one another on generated data."""

from __future__ import annotations

import csv
import io
import json
import textwrap
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rulebook
from rulebook import columnar
from rulebook.audit.bounds import Interval, analyze
from rulebook.engine import semantics
from rulebook.engine.semantics import NA
from rulebook.render.html import to_html
from rulebook.render.report import to_csv, to_json
from rulebook.render.table import write_table
from rulebook.testing.coverage import measure
from rulebook.testing.properties import check_properties, from_scheme

from helpers import problems, scheme

ROOT = Path(__file__).resolve().parent.parent

NESTED = """
scheme: {id: nested, title: nested, language: en}
indicators:
  a: {type: decimal, min: 0, max: 10, na: allowed}
  b: {type: decimal, min: 0, max: 10, na: allowed}
  c: {type: decimal, min: 0, max: 10}
  open: {type: bool}
tree:
  - id: outer
    standard: 50
    not_applicable: rescale
    children:
      - id: inner
        standard: 20
        not_applicable: zero
        children:
          - {id: x, standard: 10, expr: a}
          - {id: y, standard: 10, expr: b}
      - {id: z, standard: 10, expr: c}
      - id: w
        standard: 20
        applies: open
        not_applicable: full
        children:
          - {id: p, standard: 5, expr: "min(5, c)"}
          - {id: q, standard: 15, expr: b}
  - id: side
    standard: 30
    applies: "c > 0"
    children:
      - {id: s, standard: 30, expr: "c * 3"}
  - id: bonus
    role: bonus
    not_applicable: zero
    children:
      - {id: extra, expr: a, applies: open}
total:
  not_applicable: rescale
"""

UNITS: dict[str, dict[str, Any]] = {
    "U1": {"a": 4, "b": 6, "c": 2, "open": True},
    "U2": {"a": "n/a", "b": 6, "c": 2, "open": True},
    "U3": {"a": "n/a", "b": "N/A", "c": 2, "open": False},
    "U4": {"a": 3, "b": "不适用", "c": 0, "open": True},
    "U6": {"a": 1, "b": 0, "c": 1, "open": False},
}

EXPECTED: dict[str, dict[str, Any]] = {
    # nothing n/a: inner 4 + 6, z 2, w 2 + 6 → outer 20; side 3 × 2 = 6; bonus a = 4; 30
    "U1": {"outer.inner": D("10.00"), "outer": D("20.00"), "side": D("6.00"), "total": D("30.00")},
    # x n/a under `zero` → inner 0 + 6 = 6; outer 6 + 2 + 8 = 16 (no n/a child: a plain sum);
    # extra reads a → n/a, so the bonus group (all children n/a) is n/a and adds nothing:
    # total 16 + 6 = 22
    "U2": {
        "outer.inner.x": NA,
        "outer.inner": D("6.00"),
        "outer": D("16.00"),
        "bonus": NA,
        "total": D("22.00"),
    },
    # x, y n/a → inner n/a (zero, all n/a); w does not apply (open is false), nor p, q;
    # outer rescales z alone: 2 × (20 + 10 + 20) / 10 = 10; total 10 + 6 = 16
    "U3": {
        "outer.inner": NA,
        "outer.w": NA,
        "outer.w.p": NA,
        "outer": D("10.00"),
        "side": D("6.00"),
        "total": D("16.00"),
    },
    # q n/a under `full` → w = min(5, 0) + 15 = 15; outer 3 + 0 + 15 = 18; side does not apply
    # (c = 0): the total rescales the categories: 18 × (50 + 30) / 50 = 28.8, + bonus 3 = 31.80
    "U4": {
        "outer.w.q": NA,
        "outer.w": D("15.00"),
        "outer": D("18.00"),
        "side": NA,
        "side.s": NA,
        "bonus": D("3.00"),
        "total": D("31.80"),
    },
    # w does not apply: outer = (1 + 0 + 1) × 50 / 30 = 3.333… → 3.33; total 3.33 + 3 = 6.33
    "U6": {"outer": D("3.33"), "side": D("3.00"), "total": D("6.33")},
}


@pytest.fixture(scope="module")
def nested() -> rulebook.Scheme:
    return scheme(NESTED)


@pytest.mark.parametrize("engine", ["compiled", "reference"])
def test_hand_worked_values_in_both_engines(nested: rulebook.Scheme, engine: Any) -> None:
    result = rulebook.evaluate(nested, {"units": UNITS}, engine=engine)
    for unit, want in EXPECTED.items():
        got = {name: result.unit(unit).value(name) for name in want}
        assert got == want, unit


def test_hand_worked_values_in_the_columnar_engine(nested: rulebook.Scheme) -> None:
    """n/a rows (U2–U4: a marker; U3, U6: a node whose `applies:` fails) are scored by the
    per-unit engine; U1 stays in the columns."""
    run = columnar.evaluate(nested, {"units": UNITS})
    result = run.to_result()
    for unit, want in EXPECTED.items():
        assert {n: result.unit(unit).value(n) for n in want} == want, unit
    assert run.fallbacks == 4


def test_every_reader_takes_the_marker(nested: rulebook.Scheme, tmp_path: Path) -> None:
    """`n/a`, `N/A` and `不适用` in YAML, JSON, CSV, xlsx and pandas all read as not applicable;
    NaN stays missing (an error for an indicator without a default)."""
    want = {"a": NA, "b": NA, "c": D(2), "open": False}
    (tmp_path / "d.json").write_text(
        json.dumps({"units": {"U3": {"a": "n/a", "b": "不适用", "c": 2, "open": False}}}),
        encoding="utf-8",
    )
    (tmp_path / "d.csv").write_text("unit,a,b,c,open\nU3,n/a,不适用,2,false\n", encoding="utf-8")
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["unit", "a", "b", "c", "open"])
    sheet.append(["U3", "N/A", " 不适用 ", 2, False])
    book.save(tmp_path / "d.xlsx")
    for name in ("d.json", "d.csv", "d.xlsx"):
        data = rulebook.read_data(tmp_path / name, nested)
        assert data.units[0].values == want, name
    pandas = pytest.importorskip("pandas")
    from rulebook.data.frame import read_frame

    frame = pandas.DataFrame(
        {"unit": ["U3"], "a": ["n/a"], "b": ["不适用"], "c": [2], "open": [False]}
    )
    assert read_frame(frame, nested).units[0].values == want
    with pytest.raises(rulebook.DataError, match="indicator `b`: missing"):
        read_frame(
            pandas.DataFrame(
                {"unit": ["U3"], "a": [1.0], "b": [float("nan")], "c": [2], "open": [False]}
            ),
            nested,
        )


def test_the_marker_on_an_indicator_that_does_not_allow_it_is_located(
    nested: rulebook.Scheme, tmp_path: Path
) -> None:
    path = tmp_path / "d.csv"
    path.write_text("unit,a,b,c,open\nU9,1,2,n/a,true\n", encoding="utf-8")
    with pytest.raises(rulebook.DataError) as info:
        rulebook.read_data(path, nested)
    text = str(info.value)
    assert f"{path}:2:4:" in text
    assert "unit `U9`, indicator `c`: `n/a` marks the indicator not applicable" in text
    assert "declare `na: allowed` on indicator `c`" in text


def test_a_default_may_be_the_marker() -> None:
    """An indicator that allows n/a may default to it: a unit that leaves it out does not
    have the item (here: rescaled away, 6 × 10 / 6 = 10)."""
    loaded = scheme(
        """
        scheme: {id: d, title: d}
        indicators:
          births: {type: count, na: allowed, default: n/a}
          visits: {type: count}
        tree:
          - id: g
            standard: 10
            not_applicable: rescale
            children:
              - {id: ratio, standard: 4, expr: "min(4, births)"}
              - {id: visit, standard: 6, expr: "min(6, visits)"}
        """
    )
    result = rulebook.evaluate(loaded, {"units": {"u": {"visits": 6}}})
    assert result.unit("u").scores["g"] == D("10.00")
    assert result.unit("u").scores["g.ratio"] is NA


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (
            """
            indicators: {n: {type: count, na: allowed}}
            tree:
              - {id: g, standard: 5, not_applicable: full,
                 children: [{id: i, expr: "n"}, {id: j, standard: 5, expr: "1"}]}
            """,
            "test.yaml:4:42: error: `not_applicable: full` reads every child's `standard`, "
            "but `g.i` has none",
        ),
        (
            """
            indicators: {n: {type: count, na: yes}}
            tree: [{id: g, children: [{id: i, expr: "n"}]}]
            """,
            "`na` must be `allowed`",
        ),
        (
            """
            indicators: {n: {type: count}}
            tree:
              - id: g
                not_applicable: rescale
                children:
                  - {id: i, standard: 0, expr: "n", applies: "n > 1"}
                  - {id: j, standard: 5, expr: "1"}
            total: {not_applicable: zero}
            """,
            "has a standard of 0 or less",
        ),
        (
            """
            indicators: {n: {type: count, na: allowed}}
            rankings: {by_g: {basis: g}}
            tree:
              - {id: g, not_applicable: zero, children: [{id: i, expr: "n"}]}
            total: {not_applicable: zero}
            """,
            "ranking `by_g` reads `g`, which may be not applicable",
        ),
    ],
)
def test_scheme_errors_are_located_with_the_fix(body: str, words: str) -> None:
    found = problems("scheme: {id: e, title: e}\n" + textwrap.dedent(body).strip("\n"))
    assert any(words in p for p in found), found


def test_a_ranking_of_a_group_that_always_has_an_applicable_child_is_accepted() -> None:
    """Group g has the constant child j, so it is never n/a (zero counts an n/a i as 0)."""
    loaded = scheme(
        """
        scheme: {id: e, title: e}
        indicators: {n: {type: count, na: allowed}}
        rankings: {by_g: {basis: g}}
        tree:
          - {id: g, not_applicable: zero, children: [{id: i, expr: "n"}, {id: j, expr: "1"}]}
        """
    )
    result = rulebook.evaluate(loaded, {"units": {"u": {"n": "n/a"}, "v": {"n": 2}}})
    assert [result.unit(u).scores["g"] for u in ("u", "v")] == [D("1.00"), D("3.00")]
    assert [result.unit(u).ranks["by_g"] for u in ("u", "v")] == [2, 1]


def test_the_audit_says_why_and_how_the_parent_rescaled(nested: rulebook.Scheme) -> None:
    result = rulebook.evaluate(nested, {"units": UNITS})
    assert (
        result.explain("U3", "outer.inner.x").not_applicable
        == "the data marks `a` not applicable (n/a)"
    )
    assert result.explain("U3", "outer.w").not_applicable == "`applies: open` does not hold"
    assert (
        result.explain("U3", "outer.w.p").not_applicable
        == "`applies: open` of `outer.w` does not hold"
    )
    assert result.explain("U3", "outer.inner").not_applicable == "no child applies"
    assert result.explain("U3", "outer").combined == (
        "rescale (缺项按比例折算): `outer.inner`, `outer.w` n/a; applicable children "
        "2 × 50 / 10 = 10"
    )
    assert result.explain("U4", "outer.w").combined == (
        "full (不适用项按满分计): n/a children count their standard: `outer.w.q` 15"
    )
    assert result.explain("U2", "outer.inner").combined == (
        "zero: n/a children count 0: `outer.inner.x`"
    )
    assert result.explain("U4", "total").combined == (
        "rescale (缺项按比例折算): `side` n/a; applicable children 18 × 80 / 50 = 28.8"
    )
    assert result.explain("U1", "outer").combined is None
    # an n/a item (x, y, p, q: standards 10, 10, 5, 15) loses no points; U3 loses only on
    # s (30 − 3 × 2 = 24) and z (10 − 2 = 8)
    assert [(p.node, p.lost) for p in result.points_lost("U3")] == [
        ("side.s", D("24.00")),
        ("outer.z", D("8.00")),
    ]


def test_json_writes_null_and_lists_what_does_not_apply(nested: rulebook.Scheme) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    result = rulebook.evaluate(nested, {"units": UNITS})
    doc = json.loads(to_json(result))
    schema = json.loads((ROOT / "docs" / "result.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)
    u3 = next(u for u in doc["units"] if u["unit"] == "U3")
    assert u3["scores"]["outer.w"] is None and u3["raw"]["outer.w"] is None
    assert u3["not_applicable"] == [
        "outer.inner",
        "outer.inner.x",
        "outer.inner.y",
        "outer.w",
        "outer.w.p",
        "outer.w.q",
        "bonus",
        "bonus.extra",
    ]
    assert u3["audit"]["outer.w"]["value"] is None
    assert u3["audit"]["outer.w"]["not_applicable"] == "`applies: open` does not hold"
    assert u3["audit"]["outer"]["children"]["outer.w"] is None
    assert u3["audit"]["outer"]["combined"].startswith("rescale")


def test_every_rendering_shows_the_word_never_a_zero(nested: rulebook.Scheme) -> None:
    result = rulebook.evaluate(nested, {"units": {"U3": UNITS["U3"]}})
    out = io.StringIO()
    write_table(result, out)
    row = next(line for line in out.getvalue().splitlines() if line.strip().startswith("w "))
    assert row.split()[-1] == "n/a"
    wide = next(csv.DictReader(io.StringIO(to_csv(result))))
    assert (wide["outer.w"], wide["outer"]) == ("n/a", "10.00")
    long = list(csv.DictReader(io.StringIO(to_csv(result, long=True))))
    assert next(r for r in long if r["node"] == "outer.w")["value"] == "n/a"
    assert "outer.w n/a" in to_html(result)


def test_a_chinese_scheme_writes_buyongshi() -> None:
    loaded = scheme(NESTED.replace("language: en", "language: zh"))
    result = rulebook.evaluate(loaded, {"units": {"U3": UNITS["U3"]}})
    out = io.StringIO()
    write_table(result, out)
    assert "不适用" in out.getvalue() and " n/a" not in out.getvalue()
    wide = next(csv.DictReader(io.StringIO(to_csv(result).lstrip("\ufeff"))))
    assert wide["outer.w"] == "不适用"
    from rulebook.render.worksheet import worksheet

    sheet = worksheet(result, "U3")
    assert "[not applicable: `applies: open` does not hold]" in sheet
    assert "applicable children 2 × 50 / 10 = 10" in sheet


def test_bounds_by_hand(nested: rulebook.Scheme) -> None:
    """Worked:
    inner (zero): x, y in [0, 10] or 0 → [0, 20];
    w (full): p in [0, 5], q in [0, 10] or its standard 15 → [0, 20];
    outer (rescale): 50 × [min(0/20, 0/10, 0/20), max(20/20, 10/10, 20/20)] = [0, 50];
    total (rescale over outer 50 and side 30, Σ 80): 80 × [0, max(50/50, 30/30)] = [0, 80],
    plus the bonus [0, 10] (or 0) → [0, 90]."""
    found = {b.name: b.bounds for b in analyze(nested)}
    assert found["outer.inner"] == Interval(D(0), D(20))
    assert found["outer.w"] == Interval(D(0), D(20))
    assert found["outer"] == Interval(D("0.00"), D("50.00"))
    assert found["total"] == Interval(D("0.00"), D("90.00"))


SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(data=st.data())
def test_engines_agree_and_bounds_hold(data: st.DataObject) -> None:
    """Compiled, reference and columnar engines give the same value (n/a included) for every
    node on generated data (markers drawn for the indicators that allow them), and every
    value that applies lies within its bounds."""
    loaded = scheme(NESTED)
    units = data.draw(from_scheme(loaded, units=(1, 5)))
    compiled = rulebook.evaluate(loaded, units)
    reference = rulebook.evaluate(loaded, units, engine="reference")
    by_columns = columnar.evaluate(loaded, units).to_result()
    bounds = {b.name: b.bounds for b in analyze(loaded)}
    for a, b, c in zip(compiled, reference, by_columns, strict=True):
        for name in loaded.score_ids:
            assert a.value(name) == b.value(name) == c.value(name), (a.unit, name)
            value = a.value(name)
            limit = bounds[name]
            assert isinstance(limit, Interval)
            assert value is NA or limit.contains(value), (name, value, limit)


def test_the_properties_and_coverage_run_over_not_applicable_data(
    nested: rulebook.Scheme, tmp_path: Path
) -> None:
    """`rulebook test --properties` draws markers too and its checks (total = parts under the
    rules) hold; coverage skips formulas that did not run for a unit."""
    results = check_properties(nested, examples=30, out_dir=tmp_path)
    assert [r.failure for r in results] == [None] * len(results)
    result = rulebook.evaluate(nested, {"units": UNITS})
    assert measure(nested, [result], set()).items == 7  # x, y, z, p, q, s, extra


def test_a_different_na_rule_reaches_both_engines_and_the_audit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The group rule lives in `semantics.applicable_sum`: make every rule count n/a children
    as 0 and U3's outer becomes the bare 2 (not 10) in both engines, and the columnar engine
    (whose n/a rows are the per-unit engine's) follows."""

    def zero_always(values: Any, standards: Any, rule: Any) -> Any:
        if all(v is NA for v in values):
            return NA
        return semantics.combine_children((v for v in values if v is not NA), D(0))

    monkeypatch.setattr(semantics, "applicable_sum", zero_always)
    loaded = scheme(NESTED)
    data = {"units": {"U3": UNITS["U3"]}}
    for engine in ("compiled", "reference"):
        assert rulebook.evaluate(loaded, data, engine=engine).unit("U3").scores["outer"] == D(
            "2.00"
        )
    assert columnar.evaluate(loaded, data).to_result().unit("U3").scores["outer"] == D("2.00")


def test_a_total_where_nothing_applies_is_na_and_ranks_last() -> None:
    """The only category does not apply to u (kind is 居委会) and there is no bonus: the total
    is n/a — null in JSON, `n/a` in the table — and u ranks after v (total 20)."""
    loaded = scheme(
        """
        scheme: {id: t, title: t, language: en}
        indicators: {kind: {type: enum, values: [村委会, 居委会]}}
        rankings: {}
        tree:
          - {id: task, standard: 20, applies: "kind == '村委会'",
             children: [{id: done, standard: 20, expr: "20"}]}
        total: {not_applicable: zero}
        """
    )
    result = rulebook.evaluate(
        loaded, {"units": {"u": {"kind": "居委会"}, "v": {"kind": "村委会"}}}
    )
    assert result.unit("u").total is NA and result.unit("v").total == D("20.00")
    assert result.total_ranks() == [2, 1]
    doc = json.loads(to_json(result, audit=False))
    assert doc["units"][0]["total"] is None
    assert doc["units"][0]["not_applicable"] == ["task", "task.done", "total"]
    assert result.explain("u", "total").not_applicable == "no top-level node applies"


def test_diff_and_goals_read_na_as_na(nested: rulebook.Scheme) -> None:
    """U1 loses `a` (4 → n/a): x goes 4.00 → n/a with no delta (n/a), inner 10 → 6; the
    total 30 → 22. A goal on a node that does not apply is unmet, and the search does not
    invent values for an n/a input: U3 reaches w ≥ 10 only by `open` (→ true)."""
    from rulebook.analysis.goal import parse_goal
    from rulebook.analysis.goals import what_it_takes
    from rulebook.analysis.result_diff import diff_results

    before = rulebook.evaluate(nested, {"units": {"U1": UNITS["U1"]}})
    after = rulebook.evaluate(nested, {"units": {"U1": {**UNITS["U1"], "a": "n/a"}}})
    unit = diff_results(before, after).unit("U1").to_dict(2)
    nodes = {n["node"]: (n["old"], n["new"], n["delta"]) for n in unit["nodes"]}
    assert nodes["outer.inner.x"] == ("4.00", "n/a", "n/a")
    assert nodes["outer.inner"] == ("10.00", "6.00", "-4.00")
    assert unit["total"] == {"old": "30.00", "new": "22.00", "delta": "-8.00"}
    data = rulebook.check_data({"units": {"U3": UNITS["U3"]}}, nested)
    report = what_it_takes(nested, data, "U3", parse_goal(nested, "outer.w=10"))
    assert report.now.startswith("outer.w is n/a")
    changed = [[(c.indicator, c.new) for c in s.changes] for s in report.suggestions]
    assert changed == [[("open", True)]]


def test_scheme_test_cases_may_expect_na(tmp_path: Path) -> None:
    """`expect: {node: n/a}` holds for a node that does not apply, and a number expected of
    an n/a node (or n/a of a scored one) fails with `got n/a` / `got 2.00`."""
    from rulebook.testing.cases import run_file

    (tmp_path / "s.yaml").write_text(textwrap.dedent(NESTED), encoding="utf-8")
    (tmp_path / "s.tests.yaml").write_text(
        textwrap.dedent(
            """
            scheme: s.yaml
            cases:
              - name: by hand
                units: {U3: {a: n/a, b: N/A, c: 2, open: false}}
                expect: {U3: {outer.w: n/a, outer: 10, total: 16}}
              - name: wrong
                units: {U3: {a: n/a, b: N/A, c: 2, open: false}}
                expect: {U3: {outer.w: 3, outer.z: n/a}}
            """
        ),
        encoding="utf-8",
    )
    first, second = run_file(tmp_path / "s.tests.yaml")
    assert first.failures == ()
    assert [(f.key, f.got) for f in second.failures] == [("outer.w", "n/a"), ("outer.z", "2.00")]


def test_the_template_lets_n_a_be_entered(nested: rulebook.Scheme) -> None:
    """The xlsx template's check on `a` (na: allowed) warns rather than refuses, so `n/a` can be
    typed; its prompt says so. `c` (no marker allowed) still refuses."""
    pytest.importorskip("openpyxl")
    from rulebook.data.template import describe, template_xlsx

    sheet = template_xlsx(nested).worksheets[0]
    style = {
        str(v.sqref).split(":")[0][0]: v.errorStyle for v in sheet.data_validations.dataValidation
    }
    assert (style["B"], style["D"]) == ("warning", None)
    assert "or n/a (不适用) where it does not apply" in describe(nested.indicators["a"])
    assert "n/a" not in describe(nested.indicators["c"])


def test_the_fast_data_check_takes_the_marker_as_the_careful_one_does(
    nested: rulebook.Scheme,
) -> None:
    """The generated fast pass accepts the markers (no fall back to the careful pass) and
    gives the same values."""
    from rulebook.data.check import _Checker
    from rulebook.data.fast import fast_check

    fast = fast_check({"units": UNITS}, nested)
    assert fast is not None
    careful = _Checker(nested, None).run({"units": UNITS}).units
    assert [u.values for u in fast] == [u.values for u in careful]
    assert fast[2].values["b"] is NA
