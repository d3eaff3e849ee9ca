"""The YAML loader: exact decimals, a source map for every key, located syntax errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rulebook.errors import SchemeError
from rulebook.scheme.loader import load_text


def test_fractional_numbers_become_decimals_from_their_text() -> None:
    """0.1 must stay 0.1, not 0.1000000000000000055511151231257827 as a float would give."""
    data, _ = load_text("a: 0.1\nb: 72.125\nc: 3\n", "x.yaml")
    assert data == {"a": Decimal("0.1"), "b": Decimal("72.125"), "c": 3}
    assert str(data["a"]) == "0.1"


def test_source_map_records_line_and_column_of_keys_and_values() -> None:
    text = "scheme:\n  id: demo\n  items:\n    - x: 1\n"
    _, source = load_text(text, "s.yaml")
    assert (source.loc(("scheme", "id")).line, source.loc(("scheme", "id")).column) == (2, 7)
    assert source.loc(("scheme", "id"), key=True).column == 3
    assert source.loc(("scheme", "items", 0, "x")).line == 4
    # a path that does not exist points at its nearest written parent
    assert source.loc(("scheme", "missing")).line == 1


def test_duplicate_keys_are_errors_with_both_lines() -> None:
    with pytest.raises(SchemeError) as info:
        load_text("a: 1\nb: 2\na: 3\n", "d.yaml")
    message = str(info.value)
    assert "d.yaml:3:1" in message and "duplicate key `a`" in message and "line 1" in message


def test_yaml_syntax_error_is_located_with_a_caret() -> None:
    with pytest.raises(SchemeError) as info:
        load_text("a: [1, 2\nb: 3\n", "bad.yaml")
    problem = info.value.problems[0]
    assert problem.location is not None and problem.location.file == "bad.yaml"
    assert "YAML syntax" in problem.message
    assert "^" in problem.render()


def test_alias_bomb_is_stopped_by_the_node_budget() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 8):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    with pytest.raises(SchemeError, match="more than 200000 nodes"):
        load_text("\n".join(lines) + "\n", "bomb.yaml")


def test_infinity_is_not_a_number_here() -> None:
    with pytest.raises(SchemeError, match="not a finite number"):
        load_text("a: .inf\n", "inf.yaml")


def test_json_documents_load_with_exact_numbers_and_exponents() -> None:
    data, source = load_text('{"units": {"a": {"x": 72.5, "y": 1e3, "z": true, "s": "1e3"}}}',
                             "d.json")
    assert data == {"units": {"a": {"x": Decimal("72.5"), "y": Decimal("1E+3"), "z": True,
                                    "s": "1e3"}}}
    assert source.loc(("units", "a", "y")).column == 34
