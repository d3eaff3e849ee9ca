"""Fuzzing: generated and mutated schemes, expressions and data may only ever raise rulebook's
own errors, each with a location — never a traceback, never a hang.

CI runs a bounded number of examples; for a long run:

    RULEBOOK_FUZZ_EXAMPLES=20000 pytest tests/test_fuzz.py
"""

from __future__ import annotations

import os
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rulebook
from rulebook.expr import syntax as ex

from conftest import VILLAGE, VILLAGE_DATA

EXAMPLES = int(os.environ.get("RULEBOOK_FUZZ_EXAMPLES", "100"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

VILLAGE_TEXT = VILLAGE.read_text(encoding="utf-8")
ALL_SCHEMES = [
    p.read_text(encoding="utf-8")
    for p in sorted(VILLAGE.parent.glob("*.yaml"))
    if not p.name.endswith(".tests.yaml")
]
DATA_TEXT = VILLAGE_DATA.read_text(encoding="utf-8")
SCHEME = rulebook.load(VILLAGE)


def assert_located(exc: rulebook.RulebookError) -> None:
    problems = getattr(exc, "problems", None)
    if problems is not None:
        assert problems, "an error with no problems"
        for p in problems:
            assert p.location is not None, p.render()
            assert p.location.line >= 1 and p.location.column >= 1
    elif isinstance(exc, rulebook.EvaluationError):
        assert exc.unit and exc.node


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    """`text` with a few random edits: delete, duplicate or swap lines; insert, delete or
    replace characters with ones that matter to YAML and to expressions."""
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "swap", "char", "cut"]))
        if action == "delete":
            del lines[i]
        elif action == "duplicate":
            lines.insert(i, lines[i])
        elif action == "swap" and i + 1 < len(lines):
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
        elif action == "cut":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        else:
            line = lines[i]
            j = draw(st.integers(0, len(line)))
            char = draw(st.sampled_from(list(":-{}[]'\"#&*!|>%@`,()+*/. \t_x1é村")))
            lines[i] = line[:j] + char + line[j + draw(st.integers(0, 1)) :]
        if not lines:
            lines = [""]
    return "\n".join(lines)


@FUZZ
@given(st.sampled_from(ALL_SCHEMES).flatmap(mutated))
def test_mutated_schemes_fail_only_with_located_scheme_errors(text: str) -> None:
    try:
        rulebook.loads(text, "mutant.yaml")
    except rulebook.SchemeError as exc:
        assert_located(exc)


KEYS = [
    "scheme",
    "tree",
    "indicators",
    "parameters",
    "values",
    "patterns",
    "rankings",
    "periods",
    "rounding",
    "total",
    "id",
    "title",
    "label",
    "expr",
    "children",
    "type",
    "max",
    "min",
    "use",
    "with",
    "let",
    "per_period",
    "basis",
    "weight",
    "values",
    "role",
    "x",
    "村",
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(
        ["count", "rate", "bool", "enum", "1 + x", "max(0, a)", "sum(q)", "bonus", "Q1", "half_up"]
    ),
)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)
    ),
    max_leaves=30,
)


@FUZZ
@given(DOCUMENTS)
def test_generated_documents_fail_only_with_located_scheme_errors(doc: Any) -> None:
    text = yaml.safe_dump(doc, allow_unicode=True)
    try:
        rulebook.loads(text, "generated.yaml")
    except rulebook.SchemeError as exc:
        assert_located(exc)


TOKENS = [
    "meetings_missed",
    "checkup_rate",
    "commendation_level",
    "committee.meetings",
    "quarter_rank",
    "weight",
    "x",
    "_x",
    "__class__",
    "1",
    "0",
    "2.5",
    "1e3",
    "100",
    "'city'",
    '"none"',
    "True",
    "None",
    "+",
    "-",
    "*",
    "/",
    "**",
    "//",
    "%",
    "<",
    "==",
    ">=",
    "and",
    "or",
    "not",
    "if",
    "else",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ".",
    ":",
    "=",
    ";",
    "lambda",
    "for",
    "in",
    "max",
    "min",
    "sum",
    "wsum",
    "linear",
    "by_rank",
    "ratio",
    "clamp",
    "eval",
    "open",
    "\n",
    "f'",
    "'",
]


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=25))
def test_generated_expressions_fail_only_with_located_errors(tokens: list[str]) -> None:
    expression = " ".join(tokens)
    try:
        ex.parse(expression)
    except ex.ExprError as exc:
        assert 0 <= exc.offset <= len(expression) + 1
    text = VILLAGE_TEXT.replace(
        'expr: "max(0, 12 - 3 * meetings_missed)"',
        "expr: |-\n          " + expression.replace("\n", " "),
    )
    try:
        scheme = rulebook.loads(text, "expr.yaml")
    except rulebook.SchemeError as exc:
        assert_located(exc)
        return
    try:  # it loaded: it must also score the example, or fail with a located error
        rulebook.evaluate(scheme, rulebook.read_data(VILLAGE_DATA, scheme))
    except rulebook.EvaluationError as exc:
        assert_located(exc)


@FUZZ
@given(mutated(DATA_TEXT))
def test_mutated_data_fails_only_with_located_data_errors(text: str) -> None:
    try:
        data = rulebook.parse_data(text, SCHEME, "mutant-data.yaml")
        rulebook.evaluate(SCHEME, data)
    except (rulebook.DataError, rulebook.EvaluationError) as exc:
        assert_located(exc)


@FUZZ
@given(
    st.dictionaries(
        st.text(max_size=8),
        st.dictionaries(
            st.sampled_from([*sorted(SCHEME.indicators), "x"]),
            st.one_of(
                SCALARS,
                st.dictionaries(st.sampled_from(["Q1", "Q2", "Q3", "Q4"]), SCALARS, max_size=4),
            ),
            max_size=8,
        ),
        max_size=3,
    )
)
def test_generated_plain_data_fails_only_with_data_errors(units: dict[str, Any]) -> None:
    try:
        rulebook.evaluate(SCHEME, {"units": units})
    except rulebook.DataError as exc:
        assert exc.problems
