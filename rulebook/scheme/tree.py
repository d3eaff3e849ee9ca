"""Lowering the score tree: groups, items and pattern instances -> `Node`s with formulas.

Part of the second phase. Walks `tree:` depth first, giving each node its full dotted id, role,
caps and floors. An item's formula is its own `expr` or its pattern's, with the pattern's
arguments substituted and every `let` name (the pattern's and the item's own) registered as a
value under the item's id, so `contraception.iud.ratio` is a name like any other.
"""

from __future__ import annotations

import ast
from decimal import Decimal
from typing import Any

import attrs

from rulebook.engine.semantics import NA_RULES
from rulebook.errors import did_you_mean
from rulebook.expr import syntax as ex
from rulebook.scheme import constants, keys, periodnodes
from rulebook.scheme.context import Context, Formula
from rulebook.scheme.loader import Path_
from rulebook.scheme.lowering import _lower_condition, lower_value
from rulebook.scheme.model import ROLES, Direction, Node


def read_tree(cx: Context, raw: Any) -> tuple[str, ...]:
    """`tree:` a list of top-level nodes; returns the ids of those that could be read."""
    if not isinstance(raw, list) or not raw:
        if raw is not None:
            cx.error(("tree",), "`tree` must be a list of categories")
        return ()
    roots = []
    for i, body in enumerate(raw):
        node_id = lower_node(cx, body, ("tree", i), None)
        if node_id:
            roots.append(node_id)
    return tuple(roots)


def lower_node(cx: Context, body: Any, path: Path_, parent: Node | None) -> str | None:
    """One tree node (and, for a group, its children): its id, or None if unreadable."""
    fields = cx.record(body, path, keys.NODE, "a tree node")
    local = fields.get("id")
    if not cx.identifier(local, (*path, "id"), "node id"):
        return None
    node_id = f"{parent.id}.{local}" if parent else local
    if not cx.claim(node_id, (*path, "id"), "node"):
        return None
    role = fields.get("role", parent.role if parent else "category")
    if parent and "role" in fields:
        cx.error(
            (*path, "role"),
            "only top-level nodes have a `role`",
            "children belong to their parent's section",
        )
    if role not in ROLES:
        cx.error(
            (*path, "role"),
            f"unknown role `{role}`",
            did_you_mean(str(role), ROLES) or "roles: " + ", ".join(ROLES),
        )
        role = "category"
    lo = cx.number(fields.get("min"), (*path, "min"), "`min`")
    hi = cx.number(fields.get("max"), (*path, "max"), "`max`")
    if lo is not None and hi is not None and hi < lo:
        cx.error(
            (*path, "max"), f"cap `max: {hi}` is below floor `min: {lo}`", "swap them or fix one"
        )
    children_raw = fields.get("children")
    period = periodnodes.read_fields(cx, fields, path, parent, group=children_raw is not None)
    standard = cx.number(fields.get("standard"), (*path, "standard"), "`standard`")
    applies = parent.applies if parent else ()
    if "applies" in fields and cx.claim(f"{node_id}.applies", (*path, "applies"), "value"):
        _lower_condition(cx, f"{node_id}.applies", fields, path, "applies", "condition")
        applies = (*applies, f"{node_id}.applies")
    base = Node(
        node_id,
        cx.text(fields.get("label"), (*path, "label"), "label", local),
        role,
        max=hi,
        min=lo,
        note=cx.text(fields.get("note"), (*path, "note"), "note"),
        unit=cx.text(fields.get("unit"), (*path, "unit"), "unit"),
        monotone=read_monotone(cx, fields.get("monotone"), (*path, "monotone")),
        location=cx.src.loc((*path, "id"), key=True),
        reference=cx.text(fields.get("reference"), (*path, "reference"), "reference"),
        **periodnodes.node_fields(period, standard, lambda axis: periodnodes.shares_of(cx, axis)),
        applies=applies,
        not_applicable=read_na_rule(cx, fields.get("not_applicable"), (*path, "not_applicable")),
    )
    has_formula = "expr" in fields or "use" in fields
    if children_raw is not None and has_formula:
        cx.error(
            (*path, "children"),
            "a node has either `children` or a formula (`expr`/`use`), not both",
            "put the formula in a child item, or drop the children",
        )
    if children_raw is not None:
        if not isinstance(children_raw, list) or not children_raw:
            cx.error((*path, "children"), "`children` must be a non-empty list")
            return None
        children = [
            lower_node(cx, c, (*path, "children", i), base) for i, c in enumerate(children_raw)
        ]
        cx.nodes[node_id] = attrs.evolve(base, children=tuple(c for c in children if c))
        periodnodes.group_periods(cx, cx.nodes[node_id], path)
        check_standards(
            cx, base.not_applicable, cx.nodes[node_id].children, (*path, "not_applicable")
        )
        check_group_rule(cx, cx.nodes[node_id], "standard" in fields, path)
        for key in ("let", "with"):
            if key in fields:
                cx.error(
                    (*path, key),
                    f"`{key}` belongs to an item (a node with a formula), not to a group",
                )
        return node_id
    if not has_formula:
        misspelt = [
            k
            for k in (body if isinstance(body, dict) else {})
            if k not in keys.NODE.names and did_you_mean(str(k), ("expr", "use", "children"))
        ]
        if not misspelt:  # else the unknown key is the mistake, reported already
            cx.error(
                path,
                f"node `{node_id}` has neither `children` nor `expr`",
                "an item needs `expr: ...` (or `use: pattern`), a group `children:`",
            )
        return None
    if base.not_applicable is not None:
        cx.error(
            (*path, "not_applicable"),
            "`not_applicable` says what a group does with its not-applicable children; "
            "this node is an item",
            "put it on the group above, or on `total:` for the top level; "
            "an item that may not apply takes `applies:`",
            key=True,
        )
    formula = item_formula(cx, node_id, fields, path, base.reference, base.per)
    if formula is None:
        return node_id  # reported; keep the id so references do not cascade
    given = fields.get("with")
    given = given if isinstance(given, dict) else {}
    cx.nodes[node_id] = periodnodes.split_item(
        cx,
        attrs.evolve(
            base,
            formula=formula,
            pattern=fields.get("use"),
            arguments=tuple((str(k), str(v)) for k, v in given.items()),
        ),
        path,
    )
    return node_id


def item_formula(
    cx: Context,
    node_id: str,
    fields: dict[str, Any],
    path: Path_,
    reference: str = "",
    per: str | None = None,
) -> ex.Expr | None:
    """The item's formula with its lets (own and its pattern's) registered as values; a let
    that cites no clause itself cites the item's `reference`. The lets of a per-period item
    (`per`) are computed along its axis unless they say otherwise."""
    pattern_name = fields.get("use")
    own_lets = fields.get("let") or {}
    pattern: dict[str, Any] = {}
    pattern_path: Path_ = path
    replacements: dict[str, ast.expr] = {}
    if pattern_name is not None:
        if not isinstance(pattern_name, str) or pattern_name not in cx.patterns:
            cx.error(
                (*path, "use"),
                f"unknown pattern `{pattern_name}`",
                did_you_mean(str(pattern_name), cx.patterns)
                or (
                    "patterns: " + ", ".join(cx.patterns)
                    if cx.patterns
                    else "declare it under `patterns:`"
                ),
            )
            return None
        pattern_path, pattern = cx.patterns[pattern_name]
        replacements = pattern_args(
            cx, pattern_name, pattern, pattern_path, fields.get("with"), path
        )
    elif "with" in fields:
        cx.error((*path, "with"), "`with` gives a pattern's arguments, but this node has no `use:`")
    pattern_lets = pattern.get("let") or {}
    for where, lets in (((*pattern_path, "let"), pattern_lets), ((*path, "let"), own_lets)):
        if not isinstance(lets, dict):
            cx.error(where, "`let` must be a mapping of name: expression")
    pattern_lets = pattern_lets if isinstance(pattern_lets, dict) else {}
    own_lets = own_lets if isinstance(own_lets, dict) else {}
    override = "expr" in fields and pattern_name is not None
    local_names = set(pattern_lets) | set(own_lets) | ({pattern_name} if override else set())

    def local(name: str) -> str:
        return f"{node_id}.{name}" if name in local_names else name

    for name, body in pattern_lets.items():
        cx.from_patterns.add(f"{node_id}.{name}")
        if cx.identifier(name, (*pattern_path, "let", name), "let value") and cx.claim(
            f"{node_id}.{name}", (*path, "id"), "value"
        ):
            at: Path_ = (*pattern_path, "let", name)
            lower_value(
                cx,
                f"{node_id}.{name}",
                periodnodes.along(body, per),
                at,
                local,
                replacements,
                code_path=None if isinstance(body, dict) else at,
                reference=reference,
            )
    for name, body in own_lets.items():
        if name in pattern_lets:
            cx.error(
                (*path, "let", name),
                f"`{name}` is already a let of pattern `{pattern_name}`",
                key=True,
            )
            continue
        if cx.identifier(name, (*path, "let", name), "let value") and cx.claim(
            f"{node_id}.{name}", (*path, "let", name), "value"
        ):
            own: Path_ = (*path, "let", name)
            lower_value(
                cx,
                f"{node_id}.{name}",
                periodnodes.along(body, per),
                own,
                local,
                code_path=None if isinstance(body, dict) else own,
                reference=reference,
            )
    if override:
        assert isinstance(pattern_name, str)
        full = f"{node_id}.{pattern_name}"
        if cx.claim(full, (*path, "use"), "value"):
            lower_value(
                cx,
                full,
                {"expr": pattern.get("expr")},
                pattern_path,
                local,
                replacements,
                code_path=(*pattern_path, "expr"),
                reference=reference,
            )
    if pattern_name is not None and not override:
        formula = cx.formula(pattern.get("expr"), (*pattern_path, "expr"), local, replacements)
        code_path: Path_ = (*pattern_path, "expr")
    else:
        code_path = (*path, "expr")
        formula = cx.formula(fields.get("expr"), code_path, local)
    if formula is not None:
        cx.formulas.append(Formula(node_id, formula, code_path, None, "score"))
    return formula


def pattern_args(
    cx: Context, name: str, pattern: dict[str, Any], pattern_path: Path_, given: Any, path: Path_
) -> dict[str, ast.expr]:
    """The `with:` arguments of a pattern instance as expressions, by argument name."""
    declared = pattern.get("args")
    names = list(declared) if isinstance(declared, dict | list) else []
    if not names or not all(isinstance(a, str) and a.isidentifier() for a in names):
        cx.error(
            (*pattern_path, "args"),
            "`args` must list the pattern's argument names",
            "e.g. args: {S: standard points, T: annual target}",
        )
        return {}
    given_map = cx.mapping(
        given, (*path, "with"), names, f"`with` of pattern `{name}`", required=names
    )
    out: dict[str, ast.expr] = {}
    for arg in names:
        raw = given_map.get(arg)
        formula = cx.formula(raw, (*path, "with", arg), lambda n: n) if raw is not None else None
        # a missing or broken argument is reported; 0 stands in so nothing cascades
        out[arg] = formula.tree if formula is not None else ast.Constant(Decimal(0))  # type: ignore[arg-type]
    if name not in cx.constant_arguments:  # worked out once per pattern in this build
        lets = pattern.get("let")
        texts = [pattern.get("expr")]
        for body in lets.values() if isinstance(lets, dict) else ():
            texts.append(body.get("expr") if isinstance(body, dict) else body)
        cx.constant_arguments[name] = constants.argument_slots(texts, names)
    for arg, slot in cx.constant_arguments[name].items():
        if arg not in given_map:
            continue
        _, problem = constants.resolve(out[arg], slot, cx.parameters, cx.indicators, cx.awaited)
        if problem is not None:
            use = cx.src.loc((*path, "with", arg))
            given = constants.given_problem(
                out[arg], slot, problem, cx.parameters, use, f"argument `{arg}` of pattern `{name}`"
            )
            what = "an exponent" if slot == "exponent" else "the places of a round()"
            if given is not None:
                cx.problems.append(given)
            else:
                cx.error(
                    (*path, "with", arg),
                    f"argument `{arg}` is {what} in pattern `{name}`: {problem}",
                    "give it a number, e.g. 1.8, or the name of a parameter that has no by_unit"
                    if " (the value of" not in problem
                    else constants.limit_hint(
                        slot, next(n.id for n in ast.walk(out[arg]) if isinstance(n, ast.Name))
                    ),
                )
            out[arg] = ast.Constant(Decimal(1))  # type: ignore[arg-type]  # reported; stands in
    return out


def read_monotone(cx: Context, raw: Any, path: Path_) -> tuple[tuple[str, Direction], ...]:
    """`monotone: {meetings_missed: decreasing}`: declared directions of a node."""
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        cx.error(
            path,
            "`monotone` maps indicators to `increasing` or `decreasing`",
            "monotone: {meetings_missed: decreasing}",
        )
        return ()
    out: list[tuple[str, Direction]] = []
    for name, direction in raw.items():
        ind = cx.indicators.get(name)
        if ind is None or ind.type in ("bool", "enum"):
            cx.error(
                (*path, name),
                f"`{name}` is not a numeric indicator",
                did_you_mean(str(name), cx.indicators),
                key=True,
            )
        elif direction not in ("increasing", "decreasing"):
            cx.error((*path, name), "a direction is `increasing` or `decreasing`")
        else:
            out.append((str(name), direction))
    return tuple(out)


def read_na_rule(cx: Context, raw: Any, path: Path_) -> str | None:
    """`not_applicable: rescale | full | zero` on a group or on `total:`."""
    if raw is None:
        return None
    if raw not in NA_RULES:
        cx.error(
            path,
            f"unknown `not_applicable` rule `{raw}`",
            "write rescale (缺项按比例折算), full (不适用项按满分计) or zero",
        )
        return None
    return str(raw)


def check_standards(cx: Context, rule: str | None, children: tuple[str, ...], path: Path_) -> None:
    """`rescale` and `full` read every child's `standard` (rescale: each above 0): a child
    without one is reported at the rule."""
    if rule not in ("rescale", "full"):
        return
    nodes = [cx.nodes[c] for c in children if c in cx.nodes]
    missing = [n.id for n in nodes if n.standard is None]
    if missing:
        cx.error(
            path,
            f"`not_applicable: {rule}` reads every child's `standard`, but "
            + ", ".join(f"`{m}`" for m in missing)
            + (" has none" if len(missing) == 1 else " have none"),
            "give each child its `standard:` (标准分), or choose `not_applicable: zero`",
        )
    bad = [n.id for n in nodes if n.standard is not None and n.standard <= 0]
    if rule == "rescale" and bad:
        cx.error(
            path,
            "`not_applicable: rescale` divides by the applicable children's standards, but "
            + ", ".join(f"`{b}`" for b in bad)
            + " has a standard of 0 or less",
            "give each child a positive `standard:`, or choose `not_applicable: zero`",
        )


def check_group_rule(cx: Context, group: Node, declared: bool, path: Path_) -> None:
    """What a group's `not_applicable:` rule reads beyond `check_standards`: under `full` a
    per-period group's n/a child counts its `period_standard` in each period (an error where a
    child has none); `rescale` scales to Σ the children's standards, so a `standard:` declared
    on the group that differs from that sum gets a warning (the sum is what is scaled to)."""
    rule = group.not_applicable
    children = [cx.nodes[c] for c in group.children if c in cx.nodes]
    if rule == "full" and group.per is not None:
        missing = [c.id for c in children if c.period_standard is None]
        if missing:
            cx.error(
                (*path, "not_applicable"),
                "`not_applicable: full` on a per-period group counts an n/a child's "
                "`period_standard` in each period, but "
                + ", ".join(f"`{m}`" for m in missing)
                + (" has none" if len(missing) == 1 else " have none"),
                "give each child its `period_standard:`, or choose `not_applicable: rescale`",
            )
    standards = [c.standard for c in children]
    complete = len(children) == len(group.children)  # a child in error says nothing here
    if (
        rule == "rescale"
        and declared
        and complete
        and group.standard is not None
        and None not in standards
    ):
        whole = sum((s for s in standards if s is not None), Decimal(0))
        if whole != group.standard:
            cx.error(
                (*path, "standard"),
                f"`not_applicable: rescale` scales the applicable children to Σ their "
                f"standards ({' + '.join(str(s) for s in standards)} = {whole}), not to this "
                f"`standard: {group.standard}`",
                f"make the children's standards add up to {group.standard}, or the group's "
                f"standard {whole}",
                severity="warning",
            )
