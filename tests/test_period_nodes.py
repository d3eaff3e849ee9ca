"""Per-period tree nodes (`per:`, `aggregate:` on a node): each period's score floored, capped
and rounded on its own, aggregated upward; read per period by other formulas and rankings;
shown per period in every rendering; the three engines agree and the bounds are sound. Every
expected value is worked out by hand in the test's docstring or comments."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rulebook
from rulebook import columnar
from rulebook.audit.bounds import Interval, analyze
from rulebook.engine.columnar.result import same
from rulebook.render.csvout import to_csv
from rulebook.render.html import to_html
from rulebook.render.jsonout import to_json
from rulebook.render.table import to_table
from rulebook.render.worksheet import worksheet
from rulebook.testing.properties import from_scheme

D = Decimal
ROOT = Path(__file__).resolve().parent.parent

THREE_MONTHS = """
scheme: {id: pp, title: per period, language: en}
rounding: {places: 2, mode: half_up}
periods: {M01: {weight: 1}, M02: {weight: 1}, M03: {weight: 1}}
indicators:
  x: {type: decimal, min: 0, max: 20, per_period: true}
tree:
  - {id: monthly, per: period, aggregate: sum, expr: "x"}
  - {id: once, expr: "sum(x)"}
"""


def scheme(text: str) -> rulebook.Scheme:
    return rulebook.loads(text, "<test>")


def score(text: str, units: dict[str, Any]) -> rulebook.Result:
    return rulebook.evaluate(scheme(text), {"units": units})


def test_rounding_per_period_makes_the_difference() -> None:
    """Three months of 3.335: per month 3.335 → 3.34 (half_up), summed 10.02; the same sum
    scored once is 10.005 → 10.01."""
    result = score(
        THREE_MONTHS, {"u": {"x": {"M01": D("3.335"), "M02": D("3.335"), "M03": D("3.335")}}}
    )
    unit = result.unit("u")
    assert unit.period_scores["monthly"] == {"M01": D("3.34"), "M02": D("3.34"), "M03": D("3.34")}
    assert unit.scores["monthly"] == D("10.02")
    assert unit.scores["once"] == D("10.01")
    assert unit.value("monthly.periods", "M02", raw=True) == D(D("3.335"))


CAPS = """
scheme: {id: caps, title: caps, language: en}
rounding: {places: 2, mode: half_up}
periods: {M01: {weight: 1}, M02: {weight: 1}, M03: {weight: 1}, M04: {weight: 1}}
indicators:
  late: {type: count, per_period: true}
  visits: {type: count, per_period: true}
  homes: {type: count, min: 1}
tree:
  - id: monthly
    per: period
    aggregate: sum
    children:
      - {id: visits, expr: "10 * visits / homes", period_max: 10, period_standard: 10, max: 35}
      - {id: reports, expr: "5 - 2 * late", period_min: 0, period_standard: 5}
"""


def test_period_caps_and_floors_then_the_item_cap() -> None:
    """Homes 3, visits 1, 4, 3, 2: 3.333… → 3.33; 13.33 capped at 10; 10; 6.666… → 6.67.
    Sum 30.00 (under `max: 35`). late 0, 3, 1, 0: 5; −1 floored at 0; 3; 5 → 13.
    Group periods: 8.33, 10.00, 13.00, 11.67; group 30 + 13 = 43."""
    result = score(
        CAPS,
        {
            "u": {
                "homes": 3,
                "visits": {"M01": 1, "M02": 4, "M03": 3, "M04": 2},
                "late": {"M01": 0, "M02": 3, "M03": 1, "M04": 0},
            }
        },
    )
    u = result.unit("u")
    assert u.period_scores["monthly.visits"] == {
        "M01": D("3.33"),
        "M02": D("10.00"),
        "M03": D("10.00"),
        "M04": D("6.67"),
    }
    assert u.period_scores["monthly.reports"] == {
        "M01": D("5.00"),
        "M02": D("0.00"),
        "M03": D("3.00"),
        "M04": D("5.00"),
    }
    assert u.period_scores["monthly"] == {
        "M01": D("8.33"),
        "M02": D("10.00"),
        "M03": D("13.00"),
        "M04": D("11.67"),
    }
    assert u.scores["monthly.visits"] == D("30.00")
    assert u.scores["monthly.reports"] == D("13.00")
    assert u.scores["monthly"] == D("43.00")
    # standards derived from period_standard: 4 × 10 and 4 × 5
    s = result.scheme
    assert s.nodes["monthly.visits"].standard == D("40")
    assert s.nodes["monthly.reports"].standard == D("20")


def test_the_item_cap_applies_to_the_aggregate() -> None:
    """Visits 3 every month: 10.00 a month, 40 summed, capped at `max: 35`."""
    result = score(
        CAPS,
        {
            "u": {
                "homes": 3,
                "visits": dict.fromkeys(("M01", "M02", "M03", "M04"), 3),
                "late": dict.fromkeys(("M01", "M02", "M03", "M04"), 0),
            }
        },
    )
    assert result.unit("u").scores["monthly.visits"] == D("35.00")


def test_the_audit_shows_each_periods_raw_value_and_clips() -> None:
    """M02: 10 × 4 / 3 = 13.333… capped at 10 (3.333… clipped); M01 3.333… → 3.33."""
    result = score(
        CAPS,
        {
            "u": {
                "homes": 3,
                "visits": {"M01": 1, "M02": 4, "M03": 3, "M04": 2},
                "late": {"M01": 0, "M02": 3, "M03": 1, "M04": 0},
            }
        },
    )
    audit = result.explain("u", "monthly.visits.periods")
    assert isinstance(audit.raw, dict)
    assert str(audit.raw["M02"]).startswith("13.3333333333")
    assert [(c.kind, c.bound, c.after) for c in audit.clips] == [("cap", D(10), D(10))]
    assert audit.rounding is not None
    assert "M02 13.333" in audit.rounding and "(cap 10) → 10.00" in audit.rounding
    assert "M01 3.333" in audit.rounding and "→ 3.33" in audit.rounding
    floors = result.explain("u", "monthly.reports.periods").clips
    assert [(c.kind, c.before, c.after) for c in floors] == [("floor", D(-1), D(0))]


def test_points_lost_per_period() -> None:
    """visits: 10 − 3.33 = 6.67 (M01), 10 − 6.67 = 3.33 (M04); reports: 5 − 0 = 5 (M02),
    5 − 3 = 2 (M03). Biggest first."""
    result = score(
        CAPS,
        {
            "u": {
                "homes": 3,
                "visits": {"M01": 1, "M02": 4, "M03": 3, "M04": 2},
                "late": {"M01": 0, "M02": 3, "M03": 1, "M04": 0},
            }
        },
    )
    # the year: visits 40 − 30 = 10 (standard 4 × 10), reports 20 − 13 = 7, explained by
    # what the period formulas read
    year = result.points_lost("u")
    assert [(p.node, p.lost) for p in year] == [
        ("monthly.visits", D("10.00")),
        ("monthly.reports", D("7.00")),
    ]
    assert [i.name for i in year[0].inputs] == ["visits", "homes"]
    assert year[1].inputs[0].value == {"M01": 0, "M02": 3, "M03": 1, "M04": 0}
    lost = [(p.node, p.period, p.lost) for p in result.period_points_lost("u")]
    assert lost == [
        ("monthly.visits", "M01", D("6.67")),
        ("monthly.reports", "M02", D("5.00")),
        ("monthly.visits", "M04", D("3.33")),
        ("monthly.reports", "M03", D("2.00")),
    ]


QUARTERS = """
scheme: {id: q, title: quarters, language: en}
rounding: {places: 2, mode: half_up}
periods:
  M01: {weight: 1}
  M02: {weight: 1}
  M03: {weight: 1}
  M04: {weight: 1}
  M05: {weight: 1}
  M06: {weight: 2}
period_groups:
  quarters:
    Q1: {periods: [M01, M02, M03]}
    Q2: {periods: [M04, M05, M06]}
indicators:
  done: {type: count, per_period: true}
  target: {type: count, min: 1}
tree:
  - id: quarterly
    per: quarters
    aggregate: mean
    expr: "10 * min(1, sum(done) / target)"
  - id: weighted
    per: period
    aggregate: wsum
    expr: "done / 3"
"""


def test_a_per_quarter_item_with_mean_and_a_weighted_monthly_item() -> None:
    """Target 9. Q1 done 1+2+3 = 6: 10 × 6/9 = 6.666… → 6.67; Q2 4+4+4 = 12 → 10 × min(1, 12/9)
    = 10.00; mean (6.67 + 10) / 2 = 8.335 → 8.34.
    weighted: done/3 = 0.33, 0.67, 1.00, 1.33, 1.33, 1.33; weights 1,1,1,1,1,2 of 7:
    (0.33 + 0.67 + 1 + 1.33 + 1.33 + 2 × 1.33) / 7 = 7.32 / 7 = 1.045714… → 1.05."""
    result = score(
        QUARTERS,
        {
            "u": {
                "target": 9,
                "done": {"M01": 1, "M02": 2, "M03": 3, "M04": 4, "M05": 4, "M06": 4},
            }
        },
    )
    u = result.unit("u")
    assert u.period_scores["quarterly"] == {"Q1": D("6.67"), "Q2": D("10.00")}
    assert u.scores["quarterly"] == D("8.34")
    assert u.scores["weighted"] == D("1.05")


RANKED = """
scheme: {id: r, title: ranked, language: en}
periods: {M01: {weight: 1}, M02: {weight: 1}}
indicators:
  x: {type: decimal, min: 0, max: 10, per_period: true}
  bonus: {type: decimal, min: 0, max: 1}
values:
  best_month: "period_max(work.periods)"
  doubled: {per: period, expr: "2 * work.periods + bonus"}
rankings:
  month_rank: {basis: work.periods}
tree:
  - id: work
    per: period
    aggregate: last
    expr: "x + bonus"
  - {id: placed, expr: "sum(month_rank)"}
"""


def test_other_formulas_and_rankings_read_the_period_scores() -> None:
    """a: x 3, 1; bonus 0.5 → work 3.50, 1.50 (last: 1.50). b: x 2, 4; bonus 0 → 2.00, 4.00
    (last 4.00). Month ranks: M01 a 1, b 2; M02 b 1, a 2 → placed a 3, b 3.
    best_month a 3.50; doubled a M01 2 × 3.5 + 0.5 = 7.5."""
    result = score(
        RANKED,
        {
            "a": {"x": {"M01": 3, "M02": 1}, "bonus": D("0.5")},
            "b": {"x": {"M01": 2, "M02": 4}, "bonus": 0},
        },
    )
    a, b = result.unit("a"), result.unit("b")
    assert a.scores["work"] == D("1.50") and b.scores["work"] == D("4.00")
    assert a.ranks["month_rank"] == {"M01": 1, "M02": 2}
    assert b.ranks["month_rank"] == {"M01": 2, "M02": 1}
    assert a.scores["placed"] == D("3.00")
    assert a.values["best_month"] == D("3.50")
    assert a.values["doubled"]["M01"] == D("7.50")
    assert "work.periods" not in a.values  # period scores are reported as period_scores


def test_json_has_period_scores_and_validates() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    result = score(
        CAPS,
        {
            "u": {
                "homes": 3,
                "visits": {"M01": 1, "M02": 4, "M03": 3, "M04": 2},
                "late": dict.fromkeys(("M01", "M02", "M03", "M04"), 0),
            }
        },
    )
    doc = json.loads(to_json(result))
    schema = json.loads((ROOT / "docs" / "result.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)
    unit = doc["units"][0]
    assert unit["period_scores"]["monthly.visits"] == {
        "M01": "3.33",
        "M02": "10.00",
        "M03": "10.00",
        "M04": "6.67",
    }
    assert unit["period_points_lost"][0] == {
        "node": "monthly.visits",
        "label": "visits",
        "period": "M01",
        "standard": "10",
        "value": "3.33",
        "lost": "6.67",
    }
    # a scheme without per-period nodes keeps its JSON shape
    plain = score(
        "scheme: {id: p, title: p}\nindicators: {x: {type: count}}\ntree: [{id: a, expr: x}]",
        {"u": {"x": 1}},
    )
    assert "period_scores" not in json.loads(to_json(plain))["units"][0]


def test_table_csv_html_and_worksheet_show_each_period() -> None:
    result = score(
        CAPS,
        {
            "u": {
                "homes": 3,
                "visits": {"M01": 1, "M02": 4, "M03": 3, "M04": 2},
                "late": dict.fromkeys(("M01", "M02", "M03", "M04"), 0),
            }
        },
    )
    table = to_table(result)
    lines = table.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("  visits"))
    assert lines[at + 1].split() == ["·", "M01", "M01", "10", "3.33"]
    assert lines[at + 2].split()[-1] == "10.00"
    wide = list(csv.reader(io.StringIO(to_csv(result))))
    row = dict(zip(wide[0], wide[1], strict=True))
    assert row["monthly.visits[M04]"] == "6.67" and row["monthly[M02]"] == "15.00"
    long = list(csv.DictReader(io.StringIO(to_csv(result, long=True))))
    m02 = next(r for r in long if r["node"] == "monthly.visits" and r["period"] == "M02")
    # 10 × 4 / 3 = 13.333…, capped at 10: 3.333… clipped
    assert m02["value"] == "10.00" and m02["raw"].startswith("13.333")
    assert m02["clipped"].startswith("3.333")
    html = to_html(result)
    assert '<table class="periods">' in html and '<td class="n lost">6.67</td>' in html
    sheet = worksheet(result, "u")
    assert "per period: = 10 * visits[M01 1, M02 4, M03 3, M04 2] / homes[3]" in sheet
    assert "1.00  monthly.visits M03" not in sheet  # M03 is at the standard: nothing lost
    assert "3.33  monthly.visits M04" in sheet


LONG = """
scheme: {id: long, title: long axis, language: en}
rounding: {places: 1, mode: half_even}
periods: {%s}
period_groups:
  halves:
    H1: {periods: [%s]}
    H2: {periods: [%s]}
indicators:
  x: {type: decimal, min: -5, max: 30, per_period: true}
  y: {type: count, max: 9}
values:
  h: {per: halves, expr: "sum(g.periods) / 4"}
rankings:
  by_month: {basis: g.periods, order: asc}
tree:
  - id: g
    per: period
    aggregate: mean
    children:
      - {id: a, expr: "x / 3 + y", period_max: 10, period_min: 0}
      - {id: b, aggregate: period_max, expr: "x * weight"}
  - {id: h2, per: halves, aggregate: first, expr: "sum(x) / 7 + h", min: -1, max: 50}
  - {id: ranks, expr: "sum(by_month) / 3"}
"""
_MONTHS = [f"P{i:02d}" for i in range(1, 15)]  # 14 points: longer than the unrolled axes
LONG_TEXT = LONG % (
    ", ".join(f"{m}: {{weight: {1 + i % 3}}}" for i, m in enumerate(_MONTHS)),
    ", ".join(_MONTHS[:7]),
    ", ".join(_MONTHS[7:]),
)
SCHEMES = {"three": THREE_MONTHS, "caps": CAPS, "quarters": QUARTERS, "ranked": RANKED}
SCHEMES["long"] = LONG_TEXT
SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("name", list(SCHEMES))
@SETTINGS
@given(data=st.data())
def test_compiled_reference_and_columnar_engines_agree(name: str, data: st.DataObject) -> None:
    s = scheme(SCHEMES[name])
    units = data.draw(from_scheme(s, units=(1, 6)))
    compiled = rulebook.evaluate(s, units)
    reference = rulebook.evaluate(s, units, engine="reference")
    assert compiled.to_dict() == reference.to_dict()
    got = columnar.evaluate(s, units)
    for unit in compiled:
        for slot, (a, b) in enumerate(zip(unit.vector, got.vector(unit.unit), strict=True)):
            assert same(a, b), f"{unit.unit} slot {slot}: per-unit {a!r}, columnar {b!r}"


@pytest.mark.parametrize("name", list(SCHEMES))
@SETTINGS
@given(data=st.data())
def test_bounds_hold_for_every_period_score_and_node(name: str, data: st.DataObject) -> None:
    s = scheme(SCHEMES[name])
    bounds = {b.name: b.bounds for b in analyze(s)}
    result = rulebook.evaluate(s, data.draw(from_scheme(s, units=(1, 4))))
    for unit in result:
        for node_id in s.score_ids:
            b = bounds[node_id]
            assert isinstance(b, Interval) and b.contains(unit.value(node_id)), node_id
        for node_id, by_point in unit.period_scores.items():
            b = bounds[f"{node_id}.periods"]
            for value in by_point.values():
                assert isinstance(b, Interval) and b.contains(value), (node_id, value, b)


def test_bounds_of_period_scores_by_hand() -> None:
    """caps: visits 10 × [0, ∞) / [1, ∞) capped at 10 → [0, 10] a month; the item [0, 35]
    (sum [0, 40] capped at 35). reports 5 − 2 × [0, ∞) floored at 0 → [0, 5] a month, the
    item [0, 20]; the group's months [0, 15]."""
    bounds = {b.name: b.bounds for b in analyze(scheme(CAPS))}
    assert bounds["monthly.visits.periods"] == Interval(D("0.00"), D("10.00"))
    assert bounds["monthly.visits"] == Interval(D("0.00"), D("35.00"))
    assert bounds["monthly.reports.periods"] == Interval(D("0.00"), D("5.00"))
    assert bounds["monthly.reports"] == Interval(D("0.00"), D("20.00"))
    assert bounds["monthly.periods"] == Interval(D("0.00"), D("15.00"))


def test_standard_from_period_standard_follows_the_aggregator() -> None:
    """Four months: sum → 4 × 5 = 20; mean → 5; wsum → 5 (shares sum to 1); an explicit
    `standard` wins."""
    text = """
scheme: {id: s, title: s}
periods: {M01: {weight: 1}, M02: {weight: 1}, M03: {weight: 1}, M04: {weight: 1}}
indicators: {x: {type: count, per_period: true}}
tree:
  - {id: a, per: period, aggregate: sum, period_standard: 5, expr: "x"}
  - {id: b, per: period, aggregate: mean, period_standard: 5, expr: "x"}
  - {id: c, per: period, aggregate: wsum, period_standard: 5, expr: "x"}
  - {id: d, per: period, aggregate: sum, period_standard: 5, standard: 12, expr: "x"}
"""
    nodes = scheme(text).nodes
    assert [nodes[n].standard for n in "abcd"] == [D(20), D(5), D(5), D(12)]


def test_a_per_period_item_may_read_annual_names() -> None:
    """Annual `homes` read in every month (CAPS); a group scored once may hold a per-period
    item: 2 months of x = 1.5 → 1.5 + 1.5 = 3 in the group."""
    text = """
scheme: {id: m, title: m}
periods: {M01: {weight: 1}, M02: {weight: 1}}
indicators: {x: {type: decimal, per_period: true}, k: {type: count}}
tree:
  - id: g
    children:
      - {id: a, per: period, aggregate: sum, expr: "x * k"}
      - {id: b, expr: "k"}
"""
    result = score(text, {"u": {"x": {"M01": D("1.5"), "M02": D("1.5")}, "k": 1}})
    assert result.unit("u").scores["g"] == D("4.00")


@pytest.mark.parametrize(
    ("tree", "words"),
    [
        ('[{id: a, aggregate: sum, expr: "x"}]', "`aggregate` belongs to a per-period node"),
        ('[{id: a, period_max: 3, expr: "x"}]', "`period_max` belongs to a per-period node"),
        ('[{id: a, per: period, expr: "x"}]', "a per-period item needs `aggregate:`"),
        (
            '[{id: a, per: period, aggregate: sum, expr: "x"}, {id: b, expr: "a.periods"}]',
            "`a.periods` has one value per period",
        ),
        (
            '[{id: a, per: period, aggregate: sum, period_min: 3, period_max: 1, expr: "x"}]',
            "cap `period_max: 1` is below floor `period_min: 3`",
        ),
        (
            '[{id: a, per: period, aggregate: sum, children: [{id: periods, expr: "x"}]}]',
            "`a.periods` is already defined",
        ),
    ],
)
def test_mistakes_are_located_errors(tree: str, words: str) -> None:
    text = (
        "scheme: {id: e, title: e}\nperiods: {M01: {weight: 1}, M02: {weight: 1}}\n"
        "indicators: {x: {type: count, per_period: true}}\n"
        f"tree: {tree}\n"
    )
    with pytest.raises(rulebook.SchemeError) as info:
        scheme(text)
    found = [p for p in info.value.problems if words in p.message]
    assert found, str(info.value)
    assert found[0].location is not None and found[0].location.line == 4


def test_lets_of_a_per_period_item_are_per_period_unless_they_say() -> None:
    """`share` (no `per`) is computed per month: x / k = 1/3, 2/3 → 10 × share = 3.33, 6.67;
    `total_x` says `per_period: false`: sum(x) = 3, once. Score 3.33 + 6.67 + 0 = 10.00."""
    text = """
scheme: {id: l, title: l}
periods: {M01: {weight: 1}, M02: {weight: 1}}
indicators: {x: {type: count, per_period: true}, k: {type: count, min: 1}}
tree:
  - id: a
    per: period
    aggregate: sum
    let:
      share: "x / k"
      total_x: {expr: "sum(x)", per_period: false}
    expr: "10 * share + 0 * total_x"
"""
    result = score(text, {"u": {"x": {"M01": 1, "M02": 2}, "k": 3}})
    u = result.unit("u")
    assert u.period_scores["a"] == {"M01": D("3.33"), "M02": D("6.67")}
    assert u.values["a.total_x"] == D(3)
    assert set(u.values["a.share"]) == {"M01", "M02"}
    assert u.scores["a"] == D("10.00")


def test_the_columnar_frame_has_a_column_per_period() -> None:
    """CAPS, homes 3, visits 1, 4, 3, 2 → visits period scores 3.33, 10.00, 10.00, 6.67."""
    units = {
        "u": {
            "homes": 3,
            "visits": {"M01": 1, "M02": 4, "M03": 3, "M04": 2},
            "late": dict.fromkeys(("M01", "M02", "M03", "M04"), 0),
        }
    }
    frame = columnar.evaluate(scheme(CAPS), {"units": units}).to_frame()
    assert list(frame.columns[:7]) == [
        "unit",
        "monthly",
        "monthly[M01]",
        "monthly[M02]",
        "monthly[M03]",
        "monthly[M04]",
        "monthly.visits",
    ]
    assert frame["monthly.visits[M02]"][0] == D("10.00")
    assert frame["monthly.visits[M04]"][0] == D("6.67")


def test_coverage_counts_the_period_caps(tmp_path: Path) -> None:
    """CAPS with one case, homes 3, visits 1, 4, 3, 2, late 0 every month: `period_max: 10` of
    visits clips in M02 (13.33); `period_min: 0` of reports never clips (5 − 0 ≥ 0); the
    item cap `max: 35` never clips (30 ≤ 35). Limits hit: 1 of 3. A case may assert a period
    score as `node[M02]`; a wrong one and an unknown period fail, located."""
    from rulebook.cli import EXIT_TESTS_FAILED, main

    (tmp_path / "caps.yaml").write_text(CAPS, encoding="utf-8")
    (tmp_path / "caps.tests.yaml").write_text(
        "cases:\n  - name: one\n    units: {u: {homes: 3, visits: {M01: 1, M02: 4, M03: 3,"
        " M04: 2}, late: {M01: 0, M02: 0, M03: 0, M04: 0}}}\n"
        "    expect: {u: {monthly.visits: 30, monthly.reports: 20, 'monthly.visits[M02]': 10}}\n"
        "  - name: two\n    units: {u: {homes: 3, visits: {M01: 1, M02: 4, M03: 3,"
        " M04: 2}, late: {M01: 0, M02: 0, M03: 0, M04: 0}}}\n"
        "    expect:\n      u:\n        monthly.visits[M01]: 3.34\n"
        "        monthly.visits[M09]: 1\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    assert main(["test", "--coverage", str(tmp_path)], out, io.StringIO()) == EXIT_TESTS_FAILED
    text = out.getvalue()
    # case two fails twice: M01 is 10 × 1/3 → 3.33 (3.34 was asserted), and there is no M09
    assert "3.34" in text and "3.33" in text and "no period `M09` of `monthly.visits`" in text
    assert "caps and floors hit 1/3" in text
    assert "never: monthly.reports: `period_min: 0` never clipped" in text
    assert "never: monthly.visits: `max: 35` never clipped" in text
    assert "monthly.visits: `period_max" not in text


def test_scheme_diff_names_a_changed_period_cap() -> None:
    """CAPS with visits' `period_max` 10 → 12: one field of one node changes (the period
    scores' formula is unchanged)."""
    from rulebook.analysis.scheme_diff import diff_schemes

    changed = CAPS.replace("period_max: 10", "period_max: 12")
    changes = diff_schemes(scheme(CAPS), scheme(changed))
    assert [(c.section, c.name, c.status) for c in changes.changes] == [
        ("nodes", "monthly.visits", "changed")
    ]
    entry = changes.find("nodes", "monthly.visits")
    assert entry is not None
    assert [(f.field, f.old, f.new) for f in entry.fields] == [("period_max", "10", "12")]
