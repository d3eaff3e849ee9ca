"""Numbers handed over by Python code, taken exactly.

A binary float is taken from its shortest repr, the text Python prints for it: 92.5 becomes
Decimal("92.5") and 0.1 becomes Decimal("0.1"), never 0.1000000000000000055511151231257827.
That is the number the user typed (or pandas parsed) as long as it had at most 15 significant
digits. numpy scalars are read the same way at their own precision; NaN, None-like pandas
missing values are MISSING (handled like an empty cell).
"""

from __future__ import annotations

import math
from decimal import Decimal
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


NA_MARKERS: Final = ("n/a", "不适用")
"""Data that marks an indicator not applicable to a unit: `n/a` (any letter case, e.g. `N/A`)
or `不适用`, as a YAML/JSON string, a CSV or xlsx cell, or a pandas cell (surrounding spaces
ignored). NaN and empty cells stay *missing* (the indicator's default applies)."""


def is_na_marker(raw: Any) -> bool:
    """Whether `raw` is a not-applicable marker (`NA_MARKERS`)."""
    return isinstance(raw, str) and raw.strip().lower() in NA_MARKERS
