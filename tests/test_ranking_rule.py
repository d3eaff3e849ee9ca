"""`rulebook.engine.ranking.rank` against the definition of each method, on random values:
competition rank = 1 + how many units are strictly better; dense rank = 1 + how many distinct
values are strictly better; a demoted unit is worse than every other unit. Values compare
after `snap` (20 places), so results equal but for division noise tie."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from rulebook.arith import snap
from rulebook.engine.ranking import rank

VALUES = st.lists(
    st.one_of(
        st.integers(-4, 4).map(D),
        st.sampled_from([D("2.50"), D("2.5"), D("-0"), D(1) / D(3), D("0.33333333333333333333")]),
    ),
    min_size=1,
    max_size=40,
)


def _better(a: tuple[bool, D], b: tuple[bool, D], order: str) -> bool:
    """Whether (demoted, value) `a` ranks ahead of `b`."""
    (da, va), (db, vb) = a, b
    if da != db:
        return db if order == "desc" else da  # demoted: last from the top, first from the bottom
    return snap(va) > snap(vb) if order == "desc" else snap(va) < snap(vb)


@given(VALUES, st.sampled_from(["desc", "asc"]), st.data())
def test_ranks_follow_their_definition(values: list[D], order: str, data: st.DataObject) -> None:
    flags = data.draw(
        st.one_of(st.none(), st.lists(st.booleans(), min_size=len(values), max_size=len(values)))
    )
    keys = [(bool(flags and flags[i]), v) for i, v in enumerate(values)]
    competition = rank(values, order=order, method="competition", demoted=flags)  # type: ignore[arg-type]
    dense = rank(values, order=order, method="dense", demoted=flags)  # type: ignore[arg-type]
    for i, key in enumerate(keys):
        ahead = [k for k in keys if _better(k, key, order)]
        distinct = {(d, snap(v)) for d, v in ahead}
        assert competition[i] == 1 + len(ahead)
        assert dense[i] == 1 + len(distinct)


def test_a_tie_by_snap_and_the_next_place_skipped() -> None:
    """1/3 and 0.33333333333333333333 (20 threes) are equal after snap: both rank 2 behind 4,
    and 0 ranks 4 (competition) or 3 (dense)."""
    values = [D(1) / D(3), D(4), D("0.33333333333333333333"), D(0)]
    assert rank(values) == [D(2), D(1), D(2), D(4)]
    assert rank(values, method="dense") == [D(2), D(1), D(2), D(3)]
