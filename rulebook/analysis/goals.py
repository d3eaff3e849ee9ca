"""What it would take: the smallest changes to one unit's indicators, within their declared
domains, that reach a goal — a score (the total or any node) at least X, an outcome label, or a
total rank at most k — each verified by scoring the whole data set again, exactly.

"Smallest" means fewest indicators changed, then the least total change measured as a share
of each indicator's domain width (for a domain open at one end, the spread of its values in
the data). The search (docs/analysis.md; its re-scoring engine is `rulebook.analysis.search`)
is deterministic and bounded by a budget of re-scorings:

1. probe each input the goal depends on (an indicator, or one period of a per-period one;
   the dependency graph prunes the others) at the end of its domain that scores best (the
   direction a node's `monotone:` declares, else both ends; every other
   value of a yes/no or enum indicator), keeping the inputs that raise the goal's measure;
2. a static upper bound (rulebook.audit.bounds) below a score target proves it out of reach
   before any search; otherwise set every helpful input to its best: if the goal is still not
   met it is `not_reached`, said plainly with how far the best gets (inputs that help only
   together, or that a data constraint ties to others, are not searched);
3. one input alone, then pairs of the inputs that help most, then greedy sets (each excluding
   the first input of the set before, for alternatives); each numeric change is cut to the least
   that still reaches the goal by bisection over a grid: counts whole, rates to the data's
   decimal places (at least 0.1), other decimals likewise (at least 0.01);
4. suggestions dominated by another (a subset of its changes, each no smaller) are dropped.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from rulebook.analysis.goal import Goal, GoalError, parse_goal
from rulebook.analysis.search import DEFAULT_BUDGET, Budget, Input, Search, Suggestion
from rulebook.analysis.whatif import Point
from rulebook.arith import canonical
from rulebook.audit.bounds import Interval, analyze
from rulebook.data.dataset import DataSet
from rulebook.scheme.model import Scheme

__all__ = ["Goal", "GoalError", "GoalReport", "Suggestion", "parse_goal", "what_it_takes"]

MAX_SUGGESTIONS = 5
PAIR_POOL = 8
"""Pairs are tried among this many inputs that help most on their own."""


@attrs.frozen
class GoalReport:
    """The answer for one unit and goal. `status`: `met` (already), `reached` (suggestions),
    `out_of_reach` (proven: the target is above the static bound of what it names, from the
    declared domains), `not_reached` (not even with every input that helps on its own at its
    best — out of reach unless inputs that only help together could do it), `not_found` (no
    suggestion within the budget)."""

    unit: str
    goal: Goal
    status: str
    suggestions: tuple[Suggestion, ...]
    now: str
    best: str
    rescorings: int
    budget: int
    exhausted: bool
    places: int = 2

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "goal": self.goal.to_dict(),
            "status": self.status,
            "now": self.now,
            "best": self.best,
            "suggestions": [s.to_dict(self.places) for s in self.suggestions],
            "rescorings": self.rescorings,
            "budget": self.budget,
            "budget_exhausted": self.exhausted,
        }

    def render(self) -> str:
        head = f"what it would take: {self.unit}, {self.goal.describe()} (now {self.now})"
        lines = [head]
        if self.status == "met":
            lines.append("  already met")
        elif self.status == "out_of_reach":
            lines.append("  out of reach within the declared domains: " + self.best)
        elif self.status == "not_reached":
            lines.append(
                "  not reached: " + self.best + "\n  (each indicator at the end of "
                "its domain that scores best on its own; indicators that help only "
                "together, or that a data constraint ties to others, are not "
                "searched)"
            )
        elif self.status == "not_found" and self.best == "band":
            lines.append(
                "  no way found: the search moves each indicator to the end of its "
                "domain that scores best, and this outcome may be a band in between; "
                "try values with --set"
            )
        elif self.status == "not_found":
            lines.append(f"  no way found within the budget of {self.budget} re-scorings")
        for k, s in enumerate(self.suggestions, 1):
            lines.append(f"  {k}. {s.render(self.places)}")
        if self.status == "reached":
            lines.append(
                f"  each verified by re-scoring; {self.rescorings} re-scorings"
                + (" (budget reached: the list may not be complete)" if self.exhausted else "")
            )
        return "\n".join(lines) + "\n"


def what_it_takes(
    scheme: Scheme,
    data: DataSet,
    unit: str,
    goal: Goal,
    *,
    budget: int = DEFAULT_BUDGET,
    keep: Iterable[str] = (),
    limit: int = MAX_SUGGESTIONS,
) -> GoalReport:
    """The smallest changes to `unit`'s indicators (all but those in `keep`) that reach `goal`,
    at most `limit` of them, none dominated by another; see the module docstring."""
    search = Search(scheme, data, unit, goal, budget=budget, keep=keep)
    places = scheme.rounding.places
    now_scored = search.score({}, full=True)
    assert now_scored is not None  # the unedited data scores (Search checked it)
    now = _state(goal, now_scored[2], places)
    found: list[Suggestion] = []

    def report(status: str, best: str = "") -> GoalReport:
        kept = _undominated(found)[:limit]
        if status == "search":
            status = "reached" if kept else "not_found"
        return GoalReport(
            unit,
            goal,
            status,
            tuple(kept),
            now,
            best,
            search.used,
            budget,
            search.exhausted,
            places,
        )

    if search.base[0]:
        return report("met")
    ceiling = _static_ceiling(scheme, goal)
    if ceiling is not None:
        return report(
            "out_of_reach",
            f"{goal.target} can never exceed "
            f"{canonical(ceiling)} (its bounds from the declared domains)",
        )
    try:
        inputs = search.inputs()
        by_point = {i.point: i for i in inputs}
        everything = {i.point: i.best for i in inputs}
        best = search.score(everything)
        if inputs and best is not None and not best[0] and goal.kind == "outcome":
            # An outcome may be a middle band that every input at its best overshoots: the
            # search tries only the ends of each domain, so it claims nothing here.
            return report("not_found", "band")
        if not inputs or best is None or not best[0]:
            shown = search.score(everything, full=True) if inputs else now_scored
            reached = (shown or now_scored)[2]
            broke = (
                f"; changing {', '.join(search.broke)} alone breaks a data constraint"
                if search.broke
                else ""
            )
            return report(
                "not_reached",
                "even with every indicator at its best the "
                + _state(goal, reached, places)
                + broke,
            )
        singles = [i for i in inputs if search.met({i.point: i.best})]
        for inp in singles:
            value = search.least(inp, {})
            if value is not None:
                _add(found, search.suggestion({inp.point: value}, by_point))
        pool = [i for i in inputs if i not in singles][:PAIR_POOL]
        if len(found) < limit:
            for a, b in itertools.combinations(pool, 2):
                if search.met({a.point: a.best, b.point: b.best}):
                    _add(found, _minimised(search, [a, b], by_point))
        excluded: set[Point] = set()
        while len(found) < limit:
            chosen = _greedy(search, [i for i in inputs if i.point not in excluded])
            if chosen is None:
                break
            _add(found, _minimised(search, chosen, by_point))
            excluded.add(chosen[0].point)
    except Budget:
        pass
    return report("search")


def _greedy(search: Search, inputs: list[Input]) -> list[Input] | None:
    chosen: list[Input] = []
    for inp in inputs:
        chosen.append(inp)
        if search.met({i.point: i.best for i in chosen}):
            return chosen
    return None


def _minimised(
    search: Search, chosen: list[Input], by_point: Mapping[Point, Input]
) -> Suggestion | None:
    values = search.minimise(chosen)
    return None if values is None else search.suggestion(values, by_point)


def _add(found: list[Suggestion], suggestion: Suggestion | None) -> None:
    if suggestion is not None and all(s.changes != suggestion.changes for s in found):
        found.append(suggestion)


def _undominated(found: list[Suggestion]) -> list[Suggestion]:
    """Fewest changes first, then smallest total size; drop any dominated by another."""
    ordered = sorted(found, key=lambda s: (len(s.changes), s.size, [c.render() for c in s.changes]))
    return [
        s
        for k, s in enumerate(ordered)
        if not any(
            o.dominates(s)
            for j, o in enumerate(ordered)
            if j != k and (not s.dominates(o) or j < k)
        )
    ]


def _static_ceiling(scheme: Scheme, goal: Goal) -> Decimal | None:
    """The node's static upper bound when it is below a score goal's target (so no data can
    reach it), else None."""
    if goal.kind != "score":
        return None
    for b in analyze(scheme):
        if (
            b.name == goal.target
            and isinstance(b.bounds, Interval)
            and b.bounds.hi is not None
            and b.bounds.hi < Decimal(goal.value)
        ):
            return b.bounds.hi
    return None


def _state(goal: Goal, scored: Any, places: int) -> str:
    total, rank, outcomes, node = scored
    text = f"total is {total:.{places}f}, rank {rank}"
    if goal.kind == "score" and goal.target != "total":
        text = f"{goal.target} is {node:.{places}f}, " + text
    if goal.kind == "outcome":
        text += "".join(
            f", {n} {label}" for n, label in outcomes if not goal.target or n == goal.target
        )
    return text
