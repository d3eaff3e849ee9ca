"""Group rows as the renderings show them: one small table per grouping (all units, or by an
indicator), a row per aggregate or group value and a column per group, cells as text.

Read from `Result.groups` (`rulebook.audit.groups`); the terminal table, HTML and xlsx format
these tables and nothing else. A scheme without aggregates has none, and its renderings are
unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

from rulebook.arith import canonical
from rulebook.audit.result import Result
from rulebook.engine import semantics
from rulebook.render import view
from rulebook.scheme.model import Scheme

YES_NO = {"zh": ("是", "否"), "en": ("yes", "no")}


@attrs.frozen
class GroupTable:
    """One grouping: its title, the groups (column heads) with their unit counts, and one row
    per name: (name, label, kind `aggregate`|`group_value`, cell texts)."""

    title: str
    groups: tuple[str, ...]
    units: tuple[int, ...]
    rows: tuple[tuple[str, str, str, tuple[str, ...]], ...]


def group_tables(result: Result) -> list[GroupTable]:
    """The result's group rows, one table per grouping, in the scheme's order."""
    scheme = result.scheme
    by_grouping: dict[str | None, list[Any]] = {}
    for row in result.groups:
        by_grouping.setdefault(row.by, []).append(row)
    tables = []
    for by, rows in by_grouping.items():
        names = list(rows[0].values)
        tables.append(
            GroupTable(
                title(scheme, by),
                tuple(r.group if r.group is not None else title(scheme, None) for r in rows),
                tuple(len(r.units) for r in rows),
                tuple(
                    (
                        name,
                        label_of(scheme, name),
                        kind_of(scheme, name),
                        tuple(cell(scheme, r.values[name]) for r in rows),
                    )
                    for name in names
                ),
            )
        )
    return tables


def title(scheme: Scheme, by: str | None) -> str:
    """`按 所属街道` / `by street`, or `全部单位` / `all units`."""
    zh = scheme.language == "zh"
    if by is None:
        return "全部单位" if zh else "all units"
    label = scheme.indicators[by].label or by
    return f"按{label}" if zh else f"by {label}"


def kind_of(scheme: Scheme, name: str) -> str:
    """`aggregate` or `group_value` (a tree node's kind `group` is another thing)."""
    return "aggregate" if name in scheme.aggregates else "group_value"


def label_of(scheme: Scheme, name: str) -> str:
    agg = scheme.aggregates.get(name)
    return agg.label if agg is not None else scheme.values[name].label


def cell(scheme: Scheme, value: Any) -> str:
    """A value as text: decimals (`shown`), 是/否 (yes/no), per period `Q1 80 · Q2 75`."""
    if isinstance(value, Mapping):
        return " · ".join(f"{p} {cell(scheme, v)}" for p, v in value.items())
    if value is semantics.NA:  # a mean/min/max where no unit of the group applies
        return view.na_text(scheme)
    if isinstance(value, bool):
        yes, no = YES_NO.get(scheme.language, YES_NO["zh"])
        return yes if value else no
    if isinstance(value, Decimal):
        return shown(value)
    return str(value)


SHOWN_PLACES = 6
"""Decimals a group value shows in the table and the HTML (a pooled rate such as 151/200 × 100
is exact but endless); JSON, CSV and xlsx carry the exact value."""


def shown(value: Decimal) -> str:
    """`value` exactly when it has at most `SHOWN_PLACES` decimals, else rounded (half-even)
    to that many and marked `…`, so a shortened number never passes for an exact one."""
    text = canonical(value)
    if "." not in text or len(text.split(".", 1)[1]) <= SHOWN_PLACES:
        return text
    return canonical(value.quantize(Decimal(1).scaleb(-SHOWN_PLACES))) + "…"
