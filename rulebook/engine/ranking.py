"""Cross-unit rankings: competition (1,1,3) and dense (1,1,2) ranks over exact values."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from rulebook.arith import snap
from rulebook.scheme.model import RankMethod, RankOrder


def rank(
    values: Sequence[Decimal],
    *,
    order: RankOrder = "desc",
    method: RankMethod = "competition",
    demoted: Sequence[bool] | None = None,
    within: int | None = None,
) -> list[Decimal]:
    """The rank of each value among all of them; equal values share a rank.

    Values are compared after `snap`, so two results that are equal in exact arithmetic tie even
    if a division left different noise in their 50th digit. Units marked `demoted` count as lower
    than every other unit whatever their values: last in a `desc` ranking, first in an `asc`
    (bottom-up) one; among themselves they rank by value. With `within` (a ranking's
    `demoted_within`), every demoted unit ranks within the first `within` places however many
    are demoted: those beyond share place `within` (`cap_demoted`)."""
    if demoted is not None and any(demoted):
        ranks = _ranks_demoted(values, order, method, demoted)
    else:
        ranks = _ranks(values, order, method)
    if within is not None and demoted is not None:
        ranks = cap_demoted(ranks, demoted, within)
    shared = {r: Decimal(r) for r in set(ranks)}  # one object per rank, not per unit
    return [shared[r] for r in ranks]


def _ranks(values: Sequence[Decimal], order: RankOrder, method: RankMethod) -> list[int]:
    """Ranks when no unit is demoted: the snapped values sorted once, each distinct value's
    rank taken at its first place (competition) or counted (dense). Holds one decimal and a
    few pointers per unit at a time, for 100,000-unit rankings."""
    snapped = [snap(v) for v in values]
    position: dict[Decimal, int] = {}
    for place, value in enumerate(sorted(snapped, reverse=order == "desc"), start=1):
        if value not in position:
            position[value] = place if method == "competition" else len(position) + 1
    return [position[v] for v in snapped]


def _ranks_demoted(
    values: Sequence[Decimal], order: RankOrder, method: RankMethod, demoted: Sequence[bool]
) -> list[int]:
    """Ranks with demoted units: each sorts by (demoted, value), so a demoted unit counts as
    lower than every other — last from the top, first from the bottom."""
    sign = -1 if order == "desc" else 1
    keys = [
        (flag if order == "desc" else not flag, sign * snap(v))
        for flag, v in zip(demoted, values, strict=True)
    ]
    position: dict[tuple[bool, Decimal], int] = {}
    for place, key in enumerate(sorted(keys), start=1):
        if key not in position:
            position[key] = place if method == "competition" else len(position) + 1
    return [position[k] for k in keys]


def cap_demoted(ranks: Sequence[int], demoted: Sequence[bool], within: int) -> list[int]:
    """A demoted unit's rank is at most `within`: "当月排名直接列入倒数3名内" puts every demoted
    community in the bottom-3 group, four demoted ones included (ranks 1, 2, 3, 3 from the
    bottom). The other units keep their places, which already follow every demoted unit. The
    one definition; the columnar engine takes the same minimum over its rank column."""
    return [min(r, within) if d else r for r, d in zip(ranks, demoted, strict=True)]
