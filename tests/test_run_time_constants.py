"""A `required: true` parameter as a load-time constant (an exponent, round()'s places), directly
or through a pattern argument: the load waits for its value, the rebuild with the value checks
it, and a value out of range from a params file is reported at that file's line."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest

import rulebook
from rulebook.api import check
from rulebook.cli import main

SCHEME = """\
scheme: {id: rt, title: rt}
rounding: {places: 2}
parameters:
  k: {required: true}
  p: {required: true}
  c: {required: true}
indicators:
  x: {type: decimal, min: 0, max: 10}
patterns:
  pw:
    args: {B: b, C: c}
    expr: "B ** C"
tree:
  - {id: a, expr: "x ** k"}
  - {id: r, expr: "round(x, p)"}
  - {id: t, use: pw, with: {B: x, C: c}}
"""
DATA = {"units": {"u": {"x": Decimal("2.25")}}}


def _scores(scheme: rulebook.Scheme) -> dict[str, str]:
    (unit,) = rulebook.evaluate(scheme, DATA)
    return {name: str(unit.scores[name]) for name in ("a", "r", "t")}


def test_the_load_waits_for_a_required_parameter_used_as_a_constant(tmp_path: Path) -> None:
    scheme = rulebook.loads(SCHEME, "rt.yaml")
    assert sorted(scheme.awaited) == ["c", "k", "p"]
    path = tmp_path / "rt.yaml"
    path.write_text(SCHEME, encoding="utf-8")
    assert [p.message for p in check(path)] == []


def test_the_given_values_are_used_as_exponent_places_and_pattern_argument() -> None:
    """With x = 2.25, x ** 0.5 = 1.5; round(2.25, 1) half_up = 2.3; x ** 2 = 5.0625 -> 5.06."""
    scheme = rulebook.loads(SCHEME, "rt.yaml", params={"k": 0.5, "p": 1, "c": 2})
    assert _scores(scheme) == {"a": "1.50", "r": "2.30", "t": "5.06"}


def test_the_engines_agree_on_run_time_constants() -> None:
    """The compiled, reference and columnar engines give the same scores (x = 2.25, 0, 10:
    10 ** 0.5 = 3.1622… -> 3.16, round(10, 1) = 10, 10 ** 2 = 100; total 113.16)."""
    from rulebook import columnar
    from rulebook.engine.columnar.result import same

    scheme = rulebook.loads(SCHEME, "rt.yaml", params={"k": 0.5, "p": 1, "c": 2})
    data = {"units": {f"u{i}": {"x": Decimal(x)} for i, x in enumerate(["2.25", "0", "10"])}}
    compiled = rulebook.evaluate(scheme, data)
    reference = rulebook.evaluate(scheme, data, engine="reference")
    assert [u.scores for u in compiled] == [u.scores for u in reference]
    assert {n: str(v) for n, v in compiled.unit("u2").scores.items()} == {
        "a": "3.16",
        "r": "10.00",
        "t": "100.00",
        "total": "113.16",
    }
    table = columnar.evaluate(scheme, data)
    for unit in compiled:
        pairs = zip(unit.vector, table.vector(unit.unit), strict=True)
        assert all(same(a, b) for a, b in pairs), unit.unit


@pytest.mark.parametrize(
    ("values", "name", "words"),
    [
        ({"k": 101, "p": 1, "c": 2}, "k", "exponent 101 is larger than 100"),
        ({"k": 1, "p": 0.5, "c": 2}, "p", "the places of round() must be a whole number, got 0.5"),
        ({"k": 1, "p": 1, "c": -101}, "c", "exponent -101 is larger than 100"),
    ],
)
def test_the_rebuild_with_the_values_checks_them(
    values: dict[str, object], name: str, words: str
) -> None:
    scheme = rulebook.loads(SCHEME, "rt.yaml")
    with pytest.raises(rulebook.SchemeError) as info:
        rulebook.with_parameters(scheme, values)
    text = str(info.value)
    assert words in text
    assert "given at run time" in text
    assert f"give `{name}` a value within them" in text  # the fix: that parameter's value
    assert "is not a parameter" not in text


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_an_exponent_out_of_range_from_a_params_file_points_at_its_line(
    tmp_path: Path,
) -> None:
    """`k: 101` is on line 1 of the params file, its value at column 4; `c: 300` on line 3,
    column 4. The formula reading k is at rt.yaml line 14 (`x ** k`, the `k` at column 25);
    x is read only by refused formulas, so no "not used" warning."""
    scheme = tmp_path / "rt.yaml"
    scheme.write_text(SCHEME, encoding="utf-8")
    data = tmp_path / "d.yaml"
    data.write_text("units: {u: {x: 2.25}}\n", encoding="utf-8")
    params = tmp_path / "p.yaml"
    params.write_text("k: 101\np: 1\nc: 300\n", encoding="utf-8")
    code, out, err = _run("score", str(scheme), str(data), "--params", str(params))
    assert code != 0
    assert out == ""
    assert (
        f"{params}:1:4: error: parameter `k`: exponent 101 is larger than 100; it is an "
        f"exponent at {scheme}:14:25 (`x ** k`)"
    ) in err
    assert "    k: 101\n       ^\n" in err
    hint = "hint: exponents are limited to ±100: give `k` a value within them"
    assert f"{hint} in this params file" in err
    assert f"{params}:3:4: error: parameter `c`: exponent 300 is larger than 100" in err
    assert "(argument `C` of pattern `pw`)" in err
    assert "not used" not in err
    assert "is not a parameter" not in err
