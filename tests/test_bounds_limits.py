"""Bounds narrowed by constraints that compare a name with a constant (`e >= 2`, `e != 0`,
`period_min(v) >= 1`), and the flag on a fractional power of a base that may be negative:
worked by hand, and sound (data meeting the constraints never leaves the reported bounds)."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rulebook
from rulebook.audit.bounds import Interval, NodeBounds, analyze

ALARM = "divides by a value that can be 0 (check that it is guarded)"
NEGATIVE = "can raise a negative number to a fractional power"


def _bounds(text: str, params: dict[str, Any] | None = None) -> dict[str, NodeBounds]:
    return {b.name: b for b in analyze(rulebook.loads(text, params=params))}


LIMITED = """
scheme: {id: lim, title: lim}
periods: {H1: {}, H2: {}}
parameters:
  floor_e: 2
indicators:
  a: {type: count, max: 100}
  e: {type: count, max: 100}
  f: {type: count, max: 100}
  g: {type: count, max: 100}
  h: {type: decimal, min: 0, max: 100}
  d: {type: decimal, min: -10, max: 10}
  v: {type: count, per_period: true, max: 20}
constraints:
  - {require: "e >= floor_e"}
  - {require: "0 < f"}
  - {require: "g != 0 and h <= 10"}
  - {require: "d != 0"}
  - {require: "period_min(v) >= 4"}
values:
  pv: {per_period: true, expr: "a / v"}
tree:
  - {id: ae, expr: "a / e"}
  - {id: af, expr: "a / f"}
  - {id: ag, expr: "a / g"}
  - {id: hh, expr: "h"}
  - {id: ad, expr: "min(1, max(-1, a / d))"}
  - {id: first_pv, expr: "first(pv)"}
"""


def test_constraints_with_a_constant_narrow_and_silence_the_division_alarm() -> None:
    """With e ≥ floor_e = 2 (a parameter): a / e ∈ [0/100, 100/2] = [0, 50]. 0 < f on a count:
    f ≥ 1, a / f ∈ [0, 100]. g ≠ 0 on a count: g ≥ 1, a / g ∈ [0, 100]; the `and`'s other part
    h ≤ 10 narrows h from [0, 100] to [0, 10]. d ≠ 0 on a decimal: no division alarm (the range
    of a / d is unbounded, clipped to [−1, 1]). period_min(v) ≥ 4: v ≥ 4 in every period, so
    a / v ∈ [0, 25] each period."""
    got = _bounds(LIMITED)
    assert got["ae"].bounds == Interval(D(0), D(50))
    assert got["af"].bounds == Interval(D(0), D(100))
    assert got["ag"].bounds == Interval(D(0), D(100))
    assert got["hh"].bounds == Interval(D(0), D(10))
    assert got["ad"].bounds == Interval(D(-1), D(1))
    assert got["pv"].bounds == Interval(D(0), D(25))
    assert [name for name, b in got.items() if ALARM in b.flags] == []


@pytest.mark.parametrize(
    "constraint",
    [
        "e >= 2 or a > 5",  # an `or`: e may be 0 when a > 5
        "e <= 2",  # an upper limit: e may still be 0
        "sum(v) >= 4",  # over all periods together: one period may be 0
        "period_max(v) >= 4",  # at least one period, not every period
    ],
)
def test_constraints_that_do_not_keep_a_divisor_from_zero_keep_the_alarm(
    constraint: str,
) -> None:
    text = f"""
scheme: {{id: c, title: c}}
periods: {{H1: {{}}, H2: {{}}}}
indicators:
  a: {{type: count, max: 100}}
  e: {{type: count, max: 100}}
  v: {{type: count, per_period: true, max: 20}}
constraints:
  - {{require: "{constraint}"}}
values:
  pv: {{per_period: true, expr: "a / v"}}
tree:
  - {{id: x, expr: "a / e + first(pv)"}}
"""
    assert ALARM in _bounds(text)["x"].flags


@st.composite
def _limited_data(draw: st.DrawFn) -> dict[str, Any]:
    """Units meeting LIMITED's constraints, each value drawn from the range they leave."""
    units = {}
    for i in range(draw(st.integers(1, 4))):
        units[f"u{i}"] = {
            "a": draw(st.integers(0, 100)),
            "e": draw(st.integers(2, 100)),
            "f": draw(st.integers(1, 100)),
            "g": draw(st.integers(1, 100)),
            "h": draw(st.decimals(0, 10, places=2)),
            "d": D(draw(st.sampled_from(["-10", "-0.5", "0.01", "3", "10"]))),
            "v": {p: draw(st.integers(4, 20)) for p in ("H1", "H2")},
        }
    return {"units": units}


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=_limited_data())
def test_constant_narrowed_bounds_are_sound(data: dict[str, Any]) -> None:
    scheme = rulebook.loads(LIMITED)
    bounds = {b.name: b for b in analyze(scheme)}
    for unit in rulebook.evaluate(scheme, data):
        for name in scheme.score_ids:
            b = bounds[name].bounds
            assert isinstance(b, Interval) and b.contains(unit.scores[name]), (name, unit)
        for period in ("H1", "H2"):
            pv = bounds["pv"].bounds
            assert isinstance(pv, Interval) and pv.contains(unit.value("pv", period))


def test_a_data_set_breaking_the_constraint_is_refused_so_the_narrowing_holds() -> None:
    scheme = rulebook.loads(LIMITED)
    units = {"a": 1, "e": 1, "f": 1, "g": 1, "h": 0, "d": 1, "v": {"H1": 4, "H2": 4}}
    with pytest.raises(rulebook.DataError) as info:
        rulebook.evaluate(scheme, {"units": {"u": units}})
    assert "requires `e >= floor_e`" in str(info.value)


POWER = """
scheme: {id: p, title: p}
parameters:
  k: {required: true}
indicators:
  x: {type: decimal, min: -5, max: 1000000}
tree:
  - {id: a, expr: "max(0, x) ** k"}
  - {id: b, expr: "x ** k", role: output}
  - {id: c, expr: "x ** k if x >= 0 else 0", role: output}
"""


def test_a_fractional_power_of_a_base_that_may_be_negative_is_flagged() -> None:
    """With k = 0.5, x ∈ [−5, 1000000]; the values that exist are those of x ≥ 0, √x ∈ [0, 1000]
    (both a and b), but b is flagged since x < 0 is an error when scored; `max(0, x)` and the
    guard `x >= 0` leave nothing negative, so a and c are not flagged."""
    got = _bounds(POWER, {"k": 0.5})
    assert got["b"].bounds == Interval(D(0), D(1000))
    assert any(flag.startswith(NEGATIVE) for flag in got["b"].flags)
    assert "the range shown is that of the values that exist" in " ".join(got["b"].flags)
    for name in ("a", "c"):
        assert got[name].bounds == Interval(D(0), D(1000)), name
        assert not any(flag.startswith(NEGATIVE) for flag in got[name].flags), name


def test_a_whole_power_of_a_negative_base_is_not_flagged() -> None:
    """With k = 2, (−5)² = 25 is a value, x² ∈ [0, 10¹²]."""
    got = _bounds(POWER, {"k": 2})
    assert got["b"].bounds == Interval(D(0), D(10) ** 12)
    assert not any(flag.startswith(NEGATIVE) for flag in got["b"].flags)
