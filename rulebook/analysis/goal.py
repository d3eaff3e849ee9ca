"""Goals a unit may be asked to reach — a score (the total or any node) at least X, an
outcome label, or a total rank at most k — read from `--goal` text, and how a result is
measured against one."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import attrs

from rulebook.arith import canonical
from rulebook.audit.result import Result, UnitResult
from rulebook.engine.semantics import NotApplicable
from rulebook.errors import RulebookError, did_you_mean
from rulebook.scheme.model import Scheme

Metric = tuple[Decimal, ...]


class GoalError(RulebookError, ValueError):
    """A goal that cannot be read (a usage error)."""


@attrs.frozen
class Goal:
    """What a unit should reach: `score` (node `target` ≥ `value`), `outcome` (outcome
    `target`, or any outcome when empty, has label `value`) or `rank` (total rank ≤ `value`)."""

    kind: str
    target: str
    value: Decimal | str

    def met(self, result: Result, unit: UnitResult) -> bool:
        if self.kind == "score":
            return _score(unit, self.target) >= Decimal(self.value)
        if self.kind == "outcome":
            return any(
                label == self.value
                for name, label in unit.outcomes.items()
                if not self.target or name == self.target
            )
        return rank_of(result, unit.unit) <= Decimal(self.value)

    def measure(self, result: Result, unit: UnitResult) -> Metric:
        """What the search raises: the score; for a rank, minus the rank then the total; for
        an outcome, whether it is met then the total."""
        if self.kind == "score":
            return (_score(unit, self.target),)
        if self.kind == "rank":
            return (-rank_of(result, unit.unit), _score(unit, "total"))
        return (Decimal(self.met(result, unit)), _score(unit, "total"))

    def describe(self) -> str:
        if self.kind == "score":
            return f"{self.target} ≥ {canonical(Decimal(self.value))}"
        if self.kind == "rank":
            return f"rank ≤ {self.value}"
        return f"{self.target or 'an outcome'} = {self.value}"

    def to_dict(self) -> dict[str, Any]:
        value = self.value if isinstance(self.value, str) else canonical(self.value)
        return {"kind": self.kind, "target": self.target, "value": value}


def _score(unit: UnitResult, node: str) -> Decimal:
    """The score a goal reads; a score that does not apply meets no goal and is below every
    number the search compares it with (−∞, never shown)."""
    value = unit.total if node == "total" else unit.scores[node]
    return _BELOW_ALL if isinstance(value, NotApplicable) else value


_BELOW_ALL = Decimal("-Infinity")


def rank_of(result: Result, unit: str) -> Decimal:
    names = [u.unit for u in result.units]
    return result.total_ranks()[names.index(unit)]


_GOAL = re.compile(r"^\s*([^<>=]+?)\s*(>=|<=|=)\s*(.+?)\s*$")


def parse_goal(scheme: Scheme, text: str) -> Goal:
    """`total=900` (or `total>=900`, any node id), `rank=3` (`rank<=3`), `outcome=合格` (any
    outcome) or `year_end=合格` / `outcome.year_end=合格` (one outcome)."""
    match = _GOAL.match(text)
    if not match:
        raise GoalError(
            f"--goal {text!r}: expected NAME=VALUE, e.g. total=900, rank=3 or outcome=合格"
        )
    name, op, value = match.groups()
    if name == "rank":
        if op == ">=" or not value.isdigit() or int(value) < 1:
            raise GoalError(
                f"--goal {text}: a rank goal is rank=K or rank<=K with K a whole "
                "number ≥ 1 (rank 1 is the top)"
            )
        return Goal("rank", "", Decimal(int(value)))
    if name == "outcome" or name.startswith("outcome.") or name in scheme.outcomes:
        target = name.removeprefix("outcome").lstrip(".")
        if target and target not in scheme.outcomes:
            raise GoalError(
                f"--goal {text}: no outcome `{target}` in scheme {scheme.id}"
                + _hint(target, scheme.outcomes)
            )
        labels = sorted(
            {
                label
                for n, o in scheme.outcomes.items()
                for label in o.labels
                if not target or n == target
            }
        )
        if op != "=" or value not in labels:
            raise GoalError(
                f"--goal {text}: an outcome goal names one of its labels: "
                + (", ".join(labels) or "(this scheme has no outcomes)")
                + _hint(value, labels)
            )
        return Goal("outcome", target, value)
    if name not in scheme.score_ids:
        raise GoalError(
            f"--goal {text}: no node `{name}` (goals: total=X, NODE=X, rank=K, "
            "outcome=LABEL)" + _hint(name, [*scheme.score_ids, "rank", "outcome"])
        )
    try:
        number = Decimal(value)
    except ArithmeticError:
        number = Decimal("NaN")
    if op == "<=" or not number.is_finite():
        raise GoalError(f"--goal {text}: a score goal is {name}=X or {name}>=X with X a number")
    return Goal("score", name, number)


def _hint(name: str, candidates: Iterable[str]) -> str:
    hint = did_you_mean(name, candidates)
    return f"; {hint}" if hint else ""
