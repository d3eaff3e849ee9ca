"""Cross-unit aggregates over names that may be not applicable: the one rule
(`rulebook.engine.aggregates`) worked by hand — n/a units are left out of sum, mean, min and
max, `count` counts where the condition holds, a group where nothing applies has sum 0,
count 0 and n/a mean, min and max — in every engine, the audit, the renderings and the bounds."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rulebook
from rulebook import columnar
from rulebook.audit.bounds import Analyzer, Interval, analyze
from rulebook.engine.aggregates import aggregate
from rulebook.engine.columnar.result import same
from rulebook.engine.semantics import NA
from rulebook.render.csvout import to_csv
from rulebook.render.html import to_html
from rulebook.render.jsonout import to_json
from rulebook.render.table import to_table
from rulebook.render.worksheet import worksheet
from rulebook.testing.properties import from_scheme

NA_POOL = """
scheme: {id: naagg, title: naagg, language: en}
indicators:
  street: {type: enum, values: [east, west]}
  births: {type: count, na: allowed}
aggregates:
  s_births: {sum: births, by: street}
  m_births: {mean: births, by: street}
  lo: {min: births, by: street}
  hi: {max: births, by: street}
  n_big: {count: "births > 3", by: street}
  best: {max: total}
values:
  spread: "hi - lo"
  share: "ratio(100 * births, s_births, 0)"
tree:
  - id: svc
    standard: 10
    not_applicable: rescale
    children:
      - {id: nb, standard: 10, expr: "min(10, births)"}
  - {id: rel, role: output, expr: "ratio(100 * total, best, 0)"}
total: {not_applicable: rescale}
"""

NA_DATA: dict[str, Any] = {
    "units": {
        "e1": {"street": "east", "births": 4},
        "e2": {"street": "east", "births": "n/a"},
        "e3": {"street": "east", "births": 6},
        "w1": {"street": "west", "births": "n/a"},
        "w2": {"street": "west", "births": "n/a"},
    }
}


@pytest.fixture(scope="module")
def pool() -> rulebook.Result:
    return rulebook.evaluate(rulebook.loads(NA_POOL, "naagg.yaml"), NA_DATA)


def test_n_a_units_are_left_out_by_hand(pool: rulebook.Result) -> None:
    """In east, births 4, n/a, 6 → sum 4 + 6 = 10, mean 10 / 2 = 5 (not 10 / 3), min 4, max 6,
    count of births > 3: 4 and 6 hold, the n/a condition does not → 2. west: every unit n/a →
    sum 0, count 0, and mean, min, max n/a; `spread` = hi − lo reads them, so it is n/a."""
    e1, w1 = pool.unit("e1"), pool.unit("w1")
    got = {n: e1.value(n) for n in ("s_births", "m_births", "lo", "hi", "n_big", "spread")}
    assert got == {
        "s_births": 10,
        "m_births": 5,
        "lo": 4,
        "hi": 6,
        "n_big": 2,
        "spread": 2,
    }
    assert w1.value("s_births") == 0 and w1.value("n_big") == 0
    assert all(w1.value(n) is NA for n in ("m_births", "lo", "hi", "spread"))


def test_the_best_total_is_over_the_units_with_a_total(pool: rulebook.Result) -> None:
    """Totals: e1 min(10, 4) = 4, e3 6, the rest n/a (their only item reads n/a births).
    best = max(4, 6) = 6; rel(e1) = 100 × 4 / 6 = 66.666… → 66.67; rel(e2) reads an n/a
    total, so it is n/a, not a 0."""
    assert pool.unit("e1").value("best") == 6
    assert pool.unit("e1").value("rel") == Decimal("66.67")
    assert pool.unit("e3").value("rel") == Decimal("100.00")
    assert pool.unit("e2").value("rel") is NA


def test_the_shared_rule_directly() -> None:
    """sum(NA, 2, 3) = 5; mean(NA, 2, 3) = 5 / 2 = 2.5; a group of only NA: sum 0, max NA;
    count(True, NA, False) = 1."""
    values = [NA, Decimal(2), Decimal(3)]
    assert aggregate("sum", values) == [5, 5, 5]
    assert aggregate("mean", values) == [Decimal("2.5")] * 3
    assert aggregate("sum", [NA, NA]) == [0, 0]
    assert aggregate("max", [NA, NA]) == [NA, NA]
    assert aggregate("count", [True, NA, False]) == [1, 1, 1]


def test_the_audit_says_how_many_units_were_left_out(pool: rulebook.Result) -> None:
    """Street east has 3 units, 1 (e2) n/a; the explain line and the JSON say so."""
    audit = pool.explain("e1", "share")
    (read,) = audit.aggregates
    assert (read.units, read.not_applicable, read.value) == (3, 1, 10)
    assert audit.to_dict()["aggregates"][0]["not_applicable"] == 1
    text = worksheet(pool, "e1", "share")
    assert "over 3 units (street = east, 1 n/a left out) = 10" in text


def test_every_rendering_writes_n_a_never_a_crash(pool: rulebook.Result) -> None:
    """CSV had crashed on an output that is n/a; each rendering now shows it as n/a."""
    text = to_csv(pool)
    assert "e2,n/a,n/a,n/a,n/a" in text.splitlines()
    document = json.loads(to_json(pool, audit=True))
    assert document["groups"]
    assert "n/a" in to_html(pool)
    assert "n/a" in to_table(pool)


def test_columnar_agrees_and_sends_n_a_aggregates_to_the_per_unit_engine() -> None:
    scheme = rulebook.loads(NA_POOL, "naagg.yaml")
    expected = rulebook.evaluate(scheme, NA_DATA)
    got = columnar.evaluate(scheme, NA_DATA)
    for unit in expected:
        assert all(same(a, b) for a, b in zip(unit.vector, got.vector(unit.unit), strict=True))


def test_bounds_flag_what_reads_an_aggregate_that_may_be_n_a() -> None:
    """`spread` reads min/max of births, which may be n/a in a whole street; a sum of n/a-able
    values of at least 1 can still be 0 (nothing applies), so its range reaches 0."""
    scheme = rulebook.loads(
        NA_POOL.replace("count, na:", "count, min: 1, max: 9, na:"),
        "naagg.yaml",
    )
    found = {b.name: b for b in analyze(scheme)}
    assert any("may be n/a" in f for f in found["spread"].flags)
    share = found["share"]
    assert any("may be n/a" in f for f in share.flags)
    analyzer = Analyzer(scheme)
    analyzer.run()
    assert analyzer.ranges["s_births"] == Interval(Decimal(0), None)
    assert analyzer.ranges["hi"] == Interval(Decimal(1), Decimal(9))


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_compiled_reference_and_columnar_engines_agree_with_n_a(data: st.DataObject) -> None:
    scheme = rulebook.loads(NA_POOL, "naagg.yaml")
    sample = data.draw(from_scheme(scheme, units=(1, 7)))
    compiled = rulebook.evaluate(scheme, sample)
    reference = rulebook.evaluate(scheme, sample, engine="reference")
    column = columnar.evaluate(scheme, sample)
    for unit, other in zip(compiled, reference, strict=True):
        assert all(same(a, b) for a, b in zip(unit.vector, other.vector, strict=True))
        assert all(same(a, b) for a, b in zip(unit.vector, column.vector(unit.unit), strict=True))


def test_a_group_value_reading_an_n_a_aggregate_is_n_a_not_refused() -> None:
    """A group value over the mean: east 5 + 1 = 6; west has no mean, so n/a (it was refused
    at load as "a yes/no condition" once aggregates could be n/a)."""
    text = NA_POOL.replace("values:\n", 'group_values:\n  next_mean: "m_births + 1"\nvalues:\n', 1)
    result = rulebook.evaluate(rulebook.loads(text, "naagg.yaml"), NA_DATA)
    assert result.unit("e1").value("next_mean") == 6
    assert result.unit("w1").value("next_mean") is NA
    rows = [r for r in to_csv(result, long=True).splitlines() if ",next_mean," in r]
    assert rows == [
        "[street = east],next_mean,,group_value,,6,,,",
        "[street = west],next_mean,,group_value,,n/a,,,",
    ]


def test_a_chinese_group_table_writes_not_applicable_as_a_word_of_its_language() -> None:
    """Both units of 东 mark births n/a: the street's mean has no unit to run over, so it is
    n/a, written 不适用 in a Chinese scheme's group table (the sum over none is 0)."""
    scheme = rulebook.loads(
        NA_POOL.replace("language: en", "language: zh").replace("title: naagg", "title: 出生")
    )
    data = {
        "units": {
            "甲": {"street": "east", "births": "n/a"},
            "乙": {"street": "east", "births": "不适用"},
            "丙": {"street": "west", "births": 4},
        }
    }
    table = to_table(rulebook.evaluate(scheme, data))
    row = next(line for line in table.splitlines() if line.startswith("m_births"))
    assert "不适用" in row and "n/a" not in row
    assert row.split()[-1] == "4"  # west: the one unit's 4
