"""Numbers handed over by Python code, taken exactly.

A binary float is taken from its shortest repr, the text Python prints for it: 92.5 becomes
Decimal("92.5") and 0.1 becomes Decimal("0.1"), never 0.1000000000000000055511151231257827.
That is the number the user typed (or pandas parsed) as long as it had at most 15 significant
digits. numpy scalars are read the same way at their own precision; NaN, None-like pandas
missing values are MISSING (handled like an empty cell). Durations (`4:36.11`) are read here
too: exact seconds from their text, or from a spreadsheet's or pandas' time value.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Final


class _Missing:
    """The marker for a missing value (NaN, pandas NA): the indicator's default applies."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


def exact_number(raw: Any) -> Decimal | _Missing | None:
    """`raw` as an exact Decimal; MISSING for NaN / pandas NA; None when it is not a number."""
    kind = type(raw)
    if kind is Decimal:
        return raw  # type: ignore[no-any-return]
    if kind is int:
        return Decimal(raw)
    if kind is float:
        return _from_float(raw)
    if kind is bool or raw is None or isinstance(raw, str):
        return None
    module = kind.__module__
    if module == "numpy":
        name = kind.__name__
        if name.startswith(("int", "uint")):
            return Decimal(int(raw))
        if name.startswith("float"):
            if math.isnan(raw):
                return MISSING
            return Decimal(str(raw))  # numpy prints the shortest repr at its own precision
        return None
    if kind.__name__ in ("NAType", "NaTType"):
        return MISSING
    if isinstance(raw, float):
        return _from_float(float(raw))
    if isinstance(raw, int):
        return Decimal(int(raw))
    return None


def _from_float(value: float) -> Decimal | _Missing:
    if math.isnan(value):
        return MISSING
    return Decimal(repr(value))


def plain_bool(raw: Any) -> Any:
    """Numpy's bool as a Python bool; anything else unchanged."""
    kind = type(raw)
    if kind.__module__ == "numpy" and kind.__name__ in ("bool", "bool_"):
        return bool(raw)
    return raw


DURATION_FORMS = "m:ss (4:36), m:ss.xx (4:36.11), h:mm:ss (1:02:03.5) or seconds (276.11)"
"""The accepted ways to write a duration, for messages and docs."""

MAX_DURATION_TEXT = 40
"""Longest duration text parsed (a time is a few characters; a long one is refused as is)."""


def parse_duration(text: str) -> Decimal | str:
    """A written duration as exact seconds (`4:36.11` -> Decimal("276.11")); or, when it is
    not one, the reason as a message (to be located by the caller). Minutes and seconds after
    a colon must be below 60; nothing may be negative."""
    written = text.strip()
    if len(written) > MAX_DURATION_TEXT:
        return f"`{written[:20]}…` is too long for a duration"
    if written.startswith("-"):
        return f"`{written}` is negative: a duration cannot be"
    parts = written.split(":")
    if len(parts) > 3:
        return f"`{written}` has {len(parts)} parts: a duration is at most h:mm:ss"
    if not all(parts[:-1]) or not all(p.isascii() and p.isdigit() for p in parts[:-1]):
        return f"`{written}` is not a duration"
    try:
        seconds = Decimal(parts[-1]) if parts[-1].isascii() else Decimal("NaN")
    except ArithmeticError:
        return f"`{written}` is not a duration"
    if not seconds.is_finite() or seconds.is_signed() or "e" in parts[-1].lower():
        return f"`{written}` is not a duration"
    if len(parts) > 1 and seconds >= 60:
        return f"`{written}`: the seconds ({parts[-1]}) must be below 60"
    if len(parts) == 3 and int(parts[1]) >= 60:
        return f"`{written}`: the minutes ({parts[1]}) must be below 60"
    if any(len(p.split(".")[0]) != 2 for p in parts[1:]):
        return f"`{written}`: after a colon, minutes and seconds take two digits (4:05, not 4:5)"
    whole = 0
    for part in parts[:-1]:
        whole = whole * 60 + int(part)
    return whole * 60 + seconds


def duration_seconds(raw: Any) -> Decimal | _Missing | None:
    """A spreadsheet's or pandas' time value as exact seconds: a `timedelta` (pandas'
    `Timedelta` to the nanosecond; others to the millisecond, the most a spreadsheet shows,
    which removes the binary noise of Excel's fraction-of-a-day) or a `time` of day (an
    `h:mm:ss` cell); MISSING for pandas' NaT; None when `raw` is neither."""
    kind = type(raw).__name__
    if kind == "NaTType":
        return MISSING
    if isinstance(raw, dt.timedelta):
        nanos = getattr(raw, "value", None)
        if kind == "Timedelta" and isinstance(nanos, int):
            return Decimal(nanos).scaleb(-9).normalize() + 0
        micros = (raw.days * 86_400 + raw.seconds) * 1_000_000 + raw.microseconds
        return _to_millisecond(micros)
    if isinstance(raw, dt.time):
        micros = ((raw.hour * 60 + raw.minute) * 60 + raw.second) * 1_000_000 + raw.microsecond
        return _to_millisecond(micros)
    return None


def _to_millisecond(micros: int) -> Decimal:
    exact = Decimal(micros).scaleb(-6)
    return exact.quantize(Decimal("0.001"), ROUND_HALF_EVEN).normalize() + 0


def duration_text(seconds: Decimal) -> str:
    """Seconds written as a duration: `m:ss` with the seconds' own decimals (276.11 ->
    `4:36.11`), `h:mm:ss` from an hour up; below a minute, `0:ss`."""
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    whole = int(seconds)
    fraction = seconds - whole
    tail = str(fraction.normalize())[1:] if fraction else ""  # `.11`
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{secs:02d}{tail}"
    return f"{sign}{minutes}:{secs:02d}{tail}"


NA_MARKERS: Final = ("n/a", "不适用")
"""Data that marks an indicator not applicable to a unit: `n/a` (any letter case, e.g. `N/A`)
or `不适用`, as a YAML/JSON string, a CSV or xlsx cell, or a pandas cell (surrounding spaces
ignored). NaN and empty cells stay *missing* (the indicator's default applies)."""


def is_na_marker(raw: Any) -> bool:
    """Whether `raw` is a not-applicable marker (`NA_MARKERS`)."""
    return isinstance(raw, str) and raw.strip().lower() in NA_MARKERS
