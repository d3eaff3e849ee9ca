"""Cell text shared by the row-shaped renderings (CSV, the table)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rulebook.arith import canonical


def text(value: Any) -> str:
    """A cell as text: exact decimals in plain notation, booleans lower-case, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        return (
            format(value, "f")
            if isinstance(exponent, int) and exponent < 0 and -exponent <= 10
            else canonical(value)
        )
    return str(value)
