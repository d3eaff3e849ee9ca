"""Why scores changed between two results of the same units: per unit the change in total,
rank, outcomes, vetoes, outputs and ranks, decomposed node by node (only nodes whose value
moved, in tree order) down to the formulas, parameters and indicators that changed.

The two results may come from two schemes on the same data, one scheme on two data sets, or
one unit's edited data (what-if): the decomposition compares what each node read, so it needs
no knowledge of which it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

from rulebook.analysis.scheme_diff import SchemeDiff, diff_schemes
from rulebook.arith import canonical
from rulebook.audit.result import Result, UnitResult
from rulebook.audit.trail import Auditor, NodeAudit
from rulebook.engine.semantics import NA, NotApplicable
from rulebook.render.textwidth import display_width, pad
from rulebook.render.view import shows_rank

NODE_FIELDS = ("formula", "pattern", "arguments", "standard", "max", "min", "role")
"""The scheme fields of a node shown beside its change in value (what can move a score)."""
MAX_VALUE_DEPTH = 8
"""How deep a changed named value is followed into the values it reads."""


@attrs.frozen
class InputChange:
    """One name a node read (or one indicator of the data) whose value changed: its kind
    (indicator, parameter, value, node, ranking), the period (None for one value), and old and
    new as text (None when absent on that side)."""

    name: str
    kind: str
    period: str | None
    old: str | None
    new: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "period": self.period,
            "old": self.old,
            "new": self.new,
        }

    def render(self) -> str:
        where = f"[{self.period}]" if self.period else ""
        return f"{self.name}{where} {_or_none(self.old)} → {_or_none(self.new)}"


@attrs.frozen
class NodeChange:
    """A node whose score moved (or that exists on one side only), with the scheme fields and
    the inputs that changed under it."""

    node: str
    label: str
    depth: int
    old: Decimal | NotApplicable | None
    new: Decimal | NotApplicable | None
    fields: tuple[tuple[str, str | None, str | None], ...] = ()
    inputs: tuple[InputChange, ...] = ()

    @property
    def delta(self) -> Decimal | NotApplicable:
        """New − old (a side without the node counts 0); n/a when either side is n/a."""
        if isinstance(self.old, NotApplicable) or isinstance(self.new, NotApplicable):
            return NA
        return (self.new or Decimal(0)) - (self.old or Decimal(0))

    def to_dict(self, places: int) -> dict[str, Any]:
        out: dict[str, Any] = {
            "node": self.node,
            "label": self.label,
            "old": _fixed(self.old, places),
            "new": _fixed(self.new, places),
            "delta": _fixed(self.delta, places, sign=True),
        }
        if self.fields:
            out["fields"] = {f: {"old": a, "new": b} for f, a, b in self.fields}
        if self.inputs:
            out["inputs"] = [i.to_dict() for i in self.inputs]
        return out


@attrs.frozen
class UnitDiff:
    """One unit's change: total, total rank, outcomes, vetoes, outputs and ranks (each as
    (name, old, new) where they differ), the data that changed and the nodes that moved."""

    unit: str
    total: tuple[Decimal, Decimal]
    rank: tuple[int, int]
    outcomes: tuple[tuple[str, str | None, str | None], ...] = ()
    vetoes: tuple[tuple[str, bool, bool], ...] = ()
    outputs: tuple[tuple[str, Decimal | None, Decimal | None], ...] = ()
    ranks: tuple[tuple[str, str | None, str | None, str | None], ...] = ()
    data: tuple[InputChange, ...] = ()
    nodes: tuple[NodeChange, ...] = ()
    ranked: bool = True
    """The scheme ranks units (`rulebook.render.view.shows_rank`): the text shows the rank by
    total only then (the JSON always keeps it)."""

    @property
    def changed(self) -> bool:
        return bool(
            self.total[0] != self.total[1]
            or (self.ranked and self.rank[0] != self.rank[1])
            or self.outcomes
            or self.vetoes
            or self.outputs
            or self.ranks
            or self.data
            or self.nodes
        )

    @property
    def delta(self) -> Decimal | NotApplicable:
        """The total's change; n/a when either total is n/a."""
        old, new = self.total
        if isinstance(old, NotApplicable) or isinstance(new, NotApplicable):
            return NA
        return new - old

    def to_dict(self, places: int) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "total": {
                "old": _fixed(self.total[0], places),
                "new": _fixed(self.total[1], places),
                "delta": _fixed(self.delta, places, sign=True),
            },
            "rank": {"old": self.rank[0], "new": self.rank[1]},
            "outcomes": [{"name": n, "old": a, "new": b} for n, a, b in self.outcomes],
            "vetoes": [{"id": v, "old": a, "new": b} for v, a, b in self.vetoes],
            "outputs": [
                {"node": n, "old": _fixed(a, places), "new": _fixed(b, places)}
                for n, a, b in self.outputs
            ],
            "ranks": [{"ranking": r, "period": p, "old": a, "new": b} for r, p, a, b in self.ranks],
            "data": [i.to_dict() for i in self.data],
            "nodes": [n.to_dict(places) for n in self.nodes],
        }

    def render(self, places: int) -> list[str]:
        """Text lines: a header with total and rank, outcomes, vetoes and ranks that changed,
        then every node that moved (outputs included), indented by tree depth."""
        head = (
            f"{self.unit}  total {_fixed(self.total[0], places)} → "
            f"{_fixed(self.total[1], places)} ({_fixed(self.delta, places, sign=True)})"
            + (f"  rank {self.rank[0]} → {self.rank[1]}" if self.ranked else "")
        )
        lines = [head]
        for name, label_a, label_b in self.outcomes:
            lines.append(f"  outcome {name}: {_or_none(label_a)} → {_or_none(label_b)}")
        for veto, held, holds in self.vetoes:
            lines.append(
                f"  veto {veto}: {'holds' if held else 'clear'} → {'holds' if holds else 'clear'}"
            )
        for ranking in dict.fromkeys(r for r, _, _, _ in self.ranks):  # one line a ranking
            lines.append(
                f"  rank {ranking}: "
                + "; ".join(
                    f"{f'{period} ' if period else ''}{_or_none(a)} → {_or_none(b)}"
                    for r, period, a, b in self.ranks
                    if r == ranking
                )
            )
        if self.data:
            lines.append("  data: " + "; ".join(i.render() for i in self.data))
        if self.nodes:
            names = ["  " * n.depth + n.node for n in self.nodes]
            name_w = max(display_width(n) for n in names)
            label_w = max(display_width(n.label) for n in self.nodes)
            for name, n in zip(names, self.nodes, strict=True):
                lines.append(
                    f"  {pad(name, name_w)}  {pad(n.label, label_w)}  "
                    f"{_fixed(n.old, places)} → {_fixed(n.new, places)}  "
                    f"({_fixed(n.delta, places, sign=True)})"
                )
                indent = "  " + "  " * n.depth + "    "
                for field, a, b in n.fields:
                    lines.append(f"{indent}{field}: {_or_none(a)} → {_or_none(b)}")
                if n.inputs:
                    lines.append(f"{indent}reads " + "; ".join(i.render() for i in n.inputs))
        return lines


@attrs.frozen
class GroupChange:
    """An aggregate or group value of one group (`Result.groups`) that changed: its grouping
    (`by`, None for all units), the group, the name, and per point (period or None) the old and
    new text (None: absent on that side)."""

    by: str | None
    group: str | None
    name: str
    changes: tuple[tuple[str | None, str | None, str | None], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "group": self.group,
            "name": self.name,
            "changes": [{"period": p, "old": a, "new": b} for p, a, b in self.changes],
        }

    def render(self) -> str:
        where = "all units" if self.by is None else f"{self.by} = {self.group}"
        return f"  [{where}] {self.name}: " + "; ".join(
            f"{f'{p} ' if p else ''}{_or_none(a)} → {_or_none(b)}" for p, a, b in self.changes
        )


def group_changes(old: Result, new: Result) -> tuple[GroupChange, ...]:
    """Every aggregate and group value of every group that differs between the results (in
    the new result's order, then what only the old one has)."""
    before = {(r.by, r.group, n): v for r in old.groups for n, v in r.values.items()}
    after = {(r.by, r.group, n): v for r in new.groups for n, v in r.values.items()}
    out = []
    for key in [*after, *(k for k in before if k not in after)]:
        changes = _changes(before.get(key), after.get(key))
        if changes:
            out.append(GroupChange(key[0], key[1], key[2], tuple(changes)))
    return tuple(out)


@attrs.frozen
class ResultDiff:
    """Every unit's change between two results, the units found on one side only, and (when
    the schemes differ) what changed in the scheme itself."""

    scheme: SchemeDiff | None
    units: tuple[UnitDiff, ...]
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    places: int = 2
    groups: tuple[GroupChange, ...] = ()
    """Group rows that changed (schemes with aggregates)."""

    def unit(self, name: str) -> UnitDiff:
        for u in self.units:
            if u.unit == name:
                return u
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (every decimal a string) for JSON and for a renderer such as the HTML
        report: `scheme` (or None), `units` (changed units only), `unchanged`, `added`,
        `removed`."""
        return {
            "scheme": self.scheme.to_dict() if self.scheme is not None else None,
            "units": [u.to_dict(self.places) for u in self.units if u.changed],
            "unchanged": [u.unit for u in self.units if not u.changed],
            "added": list(self.added),
            "removed": list(self.removed),
            **({"groups": [g.to_dict() for g in self.groups]} if self.groups else {}),
        }

    def render(self) -> str:
        lines: list[str] = []
        if self.scheme is not None:
            lines += [self.scheme.render().rstrip("\n"), ""]
        changed = [u for u in self.units if u.changed]
        lines.append(
            f"units: {len(self.units)} compared, {len(changed)} changed"
            + (f"; only in the new data: {', '.join(self.added)}" if self.added else "")
            + (f"; only in the old data: {', '.join(self.removed)}" if self.removed else "")
        )
        for u in changed:
            lines += ["", *u.render(self.places)]
        unchanged = [u.unit for u in self.units if not u.changed]
        if unchanged:
            lines += ["", "unchanged: " + ", ".join(unchanged)]
        if self.groups:
            lines += ["", f"group rows: {len(self.groups)} changed"]
            lines += [g.render() for g in self.groups]
        return "\n".join(lines) + "\n"


def diff_results(old: Result, new: Result, *, units: tuple[str, ...] | None = None) -> ResultDiff:
    """How each unit scored in both results changed from `old` to `new` (all such units, or
    those named in `units`). Units in one result only are listed as added or removed."""
    old_names = [u.unit for u in old.units]
    new_names = [u.unit for u in new.units]
    old_set, new_set = set(old_names), set(new_names)
    schemes = diff_schemes(old.scheme, new.scheme)
    old_ranks = dict(zip(old_names, old.total_ranks(), strict=True))
    new_ranks = dict(zip(new_names, new.total_ranks(), strict=True))
    differ = _Differ(old, new, schemes)
    wanted = [n for n in new_names if n in old_set and (units is None or n in units)]
    diffs = tuple(
        differ.unit(old.unit(n), new.unit(n), int(old_ranks[n]), int(new_ranks[n])) for n in wanted
    )
    return ResultDiff(
        schemes if (schemes or old.scheme.digest != new.scheme.digest) else None,
        diffs,
        tuple(n for n in new_names if n not in old_set),
        tuple(n for n in old_names if n not in new_set),
        new.scheme.rounding.places,
        group_changes(old, new),
    )


class _Differ:
    """Compares one unit across the two results; holds one auditor per result."""

    def __init__(self, old: Result, new: Result, schemes: SchemeDiff) -> None:
        self.old, self.new, self.schemes = old, new, schemes
        self.old_audit, self.new_audit = Auditor(old), Auditor(new)
        self.old_data = {u.name: u.values for u in old.data.units} if old.data else None
        self.new_data = {u.name: u.values for u in new.data.units} if new.data else None

    def unit(self, a: UnitResult, b: UnitResult, rank_a: int, rank_b: int) -> UnitDiff:
        outcomes = _changed(a.outcomes, b.outcomes)
        vetoes = tuple(
            (v, v in a.vetoes, v in b.vetoes)
            for v in _merged(list(a.vetoes), list(b.vetoes))
            if (v in a.vetoes) != (v in b.vetoes)
        )
        outputs = _changed(a.outputs, b.outputs)
        ranks = tuple(
            (r, *change)
            for r in _merged(list(a.ranks), list(b.ranks))
            for change in _changes(a.ranks.get(r), b.ranks.get(r))
        )
        return UnitDiff(
            a.unit,
            (a.total, b.total),
            (rank_a, rank_b),
            outcomes,
            vetoes,
            outputs,
            ranks,
            self.data(a.unit),
            self.nodes(a, b),
            shows_rank(self.old.scheme) or shows_rank(self.new.scheme),
        )

    def data(self, unit: str) -> tuple[InputChange, ...]:
        """The unit's indicators whose data differ between the two results (when both carry
        their data set)."""
        if self.old_data is None or self.new_data is None:
            return ()
        before, after = self.old_data[unit], self.new_data[unit]
        return tuple(
            InputChange(name, "indicator", period, x, y)
            for name in _merged(list(before), list(after))
            for period, x, y in _changes(before.get(name), after.get(name), exact=True)
        )

    def nodes(self, a: UnitResult, b: UnitResult) -> tuple[NodeChange, ...]:
        old_s, new_s = self.old.scheme, self.new.scheme
        ids = _merged([*old_s.score_ids, *old_s.output_ids], [*new_s.score_ids, *new_s.output_ids])
        old_scores = {**a.scores, **a.outputs}
        new_scores = {**b.scores, **b.outputs}
        out = []
        for node in ids:
            x, y = old_scores.get(node), new_scores.get(node)
            if node == "total" or x == y:
                continue
            scheme = new_s if node in new_s.nodes else old_s
            label = scheme.nodes[node].label
            change = self.schemes.find("nodes", node)
            fields = tuple(
                (f.field, f.old, f.new)
                for f in (change.fields if change else ())
                if f.field in NODE_FIELDS
            )
            inputs: tuple[InputChange, ...] = ()
            if x is not None and y is not None and scheme.nodes[node].is_item:
                inputs = self.inputs(
                    self.old_audit.explain(a, node), self.new_audit.explain(b, node), a, b, 0, set()
                )
            out.append(NodeChange(node, label, scheme.depth(node), x, y, fields, inputs))
        return tuple(out)

    def inputs(
        self, x: NodeAudit, y: NodeAudit, a: UnitResult, b: UnitResult, depth: int, seen: set[str]
    ) -> tuple[InputChange, ...]:
        """The names read on either side whose value differs; a changed named value is
        followed into what it reads (nodes are not: they appear in the tree themselves)."""
        before = {i.name: i for i in x.inputs}
        after = {i.name: i for i in y.inputs}
        out: list[InputChange] = []
        if "weight" not in seen:  # the period shares a wsum (or `weight`) used
            out = [
                InputChange("weight", "period weight", p, a, b)
                for p, a, b in _changes(dict(x.periods), dict(y.periods))
            ]
            if out:
                seen.add("weight")
        for name in _merged(list(before), list(after)):
            i, j = before.get(name), after.get(name)
            kind = (j or i).kind  # type: ignore[union-attr]
            changes = list(
                _changes(i.value if i else None, j.value if j else None, exact=kind == "indicator")
            )
            if not changes or name in seen:
                continue
            seen.add(name)
            out += [InputChange(name, kind, p, old, new) for p, old, new in changes]
            if kind == "value" and i is not None and j is not None and depth < MAX_VALUE_DEPTH:
                out += self.inputs(
                    self.old_audit.explain(a, name),
                    self.new_audit.explain(b, name),
                    a,
                    b,
                    depth + 1,
                    seen,
                )
        return tuple(out)


def _changed(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[Any, ...]:
    """(name, old value, new value) of each name whose value differs, in merged order (a name
    on one side only has None on the other)."""
    was, now = dict(old), dict(new)
    return tuple(
        (n, was.get(n), now.get(n))
        for n in _merged(list(was), list(now))
        if was.get(n) != now.get(n)
    )


def _merged(old: list[str], new: list[str]) -> list[str]:
    """`new`'s order, with each name found only in `old` placed after its old predecessor
    and past the deeper (dotted) names that follow it, so a removed subtree lands between
    whole subtrees of the new tree."""
    out = list(new)
    present = set(out)
    for k, name in enumerate(old):
        if name in present:
            continue
        at = out.index(old[k - 1]) + 1 if k > 0 else 0
        depth = name.count(".")
        while at < len(out) and out[at].count(".") > depth:
            at += 1
        out.insert(at, name)
        present.add(name)
    return out


def _changes(
    old: Any, new: Any, *, exact: bool = False
) -> list[tuple[str | None, str | None, str | None]]:
    """(period, old text, new text) for each point that differs; one value has period None.
    `exact`: decimals in full (data as given), not snapped like computed values."""
    if isinstance(old, Mapping) or isinstance(new, Mapping):
        a = old if isinstance(old, Mapping) else {}
        b = new if isinstance(new, Mapping) else {}
        return [
            (p, _text(a.get(p), exact), _text(b.get(p), exact))
            for p in _merged(list(a), list(b))
            if _text(a.get(p), exact) != _text(b.get(p), exact)
        ]
    if _text(old, exact) == _text(new, exact):
        return []
    return [(None, _text(old, exact), _text(new, exact))]


def _text(value: Any, exact: bool = False) -> str | None:
    if value is None:
        return None
    if isinstance(value, NotApplicable):
        return "n/a"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return exact_text(value) if exact else canonical(value)
    return str(value)


def exact_text(value: Decimal) -> str:
    """A data value in full, plain notation: 1E-30 as 0.000…001, 72.50 as 72.5."""
    return "0" if value.is_zero() else format(value.normalize(), "f")


def _fixed(value: Decimal | NotApplicable | None, places: int, *, sign: bool = False) -> str | None:
    if value is None:
        return None
    if isinstance(value, NotApplicable):
        return "n/a"  # not applicable on that side: never a number
    text = f"{value:.{places}f}"
    return f"+{text}" if sign and value > 0 else text


def _or_none(text: str | None) -> str:
    return "(none)" if text is None else text
