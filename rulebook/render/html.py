"""The HTML report: one self-contained file (no network resources) that a person can open to find
any unit and trace every point of its total to inputs and source lines.

Sections: the run manifest; a chart of each unit's category scores (inline SVG); the summary
table (rank for a ranking scheme, the total's terms, total, outputs with units, outcomes, vetoes
with reasons); per unit, its vetoes and outcomes, the score tree as nested collapsible
`<details>` with each node's audit, the total's signed terms, the outputs, and the points-lost
list. A search box filters units (a few lines of inline script). Rendering only; every text is
escaped. Written unit by unit.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from decimal import Decimal
from html import escape
from typing import Any, TextIO

from rulebook.audit.result import Result, UnitResult
from rulebook.audit.trail import Auditor, NodeAudit
from rulebook.engine import semantics
from rulebook.render import periods, view
from rulebook.render.grouprows import group_tables
from rulebook.render.html_diff import STYLE as _DIFF_STYLE
from rulebook.render.progress import Tick
from rulebook.render.runparams import parameters_line
from rulebook.render.worksheet import annotate, show, summary
from rulebook.scheme.model import Scheme

PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)

_STYLE = """
body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2rem;color:#222}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{border:1px solid #ccc;padding:.25rem .5rem}td.n{text-align:right}
th{background:#f3f3f3}
details{margin-left:1.2rem}summary{cursor:pointer}
.v{font-weight:600;font-variant-numeric:tabular-nums}.std{color:#777}
.audit{font-family:ui-monospace,monospace;font-size:.85rem;background:#fafafa;
border-left:3px solid #ddd;padding:.3rem .6rem;margin:.2rem 0 .4rem 1.2rem;white-space:pre-wrap}
.lost{color:#b00}.manifest{font-size:.8rem;color:#555}
.legend span{display:inline-block;margin-right:1rem;font-size:.85rem}
.legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:middle}
.veto{color:#fff;background:#b00;padding:.2rem .5rem;font-weight:600}
td.veto{background:#fdd;color:#800;font-weight:600}tr.vetoed td{background:#fff0f0}
.outcome{margin:.2rem 0}.restore{color:#060}
"""

_SCRIPT = """
document.getElementById('find').addEventListener('input', function (e) {
  var q = e.target.value.trim();
  document.querySelectorAll('[data-unit]').forEach(function (el) {
    el.style.display = (!q || el.getAttribute('data-unit').indexOf(q) >= 0) ? '' : 'none';
  });
});
"""


def write_html(
    result: Result,
    out: TextIO,
    *,
    progress: Tick | None = None,
    extra: str = "",
    restores: Mapping[str, Mapping[str, str]] | None = None,
) -> None:
    """Write the report to `out`: the head and summary first, then one unit at a time.
    `extra` is a further section (HTML, already escaped) placed before the breakdown, such as
    `rulebook diff`'s "what changed" (`rulebook.render.html_diff`); `restores` gives, per unit
    and lost item, what would restore it (`rulebook.analysis.restore`, worked out by the
    caller), shown beside each item of the points-lost list."""
    scheme = result.scheme
    w = view.words(scheme)
    auditor = Auditor(result)
    manifest = result.manifest()
    given = parameters_line(scheme)  # values supplied at run time (`--params FILE`)
    lang = "zh-CN" if scheme.language == "zh" else "en"
    out.write(
        "\n".join(
            [
                "<!DOCTYPE html>",
                f'<html lang="{lang}"><head><meta charset="utf-8">',
                f"<title>{escape(scheme.title)}</title>"
                f"<style>{_STYLE}{_DIFF_STYLE if extra else ''}</style></head><body>",
                f"<h1>{escape(scheme.title)}</h1>",
                f'<p class="manifest">scheme {escape(scheme.id)} {escape(scheme.version)} · '
                f"{escape(manifest['scheme']['digest'])} · "
                f"data {escape(manifest['data']['digest'])} · "
                f"{len(result.units)} units · rounding {scheme.rounding.places} places "
                f"{escape(scheme.rounding.mode)} per {escape(scheme.rounding.level)} · "
                f"rulebook {escape(manifest['rulebook'])}"
                + (f" · {escape(given)}" if given else "")
                + "</p>",
                f'<p><label>{escape(w["find"])}: <input id="find" type="search"></label></p>',
                *(
                    [f"<h2>{escape(w['chart'])}</h2>", _chart(result)]
                    if view.has_points(scheme)
                    else []
                ),
                f"<h2>{escape(w['ranking'] if view.shows_rank(scheme) else w['summary'])}</h2>",
                _summary(result),
                *_group_sections(result),
                *([extra] if extra else []),
                f"<h2>{escape(w['breakdown'])}</h2>",
            ]
        )
        + "\n"
    )
    for unit in result.units:
        out.write(_unit(result, auditor, unit, (restores or {}).get(unit.unit, {})) + "\n")
        if progress is not None:
            progress.update(1)
    out.write(f"<script>{_SCRIPT}</script></body></html>\n")


def to_html(
    result: Result, *, extra: str = "", restores: Mapping[str, Mapping[str, str]] | None = None
) -> str:
    """The whole report as one string (byte-identical for equal results)."""
    buffer = io.StringIO()
    write_html(result, buffer, extra=extra, restores=restores)
    return buffer.getvalue()


def _summary(result: Result) -> str:
    """One row per unit (in rank order for a scheme that ranks): rank, unit, the total's terms,
    total, outputs with their units, outcomes, vetoes with reasons."""
    scheme = result.scheme
    w = view.words(scheme)
    ranked = view.shows_rank(scheme)
    term_ids = [root for root, _ in semantics.total_terms(scheme)]
    positions = {i: k for k, i in enumerate(scheme.score_ids)}
    points = view.has_points(scheme)
    head = [
        *([w["rank"]] if ranked else []),
        w["unit"],
        *(scheme.nodes[r].label or r for r in term_ids),
        *([scheme.total_label] if points else []),
        *(view.output_label(scheme, i) for i in scheme.output_ids),
        *(o.label or name for name, o in scheme.outcomes.items()),
        *([w["vetoed"]] if scheme.vetoes else []),
    ]
    units = list(view.summaries(result))
    order = sorted(range(len(units)), key=lambda i: (units[i].rank or 0, i))
    rows = []
    for i in order:
        u = units[i]
        cells = [f'<td class="n">{u.rank}</td>'] if ranked else []
        cells.append(f'<td><a href="#{_anchor(u.unit)}">{escape(u.unit)}</a></td>')
        cells += [f'<td class="n">{u.scores[positions[r]]}</td>' for r in term_ids]
        if points:
            cells.append(f'<td class="n">{u.total}</td>')
        cells += [f'<td class="n">{escape(v)}</td>' for v in u.outputs]
        cells += [f"<td>{escape(v)}</td>" for v in u.outcomes]
        if scheme.vetoes:
            cls = ' class="veto"' if u.vetoes else ""
            cells.append(f"<td{cls}>{escape('; '.join(u.reasons))}</td>")
        cls = ' class="vetoed"' if u.vetoes else ""
        rows.append(f'<tr data-unit="{escape(u.unit)}"{cls}>{"".join(cells)}</tr>')
    header = "".join(f"<th>{escape(h)}</th>" for h in head)
    return (
        f'<table id="ranking"><thead><tr>{header}</tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table>"
    )


def _group_sections(result: Result) -> list[str]:
    """Group rows (a scheme with aggregates): per grouping a heading and a table, a row per
    aggregate or group value, a column per group with its number of units."""
    out = []
    w = view.words(result.scheme)
    for table in group_tables(result):
        head = "".join(
            f'<th class="n">{escape(g)} ({n})</th>'
            for g, n in zip(table.groups, table.units, strict=True)
        )
        rows = "".join(
            f'<tr class="{kind}"><td>{escape(name)}</td><td>{escape(label)}</td>'
            + "".join(f'<td class="n">{escape(c)}</td>' for c in cells)
            + "</tr>"
            for name, label, kind, cells in table.rows
        )
        out.append(
            f"<h2>{escape(table.title)}</h2>"
            f'<table class="groups"><thead><tr><th>{escape(w["node"])}</th>'
            f"<th>{escape(w['label'])}</th>{head}</tr></thead><tbody>{rows}</tbody></table>"
        )
    return out


def _chart(result: Result) -> str:
    """Horizontal stacked bars of each unit's added terms (categories, bonuses); deductions as
    a thin grey bar. Inline SVG, scaled to the longest bar (drawing only: no score computed)."""
    scheme = result.scheme
    w = view.words(scheme)
    positive = [r for r, sign in semantics.total_terms(scheme) if sign > 0]
    negative = [r for r, sign in semantics.total_terms(scheme) if sign < 0]
    zero = Decimal(0)
    widest = max(
        (sum((_bar(u.scores[r]) for r in positive), zero) for u in result.units),
        default=Decimal(1),
    ) or Decimal(1)
    label_w, bar_w, row_h = 110, 620, 22
    height = row_h * len(result.units) + 10
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 140}" '
        f'height="{height}" role="img" aria-label="{escape(w["chart"])}">'
    ]
    for i, unit in enumerate(result.units):
        y = 5 + i * row_h
        out.append(
            f'<g data-unit="{escape(unit.unit)}"><text x="0" y="{y + 14}" '
            f'font-size="12">{escape(unit.unit)}</text>'
        )
        x = Decimal(label_w)
        for k, root in enumerate(positive):
            value = _bar(unit.scores[root])
            bar = value / widest * bar_w
            out.append(
                f'<rect x="{_px(x)}" y="{y}" width="{_px(bar)}" height="{row_h - 6}" '
                f'fill="{PALETTE[k % len(PALETTE)]}"><title>'
                f"{escape(scheme.nodes[root].label)} {_text(scheme, unit.scores[root])}"
                "</title></rect>"
            )
            x += bar
        for root in negative:
            bar = _bar(unit.scores[root]) / widest * bar_w
            out.append(
                f'<rect x="{_px(x - bar)}" y="{y + row_h - 8}" width="{_px(bar)}" '
                f'height="3" fill="#555"><title>{escape(scheme.nodes[root].label)} '
                f"−{_text(scheme, unit.scores[root])}</title></rect>"
            )
        out.append(
            f'<text x="{_px(x + 6)}" y="{y + 14}" font-size="12">'
            f"{escape(_text(scheme, unit.total))}</text></g>"
        )
    out.append("</svg>")
    legend = "".join(
        f'<span><i style="background:{PALETTE[k % len(PALETTE)]}"></i>'
        f"{escape(scheme.nodes[r].label)}</span>"
        for k, r in enumerate(positive)
    )
    aside = "（{}）" if scheme.language == "zh" else " ({})"
    legend += "".join(
        f'<span><i style="background:#555"></i>{escape(scheme.nodes[r].label)}'
        f"{escape(aside.format(w['deduction']))}</span>"
        for r in negative
    )
    return "".join(out) + f'<div class="legend">{legend}</div>'


def _unit(
    result: Result, auditor: Auditor, unit: UnitResult, restores: Mapping[str, str] | None = None
) -> str:
    scheme = result.scheme
    w = view.words(scheme)
    lost = auditor.points_lost(unit)
    restores = restores or {}
    lost_items = "".join(
        f'<li><span class="lost">−{format(p.lost, "f")}</span> {escape(p.node)} '
        f"{escape(p.label)} ({escape(', '.join(f'{i.name}={show(i.value)}' for i in p.inputs))})"
        + (
            f' <span class="restore">— {escape(restores[p.node])}</span>'
            if p.node in restores
            else ""
        )
        + "</li>"
        for p in lost
    )
    verdict = "".join(
        f'<p class="veto">{escape(w["vetoed"])}: {escape(view.veto_text(scheme, v))}'
        f"{_cited(scheme.vetoes[v].reference)}</p>"
        for v in unit.vetoes
    )
    verdict += "".join(
        f'<p class="outcome">{escape(o.label or name)}: '
        f"<b>{escape(show(unit.outcomes[name]))}</b>{_cited(o.reference)}</p>"
        for name, o in scheme.outcomes.items()
    )
    terms = [root for root, _ in semantics.total_terms(scheme)]
    tree = "".join(_node(auditor, unit, root, open_=True) for root in terms)
    if terms:
        total = auditor.explain(unit, "total")
        tree += f'<div class="audit">{escape(_audit_text(scheme, total))}</div>'
        heading = f' — <span class="v">{escape(_text(scheme, unit.total))}</span>'
    else:
        heading = ""
    outputs = [r for r in scheme.roots if r not in terms]
    output_tree = "".join(_node(auditor, unit, root, open_=True) for root in outputs)
    output_part = f"<h4>{escape(w['outputs'])}</h4>{output_tree}" if outputs else ""
    cls = "unit vetoed" if unit.vetoes else "unit"
    return (
        f'<section class="{cls}" data-unit="{escape(unit.unit)}" '
        f'id="{_anchor(unit.unit)}">'
        f"<h3>{escape(unit.unit)}{heading}</h3>{verdict}{tree}{output_part}"
        + (f"<h4>{escape(w['points_lost'])}</h4><ol>{lost_items}</ol>" if lost else "")
        + "</section>"
    )


def _node(auditor: Auditor, unit: UnitResult, node_id: str, open_: bool = False) -> str:
    scheme = auditor.scheme
    node = scheme.nodes[node_id]
    audit = auditor.explain(unit, node_id)
    standard = (
        f' <span class="std">/ {show(node.standard)}</span>' if node.standard is not None else ""
    )
    if node_id in scheme.output_ids and isinstance(audit.value, Decimal):
        value = view.output_text(scheme, node_id, audit.value) + (
            f" {node.unit}" if node.unit else ""
        )
    else:
        value = _text(scheme, audit.value)
    head = (
        f"<summary>{escape(node_id)} {escape(node.label)} "
        f'<span class="v">{escape(value)}</span>{standard}</summary>'
    )
    body = f'<div class="audit">{escape(_audit_text(scheme, audit))}</div>'
    body += _period_table(auditor, unit, node_id)
    children = "".join(_node(auditor, unit, c) for c in node.children)
    return f"<details{' open' if open_ else ''}>{head}{body}{children}</details>"


def _period_table(auditor: Auditor, unit: UnitResult, node_id: str) -> str:
    """A per-period node's scores, one column per period (or group): label, score, and with a
    `period_standard` the points lost in each; then each period's raw → settled value."""
    scheme = auditor.scheme
    shown = periods.points(scheme, node_id)
    if not shown:
        return ""
    values = periods.scores(unit, node_id)
    places = scheme.rounding.places
    head = "".join(f'<th title="{escape(p.id)}">{escape(p.label)}</th>' for p in shown)
    na = view.na_text(scheme)
    cells = "".join(f'<td class="n">{view.fixed(v, places, na)}</td>' for v in values)
    rows = [f"<tr><th></th>{head}</tr>", f"<tr><th>{escape(node_id)}</th>{cells}</tr>"]
    standard = shown[0].standard
    if standard is not None:
        lost = "".join(
            f'<td class="n lost">{view.fixed(_lost(standard, v), places, na)}</td>' for v in values
        )
        rows.append(f"<tr><th>{escape(view.words(scheme)['points_lost'])}</th>{lost}</tr>")
    working = auditor.explain(unit, f"{node_id}.periods")
    text = working.rounding or ""
    return f'<table class="periods">{"".join(rows)}</table>' + (
        f'<div class="audit">{escape(text)}</div>' if text else ""
    )


def _audit_text(scheme: Scheme, a: NodeAudit) -> str:
    lines = []
    if a.children:
        lines.append(view.terms_line(scheme, a, full_ids=True))
    elif a.expression:
        lines.append("= " + annotate(a))
    if a.pattern:
        lines.append(f"pattern {a.pattern}(" + ", ".join(f"{k}={v}" for k, v in a.arguments) + ")")
    tail = summary(a)
    if tail:
        lines.append(tail)
    if a.kind != "total":
        lines.append(
            f"raw {show(a.raw)}; clipped {show(a.clipped)}"
            + (f"; rounding {a.rounding}" if a.rounding else "")
        )
    where = f"{a.location.file}:{a.location.line}" if a.location else ""
    if a.reference:
        where = f"{where}  〔{a.reference}〕".strip()
    if where:
        lines.append(where)
    if a.note:
        lines.append(" ".join(a.note.split()))
    return "\n".join(lines)


def _cited(reference: str) -> str:
    """The clause an outcome or veto cites, escaped, after its verdict; "" when none."""
    return f' <span class="std">〔{escape(reference)}〕</span>' if reference else ""


def _text(scheme: Scheme, value: Any) -> str:
    """A score as shown: exact decimals, or the scheme's word for not applicable."""
    return view.na_text(scheme) if value is semantics.NA else format(value, "f")


def _bar(value: Any) -> Decimal:
    """A bar's length: the score, at least 0; no bar for a score that does not apply."""
    return Decimal(0) if value is semantics.NA else max(value, Decimal(0))


def _anchor(name: str) -> str:
    return "unit-" + "".join(c if c.isalnum() else "-" for c in name)


def _px(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.1")), "f")


def _lost(standard: Decimal, value: Any) -> Any:
    """Points lost in one period; none for a period score that does not apply (shown n/a)."""
    return value if value is semantics.NA else max(standard - value, Decimal(0))
