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
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, Inexact, localcontext

import attrs

from rulebook import arith
from rulebook.arith import CONTEXT
from rulebook.audit.tables import reaches_past, table_range
from rulebook.engine import periodna, semantics
from rulebook.expr.syntax import inner_axis
from rulebook.scheme.model import Scheme, spoken

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


MAX_INLINED = 200
"""Most times one formula's analysis re-reads a value's formula under a branch's conditions
(bounded work on any scheme; past it, the value's own range is used, which is still sound)."""


def _meet(a: Interval, b: Interval) -> Interval:
    """The values in both a and b."""
    lo = b.lo if a.lo is None else a.lo if b.lo is None else max(a.lo, b.lo)
    hi = b.hi if a.hi is None else a.hi if b.hi is None else min(a.hi, b.hi)
    return Interval(lo, hi, a.whole or b.whole)


def _without_zero(b: Interval) -> Interval:
    """The values of b other than 0: a whole number that is not 0 is at least 1 (or at most −1)."""
    if not b.whole:
        return b
    lo = ONE if b.lo is not None and b.lo == 0 else b.lo
    hi = -ONE if b.hi is not None and b.hi == 0 else b.hi
    return Interval(lo, hi, True)


def _power_end(base: Decimal, e: Decimal, up: bool) -> Decimal:
    """The power base ** e as the engines compute it, moved two units of the last digit outward when
    inexact (a fractional power is only almost always correctly rounded)."""
    context = CONTEXT.copy()
    context.clear_flags()
    value = context.power(base, e)
    if context.flags[Inexact]:
        for _ in range(2):
            value = context.next_plus(value) if up else context.next_minus(value)
    return value


def _fractional_power(a: Interval, e: Decimal) -> Interval:
    """The power x ** e for a fractional e: defined for x ≥ 0 (x > 0 when e < 0), increasing
    there for e > 0 and decreasing for e < 0."""
    if a.hi is not None and a.hi < 0:
        return Interval(None, None)  # every base is an evaluation error: no value at all
    lo = ZERO if a.lo is None or a.lo < 0 else a.lo
    if e > 0:
        return Interval(
            _power_end(lo, e, up=False), None if a.hi is None else _power_end(a.hi, e, up=True)
        )
    return Interval(
        ZERO if a.hi is None or a.hi == 0 else _power_end(a.hi, e, up=False),
        None if lo == 0 else _power_end(lo, e, up=True),
    )


_NEGATED: dict[type, type] = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.GtE,
    ast.LtE: ast.Gt,
    ast.Gt: ast.LtE,
    ast.GtE: ast.Lt,
}
_FLIPPED: dict[type, type] = {
    ast.Eq: ast.Eq,
    ast.NotEq: ast.NotEq,
    ast.Lt: ast.Gt,
    ast.LtE: ast.GtE,
    ast.Gt: ast.Lt,
    ast.GtE: ast.LtE,
}


def _conditions(test: ast.expr, holds: bool) -> Iterator[tuple[ast.expr, type, ast.expr]]:
    """(x, comparison, y) facts that hold when `test` is `holds`: `not` swaps, `and` that
    holds and `or` that fails give each part; a comparison gives itself both ways round."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        yield from _conditions(test.operand, not holds)
    elif isinstance(test, ast.BoolOp):
        if isinstance(test.op, ast.And) == holds:
            for part in test.values:
                yield from _conditions(part, holds)
    elif isinstance(test, ast.Compare) and (holds or len(test.ops) == 1):
        operands = [test.left, *test.comparators]
        for (left, right), op in zip(itertools.pairwise(operands), test.ops, strict=True):
            kind = type(op) if holds else _NEGATED[type(op)]
            yield left, kind, right
            yield right, _FLIPPED[kind], left


def _narrow(x: Interval, op: type, c: Interval) -> tuple[Interval, bool]:
    """The range x narrowed by `x op y` for some y in c, and whether x cannot be 0 then."""
    lo, hi, whole = x.lo, x.hi, x.whole

    def most(a: Decimal | None, b: Decimal | None) -> Decimal | None:
        return b if a is None else a if b is None else max(a, b)

    def least(a: Decimal | None, b: Decimal | None) -> Decimal | None:
        return b if a is None else a if b is None else min(a, b)

    nonzero = False
    if op is ast.Eq:
        met = _meet(x, c)
        return met, (met.lo is not None and met.lo > 0) or (met.hi is not None and met.hi < 0)
    if op is ast.NotEq:
        if c.lo is not None and c.lo == c.hi:
            nonzero = c.lo == 0
            if whole and c.lo == c.lo.to_integral_value():
                lo = c.lo + 1 if lo is not None and lo == c.lo else lo
                hi = c.lo - 1 if hi is not None and hi == c.lo else hi
    elif op in (ast.Gt, ast.GtE) and c.lo is not None:
        strict = op is ast.Gt
        bound = c.lo
        if whole:
            bound = (
                bound.to_integral_value(ROUND_FLOOR) + 1
                if strict
                else bound.to_integral_value(ROUND_CEILING)
            )
        lo = most(lo, bound)
        nonzero = c.lo > 0 or (strict and c.lo == 0)
    elif op in (ast.Lt, ast.LtE) and c.hi is not None:
        strict = op is ast.Lt
        bound = c.hi
        if whole:
            bound = (
                bound.to_integral_value(ROUND_CEILING) - 1
                if strict
                else bound.to_integral_value(ROUND_FLOOR)
            )
        hi = least(hi, bound)
        nonzero = c.hi < 0 or (strict and c.hi == 0)
    out = Interval(lo, hi, whole)
    return (_without_zero(out) if nonzero else out), nonzero


class Guards:
    """What the conditions of the branch being analysed say: for a sub-expression (keyed by
    its syntax) a range it lies in, and whether it cannot be 0 (`1 if b == 0 else a / b`)."""

    def __init__(
        self,
        ranges: dict[str, Interval] | None = None,
        nonzeros: frozenset[str] = frozenset(),
        trees: dict[str, ast.expr] | None = None,
    ) -> None:
        self.ranges = ranges or {}
        self.nonzeros = nonzeros
        self.trees = trees or {}

    def __bool__(self) -> bool:
        return bool(self.ranges or self.nonzeros)

    def narrow(self, node: ast.expr, got: Interval) -> Interval:
        key = ast.dump(node)
        known = self.ranges.get(key)
        out = got if known is None else _meet(got, known)
        return _without_zero(out) if key in self.nonzeros else out

    def nonzero(self, node: ast.expr) -> bool:
        return bool(self.nonzeros) and ast.dump(node) in self.nonzeros

    def assuming(self, test: ast.expr, holds: bool, num: Callable[[ast.expr], Interval]) -> Guards:
        """These guards and what `test` being `holds` adds."""
        ranges, nonzeros, trees = dict(self.ranges), set(self.nonzeros), dict(self.trees)
        for node, op, other in _conditions(test, holds):
            if isinstance(node, ast.Constant):
                continue
            key = ast.dump(node)
            narrowed, nonzero = _narrow(num(node), op, num(other))
            ranges[key] = _meet(ranges[key], narrowed) if key in ranges else narrowed
            trees[key] = node
            if nonzero:
                nonzeros.add(key)
        return Guards(ranges, frozenset(nonzeros), trees)

    def fixed(self, scheme: Scheme) -> Guards:
        """Only what is said of expressions with one value per unit (no aggregate, no
        `weight`, no name that varies by period): those hold in a formula on any axis."""

        def steady(tree: ast.expr) -> bool:
            for n in ast.walk(tree):
                if isinstance(n, ast.Call) and getattr(n.func, "id", "") in semantics.AGGREGATORS:
                    return False
                if isinstance(n, ast.Name) and (n.id == "weight" or scheme.axis_of(n.id)):
                    return False
            return True

        keep = {k for k, tree in self.trees.items() if steady(tree)}
        return Guards(
            {k: v for k, v in self.ranges.items() if k in keep},
            frozenset(k for k in self.nonzeros if k in keep),
            {k: v for k, v in self.trees.items() if k in keep},
        )


def constraint_facts(scheme: Scheme) -> frozenset[tuple[str, str]]:
    """Pairs (a, b) of names the scheme's `constraints:` keep in order, a ≤ b, wherever both
    are read at the same point: `a <= b` of one-value names; over periods
    `period_min(b - a) >= 0`, `period_max(a - b) <= 0`, or `first(a) <= first(b)` and
    `last(a) <= last(b)` when those cover every period. Constraints are checked on the data
    before anything is scored, so a scored unit satisfies them."""
    facts: set[tuple[str, str]] = set()
    seen: dict[tuple[str, str], set[int]] = {}
    count = len(scheme.periods)

    def named(node: ast.expr, axis: str | None) -> str | None:
        ok = isinstance(node, ast.Name) and scheme.axis_of(node.id) == axis
        return node.id if ok else None  # type: ignore[attr-defined]

    def difference(node: ast.expr, fname: str) -> tuple[str, str] | None:
        if not (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", "") == fname
            and isinstance(node.args[0], ast.BinOp)
            and isinstance(node.args[0].op, ast.Sub)
        ):
            return None
        x, y = named(node.args[0].left, "period"), named(node.args[0].right, "period")
        return (x, y) if x and y else None

    def zero(node: ast.expr) -> bool:
        return (
            isinstance(node, ast.Constant) and node.value == 0 and not isinstance(node.value, bool)
        )

    for value in scheme.values.values():
        if value.kind != "constraint":
            continue
        for small, op, big in _conditions(value.formula.tree, True):
            if op not in (ast.Lt, ast.LtE):
                continue
            a, b = named(small, None), named(big, None)
            if a and b:
                facts.add((a, b))
            bx = difference(big, "period_min")
            if bx and zero(small):  # 0 <= period_min(b - a)
                facts.add((bx[1], bx[0]))
            sx = difference(small, "period_max")
            if sx and zero(big):  # period_max(a - b) <= 0
                facts.add(sx)
            for fname, index in (("first", 0), ("last", count - 1)):
                if all(
                    isinstance(n, ast.Call) and getattr(n.func, "id", "") == fname
                    for n in (small, big)
                ):
                    a = named(small.args[0], "period")  # type: ignore[attr-defined]
                    b = named(big.args[0], "period")  # type: ignore[attr-defined]
                    if a and b:
                        seen.setdefault((a, b), set()).add(index)
    facts.update(pair for pair, indices in seen.items() if len(indices) == count)
    return frozenset(facts)


def constraint_limits(scheme: Scheme) -> list[tuple[str, type, Decimal]]:
    """(name, comparison, constant) facts the scheme's `constraints:` state of a name against
    a constant (a number or a parameter without by_unit): `e >= 2`, `2 <= e`, `e != 0`, parts
    of an `and`; over periods `period_min(e) >= c` and `period_max(e) <= c` (every period).
    Constraints are checked on the data before anything is scored, so every scored unit meets
    them: the range of the name may be narrowed by them."""
    out: list[tuple[str, type, Decimal]] = []

    def constant(node: ast.expr) -> Decimal | None:
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            inner = constant(node.operand)
            return None if inner is None else -inner
        if isinstance(node, ast.Constant) and isinstance(node.value, Decimal):
            return node.value
        if isinstance(node, ast.Name) and node.id in scheme.parameters:
            parameter = scheme.parameters[node.id]
            return None if parameter.by_unit else parameter.value
        return None

    def subject(node: ast.expr, op: type) -> str | None:
        if isinstance(node, ast.Name) and scheme.axis_of(node.id) is None:
            return node.id
        if (  # period_min(e) >= c: e >= c in every period; period_max(e) <= c likewise
            isinstance(node, ast.Call)
            and len(node.args) == 1
            and isinstance(node.args[0], ast.Name)
            and scheme.axis_of(node.args[0].id) == "period"
            and (getattr(node.func, "id", ""), op)
            in {
                ("period_min", ast.Gt),
                ("period_min", ast.GtE),
                ("period_max", ast.Lt),
                ("period_max", ast.LtE),
            }
        ):
            return node.args[0].id
        return None

    for value in scheme.values.values():
        if value.kind != "constraint":
            continue
        for left, op, right in _conditions(value.formula.tree, True):
            name, limit = subject(left, op), constant(right)
            if name is not None and limit is not None and name not in scheme.parameters:
                out.append((name, op, limit))
    return out


def aggregate_range(function: str, part: Interval | None) -> Interval:
    """A sound range for an aggregate of values in `part` over n ≥ 1 units, n unknown: a mean,
    min or max stays within `part`; a sum of n values in [a, b] is at least a when a ≥ 0 and at
    most b when b ≤ 0, else unbounded on that side; a count is 0 … the number of units."""
    if function == "count":
        return Interval(ZERO, None, True)
    if part is None:
        return Interval(None, None)
    if function == "sum":
        lo = part.lo if part.lo is not None and part.lo >= 0 else None
        hi = part.hi if part.hi is not None and part.hi <= 0 else None
        return Interval(lo, hi, part.whole)
    return Interval(part.lo, part.hi, part.whole and function != "mean")


class Analyzer:
    """Computes the Range of every name of a scheme, in dependency order."""

    def __init__(self, scheme: Scheme) -> None:
        self.scheme = scheme
        self.ranges: dict[str, Range] = {}
        self.raws: dict[str, Range] = {}
        self.flags: dict[str, list[str]] = {}
        self.current = ""
        self.guards = Guards()
        """What the branch being analysed knows of its sub-expressions (from its conditions)."""
        self.axis: str | None = None
        """The axis of the formula being analysed (None: one value per unit)."""
        self.inlined = 0
        self.muted = False
        self.ordered = constraint_facts(scheme)
        self.limits: dict[str, list[tuple[type, Decimal]]] = {}
        """What the constraints say of a name against a constant (`e >= 2`)."""
        for name, op, limit in constraint_limits(scheme):
            self.limits.setdefault(name, []).append((op, limit))
        self.nonzero_names: set[str] = set()
        """Names the constraints keep from 0 (`d != 0`, `e > 0`)."""

    def constrained(self, name: str, found: Range) -> Range:
        """`found` narrowed by the constraints on `name` (each scored unit meets them)."""
        if not isinstance(found, Interval):
            return found
        for op, limit in self.limits.get(name, ()):
            narrowed, nonzero = _narrow(found, op, Interval.point(limit))
            found = _meet(found, narrowed)
            if nonzero:
                self.nonzero_names.add(name)
                found = _without_zero(found)
        return found

    def run(self) -> list[NodeBounds]:
        scheme = self.scheme
        with localcontext(CONTEXT):
            for name, ind in scheme.indicators.items():
                self.ranges[name] = self.constrained(
                    name, self.indicator(ind.type, ind.min, ind.max)
                )
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
                    or name in scheme.aggregates
                    or name == "total"
                ):
                    continue
                self.current, self.axis, self.inlined = name, scheme.axis_of(name), 0
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
                else scheme.values[name].label or _internal(scheme, name)
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
        if self.muted:
            return
        found = self.flags.setdefault(self.current, [])
        if text not in found:
            found.append(text)

    def name_range(self, name: str) -> Range:
        scheme = self.scheme
        if name in scheme.rankings:
            return Interval(ONE, None, True)  # 1 … the number of units
        if name in scheme.aggregates:
            agg = scheme.aggregates[name]
            part = self.ranges.get(agg.of)
            ranged = aggregate_range(agg.function, part if isinstance(part, Interval) else None)
            if agg.function == "sum" and agg.of in scheme.not_applicable_names:
                ranged = ranged.union(Interval(ZERO, ZERO, True))  # no unit applies: 0
            return ranged
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
            entry = scheme.values[name]
            group = periodna.combining_group(scheme, name)
            found: Range = (
                self.expr(entry.formula.tree)
                if group is None  # else a per-period group's period scores, by its n/a rule
                else self.children_range(
                    group.children,
                    group.not_applicable,
                    ".periods",
                    periodna.weights(scheme, group),
                )
            )
            if entry.period_of is None or not isinstance(found, Interval):
                return found
            # a per-period node's period scores: each point settled by its period rule
            return self.settled(semantics.period_part(scheme.nodes[entry.period_of]), found)
        node = scheme.nodes[name]
        if node.formula is not None:
            raw = self.expr(node.formula.tree)
        else:
            raw = self.children_range(node.children, node.not_applicable)
        assert isinstance(raw, Interval)
        self.raws[name] = raw
        value = self.settled(node, raw)
        if node.standard is not None and (value.hi is None or value.hi > node.standard):
            self.flag("can exceed its standard")
        if value.lo is None or value.hi is None:
            self.flag("unbounded")
        elif value.lo == value.hi:
            self.flag(f"always {arith.canonical(value.lo)}: the data cannot change it")
        return value

    def settled(self, node: semantics.Scored, raw: Interval) -> Interval:
        """`semantics.bound` then rounding over an interval, flagging a floor or cap that can
        clip."""

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
        return value

    def children_range(
        self,
        children: Sequence[str],
        rule: str | None,
        suffix: str = "",
        weights: Sequence[Decimal | None] | None = None,
    ) -> Interval:
        """A group's raw range: the plain sum; with children that may be n/a, their parent's
        rule (`semantics.applicable_sum`): under `full`/`zero` such a child may count its
        standard/0 instead (`semantics.na_alternative`), under `rescale` the scaled sum lies
        within `semantics.rescaled_span`. A per-period group's period score: `suffix`
        ".periods" and the `weights` of `semantics.period_weights`."""
        parts = []
        for child in children:
            part = self.ranges[child + suffix]
            assert isinstance(part, Interval)
            parts.append(part)
        na = self.scheme.not_applicable_names
        maybe = [c + suffix in na for c in children]
        if not any(maybe):
            return semantics.combine_children(parts, Interval(ZERO, ZERO, True))
        standards = (
            list(weights)
            if weights is not None
            else [self.scheme.nodes[c].standard for c in children]
        )
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
        """What `node` can be, narrowed by what the branch's conditions say of it."""
        got = self.bare(node)
        return self.guarded(node, got) if self.guards else got

    def bare(self, node: ast.expr) -> Range:
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
            return self.name_value(node.id)
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Div):
                return self.divide(node.left, node.right)
            if isinstance(node.op, ast.Pow):
                return self.power(self.num(node.left), node.right)
            a, b = self.num(node.left), self.num(node.right)
            if isinstance(node.op, ast.Add):
                return _plus(a, b)
            if isinstance(node.op, ast.Sub):
                return _plus(a, _neg(b))
            return _times(a, b)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                t = self.expr(node.operand)
                return Truth(t.can_false, t.can_true) if isinstance(t, Truth) else Truth(True, True)
            a = self.num(node.operand)
            return _neg(a) if isinstance(node.op, ast.USub) else a
        if isinstance(node, ast.BoolOp):
            parts = self.operands(node)
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
            body = self.branch(node.test, True, node.body) if can_true else None
            other = self.branch(node.test, False, node.orelse) if can_false else None
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

    def quiet(self, node: ast.expr) -> Interval:
        """`num` without flags: what a condition says is worked out apart from where its parts
        are evaluated (and flagged)."""
        muted, self.muted = self.muted, True
        try:
            return self.num(node)
        finally:
            self.muted = muted

    def operands(self, node: ast.BoolOp) -> list[Range]:
        """Each operand of `and` (`or`) analysed knowing the ones before it held (failed): it is
        only evaluated then (`b != 0 and a / b > 1` divides by b ≠ 0)."""
        outer, parts = self.guards, []
        holds = isinstance(node.op, ast.And)
        try:
            for value in node.values:
                parts.append(self.expr(value))
                self.guards = self.guards.assuming(value, holds, self.quiet)
        finally:
            self.guards = outer
        return parts

    def name_value(self, name: str) -> Range:
        """A name's range; under a guard, a value's formula is analysed again with what the
        guard knows (`d / target` where `target = T * weight` and the branch has T ≠ 0)."""
        known = self.ranges.get(name)
        value = self.scheme.values.get(name)
        if (
            not self.guards
            or value is None
            or self.inlined >= MAX_INLINED
            or not isinstance(known, Interval)
        ):
            return known
        axis = self.scheme.axis_of(name)
        kept = self.guards if axis == self.axis else self.guards.fixed(self.scheme)
        if not kept:
            return known
        self.inlined += 1
        outer = self.guards, self.axis, self.muted
        self.guards, self.axis, self.muted = kept, axis, True  # its flags are its own
        try:
            again = self.expr(value.formula.tree)
        finally:
            self.guards, self.axis, self.muted = outer
        return _meet(known, again) if isinstance(again, Interval) else known

    def guarded(self, node: ast.expr, got: Range) -> Range:
        """`got` narrowed by what the current branch's conditions say of `node`."""
        if not self.guards or not isinstance(got, Interval):
            return got
        return self.guards.narrow(node, got)

    def branch(self, test: ast.expr, holds: bool, body: ast.expr) -> Range:
        """`body` analysed knowing that `test` is `holds`."""
        outer = self.guards
        self.guards = outer.assuming(test, holds, self.quiet)
        try:
            return self.expr(body)
        finally:
            self.guards = outer

    def divide(self, left: ast.expr, right: ast.expr, guarded: bool = False) -> Interval:
        """The quotient left / right. Not flagged when the divisor cannot be 0 here: its range
        excludes 0, a condition of the branch says so, or the division is `ratio`'s."""
        a, b = self.num(left), self.num(right)
        nonzero = (
            guarded
            or self.guards.nonzero(right)
            or (isinstance(right, ast.Name) and right.id in self.nonzero_names)
        )
        if not (b.lo is not None and b.lo > 0) and not (b.hi is not None and b.hi < 0):
            if not nonzero:
                self.flag("divides by a value that can be 0 (check that it is guarded)")
            b = _without_zero(b)
        if (b.lo is not None and b.lo > 0) or (b.hi is not None and b.hi < 0):
            out = _times(a, self.reciprocal(b))
        elif b.lo is not None and b.lo >= 0 and a.lo is not None and a.lo >= 0:
            out = Interval(ZERO, None)  # non-negative over non-negative
        elif b.lo is not None and b.lo >= 0 and a.hi is not None and a.hi <= 0:
            out = Interval(None, ZERO)
        else:
            out = Interval(None, None)
        share = self.share(left, right)
        return out if share is None else _meet(out, share)

    def share(self, left: ast.expr, right: ast.expr) -> Interval | None:
        """`k × a / b` where a constraint says a ≤ b and a ≥ 0: a / b lies in [0, 1] (b ≥ a ≥ 0
        and b ≠ 0, so b > 0), the quotient in k × [0, 1]."""
        if not isinstance(right, ast.Name):
            return None
        factor, part = Interval(ONE, ONE, True), left
        if isinstance(left, ast.BinOp) and isinstance(left.op, ast.Mult):
            for one, other in ((left.left, left.right), (left.right, left.left)):
                if isinstance(one, ast.Name) and (one.id, right.id) in self.ordered:
                    factor, part = self.num(other), one
                    break
        if not isinstance(part, ast.Name) or (part.id, right.id) not in self.ordered:
            return None
        low = self.num(part).lo
        if low is None or low < 0:
            return None
        return _times(factor, Interval(ZERO, ONE))

    @staticmethod
    def reciprocal(b: Interval) -> Interval:
        lo = ZERO if b.hi is None else ONE / b.hi
        hi = ONE / b.lo if b.lo is not None else ZERO
        return Interval(min(lo, hi), max(lo, hi))

    def power(self, a: Interval, exponent: ast.expr) -> Interval:
        """The power a ** e for a load-time constant e. A whole e: the ends' powers (an even
        power of an interval around 0 starts at 0; a negative one is 1 / a ** −e). A
        fractional e exists only for a ≥ 0 (a > 0 when e < 0; other bases are an evaluation
        error, never a value) and is monotone there, so the ends' powers bound it."""
        e = self.expr(exponent)
        if not (isinstance(e, Interval) and e.lo == e.hi and e.lo is not None):
            return Interval(None, None)
        try:
            if e.lo != e.lo.to_integral_value():
                if a.lo is None or a.lo < 0:  # those bases are an error when scored
                    self.flag(
                        "can raise a negative number to a fractional power (an error when "
                        "scored; the range shown is that of the values that exist): "
                        "guard the base, e.g. max(0, x)"
                    )
                return _fractional_power(a, e.lo)
            n = int(e.lo)
            if n < 0:
                whole = self.power_whole(a, -n)
                if (whole.lo is not None and whole.lo > 0) or (
                    whole.hi is not None and whole.hi < 0
                ):
                    return self.reciprocal(whole)
                return Interval(None, None)
            return self.power_whole(a, n)
        except ArithmeticError:  # an end past the computed ceiling: no finite bound
            return Interval(None, None)

    @staticmethod
    def power_whole(a: Interval, n: int) -> Interval:
        if a.lo is None or a.hi is None:
            if n % 2 == 0 and (a.lo is not None or a.hi is not None):
                if a.lo is not None and a.lo >= 0:
                    return Interval(a.lo**n, None, a.whole)
                if a.hi is not None and a.hi <= 0:
                    return Interval(a.hi**n, None, a.whole)
                return Interval(ZERO, None, a.whole)
            if n % 2 and a.lo is not None:
                return Interval(a.lo**n, None, a.whole)
            if n % 2 and a.hi is not None:
                return Interval(None, a.hi**n, a.whole)
            return Interval(None, None)
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
        table = self.scheme.tables.get(fname)
        if table is not None:  # over the rows the argument can reach (rulebook.audit.tables)
            arg = self.num(node.args[0]) if table.kind == "band" else Interval(None, None)
            least, most = table_range(table, arg.lo, arg.hi)
            if (
                table.kind == "band"
                and table.otherwise is None
                and reaches_past(table, arg.lo, arg.hi)
            ):
                self.flag(f"`{fname}` can be called outside its bands (an evaluation error)")
            return Interval(least, most, all(v == v.to_integral_value() for v in table.values()))
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
        if fname == "ratio":  # a / b where b ≠ 0, else the stated value: never a division by 0
            return self.divide(node.args[0], node.args[1], guarded=True).union(args[2])
        if fname == "round":
            return self.round(args[0], node.args[1], node.args[2])
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

    def round(self, x: Interval, places: ast.expr, mode: ast.expr) -> Interval:
        """Rounding is monotone (`semantics.round_places`): the ends are rounded."""
        k = self.num(places)
        if k.lo is None or k.lo != k.hi or not isinstance(mode, ast.Constant):
            return Interval(None, None)  # refused when the scheme is built
        p, m = k.lo, str(mode.value)

        def end(v: Decimal | None) -> Decimal | None:
            return None if v is None else semantics.round_places(v, p, m)

        return Interval(end(x.lo), end(x.hi), x.whole or p <= 0)

    def aggregate(self, fname: str, arg: ast.expr) -> Range:
        """Every aggregator's fold is non-decreasing in each value (`rulebook.engine.semantics`),
        so the aggregate lies between the folds of the argument's ends, over every set of
        points (all periods, or one group's) it may be taken over. Its argument is read at
        other points than the branch's conditions, so they do not apply inside it."""
        outer = self.guards, self.axis
        self.guards, self.axis = Guards(), inner_axis(arg, self.scheme.axis_of)
        try:
            x = self.num(arg)
        finally:
            self.guards, self.axis = outer
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


def _internal(scheme: Scheme, name: str) -> str:
    """What the author wrote for a value with an internal name (an `applies:` or `count:`
    condition), shown as its label; "" for any other name."""
    said = spoken(name, scheme.nodes, scheme.aggregates)
    return said if said.startswith("the ") else ""


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
