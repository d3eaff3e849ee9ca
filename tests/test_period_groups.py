"""Months grouped into quarters: per-group values, aggregators inside a group, a month reading its
quarter, and rankings per quarter — worked out by hand."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

import rulebook
from rulebook.arith import snap

from helpers import problems, scheme

SCHEME = """
scheme: {id: g, title: groups}
periods: {M01: 1, M02: 1, M03: 1, M04: 1, M05: 1, M06: 1}
period_groups:
  quarters:
    Q1: [M01, M02, M03]
    Q2: {label: 第二季度, periods: [M04, M05, M06]}
indicators:
  points: {type: decimal, min: 0, per_period: true}
values:
  quarter_total: {per: quarters, expr: "sum(points)"}
  quarter_weighted: {per: quarters, expr: "wsum(points)"}
  share_of_quarter: {per: period, expr: "ratio(points, quarter_total, 0)"}
rankings:
  monthly: {basis: points_copy}
  quarterly: {basis: quarter_total}
tree:
  - id: work
    children:
      - {id: year, expr: "sum(quarter_total)"}
      - {id: best_quarter, expr: "period_max(quarter_total)"}
      - {id: march_share, expr: "100 * first(share_of_quarter)"}
  - id: cash
    role: output
    children:
      - {id: awards, unit: 元, expr: "sum(by_rank(quarterly, 2000, 1500, 1000))"}
"""

GOOD = SCHEME.replace("rankings:\n  monthly: {basis: points_copy}\n", "rankings:\n").replace(
    "values:\n", 'values:\n  points_copy: {per: period, expr: "points"}\n'
)

DATA = {
    # Q1 = 10 + 20 + 30 = 60, Q2 = 5 + 5 + 5 = 15
    "甲": {"points": {"M01": 10, "M02": 20, "M03": 30, "M04": 5, "M05": 5, "M06": 5}},
    # Q1 = 30, Q2 = 40
    "乙": {"points": {"M01": 10, "M02": 10, "M03": 10, "M04": 20, "M05": 10, "M06": 10}},
    # Q1 = 60 (ties 甲), Q2 = 0
    "丙": {"points": {"M01": 60, "M02": 0, "M03": 0, "M04": 0, "M05": 0, "M06": 0}},
}


@pytest.fixture(scope="module")
def result() -> rulebook.Result:
    return rulebook.evaluate(scheme(GOOD), {"units": DATA})


def test_values_per_quarter(result: rulebook.Result) -> None:
    unit = result.unit("甲")
    assert unit.values["quarter_total"] == {"Q1": D(60), "Q2": D(15)}
    # shares are 1/6 per month: a quarter's weighted sum is its total / 6 (exact after the
    # declared snap to 20 places)
    weighted = {q: snap(v) for q, v in unit.values["quarter_weighted"].items()}
    assert weighted == {"Q1": D(10), "Q2": D("2.5")}
    assert unit.scores["work.year"] == D(75) and unit.scores["work.best_quarter"] == D(60)


def test_a_month_reads_its_quarter(result: rulebook.Result) -> None:
    """甲's January is 10 of Q1's 60 → 16.67%."""
    assert result.unit("甲").scores["work.march_share"] == D("16.67")


def test_rankings_per_quarter_and_money_by_rank(result: rulebook.Result) -> None:
    """Q1: 甲 60, 丙 60 tie at 1, 乙 30 is 3rd → 2000, 2000, 1000.
    Q2: 乙 40 first, 甲 15 second, 丙 0 third → 2000, 1500, 1000."""
    ranks = {u.unit: {q: int(r) for q, r in u.ranks["quarterly"].items()} for u in result}
    assert ranks == {"甲": {"Q1": 1, "Q2": 2}, "乙": {"Q1": 3, "Q2": 1}, "丙": {"Q1": 1, "Q2": 3}}
    assert {u.unit: str(u.outputs["cash.awards"]) for u in result} == {
        "甲": "3500.00",
        "乙": "3000.00",
        "丙": "3000.00",
    }


def test_reference_engine_agrees() -> None:
    s = scheme(GOOD)
    assert (
        rulebook.evaluate(s, {"units": DATA}, engine="reference").to_dict()
        == rulebook.evaluate(s, {"units": DATA}).to_dict()
    )


def test_audit_shows_quarter_values(result: rulebook.Result) -> None:
    audit = result.explain("乙", "work.year")
    assert audit.inputs[0].value == {"Q1": D(30), "Q2": D(40)}


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            ("Q2: {label: 第二季度, periods: [M04, M05, M06]}", "Q2: [M04, M05]"),
            "periods M06 are in no group of `quarters`",
        ),
        (
            ("Q2: {label: 第二季度, periods: [M04, M05, M06]}", "Q2: [M03, M04, M05, M06]"),
            "period `M03` is already in group `Q1`",
        ),
        (
            ("Q2: {label: 第二季度, periods: [M04, M05, M06]}", "Q2: [M04, M05, M07]"),
            "unknown period `M07`",
        ),
        (
            ('{per: quarters, expr: "sum(points)"}', '{per: quarter, expr: "sum(points)"}'),
            "did you mean `quarters`?",
        ),
        (
            ('{id: year, expr: "sum(quarter_total)"}', '{id: year, expr: "quarter_total"}'),
            "has one value per `quarters` group",
        ),
    ],
)
def test_group_mistakes_are_located(change: tuple[str, str], words: str) -> None:
    rendered = "\n".join(problems(GOOD.replace(*change)))
    assert words in rendered and "test.yaml:" in rendered


HALVES = """
scheme: {id: h, title: halves and quarters}
periods: {M1: 1, M2: 1, M3: 1, M4: 1}
period_groups:
  quarters: {Q1: [M1, M2], Q2: [M3, M4]}
  halves: {H1: [M1], H2: [M2, M3, M4]}
indicators:
  points: {type: decimal, min: 0, per_period: true}
values:
  by_quarter: {per: quarters, expr: "sum(points)"}
  by_half: {per: halves, expr: "sum(points)"}
  month_mix: {per: period, expr: "by_quarter - by_half"}
tree:
  - id: g
    children:
      - {id: mix, expr: "sum(month_mix)"}
      - {id: halves, expr: "period_max(by_half)"}
"""


def test_two_group_sets_over_the_same_months() -> None:
    """Points 1, 2, 3, 4. Quarters (2 months each): 3, 7; halves (uneven): H1 = 1, H2 = 9.
    month_mix reads its own quarter and half: M1 3 − 1 = 2, M2 3 − 9 = −6, M3 7 − 9 = −2,
    M4 7 − 9 = −2 → −8. The larger half: 9."""
    result = rulebook.evaluate(
        scheme(HALVES), {"units": {"u": {"points": {"M1": 1, "M2": 2, "M3": 3, "M4": 4}}}}
    )
    unit = result.unit("u")
    assert unit.values["by_half"] == {"H1": D(1), "H2": D(9)}
    assert unit.values["month_mix"] == {"M1": D(2), "M2": D(-6), "M3": D(-2), "M4": D(-2)}
    assert unit.scores["g.mix"] == D(-8) and unit.scores["g.halves"] == D(9)


@pytest.mark.parametrize("empty", ["", "{}"])
def test_a_group_set_with_no_groups_is_a_located_error(empty: str) -> None:
    """`quarters:` with nothing was read as a set of no groups (the schema refused it: a
    mapping is required), so a value `per: quarters` had no group to be computed for."""
    found = problems(
        f"""\
        scheme: {{id: s, title: s}}
        periods: {{M1: 1, M2: 1}}
        period_groups:
          quarters: {empty}
        indicators: {{points: {{type: count, per_period: true}}}}
        tree:
          - {{id: g, children: [{{id: p, expr: "period_sum(points)"}}]}}
        """
    )
    wanted = "test.yaml:4:3: error: period-group set `quarters` lists no groups"
    assert any(wanted in p for p in found)
