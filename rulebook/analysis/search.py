"""The re-scoring engine of the goal search: one unit's inputs probed, moved and cut down to
the least change, every candidate scored exactly against the rest of the data and counted
against a budget (see `rulebook.analysis.goals` for the search itself)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_CEILING, Decimal
from typing import Any

import attrs
import networkx as nx

from rulebook.analysis.goal import Goal, Metric, rank_of
from rulebook.analysis.result_diff import exact_text
from rulebook.analysis.whatif import Point, edited, read, unit_values
from rulebook.arith import canonical
from rulebook.data.dataset import DataSet, InputValue
from rulebook.engine.evaluate import evaluate
from rulebook.engine.semantics import NotApplicable
from rulebook.errors import DataError, EvaluationError
from rulebook.scheme.graph import DependencyGraph
from rulebook.scheme.model import Indicator, Scheme

DEFAULT_BUDGET = 2000
"""Re-scorings one search may spend (one re-scoring = the unit, or the data set, scored once)."""
UNBOUNDED_SPAN = Decimal(1000)
"""How far past its current value an input with no declared end is searched (in its own units)."""


def cone(scheme: Scheme, goal: Goal, graph: DependencyGraph | None = None) -> set[str]:
    """Every name the goal's measure depends on (the scheme's dependency graph): the target
    node, the outcome(s), or for a rank the total, and all they read, transitively."""
    graph = graph if graph is not None else scheme.program.plan.graph
    targets = (
        ["total"]
        if goal.kind == "rank"
        else [goal.target]
        if goal.kind == "score" or goal.target
        else list(scheme.outcomes)
    )
    out: set[str] = set()
    for target in targets:
        if target in graph.graph:
            out |= nx.ancestors(graph.graph, target) | {target}
    return out


def compares_units(scheme: Scheme, goal: Goal, graph: DependencyGraph | None = None) -> bool:
    """Whether the goal depends on other units: a rank goal does, and so does a score or
    outcome that reads a ranking or an aggregate, directly or through what it reads. Otherwise a
    unit scored alone gets the same value, so the search re-scores it alone (much cheaper)."""
    if goal.kind == "rank":
        return True
    across = {*scheme.rankings, *scheme.aggregates}
    return bool(across) and bool(cone(scheme, goal, graph) & across)


@attrs.frozen
class Change:
    """One input of the unit moved from `old` to `new`; `size` is the move as a share of the
    input's domain width (1 for a yes/no or enum)."""

    indicator: str
    period: str | None
    old: InputValue
    new: InputValue
    size: Decimal
    label: str = ""

    @property
    def point(self) -> Point:
        return (self.indicator, self.period)

    def render(self) -> str:
        where = f"[{self.period}]" if self.period else ""
        text = f"{self.indicator}{where} {_show(self.old)} → {_show(self.new)}"
        if isinstance(self.old, Decimal) and isinstance(self.new, Decimal):
            delta = self.new - self.old
            text += f" ({'+' if delta > 0 else '−'}{exact_text(abs(delta))})"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator,
            "period": self.period,
            "old": _plain(self.old),
            "new": _plain(self.new),
            "size": canonical(self.size),
        }


@attrs.frozen
class Suggestion:
    """A set of changes that reaches the goal, verified by re-scoring: the unit's total, rank
    and outcomes with the changes applied."""

    changes: tuple[Change, ...]
    total: Decimal
    rank: int
    outcomes: tuple[tuple[str, str], ...]

    @property
    def size(self) -> Decimal:
        return sum((c.size for c in self.changes), Decimal(0))

    def dominates(self, other: Suggestion) -> bool:
        """Every change of self is in other, in the same direction and no larger."""
        theirs = {c.point: c for c in other.changes}
        for c in self.changes:
            o = theirs.get(c.point)
            if o is None:
                return False
            if (
                isinstance(c.new, Decimal)
                and isinstance(o.new, Decimal)
                and isinstance(c.old, Decimal)
            ):
                if (c.new - c.old) * (o.new - c.old) < 0 or abs(c.new - c.old) > abs(o.new - c.old):
                    return False
            elif c.new != o.new:
                return False
        return True

    def render(self, places: int) -> str:
        return (
            "; ".join(c.render() for c in self.changes)
            + f"  → total {self.total:.{places}f}, rank {self.rank}"
            + "".join(f", {n} {label}" for n, label in self.outcomes)
        )

    def to_dict(self, places: int) -> dict[str, Any]:
        return {
            "changes": [c.to_dict() for c in self.changes],
            "total": f"{self.total:.{places}f}",
            "rank": self.rank,
            "outcomes": dict(self.outcomes),
        }


class Budget(Exception):
    """The search spent its re-scorings; the caller reports what it found so far."""


@attrs.frozen
class Input:
    """One searchable input: where it is, its current value, its candidate best value and
    the grid step its changes are cut to."""

    point: Point
    indicator: Indicator
    current: InputValue
    best: InputValue
    step: Decimal
    width: Decimal
    gain: Metric


class Search:
    """Re-scores one unit's edits against the rest of the data, counting against a budget."""

    def __init__(
        self,
        scheme: Scheme,
        data: DataSet,
        unit: str,
        goal: Goal,
        *,
        budget: int = DEFAULT_BUDGET,
        keep: Iterable[str] = (),
        graph: DependencyGraph | None = None,
    ) -> None:
        self.scheme, self.unit, self.goal, self.budget = scheme, unit, goal, budget
        self.values = unit_values(data, unit)
        self.full = data
        graph = graph if graph is not None else scheme.program.plan.graph
        self.graph = graph
        self.reads = cone(scheme, goal, graph)
        alone = not compares_units(scheme, goal, graph)
        self.data = DataSet((self.values,), data.file) if alone else data
        self.keep = frozenset(keep)
        self.used = 0
        self.exhausted = False
        self._spreads: dict[str, tuple[Decimal, Decimal, int]] = {}
        self.broke: list[str] = []
        """Indicators whose change alone breaks a data constraint (or the arithmetic)."""
        self._cache: dict[
            tuple[frozenset[tuple[Point, Any]], bool], tuple[bool, Metric, Any] | None
        ] = {}
        base = self.score({})
        if base is None:  # the unedited data does not score: raise its own error
            evaluate(scheme, self.data)
            raise AssertionError("unreachable: the data scored the second time")
        self.base = base

    def score(
        self, changes: Mapping[Point, InputValue], *, full: bool = False
    ) -> tuple[bool, Metric, Any] | None:
        """(goal met, measure, (total, rank, outcomes, target score)) with `changes` applied;
        None when the edit breaks a data constraint or the arithmetic. `full`: score the whole
        data set even when the unit alone would do (to report its total and rank)."""
        full = full and self.data is not self.full
        key = (frozenset((p, _key(v)) for p, v in changes.items()), full)
        if key in self._cache:
            return self._cache[key]
        if self.used >= self.budget:
            self.exhausted = True
            raise Budget
        self.used += 1
        try:
            result = evaluate(
                self.scheme, edited(self.full if full else self.data, self.unit, changes)
            )
        except (DataError, EvaluationError):
            self._cache[key] = None
            return None
        unit = result.unit(self.unit)
        out = (
            self.goal.met(result, unit),
            self.goal.measure(result, unit),
            (
                unit.total,
                int(rank_of(result, self.unit)),
                tuple(unit.outcomes.items()),
                unit.scores.get(self.goal.target),
            ),
        )
        self._cache[key] = out
        return out

    def met(self, changes: Mapping[Point, InputValue]) -> bool:
        scored = self.score(changes)
        return scored is not None and scored[0]

    def measure(self, changes: Mapping[Point, InputValue]) -> Metric | None:
        scored = self.score(changes)
        return None if scored is None else scored[1]

    # -- inputs -------------------------------------------------------------------------------

    def inputs(self, points: Iterable[Point] | None = None) -> list[Input]:
        """The inputs that raise the goal's measure on their own, the most helpful first."""
        base = self.base[1]
        out = []
        for point in points if points is not None else self.points():
            ind = self.scheme.indicators[point[0]]
            current = read(self.values, point)
            best: tuple[Metric, InputValue] | None = None
            for value in self.candidates(ind, current):
                metric = self.measure({point: value})
                if metric is None and point[0] not in self.broke:
                    self.broke.append(point[0])
                if metric is not None and metric > base and (best is None or metric > best[0]):
                    best = (metric, value)
            if best is None:
                continue
            width = self.width(ind, current)
            out.append(
                Input(
                    point,
                    ind,
                    current,
                    best[1],
                    self.step(ind),
                    width,
                    tuple(a - b for a, b in zip(best[0], base, strict=True)),
                )
            )
        return sorted(out, key=lambda i: tuple(-g for g in i.gain))

    def points(self) -> list[Point]:
        """The inputs searched: every period of every indicator the goal depends on (pruned
        by the dependency graph), except `record_only` and kept ones."""
        out: list[Point] = []
        for name, ind in self.scheme.indicators.items():
            if ind.record_only or name in self.keep or name not in self.reads:
                continue
            if ind.per_period:
                out += [(name, p.id) for p in self.scheme.periods]
            else:
                out.append((name, None))
        return out

    def candidates(self, ind: Indicator, current: InputValue) -> list[InputValue]:
        if isinstance(current, NotApplicable):
            return []  # not applicable to the unit: no value of it is searched
        if ind.type == "bool":
            return [not current]
        if ind.type == "enum":
            return [v for v in ind.values if v != current]
        assert isinstance(current, Decimal)
        lo, hi = self.ends(ind, current)
        direction = self.declared(ind.name)
        if direction == "increasing":
            return [hi] if hi != current else []
        if direction == "decreasing":
            return [lo] if lo != current else []
        return [v for v in (lo, hi) if v != current]

    def declared(self, indicator: str) -> str | None:
        """The direction every reader of the indicator that the goal depends on declares in
        its `monotone:` (None unless all of them are nodes declaring the same one)."""
        readers = [r for r in self.graph.graph.successors(indicator) if r in self.reads]
        found = set()
        for reader in readers:
            node = self.scheme.nodes.get(reader)
            direction = dict(node.monotone).get(indicator) if node is not None else None
            if direction is None:
                return None
            found.add(direction)
        return found.pop() if len(found) == 1 else None

    def ends(self, ind: Indicator, current: InputValue) -> tuple[Decimal, Decimal]:
        assert isinstance(current, Decimal)
        lo = ind.min if ind.min is not None else current - UNBOUNDED_SPAN
        hi = ind.max if ind.max is not None else current + UNBOUNDED_SPAN
        return lo, hi

    def width(self, ind: Indicator, current: InputValue) -> Decimal:
        """What a change is measured against: the declared domain's width; for a domain open
        at one end, the spread of the indicator's values over every unit (and period) of the
        data, at least 1 — so 18 more of something every unit has 0–2 of counts as large."""
        if not isinstance(current, Decimal):
            return Decimal(1)
        if ind.min is not None and ind.max is not None and ind.max > ind.min:
            return ind.max - ind.min
        lo, hi, _ = self.spread(ind.name)
        return max(max(hi, current) - min(lo, current), Decimal(1))

    def step(self, ind: Indicator) -> Decimal:
        """Counts move by 1; rates by the finest step in the data (at least 0.1); other
        decimals likewise (at least 0.01)."""
        if ind.type == "count":
            return Decimal(1)
        places = max(1 if ind.type == "rate" else 2, self.spread(ind.name)[2])
        return Decimal(1).scaleb(-min(places, 6))

    def spread(self, name: str) -> tuple[Decimal, Decimal, int]:
        """The lowest and highest value of a numeric indicator over the whole data set, and
        the most decimal places any value has (computed once per indicator)."""
        if name not in self._spreads:
            values = [
                v
                for u in self.full.units
                for raw in (u.values.get(name),)
                for v in (raw.values() if isinstance(raw, Mapping) else [raw])
                if isinstance(v, Decimal) and v.is_finite()
            ] or [Decimal(0)]
            places = max(-int(v.normalize().as_tuple().exponent) for v in values)
            self._spreads[name] = (min(values), max(values), places)
        return self._spreads[name]

    # -- minimising ---------------------------------------------------------------------------

    def least(self, inp: Input, fixed: Mapping[Point, InputValue]) -> InputValue | None:
        """The value nearest the current one (on the input's grid, toward its best) that meets
        the goal with `fixed` applied; None if even its best does not."""
        if not self.met({**fixed, inp.point: inp.best}):
            return None
        if not isinstance(inp.best, Decimal):
            return inp.best
        current, best = inp.current, inp.best
        assert isinstance(current, Decimal)
        sign = 1 if best > current else -1
        n = int((abs(best - current) / inp.step).to_integral_value(ROUND_CEILING))

        def at(k: int) -> Decimal:
            value = current + sign * k * inp.step
            return best if k >= n or (value - best) * sign > 0 else value

        low, high = 0, n  # the goal fails at `low` steps and holds at `high`
        while high - low > 1:
            mid = (low + high) // 2
            if self.met({**fixed, inp.point: at(mid)}):
                high = mid
            else:
                low = mid
        return at(high)

    def suggestion(
        self, values: Mapping[Point, InputValue], inputs: Mapping[Point, Input]
    ) -> Suggestion | None:
        """The changes as a Suggestion, verified on the whole data set (None if they do not
        reach the goal there)."""
        scored = self.score(values, full=True)
        if scored is None or not scored[0]:
            return None
        order = {p: k for k, p in enumerate(self.points())}
        changes = tuple(
            self.change(inputs[point], value)
            for point, value in sorted(values.items(), key=lambda pv: order.get(pv[0], 0))
        )
        total, rank, outcomes, _ = scored[2]
        return Suggestion(changes, total, rank, outcomes)

    def change(self, inp: Input, value: InputValue) -> Change:
        """Moving one input to `value`, with its size as a share of the input's width."""
        size = (
            abs(value - inp.current) / inp.width
            if isinstance(value, Decimal) and isinstance(inp.current, Decimal)
            else Decimal(1)
        )
        return Change(inp.point[0], inp.point[1], inp.current, value, size, inp.indicator.label)

    def minimise(self, chosen: list[Input]) -> dict[Point, InputValue] | None:
        """Cut a set of inputs (all at their best, which meets the goal) to the least: drop
        each that is not needed (weakest first), then bisect each, twice round."""
        values = {i.point: i.best for i in chosen}
        for inp in reversed(chosen):
            without = {p: v for p, v in values.items() if p != inp.point}
            if without and self.met(without):
                values = without
        kept = [i for i in chosen if i.point in values]
        for _ in range(2):
            for inp in kept:
                rest = {p: v for p, v in values.items() if p != inp.point}
                value = self.least(inp, rest)
                if value is None:
                    return None
                values[inp.point] = value
        return {i.point: values[i.point] for i in kept}


def _key(value: InputValue) -> Any:
    return canonical(value) if isinstance(value, Decimal) else value


def _show(value: InputValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return exact_text(value) if isinstance(value, Decimal) else str(value)


def _plain(value: InputValue) -> Any:
    return exact_text(value) if isinstance(value, Decimal) else value
