"""Compile a checked scheme once into a `Program`: its plan and one Python function per stage.

Why compile: a scheme is scored for thousands of units, and walking each expression tree per unit
costs ten times the arithmetic itself. The generated code is built only from our own tokens —
slot indices, operators from a fixed table, and names of constants and library functions we bind —
never from scheme text, and it runs with empty builtins. Expressions reach this module only after
`rulebook.expr.syntax` has whitelisted and type-checked them.

A *stage* is the set of per-unit computations between two cross-unit rankings (see
`rulebook.engine.plan`). What a node's value means — floor, cap, rounding, the group sum, the
total — is bound from `rulebook.engine.semantics` at compile time, never restated here.

Generated code grows linearly with the scheme: a name that varies along a long axis is computed in
a loop rather than once per point, an aggregator whose argument holds another aggregator is a
comprehension (its argument written once, not once per period), and an aggregator nested inside
another is computed at most once per unit when its value cannot depend on the outer point. Sums
over many children or roots are calls over a flat tuple, so nothing nests deeply. The total size
is capped by `MAX_GENERATED_CODE`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from rulebook.engine import periodna, semantics
from rulebook.engine.layout import lay_out
from rulebook.engine.plan import Plan, Program
from rulebook.errors import Location, Problem, SchemeError
from rulebook.expr.functions import AGGREGATORS, FUNCTIONS
from rulebook.expr.syntax import ARITHMETIC, BOOLEAN, COMPARISONS, PERIOD, Expr
from rulebook.scheme import axes
from rulebook.scheme.model import Node, Scheme

MAX_GENERATED_CODE = 4_000_000
"""Most characters of Python source a scheme may compile to (all stages together). Generated code
is linear in the scheme's size; this bounds the memory and time of compiling a hostile one."""

UNROLL = 12
"""Axes of at most this many points (months, quarters) are written out point by point, which is
faster to run; longer axes are computed in a loop."""

Index = int | str
"""A point along an axis in generated code: a known index, or the name of a loop variable."""
At = tuple[str, Index] | None
"""Where generated code evaluates a formula: once per unit, or at (axis, index)."""


def compile_program(scheme: Scheme) -> Program:
    """Lay the scheme out (`rulebook.engine.layout`) and generate each stage's function.
    Raises SchemeError if the generated code would exceed `MAX_GENERATED_CODE`."""
    plan = lay_out(scheme)
    gen = _Generator(scheme, plan)
    sources, owners = [], []
    for stage in plan.stages:
        source, owner = gen.stage_source(stage.index, stage.computes)
        sources.append(source)
        owners.append(owner)
    total = sum(len(s) for s in sources)
    if total > MAX_GENERATED_CODE:
        raise SchemeError(
            [
                Problem(
                    f"this scheme compiles to {total:,} characters of code; the limit "
                    f"(MAX_GENERATED_CODE) is {MAX_GENERATED_CODE:,}",
                    Location(scheme.source_file or "<scheme>", 1),
                    "reduce the periods or the formulas that aggregate over them",
                )
            ]
        )
    functions = []
    for index, source in enumerate(sources):
        code = compile(source, f"<rulebook {scheme.id} stage {index}>", "exec")
        namespace: dict[str, Any] = {"__builtins__": {}, **gen.bindings}
        exec(code, namespace)  # noqa: S102 - our own generated tokens, empty builtins
        functions.append(namespace[f"stage_{index}"])
    return Program(plan, tuple(functions), tuple(owners), tuple(sources))


class ScoreTable(dict[Decimal, tuple[Decimal, Decimal]]):
    """One rounded node's raw values and their scores, so that a value seen before is not
    floored, capped and rounded again (`semantics.score` depends only on the raw value's
    number, not on how it is written), and equal values share one object across units: most
    nodes score a handful of distinct values, and a result keeps every unit's slot list.
    Holds at most `LIMIT` values; a cache only, so sharing it between runs is harmless."""

    LIMIT = 1024

    def add(self, raw: Decimal, score: Decimal) -> tuple[Decimal, Decimal]:
        """Remember `raw`'s score (while there is room) and return the pair."""
        pair = (raw, score)
        if len(self) < self.LIMIT and raw.__class__ is Decimal:
            self[raw] = pair
        return pair


def scored_through_table(scheme: Scheme, name: str) -> bool:
    """Whether the compiled engine stores `name`'s raw value and score through a `ScoreTable`
    (every rounded node but the total), which shares its equal values already."""
    node = scheme.nodes.get(name)
    return node is not None and name != "total" and semantics.is_rounded(node)


def _has_aggregate(tree: ast.expr) -> bool:
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in AGGREGATORS
        for n in ast.walk(tree)
    )


class _Generator:
    """Turns checked expression trees into Python source over a slot list `v`."""

    def __init__(self, scheme: Scheme, plan: Plan) -> None:
        self.scheme, self.plan = scheme, plan
        self.bindings: dict[str, Any] = {
            "_score": semantics.score,
            "_children": semantics.combine_children,
            "_total": semantics.total_of,
            "_Q": scheme.rounding.quantum,
            "_M": scheme.rounding.decimal_mode,
            "_NA": semantics.NA,
            "_reads_na": semantics.reads_na,
            "_applies": semantics.applies,
            "_asum": semantics.applicable_sum,
            "_total_na": semantics.total_with_na,
            "_rtotal": semantics.rounded_total,
        }
        self.na = scheme.not_applicable_names
        self.constant_names: dict[tuple[type, Any], str] = {}
        for name, sig in FUNCTIONS.items():
            self.bindings[f"_f_{name}"] = sig.implementation
        for name, aggregator in semantics.AGGREGATORS.items():
            self.bindings[f"_agg_{name}"] = aggregator.fold
        for name, table in scheme.tables.items():  # called like functions (scheme/tables.py)
            self.bindings[f"_f_{name}"] = table
        self.memos: list[str] = []  # memo variables of the statement being generated
        self.tables: list[str] = []  # score tables bound so far (`scored`)
        self.fresh = 0

    def constant(self, value: Any) -> str:
        key = (type(value), value)
        if key not in self.constant_names:
            name = f"_k{len(self.constant_names)}"
            self.constant_names[key] = name
            self.bindings[name] = value
        return self.constant_names[key]

    def variable(self, prefix: str) -> str:
        self.fresh += 1
        return f"{prefix}{self.fresh}"

    def stage_source(self, stage: int, names: tuple[str, ...]) -> tuple[str, dict[int, str]]:
        lines = [f"def stage_{stage}(v):"]
        owner: dict[int, str] = {}
        for name in names:
            start = len(lines) + 1
            lines.extend("    " + s for s in self.statements(name))
            for n in range(start, len(lines) + 1):
                owner[n] = name
        if len(lines) == 1:
            lines.append("    pass")
        return "\n".join(lines) + "\n", owner

    def statements(self, name: str) -> list[str]:
        scheme, plan = self.scheme, self.plan
        slot = plan.slots[name]
        if name in scheme.values:
            conditions = periodna.conditions(scheme, name)
            return self.guarded(name, conditions, self.value_statements(name, slot))
        if name == "total":
            terms = ", ".join(
                f"(v[{plan.slots[root]}], {sign})" for root, sign in semantics.total_terms(scheme)
            )
            roots = [root for root, _ in semantics.total_terms(scheme)]
            if any(root in self.na for root in roots):
                nodes = [scheme.nodes[root] for root in roots]
                rule = scheme.total_not_applicable
                return [
                    f"r = _total_na(({terms},), "
                    f"{self.constant(tuple(n.role == 'category' for n in nodes))}, "
                    f"{self.constant(tuple(n.standard for n in nodes))}, "
                    f"{self.constant(rule)})",
                    f"v[{plan.raw_slots[name]}] = r",
                    f"v[{slot}] = _rtotal(r, {self.constant(rule)}, _Q, _M)",
                ]
            return [
                f"r = _total(({terms}{',' if terms else ''}), {self.constant(Decimal(0))})",
                f"v[{plan.raw_slots[name]}] = r",
                f"v[{slot}] = r",
            ]
        node = scheme.nodes[name]
        self.memos = []
        if node.formula is not None:
            raw = self.expr(node.formula, None)
        elif any(c in self.na for c in node.children):
            parts = ", ".join(f"v[{plan.slots[c]}]" for c in node.children)
            standards = tuple(scheme.nodes[c].standard for c in node.children)
            raw = (
                f"_asum(({parts},), {self.constant(standards)}, "
                f"{self.constant(node.not_applicable)})"
            )
        else:
            parts = ", ".join(f"v[{plan.slots[c]}]" for c in node.children)
            raw = f"_children(({parts}{',' if parts else ''}), {self.constant(Decimal(0))})"
        out = [*self.memo_lines(), f"r = {raw}"]
        if semantics.is_rounded(node):
            low = "None" if node.min is None else self.constant(node.min)
            high = "None" if node.max is None else self.constant(node.max)
            scored = self.scored(name, f"_score(r, {low}, {high}, True, _Q, _M)")
            if name in self.na:
                out += [
                    "if r is _NA:",
                    f"    v[{plan.raw_slots[name]}] = v[{slot}] = r",
                    "else:",
                    *("    " + line for line in scored),
                ]
            else:
                out += scored
        else:
            out += [f"v[{plan.raw_slots[name]}] = r", f"v[{slot}] = r"]
        return self.guarded(name, node.applies, out)

    def scored(self, name: str, score: str) -> list[str]:
        """Store raw value `r` and its rounded score through the node's score table (see
        `ScoreTable`): a raw value seen before gives its score without rounding again, and
        both slots then hold the objects of the first unit that had that value."""
        plan = self.plan
        table = f"_t{len(self.tables)}"
        self.tables.append(table)
        self.bindings[table] = ScoreTable()
        return [
            f"m = {table}.get(r)",
            "if m is None:",
            f"    m = {table}.add(r, {score})",
            "elif m[0] is not r and r.same_quantum(m[0])"
            " and (r or r.is_signed() is m[0].is_signed()):",
            "    r = m[0]",
            f"v[{plan.raw_slots[name]}] = r",
            f"v[{plan.slots[name]}] = m[1]",
        ]

    def guarded(self, name: str, conditions: tuple[str, ...], body: list[str]) -> list[str]:
        """`body` under the not-applicable rule: when a condition of the node does not hold or
        the formula reads a not-applicable value, every slot of `name` is n/a instead. Only a
        name that may be n/a (`rulebook.scheme.applicability`) gets the test."""
        if name not in self.na:
            return body
        plan, scheme = self.plan, self.scheme
        formula = (
            scheme.values[name].formula if name in scheme.values else scheme.nodes[name].formula
        )
        reads = sorted({r for r, _ in formula.names() if r in self.na}) if formula else []
        if periodna.combining_group(scheme, name) is not None:
            reads = []  # the group's rule combines its children's n/a period scores
        slots = [
            plan.slots[r] + i for r in reads for i in range(scheme.axis_size(scheme.axis_of(r)))
        ]
        tests = []
        if conditions:
            tests.append(
                "not _applies((" + "".join(f"v[{plan.slots[c]}], " for c in conditions) + "))"
            )
        if slots:
            tests.append("_reads_na((" + "".join(f"v[{s}], " for s in slots) + "))")
        if not tests:
            return body
        size = scheme.axis_size(scheme.axis_of(name))
        targets = [plan.slots[name] + i for i in range(size)]
        if name in plan.raw_slots:  # a node's one raw value, or a period score's at each point
            raws = size if name in scheme.values else 1
            targets += [plan.raw_slots[name] + i for i in range(raws)]
        return [
            f"if {' or '.join(tests)}:",
            *(f"    v[{t}] = _NA" for t in targets),
            "else:",
            *("    " + line for line in body),
        ]

    def value_statements(self, name: str, slot: int) -> list[str]:
        value = self.scheme.values[name]
        formula = value.formula
        axis = self.scheme.axis_of(name)
        self.memos = []
        if value.period_of is not None:
            return self.period_statements(value.period_of, name, slot, formula, str(axis))
        if axis is None:
            body = [f"v[{slot}] = {self.expr(formula, None)}"]
        elif self.scheme.axis_size(axis) <= UNROLL:
            body = [
                f"v[{slot + i}] = {self.expr(formula, (axis, i))}"
                for i in range(self.scheme.axis_size(axis))
            ]
        else:
            i = self.variable("i")
            indices = self.constant(tuple(range(self.scheme.axis_size(axis))))
            body = [
                f"for {i} in {indices}:",
                f"    v[{slot} + {i}] = {self.expr(formula, (axis, i))}",
            ]
        return [*self.memo_lines(), *body]

    def period_statements(
        self, node_id: str, name: str, slot: int, formula: Expr, axis: str
    ) -> list[str]:
        """The period scores of a per-period node: at each point the raw value, then the
        node's period rule (`semantics.period_part`) applied by `semantics.score`."""
        part = semantics.period_part(self.scheme.nodes[node_id])
        raw_slot = self.plan.raw_slots[name]
        low = "None" if part.min is None else self.constant(part.min)
        high = "None" if part.max is None else self.constant(part.max)
        rounded = semantics.is_rounded(part)
        settle = f"_score(r, {low}, {high}, True, _Q, _M)" if rounded else "r"
        size = self.scheme.axis_size(axis)
        group = periodna.combining_group(self.scheme, name)
        if group is not None:
            return self.group_period_statements(group, slot, raw_slot, size, settle)
        if size <= UNROLL:
            body = []
            for i in range(size):
                body += [
                    f"r = {self.expr(formula, (axis, i))}",
                    f"v[{raw_slot + i}] = r",
                    f"v[{slot + i}] = {settle}",
                ]
        else:
            loop = self.variable("i")
            indices = self.constant(tuple(range(size)))
            body = [
                f"for {loop} in {indices}:",
                f"    r = {self.expr(formula, (axis, loop))}",
                f"    v[{raw_slot} + {loop}] = r",
                f"    v[{slot} + {loop}] = {settle}",
            ]
        return [*self.memo_lines(), *body]

    def group_period_statements(
        self, group: Node, slot: int, raw_slot: int, size: int, settle: str
    ) -> list[str]:
        """A per-period group's period scores when a child's may be n/a: at each point its
        children's period scores combined by its rule (`semantics.applicable_sum`)."""
        starts = [self.plan.slots[f"{c}.periods"] for c in group.children]
        weights = self.constant(periodna.weights(self.scheme, group))
        rule = self.constant(group.not_applicable)
        loop = self.variable("i")
        parts = "".join(f"v[{start} + {loop}], " for start in starts)
        return [
            f"for {loop} in {self.constant(tuple(range(size)))}:",
            f"    r = _asum(({parts}), {weights}, {rule})",
            f"    v[{raw_slot} + {loop}] = r",
            f"    v[{slot} + {loop}] = r if r is _NA else {settle}",
        ]

    def memo_lines(self) -> Iterator[str]:
        for memo in self.memos:
            yield f"{memo} = None"

    # -- expressions ----------------------------------------------------------------------------

    def expr(self, expr: Expr, at: At) -> str:
        return self.node(expr.tree, at, nested=False)

    def node(self, node: ast.expr, at: At, nested: bool) -> str:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool):
                return "True" if node.value else "False"
            return self.constant(node.value)
        if isinstance(node, ast.Name):
            return self.name(node.id, at)
        if isinstance(node, ast.BinOp):
            op = ARITHMETIC[type(node.op)]
            return f"({self.node(node.left, at, nested)} {op} {self.node(node.right, at, nested)})"
        if isinstance(node, ast.UnaryOp):
            op = {ast.USub: "-", ast.UAdd: "+", ast.Not: "not "}[type(node.op)]
            return f"({op}{self.node(node.operand, at, nested)})"
        if isinstance(node, ast.BoolOp):
            joiner = f" {BOOLEAN[type(node.op)]} "
            return "(" + joiner.join(self.node(v, at, nested) for v in node.values) + ")"
        if isinstance(node, ast.Compare):
            parts = [self.node(node.left, at, nested)]
            for cmp, right in zip(node.ops, node.comparators, strict=True):
                parts.append(f"{COMPARISONS[type(cmp)]} {self.node(right, at, nested)}")
            return "(" + " ".join(parts) + ")"
        if isinstance(node, ast.IfExp):
            return (
                f"({self.node(node.body, at, nested)} if {self.node(node.test, at, nested)} "
                f"else {self.node(node.orelse, at, nested)})"
            )
        if isinstance(node, ast.Call):
            fname = node.func.id  # type: ignore[attr-defined]
            if fname in AGGREGATORS:
                return self.aggregate(fname, node.args[0], at, nested)
            args = ", ".join(self.node(a, at, nested) for a in node.args)
            return f"_f_{fname}({args})"
        raise TypeError(f"unexpected {type(node).__name__}")  # unreachable after validation

    def name(self, name: str, at: At) -> str:
        scheme = self.scheme
        if name == "weight":
            assert at is not None
            axis, index = at
            if isinstance(index, int):
                return self.constant(axes.weight(scheme, (axis, index)))
            shares = tuple(axes.weight(scheme, p) for p in axes.points(scheme, axis))
            return f"{self.constant(shares)}[{index}]"
        if name in scheme.parameters and not scheme.per_unit_parameter(name):
            return self.constant(scheme.parameters[name].value)
        slot = self.plan.slots[name]
        how = axes.reach(scheme, name, at[0] if at is not None else None)
        if how == "fixed" or at is None:
            return f"v[{slot}]"
        index = at[1]
        if how == "same":
            return f"v[{slot + index}]" if isinstance(index, int) else f"v[{slot} + {index}]"
        group = str(scheme.axis_of(name))
        if isinstance(index, int):
            return f"v[{slot + scheme.group_index(group, index)}]"
        table = tuple(scheme.group_index(group, p) for p in range(len(scheme.periods)))
        return f"v[{slot} + {self.constant(table)}[{index}]]"

    def aggregate(self, fname: str, arg: ast.expr, at: At, nested: bool) -> str:
        """`fold(values, shares)` over the points the argument is evaluated at. Written out
        point by point when short and flat; otherwise a comprehension, its argument once."""
        scheme = self.scheme
        inner, members_only = axes.span(scheme, arg, at[0] if at is not None else None)
        fold = f"_agg_{fname}"
        if members_only:  # the periods of the current group
            assert at is not None
            groups = scheme.period_groups[at[0]]
            index = at[1]
            if (
                isinstance(index, int)
                and not _has_aggregate(arg)
                and len(groups[index].members) <= UNROLL
            ):
                return self.unrolled(fold, arg, [(PERIOD, p) for p in groups[index].members])
            members = self.constant(tuple(g.members for g in groups))
            shares = self.constant(
                tuple(tuple(scheme.periods[p].share for p in g.members) for g in groups)
            )
            q = self.variable("q")
            value = self.node(arg, (PERIOD, q), nested=True)
            return f"{fold}([{value} for {q} in {members}[{index}]], {shares}[{index}])"
        assert inner is not None  # the type checker refuses an aggregate of a one-value name
        points = axes.points(scheme, inner)
        if not _has_aggregate(arg) and len(points) <= UNROLL:
            code = self.unrolled(fold, arg, points)
        else:
            q = self.variable("q")
            value = self.node(arg, (inner, q), nested=True)
            indices = self.constant(tuple(range(len(points))))
            shares = self.constant(tuple(axes.weight(scheme, p) for p in points))
            code = f"{fold}([{value} for {q} in {indices}], {shares})"
        if not nested and at is None:
            return code
        # over fixed points, but inside another aggregator or a formula computed per point:
        # the same value at every such point, so computed the first time it is needed and
        # then reused
        memo = self.variable("_m")
        self.memos.append(memo)
        return f"({memo} if {memo} is not None else ({memo} := {code}))"

    def unrolled(self, fold: str, arg: ast.expr, points: Sequence[axes.Context]) -> str:
        terms = [self.node(arg, point, nested=False) for point in points]
        shares = tuple(axes.weight(self.scheme, p) for p in points)
        return f"{fold}(({', '.join(terms)},), {self.constant(shares)})"


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


def compile_expression(scheme: Scheme, tree: ast.expr) -> Any:
    """One checked (sub-)expression of `scheme`'s formulas as a function of a unit's slot list,
    evaluated once per unit (not at a period) exactly as the stage code would. The audit uses
    it for branch conditions and the operands of a formula's floor or cap."""
    gen = _Generator(scheme, scheme.program.plan)
    code = gen.node(tree, None, nested=False)
    lines = ["def expression(v):", *("    " + m for m in gen.memo_lines()), f"    return {code}"]
    namespace: dict[str, Any] = {"__builtins__": {}, **gen.bindings}
    exec(compile("\n".join(lines) + "\n", f"<rulebook {scheme.id} audit>", "exec"), namespace)  # noqa: S102 - our own generated tokens, empty builtins
    return namespace["expression"]
