"""The columnar engine gives the per-unit engine's values at every slot (scores, raw values,
intermediate values, ranks, outcomes, vetoes, outputs) — on generated data for every shipped and
cookbook scheme, at rounding boundaries, and at the int64 edge, where units must fall back to
the per-unit engine and be counted."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_cookbook import RECIPES, load_recipe

import rulebook
from rulebook import columnar
from rulebook.engine.columnar.result import same
from rulebook.errors import DataError, EvaluationError
from rulebook.testing.properties import from_scheme

from conftest import load_shipped

SCHEMES = Path(__file__).resolve().parent.parent / "schemes"
SHIPPED = sorted(p.stem for p in SCHEMES.glob("*.yaml") if not p.stem.endswith(".tests"))
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def both(scheme: rulebook.Scheme, data: Any) -> tuple[Any, Any]:
    """(per-unit outcome, columnar outcome): a Result or the error each raised."""
    try:
        expected: Any = rulebook.evaluate(scheme, data)
    except (DataError, EvaluationError) as exc:
        expected = exc
    try:
        got: Any = columnar.evaluate(scheme, data)
    except (DataError, EvaluationError) as exc:
        got = exc
    return expected, got


def assert_same(scheme: rulebook.Scheme, data: Any) -> Any:
    expected, got = both(scheme, data)
    if isinstance(expected, Exception):
        assert type(got) is type(expected), f"columnar gave {got!r}, per-unit {expected!r}"
        assert str(got) == str(expected)
        return None
    assert not isinstance(got, Exception), got
    assert got.units == tuple(u.unit for u in expected)
    for unit in expected:
        mine = got.vector(unit.unit)
        for slot, (a, b) in enumerate(zip(unit.vector, mine, strict=True)):
            assert same(a, b), f"{unit.unit} slot {slot}: per-unit {a!r}, columnar {b!r}"
    return got


_loaded = {name: load_shipped(name) for name in SHIPPED}


@pytest.mark.parametrize("name", SHIPPED)
@SETTINGS
@given(data=st.data())
def test_shipped_schemes_columnar_equals_per_unit(name: str, data: st.DataObject) -> None:
    scheme = _loaded[name]
    assert_same(scheme, data.draw(from_scheme(scheme, units=(1, 12))))


@pytest.mark.parametrize(
    ("title", "scheme_text"),
    [(r[0], r[1]) for r in RECIPES],
    ids=[r[0].split(" — ")[0] for r in RECIPES],
)
@SETTINGS
@given(data=st.data())
def test_cookbook_schemes_columnar_equals_per_unit(
    title: str, scheme_text: str, data: st.DataObject
) -> None:
    scheme = load_recipe(title, scheme_text)
    assert_same(scheme, data.draw(from_scheme(scheme, units=(1, 10))))


NOT_APPLICABLE_ROWS = {"township-targets": 1}
"""Example units with a node that does not apply, which the columnar engine scores per unit
(docs/scheme-format.md, Not applicable): township-targets' 镇区居委会, a 居委会 whose induction
target does not apply (范文十四 第4条)."""


@pytest.mark.parametrize("name", SHIPPED)
def test_example_data_columnar_equals_per_unit_with_no_fallback(name: str) -> None:
    """No fallback except the rows with a node that does not apply."""
    scheme = _loaded[name]
    data = rulebook.read_data(SCHEMES / "examples" / f"{name}.data.yaml", scheme)
    got = assert_same(scheme, data)
    expected = NOT_APPLICABLE_ROWS.get(name, 0)
    assert got.fallbacks == expected and got.not_columnar is None
    if expected:
        assert got.fallback_reasons["a node that does not apply (applies:)"] == expected


ROUNDING = """
rulebook: 1
scheme: {{id: r, title: r}}
rounding: {{places: 2, mode: {mode}}}
indicators:
  x: {{type: decimal, min: -100, max: 100}}
  k: {{type: count, min: 1, max: 9}}
tree:
  - {{id: a, expr: "x / k"}}
"""


@pytest.mark.parametrize(
    ("mode", "x", "want"),
    [
        # 0.04 / 8 = 0.005 exactly: a tie at the cent
        ("half_up", "0.04", "0.01"),
        ("half_even", "0.04", "0.00"),
        ("half_down", "0.04", "0.00"),
        ("half_up", "-0.04", "-0.01"),
        ("half_even", "-0.04", "0.00"),
        ("half_down", "-0.04", "0.00"),
        # 0.12 / 8 = 0.015: half-even goes to the even cent 0.02
        ("half_even", "0.12", "0.02"),
        # 0.041 / 8 = 0.005125: just above the tie
        ("half_down", "0.041", "0.01"),
        ("down", "0.041", "0.00"),
        ("up", "0.041", "0.01"),
        ("floor", "-0.041", "-0.01"),
        ("ceiling", "-0.041", "0.00"),
    ],
)
def test_rounding_at_the_cent_boundary(mode: str, x: str, want: str) -> None:
    scheme = rulebook.loads(ROUNDING.format(mode=mode))
    data = {"units": {"u": {"x": Decimal(x), "k": 8}}}
    got = assert_same(scheme, data)
    assert str(got.value("u", "a")) == want
    assert got.fallbacks == 0


@pytest.mark.parametrize(
    "mode", ["half_up", "half_even", "half_down", "up", "down", "ceiling", "floor"]
)
@SETTINGS
@given(data=st.data())
def test_rounding_of_quotients_at_boundaries(mode: str, data: st.DataObject) -> None:
    """X = m/1000 with m = 5 (mod 10) often lands x / k on a cent tie (k = 1, 2, 5)."""
    scheme = rulebook.loads(ROUNDING.format(mode=mode))
    tie = st.integers(-20000, 20000).map(lambda m: Decimal(10 * m + 5).scaleb(-3))
    x = st.one_of(tie, st.decimals(-100, 100, places=3))
    assert_same(scheme, data.draw(from_scheme(scheme, units=(1, 8), overrides={"x": x})))


OVERFLOW = """
rulebook: 1
scheme: {id: o, title: o}
indicators:
  x: {type: decimal, min: 0, max: 100000000}
tree:
  - {id: cube, expr: "x * x * x"}
rankings:
  r: {basis: cube, order: desc}
"""


@SETTINGS
@given(data=st.data())
def test_units_past_int64_fall_back_and_are_counted(data: st.DataObject) -> None:
    """X = m / 1000 with m prime to 10 is in lowest terms, so x³ = m³ / 10⁹ cannot be reduced:
    for m > 2·10⁶, m³ > 8·10¹⁸ is past the guard 2⁶¹ ≈ 2.3·10¹⁸ and such units must be scored
    per unit (and counted). For x ≤ 100 even the cents of the rounding (m³ · 100 ≤ 10¹⁷) fit:
    those stay in columns."""
    scheme = rulebook.loads(OVERFLOW)
    big = st.integers(2_000_001, 10**11).filter(lambda m: m % 2 != 0 and m % 5 != 0)
    x = st.one_of(st.decimals(0, 100, places=3), big.map(lambda m: Decimal(m).scaleb(-3)))
    generated = data.draw(from_scheme(scheme, units=(2, 10), overrides={"x": x}))
    got = assert_same(scheme, generated)
    large = [u for u, v in generated["units"].items() if v["x"] > 2000]
    assert got.fallbacks == len(large)
    if large:
        assert got.fallback_reasons.get("overflow", 0) >= 1


def test_a_whole_number_past_int64_in_the_data_falls_back() -> None:
    scheme = rulebook.loads(OVERFLOW)
    data = {"units": {"a": {"x": Decimal("99999999.999")}, "b": {"x": Decimal(2)}}}
    got = assert_same(scheme, data)
    # (10⁸ − 10⁻³)³ = 10²⁴ − 3·10¹³ + 300 − 10⁻⁹ = 999999999970000000000299.999999999 -> .00
    assert got.value("a", "cube") == Decimal("999999999970000000000300.00")
    assert got.value("a", "r") == 1 and got.value("b", "r") == 2
    assert got.fallbacks == 1


def frame_of(scheme: rulebook.Scheme, data: rulebook.DataSet) -> pd.DataFrame:
    rows = []
    for unit in data.units:
        row: dict[str, Any] = {"unit": unit.name}
        for name, value in unit.values.items():  # noqa: PD011 - UnitData.values, not pandas
            if isinstance(value, dict):
                for period, v in value.items():
                    row[f"{name}[{period}]"] = float(v) if isinstance(v, Decimal) else v
            else:
                row[name] = float(value) if isinstance(value, Decimal) else value
        rows.append(row)
    return pd.DataFrame(rows)


@pytest.mark.parametrize("name", SHIPPED)
def test_a_dataframe_of_floats_scores_like_the_yaml_data(name: str) -> None:
    scheme = _loaded[name]
    data = rulebook.read_data(SCHEMES / "examples" / f"{name}.data.yaml", scheme)
    expected = rulebook.evaluate(scheme, data)
    got = columnar.evaluate(scheme, frame_of(scheme, data))
    for unit in expected:
        assert all(same(a, b) for a, b in zip(unit.vector, got.vector(unit.unit), strict=True))


def test_floats_are_read_from_their_shortest_repr() -> None:
    scheme = rulebook.loads(ROUNDING.format(mode="half_up"))
    frame = pd.DataFrame({"unit": ["a", "b", "c"], "x": [92.5, 0.1 + 0.2, -1e-7], "k": [1, 1, 1]})
    got = columnar.evaluate(scheme, frame)
    # repr(0.1 + 0.2) == '0.30000000000000004' -> a raw value of exactly that, scored 0.30
    assert got.value("b", "a") == Decimal("0.30")
    assert got.vector("b")[scheme.program.plan.raw_slots["a"]] == Decimal("0.30000000000000004")
    assert got.value("a", "a") == Decimal("92.50")
    assert got.value("c", "a") == Decimal("0.00")


def test_a_float32_column_is_read_at_its_own_precision() -> None:
    """float32 0.1 is the 0.1 that was typed (the per-unit readers' reading), not the
    0.10000000149011612 it widens to: both engines score it 0.10."""
    scheme = rulebook.loads(ROUNDING.format(mode="half_up"))
    frame = pd.DataFrame(
        {"unit": ["a", "b"], "x": np.array([0.1, 92.5], dtype=np.float32), "k": [1, 1]}
    )
    got = columnar.evaluate(scheme, frame)
    raw = scheme.program.plan.raw_slots["a"]
    assert got.vector("a")[raw] == Decimal("0.1") and got.value("b", "a") == Decimal("92.50")
    per_unit = rulebook.evaluate(scheme, frame)
    assert per_unit.unit("a").vector[raw] == Decimal("0.1")


def test_a_bad_dataframe_gets_the_readers_error() -> None:
    scheme = rulebook.loads(ROUNDING.format(mode="half_up"))
    frame = pd.DataFrame({"unit": ["a", "b"], "x": [1.0, 101.0], "k": [1, 1]})
    with pytest.raises(DataError) as caught:
        columnar.evaluate(scheme, frame)
    assert "above the declared maximum 100" in str(caught.value)
    assert "`b`" in str(caught.value) or "row 2" in str(caught.value)


def test_to_frame_holds_exact_decimals_and_unit_rederives_the_audit() -> None:
    scheme = _loaded["village-fp-1000"]
    data = rulebook.read_data(SCHEMES / "examples" / "village-fp-1000.data.yaml", scheme)
    got = columnar.evaluate(scheme, data)
    frame = got.to_frame()
    row = frame[frame["unit"] == "西河村"].iloc[0]
    # schemes/village-fp-1000.tests.yaml: 西河村 worked by hand (tests/test_village.py)
    assert row["total"] == Decimal("582.45") and isinstance(row["total"], Decimal)
    assert row["social_fees"] == Decimal("126.70")
    assert frame["total"].dtype == object
    unit = got.unit("南坪村")
    assert unit.scores["total"] == Decimal("1018.07")
    assert unit.scores["bonus.quarter_ranking"] == Decimal("4.00")
    long = got.to_frame("long")
    ranks = long[(long["name"] == "quarter_rank") & (long["unit"] == "南坪村")]
    assert list(ranks["period"]) == ["Q1", "Q2", "Q3"]


def test_dict_of_numpy_columns_is_accepted() -> None:
    scheme = rulebook.loads(ROUNDING.format(mode="half_even"))
    got = columnar.evaluate(
        scheme, {"unit": np.array(["a", "b"]), "x": np.array([0.125, 0.135]), "k": np.array([1, 1])}
    )
    # half-even at the cent: 0.125 -> 0.12, 0.135 -> 0.14
    assert [got.value(u, "a") for u in ("a", "b")] == [Decimal("0.12"), Decimal("0.14")]


DIVISION = """
rulebook: 1
scheme: {id: d, title: d}
indicators:
  a: {type: count, max: 50}
  b: {type: count, max: 3}
tree:
  - {id: guarded, expr: "ratio(a, b, 100)"}
  - {id: plain, expr: "a / b"}
rankings:
  r: {basis: guarded, order: asc, method: dense}
"""


def test_an_unguarded_division_by_zero_is_the_per_unit_engines_located_error() -> None:
    scheme = rulebook.loads(DIVISION)
    with pytest.raises(EvaluationError) as caught:
        columnar.evaluate(scheme, {"units": {"x": {"a": 1, "b": 2}, "y": {"a": 1, "b": 0}}})
    with pytest.raises(EvaluationError) as expected:
        rulebook.evaluate(scheme, {"units": {"x": {"a": 1, "b": 2}, "y": {"a": 1, "b": 0}}})
    assert str(caught.value) == str(expected.value)
    assert "unit 'y', node 'plain': division by zero" in str(caught.value)


@SETTINGS
@given(data=st.data())
def test_dense_ascending_ranks_over_quotients(data: st.DataObject) -> None:
    """`plain` removed: b = 0 only meets the guarded ratio; ranks are dense, from the bottom."""
    scheme = rulebook.loads(DIVISION.replace('  - {id: plain, expr: "a / b"}\n', ""))
    got = assert_same(scheme, data.draw(from_scheme(scheme, units=(1, 12))))
    assert got is not None and got.fallbacks == 0


POWER = """
rulebook: 1
scheme: {id: p, title: p}
indicators:
  x: {type: decimal, min: 0, max: 9}
tree:
  - {id: square, expr: "x ** 2"}
  - {id: inverse, expr: "1 / (1 + x) ** 3"}
  - {id: root, expr: "x ** 0.5"}
"""


@SETTINGS
@given(data=st.data())
def test_powers_columnar_when_the_exponent_is_small_and_whole(data: st.DataObject) -> None:
    """`x ** 2` and `(1 + x) ** 3` are columnar; `x ** 0.5` is not, so every unit falls back
    (counted, with the reason) and still gets the per-unit engine's values."""
    scheme = rulebook.loads(POWER)
    generated = data.draw(from_scheme(scheme, units=(1, 6)))
    got = assert_same(scheme, generated)
    assert got.fallbacks == len(generated["units"])
    assert got.fallback_reasons["a power with a fractional exponent or one past ±8"] == len(
        generated["units"]
    )
    whole = rulebook.loads(POWER.split("  - {id: root", maxsplit=1)[0])
    assert assert_same(whole, generated).fallbacks == 0


LIBRARY = """
rulebook: 1
scheme: {id: f, title: f}
rounding: {places: 1, mode: half_even}
indicators:
  x: {type: decimal, min: -20, max: 20}
  y: {type: decimal, min: -20, max: 20}
  n: {type: count, min: 0, max: 4}
  flag: {type: bool}
tree:
  - {id: a, expr: "min(x, y, 3) + max(x, -y) + abs(x - y)"}
  - {id: b, expr: "clamp(x, -5, y) if x < y else clamp(y, -1.5, 2.25)"}
  - {id: c, expr: "linear(x, -3, 10, 7, -2) + linear(y, 1, 1, 1.5, 4)"}
  - {id: d, expr: "ratio(x, n, -7) + by_rank(n, 5, 2.5, 1)"}
  - {id: e, expr: "floor(x / 3) - ceil(y / 7) + (1 if flag and not x > y or n == 2 else 0)"}
  - {id: f, expr: "x * y / (n + 1) - -x", min: -30, max: 30}
"""


@SETTINGS
@given(data=st.data())
def test_every_library_function_over_columns(data: st.DataObject) -> None:
    """min, max, abs, clamp, linear, ratio, by_rank, floor, ceil, and/or/not, chained and
    negated operands, floor and cap, over negative and fractional values."""
    scheme = rulebook.loads(LIBRARY)
    got = assert_same(scheme, data.draw(from_scheme(scheme, units=(1, 10))))
    assert got is not None and got.fallbacks == 0


def test_a_float_column_mixing_magnitudes_and_places_is_read_exactly() -> None:
    """1e9 needs no places, 0.123456789012 needs 12: 1e9 at 12 places (10²¹) is past int64, so
    that unit is read through repr and scored per unit; every value is still the exact one."""
    scheme = rulebook.loads(
        ROUNDING.format(mode="half_up").replace("min: -100, max: 100", "min: -1e12, max: 1e12")
    )
    frame = pd.DataFrame({"unit": ["big", "fine"], "x": [1e9, 0.123456789012], "k": [1, 1]})
    got = columnar.evaluate(scheme, frame)
    assert got.value("big", "a") == Decimal("1000000000.00")
    assert got.vector("fine")[scheme.program.plan.raw_slots["a"]] == Decimal("0.123456789012")
    assert got.fallbacks == 1


def test_a_huge_value_outside_the_domain_is_refused_not_scored() -> None:
    scheme = rulebook.loads(ROUNDING.format(mode="half_up"))
    with pytest.raises(DataError) as caught:
        columnar.evaluate(scheme, pd.DataFrame({"unit": ["a"], "x": [1e20], "k": [1]}))
    assert "above the declared maximum 100" in str(caught.value)
    unbounded = rulebook.loads(ROUNDING.format(mode="half_up").replace(", max: 100", ""))
    with pytest.raises(DataError) as caught:
        columnar.evaluate(unbounded, pd.DataFrame({"unit": ["a"], "x": [1e30], "k": [1]}))
    assert "too large: the limit `max_magnitude` is 10^24" in str(caught.value)
