"""Evaluation on small purpose-made schemes whose answers are worked out by hand."""

from __future__ import annotations

import re
from decimal import Decimal as D

import pytest

import rulebook

from helpers import scheme, score, scores

QUARTERS = """
scheme: {id: q, title: quarters}
periods: {Q1: {weight: 4}, Q2: {weight: 3}, Q3: {weight: 3}}
indicators:
  done: {type: count, per_period: true}
  target: {type: count}
  rate: {type: rate, per_period: true}
patterns:
  task:
    args: {S: points, T: target, d: done}
    let:
      r: {per_period: true, expr: "1 if T == 0 else min(1, d / (T * weight))"}
    expr: "S * wsum(r)"
tree:
  - id: work
    children:
      - id: weighted
        use: task
        with: {S: 100, T: target, d: done}
      - id: summed
        expr: "sum(max(0, 25 - max(0, 70 - rate)))"
      - id: mean_rate
        expr: "mean(rate)"
      - id: last_rate
        expr: "last(rate) - first(rate)"
"""


def test_weighted_quarters_4_3_3() -> None:
    """Target 10 -> quarter targets 4, 3, 3. Done 2, 3, 1: ratios 1/2, 1, 1/3.
    100 × (0.4 × 1/2 + 0.3 × 1 + 0.3 × 1/3) = 100 × (0.2 + 0.3 + 0.1) = 60."""
    result = score(
        QUARTERS,
        {
            "v": {
                "done": {"Q1": 2, "Q2": 3, "Q3": 1},
                "target": 10,
                "rate": {"Q1": 70, "Q2": 70, "Q3": 70},
            }
        },
    )
    assert scores(result, "v")["work.weighted"] == D("60.00")


def test_zero_target_counts_as_complete() -> None:
    """T = 0 -> every ratio is 1 -> full 100 (no division by zero)."""
    result = score(
        QUARTERS,
        {
            "v": {
                "done": {"Q1": 0, "Q2": 0, "Q3": 0},
                "target": 0,
                "rate": {"Q1": 70, "Q2": 70, "Q3": 70},
            }
        },
    )
    assert scores(result, "v")["work.weighted"] == D("100.00")


def test_quarter_sum_is_not_weighted_and_floors_each_quarter() -> None:
    """Rates 72, 60, 40: quarter points 25, 25 - 10 = 15, max(0, 25 - 30) = 0 -> 40.
    mean = (72 + 60 + 40) / 3 = 57.333.. -> 57.33; last - first = 40 - 72 = -32."""
    result = score(
        QUARTERS,
        {
            "v": {
                "done": {"Q1": 0, "Q2": 0, "Q3": 0},
                "target": 0,
                "rate": {"Q1": 72, "Q2": 60, "Q3": 40},
            }
        },
    )
    s = scores(result, "v")
    assert s["work.summed"] == D("40.00")
    assert s["work.mean_rate"] == D("57.33")
    assert s["work.last_rate"] == D("-32.00")


PATTERNS = """
scheme: {id: p, title: patterns}
indicators:
  missed: {type: count}
  x: {type: decimal, min: 0}
  six: {type: count}
  rate: {type: rate}
  bonus_points: {type: decimal, min: -100, max: 100}
tree:
  - id: items
    children:
      - id: floor
        expr: "max(0, 10 - 3 * missed)"
      - id: cap
        expr: "bonus_points"
        max: 20
        min: -5
      - id: threshold
        expr: "linear(x, 3, 60, 5, 0)"
      - id: proportional
        expr: "40 * min(1, rate / 50) + 5 * max(0, rate - 50)"
      - id: override
        expr: "0 if six > 0 else 60"
"""


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # floor: 10 - 3*4 = -2 -> 0; cap: 35 -> 20; threshold at 4.2: 60*(5-4.2)/2 = 24
        (
            {"missed": 4, "x": "4.2", "six": 0, "rate": "42.5", "bonus_points": 35},
            {
                "floor": "0.00",
                "cap": "20.00",
                "threshold": "24.00",
                "proportional": "34.00",
                "override": "60.00",
            },
        ),
        # floor untouched: 10 - 3 = 7; floor of cap: -7 -> -5; threshold full below 3;
        # proportional above 50: 40 + 5*11.5 = 97.5; override: a sixth child zeroes it
        (
            {"missed": 1, "x": "2.9", "six": 1, "rate": "61.5", "bonus_points": -7},
            {
                "floor": "7.00",
                "cap": "-5.00",
                "threshold": "60.00",
                "proportional": "97.50",
                "override": "0.00",
            },
        ),
        # threshold 0 at and beyond 5; proportional 1/3 of the way: 40 * 16.667/50 = 13.3336
        (
            {"missed": 0, "x": 5, "six": 0, "rate": "16.667", "bonus_points": "12.345"},
            {
                "floor": "10.00",
                "cap": "12.35",
                "threshold": "0.00",
                "proportional": "13.33",
                "override": "60.00",
            },
        ),
    ],
)
def test_clause_patterns(data: dict[str, object], expected: dict[str, str]) -> None:
    s = scheme(PATTERNS)
    parsed = rulebook.parse_data(
        "units:\n  v:\n" + "".join(f"    {k}: {v}\n" for k, v in data.items()), s
    )
    result = rulebook.evaluate(s, parsed)
    got = {
        k.split(".")[1]: str(v)
        for k, v in result.unit("v").scores.items()
        if k.startswith("items.")
    }
    assert got == expected


def test_raw_value_is_kept_before_caps_and_rounding() -> None:
    s = scheme(PATTERNS)
    result = rulebook.evaluate(
        s,
        rulebook.parse_data(
            "units:\n  v: {missed: 4, x: 1, six: 0, rate: 0, bonus_points: 35.555}\n", s
        ),
    )
    unit = result.unit("v")
    assert unit.raw["items.cap"] == D("35.555") and unit.scores["items.cap"] == D("20.00")
    # a floor written inside the formula (max(0, ...)) is part of the raw value itself
    assert unit.raw["items.floor"] == D(0) and unit.scores["items.floor"] == D("0.00")


def test_rounding_is_half_up_and_exact_on_boundaries() -> None:
    """75 × 4/4.8 is exactly 62.5 rationally; 2.675 must round to 2.68 (a float gives 2.67)."""
    text = """
    scheme: {id: r, title: r}
    indicators: {a: {type: decimal}, b: {type: decimal}}
    tree:
      - id: g
        children:
          - {id: exact_half, expr: "75 * a / b"}
          - {id: float_trap, expr: "a * 0 + 2.675"}
    """
    result = score(text, {"v": {"a": 4, "b": D("4.8")}})
    assert scores(result, "v")["g.exact_half"] == D("62.50")
    assert scores(result, "v")["g.float_trap"] == D("2.68")


RANKED = """
scheme: {id: rk, title: ranking}
indicators: {work_done: {type: decimal}}
rankings:
  place: {basis: work.points, order: desc, method: competition}
  dense_place: {basis: work.points, method: dense}
tree:
  - id: work
    children:
      - id: points
        expr: "work_done"
  - id: bonus
    role: bonus
    children:
      - id: top_two
        expr: "by_rank(place, 4, 2)"
      - id: dense_top_two
        expr: "by_rank(dense_place, 4, 2)"
"""


def test_competition_ranking_ties_share_a_rank_and_skip_the_next() -> None:
    """Points 90, 95, 95, 80: ranks 3, 1, 1, 4 (competition) and 2, 1, 1, 3 (dense).
    Top two +4/+2: both tied firsts get 4; under competition nobody is second."""
    result = score(
        RANKED,
        {
            "a": {"work_done": 90},
            "b": {"work_done": 95},
            "c": {"work_done": 95},
            "d": {"work_done": 80},
        },
    )
    assert [int(u.ranks["place"]) for u in result] == [3, 1, 1, 4]
    assert [int(u.ranks["dense_place"]) for u in result] == [2, 1, 1, 3]
    assert [u.scores["bonus.top_two"] for u in result] == [D(0), D(4), D(4), D(0)]
    assert [u.scores["bonus.dense_top_two"] for u in result] == [D(2), D(4), D(4), D(0)]
    # the total is the category plus the bonus
    assert [u.total for u in result] == [D("92.00"), D("103.00"), D("103.00"), D("80.00")]


def test_deduction_is_shown_positive_and_subtracted() -> None:
    text = """
    scheme: {id: d, title: d}
    indicators: {n: {type: count}}
    tree:
      - {id: base, children: [{id: points, expr: "100"}]}
      - {id: plus, role: bonus, children: [{id: p, expr: "2 * n"}]}
      - {id: minus, role: deduction, children: [{id: m, expr: "5 * n"}]}
    """
    result = score(text, {"v": {"n": 3}})
    s = scores(result, "v")
    assert (s["plus"], s["minus"], s["total"]) == (D(6), D(15), D(91))


@pytest.mark.parametrize("engine", ["compiled", "reference"])
def test_runtime_division_by_zero_names_unit_node_and_expression(engine: str) -> None:
    """Both engines stop at the same place: unit `bad`, node g.share, a caret under `b`."""
    text = """
    scheme: {id: z, title: z}
    indicators: {a: {type: count}, b: {type: count}}
    tree:
      - {id: g, children: [{id: share, expr: "100 * a / b"}]}
    """
    with pytest.raises(rulebook.EvaluationError) as info:
        rulebook.evaluate(
            scheme(text),
            {"units": {"ok": {"a": 1, "b": 2}, "bad": {"a": 1, "b": 0}}},
            engine=engine,
        )
    err = info.value
    assert (err.unit, err.node, err.expression) == ("bad", "g.share", "100 * a / b")
    assert err.column == len("100 * a / ")
    lines = str(err).splitlines()
    assert "division by zero" in lines[0]
    assert lines[2].index("^") == lines[1].index("b")


def test_overflow_fails_fast_instead_of_allocating() -> None:
    text = """
    scheme: {id: o, title: o}
    indicators: {a: {type: decimal}}
    tree:
      - {id: g, children: [{id: big, expr: "((a ** 100) ** 100) ** 100"}]}
    """
    with pytest.raises(rulebook.EvaluationError, match="overflow"):
        score(text, {"v": {"a": 1000}})


def test_two_schemes_evaluate_independently() -> None:
    """No global state: interleaving two schemes' evaluations changes neither."""
    a, b = scheme(RANKED), scheme(PATTERNS)
    data_a = {"units": {"x": {"work_done": 1}, "y": {"work_done": 2}}}
    first = rulebook.evaluate(a, data_a).to_dict()
    rulebook.evaluate(
        b, {"units": {"v": {"missed": 1, "x": 1, "six": 0, "rate": 1, "bonus_points": 1}}}
    )
    assert rulebook.evaluate(a, data_a).to_dict() == first


@pytest.mark.parametrize("text", [QUARTERS, PATTERNS, RANKED])
def test_reference_engine_agrees_with_compiled_on_small_schemes(text: str) -> None:
    from hypothesis import given, settings

    from rulebook.testing.properties import from_scheme

    s = scheme(text)

    @settings(max_examples=40, deadline=None)
    @given(from_scheme(s, units=(1, 5)))
    def check(data: dict[str, object]) -> None:
        compiled = rulebook.evaluate(s, data)
        reference = rulebook.evaluate(s, data, engine="reference")
        assert compiled.to_dict() == reference.to_dict()

    check()


BY_NAME = """
scheme: {id: n, title: by name}
periods: {Q1: {weight: 1}, Q2: {weight: 1}}
period_groups:
  halves: {H1: [Q1], H2: [Q2]}
indicators:
  done: {type: count, per_period: true}
  staff: {type: count}
parameters:
  rate: {value: 3}
values:
  doubled: {per_period: true, expr: "2 * done"}
  half_sum: {per: halves, expr: "sum(done)"}
rankings:
  place: {basis: doubled}
tree:
  - id: work
    children:
      - {id: points, expr: "sum(doubled) - 1", max: 10}
  - id: pay
    role: output
    children:
      - {id: bonus, unit: 元, expr: "rate * staff"}
outcomes:
  grade:
    cases:
      - {when: "total >= 10", label: good}
      - {label: poor}
"""


def test_every_kind_of_name_reads_by_name_per_period_and_group() -> None:
    """Unit a: done Q1 = 4, Q2 = 3 → doubled 8, 6; points = 8 + 6 − 1 = 13, capped at 10
    (raw 13); halves H1 = 4, H2 = 3; bonus = 3 × 5 staff = 15 元; grade good (total 10).
    Unit b (done 1, 1) is ranked below a in both quarters, so a's place is 1 in each."""
    result = score(
        BY_NAME,
        {
            "a": {"done": {"Q1": 4, "Q2": 3}, "staff": 5},
            "b": {"done": {"Q1": 1, "Q2": 1}, "staff": 0},
        },
    )
    a = result.unit("a")
    assert a.value("work.points") == D("10.00")
    assert a.value("work.points", raw=True) == D(13)
    assert a.value("total") == D("10.00")
    assert a.value("doubled", period="Q2") == 6
    assert a.value("doubled") == {"Q1": 8, "Q2": 6}
    assert a.value("half_sum", period="H2") == 3
    assert a.value("place", period="Q1") == 1
    assert a.value("grade") == "good"
    assert a.value("pay.bonus") == D("15.00")
    assert a.value("done", period="Q1") == 4
    assert a.value("staff") == 5
    assert a.value("rate") == 3


def test_an_unknown_name_or_period_says_what_exists() -> None:
    """A misspelt name gets a did-you-mean; a wrong period lists the name's periods; a period
    on a one-value name says it has one value."""
    a = score(BY_NAME, {"a": {"done": {"Q1": 4, "Q2": 3}, "staff": 5}}).unit("a")
    with pytest.raises(KeyError, match="did you mean `doubled`"):
        a.value("dubled")
    with pytest.raises(KeyError, match=re.escape("has no period or group `Q3` (it has Q1, Q2)")):
        a.value("doubled", period="Q3")
    with pytest.raises(KeyError, match="has one value, not one per period"):
        a.value("work.points", period="Q1")


LONG_AXIS = """
scheme: {id: long, title: fourteen months}
periods: {M1: {weight: 1}, M2: {weight: 1}, M3: {weight: 1}, M4: {weight: 1}, M5: {weight: 1},
          M6: {weight: 1}, M7: {weight: 1}, M8: {weight: 1}, M9: {weight: 1}, M10: {weight: 1},
          M11: {weight: 1}, M12: {weight: 1}, M13: {weight: 1}, M14: {weight: 1}}
period_groups:
  halves: {H1: [M1, M2, M3, M4, M5, M6, M7], H2: [M8, M9, M10, M11, M12, M13, M14]}
indicators:
  x: {type: count, per_period: true}
values:
  half_total: {per: halves, expr: "sum(x + sum(x))"}
  m: {per_period: true, expr: "x * weight + half_total"}
tree:
  - id: g
    children:
      - {id: weighted, expr: "wsum(m)"}
      - {id: squared, expr: "sum(sum(x) * x)"}
      - {id: halves_max, expr: "period_max(half_total) - period_min(half_total)"}
"""


def test_long_axes_groups_and_nested_aggregates_by_hand() -> None:
    """Fourteen months (more than are written out point by point, so loops) of x = 1: the
    inner sum(x) is 14, each half is 7 × (1 + 14) = 105; m = 1 × 1/14 + 105 in every month;
    wsum(m) = 1/14 + 105 = 105.0714… → 105.07; sum(14 × 1) = 196; the halves differ by 0."""
    months = {f"M{i}": 1 for i in range(1, 15)}
    for engine in ("compiled", "reference"):
        unit = rulebook.evaluate(
            scheme(LONG_AXIS), {"units": {"u": {"x": months}}}, engine=engine
        ).unit("u")
        assert unit.value("half_total") == {"H1": 105, "H2": 105}
        assert unit.value("g.weighted") == D("105.07")
        assert unit.value("g.squared") == D("196.00")
        assert unit.value("g.halves_max") == D("0.00")


def test_long_axes_agree_with_the_reference_engine_on_varied_data() -> None:
    """The compiled loops, comprehensions and memoised aggregates give what the reference
    interpreter gives, node by node, on seeded data with every month different."""
    import random

    rng = random.Random(7)
    loaded = scheme(LONG_AXIS)
    data = {
        "units": {
            f"u{k}": {"x": {f"M{i}": rng.randint(0, 9) for i in range(1, 15)}} for k in range(20)
        }
    }
    compiled = rulebook.evaluate(loaded, data)
    reference = rulebook.evaluate(loaded, data, engine="reference")
    assert compiled.to_dict() == reference.to_dict()
    assert len({str(u.value("g.squared")) for u in compiled}) > 1  # the data does vary
