"""Expressions: the whitelist, exact literals, limits, and the type checker."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from rulebook.expr import syntax as ex

ALLOWED = [
    "max(0, 12 - 3 * meetings_missed)",
    "8 if staffing_complete else 0",
    "0 if a > 0 else max(0, linear(x, 3, 60, 5, 0) - 30 * b)",
    "sum(ring_check) + 5 * sum(max(0, rate - 70))",
    "committee.meetings + contraception.iud.ratio",
    'level == "city" and not flag or x <= 3',
    "x ** 2 - -y",
    "x ** k + y ** -k + z ** 1.8",
    'round(x, 2) + round(y, -1, "half_even") + round(z, places, "floor")',
]

REJECTED = [
    ("x.__class__", "not allowed"),
    ("().__class__.__bases__", "not allowed"),
    ("a[0]", "subscripts are not allowed"),
    ("[x for x in y]", "comprehensions are not allowed"),
    ("lambda: 1", "lambdas are not allowed"),
    ('f"{x}"', "f-strings are not allowed"),
    ("max(a=1, b=2)", "keyword arguments"),
    ("open('f')", "unknown function `open`"),
    ("__import__('os')", "unknown function"),
    ("x // 2", "operator `//` is not allowed"),
    ("x % 2", "operator `%` is not allowed"),
    ("x << 2", "operator `<<`"),
    ("a in b", "comparison `in`"),
    ("(x := 3)", "assignment expressions"),
    ("x = 3", "syntax error"),
    ("1\n2", "syntax error"),
    ("1; 2", "syntax error"),
    ("2 ** (x + 1)", "exponent must be a load-time constant"),
    ("2 ** abs(k)", "exponent must be a load-time constant"),
    ("round(x, n + 1)", "places of round() must be a load-time constant"),
    ("round(x, 1.5)", "must be a whole number, got 1.5"),
    ("round(x, 21)", "must be from -20 to 20, got 21"),
    ('round(x, 2, "half_upp")', 'must be one of "half_up"'),
    ("round(x, 2, mode)", "written in quotes"),
    ("round(x)", "`round` takes 2 to 3 argument(s), got 1"),
    ("2 ** 1000", "larger than 100"),
    ("1" * 40, "longer than 30 digits"),
    ("x" + " + x" * 600, "characters long"),
    ("-" * 60 + "x", "nested"),
    ("[1, 2]", "lists are not allowed"),
    ("{1: 2}", "dicts are"),
    ("_secret", "may not start with `_`"),
    ("a._b", "may not start with `_`"),
    ("None", "not allowed"),
    ("", "empty expression"),
    ("1j", "not allowed"),
    ("max(*xs)", "star"),
]


@pytest.mark.parametrize("text", ALLOWED)
def test_allowed_expressions_parse(text: str) -> None:
    assert ex.parse(text).text == text


@pytest.mark.parametrize(("text", "words"), REJECTED)
def test_disallowed_constructs_are_rejected_quickly(text: str, words: str) -> None:
    start = time.process_time()
    with pytest.raises(ex.ExprError) as info:
        ex.parse(text)
    assert words in info.value.message
    assert time.process_time() - start < 0.1


def test_literals_are_exact_decimals_from_their_text() -> None:
    parsed = ex.parse("0.1 + 2.675")
    constants = [
        n.value
        for n in __import__("ast").walk(parsed.tree)
        if isinstance(n, __import__("ast").Constant)
    ]
    assert constants == [Decimal("0.1"), Decimal("2.675")]


def test_error_offset_points_at_the_offending_construct() -> None:
    with pytest.raises(ex.ExprError) as info:
        ex.parse("max(0, x) + y[1]")
    assert info.value.offset == len("max(0, x) + ")


def test_names_exclude_function_names_and_keep_dotted_ids() -> None:
    names = [n for n, _ in ex.parse("max(0, a.b.c - min(d, 1))").names()]
    assert names == ["a.b.c", "d"]


def _lookup(table: dict[str, ex.NameInfo]):  # type: ignore[no-untyped-def]
    return table.get


TYPES = {
    "n": ex.NameInfo(ex.NUM),
    "flag": ex.NameInfo(ex.BOOL),
    "level": ex.NameInfo("enum:level", None, ("none", "city")),
    "q": ex.NameInfo(ex.NUM, axis="period"),
    "quarter_score": ex.NameInfo(ex.NUM, axis="quarters"),
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("n * 2", ex.NUM),
        ("n > 2 and flag", ex.BOOL),
        ('level == "city"', ex.BOOL),
        ("sum(q) + wsum(q * 2)", ex.NUM),
    ],
)
def test_type_checker_infers_types(text: str, expected: str) -> None:
    got = ex.check(ex.parse(text), _lookup(TYPES), axis=None, has_periods=True)
    assert got == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("flag * 8", "needs a number, got a boolean"),
        ("n and flag", "needs a boolean, got a number"),
        ('level == "county"', "`county` is not a value of `level`"),
        ('n == "city"', "not an enum"),
        ("q + 1", "without aggregation"),
        ("weight * n", "only has a value inside a per-period formula"),
        ("1 if flag else flag", "same type"),
        ("level > 1", "enum can only be compared"),
    ],
)
def test_type_errors_are_reported(text: str, words: str) -> None:
    with pytest.raises(ex.ExprError) as info:
        ex.check(ex.parse(text), _lookup(TYPES), axis=None, has_periods=True)
    assert words in info.value.message


def test_per_period_context_allows_per_period_names_and_weight() -> None:
    got = ex.check(ex.parse("q * weight"), _lookup(TYPES), axis="period", has_periods=True)
    assert got == ex.NUM


@pytest.mark.parametrize(
    ("text", "axis", "words"),
    [
        ("quarter_score", None, "has one value per `quarters` group"),
        ("q", "quarters", "varies along `period`"),
        ("sum(q + quarter_score)", None, "vary along different axes"),
        ("sum(n)", None, "does not vary by period"),
    ],
)
def test_axis_errors(text: str, axis: str | None, words: str) -> None:
    with pytest.raises(ex.ExprError) as info:
        ex.check(ex.parse(text), _lookup(TYPES), axis=axis, has_periods=True)
    assert words in info.value.message


@pytest.mark.parametrize(
    ("text", "axis"),
    [
        ("sum(q)", "quarters"),  # a quarter's months
        ("sum(quarter_score)", None),  # all quarters
        ("quarter_score + q", "period"),  # a month reads its quarter
        ("wsum(q) + sum(quarter_score)", None),
    ],
)
def test_axis_contexts(text: str, axis: str | None) -> None:
    assert ex.check(ex.parse(text), _lookup(TYPES), axis=axis, has_periods=True) == ex.NUM


@pytest.mark.parametrize(
    ("text", "offset", "message"),
    [
        # offset: the 0-based character the caret points at, counted by hand
        ("max(0, 1,000 - 3 * x)", 7, "thousands separators are not allowed: write 1000"),
        ("12,500.5 * x", 0, "thousands separators are not allowed: write 12500.5"),
        ("min(1,100)", 4, "thousands separators are not allowed: write 1100"),
        ("max（0, x)", 3, "full-width punctuation `（`: write `(`"),
        ("max(0，x)", 5, "full-width punctuation `，`: write `,`"),
        ("１２ - x", 0, "full-width digits in `１２`: write `12`"),
        ("3 * ｍeetings", 4, "full-width letters in `ｍeetings`: write `meetings`"),
        ("a 或 b", 2, "`或` is not an operator: write `or`"),
        ("a 且 b", 2, "`且` is not an operator: write `and`"),
        ("x ≥ 3", 2, "`≥` is not an operator here: write `>=`"),
        ("x × 3", 2, "`×` is not an operator here: write `*`"),
        ("level == “city”", 9, '`“` is not an operator here: write `"`'),
        ("a +\u00a0b", 3, "no-break space (U+00A0): write an ordinary space"),
        ("a\u3000+ b", 1, "full-width space (U+3000): write an ordinary space"),
        ("a +\u200bb", 3, "invisible zero-width space (U+200B): delete it"),
        ("8 if ok = True else 0", 8, "`=` is not a comparison: write `==`"),
    ],
)
def test_authoring_slips_are_named_with_the_fix(text: str, offset: int, message: str) -> None:
    with pytest.raises(ex.ExprError) as info:
        ex.parse(text)
    assert message in info.value.message
    assert info.value.offset == offset


@pytest.mark.parametrize(
    "text",
    [
        "max(0,12-3*x)",  # no space after the comma, but 12 is not a thousands group
        "max(0,100 - x)",  # a leading 0 is no number with separators
        "min(1, 100)",  # separate arguments, written as such
        'level == "城市"',  # non-ASCII inside quotes is an enum value, not code
        "level == '１２'",  # so are full-width digits in quotes
    ],
)
def test_lookalikes_of_slips_are_accepted(text: str) -> None:
    ex.parse(text)


def test_a_bare_assignment_to_true_gets_the_no_comparison_hint() -> None:
    with pytest.raises(ex.ExprError) as info:
        ex.parse("staffed = True")
    assert info.value.hint is not None and "needs no comparison" in info.value.hint
    with pytest.raises(ex.ExprError) as info:
        ex.parse("x = 3")
    assert info.value.hint is None
