"""The exact-decimal arithmetic every evaluation runs in, and the declared rounding rule.

All arithmetic uses one `decimal` context: 50 significant digits, with overflow, division by zero
and invalid operations trapped (so a hostile `10 ** 100 ** ...` fails at once instead of
allocating). Before a score is rounded to its places it is first snapped to 20 places, so a value
that is exactly on a rounding boundary in rational arithmetic (75 × 4 / 4.8 = 62.5) is not pushed
below it by the last digit of a division.

Numbers have a ceiling (`NUMBER_LIMITS`): a number written in a scheme or in data may have at
most `MAX_DIGITS` significant digits and a magnitude below 10^`MAX_EXPONENT`, and any value
computed during scoring must stay below 10^`MAX_COMPUTED_EXPONENT` (beyond it the context traps
`Overflow`, reported as a located evaluation error). Below the ceiling every value digests,
renders and prints; above it nothing is computed with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)
from itertools import compress, repeat
from operator import gt

PRECISION = 50
SNAP_PLACES = 20
SNAP_QUANTUM = Decimal(1).scaleb(-SNAP_PLACES)

MAX_DIGITS = 30
"""`max_digits`: significant digits a number written in a scheme or in data may have."""
MAX_EXPONENT = 24
"""`max_magnitude`: a number written in a scheme or in data must be below 10^24 in size."""
MAX_COMPUTED_EXPONENT = 40
"""`max_computed_magnitude`: a value computed while scoring must stay below 10^40."""
HARD_MAX_DIGITS = 40
"""The most a scheme may raise `max_digits` to: 10 of the context's 50 digits stay as headroom
for products and quotients."""
HARD_MAX_EXPONENT = 35
"""The most a scheme may raise `max_magnitude` to (10^35): sums of thousands of such values still
stay below the computed ceiling 10^40."""


@dataclass(frozen=True)
class NumberLimits:
    """The ceiling on written numbers in force for one scheme: the defaults, or the scheme's
    `scheme: limits:` (at most HARD_MAX_DIGITS and 10^HARD_MAX_EXPONENT)."""

    max_digits: int = MAX_DIGITS
    max_exponent: int = MAX_EXPONENT
    """A number's magnitude must be below 10^max_exponent (`max_magnitude`)."""


DEFAULT_LIMITS = NumberLimits()

NUMBER_LIMITS = {
    "max_digits": MAX_DIGITS,
    "max_magnitude": f"1e{MAX_EXPONENT}",
    "max_computed_magnitude": f"1e{MAX_COMPUTED_EXPONENT}",
}

CONTEXT = Context(
    prec=PRECISION,
    rounding=ROUND_HALF_EVEN,
    Emax=MAX_COMPUTED_EXPONENT - 1,
    Emin=-99_999,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)
_WIDE = Context(
    prec=PRECISION + SNAP_PLACES + MAX_COMPUTED_EXPONENT,
    rounding=ROUND_HALF_EVEN,
    Emax=99_999,
    Emin=-999_999,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)
"""Enough digits to quantize any value below the ceiling to 20 places without InvalidOperation."""


def number_problem(x: Decimal, limits: NumberLimits = DEFAULT_LIMITS) -> str | None:
    """Why a number written in a scheme or in data is refused (not finite, too many digits, too
    large), naming the limit; None when it is within the ceiling `limits`."""
    if not x.is_finite():
        return "not a finite number"
    if x.is_zero():
        return None
    if x.adjusted() >= limits.max_exponent:
        return f"too large: the limit `max_magnitude` is 10^{limits.max_exponent}"
    digits = len("".join(map(str, x.as_tuple().digits)).rstrip("0"))
    if digits > limits.max_digits:
        return (
            f"{digits} significant digits is more than the limit `max_digits` ({limits.max_digits})"
        )
    return None


def snap(x: Decimal) -> Decimal:
    """`x` rounded (half-even) to 20 places: removes division noise below any score's places."""
    if not x.is_finite():
        return x
    return x.quantize(SNAP_QUANTUM, ROUND_HALF_EVEN, _WIDE)


def round_score(x: Decimal, quantum: Decimal, mode: str) -> Decimal:
    """The declared rounding: snap, then round to `quantum` by `mode`; never returns -0."""
    result = snap(x).quantize(quantum, mode, _WIDE)
    return result.copy_abs() if result.is_zero() else result


def canonical(x: Decimal) -> str:
    """A stable text form of an exact value: plain notation, no exponent, no trailing zeros
    beyond what the value needs (used for unrounded values such as per-period intermediates)."""
    if x.is_zero():
        return "0"
    if not x.is_finite():
        return str(x)
    text = str(x)
    if "E" not in text:  # plain already: at most 20 places needs no snap, only its zeros cut
        point = text.find(".")
        if point < 0:
            return text
        if len(text) - point - 1 <= SNAP_PLACES:
            return text.rstrip("0").rstrip(".")
    return format(snap(x).normalize(_WIDE), "f")


def canonical_joined(text: str) -> list[str] | None:
    """`canonical` of each decimal in `text` — decimals' `str`s joined by commas — worked out
    on the text in C-level passes over all of them: trailing zeros after the point cut, then a
    bare point, then a zero's sign; only the few texts of more than 20 places (which
    `canonical` snaps) are made decimals. `canonical` depends only on the number, so cutting
    zeros first changes nothing. None if a text is not in plain notation (an exponent, NaN,
    infinity): those are left to `canonical` itself."""
    if not _PLAIN_NOTATION.fullmatch(text):
        return None
    text = _SIGNED_ZERO.sub("0", _ZERO_FRACTION.sub("", _TRAILING_ZEROS.sub(r"\1", text)))
    items = text.split(",")
    for at in list(compress(range(len(items)), map(gt, map(len, items), repeat(_SHORT)))):
        items[at] = canonical(Decimal(items[at]))
    return items


_PLAIN_NOTATION = re.compile(r"(?:-?\d+(?:\.\d+)?,)*-?\d+(?:\.\d+)?")
"""Comma-joined decimal texts without exponent (nor NaN, nor infinity)."""
_TRAILING_ZEROS = re.compile(r"(\.\d*?[1-9])0+(?=,|\Z)")
_ZERO_FRACTION = re.compile(r"\.0+(?=,|\Z)")
_SIGNED_ZERO = re.compile(r"(?<![^,])-0(?=,|\Z)")
_SHORT = SNAP_PLACES + 1
"""Texts up to this long have at most 20 places after the point: `canonical` leaves them as
they are once their trailing zeros are cut."""


def canonicaliser(limit: int | None = None) -> Callable[[object], object]:
    """The canonical form a digest hashes: mappings with text keys, lists, booleans and None
    as they are, numbers as `#` + their canonical text (so 70 and 70.0 agree), anything else as
    text. Equal numbers' text is worked out once; `limit` bounds how many are remembered."""
    seen: dict[Decimal, str] = {}

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
                text = "#" + canonical(number)
                if limit is None or len(seen) < limit:
                    seen[number] = text
            return text
        return str(value)

    return canon


def digest(data: object) -> str:
    """sha256 of a canonical JSON form of plain data (decimals normalised, numbers tagged), so
    formatting -- comments, quoting, flow or block style, 70 vs 70.0 -- does not change it."""
    import hashlib
    import json

    text = json.dumps(canonicaliser()(data), ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
