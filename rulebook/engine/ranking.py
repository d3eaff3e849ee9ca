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
) -> list[Decimal]:
    """The rank of each value among all of them; equal values share a rank.

    Values are compared after `snap`, so two results that are equal in exact arithmetic tie even
    if a division left different noise in their 50th digit. Units marked `demoted` count as lower
    than every other unit whatever their values: last in a `desc` ranking, first in an `asc`
    (bottom-up) one; among themselves they rank by value."""
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
    return [Decimal(position[k]) for k in keys]
