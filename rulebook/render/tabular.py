"""Flat, row-shaped views of a Result, shared by the CSV and Excel renderings.

`long_rows` is the long table (unit, node, period, value, raw, clipped); `ranking_rows` the
summary (one row per unit, in rank order, with the top-level sections). Rendering-neutral data.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from rulebook.arith import canonical
from rulebook.audit.result import Result
from rulebook.engine import semantics

LONG_HEADER = ("unit", "node", "label", "kind", "period", "value", "raw", "clipped")


def long_rows(result: Result) -> Iterator[tuple[Any, ...]]:
    """One row per unit × scored node (kind item/group/total), then per named value and rank
    (one row per period for per-period ones). Decimals stay Decimals; renderers format them."""
    scheme = result.scheme
    for unit in result.units:
        for node_id in scheme.score_ids:
            node = scheme.nodes.get(node_id)
            raw = unit.raw[node_id]
            clamped = raw if node is None else \
                semantics.clamp_value(raw, node.min, node.max)
            kind = "total" if node is None else "item" if node.is_item else "group"
            label = scheme.total_label if node is None else node.label
            yield (unit.unit, node_id, label, kind, "", unit.scores[node_id], raw, raw - clamped)
        for kind, table, labels in (("value", unit.values, scheme.values),
                                    ("rank", unit.ranks, scheme.rankings)):
            for name, value in table.items():
                label = labels[name].label
                if isinstance(value, dict):
                    for period, v in value.items():
                        yield (unit.unit, name, label, kind, period, v, None, None)
                else:
                    yield (unit.unit, name, label, kind, "", value, None, None)


def ranking_header(result: Result) -> tuple[str, ...]:
    scheme = result.scheme
    return ("rank", "unit", *(scheme.nodes[r].label or r for r in scheme.roots),
            scheme.total_label)


def ranking_rows(result: Result) -> list[tuple[Any, ...]]:
    """Units in rank order (ties in data order): rank, name, each top-level node, total."""
    scheme = result.scheme
    ranks = result.total_ranks()
    order = sorted(range(len(result.units)), key=lambda i: (ranks[i], i))
    return [(int(ranks[i]), result.units[i].unit,
             *(result.units[i].scores[r] for r in scheme.roots), result.units[i].total)
            for i in order]


def text(value: Any) -> str:
    """A cell as text: exact decimals in plain notation, booleans lower-case, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        return format(value, "f") if isinstance(exponent, int) and exponent < 0 and \
            -exponent <= 10 else canonical(value)
    return str(value)
