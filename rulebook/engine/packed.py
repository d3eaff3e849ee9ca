"""A packed form of many units' slot lists, for results too large to keep as Python lists.

A result keeps every unit's slot list (one slot per name and period, a few hundred per unit) until
it is written, because ranks and aggregates across all units come first. As lists of `Decimal`
objects that is 4–5 KB per unit. Packed, the units are cut into chunks of `CHUNK` units and each
slot of a chunk is stored as one column in the cheapest exact form that fits it:

- `_Same`: every unit has the same object (a slot not computed yet, a constant, a full score);
- `_Coded`: a few distinct objects, and one byte per unit naming which (most scores);
- `_Texts`: decimals as their exact text, comma-separated in one string (totals, rates), read back
  with `Decimal(text)`, which gives the same digits, exponent and sign;
- `_Objects`: anything else, as a tuple.

Indicator and unit-parameter slots are not stored at all: they are read again from the checked
data (the same objects the slot list held). Nothing is rounded or normalised: a unit's decoded slot
list equals, value for value and in each value's exact form, the list it was packed from.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from decimal import Decimal
from operator import itemgetter
from typing import Any, overload

from rulebook.data.dataset import UnitData
from rulebook.engine.plan import Plan, Program, Stage
from rulebook.scheme.model import Scheme

CHUNK = 1024
"""Units per chunk: enough for C-level passes to dominate, few enough that one decoded chunk of
slot lists (a few MB) is a small transient."""

_CODED_MAX = 255
"""Distinct objects up to which a column is coded (one byte per unit and a table of objects);
beyond it, decimals are stored as text (a few bytes each, no objects kept)."""

_SAMPLE = 512
"""Units of a column looked at first, to decide whether coding it may pay (`_few`)."""

_KNOWN_MAX = 1024
"""Texts per slot whose decimal `PackedRows` keeps across chunks (see `pack_column`)."""

_OTHER = "~"
"""Marks, in a `_Texts` column, a unit whose value is not a decimal (kept aside, by position)."""


class _Same:
    """Every unit of the chunk has this one object."""

    __slots__ = ("count", "value")

    def __init__(self, value: Any, count: int) -> None:
        self.value, self.count = value, count

    def decode(self) -> list[Any]:
        return [self.value] * self.count


class _Coded:
    """Few distinct objects: a table of them and one byte per unit saying which."""

    __slots__ = ("codes", "table")

    def __init__(self, table: tuple[Any, ...], codes: bytes) -> None:
        self.table, self.codes = table, codes

    def decode(self) -> list[Any]:
        if len(self.codes) == 1:
            return [self.table[self.codes[0]]]
        return list(itemgetter(*self.codes)(self.table))  # one C call for the whole chunk


class _Texts:
    """Decimals as their exact text (`str`), comma-separated; the few values that are not
    decimals (n/a, a flag) kept by position."""

    __slots__ = ("others", "text")

    def __init__(self, text: str, others: dict[int, Any] | None) -> None:
        self.text, self.others = text, others

    def decode(self) -> list[Any]:
        if self.others is None:
            return list(map(Decimal, self.text.split(",")))
        values: list[Any] = self.text.split(",")
        for i, text in enumerate(values):
            values[i] = self.others[i] if text == _OTHER else Decimal(text)
        return values


class _Objects:
    """Anything else: the values themselves."""

    __slots__ = ("values",)

    def __init__(self, values: tuple[Any, ...]) -> None:
        self.values = values

    def decode(self) -> list[Any]:
        return list(self.values)


Column = _Same | _Coded | _Texts | _Objects


def pack_column(
    values: Sequence[Any], ids: list[int] | None = None, known: dict[str, Any] | None = None
) -> Column:
    """The cheapest exact form of one slot's values over a chunk's units (see the module);
    `ids` are the values' `id`s when the caller has them already. `known` (text -> decimal,
    kept by the caller per slot across chunks) makes decimals coded by text the same objects
    in every chunk: less memory, and readers that remember texts by object find them again.

    Objects are told apart by identity (score tables hand every unit with a score the same
    object), then decimals by their exact text: `str` keeps digits, exponent and sign, so equal
    texts are the same decimal in the same form (5 and 5.00 differ, as they must). Decimals are
    never hashed: hashing a fresh non-integer `Decimal` costs several times its `str`."""
    if ids is None:
        ids = list(map(id, values))
    if ids.count(ids[0]) == len(ids):
        return _Same(values[0], len(values))
    if _few(ids):
        order = dict.fromkeys(ids)
        if len(order) <= _CODED_MAX:
            return _coded(values, ids, order)
    kinds = set(map(type, values))
    if kinds == {Decimal}:
        texts = list(map(str, values))
        if _few(texts):
            by_text = dict.fromkeys(texts)
            if len(by_text) <= _CODED_MAX:
                return _coded(values, texts, by_text, known)
        return _Texts(",".join(texts), None)
    if Decimal in kinds:
        others = {i: v for i, v in enumerate(values) if v.__class__ is not Decimal}
        if len(others) * 4 <= len(values):
            texts = [_OTHER if v.__class__ is not Decimal else str(v) for v in values]
            return _Texts(",".join(texts), others)
    order = dict.fromkeys(ids)
    if len(order) <= _CODED_MAX:
        return _coded(values, ids, order)
    return _Objects(tuple(values))


def _few(keys: list[Any]) -> bool:
    """Whether the first units' keys are few enough for coding to be worth trying."""
    return len(set(keys[:_SAMPLE])) * 4 <= _CODED_MAX * 3


def _coded(
    values: Sequence[Any],
    keys: Sequence[Any],
    order: dict[Any, None],
    known: dict[str, Any] | None = None,
) -> _Coded:
    """Each unit's byte names its key's place in `order` (distinct keys, first seen first); the
    table holds the first unit's object for each key — or, for a text `known` already, the
    object known for it."""
    code = {key: i for i, key in enumerate(order)}
    codes = bytes(map(code.__getitem__, keys))
    table = [values[codes.index(i)] for i in range(len(code))]
    if known is not None:
        for i, key in enumerate(order):
            if len(known) < _KNOWN_MAX:
                table[i] = known.setdefault(key, table[i])
            else:
                table[i] = known.get(key, table[i])
    return _Coded(tuple(table), codes)


def spans(plan: Plan) -> dict[str, range]:
    """Every slotted name's slots: its value(s), then its raw value(s). Names are laid out one
    after another (`rulebook.engine.layout`), so a name owns the slots up to the next name's."""
    starts = sorted((first, name) for name, first in plan.slots.items())
    ends = [first for first, _ in starts[1:]] + [plan.size]
    return {name: range(first, end) for (first, name), end in zip(starts, ends, strict=True)}


def stage_writes(plan: Plan, stage: Stage) -> list[int]:
    """The slots stage `stage`'s computations write (its names' values and raw values)."""
    owned = spans(plan)
    return sorted({slot for name in stage.computes for slot in owned[name]})


class _Alias:
    """The same objects as the slot before it, unit for unit (a group's score and its raw value
    are one object); only within one name, which one stage writes whole."""

    __slots__ = ()


_ALIAS = _Alias()


def stage_reads(program: Program, stage: int) -> list[int] | None:
    """The slots compiled stage `stage` reads or writes, from its generated source, where every
    slot access is `v[<slot>]`; None (read everything) if the source touches the slot list in
    any other way."""
    source = program.source[stage]
    slots = [int(m) for m in _SLOT.findall(source)]
    if len(_VECTOR.findall(source)) != len(slots) + 1:  # +1: `def stage_k(v):`
        return None
    return sorted(set(slots))


_SLOT = re.compile(r"\bv\[(\d+)\]")
_VECTOR = re.compile(r"\bv\b")


class _ChunkUnits:
    """A chunk's units and their data mappings (what indicator slots are read from)."""

    __slots__ = ("units", "values")

    def __init__(self, units: Sequence[UnitData]) -> None:
        self.units = units
        self.values = [u.values for u in units]


class PackedRows:
    """Every unit's slot list, packed by chunk and slot (see the module). Indicator and
    unit-parameter slots are read from the units' data; every other slot is stored.

    Used in two steps: `evaluate` packs each chunk's slot lists as a stage leaves them (`pack`)
    and replaces whole columns across units (`column`, `set_column`) for rankings and
    aggregates; afterwards results read slot lists back (`rows`, `row`)."""

    def __init__(self, scheme: Scheme, plan: Plan, units: Sequence[UnitData]) -> None:
        self.scheme, self.plan, self.units = scheme, plan, units
        self.size = plan.size
        self.count = len(units)
        self.chunks: list[dict[int, Column | _Alias]] = [{} for _ in range(0, self.count, CHUNK)]
        self.inputs: dict[int, tuple[str, str | None]] = {}
        """Indicator slots: slot -> (indicator, period or None)."""
        for name, first in plan.annual_inputs:
            self.inputs[first] = (name, None)
        period_ids = [p.id for p in scheme.periods]
        for name, first in plan.period_inputs:
            for k, pid in enumerate(period_ids):
                self.inputs[first + k] = (name, pid)
        self.parameters = {slot: name for name, slot in plan.unit_parameters}
        data_slots = {*self.inputs, *self.parameters}
        self.stored = [s for s in range(self.size) if s not in data_slots]
        computed = {s for stage in plan.stages for s in stage_writes(plan, stage)}
        if computed & data_slots:  # the layout gives inputs slots of their own; never both
            raise AssertionError("a computed name shares a slot with an indicator")
        self.follows = {slot for span in spans(plan).values() for slot in span[1:]}
        """Slots whose previous slot belongs to the same name: candidates for `_Alias`."""
        self.known: dict[int, dict[str, Any]] = {}
        """Per slot, the decimal kept for each text coded so far (`pack_column`'s `known`)."""
        self._decoded: tuple[int, list[list[Any]]] | None = None

    def __len__(self) -> int:
        return self.count

    def bounds(self, chunk: int) -> tuple[int, int]:
        """The first unit of chunk `chunk` and the one after its last."""
        return chunk * CHUNK, min(self.count, (chunk + 1) * CHUNK)

    def pack(self, chunk: int, rows: list[list[Any]], slots: Sequence[int] | None = None) -> None:
        """Store the chunk's slot lists at `slots` (every stored slot when None), in slot
        order."""
        columns = self.chunks[chunk]
        if slots is None:
            slots = self.stored
        if len(slots) * 4 >= self.size:
            by_slot: Any = list(zip(*rows, strict=True))
        else:
            by_slot = {slot: list(map(itemgetter(slot), rows)) for slot in slots}
        follows = self.follows
        previous: tuple[int, list[int]] | None = None  # the slot packed just before, its ids
        for slot in slots:
            ids = list(map(id, by_slot[slot]))
            if slot in follows and previous == (slot - 1, ids):
                columns[slot] = _ALIAS
            else:
                columns[slot] = pack_column(by_slot[slot], ids, self.known.setdefault(slot, {}))
            previous = (slot, ids)
        if self._decoded is not None and self._decoded[0] == chunk:
            self._decoded = None

    def _column(
        self, chunk: int, slot: int, units: _ChunkUnits, before: list[Any] | None = None
    ) -> list[Any]:
        """Slot `slot` of the chunk's units, decoded; `before` is slot `slot - 1` decoded, if
        the caller has it (an alias is then those very objects)."""
        stored = self.chunks[chunk].get(slot)
        if stored is _ALIAS:
            return before if before is not None else self._column(chunk, slot - 1, units)
        if stored is not None:
            return stored.decode()  # type: ignore[union-attr]
        indicator = self.inputs.get(slot)
        if indicator is not None:
            name, period = indicator
            column = map(itemgetter(name), units.values)
            return list(map(itemgetter(period), column) if period else column)
        parameter = self.parameters.get(slot)
        if parameter is not None:
            given = self.scheme.parameters[parameter]
            return [given.by_unit.get(u.name, given.value) for u in units.units]
        return [None] * len(units.units)  # not computed yet

    def stored_column(self, chunk: int, slot: int) -> Column | None:
        """How slot `slot` of the chunk is stored (an alias followed to the slot it repeats);
        None for a slot read from the data (an indicator, a unit parameter) or not computed."""
        stored = self.chunks[chunk].get(slot)
        while stored is _ALIAS:
            slot -= 1
            stored = self.chunks[chunk].get(slot)
        return stored  # type: ignore[return-value]

    def chunk_column(self, chunk: int, slot: int) -> list[Any]:
        """Slot `slot` of the chunk's units, decoded."""
        return self._column(chunk, slot, self._units(chunk))

    def _units(self, chunk: int) -> _ChunkUnits:
        start, end = self.bounds(chunk)
        return _ChunkUnits(self.units[start:end])

    def rows(self, chunk: int, slots: Sequence[int] | None = None) -> list[list[Any]]:
        """The chunk's slot lists, decoded (new lists: the caller may write into them); with
        `slots`, only those slots are filled in (the rest are None)."""
        units = self._units(chunk)
        if slots is None:
            columns: list[list[Any]] = []
            for slot in range(self.size):
                columns.append(self._column(chunk, slot, units, columns[-1] if slot else None))
            return list(map(list, zip(*columns, strict=True)))
        rows = [[None] * self.size for _ in units.units]
        for slot in slots:
            for row, value in zip(rows, self._column(chunk, slot, units), strict=True):
                row[slot] = value
        return rows

    def cached_rows(self, chunk: int) -> list[list[Any]]:
        """`rows(chunk)`, remembered for the last chunk asked (reads go through units in
        order, or look at one unit)."""
        decoded = self._decoded
        if decoded is None or decoded[0] != chunk:
            decoded = (chunk, self.rows(chunk))
            self._decoded = decoded
        return decoded[1]

    def row(self, index: int) -> list[Any]:
        """Unit `index`'s slot list."""
        return self.cached_rows(index // CHUNK)[index % CHUNK]

    def column(self, slot: int) -> list[Any]:
        """Every unit's value at `slot`, in unit order."""
        out: list[Any] = []
        for chunk in range(len(self.chunks)):
            out += self._column(chunk, slot, self._units(chunk))
        return out

    def set_column(self, slot: int, values: Sequence[Any]) -> None:
        """Store every unit's value at `slot` (a rank, an aggregate), in unit order."""
        for chunk, stored in enumerate(self.chunks):
            start, end = self.bounds(chunk)
            if stored.get(slot + 1) is _ALIAS:  # the next slot keeps the values it had
                stored[slot + 1] = pack_column(self._column(chunk, slot, self._units(chunk)))
            stored[slot] = pack_column(values[start:end])
        self._decoded = None


class PackedUnits(Sequence[Any]):
    """A result's units over `PackedRows`: each `UnitResult` is made when it is asked for, with
    its slot list decoded, so a result of a million units holds packed columns, not a million
    slot lists. Iteration decodes chunk by chunk."""

    def __init__(self, rows: PackedRows, make: Any) -> None:
        self._rows, self._make = rows, make
        self._names = [u.name for u in rows.units]
        self._index: dict[str, int] | None = None

    def __len__(self) -> int:
        return self._rows.count

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Any, ...]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self))))
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("unit index out of range")
        return self._make(self._names[index], self._rows.row(index))

    def __iter__(self) -> Iterator[Any]:
        rows, make, names = self._rows, self._make, self._names
        for chunk in range(len(rows.chunks)):
            start, _ = rows.bounds(chunk)
            for offset, row in enumerate(rows.cached_rows(chunk)):  # two loops in step: once
                yield make(names[start + offset], row)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PackedUnits | tuple | list):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    @property
    def rows(self) -> PackedRows:
        """The packed slot lists behind the units (for writers that read whole columns)."""
        return self._rows

    @property
    def names(self) -> list[str]:
        """The units' names, in unit order."""
        return list(self._names)

    def position(self, name: str) -> int:
        """The index of the unit called `name` (KeyError if absent)."""
        if self._index is None:
            self._index = {n: i for i, n in enumerate(self._names)}
        return self._index[name]

    def column(self, slot: int) -> list[Any]:
        """Every unit's value at `slot`, without decoding whole slot lists."""
        return self._rows.column(slot)
