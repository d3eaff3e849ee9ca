"""Renderings of a Result: a terminal table and JSON. Data in, text out; no scoring logic here."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from decimal import Decimal

from rulebook.arith import canonical
from rulebook.audit.result import Result
from rulebook.render.tabular import LONG_HEADER, long_rows, text
from rulebook.render.textwidth import display_width, pad

UNITS_PER_BLOCK = 5


def to_json(result: Result, *, audit: bool = True) -> str:
    """The result as pretty JSON (UTF-8 labels kept as written); byte-identical for equal input."""
    return json.dumps(result.to_dict(audit=audit), ensure_ascii=False, indent=2) + "\n"


def to_csv(result: Result) -> str:
    """The long table (docs/output.md): unit, node, label, kind, period, value, raw, clipped."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(LONG_HEADER)
    for row in long_rows(result):
        writer.writerow([text(cell) for cell in row])
    return buffer.getvalue()


def to_table(result: Result, units_per_block: int = UNITS_PER_BLOCK) -> str:
    """The score tree (one row per node, indented, with labels and standard points) against the
    units, in blocks of `units_per_block` columns so it fits a terminal; then ranks, outputs,
    outcomes and vetoes, and the ranking."""
    scheme = result.scheme
    places = scheme.rounding.places
    ranks = result.total_ranks()
    rows: list[tuple[str, str, str, list[str]] | None] = []  # None: a rule
    for i in scheme.score_ids:
        if i == "total":
            rows.append(None)
        label = scheme.total_label if i == "total" else scheme.nodes[i].label
        rows.append((_row_name(scheme.depth(i), i), label, _standard(result, i),
                     [f"{u.scores[i]:.{places}f}" for u in result.units]))
    rows.append(("rank", "名次", "", [str(r) for r in ranks]))
    if scheme.output_ids:
        rows.append(None)
        for i in scheme.output_ids:
            node = scheme.nodes[i]
            label = f"{node.label}（{node.unit}）" if node.unit else node.label
            rows.append((_row_name(scheme.depth(i), i), label, "",
                         [f"{u.outputs[i]:.{places}f}" for u in result.units]))
    if scheme.outcomes or scheme.vetoes:
        rows.append(None)
    for name, outcome in scheme.outcomes.items():
        rows.append((name, outcome.label, "", [u.outcomes[name] for u in result.units]))
    if scheme.vetoes:
        rows.append(("vetoed", "一票否决", "", [", ".join(u.vetoes) or "—"
                                                for u in result.units]))
    present = [r for r in rows if r is not None]
    name_w = max(display_width(r[0]) for r in (*present, ("项目", "", "", [])))
    label_w = max(display_width(r[1]) for r in (*present, ("", "名称", "", [])))
    std_w = max(display_width(r[2]) for r in (*present, ("", "", "标准分", [])))
    lines = [f"{scheme.title}  [{scheme.id} {scheme.version}]",
             f"{len(result.units)} units · rounding: {places} places, {scheme.rounding.mode}, "
             f"per {scheme.rounding.level}", ""]
    units = list(result.units)
    blocks = max(-(-len(units) // units_per_block), 1)
    per_block = max(-(-len(units) // blocks), 1)  # balanced: 6 units -> 3 + 3, not 5 + 1
    for start in range(0, len(units), per_block):
        columns = range(start, min(start + per_block, len(units)))
        widths = [max(display_width(units[k].unit),
                      *(display_width(r[3][k]) for r in present)) for k in columns]
        rule = "  ".join("─" * w for w in (name_w, label_w, std_w, *widths))
        header = [pad("项目", name_w), pad("名称", label_w), pad("标准分", std_w, ">")]
        header += [pad(units[k].unit, w, ">") for k, w in zip(columns, widths, strict=True)]
        lines += ["  ".join(header).rstrip(), rule]
        for row in rows:
            if row is None:
                lines.append(rule)
                continue
            out = [pad(row[0], name_w), pad(row[1], label_w), pad(row[2], std_w, ">")]
            out += [pad(row[3][k], w, ">") for k, w in zip(columns, widths, strict=True)]
            lines.append("  ".join(out).rstrip())
        lines.append("")
    lines.append(_ranking_line(result, ranks, places))
    return "\n".join(lines) + "\n"


def _row_name(depth: int, node_id: str) -> str:
    return "  " * depth + node_id.rsplit(".", 1)[-1]


def _standard(result: Result, node_id: str) -> str:
    scheme = result.scheme
    value: Decimal | None = (scheme.standard_total if node_id == "total"
                             else scheme.nodes[node_id].standard)
    return "" if value is None else canonical(value)


def _ranking_line(result: Result, ranks: Sequence[Decimal], places: int) -> str:
    order = sorted(range(len(result.units)), key=lambda i: (ranks[i], i))
    parts = [f"{ranks[i]}. {result.units[i].unit} {result.units[i].total:.{places}f}"
             for i in order]
    return "排名 ranking: " + " · ".join(parts)
