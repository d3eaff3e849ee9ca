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
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, localcontext
from typing import Any, NamedTuple, Protocol

import attrs

from rulebook.arith import CONTEXT, canonical
from rulebook.audit import applicable
from rulebook.audit.tables import TableRead, calls_tables, table_reads
from rulebook.engine import periodna, semantics
from rulebook.engine.codegen import compile_expression
from rulebook.engine.semantics import Clip
from rulebook.errors import Location
from rulebook.expr.syntax import value_names
from rulebook.scheme.model import Scheme

Value = Decimal | bool | str | semantics.NotApplicable
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
class AggregateRead:
    """An aggregate a formula read: `function` of `of` over `units` units — all of them
    (`by` None) or those whose `by` indicator is `group` — and its value for this unit's group
    (a period -> value mapping if it varies). `not_applicable` of those units were left out
    because their value (a `count`'s condition) was n/a (`rulebook.engine.aggregates`)."""

    aggregate: str
    function: str
    of: str
    by: str | None
    group: str | None
    units: int
    value: PerPeriodValue
    not_applicable: int = 0


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
    reference: str = ""
    """The clause of the source document the node or value cites (`reference:`), or ""."""
    tables: tuple[TableRead, ...] = ()
    """The table calls the formula made: argument, row matched, value (`rulebook.audit.tables`)."""
    aggregates: tuple[AggregateRead, ...] = ()
    not_applicable: str | None = None
    """Why the node does not apply to this unit (its value is then n/a), else None."""
    combined: str | None = None
    """For a group or the total with n/a children: what its `not_applicable:` rule did."""

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
        memoising one. Rendered by `render`, the one function every audit dict comes from."""
        static = _Static(
            self.kind,
            self.label,
            self.note,
            self.expression,
            self.pattern,
            self.arguments,
            tuple((i.name, i.kind, i.label) for i in self.inputs),
            tuple(c for c, _ in self.children),
            self.periods,
            self.standard,
            f"{self.location.file}:{self.location.line}" if self.location is not None else None,
            self.reference,
        )
        facts = _Facts(
            self.value,
            self.raw,
            tuple(i.value for i in self.inputs),
            tuple(v for _, v in self.children),
            self.clips,
            self.clamped,
            self.rounding,
            tuple((b.condition, b.taken) for b in self.branches),
            self.ranks,
            self.tables,
            self.aggregates,
            self.not_applicable,
            self.combined,
        )
        return render(static, facts, plain or _plain_value)


@attrs.frozen
class PeriodPointsLost:
    """A period in which a per-period item fell below its `period_standard`."""

    node: str
    label: str
    period: str
    standard: Decimal
    value: Decimal
    lost: Decimal


@attrs.frozen
class PointsLost:
    """An item where a unit fell below the standard, with the inputs that explain it."""

    node: str
    label: str
    standard: Decimal
    value: Decimal
    lost: Decimal
    inputs: tuple[Input, ...]


class _Static:
    """The part of a node's audit that is the same for every unit: its text, the names it
    reads (with their kind and label), where it is written. Worked out once per scheme."""

    __slots__ = (
        "arguments",
        "children",
        "expression",
        "inputs",
        "kind",
        "label",
        "note",
        "pattern",
        "periods",
        "reference",
        "source",
        "standard",
    )

    def __init__(
        self,
        kind: str,
        label: str,
        note: str,
        expression: str | None,
        pattern: str | None,
        arguments: tuple[tuple[str, str], ...],
        inputs: tuple[tuple[str, str, str], ...],
        children: tuple[str, ...],
        periods: tuple[tuple[str, Decimal], ...],
        standard: Decimal | None,
        source: str | None,
        reference: str = "",
    ) -> None:
        self.kind, self.label, self.note, self.expression = kind, label, note, expression
        self.reference = reference
        self.pattern, self.arguments, self.inputs, self.children = (
            pattern,
            arguments,
            inputs,
            children,
        )
        self.periods, self.standard, self.source = periods, standard, source


class _Facts(NamedTuple):
    """The part of a node's audit that depends on the unit: values read and what happened."""

    value: PerPeriodValue
    raw: PerPeriodValue
    inputs: tuple[PerPeriodValue, ...]
    children: tuple[Decimal, ...]
    clips: tuple[Clip, ...]
    clamped: Decimal | None
    rounding: str | None
    branches: tuple[tuple[str, bool], ...]
    ranks: tuple[RankRead, ...]
    tables: tuple[TableRead, ...] = ()
    aggregates: tuple[AggregateRead, ...] = ()
    not_applicable: str | None = None
    combined: str | None = None


def _score_text(value: Any) -> str | None:
    """A score in an audit dict: its decimal text; None (JSON null) when it is n/a."""
    return None if value is semantics.NA else format(value, "f")


def render(static: _Static, facts: _Facts, plain: Callable[[Any], Any]) -> dict[str, Any]:
    """A node's audit as JSON-ready data: the one rendering behind `NodeAudit.to_dict` and the
    audit of `Result.to_dict(audit=True)`; hot when every unit is audited, so written for speed."""
    value, raw, inputs, children, clips, _, rounding, branches, ranks = facts[:9]
    tables, aggregates = facts.tables, facts.aggregates
    kind = static.kind
    if kind != "value":
        out: dict[str, Any] = {
            "kind": kind,
            "label": static.label,
            "value": _score_text(value),
            "raw": plain(raw),
        }
    else:
        shown = plain(value)
        out = {
            "kind": kind,
            "label": static.label,
            "value": shown,
            "raw": (dict(shown) if shown.__class__ is dict else shown)
            if raw is value
            else plain(raw),
        }
    if static.expression is not None:
        out["expression"] = static.expression
    if static.pattern:
        out["pattern"] = {"name": static.pattern, "arguments": dict(static.arguments)}
    if inputs:
        out["inputs"] = [
            {"name": head[0], "kind": head[1], "value": plain(v)}
            for head, v in zip(static.inputs, inputs, strict=True)
        ]
    if children:
        out["children"] = {
            c: _score_text(v) for c, v in zip(static.children, children, strict=True)
        }
    if clips:
        out["clips"] = [
            {
                "kind": c.kind,
                "source": c.source,
                "bound": plain(c.bound),
                "before": plain(c.before),
                "after": plain(c.after),
                "clipped": plain(c.clipped),
            }
            for c in clips
        ]
        out["clipped"] = plain(sum((c.clipped for c in clips), _ZERO))
    else:
        out["clipped"] = "0"  # plain(_ZERO): canonical zero
    if rounding:
        out["rounding"] = rounding
    if branches:
        out["branches"] = [{"condition": c, "taken": t} for c, t in branches]
    if ranks:
        out["ranks"] = [
            {
                "ranking": r.ranking,
                "period": r.period,
                "basis": plain(r.basis),
                "rank": r.rank,
                "tied_with": list(r.tied_with),
                "units": r.units,
                "method": r.method,
            }
            for r in ranks
        ]
    if tables:
        out["tables"] = [
            {
                "table": t.table,
                "argument": t.argument,
                "value": plain(t.value),
                "period": t.period,
                "row": t.row,
                "result": plain(t.result),
            }
            for t in tables
        ]
    if aggregates:
        out["aggregates"] = [
            {
                "aggregate": a.aggregate,
                "function": a.function,
                "of": a.of,
                "by": a.by,
                "group": a.group,
                "units": a.units,
                "value": plain(a.value),
                **({"not_applicable": a.not_applicable} if a.not_applicable else {}),
            }
            for a in aggregates
        ]
    if static.periods:
        out["periods"] = {p: plain(w) for p, w in static.periods}
    standard = static.standard
    if standard is not None:
        out["standard"] = plain(standard)
        out["lost"] = (
            format(max(standard - value, _ZERO), "f") if isinstance(value, Decimal) else None
        )
    if facts.not_applicable is not None:
        out["not_applicable"] = facts.not_applicable
    if facts.combined is not None:
        out["combined"] = facts.combined
    if static.source is not None:
        out["source"] = static.source
    if static.reference:
        out["reference"] = static.reference
    if static.note:
        out["note"] = static.note
    return out


_ZERO = Decimal(0)


Getter = Callable[[list[Any]], Any]


class _Spec(_Static):
    """A node's `_Static` plus how to read its per-unit facts from a slot list: getters for its
    value, raw value, inputs and children, its floor/cap plan, the rankings it reads."""

    __slots__ = (
        "aggregated",
        "branches_only",
        "children_of",
        "clipper",
        "inputs_of",
        "item",
        "location",
        "name",
        "node",
        "ranked",
        "raw_of",
        "reads_tables",
        "value_of",
    )
    name: str
    location: Location | None
    node: Any  # the scheme's node (None for `total` and values)
    value_of: Getter
    raw_of: Getter
    inputs_of: Getter  # the inputs' values, as a tuple
    children_of: Getter  # the children's values, as a tuple
    clipper: _ClipPlan | None
    branches_only: bool  # a value's formula: branches shown, its floor/cap not
    ranked: tuple[tuple[str, int, str | None, str], ...]
    aggregated: tuple[str, ...]  # the aggregates the formula reads
    item: bool
    reads_tables: tuple[ast.expr, str | None] | None  # a formula calling a table, its axis


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
    @property
    def names(self) -> list[str]: ...
    def column(self, name: str, period: str | None = None) -> list[Any]: ...


# A formula's top-level floor/cap, worked out once per formula: either a branch
# (condition function, its text, then-plan, else-plan) or the bounds at the end of the branches
# [(kind, constant bound or bound function, operand function)].
_Bound = tuple[semantics.ClipKind, Decimal | Getter, Getter]
_ClipPlan = tuple[Getter, str, Any, Any] | list[_Bound]


class Auditor:
    """Builds audits for one Result. What each node's audit needs is worked out once per
    auditor (`_Spec`: fixed text, slot getters, compiled branch tests and clip operands), so
    auditing a unit is reading its slot list; the facts of the unit last asked about are kept,
    as points lost and the full audit read the same nodes."""

    def __init__(self, result: Scores) -> None:
        self.result = result
        self.scheme: Scheme = result.scheme
        self._specs: dict[str, _Spec] = {}
        self._rank_tables: dict[str, list[list[Any]]] = {}
        self._ties: dict[tuple[str, int], dict[Any, list[str]]] = {}
        self._place: dict[tuple[str, int], list[int]] = {}  # each unit's place in its tie group
        self._unit_index: dict[str, int] = {}
        self._group_sizes: dict[str | None, dict[Any, int]] = {}
        self._na_counts: dict[str, dict[Any, int]] = {}
        self._last_unit: UnitScores | None = None
        self._last_facts: dict[str, _Facts] = {}
        self._text: dict[Decimal, str] = {}
        self._standards: list[_Spec] | None = None  # items with a standard
        na = self.scheme.not_applicable_names
        self._combining = frozenset(  # groups (and the total) that may meet an n/a child
            [n.id for n in self.scheme.nodes.values() if any(c in na for c in n.children)]
            + (["total"] if any(r in na for r in self.scheme.roots) else [])
        )
        self._period_parts = {
            n: semantics.period_part(self.scheme.nodes[v.period_of])
            for n, v in self.scheme.values.items()
            if v.period_of is not None
        }  # the period scores of per-period nodes, and the rule each point is settled by

    # -- public ---------------------------------------------------------------------------------

    def explain(self, unit: UnitScores, name: str) -> NodeAudit:
        spec = self._spec(name)
        facts = self._facts(unit, spec)
        return NodeAudit(
            unit.unit,
            spec.name,
            spec.kind,
            spec.label,
            spec.note,
            facts.value,
            facts.raw,
            spec.expression,
            spec.pattern,
            spec.arguments,
            tuple(
                Input(n, k, label, v)
                for (n, k, label), v in zip(spec.inputs, facts.inputs, strict=True)
            ),
            tuple(zip(spec.children, facts.children, strict=True)),
            facts.clips,
            facts.clamped,
            facts.rounding,
            tuple(Branch(c, t) for c, t in facts.branches),
            facts.ranks,
            spec.periods,
            spec.standard,
            spec.location,
            spec.reference,
            facts.tables,
            facts.aggregates,
            facts.not_applicable,
            facts.combined,
        )

    def explain_dict(
        self, unit: UnitScores, name: str, plain: Callable[[Any], Any] | None = None
    ) -> dict[str, Any]:
        """`explain(unit, name).to_dict(plain)`, without building the audit objects."""
        spec = self._spec(name)
        return render(spec, self._facts(unit, spec), plain or _plain_value)

    def explain_dicts(
        self, unit: UnitScores, names: Sequence[str], plain: Callable[[Any], Any]
    ) -> dict[str, dict[str, Any]]:
        """`explain_dict` of each of `names`, keyed by name: one unit's whole audit."""
        spec, facts = self._spec, self._facts
        out = {}
        for name in names:
            static = spec(name)
            out[name] = render(static, facts(unit, static), plain)
        return out

    def points_lost(self, unit: UnitScores) -> list[PointsLost]:
        """Items below their standard, the biggest loss first (ties by tree order)."""
        return [
            PointsLost(
                spec.name,
                spec.label,
                standard,
                value,
                lost,
                tuple(
                    Input(n, k, label, v)
                    for (n, k, label), v in zip(reads.inputs, inputs, strict=True)
                ),
            )
            for spec, standard, value, lost, inputs, reads in self._losses(unit)
        ]

    def points_lost_dicts(
        self,
        unit: UnitScores,
        fixed: Callable[[Decimal], str | None],
        plain: Callable[[Any], Any],
    ) -> list[dict[str, Any]]:
        """`points_lost` as the JSON contract writes it (scores by `fixed`, other values by
        `plain`), without building the objects."""
        return [
            {
                "node": spec.name,
                "label": spec.label,
                "standard": plain(standard),
                "value": fixed(value),
                "lost": fixed(lost),
                "inputs": {head[0]: plain(v) for head, v in zip(reads.inputs, inputs, strict=True)},
            }
            for spec, standard, value, lost, inputs, reads in self._losses(unit)
        ]

    def period_points_lost(self, unit: UnitScores) -> list[PeriodPointsLost]:
        """Per-period items below their `period_standard`, one entry per period, the biggest
        loss first (ties in tree then period order)."""
        out = []
        for name in self.scheme.score_ids:
            node = self.scheme.nodes.get(name)
            if node is None or node.per is None or node.period_standard is None:
                continue
            if not node.is_item:
                continue
            standard = node.period_standard
            for period, value in unit.value(f"{name}.periods").items():
                if value is not semantics.NA and value < standard:
                    out.append(
                        PeriodPointsLost(
                            name, node.label, period, standard, value, standard - value
                        )
                    )
        out.sort(key=lambda row: -row.lost)
        return out

    def _losses(
        self, unit: UnitScores
    ) -> list[tuple[_Spec, Decimal, Decimal, Decimal, tuple[Any, ...], _Spec]]:
        """(spec, standard, value, points lost, inputs' values, the spec whose inputs those
        are) of each item below its standard, the biggest loss first (ties in tree order). A
        per-period item's inputs are those its period formula reads (`<id>.periods`)."""
        if self._standards is None:
            self._standards = [
                self._spec(n)
                for n in self.scheme.score_ids
                if (node := self.scheme.nodes.get(n)) is not None
                and node.is_item
                and node.standard is not None
            ]
        vector, out = unit.vector, []
        for spec in self._standards:
            value, standard = spec.value_of(vector), spec.standard
            assert standard is not None
            if value is not semantics.NA and value < standard:  # an n/a item loses nothing
                reads = spec
                if spec.node is not None and spec.node.per is not None:
                    reads = self._spec(f"{spec.name}.periods")
                inputs = self._facts(unit, reads).inputs
                out.append((spec, standard, value, standard - value, inputs, reads))
        out.sort(key=lambda row: -row[3])
        return out

    # -- facts ----------------------------------------------------------------------------------

    def _facts(self, unit: UnitScores, spec: _Spec) -> _Facts:
        """What `spec`'s node read and did for `unit`, remembered for the unit last asked about
        (only one unit's facts are ever held)."""
        if self._last_unit is not unit:
            self._last_unit, self._last_facts = unit, {}
        facts = self._last_facts.get(spec.name)
        if facts is None:
            facts = self._last_facts[spec.name] = self._work_out(unit, spec)
        return facts

    def _work_out(self, unit: UnitScores, spec: _Spec) -> _Facts:
        vector = unit.vector
        if spec.name in self._period_parts:
            return self._period_facts(unit, spec, self._period_parts[spec.name])
        value = spec.value_of(vector)
        raw = spec.raw_of(vector) if spec.kind != "value" else value
        if value is semantics.NA or raw is semantics.NA:  # nothing computed: say why
            return self._not_applicable_facts(spec, vector, value, raw)
        combined = (
            applicable.how_combined(self.scheme, spec.name, vector)
            if spec.name in self._combining
            else None
        )
        ranks = self._ranks(spec, unit) if spec.ranked else ()
        reads = table_reads(self.scheme, *spec.reads_tables, vector) if spec.reads_tables else ()
        aggregates = self._aggregate_reads(spec, unit) if spec.aggregated else ()
        taken: list[tuple[str, bool]] = []
        clips: list[Clip] = []
        if spec.clipper:
            with localcontext(CONTEXT):
                formula_clips = self._formula_clips(spec.clipper, vector, taken)
            if not spec.branches_only:
                clips = formula_clips
        node = spec.node
        if node is None:  # a value or the total
            return _Facts(
                value,
                raw,
                spec.inputs_of(vector),
                spec.children_of(vector),
                tuple(clips),
                None,
                None,
                tuple(taken),
                ranks,
                reads,
                aggregates,
                None,
                combined,
            )
        if node.min is None and node.max is None:
            clamped = raw
        else:
            settled = semantics.settle(node, raw, self.scheme.rounding)
            clamped = settled.clamped
            clips.extend(settled.clips)
        return _Facts(
            value,
            raw,
            spec.inputs_of(vector),
            spec.children_of(vector),
            tuple(clips),
            clamped,
            self._rounding(clamped, value, node.min, node.max, spec.item),
            tuple(taken),
            ranks,
            reads,
            aggregates,
            None,
            combined,
        )

    def _not_applicable_facts(self, spec: _Spec, vector: list[Any], value: Any, raw: Any) -> _Facts:
        """The facts of a node or value that does not apply to the unit: what it would read,
        nothing computed, and why it does not apply."""
        return _Facts(
            value,
            raw,
            spec.inputs_of(vector),
            spec.children_of(vector),
            (),
            None,
            None,
            (),
            (),
            not_applicable=applicable.why_not_applicable(self.scheme, spec.name, vector),
        )

    def _period_facts(self, unit: UnitScores, spec: _Spec, part: semantics.PeriodPart) -> _Facts:
        """The period scores of a per-period node: each period's raw value, the floor and cap
        of the node's period rule that changed it, and raw → settled per period."""
        vector = unit.vector
        raw = self.scheme.program.plan.read(vector, spec.name, raw=True)
        value = spec.value_of(vector)
        if all(v is semantics.NA for v in value.values()):  # n/a with its node: say why
            return self._not_applicable_facts(spec, vector, value, raw)
        clips: list[Clip] = []
        steps = []
        for point, before in raw.items():
            if before is semantics.NA:
                steps.append(f"{point} n/a")
                continue
            settled = semantics.settle(part, before, self.scheme.rounding)
            clips.extend(settled.clips)
            cut = "".join(f" ({c.kind} {self._canonical(c.bound)})" for c in settled.clips)
            steps.append(f"{point} {self._canonical(before)}{cut} → {value[point]}")
        r = self.scheme.rounding
        rounding = (
            "; ".join(steps) + f" ({r.places} places, {r.mode}, per period)"
            if semantics.is_rounded(part)
            else None
        )
        group = periodna.combining_group(self.scheme, spec.name)
        if group is not None and group.not_applicable is not None:  # not the plain sum shown
            rounding = f"{applicable.RULE_NAMES[group.not_applicable]} at each period: " + (
                ", ".join(f"{p} {self._canonical(v)}" for p, v in value.items())
            )
        return _Facts(
            value,
            raw,
            spec.inputs_of(vector),
            spec.children_of(vector),
            tuple(clips),
            None,
            rounding,
            (),
            self._ranks(spec, unit) if spec.ranked else (),
        )

    def _formula_clips(
        self, plan: _ClipPlan, vector: list[Any], taken: list[tuple[str, bool]]
    ) -> list[Clip]:
        """Follow top-level conditionals (recording the branch) down to a top-level
        max/min/clamp with a constant bound, and report what that floor or cap clipped."""
        while isinstance(plan, tuple):
            test, condition, then, otherwise = plan
            went = bool(test(vector))
            taken.append((condition, went))
            plan = then if went else otherwise
        out = []
        for kind, bound_of, inner in plan:
            bound: Decimal = bound_of if isinstance(bound_of, Decimal) else bound_of(vector)
            before = inner(vector)
            after = (
                semantics.clamp_value(before, bound, None)
                if kind == "floor"
                else semantics.clamp_value(before, None, bound)
            )
            if after != before:
                out.append(Clip(kind, bound, "formula", before, after))
        return out

    def _rounding(
        self,
        clamped: Decimal,
        value: Decimal,
        low: Decimal | None,
        high: Decimal | None,
        item: bool,
    ) -> str | None:
        if not (item or low is not None or high is not None):
            return None
        r = self.scheme.rounding
        shown = self._canonical(clamped)
        return (
            f"{shown} → {value} ({r.places} places, {r.mode})"
            if item or shown != self._canonical(value)
            else None
        )

    def _canonical(self, value: Decimal) -> str:
        """`canonical`, remembered by value (the text depends only on the number)."""
        text = self._text.get(value)
        if text is None:
            text = canonical(value)
            if len(self._text) < 100_000:
                self._text[value] = text
        return text

    def _ranks(self, spec: _Spec, unit: UnitScores) -> tuple[RankRead, ...]:
        if not self._unit_index:
            self._unit_index.update((name, i) for i, name in enumerate(self.result.names))
        index = self._unit_index[unit.unit]
        out = []
        for name, offset, period, method in spec.ranked:
            self._sharing(name, offset)
            basis, rank = self._rank_table(name)[offset][index]
            group, at = self._sharing(name, offset)[rank], self._place[(name, offset)][index]
            tied = (*group[:at], *group[at + 1 :])
            out.append(
                RankRead(name, period, basis, int(rank), tied, len(self.result.units), method)
            )
        return tuple(out)

    def _aggregate_reads(self, spec: _Spec, unit: UnitScores) -> tuple[AggregateRead, ...]:
        """Each aggregate the formula reads: its value for the unit's group, and the group's
        size (counted once per grouping)."""
        out = []
        for name in spec.aggregated:
            agg = self.scheme.aggregates[name]
            group = None if agg.by is None else unit.value(agg.by)
            sizes = self._group_sizes.get(agg.by)
            if sizes is None:
                sizes = self._group_sizes[agg.by] = {}
                keys = self.result.column(agg.by) if agg.by else [None] * len(self.result.units)
                for key in keys:
                    sizes[key] = sizes.get(key, 0) + 1
            out.append(
                AggregateRead(
                    name,
                    agg.function,
                    agg.of,
                    agg.by,
                    group,
                    sizes[group],
                    unit.value(name),
                    self._left_out(name).get(group, 0),
                )
            )
        return tuple(out)

    def _left_out(self, name: str) -> dict[Any, int]:
        """Per group of aggregate `name`, its units whose value is n/a (at some period, if it
        varies): those the aggregate left out. Empty unless the value may be n/a."""
        if name not in self._na_counts:
            agg = self.scheme.aggregates[name]
            counts: dict[Any, int] = {}
            if agg.of in self.scheme.not_applicable_names:
                for u in self.result.units:
                    value = u.value(agg.of)
                    points = value.values() if isinstance(value, Mapping) else (value,)
                    if semantics.reads_na(points):
                        key = None if agg.by is None else u.value(agg.by)
                        counts[key] = counts.get(key, 0) + 1
            self._na_counts[name] = counts
        return self._na_counts[name]

    def _sharing(self, name: str, offset: int) -> dict[Any, list[str]]:
        """Per rank (at one period of a ranking), the units holding it, in unit order."""
        key = (name, offset)
        if key not in self._ties:
            groups: dict[Any, list[str]] = {}
            place = self._place[key] = []
            names = self.result.names
            for unit, (_, rank) in zip(names, self._rank_table(name)[offset], strict=True):
                group = groups.setdefault(rank, [])
                place.append(len(group))
                group.append(unit)
            self._ties[key] = groups
        return self._ties[key]

    def _rank_table(self, name: str) -> list[list[Any]]:
        """Per period: (basis, rank) of every unit, computed once per ranking."""
        if name not in self._rank_tables:
            ranking = self.scheme.rankings[name]
            points: list[str | None] = list(self.scheme.axis_ids(self.scheme.axis_of(name))) or [
                None
            ]
            column = self.result.column
            self._rank_tables[name] = [
                list(zip(column(ranking.basis, p), column(name, p), strict=True)) for p in points
            ]
        return self._rank_tables[name]

    # -- specs (once per name) ------------------------------------------------------------------

    def _spec(self, name: str) -> _Spec:
        spec = self._specs.get(name)
        if spec is None:
            spec = self._specs[name] = self._make_spec(name)
        return spec

    def _make_spec(self, name: str) -> _Spec:
        scheme = self.scheme
        spec = _Spec.__new__(_Spec)
        spec.name, spec.node, spec.clipper, spec.branches_only = name, None, None, False
        spec.item, spec.ranked, spec.reads_tables, spec.aggregated = False, (), None, ()
        tree: ast.expr | None = None
        if name == "total":
            _Static.__init__(
                spec,
                "total",
                scheme.total_label,
                "",
                semantics.total_formula(scheme),
                None,
                (),
                (),
                tuple(r for r, _ in semantics.total_terms(scheme)),
                (),
                scheme.standard_total,
                None,
            )
            spec.location = None
        elif name in scheme.nodes:
            node = scheme.nodes[name]
            spec.node, spec.location = node, node.location
            if node.formula is None:
                _Static.__init__(
                    spec,
                    "group",
                    node.label,
                    node.note,
                    None,
                    None,
                    (),
                    (),
                    tuple(node.children),
                    (),
                    node.standard,
                    None,
                )
            else:
                tree = node.formula.tree
                spec.item = True
                _Static.__init__(
                    spec,
                    "item",
                    node.label,
                    node.note,
                    node.formula.text,
                    node.pattern,
                    node.arguments,
                    self._inputs(tree),
                    (),
                    self._weights_read(tree),
                    node.standard,
                    None,
                )
                spec.clipper = self._clip_plan(tree)
        elif name in scheme.values:
            value = scheme.values[name]
            spec.location = value.location
            tree = value.formula.tree
            _Static.__init__(
                spec,
                "value",
                value.label,
                value.note,
                value.formula.text,
                None,
                (),
                self._inputs(tree),
                (),
                self._weights_read(tree),
                None,
                None,
            )
            if scheme.axis_of(name) is None:
                spec.clipper, spec.branches_only = self._clip_plan(tree), True
        elif name in scheme.aggregates:
            agg = scheme.aggregates[name]
            over = "all units" if agg.by is None else f"each group of `{agg.by}`"
            raise KeyError(
                f"`{name}` is an aggregate ({agg.function} of `{agg.of}` over {over}), not a "
                "node or value: its values are the group rows of `rulebook score`, and the "
                "audit of a formula that reads it shows what it aggregates"
            )
        else:
            raise KeyError(f"no node or value named {name!r}")
        cited = spec.node if spec.node is not None else scheme.values.get(name)
        spec.reference = cited.reference if cited is not None else ""
        if spec.location is not None:
            spec.source = f"{spec.location.file}:{spec.location.line}"
        spec.value_of = self._getter(name)
        spec.raw_of = self._getter(name, raw=True) if spec.kind != "value" else spec.value_of
        spec.inputs_of = self._all(tuple(n for n, _, _ in spec.inputs))
        spec.children_of = self._all(spec.children)
        if tree is not None:
            spec.ranked = self._ranked(tree)
            if calls_tables(scheme, tree):
                spec.reads_tables = (tree, scheme.axis_of(name))
            read = {n.id for n in value_names(tree)}
            spec.aggregated = tuple(n for n in scheme.aggregates if n in read)
        return spec

    def _all(self, names: tuple[str, ...]) -> Getter:
        """A function reading all of `names` from a slot list into a tuple."""
        plan = self.scheme.program.plan
        if not names:
            return lambda _: ()
        if all(n not in plan.points and n in plan.slots for n in names):
            slots = [plan.slots[n] for n in names]
            if len(slots) == 1:
                slot = slots[0]
                return lambda vector: (vector[slot],)
            return operator.itemgetter(*slots)
        getters = [self._getter(n) for n in names]
        return lambda vector: tuple([get(vector) for get in getters])

    def _getter(self, name: str, *, raw: bool = False) -> Getter:
        """A function reading `name` from a slot list, as `UnitResult.value` reads it."""
        plan = self.scheme.program.plan
        if raw and name in plan.raw_slots:
            return operator.itemgetter(plan.raw_slots[name])
        if not raw:
            if name not in plan.points and name in plan.slots:
                return operator.itemgetter(plan.slots[name])
            parameter = self.scheme.parameters.get(name)
            if parameter is not None and name not in plan.slots:
                constant = parameter.value
                return lambda _: constant
            if name in plan.slots:  # varies: its points mapped to their values
                ids, start = plan.points[name], plan.slots[name]
                end = start + len(ids)
                return lambda vector: dict(zip(ids, vector[start:end], strict=True))
        return lambda vector: plan.read(vector, name, raw=raw)

    def _inputs(self, tree: ast.expr) -> tuple[tuple[str, str, str], ...]:
        """(name, kind, label) of each name a formula reads, in order, once each."""
        seen: set[str] = set()
        out = []
        for node in value_names(tree):
            name = node.id
            if name in seen or name == "weight":
                continue
            seen.add(name)
            out.append((name, *self._describe(name)))
        return tuple(out)

    def _describe(self, name: str) -> tuple[str, str]:
        scheme = self.scheme
        if name in scheme.parameters:
            parameter = scheme.parameters[name]
            if parameter.supplied:  # the audit says where a value that is not in the file came from
                given = "given at run time (--params)"
                return "parameter", f"{parameter.label}, {given}" if parameter.label else given
            return "parameter", parameter.label
        if name in scheme.indicators:
            return "indicator", scheme.indicators[name].label
        if name in scheme.values:
            return "value", scheme.values[name].label
        if name in scheme.rankings:
            return "ranking", scheme.rankings[name].label
        if name in scheme.aggregates:
            return "aggregate", scheme.aggregates[name].label
        if name == "total":
            return "node", scheme.total_label
        return "node", scheme.nodes[name].label

    def _ranked(self, tree: ast.expr) -> tuple[tuple[str, int, str | None, str], ...]:
        """(ranking, period offset, period, method) of every rank the formula reads."""
        names = {n.id for n in value_names(tree)}
        out: list[tuple[str, int, str | None, str]] = []
        for name in sorted(names & set(self.scheme.rankings)):
            periods: list[str | None] = list(self.scheme.axis_ids(self.scheme.axis_of(name))) or [
                None
            ]
            out.extend(
                (name, offset, period, self.scheme.rankings[name].method)
                for offset, period in enumerate(periods)
            )
        return tuple(out)

    def _clip_plan(self, tree: ast.expr) -> _ClipPlan:
        """The formula's top-level conditionals and floor/cap, with the parts a unit's audit
        evaluates compiled once (`rulebook.engine.codegen.compile_expression`)."""
        scheme = self.scheme
        if isinstance(tree, ast.IfExp):
            return (
                compile_expression(scheme, tree.test),
                _source(tree.test),
                self._clip_plan(tree.body),
                self._clip_plan(tree.orelse),
            )
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
        out: list[_Bound] = []
        for kind, bound_tree, inner in bounds:
            constant = self._constant(bound_tree)
            out.append(
                (
                    kind,
                    compile_expression(scheme, bound_tree) if constant is None else constant,
                    compile_expression(scheme, inner),
                )
            )
        return out

    def _constant(self, tree: ast.expr) -> Decimal | None:
        if isinstance(tree, ast.Constant) and isinstance(tree.value, Decimal):
            return tree.value
        if (
            isinstance(tree, ast.Name)
            and tree.id in self.scheme.parameters
            and not self.scheme.per_unit_parameter(tree.id)
        ):
            return self.scheme.parameters[tree.id].value
        return None

    def _weights_read(self, tree: ast.expr) -> tuple[tuple[str, Decimal], ...]:
        """The periods' shares, if the formula reads them (a weighted aggregator, `weight`)."""
        uses = any(
            (
                isinstance(n, ast.Call)
                and isinstance(n.func, ast.Name)
                and n.func.id in semantics.AGGREGATORS
                and semantics.AGGREGATORS[n.func.id].weighted
            )
            or (isinstance(n, ast.Name) and n.id == "weight")
            for n in ast.walk(tree)
        )
        return tuple((p.id, p.share) for p in self.scheme.periods) if uses else ()


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
    if value is semantics.NA:  # an n/a raw score (a failing `applies:`): JSON null
        return None
    return canonical(value)
