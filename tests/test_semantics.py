"""One meaning per rule, checked structurally: replace a rule in `rulebook.engine.semantics` with
a deliberately different one and every part of rulebook that shows or uses it must follow.

A module that kept its own copy of the floor/cap rule, the group sum or the total would not
change with the patch, and its assertion here would fail. The compiled engine binds the rules
when a scheme is compiled, so each check loads the scheme afresh after patching.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal as D
from pathlib import Path
from typing import Any, TypeVar

import pytest

import rulebook
from rulebook.audit.bounds import Interval, analyze
from rulebook.engine import semantics
from rulebook.render.report import to_csv
from rulebook.testing.coverage import measure

from helpers import scheme

T = TypeVar("T")

SCHEME = """
scheme: {id: sem, title: semantics}
indicators:
  x: {type: decimal, min: 0, max: 100}
  d: {type: decimal, min: 0, max: 10}
tree:
  - id: work
    children:
      - {id: capped, expr: "x", min: 2, max: 10}
      - {id: other, expr: "1"}
  - id: extra
    role: bonus
    children:
      - {id: plus, expr: "1"}
  - id: penalty
    role: deduction
    children:
      - {id: minus, expr: "d"}
"""
DATA = {"units": {"u": {"x": 25, "d": 3}}}
"""x = 25 is capped at 10 (15 clipped); work = 10 + 1 = 11; total = 11 + 1 − 3 = 9."""


def _both(loaded: rulebook.Scheme) -> list[rulebook.UnitResult]:
    return [rulebook.evaluate(loaded, DATA, engine=e).unit("u") for e in ("compiled", "reference")]


def _csv(result: rulebook.Result, node: str, column: str) -> str:
    rows = csv.DictReader(io.StringIO(to_csv(result, long=True)))
    return next(r[column] for r in rows if r["node"] == node and r["period"] == "")


def _bounds(loaded: rulebook.Scheme, name: str) -> Interval:
    found = next(b.bounds for b in analyze(loaded) if b.name == name)
    assert isinstance(found, Interval)
    return found


def test_the_unpatched_rules_give_the_worked_values() -> None:
    """The baseline the patched runs are compared with (worked in DATA's docstring); bounds:
    capped in [2, 10], total = [2 + 1, 10 + 1] + [1, 1] − [0, 10] = [−6, 12]."""
    loaded = scheme(SCHEME)
    for unit in _both(loaded):
        assert (unit.value("work.capped"), unit.total) == (D("10.00"), D("9.00"))
    result = rulebook.evaluate(loaded, DATA)
    assert [c.kind for c in result.explain("u", "work.capped").clips] == ["cap"]
    assert _csv(result, "work.capped", "clipped") == "15"
    assert _bounds(loaded, "work.capped") == Interval(D("2.00"), D("10.00"))
    assert _bounds(loaded, "total") == Interval(D("-6.00"), D("12.00"))
    assert not any("max: 10" in n for n in measure(loaded, [result], set()).never)


def test_a_different_cap_rule_reaches_every_engine_and_view(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With `bound` ignoring caps, x = 25 stays 25 (total 25 + 1 + 1 − 3 = 24) in both
    engines; the audit shows no cap clip, the long table clips nothing, the bounds reach the
    indicator's 100, and coverage reports the cap as never clipping."""
    original = semantics.bound

    def no_caps(
        raw: T,
        low: T | None,
        high: T | None,
        at_least: Callable[[T, T], T],
        at_most: Callable[[T, T], T],
    ) -> T:
        return original(raw, low, None, at_least, at_most)

    monkeypatch.setattr(semantics, "bound", no_caps)
    loaded = scheme(SCHEME)
    for unit in _both(loaded):
        assert (unit.value("work.capped"), unit.total) == (D("25.00"), D("24.00"))
    result = rulebook.evaluate(loaded, DATA)
    audit = result.explain("u", "work.capped")
    assert audit.clips == () and audit.clamped == D(25)
    assert _csv(result, "work.capped", "clipped") == "0"
    assert _bounds(loaded, "work.capped") == Interval(D("2.00"), D("100.00"))
    assert "work.capped: `max: 10` never clipped" in measure(loaded, [result], set()).never


def test_a_different_total_rule_reaches_every_engine_and_view(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With `total_terms` adding every root (deductions too): total = 11 + 1 + 3 = 15 in both
    engines, the audit's total line and its terms, the long table and the bounds
    ([3, 11] + [1, 1] + [0, 10] = [4, 22])."""

    def all_added(tree: semantics.Tree) -> tuple[tuple[str, semantics.Sign], ...]:
        return tuple((root, 1) for root in tree.roots)

    monkeypatch.setattr(semantics, "total_terms", all_added)
    loaded = scheme(SCHEME)
    for unit in _both(loaded):
        assert unit.total == D("15.00")
    result = rulebook.evaluate(loaded, DATA)
    audit = result.explain("u", "total")
    assert audit.expression == "work + extra + penalty"
    assert [name for name, _ in audit.children] == ["work", "extra", "penalty"]
    assert _csv(result, "total", "value") == "15.00"
    assert _bounds(loaded, "total") == Interval(D("4.00"), D("22.00"))


def test_a_different_group_sum_reaches_both_engines_and_the_bounds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With a group's value the largest child instead of the sum: work = max(10, 1) = 10,
    total = 10 + 1 − 3 = 8; the bounds of work become [2, 10]."""

    def largest(values: Any, zero: T) -> T:
        parts = list(values)
        out = parts[0] if parts else zero
        for part in parts[1:]:
            out = part if _above(part, out) else out
        return out

    monkeypatch.setattr(semantics, "combine_children", largest)
    loaded = scheme(SCHEME)
    for unit in _both(loaded):
        assert (unit.value("work"), unit.total) == (D("10.00"), D("8.00"))
    assert _bounds(loaded, "work") == Interval(D("2.00"), D("10.00"))


def _above(a: Any, b: Any) -> bool:
    """A > b for numbers; for intervals, a lies wholly at or above b (enough for this scheme)."""
    if isinstance(a, Interval):
        return a.lo is not None and b.hi is not None and a.lo >= b.hi
    return bool(a > b)


def test_property_checks_judge_by_the_semantics_module(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Compiled with the real rules, then checked against a total rule that also adds the
    deduction: the engine's total (11 + 1 − 3) is not the patched parts' sum, so the property
    fails — it reads the rule from `semantics`, not from a copy of its own."""
    pytest.importorskip("hypothesis")
    from rulebook.testing.properties import check_properties

    loaded = scheme(SCHEME)
    monkeypatch.setattr(
        semantics, "total_terms", lambda tree: tuple((root, 1) for root in tree.roots)
    )
    results = {r.name: r for r in check_properties(loaded, examples=5, out_dir=tmp_path)}
    assert not results["total equals its parts"].passed
    assert results["caps and floors hold"].passed
