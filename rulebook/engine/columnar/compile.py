"""A scheme's expressions evaluated over columns: one numpy operation per syntax-tree node for
all units at once, with the meaning of every node taken from the shared rules.

This walks the same checked trees the compiled and reference engines run, reads names through
`rulebook.scheme.axes` (so `sum(x)` inside a quarter means what it means there) and forms scores,
group sums, the total and period aggregates by calling `rulebook.engine.semantics` with column
operations in place of Decimal ones (`bound` with a column floor and cap, `combine_children`,
`total_of`, the aggregators' folds).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import numpy as np

from rulebook.engine import semantics
from rulebook.engine.columnar.fixed import Arith, Col, Flag, Num, Text
from rulebook.engine.columnar.tables import table_column
from rulebook.expr.functions import AGGREGATORS
from rulebook.scheme import axes
from rulebook.scheme.model import Scheme


class Column:
    """Operator overloading over `Num`, so the shared rules written with `+`, `*`, `/` (group
    sums, the total, `sum`/`wsum`/`mean`) run unchanged on columns."""

    __slots__ = ("arith", "num")

    def __init__(self, num: Num, arith: Arith) -> None:
        self.num, self.arith = num, arith

    def _other(self, other: Any) -> Num:
        if isinstance(other, Column):
            return other.num
        return self.arith.const(other)

    def __add__(self, other: Any) -> Column:
        return Column(self.arith.add(self.num, self._other(other)), self.arith)

    def __radd__(self, other: Any) -> Column:
        return Column(self.arith.add(self._other(other), self.num), self.arith)

    def __sub__(self, other: Any) -> Column:
        return Column(self.arith.add(self.num, self._other(other), -1), self.arith)

    def __mul__(self, other: Any) -> Column:
        return Column(self.arith.mul(self.num, self._other(other)), self.arith)

    def __rmul__(self, other: Any) -> Column:
        return Column(self.arith.mul(self._other(other), self.num), self.arith)

    def __truediv__(self, other: Any) -> Column:
        return Column(self.arith.div(self.num, self._other(other)), self.arith)

    def __neg__(self) -> Column:
        return Column(self.arith.neg(self.num), self.arith)


class Unsupported(Exception):
    """A construct the columnar engine does not evaluate: the whole scheme falls back."""


class ColumnEval:
    """Evaluates one scheme's formulas over the columns in `cols` (slot index -> column)."""

    def __init__(self, scheme: Scheme, arith: Arith, cols: dict[int, Col]) -> None:
        self.scheme, self.arith, self.cols = scheme, arith, cols
        self.slots = scheme.program.plan.slots
        self.raw_slots = scheme.program.plan.raw_slots
        self.rounding = scheme.rounding
        a = arith
        self.folds: dict[str, Callable[[Sequence[Col], Sequence[Decimal]], Col]] = {
            name: self._fold(agg.fold) for name, agg in semantics.AGGREGATORS.items()
        }
        # `period_min`/`period_max` fold with Python's min/max, which need a bool per compare
        self.folds["period_min"] = lambda v, s: self._reduce(a.at_most, v)
        self.folds["period_max"] = lambda v, s: self._reduce(a.at_least, v)

    def _fold(self, fold: Callable[..., Any]) -> Callable[[Sequence[Col], Sequence[Decimal]], Col]:
        def run(values: Sequence[Col], shares: Sequence[Decimal]) -> Col:
            out = fold([Column(self._num(v), self.arith) for v in values], shares)
            return out.num if isinstance(out, Column) else out

        return run

    @staticmethod
    def _reduce(op: Callable[[Num, Num], Num], values: Sequence[Col]) -> Col:
        result = values[0]
        for v in values[1:]:
            result = op(result, v)  # type: ignore[arg-type]
        return result

    @staticmethod
    def _num(col: Col) -> Num:
        if not isinstance(col, Num):
            raise Unsupported("a number was expected")  # excluded by the type checker
        return col

    # -- one name ------------------------------------------------------------------------------

    def compute(self, name: str) -> None:
        """Fill the slot(s) of `name` (a value, a node or the total), like the per-unit stage."""
        scheme, slot, a = self.scheme, self.slots[name], self.arith
        if name in scheme.values:
            value = scheme.values[name]
            for ctx in axes.points(scheme, scheme.axis_of(name)):
                at = ctx[1] if ctx else 0
                result = self.expr(value.formula.tree, ctx)
                if value.period_of is not None:  # a per-period node's score at this point
                    part = semantics.period_part(scheme.nodes[value.period_of])
                    result = self._num(result)
                    self.cols[self.raw_slots[name] + at] = result
                    result = self._settle(part, result)
                self.cols[slot + at] = result
            return
        if name == "total":
            terms = [
                (Column(self._num(self.cols[self.slots[root]]), a), sign)
                for root, sign in semantics.total_terms(scheme)
            ]
            raw = semantics.total_of(terms, Column(a.const(0), a)).num
            self.cols[self.raw_slots[name]] = self.cols[slot] = raw
            if semantics.total_is_rounded(scheme.total_not_applicable):  # rows with no n/a root
                self.cols[slot] = a.round_to(raw, self.rounding.places, self.rounding.decimal_mode)
            return
        node = scheme.nodes[name]
        if node.formula is not None:
            raw = self._num(self.expr(node.formula.tree, None))
        else:
            raw = semantics.combine_children(
                (Column(self._num(self.cols[self.slots[c]]), a) for c in node.children),
                Column(a.const(0), a),
            ).num
        self.cols[self.raw_slots[name]] = raw
        self.cols[slot] = self._settle(node, raw)
        if node.applies:
            self._not_applying(node.applies, slot)

    def _settle(self, node: semantics.Scored, raw: Num) -> Num:
        """`semantics.score` over a column: floor, cap, then rounding if the node is rounded."""
        a = self.arith
        if not semantics.is_rounded(node):
            return raw
        clamped = semantics.bound(
            raw,
            None if node.min is None else a.const(node.min),
            None if node.max is None else a.const(node.max),
            a.at_least,
            a.at_most,
        )
        return a.round_to(clamped, self.rounding.places, self.rounding.decimal_mode)

    def _not_applying(self, conditions: tuple[str, ...], slot: int) -> None:
        """Rows where an `applies:` condition does not hold (or is not exact) leave the
        columns: the per-unit engine gives them the node's n/a (`semantics.applies`). Rows
        holding an n/a value never reach here: an n/a input sends its row there at once."""
        n = self.arith.reasons.n
        held = np.ones(n, dtype=bool)
        for condition in conditions:
            flag = self.cols[self.slots[condition]]
            assert isinstance(flag, Flag)
            held &= np.broadcast_to(np.asarray(flag.v, dtype=bool), (n,))
            if flag.bad is not None:
                held &= ~flag.bad
        if not held.all():
            mask = self.arith.reasons.mark("a node that does not apply (applies:)", ~held)
            col = self.cols[slot]
            col.bad = mask.copy() if col.bad is None else col.bad | mask

    # -- expressions ---------------------------------------------------------------------------

    def expr(self, node: ast.expr, p: axes.Context) -> Col:
        a = self.arith
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool):
                return Flag(np.bool_(node.value))
            if isinstance(node.value, str):
                return Text(np.array(node.value, dtype=object))
            assert isinstance(node.value, int | Decimal)  # numbers are Decimal after checking
            return a.const(node.value)
        if isinstance(node, ast.Name):
            return self.name(node.id, p)
        if isinstance(node, ast.BinOp):
            left, right = self._num(self.expr(node.left, p)), self._num(self.expr(node.right, p))
            kind = type(node.op)
            if kind is ast.Add:
                return a.add(left, right)
            if kind is ast.Sub:
                return a.add(left, right, -1)
            if kind is ast.Mult:
                return a.mul(left, right)
            if kind is ast.Div:
                return a.div(left, right)
            if kind is ast.Pow:
                return a.power(left, right)
            raise Unsupported(f"operator {kind.__name__}")
        if isinstance(node, ast.UnaryOp):
            inner = self.expr(node.operand, p)
            if isinstance(node.op, ast.Not):
                f = inner
                assert isinstance(f, Flag)
                return Flag(np.logical_not(f.v), f.bad)
            return a.neg(self._num(inner)) if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.BoolOp):
            word = "and" if isinstance(node.op, ast.And) else "or"
            flags = [self.expr(v, p) for v in node.values]
            combined = flags[0]
            for flag in flags[1:]:
                assert isinstance(combined, Flag)
                assert isinstance(flag, Flag)
                combined = a.logical(word, combined, flag)
            return combined
        if isinstance(node, ast.Compare):
            lhs = self.expr(node.left, p)
            result: Flag | None = None
            for cmp, right_node in zip(node.ops, node.comparators, strict=True):
                rhs = self.expr(right_node, p)
                step = a.compare(_COMPARE[type(cmp)], lhs, rhs)
                result = step if result is None else a.logical("and", result, step)
                lhs = rhs
            assert result is not None
            return result
        if isinstance(node, ast.IfExp):
            test = self.expr(node.test, p)
            assert isinstance(test, Flag)
            return a.where(test, self.expr(node.body, p), self.expr(node.orelse, p))
        if isinstance(node, ast.Call):
            fname = node.func.id  # type: ignore[attr-defined]
            if fname in AGGREGATORS:
                at = axes.aggregated(self.scheme, node.args[0], p)
                values = [self.expr(node.args[0], point) for point in at]
                shares = [axes.weight(self.scheme, point) for point in at]
                return self.folds[fname](values, shares)
            if fname in self.scheme.tables:
                return table_column(self.scheme.tables[fname], self.expr(node.args[0], p), a)
            return self.call(fname, [self.expr(arg, p) for arg in node.args])
        raise Unsupported(f"syntax {type(node).__name__}")

    def name(self, name: str, ctx: axes.Context) -> Col:
        scheme = self.scheme
        if name == "weight":
            return self.arith.const(axes.weight(scheme, ctx))
        if name in scheme.parameters and not scheme.per_unit_parameter(name):
            value = scheme.parameters[name].value
            if isinstance(value, bool):
                return Flag(np.bool_(value))
            if isinstance(value, str):
                return Text(np.array(value, dtype=object))
            return self.arith.const(value)
        return self.cols[self.slots[name] + axes.offset(scheme, name, ctx)]

    def call(self, fname: str, args: list[Col]) -> Col:
        """The function library (`rulebook.expr.functions`) over columns, case by case."""
        a = self.arith
        if fname == "round":  # round(x, places, "mode"): places and mode are load-time constants
            return self.round(self._num(args[0]), self._num(args[1]), args[2])
        nums = [self._num(x) for x in args]
        if fname in ("min", "max"):
            pick = a.at_most if fname == "min" else a.at_least
            return self._reduce(pick, nums)
        if fname == "abs":
            return a.absolute(nums[0])
        if fname == "clamp":  # low if x < low else high if x > high else x
            x, low, high = nums
            return a.where(a.compare("<", x, low), low, a.where(a.compare(">", x, high), high, x))
        if fname == "linear":
            x, x0, y0, x1, y1 = nums
            line = a.add(y0, a.div(a.mul(a.add(y1, y0, -1), a.add(x, x0, -1)), a.add(x1, x0, -1)))
            return a.where(a.compare("<=", x, x0), y0, a.where(a.compare(">=", x, x1), y1, line))
        if fname == "ratio":
            num, den, when_zero = nums
            return a.where(a.compare("==", den, a.const(0)), when_zero, a.div(num, den))
        if fname == "by_rank":
            rank, points = nums[0], nums[1:]
            chosen: Col = a.const(0)
            for i in range(len(points), 0, -1):
                chosen = a.where(a.compare("==", rank, a.const(i)), points[i - 1], chosen)
            return chosen
        if fname == "floor":
            return a.floor(nums[0])
        if fname == "ceil":
            return a.ceil(nums[0])
        raise Unsupported(f"function {fname}")

    def round(self, x: Num, places: Num, mode: Col) -> Col:
        """`semantics.round_places` over columns: `Arith.round_to` (the scheme's rounding on
        exact rationals) at `places`; negative places round x / 10^k to a whole number."""
        a = self.arith
        assert isinstance(mode, Text)  # a mode name in quotes, checked at load
        k = int(Decimal(int(places.p)) / Decimal(int(places.q)))  # a constant, checked at load
        decimal_mode = semantics.ROUNDING_MODES[str(mode.v)]  # type: ignore[index]
        if k >= 0:
            return a.round_to(x, k, decimal_mode)
        scale = a.const(Decimal(10) ** -k)
        return a.mul(a.round_to(a.div(x, scale), 0, decimal_mode), scale)


_COMPARE = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
