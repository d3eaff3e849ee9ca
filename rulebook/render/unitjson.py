"""Each unit's entry of the result contract as JSON text — compact (a line of `--format
jsonl`) or indented (an element of the pretty document's `units`) — without building the dict.

Encoding `Result.unit_dicts()` builds a dict of some 150 values per unit and formats each
decimal again. Instead, per result, the entry of a unit whose every value is a marker is
encoded once, by the same code that encodes real entries (`_Layout.form`, then the compact
encoder or `rulebook.render.prettyjson`), and the markers are turned into `%s`: a template of
the entry's text. A unit is then its values' JSON texts put into the template. Units share most
value objects (the engine's score tables, shared values, outcome labels), so, slot by slot as
a sample of units shows best, the text of a value is looked up by the object's id, or by the
decimal's value (equal numbers in different objects), or, for slots of mostly new numbers
(totals, rates), formatted directly in a C-level pass; a value not seen before, or not a
decimal (n/a, a flag, a per-period mapping), is worked out as the dict path does
(`_Layout.fixed`, `_Layout.canonical`, then encoded).

A packed result (`rulebook.engine.packed`) is read column by column instead, a chunk of units
at a time, with no unit's slot list decoded: a slot's texts are worked out once per distinct
object of the chunk (coded and repeated columns), decimals kept as text are written from that
text (`_Kind.column_texts`), and the units' texts are the template filled over the columns.

Output is byte for byte what encoding `unit_dicts()` gives; hypothesis tests hold the two
together, for slot lists and for every packed form.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from itertools import compress, islice, repeat
from operator import eq, is_, itemgetter
from typing import Any

from rulebook.arith import canonical, canonical_joined
from rulebook.audit.result import Result, _Layout, fill_missing
from rulebook.engine.packed import PackedRows, PackedUnits, _Coded, _Same, _Texts
from rulebook.engine.semantics import NA
from rulebook.render.prettyjson import pretty

_string = json.encoder.encode_basestring  # the C escaper (ensure_ascii=False)

_MARKER = re.compile(r'"\\u0000(\d+)\\u0000"')
"""A marker value `"\\x00<n>\\x00"` as JSON writes it; no real text of an entry contains one
(checked: a template with a stray marker is not used)."""

_SAMPLE = 1024
"""Units whose values are counted per slot (distinct objects, distinct numbers) to decide how
the slot's texts are found."""

_BY_ID, _BY_VALUE, _DIRECT = 0, 1, 2
"""How a slot's texts are found: by the object's id (most values are shared objects: scores
from the score tables, shared named values, outcome labels); by the decimal's value (equal
numbers in different objects); or formatted directly, in a C-level `map` (mostly new numbers:
totals, rates)."""

_TABLE_LIMIT = 20_000
"""Texts each table (by id, by value; scores and other values) remembers: enough for the
values units share, few enough that the tables stay a small part of a large result's memory
(a number not remembered is formatted again)."""

_SHAREABLE = (Decimal, str, int)
"""Classes of value whose text is remembered by the object's id."""

Getter = Callable[[Sequence[Any]], Sequence[Any]]


class _Slots:
    """Stands for a unit's slot list while the template is made: slot `i` holds `i`."""

    def __getitem__(self, slot: int) -> int:
        return slot


def _getter(slots: Sequence[int]) -> Getter:
    """The values at `slots` of a slot list, as a sequence, in one C call."""
    if len(slots) > 1:
        return itemgetter(*slots)
    if len(slots) == 1:
        slot = slots[0]
        return lambda vector: (vector[slot],)
    return lambda vector: ()


class UnitTexts:
    """The JSON text of each unit's entry of `result`, without audit: compact (what
    `json.dumps(entry, ensure_ascii=False, separators=(",", ":"))` writes), or with `indent`
    what `prettyjson.dumps(entry)` writes with `indent` after each of its line breaks."""

    def __init__(self, result: Result, *, indent: str | None = None) -> None:
        self.result = result
        self.layout = layout = _Layout(result.scheme)
        self.indent = indent
        self.encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        marks: list[tuple[str, int]] = []

        def mark(kind: str, slot: int = -1) -> str:
            marks.append((kind, slot))
            return f"\x00{len(marks) - 1}\x00"

        skeleton = layout.form(
            mark("unit"),
            mark("rank"),
            _Slots(),
            lambda slot: mark("fixed", slot),
            lambda slot: mark("plain", slot),
            mark("vetoes"),
            mark("not_applicable"),
        )
        text = self.encode(skeleton) if indent is None else self._pretty(skeleton, "\n")
        found = [int(n) for n in _MARKER.findall(text)]
        order = [marks[n] for n in found]
        self.newlines = [self._newline_at(text, m.start()) for m in _MARKER.finditer(text)]
        """Per template position, the line break and indent of its line (for values that
        are lists or mappings in the indented form)."""
        shown = len(marks) - (0 if layout.may_be_na else 1)  # `not_applicable` is optional
        sound = sorted(found) == sorted(set(found)) and len(found) == shown
        if text.count("\\u0000") != 2 * len(found):  # a key or text of the scheme's has one
            sound = False
        self.template = _MARKER.sub("%s", text.replace("%", "%%")) if sound else None
        """The entry's text with `%s` for each value (None if the scheme's own text looked
        like a marker: then every unit takes the dict path)."""
        self.kinds = [kind for kind, _ in order]
        self.order = order
        """Per template position, its kind and (for `fixed` and `plain`) its slot."""
        self.alive: list[object] = []
        """The values the id tables name, kept so that their ids are not reused."""
        self.fixed = _Kind(self, "fixed", order)
        self.plain = _Kind(self, "plain", order)

    def _pretty(self, value: Any, newline: str) -> str:
        parts: list[str] = []
        pretty(value, newline, parts)
        text = "".join(parts)
        return text if self.indent is None else text.replace("\n", "\n" + self.indent)

    @staticmethod
    def _newline_at(text: str, at: int) -> str:
        start = text.rfind("\n", 0, at) + 1
        line = text[start:at]
        return "\n" + line[: len(line) - len(line.lstrip(" "))]

    def value_text(self, value: Any, position: int) -> str:
        """The JSON text of an entry's value (already in its JSON-ready form) at a template
        position, as the dict path encodes it."""
        if self.indent is None or value.__class__ not in (dict, list):
            return self.encode(value)
        parts: list[str] = []  # the indent is in the position's newline already
        pretty(value, self.newlines[position], parts)
        return "".join(parts)

    def list_text(self, values: list[Any], kind: str) -> str:
        """The text of the vetoes that hold, or of the items that do not apply."""
        if not values:
            return "[]"
        return self.value_text(values, self.kinds.index(kind))

    def texts(self) -> Iterator[str]:
        """Each unit's text, in unit order."""
        result, layout = self.result, self.layout
        ranks = list(map(str, map(int, result.total_ranks())))
        units = result.units
        if self.template is None:
            for unit, rank in zip(units, ranks, strict=True):
                entry = layout.entry(unit, int(rank))
                yield self.encode(entry) if self.indent is None else self._pretty(entry, "\n")
            return
        if isinstance(units, PackedUnits):
            yield from self._packed(units, ranks)
            return
        columns = list(zip(*(u.vector for u in islice(units, _SAMPLE)), strict=True))
        self.fixed.plan(columns)
        self.plain.plan(columns)
        del columns  # the sample's values, not to be held while the units are written
        yield from map(self._planned(), units, ranks)

    def _packed(self, units: PackedUnits, ranks: list[str]) -> Iterator[str]:
        """Each unit's text from a packed result, a chunk of units at a time and a template
        position at a time: a slot's texts are worked out once per distinct object in the
        chunk, or taken straight from a column of decimals kept as text that is already in
        the form the entry shows; the units' texts are then the template filled in by C-level
        `%` over the positions' columns, with no slot list decoded."""
        template, layout, rows = self.template, self.layout, units.rows
        assert template is not None
        names = units.names
        counted = {"fixed": 0, "plain": 0}
        places: list[tuple[str, int, int]] = []  # each position's kind, slot, place in its kind
        for kind, slot in self.order:
            if kind in counted:
                places.append((kind, slot, counted[kind]))
                counted[kind] += 1
            else:
                places.append((kind, slot, -1))
        of_kind = {"fixed": self.fixed, "plain": self.plain}
        veto_dicts = layout.veto_dicts
        for chunk in range(len(rows.chunks)):
            start, end = rows.bounds(chunk)
            head = {
                "unit": [
                    _string(n) if n.__class__ is str else self.encode(n) for n in names[start:end]
                ],
                "rank": ranks[start:end],
                "vetoes": self._lists(rows, chunk, layout.vetoes, True, veto_dicts, "vetoes"),
                "not_applicable": self._lists(
                    rows,
                    chunk,
                    layout.may_be_na,
                    NA,
                    {n: n for n, _ in layout.may_be_na},
                    "not_applicable",
                ),
            }
            columns = [
                head[kind] if k < 0 else of_kind[kind].column_texts(rows, chunk, slot, k)
                for kind, slot, k in places
            ]
            yield from map(template.__mod__, zip(*columns, strict=True))

    def _lists(
        self,
        rows: PackedRows,
        chunk: int,
        slots: list[tuple[str, int]],
        mark: object,
        item: dict[str, Any],
        kind: str,
    ) -> list[str]:
        """Per unit of the chunk, the text of the list of `item[name]` for each of `slots`
        whose value is `mark` (the vetoes that hold, the items that do not apply)."""
        start, end = rows.bounds(chunk)
        count = end - start
        held: dict[int, list[Any]] = {}
        for name, slot in slots:
            values = rows.chunk_column(chunk, slot)
            for at in compress(range(count), map(is_, values, repeat(mark))):
                held.setdefault(at, []).append(item[name])
        texts = ["[]"] * count
        for at, items in held.items():
            texts[at] = self.list_text(items, kind)
        return texts

    def _planned(self) -> Callable[[Any, str], str]:
        """A unit's text, as its kinds' plans stand."""
        template, layout = self.template, self.layout
        assert template is not None
        fixed, plain = self.fixed, self.plain
        head = {"unit": 0, "rank": 1, "vetoes": 2, "not_applicable": 3}
        fixed_at = iter([4 + i for i in fixed.where])
        plain_at = iter([4 + len(fixed.where) + i for i in plain.where])
        place = _getter(
            [
                head[kind] if kind in head else next(fixed_at if kind == "fixed" else plain_at)
                for kind in self.kinds
            ]
        )
        fixed_texts, plain_texts = fixed.texts, plain.texts
        vetoes, may_be_na, veto_dicts = layout.vetoes, layout.may_be_na, layout.veto_dicts
        encode, list_text = self.encode, self.list_text

        def text(unit: Any, rank: str) -> str:
            vector = unit.vector
            held = [veto_dicts[v] for v, i in vetoes if vector[i] is True]
            na = [n for n, i in may_be_na if vector[i] is NA]
            name = unit.unit
            return template % place(
                [
                    _string(name) if name.__class__ is str else encode(name),
                    rank,
                    list_text(held, "vetoes") if held else "[]",
                    list_text(na, "not_applicable") if na else "[]",
                    *fixed_texts(vector),
                    *plain_texts(vector),
                ]
            )

        return text


class _Kind:
    """The texts of one kind of slot value: scores (`fixed`: `_Layout.fixed`, at the scheme's
    places) or any other value (`plain`: `_Layout.canonical`), with the tables of texts already
    worked out, by object id and by decimal value. Its slots are split into the three ways of
    finding texts (`_BY_ID`, `_BY_VALUE`, `_DIRECT`); `texts` gives a unit's texts in that
    order, `where` says where each slot (in template order) is in it."""

    def __init__(self, owner: UnitTexts, kind: str, order: list[tuple[str, int]]) -> None:
        self.owner = owner
        self.fixed = kind == "fixed"
        self.slots = [slot for k, slot in order if k == kind]
        self.positions = [p for p, (k, _) in enumerate(order) if k == kind]
        self.form = owner.layout.fixed if self.fixed else owner.layout.canonical
        spec = f".{owner.layout.places}f"
        self.spec = spec
        self.by_id: dict[int, str] = {id(NA): "null"}
        if not self.fixed:
            self.by_id.update({id(None): "null", id(True): "true", id(False): "false"})
        self.zero = _string(self.one(_ZERO))
        places = owner.layout.places
        shown = rf"-?\d+\.\d{{{places}}}" if places else r"-?\d+"
        self.as_shown = re.compile(rf"(?:{shown},)*{shown}")
        """Matches a packed column's comma-joined texts when each is already a score's text:
        `str` of a decimal with exactly the scheme's places is its fixed text (used by the
        fixed kind; the plain kind cuts texts to canonical form, `arith.canonical_joined`)."""
        self.by_value: dict[Decimal, str] = {_ZERO: self.zero} if self.fixed else {}
        """A decimal -> its JSON text, which depends only on the number (but for a score of
        zero, its sign: -0 is `-0.00`, which `_by_value` puts back)."""
        self.plan([])

    def column_texts(self, rows: PackedRows, chunk: int, slot: int, k: int) -> list[str]:
        """The texts of slot `slot` (this kind's `k`-th) for each unit of a packed chunk: one
        text per distinct object of a repeated or coded column; a column of decimals kept as
        text, when every text is already the form this kind shows, quoted as it stands;
        anything else decoded and looked up as `texts` does."""
        stored = rows.stored_column(chunk, slot)
        if isinstance(stored, _Same):
            start, end = rows.bounds(chunk)
            return [self.text(stored.value, k)] * (end - start)
        if isinstance(stored, _Coded):
            table, codes = self.lookup(stored.table, k), stored.codes
            return list(itemgetter(*codes)(table)) if len(codes) > 1 else [table[codes[0]]]
        if isinstance(stored, _Texts) and stored.others is None:
            shown = None if self.fixed else canonical_joined(stored.text)
            if shown is not None:
                return ('"' + '","'.join(shown) + '"').split(",")
            if self.fixed and self.as_shown.fullmatch(stored.text):
                return ('"' + stored.text.replace(",", '","') + '"').split(",")
        return self.lookup(rows.chunk_column(chunk, slot), k)

    def lookup(self, values: Sequence[Any], k: int) -> list[str]:
        """The texts of `values` in this kind's `k`-th slot: by id, else (all decimals) by
        value, else each worked out."""
        found: list[Any] = list(map(self.by_id.get, map(id, values)))
        if None not in found:
            return found
        if set(map(type, values)) == {Decimal}:
            return self._by_value(values, [k] * len(values))
        return fill_missing(found, lambda at: self.slow(values[at], k))

    def text(self, value: Any, k: int) -> str:
        """The text of `value` in this kind's `k`-th slot, remembered by id when it can be."""
        text = self.by_id.get(id(value))
        return text if text is not None else self.slow(value, k)

    def plan(self, columns: Sequence[Sequence[Any]]) -> None:
        """Decide how each slot's texts are found from `columns`, each slot's values in a
        sample of units (none: every slot by id): by id if its distinct objects are at most
        a quarter of the sample (a packed result keeps up to 255 objects per slot, the same in
        every chunk), else by value if it holds only decimals and its distinct
        numbers are at most half, else directly."""
        tiers = [_BY_ID] * len(self.slots)
        for k, slot in enumerate(self.slots if columns else ()):
            values = columns[slot]
            if len(set(map(id, values))) * 4 <= len(values):
                continue
            plain = set(map(type, values)) == {Decimal}
            tiers[k] = _BY_VALUE if plain and len(set(values)) * 2 <= len(values) else _DIRECT
        ways = [[k for k, t in enumerate(tiers) if t == tier] for tier in range(3)]
        self.where = [0] * len(self.slots)
        for i, k in enumerate([k for way in ways for k in way]):
            self.where[k] = i
        self.ways = [
            (tier, _getter([self.slots[k] for k in ks]), ks) for tier, ks in enumerate(ways) if ks
        ]

    def texts(self, vector: Sequence[Any]) -> list[str]:
        """The unit's texts of this kind's slots, by way of finding them (see `where`)."""
        out: list[str] = []
        for tier, get, ks in self.ways:
            values = get(vector)
            if tier == _BY_ID:
                try:
                    found = list(map(self.by_id.__getitem__, map(id, values)))
                except KeyError:
                    found = self._filled(list(map(self.by_id.get, map(id, values))), values, ks)
                out += found
            elif set(map(type, values)) - {Decimal}:  # n/a, a flag: each as the dict path
                out += [self.slow(v, k) for v, k in zip(values, ks, strict=True)]
            elif tier == _BY_VALUE:
                out += self._by_value(values, ks)
            else:
                out += map(_string, self.all_direct(values))
        return out

    def _by_value(self, values: Sequence[Any], ks: list[int]) -> list[str]:
        """The texts of decimals by value; numbers not seen before are formatted together
        and remembered (scores' zeros, and any value once the table is full, one by one)."""
        by_value = self.by_value
        found: list[Any] = list(map(by_value.get, values))
        if None in found:
            new = list(compress(values, map(is_, found, repeat(None))))
            if len(by_value) < _TABLE_LIMIT:
                by_value.update(zip(new, map(_string, self.all_direct(new)), strict=True))
                if self.fixed:
                    by_value[_ZERO] = self.zero
                found = list(map(by_value.get, values))
            found = self._filled(found, values, ks)
        if self.fixed and self.zero in found:  # a zero's score text has its sign: `-0.00`
            zeros = list(compress(range(len(found)), map(eq, found, repeat(self.zero))))
            for at in zeros:
                if values[at].is_signed():
                    found[at] = _string(self.one(values[at]))
        return found

    def one(self, value: Decimal) -> str:
        """The fixed or canonical text of a decimal."""
        return format(value, self.spec) if self.fixed else canonical(value)

    def all_direct(self, values: Sequence[Any]) -> list[str]:
        """The fixed or canonical text of each of `values`, all decimals, in C-level passes."""
        if self.fixed:
            return list(map(format, values, repeat(self.spec)))
        return list(map(canonical, values))

    def _filled(self, found: list[Any], values: Sequence[Any], ks: list[int]) -> list[str]:
        """`found` with each None replaced by the text of the value there."""
        return fill_missing(found, lambda at: self.slow(values[at], ks[at]))

    def slow(self, value: Any, k: int) -> str:
        """The text of `value` in slot `k` (by value, else worked out as the dict path does),
        remembered by value and, for a shareable object, by id."""
        if value.__class__ is Decimal:
            text = self.by_value.get(value) if value or not self.fixed else None
            if text is None:
                text = _string(self.one(value))
                if (value or not self.fixed) and len(self.by_value) < _TABLE_LIMIT:
                    self.by_value[value] = text
        else:
            text = self.owner.value_text(self.form(value), self.positions[k])
        if value.__class__ in _SHAREABLE and len(self.by_id) < _TABLE_LIMIT:
            self.by_id[id(value)] = text
            self.owner.alive.append(value)
        return text


_ZERO = Decimal(0)
