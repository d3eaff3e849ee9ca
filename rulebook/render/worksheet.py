"""Text renderings of audits: an auditor's worksheet for one unit, or one node in detail.

Rendering only: every number comes from `rulebook.audit.trail` (and the total's signs from
`engine.semantics`, through `render.view`). The text is made terminal-safe before it is returned.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from rulebook.arith import canonical
from rulebook.audit.result import Result, UnitResult
from rulebook.audit.trail import Auditor, NodeAudit
from rulebook.data.values import duration_text
from rulebook.engine import semantics
from rulebook.errors import Location
from rulebook.render import view
from rulebook.render.runparams import parameters_line
from rulebook.render.safe import terminal_lines
from rulebook.render.textwidth import display_width, pad
from rulebook.scheme.model import Scheme

_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_WORDS = {"if", "else", "and", "or", "not", "True", "False"}


def show(value: Any) -> str:
    """A value as the worksheet prints it: exact decimals, per-period values `Q1 4, Q2 2`."""
    if isinstance(value, Mapping):
        return ", ".join(f"{k} {show(v)}" for k, v in value.items())
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return canonical(value)
    return str(value)


def annotate(audit: NodeAudit) -> str:
    """The formula as written, each name it reads followed by its value: `meetings_missed[5]`."""
    if audit.expression is None:
        return ""
    values = {i.name: i.value for i in audit.inputs}
    owner = audit.node if audit.kind != "value" else audit.node.rsplit(".", 1)[0]
    text = " ".join(audit.expression.split())

    def one(match: re.Match[str]) -> str:
        token = match.group(0)
        end = match.end()
        if token in _WORDS or text[end : end + 1] == "(":
            return token
        for name in (token, f"{owner}.{token}"):
            if name in values:
                return f"{token}[{show(values[name])}]"
        return token

    return _TOKEN.sub(one, text)


def summary(audit: NodeAudit) -> str:
    """One line of what happened after the formula: clips, branches, ranks."""
    parts = []
    if audit.not_applicable is not None:
        parts.append(f"[not applicable: {audit.not_applicable}]")
    if audit.combined is not None:
        parts.append(f"[{audit.combined}]")
    for branch in audit.branches:
        parts.append(f"[{branch.condition}: {'yes' if branch.taken else 'no'}]")
    for read in audit.tables:
        parts.append(f"[{read.text()}]")
    for clip in audit.clips:
        verb = "floored" if clip.kind == "floor" else "capped"
        key = "min" if clip.kind == "floor" else "max"
        if audit.kind == "value":  # a value's declared clip: a per-period node's period rule
            key = f"period_{key}"
        where = "" if clip.source == "formula" else f" by `{key}:`"
        parts.append(
            f"→ {show(clip.before)} {verb} at {show(clip.bound)}{where} "
            f"({show(clip.clipped)} {_points(clip.clipped)} clipped)"
        )
    for r in audit.ranks:
        tie = f", tied with {', '.join(r.tied_with)}" if r.tied_with else ""
        when = f"{r.period} " if r.period else ""
        parts.append(f"{when}rank {r.rank}/{r.units} on {show(r.basis)}{tie}")
    return "  ".join(parts)


def worksheet(result: Result, unit: str, node: str | None = None) -> str:
    """The unit's score tree and outputs (or the subtree at `node`), one line per node:
    id, label, value, annotated formula, what clipped it, and the source line; for the whole
    unit also its outcomes, vetoes (with reasons), rank and points lost."""
    return terminal_lines(_worksheet(result, unit, node))


def _worksheet(result: Result, unit: str, node: str | None) -> str:
    auditor = Auditor(result)
    target = result.unit(unit)
    scheme = result.scheme
    scored = scheme.score_ids if view.has_points(scheme) or node == "total" else ()
    ids = [
        i
        for i in (*scored, *scheme.output_ids)
        if node is None or i == node or i.startswith(node + ".")
    ]
    if node is not None and not ids:
        if node in scheme.values:
            return detail(auditor.explain(target, node), scheme)
        raise KeyError(f"no node or value named {node!r}")
    audits = [auditor.explain(target, i) for i in ids]
    names = ["  " * scheme.depth(a.node) + a.node for a in audits]
    shown = [_value(scheme, a) for a in audits]
    name_w = max(display_width(n) for n in names)
    label_w = max(display_width(a.label) for a in audits)
    value_w = max(display_width(v) for v in shown)
    places = scheme.rounding.places
    lines = [
        f"{scheme.title} — {unit}"
        + (
            f": {view.fixed(target.total, places, view.na_text(scheme))}"
            if view.has_points(scheme)
            else ""
        )
    ]
    given = parameters_line(scheme)  # values supplied at run time (`--params FILE`)
    lines += [given] if given else []
    if node is None:
        lines += _verdict(result, target)
    lines.append("")
    for name, a, value in zip(names, audits, shown, strict=True):
        formula = view.terms_line(scheme, a) if a.children else f"= {annotate(a)}"
        if a.pattern:
            formula += f"  ({a.pattern}: " + ", ".join(f"{k}={v}" for k, v in a.arguments) + ")"
        tail = "  ".join(x for x in (summary(a), _where(a)) if x)
        lines.append(
            f"{pad(name, name_w)}  {pad(a.label, label_w)}  "
            f"{pad(value, value_w, '>')}  {formula}  {tail}".rstrip()
        )
        lines += _per_period(auditor, target, a.node, name_w + label_w + value_w + 6)
    if node is not None and len(audits) == 1:
        lines += ["", detail(audits[0], scheme)]
    if node is None:
        lost = auditor.points_lost(target)
        if lost:
            lines += ["", "points lost (standard − score), biggest first:"]
            for p in lost:
                why = ", ".join(f"{i.name}={show(i.value)}" for i in p.inputs)
                lines.append(f"  {format(p.lost, 'f'):>8}  {p.node}  {p.label}  ({why})")
        by_period = auditor.period_points_lost(target)
        if by_period:
            lines += ["", "points lost per period (period standard − period score):"]
            lines += [
                f"  {format(p.lost, 'f'):>8}  {p.node} {p.period}  {p.label}" for p in by_period
            ]
    return "\n".join(lines) + "\n"


def _per_period(auditor: Auditor, unit: UnitResult, node_id: str, indent: int) -> list[str]:
    """Under a per-period node: its period formula (items) and each period's raw → score."""
    scheme = auditor.scheme
    node = scheme.nodes.get(node_id)
    if node is None or node.per is None:
        return []
    a = auditor.explain(unit, f"{node_id}.periods")
    lead = " " * indent
    out = [f"{lead}per {node.per}: = {annotate(a)}"]
    if a.rounding:
        out.append(f"{lead}  {a.rounding}")
    return out


def _value(scheme: Scheme, a: NodeAudit) -> str:
    if a.value is semantics.NA:
        return view.na_text(scheme)
    if a.node in scheme.output_ids and isinstance(a.value, Decimal):
        unit = view.measure(scheme, a.node)
        return view.output_text(scheme, a.node, a.value) + (f" {unit}" if unit else "")
    if a.kind == "total" and isinstance(a.value, Decimal):
        return view.fixed(a.value, scheme.rounding.places)
    return format(a.value, "f") if isinstance(a.value, Decimal) else show(a.value)


def _verdict(result: Result, target: UnitResult) -> list[str]:
    """The unit's rank (for a ranking scheme), outcomes and vetoes with their reasons."""
    scheme = result.scheme
    w = view.words(scheme)
    lines = []
    if view.shows_rank(scheme):
        index = result.units.index(target)
        lines.append(f"{w['rank']}: {result.total_ranks()[index]} / {len(result.units)}")
    for name, outcome in scheme.outcomes.items():
        lines.append(
            f"{outcome.label or name}: {show(target.outcomes[name])}{_cited(outcome.reference)}"
        )
    for veto in target.vetoes:
        lines.append(
            f"{w['vetoed']}: {view.veto_text(scheme, veto)}" + _cited(scheme.vetoes[veto].reference)
        )
    return lines


def _input(scheme: Scheme | None, name: str, value: Any) -> str:
    """An input as the worksheet echoes it; a duration indicator's as a time and its seconds
    (`4:36.11 (276.11 s)`), the seconds being what formulas read."""
    ind = scheme.indicators.get(name) if scheme is not None else None
    if ind is None or ind.type != "duration":
        return show(value)
    if isinstance(value, Mapping):
        return ", ".join(f"{k} {_input(scheme, name, v)}" for k, v in value.items())
    if not isinstance(value, Decimal):
        return show(value)
    return f"{duration_text(value)} ({show(value)} s)"


def detail(a: NodeAudit, scheme: Scheme | None = None) -> str:
    """Everything about one node: formula, inputs with labels, periods, ranks, clips, source.
    With the scheme, a total's parts carry their signs (`− deduction`)."""
    terms = view.terms(scheme, a) if scheme is not None else [("+", c, v) for c, v in a.children]
    lines = [
        f"{a.node}  {a.label}  [{a.kind}]",
        f"  value     {_detail_value(a, scheme)}",
    ]
    if a.expression:
        lines.append(f"  formula   {' '.join(a.expression.split())}")
        lines.append(f"  reads     {annotate(a)}")
    if a.pattern:
        lines.append(
            f"  pattern   {a.pattern}(" + ", ".join(f"{k}={v}" for k, v in a.arguments) + ")"
        )
    for i in a.inputs:
        label = f": {i.label}" if i.label else ""
        lines.append(f"  input     {i.name} = {_input(scheme, i.name, i.value)}  ({i.kind}{label})")
    for sign, c, v in terms:
        lines.append(f"  child     {sign} {c} = {format(v, 'f')}")
    if a.not_applicable is not None:
        lines.append(f"  n/a       not applicable: {a.not_applicable}")
    if a.combined is not None:
        lines.append(f"  n/a rule  {a.combined}")
    if a.periods:
        lines.append("  weights   " + ", ".join(f"{p} {show(w)}" for p, w in a.periods))
    for b in a.branches:
        lines.append(f"  branch    {b.condition}: {'yes' if b.taken else 'no'}")
    for t in a.tables:
        label = f"  ({t.label})" if t.label else ""
        lines.append(f"  table     {t.text()}{label}")
    for r in a.ranks:
        tie = f"; tied with {', '.join(r.tied_with)}" if r.tied_with else ""
        lines.append(
            f"  rank      {r.ranking} {r.period or ''} basis {show(r.basis)} → rank "
            f"{r.rank} of {r.units} ({r.method}){tie}"
        )
    for g in a.aggregates:
        over = "all units" if g.by is None else f"{g.by} = {g.group}"
        left = f", {g.not_applicable} n/a left out" if g.not_applicable else ""
        lines.append(
            f"  aggregate {g.aggregate} = {g.function} of {g.of} over {g.units} units "
            f"({over}{left}) = {show(g.value)}"
        )
    if a.kind != "value":
        lines.append(f"  raw       {show(a.raw)}")
    for clip in a.clips:
        lines.append(
            f"  {clip.kind:<9} {show(clip.bound)} ({clip.source}): {show(clip.before)} → "
            f"{show(clip.after)}, {show(clip.clipped)} {_points(clip.clipped)} clipped"
        )
    if a.rounding:
        lines.append(f"  rounding  {a.rounding}")
    if a.standard is not None:
        lost = format(a.lost, "f") if a.lost is not None else "-"
        lines.append(f"  standard  {show(a.standard)}  (lost {lost})")
    lines += provenance(a.location, a.reference, a.note)
    return "\n".join(lines) + "\n"


def provenance(location: Location | None, reference: str, note: str) -> list[str]:
    """A detail's closing lines: where it is written, the clause it cites and its note."""
    lines = []
    if location:
        lines.append(f"  source    {location.file}:{location.line}")
    if reference:
        lines.append(f"  reference {reference}")
    if note:
        lines.append(f"  note      {' '.join(note.split())}")
    return lines


def _detail_value(a: NodeAudit, scheme: Scheme | None) -> str:
    """The value line of `detail`: the scheme's word for a node that does not apply."""
    if a.value is semantics.NA:
        return view.na_text(scheme) if scheme is not None else "n/a"
    return show(a.value) if a.kind == "value" else format(a.value, "f")


def _where(a: NodeAudit) -> str:
    """The source line, then the clause the node cites (`reference:`), when there are."""
    where = f"{a.location.file}:{a.location.line}" if a.location else ""
    return f"{where}  〔{a.reference}〕".strip() if a.reference else where


def _cited(reference: str) -> str:
    """`  〔clause〕` after a verdict line when the outcome or veto cites one, else ""."""
    return f"  〔{reference}〕" if reference else ""


def _points(amount: Decimal) -> str:
    """`point` for exactly one, else `points`."""
    return "point" if amount == 1 else "points"
