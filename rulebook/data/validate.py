"""Checking a data set: the generated fast pass first, the careful pass (every problem, located)
only when the fast one meets a value it does not plainly accept."""

from __future__ import annotations

from typing import Any

from rulebook.data.check import _Checker
from rulebook.data.dataset import DataSet, Locator
from rulebook.data.fast import fast_check
from rulebook.errors import DataError, Problem
from rulebook.scheme.model import Scheme


def checked(
    raw: Any,
    scheme: Scheme,
    source: Locator | None = None,
    extra: list[Problem] | None = None,
    quiet: set[tuple[str, str]] | None = None,
) -> tuple[DataSet, list[Problem]]:
    """The checked data and every problem found (none when the data is valid). `extra` are a
    reader's own problems; when there are some the careful pass runs to add the rest, except
    "missing" for the (unit or "*", indicator) pairs in `quiet`, which the reader reported."""
    file = source.file if source is not None else "<data>"
    if not extra:
        units = fast_check(raw, scheme)
        if units is not None:
            return DataSet(units, file), []
    checker = _Checker(scheme, source, quiet or set())
    data = checker.run(raw)
    return data, [*(extra or []), *checker.problems]


def check_plain(raw: Any, scheme: Scheme, source: Locator | None = None) -> DataSet:
    """Plain data (`{"units": {name: {indicator: value}}}`) checked; DataError lists every
    problem."""
    data, problems = checked(raw, scheme, source)
    if problems:
        raise DataError(problems)
    return data
