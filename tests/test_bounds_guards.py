"""Bounds through the new constructs — fractional and negative powers, round(), guarded divisions,
declared minima and constraints: worked by hand, free of false division alarms, and sound
(generated data never leaves the reported bounds)."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rulebook
from rulebook.audit.bounds import Interval, NodeBounds, analyze
from rulebook.testing.properties import from_scheme

from conftest import load_shipped

ALARM = "divides by a value that can be 0 (check that it is guarded)"
ROOT = Path(__file__).resolve().parent.parent

GUARDS = """
scheme: {id: guards, title: guards}
rounding: {places: 2}
periods: {Q1: {weight: 4}, Q2: {weight: 3}, Q3: {weight: 3}}
indicators:
  a: {type: count, max: 50}
  b: {type: count, max: 20}
  c: {type: decimal, min: -5, max: 5}
  r: {type: decimal, min: 0, max: 100}
  m: {type: count, min: 1}
  T: {type: count, max: 12}
  d: {type: count, per_period: true, max: 10}
values:
  target: {per_period: true, expr: "T * weight"}
  share: {per_period: true, expr: "1 if T == 0 else min(1, d / target)"}
tree:
  - id: g
    children:
      - {id: eq, expr: "0 if b == 0 else a / b"}
      - {id: ne, expr: "a / b if b != 0 else 0"}
      - {id: gt, expr: "a / b if b > 0 else -1"}
      - {id: negated, expr: "0 if not b >= 1 else 100 * a / b"}
      - {id: either, expr: "100 if b == 0 or a == 0 else a / b + b / a"}
      - {id: nested, expr: "(a / b if b != 3 else 0) if b != 0 else 5"}
      - {id: ratio, expr: "ratio(a, b, 7)"}
      - {id: minimum, expr: "a / m"}
      - {id: shares, expr: "10 * wsum(share)"}
      - {id: table, expr: "floor(2 * max(0, 100 - r) ** 1.8)"}
      - {id: root, expr: "(r + 1) ** -0.5"}
      - {id: inverse, expr: "(b + 2) ** -2"}
      - {id: rounded, expr: "round(c, 1, \\"up\\") + round(c * 7, -1) + round(r / 3, 2)"}
      - {id: cube, expr: "c ** 3"}
      - {id: short, expr: "1 if b != 0 and a / b > 2 or b == 0 or 10 / b < 1 else 0"}
"""


def _bounds(text: str) -> dict[str, NodeBounds]:
    return {b.name: b for b in analyze(rulebook.loads(text))}


def test_guards_and_minima_raise_no_division_alarm() -> None:
    got = _bounds(GUARDS)
    assert [name for name, b in got.items() if ALARM in b.flags] == []


def test_guarded_bounds_by_hand() -> None:
    """eq/ne/gt: in the dividing branch b ≠ 0, and b is a count, so b ∈ [1, 20] and
    a / b ∈ [0, 50]; the other branches add 0 (gt: −1). negated: b ≥ 1, 100 × a / b ∈ [0, 5000].
    either: a, b ≥ 1 there: a / b + b / a ∈ [1/20 + 1/50, 50 + 20] = [0.07, 70]; ∪ {100}.
    ratio: [0, 50] ∪ {7}. minimum: m ∈ [1, +∞) (declared min: 1), a / m ∈ [0, 50].
    shares: T ≥ 1 in the dividing branch, so target = T × weight ≥ 0.3 and the share is
    min(1, ·) ∈ [0, 1]; wsum keeps [0, 1]; × 10 = [0, 10].
    table: 100 − r ∈ [0, 100]; 0 ** 1.8 = 0, 100 ** 1.8 = 10^3.6 = 3981.0717…; × 2 =
    7962.14…, floored 7962. root: (r + 1) ∈ [1, 101], ** −0.5 decreasing: [101^−0.5, 1] =
    [0.0995…, 1] → rounded [0.10, 1.00]. inverse: (b + 2)² ∈ [4, 484], reciprocal [1/484, 1/4]
    → [0.00, 0.25]. rounded: round(c, 1, up) ∈ [−5, 5]; round(7c, −1) ∈ [−40, 40] (−35 and
    35 are ties, half_up: away from 0); round(r / 3, 2) ∈ [0, 33.33]: [−45, 78.33].
    cube: [−125, 125]. short: `a / b` is only evaluated after `b != 0` held, `10 / b` only
    after `b == 0` failed: no alarm; [0, 1]."""
    got = _bounds(GUARDS)

    def of(name: str) -> Interval:
        bounds = got[f"g.{name}"].bounds
        assert isinstance(bounds, Interval)
        return bounds

    assert of("eq") == of("ne") == Interval(D(0), D(50))
    assert of("gt") == Interval(D(-1), D(50))
    assert of("negated") == Interval(D(0), D(5000))
    assert of("either") == Interval(D("0.07"), D(100))
    assert of("ratio") == Interval(D(0), D(50))
    assert of("minimum") == Interval(D(0), D(50))
    assert of("shares") == Interval(D(0), D(10))
    assert of("table") == Interval(D(0), D(7962))
    assert of("root") == Interval(D("0.10"), D(1))
    assert of("inverse") == Interval(D(0), D("0.25"))
    assert of("rounded") == Interval(D(-45), D("78.33"))
    assert of("cube") == Interval(D(-125), D(125))
    assert of("short") == Interval(D(0), D(1))


@pytest.mark.parametrize(
    "formula",
    [
        "0 if first(b2) == 0 else last(a2) / last(b2)",  # a guard on another period's value
        "0 if b == 1 else a / b",  # b ≠ 1 says nothing of 0
        "a / b if b >= 0 else 0",
        "0 if b == 0 else sum(a2 / b2)",  # inside an aggregator: other points
        "a / b if a != 0 else 0",  # the guard is on the numerator
    ],
)
def test_a_guard_that_does_not_exclude_zero_keeps_the_alarm(formula: str) -> None:
    text = f"""
scheme: {{id: g, title: g}}
periods: {{H1: {{}}, H2: {{}}}}
indicators:
  a: {{type: count, max: 5}}
  b: {{type: count, max: 5}}
  a2: {{type: count, per_period: true, max: 5}}
  b2: {{type: count, per_period: true, max: 5}}
tree:
  - {{id: x, expr: "{formula}"}}
"""
    assert ALARM in _bounds(text)["x"].flags


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_guarded_bounds_are_sound(data: st.DataObject) -> None:
    """Random data within the declared domains never scores outside the bounds (raw or
    rounded) of any node or value."""
    scheme = rulebook.loads(GUARDS)
    bounds = {b.name: b for b in analyze(scheme)}
    units = data.draw(from_scheme(scheme, units=(1, 6)))
    _inside(scheme, bounds, rulebook.evaluate(scheme, units))


def _inside(scheme: rulebook.Scheme, bounds: dict[str, NodeBounds], result: Any) -> None:
    for unit in result:
        for name in scheme.score_ids:
            b = bounds[name].bounds
            assert isinstance(b, Interval)
            value = unit.scores[name]
            assert b.contains(value), f"{unit.unit} {name}: {value} outside {b.show()}"
            raw = bounds[name].raw
            if isinstance(raw, Interval):
                assert raw.contains(unit.raw[name]), f"{unit.unit} {name} raw {unit.raw[name]}"
        for name in scheme.values:
            b = bounds[name].bounds
            if not isinstance(b, Interval):
                continue
            for period in (None, *(p.id for p in scheme.periods)):
                if (period is None) == (scheme.axis_of(name) is None):
                    value = unit.value(name, period)
                    assert b.contains(value), f"{unit.unit} {name} {period}: {value} outside"


# -- constraints ------------------------------------------------------------------------------

CONSTRAINED = """
scheme: {id: c, title: c}
periods: {H1: {}, H2: {}}
indicators:
  aware: {type: count, max: 1000}
  surveyed: {type: count, max: 1000}
  tracked: {type: count, per_period: true, max: 50}
  expected: {type: count, per_period: true, max: 50}
  legal: {type: count, per_period: true, max: 50}
  births: {type: count, per_period: true, max: 50}
constraints:
  - {require: "aware <= surveyed"}
  - {require: "period_min(expected - tracked) >= 0"}
  - {require: "first(legal) <= first(births) and last(legal) <= last(births)"}
values:
  awareness: "ratio(100 * aware, surveyed, 0)"
  plain: "0 if surveyed == 0 else aware / surveyed * 100"
  tracking: {per_period: true, expr: "ratio(tracked * 100, expected, 100)"}
  legal_rate: {per_period: true, expr: "ratio(100 * legal, births, 100)"}
  backwards: "ratio(surveyed, aware, 0)"
tree:
  - {id: score, expr: "awareness / 10 + first(tracking) / 10 + last(legal_rate) / 10"}
"""


def test_constraints_narrow_shares_to_at_most_the_whole() -> None:
    """Since aware ≤ surveyed, 100 × aware / surveyed ∈ 100 × [0, 1]; per period, tracked ≤
    expected in every period (period_min) and legal ≤ births in the first and the last of two
    periods, which is every period: both rates ∈ [0, 100], and the score ∈ [0, 30].
    `plain` divides 100 × (aware / surveyed): the constraint applies to the inner quotient.
    `backwards` divides surveyed by aware: no constraint says that is at most 1."""
    got = _bounds(CONSTRAINED)
    for name in ("awareness", "tracking", "legal_rate"):
        assert got[name].bounds == Interval(D(0), D(100)), name
    assert got["plain"].bounds == Interval(D(0), D(100))
    assert got["score"].bounds == Interval(D(0), D(30))
    backwards = got["backwards"].bounds
    assert isinstance(backwards, Interval) and backwards.hi == D(1000)


def test_a_constraint_on_totals_does_not_narrow_each_period() -> None:
    """sum(legal) ≤ sum(births) allows legal > births in one period: the rate stays
    [0, 5000]."""
    text = CONSTRAINED.replace(
        "first(legal) <= first(births) and last(legal) <= last(births)",
        "sum(legal) <= sum(births)",
    )
    assert _bounds(text)["legal_rate"].bounds == Interval(D(0), D(5000))
    only_first = CONSTRAINED.replace(" and last(legal) <= last(births)", "")
    assert _bounds(only_first)["legal_rate"].bounds == Interval(D(0), D(5000))


@st.composite
def _constrained_data(draw: st.DrawFn) -> dict[str, Any]:
    """Units that satisfy CONSTRAINED's constraints: each smaller count drawn below its
    larger one."""
    units = {}
    for i in range(draw(st.integers(1, 5))):
        surveyed = draw(st.integers(0, 1000))
        expected = {p: draw(st.integers(0, 50)) for p in ("H1", "H2")}
        births = {p: draw(st.integers(0, 50)) for p in ("H1", "H2")}
        units[f"u{i}"] = {
            "surveyed": surveyed,
            "aware": draw(st.integers(0, surveyed)),
            "expected": expected,
            "tracked": {p: draw(st.integers(0, n)) for p, n in expected.items()},
            "births": births,
            "legal": {p: draw(st.integers(0, n)) for p, n in births.items()},
        }
    return {"units": units}


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=_constrained_data())
def test_constraint_narrowed_bounds_are_sound(data: dict[str, Any]) -> None:
    scheme = rulebook.loads(CONSTRAINED)
    _inside(scheme, {b.name: b for b in analyze(scheme)}, rulebook.evaluate(scheme, data))


# -- fractional powers ------------------------------------------------------------------------

POWERS = """
scheme: {id: p, title: p}
rounding: {places: 4}
parameters:
  k: {value: 1.85}
indicators:
  x: {type: decimal, min: 0, max: 100}
  y: {type: decimal, min: -3, max: 40}
  z: {type: decimal, min: 0.5}
tree:
  - {id: p1, expr: "max(0, 100 - x) ** 1.8"}
  - {id: p2, expr: "0.03768 * max(0, 480 - 4 * x) ** k"}
  - {id: p3, expr: "max(0, y) ** 0.5 + max(0, y - 4) ** -1.5 if y > 4 else 0"}
  - {id: p4, expr: "z ** 0.25 - z ** -0.25"}
  - {id: p5, expr: "round(x ** 1.5, 1, \\"floor\\")"}
"""


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_fractional_power_bounds_are_sound(data: st.DataObject) -> None:
    scheme = rulebook.loads(POWERS)
    bounds = {b.name: b for b in analyze(scheme)}
    edges = st.sampled_from([D(0), D(100), D("99.99"), D("0.01"), D(4)])
    generated = data.draw(
        from_scheme(
            scheme,
            units=(1, 6),
            overrides={"x": st.one_of(edges, st.decimals(0, 100, places=3))},
        )
    )
    _inside(scheme, bounds, rulebook.evaluate(scheme, generated))


def test_fractional_power_bounds_by_hand() -> None:
    """p1: (100 − x) ∈ [0, 100]; 100 ** 1.8 = 10^3.6 = 3981.0717… → [0, 3981.0717].
    p5: x ** 1.5 ∈ [0, 1000] (100 ** 1.5 = 10³), floored to 1 place: [0, 1000].
    p4: z ∈ [0.5, +∞): z ** 0.25 ∈ [0.8408…, +∞) and z ** −0.25 ∈ (0, 1.1892…], so the
    difference starts at 0.84089… − 1.18920… = −0.34831…, rounded (half_up, 4 places) −0.3483;
    no upper end."""
    got = _bounds(POWERS)
    assert got["p1"].bounds == Interval(D(0), D("3981.0717"))
    assert got["p5"].bounds == Interval(D(0), D(1000))
    p4 = got["p4"].bounds
    assert isinstance(p4, Interval) and p4.hi is None
    assert p4.lo == D("-0.3483")


# -- the shipped schemes and the cookbook -------------------------------------------------------


def _all_schemes() -> list[tuple[str, rulebook.Scheme]]:
    import sys

    sys.path.insert(0, str(ROOT / "tests"))
    from test_cookbook import RECIPES, load_recipe

    out = [
        (p.stem, load_shipped(p))
        for p in sorted((ROOT / "schemes").glob("*.yaml"))
        if not p.name.endswith(".tests.yaml")
    ]
    out += [(r[0], load_recipe(r[0], r[1])) for r in RECIPES]
    return out


def test_no_false_division_alarm_on_the_shipped_schemes_or_the_cookbook() -> None:
    alarms = [
        (name, b.name)
        for name, scheme in _all_schemes()
        for b in analyze(scheme)
        if ALARM in b.flags
    ]
    assert alarms == []
