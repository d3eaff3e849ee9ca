"""Per-period tree nodes: `per:` and `aggregate:` on a node of the score tree, lowered.

A node declared `per: period` (or `per: <period-group set>`) is scored once per point of that
axis. Lowering splits it in two names every engine already knows how to compute:

- the value `<id>.periods` (one slot per point, `Value.period_of` set): an item's own formula,
  or for a group the sum of its children's `.periods`; each point is floored, capped and rounded
  by the node's period rule (`rulebook.engine.semantics.period_part`);
- the node itself: an item gets the formula `<aggregate>(<id>.periods)`, so its score is its
  period scores combined by the declared aggregator, then floored, capped and rounded as any
  item; a group stays the sum of its children's scores.

Children of a per-period group inherit its axis and aggregator. Everything is checked here with
the key's location; the formulas are type-checked later with the rest (`resolve`).
"""

from __future__ import annotations

import ast
from decimal import Decimal
from typing import Any

import attrs

from rulebook.engine import semantics
from rulebook.errors import did_you_mean
from rulebook.expr import syntax as ex
from rulebook.scheme.context import Context, Formula
from rulebook.scheme.loader import Path_
from rulebook.scheme.model import Node, Value

PERIOD_KEYS = ("aggregate", "period_max", "period_min", "period_standard")
"""Keys that only mean something on a per-period node."""


@attrs.frozen
class PeriodFields:
    """A node's period keys as read (inherited from the parent where absent)."""

    per: str | None = None
    aggregate: str | None = None
    period_min: Decimal | None = None
    period_max: Decimal | None = None
    period_standard: Decimal | None = None


def read_fields(
    cx: Context, fields: dict[str, Any], path: Path_, parent: Node | None, *, group: bool
) -> PeriodFields:
    """`per`, `aggregate` and the period caps of one node, checked, with the parent's axis and
    aggregator inherited. Every mistake is reported at its key."""
    inherited = parent.per if parent is not None else None
    per = inherited
    raw = fields.get("per")
    if raw is not None:
        if not cx.periods:
            cx.error(
                (*path, "per"),
                "`per` needs periods, and the scheme declares none",
                "declare them under `periods:`",
            )
        elif raw != "period" and (not isinstance(raw, str) or raw not in cx.period_groups):
            cx.error(
                (*path, "per"),
                f"`per: {raw}` names no period-group set",
                did_you_mean(str(raw), ["period", *cx.period_groups])
                or "use `per: period` or a set declared under `period_groups:`",
            )
        elif inherited is not None and raw != inherited:
            cx.error(
                (*path, "per"),
                f"this node is under a group scored `per: {inherited}`, so it is scored per "
                f"`{inherited}` too; it cannot be `per: {raw}`",
                f"remove `per: {raw}`, or move the node out of that group",
            )
        else:
            per = str(raw)
    aggregate = parent.aggregate if parent is not None and parent.per is not None else None
    given = fields.get("aggregate")
    if given is not None:
        if given not in semantics.AGGREGATORS:
            cx.error(
                (*path, "aggregate"),
                f"unknown period aggregator `{given}`",
                did_you_mean(str(given), semantics.AGGREGATORS)
                or "aggregators: " + ", ".join(semantics.AGGREGATORS),
            )
        else:
            aggregate = str(given)
    out = PeriodFields(
        per,
        aggregate,
        cx.number(fields.get("period_min"), (*path, "period_min"), "`period_min`"),
        cx.number(fields.get("period_max"), (*path, "period_max"), "`period_max`"),
        cx.number(fields.get("period_standard"), (*path, "period_standard"), "`period_standard`"),
    )
    if per is None and raw is None:
        for key in PERIOD_KEYS:
            if key in fields:
                cx.error(
                    (*path, key),
                    f"`{key}` belongs to a per-period node, and this node is scored once",
                    f"add `per: period` (or a period-group set) to the node, or remove `{key}`",
                    key=True,
                )
    if per is not None and group:
        for key in ("period_min", "period_max"):
            if key in fields:
                cx.error(
                    (*path, key),
                    f"`{key}` on a group: a group's score is the sum of its children's "
                    "scores, so a cap on its period scores would not reach it",
                    f"put `{key}` on the items of the group",
                    key=True,
                )
        out = attrs.evolve(out, period_min=None, period_max=None)
    if per is not None and not group and aggregate is None and given is None:
        cx.error(
            (*path, "per") if raw is not None else (*path, "id"),
            "a per-period item needs `aggregate:` — how its period scores form its score",
            "e.g. `aggregate: sum` (or wsum, mean, last, ...), here or on its group",
            key=raw is None,
        )
    if (
        out.period_min is not None
        and out.period_max is not None
        and out.period_max < out.period_min
    ):
        cx.error(
            (*path, "period_max"),
            f"cap `period_max: {out.period_max}` is below floor `period_min: {out.period_min}`",
            "swap them or fix one",
        )
    return out


def node_fields(period: PeriodFields, standard: Decimal | None, axis_shares: Any) -> dict[str, Any]:
    """The `Node` fields for `period`; a per-period node with `period_standard` and no
    `standard` gets the standard its aggregator makes of one `period_standard` per point."""
    fields: dict[str, Any] = {**attrs.asdict(period, recurse=False), "standard": standard}
    if (
        period.per is not None
        and standard is None
        and period.period_standard is not None
        and period.aggregate is not None
    ):
        shares = axis_shares(period.per)
        fold = semantics.AGGREGATORS[period.aggregate].fold
        fields["standard"] = fold([period.period_standard] * len(shares), shares)
    return fields


def shares_of(cx: Context, axis: str) -> list[Decimal]:
    """The normalised shares of the points of `axis` (periods, or the groups of a set)."""
    if axis == ex.PERIOD:
        return [p.share for p in cx.periods]
    return [g.share for g in cx.period_groups.get(axis, ())]


def along(body: Any, per: str | None) -> Any:
    """A `let` of an item scored along `per`: computed along that axis too, unless the let
    declares its own (`per:` or `per_period:`)."""
    if per is None:
        return body
    if isinstance(body, dict):
        if "per" in body or "per_period" in body:
            return body
        return {**body, "per": per}
    return {"expr": body, "per": per}


def split_item(cx: Context, node: Node, path: Path_) -> Node:
    """A per-period item: its formula moves to `<id>.periods`, evaluated per point; the node
    reads `<aggregate>(<id>.periods)`. Returns the node as it is to be stored."""
    if node.per is None or node.formula is None:
        return node
    name = f"{node.id}.periods"
    if not cx.claim(name, (*path, "id"), "value"):
        return node
    for i in range(len(cx.formulas) - 1, -1, -1):
        f = cx.formulas[i]
        if f.owner == node.id and f.kind == "score":
            cx.formulas[i] = attrs.evolve(f, owner=name, axis=node.per)
            break
    _add_periods(cx, node, name, node.formula)
    # without a (valid) aggregator an error is reported already; `sum` stands in so the
    # formula is still checked per period and nothing cascades
    aggregate = _parse(f"{node.aggregate or 'sum'}({name})")
    cx.formulas.append(Formula(node.id, aggregate, (*path, "id"), None, "aggregate"))
    return attrs.evolve(node, formula=aggregate)


def group_periods(cx: Context, node: Node, path: Path_) -> None:
    """A per-period group: `<id>.periods` is the sum of its children's period scores."""
    if node.per is None or not node.children:
        return
    name = f"{node.id}.periods"
    if not cx.claim(name, (*path, "id"), "value"):
        return
    parts = [f"{child}.periods" for child in node.children if child in cx.nodes]
    if len(parts) != len(node.children):
        return  # a child was not read: reported already
    formula = _parse(" + ".join(parts))
    _add_periods(cx, node, name, formula)
    cx.formulas.append(Formula(name, formula, (*path, "id"), node.per, "score"))


def _add_periods(cx: Context, node: Node, name: str, formula: ex.Expr) -> None:
    axis = node.per
    cx.values[name] = Value(
        name,
        formula,
        per_period=axis == ex.PERIOD,
        label=node.label,
        note=node.note,
        location=node.location,
        group=axis if axis != ex.PERIOD else None,
        period_of=node.id,
    )
    cx.from_patterns.add(name)  # read or not, it is the node's own result


def _parse(text: str) -> ex.Expr:
    """A formula we write ourselves from checked ids (never fails on valid ids)."""
    parsed = ex.parse(text)
    assert isinstance(parsed.tree, ast.expr)
    return parsed
