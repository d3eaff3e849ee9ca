"""Results as plain data: per unit, every node's value (and raw value before caps), every named
value, every rank, and the total; plus `to_dict()` following the documented JSON contract."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

import attrs

from rulebook.arith import PRECISION, SNAP_PLACES, canonical
from rulebook.audit.trail import Auditor, NodeAudit, PointsLost
from rulebook.engine.ranking import rank
from rulebook.scheme.model import Scheme
from rulebook.version import __version__

FORMAT_VERSION = 1

PerPeriod = Mapping[str, Decimal | bool]


class _Named(Mapping[str, Any]):
    """A read-only mapping of some names to their values in one unit, read through the plan,
    so results cost no copying."""

    def __init__(self, unit: UnitResult, names: tuple[str, ...], *, raw: bool = False) -> None:
        self._unit, self._names, self._raw = unit, names, raw
        self._set: frozenset[str] | None = None  # built on the first lookup

    def __getitem__(self, name: str) -> Any:
        if self._set is None:
            self._set = frozenset(self._names)
        if name not in self._set:
            raise KeyError(name)
        return self._unit.value(name, raw=self._raw)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


@attrs.frozen
class UnitResult:
    """One unit's scores. `value(name)` reads anything by name; `scores` maps every node id (and
    `total`) to its rounded value; `raw` to the value before caps, floors and rounding; `values`
    the named intermediate results; `ranks` each ranking's rank (a period -> rank mapping for
    per-period rankings)."""

    unit: str
    vector: list[Any] = attrs.field(repr=False, eq=False)
    """The unit's slot list, laid out by `scheme.program.plan`; read it through `value`."""
    scheme: Scheme = attrs.field(repr=False, eq=False)

    def value(self, name: str, period: str | None = None, *, raw: bool = False) -> Any:
        """The unit's value of `name` — a node's score (`raw=True`: before floor, cap and
        rounding), `total`, a named value, a rank, an outcome's label, an output, an indicator
        or a parameter. For a name that varies by period (or period group), `period` picks one
        (`period="Q1"`, or a group id); without it the result maps every period to its value.
        KeyError, saying what exists, for an unknown name or period."""
        plan = self.scheme.program.plan
        if period is None and not raw and name not in plan.points:
            slot = plan.slots.get(name)
            if slot is not None:  # the common case, kept cheap: a one-value name
                return self.vector[slot]
        parameter = self.scheme.parameters.get(name)
        if parameter is not None and name not in plan.slots and not raw:
            if period is not None:
                raise KeyError(f"parameter `{name}` has one value, not one per period")
            return parameter.value
        return plan.read(self.vector, name, period, raw=raw)

    @property
    def total(self) -> Decimal:
        value: Decimal = self.value("total")
        return value

    @property
    def scores(self) -> Mapping[str, Decimal]:
        return _Named(self, self.scheme.score_ids)

    @property
    def raw(self) -> Mapping[str, Decimal]:
        return _Named(self, self.scheme.score_ids, raw=True)

    @property
    def values(self) -> Mapping[str, Any]:
        """Named intermediate values (`values:` and items' `let:`), not vetoes or outcomes."""
        return self._view(tuple(n for n, v in self.scheme.values.items() if v.kind == "value"))

    @property
    def outputs(self) -> Mapping[str, Decimal]:
        """Values of `output` nodes (money and other non-point results), apart from points."""
        return _Named(self, self.scheme.output_ids)

    @property
    def outcomes(self) -> Mapping[str, str]:
        """Each outcome's label for this unit (合格/不合格, a grade band, ...)."""
        return self._view(tuple(self.scheme.outcomes))

    @property
    def vetoes(self) -> tuple[str, ...]:
        """Ids of the vetoes that hold for this unit (empty when none does)."""
        return tuple(v for v in self.scheme.vetoes if self.value(v) is True)

    @property
    def ranks(self) -> Mapping[str, Any]:
        return self._view(tuple(self.scheme.rankings))

    def _view(self, names: tuple[str, ...]) -> Mapping[str, Any]:
        """Names that have a slot; one that varies maps its periods (or groups) to values."""
        slots = self.scheme.program.plan.slots
        return _Named(self, tuple(n for n in names if n in slots))


@attrs.frozen
class Result:
    """The scores of every unit of a data set under one scheme, in the data's unit order."""

    scheme: Scheme = attrs.field(repr=False)
    units: tuple[UnitResult, ...]
    data_file: str = ""
    data: Any = attrs.field(default=None, repr=False, eq=False)
    """The checked DataSet scored; its digest goes into the manifest (computed on demand, so
    scoring does not pay for hashing the data)."""

    @property
    def data_digest(self) -> str:
        return str(self.data.digest) if self.data is not None else ""

    def __iter__(self) -> Iterator[UnitResult]:
        return iter(self.units)

    def __len__(self) -> int:
        return len(self.units)

    def unit(self, name: str) -> UnitResult:
        """The result of the unit called `name` (KeyError if absent)."""
        for u in self.units:
            if u.unit == name:
                return u
        raise KeyError(name)

    def total_ranks(self) -> list[Decimal]:
        """Competition rank of each unit by total, highest first, in unit order."""
        return rank([u.total for u in self.units])

    def explain(self, unit: str, node: str = "total") -> NodeAudit:
        """Why `unit` has its value at `node` (a node id, `total`, or a named value)."""
        return Auditor(self).explain(self.unit(unit), node)

    def points_lost(self, unit: str) -> list[PointsLost]:
        """The items where `unit` fell below the standard, biggest loss first."""
        return Auditor(self).points_lost(self.unit(unit))

    def audits(self, unit: str) -> Iterator[NodeAudit]:
        """The audit of every scored node (tree order, then `total`) and every named value."""
        auditor = Auditor(self)
        result = self.unit(unit)
        for name in (*self.scheme.score_ids, *self.scheme.output_ids, *self.scheme.values):
            yield auditor.explain(result, name)

    def manifest(self) -> dict[str, Any]:
        """What is needed to reproduce this result: digests of scheme and data, versions and
        the arithmetic rules. No timestamps, so equal runs give equal bytes."""
        scheme = self.scheme
        return {
            "rulebook": __version__,
            "scheme": {"id": scheme.id, "title": scheme.title, "version": scheme.version,
                       "digest": scheme.digest},
            "data": {"digest": self.data_digest, "units": len(self.units)},
            "rounding": {"places": scheme.rounding.places, "mode": scheme.rounding.mode,
                         "level": scheme.rounding.level},
            "arithmetic": {"precision": PRECISION, "snap_places": SNAP_PLACES},
        }

    def to_dict(self, *, audit: bool = True) -> dict[str, Any]:
        """The JSON contract (docs/output.md, docs/result.schema.json): a manifest, and `units`,
        each with `unit`, `total`, `rank`, `scores`, `raw`, `values`, `ranks`, and (unless
        audit=False) `points_lost` and `audit`. Every decimal is a string."""
        scheme = self.scheme
        places = scheme.rounding.places
        ranks = self.total_ranks()
        auditor = Auditor(self) if audit else None
        units = []
        for unit, total_rank in zip(self.units, ranks, strict=True):
            entry: dict[str, Any] = {
                "unit": unit.unit,
                "total": _fixed(unit.total, places),
                "rank": int(total_rank),
                "scores": {k: _fixed(v, places) for k, v in unit.scores.items()},
                "raw": {k: canonical(v) for k, v in unit.raw.items()},
                "values": {k: _plain(v) for k, v in unit.values.items()},
                "ranks": {k: _plain(v) for k, v in unit.ranks.items()},
                "outputs": {k: _fixed(v, places) for k, v in unit.outputs.items()},
                "outcomes": dict(unit.outcomes),
                "vetoes": [{"id": v, "label": scheme.vetoes[v].label,
                            "reason": scheme.vetoes[v].reason} for v in unit.vetoes],
            }
            if auditor is not None:
                entry["points_lost"] = [
                    {"node": p.node, "label": p.label, "standard": canonical(p.standard),
                     "value": _fixed(p.value, places), "lost": _fixed(p.lost, places),
                     "inputs": {i.name: _plain(i.value) for i in p.inputs}}
                    for p in auditor.points_lost(unit)]
                entry["audit"] = {name: auditor.explain(unit, name).to_dict()
                                  for name in (*scheme.score_ids, *scheme.output_ids,
                                               *scheme.values)}
            units.append(entry)
        return {
            "format": FORMAT_VERSION,
            "manifest": self.manifest(),
            "periods": [p.id for p in scheme.periods],
            "units": units,
        }


def _fixed(value: Decimal, places: int) -> str:
    return f"{value:.{places}f}"


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        return canonical(value)
    return value
