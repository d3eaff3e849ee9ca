"""Exact arithmetic over int64 columns: every number is a rational p / q of two int64 arrays.

A column of decimals read at a common scale has q = 10^s (a plain Python int, shared by all
rows); a division makes q vary by row. Every operation checks, before its result is trusted,
that no intermediate could have left int64 (a float estimate against 2^61: conservative, never
optimistic), and marks rows it cannot compute exactly as *bad* with a reason, instead of
approximating. Bad rows are scored by the per-unit Decimal engine (`rulebook.engine.columnar.run`).

Why rationals and not only fixed point: `done / (target × 0.3)` has no finite decimal expansion,
and a score rounded later must see the exact quotient. The per-unit engine computes the same
quotient to 50 digits and snaps it to 20 places before rounding (`rulebook.arith`); for p / q
with q < 10^(20 − places) the snapped value rounds exactly like the rational, which is why
`round_to` marks rows with larger denominators bad instead of guessing.
"""

from __future__ import annotations

import math
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
)
from typing import Any

import numpy as np

from rulebook.arith import SNAP_PLACES

LIMIT = float(2**61)
"""A product or sum whose float estimate reaches this may not fit int64: its rows fall back."""

_REDUCE_AT = 2**40
IntArray = Any  # numpy int64 array (or 0-d array for a constant)
BoolArray = Any


class Reasons:
    """Why rows fell back: reason -> boolean mask of the rows (merged as operations run)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.masks: dict[str, BoolArray] = {}

    def mark(self, reason: str, mask: BoolArray) -> BoolArray:
        mask = np.broadcast_to(np.asarray(mask, dtype=bool), (self.n,))
        if mask.any():
            old = self.masks.get(reason)
            self.masks[reason] = mask.copy() if old is None else old | mask
        return mask


def _or(a: BoolArray | None, b: BoolArray | None) -> BoolArray | None:
    if a is None:
        return b
    if b is None:
        return a
    return a | b


class Num:
    """Exact rationals p / q by row (q > 0); `bad` marks rows whose value is not trustworthy."""

    __slots__ = ("bad", "p", "q")

    def __init__(self, p: IntArray, q: IntArray | int, bad: BoolArray | None = None) -> None:
        self.p, self.q, self.bad = p, q, bad


class Flag:
    """A column of booleans (conditions, vetoes, bool indicators)."""

    __slots__ = ("bad", "v")

    def __init__(self, v: BoolArray, bad: BoolArray | None = None) -> None:
        self.v, self.bad = v, bad


class Text:
    """A column of strings (enum indicators, outcome labels)."""

    __slots__ = ("bad", "v")

    def __init__(self, v: Any, bad: BoolArray | None = None) -> None:
        self.v, self.bad = v, bad


Col = Num | Flag | Text


class Arith:
    """The operations, bound to one evaluation's row count and fallback reasons."""

    def __init__(self, reasons: Reasons) -> None:
        self.reasons = reasons
        self.n = reasons.n

    # -- helpers ---------------------------------------------------------------------------

    def _guard(self, est: Any, reason: str = "overflow") -> BoolArray | None:
        """Rows where a float estimate says an int64 result might not be exact."""
        big = np.abs(est) >= LIMIT
        if np.ndim(big) == 0:
            if big:
                return self.reasons.mark(reason, np.ones(self.n, dtype=bool))
            return None
        if not big.any():
            return None
        return self.reasons.mark(reason, big)

    def _clean(self, p: IntArray, q: IntArray | int, bad: BoolArray | None) -> Num:
        """Zero the bad rows (so they cannot trip later checks) and reduce by the gcd."""
        if bad is not None and bad.any():
            p = np.where(bad, 0, p)
            if not isinstance(q, int):
                q = np.where(bad, 1, q)
        if isinstance(q, int):
            if q > 1 and np.ndim(p) > 0 and q > 10**6:
                g = math.gcd(int(np.gcd.reduce(p)) if p.size else 0, q) if p.size else q
                if g > 1:
                    p, q = p // g, q // g
            return Num(p, q, bad)
        # reduce only the rows whose numbers grow large: gcd is the costliest step here, and
        # small numbers are exact whether reduced or not
        big = (q > _REDUCE_AT) | (np.abs(p) > _REDUCE_AT)
        if big.any():
            p, q = np.array(p, dtype=np.int64), np.array(q, dtype=np.int64)
            g = np.gcd(p[big], q[big])
            g[g == 0] = 1
            p[big] //= g
            q[big] //= g
        if q.size and q.min() == q.max():
            q = int(q.flat[0])
        return Num(p, q, bad)

    def reduced(self, a: Num) -> Num:
        """A with every row's p / q in lowest terms (before sort keys are taken)."""
        if isinstance(a.q, int):
            return a
        p = np.array(np.broadcast_to(np.asarray(a.p), (self.n,)), dtype=np.int64)
        q = np.array(np.broadcast_to(np.asarray(a.q), (self.n,)), dtype=np.int64)
        g = np.gcd(p, q)
        g[g == 0] = 1
        return Num(p // g, q // g, a.bad)

    def const(self, value: Decimal | int) -> Num:
        num, den = Decimal(value).as_integer_ratio()
        if abs(num) >= LIMIT or den >= LIMIT:
            self.reasons.mark("a constant too large for int64", np.ones(self.n, dtype=bool))
            return Num(np.zeros(self.n, dtype=np.int64), 1, np.ones(self.n, dtype=bool))
        return Num(np.int64(num), den)

    def _common(
        self, a: Num, b: Num
    ) -> tuple[IntArray, IntArray, IntArray | int, BoolArray | None]:
        """A and b over one denominator: (pa, pb, q, bad)."""
        bad = _or(a.bad, b.bad)
        if isinstance(a.q, int) and isinstance(b.q, int):
            if a.q == b.q:
                return a.p, b.p, a.q, bad
            q = math.lcm(a.q, b.q)
            if q >= LIMIT:
                bad = _or(bad, self.reasons.mark("overflow", np.ones(self.n, dtype=bool)))
                return np.zeros(self.n, np.int64), np.zeros(self.n, np.int64), 1, bad
            fa, fb = q // a.q, q // b.q
            bad = _or(bad, self._guard(np.asarray(a.p, dtype=float) * fa))
            bad = _or(bad, self._guard(np.asarray(b.p, dtype=float) * fb))
            return a.p * fa, b.p * fb, q, bad
        qa = np.asarray(a.q, dtype=float)
        qb = np.asarray(b.q, dtype=float)
        if (
            np.any(np.abs(np.asarray(a.p, dtype=float) * qb) >= LIMIT)
            or np.any(np.abs(np.asarray(b.p, dtype=float) * qa) >= LIMIT)
            or np.any(qa * qb >= LIMIT)
        ):
            return self._common_lcm(a, b, bad)
        return a.p * b.q, b.p * a.q, np.asarray(a.q) * b.q, bad

    def _common_lcm(
        self, a: Num, b: Num, bad: BoolArray | None
    ) -> tuple[IntArray, IntArray, IntArray, BoolArray | None]:
        """Over the least common denominator, both in lowest terms first: the slower way, for
        rows whose plain cross products could leave int64."""
        ra, rb = self.reduced(a), self.reduced(b)
        qa = np.broadcast_to(np.asarray(ra.q, dtype=np.int64), (self.n,))
        qb = np.broadcast_to(np.asarray(rb.q, dtype=np.int64), (self.n,))
        g = np.gcd(qa, qb)
        fa, fb = qb // g, qa // g  # lcm = qa · fa = qb · fb
        bad = _or(bad, self._guard(qa.astype(float) * fa))
        bad = _or(bad, self._guard(np.asarray(ra.p, dtype=float) * fa))
        bad = _or(bad, self._guard(np.asarray(rb.p, dtype=float) * fb))
        pa, pb, q = np.asarray(ra.p) * fa, np.asarray(rb.p) * fb, qa * fa
        if bad is not None:
            pa, pb, q = np.where(bad, 0, pa), np.where(bad, 0, pb), np.where(bad, 1, q)
        return pa, pb, q, bad

    # -- arithmetic ------------------------------------------------------------------------

    def add(self, a: Num, b: Num, sign: int = 1) -> Num:
        pa, pb, q, bad = self._common(a, b)
        est = np.asarray(pa, dtype=float) + sign * np.asarray(pb, dtype=float)
        bad = _or(bad, self._guard(est))
        return self._clean(pa + pb if sign > 0 else pa - pb, q, bad)

    def neg(self, a: Num) -> Num:
        return Num(-a.p, a.q, a.bad)

    def mul(self, a: Num, b: Num) -> Num:
        bad = _or(a.bad, b.bad)
        est_p = np.abs(np.asarray(a.p, dtype=float) * np.asarray(b.p, dtype=float))
        est_q = np.asarray(a.q, dtype=float) * np.asarray(b.q, dtype=float)
        if np.any(est_p >= LIMIT) or np.any(est_q >= LIMIT):
            return self._mul_reduced(a, b, bad)
        q = a.q * b.q if isinstance(a.q, int) and isinstance(b.q, int) else np.asarray(a.q) * b.q
        return self._clean(np.asarray(a.p) * b.p, q, bad)

    def _mul_reduced(self, a: Num, b: Num, bad: BoolArray | None) -> Num:
        """A × b with both in lowest terms and cross-cancelled first (p_a with q_b, p_b with
        q_a); rows still past int64 fall back."""
        n = self.n

        def rows(x: Any) -> Any:
            return np.array(np.broadcast_to(np.asarray(x), (n,)), dtype=np.int64)

        ra = self.reduced(Num(rows(a.p), rows(a.q)))
        rb = self.reduced(Num(rows(b.p), rows(b.q)))
        g1, g2 = np.gcd(ra.p, rb.q), np.gcd(rb.p, ra.q)
        g1[g1 == 0] = 1
        g2[g2 == 0] = 1
        pa, qb, pb, qa = ra.p // g1, rb.q // g1, rb.p // g2, ra.q // g2
        bad = _or(bad, self._guard(pa.astype(float) * pb))
        bad = _or(bad, self._guard(qa.astype(float) * qb))
        p, q = pa * pb, qa * qb
        if bad is not None:
            p, q = np.where(bad, 0, p), np.where(bad, 1, q)
        return self._clean(p, q, bad)

    def div(self, a: Num, b: Num) -> Num:
        bad = _or(a.bad, b.bad)
        zero = np.asarray(b.p) == 0
        if np.ndim(zero) == 0:
            zero = np.full(self.n, bool(zero))
        if zero.any():
            bad = _or(bad, self.reasons.mark("division by zero", zero))
        bp = np.where(zero, 1, b.p)
        bad = _or(bad, self._guard(np.asarray(a.p, dtype=float) * np.asarray(b.q, dtype=float)))
        bad = _or(bad, self._guard(np.asarray(a.q, dtype=float) * np.asarray(bp, dtype=float)))
        p = np.asarray(a.p) * b.q
        q = np.asarray(a.q) * bp
        sign = np.where(q < 0, -1, 1)
        p, q = p * sign, q * sign
        if bad is not None:
            q = np.where(bad, 1, q)
        return self._clean(
            np.broadcast_to(p, (self.n,)).copy(), np.broadcast_to(q, (self.n,)).copy(), bad
        )

    def power(self, a: Num, b: Num) -> Num:
        """X ** n for a whole constant n in [-8, 8] (exponents are constants, checked when the
        scheme is built); any other exponent sends the rows to the per-unit engine."""
        if np.ndim(b.p) == 0 and b.q == 1 and -8 <= int(b.p) <= 8:
            k = int(b.p)
            result = self.const(1)
            for _ in range(abs(k)):
                result = self.mul(result, a)
            return self.div(self.const(1), result) if k < 0 else result
        mask = self.reasons.mark(
            "a power with a fractional exponent or one past ±8", np.ones(self.n, dtype=bool)
        )
        return Num(np.zeros(self.n, np.int64), 1, mask)

    def compare(self, op: str, a: Col, b: Col) -> Flag:
        bad = _or(a.bad, b.bad)
        if isinstance(a, Num) and isinstance(b, Num):
            if isinstance(a.q, int) and isinstance(b.q, int) and a.q == b.q:
                left, right = a.p, b.p
            else:
                bad = _or(
                    bad, self._guard(np.asarray(a.p, dtype=float) * np.asarray(b.q, dtype=float))
                )
                bad = _or(
                    bad, self._guard(np.asarray(b.p, dtype=float) * np.asarray(a.q, dtype=float))
                )
                left, right = np.asarray(a.p) * b.q, np.asarray(b.p) * a.q
        else:
            left, right = a.v, b.v  # type: ignore[union-attr]
        result = {
            "==": np.equal,
            "!=": np.not_equal,
            "<": np.less,
            "<=": np.less_equal,
            ">": np.greater,
            ">=": np.greater_equal,
        }[op](left, right)
        return Flag(result, bad)

    def where(self, test: Flag, yes: Col, no: Col) -> Col:
        """`yes if test else no`: a bad row of the branch not taken does not count."""
        c = test.v
        bad = _or(test.bad, self._pick(c, yes.bad, no.bad))
        if isinstance(yes, Num) and isinstance(no, Num):
            if isinstance(yes.q, int) and isinstance(no.q, int):
                pa, pb, q, b2 = self._common(Num(yes.p, yes.q), Num(no.p, no.q))
                bad = _or(bad, b2)  # a branch too large to rescale: conservative
                return Num(np.where(c, pa, pb), q, bad)
            return self._clean(np.where(c, yes.p, no.p), np.where(c, yes.q, no.q), bad)
        if isinstance(yes, Flag) and isinstance(no, Flag):
            return Flag(np.where(c, yes.v, no.v), bad)
        return Text(np.where(c, yes.v, no.v), bad)  # type: ignore[union-attr]

    def _pick(self, c: BoolArray, a: BoolArray | None, b: BoolArray | None) -> BoolArray | None:
        if a is None and b is None:
            return None
        a = np.zeros(self.n, bool) if a is None else a
        b = np.zeros(self.n, bool) if b is None else b
        return np.where(c, a, b)

    def at_least(self, a: Num, b: Num) -> Num:
        """max(a, b) (a floor): b where a < b."""
        return self.where(self.compare("<", a, b), b, a)  # type: ignore[return-value]

    def at_most(self, a: Num, b: Num) -> Num:
        """min(a, b) (a cap): b where a > b."""
        return self.where(self.compare(">", a, b), b, a)  # type: ignore[return-value]

    def absolute(self, a: Num) -> Num:
        return Num(np.abs(a.p), a.q, a.bad)

    def floor(self, a: Num) -> Num:
        return Num(np.asarray(a.p) // a.q, 1, a.bad)

    def ceil(self, a: Num) -> Num:
        return Num(-((-np.asarray(a.p)) // a.q), 1, a.bad)

    def logical(self, op: str, a: Flag, b: Flag) -> Flag:
        """`a and b` / `a or b`: b's bad rows count only where b decides the result."""
        decides = a.v if op == "and" else ~np.asarray(a.v)
        bad = _or(a.bad, None if b.bad is None else np.asarray(decides) & b.bad)
        v = np.logical_and(a.v, b.v) if op == "and" else np.logical_or(a.v, b.v)
        return Flag(v, bad)

    def round_to(self, a: Num, places: int, mode: str) -> Num:
        """`arith.round_score` on exact rationals: p / q to `places` decimals by `mode`, in
        integers. Rows whose q is too large for the 20-place snap to be provably harmless fall
        back."""
        bad = a.bad
        scale = 10**places
        q = a.q
        if isinstance(q, int):
            if q * scale >= 10**SNAP_PLACES:
                bad = _or(
                    bad,
                    self.reasons.mark(
                        "denominator too large to round exactly", np.ones(self.n, bool)
                    ),
                )
        else:
            big = q >= 10**SNAP_PLACES // scale
            if big.any():
                bad = _or(bad, self.reasons.mark("denominator too large to round exactly", big))
        bad = _or(bad, self._guard(np.asarray(a.p, dtype=float) * scale))
        n = np.asarray(a.p) * scale
        if bad is not None:
            n = np.where(bad, 0, n)
            if not isinstance(q, int):
                q = np.where(bad, 1, q)
        fl = n // q
        rem = n - fl * q
        up = (
            _ROUND_UP[mode](n, fl, rem, q)
            if mode != ROUND_FLOOR
            else np.zeros(np.shape(n), dtype=bool)
        )
        return Num(np.broadcast_to(fl + up, (self.n,)), scale, bad)


def _half(rem: Any, q: Any, tie: Any) -> Any:
    twice = 2 * rem
    return (twice > q) | ((twice == q) & tie)


_ROUND_UP: dict[str, Any] = {
    # whether floor(n / q) moves up one, for each decimal rounding mode (rem = n - floor*q ≥ 0);
    # ROUND_FLOOR never does
    ROUND_HALF_UP: lambda n, _fl, rem, q: _half(rem, q, n > 0),
    ROUND_HALF_DOWN: lambda n, _fl, rem, q: _half(rem, q, n < 0),
    ROUND_HALF_EVEN: lambda _n, fl, rem, q: _half(rem, q, (fl % 2) == 1),
    ROUND_UP: lambda n, _fl, rem, _q: (rem > 0) & (n > 0),
    ROUND_DOWN: lambda n, _fl, rem, _q: (rem > 0) & (n < 0),
    ROUND_CEILING: lambda _n, _fl, rem, _q: rem > 0,
}


def snapped_keys(a: Num) -> tuple[Any, ...]:
    """Sort keys equal to `arith.snap` of each row's value: (integer part, the 20 places in
    three int64 digit groups), computed by long division in int64. Rows with q ≥ 10^9 are
    not handled here (the caller falls back to Decimal ranking)."""
    p = np.asarray(a.p)
    q = np.broadcast_to(np.asarray(a.q), p.shape)
    whole = p // q
    rem = p - whole * q
    groups = []
    for digits in (9, 9):
        rem = rem * 10**digits
        groups.append(rem // q)
        rem = rem - groups[-1] * q
    rem = rem * 100
    last = rem // q
    rem = rem - last * q
    twice = 2 * rem
    up = (twice > q) | ((twice == q) & (last % 2 == 1))
    last = last + up
    # carry a rounded-up 100 into the groups above
    carry = last // 100
    last = last - carry * 100
    g2 = groups[1] + carry
    carry = g2 // 10**9
    g2 = g2 - carry * 10**9
    g1 = groups[0] + carry
    carry = g1 // 10**9
    g1 = g1 - carry * 10**9
    return whole + carry, g1, g2, last


def to_decimal(a: Num, row: int) -> Decimal:
    """One row's exact value as a Decimal: the integer scaled when q is a power of ten (so a
    rounded score keeps its places), else the quotient in rulebook's decimal context."""
    from rulebook.arith import CONTEXT

    p = int(np.asarray(a.p).flat[0] if np.ndim(a.p) == 0 else a.p[row])
    q = a.q if isinstance(a.q, int) else int(a.q[row])
    places = _power_of_ten(q)
    if places is not None:
        return Decimal(p).scaleb(-places)
    return CONTEXT.divide(Decimal(p), Decimal(q))


def _power_of_ten(q: int) -> int | None:
    text = str(q)
    if text[0] == "1" and text.count("0") == len(text) - 1:
        return len(text) - 1
    return None
