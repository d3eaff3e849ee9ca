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


def _messages(text: str) -> list[tuple[int, int, str]]:
    with pytest.raises(SchemeError) as info:
        load_text(text, "x.yaml")
    return [(p.location.line, p.location.column, p.message) for p in info.value.problems
            if p.location is not None]


def test_an_unclosed_quote_is_blamed_where_it_opens() -> None:
    """Line 2 opens a quote that YAML closes with the first quote of line 4, then fails."""
    text = 'a: 1\nb: "one\nc: 2\nd: "two"\n'
    found = _messages(text)
    assert found[0] == (2, 4, "this quoted value is not closed on its line")


def test_a_quoted_value_meant_to_span_lines_is_not_blamed_for_a_later_error() -> None:
    """A quoted value may span lines; an unrelated mistake four lines on is YAML's alone."""
    text = 'a: "one\n  two"\nb: 1\nc: 2\nd: [3\ne: 4\n'
    found = _messages(text)
    assert len(found) == 1 and found[0][2].startswith("YAML syntax")


def test_an_apostrophe_in_plain_text_is_no_quote() -> None:
    text = "a: it's here\nb: [1\nc: 2\n"
    assert all("quoted" not in m for _, _, m in _messages(text))


def test_the_written_form_of_a_boolean_is_kept() -> None:
    """`written` gives what the author typed, for messages about YAML's reading of it."""
    data, source = load_text("v: [none, No, off]\n", "x.yaml")
    assert data == {"v": ["none", False, False]}
    assert [source.written(("v", i)) for i in range(3)] == ["none", "No", "off"]


def test_a_caret_for_a_space_character_points_at_it() -> None:
    """A no-break space is a space to `str.isspace`; the caret still lands on it, not on the
    next visible character: `e: "a +` is 7 columns, so it is column 8 (`b` is 9)."""
    _, source = load_text('e: "a +\u00a0b"\n', "x.yaml")
    assert source.inside(("e",), "a +\u00a0b", 3).column == 8
