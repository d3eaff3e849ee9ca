"""`round(x, places[, mode])` in formulas and load-time constant exponents: hand-worked values
in every engine, located load errors, and the engines agreeing on generated data."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rulebook
from rulebook import columnar
from rulebook.engine.columnar.result import same
from rulebook.testing.properties import from_scheme

ENGINES = ("compiled", "reference", "columnar")


def one_value(formula: str, x: D, *, mode: str = "half_up", extra: str = "") -> list[D]:
    """`formula` over one unit with x = `x`, as a top-level value, by every engine."""
    text = f"""
scheme: {{id: r, title: r}}
rounding: {{places: 2, mode: {mode}}}
indicators:
  x: {{type: decimal}}
{extra}
values:
  v: '{formula}'
tree:
  - {{id: item, expr: "x"}}
"""
    scheme = rulebook.loads(text)
    data = {"units": {"u": {"x": x}}}
    out = []
    for engine in ENGINES:
        if engine == "columnar":
            result = columnar.evaluate(scheme, data)
            out.append(result.unit("u").values["v"])
        else:
            out.append(rulebook.evaluate(scheme, data, engine=engine).unit("u").values["v"])
    return out


# (x, places, mode, expected) — each worked by hand from the mode's definition:
# half_up: ties away from 0; half_down: ties towards 0; half_even: ties to the even digit;
# up: away from 0; down: towards 0; ceiling: towards +∞; floor: towards −∞.
HAND_WORKED = [
    ("2.345", 2, "half_up", "2.35"),  # tie at the 3rd place: away from 0
    ("2.345", 2, "half_down", "2.34"),  # tie: towards 0
    ("2.345", 2, "half_even", "2.34"),  # tie: 4 is even
    ("2.355", 2, "half_even", "2.36"),  # tie: 6 is even
    ("-2.5", 0, "half_up", "-3"),  # tie: away from 0 also for negatives
    ("-2.5", 0, "half_down", "-2"),
    ("-2.5", 0, "half_even", "-2"),
    ("-3.5", 0, "half_even", "-4"),
    ("2.341", 2, "half_up", "2.34"),  # not a tie: nearest
    ("2.349", 2, "half_down", "2.35"),
    ("-2.41", 1, "up", "-2.5"),  # away from 0
    ("-2.41", 1, "down", "-2.4"),  # towards 0
    ("-2.41", 1, "ceiling", "-2.4"),  # towards +∞
    ("-2.41", 1, "floor", "-2.5"),  # towards −∞
    ("2.41", 1, "up", "2.5"),
    ("2.41", 1, "down", "2.4"),
    ("2.41", 1, "ceiling", "2.5"),
    ("2.41", 1, "floor", "2.4"),
    ("2.4", 1, "up", "2.4"),  # already at the places: unchanged by every mode
    ("1250", -2, "half_even", "1200"),  # 12.5 hundreds, tie to even 12
    ("1250", -2, "half_up", "1300"),
    ("-1251", -1, "down", "-1250"),
    ("0.0004", 3, "half_up", "0.000"),  # never −0 either
    ("-0.0004", 3, "half_up", "0.000"),
]


@pytest.mark.parametrize(("x", "places", "mode", "want"), HAND_WORKED)
def test_round_with_each_mode_by_hand(x: str, places: int, mode: str, want: str) -> None:
    got = one_value(f'round(x, {places}, "{mode}")', D(x))
    assert got == [D(want)] * 3
    assert all(str(g) == want for g in got[:2])  # the places are kept: 2.40, not 2.4


@pytest.mark.parametrize(
    ("scheme_mode", "want"), [("half_up", "3"), ("half_even", "2"), ("floor", "2")]
)
def test_round_without_a_mode_uses_the_schemes(scheme_mode: str, want: str) -> None:
    """round(2.5, 0): 3 by half_up (away from 0), 2 by half_even (2 is even), 2 by floor."""
    assert one_value("round(x, 0)", D("2.5"), mode=scheme_mode) == [D(want)] * 3


def test_places_from_a_parameter() -> None:
    """round(3.14159, p) with p = 3 → 3.142 (the 4th digit 5, followed by 9: up)."""
    extra = "parameters:\n  p: {value: 3}"
    assert one_value("round(x, p)", D("3.14159"), extra=extra) == [D("3.142")] * 3


def test_a_round_in_a_formula_is_rounded_before_the_score() -> None:
    """With x = 0.125: round(x, 2, "down") = 0.12; × 100 = 12 exactly (x × 100 would be 12.5 and
    the item's half_up rounding at 0 places would give 13)."""
    scheme = rulebook.loads(
        """
scheme: {id: r, title: r}
rounding: {places: 0}
indicators:
  x: {type: decimal}
tree:
  - {id: plain, expr: "x * 100"}
  - {id: rounded, expr: 'round(x, 2, "down") * 100'}
"""
    )
    for engine in ("compiled", "reference"):
        unit = rulebook.evaluate(scheme, {"units": {"u": {"x": D("0.125")}}}, engine=engine)
        assert unit.unit("u").scores["plain"] == 13
        assert unit.unit("u").scores["rounded"] == 12


PATTERN = """
scheme: {id: table, title: table}
rounding: {places: 0}
parameters:
  c: {value: 1.5}
  places: {value: 1}
indicators:
  t: {type: decimal, min: 0, max: 20}
patterns:
  points:
    args: {A: factor, B: zero mark, C: exponent}
    expr: "floor(A * max(0, B - t) ** C)"
  tenths:
    args: {P: places}
    expr: "round(t / 3, P) * 3"
tree:
  - {id: literal, use: points, with: {A: 2, B: 20, C: 1.5}}
  - {id: parameter, use: points, with: {A: 2, B: 20, C: c}}
  - {id: negative, use: points, with: {A: 64, B: 20, C: -0.5}}
  - {id: third, use: tenths, with: {P: places}}
"""


def test_exponents_and_places_from_parameters_and_pattern_arguments() -> None:
    """With t = 4: B − t = 16; 16 ** 1.5 = (√16)³ = 64, × 2 = 128 (literal and parameter alike);
    16 ** −0.5 = 1/4, × 64 = 16. round(4 / 3, 1) = round(1.333…, 1) = 1.3, × 3 = 3.9 → 4 at
    0 places. At t = 19, B − t = 1: 2 × 1 ** 1.5 = 2 and 64 × 1 ** −0.5 = 64."""
    scheme = rulebook.loads(PATTERN)
    data = {"units": {"u": {"t": 4}, "w": {"t": 19}}}
    for engine in ("compiled", "reference"):
        result = rulebook.evaluate(scheme, data, engine=engine)
        scores = result.unit("u").scores
        assert (scores["literal"], scores["parameter"], scores["negative"]) == (128, 128, 16)
        assert result.unit("u").raw["third"] == D("3.9")
        assert (result.unit("w").scores["literal"], result.unit("w").scores["negative"]) == (2, 64)
    got = columnar.evaluate(scheme, {"units": {"u": {"t": 4}}})
    assert got.unit("u").scores["parameter"] == 128


def test_a_rebuild_with_another_parameter_value_is_checked_again() -> None:
    """The exponent is read from this build's parameters: c = 2 gives 2 × 16² = 512; c = 300 is
    refused at its use."""
    two = rulebook.loads(PATTERN.replace("c: {value: 1.5}", "c: {value: 2}"))
    result = rulebook.evaluate(two, {"units": {"u": {"t": 4}}})
    assert result.unit("u").scores["parameter"] == 512
    with pytest.raises(rulebook.SchemeError) as info:
        rulebook.loads(PATTERN.replace("c: {value: 1.5}", "c: {value: 300}"))
    assert "exponent 300 is larger than 100 (the value of parameter `c`)" in str(info.value)


@pytest.mark.parametrize(
    ("formula", "extra", "where", "words"),
    [
        ('round(x, 1, "nearest")', "", "6:32", 'the mode of round() must be one of "half_up"'),
        ("round(x, n)", "", "6:29", "`n` is an indicator, read from each unit's data"),
        ("round(x, h)", "parameters:\n  h: {value: 0.5}", "6:29", "must be a whole number"),
        ("x ** k", "parameters:\n  k: {value: 2, by_unit: {u: 3}}", "6:25", "by_unit"),
        ("x ** (n + 1)", "", "6:26", "exponent must be a load-time constant"),
        (
            "x ** helper",
            "",
            "6:25",
            "`helper` is not a parameter (of the names, only parameters are known at load)",
        ),
    ],
)
def test_located_errors_name_the_allowed_constants(
    formula: str, extra: str, where: str, words: str
) -> None:
    text = f"""scheme: {{id: r, title: r}}
indicators:
  x: {{type: decimal, min: 0}}
  n: {{type: count, max: 3}}
tree:
  - {{id: a, expr: '{formula}'}}
values:
  helper: "n + 1"
{extra}
"""
    with pytest.raises(rulebook.SchemeError) as info:
        rulebook.loads(text, "s.yaml")
    errors = [p for p in info.value.problems if p.severity == "error"]
    rendered = [p.render() for p in errors]
    assert any(f"s.yaml:{where}: error:" in r and words in r for r in rendered), rendered


def test_the_audit_shows_the_values_round_read(tmp_path: Path) -> None:
    """The worksheet shows the formula with the values read (t = 4, the pattern's P = places,
    places = 1) and the raw 3.9 that the item's own rounding takes to 4."""
    import io

    from rulebook.cli import EXIT_OK, main

    (tmp_path / "s.yaml").write_text(PATTERN, encoding="utf-8")
    (tmp_path / "d.yaml").write_text("units:\n  u: {t: 4}\n", encoding="utf-8")
    out = io.StringIO()
    args = ["explain", str(tmp_path / "s.yaml"), str(tmp_path / "d.yaml"), "--unit", "u"]
    assert main([*args, "--node", "third"], out, io.StringIO()) == EXIT_OK
    shown = out.getvalue()
    assert "reads     round(t[4] / 3, P) * 3" in shown
    assert "pattern   tenths(P=places)" in shown
    assert "input     places = 1  (parameter)" in shown
    assert "rounding  3.9 → 4 (0 places, half_up)" in shown


# -- the engines agree ----------------------------------------------------------------------

AGREE = """
scheme: {id: agree, title: agree}
rounding: {places: 1, mode: half_even}
parameters:
  p: {value: 2}
  e: {value: 3}
indicators:
  x: {type: decimal, min: -50, max: 50}
  y: {type: decimal, min: 0, max: 9}
  n: {type: count, min: 0, max: 5}
tree:
  - {id: a, expr: 'round(x, 0) + round(x / 7, 2, "half_up") - round(-x, p, "half_down")'}
  - {id: b, expr: 'round(x * 3 / 8, 1, "up") + round(x, 1, "down") + round(x / 3, 3, "ceiling")'}
  - {id: c, expr: 'round(x, -1, "floor") + round(y / (n + 1), 2)'}
  - {id: d, expr: "(1 + y) ** e - y ** 2 + ratio(x, n, 1) ** 2"}
"""


def _agree(scheme: rulebook.Scheme, data: dict[str, Any]) -> None:
    compiled = rulebook.evaluate(scheme, data)
    reference = rulebook.evaluate(scheme, data, engine="reference")
    assert compiled.to_dict() == reference.to_dict()
    frame = columnar.evaluate(scheme, data)
    # round() and whole powers are columnar: only int64 headroom may send a unit back
    assert set(frame.fallback_reasons) <= {"overflow"}
    for unit in compiled:
        for slot, (a, b) in enumerate(zip(unit.vector, frame.vector(unit.unit), strict=True)):
            assert same(a, b), f"{unit.unit} slot {slot}: per-unit {a!r}, columnar {b!r}"


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=from_scheme(rulebook.loads(AGREE), units=(1, 8)))
def test_round_and_constant_powers_agree_in_every_engine(data: dict[str, Any]) -> None:
    _agree(rulebook.loads(AGREE), data)


_MODES = ("half_up", "half_even", "half_down", "up", "down", "ceiling", "floor")


@settings(max_examples=80, deadline=None)
@given(
    x=st.decimals(min_value=-1000, max_value=1000, places=4, allow_nan=False),
    places=st.integers(min_value=-3, max_value=4),
    mode=st.sampled_from(_MODES),
)
def test_round_is_quantize_in_every_engine(x: D, places: int, mode: str) -> None:
    """An independent oracle: Decimal.quantize with the mode of that name (x has 4 places, so
    the 20-place snap before rounding changes nothing)."""
    import decimal

    quantum = D(1).scaleb(-places)
    want = x.quantize(quantum, rounding=getattr(decimal, f"ROUND_{mode.upper()}"))
    got = one_value(f'round(x, {places}, "{mode}")', x)
    assert got == [want] * 3


FRACTIONAL = """
scheme: {id: frac, title: frac}
rounding: {places: 3, mode: half_even}
parameters:
  k: {value: 1.85}
  q: {value: -0.5}
indicators:
  t: {type: decimal, min: 0, max: 600}
  n: {type: count, max: 9}
patterns:
  track:
    args: {A: factor, B: zero mark, C: exponent}
    expr: "floor(A * max(0, B - t) ** C)"
tree:
  - {id: a, use: track, with: {A: 0.03768, B: 480, C: k}}
  - {id: b, use: track, with: {A: 25.4347, B: 18, C: 1.81}}
  - {id: c, expr: 'round((n + 1) ** q, 2, "half_down") + (t + 1) ** 0.5'}
"""


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=from_scheme(rulebook.loads(FRACTIONAL), units=(1, 8)))
def test_fractional_powers_agree_in_every_engine(data: dict[str, Any]) -> None:
    """The columnar engine hands every unit to the per-unit engine (fractional powers), and
    all three give the same slots."""
    scheme = rulebook.loads(FRACTIONAL)
    compiled = rulebook.evaluate(scheme, data)
    assert compiled.to_dict() == rulebook.evaluate(scheme, data, engine="reference").to_dict()
    frame = columnar.evaluate(scheme, data)
    assert frame.fallbacks == len(data["units"])
    for unit in compiled:
        assert all(same(a, b) for a, b in zip(unit.vector, frame.vector(unit.unit), strict=True))
