"""What changed in a scheme itself, independent of any data: nodes, parameters, period weights,
indicators, named values, rankings, vetoes, outcomes and the scheme-wide settings.

Each entry names the thing, whether it was added, removed or changed, and for a change every
field that differs as (old, new) text, so the same data renders as text or JSON.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import attrs

from rulebook.arith import canonical
from rulebook.scheme.model import Scheme

SECTIONS = (
    "scheme",
    "periods",
    "indicators",
    "parameters",
    "values",
    "nodes",
    "rankings",
    "aggregates",
    "vetoes",
    "outcomes",
    "tables",
)
"""The parts of a scheme compared, in the order they are reported."""


@attrs.frozen
class FieldChange:
    """One field of one thing, as text before and after (None: the field was not set)."""

    field: str
    old: str | None
    new: str | None


@attrs.frozen
class SchemeChange:
    """One thing (node, parameter, …) added, removed or changed, with its changed fields."""

    section: str
    name: str
    status: str  # added, removed, changed
    label: str
    fields: tuple[FieldChange, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "section": self.section,
            "name": self.name,
            "status": self.status,
            "label": self.label,
        }
        if self.fields:
            out["fields"] = {f.field: {"old": f.old, "new": f.new} for f in self.fields}
        return out


@attrs.frozen
class SchemeDiff:
    """Every difference between two schemes, grouped by section in `SECTIONS` order."""

    old: str
    new: str
    changes: tuple[SchemeChange, ...]

    def __bool__(self) -> bool:
        return bool(self.changes)

    def section(self, name: str) -> tuple[SchemeChange, ...]:
        return tuple(c for c in self.changes if c.section == name)

    def find(self, section: str, name: str) -> SchemeChange | None:
        """The change to `name` in `section`, or None when it did not change."""
        return next((c for c in self.changes if c.section == section and c.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (strings, lists, dicts) for JSON and for the HTML report."""
        return {"old": self.old, "new": self.new, "changes": [c.to_dict() for c in self.changes]}

    def render(self) -> str:
        """The changes as indented text, one block per section."""
        if not self.changes:
            return f"scheme: no changes ({self.old} → {self.new})\n"
        lines = [f"scheme changes: {self.old} → {self.new}"]
        for section in SECTIONS:
            changes = self.section(section)
            if not changes:
                continue
            lines.append(f"  {section}:")
            for c in changes:
                label = f"  {c.label}" if c.label and c.label != c.name else ""
                lines.append(
                    f"    {_MARK[c.status]} {c.name}{label}"
                    + ("" if c.status == "changed" else f"  ({c.status})")
                )
                for f in c.fields:
                    lines.append(f"        {f.field}: {_shown(f.old)} → {_shown(f.new)}")
        return "\n".join(lines) + "\n"


_MARK = {"added": "+", "removed": "-", "changed": "~"}


def _shown(text: str | None) -> str:
    return "(none)" if text is None else text


def _text(value: Any) -> str | None:
    """A field value as stable text: decimals canonical, formulas as written (whitespace
    folded), tuples and dicts item by item."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return canonical(value)
    if hasattr(value, "text") and hasattr(value, "tree"):  # an Expr
        return " ".join(str(value.text).split())
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_text(v)}" for k, v in sorted(value.items())) or None
    if isinstance(value, tuple):
        parts = [
            ("=".join(str(_text(x)) for x in v) if isinstance(v, tuple) else str(_text(v)))
            for v in value
        ]
        return ", ".join(parts) or None
    text = " ".join(str(value).split())
    return text or None


Entry = tuple[str, dict[str, Any]]
"""A thing's label and its compared fields."""


def _compare(section: str, old: dict[str, Entry], new: dict[str, Entry]) -> Iterable[SchemeChange]:
    """Added and changed entries (in new's order), then removed ones (in old's)."""
    for name, (label, after) in new.items():
        if name not in old:
            yield SchemeChange(section, name, "added", label)
            continue
        before = old[name][1]
        keys = [*after, *(k for k in before if k not in after)]
        changed = tuple(
            FieldChange(k, _text(before.get(k)), _text(after.get(k)))
            for k in keys
            if _text(before.get(k)) != _text(after.get(k))
        )
        if changed:
            yield SchemeChange(section, name, "changed", label, changed)
    for name, (label, _) in old.items():
        if name not in new:
            yield SchemeChange(section, name, "removed", label)


def _entries(scheme: Scheme, section: str) -> dict[str, Entry]:
    """One section of a scheme as {name: (label, fields)}."""
    if section == "scheme":
        r = scheme.rounding
        return {
            "settings": (
                "",
                {
                    "title": scheme.title,
                    "version": scheme.version,
                    "standard_total": scheme.standard_total,
                    "rounding": f"{r.places} places, {r.mode}, per {r.level}",
                    "total_label": scheme.total_label,
                },
            )
        }
    if section == "periods":
        return {
            p.id: (p.label, {"label": p.label, "weight": p.weight, "share": p.share})
            for p in scheme.periods
        }
    if section == "indicators":
        return {
            n: (
                i.label,
                {
                    "label": i.label,
                    "type": i.type,
                    "per_period": i.per_period,
                    "min": i.min,
                    "max": i.max,
                    "values": i.values,
                    "default": i.default,
                    "record_only": i.record_only,
                    "unit": i.unit,
                },
            )
            for n, i in scheme.indicators.items()
        }
    if section == "parameters":
        return {
            n: (p.label, {"label": p.label, "value": p.value, "by_unit": dict(p.by_unit)})
            for n, p in scheme.parameters.items()
        }
    if section == "values":
        return {
            n: (
                v.label,
                {
                    "label": v.label,
                    "formula": v.formula,
                    "per_period": v.per_period,
                    "group": v.group,
                },
            )
            for n, v in scheme.values.items()
            if v.kind == "value"
        }
    if section == "nodes":
        parents = {c: n.id for n in scheme.nodes.values() for c in n.children}
        ids = [i for i in (*scheme.score_ids, *scheme.output_ids) if i in scheme.nodes]
        return {
            i: (
                n.label,
                {
                    "label": n.label,
                    "role": n.role,
                    "parent": parents.get(i),
                    "formula": n.formula,
                    "children": n.children,
                    "standard": n.standard,
                    "max": n.max,
                    "min": n.min,
                    "pattern": n.pattern,
                    "arguments": n.arguments,
                    "unit": n.unit,
                    "monotone": n.monotone,
                    "per": n.per,
                    "aggregate": n.aggregate,
                    "period_max": n.period_max,
                    "period_min": n.period_min,
                    "period_standard": n.period_standard,
                },
            )
            for i in ids
            for n in (scheme.nodes[i],)
        }
    if section == "rankings":
        return {
            n: (
                r.label,
                {
                    "label": r.label,
                    "basis": r.basis,
                    "order": r.order,
                    "method": r.method,
                    "per_period": r.per_period,
                    "group": r.group,
                    "demote": r.demote,
                    "demoted_within": r.demoted_within,
                },
            )
            for n, r in scheme.rankings.items()
        }
    if section == "aggregates":  # aggregates and group values
        return {
            **{
                n: (
                    a.label,
                    {
                        "label": a.label,
                        "function": a.function,
                        "of": _formula(scheme, a.of) if a.function == "count" else a.of,
                        "by": a.by,
                    },
                )
                for n, a in scheme.aggregates.items()
            },
            **{
                n: (v.label, {"label": v.label, "formula": v.formula, "per_period": v.per_period})
                for n, v in scheme.values.items()
                if v.kind == "group"
            },
        }
    if section == "vetoes":
        return {
            n: (v.label, {"label": v.label, "when": _formula(scheme, n), "reason": v.reason})
            for n, v in scheme.vetoes.items()
        }
    if section == "tables":  # a changed row is a changed rule
        return {
            n: (
                t.label,
                {
                    "label": t.label,
                    "map": t.mapping,
                    "bands": "; ".join(f"{b.text()}: {canonical(b.value)}" for b in t.bands),
                    "otherwise": t.otherwise,
                },
            )
            for n, t in scheme.tables.items()
        }
    return {
        n: (o.label, {"label": o.label, "labels": o.labels, "cases": _formula(scheme, n)})
        for n, o in scheme.outcomes.items()
    }


def _formula(scheme: Scheme, name: str) -> Any:
    return scheme.values[name].formula if name in scheme.values else None


def diff_schemes(old: Scheme, new: Scheme) -> SchemeDiff:
    """What changed from `old` to `new`: every section of `SECTIONS`, field by field.

    A node's formula, caps, standard, label, role, children and place in the tree; a
    parameter's value (and per-unit values); a period's weight and share; an indicator's type
    and domain; a ranking's basis, order, method and demotion; a veto's condition and reason;
    an outcome's cases (its conditions and labels as one formula). Named values compare by
    formula, so a changed `let:` shows too."""
    changes = [
        c
        for section in SECTIONS
        for c in _compare(section, _entries(old, section), _entries(new, section))
    ]
    return SchemeDiff(_name(old), _name(new), tuple(changes))


def _name(scheme: Scheme) -> str:
    where = f" ({scheme.source_file})" if scheme.source_file else ""
    return f"{scheme.id} {scheme.version}{where}".strip()
