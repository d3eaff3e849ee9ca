"""The audit trail: why each node of each unit has its value, as plain data.

An audit is derived after scoring from the unit's slots and the scheme, so scoring itself pays
nothing for it. For a node it gives the formula as written, every input it read with its value
(per period where relevant), the raw value, the caps and floors that applied and how much they
clipped, the rounding, the conditional branch taken, the ranks it read (with tie groups), its
place in the source and its label and note. Sub-expressions needed for floors written inside a
formula (`max(0, …)`) and for branch conditions are evaluated by the reference interpreter.
"""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, localcontext
from typing import Any, Protocol

import attrs

from rulebook.arith import CONTEXT, canonical
from rulebook.engine import semantics
from rulebook.engine.interpret import Interpreter
from rulebook.engine.semantics import Clip
from rulebook.errors import Location
from rulebook.expr.syntax import value_names
from rulebook.scheme.model import Scheme

Value = Decimal | bool | str
PerPeriodValue = Value | Mapping[str, Value]


@attrs.frozen
class Input:
    """One name a formula read, with its kind (indicator, parameter, value, node, ranking,
    period weight), label and value for this unit (a period -> value mapping if per period)."""

    name: str
    kind: str
    label: str
    value: PerPeriodValue


@attrs.frozen
class Branch:
    """A conditional (`a if condition else b`) at the top of a formula and which way it went."""

    condition: str
    taken: bool


@attrs.frozen
class RankRead:
    """A rank a formula read: the basis value, the rank, who shares it, out of how many units."""

    ranking: str
    period: str | None
    basis: Decimal
    rank: int
    tied_with: tuple[str, ...]
    units: int
    method: str


@attrs.frozen
class NodeAudit:
    """Everything that explains one node's (or named value's) value for one unit."""

    unit: str
    node: str
    kind: str  # item, group, total, value
    label: str
    note: str
    value: PerPeriodValue
    raw: PerPeriodValue
    expression: str | None
    pattern: str | None
    arguments: tuple[tuple[str, str], ...]
    inputs: tuple[Input, ...]
    children: tuple[tuple[str, Decimal], ...]
    clips: tuple[Clip, ...]
    clamped: Decimal | None
    rounding: str | None
    branches: tuple[Branch, ...]
    ranks: tuple[RankRead, ...]
    periods: tuple[tuple[str, Decimal], ...]
    standard: Decimal | None
    location: Location | None

    @property
    def clipped(self) -> Decimal:
        """Points the caps and floors removed or added back, as a positive number: the sum of
        `clips` (declared `max:`/`min:` and a formula's top-level `max(0, …)`/`min`/`clamp`).
        The one definition every rendering shows."""
        return sum((c.clipped for c in self.clips), Decimal(0))

    @property
    def lost(self) -> Decimal | None:
        """Points below the standard (None without a standard; 0 at or above it)."""
        if self.standard is None or not isinstance(self.value, Decimal):
            return None
        return max(self.standard - self.value, Decimal(0))

    def to_dict(self, plain: Callable[[Any], Any] | None = None) -> dict[str, Any]:
        """The audit as JSON-ready data (decimals as strings). `plain` turns a value into its
        JSON form (default: canonical decimals); a caller writing many audits passes a
        memoising one."""
        _plain = plain or _plain_value
        scored = self.kind != "value"
        out: dict[str, Any] = {
            "kind": self.kind, "label": self.label,
            "value": format(self.value, "f") if scored else _plain(self.value),
            "raw": _plain(self.raw),
        }
        if self.expression is not None:
            out["expression"] = self.expression
        if self.pattern:
            out["pattern"] = {"name": self.pattern, "arguments": dict(self.arguments)}
        if self.inputs:
            out["inputs"] = [{"name": i.name, "kind": i.kind, "value": _plain(i.value)}
                             for i in self.inputs]
        if self.children:
            out["children"] = {c: format(v, "f") for c, v in self.children}
        if self.clips:
            out["clips"] = [{"kind": c.kind, "source": c.source, "bound": _plain(c.bound),
                             "before": _plain(c.before), "after": _plain(c.after),
                             "clipped": _plain(c.clipped)} for c in self.clips]
        out["clipped"] = _plain(self.clipped)
        if self.rounding:
            out["rounding"] = self.rounding
        if self.branches:
            out["branches"] = [{"condition": b.condition, "taken": b.taken}
                               for b in self.branches]
        if self.ranks:
            out["ranks"] = [{"ranking": r.ranking, "period": r.period, "basis": _plain(r.basis),
                             "rank": r.rank, "tied_with": list(r.tied_with), "units": r.units,
                             "method": r.method} for r in self.ranks]
        if self.periods:
            out["periods"] = {p: _plain(w) for p, w in self.periods}
        if self.standard is not None:
            out["standard"] = _plain(self.standard)
            out["lost"] = format(self.lost, "f") if self.lost is not None else None
        if self.location is not None:
            out["source"] = f"{self.location.file}:{self.location.line}"
        if self.note:
            out["note"] = self.note
        return out


@attrs.frozen
class PointsLost:
    """An item where a unit fell below the standard, with the inputs that explain it."""

    node: str
    label: str
    standard: Decimal
    value: Decimal
    lost: Decimal
    inputs: tuple[Input, ...]


class UnitScores(Protocol):
    """What the auditor reads of one unit's result (`rulebook.audit.result.UnitResult`)."""

    @property
    def unit(self) -> str: ...
    @property
    def vector(self) -> list[Any]: ...
    def value(self, name: str, period: str | None = None, *, raw: bool = False) -> Any: ...


class Scores(Protocol):
    """What the auditor reads of a whole result (`rulebook.audit.result.Result`): the scheme and
    every unit, so audits can show ranks and ties. A protocol, so the result module can use the
    auditor without the two importing each other."""

    @property
    def scheme(self) -> Scheme: ...
    @property
    def units(self) -> Sequence[UnitScores]: ...


class Auditor:
    """Builds audits for one Result; holds the reference interpreter and rank tables."""

    def __init__(self, result: Scores) -> None:
        self.result = result
        self.scheme: Scheme = result.scheme
        self.interpreter = Interpreter(self.scheme)
        self._rank_tables: dict[str, list[list[Any]]] = {}
        self._ties: dict[tuple[str, int], dict[Any, list[str]]] = {}
        self._unit_index: dict[str, int] = {}
        # per formula (keyed by its tree, kept alive with it): names read, period shares shown
        self._tree_names: dict[int, tuple[ast.expr, tuple[str, ...]]] = {}
        self._tree_periods: dict[int, tuple[ast.expr, tuple[tuple[str, Decimal], ...]]] = {}
        self._sources: dict[int, str] = {}
        self._last_unit: UnitScores | None = None
        self._last_audits: dict[str, NodeAudit] = {}

    # -- public ---------------------------------------------------------------------------------

    def explain(self, unit: UnitScores, name: str) -> NodeAudit:
        scheme = self.scheme
        if name == "total":
            return self._total(unit)
        if name in scheme.nodes:
            return self._node_of(unit, name)
        if name in scheme.values:
            return self._value(unit, name)
        raise KeyError(f"no node or value named {name!r}")

    def points_lost(self, unit: UnitScores) -> list[PointsLost]:
        """Items below their standard, the biggest loss first (ties by tree order)."""
        out = []
        for node_id in self.scheme.score_ids:
            node = self.scheme.nodes.get(node_id)
            if node is None or not node.is_item or node.standard is None:
                continue
            value = unit.value(node_id)
            if value < node.standard:
                audit = self._node_of(unit, node_id)
                out.append(PointsLost(node_id, node.label, node.standard, value,
                                      node.standard - value, audit.inputs))
        return sorted(out, key=lambda p: -p.lost)

    # -- kinds ----------------------------------------------------------------------------------

    def _total(self, unit: UnitScores) -> NodeAudit:
        scheme = self.scheme
        children = tuple((r, unit.value(r)) for r, _ in semantics.total_terms(scheme))
        return NodeAudit(
            unit.unit, "total", "total", scheme.total_label, "", unit.value("total"),
            unit.value("total", raw=True),
            semantics.total_formula(scheme), None, (), (), children, (), None, None, (), (),
            (), scheme.standard_total, None)

    def _node(self, unit: UnitScores, node_id: str) -> NodeAudit:
        node = self.scheme.nodes[node_id]
        raw = unit.value(node_id, raw=True)
        value = unit.value(node_id)
        settled = semantics.settle(node, raw, self.scheme.rounding)
        clamped, clips = settled.clamped, list(settled.clips)
        branches: list[Branch] = []
        if node.formula is None:
            children = tuple((c, unit.value(c)) for c in node.children)
            return NodeAudit(unit.unit, node_id, "group", node.label, node.note, value, raw,
                             None, None, (), (), children, tuple(clips), clamped,
                             self._rounding(clamped, value, node.min, node.max, False),
                             (), (), (), node.standard, node.location)
        tree = node.formula.tree
        formula_clips = self._formula_clips(tree, unit, branches)
        return NodeAudit(
            unit.unit, node_id, "item", node.label, node.note, value, raw, node.formula.text,
            node.pattern, node.arguments, self._inputs(tree, unit), (),
            tuple(formula_clips + clips), clamped,
            self._rounding(clamped, value, node.min, node.max, True), tuple(branches),
            self._ranks(tree, unit), self._periods(tree), node.standard, node.location)

    def _value(self, unit: UnitScores, name: str) -> NodeAudit:
        value = self.scheme.values[name]
        current = unit.value(name)
        branches: list[Branch] = []
        if self.scheme.axis_of(name) is None:
            self._formula_clips(value.formula.tree, unit, branches)
        return NodeAudit(
            unit.unit, name, "value", value.label, value.note, current, current,
            value.formula.text, None, (), self._inputs(value.formula.tree, unit), (), (), None,
            None, tuple(branches), self._ranks(value.formula.tree, unit),
            self._periods(value.formula.tree), None, value.location)

    # -- pieces ---------------------------------------------------------------------------------

    def _inputs(self, tree: ast.expr, unit: UnitScores) -> tuple[Input, ...]:
        seen: set[str] = set()
        out: list[Input] = []
        for name in self._names(tree):
            if name in seen or name == "weight":
                continue
            seen.add(name)
            out.append(Input(name, *self._describe(name, unit)))
        return tuple(out)

    def _names(self, tree: ast.expr) -> tuple[str, ...]:
        """The names a formula reads, in order (worked out once per formula, not per unit)."""
        key = id(tree)
        if key not in self._tree_names:
            self._tree_names[key] = (tree, tuple(n.id for n in value_names(tree)))
        return self._tree_names[key][1]

    def _describe(self, name: str, unit: UnitScores) -> tuple[str, str, PerPeriodValue]:
        scheme = self.scheme
        if name in scheme.parameters:
            return "parameter", scheme.parameters[name].label, unit.value(name)
        if name in scheme.indicators:
            ind = scheme.indicators[name]
            return "indicator", ind.label, unit.value(name)
        if name in scheme.values:
            value = scheme.values[name]
            return "value", value.label, unit.value(name)
        if name in scheme.rankings:
            return "ranking", scheme.rankings[name].label, unit.value(name)
        if name == "total":
            return "node", scheme.total_label, unit.value(name)
        return "node", scheme.nodes[name].label, unit.value(name)

    def _formula_clips(self, tree: ast.expr, unit: UnitScores,
                       branches: list[Branch]) -> list[Clip]:
        """Follow top-level conditionals (recording the branch) down to a top-level
        max/min/clamp with a constant bound, and report what that floor or cap clipped."""
        with localcontext(CONTEXT):
            while isinstance(tree, ast.IfExp):
                taken = bool(self.interpreter.run(tree.test, unit.vector, None))
                if id(tree.test) not in self._sources:
                    self._sources[id(tree.test)] = _source(tree.test)
                branches.append(Branch(self._sources[id(tree.test)], taken))
                tree = tree.body if taken else tree.orelse
            if not (isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name)):
                return []
            fname, args = tree.func.id, tree.args
            bounds: list[tuple[semantics.ClipKind, ast.expr, ast.expr]] = []
            if fname in ("max", "min") and len(args) == 2:
                kind: semantics.ClipKind = "floor" if fname == "max" else "cap"
                for limit, inner in ((args[0], args[1]), (args[1], args[0])):
                    if self._constant(limit) is not None:
                        bounds.append((kind, limit, inner))
                        break
            elif fname == "clamp":
                bounds = [("floor", args[1], args[0]), ("cap", args[2], args[0])]
            out = []
            for kind, bound_tree, inner in bounds:
                constant = self._constant(bound_tree)
                bound: Decimal = (self.interpreter.run(bound_tree, unit.vector, None)
                                  if constant is None else constant)
                before = self.interpreter.run(inner, unit.vector, None)
                after = (semantics.clamp_value(before, bound, None) if kind == "floor"
                         else semantics.clamp_value(before, None, bound))
                if after != before:
                    out.append(Clip(kind, bound, "formula", before, after))
            return out

    def _constant(self, tree: ast.expr) -> Decimal | None:
        if isinstance(tree, ast.Constant) and isinstance(tree.value, Decimal):
            return tree.value
        if isinstance(tree, ast.Name) and tree.id in self.scheme.parameters and \
                not self.scheme.per_unit_parameter(tree.id):
            return self.scheme.parameters[tree.id].value
        return None

    def _rounding(self, clamped: Decimal, value: Decimal, low: Decimal | None,
                  high: Decimal | None, item: bool) -> str | None:
        if not (item or low is not None or high is not None):
            return None
        r = self.scheme.rounding
        return (f"{canonical(clamped)} → {value} ({r.places} places, {r.mode})"
                if canonical(clamped) != canonical(value) or item else None)

    def _periods(self, tree: ast.expr) -> tuple[tuple[str, Decimal], ...]:
        key = id(tree)
        if key not in self._tree_periods:
            self._tree_periods[key] = (tree, self._weights_read(tree))
        return self._tree_periods[key][1]

    def _weights_read(self, tree: ast.expr) -> tuple[tuple[str, Decimal], ...]:
        """The periods' shares, if the formula reads them (a weighted aggregator, `weight`)."""
        uses = any((isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and
                    n.func.id in semantics.AGGREGATORS and
                    semantics.AGGREGATORS[n.func.id].weighted) or
                   (isinstance(n, ast.Name) and n.id == "weight") for n in ast.walk(tree))
        return tuple((p.id, p.share) for p in self.scheme.periods) if uses else ()

    def _ranks(self, tree: ast.expr, unit: UnitScores) -> tuple[RankRead, ...]:
        out = []
        names = set(self._names(tree))
        if not self._unit_index:
            self._unit_index.update((u.unit, i) for i, u in enumerate(self.result.units))
        index = self._unit_index[unit.unit]
        for name in sorted(names & set(self.scheme.rankings)):
            ranking = self.scheme.rankings[name]
            table = self._rank_table(name)
            periods: list[str | None] = list(self.scheme.axis_ids(self.scheme.axis_of(name))) \
                or [None]
            for offset, period in enumerate(periods):
                basis, rank = table[offset][index]
                tied = tuple(u for u in self._sharing(name, offset)[rank] if u != unit.unit)
                out.append(RankRead(name, period, basis, int(rank), tied,
                                    len(self.result.units), ranking.method))
        return tuple(out)

    def _node_of(self, unit: UnitScores, node_id: str) -> NodeAudit:
        """`_node`, remembered for the unit last asked about (points lost and the full audit
        of one unit read the same nodes; only one unit's audits are ever held)."""
        if self._last_unit is not unit:
            self._last_unit, self._last_audits = unit, {}
        audit = self._last_audits.get(node_id)
        if audit is None:
            audit = self._last_audits[node_id] = self._node(unit, node_id)
        return audit

    def _sharing(self, name: str, offset: int) -> dict[Any, list[str]]:
        """Per rank (at one period of a ranking), the units holding it, in unit order."""
        key = (name, offset)
        if key not in self._ties:
            groups: dict[Any, list[str]] = {}
            for u, (_, rank) in zip(self.result.units, self._rank_table(name)[offset],
                                    strict=True):
                groups.setdefault(rank, []).append(u.unit)
            self._ties[key] = groups
        return self._ties[key]

    def _rank_table(self, name: str) -> list[list[Any]]:
        """Per period: (basis, rank) of every unit, computed once per ranking."""
        if name not in self._rank_tables:
            ranking = self.scheme.rankings[name]
            points: list[str | None] = list(self.scheme.axis_ids(self.scheme.axis_of(name))) \
                or [None]
            self._rank_tables[name] = [
                [(u.value(ranking.basis, p), u.value(name, p)) for u in self.result.units]
                for p in points]
        return self._rank_tables[name]


def _source(tree: ast.expr) -> str:
    return re.sub(r"\s+", " ", ast.unparse(_for_display(tree)))


class _Shown:
    """Stands in for a Decimal constant so `ast.unparse` writes it as the number it is."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _for_display(tree: ast.expr) -> ast.expr:
    """A copy whose Decimal constants unparse as plain numbers (`70`, not `Decimal('70')`)."""
    shown = copy.deepcopy(tree)
    for node in ast.walk(shown):
        if isinstance(node, ast.Constant) and isinstance(node.value, Decimal):
            node.value = _Shown(canonical(node.value))
    return shown


def _plain_value(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain_value(v) for k, v in value.items()}
    if isinstance(value, bool | str | int) or value is None:
        return value
    return canonical(value)
