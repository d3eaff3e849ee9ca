"""Packed results (`rulebook.engine.packed`): a large result keeps its units' slot lists as
packed columns, and reading it back gives the very values scoring wrote — same numbers, same
exact form (5.00 stays 5.00, -0 stays -0), same n/a and flags — so every report is the same
byte for byte, packed or not."""

from __future__ import annotations

import io
from decimal import Decimal as D
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rulebook
from rulebook.engine import packed
from rulebook.engine.packed import pack_column
from rulebook.engine.semantics import NA
from rulebook.render.writers import WRITERS

from conftest import SCHEMES, load_shipped

SHIPPED = sorted(p.stem for p in SCHEMES.glob("*.yaml") if not p.name.endswith(".tests.yaml"))


def _forms(values: list[Any]) -> list[tuple[type, str]]:
    """Each value's class and exact text: what packing must keep."""
    return [(type(v), str(v)) for v in values]


def test_a_column_takes_the_cheapest_exact_form() -> None:
    five = D("5.00")
    assert pack_column([five, five, five]).decode() == [five] * 3
    assert type(pack_column([five, five, five])).__name__ == "_Same"
    zero = D(0)
    coded = pack_column([five, zero, five, five])
    assert type(coded).__name__ == "_Coded"
    assert coded.codes == b"\x00\x01\x00\x00"  # type: ignore[union-attr]
    assert coded.table == (five, zero)  # type: ignore[union-attr]
    # 300 distinct decimals (more than a byte can code): their texts, one string; each form
    # comes back as it was
    many = [D(i) / 8 for i in range(297)] + [D("-0"), D("1E+2"), D("2.500")]
    texts = pack_column(many)
    assert type(texts).__name__ == "_Texts"
    assert texts.text.split(",")[-3:] == ["-0", "1E+2", "2.500"]  # type: ignore[union-attr]
    assert _forms(texts.decode()) == _forms(many)


def test_a_text_column_keeps_what_is_not_a_decimal_by_position() -> None:
    values: list[Any] = [D(i) for i in range(300)]
    values[3], values[50] = NA, True
    column = pack_column(values)
    assert type(column).__name__ == "_Texts"
    decoded = column.decode()
    assert decoded[3] is NA and decoded[50] is True
    assert _forms(decoded) == _forms(values)


POOL: list[Any] = [
    D("5.00"),
    D(5),
    D("-0"),
    D("0.000"),
    D("1E+2"),
    D("NaN"),
    D("-Infinity"),
    NA,
    True,
    False,
    None,
    "合格",
    7,
]


FORMS = ["5", "5.00", "5.0", "-0", "0", "0.00", "1E+1", "10", "-2.5", "NaN"]
"""Equal numbers written differently: coded by value, each must come back in its own form."""


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(range(len(POOL))),  # shared objects, as score tables give
            st.decimals(allow_nan=False, places=3).map(lambda d: ("new", d)),  # one per unit
            st.sampled_from(FORMS).map(lambda t: ("new", t)),  # few values, a new object each
        ),
        min_size=1,
        max_size=600,
    )
)
def test_decoding_gives_back_every_value_in_its_exact_form(picks: list[Any]) -> None:
    values = [POOL[p] if isinstance(p, int) else D(str(p[1])) for p in picks]
    decoded = pack_column(values).decode()
    assert _forms(decoded) == _forms(values)
    for before, after in zip(values, decoded, strict=True):
        if not isinstance(before, D):  # flags, n/a, labels: the same objects
            assert after is before


@pytest.fixture
def tiny_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of 2 units, so that every shipped example spans several chunks."""
    monkeypatch.setattr(packed, "CHUNK", 2)


def _outputs(result: rulebook.Result) -> dict[str, str]:
    out = {}
    for fmt in ("json", "jsonl", "csv", "csv-long", "table", "html"):
        stream = io.StringIO()
        WRITERS[fmt](result, stream, fmt.startswith("json"), None)
        out[fmt] = stream.getvalue()
    return out


@pytest.mark.parametrize("stem", SHIPPED)
def test_every_shipped_example_packed_is_the_same_result(stem: str, tiny_chunks: None) -> None:
    scheme = load_shipped(stem)
    data = rulebook.read_data(SCHEMES / "examples" / f"{stem}.data.yaml", scheme)
    plain = rulebook.evaluate(scheme, data, pack=False)
    small = rulebook.evaluate(scheme, data, pack=True)
    assert isinstance(plain.units, tuple)
    assert isinstance(small.units, packed.PackedUnits)
    for a, b in zip(plain.units, small.units, strict=True):
        assert a.unit == b.unit
        assert _forms(a.vector) == _forms(b.vector)
    assert small.total_ranks() == plain.total_ranks()
    assert small.to_dict(audit=True) == plain.to_dict(audit=True)
    assert _outputs(small) == _outputs(plain)
    last = plain.units[-1].unit
    assert small.unit(last).vector == plain.unit(last).vector
    assert small.explain(last).to_dict() == plain.explain(last).to_dict()


def test_packed_units_read_like_a_tuple(tiny_chunks: None) -> None:
    scheme = load_shipped("village-fp-1000")
    data = rulebook.read_data(SCHEMES / "examples" / "village-fp-1000.data.yaml", scheme)
    plain = rulebook.evaluate(scheme, data, pack=False).units
    units = rulebook.evaluate(scheme, data, pack=True).units
    names = [u.unit for u in plain]
    assert len(units) == len(plain) and [u.unit for u in units] == names
    assert units[-1].unit == names[-1] and units[0].unit == names[0]
    assert [u.unit for u in units[1:4]] == names[1:4]
    assert units == plain
    with pytest.raises(IndexError):
        units[len(plain)]
    with pytest.raises(KeyError):
        units.position("no such village")  # type: ignore[attr-defined]


DIVIDES = """
scheme: {id: d, title: D}
indicators:
  a: {type: count}
  b: {type: count}
  lo: {type: count}
  hi: {type: count}
constraints:
  - {require: "lo <= hi"}
tree:
  - {id: g, children: [{id: share, expr: "100 * a / b"}]}
"""


def _units(rows: list[tuple[str, int, int, int, int]]) -> dict[str, Any]:
    return {"units": {n: {"a": a, "b": b, "lo": lo, "hi": hi} for n, a, b, lo, hi in rows}}


def test_an_error_in_a_later_chunk_is_the_same_error(tiny_chunks: None) -> None:
    """Unit `e` (the third chunk of two) divides by zero: the same located error as unpacked."""
    scheme = rulebook.loads(DIVIDES, "d.yaml")
    rows = [("a", 1, 2, 0, 1), ("b", 1, 4, 0, 1), ("c", 3, 5, 0, 1), ("d", 1, 1, 0, 1)]
    data = _units([*rows, ("e", 1, 0, 0, 1)])
    errors = []
    for pack in (False, True):
        with pytest.raises(rulebook.EvaluationError) as caught:
            rulebook.evaluate(scheme, data, pack=pack)
        errors.append(str(caught.value))
    assert errors[0] == errors[1]
    assert "unit 'e', node 'g.share': division by zero" in errors[1]


def test_broken_constraints_in_every_chunk_are_all_reported(tiny_chunks: None) -> None:
    """`b` and `e` break `lo <= hi` (2 > 1, 5 > 4); `e` would also divide by zero, but nothing
    is scored while a constraint is broken."""
    scheme = rulebook.loads(DIVIDES, "d.yaml")
    data = _units(
        [
            ("a", 1, 2, 0, 1),
            ("b", 1, 2, 2, 1),
            ("c", 1, 2, 0, 1),
            ("d", 1, 2, 0, 1),
            ("e", 1, 0, 5, 4),
        ]
    )
    messages = []
    for pack in (False, True):
        with pytest.raises(rulebook.DataError) as caught:
            rulebook.evaluate(scheme, data, pack=pack)
        messages.append([p.message for p in caught.value.problems])
    assert messages[0] == messages[1]
    assert [m.split(":")[0] for m in messages[1]] == ["unit `b`", "unit `e`"]


def test_large_results_are_packed_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from rulebook.engine import evaluate as evaluation

    scheme = rulebook.loads(DIVIDES, "d.yaml")
    data = _units([("a", 1, 2, 0, 1), ("b", 1, 4, 0, 1), ("c", 3, 5, 0, 1)])
    assert isinstance(rulebook.evaluate(scheme, data).units, tuple)
    monkeypatch.setattr(evaluation, "PACK_FROM", 3)
    assert isinstance(rulebook.evaluate(scheme, data).units, packed.PackedUnits)
    assert isinstance(rulebook.evaluate(scheme, data, share=True).units, tuple)
