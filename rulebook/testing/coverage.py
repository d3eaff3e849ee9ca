"""Coverage of a scheme by its YAML cases: which items the cases assert, which sides of every
conditional (`a if c else b`) the cases' data took, and which caps and floors — declared
(`max:`/`min:`) or written as `max(c, …)` / `min(c, …)` with a constant — actually clipped, and
which rows of each table call (`rulebook.scheme.tables`) the cases' values fell in.

The cases' results are re-read by a recording interpreter on each unit's final slots, so
scoring is unchanged and nothing is re-scored.
"""

from __future__ import annotations

import ast
from decimal import Decimal, localcontext
from typing import Any

import attrs

from rulebook.arith import CONTEXT
from rulebook.audit.result import Result
from rulebook.audit.trail import _source
from rulebook.engine import semantics
from rulebook.engine.interpret import Interpreter
from rulebook.scheme import axes
from rulebook.scheme.model import Scheme
from rulebook.scheme.tables import tables_called


@attrs.frozen
class Coverage:
    """What the cases exercised, and what they never did (each as readable text)."""

    items: int
    items_asserted: int
    branches: int
    branches_taken: int
    limits: int
    limits_hit: int
    never: tuple[str, ...]
    rows: int = 0
    rows_matched: int = 0

    def render(self, scheme_id: str) -> str:
        lines = [
            (
                f"{scheme_id}: coverage — items asserted {self.items_asserted}/{self.items}, "
                f"branch sides taken {self.branches_taken}/{self.branches}, caps and floors "
                f"hit {self.limits_hit}/{self.limits}"
                + (f", table rows matched {self.rows_matched}/{self.rows}" if self.rows else "")
            )
        ]
        lines += [f"    never: {n}" for n in self.never]
        return "\n".join(lines)


_KEY: dict[semantics.ClipKind, str] = {"floor": "min", "cap": "max"}
"""The scheme key that declares each kind of clip."""


class _Recorder(Interpreter):
    """The reference interpreter, noting each conditional's side and each constant bound that
    won a max()/min()."""

    def __init__(self, scheme: Scheme) -> None:
        super().__init__(scheme)
        self.owner = ""
        self.seen: set[tuple[str, int, int, str]] = set()

    def _eval_ifexp(self, node: ast.IfExp) -> Any:
        taken = bool(self._eval(node.test))
        self.seen.add((self.owner, node.col_offset, id(node), "true" if taken else "false"))
        return self._eval(node.body) if taken else self._eval(node.orelse)

    def _eval_call(self, node: ast.Call) -> Any:
        table = self.scheme.tables.get(node.func.id)  # type: ignore[attr-defined]
        if table is not None:
            x = self._eval(node.args[0])
            found = table.match(x)
            if found is not None:
                self.seen.add((self.owner, node.col_offset, id(node), f"row {found[0]}"))
            return table(x)
        value = super()._eval_call(node)
        bound = _constant_bound(self.scheme, node)
        if bound is not None and value == bound[1]:
            others = [a for a in node.args if a is not bound[0]]
            if others and all(self._eval(a) != value for a in others):
                self.seen.add((self.owner, node.col_offset, id(node), "bound"))
        return value


def _constant_bound(scheme: Scheme, node: ast.Call) -> tuple[ast.expr, Decimal] | None:
    """For `max(c, x)` / `min(x, c)` with a written constant c: (c's node, c)."""
    if not (isinstance(node.func, ast.Name) and node.func.id in ("max", "min")):
        return None
    for arg in node.args:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, Decimal):
            return arg, arg.value
        if (
            isinstance(arg, ast.Name)
            and arg.id in scheme.parameters
            and not scheme.per_unit_parameter(arg.id)
        ):
            return arg, scheme.parameters[arg.id].value
    return None


def _formulas(scheme: Scheme) -> list[tuple[str, ast.expr]]:
    out = [(n.id, n.formula.tree) for n in scheme.nodes.values() if n.formula is not None]
    out += [
        (v.name, v.formula.tree) for v in scheme.values.values() if v.kind in ("value", "outcome")
    ]
    return out


def _slots_of(scheme: Scheme, vector: list[Any], name: str) -> list[Any]:
    """Every slot of `name` in a unit's slot list (one per period or group if it varies)."""
    start = scheme.program.plan.slots[name]
    return vector[start : start + scheme.axis_size(scheme.axis_of(name))]


def measure(scheme: Scheme, results: list[Result], asserted: set[str]) -> Coverage:
    """Coverage of `scheme` by the results of its cases and the node ids they asserted."""
    recorder = _Recorder(scheme)
    formulas = _formulas(scheme)
    limits_declared: set[str] = set()
    with localcontext(CONTEXT):
        for result in results:
            for unit in result:
                for owner, tree in formulas:
                    if semantics.reads_na(_slots_of(scheme, unit.vector, owner)):
                        continue  # not applicable for this unit: the formula did not run
                    recorder.owner = owner
                    memo: dict[int, Any] = {}
                    for ctx in axes.points(scheme, scheme.axis_of(owner)):
                        recorder.run(tree, unit.vector, ctx, memo)
                for node in scheme.nodes.values():
                    raw = unit.value(node.id, raw=True)
                    if raw is semantics.NA:
                        continue
                    settled = semantics.settle(node, raw, scheme.rounding)
                    limits_declared.update(f"{node.id} {_KEY[clip.kind]}" for clip in settled.clips)
                    if node.per is not None:  # each period score by the node's period rule
                        rule = semantics.period_part(node)
                        for raw in unit.value(f"{node.id}.periods", raw=True).values():
                            clips = semantics.settle(rule, raw, scheme.rounding).clips
                            limits_declared.update(
                                f"{node.id} period_{_KEY[clip.kind]}" for clip in clips
                            )
    never: list[str] = []
    branches = taken = limits = hit = rows = matched = 0
    for owner, tree in formulas:
        for name, call in tables_called(tree, scheme.tables):
            for row in scheme.tables[name].rows():
                rows += 1
                if (owner, call.col_offset, id(call), f"row {row}") in recorder.seen:
                    matched += 1
                else:
                    never.append(f"{owner}: `{_source(call)}` never fell in the row `{row}`")
        for part in ast.walk(tree):
            if isinstance(part, ast.IfExp):
                for side in ("true", "false"):
                    branches += 1
                    if (owner, part.col_offset, id(part), side) in recorder.seen:
                        taken += 1
                    else:
                        never.append(f"{owner}: `{_source(part.test)}` was never {side}")
            elif isinstance(part, ast.Call) and _constant_bound(scheme, part) is not None:
                limits += 1
                if (owner, part.col_offset, id(part), "bound") in recorder.seen:
                    hit += 1
                else:
                    never.append(f"{owner}: `{_source(part)}` never clipped")
    for node in scheme.nodes.values():
        for key, bound in (
            ("min", node.min),
            ("max", node.max),
            ("period_min", node.period_min),
            ("period_max", node.period_max),
        ):
            if bound is not None:
                limits += 1
                if f"{node.id} {key}" in limits_declared:
                    hit += 1
                else:
                    never.append(f"{node.id}: `{key}: {bound}` never clipped")
    items = [n.id for n in scheme.nodes.values() if n.is_item]
    missing = [i for i in items if i not in asserted]
    never = [f"{i}: never asserted by a case" for i in missing] + never
    return Coverage(
        len(items),
        len(items) - len(missing),
        branches,
        taken,
        limits,
        hit,
        tuple(never),
        rows,
        matched,
    )
