"""Loaded YAML -> a checked `Scheme`, collecting every problem with its file:line:col.

The pipeline, one phase per module: `sections` reads the plain data section by section against
the key tables of `keys`; `lowering` and `tree` turn formulas, vetoes, outcomes, patterns and the
score tree into values and nodes; `resolve` checks every name, builds the dependency graph
(cycles), and type-checks in dependency order. All phases share one `Context`, so a single run
reports every problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

from rulebook.arith import DEFAULT_LIMITS, HARD_MAX_DIGITS, HARD_MAX_EXPONENT, NumberLimits
from rulebook.errors import Problem, SchemeError
from rulebook.scheme import applicability, keys
from rulebook.scheme.aggregates import read_aggregates, read_group_values
from rulebook.scheme.context import Context, kind_of
from rulebook.scheme.loader import Source
from rulebook.scheme.lowering import (
    read_constraints,
    read_outcomes,
    read_rankings,
    read_values,
    read_vetoes,
)
from rulebook.scheme.model import Parameter, Scheme, default_language
from rulebook.scheme.resolve import resolve
from rulebook.scheme.sections import (
    read_indicators,
    read_parameters,
    read_patterns,
    read_period_groups,
    read_periods,
    read_rounding,
    read_top,
)
from rulebook.scheme.table_checks import read_tables
from rulebook.scheme.tree import check_standards, read_na_rule, read_tree


def build(
    data: Any, source: Source, overrides: Mapping[str, Parameter] | None = None
) -> tuple[Scheme, list[Problem]]:
    """Build the scheme; raise SchemeError with every problem, else return it with warnings.
    `overrides` are run-time parameter values (checked names, see rulebook.scheme.params)
    that replace the written ones."""
    cx = Context(source)
    cx.overrides = dict(overrides or {})
    scheme = _build(cx, data)
    return scheme, [p for p in cx.problems if p.severity != "error"]


def _build(cx: Context, data: Any) -> Scheme:
    """Run the phases in order; raise SchemeError if any reported an error."""
    top = read_top(cx, data)
    meta = cx.record(top.get("scheme"), ("scheme",), keys.SCHEME, "`scheme`", section=True)
    cx.limits = _limits(cx, meta.get("limits"))
    rounding = read_rounding(cx, top.get("rounding"))
    cx.rounding_mode = rounding.mode
    cx.periods = read_periods(cx, top.get("periods"))
    cx.period_groups = read_period_groups(cx, top.get("period_groups"))
    read_indicators(cx, top.get("indicators"))
    read_parameters(cx, top.get("parameters"))
    read_tables(cx, top.get("tables"))
    read_patterns(cx, top.get("patterns"))
    read_values(cx, top.get("values"))
    roots = read_tree(cx, top.get("tree"))
    read_rankings(cx, top.get("rankings"))
    read_aggregates(cx, top.get("aggregates"))
    read_group_values(cx, top.get("group_values"))
    read_vetoes(cx, top.get("vetoes"))
    read_outcomes(cx, top.get("outcomes"))
    read_constraints(cx, top.get("constraints"))
    total = cx.record(top.get("total"), ("total",), keys.TOTAL, "`total`", section=True)
    # Read before the check below, so that a wrong type here is reported rather than dropped.
    scheme_id = cx.text(meta.get("id"), ("scheme", "id"), "scheme id")
    title = cx.text(meta.get("title"), ("scheme", "title"), "title")
    version = cx.text(meta.get("version"), ("scheme", "version"), "version")
    standard_total = cx.number(
        meta.get("standard_total"), ("scheme", "standard_total"), "standard_total"
    )
    language = _language(cx, meta.get("language"))
    total_label = cx.text(
        total.get("label"), ("total", "label"), "label", "总分" if language == "zh" else "total"
    )
    if language != "zh" and "vetoed" in cx.values:  # the veto condition's label in its words
        cx.values["vetoed"] = attrs.evolve(cx.values["vetoed"], label="vetoed")
    notes = _notes(cx, meta.get("notes"))
    for unread in ("source", "units"):  # for readers only, but still text
        cx.text(meta.get(unread), ("scheme", unread), unread)
    total_rule = read_na_rule(cx, total.get("not_applicable"), ("total", "not_applicable"))
    check_standards(
        cx,
        total_rule,
        tuple(r for r in roots if r in cx.nodes and cx.nodes[r].role == "category"),
        ("total", "not_applicable"),
    )
    resolve(cx)
    if not any(p.severity == "error" for p in cx.problems):
        cx.problems.extend(
            _with_line(cx, p)
            for p in applicability.problems(
                cx.indicators,
                cx.values,
                cx.nodes,
                roots,
                total_rule,
                {r.name: (r.basis, r.demote, r.location) for r in cx.rankings.values()},
                cx.src.loc(()),
                {f.owner: cx.src.loc(f.path) for f in cx.formulas},
                cx.aggregates,
            )
        )
    if any(p.severity == "error" for p in cx.problems):
        raise SchemeError(cx.problems)
    return Scheme(
        id=scheme_id,
        title=title,
        version=version,
        standard_total=standard_total,
        rounding=rounding,
        periods=cx.periods,
        indicators=cx.indicators,
        parameters=cx.parameters,
        awaited=cx.awaited,
        values=cx.values,
        nodes=cx.nodes,
        roots=roots,
        rankings=cx.rankings,
        aggregates=cx.aggregates,
        period_groups=cx.period_groups,
        vetoes=cx.vetoes,
        outcomes=cx.outcomes,
        tables=cx.tables,
        total_label=total_label,
        total_not_applicable=total_rule,
        not_applicable_names=applicability.na_names(
            cx.indicators, cx.values, cx.nodes, roots, total_rule, cx.aggregates
        ),
        language=language,
        limits=cx.limits,
        notes=notes,
        source_file=cx.src.file,
    )


def _with_line(cx: Context, problem: Problem) -> Problem:
    """`problem` with the scheme's source line under it (a caret at its column)."""
    where = problem.location
    if problem.source_line is not None or where is None or where.file != cx.src.file:
        return problem
    return attrs.evolve(problem, source_line=cx.src.line_text(where))


def _limits(cx: Context, raw: Any) -> NumberLimits:
    """`scheme.limits`: the ceiling on written numbers, each at most its hard maximum
    (HARD_MAX_DIGITS digits, 10^HARD_MAX_EXPONENT); the defaults for what is not given."""
    path: tuple[str, ...] = ("scheme", "limits")
    if raw is None:
        return DEFAULT_LIMITS
    fields = cx.record(raw, path, keys.LIMITS, "`limits`")
    digits, exponent = DEFAULT_LIMITS.max_digits, DEFAULT_LIMITS.max_exponent
    given = fields.get("max_digits")
    if given is not None:
        if isinstance(given, int) and not isinstance(given, bool) and 1 <= given <= HARD_MAX_DIGITS:
            digits = given
        else:
            cx.error(
                (*path, "max_digits"),
                f"`max_digits` must be a whole number from 1 to "
                f"{HARD_MAX_DIGITS} (the hard maximum), got {str(given)[:40]}",
                "the arithmetic keeps 50 digits: 40 leaves room for products",
            )
    given = fields.get("max_magnitude")
    if given is not None:
        power = _power_of_ten(given)
        if power is not None and 1 <= power <= HARD_MAX_EXPONENT:
            exponent = power
        else:
            cx.error(
                (*path, "max_magnitude"),
                f"`max_magnitude` must be a power of ten from "
                f"1e1 to 1e{HARD_MAX_EXPONENT} (the hard maximum), got {str(given)[:40]}",
                "e.g. max_magnitude: 1e30; computed values must stay below 1e40",
            )
    return NumberLimits(digits, exponent)


def _power_of_ten(value: Any) -> int | None:
    """The power k when `value` is exactly 10^k (1e30, 1000), else None."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return None
    number = Decimal(value)
    digits = "".join(map(str, number.as_tuple().digits)).rstrip("0")
    if not number.is_finite() or number <= 0 or digits != "1":
        return None
    return number.adjusted()


def _language(cx: Context, raw: Any) -> str:
    """`scheme.language` (`zh` or `en`); when absent, `zh` if any label is Chinese."""
    if raw is None:
        labels = [x.label for table in (cx.nodes, cx.indicators) for x in table.values()]
        return default_language(labels)
    if raw not in ("zh", "en"):
        cx.error(("scheme", "language"), f"unknown language `{raw}`", "write `zh` or `en`")
        return "zh"
    return str(raw)


def _notes(cx: Context, raw: Any) -> tuple[str, ...]:
    """`scheme.notes`: one text, or a list of texts, each one line or paragraph."""
    if not isinstance(raw, list):
        text = cx.text(raw, ("scheme", "notes"), "notes")
        return (text,) if text else ()
    notes = []
    for i, note in enumerate(raw):
        if isinstance(note, str | int | Decimal) and not isinstance(note, bool):
            notes.append(str(note))
        else:
            cx.error(
                ("scheme", "notes", i),
                f"a note must be text, got {kind_of(note)}",
                "write the note, or remove the `-` line",
            )
    return tuple(notes)
