"""Scheme checking: every mistake reported at once, each at file:line:col with a hint."""

from __future__ import annotations

from decimal import Decimal

import pytest

import rulebook

from helpers import problems, scheme

BASE = """
scheme: {id: demo, title: 演示}
periods: {Q1: {weight: 4}, Q2: {weight: 3}, Q3: {weight: 3}}
indicators:
  meetings_missed: {type: count, max: 12}
  rate: {type: rate, per_period: true}
  level: {type: enum, values: [none, city]}
tree:
  - id: committee
    label: 村两委重视
    children:
      - id: meetings
        expr: "max(0, 12 - 3 * meetings_missed)"
      - id: rates
        expr: "sum(rate) / 3"
      - id: level
        expr: '10 if level == "city" else 0'
"""


def test_a_valid_scheme_loads() -> None:
    s = scheme(BASE)
    assert s.score_ids == (
        "committee",
        "committee.meetings",
        "committee.rates",
        "committee.level",
        "total",
    )
    assert [p.share for p in s.periods] == [Decimal(x) for x in ("0.4", "0.3", "0.3")]


def test_unknown_name_points_at_it_with_did_you_mean() -> None:
    rendered = problems(BASE.replace("3 * meetings_missed", "3 * meeting_missed"))
    assert len(rendered) == 1
    assert "test.yaml:13:32: error: unknown name `meeting_missed`" in rendered[0]
    assert "did you mean `meetings_missed`?" in rendered[0]
    caret_line = rendered[0].splitlines()[2]
    source_line = rendered[0].splitlines()[1]
    assert source_line[caret_line.index("^") :].startswith("meeting_missed")


def test_all_problems_are_reported_in_one_run_sorted_by_position() -> None:
    text = (
        BASE.replace("max: 12}", "max: 12, maximum: 3}")
        .replace("3 * meetings_missed", "3 * nope")
        .replace('"city"', '"county"')
    )
    rendered = problems(text)
    assert len(rendered) == 3
    assert "unknown key `maximum`" in rendered[0] and "did you mean `max`?" in rendered[0]
    assert "unknown name `nope`" in rendered[1] and "test.yaml:13:" in rendered[1]
    assert "`county` is not a value of `level`" in rendered[2] and "test.yaml:17:" in rendered[2]


def test_enum_value_not_declared() -> None:
    rendered = problems(BASE.replace('"city"', '"county"'))
    assert "`county` is not a value of `level`" in rendered[0]
    assert "test.yaml:17:" in rendered[0]


def test_per_period_value_used_without_aggregation() -> None:
    rendered = problems(BASE.replace('"sum(rate) / 3"', '"rate / 3"'))
    assert "without aggregation" in rendered[0] and "sum(rate)" in rendered[0]


def test_cycle_lists_every_node_of_the_cycle() -> None:
    text = (
        BASE
        + """
values:
  a: "b + 1"
  b: "c + 1"
  c: "a + meetings_missed"
"""
    )
    rendered = problems(text)
    assert len(rendered) == 1
    assert "dependency cycle: a -> b -> c -> a" in rendered[0]
    assert "a reads b at line 20" in rendered[0] and "c reads a at line 22" in rendered[0]


def test_self_reference_is_a_cycle() -> None:
    text = BASE + '\nvalues:\n  a: "a + 1"\n'
    assert "dependency cycle: a -> a" in problems(text)[0]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("max: 12}", "max: 12, min: 20}"), "`max` (12) is below `min` (20)"),
        (("weight: 4}", "weight: -4}"), "cannot be negative"),
        (("type: count", "type: counter"), "did you mean `count`?"),
        (('expr: "sum(rate) / 3"', "use: task"), "unknown pattern `task`"),
        (
            ("- id: meetings", "- id: meetings\n        max: 1\n        min: 5"),
            "cap `max: 1` is below floor `min: 5`",
        ),
        (("- id: rates", "- id: meetings"), "already defined"),
        (("label: 村两委重视", "label: 村两委重视\n    role: bonnus"), "did you mean `bonus`?"),
        (('expr: "sum(rate) / 3"', 'expr: "rate[0]"'), "subscripts are not allowed"),
        (("- id: rates", "- id: total"), "reserved"),
    ],
)
def test_located_scheme_errors(change: tuple[str, str], words: str) -> None:
    rendered = "\n".join(problems(BASE.replace(*change)))
    assert words in rendered
    assert "test.yaml:" in rendered


def test_bad_rounding_mode() -> None:
    rendered = problems(BASE + "rounding: {places: 2, mode: half_upp}\n")
    assert "unknown rounding mode `half_upp`" in rendered[0]
    assert "did you mean `half_up`?" in rendered[0]


def test_missing_required_sections() -> None:
    rendered = problems("scheme: {id: x}\n")
    joined = "\n".join(rendered)
    assert "missing required key `tree`" in joined and "missing required key `title`" in joined


def test_boolean_score_needs_an_explicit_conversion() -> None:
    text = BASE.replace("indicators:\n", "indicators:\n  ok: {type: bool}\n").replace(
        '"sum(rate) / 3"', '"ok"'
    )
    rendered = problems(text)
    assert "a score must be a number" in rendered[0]
    assert "8 if staffing_complete else 0" in rendered[0]


def test_unused_indicator_is_a_warning_not_an_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "s.yaml"
    path.write_text(
        BASE.replace("indicators:\n", "indicators:\n  spare: {type: count}\n"), encoding="utf-8"
    )
    found = rulebook.check(path)
    assert [p.severity for p in found] == ["warning"]
    assert "`spare` is not used" in found[0].message
    rulebook.load(path)  # still loads


def test_a_misspelt_required_section_is_one_mistake_not_two() -> None:
    """`tre:` is read as `tree` after its "unknown key" error, so `tree` is not also missing."""
    rendered = problems(BASE.replace("tree:", "tre:"))
    assert len(rendered) == 1
    assert "unknown key `tre`" in rendered[0] and "did you mean `tree`?" in rendered[0]


def test_wrong_types_in_the_scheme_header_are_reported_with_every_other_problem() -> None:
    """They used to be read after the final check, and so dropped without a word; now the
    header's three mistakes come in the same run as the formula's unknown name."""
    text = BASE.replace(
        "scheme: {id: demo, title: 演示}",
        "scheme: {id: demo, title: {a: 1}, version: [{b: 2}], standard_total: 1,000}",
    )
    text = text.replace("3 * meetings_missed", "3 * meeting_missed")
    joined = "\n".join(problems(text))
    assert "title must be text, got a mapping" in joined
    assert "version must be text, got a list" in joined
    assert "thousands separators are not allowed: write 1000" in joined
    assert "unknown name `meeting_missed`" in joined


@pytest.mark.parametrize("word", ["lambda", "for", "in", "class", "None"])
def test_python_keywords_cannot_be_ids(word: str) -> None:
    """A formula could never read them: `x + lambda` is a syntax error."""
    joined = "\n".join(problems(BASE.replace("- id: rates", f"- id: {word}")))
    assert f"`{word}` is a Python keyword and cannot name a node id" in joined


def test_an_enum_value_yaml_read_as_a_boolean_is_named_as_written() -> None:
    """YAML 1.1 reads unquoted yes/no/on/off as booleans; each is named as it was typed."""
    rendered = problems(BASE.replace("values: [none, city]", "values: [none, city, on, No]"))
    assert len(rendered) == 2
    assert "YAML reads an unquoted `on` as true: quote it" in rendered[0]
    assert "YAML reads an unquoted `No` as false: quote it" in rendered[1]


def test_a_quoted_enum_value_no_is_a_name() -> None:
    loaded = scheme(BASE.replace("values: [none, city]", 'values: [none, city, "no"]'))
    assert loaded.indicators["level"].values == ("none", "city", "no")
