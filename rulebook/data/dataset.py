"""Checked data as values: one unit's inputs, a data set, and how a reader says where a value
was written (only asked when a problem has to be reported)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Protocol

import attrs

from rulebook.arith import digest
from rulebook.errors import Problem
from rulebook.scheme.loader import Path_

InputValue = Decimal | bool | str


class Locator(Protocol):
    """Where a key path of the data was written; each reader supplies one (a YAML source map,
    a spreadsheet's cells). Only asked when a problem has to be reported."""

    file: str

    def problem(
        self, path: Path_, message: str, hint: str | None = None, *, key: bool = False
    ) -> Problem: ...


@attrs.frozen
class UnitData:
    """One unit's checked inputs: indicator -> value, or per-period indicator -> period -> value."""

    name: str
    values: Mapping[str, InputValue | Mapping[str, InputValue]]


@attrs.frozen
class DataSet:
    """Checked data for many units, in the order the file lists them."""

    units: tuple[UnitData, ...]
    file: str = "<data>"

    @property
    def digest(self) -> str:
        """A digest of the checked values (not the file's formatting), for the run manifest."""
        return digest({"units": [[u.name, dict(u.values)] for u in self.units]})
