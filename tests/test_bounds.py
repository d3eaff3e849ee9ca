"""Static bounds: exact on a small scheme worked out by hand, and sound on every shipped scheme
(sampled values always fall inside the computed bounds)."""

from __future__ import annotations

import io
from decimal import Decimal as D
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rulebook
from rulebook.audit.bounds import Interval, analyze
from rulebook.cli import EXIT_OK, main
from rulebook.engine.semantics import NA
from rulebook.testing.properties import from_scheme, unconstrained

from conftest import load_shipped
from helpers import scheme

TWO_ITEMS = """
scheme: {id: two, title: two}
indicators:
  missed: {type: count, max: 12}
  rate: {type: rate}
  campaigns: {type: count}
tree:
  - id: g
    children:
      - {id: meetings, standard: 12, expr: "max(0, 12 - 3 * missed)"}
      - {id: coverage, standard: 40, expr: "40 * min(1, rate / 50) + 5 * max(0, rate - 50)"}
      - {id: outreach, standard: 10, expr: "max(0, 10 - 2 * missed) + 10 * campaigns"}
      - {id: capped, expr: "rate * 2", max: 150, min: 10}
"""


def test_bounds_of_a_small_scheme_worked_by_hand() -> None:
    """meetings: 12 − 3 × [0, 12] = [−24, 12], floored → [0, 12].
    coverage: 40 × min(1, [0, 2]) + 5 × max(0, [−50, 50]) = [0, 40] + [0, 250] = [0, 290].
    outreach: [0, 10] + 10 × [0, +∞) = [0, +∞) — a bonus per case on an unbounded count.
    capped: 2 × [0, 100] = [0, 200] → clamped to [10, 150]; both limits can clip."""
    got = {b.name: b for b in analyze(scheme(TWO_ITEMS))}
    assert got["g.meetings"].bounds == Interval(D("0.00"), D("12.00"))
    assert got["g.coverage"].bounds == Interval(D("0.00"), D("290.00"))
    outreach = got["g.outreach"].bounds
    assert isinstance(outreach, Interval) and outreach.lo == 0 and outreach.hi is None
    assert "unbounded" in got["g.outreach"].flags
    assert "can exceed its standard" in got["g.coverage"].flags
    assert got["g.capped"].bounds == Interval(D("10.00"), D("150.00"))
    assert got["g.capped"].flags[:2] == ("floor 10 can clip", "cap 150 can clip")


def test_division_by_a_value_that_can_be_zero_is_flagged() -> None:
    text = TWO_ITEMS.replace('"rate * 2"', '"100 / missed"')
    got = {b.name: b for b in analyze(scheme(text))}
    assert "divides by a value that can be 0 (check that it is guarded)" in got["g.capped"].flags
    # a count that is not 0 is at least 1: 100 / [1, 12] = [8.33…, 100], then clamped
    raw = got["g.capped"].raw
    assert isinstance(raw, Interval) and raw.hi == D(100)


SHIPPED = sorted(
    p
    for p in (Path(__file__).resolve().parent.parent / "schemes").glob("*.yaml")
    if not p.name.endswith(".tests.yaml")
)


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_bounds_are_sound_on_every_shipped_scheme(path: Path) -> None:
    loaded = unconstrained(load_shipped(path))
    analysed = analyze(loaded)
    bounds = {b.name: b.bounds for b in analysed}
    flags = {b.name: b.flags for b in analysed}

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def sampled(data: st.DataObject) -> None:
        units = data.draw(from_scheme(loaded, units=(1, 4)))
        result = rulebook.evaluate(loaded, units)
        for unit in result:
            for name in (*loaded.score_ids, *loaded.output_ids):
                value = unit.value(name)
                if value is NA:  # bounds say it may be n/a (a failing `applies:`)
                    assert any(f.startswith("may be n/a") for f in flags[name]), name
                    continue
                b = bounds[name]
                assert isinstance(b, Interval) and b.contains(value), (name, value, b)

    sampled()


def test_bounds_cli_prints_the_table() -> None:
    out = io.StringIO()
    path = Path(__file__).resolve().parent.parent / "schemes" / "village-fp-1000.yaml"
    assert main(["bounds", str(path)], out, io.StringIO()) == EXIT_OK
    line = next(x for x in out.getvalue().splitlines() if x.startswith("committee.meetings "))
    assert "[0, 12]" in line and "standard 12" in line
