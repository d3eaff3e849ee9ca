"""The "what changed" section of the HTML report: a `rulebook diff` (its plain `to_dict()` data)
as a scheme-changes table and, per unit, the change in total, rank, outcomes and vetoes with the
nodes that moved and the formulas, parameters and inputs behind each move.

Rendering only: every number is the diff's own text; every text is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from rulebook.render import view
from rulebook.scheme.model import Scheme

STYLE = """
.diff td.up{color:#060}.diff td.down{color:#b00}.diff .old{color:#777}
.diff .why{font-family:ui-monospace,monospace;font-size:.85rem;color:#333}
"""

_WORDS = {
    "zh": {
        "title": "变化",
        "scheme": "方案的变化",
        "section": "部分",
        "name": "名称",
        "status": "变化",
        "fields": "内容",
        "unit": "单位",
        "total": "总分",
        "rank": "名次",
        "node": "项目",
        "old": "原值",
        "new": "新值",
        "delta": "差",
        "unchanged": "未变",
        "added": "新增",
        "removed": "移除",
        "why": "原因",
        "none": "方案本身没有变化",
    },
    "en": {
        "title": "What changed",
        "scheme": "Changes in the scheme",
        "section": "section",
        "name": "name",
        "status": "change",
        "fields": "fields",
        "unit": "unit",
        "total": "total",
        "rank": "rank",
        "node": "node",
        "old": "old",
        "new": "new",
        "delta": "Δ",
        "unchanged": "unchanged",
        "added": "added",
        "removed": "removed",
        "why": "why",
        "none": "no change in the scheme itself",
    },
}


def diff_section(diff: Mapping[str, Any], scheme: Scheme) -> str:
    """The section as HTML, headed in the scheme's language; `diff` is `ResultDiff.to_dict()`."""
    w = _WORDS["zh" if scheme.language == "zh" else "en"]
    parts = [f'<section class="diff" id="diff"><h2>{escape(w["title"])}</h2>']
    parts.append(_scheme_changes(diff.get("scheme"), w))
    units: Sequence[Mapping[str, Any]] = diff.get("units", ())
    if units:
        parts.append(_unit_table(units, w, view.shows_rank(scheme)))
        parts.extend(_unit_detail(u, w) for u in units)
    for key in ("unchanged", "added", "removed"):
        names = diff.get(key) or ()
        if names:
            parts.append(f"<p>{escape(w[key])}: {escape('、'.join(map(str, names)))}</p>")
    parts.append("</section>")
    return "\n".join(parts)


def _scheme_changes(scheme: Mapping[str, Any] | None, w: Mapping[str, str]) -> str:
    if not scheme or not scheme.get("changes"):
        return f"<p>{escape(w['none'])}</p>"
    rows = []
    for change in scheme["changes"]:
        fields = "; ".join(
            f"{k}: {_text(v.get('old'))} → {_text(v.get('new'))}"
            for k, v in (change.get("fields") or {}).items()
        )
        name = change.get("name", "")
        label = change.get("label") or ""
        rows.append(
            f"<tr><td>{escape(str(change.get('section', '')))}</td>"
            f"<td>{escape(str(name))} {escape(str(label))}</td>"
            f"<td>{escape(str(change.get('status', '')))}</td>"
            f'<td class="why">{escape(fields)}</td></tr>'
        )
    return (
        f"<h3>{escape(w['scheme'])}</h3><table><tr><th>{escape(w['section'])}</th>"
        f"<th>{escape(w['name'])}</th><th>{escape(w['status'])}</th>"
        f"<th>{escape(w['fields'])}</th></tr>{''.join(rows)}</table>"
    )


def _unit_table(units: Sequence[Mapping[str, Any]], w: Mapping[str, str], ranked: bool) -> str:
    head = [w["unit"], f"{w['total']} {w['old']}", f"{w['total']} {w['new']}", w["delta"]]
    if ranked:
        head += [f"{w['rank']} {w['old']}", f"{w['rank']} {w['new']}"]
    rows = []
    for u in units:
        total = u.get("total") or {}
        cells = [
            f'<td><a href="#diff-{escape(_anchor(u["unit"]))}">{escape(u["unit"])}</a></td>',
            f'<td class="n old">{escape(_text(total.get("old")))}</td>',
            f'<td class="n">{escape(_text(total.get("new")))}</td>',
            (
                f'<td class="n {_direction(total.get("delta"))}">'
                f"{escape(_text(total.get('delta')))}</td>"
            ),
        ]
        if ranked:
            rank = u.get("rank") or {}
            cells += [
                f'<td class="n old">{escape(_text(rank.get("old")))}</td>',
                f'<td class="n">{escape(_text(rank.get("new")))}</td>',
            ]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    header = "".join(f"<th>{escape(h)}</th>" for h in head)
    return f"<table><tr>{header}</tr>{''.join(rows)}</table>"


def _unit_detail(u: Mapping[str, Any], w: Mapping[str, str]) -> str:
    lines = [f'<h3 id="diff-{escape(_anchor(u["unit"]))}">{escape(u["unit"])}</h3>']
    for key in ("outcomes", "vetoes", "outputs", "ranks", "data"):
        for item in u.get(key) or ():
            lines.append(f'<p class="why">{escape(key)}: {escape(_describe(item))}</p>')
    nodes = u.get("nodes") or ()
    if nodes:
        rows = []
        for n in nodes:
            why = [
                f"{k}: {_text(v.get('old'))} → {_text(v.get('new'))}"
                for k, v in (n.get("fields") or {}).items()
            ]
            why += [_input(i) for i in n.get("inputs") or ()]
            rows.append(
                f"<tr><td>{escape(n['node'])} {escape(n.get('label') or '')}</td>"
                f'<td class="n old">{escape(_text(n.get("old")))}</td>'
                f'<td class="n">{escape(_text(n.get("new")))}</td>'
                f'<td class="n {_direction(n.get("delta"))}">'
                f"{escape(_text(n.get('delta')))}</td>"
                f'<td class="why">{"<br>".join(escape(x) for x in why)}</td></tr>'
            )
        lines.append(
            f"<table><tr><th>{escape(w['node'])}</th><th>{escape(w['old'])}</th>"
            f"<th>{escape(w['new'])}</th><th>{escape(w['delta'])}</th>"
            f"<th>{escape(w['why'])}</th></tr>{''.join(rows)}</table>"
        )
    return "\n".join(lines)


def _input(i: Mapping[str, Any]) -> str:
    period = f"[{i['period']}]" if i.get("period") else ""
    return (
        f"{i.get('kind', '')} {i.get('name', '')}{period}: "
        f"{_text(i.get('old'))} → {_text(i.get('new'))}"
    )


def _describe(item: Any) -> str:
    """One changed outcome, veto, output, rank or datum, whatever its keys, as `k old → new`."""
    if not isinstance(item, Mapping):
        return _text(item)
    name = " ".join(
        _text(item[k])
        for k in ("name", "id", "ranking", "node", "period")
        if item.get(k) is not None
    )
    if "old" in item or "new" in item:
        return f"{name} {_state(item.get('old'))} → {_state(item.get('new'))}".strip()
    return name or ", ".join(f"{k}={_text(v)}" for k, v in item.items())


def _state(value: Any) -> str:
    """A side of a change: a veto's yes/no as `holds`/`clear` (as the text diff says it)."""
    if isinstance(value, bool):
        return "holds" if value else "clear"
    return _text(value)


def _direction(delta: Any) -> str:
    text = _text(delta)
    return (
        "down"
        if text.startswith("-")
        else "up"
        if text not in ("", "0", "+0.00") and text.strip("+0.")
        else ""
    )


def _text(value: Any) -> str:
    return "—" if value is None else str(value)


def _anchor(name: Any) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in str(name))
