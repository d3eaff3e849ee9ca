"""Units' JSON text from per-scheme templates (`rulebook.render.unitjson`) must be byte for byte
what encoding the dict path's entries gives — compact for JSON lines, indented for the pretty
document — whatever the values: shared objects, equal numbers in different objects, new numbers
in every unit, n/a, flags, text, per-period mappings, a negative zero."""

from __future__ import annotations

import io
import json
import random
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rulebook
from rulebook.audit.result import _Layout
from rulebook.engine import packed
from rulebook.engine.semantics import NA
from rulebook.render import prettyjson
from rulebook.render.jsonout import write_json, write_jsonl
from rulebook.render.unitjson import UnitTexts

from helpers import scheme

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(p for p in (ROOT / "schemes").glob("*.yaml") if not p.name.endswith(".tests.yaml"))

TINY = """
scheme: {id: tiny, title: 小}
indicators:
  rate: {type: rate}
  severe: {type: bool}
tree:
  - id: a
    label: 甲
    max: 10
    expr: "rate / 10"
vetoes:
  - id: v
    label: 否决
    when: "severe"
    reason: 100% 否决
outcomes:
  result:
    cases:
      - {when: "vetoed", label: 不合格}
      - {label: 合格}
"""


def _tiny() -> rulebook.Result:
    return rulebook.evaluate(
        scheme(TINY),
        {
            "units": {
                "东": {"rate": Decimal("92.5"), "severe": False},
                "西": {"rate": Decimal(95), "severe": True},
            }
        },
    )


def test_a_small_result_worked_by_hand() -> None:
    """东: a = 92.5 / 10 = 9.25 (raw 9.25, under the max 10), rank 2; 西: a = 95 / 10 = 9.5,
    written 9.50 as a score at 2 places and 9.5 as a raw value, rank 1, vetoed (severe) so
    its outcome is 不合格 and the veto is listed with its label and reason (a `%` in the text
    stays as written)."""
    buffer = io.StringIO()
    write_jsonl(_tiny(), buffer)
    lines = buffer.getvalue().splitlines()
    assert lines[1:] == [
        '{"unit":"东","total":"9.25","rank":2,"scores":{"a":"9.25","total":"9.25"},'
        '"raw":{"a":"9.25","total":"9.25"},"values":{},"ranks":{},"outputs":{},'
        '"outcomes":{"result":"合格"},"vetoes":[]}',
        '{"unit":"西","total":"9.50","rank":1,"scores":{"a":"9.50","total":"9.50"},'
        '"raw":{"a":"9.5","total":"9.5"},"values":{},"ranks":{},"outputs":{},'
        '"outcomes":{"result":"不合格"},"vetoes":[{"id":"v","label":"否决","reason":"100% 否决"}]}',
    ]


def test_the_pretty_document_is_the_standard_librarys() -> None:
    result = _tiny()
    buffer = io.StringIO()
    write_json(result, buffer)
    expected = json.dumps(result.to_dict(audit=False), ensure_ascii=False, indent=2) + "\n"
    assert buffer.getvalue() == expected
    assert '      "vetoes": [\n        {\n          "id": "v",' in expected  # the veto, indented


def _load(path: Path) -> rulebook.Scheme:
    params = ROOT / "schemes" / "examples" / (path.stem + ".params.yaml")
    return rulebook.load(path, params=params if params.exists() else None)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_example_writes_what_the_dict_path_writes(path: Path) -> None:
    scheme_ = _load(path)
    data = rulebook.read_data(ROOT / "schemes" / "examples" / (path.stem + ".data.yaml"), scheme_)
    result = rulebook.evaluate(scheme_, data)
    _same(result, result.units, result.total_ranks())


_SCHEMES: dict[str, rulebook.Scheme] = {}


def _scheme(path: Path) -> rulebook.Scheme:
    if path.stem not in _SCHEMES:
        _SCHEMES[path.stem] = _load(path)
    return _SCHEMES[path.stem]


def _same(result: Any, units: Any, ranks: list[Decimal]) -> None:
    """UnitTexts against the dict path (`_Layout.entry`, then the compact encoder, or the
    pretty formatter with the document's indent)."""
    layout = _Layout(result.scheme)
    entries = [layout.entry(u, int(r)) for u, r in zip(units, ranks, strict=True)]
    compact = [json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in entries]
    pretty = [prettyjson.dumps(e).replace("\n", "\n    ") for e in entries]
    assert list(UnitTexts(result).texts()) == compact
    assert list(UnitTexts(result, indent="    ").texts()) == pretty
    for line in compact:  # and each is JSON of the entry's form
        json.loads(line)


numbers = st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
    lambda d: d.is_zero() or abs(d.adjusted()) < 30
)
zeros = st.sampled_from(
    [
        Decimal(0),
        Decimal("-0"),
        Decimal("0.00"),
        Decimal("-0.00"),
        Decimal("0E+2"),
        Decimal("-0E-5"),
    ]
)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(SHIPPED),
    st.lists(st.one_of(numbers, zeros), min_size=1, max_size=12),
    st.lists(st.sampled_from(["shared", "equal", "new", "odd", "na"]), min_size=1, max_size=5),
    st.integers(1, 60),
    st.integers(0, 2**32),
)
def test_units_of_any_values_write_what_the_dict_path_writes(
    path: Path, pool: list[Decimal], styles: list[str], count: int, seed: int
) -> None:
    """Each slot gets a style: its values drawn from a few shared objects, or equal numbers in
    new objects each time, or new numbers, or odd values (n/a, flags, None, integers, text,
    per-period mappings in plain slots), or n/a now and then; so every way of finding texts
    (by id, by value, directly, the dict path's form) is taken, and their mixtures."""
    rng = random.Random(seed)  # the values, per slot and unit, from the drawn seed
    scheme_ = _scheme(path)
    probe = UnitTexts(SimpleNamespace(scheme=scheme_, units=(), total_ranks=list))
    fixed = set(probe.fixed.slots)
    layout = _Layout(scheme_)
    flags = {i for _, i in layout.vetoes}
    size = scheme_.program.plan.size
    style = [rng.choice(styles) for _ in range(size)]

    def value(slot: int) -> Any:
        kind = style[slot]
        if slot in flags and slot not in fixed:
            return rng.choice([True, False, NA])
        if kind == "shared" or (kind == "na" and rng.random() < 0.7):
            return rng.choice(pool)
        if kind == "equal":
            return Decimal(str(rng.choice(pool)))  # a new object, an equal number
        if kind == "new":
            return Decimal(rng.randint(-(10**7), 10**7)).scaleb(-rng.randint(0, 25))
        if kind == "na":
            return NA
        if slot in fixed:  # scores: numbers or n/a only
            return rng.choice([NA, 7, Decimal("-0"), rng.choice(pool)])
        leaf = rng.choice([NA, None, True, False, 3, rng.choice(pool), rng.choice(TEXTS)])
        return {"Q1": leaf, "Q2": rng.choice(pool)} if rng.random() < 0.2 else leaf

    units = tuple(
        SimpleNamespace(unit=f'单位{i}"%', vector=[value(s) for s in range(size)])
        for i in range(count)
    )
    ranks = [Decimal(rng.randint(1, count)) for _ in range(count)]
    result = SimpleNamespace(scheme=scheme_, units=units, total_ranks=lambda: ranks)
    _same(result, units, ranks)


TEXTS = ["合格", 'a "q" %s', "back\\slash", "%", "", "\x00", "x\ny"]


def test_a_negative_zero_score_keeps_its_sign_after_a_positive_one() -> None:
    """A score of 0 seen first puts the text "0.00" in the table by value; a later -0 (equal
    to 0, same hash) must still be written -0.00, as the dict path writes it."""
    scheme_ = _scheme(SHIPPED[-1])
    probe = UnitTexts(SimpleNamespace(scheme=scheme_, units=(), total_ranks=list))
    size = scheme_.program.plan.size
    units = []
    for i in range(40):
        vector: list[Any] = [Decimal(i) for _ in range(size)]  # new objects: by value
        for slot in probe.fixed.slots:
            vector[slot] = Decimal("-0.00") if i % 2 else Decimal(0)
        units.append(SimpleNamespace(unit=f"u{i}", vector=vector))
    ranks = [Decimal(1)] * len(units)
    result = SimpleNamespace(scheme=scheme_, units=tuple(units), total_ranks=lambda: ranks)
    lines = list(UnitTexts(result).texts())
    assert '"total":"-0.00"' in lines[1] and '"total":"0.00"' in lines[0]
    _same(result, units, ranks)


def test_writers_across_batches_of_units() -> None:
    """2,345 units: written 250 at a time (with the separators between batches) — the lines
    and the pretty document are still one per unit, each the dict path's."""
    units = {f"村{i}": {"rate": Decimal(i % 97), "severe": i % 13 == 0} for i in range(2345)}
    result = rulebook.evaluate(scheme(TINY), {"units": units})
    lines = io.StringIO()
    write_jsonl(result, lines)
    expected = [json.dumps(result.head(), ensure_ascii=False, separators=(",", ":"))]
    expected += [
        json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in result.unit_dicts()
    ]
    assert lines.getvalue() == "\n".join(expected) + "\n"
    document = io.StringIO()
    write_json(result, document)
    whole = json.dumps(result.to_dict(audit=False), ensure_ascii=False, indent=2) + "\n"
    assert document.getvalue() == whole


def test_without_a_template_units_take_the_dict_path() -> None:
    """A scheme whose own text looked like a template marker gets no template (`template`
    None): each unit is then encoded from its dict, with the same bytes."""
    result = _tiny()
    for indent in (None, "    "):
        texts = UnitTexts(result, indent=indent)
        assert texts.template is not None
        planned = list(texts.texts())
        texts.template = None
        assert list(texts.texts()) == planned


TRICKY = [
    "-0.00",
    "0.000",
    "1.10",
    "100",
    "-5.500",
    "0.1000000000000000000000001",
    "-0",
    "123456789012345678901.5",
    "1E+3",
    "2.5E-7",
    "7",
    "0.05",
    "-12.345",
]


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(SHIPPED),
    st.lists(st.one_of(numbers, zeros), min_size=1, max_size=12),
    st.lists(
        st.sampled_from(["shared", "equal", "new", "tricky", "scores", "long", "odd", "na"]),
        min_size=1,
        max_size=5,
    ),
    st.integers(1, 40),
    st.integers(0, 2**32),
)
def test_packed_units_of_any_values_write_what_the_dict_path_writes(
    path: Path, pool: list[Decimal], styles: list[str], count: int, seed: int
) -> None:
    """The same values as above, packed in chunks of 8 units with at most 4 objects coded per
    column, so that every packed form (one object, coded, decimals as text — plain, with an
    exponent, trailing zeros, over 20 places, signed zeros, at the scores' places — and text
    with odd values kept aside) is written column by column, and must give the dict path's
    bytes."""
    rng = random.Random(seed)
    scheme_ = _scheme(path)
    probe = UnitTexts(SimpleNamespace(scheme=scheme_, units=(), total_ranks=list))
    fixed = set(probe.fixed.slots)
    flags = {i for _, i in _Layout(scheme_).vetoes}
    plan = scheme_.program.plan
    style = [rng.choice(styles) for _ in range(plan.size)]

    def value(slot: int) -> Any:
        kind = style[slot]
        if slot in flags and slot not in fixed:
            return rng.choice([True, False, NA])
        if kind == "tricky":
            return Decimal(rng.choice(TRICKY))  # a new object each time
        if kind == "long":  # plain notation, past the 20 places `canonical` snaps to
            return Decimal(f"{rng.randint(-999, 999)}.{rng.randint(0, 10**25):025d}")
        if kind == "scores":  # at the scheme's places: what a score's text already shows
            return Decimal(rng.randint(-(10**5), 10**5)).scaleb(-scheme_.rounding.places)
        if kind == "shared" or (kind == "na" and rng.random() < 0.7):
            return rng.choice(pool)
        if kind == "equal":
            return Decimal(str(rng.choice(pool)))
        if kind == "new":
            return Decimal(rng.randint(-(10**7), 10**7)).scaleb(-rng.randint(0, 25))
        if kind == "na":
            return NA
        if slot in fixed:
            return rng.choice([NA, 7, Decimal("-0"), rng.choice(pool)])
        leaf = rng.choice([NA, None, True, False, 3, rng.choice(pool), rng.choice(TEXTS)])
        return {"Q1": leaf, "Q2": rng.choice(pool)} if rng.random() < 0.2 else leaf

    vectors = [[value(s) for s in range(plan.size)] for _ in range(count)]
    names = [f'单位{i}"%' for i in range(count)]
    with mock.patch.object(packed, "CHUNK", 8), mock.patch.object(packed, "_CODED_MAX", 4):
        rows = packed.PackedRows(scheme_, plan, [SimpleNamespace(name=n, values={}) for n in names])
        rows.inputs, rows.parameters, rows.stored = {}, {}, list(range(plan.size))  # all kept
        for chunk in range(len(rows.chunks)):
            start, end = rows.bounds(chunk)
            rows.pack(chunk, [list(v) for v in vectors[start:end]])
        units = packed.PackedUnits(rows, lambda name, row: SimpleNamespace(unit=name, vector=row))
        ranks = [Decimal(rng.randint(1, count)) for _ in range(count)]
        result = SimpleNamespace(scheme=scheme_, units=units, total_ranks=lambda: ranks)
        plain = [SimpleNamespace(unit=n, vector=v) for n, v in zip(names, vectors, strict=True)]
        _same(result, plain, ranks)
