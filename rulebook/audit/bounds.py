"""Static bounds: a guaranteed [low, high] for every node and value, by interval analysis over the
expression graph from the declared indicator domains — before any data exists.

Sound by construction: every operation maps intervals to an interval containing every possible
result (None stands for an unbounded end). Cheap tightenings: whole-number tracking (a count that
is not 0 is at least 1, so `a / count` is bounded where count ≠ 0), branch pruning when a
condition can only go one way, and rounding applied to both ends (it is monotone).
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterable, Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext

import attrs

from rulebook import arith
from rulebook.arith import CONTEXT
from rulebook.engine import semantics
from rulebook.expr.syntax import inner_axis
from rulebook.scheme.model import Scheme

ZERO, ONE = Decimal(0), Decimal(1)


@attrs.frozen
class Interval:
    """[lo, hi]; None is −∞ for lo and +∞ for hi. `whole`: every possible value is an integer."""

    lo: Decimal | None
    hi: Decimal | None
    whole: bool = attrs.field(default=False, eq=False)

    @staticmethod
    def point(v: Decimal) -> Interval:
        return Interval(v, v, v == v.to_integral_value())

    def union(self, other: Interval) -> Interval:
        lo = None if self.lo is None or other.lo is None else min(self.lo, other.lo)
        hi = None if self.hi is None or other.hi is None else max(self.hi, other.hi)
        return Interval(lo, hi, self.whole and other.whole)

    def contains(self, v: Decimal) -> bool:
        return (self.lo is None or v >= self.lo) and (self.hi is None or v <= self.hi)

    def __add__(self, other: Interval) -> Interval:
        return _plus(self, other)

    def __neg__(self) -> Interval:
        return _neg(self)

    def show(self) -> str:
        lo = "−∞" if self.lo is None else arith.canonical(self.lo)
        hi = "+∞" if self.hi is None else arith.canonical(self.hi)
        return f"[{lo}, {hi}]"


@attrs.frozen
class Truth:
    """What a yes/no expression can be."""

    can_true: bool
    can_false: bool


Range = Interval | Truth | None  # None: a label or enum text


@attrs.frozen
class NodeBounds:
    """The bounds of one node or value, with what the analysis noticed."""

    name: str
    label: str
    bounds: Range
    raw: Range
    flags: tuple[str, ...]


def _mul(a: Decimal | None, b: Decimal | None, a_sign: int, b_sign: int) -> Decimal | None:  # noqa: ARG001 - one signature for every end of an interval product
    """Product of two ends where None is an infinity of the given sign."""
    if a is not None and b is not None:
        return a * b
    if (a is not None and a == 0) or (b is not None and b == 0):
        return ZERO
    return None


def _span(values: Iterable[Decimal | None], lows: bool) -> Decimal | None:
    vals = list(values)
    if any(v is None for v in vals):
        return None
    return min(vals) if lows else max(vals)  # type: ignore[type-var]


def _times(a: Interval, b: Interval) -> Interval:
    if None in (a.lo, a.hi, b.lo, b.hi):
        zero_only = (a.lo == a.hi == 0) or (b.lo == b.hi == 0)
        if zero_only:
            return Interval(ZERO, ZERO, True)
        # sign reasoning for half-bounded non-negative intervals keeps common cases finite
        if a.lo is not None and b.lo is not None and a.lo >= 0 and b.lo >= 0:
            return Interval(a.lo * b.lo, None, a.whole and b.whole)
        return Interval(None, None)
    products = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi]  # type: ignore[operator]
    return Interval(min(products), max(products), a.whole and b.whole)


def _plus(a: Interval, b: Interval) -> Interval:
    lo = None if a.lo is None or b.lo is None else a.lo + b.lo
    hi = None if a.hi is None or b.hi is None else a.hi + b.hi
    return Interval(lo, hi, a.whole and b.whole)


def _imin(a: Interval, b: Interval) -> Interval:
    """{min(x, y)} for x in a, y in b."""
    lo = None if a.lo is None or b.lo is None else min(a.lo, b.lo)
    hi = b.hi if a.hi is None else a.hi if b.hi is None else min(a.hi, b.hi)
    return Interval(lo, hi, a.whole and b.whole)


def _imax(a: Interval, b: Interval) -> Interval:
    """{max(x, y)} for x in a, y in b."""
    lo = b.lo if a.lo is None else a.lo if b.lo is None else max(a.lo, b.lo)
    hi = None if a.hi is None or b.hi is None else max(a.hi, b.hi)
    return Interval(lo, hi, a.whole and b.whole)


def _point(v: Decimal | None) -> Interval | None:
    return None if v is None else Interval.point(v)


def _shown(point: Interval) -> str:
    """A declared floor or cap (a one-point interval) as written."""
    return arith.canonical(point.lo) if point.lo is not None else "−∞"


def _neg(a: Interval) -> Interval:
    return Interval(None if a.hi is None else -a.hi, None if a.lo is None else -a.lo, a.whole)


class Analyzer:
    """Computes the Range of every name of a scheme, in dependency order."""

    def __init__(self, scheme: Scheme) -> None:
        self.scheme = scheme
        self.ranges: dict[str, Range] = {}
        self.raws: dict[str, Range] = {}
        self.flags: dict[str, list[str]] = {}
        self.current = ""

    def run(self) -> list[NodeBounds]:
        scheme = self.scheme
        with localcontext(CONTEXT):
            for name, ind in scheme.indicators.items():
                self.ranges[name] = self.indicator(ind.type, ind.min, ind.max)
            for name, param in scheme.parameters.items():
                values = [param.value, *param.by_unit.values()]
                self.ranges[name] = Interval(
                    min(values), max(values), all(v == v.to_integral_value() for v in values)
                )
            for name in scheme.program.plan.order:
                if name in self.ranges or not (
                    name in scheme.values
                    or name in scheme.nodes
                    or name in scheme.rankings
                    or name == "total"
                ):
                    continue
                self.current = name
                self.ranges[name] = self.name_range(name)
                if name in scheme.not_applicable_names:
                    self.flag(f"may be n/a ({scheme.not_applicable_names[name]})")
        out = []
        for name in (*scheme.score_ids, *scheme.output_ids, *scheme.values):
            node = scheme.nodes.get(name)
            label = (
                scheme.total_label
                if name == "total"
                else node.label
                if node
                else scheme.values[name].label
            )
            out.append(
                NodeBounds(
                    name,
                    label,
                    self.ranges.get(name),
                    self.raws.get(name),
                    tuple(self.flags.get(name, [])),
                )
            )
        return out

    @staticmethod
    def indicator(kind: str, lo: Decimal | None, hi: Decimal | None) -> Range:
        if kind == "bool":
            return Truth(True, True)
        if kind == "enum":
            return None
        return Interval(lo, hi, kind == "count")

    def flag(self, text: str) -> None:
        found = self.flags.setdefault(self.current, [])
        if text not in found:
            found.append(text)

    def name_range(self, name: str) -> Range:
        scheme = self.scheme
        if name in scheme.rankings:
            return Interval(ONE, None, True)  # 1 … the number of units
        if name == "total":
            terms = []
            for root, sign in semantics.total_terms(scheme):
                part = self.ranges[root]
                assert isinstance(part, Interval)
                terms.append((part, sign))
            if any(r in scheme.not_applicable_names for r, _ in semantics.total_terms(scheme)):
                total = self.total_with_na()
                self.raws[name] = total
                return (
                    self.rounded(total)
                    if semantics.total_is_rounded(scheme.total_not_applicable)
                    else total
                )
            total = semantics.total_of(terms, Interval(ZERO, ZERO, True))
            self.raws[name] = total
            return total
        if name in scheme.values:
            return self.expr(scheme.values[name].formula.tree)
        node = scheme.nodes[name]
        if node.formula is not None:
            raw = self.expr(node.formula.tree)
        else:
            raw = self.children_range(node.children, node.not_applicable)
        assert isinstance(raw, Interval)
        self.raws[name] = raw

        def at_least(x: Interval, low: Interval) -> Interval:
            out = _imax(x, low)
            if out != x:
                self.flag(f"floor {_shown(low)} can clip")
            return out

        def at_most(x: Interval, high: Interval) -> Interval:
            out = _imin(x, high)
            if out != x:
                self.flag(f"cap {_shown(high)} can clip")
            return out

        value = semantics.bound(raw, _point(node.min), _point(node.max), at_least, at_most)
        if semantics.is_rounded(node):
            value = self.rounded(value)
        if node.standard is not None and (value.hi is None or value.hi > node.standard):
            self.flag("can exceed its standard")
        if value.lo is None or value.hi is None:
            self.flag("unbounded")
        elif value.lo == value.hi:
            self.flag(f"always {arith.canonical(value.lo)}: the data cannot change it")
        return value

    def children_range(self, children: Sequence[str], rule: str | None) -> Interval:
        """A group's raw range: the plain sum; with children that may be n/a, their parent's
        rule (`semantics.applicable_sum`): under `full`/`zero` such a child may count its
        standard/0 instead (`semantics.na_alternative`), under `rescale` the scaled sum lies
        within `semantics.rescaled_span`."""
        parts = []
        for child in children:
            part = self.ranges[child]
            assert isinstance(part, Interval)
            parts.append(part)
        na = self.scheme.not_applicable_names
        maybe = [c in na for c in children]
        if not any(maybe):
            return semantics.combine_children(parts, Interval(ZERO, ZERO, True))
        standards = [self.scheme.nodes[c].standard for c in children]
        if rule == "rescale":
            lo, hi = semantics.rescaled_span(
                [p.lo for p in parts],
                [p.hi for p in parts],
                standards,  # type: ignore[arg-type]
            )
            self.flag("rescaled over the applicable children (not_applicable: rescale)")
            return Interval(lo, hi, False)
        widened = []
        for part, may, standard in zip(parts, maybe, standards, strict=True):
            other = semantics.na_alternative(standard, rule)
            widened.append(part.union(Interval.point(other)) if may and other is not None else part)
        return semantics.combine_children(widened, Interval(ZERO, ZERO, True))

    def total_with_na(self) -> Interval:
        """The total's range when roots may be n/a (`semantics.total_with_na`): the category
        roots by the total's rule, a bonus or deduction that may be n/a also as 0."""
        scheme = self.scheme
        terms = semantics.total_terms(scheme)
        categories = [r for r, _ in terms if scheme.nodes[r].role == "category"]
        out = (
            self.children_range(categories, scheme.total_not_applicable)
            if categories
            else Interval(ZERO, ZERO, True)
        )
        for root, sign in terms:
            if scheme.nodes[root].role == "category":
                continue
            part = self.ranges[root]
            assert isinstance(part, Interval)
            if root in scheme.not_applicable_names:
                part = part.union(Interval(ZERO, ZERO, True))
            out = out + (part if sign > 0 else -part)
        return out

    def rounded(self, x: Interval) -> Interval:
        r = self.scheme.rounding

        def one(v: Decimal | None) -> Decimal | None:
            return None if v is None else arith.round_score(v, r.quantum, r.decimal_mode)

        return Interval(one(x.lo), one(x.hi), x.whole)

    # -- expressions ---------------------------------------------------------------------------

    def num(self, node: ast.expr) -> Interval:
        got = self.expr(node)
        if not isinstance(got, Interval):
            return Interval(None, None)
        return got

    def expr(self, node: ast.expr) -> Range:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool):
                return Truth(node.value, not node.value)
            if isinstance(node.value, Decimal):
                return Interval.point(node.value)
            return None
        if isinstance(node, ast.Name):
            if node.id == "weight":
                shares = [p.share for p in self.scheme.periods]
                for groups in self.scheme.period_groups.values():
                    shares += [g.share for g in groups]
                return Interval(min(shares), max(shares))
            if node.id == "vetoed":
                return self.ranges.get("vetoed", Truth(True, True))
            return self.ranges.get(node.id)
        if isinstance(node, ast.BinOp):
            a, b = self.num(node.left), self.num(node.right)
            if isinstance(node.op, ast.Add):
                return _plus(a, b)
            if isinstance(node.op, ast.Sub):
                return _plus(a, _neg(b))
            if isinstance(node.op, ast.Mult):
                return _times(a, b)
            if isinstance(node.op, ast.Div):
                return self.divide(a, b)
            return self.power(a, node.right)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                t = self.expr(node.operand)
                return Truth(t.can_false, t.can_true) if isinstance(t, Truth) else Truth(True, True)
            a = self.num(node.operand)
            return _neg(a) if isinstance(node.op, ast.USub) else a
        if isinstance(node, ast.BoolOp):
            parts = [self.expr(v) for v in node.values]
            truths = [p if isinstance(p, Truth) else Truth(True, True) for p in parts]
            if isinstance(node.op, ast.And):
                return Truth(all(t.can_true for t in truths), any(t.can_false for t in truths))
            return Truth(any(t.can_true for t in truths), all(t.can_false for t in truths))
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.IfExp):
            test = self.expr(node.test)
            can_true = not isinstance(test, Truth) or test.can_true
            can_false = not isinstance(test, Truth) or test.can_false
            body = self.expr(node.body) if can_true else None
            other = self.expr(node.orelse) if can_false else None
            if not can_true:
                return other
            if not can_false:
                return body
            if isinstance(body, Interval) and isinstance(other, Interval):
                return body.union(other)
            if isinstance(body, Truth) and isinstance(other, Truth):
                return Truth(body.can_true or other.can_true, body.can_false or other.can_false)
            return None
        if isinstance(node, ast.Call):
            return self.call(node)
        return Interval(None, None)

    def divide(self, a: Interval, b: Interval) -> Interval:
        if b.lo is not None and b.hi is not None and (b.lo > 0 or b.hi < 0):
            return _times(a, self.reciprocal(b))
        self.flag("divides by a value that can be 0 (check that it is guarded)")
        if b.whole and b.lo is not None and b.lo >= 0:
            # a whole number that is not 0 is at least 1: bound the quotient where it exists
            nonzero = Interval(max(b.lo, ONE), b.hi, True)
            return _times(a, self.reciprocal(nonzero))
        if b.lo is not None and b.lo >= 0 and a.lo is not None and a.lo >= 0:
            return Interval(ZERO, None)  # non-negative over non-negative
        if b.lo is not None and b.lo >= 0 and a.hi is not None and a.hi <= 0:
            return Interval(None, ZERO)
        return Interval(None, None)

    @staticmethod
    def reciprocal(b: Interval) -> Interval:
        lo = ZERO if b.hi is None else ONE / b.hi
        hi = ONE / b.lo if b.lo is not None else ZERO
        return Interval(min(lo, hi), max(lo, hi))

    def power(self, a: Interval, exponent: ast.expr) -> Interval:
        e = self.expr(exponent)
        if not (
            isinstance(e, Interval)
            and e.lo == e.hi
            and e.lo is not None
            and e.lo == e.lo.to_integral_value()
            and e.lo >= 0
        ):
            return Interval(None, None)
        n = int(e.lo)
        if a.lo is None or a.hi is None:
            return (
                Interval(None, None)
                if n % 2 or (a.lo is None and a.hi is None)
                else Interval(ZERO, None)
            )
        ends = [a.lo**n, a.hi**n]
        lo, hi = min(ends), max(ends)
        if n % 2 == 0 and a.lo < 0 < a.hi:
            lo = ZERO
        return Interval(lo, hi, a.whole)

    def compare(self, node: ast.Compare) -> Range:
        operands = [node.left, *node.comparators]
        result = Truth(True, False)
        for (left, right), op in zip(itertools.pairwise(operands), node.ops, strict=True):
            a, b = self.expr(left), self.expr(right)
            if isinstance(a, Interval) and isinstance(b, Interval):
                t = self.compare_intervals(a, b, op)
            else:
                t = Truth(True, True)
            result = Truth(result.can_true and t.can_true, result.can_false or t.can_false)
        return result

    @staticmethod
    def compare_intervals(a: Interval, b: Interval, op: ast.cmpop) -> Truth:
        def lt(x: Decimal | None, y: Decimal | None) -> bool:  # can some x < some y
            return x is None or y is None or x < y

        def le(x: Decimal | None, y: Decimal | None) -> bool:
            return x is None or y is None or x <= y

        if isinstance(op, ast.Lt):
            return Truth(lt(a.lo, b.hi), le(b.lo, a.hi))
        if isinstance(op, ast.LtE):
            return Truth(le(a.lo, b.hi), lt(b.lo, a.hi))
        if isinstance(op, ast.Gt):
            return Truth(lt(b.lo, a.hi), le(a.lo, b.hi))
        if isinstance(op, ast.GtE):
            return Truth(le(b.lo, a.hi), lt(a.lo, b.hi))
        overlap = le(a.lo, b.hi) and le(b.lo, a.hi)
        single = a.lo == a.hi == b.lo == b.hi and a.lo is not None
        if isinstance(op, ast.Eq):
            return Truth(overlap, not single)
        return Truth(not single, overlap)

    def call(self, node: ast.Call) -> Range:
        fname = node.func.id  # type: ignore[attr-defined]
        if fname in semantics.AGGREGATORS:
            return self.aggregate(fname, node.args[0])
        args = [self.num(a) for a in node.args]
        if fname in ("min", "max"):
            out = args[0]
            for a in args[1:]:
                out = _imin(out, a) if fname == "min" else _imax(out, a)
            return out
        if fname == "abs":
            a = args[0]
            if a.lo is not None and a.lo >= 0:
                return a
            if a.hi is not None and a.hi <= 0:
                return _neg(a)
            top = None if a.lo is None or a.hi is None else max(-a.lo, a.hi)
            return Interval(ZERO, top, a.whole)
        if fname == "clamp":
            x, low, high = args
            return _imax(low, _imin(x, high))
        if fname == "linear":
            return args[2].union(args[4])
        if fname == "ratio":
            self_div = self.divide(args[0], args[1])
            return self_div.union(args[2])
        if fname == "by_rank":
            out = Interval(ZERO, ZERO, True)
            for p in args[1:]:
                out = out.union(p)
            return out
        a = args[0]  # floor / ceil
        mode = ROUND_FLOOR if fname == "floor" else ROUND_CEILING
        return Interval(
            None if a.lo is None else a.lo.to_integral_value(rounding=mode),
            None if a.hi is None else a.hi.to_integral_value(rounding=mode),
            True,
        )

    def aggregate(self, fname: str, arg: ast.expr) -> Range:
        """Every aggregator's fold is non-decreasing in each value (`rulebook.engine.semantics`),
        so the aggregate lies between the folds of the argument's ends, over every set of
        points (all periods, or one group's) it may be taken over."""
        x = self.num(arg)
        aggregator = semantics.AGGREGATORS[fname]
        out: Interval | None = None
        for shares in self.spans(inner_axis(arg, self.scheme.axis_of)):

            def fold(end: Decimal | None, shares: tuple[Decimal, ...] = shares) -> Decimal | None:
                return None if end is None else aggregator.fold([end] * len(shares), shares)

            part = Interval(fold(x.lo), fold(x.hi), x.whole and aggregator.keeps_whole)
            out = part if out is None else out.union(part)
        return out or x

    def spans(self, axis: str | None) -> list[tuple[Decimal, ...]]:
        """The shares of each set of points an aggregator over `axis` may visit: every point
        of the axis, or — over periods — the periods of any one group."""
        scheme = self.scheme
        if axis is None:
            return [(ONE,)]
        if axis != "period":
            return [tuple(g.share for g in scheme.period_groups[axis])]
        spans = [tuple(p.share for p in scheme.periods)]
        for groups in scheme.period_groups.values():
            spans += [tuple(scheme.periods[i].share for i in g.members) for g in groups]
        return spans


def analyze(scheme: Scheme) -> list[NodeBounds]:
    """The bounds of every scored node, output and value of `scheme`."""
    return Analyzer(scheme).run()


def render(scheme: Scheme, bounds: list[NodeBounds]) -> str:
    """A table: id, label, bounds, declared standard/caps, and what the analysis noticed."""
    from rulebook.render.textwidth import display_width, pad

    rows = []
    for b in bounds:
        node = scheme.nodes.get(b.name)
        declared = []
        if node is not None and node.standard is not None:
            declared.append(f"standard {arith.canonical(node.standard)}")
        if node is not None and node.min is not None:
            declared.append(f"min {arith.canonical(node.min)}")
        if node is not None and node.max is not None:
            declared.append(f"max {arith.canonical(node.max)}")
        shown = (
            b.bounds.show()
            if isinstance(b.bounds, Interval)
            else ("yes/no" if isinstance(b.bounds, Truth) else "label")
        )
        rows.append((b.name, b.label, shown, ", ".join(declared), "; ".join(b.flags)))
    widths = [max(display_width(r[i]) for r in rows) for i in range(4)]
    lines = [f"{scheme.title}  [{scheme.id}] — bounds from the declared domains"]
    for r in rows:
        cells = [pad(r[i], widths[i]) for i in range(4)]
        lines.append("  ".join([*cells, r[4]]).rstrip())
    return "\n".join(lines) + "\n"
