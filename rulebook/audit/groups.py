"""Group rows: the values a scheme computes once per group of units — its aggregates and its
group values — one row per group, read from the scored units (every unit holds its own group's
values, so a row reads them from the group's first unit).

Groupings come in the scheme's declaration order (`Scheme.groupings`): all units (`by` None)
as one row, and for each `by` indicator one row per value present in the data, in the order the
indicator declares its values. Units are never held twice: a row names its units by index.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import attrs

from rulebook.scheme.model import Scheme


@attrs.frozen
class GroupRow:
    """One group's values. `by` is the grouping indicator (None: all units), `group` its
    value for these units (None for all units), `units` the units' names in data order, and
    `values` every aggregate and group value of the grouping (a period -> value mapping for
    one that varies)."""

    by: str | None
    group: str | None
    units: tuple[str, ...]
    values: dict[str, Any]

    def label(self, scheme: Scheme) -> str:
        """The row as people read it: `街道 = 慈城镇`, or `all units` / `全部单位`."""
        if self.by is None:
            return "全部单位" if scheme.language == "zh" else "all units"
        ind = scheme.indicators[self.by]
        return f"{ind.label or self.by} = {self.group}"


def names_of(scheme: Scheme, by: str | None) -> tuple[str, ...]:
    """The aggregates and group values of one grouping, in declaration order."""
    return (
        *(a.name for a in scheme.aggregates.values() if a.by == by),
        *(v.name for v in scheme.values.values() if v.kind == "group" and v.by == by),
    )


def group_rows(scheme: Scheme, units: Sequence[Any]) -> Iterator[GroupRow]:
    """Every group row of scored `units` (UnitResults): by grouping, then group."""
    if not units:
        return
    for by in scheme.groupings:
        names = names_of(scheme, by)
        members: dict[Any, list[int]] = {}
        for i, unit in enumerate(units):
            members.setdefault(None if by is None else unit.value(by), []).append(i)
        order = [None] if by is None else list(scheme.indicators[by].values)
        for key in order:
            rows = members.get(key)
            if not rows:
                continue
            first = units[rows[0]]
            yield GroupRow(
                by,
                key,
                tuple(units[i].unit for i in rows),
                {name: first.value(name) for name in names},
            )


def group_dicts(scheme: Scheme, units: Sequence[Any], plain: Any) -> list[dict[str, Any]]:
    """The JSON form of the group rows (docs/output.md `groups`): `by`, `group`, `label`,
    `units` (how many), `values` (decimals as strings through `plain`)."""
    return [
        {
            "by": row.by,
            "group": row.group,
            "label": row.label(scheme),
            "units": len(row.units),
            "values": {name: plain(value) for name, value in row.values.items()},
        }
        for row in group_rows(scheme, units)
    ]
