"""Lookup and band tables: values on both sides of every band edge (worked by hand), the same in
the compiled, reference and columnar engines; load errors located with their fix; a value
outside every band is an evaluation error naming unit, table and value; the audit names the row
matched; bounds are sound (hypothesis)."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rulebook
from rulebook import columnar
from rulebook.audit.bounds import Interval, analyze
from rulebook.audit.tables import table_range
from rulebook.errors import EvaluationError
from rulebook.scheme.tables import Band, Edge, Table, TableMiss
from rulebook.testing.properties import from_scheme

from helpers import scheme

VITALS = """
scheme: {id: vitals, title: vitals}
rounding: {places: 2}
indicators:
  resp: {type: decimal, min: 0, max: 80}
  pulse: {type: decimal, min: 0, max: 300}
  AV: {type: enum, values: [N, A, L, P]}
  month_resp: {type: decimal, per_period: true, min: 0, max: 80}
periods: {M1: 1, M2: 1}
tables:
  resp_score:
    label: 呼吸频率评分
    bands:
      - {to: 8, value: 3}
      - {above: 8, to: 11, value: 1}
      - {above: 11, to: 20, value: 0}
      - {above: 20, to: 24, value: 2}
      - {above: 24, value: 3}
  pulse_score:
    bands:
      - {from: 40, below: 50, value: 1}
      - {from: 50, to: 90, value: 0}
    otherwise: 3.5
  av_weight:
    map: {N: 0.85, A: 0.62, L: 0.55, P: 0.2}
values:
  monthly: {per_period: true, expr: "resp_score(month_resp)"}
tree:
  - id: g
    children:
      - {id: resp, expr: "resp_score(resp)"}
      - {id: pulse, expr: "pulse_score(pulse)"}
      - {id: weighted, expr: "av_weight(AV) * 100"}
      - {id: shifted, expr: "resp_score(resp * 2 - 10) + 0.5"}
      - {id: months, expr: "sum(monthly)"}
      - {id: guarded, expr: "0 if resp > 70 else resp_score(resp)"}
"""

ENGINES = ("compiled", "reference", "columnar")


def run(s: rulebook.Scheme, data: dict[str, Any], engine: str) -> Any:
    if engine == "columnar":
        return columnar.evaluate(s, data)
    return rulebook.evaluate(s, data, engine=engine)


def unit(resp: str = "15", pulse: str = "60", av: str = "N", months: str = "15") -> dict[str, Any]:
    return {
        "resp": D(resp),
        "pulse": D(pulse),
        "AV": av,
        "month_resp": {"M1": D(months), "M2": D(months)},
    }


# Both sides of every edge. resp_score: `to: 8` closes the first row, so 8 → 3 and 8.01 → 1;
# then 11 → 1 | 11.01 → 0, 20 → 0 | 20.01 → 2, 24 → 2 | 24.01 → 3; the open ends: 0 → 3, 80 → 3.
RESP = [
    ("0", "3.00"),
    ("7.99", "3.00"),
    ("8", "3.00"),
    ("8.01", "1.00"),
    ("11", "1.00"),
    ("11.01", "0.00"),
    ("20", "0.00"),
    ("20.01", "2.00"),
    ("24", "2.00"),
    ("24.01", "3.00"),
    ("80", "3.00"),
]
# pulse_score: `from: 40, below: 50` then `from: 50, to: 90`, otherwise 3.5: 39.99 is below the
# bands (3.5), 40 is in the first (1), 49.99 still (1), 50 in the second (0), 90 still (0), 90.01
# past the bands (3.5).
PULSE = [
    ("0", "3.50"),
    ("39.99", "3.50"),
    ("40", "1.00"),
    ("49.99", "1.00"),
    ("50", "0.00"),
    ("90", "0.00"),
    ("90.01", "3.50"),
    ("300", "3.50"),
]


@pytest.fixture(scope="module")
def vitals() -> rulebook.Scheme:
    return scheme(VITALS)


@pytest.mark.parametrize("engine", ENGINES)
def test_band_edges_on_both_sides_by_hand(vitals: rulebook.Scheme, engine: str) -> None:
    units = {f"r{i}": unit(resp=x) for i, (x, _) in enumerate(RESP)}
    units |= {f"p{i}": unit(pulse=x) for i, (x, _) in enumerate(PULSE)}
    result = run(vitals, {"units": units}, engine)
    got_resp = [str(result.unit(f"r{i}").scores["g.resp"]) for i in range(len(RESP))]
    got_pulse = [str(result.unit(f"p{i}").scores["g.pulse"]) for i in range(len(PULSE))]
    assert [want for _, want in RESP] == got_resp
    assert [want for _, want in PULSE] == got_pulse


@pytest.mark.parametrize("engine", ENGINES)
def test_lookup_gives_each_values_number(vitals: rulebook.Scheme, engine: str) -> None:
    """0.85, 0.62, 0.55, 0.2 times 100."""
    units = {v: unit(av=v) for v in ("N", "A", "L", "P")}
    result = run(vitals, {"units": units}, engine)
    got = [str(result.unit(v).scores["g.weighted"]) for v in ("N", "A", "L", "P")]
    assert got == ["85.00", "62.00", "55.00", "20.00"]


@pytest.mark.parametrize("engine", ENGINES)
def test_table_of_a_formula_and_per_period(vitals: rulebook.Scheme, engine: str) -> None:
    """At resp 9.5: 2 × 9.5 − 10 = 9 → 8 < 9 ≤ 11 → 1, + 0.5 = 1.5; months 21 and 11: resp_score
    gives 2 and 1, summed 3; `guarded` at resp 75 takes the 0 branch."""
    data = unit(resp="9.5")
    data["month_resp"] = {"M1": D(21), "M2": D(11)}
    result = run(vitals, {"units": {"u": data, "v": unit(resp="75")}}, engine)
    u = result.unit("u")
    assert (u.scores["g.shifted"], u.scores["g.months"]) == (D("1.50"), D("3.00"))
    assert (u.scores["g.guarded"], result.unit("v").scores["g.guarded"]) == (D(1), D(0))


OPEN = """
scheme: {id: open, title: open}
indicators:
  x: {type: decimal}
tables:
  closed:
    label: 闭区间
    bands:
      - {from: 5, to: 8, value: 1}
      - {above: 8, below: 10, value: 2}
tree:
  - id: g
    children:
      - {id: a, expr: "closed(x)"}
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_a_value_outside_every_band_is_an_evaluation_error(engine: str) -> None:
    """The indicator x has no declared domain, so coverage cannot be shown at load: 10 (the
    excluded upper edge) is outside both rows, and the unit's error names table and value."""
    s = scheme(OPEN)
    ok = run(s, {"units": {"u": {"x": D(5)}, "v": {"x": D("9.99")}}}, engine)
    assert (ok.unit("u").scores["g.a"], ok.unit("v").scores["g.a"]) == (D(1), D(2))
    with pytest.raises(EvaluationError) as caught:
        run(s, {"units": {"u": {"x": D(5)}, "bad": {"x": D(10)}}}, engine)
    text = str(caught.value)
    assert "unit 'bad', node 'g.a': 10 is outside every band of table `closed`" in text
    assert "(it covers 5 ≤ x < 10)" in text
    assert "otherwise" in (caught.value.hint or "")


def test_table_called_directly() -> None:
    table = Table(
        "t",
        "band",
        bands=(Band(None, Edge(D(1), False), D(7)), Band(Edge(D(1), True), None, D(9))),
    )
    assert (table(D("0.99")), table(D(1))) == (D(7), D(9))
    assert table.match(D(1)) == ("x ≥ 1", D(9))
    lookup = Table("w", "lookup", mapping={"a": D(2)})
    with pytest.raises(TableMiss, match="table `w` has no row for 'b' \\(it maps a\\)"):
        lookup("b")


# -- audit ----------------------------------------------------------------------------------------


def test_audit_names_the_row_matched(vitals: rulebook.Scheme) -> None:
    data = unit(resp="14", pulse="39", av="A")
    data["month_resp"] = {"M1": D(21), "M2": D(8)}
    result = rulebook.evaluate(vitals, {"units": {"u": data, "v": unit(resp="75")}})
    reads = [r.text() for r in result.explain("u", "g.resp").tables]
    assert reads == ["resp_score(resp) 14 → 11 < x ≤ 20 → 0"]
    assert [r.text() for r in result.explain("u", "g.pulse").tables] == [
        "pulse_score(pulse) 39 → otherwise → 3.5"
    ]
    assert [r.text() for r in result.explain("u", "g.weighted").tables] == [
        "av_weight(AV) A → 0.62"
    ]
    # the argument is the formula as written: 2 × 14 − 10 = 18 → 11 < 18 ≤ 20 → 0
    assert [r.text() for r in result.explain("u", "g.shifted").tables] == [
        "resp_score(resp * 2 - 10) 18 → 11 < x ≤ 20 → 0"
    ]
    # per period: M1 21 → 2, M2 8 → 3
    assert [r.text() for r in result.explain("u", "monthly").tables] == [
        "M1: resp_score(month_resp) 21 → 20 < x ≤ 24 → 2",
        "M2: resp_score(month_resp) 8 → x ≤ 8 → 3",
    ]
    # an untaken branch makes no call: v has resp 75, so `guarded` is 0 and reads no table
    assert result.explain("v", "g.guarded").tables == ()
    assert [r.text() for r in result.explain("u", "g.guarded").tables] == [
        "resp_score(resp) 14 → 11 < x ≤ 20 → 0"
    ]
    audit = result.explain("u", "g.resp").to_dict()
    assert audit["tables"] == [
        {
            "table": "resp_score",
            "argument": "resp",
            "value": "14",
            "period": None,
            "row": "11 < x ≤ 20",
            "result": "0",
        }
    ]


def test_worksheet_shows_the_row(tmp_path: Any) -> None:
    from rulebook.render.worksheet import worksheet

    s = scheme(VITALS)
    result = rulebook.evaluate(s, {"units": {"u": unit(resp="8.5")}})
    text = worksheet(result, "u", "g.resp")
    assert "table     resp_score(resp) 8.5 → 8 < x ≤ 11 → 1  (呼吸频率评分)" in text


# -- bounds ---------------------------------------------------------------------------------------


def test_bounds_by_hand(vitals: rulebook.Scheme) -> None:
    """With resp in [0, 80] reaches every row: [0, 3]; pulse in [0, 300] reaches both rows and past
    them: [0, 3.5]; the weight is 20 to 85; `resp * 2 - 10` is in [−10, 150]: every row, [0, 3],
    + 0.5."""
    bounds = {b.name: b.bounds for b in analyze(vitals)}
    assert bounds["g.resp"] == Interval(D(0), D(3))
    assert bounds["g.pulse"] == Interval(D(0), D("3.5"))
    assert bounds["g.weighted"] == Interval(D(20), D(85))
    assert bounds["g.shifted"] == Interval(D("0.5"), D("3.5"))


def test_bounds_over_the_rows_an_interval_reaches() -> None:
    """An argument in [12, 20] stays in the row 11 < x ≤ 20 (0); [9, 21] reaches 1, 0 and 2."""
    table = scheme(VITALS).tables["resp_score"]
    assert table_range(table, D(12), D(20)) == (D(0), D(0))
    assert table_range(table, D(9), D(21)) == (D(0), D(2))
    assert table_range(table, None, D(5)) == (D(3), D(3))


edges = st.lists(st.decimals(-50, 50, places=1), min_size=1, max_size=5, unique=True).map(sorted)


@st.composite
def band_tables(draw: st.DrawFn) -> Table:
    """A valid band table: contiguous rows over sorted edges, ends open or closed."""
    cuts = draw(edges)
    inclusive = [draw(st.booleans()) for _ in cuts]
    values = st.decimals(-10, 10, places=2)
    lows: list[Edge | None] = [None] + [
        Edge(c, not inc) for c, inc in zip(cuts, inclusive, strict=True)
    ]
    highs: list[Edge | None] = [Edge(c, inc) for c, inc in zip(cuts, inclusive, strict=True)] + [
        None
    ]
    bands = [Band(lo, hi, draw(values)) for lo, hi in zip(lows, highs, strict=True)]
    if draw(st.booleans()):  # close the lower end
        bands = bands[1:]
    if draw(st.booleans()) and len(bands) > 1:  # close the upper end
        bands = bands[:-1]
    otherwise = draw(st.one_of(st.none(), values))
    return Table("t", "band", bands=tuple(bands), otherwise=otherwise)


@settings(max_examples=200, deadline=None)
@given(band_tables(), st.data())
def test_table_range_is_sound(table: Table, data: st.DataObject) -> None:
    """Every value the table gives for an x in [lo, hi] lies in `table_range(lo, hi)`; the
    table finds the one band holding x (or `otherwise`, or a miss) as a scan of rows would."""
    lo = data.draw(st.one_of(st.none(), st.decimals(-60, 60, places=1)))
    hi = data.draw(st.one_of(st.none(), st.decimals(lo if lo is not None else -60, 60, places=1)))
    low, high = (lo if lo is not None else D(-100)), (hi if hi is not None else D(100))
    cuts = [e.at for b in table.bands for e in (b.low, b.high) if e is not None]
    x = data.draw(
        st.one_of(
            st.sampled_from([c for c in cuts if low <= c <= high] or [low]), st.decimals(low, high)
        )
    )
    least, most = table_range(table, lo, hi)
    holding = [b.value for b in table.bands if b.holds(x)]  # the bisection against a scan
    assert len(holding) <= 1
    want = holding[0] if holding else table.otherwise
    try:
        got = table(x)
    except TableMiss:
        assert want is None
        return
    assert got == want
    assert least <= got <= most


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_bounds_sound_and_engines_agree_on_generated_data(data: st.DataObject) -> None:
    """For data in the declared domains (edges and their neighbours drawn often), each score
    lies in its static bounds, and the three engines give the same result."""
    s = scheme(VITALS)
    near = st.sampled_from(
        [D(v) for v in ("0", "8", "8.01", "11", "11.01", "20", "20.01", "24", "24.01", "80")]
    )
    near_pulse = st.sampled_from([D(v) for v in ("39.99", "40", "49.99", "50", "90", "90.01")])
    overrides = {
        "resp": st.one_of(near, st.decimals(0, 80, places=2)),
        "pulse": st.one_of(near_pulse, st.decimals(0, 300, places=2)),
        "month_resp": st.one_of(near, st.decimals(0, 80, places=2)),
    }
    units = data.draw(from_scheme(s, units=(1, 6), overrides=overrides))
    compiled = rulebook.evaluate(s, units)
    assert compiled.to_dict() == rulebook.evaluate(s, units, engine="reference").to_dict()
    columns = columnar.evaluate(s, units)
    bounds = {b.name: b.bounds for b in analyze(s)}
    for one in compiled:
        assert tuple(one.vector) == tuple(columns.vector(one.unit))
        for name in s.score_ids:
            b = bounds[name]
            assert isinstance(b, Interval) and b.contains(one.value(name)), (name, b)


# -- load errors (besides tests/data/invalid/7x-table-*.yaml) ------------------------------------

BASE = """
scheme: {{id: demo, title: demo}}
indicators:
  x: {{type: decimal}}
  level: {{type: enum, values: [low, high]}}
tables:
{tables}
tree:
  - id: a
    expr: "{expr}"
"""

LOAD_ERRORS = [
    (  # a middle row without a lower edge
        "  t:\n    bands:\n      - {to: 1, value: 1}\n      - {to: 2, value: 2}\n"
        "      - {above: 2, value: 3}",
        "t(x)",
        ["10:9", "only the first row may leave its lower edge open", "`above:` after a `to:`"],
    ),
    (  # `from` and `above` on one row
        "  t:\n    bands:\n      - {from: 1, above: 1, value: 1}",
        "t(x)",
        ["9:19", "a row has one lower edge: `from` or `above`, not both"],
    ),
    (  # `otherwise` on bands open at both ends
        "  t:\n    otherwise: 0\n    bands:\n"
        "      - {to: 1, value: 1}\n      - {above: 1, value: 2}",
        "t(x)",
        ["8:5", "`otherwise` never applies", "close an end"],
    ),
    (  # both kinds at once
        "  t:\n    map: {low: 1, high: 2}\n    bands:\n      - {value: 1}",
        "t(level)",
        ["7:3", "table `t` needs either `map` or `bands`, not both"],
    ),
    (  # a band table called with an enum
        "  t:\n    bands:\n      - {to: 1, value: 1}\n      - {above: 1, value: 2}",
        "t(level)",
        ["13:14", "band table `t` needs a number, got an enum"],
    ),
    (  # two arguments
        "  t:\n    bands:\n      - {to: 1, value: 1}\n      - {above: 1, value: 2}",
        "t(x, 2)",
        ["13:12", "table `t` takes one argument, got 2"],
    ),
    (  # a key that is no value of the enum
        "  t:\n    map: {low: 1, 2: 2}",
        "t(level)",
        ["8:19", "table `t` maps `2`, which is not a value of `level`", "its values: low, high"],
    ),
    (  # a misspelt table name
        "  weight_of:\n    map: {low: 1, high: 2}",
        "weight_off(level)",
        ["11:12", "unknown function `weight_off`", "did you mean `weight_of`?"],
    ),
]


@pytest.mark.parametrize(("tables", "expr", "words"), LOAD_ERRORS)
def test_load_errors_are_located_with_their_fix(tables: str, expr: str, words: list[str]) -> None:
    from helpers import problems

    found = problems(BASE.format(tables=tables, expr=expr))
    assert any(all(w in p for w in words[1:]) and f"test.yaml:{words[0]}:" in p for p in found), (
        found
    )


def test_a_table_nobody_calls_is_warned_about(tmp_path: Any) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        BASE.format(tables="  t:\n    map: {low: 1, high: 2}", expr="x"), encoding="utf-8"
    )
    found = [p for p in rulebook.check(path) if "table `t` is not called" in p.message]
    assert [(p.severity, p.location.line) for p in found if p.location] == [("warning", 7)]


def test_scheme_diff_shows_a_changed_row() -> None:
    """Moving the edge 24 to 25 and the weight of N from 0.85 to 0.8 are rule changes."""
    from rulebook.analysis.scheme_diff import diff_schemes

    old = scheme(VITALS)
    new = scheme(
        VITALS.replace("{above: 20, to: 24, value: 2}", "{above: 20, to: 25, value: 2}")
        .replace("{above: 24, value: 3}", "{above: 25, value: 3}")
        .replace("N: 0.85", "N: 0.8")
    )
    changes = {c.name: c.fields for c in diff_schemes(old, new).section("tables")}
    assert set(changes) == {"resp_score", "av_weight"}
    (bands,) = changes["resp_score"]
    assert (bands.field, bands.new) == (
        "bands",
        "x ≤ 8: 3; 8 < x ≤ 11: 1; 11 < x ≤ 20: 0; 20 < x ≤ 25: 2; x > 25: 3",
    )
    (weights,) = changes["av_weight"]
    assert weights.new == "A: 0.62, L: 0.55, N: 0.8, P: 0.2"


def test_coverage_counts_the_rows_the_cases_fell_in() -> None:
    """Two units at resp 8 and 15 fall in the rows `x ≤ 8` and `11 < x ≤ 20` of `g.resp`'s call:
    2 of its 5 rows (the other three are listed); pulse 60 falls in `50 ≤ x ≤ 90` (1 of 3, with
    otherwise); AV N in `N` (1 of 4). The monthly, shifted and guarded calls count too."""
    from rulebook.testing.coverage import measure

    s = scheme(VITALS)
    result = rulebook.evaluate(s, {"units": {"u": unit(resp="8"), "v": unit(resp="15")}})
    cover = measure(s, [result], set())
    never = [n for n in cover.never if n.startswith("g.resp: `")]
    assert never == [
        "g.resp: `resp_score(resp)` never fell in the row `8 < x ≤ 11`",
        "g.resp: `resp_score(resp)` never fell in the row `20 < x ≤ 24`",
        "g.resp: `resp_score(resp)` never fell in the row `x > 24`",
    ]
    # rows: resp 5, pulse 3, weighted 4, shifted 5, monthly 5, guarded 5 = 27; matched: resp 2
    # (8, 15), pulse 1, weighted 1, shifted 2 (2·8−10 = 6 → x ≤ 8; 2·15−10 = 20 → 11 < x ≤ 20),
    # monthly 1 (15 both months), guarded 2 = 9
    assert (cover.rows, cover.rows_matched) == (27, 9)
    assert "table rows matched 9/27" in cover.render("vitals")


def test_json_with_table_reads_validates_against_the_published_schema() -> None:
    import json
    from pathlib import Path

    from rulebook.render.jsonout import to_json

    jsonschema = pytest.importorskip("jsonschema")
    root = Path(__file__).resolve().parent.parent
    schema = json.loads((root / "docs" / "result.schema.json").read_text(encoding="utf-8"))
    doc = json.loads(to_json(rulebook.evaluate(scheme(VITALS), {"units": {"u": unit()}})))
    jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)
    reads = doc["units"][0]["audit"]["g.pulse"]["tables"]
    assert reads == [
        {
            "table": "pulse_score",
            "argument": "pulse",
            "value": "60",
            "period": None,
            "row": "50 ≤ x ≤ 90",
            "result": "0",
        }
    ]


def test_bounds_flag_a_call_that_can_fall_outside_the_bands() -> None:
    """With x undeclared, `closed(x)` (5 ≤ x < 10) can miss: flagged; the vital-signs
    calls cannot (resp_score is open at both ends, pulse_score has `otherwise`)."""
    flags = {b.name: b.flags for b in analyze(scheme(OPEN))}
    assert flags["g.a"] == ("`closed` can be called outside its bands (an evaluation error)",)
    vitals = {b.name: b.flags for b in analyze(scheme(VITALS))}
    assert not any("outside its bands" in f for fs in vitals.values() for f in fs)
