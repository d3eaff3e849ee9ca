"""Cross-unit aggregates and group values: reading the `aggregates:` and `group_values:`
sections, and the checks that need every name resolved.

An aggregate is `sum`, `mean`, `min` or `max` of a per-unit number (indicator, value, node,
ranking, `total`), or `count` of units where a yes/no formula holds, over all units or over each
group of units sharing the value of an enum indicator (`by`). A group value is a formula over
aggregates and parameters only: one value per group, reported as a group row. Both are read by
per-unit formulas like any name (each unit sees its own group's value); the engines compute
aggregates between stages, as they do rankings (`rulebook.engine.aggregates`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import attrs

from rulebook.errors import Location, did_you_mean
from rulebook.expr import syntax as ex
from rulebook.expr.functions import PERIOD_NAMES
from rulebook.scheme import keys
from rulebook.scheme.context import Context, keys_of
from rulebook.scheme.graph import DependencyGraph
from rulebook.scheme.loader import Path_
from rulebook.scheme.lowering import lower_value
from rulebook.scheme.model import AGGREGATE_FUNCTIONS, Aggregate, AggregateFunction


def read_aggregates(cx: Context, raw: Any) -> None:
    """`aggregates:` name -> {sum|mean|min|max: name, or count: condition; by, per, label,
    note}. Names are resolved later (`check_aggregates`)."""
    for name, path, fields in cx.entries(raw, "aggregates", "aggregate", keys.AGGREGATE):
        written = [f for f in AGGREGATE_FUNCTIONS if f in fields]
        if len(written) != 1:
            what = "none" if not written else " and ".join(f"`{f}`" for f in written)
            cx.error(
                path,
                f"aggregate `{name}` needs exactly one of sum, mean, min, max, count (got {what})",
                "e.g. `{sum: births, by: street}` or `{count: \"kind == '村委会'\"}`",
                key=True,
            )
            cx.dropped.add(name)
            continue
        function: AggregateFunction = written[0]
        by = fields.get("by")
        if by is not None and not isinstance(by, str):
            cx.error((*path, "by"), "`by` must name an enum indicator")
            cx.dropped.add(name)
            continue
        if function == "count":
            of = f"{name}.count"
            cx.claim(of, (*path, "count"), "value")
            body: dict[str, Any] = {"expr": fields["count"]}
            if fields.get("per") is not None:
                body["per"] = fields["per"]
            lower_value(
                cx, of, body, path, lambda n: n, code_path=(*path, "count"), kind="condition"
            )
        else:
            if fields.get("per") is not None:
                cx.error(
                    (*path, "per"),
                    "`per` is for `count` only",
                    f"`{function}` follows the axis of what it aggregates; remove `per`",
                )
            of = fields[function]
            if not isinstance(of, str):
                cx.error(
                    (*path, function),
                    f"`{function}` must name an indicator, value, node or `total`",
                    "for a formula, declare it under `values:` and aggregate that name",
                )
                cx.dropped.add(name)
                continue
        cx.aggregates[name] = Aggregate(
            name,
            function,
            of,
            by,
            label=cx.text(fields.get("label"), (*path, "label"), "label"),
            note=cx.text(fields.get("note"), (*path, "note"), "note"),
            location=cx.src.loc(path, key=True),
            reference=cx.text(fields.get("reference"), (*path, "reference"), "reference"),
        )


def read_group_values(cx: Context, raw: Any) -> None:
    """`group_values:` name -> formula or {expr, per, label, note}: one value per group of
    units, read from aggregates and parameters only (checked by `check_group_values`)."""
    spec = cx.mapping(raw, ("group_values",), keys_of(raw), "`group_values`")
    for name, body in spec.items():
        path: Path_ = ("group_values", name)
        if cx.identifier(name, path, "group value") and cx.claim(name, path, "group value"):
            lower_value(cx, name, body, path, lambda n: n, kind="group")


def aggregate_reads(
    aggregates: Iterable[Aggregate], where: Any = None
) -> Iterator[tuple[str, tuple[str, ...], Location | None]]:
    """What each aggregate reads, as dependency-graph reads: what it aggregates and its `by`
    indicator (`rulebook.scheme.graph.dependency_graph`; the builder and the plan both add
    these, so they cannot disagree). `where(aggregate)` gives the edge's location."""
    for a in aggregates:
        names = (a.of,) if a.by is None else (a.of, a.by)
        yield a.name, names, where(a) if where is not None else a.location


def check_aggregates(cx: Context, known: set[str]) -> list[Aggregate]:
    """Report an aggregate of an unknown name or of a non-number, and a `by` that is not a
    one-value enum indicator; return the aggregates whose names resolve."""
    good = []
    for a in cx.aggregates.values():
        path: Path_ = ("aggregates", a.name, a.function)
        ok = True
        fixed = a.of in cx.parameters and not cx.parameters[a.of].by_unit
        if a.function != "count" and (a.of not in known or a.of == "vetoed" or fixed):
            cx.error(
                path,
                f"aggregate `{a.name}`: `{a.of}` is not an indicator, value, node or `total`"
                + (" (a scheme-wide parameter is the same for every unit)" if fixed else ""),
                None if fixed else did_you_mean(a.of, known) or "name a number each unit has",
            )
            ok = False
        if a.by is not None:
            enums = [n for n, i in cx.indicators.items() if i.type == "enum" and not i.per_period]
            ind = cx.indicators.get(a.by)
            if ind is None or ind.type != "enum" or ind.per_period:
                what = "is not declared" if ind is None else "is not a one-value enum indicator"
                cx.error(
                    ("aggregates", a.name, "by"),
                    f"aggregate `{a.name}`: `by: {a.by}` {what}",
                    did_you_mean(a.by, enums)
                    or "group by an indicator of `type: enum` (e.g. each unit's 街道)",
                )
                ok = False
        if ok:
            good.append(a)
    return good


def _groups(cx: Context, by: str) -> bool:
    """Whether `by` can group units (a one-value enum indicator); a wrong `by` is reported
    by `check_aggregates`, and is no grouping a group value could mix."""
    ind = cx.indicators.get(by)
    return ind is not None and ind.type == "enum" and not ind.per_period


def check_type(cx: Context, name: str, infos: dict[str, ex.NameInfo]) -> None:
    """Learn an aggregate's type and axis from what it aggregates (once that is known): a
    number, per period (or period group) if that varies."""
    a = cx.aggregates[name]
    basis = infos.get(a.of)
    if basis is None:
        return
    if a.function != "count" and basis.type != ex.NUM:
        cx.error(
            ("aggregates", name, a.function),
            f"aggregate `{name}`: `{a.function}` needs a number; `{a.of}` is a {basis.type}",
            f"use `count: {a.of}` to count units where it holds" if basis.type == ex.BOOL else None,
        )
    cx.aggregates[name] = attrs.evolve(
        a,
        per_period=basis.axis == "period",
        group=basis.axis if basis.axis not in (None, "period") else None,
    )
    infos[name] = ex.NameInfo(ex.NUM, basis.axis)


def check_group_values(cx: Context, graph: DependencyGraph) -> None:
    """Each group value reads only aggregates, other group values and (scheme-wide)
    parameters, all of one grouping; its grouping (`by`) is that of what it reads."""
    for name in graph.order():
        value = cx.values.get(name)
        if value is None or value.kind != "group":
            continue
        path = cx.name_paths.get(name, ("group_values", name))
        expr_path = next(f.path for f in cx.formulas if f.owner == name)
        groupings: dict[str | None, str] = {}
        for read, offset in value.formula.names():
            if read in PERIOD_NAMES:
                continue
            if read in cx.aggregates:
                groupings.setdefault(cx.aggregates[read].by, read)
            elif read in cx.values and cx.values[read].kind == "group":
                groupings.setdefault(cx.values[read].by, read)
            elif read in cx.parameters and not cx.parameters[read].by_unit:
                continue
            elif (
                read in cx.parameters
                or read in cx.indicators
                or read in cx.values
                or (read in cx.nodes or read in cx.rankings or read in ("total", "vetoed"))
            ):
                cx.expr_error(
                    expr_path,
                    ex.ExprError(
                        f"group value `{name}` reads `{read}`, which differs from unit to unit",
                        offset,
                        "a group value reads only aggregates, other group values and "
                        "parameters; aggregate it first (e.g. `{sum: "
                        f"{read}, by: …}}` under `aggregates:`), or make it a per-unit value",
                    ),
                    value.formula.text,
                )
        grouped = [g for g in groupings if g is not None and _groups(cx, g)]
        if len(grouped) > 1:
            shown = ", ".join(f"`{groupings[g]}` (by {g})" for g in grouped)
            cx.error(
                path,
                f"group value `{name}` mixes groupings: {shown}",
                "a group value belongs to one grouping; aggregates over all units may be mixed "
                "with any one",
                key=True,
            )
        cx.values[name] = attrs.evolve(value, by=grouped[0] if grouped else None)
