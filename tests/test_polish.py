"""Findings of the QA pass over data in / results out (issue 10): `--set` reads values as the
readers read cells, the table fits the terminal, xlsx keeps every digit, the readers report all
of a row's problems in one pass, and the hints for repeated DataFrame columns and semicolon CSV."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

import rulebook
from rulebook.analysis.whatif import settings_of, what_if
from rulebook.engine.semantics import NA

SETTINGS = """
scheme: {id: polish, title: polish, language: en}
indicators:
  done: {type: bool}
  time: {type: duration, max: 9:59.99}
  a: {type: decimal, min: 0, max: 10, na: allowed}
  c: {type: count}
tree:
  - id: g
    not_applicable: rescale
    children:
      - {id: x, standard: 10, expr: "10 if done else 0"}
      - {id: y, standard: 10, expr: a}
      - {id: z, standard: 10, expr: "min(c, 10)"}
"""


@pytest.mark.parametrize(
    ("setting", "point", "value"),
    [
        ("done=是", ("done", None), True),  # the CSV/xlsx readers' yes/no words
        ("done=否", ("done", None), False),
        ("done=yes", ("done", None), True),
        ("time=4:36.11", ("time", None), Decimal("276.11")),  # 4 * 60 + 36.11 seconds
        ("a=n/a", ("a", None), NA),  # `a` declares `na: allowed`
        ("a=不适用", ("a", None), NA),
        ("c=7", ("c", None), Decimal(7)),
    ],
)
def test_set_reads_values_as_the_readers_read_cells(
    setting: str, point: tuple[str, None], value: Any
) -> None:
    scheme = rulebook.loads(SETTINGS, "s.yaml")
    assert settings_of(scheme, [setting]) == {point: value}


@pytest.mark.parametrize(
    ("setting", "words"),
    [
        ("c=n/a", "`n/a` marks the indicator not applicable, but `c` does not declare"),
        ("done=maybe", "`done`: expected true or false, got 'maybe'"),
        ("time=10:00", "above the declared maximum"),
        ("c=1.5", "a count must be a whole number"),
    ],
)
def test_set_refuses_what_the_readers_refuse(setting: str, words: str) -> None:
    scheme = rulebook.loads(SETTINGS, "s.yaml")
    with pytest.raises(rulebook.DataError) as info:
        settings_of(scheme, [setting])
    assert f"--set {setting}: " in str(info.value) and words in str(info.value)


def test_what_if_with_a_chinese_yes() -> None:
    """x is 10 if done else 0: setting done=是 moves the unit's x from 0 to 10."""
    scheme = rulebook.loads(SETTINGS, "s.yaml")
    data = rulebook.parse_data("units: {A: {done: false, time: 300, a: 5, c: 3}}", scheme, "d")
    change = what_if(scheme, data, "A", ["done=是"])
    assert change.after.unit("A").scores["g.x"] == Decimal(10)
    assert change.before.unit("A").scores["g.x"] == Decimal(0)
