"""Lowering: values, rankings, vetoes, constraints and outcomes -> values with parsed formulas.

The second phase. Every section that holds formulas is turned into `Value`s of the model: a
`values:` entry or an item's `let` directly; a veto into a yes/no value plus the combined
`vetoed`; a constraint into a yes/no value over the data; an outcome's cases into one conditional
expression. Each formula is parsed here and queued (as a `Formula`) for resolution, which knows
every name only once all sections are read.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

from rulebook.errors import did_you_mean
from rulebook.expr import syntax as ex
from rulebook.scheme import keys
from rulebook.scheme.context import Context, Formula, keys_of
from rulebook.scheme.loader import Path_
from rulebook.scheme.model import Outcome, Ranking, Value, ValueKind, Veto


def read_values(cx: Context, raw: Any) -> None:
    """`values:` name -> formula or {expr, per, label, note}: named results, not scored."""
    spec = cx.mapping(raw, ("values",), keys_of(raw), "`values`")
    for name, body in spec.items():
        path: Path_ = ("values", name)
        if cx.identifier(name, path, "value") and cx.claim(name, path, "value"):
            lower_value(cx, name, body, path, lambda n: n)


def _lower_condition(
    cx: Context,
    name: str,
    fields: Mapping[str, Any],
    path: Path_,
    key: str,
    kind: ValueKind,
    label: str | None = None,
    reference: str = "",
) -> None:
    """A yes/no condition written under `key` (a ranking's `demote_if`, a veto's `when`, a
    constraint's `require`) as a named value of that kind, read at its own source position."""
    body: dict[str, Any] = {"expr": fields[key]}
    if label is not None:
        body["label"] = label
    lower_value(
        cx, name, body, path, lambda n: n, code_path=(*path, key), kind=kind, reference=reference
    )


def lower_value(
    cx: Context,
    full: str,
    body: Any,
    path: Path_,
    local: Any,
    replacements: Mapping[str, ast.expr] | None = None,
    code_path: Path_ | None = None,
    kind: ValueKind = "value",
    reference: str = "",
) -> None:
    """Read one value (`values:` entry or `let:` entry) into cx.values; `reference` is the
    clause cited when the value names none itself (an item's lets cite the item's)."""
    fields = cx.mapping(
        body if isinstance(body, dict) else {"expr": body},
        path,
        keys.VALUE.names,
        f"value `{full}`",
        keys.VALUE.required,
    )
    expr_path = (*path, "expr") if isinstance(body, dict) else path
    formula = cx.formula(fields.get("expr"), code_path or expr_path, local, replacements)
    per_period = cx.flag(fields.get("per_period"), (*path, "per_period"), "`per_period`")
    group = None
    per = fields.get("per")
    if per is not None:
        if per == "period":
            per_period = True
        elif isinstance(per, str) and per in cx.period_groups:
            group = str(per)
        else:
            cx.error(
                (*path, "per"),
                f"`per: {per}` names no period-group set",
                did_you_mean(str(per), ["period", *cx.period_groups])
                or "use `per: period` or a set declared under `period_groups:`",
            )
    if formula is None:
        return
    cx.values[full] = Value(
        full,
        formula,
        per_period and group is None,
        cx.text(fields.get("label"), (*path, "label"), "label"),
        cx.text(fields.get("note"), (*path, "note"), "note"),
        cx.src.loc(path, key=True),
        group,
        kind,
        cx.text(fields.get("reference"), (*path, "reference"), "reference") or reference,
    )
    axis = group or ("period" if per_period else None)
    cx.formulas.append(
        Formula(
            full,
            formula,
            code_path or expr_path,
            axis,
            "value" if kind in ("value", "group") else "condition",
        )
    )


def read_rankings(cx: Context, raw: Any) -> None:
    """`rankings:` name -> {basis, order, method, demote_if}; the basis is resolved later."""
    for name, path, fields in cx.entries(raw, "rankings", "ranking", keys.RANKING):
        order = keys.RANKING.get(fields, "order")
        if order not in ("desc", "asc"):
            cx.error((*path, "order"), "`order` must be `desc` (highest first) or `asc`")
        method = keys.RANKING.get(fields, "method")
        if method not in ("competition", "dense"):
            cx.error((*path, "method"), "`method` must be `competition` (1,1,3) or `dense` (1,1,2)")
        basis = fields.get("basis")
        if not isinstance(basis, str):
            if "basis" in fields:
                cx.error((*path, "basis"), "`basis` must name a value or node")
            continue
        within = _demoted_within(cx, fields, path, order)
        demote = None
        reference = cx.text(fields.get("reference"), (*path, "reference"), "reference")
        if "demote_if" in fields:
            demote = f"{name}.demote_if"
            cx.claim(demote, (*path, "demote_if"), "value")
            _lower_condition(
                cx, demote, fields, path, "demote_if", "condition", reference=reference
            )
        cx.rankings[name] = Ranking(
            name,
            basis,
            order,
            method,
            False,
            cx.text(fields.get("label"), (*path, "label"), "label"),
            cx.text(fields.get("note"), (*path, "note"), "note"),
            cx.src.loc(path, key=True),
            demote=demote,
            reference=reference,
            demoted_within=within,
        )


def _demoted_within(cx: Context, fields: Mapping[str, Any], path: Path_, order: Any) -> int | None:
    """`demoted_within: N` (a whole number >= 1, or the name of a parameter without `by_unit`
    holding one, so a scheme states "倒数3名" once), only beside `demote_if` in an `asc` ranking:
    the demoted units are the first from the bottom, and all of them rank within N places. A
    parameter is read here, at build time, so a run-time value rebuilds the ranking with it."""
    raw = fields.get("demoted_within")
    if raw is None:
        return None
    where = (*path, "demoted_within")
    if isinstance(raw, str):
        raw = _places_parameter(cx, raw, where)
        if raw is None:
            return None
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        cx.error(where, f"`demoted_within` must be a whole number of places >= 1, got `{raw}`")
        return None
    if "demote_if" not in fields:
        cx.error(
            where,
            "`demoted_within` needs `demote_if`: it places the demoted units",
            "add `demote_if: <yes/no formula>`, or remove `demoted_within`",
        )
        return None
    if order != "asc":
        cx.error(
            where,
            "`demoted_within` needs `order: asc`: demoted units come first from the bottom",
            "rank from the bottom (`order: asc`); a `desc` ranking puts them last already",
        )
        return None
    return raw


_MAX_PLACES = 1000000
"""The largest `demoted_within` (as for a literal: keys.RANKING)."""


def _places_parameter(cx: Context, name: str, where: Path_) -> int | None:
    """The whole number the parameter `name` holds, for `demoted_within`; None (with the error
    reported at `where`) when it is not a declared parameter with one value that is a whole
    number >= 1."""
    if name in cx.awaited:  # `required: true`: the scheme is built again once it is given
        return None
    param = cx.parameters.get(name)
    if param is None:
        hint = did_you_mean(name, cx.parameters) or "declare it under `parameters:`"
        cx.error(where, f"`demoted_within` names `{name}`, which is not a parameter", hint)
        return None
    if param.by_unit:
        cx.error(
            where,
            f"`demoted_within` names `{name}`, which has unit-specific values (`by_unit`)",
            "a ranking has one number of places: use a parameter without `by_unit`",
        )
        return None
    value = param.value
    if value != value.to_integral_value() or not 1 <= value <= _MAX_PLACES:
        cx.error(
            where,
            f"`demoted_within` names `{name}`, whose value {value} is not a whole number "
            f"from 1 to {_MAX_PLACES}",
        )
        return None
    return int(value)


def read_vetoes(cx: Context, raw: Any) -> None:
    """`vetoes:` a list of {id, label, when, reason}; each `when` is a yes/no formula, and
    the name `vetoed` is true when any of them holds."""
    if raw is not None and not isinstance(raw, list):
        cx.error(("vetoes",), "`vetoes` must be a list of {id, when, reason}")
        raw = []
    for i, body in enumerate(raw or []):
        path: Path_ = ("vetoes", i)
        fields = cx.record(body, path, keys.VETO, "a veto")
        vid = fields.get("id")
        if (
            not cx.identifier(vid, (*path, "id"), "veto id")
            or not cx.claim(vid, (*path, "id"), "veto")
            or "when" not in fields
        ):
            continue
        label = cx.text(fields.get("label"), (*path, "label"), "label", vid)
        reference = cx.text(fields.get("reference"), (*path, "reference"), "reference")
        _lower_condition(cx, vid, fields, path, "when", "veto", label, reference)
        cx.vetoes[vid] = Veto(
            vid,
            label,
            cx.text(fields.get("reason"), (*path, "reason"), "reason", label),
            cx.src.loc(path),
            reference,
        )
    names = [v for v in cx.vetoes if v in cx.values]
    tree: ast.expr = (
        ast.BoolOp(ast.Or(), [ast.Name(n, ast.Load()) for n in names])
        if len(names) > 1
        else ast.Name(names[0], ast.Load())
        if names
        else ast.Constant(False)
    )
    for node in ast.walk(tree):
        node.col_offset = 0  # type: ignore[attr-defined]
    text = " or ".join(names) if names else "False"
    cx.values["vetoed"] = Value(
        "vetoed",
        ex.Expr(text, tree),
        False,
        "一票否决",
        "true when any veto holds",
        None,
        None,
        "condition",
    )
    cx.formulas.append(Formula("vetoed", ex.Expr(text, tree), ("vetoes",), None, "condition"))


def read_constraints(cx: Context, raw: Any) -> None:
    """`constraints:` a list of {require, message}: yes/no formulas over indicators and
    parameters that every unit's data must satisfy (e.g. `aware <= surveyed`); a unit that
    fails one is a data error, reported before anything is scored."""
    if raw is not None and not isinstance(raw, list):
        cx.error(("constraints",), "`constraints` must be a list of {require, message}")
        raw = []
    for i, body in enumerate(raw or []):
        path: Path_ = ("constraints", i)
        fields = cx.record(body, path, keys.CONSTRAINT, "a constraint")
        if "require" not in fields:
            continue
        name = f"constraint_{i + 1}"
        cx.claim(name, path, "constraint")
        message = cx.text(
            fields.get("message"), (*path, "message"), "message", str(fields["require"])
        )
        _lower_condition(cx, name, fields, path, "require", "constraint", message)
        formula = cx.values.get(name)
        if formula is None:
            continue
        for ref, offset in formula.formula.names():
            if ref not in cx.indicators and ref not in cx.parameters and ref not in cx.awaited:
                cx.expr_error(
                    (*path, "require"),
                    ex.ExprError(
                        f"a constraint reads only indicators and parameters, not `{ref}`",
                        offset,
                        "constraints check the data before anything is computed",
                    ),
                    formula.formula.text,
                )


def read_outcomes(cx: Context, raw: Any) -> None:
    """`outcomes:` name -> {label, cases: [{when, label}, ..., {label}]}: the first case whose
    condition holds gives the unit's label; the last case may omit `when` (otherwise)."""
    for name, path, fields in cx.entries(raw, "outcomes", "outcome", keys.OUTCOME):
        cases = fields.get("cases")
        if not isinstance(cases, list) or not cases:
            if "cases" in fields:
                cx.error(
                    (*path, "cases"),
                    "`cases` must be a non-empty list of {when, label}",
                    "the last case may have only a label",
                )
            continue
        branches: list[tuple[ex.Expr | None, str]] = []
        for i, case in enumerate(cases):
            cpath: Path_ = (*path, "cases", i)
            cfields = cx.record(case, cpath, keys.CASE, "an outcome case")
            label = cx.text(cfields.get("label"), (*cpath, "label"), "label")
            if "when" not in cfields:
                if i != len(cases) - 1:
                    cx.error(
                        cpath,
                        "only the last case may leave out `when`",
                        "a case without a condition always matches",
                    )
                else:
                    branches.append((None, label))
                continue
            formula = cx.formula(cfields["when"], (*cpath, "when"), lambda n: n)
            if formula is not None:
                branches.append((formula, label))
                cx.formulas.append(Formula(name, formula, (*cpath, "when"), None, "case"))
        if branches and branches[-1][0] is not None:
            branches.append((None, ""))  # no case matched: an empty label
        tree: ast.expr = ast.Constant(branches[-1][1]) if branches else ast.Constant("")
        for formula, label in reversed(branches[:-1]):
            assert formula is not None
            tree = ast.IfExp(formula.tree, ast.Constant(label), tree)
        for node in ast.walk(tree):
            if not hasattr(node, "col_offset"):
                node.col_offset = 0  # type: ignore[attr-defined]
        text = " else ".join(
            f"{label!r} if {f.text}" if f else repr(label) for f, label in branches
        )
        cx.values[name] = Value(
            name,
            ex.Expr(text, tree),
            False,
            cx.text(fields.get("label"), (*path, "label"), "label", name),
            cx.text(fields.get("note"), (*path, "note"), "note"),
            cx.src.loc(path, key=True),
            None,
            "outcome",
            cx.text(fields.get("reference"), (*path, "reference"), "reference"),
        )
        cx.outcomes[name] = Outcome(
            name,
            cx.values[name].label,
            tuple(label for _, label in branches),
            cx.values[name].note,
            cx.src.loc(path, key=True),
            cx.values[name].reference,
        )
