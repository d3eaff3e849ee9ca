"""Checking units one at a time, as a reader produces them, so that a large file's raw form
(row texts, parsed JSON objects) never has to be held whole next to its checked form.

Each unit goes through the generated fast check (`rulebook.data.fast`) at once; only the units
it does not plainly accept are kept raw, for the careful pass (`rulebook.data.check`) to report
every problem with its location when the reader is done. The careful pass finds nothing in a
unit the fast pass accepts (the two accept exactly the same values), so checking only the kept
units reports the same problems, in the same order, as checking the whole data set.
"""

from __future__ import annotations

from typing import Any

from rulebook.data.check import _Checker
from rulebook.data.dataset import DataSet, Locator, UnitData
from rulebook.data.fast import compile_unit_check
from rulebook.errors import DataError, Problem
from rulebook.scheme.model import Scheme


class UnitStream:
    """Units checked as they come (`add`); `finish` gives the DataSet or raises DataError."""

    def __init__(self, scheme: Scheme) -> None:
        self.scheme = scheme
        self.check = compile_unit_check(scheme)
        self.units: list[UnitData | None] = []
        """Checked units in the order given; None where the fast check refused the unit."""
        self.refused: dict[str, tuple[int, Any]] = {}
        """Name -> (its place in `units`, its raw values), for the careful pass."""

    def __len__(self) -> int:
        return len(self.units)

    def add(self, name: str, values: Any) -> bool:
        """Check one unit's raw values (a mapping of indicator -> value); False when the fast
        check did not accept them (they are then kept for the careful pass)."""
        check = self.check
        if check is not None and type(values) is dict:
            try:
                checked = check(values)
            except (ArithmeticError, TypeError, ValueError):  # NaN compared, unhashable key...
                checked = None
            if checked is not None:
                self.units.append(UnitData(name, checked))
                return True
        self.refused[name] = (len(self.units), values)
        self.units.append(None)
        return False

    def finish(
        self,
        file: str,
        source: Locator | None = None,
        extra: list[Problem] | None = None,
        quiet: set[tuple[str, str]] | None = None,
    ) -> DataSet:
        """The checked data set; DataError with the reader's own problems (`extra`) and then
        every problem of the refused units, each located by `source`. `quiet` are (unit or "*",
        indicator) pairs the reader already reported missing (see `validate.checked`)."""
        problems = list(extra or [])
        if self.refused or problems:
            checker = _Checker(self.scheme, source, quiet or set())
            for name, (place, values) in self.refused.items():
                self.units[place] = checker.unit(name, values, ("units", name))
            problems += checker.problems
        if problems:
            raise DataError(problems)
        return DataSet(tuple(u for u in self.units if u is not None), file)
