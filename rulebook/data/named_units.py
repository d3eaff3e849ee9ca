"""Unit names a scheme (or a params file) gives values to that the data does not contain.

A `by_unit` entry for a unit absent from the data set is never used: a misspelt unit name
(`平塘村` for `平塘村委会`) would silently give that unit the default value instead. Scoring
therefore reports each such entry as a warning, located at the parameter, with the units the data
does have. It is a warning, not an error: scoring a subset of the units is legitimate.
"""

from __future__ import annotations

from rulebook.data.dataset import DataSet
from rulebook.errors import Problem, did_you_mean
from rulebook.scheme.model import Scheme


def absent_units(scheme: Scheme, data: DataSet) -> list[Problem]:
    """One warning per `by_unit` name (of any parameter) that is not a unit of `data`, in the
    parameters' declared order, then the names' order."""
    present = [u.name for u in data.units]
    known = set(present)
    problems: list[Problem] = []
    for param in scheme.parameters.values():
        for unit in param.by_unit:
            if unit in known:
                continue
            guess = did_you_mean(unit, present)
            hint = "correct the name in `by_unit`, or ignore this if that unit was left out"
            if guess:
                hint = f"{guess} {hint}"
            where = "the run-time parameters" if param.supplied else "the scheme"
            problems.append(
                Problem(
                    f"parameter `{param.name}` in {where} gives unit `{unit}` its own value, "
                    f"but {data.file} has no unit `{unit}`: the value is not used",
                    param.location,
                    hint,
                    severity="warning",
                )
            )
    return problems
