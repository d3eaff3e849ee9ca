"""The manifest's data digest is hashed unit by unit from templates and remembered texts
(`rulebook.audit.result._streamed_digest`), and `arith.canonical` takes a short cut for plain
decimals: both must give exactly what the whole-document form gives, or every expected JSON
file with a digest in it would change."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from rulebook import arith
from rulebook.arith import SNAP_PLACES, canonical, snap
from rulebook.audit.result import _streamed_digest
from rulebook.data.dataset import DataSet, UnitData

decimals = st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
    lambda d: d.is_zero() or abs(d.adjusted()) < 30
)


@settings(max_examples=300, deadline=None)
@given(decimals)
def test_canonical_is_the_snapped_normal_form(x: Decimal) -> None:
    # the definition the short cut must agree with: snap to 20 places, drop trailing zeros,
    # plain notation; zero is "0" whatever its sign or exponent
    expected = "0" if x.is_zero() else format(snap(x).normalize(arith._WIDE), "f")
    assert canonical(x) == expected


def test_canonical_examples() -> None:
    # worked by hand: 70.0 -> 70; 1E+2 -> 100; 0.000001230 -> 0.00000123 (str writes 1.230E-6);
    # -12.50 -> -12.5; a value with 21 places is snapped half-even to 20
    assert canonical(Decimal("70.0")) == "70"
    assert canonical(Decimal("1E+2")) == "100"
    assert canonical(Decimal("0.000001230")) == "0.00000123"
    assert canonical(Decimal("-12.50")) == "-12.5"
    assert canonical(Decimal("0." + "0" * (SNAP_PLACES - 1) + "15")) == "0." + "0" * 19 + "2"
    assert canonical(Decimal("-0.00")) == "0"


leaves = st.one_of(
    decimals,
    st.booleans(),
    st.none(),
    st.integers(-(10**6), 10**6),
    st.sampled_from(["甲", 'a "quoted" %s', "back\\slash", "%", ""]),
)
values = st.dictionaries(
    st.sampled_from(["a", "b", "%s", "率", 'k"q']),
    st.one_of(leaves, st.dictionaries(st.sampled_from(["Q1", "Q2", "%d"]), leaves, max_size=3)),
    max_size=5,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(values, max_size=8), st.data())
def test_the_streamed_digest_is_the_whole_documents(
    units: list[dict[str, object]], data: st.DataObject
) -> None:
    # units may share value objects (as readers make them) and may differ in their keys
    pool = [v for u in units for v in u.values() if not isinstance(v, dict)]
    if pool:
        for u in units:
            for k in list(u):
                if data.draw(st.booleans()):
                    u[k] = data.draw(st.sampled_from(pool))
    dataset = DataSet(tuple(UnitData(f'u{i}"%', u) for i, u in enumerate(units)))
    assert _streamed_digest(dataset) == dataset.digest


def test_the_streamed_digest_across_batches() -> None:
    # 2,500 units: hashed in batches of 1,000, joined by the commas between units
    units = tuple(
        UnitData(f"v{i}", {"a": Decimal(i % 7), "b": {"Q1": Decimal(i).scaleb(-3)}})
        for i in range(2500)
    )
    dataset = DataSet(units)
    assert _streamed_digest(dataset) == dataset.digest


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(decimals, st.sampled_from([Decimal("-0"), Decimal("-0.000")])), min_size=1)
)
def test_canonical_of_joined_texts_is_canonical_of_each(xs: list[Decimal]) -> None:
    # worked out on the joined text: the same as `canonical` one by one, or None when a text
    # has an exponent (left to `canonical`)
    texts = arith.canonical_joined(",".join(map(str, xs)))
    if any("E" in str(x) for x in xs):
        assert texts is None
    else:
        assert texts == [canonical(x) for x in xs]


def test_canonical_of_joined_texts_examples() -> None:
    # worked by hand from `canonical`'s definition: zeros (signed or not, any places) are "0";
    # trailing zeros after the point go, and a bare point with them; integers keep their
    # zeros; 0.1 followed by 24 zeros and a 1 has more than 20 places and snaps to 0.1
    joined = "0.00,-0.00,1.10,100,12.500,-0,0.1000000000000000000000001,-5.05,0"
    assert arith.canonical_joined(joined) == [
        "0",
        "0",
        "1.1",
        "100",
        "12.5",
        "0",
        "0.1",
        "-5.05",
        "0",
    ]
    assert arith.canonical_joined("1.5,2E+3") is None
