"""The small function library scheme expressions may call, with their signatures.

Each function works on `Decimal` numbers only and is pure. Aggregators (`sum`, `wsum`, ...) are
not ordinary functions: they evaluate their argument once per period; what each does is stated in
`rulebook.engine.semantics`.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

import attrs

from rulebook.engine import semantics

ZERO = Decimal(0)
ONE = Decimal(1)


def clamp(x: Decimal, low: Decimal, high: Decimal) -> Decimal:
    """`x` limited to [low, high]."""
    return low if x < low else min(x, high)


def linear(x: Decimal, x0: Decimal, y0: Decimal, x1: Decimal, y1: Decimal) -> Decimal:
    """y0 at or below x0, y1 at or above x1, the straight line between them in between
    (e.g. 60 points at ≤3‰, 0 at ≥5‰: `linear(rate, 3, 60, 5, 0)`)."""
    if x <= x0:
        return y0
    if x >= x1:
        return y1
    return y0 + (y1 - y0) * (x - x0) / (x1 - x0)


def ratio(numerator: Decimal, denominator: Decimal, when_zero: Decimal) -> Decimal:
    """Numerator / denominator, or `when_zero` when the denominator is 0 — the declared
    zero-denominator rule that every rate computed from counts needs."""
    return when_zero if denominator == 0 else numerator / denominator


def by_rank(rank: Decimal, *points: Decimal) -> Decimal:
    """Points for rank 1, 2, ... as listed; 0 for any rank past the list (前两名加4分、2分)."""
    if not 1 <= rank <= len(points) or rank != rank.to_integral_value():
        return ZERO  # compared before int(): a rank of 1e999999 must not be converted
    return points[int(rank) - 1]


def floor(x: Decimal) -> Decimal:
    """The largest whole number not above x."""
    return x.to_integral_value(rounding=ROUND_FLOOR)


def ceil(x: Decimal) -> Decimal:
    """The smallest whole number not below x."""
    return x.to_integral_value(rounding=ROUND_CEILING)


@attrs.frozen
class Signature:
    """How a library function may be called: arity bounds and its implementation."""

    name: str
    min_args: int
    max_args: int | None
    implementation: Callable[..., Any]
    doc: str


FUNCTIONS: dict[str, Signature] = {
    s.name: s
    for s in (
        Signature("min", 2, None, min, "smallest of two or more numbers"),
        Signature("max", 2, None, max, "largest of two or more numbers"),
        Signature("abs", 1, 1, abs, "absolute value"),
        Signature("clamp", 3, 3, clamp, "clamp(x, low, high)"),
        Signature("linear", 5, 5, linear, "linear(x, x0, y0, x1, y1): straight line, flat outside"),
        Signature("ratio", 3, 3, ratio, "ratio(a, b, when_zero): a / b, or when_zero if b is 0"),
        Signature("by_rank", 2, None, by_rank, "by_rank(rank, p1, p2, ...): points by rank"),
        Signature("floor", 1, 1, floor, "round down to a whole number"),
        Signature("ceil", 1, 1, ceil, "round up to a whole number"),
        Signature(
            "round",
            2,
            3,
            semantics.round_places,
            'round(x, places) or round(x, places, "half_even"): x to `places` decimals by the '
            "scheme's rounding mode or the one named",
        ),
    )
}

AGGREGATORS: dict[str, str] = {name: a.doc for name, a in semantics.AGGREGATORS.items()}
"""The aggregator names and what each does, read from `rulebook.engine.semantics` (their one
definition): the parser admits these names, the compiler and interpreter call their `fold`."""

PERIOD_NAMES: dict[str, str] = {
    "weight": "the current period's weight, normalised so that all weights sum to 1",
}
