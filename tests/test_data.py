"""Data checking: every problem collected before scoring, each naming unit, indicator, period."""

from __future__ import annotations

from decimal import Decimal

import pytest

import rulebook

from helpers import scheme

SCHEME = """
scheme: {id: d, title: d}
periods: {Q1: {weight: 1}, Q2: {weight: 1}}
indicators:
  meetings_missed: {type: count, max: 12}
  rate: {type: rate, per_period: true}
  staffing_complete: {type: bool}
  level: {type: enum, values: [none, city]}
  extra_points: {type: decimal, default: 0}
tree:
  - id: g
    children:
      - id: a
        expr: >-
          max(0, 12 - meetings_missed) + sum(rate) + extra_points
          + (1 if staffing_complete else 0) + (1 if level == "city" else 0)
"""


def _problems(data_text: str) -> list[str]:
    with pytest.raises(rulebook.DataError) as info:
        rulebook.parse_data(data_text, scheme(SCHEME), "data.yaml")
    return [p.render() for p in info.value.problems]


def test_valid_data_with_default() -> None:
    data = rulebook.parse_data(
        "units:\n  v: {meetings_missed: 1, rate: {Q1: 70.5, Q2: 80}, staffing_complete: true,"
        " level: city}\n",
        scheme(SCHEME),
    )
    assert data.units[0].values["extra_points"] == Decimal(0)
    assert data.units[0].values["rate"] == {"Q1": Decimal("70.5"), "Q2": Decimal(80)}


def test_every_problem_is_collected_with_unit_indicator_period_and_line() -> None:
    text = """units:
  东村:
    meetings_missed: 13
    rate: {Q1: 101, Q3: 5}
    staffing_complete: "yes"
    level: county
    meeting_missed: 2
  西村:
    meetings_missed: 1.5
    rate: 50
    staffing_complete: true
"""
    found = _problems(text)
    joined = "\n".join(found)
    assert (
        "data.yaml:3:22: error: unit `东村`, indicator `meetings_missed`: 13 is above the "
        "declared maximum 12" in joined
    )
    assert "indicator `rate`, period `Q1`: 101 is above the declared maximum 100" in joined
    assert "indicator `rate`: unknown period `Q3`" in joined
    assert "indicator `rate`: missing period `Q2`" in joined
    assert "indicator `staffing_complete`: expected true or false" in joined
    assert "'county' is not one of none, city" in joined
    assert "unknown indicator `meeting_missed`" in joined
    assert "did you mean `meetings_missed`?" in joined
    assert "unit `西村`, indicator `meetings_missed`: a count must be a whole number" in joined
    assert "unit `西村`, indicator `rate`: one value per period expected" in joined
    assert "unit `西村`: missing indicator `level`" in joined
    assert len(found) == 10


def test_duplicate_unit_is_an_error() -> None:
    found = _problems("units:\n  a: {}\n  a: {}\n")
    assert any("duplicate key `a`" in p for p in found)


def test_data_without_units_key() -> None:
    assert "data must be a mapping with a `units:` key" in _problems("- 1\n")[0]


def test_evaluate_checks_plain_data_first() -> None:
    with pytest.raises(rulebook.DataError, match="missing indicator"):
        rulebook.evaluate(scheme(SCHEME), {"units": {"v": {}}})
