"""Cross-unit aggregates and group values: hand-worked sums, means, extremes, counts, pooled
rates and relative scores; per-period aggregates; group rows in every rendering; the audit and
bounds; located load errors; and the compiled, reference and columnar engines agreeing."""

from __future__ import annotations

import io
import json
import zipfile
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rulebook
from rulebook import columnar
from rulebook.analysis.search import compares_units
from rulebook.arith import CONTEXT
from rulebook.audit.bounds import Interval, aggregate_range
from rulebook.engine.aggregates import aggregate
from rulebook.engine.columnar.result import same
from rulebook.errors import EvaluationError
from rulebook.render.csvout import to_csv
from rulebook.render.html import to_html
from rulebook.render.jsonout import to_json
from rulebook.render.table import to_table
from rulebook.testing.properties import from_scheme

ROOT = Path(__file__).resolve().parent.parent

POOLED = """
scheme: {id: pooled, title: 知晓率}
indicators:
  street: {type: enum, values: [慈城镇, 庄桥街道, 洪塘街道], label: 所属街道}
  aware: {type: count, min: 0}
  surveyed: {type: count, min: 1}
parameters:
  target: 80
aggregates:
  street_aware: {sum: aware, by: street, label: 街道知晓人数}
  street_surveyed: {sum: surveyed, by: street}
  street_units: {count: "True", by: street}
  district_aware: {sum: aware}
  district_surveyed: {sum: surveyed}
  best_total: {max: total, label: 最高分}
  worst_total: {min: total}
  mean_total: {mean: total}
  high: {count: "aware * 2 > surveyed", label: 过半单位数}
group_values:
  street_rate: {expr: "100 * street_aware / street_surveyed", label: 街道知晓率}
  district_rate: {expr: "100 * district_aware / district_surveyed", label: 全区知晓率}
  district_met: "district_rate >= target"
values:
  share: "aware / street_aware if street_aware > 0 else 0"
tree:
  - {id: rate, label: 知晓率, expr: "100 * aware / surveyed"}
  - {id: relative, label: 相对分, role: output, expr: "100 * total / best_total"}
"""

POOLED_DATA = {
    "units": {
        "a1": {"street": "慈城镇", "aware": 8, "surveyed": 10},
        "a2": {"street": "慈城镇", "aware": 3, "surveyed": 10},
        "b1": {"street": "庄桥街道", "aware": 9, "surveyed": 12},
    }
}


@pytest.fixture(scope="module")
def pooled() -> rulebook.Result:
    scheme = rulebook.loads(POOLED, "pooled.yaml")
    return rulebook.evaluate(scheme, POOLED_DATA)


def test_group_sums_pooled_rates_and_the_relative_score_by_hand(pooled: rulebook.Result) -> None:
    """慈城镇: aware 8 + 3 = 11 of 10 + 10 = 20 surveyed, pooled 100 × 11 / 20 = 55 (not the
    mean of 80 and 30, which is also 55 here — see the next test for a case where they differ);
    庄桥街道: 9 of 12 = 75. District: 20 / 32 = 62.5 < 80, not met. Totals 80, 30, 75: the best
    is 80, so a2 stands at 100 × 30 / 80 = 37.50, b1 at 100 × 75 / 80 = 93.75."""
    a1, a2, b1 = (pooled.unit(n) for n in ("a1", "a2", "b1"))
    assert a1.value("street_aware") == a2.value("street_aware") == 11
    assert b1.value("street_aware") == 9
    assert a1.value("street_rate") == 55 and b1.value("street_rate") == 75
    assert a1.value("district_rate") == Decimal("62.5")
    assert a1.value("district_met") is False
    assert a2.outputs["relative"] == Decimal("37.50")
    assert b1.outputs["relative"] == Decimal("93.75")
    # min 30, mean (80 + 30 + 75) / 3 = 61.666…; street counts 2 and 1
    assert a1.value("worst_total") == 30
    assert str(a1.value("mean_total"))[:8] == "61.66666"
    assert a1.value("street_units") == 2 and b1.value("street_units") == 1
    # more than half aware: a1 (16 > 10) and b1 (18 > 12), not a2 (6 > 10 fails)
    assert a2.value("high") == 2
    # a1's share of its street's aware: 8 / 11
    with localcontext(CONTEXT):
        assert a1.value("share") == Decimal(8) / Decimal(11)


def test_the_pooled_rate_is_not_the_mean_of_rates() -> None:
    """Two units: 9 of 10 (90%) and 10 of 100 (10%). The mean of rates is 50%; pooled,
    19 of 110 = 17.27…%."""
    scheme = rulebook.loads(POOLED, "pooled.yaml")
    result = rulebook.evaluate(
        scheme,
        {
            "units": {
                "x": {"street": "洪塘街道", "aware": 9, "surveyed": 10},
                "y": {"street": "洪塘街道", "aware": 10, "surveyed": 100},
            }
        },
    )
    rate = result.unit("x").value("street_rate")
    with localcontext(CONTEXT):
        assert rate == Decimal(1900) / Decimal(110)
    assert str(rate).startswith("17.27")


def test_group_rows_by_grouping_and_group_in_declared_order(pooled: rulebook.Result) -> None:
    rows = pooled.groups
    assert [(r.by, r.group, r.units) for r in rows] == [
        ("street", "慈城镇", ("a1", "a2")),
        ("street", "庄桥街道", ("b1",)),  # 洪塘街道 has no unit: no row
        (None, None, ("a1", "a2", "b1")),
    ]
    assert rows[0].values == {
        "street_aware": 11,
        "street_surveyed": 20,
        "street_units": 2,
        "street_rate": 55,
    }
    assert rows[2].values["district_met"] is False
    assert rows[2].values["best_total"] == 80


def test_json_and_jsonl_carry_a_groups_section_valid_against_the_schema(
    pooled: rulebook.Result,
) -> None:
    import jsonschema

    document = pooled.to_dict()
    schema = json.loads((ROOT / "docs" / "result.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, schema)
    assert document["groups"][0] == {
        "by": "street",
        "group": "慈城镇",
        "label": "所属街道 = 慈城镇",
        "units": 2,
        "values": {
            "street_aware": "11",
            "street_surveyed": "20",
            "street_units": "2",
            "street_rate": "55",
        },
    }
    assert to_json(pooled) == json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    from rulebook.render.jsonout import write_jsonl

    out = io.StringIO()
    write_jsonl(pooled, out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1 + 3 + 1  # head, three units, then the group rows
    assert json.loads(lines[-1]) == {"groups": document["groups"]}
    assert "groups" not in json.loads(lines[1])


def test_no_groups_key_for_a_scheme_without_aggregates() -> None:
    scheme = rulebook.loads(
        "scheme: {id: s, title: t}\nindicators: {x: {type: count}}\ntree: [{id: a, expr: x}]\n",
        "s.yaml",
    )
    result = rulebook.evaluate(scheme, {"units": {"u": {"x": 1}}})
    assert "groups" not in result.to_dict() and result.groups == ()


def test_table_html_csv_long_and_xlsx_show_the_group_rows(
    pooled: rulebook.Result, tmp_path: Path
) -> None:
    table = to_table(pooled)
    assert "按所属街道" in table and "全部单位" in table
    street_line = next(line for line in table.splitlines() if line.startswith("street_rate"))
    assert street_line.split()[-2:] == ["55", "75"]
    html = to_html(pooled)
    assert '<table class="groups">' in html and "慈城镇 (2)" in html
    long = to_csv(pooled, long=True).splitlines()
    assert "[所属街道 = 慈城镇],street_rate,街道知晓率,group_value,,55,,," in long
    assert "[全部单位],district_met,,group_value,,false,,," in long
    assert "[" not in to_csv(pooled)  # the wide table stays one row per unit
    pytest.importorskip("openpyxl")
    from rulebook.render.excel import write_xlsx

    path = tmp_path / "r.xlsx"
    write_xlsx(pooled, path)
    with zipfile.ZipFile(path) as book:
        names = book.namelist()
        workbook = book.read("xl/workbook.xml").decode()
    assert 'name="groups"' in workbook and len([n for n in names if "worksheets/sheet" in n]) == 4


def test_the_audit_says_what_an_aggregate_aggregates(pooled: rulebook.Result) -> None:
    audit = pooled.explain("a2", "share")
    (read,) = audit.aggregates
    assert (read.aggregate, read.function, read.of, read.by, read.group, read.units) == (
        "street_aware",
        "sum",
        "aware",
        "street",
        "慈城镇",
        2,
    )
    assert read.value == 11
    relative = pooled.explain("b1", "relative").to_dict()
    assert relative["aggregates"] == [
        {
            "aggregate": "best_total",
            "function": "max",
            "of": "total",
            "by": None,
            "group": None,
            "units": 3,
            "value": "80",
        }
    ]
    assert {"name": "best_total", "kind": "aggregate", "value": "80"} in relative["inputs"]


PERIODS = """
scheme: {id: per-period, title: 季度}
periods: {Q1: 1, Q2: 1}
indicators:
  town: {type: enum, values: [东, 西]}
  births: {type: count, per_period: true}
aggregates:
  town_births: {sum: births, by: town}
  top_births: {max: births}
  busy: {count: "births > 2", per: period, by: town}
values:
  share: {expr: "ratio(births, town_births, 0)", per: period}
tree:
  - {id: births_share, expr: "100 * mean(share)"}
"""


def test_aggregates_of_per_period_names_are_per_period() -> None:
    """东: u1 (Q1 1, Q2 3) and u2 (Q1 3, Q2 1) — town sums Q1 4, Q2 4; 西: u3 (Q1 5, Q2 0).
    u1's shares 1/4 and 3/4, mean 1/2 → 50.00; u3's 5/5 and 0 (guarded) → 50.00.
    Busy (births > 2) in 东: Q1 one (u2), Q2 one (u1); top births Q1 5, Q2 3."""
    scheme = rulebook.loads(PERIODS, "periods.yaml")
    result = rulebook.evaluate(
        scheme,
        {
            "units": {
                "u1": {"town": "东", "births": {"Q1": 1, "Q2": 3}},
                "u2": {"town": "东", "births": {"Q1": 3, "Q2": 1}},
                "u3": {"town": "西", "births": {"Q1": 5, "Q2": 0}},
            }
        },
    )
    u1, u3 = result.unit("u1"), result.unit("u3")
    assert u1.value("town_births") == {"Q1": 4, "Q2": 4}
    assert u3.value("town_births") == {"Q1": 5, "Q2": 0}
    assert u1.value("top_births") == {"Q1": 5, "Q2": 3}
    assert u1.value("busy") == {"Q1": 1, "Q2": 1}
    assert u3.value("busy") == {"Q1": 1, "Q2": 0}
    assert u1.scores["births_share"] == Decimal("50.00")
    assert u3.scores["births_share"] == Decimal("50.00")
    assert result.groups[0].values["town_births"] == {"Q1": 4, "Q2": 4}
    assert "Q1 4 · Q2 4" in to_table(result)


def test_a_vetoed_units_total_counts_like_any_other() -> None:
    """A veto does not change points: u1 (vetoed, 9) is still the best total; a value that
    zeroes vetoed units leaves it out (best 5)."""
    scheme = rulebook.loads(
        """
scheme: {id: v, title: v}
indicators: {x: {type: count}, bad: {type: bool}}
vetoes:
  - {id: bad_thing, when: bad, reason: 否决}
values:
  counted: "0 if vetoed else total"
aggregates:
  best: {max: total}
  best_clean: {max: counted}
tree: [{id: a, expr: x}]
""",
        "v.yaml",
    )
    result = rulebook.evaluate(
        scheme, {"units": {"u1": {"x": 9, "bad": True}, "u2": {"x": 5, "bad": False}}}
    )
    assert result.unit("u2").value("best") == 9
    assert result.unit("u2").value("best_clean") == 5


@pytest.mark.parametrize(
    ("function", "values", "keys", "want"),
    [
        ("sum", ["1.5", "2", "-4"], None, ["-0.5"] * 3),
        ("mean", ["1", "2", "4"], ["a", "b", "a"], ["2.5", "2", "2.5"]),
        ("min", ["3", "-1", "2"], ["a", "a", "b"], ["-1", "-1", "2"]),
        ("max", ["3", "-1", "2"], None, ["3", "3", "3"]),
    ],
)
def test_the_aggregate_rule_by_hand(
    function: Any, values: list[str], keys: list[str] | None, want: list[str]
) -> None:
    got = aggregate(function, [Decimal(v) for v in values], keys)
    assert got == [Decimal(w) for w in want]


def test_count_counts_the_units_where_it_holds() -> None:
    assert aggregate("count", [True, False, True], ["a", "a", "a"]) == [Decimal(2)] * 3
    assert aggregate("count", [True, False], ["a", "b"]) == [Decimal(1), Decimal(0)]


def test_bounds_of_aggregates_are_sound_for_any_number_of_units() -> None:
    part = Interval(Decimal(1), Decimal(5), True)
    assert aggregate_range("sum", part) == Interval(Decimal(1), None)
    assert aggregate_range("sum", Interval(Decimal(-3), Decimal(-1))) == Interval(None, Decimal(-1))
    assert aggregate_range("sum", Interval(Decimal(-1), Decimal(1))) == Interval(None, None)
    assert aggregate_range("mean", part) == Interval(Decimal(1), Decimal(5))
    assert aggregate_range("max", part) == part
    assert aggregate_range("count", None) == Interval(Decimal(0), None)


@settings(max_examples=60, deadline=None)
@given(
    lo=st.integers(-5, 5),
    width=st.integers(0, 5),
    picks=st.lists(st.integers(0, 100), min_size=1, max_size=6),
    function=st.sampled_from(["sum", "mean", "min", "max"]),
)
def test_aggregate_bounds_contain_every_aggregate(
    lo: int, width: int, picks: list[int], function: Any
) -> None:
    values = [Decimal(lo + p % (width + 1)) for p in picks]
    got = aggregate(function, values)[0]
    assert aggregate_range(function, Interval(Decimal(lo), Decimal(lo + width))).contains(got)


def test_rulebook_bounds_reports_aggregates() -> None:
    """X in [2, 5]: its mean and max stay in [2, 5]; a sum of n ≥ 1 of them is ≥ 2 but has no
    upper bound while n is unknown; a count is ≥ 0."""
    from rulebook.audit.bounds import analyze

    scheme = rulebook.loads(
        """
scheme: {id: b, title: b}
indicators: {x: {type: count, min: 2, max: 5}}
aggregates: {avg: {mean: x}, top: {max: x}, all: {sum: x}, n: {count: "x > 3"}}
values: {m: avg, t: top, s: all, c: n}
tree: [{id: a, expr: x}]
""",
        "b.yaml",
    )
    ranges = {b.name: b.bounds for b in analyze(scheme)}
    assert ranges["m"] == Interval(Decimal(2), Decimal(5))
    assert ranges["t"] == Interval(Decimal(2), Decimal(5))
    assert ranges["s"] == Interval(Decimal(2), None)
    assert ranges["c"] == Interval(Decimal(0), None)


def test_aggregates_run_in_the_stage_after_what_they_read() -> None:
    plan = rulebook.loads(POOLED, "pooled.yaml").program.plan
    assert plan.stage_of["street_aware"] == plan.stage_of["best_total"] == 1
    assert plan.stage_of["relative"] == plan.stage_of["street_rate"] == 1
    assert "best_total" in plan.stages[1].aggregates


def test_a_search_rescores_every_unit_when_the_goal_reads_an_aggregate() -> None:
    from rulebook.analysis.goal import Goal

    scheme = rulebook.loads(POOLED, "pooled.yaml")
    assert compares_units(scheme, Goal("score", "relative", Decimal(90)))
    assert not compares_units(scheme, Goal("score", "rate", Decimal(90)))


def test_the_dask_path_refuses_aggregates_with_a_clear_message() -> None:
    pytest.importorskip("dask")
    from rulebook import dask as rdask

    scheme = rulebook.loads(POOLED, "pooled.yaml")
    with pytest.raises(ValueError, match=r"cross-unit aggregates.*rulebook\.columnar\.evaluate"):
        rdask.evaluate(scheme, None)


def test_a_mean_no_column_holds_falls_back_exactly() -> None:
    """Mean of 1, 1, 2 = 4/3: more places than a column holds, so the units fall back to the
    per-unit engine with the exact 40-digit value (and agree with it)."""
    scheme = rulebook.loads(
        "scheme: {id: m, title: m}\nindicators: {x: {type: count}}\n"
        "aggregates: {avg: {mean: x}}\ntree: [{id: a, expr: 'x - avg'}]\n",
        "m.yaml",
    )
    data = {"units": {"u1": {"x": 1}, "u2": {"x": 1}, "u3": {"x": 2}}}
    expected = rulebook.evaluate(scheme, data)
    got = columnar.evaluate(scheme, data)
    assert got.fallbacks == 3
    for unit in expected:
        assert all(same(a, b) for a, b in zip(unit.vector, got.vector(unit.unit), strict=True))
    assert expected.unit("u3").scores["a"] == Decimal("0.67")


ENGINES = """
scheme: {id: engines, title: engines}
periods: {Q1: 1, Q2: 2}
indicators:
  grp: {type: enum, values: [p, q, r]}
  x: {type: decimal, min: -50, max: 50}
  y: {type: count, min: 0, max: 9, per_period: true}
  ok: {type: bool}
aggregates:
  sx: {sum: x, by: grp}
  mx: {mean: x}
  lo: {min: x, by: grp}
  hi: {max: total}
  sy: {sum: y, by: grp}
  n: {count: "ok and x > 0", by: grp}
group_values:
  spread: "hi - 0"
  pooled: {expr: "ratio(sum(sy), n + 1, 0)"}
values:
  dev: "x - mx"
tree:
  - {id: a, expr: "x + sum(y)"}
  - {id: b, role: bonus, expr: "clamp(dev, -5, 5) + (1 if x == lo else 0) + pooled / 10"}
  - {id: rel, role: output, expr: "ratio(100 * total, spread, 0)"}
"""


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_compiled_reference_and_columnar_engines_agree(data: st.DataObject) -> None:
    scheme = rulebook.loads(ENGINES, "engines.yaml")
    sample = data.draw(from_scheme(scheme, units=(1, 9)))
    outcomes: list[Any] = []
    for run in (
        lambda: rulebook.evaluate(scheme, sample),
        lambda: rulebook.evaluate(scheme, sample, engine="reference"),
        lambda: columnar.evaluate(scheme, sample),
    ):
        try:
            outcomes.append(run())
        except EvaluationError as exc:
            outcomes.append(exc)
    compiled, reference, column = outcomes
    if isinstance(compiled, EvaluationError):
        assert str(reference) == str(compiled) and str(column) == str(compiled)
        return
    for unit, other in zip(compiled, reference, strict=True):
        assert all(same(a, b) for a, b in zip(unit.vector, other.vector, strict=True))
        mine = column.vector(unit.unit)
        assert all(same(a, b) for a, b in zip(unit.vector, mine, strict=True)), unit.unit
        column.unit(unit.unit)  # re-derives the unit from the columnar aggregates
    assert compiled.groups == reference.groups


def test_sums_extremes_and_counts_stay_in_columns() -> None:
    """Whole multiples of one scale add and compare exactly in int64: no unit falls back, and
    the columns hold the per-unit engine's values. 东: 1.5 + 2.25 = 3.75, min 1.5, one over 2;
    西: 0.5, min 0.5, none over 2; max of all 2.25."""
    scheme = rulebook.loads(
        """
scheme: {id: c, title: c}
indicators:
  town: {type: enum, values: [东, 西]}
  x: {type: decimal}
aggregates:
  s: {sum: x, by: town}
  lo: {min: x, by: town}
  hi: {max: x}
  big: {count: "x > 2", by: town}
tree: [{id: a, expr: "s + lo + hi + big"}]
""",
        "c.yaml",
    )
    data = {
        "units": {
            "u1": {"town": "东", "x": Decimal("1.5")},
            "u2": {"town": "西", "x": Decimal("0.5")},
            "u3": {"town": "东", "x": Decimal("2.25")},
        }
    }
    got = columnar.evaluate(scheme, data)
    assert got.fallbacks == 0
    expected = rulebook.evaluate(scheme, data)
    for unit in expected:
        assert all(same(a, b) for a, b in zip(unit.vector, got.vector(unit.unit), strict=True))
    # scores: 东 3.75 + 1.5 + 2.25 + 1 = 8.5 and 西 0.5 + 0.5 + 2.25 + 0 = 3.25, by hand
    assert [expected.unit(u).scores["a"] for u in ("u1", "u2")] == [
        Decimal("8.50"),
        Decimal("3.25"),
    ]


def test_a_result_diff_lists_the_group_rows_that_changed(pooled: rulebook.Result) -> None:
    """The target moves from 80 to 60: district_met turns true (62.5 ≥ 60); no unit's score
    reads it, so no unit changes, but the group row does."""
    from rulebook.analysis.result_diff import diff_results

    lower = rulebook.loads(POOLED.replace("target: 80", "target: 60"), "pooled.yaml")
    diff = diff_results(pooled, rulebook.evaluate(lower, POOLED_DATA))
    assert not any(u.changed for u in diff.units)
    assert [(g.by, g.group, g.name, g.changes) for g in diff.groups] == [
        (None, None, "district_met", ((None, "false", "true"),))
    ]
    assert "[all units] district_met: false → true" in diff.render()
    assert diff.to_dict()["groups"][0]["changes"] == [
        {"period": None, "old": "false", "new": "true"}
    ]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_bounds_contain_every_scored_value_of_a_scheme_with_aggregates(
    data: st.DataObject,
) -> None:
    from rulebook.audit.bounds import analyze

    scheme = rulebook.loads(ENGINES, "engines.yaml")
    sample = data.draw(from_scheme(scheme, units=(1, 9)))
    try:
        result = rulebook.evaluate(scheme, sample)
    except EvaluationError:
        return
    for bound in analyze(scheme):
        if not isinstance(bound.bounds, Interval):
            continue
        for unit in result:
            value = unit.value(bound.name)
            points = value.values() if isinstance(value, dict) else [value]
            for v in points:
                assert bound.bounds.contains(v), f"{unit.unit} {bound.name} {v} {bound.bounds}"


def test_scheme_test_cases_can_expect_aggregates_and_group_values(tmp_path: Path) -> None:
    """A `*.tests.yaml` case checks the unit's group's values: 慈城镇 pools 11 of 20 = 55; a
    wrong expectation (56) fails with what it got, never a traceback."""
    from rulebook.testing.cases import run_file

    (tmp_path / "pooled.yaml").write_text(POOLED, encoding="utf-8")
    units = json.dumps(POOLED_DATA["units"], ensure_ascii=False)
    (tmp_path / "pooled.tests.yaml").write_text(
        "scheme: pooled.yaml\ncases:\n"
        f"  - name: right\n    units: {units}\n"
        "    expect: {a2: {street_aware: 11, street_rate: 55, best_total: 80}}\n"
        f"  - name: wrong\n    units: {units}\n"
        "    expect: {a2: {street_rate: 56, street_aware: 12}}\n",
        encoding="utf-8",
    )
    right, wrong = run_file(tmp_path / "pooled.tests.yaml")
    assert right.passed
    assert [(f.key, f.got) for f in wrong.failures] == [
        ("street_rate", "55"),
        ("street_aware", "11"),
    ]


def test_a_long_group_value_is_shortened_and_marked_in_the_table_only() -> None:
    """151 / 200 × 100 = 75.5 is exact and shown as is; 1000 / 3 = 333.333… has endless
    decimals: the table shows 333.333333… (6 places, marked), the JSON the exact value."""
    from decimal import Decimal as D

    from rulebook.render.grouprows import shown

    assert shown(D("75.5")) == "75.5"
    assert shown(D("333.33333333333333333333")) == "333.333333…"
    assert shown(D("0.1234565")) == "0.123456…"  # half-even at the 6th place
    assert shown(D("2.000000")) == "2"
