"""Renderings of a Result: a terminal table and JSON. Data in, text out; no scoring logic here."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from decimal import Decimal

from rulebook.result import Result
from rulebook.tabular import LONG_HEADER, long_rows, text
from rulebook.textwidth import display_width, pad

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
    units, in blocks of `units_per_block` columns so it fits a terminal; then the ranking."""
    scheme = result.scheme
    places = scheme.rounding.places
    ids = scheme.score_ids
    names = [_row_name(scheme.depth(i), i) for i in ids]
    labels = [scheme.total_label if i == "total" else scheme.nodes[i].label for i in ids]
    standards = [_standard(result, i) for i in ids]
    name_w = max(display_width(n) for n in (*names, "项目"))
    label_w = max(display_width(label) for label in (*labels, "名称"))
    std_w = max(display_width(s) for s in (*standards, "标准分"))
    ranks = result.total_ranks()
    lines = [f"{scheme.title}  [{scheme.id} {scheme.version}]",
             f"{len(result.units)} units · rounding: {places} places, {scheme.rounding.mode}, "
             f"per {scheme.rounding.level}", ""]
    units = list(result.units)
    blocks = max(-(-len(units) // units_per_block), 1)
    per_block = max(-(-len(units) // blocks), 1)  # balanced: 6 units -> 3 + 3, not 5 + 1
    for start in range(0, len(units), per_block):
        block = units[start:start + per_block]
        cells = [[f"{u.scores[i]:.{places}f}" for i in ids] for u in block]
        widths = [max(display_width(u.unit), *(display_width(c) for c in col))
                  for u, col in zip(block, cells, strict=True)]
        header = [pad("项目", name_w), pad("名称", label_w), pad("标准分", std_w, ">")]
        header += [pad(u.unit, w, ">") for u, w in zip(block, widths, strict=True)]
        lines.append("  ".join(header).rstrip())
        lines.append("  ".join("─" * w for w in (name_w, label_w, std_w, *widths)))
        for row, node_id in enumerate(ids):
            if node_id == "total":
                lines.append("  ".join("─" * w for w in (name_w, label_w, std_w, *widths)))
            out = [pad(names[row], name_w), pad(labels[row], label_w),
                   pad(standards[row], std_w, ">")]
            out += [pad(col[row], w, ">") for col, w in zip(cells, widths, strict=True)]
            lines.append("  ".join(out).rstrip())
        rank_cells = [pad(str(ranks[start + k]), w, ">") for k, w in enumerate(widths)]
        lines.append("  ".join([pad("rank", name_w), pad("名次", label_w), pad("", std_w),
                                *rank_cells]).rstrip())
        lines.append("")
    lines.append(_ranking_line(result, ranks, places))
    return "\n".join(lines) + "\n"


def _row_name(depth: int, node_id: str) -> str:
    return "  " * depth + node_id.rsplit(".", 1)[-1]


def _standard(result: Result, node_id: str) -> str:
    scheme = result.scheme
    value: Decimal | None = (scheme.standard_total if node_id == "total"
                             else scheme.nodes[node_id].standard)
    return "" if value is None else _plain_number(value)


def _plain_number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def _ranking_line(result: Result, ranks: Sequence[Decimal], places: int) -> str:
    order = sorted(range(len(result.units)), key=lambda i: (ranks[i], i))
    parts = [f"{ranks[i]}. {result.units[i].unit} {result.units[i].total:.{places}f}"
             for i in order]
    return "排名 ranking: " + " · ".join(parts)
