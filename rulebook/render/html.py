"""The HTML report: one self-contained file (no network resources) that a person can open to find
any unit and trace every point of its total to inputs and source lines.

Sections: the run manifest; a chart of each unit's category scores (inline SVG); the ranking
table; per unit, the score tree as nested collapsible `<details>` with each node's audit, and the
points-lost list. A search box filters units (a few lines of inline script). Rendering only.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from rulebook.audit.result import Result, UnitResult
from rulebook.audit.trail import Auditor, NodeAudit
from rulebook.render.tabular import ranking_header, ranking_rows
from rulebook.render.worksheet import annotate, show, summary

PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#bab0ac")

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
"""

_SCRIPT = """
document.getElementById('find').addEventListener('input', function (e) {
  var q = e.target.value.trim();
  document.querySelectorAll('[data-unit]').forEach(function (el) {
    el.style.display = (!q || el.getAttribute('data-unit').indexOf(q) >= 0) ? '' : 'none';
  });
});
"""


def to_html(result: Result) -> str:
    """The whole report as one HTML document (byte-identical for equal results)."""
    scheme = result.scheme
    auditor = Auditor(result)
    manifest = result.manifest()
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{escape(scheme.title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(scheme.title)}</h1>",
        f'<p class="manifest">scheme {escape(scheme.id)} {escape(scheme.version)} · '
        f"{escape(manifest['scheme']['digest'])} · data {escape(manifest['data']['digest'])} · "
        f"{len(result.units)} units · rounding {scheme.rounding.places} places "
        f"{escape(scheme.rounding.mode)} per {escape(scheme.rounding.level)} · "
        f"rulebook {escape(manifest['rulebook'])}</p>",
        '<p><label>找单位 find a unit: <input id="find" type="search"></label></p>',
        "<h2>得分构成 category scores</h2>",
        _chart(result),
        "<h2>排名 ranking</h2>",
        _ranking(result),
        "<h2>明细 breakdown</h2>",
    ]
    for unit in result.units:
        parts.append(_unit(result, auditor, unit))
    parts.append(f"<script>{_SCRIPT}</script></body></html>")
    return "\n".join(parts) + "\n"


def _ranking(result: Result) -> str:
    header = "".join(f"<th>{escape(h)}</th>" for h in ranking_header(result))
    rows = []
    for row in ranking_rows(result):
        cells = [f'<td class="n">{row[0]}</td>',
                 f'<td><a href="#{_anchor(row[1])}">{escape(row[1])}</a></td>']
        cells += [f'<td class="n">{format(v, "f")}</td>' for v in row[2:]]
        rows.append(f'<tr data-unit="{escape(row[1])}">{"".join(cells)}</tr>')
    return f'<table id="ranking"><thead><tr>{header}</tr></thead><tbody>' + \
        "".join(rows) + "</tbody></table>"


def _chart(result: Result) -> str:
    """Horizontal stacked bars of each unit's category (and bonus) scores; deductions shown as
    a separate grey bar. Inline SVG, scaled to the largest bar."""
    scheme = result.scheme
    positive = [r for r in scheme.roots if scheme.nodes[r].role != "deduction"]
    negative = [r for r in scheme.roots if scheme.nodes[r].role == "deduction"]
    widest = max((sum((max(u.scores[r], Decimal(0)) for r in positive), Decimal(0))
                  for u in result.units), default=Decimal(1)) or Decimal(1)
    label_w, bar_w, row_h = 110, 620, 22
    height = row_h * len(result.units) + 10
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 140}" '
           f'height="{height}" role="img" aria-label="category scores per unit">']
    for i, unit in enumerate(result.units):
        y = 5 + i * row_h
        out.append(f'<g data-unit="{escape(unit.unit)}"><text x="0" y="{y + 14}" '
                   f'font-size="12">{escape(unit.unit)}</text>')
        x = Decimal(label_w)
        for k, root in enumerate(positive):
            value = max(unit.scores[root], Decimal(0))
            w = value / widest * bar_w
            out.append(f'<rect x="{_px(x)}" y="{y}" width="{_px(w)}" height="{row_h - 6}" '
                       f'fill="{PALETTE[k % len(PALETTE)]}"><title>'
                       f'{escape(scheme.nodes[root].label)} {format(unit.scores[root], "f")}'
                       "</title></rect>")
            x += w
        for root in negative:
            w = max(unit.scores[root], Decimal(0)) / widest * bar_w
            out.append(f'<rect x="{_px(x - w)}" y="{y + row_h - 8}" width="{_px(w)}" '
                       f'height="3" fill="#555"><title>{escape(scheme.nodes[root].label)} '
                       f'−{format(unit.scores[root], "f")}</title></rect>')
        out.append(f'<text x="{_px(x + 6)}" y="{y + 14}" font-size="12">'
                   f"{format(unit.total, 'f')}</text></g>")
    out.append("</svg>")
    legend = "".join(
        f'<span><i style="background:{PALETTE[k % len(PALETTE)]}"></i>'
        f"{escape(scheme.nodes[r].label)}</span>" for k, r in enumerate(positive))
    legend += "".join(f'<span><i style="background:#555"></i>{escape(scheme.nodes[r].label)}'
                      "（扣减）</span>" for r in negative)
    return "".join(out) + f'<div class="legend">{legend}</div>'


def _unit(result: Result, auditor: Auditor, unit: UnitResult) -> str:
    scheme = result.scheme
    lost = auditor.points_lost(unit)
    lost_items = "".join(
        f"<li><span class=\"lost\">−{format(p.lost, 'f')}</span> {escape(p.node)} "
        f"{escape(p.label)} ({escape(', '.join(f'{i.name}={show(i.value)}' for i in p.inputs))})"
        "</li>" for p in lost)
    tree = "".join(_node(auditor, unit, root, open_=True) for root in scheme.roots)
    total = auditor.explain(unit, "total")
    return (f'<section data-unit="{escape(unit.unit)}" id="{_anchor(unit.unit)}">'
            f"<h3>{escape(unit.unit)} — <span class=\"v\">{format(unit.total, 'f')}</span>"
            f"</h3>{tree}<div class=\"audit\">{escape(_audit_text(total))}</div>"
            f"<h4>失分 points lost</h4><ol>{lost_items}</ol></section>")


def _node(auditor: Auditor, unit: UnitResult, node_id: str, open_: bool = False) -> str:
    scheme = auditor.scheme
    node = scheme.nodes[node_id]
    audit = auditor.explain(unit, node_id)
    standard = f' <span class="std">/ {show(node.standard)}</span>' \
        if node.standard is not None else ""
    head = (f"<summary>{escape(node_id)} {escape(node.label)} "
            f'<span class="v">{format(audit.value, "f")}</span>{standard}</summary>')
    body = f'<div class="audit">{escape(_audit_text(audit))}</div>'
    children = "".join(_node(auditor, unit, c) for c in node.children)
    return f"<details{' open' if open_ else ''}>{head}{body}{children}</details>"


def _audit_text(a: NodeAudit) -> str:
    lines = []
    if a.children:
        lines.append("= " + " + ".join(f"{c} {format(v, 'f')}" for c, v in a.children))
    elif a.expression:
        lines.append("= " + annotate(a))
    if a.pattern:
        lines.append(f"pattern {a.pattern}(" + ", ".join(f"{k}={v}" for k, v in a.arguments)
                     + ")")
    tail = summary(a)
    if tail:
        lines.append(tail)
    if a.kind != "total":
        lines.append(f"raw {show(a.raw)}; clipped {show(a.clipped)}"
                     + (f"; rounding {a.rounding}" if a.rounding else ""))
    if a.location:
        lines.append(f"{a.location.file}:{a.location.line}")
    if a.note:
        lines.append(" ".join(a.note.split()))
    return "\n".join(lines)


def _anchor(name: str) -> str:
    return "unit-" + "".join(c if c.isalnum() else "-" for c in name)


def _px(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.1")), "f")
