"""Indicator data: check every value against the scheme, collect all problems.

Nothing is scored until the whole data set is valid: each problem names the position (file
line:col, or a spreadsheet row and column), the unit, the indicator and (for per-period values)
the period. Values outside their declared domain are errors, never clamped.

Checking runs twice only when it has to: a fast pass (`rulebook.data.fast`, straight-line code
generated per scheme) accepts valid data; the first value it does not accept sends the whole data
set through the careful pass here, which collects every problem and asks the reader's locator
where each one was written.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Protocol

import attrs

from rulebook.arith import digest
from rulebook.data.values import exact_number, plain_bool
from rulebook.errors import DataError, Problem, did_you_mean
from rulebook.scheme.loader import Path_
from rulebook.scheme.model import Indicator, Scheme

InputValue = Decimal | bool | str


class Locator(Protocol):
    """Where a key path of the data was written; each reader supplies one (a YAML source map,
    a spreadsheet's cells). Only asked when a problem has to be reported."""

    file: str

    def problem(self, path: Path_, message: str, hint: str | None = None, *,
                key: bool = False) -> Problem: ...


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


def read_data(source: Any, scheme: Scheme, *, format: str | None = None,
              encoding: str | None = None) -> DataSet:
    """Read and check data for `scheme` from a path (.yaml/.yml/.json/.csv/.xlsx), a binary or
    text stream, a pandas DataFrame or a dict of columns; `format` overrides the file's
    extension, `encoding` a CSV's detected encoding. Raises DataError listing every problem."""
    from rulebook.data.read import read

    return read(source, scheme, format=format, encoding=encoding)


def parse_data(text: str, scheme: Scheme, file: str = "<data>") -> DataSet:
    """Like read_data, from YAML or JSON text; `file` names it in messages."""
    from rulebook.data.documents import parse_document

    raw, locator = parse_document(text, file)
    return check_data(raw, scheme, locator)


def check_data(raw: Any, scheme: Scheme, source: Locator | None = None) -> DataSet:
    """Check plain data (`{"units": {name: {indicator: value}}}`) against the scheme.

    Numbers may be `Decimal`, `int`, or a binary float (also numpy's), which is taken exactly
    from its shortest repr: 92.5 -> Decimal("92.5"), 0.1 -> Decimal("0.1"). A pandas DataFrame
    or a dict of columns is read as a table (see rulebook.data.frame)."""
    from rulebook.data.frame import is_columns, is_dataframe, read_columns, read_frame

    if is_dataframe(raw):
        return read_frame(raw, scheme)
    if is_columns(raw):
        return read_columns(raw, scheme)
    data, problems = checked(raw, scheme, source)
    if problems:
        raise DataError(problems)
    return data


def checked(raw: Any, scheme: Scheme, source: Locator | None = None,
            extra: list[Problem] | None = None, quiet: set[tuple[str, str]] | None = None
            ) -> tuple[DataSet, list[Problem]]:
    """The checked data and every problem found (none when the data is valid). `extra` are a
    reader's own problems; when there are some the careful pass runs to add the rest, except
    "missing" for the (unit or "*", indicator) pairs in `quiet`, which the reader reported."""
    from rulebook.data.fast import fast_check

    file = source.file if source is not None else "<data>"
    if not extra:
        units = fast_check(raw, scheme)
        if units is not None:
            return DataSet(units, file), []
    checker = _Checker(scheme, source, quiet or set())
    data = checker.run(raw)
    return data, [*(extra or []), *checker.problems]


class _Checker:
    """The careful pass: every problem, each with its location, unit, indicator and period."""

    def __init__(self, scheme: Scheme, source: Locator | None,
                 quiet: set[tuple[str, str]] | None = None) -> None:
        self.scheme, self.source, self.quiet = scheme, source, quiet or set()
        self.problems: list[Problem] = []
        self.period_ids = tuple(p.id for p in scheme.periods)

    def error(self, path: Path_, message: str, hint: str | None = None, *,
              key: bool = False) -> None:
        if self.source is None:
            self.problems.append(Problem(message, None, hint))
        else:
            self.problems.append(self.source.problem(path, message, hint, key=key))

    def run(self, raw: Any) -> DataSet:
        file = self.source.file if self.source else "<data>"
        if not isinstance(raw, dict) or "units" not in raw:
            self.error((), "data must be a mapping with a `units:` key",
                       "units:\n  village_a:\n    meetings_missed: 1")
            return DataSet((), file)
        for key in raw:
            if key != "units":
                self.error((key,), f"unknown top-level key `{key}` in data", "only `units:`",
                           key=True)
        units = raw["units"]
        if not isinstance(units, dict) or not units:
            self.error(("units",), "`units` must map each unit's name to its indicators")
            return DataSet((), file)
        out = []
        for name, values in units.items():
            out.append(self.unit(str(name), values, ("units", name)))
        return DataSet(tuple(out), file)

    def unit(self, name: str, values: Any, path: Path_) -> UnitData:
        if not isinstance(values, dict):
            self.error(path, f"unit `{name}`: expected a mapping of indicator: value, got "
                       f"{_spelled(values)}", key=True)
            return UnitData(name, {})
        indicators = self.scheme.indicators
        misspelt = set()
        for key in values:
            if key not in indicators:
                hint = did_you_mean(str(key), indicators)
                if hint:
                    misspelt.add(hint.split("`")[1])
                self.error((*path, key), f"unit `{name}`: unknown indicator `{key}`", hint,
                           key=True)
        checked: dict[str, Any] = {}
        for ind_name, ind in indicators.items():
            if ind_name not in values:
                if ind.default is not None:
                    checked[ind_name] = self.default(ind)
                elif ind_name not in misspelt and not self.quieted(name, ind_name):
                    # (a misspelling is reported as unknown)
                    self.error(path, f"unit `{name}`: missing indicator `{ind_name}`"
                               f" ({ind.label or ind.type})",
                               "every indicator without a `default` must be given", key=True)
                continue
            if isinstance(values[ind_name], dict) and self.quieted(name, ind_name):
                continue  # some periods reported missing by the reader
            checked[ind_name] = self.indicator(name, ind, values[ind_name], (*path, ind_name))
        return UnitData(name, checked)

    def quieted(self, unit: str, indicator: str) -> bool:
        return (unit, indicator) in self.quiet or ("*", indicator) in self.quiet

    def default(self, ind: Indicator) -> Any:
        value = self.scalar("(default)", ind, ind.default, (), None)
        return {p: value for p in self.period_ids} if ind.per_period else value

    def indicator(self, unit: str, ind: Indicator, raw: Any, path: Path_) -> Any:
        if not ind.per_period:
            if isinstance(raw, dict):
                self.error(path, f"unit `{unit}`, indicator `{ind.name}`: one value expected, "
                           "got a per-period mapping", "this indicator is annual")
                return None
            return self.scalar(unit, ind, raw, path, None)
        if not isinstance(raw, dict):
            self.error(path, f"unit `{unit}`, indicator `{ind.name}`: one value per period "
                       f"expected ({', '.join(self.period_ids)})",
                       "write {" + ", ".join(f"{p}: ..." for p in self.period_ids) + "}")
            return None
        out = {}
        for period in raw:
            if period not in self.period_ids:
                self.error((*path, period), f"unit `{unit}`, indicator `{ind.name}`: unknown "
                           f"period `{period}`", did_you_mean(str(period), self.period_ids)
                           or "periods: " + ", ".join(self.period_ids), key=True)
        for period in self.period_ids:
            if period not in raw:
                self.error(path, f"unit `{unit}`, indicator `{ind.name}`: missing period "
                           f"`{period}`")
                continue
            out[period] = self.scalar(unit, ind, raw[period], (*path, period), period)
        return out

    def scalar(self, unit: str, ind: Indicator, raw: Any, path: Path_,
               period: str | None) -> Any:
        kind = ind.type
        raw = plain_bool(raw)
        if kind == "bool":
            if raw is True or raw is False:
                return raw
            return self.bad(unit, ind, path, period,
                            f"expected true or false, got {_spelled(raw)}")
        if kind == "enum":
            if isinstance(raw, str) and raw in ind.values:
                return raw
            return self.bad(unit, ind, path, period,
                            f"{_spelled(raw)} is not one of {', '.join(ind.values)}",
                            did_you_mean(str(raw), ind.values))
        value = exact_number(raw)
        if not isinstance(value, Decimal | None):
            return self.bad(unit, ind, path, period, "expected a number, got nothing (a "
                            "missing value: NaN)", "give a value, or declare a `default`")
        if value is None or not value.is_finite():
            hint = "write the number without quotes" if _is_number_text(raw) else None
            return self.bad(unit, ind, path, period, f"expected a number, got {_spelled(raw)}",
                            hint)
        if kind == "count" and value != value.to_integral_value():
            self.bad(unit, ind, path, period, f"a count must be a whole number, got {value}")
        if ind.min is not None and value < ind.min:
            self.bad(unit, ind, path, period, f"{value} is below the declared minimum {ind.min}")
        if ind.max is not None and value > ind.max:
            self.bad(unit, ind, path, period, f"{value} is above the declared maximum {ind.max}")
        return value

    def bad(self, unit: str, ind: Indicator, path: Path_, period: str | None, message: str,
            hint: str | None = None) -> None:
        """Record a problem with one value, naming unit, indicator and period."""
        where = f"unit `{unit}`, indicator `{ind.name}`" + (f", period `{period}`"
                                                            if period else "")
        self.error(path, f"{where}: {message}", hint)


def _spelled(raw: Any) -> str:
    """A data value as the user wrote it in YAML: true/false, nothing, 'text', 12."""
    if raw is None:
        return "nothing (an empty value)"
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, dict):
        return "a mapping"
    if isinstance(raw, list):
        return "a list"
    text = repr(raw) if isinstance(raw, str) else str(raw)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_number_text(raw: Any) -> bool:
    try:
        return isinstance(raw, str) and len(raw) < 100 and Decimal(raw).is_finite()
    except ArithmeticError:
        return False

