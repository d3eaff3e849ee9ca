"""Compilation stays linear in the scheme (issue #11): nested aggregators are compiled once, not
once per period at every level; thousands of periods, children or roots compile without deep
nesting; and the generated code has a documented size limit with a message that names it.

The time bounds are generous for a loaded CI machine: the failures they guard against took
9–23 s (nine nested sums) or crashed (a RecursionError, a MemoryError).
"""

from __future__ import annotations

import time
from decimal import Decimal as D

import pytest

import rulebook
from rulebook.engine import codegen

from helpers import scheme


def _nested(depth: int) -> str:
    """sum(x + sum(x + … sum(x + x) …)) with `depth` sums."""
    text = "x"
    for _ in range(depth):
        text = f"sum(x + {text})"
    return text


def _monthly(formula: str) -> str:
    months = ", ".join(f"M{i:02d}: {{weight: 1}}" for i in range(1, 13))
    return f"""
    scheme: {{id: deep, title: deep}}
    periods: {{{months}}}
    indicators: {{x: {{type: count, per_period: true}}}}
    tree:
      - {{id: g, children: [{{id: a, expr: "{formula}"}}]}}
    """


def _expected_nested(depth: int, periods: int, x: int) -> int:
    """With x the same in every period: a(0) = x, a(k) = periods × (x + a(k − 1))."""
    value = x
    for _ in range(depth):
        value = periods * (x + value)
    return value


def test_nine_nested_sums_over_months_load_and_score_quickly() -> None:
    """The issue's 82-character formula (nine sums deep), with twelve months: a(9) for x = 1,
    worked by the recurrence in `_expected_nested`; both engines and the audit agree."""
    formula = _nested(9)
    assert len(formula) == 82
    start = time.process_time()
    loaded = scheme(_monthly(formula))
    data = {"units": {"u": {"x": {f"M{i:02d}": 1 for i in range(1, 13)}}}}
    for engine in ("compiled", "reference"):
        result = rulebook.evaluate(loaded, data, engine=engine)
        assert result.unit("u").value("g.a") == D(_expected_nested(9, 12, 1))
    result.to_dict()  # the full audit
    assert time.process_time() - start < 5


def test_generated_code_grows_linearly_with_nesting() -> None:
    """Ten nested sums over twelve months compile to less than three times the code of five
    (copying each level once per period would make it 12^5 times as much)."""
    five = sum(map(len, scheme(_monthly(_nested(5))).program.source))
    ten = sum(map(len, scheme(_monthly(_nested(10))).program.source))
    assert ten < 3 * five


def test_a_group_of_3000_children_compiles_and_sums() -> None:
    """3,000 children each scoring x = 2: the group is 6,000 and so is the total."""
    kids = ", ".join(f"{{id: c{i}, expr: x}}" for i in range(3000))
    start = time.process_time()
    loaded = scheme(f"""
    scheme: {{id: wide, title: wide}}
    indicators: {{x: {{type: count}}}}
    tree:
      - {{id: g, children: [{kids}]}}
    """)
    assert time.process_time() - start < 10
    unit = rulebook.evaluate(loaded, {"units": {"u": {"x": 2}}}).unit("u")
    assert (unit.value("g"), unit.total) == (D("6000.00"), D("6000.00"))


def test_3000_roots_form_the_total_without_deep_nesting() -> None:
    """1,500 categories of 1 and 1,500 deductions of 1, alternating: the total is 0; with the
    deductions scoring x = 0 instead it is 1,500."""
    roots = "\n".join(
        f"      - {{id: r{i}, role: {'deduction' if i % 2 else 'category'}, "
        f'expr: "{"x" if i % 2 else "1"}"}}'
        for i in range(3000)
    )
    loaded = scheme(f"""
    scheme: {{id: roots, title: roots}}
    indicators: {{x: {{type: count}}}}
    tree:
{roots}
    """)
    assert rulebook.evaluate(loaded, {"units": {"u": {"x": 1}}}).unit("u").total == 0
    assert rulebook.evaluate(loaded, {"units": {"u": {"x": 0}}}).unit("u").total == 1500


def test_3000_periods_compile_in_a_loop_and_score() -> None:
    """3,000 equal-weight periods with y = 1 in each: twice = 2 × 1 + sum(y) = 3002 in every
    period; wsum(twice) = 3002 (shares sum to 1); mean(y) = 1; the item is 3003."""
    periods = ", ".join(f"P{i}: {{weight: 1}}" for i in range(3000))
    start = time.process_time()
    loaded = scheme(f"""
    scheme: {{id: long, title: long}}
    periods: {{{periods}}}
    indicators: {{y: {{type: count, per_period: true}}}}
    values: {{twice: {{per_period: true, expr: "2 * y + sum(y)"}}}}
    tree:
      - {{id: g, children: [{{id: w, expr: "wsum(twice) + mean(y)"}}]}}
    """)
    assert time.process_time() - start < 10
    data = {"units": {"u": {"y": {f"P{i}": 1 for i in range(3000)}}}}
    for engine in ("compiled", "reference"):
        unit = rulebook.evaluate(loaded, data, engine=engine).unit("u")
        assert unit.value("twice", "P2999") == 3002
        assert unit.value("g.w") == D("3003.00")


def test_generated_code_over_the_limit_is_a_scheme_error_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A scheme whose code would pass MAX_GENERATED_CODE is refused with that name."""
    monkeypatch.setattr(codegen, "MAX_GENERATED_CODE", 200)
    with pytest.raises(rulebook.SchemeError, match="MAX_GENERATED_CODE") as info:
        scheme(_monthly(_nested(3)), file="big.yaml")
    assert "big.yaml:1" in str(info.value)
