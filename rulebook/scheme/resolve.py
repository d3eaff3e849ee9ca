"""Resolution: every name, the dependency graph with its cycles, then types in order.

The third phase, once every section is read. Each name a formula reads must be declared
somewhere (else "unknown name", with the closest match); the reads, the tree's child -> parent
sums and the rankings form one dependency graph, whose cycles are reported edge by edge. With no
cycle, formulas are type-checked in dependency order (so each name's type and period axis is
known before it is read), and declarations nobody reads are reported as warnings.
"""

from __future__ import annotations

import re

import attrs

from rulebook.errors import Problem, did_you_mean
from rulebook.expr import syntax as ex
from rulebook.expr.functions import PERIOD_NAMES
from rulebook.scheme import aggregates, table_checks, tables
from rulebook.scheme.context import Context, Formula
from rulebook.scheme.graph import DependencyGraph, Read, dependency_graph
from rulebook.scheme.loader import Path_


def resolve(cx: Context) -> None:
    """Report unknown names, build the dependency graph (cycles), then type-check in order."""
    known = known_names(cx)
    for f in cx.formulas:
        for name, offset in f.expr.names():
            if name in PERIOD_NAMES:
                continue
            if name not in known and name not in cx.dropped:  # a dropped one is reported
                hint = (
                    did_you_mean(name, known)
                    or "declare it under `indicators:`, `parameters:` or `values:`"
                )
                if name in ("true", "false"):
                    hint = (
                        f"write `{name.capitalize()}`; but a yes/no value needs no "
                        "comparison: `8 if staffed else 0`, not `staffed == true`"
                    )
                cx.expr_error(
                    f.path, ex.ExprError(f"unknown name `{name}`", offset, hint), f.expr.text
                )
    rankings = []
    for ranking in cx.rankings.values():
        path: Path_ = ("rankings", ranking.name, "basis")
        if (
            ranking.basis not in known
            or ranking.basis in cx.rankings
            or ranking.basis in cx.aggregates
        ):
            cx.error(
                path,
                f"ranking basis `{ranking.basis}` is not a value or node",
                did_you_mean(ranking.basis, known),
            )
        else:
            rankings.append((ranking, cx.src.loc(path)))
    graph_reads: list[Read] = [
        (f.owner, [n for n, _ in f.expr.names()], cx.src.loc(f.path)) for f in cx.formulas
    ]
    graph_reads += aggregates.aggregate_reads(
        aggregates.check_aggregates(cx, known),
        lambda a: cx.src.loc(("aggregates", a.name, a.function)),
    )
    graph = dependency_graph(
        graph_reads,
        cx.nodes,
        tuple(n for n in cx.nodes if "." not in n),
        rankings,
        known,
    )
    cycles = graph.cycles()
    for cycle in cycles:
        names = [name for name, _ in cycle]
        reads = [names[0], *reversed(names[1:])]  # x -> y: x reads y
        chain = " -> ".join(reads) + f" -> {reads[0]}"
        detail = "; ".join(
            f"{b} reads {a} at line {loc.line if loc else '?'}"
            for (a, _), (b, loc) in zip(cycle, [*cycle[1:], cycle[0]], strict=True)
        )
        cx.problems.append(
            Problem(
                f"dependency cycle: {chain}",
                cycle[-1][1] or cx.src.loc(()),
                f"a value cannot depend on itself ({detail})",
                None,
            )
        )
    if cycles:
        return  # no order to check types in
    check_types(cx, graph)
    aggregates.check_group_values(cx, graph)
    warn_unused(cx, graph)


def known_names(cx: Context) -> set[str]:
    """Every name a formula may read."""
    return {
        *cx.indicators,
        *cx.parameters,
        *cx.awaited,
        *cx.values,
        *cx.nodes,
        *cx.rankings,
        *cx.aggregates,
        "vetoed",
        "total",
    }


def check_types(cx: Context, graph: DependencyGraph) -> None:
    """Type-check each formula in dependency order, learning each name's type and axis."""
    infos: dict[str, ex.NameInfo] = {}
    for name, ind in cx.indicators.items():
        kind = ex.BOOL if ind.type == "bool" else (f"enum:{name}" if ind.type == "enum" else ex.NUM)
        infos[name] = ex.NameInfo(kind, "period" if ind.per_period else None, ind.values)
    for name in (*cx.parameters, *cx.awaited):
        infos[name] = ex.NameInfo(ex.NUM)
    for name in cx.outcomes:
        infos[name] = ex.NameInfo("label")
    by_owner: dict[str, list[Formula]] = {}
    for f in cx.formulas:
        by_owner.setdefault(f.owner, []).append(f)
    for name in graph.order():
        if name in cx.nodes or name == "total":
            infos[name] = ex.NameInfo(ex.NUM)
        if name in cx.rankings:
            basis = infos.get(cx.rankings[name].basis)
            if basis is None:
                continue
            if basis.type != ex.NUM:
                cx.error(("rankings", name, "basis"), "a ranking basis must be a number")
            cx.rankings[name] = attrs.evolve(
                cx.rankings[name],
                per_period=basis.axis == "period",
                group=basis.axis if basis.axis not in (None, "period") else None,
            )
            infos[name] = ex.NameInfo(ex.NUM, basis.axis)
        if name in cx.aggregates:
            aggregates.check_type(cx, name, infos)
        for f in by_owner.get(name, ()):
            if f.kind == "aggregate":  # a per-period item's `sum(<id>.periods)`: well-typed
                continue  # by construction (its argument's own errors are reported there)
            axis = f.axis
            if name.endswith(".demote_if") and name[: -len(".demote_if")] in cx.rankings:
                basis = infos.get(cx.rankings[name[: -len(".demote_if")]].basis)
                axis = basis.axis if basis else None
                cx.values[name] = attrs.evolve(
                    cx.values[name],
                    per_period=axis == "period",
                    group=axis if axis not in (None, "period") else None,
                )
            calls: list[table_checks.Call] = []
            try:
                got = ex.check(
                    f.expr,
                    infos.get,
                    axis=axis,
                    has_periods=bool(cx.periods),
                    tables={t.name: t.kind for t in cx.tables.values()},
                    calls=calls,
                )
            except ex.ExprError as err:
                if not err.message.startswith("unknown name"):  # reported already
                    cx.expr_error(f.path, err, f.expr.text)
                continue
            table_checks.check_calls(cx, f.path, f.expr.text, calls)
            want = {"score": ex.NUM, "condition": ex.BOOL, "case": ex.BOOL}.get(f.kind)
            if want is not None and got != want:
                hint = (
                    "e.g. `8 if staffing_complete else 0`"
                    if want == ex.NUM
                    else "a condition, e.g. `complaints > 0`"
                )
                what = "a score" if want == ex.NUM else "a condition"
                cx.expr_error(
                    f.path,
                    ex.ExprError(f"{what} must be a {want}, this formula gives a {got}", 0, hint),
                    f.expr.text,
                )
            infos[name] = ex.NameInfo("label" if f.kind == "case" else got, axis)


def warn_unused(cx: Context, graph: DependencyGraph) -> None:
    """Warn of indicators no formula reads, of item `let`s nobody uses and of tables no
    formula calls."""
    called = {t for f in cx.formulas for t, _ in tables.tables_called(f.expr.tree, cx.tables)}
    # a name written in a refused formula is used there: its warning would only mislead
    written = {w for text in cx.refused for w in re.findall(r"[A-Za-z_][A-Za-z_0-9]*", text)}
    for name in cx.tables:
        if name not in called and name not in written:
            cx.error(
                ("tables", name),
                f"table `{name}` is not called by any formula",
                f"remove it, or call it: {name}(x)",
                key=True,
                severity="warning",
            )
    for name, ind in cx.indicators.items():
        if not ind.record_only and not graph.has_dependents(name) and name not in written:
            cx.error(
                ("indicators", name),
                f"indicator `{name}` is not used by any formula",
                "remove it, or mark it `record_only: true`",
                key=True,
                severity="warning",
            )
    for name, value in cx.values.items():  # an item's own unused `let` is dead code;
        # top-level values are results in their own right (reported under `values`)
        if (
            value.kind == "value"
            and "." in name
            and name not in cx.from_patterns
            and not graph.has_dependents(name)
        ):
            cx.problems.append(
                cx.src.problem(
                    cx.name_paths.get(name, ()),
                    f"value `{name}` is computed but never used",
                    "remove it, or read it in a formula",
                    key=True,
                    severity="warning",
                )
            )
