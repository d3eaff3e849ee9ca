"""The terminal table: the score tree (one row per node, indented, with labels and standard
points) against the units, in blocks of columns that fit a terminal; then the rank (for a scheme
that ranks), the outputs with their units, outcomes and vetoes; then the vetoes' reasons and the
ranking; then, for a scheme with aggregates, one block of group rows per grouping. Written block
by block; every cell is made terminal-safe.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TextIO

from rulebook.arith import canonical
from rulebook.audit.result import Result
from rulebook.render import periods, view
from rulebook.render.grouprows import GroupTable, group_tables
from rulebook.render.runparams import parameters_line
from rulebook.render.safe import terminal
from rulebook.render.textwidth import display_width, pad, truncate, wrap

UNITS_PER_BLOCK = 5

Row = tuple[str, str, str, list[str]] | None  # None: a rule between sections


def write_table(
    result: Result, out: TextIO, units_per_block: int = UNITS_PER_BLOCK, width: int | None = None
) -> None:
    """Write the table to `out`, one block of units at a time: `units_per_block` columns, or
    (given a terminal `width`) as many as fit in it -- long labels then cut with `…` and long
    texts in unit columns (outcomes, vetoes) wrapped onto more lines, so every line fits."""
    scheme = result.scheme
    w = view.words(scheme)
    units = list(view.summaries(result))
    rows = _rows(result, units)
    present = [r for r in rows if r is not None]
    name_w = max(display_width(r[0]) for r in (*present, (w["node"], "", "", [])))
    label_w = max(display_width(r[1]) for r in (*present, ("", w["label"], "", [])))
    std_w = max(display_width(r[2]) for r in (*present, ("", "", w["standard"], [])))
    all_names = [terminal(u.unit) for u in units]
    cap = None if width is None else max(TEXT_MIN, min(TEXT_MAX, width // 4))
    all_widths = [_unit_width(n, [r[3][k] for r in present], cap) for k, n in enumerate(all_names)]
    if width is not None:
        name_w, label_w = _fitted(name_w, label_w, std_w, max(all_widths, default=0), width)
    _lines_out(
        out,
        terminal(f"{scheme.title}  [{' '.join(filter(None, (scheme.id, scheme.version)))}]"),
        width,
    )
    out.write(
        f"{len(units)} units · rounding: {scheme.rounding.places} places, "
        f"{scheme.rounding.mode}, per {scheme.rounding.level}\n"
    )
    given = parameters_line(scheme)  # values supplied at run time (`--params FILE`)
    if given:  # on a terminal, wrapped to its width like the rest of the table
        text = terminal(given)
        out.write("\n".join(wrap(text, width) if width else [text]) + "\n\n")
    else:
        out.write("\n")
    fixed = name_w + label_w + std_w + 6
    for columns in _blocks(all_widths, units_per_block, None if width is None else width - fixed):
        names = [_cut(all_names[k], all_widths[k]) for k in columns]
        widths = [all_widths[k] for k in columns]
        rule = "  ".join("─" * x for x in (name_w, label_w, std_w, *widths))
        header = [
            pad(_cut(w["node"], name_w), name_w),
            pad(_cut(w["label"], label_w), label_w),
            pad(w["standard"], std_w, ">"),
        ]
        header += [pad(n, x, ">") for n, x in zip(names, widths, strict=True)]
        lines = ["  ".join(header).rstrip(), rule]
        for row in rows:
            if row is None:
                lines.append(rule)
                continue
            cells = [
                [_cut(row[0], name_w)],
                [_cut(row[1], label_w)],
                [row[2]],
                *(_cell_lines(row[3][k], x) for k, x in zip(columns, widths, strict=True)),
            ]
            aligns = ["<", "<", ">", *(">" for _ in columns)]
            sizes = [name_w, label_w, std_w, *widths]
            for depth in range(max(len(c) for c in cells)):
                lines.append(
                    "  ".join(
                        pad(c[depth] if depth < len(c) else "", x, a)
                        for c, x, a in zip(cells, sizes, aligns, strict=True)
                    ).rstrip()
                )
        out.write("\n".join(lines) + "\n\n")
    for unit in units:
        for veto in unit.reasons:
            _lines_out(out, terminal(f"{w['vetoed']} {unit.unit}: {veto}"), width)
    if view.shows_rank(scheme):
        out.write(_ranking_line(units, w["ranking_line"], width) + "\n")
    # group rows, once every unit is written, after a blank line
    gap = view.shows_rank(scheme) or any(unit.reasons for unit in units)
    for group_table in group_tables(result):
        out.write(("\n" if gap else "") + _group_block(group_table, w, width) + "\n")
        gap = True


TEXT_MIN, TEXT_MAX = 12, 24
"""Given a terminal width, a unit column is at most width/4 cells wide (within these bounds)
unless a number needs more: longer text in it (an outcome, the vetoes) is wrapped."""
LABEL_MIN, NAME_MIN = 10, 12
"""The label and node columns are cut (with `…`) no narrower than this."""
_NUMBER = re.compile(r"[-+]?[0-9][0-9.,]*")


def _wrappable(cell: str) -> bool:
    """Text (not a number) may be wrapped onto more lines."""
    return _NUMBER.fullmatch(cell) is None


def _unit_width(name: str, cells: Sequence[str], cap: int | None) -> int:
    """A unit column's width: its widest cell, or, given a `cap`, no wider than the cap for
    text (a number always keeps its width)."""
    widest = max((display_width(c) for c in (name, *cells)), default=0)
    if cap is None:
        return widest
    numbers = max((display_width(c) for c in cells if not _wrappable(c)), default=0)
    return max(numbers, min(widest, cap))


def _fitted(name_w: int, label_w: int, std_w: int, unit_w: int, width: int) -> tuple[int, int]:
    """Node and label column widths so that they, the standard and one unit column fit in
    `width`: the label is cut first (to at most 40% of the width), then the node column."""
    label_w = min(label_w, max(LABEL_MIN, width * 2 // 5))
    spare = width - (name_w + label_w + std_w + unit_w + 6)
    if spare < 0:
        label_w = max(LABEL_MIN, label_w + spare)
        spare = width - (name_w + label_w + std_w + unit_w + 6)
    if spare < 0:
        name_w = max(NAME_MIN, name_w + spare)
    return name_w, label_w


def _cut(text: str, width: int) -> str:
    return truncate(text, width)


def _cell_lines(cell: str, width: int) -> list[str]:
    """A unit cell as lines: a number as it is, text wrapped to the column."""
    if display_width(cell) <= width or not _wrappable(cell):
        return [cell]
    return wrap(cell, width)


def _lines_out(out: TextIO, text: str, width: int | None) -> None:
    """A line of text, wrapped to the terminal width (continuation lines indented)."""
    if width is None or display_width(text) <= width:
        out.write(text + "\n")
        return
    first, *rest = wrap(text, width)
    out.write(first + "\n")
    for line in rest:
        out.writelines("  " + part + "\n" for part in wrap(line, max(width - 2, 1)))


def _group_block(table: GroupTable, w: Mapping[str, str], width: int | None = None) -> str:
    """One grouping's rows: a row per aggregate or group value, a column per group (its unit
    count under its name); given a terminal `width`, labels cut and groups in blocks to fit."""
    heads = [terminal(g) for g in table.groups]
    counts = [f"({n})" for n in table.units]
    rows = [
        (terminal(n), terminal(label), [terminal(c) for c in cells])
        for n, label, _, cells in table.rows
    ]
    name_w = max(display_width(x) for x in (w["node"], *(r[0] for r in rows)))
    label_w = max(display_width(x) for x in (w["label"], *(r[1] for r in rows)))
    cap = None if width is None else max(TEXT_MIN, min(TEXT_MAX, width // 4))
    widths = [
        _unit_width(h, [c, *(r[2][k] for r in rows)], cap)
        for k, (h, c) in enumerate(zip(heads, counts, strict=True))
    ]
    if width is not None:
        name_w, label_w = _fitted(name_w, label_w, -2, max(widths, default=0), width)
    room = None if width is None else width - (name_w + label_w + 4)
    lines = [terminal(table.title)]
    for block in _blocks(widths, len(widths) or 1, room):
        sizes = [widths[k] for k in block]
        rule = "  ".join("─" * x for x in (name_w, label_w, *sizes))
        lines += [
            "  ".join(
                [pad(_cut(w["node"], name_w), name_w), pad(_cut(w["label"], label_w), label_w)]
                + [pad(_cut(heads[k], x), x, ">") for k, x in zip(block, sizes, strict=True)]
            ).rstrip(),
            "  ".join(
                [pad("", name_w), pad("", label_w)]
                + [pad(counts[k], x, ">") for k, x in zip(block, sizes, strict=True)]
            ).rstrip(),
            rule,
        ]
        for name, label, cells in rows:
            parts = [
                [_cut(name, name_w)],
                [_cut(label, label_w)],
                *(_cell_lines(cells[k], x) for k, x in zip(block, sizes, strict=True)),
            ]
            aligns = ["<", "<", *(">" for _ in block)]
            for depth in range(max(len(c) for c in parts)):
                lines.append(
                    "  ".join(
                        pad(c[depth] if depth < len(c) else "", x, a)
                        for c, x, a in zip(parts, [name_w, label_w, *sizes], aligns, strict=True)
                    ).rstrip()
                )
        lines.append("")
    return "\n".join(lines).rstrip("\n")


def to_table(result: Result, units_per_block: int = UNITS_PER_BLOCK) -> str:
    """The table as one string (small results; the CLI streams with `write_table`)."""
    import io

    buffer = io.StringIO()
    write_table(result, buffer, units_per_block)
    return buffer.getvalue()


def _rows(result: Result, units: Sequence[view.UnitSummary]) -> list[Row]:
    scheme = result.scheme
    w = view.words(scheme)
    rows: list[Row] = []
    for k, i in enumerate(scheme.score_ids if view.has_points(scheme) else ()):
        if i == "total":
            rows.append(None)
        label = scheme.total_label if i == "total" else scheme.nodes[i].label
        rows.append(
            (
                _row_name(scheme.depth(i), i),
                terminal(label),
                _standard(result, i),
                [u.scores[k] for u in units],
            )
        )
        rows.extend(_period_rows(result, i))
    if view.shows_rank(scheme):
        rows.append(("rank", w["rank"], "", [str(u.rank) for u in units]))
    if scheme.output_ids:
        if rows:
            rows.append(None)
        for k, i in enumerate(scheme.output_ids):
            rows.append(
                (
                    _row_name(scheme.depth(i), i),
                    terminal(view.output_label(scheme, i)),
                    "",
                    [u.outputs[k] for u in units],
                )
            )
    if scheme.outcomes or scheme.vetoes:
        rows.append(None)
    for k, (name, outcome) in enumerate(scheme.outcomes.items()):
        rows.append((name, terminal(outcome.label), "", [terminal(u.outcomes[k]) for u in units]))
    if scheme.vetoes:
        rows.append(
            ("vetoed", w["vetoed"], "", [terminal(", ".join(u.vetoes)) or w["none"] for u in units])
        )
    return rows


def _period_rows(result: Result, node_id: str) -> list[Row]:
    """Under a per-period node, one row per period (or period group): `· M01`, its label, the
    standard per period and each unit's score in it. Units stay the columns, so the table
    reads the same at 80 and 200 columns."""
    scheme = result.scheme
    shown = periods.points(scheme, node_id)
    if not shown:
        return []
    places = scheme.rounding.places
    by_unit = [periods.scores(u, node_id) for u in result.units]
    indent = "  " * (scheme.depth(node_id) + 1)
    return [
        (
            f"{indent}· {terminal(p.id)}",
            terminal(p.label),
            "" if p.standard is None else canonical(p.standard),
            [view.fixed(scores[k], places) for scores in by_unit],
        )
        for k, p in enumerate(shown)
    ]


def _row_name(depth: int, node_id: str) -> str:
    return "  " * depth + node_id.rsplit(".", 1)[-1]


def _standard(result: Result, node_id: str) -> str:
    scheme = result.scheme
    value = scheme.standard_total if node_id == "total" else scheme.nodes[node_id].standard
    return "" if value is None else canonical(value)


def _blocks(widths: list[int], per_block: int, room: int | None) -> list[range]:
    """Unit columns in blocks: balanced blocks of at most `per_block` (6 units -> 3 + 3, not
    5 + 1), or, given the `room` a terminal leaves, as many columns as fit (at least one)."""
    count = len(widths)
    if room is None:
        blocks = max(-(-count // per_block), 1)
        size = max(-(-count // blocks), 1)
        return [range(s, min(s + size, count)) for s in range(0, count, size)]
    out, start, used = [], 0, 0
    for k, w in enumerate(widths):
        if k > start and used + w + 2 > room:
            out.append(range(start, k))
            start, used = k, 0
        used += w + 2
    if start < count:
        out.append(range(start, count))
    size = -(-count // max(len(out), 1))  # the same number of blocks, balanced if that fits
    even = [range(s, min(s + size, count)) for s in range(0, count, size)]
    if all(sum(widths[k] + 2 for k in block) <= room for block in even):
        return even
    return out


def _ranking_line(units: Sequence[view.UnitSummary], word: str, width: int | None) -> str:
    order = sorted(range(len(units)), key=lambda i: (units[i].rank or 0, i))
    parts = [terminal(f"{units[i].rank}. {units[i].unit} {units[i].total}") for i in order]
    line, lines = f"{word}:", []
    for part in parts:
        if (
            width is not None
            and display_width(line) + 3 + display_width(part) > width
            and line.strip(" ·") != f"{word}:"
        ):
            lines.append(line)
            line = " "
        line += (" " if line.endswith(":") or line == " " else " · ") + part
    return "\n".join([*lines, line])
