"""Hypothesis strategies built from a scheme: whole data sets within the declared domains.

This is the only rulebook module that imports hypothesis (a development dependency).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from rulebook.model import Indicator, Scheme

DEFAULT_SPAN = 50
"""Width of the drawn range for an indicator that declares no maximum."""


def indicator_values(indicator: Indicator, *, places: int = 3) -> st.SearchStrategy[Any]:
    """Values inside one indicator's declared domain (one value, not per period)."""
    if indicator.type == "bool":
        return st.booleans()
    if indicator.type == "enum":
        return st.sampled_from(indicator.values)
    low = indicator.min if indicator.min is not None else Decimal(-DEFAULT_SPAN)
    high = indicator.max if indicator.max is not None else low + DEFAULT_SPAN
    if indicator.type == "count":
        return st.integers(int(low), int(high))
    return st.decimals(min_value=low, max_value=high, places=places,
                       allow_nan=False, allow_infinity=False)


def from_scheme(scheme: Scheme, *, units: int | tuple[int, int] = (1, 8),
                overrides: Mapping[str, st.SearchStrategy[Any]] | None = None
                ) -> st.SearchStrategy[dict[str, Any]]:
    """Data sets `{"units": {name: {indicator: value}}}` valid for `scheme`.

    `units` is a count or a (min, max) range; `overrides` replaces the strategy of any indicator
    (for a per-period indicator, the strategy of one period's value)."""
    overrides = dict(overrides or {})
    unknown = set(overrides) - set(scheme.indicators)
    if unknown:
        raise ValueError(f"overrides name unknown indicators: {', '.join(sorted(unknown))}")
    low, high = (units, units) if isinstance(units, int) else units
    if not 1 <= low <= high:
        raise ValueError(f"units must be at least 1 (got {units!r})")
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for name, indicator in scheme.indicators.items():
        one = overrides[name] if name in overrides else indicator_values(indicator)
        if indicator.per_period:
            fields[name] = st.fixed_dictionaries({p.id: one for p in scheme.periods})
        else:
            fields[name] = one
    unit = st.fixed_dictionaries(fields)
    return st.lists(unit, min_size=low, max_size=high).map(
        lambda rows: {"units": {f"u{i + 1}": row for i, row in enumerate(rows)}})
