"""Compile a checked scheme once into a `Program`: a slot layout and one Python function per stage.

Why compile: a scheme is scored for thousands of units, and walking each expression tree per unit
costs ten times the arithmetic itself. The generated code is built only from our own tokens —
slot indices, operators from a fixed table, and names of constants and library functions we bind —
never from scheme text, and it runs with empty builtins. Expressions reach this module only after
`rulebook.expr.syntax` has whitelisted and type-checked them.

A *stage* is the set of per-unit computations between two cross-unit rankings: stage 0 computes
everything that needs no ranking; a ranking reads all units' stage-0 values; stage 1 computes what
reads the ranking; and so on.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs

from rulebook.engine import semantics
from rulebook.expr.functions import AGGREGATORS, FUNCTIONS
from rulebook.expr.syntax import ARITHMETIC, BOOLEAN, COMPARISONS, Expr
from rulebook.scheme import axes
from rulebook.scheme.graph import DependencyGraph
from rulebook.scheme.model import Ranking, Scheme

StageFn = Callable[[list[Any]], None]


@attrs.frozen
class Program:
    """Everything needed to score units, computed once per scheme."""

    slots: dict[str, int]
    size: int
    stages: tuple[StageFn, ...] = attrs.field(repr=False)
    rankings_before: tuple[tuple[Ranking, ...], ...]
    line_owner: tuple[dict[int, str], ...] = attrs.field(repr=False)
    order: tuple[str, ...]
    source: tuple[str, ...] = attrs.field(repr=False)
    raw_slots: dict[str, int] = attrs.field(factory=dict)

    def owner_at(self, stage: int, line: int) -> str | None:
        return self.line_owner[stage].get(line)


def dependency_graph(scheme: Scheme) -> DependencyGraph:
    """The scheme's graph, rebuilt from the model (the builder's copy is not kept)."""
    graph = DependencyGraph()
    graph.add_node("total")
    for name in (*scheme.indicators, *scheme.values, *scheme.nodes, *scheme.rankings,
                 *(p for p in scheme.parameters if scheme.per_unit_parameter(p))):
        graph.add_node(name)
    for value in scheme.values.values():
        for name, _ in value.formula.names():
            if name in graph.graph:
                graph.add_edge(name, value.name, value.location)
    for node in scheme.nodes.values():
        if node.formula is not None:
            for name, _ in node.formula.names():
                if name in graph.graph:
                    graph.add_edge(name, node.id, node.location)
        for child in node.children:
            graph.add_edge(child, node.id, node.location)
    for ranking in scheme.rankings.values():
        graph.add_edge(ranking.basis, ranking.name, ranking.location)
        if ranking.demote:
            graph.add_edge(ranking.demote, ranking.name, ranking.location)
    for root in scheme.roots:
        if scheme.nodes[root].role != "output":
            graph.add_edge(root, "total", None)
    return graph


def compile_program(scheme: Scheme) -> Program:
    """Lay out slots, split the computation into stages and generate each stage's function."""
    graph = dependency_graph(scheme)
    order = [n for n in graph.order() if n in scheme.values or n in scheme.nodes or
             n in scheme.rankings or n == "total" or n in scheme.indicators or
             scheme.per_unit_parameter(n)]
    slots: dict[str, int] = {}
    raw_slots: dict[str, int] = {}
    size = 0
    for name in order:
        slots[name] = size
        size += scheme.axis_size(scheme.axis_of(name))
        if name in scheme.nodes or name == "total":
            raw_slots[name] = size
            size += 1
    stage_of: dict[str, int] = {}
    for name in order:
        before = max((stage_of.get(p, 0) for p in graph.predecessors(name)), default=0)
        stage_of[name] = before + (1 if name in scheme.rankings else 0)
    stage_count = max(stage_of.values(), default=0) + 1
    gen = _Generator(scheme, slots)
    sources, functions, owners = [], [], []
    for stage in range(stage_count):
        names = [n for n in order if stage_of[n] == stage and n not in scheme.indicators and
                 n not in scheme.rankings and n not in scheme.parameters]
        source, owner = gen.stage_source(stage, names, raw_slots)
        code = compile(source, f"<rulebook {scheme.id} stage {stage}>", "exec")
        namespace: dict[str, Any] = {"__builtins__": {}, **gen.bindings}
        exec(code, namespace)
        functions.append(namespace[f"stage_{stage}"])
        sources.append(source)
        owners.append(owner)
    rankings_before = tuple(
        tuple(scheme.rankings[n] for n in order if n in scheme.rankings and stage_of[n] == s)
        for s in range(stage_count))
    return Program(slots, size, tuple(functions), rankings_before, tuple(owners), tuple(order),
                   tuple(sources), raw_slots)


class _Generator:
    """Turns checked expression trees into Python source over a slot list `v`."""

    def __init__(self, scheme: Scheme, slots: dict[str, int]) -> None:
        self.scheme, self.slots = scheme, slots
        self.bindings: dict[str, Any] = {
            "_score": semantics.score,
            "_Q": scheme.rounding.quantum,
            "_M": scheme.rounding.decimal_mode,
        }
        self.constant_names: dict[tuple[type, Any], str] = {}
        for name, sig in FUNCTIONS.items():
            self.bindings[f"_f_{name}"] = sig.implementation
        for name, aggregator in semantics.AGGREGATORS.items():
            self.bindings[f"_agg_{name}"] = aggregator.fold

    def constant(self, value: Any) -> str:
        key = (type(value), value)
        if key not in self.constant_names:
            name = f"_k{len(self.constant_names)}"
            self.constant_names[key] = name
            self.bindings[name] = value
        return self.constant_names[key]

    def stage_source(self, stage: int, names: list[str],
                     raw_slots: dict[str, int]) -> tuple[str, dict[int, str]]:
        lines = [f"def stage_{stage}(v):"]
        owner: dict[int, str] = {}
        for name in names:
            start = len(lines) + 1
            lines.extend("    " + s for s in self.statements(name, raw_slots))
            for n in range(start, len(lines) + 1):
                owner[n] = name
        if len(lines) == 1:
            lines.append("    pass")
        return "\n".join(lines) + "\n", owner

    def statements(self, name: str, raw_slots: dict[str, int]) -> list[str]:
        scheme, slot = self.scheme, self.slots[name]
        if name in scheme.values:
            value = scheme.values[name]
            return [f"v[{slot + (ctx[1] if ctx else 0)}] = {self.expr(value.formula, ctx)}"
                    for ctx in axes.points(scheme, scheme.axis_of(name))]
        if name == "total":
            terms = [(f"v[{self.slots[root]}]", sign)
                     for root, sign in semantics.total_terms(scheme)]
            body = " ".join(f"{'+' if sign > 0 else '-'} {term}" for term, sign in terms)
            body = f"{self.constant(Decimal(0))} {body}"
            return [f"r = {body}", f"v[{raw_slots[name]}] = r", f"v[{slot}] = r"]
        node = scheme.nodes[name]
        if node.formula is not None:
            raw = self.expr(node.formula, None)
        else:
            raw = " + ".join(f"v[{self.slots[c]}]" for c in node.children)
        out = [f"r = {raw}", f"v[{raw_slots[name]}] = r"]
        if semantics.is_rounded(node):
            low = "None" if node.min is None else self.constant(node.min)
            high = "None" if node.max is None else self.constant(node.max)
            out.append(f"v[{slot}] = _score(r, {low}, {high}, True, _Q, _M)")
        else:
            out.append(f"v[{slot}] = r")
        return out

    def expr(self, expr: Expr, ctx: axes.Context) -> str:
        return self.node(expr.tree, ctx)

    def node(self, node: ast.expr, p: axes.Context) -> str:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool):
                return "True" if node.value else "False"
            return self.constant(node.value)
        if isinstance(node, ast.Name):
            return self.name(node.id, p)
        if isinstance(node, ast.BinOp):
            op = ARITHMETIC[type(node.op)]
            return f"({self.node(node.left, p)} {op} {self.node(node.right, p)})"
        if isinstance(node, ast.UnaryOp):
            op = {ast.USub: "-", ast.UAdd: "+", ast.Not: "not "}[type(node.op)]
            return f"({op}{self.node(node.operand, p)})"
        if isinstance(node, ast.BoolOp):
            joiner = f" {BOOLEAN[type(node.op)]} "
            return "(" + joiner.join(self.node(v, p) for v in node.values) + ")"
        if isinstance(node, ast.Compare):
            parts = [self.node(node.left, p)]
            for cmp, right in zip(node.ops, node.comparators, strict=True):
                parts.append(f"{COMPARISONS[type(cmp)]} {self.node(right, p)}")
            return "(" + " ".join(parts) + ")"
        if isinstance(node, ast.IfExp):
            return (f"({self.node(node.body, p)} if {self.node(node.test, p)} "
                    f"else {self.node(node.orelse, p)})")
        if isinstance(node, ast.Call):
            fname = node.func.id  # type: ignore[attr-defined]
            if fname in AGGREGATORS:
                return self.aggregate(fname, node.args[0], p)
            args = ", ".join(self.node(a, p) for a in node.args)
            return f"_f_{fname}({args})"
        raise TypeError(f"unexpected {type(node).__name__}")  # unreachable after validation

    def name(self, name: str, ctx: axes.Context) -> str:
        if name == "weight":
            return self.constant(axes.weight(self.scheme, ctx))
        if name in self.scheme.parameters and not self.scheme.per_unit_parameter(name):
            return self.constant(self.scheme.parameters[name].value)
        return f"v[{self.slots[name] + axes.offset(self.scheme, name, ctx)}]"

    def aggregate(self, fname: str, arg: ast.expr, ctx: axes.Context) -> str:
        at = axes.aggregated(self.scheme, arg, ctx)
        terms = [self.node(arg, point) for point in at]
        shares = tuple(axes.weight(self.scheme, point) for point in at)
        return f"_agg_{fname}(({', '.join(terms)},), {self.constant(shares)})"


def failing_owner(program: Program, stage: int, exc: BaseException) -> str | None:
    """The scheme name whose generated line raised `exc` (the innermost generated frame), or
    the owner the reference engine noted on it."""
    for note in getattr(exc, "__notes__", ()):
        if note.startswith("rulebook-owner:"):
            return str(note.split(":", 1)[1])
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.startswith("<rulebook "):
            line = tb.tb_lineno
        tb = tb.tb_next
    return program.owner_at(stage, line) if line is not None else None

