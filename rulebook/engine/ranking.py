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
    sign = -1 if order == "desc" else 1
    flags = demoted if demoted is not None else [False] * len(values)
    # a demoted unit counts as lower than every other: last from the top, first from the bottom
    keys = [
        (flag if order == "desc" else not flag, sign * snap(v))
        for flag, v in zip(flags, values, strict=True)
    ]
    ordered = sorted(set(keys))
    if method == "dense":
        position = {k: i + 1 for i, k in enumerate(ordered)}
    else:
        position, seen = {}, 0
        counts: dict[tuple[bool, Decimal], int] = {}
        for k in keys:
            counts[k] = counts.get(k, 0) + 1
        for k in ordered:
            position[k] = seen + 1
            seen += counts[k]
    ranks = [position[k] for k in keys]
    if within is not None and demoted is not None:
        ranks = cap_demoted(ranks, demoted, within)
    shared = {r: Decimal(r) for r in set(ranks)}  # one object per rank, not per unit
    return [shared[r] for r in ranks]


def cap_demoted(ranks: Sequence[int], demoted: Sequence[bool], within: int) -> list[int]:
    """A demoted unit's rank is at most `within`: "当月排名直接列入倒数3名内" puts every demoted
    community in the bottom-3 group, four demoted ones included (ranks 1, 2, 3, 3 from the
    bottom). The other units keep their places, which already follow every demoted unit. The
    one definition; the columnar engine takes the same minimum over its rank column."""
    return [min(r, within) if d else r for r, d in zip(ranks, demoted, strict=True)]
