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
    with pytest.raises(SchemeError, match="more than 50,000 YAML nodes"):
        load_text("\n".join(lines) + "\n", "bomb.yaml")


def test_infinity_is_not_a_number_here() -> None:
    with pytest.raises(SchemeError, match="not a finite number"):
        load_text("a: .inf\n", "inf.yaml")


def test_json_documents_load_with_exact_numbers_and_exponents() -> None:
    data, source = load_text(
        '{"units": {"a": {"x": 72.5, "y": 1e3, "z": true, "s": "1e3"}}}', "d.json"
    )
    assert data == {
        "units": {"a": {"x": Decimal("72.5"), "y": Decimal("1E+3"), "z": True, "s": "1e3"}}
    }
    assert source.loc(("units", "a", "y")).column == 34


def _messages(text: str) -> list[tuple[int, int, str]]:
    with pytest.raises(SchemeError) as info:
        load_text(text, "x.yaml")
    return [
        (p.location.line, p.location.column, p.message)
        for p in info.value.problems
        if p.location is not None
    ]


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


# Budgets checked before objects are built (issue #11): each hostile document fails fast with a
# located message naming its limit; the time bound is generous for a loaded CI machine.


def _refused(text: str, file: str = "h.yaml") -> tuple[str, float]:
    import time

    start = time.process_time()
    with pytest.raises(SchemeError) as info:
        load_text(text, file)
    return str(info.value), time.process_time() - start


def test_a_52_byte_recursive_alias_fails_at_the_alias() -> None:
    """`&a` is still open when `*a` is met: the alias is at line 1, column 8 (after `a: &a [`)."""
    message, seconds = _refused("a: &a [*a, *a]\n")
    assert "h.yaml:1:8" in message and "recursive alias" in message
    assert seconds < 5


def test_a_2mb_flow_list_stops_at_the_node_budget() -> None:
    """999,999 items (2 MB, just under MAX_SCHEME_BYTES). Nodes are counted mapping (1), key
    `a` (2), list (3), then item k is node 4 + k: node 50,001 past MAX_NODES = 50,000 is item
    k = 49,997, written at column 5 + 2k = 99,999 (`a: [` is 4 characters, each item 2)."""
    from rulebook.scheme.loader import MAX_NODES, MAX_SCHEME_BYTES

    text = "a: [" + ",".join(["1"] * 999_999) + "]\n"
    assert len(text) <= MAX_SCHEME_BYTES
    message, seconds = _refused(text)
    assert MAX_NODES == 50_000
    assert "h.yaml:1:99999:" in message and "MAX_NODES" in message and "50,000" in message
    assert "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1" not in message  # line not echoed
    assert seconds < 5


def test_a_file_over_max_scheme_bytes_is_refused_before_parsing() -> None:
    from rulebook.scheme.loader import MAX_SCHEME_BYTES

    message, seconds = _refused("a: '" + "x" * MAX_SCHEME_BYTES + "'\n")
    assert "h.yaml:1:1" in message and "MAX_SCHEME_BYTES = 2 MB" in message
    assert seconds < 5


def test_a_scheme_file_over_the_limit_is_refused_by_load_file(tmp_path: object) -> None:
    from pathlib import Path

    from rulebook.scheme.loader import MAX_SCHEME_BYTES, load_file

    path = Path(str(tmp_path)) / "big.yaml"
    path.write_text("# " + "x" * MAX_SCHEME_BYTES + "\n")
    with pytest.raises(SchemeError) as info:
        load_file(path)
    assert "MAX_SCHEME_BYTES" in str(info.value) and "big.yaml:1:1" in str(info.value)


def test_a_billion_laughs_stops_at_the_expansion_budget() -> None:
    """Ten levels of nine aliases expand to 9^10 nodes; composition sees only ~100, so the
    conversion budget (also MAX_NODES) stops it, at the first anchor's list."""
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    message, seconds = _refused("\n".join(levels) + "\n")
    assert "MAX_NODES" in message and "h.yaml:1:" in message
    assert seconds < 5


def test_nesting_past_max_depth_fails_during_composition() -> None:
    """5,000 nested lists: the 61st `[` (column 3 + 60 = 63) is past MAX_DEPTH = 60."""
    message, seconds = _refused("a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert "h.yaml:1:63" in message and "MAX_DEPTH" in message
    assert seconds < 5


def test_a_tests_file_goes_through_the_same_budgets(tmp_path: object) -> None:
    """`*.tests.yaml` is parsed by the same loader: its recursive alias is refused at 3:9
    (`  - &c [`: 8 characters before the alias)."""
    from pathlib import Path

    from rulebook.testing.cases import parse_file

    path = Path(str(tmp_path)) / "x.tests.yaml"
    path.write_text("scheme: tiny.yaml\ncases:\n  - &c [*c]\n", encoding="utf-8")
    with pytest.raises(SchemeError) as info:
        parse_file(path)
    assert f"{path}:3:9:" in str(info.value) and "recursive alias" in str(info.value)
