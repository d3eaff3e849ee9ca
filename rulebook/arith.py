"""The exact-decimal arithmetic every evaluation runs in, and the declared rounding rule.

All arithmetic uses one `decimal` context: 50 significant digits, with overflow, division by zero
and invalid operations trapped (so a hostile `10 ** 100 ** ...` fails at once instead of
allocating). Before a score is rounded to its places it is first snapped to 20 places, so a value
that is exactly on a rounding boundary in rational arithmetic (75 × 4 / 4.8 = 62.5) is not pushed
below it by the last digit of a division.
"""

from __future__ import annotations

from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)

PRECISION = 50
SNAP_PLACES = 20
SNAP_QUANTUM = Decimal(1).scaleb(-SNAP_PLACES)

CONTEXT = Context(prec=PRECISION, rounding=ROUND_HALF_EVEN, Emax=99_999, Emin=-99_999,
                  traps=[InvalidOperation, DivisionByZero, Overflow])


def snap(x: Decimal) -> Decimal:
    """`x` rounded (half-even) to 20 places: removes division noise below any score's places."""
    return x.quantize(SNAP_QUANTUM, ROUND_HALF_EVEN, CONTEXT)


def round_score(x: Decimal, quantum: Decimal, mode: str) -> Decimal:
    """The declared rounding: snap, then round to `quantum` by `mode`; never returns -0."""
    result = x.quantize(SNAP_QUANTUM, ROUND_HALF_EVEN, CONTEXT).quantize(quantum, mode, CONTEXT)
    return result.copy_abs() if result.is_zero() else result


def canonical(x: Decimal) -> str:
    """A stable text form of an exact value: plain notation, no exponent, no trailing zeros
    beyond what the value needs (used for unrounded values such as per-period intermediates)."""
    if x.is_zero():
        return "0"
    return format(snap(x).normalize(CONTEXT), "f")


def digest(data: object) -> str:
    """sha256 of a canonical JSON form of plain data (decimals normalised, numbers tagged), so
    formatting -- comments, quoting, flow or block style, 70 vs 70.0 -- does not change it."""
    import hashlib
    import json

    seen: dict[Decimal, str] = {}  # equal numbers have one canonical text: work it out once

    def canon(value: object) -> object:
        if isinstance(value, dict):
            return {str(k): canon(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [canon(v) for v in value]
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, int | Decimal):
            number = Decimal(value)
            text = seen.get(number)
            if text is None:
                text = seen[number] = "#" + canonical(number)
            return text
        return str(value)

    text = json.dumps(canon(data), ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
