"""The reference engine: the same stages as the compiled program, each formula interpreted by a
hardened simpleeval evaluator over the already-checked syntax tree.

It is slower than the compiled program and exists to keep that program honest: both engines fill
the same slot layout, and the test suite checks they agree on every node for generated data.
`rulebook.evaluate(scheme, data, engine="reference")` selects it.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from decimal import localcontext
from typing import Any

from simpleeval import SimpleEval

from rulebook.arith import CONTEXT
from rulebook.engine import periodna, semantics
from rulebook.expr.functions import AGGREGATORS, FUNCTIONS
from rulebook.scheme import axes
from rulebook.scheme.model import Scheme

_OPERATORS: dict[type, Callable[..., Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Not: operator.not_,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_ALLOWED_NODES = (
    ast.Name,
    ast.Constant,
    ast.UnaryOp,
    ast.BinOp,
    ast.BoolOp,
    ast.Compare,
    ast.IfExp,
    ast.Call,
)


class Interpreter(SimpleEval):  # type: ignore[misc]
    """simpleeval restricted to rulebook's constructs, reading names from one unit's slots."""

    def __init__(self, scheme: Scheme) -> None:
        super().__init__(
            operators=dict(_OPERATORS),
            functions={n: s.implementation for n, s in FUNCTIONS.items()} | scheme.tables,
            names=self._lookup,
        )
        handlers: dict[type, Callable[..., Any]] = getattr(self, "nodes")  # noqa: B009 - untyped base
        self.nodes = {k: v for k, v in handlers.items() if k in _ALLOWED_NODES}
        self.scheme = scheme
        self.slots = scheme.program.plan.slots
        self.vector: list[Any] = []
        self.ctx: axes.Context = None
        self.memo: dict[int, Any] = {}
        """Aggregates over fixed points already computed in this run (by syntax node)."""

    def _lookup(self, node: ast.Name) -> Any:
        name = node.id
        if name == "weight":
            return axes.weight(self.scheme, self.ctx)
        if name in self.scheme.parameters and not self.scheme.per_unit_parameter(name):
            return self.scheme.parameters[name].value
        return self.vector[self.slots[name] + axes.offset(self.scheme, name, self.ctx)]

    def _eval_call(self, node: ast.Call) -> Any:
        fname = node.func.id  # type: ignore[attr-defined]  # validated: always a Name
        if fname not in AGGREGATORS:
            return super()._eval_call(node)
        outer, values = self.ctx, []
        _, members_only = axes.span(
            self.scheme, node.args[0], outer[0] if outer is not None else None
        )
        if not members_only and id(node) in self.memo:
            return self.memo[id(node)]
        at = axes.aggregated(self.scheme, node.args[0], outer)
        for point in at:
            self.ctx = point
            values.append(self._eval(node.args[0]))
        self.ctx = outer
        shares = [axes.weight(self.scheme, point) for point in at]
        result = semantics.AGGREGATORS[fname].fold(values, shares)
        if not members_only:  # the same at every outer point: computed once per run
            self.memo[id(node)] = result
        return result

    def run(
        self,
        tree: ast.expr,
        vector: list[Any],
        ctx: axes.Context,
        memo: dict[int, Any] | None = None,
    ) -> Any:
        """Evaluate `tree` for one unit at `ctx`. Pass the same `memo` to the runs of one
        formula at every point of its axis, so an aggregate over fixed points is computed once."""
        self.vector, self.ctx = vector, ctx
        self.memo = {} if memo is None else memo
        return self._eval(tree)


def reference_stages(scheme: Scheme) -> list[Callable[[list[Any]], None]]:
    """One interpreted function per stage, each filling the same slots as the compiled one."""
    plan = scheme.program.plan
    interpreter = Interpreter(scheme)
    rounding = scheme.rounding

    na = scheme.not_applicable_names

    def not_applicable(name: str, v: list[Any]) -> bool:
        """The not-applicable rule (`semantics.applies`, `semantics.reads_na`) for `name`."""
        if name not in na:
            return False
        node = scheme.nodes.get(name)
        conditions = node.applies if node is not None else periodna.conditions(scheme, name)
        if not semantics.applies(v[plan.slots[c]] for c in conditions):
            return True
        formula = scheme.values[name].formula if node is None else node.formula
        if formula is None or periodna.combining_group(scheme, name) is not None:
            return False
        reads = {r for r, _ in formula.names() if r in na}
        return semantics.reads_na(
            v[plan.slots[r] + i] for r in reads for i in range(scheme.axis_size(scheme.axis_of(r)))
        )

    def compute(name: str, v: list[Any]) -> None:
        slot = plan.slots[name]
        if name != "total" and not_applicable(name, v):
            size = scheme.axis_size(scheme.axis_of(name))
            for i in range(size):
                v[slot + i] = semantics.NA
            if name in plan.raw_slots:  # a node's one raw value, or a period score's per point
                for i in range(size if name in scheme.values else 1):
                    v[plan.raw_slots[name] + i] = semantics.NA
            return
        if name in scheme.values:
            value = scheme.values[name]
            memo: dict[int, Any] = {}
            part = (
                semantics.period_part(scheme.nodes[value.period_of])
                if value.period_of is not None
                else None
            )
            group = periodna.combining_group(scheme, name)
            for ctx in axes.points(scheme, scheme.axis_of(name)):
                at = ctx[1] if ctx else 0
                if group is not None:  # children's period scores by the group's n/a rule
                    result = semantics.applicable_sum(
                        [v[plan.slots[f"{c}.periods"] + at] for c in group.children],
                        periodna.weights(scheme, group),
                        group.not_applicable,
                    )
                else:
                    result = interpreter.run(value.formula.tree, v, ctx, memo)
                if part is not None:  # a per-period node's score at this point
                    v[plan.raw_slots[name] + at] = result
                    if not isinstance(result, semantics.NotApplicable):
                        result = semantics.settle(part, result, rounding).value
                v[slot + at] = result
            return
        if name == "total":
            terms = [(v[plan.slots[root]], sign) for root, sign in semantics.total_terms(scheme)]
            nodes = [scheme.nodes[root] for root, _ in semantics.total_terms(scheme)]
            raw = semantics.total_with_na(
                terms,
                [n.role == "category" for n in nodes],
                [n.standard for n in nodes],
                scheme.total_not_applicable,
            )
            v[plan.raw_slots[name]] = raw
            v[slot] = semantics.rounded_total(
                raw, scheme.total_not_applicable, rounding.quantum, rounding.decimal_mode
            )
            return
        node = scheme.nodes[name]
        if node.formula is not None:
            raw = interpreter.run(node.formula.tree, v, None)
        else:
            raw = semantics.applicable_sum(
                [v[plan.slots[c]] for c in node.children],
                [scheme.nodes[c].standard for c in node.children],
                node.not_applicable,
            )
        v[plan.raw_slots[name]] = raw
        v[slot] = (
            semantics.score(raw, node.min, node.max, True, rounding.quantum, rounding.decimal_mode)
            if semantics.is_rounded(node) and not isinstance(raw, semantics.NotApplicable)
            else raw
        )

    def stage_function(names: tuple[str, ...]) -> Callable[[list[Any]], None]:
        def run(v: list[Any]) -> None:
            for name in names:
                try:
                    compute(name, v)
                except ArithmeticError as exc:
                    exc.add_note(f"rulebook-owner:{name}")
                    raise

        return run

    return [stage_function(stage.computes) for stage in plan.stages]


class _Tracing(Interpreter):
    """An interpreter that remembers the innermost sub-expression that raised."""

    def __init__(self, scheme: Scheme) -> None:
        super().__init__(scheme)
        self.failed: ast.expr | None = None

    def _eval(self, node: ast.expr) -> Any:
        try:
            return super()._eval(node)
        except ArithmeticError:
            if self.failed is None:
                self.failed = node
            raise


def failing_part(
    scheme: Scheme, tree: ast.expr, vector: list[Any], axis: str | None
) -> tuple[ast.expr | None, str | None]:
    """Re-run a formula that failed for one unit; return the innermost failing sub-expression
    (for a division or power, its right operand) and the period (or group) it failed in."""
    memo: dict[int, Any] = {}
    for ctx in axes.points(scheme, axis):
        tracer = _Tracing(scheme)
        try:
            with localcontext(CONTEXT):
                tracer.run(tree, vector, ctx, memo)
        except ArithmeticError:
            node = tracer.failed
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div | ast.Pow):
                node = node.right
            where = scheme.axis_ids(ctx[0])[ctx[1]] if ctx is not None else None
            return node, where
    return None, None
