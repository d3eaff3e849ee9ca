"""Results as plain data: per unit, every node's value (and raw value before caps), every named
value, every rank, and the total; plus `to_dict()` following the documented JSON contract."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from itertools import chain, compress, repeat
from operator import is_, itemgetter
from typing import Any

import attrs

from rulebook import arith
from rulebook.arith import PRECISION, SNAP_PLACES, canonical
from rulebook.audit.groups import GroupRow, group_dicts, group_rows
from rulebook.audit.trail import Auditor, NodeAudit, PeriodPointsLost, PointsLost
from rulebook.collector import collector_paused
from rulebook.engine.packed import PackedUnits
from rulebook.engine.ranking import rank
from rulebook.engine.semantics import NA, NotApplicable
from rulebook.scheme.model import Scheme
from rulebook.version import __version__

FORMAT_VERSION = 1

_BELOW_ALL = Decimal("-Infinity")

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
        return self._view(
            tuple(
                n
                for n, v in self.scheme.values.items()
                if v.kind == "value" and v.period_of is None
            )
        )

    @property
    def period_scores(self) -> Mapping[str, Mapping[str, Decimal]]:
        """Each per-period node's score in every period (or period group), by node id — the
        values `<id>.periods`, each point floored, capped and rounded by the node's period
        rule. Empty when the scheme has no per-period node."""
        return {
            n.id: self.value(n.id + ".periods")
            for n in self.scheme.nodes.values()
            if n.per is not None
        }

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
    units: Sequence[UnitResult]
    """In the data's unit order: a tuple, or for a large result the packed units
    (`rulebook.engine.packed.PackedUnits`), whose items are made as they are read."""
    data_file: str = ""
    data: Any = attrs.field(default=None, repr=False, eq=False)
    """The checked DataSet scored; its digest goes into the manifest (computed on demand, so
    scoring does not pay for hashing the data)."""
    _digest: list[str] = attrs.field(factory=list, init=False, repr=False, eq=False)
    """The data digest once worked out (hashing 100,000 units takes seconds; every writer and
    `to_dict` reads the manifest)."""

    @property
    def data_digest(self) -> str:
        if not self._digest:
            self._digest.append(_streamed_digest(self.data) if self.data is not None else "")
        return self._digest[0]

    def __iter__(self) -> Iterator[UnitResult]:
        return iter(self.units)

    def __len__(self) -> int:
        return len(self.units)

    def unit(self, name: str) -> UnitResult:
        """The result of the unit called `name` (KeyError if absent)."""
        if isinstance(self.units, PackedUnits):  # found by name, decoding only its chunk
            unit: UnitResult = self.units[self.units.position(name)]
            return unit
        for u in self.units:
            if u.unit == name:
                return u
        raise KeyError(name)

    def total_ranks(self) -> list[Decimal]:
        """Competition rank of each unit by total, highest first, in unit order (a total that
        is n/a — nothing applies to the unit — ranks last)."""
        totals = self.column("total")
        return rank([_BELOW_ALL if t is NA else t for t in totals])

    def column(self, name: str, period: str | None = None) -> list[Any]:
        """Every unit's value of `name` (at `period`, for a name that varies), in unit order.
        A packed result reads the one slot without decoding whole slot lists."""
        plan = self.scheme.program.plan
        one_slot = name in plan.slots and (period is not None or name not in plan.points)
        if isinstance(self.units, PackedUnits) and one_slot:
            return self.units.column(plan.slot(name, period))
        return [u.value(name, period) for u in self.units]

    @property
    def names(self) -> list[str]:
        """The units' names, in unit order."""
        if isinstance(self.units, PackedUnits):
            return self.units.names
        return [u.unit for u in self.units]

    def explain(self, unit: str, node: str = "total") -> NodeAudit:
        """Why `unit` has its value at `node` (a node id, `total`, or a named value)."""
        return Auditor(self).explain(self.unit(unit), node)

    def points_lost(self, unit: str) -> list[PointsLost]:
        """The items where `unit` fell below the standard, biggest loss first."""
        return Auditor(self).points_lost(self.unit(unit))

    def period_points_lost(self, unit: str) -> list[PeriodPointsLost]:
        """The periods in which `unit`'s per-period items fell below their `period_standard`,
        biggest loss first."""
        return Auditor(self).period_points_lost(self.unit(unit))

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
            "scheme": {
                "id": scheme.id,
                "title": scheme.title,
                "version": scheme.version,
                "digest": scheme.digest,
            },
            "data": {"digest": self.data_digest, "units": len(self.units)},
            "rounding": {
                "places": scheme.rounding.places,
                "mode": scheme.rounding.mode,
                "level": scheme.rounding.level,
            },
            "arithmetic": {"precision": PRECISION, "snap_places": SNAP_PLACES},
            **_supplied(scheme),
        }

    def to_dict(self, *, audit: bool = True) -> dict[str, Any]:
        """The JSON contract (docs/output.md, docs/result.schema.json): `format`, `manifest`,
        `periods` and `units`, each with `unit`, `total`, `rank`, `scores`, `raw`, `values`,
        `ranks`, `outputs`, `outcomes`, `vetoes`, and (with audit=True) `points_lost` and
        `audit`. Every decimal is a string. `audit` is explicit: the CLI leaves it out unless
        asked (`--audit`); the Python default keeps the full record."""
        with collector_paused():  # millions of acyclic dicts: half the time otherwise
            document = {**self.head(), "units": list(self.unit_dicts(audit=audit))}
            if self.scheme.groupings:
                document["groups"] = self.group_dicts()
            return document

    @property
    def groups(self) -> tuple[GroupRow, ...]:
        """One row per group of units (`rulebook.audit.groups`): the scheme's aggregates and
        group values, by grouping and group; () for a scheme without aggregates."""
        return tuple(group_rows(self.scheme, self.units))

    def group_dicts(self) -> list[dict[str, Any]]:
        """The `groups` section of `to_dict()` (present only when the scheme has any)."""
        return group_dicts(self.scheme, self.units, _plain)

    def head(self) -> dict[str, Any]:
        """Everything of `to_dict()` but the units: what a streaming writer emits first."""
        return {
            "format": FORMAT_VERSION,
            "manifest": self.manifest(),
            "periods": [p.id for p in self.scheme.periods],
        }

    def unit_dicts(self, *, audit: bool = False) -> Iterator[dict[str, Any]]:
        """Each unit's entry of `to_dict()`, one at a time, so writers stream."""
        layout = _Layout(self.scheme)
        auditor = Auditor(self) if audit else None
        fixed, plain, audited = layout.fixed, layout.plain, layout.audited
        for unit, total_rank in zip(self.units, self.total_ranks(), strict=True):
            entry = layout.entry(unit, int(total_rank))
            if auditor is not None:
                entry["points_lost"] = auditor.points_lost_dicts(unit, fixed, plain)
                if layout.periods:
                    entry["period_points_lost"] = [
                        {
                            "node": p.node,
                            "label": p.label,
                            "period": p.period,
                            "standard": plain(p.standard),
                            "value": fixed(p.value),
                            "lost": fixed(p.lost),
                        }
                        for p in auditor.period_points_lost(unit)
                    ]
                entry["audit"] = auditor.explain_dicts(unit, audited, plain)
            yield entry


def _supplied(scheme: Scheme) -> dict[str, Any]:
    """The manifest's `parameters`: the values supplied at run time (`--params FILE`) and the
    params file's digest, so the run can be repeated; nothing when none were supplied."""
    given = scheme.supplied
    if given is None:
        return {}
    head = {"digest": given.digest} if given.digest else {}
    return {"parameters": {**head, "values": given.values}}


def _streamed_digest(data: Any) -> str:
    """`DataSet.digest` (`rulebook.arith.digest` of `{"units": [[name, values], ...]}`), hashed
    unit by unit: the same bytes go into sha256, but the canonical JSON text of the whole data
    (hundreds of MB for 100,000 units) is never held at once.

    Each unit's text is written directly rather than built as a canonical dict and encoded:
    units with the same keys share one `%`-template of their JSON, and the JSON text of each
    number or text already seen is found by the object's id (readers share one object per
    number), so a unit costs a few C-level passes over its values."""
    canon = arith.canonicaliser(_CACHE_LIMIT)  # exactly `rulebook.arith.digest`'s form
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    known: dict[int, str] = {id(True): "true", id(False): "false", id(None): "null"}
    """id of a value already seen -> the JSON text of its canonical form."""
    alive: list[object] = []
    """The values `known` names, kept so that their ids are not reused."""
    strings: dict[str, str] = {}
    """A text -> its JSON text."""
    shapes: dict[tuple[Any, ...], str] = {}
    """A mapping's keys -> the `%` template of its JSON text, one `%s` per value."""

    def text(value: Any) -> str:
        """The JSON text of `value`'s canonical form."""
        if value.__class__ is dict:
            return mapping(value)
        found = known.get(id(value))
        if found is not None:
            return found
        if value.__class__ is Decimal:  # its canonical text needs no JSON escaping
            out = '"#' + canonical(value) + '"'
        elif value.__class__ is str:  # read anew for each unit (JSON): looked up by text
            out = strings.get(value) or dumps(value)
            if len(strings) < _CACHE_LIMIT:
                strings[value] = out
        else:
            out = dumps(canon(value))
        if value.__class__ in _SHAREABLE and len(known) < _CACHE_LIMIT:
            known[id(value)] = out
            alive.append(value)
        return out

    def mapping(values: dict[Any, Any]) -> str:
        keys = tuple(values)
        shape = shapes.get(keys)
        if shape is None:
            parts = [dumps(str(k)).replace("%", "%%") + ":%s" for k in keys]
            shape = "{" + ",".join(parts) + "}"
            if len(shapes) < _SHAPE_LIMIT:
                shapes[keys] = shape
        return shape % tuple(texts_of(list(values.values())))

    def texts_of(values: Sequence[Any]) -> list[Any]:
        """The JSON texts of `values`, found by the objects' ids; those not seen yet (or a
        per-period mapping) worked out one by one."""
        found: list[Any] = list(map(known.get, map(id, values)))
        return fill_missing(found, lambda at: text(values[at]))

    flat: dict[tuple[Any, ...], tuple[str, Any]] = {}
    """A unit's keys and those of its per-period mappings -> the `%` template of its JSON
    text, one `%s` per leaf value, and where each leaf comes from."""

    def unit_text(values: dict[Any, Any]) -> str:
        """`mapping(values)`, with one level of mappings (per-period values) written into the
        unit's template rather than one by one."""
        items = list(values.values())
        at = list(compress(range(len(items)), map(is_, map(type, items), repeat(dict))))
        if not at:
            return mapping(values)
        inner = [items[i] for i in at]
        key = (tuple(values), tuple(at), *map(tuple, inner))
        shape = flat.get(key)
        if shape is None:
            shape = _flat_shape(list(values), at, inner, dumps)
            if len(flat) < _SHAPE_LIMIT:
                flat[key] = shape
        template, order = shape
        leaves = items + list(chain.from_iterable(map(dict.values, inner)))
        ordered = order(leaves)
        return template % tuple(texts_of(ordered))

    sha = hashlib.sha256(b'{"units":[')
    batch: list[str] = []
    for unit in data.units:
        batch.append("[" + dumps(unit.name) + "," + unit_text(unit.values) + "]")
        if len(batch) == _DIGEST_BATCH:
            sha.update(",".join(batch).encode("utf-8"))
            batch = [""]  # the next batch starts with the comma that follows this one
    sha.update(",".join(batch).encode("utf-8"))
    sha.update(b"]}")
    return "sha256:" + sha.hexdigest()


def _flat_shape(
    keys: list[Any], at: list[int], inner: list[dict[Any, Any]], dumps: Any
) -> tuple[str, Any]:
    """The template of a unit's values whose entries at `at` are the mappings `inner`, with
    a `%s` per leaf (the values, and each mapping's values in place of the mapping), and an
    itemgetter that puts `[*values, *leaves of inner]` in the template's order."""
    parts, order = [], []
    after = len(keys)  # the first inner leaf's index in `[*values, *leaves of inner]`
    nested = dict(zip(at, inner, strict=True))
    for i, key in enumerate(keys):
        name = dumps(str(key)).replace("%", "%%") + ":"
        if i not in nested:
            parts.append(name + "%s")
            order.append(i)
            continue
        names = [dumps(str(k)).replace("%", "%%") + ":%s" for k in nested[i]]
        parts.append(name + "{" + ",".join(names) + "}")
        order += range(after, after + len(names))
        after += len(names)
    getter = itemgetter(*order) if len(order) > 1 else (lambda xs: tuple(xs[i] for i in order))
    return "{" + ",".join(parts) + "}", getter


def fill_missing(found: list[Any], make: Callable[[int], Any]) -> list[Any]:
    """`found` with each None at index `i` replaced by `make(i)`: texts found by a C-level
    lookup, the few missing ones worked out one by one."""
    if None in found:
        at = found.index(None)
        while True:
            found[at] = make(at)
            try:
                at = found.index(None, at + 1)
            except ValueError:
                break
    return found


_SHAREABLE = (Decimal, str, int)
"""Classes of value whose canonical text `_streamed_digest` remembers by id."""
_SHAPE_LIMIT = 1024
"""Key sets whose JSON template `_streamed_digest` remembers."""
_DIGEST_BATCH = 1000
"""Units whose text `_streamed_digest` hashes in one update."""


_CACHE_LIMIT = 100_000
"""Formatted decimals remembered per result (bounds the memory of the caches)."""


class _Layout:
    """Where each key of a unit's entry lives in the slot vector, worked out once per result
    so that writing a unit is a run of list lookups (no per-unit mapping views)."""

    def __init__(self, scheme: Scheme) -> None:
        program = scheme.program
        slots, raw_slots = program.plan.slots, program.plan.raw_slots
        self.scheme = scheme
        self.places = scheme.rounding.places
        self.total = slots["total"]
        self.scores = [(n, slots[n]) for n in scheme.score_ids]
        self.raw = [(n, raw_slots[n]) for n in scheme.score_ids]
        self.outputs = [(n, slots[n]) for n in scheme.output_ids]
        self.vetoes = [(v, slots[v]) for v in scheme.vetoes if v in slots]
        self.veto_dicts = {
            v: {
                "id": v,
                "label": scheme.vetoes[v].label,
                "reason": scheme.vetoes[v].reason,
                **_cited(scheme.vetoes[v].reference),
            }
            for v, _ in self.vetoes
        }
        """Each veto's entry under `vetoes` (copied per unit that it holds for)."""

        def spread(names: Any) -> list[tuple[str, int, tuple[str, ...]]]:
            return [(n, slots[n], scheme.axis_ids(scheme.axis_of(n))) for n in names if n in slots]

        self.values = spread(
            n for n, v in scheme.values.items() if v.kind == "value" and v.period_of is None
        )
        self.periods = [
            (n, slots[f"{n}.periods"], scheme.axis_ids(scheme.nodes[n].per))
            for n in (*scheme.score_ids, *scheme.output_ids)
            if n in scheme.nodes and scheme.nodes[n].per is not None
        ]
        self.ranks = spread(scheme.rankings)
        self.outcomes = spread(scheme.outcomes)
        self.audited = (*scheme.score_ids, *scheme.output_ids, *scheme.values)
        na = scheme.not_applicable_names
        self.may_be_na = [  # scores that may be n/a: listed per unit under `not_applicable`
            (n, slots[n]) for n in (*scheme.score_ids, *scheme.output_ids) if n in na
        ]

        self._fixed: dict[Decimal, str] = {}
        self._canonical: dict[Decimal, str] = {}

    def fixed(self, value: Decimal | NotApplicable) -> str | None:
        """`_fixed` at the scheme's places, remembered by value (units share most values; the
        text depends only on the number, and zero is never cached so `-0` cannot leak); None
        (JSON null) for a score that does not apply."""
        if isinstance(value, NotApplicable):
            return None
        text = self._fixed.get(value)
        if text is None:
            text = _fixed(value, self.places)
            if value and len(self._fixed) < _CACHE_LIMIT:
                self._fixed[value] = text
        return text

    def canonical(self, value: Any) -> Any:
        """`_plain`, remembered by value for decimals (the text depends only on the number)."""
        if value is NA:
            return None
        if value.__class__ is not Decimal:
            return _plain(value)
        text = self._canonical.get(value)
        if text is None:
            text = canonical(value)
            if len(self._canonical) < _CACHE_LIMIT:
                self._canonical[value] = text
        return text

    def plain(self, value: Any) -> Any:
        """JSON form of any audit value: per-period mappings recursively, decimals cached.
        The hot path of an audited write: a cache hit is one class test and one lookup."""
        if value.__class__ is Decimal:
            text = self._canonical.get(value)
            return text if text is not None else self.canonical(value)
        if value.__class__ is dict:
            get, canonical_ = self._canonical.get, self.canonical
            out = {}
            for k, v in value.items():
                if v.__class__ is Decimal:
                    text = get(v)
                    out[k] = text if text is not None else canonical_(v)
                else:
                    out[k] = self.plain(v)
            return out
        if isinstance(value, Mapping):
            return {k: self.plain(v) for k, v in value.items()}
        return self.canonical(value)

    def spread(
        self, vector: Any, names: list[tuple[str, int, tuple[str, ...]]], plain: Any
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, slot, ids in names:
            if ids:
                out[name] = {p: plain(vector[slot + k]) for k, p in enumerate(ids)}
            else:
                out[name] = plain(vector[slot])
        return out

    def entry(self, unit: UnitResult, total_rank: int) -> dict[str, Any]:
        vector = unit.vector
        vetoes = [dict(self.veto_dicts[v]) for v, i in self.vetoes if vector[i] is True]
        not_applicable = [n for n, i in self.may_be_na if vector[i] is NA]
        return self.form(
            unit.unit, total_rank, vector, self.fixed, self.canonical, vetoes, not_applicable
        )

    def form(
        self,
        name: Any,
        total_rank: Any,
        vector: Any,
        fixed: Any,
        plain: Any,
        vetoes: Any,
        not_applicable: Any,
    ) -> dict[str, Any]:
        """A unit's entry, its parts given: `fixed` and `plain` turn a slot's value into its
        JSON form. One definition of the entry's keys and their order, which the dict path
        (`entry`) and the text templates (`rulebook.render.unitjson`) both follow."""
        entry = {
            "unit": name,
            "total": fixed(vector[self.total]),
            "rank": total_rank,
            "scores": {n: fixed(vector[i]) for n, i in self.scores},
            "raw": {n: plain(vector[i]) for n, i in self.raw},
            "values": self.spread(vector, self.values, plain),
            "ranks": self.spread(vector, self.ranks, plain),
            "outputs": {n: fixed(vector[i]) for n, i in self.outputs},
            "outcomes": self.spread(vector, self.outcomes, plain),
            "vetoes": vetoes,
        }
        if self.may_be_na:  # a scheme with not-applicable items: which ones do not apply
            entry["not_applicable"] = not_applicable
        if self.periods:  # only schemes with per-period nodes carry the key
            entry["period_scores"] = {
                n: {p: fixed(vector[slot + k]) for k, p in enumerate(ids)}
                for n, slot, ids in self.periods
            }
        return entry


def _cited(reference: str) -> dict[str, str]:
    """`{"reference": ...}` when the scheme cites a clause, else nothing (the key is optional)."""
    return {"reference": reference} if reference else {}


def _fixed(value: Decimal, places: int) -> str:
    return f"{value:.{places}f}"


def _plain(value: Any) -> Any:
    if value is NA:
        return None
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        return canonical(value)
    return value
