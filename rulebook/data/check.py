"""The careful pass over indicator data: check every value against the scheme, collect all
problems.

Nothing is scored until the whole data set is valid: each problem names the position (file
line:col, or a spreadsheet row and column), the unit, the indicator and (for per-period values)
the period. Values outside their declared domain are errors, never clamped.

Checking runs twice only when it has to: a fast pass (`rulebook.data.fast`, straight-line code
generated per scheme) accepts valid data; the first value it does not accept sends the whole data
set through the careful pass here, which collects every problem and asks the reader's locator
where each one was written.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rulebook.arith import NumberLimits, number_problem
from rulebook.data.dataset import DataSet, Locator, UnitData
from rulebook.data.values import (
    DURATION_FORMS,
    duration_seconds,
    duration_text,
    exact_number,
    is_na_marker,
    parse_duration,
    plain_bool,
)
from rulebook.engine.semantics import NA
from rulebook.errors import Problem, did_you_mean
from rulebook.expr.slips import plain_number
from rulebook.scheme.loader import Path_
from rulebook.scheme.model import Indicator, Scheme

_REPORTED: Any = object()
"""A value whose problem is already recorded (it is not checked further)."""


class _ValueChecker:
    """The rules for one value of one indicator (type, ceiling, declared domain), with each
    problem recorded at its path; shared by the data check and the scheme's `default` check."""

    def __init__(self, source: Locator | None, limits: NumberLimits) -> None:
        self.source, self.limits = source, limits
        self.problems: list[Problem] = []

    def error(
        self, path: Path_, message: str, hint: str | None = None, *, key: bool = False
    ) -> None:
        if self.source is None:
            self.problems.append(Problem(message, None, hint))
        else:
            self.problems.append(self.source.problem(path, message, hint, key=key))

    def written(self, path: Path_) -> str | None:
        """The value at `path` as written in the file, when the reader can tell."""
        written = getattr(self.source, "written", None)
        return written(path) if callable(written) and path else None

    def scalar(self, unit: str, ind: Indicator, raw: Any, path: Path_, period: str | None) -> Any:
        kind = ind.type
        raw = plain_bool(raw)
        if is_na_marker(raw) and raw not in ind.values:
            return self.not_applicable(unit, ind, raw, path, period)
        if kind == "bool":
            if raw is True or raw is False:
                return raw
            return self.bad(unit, ind, path, period, f"expected true or false, got {_spelled(raw)}")
        if kind == "enum":
            if isinstance(raw, str) and raw in ind.values:
                return raw
            written = self.written(path)
            if isinstance(raw, bool) and written and written.lower() != str(raw).lower():
                return self.bad(
                    unit,
                    ind,
                    path,
                    period,
                    f"YAML reads an unquoted `{written}` as {str(raw).lower()}: quote it",
                    f'write "{written}" (in quotes); values: {", ".join(ind.values)}',
                )
            return self.bad(
                unit,
                ind,
                path,
                period,
                f"{_spelled(raw)} is not one of {', '.join(ind.values)}",
                did_you_mean(str(raw), ind.values),
            )
        if kind == "duration":
            raw = self.duration(unit, ind, raw, path, period)
            if raw is _REPORTED:
                return None
        value = exact_number(raw)
        if not isinstance(value, Decimal | None):
            return self.bad(
                unit,
                ind,
                path,
                period,
                "expected a number, got nothing (a missing value: NaN)",
                "give a value, or declare a `default`",
            )
        if (value is not None and not value.is_finite()) or _non_finite_text(raw):
            shown = self.written(path) or _spelled(raw)
            return self.bad(
                unit,
                ind,
                path,
                period,
                f"expected a number, got "
                f"`{shown.strip(chr(39))}`, which is not a finite number "
                "(not-a-number or infinity)",
                "write an ordinary decimal such as 72.5; for an unknown value declare a `default`",
            )
        if value is None and isinstance(raw, str) and plain_number(raw):
            return self.bad(
                unit, ind, path, period, f"{_spelled(raw)} is not a number: {plain_number(raw)}"
            )
        if value is None:
            hint = "write the number without quotes" if _is_number_text(raw) else None
            if isinstance(raw, str) and ":" in raw and isinstance(parse_duration(raw), Decimal):
                hint = "a time such as 4:36.11 needs an indicator declared `type: duration`"
            return self.bad(
                unit, ind, path, period, f"expected a number, got {_spelled(raw)}", hint
            )
        beyond = number_problem(value, self.limits)
        if beyond is not None:
            return self.bad(
                unit,
                ind,
                path,
                period,
                f"{_short(raw)}: {beyond}",
                "numbers in data are limited so that scoring stays fast and exact; "
                "the scheme may raise the ceiling with `scheme: limits:` "
                "(docs/security.md)",
            )
        if kind == "count" and value != value.to_integral_value():
            self.bad(unit, ind, path, period, f"a count must be a whole number, got {value}")
        shown, low, high = (
            (_timed(value), _timed(ind.min), _timed(ind.max))
            if kind == "duration"
            else (str(value), str(ind.min), str(ind.max))
        )
        if ind.min is not None and value < ind.min:
            self.bad(unit, ind, path, period, f"{shown} is below the declared minimum {low}")
        if ind.max is not None and value > ind.max:
            self.bad(unit, ind, path, period, f"{shown} is above the declared maximum {high}")
        return value

    def duration(self, unit: str, ind: Indicator, raw: Any, path: Path_, period: str | None) -> Any:
        """A duration's value as seconds: text (`4:36.11`) or a time value parsed, anything else
        kept for the number checks; _REPORTED when it is text or a number no duration can be."""
        if isinstance(raw, str):
            seconds = parse_duration(raw)
            if isinstance(seconds, str):
                self.bad(unit, ind, path, period, seconds, f"write {DURATION_FORMS}")
                return _REPORTED
            return seconds
        timed = duration_seconds(raw)
        if isinstance(timed, Decimal):
            return timed
        number = exact_number(raw)
        if isinstance(number, Decimal) and number < 0:
            self.bad(
                unit,
                ind,
                path,
                period,
                f"{number} is negative: a duration cannot be",
                f"write {DURATION_FORMS}",
            )
            return _REPORTED
        return raw

    def not_applicable(
        self, unit: str, ind: Indicator, raw: str, path: Path_, period: str | None
    ) -> Any:
        """The marker `n/a` / `不适用`: NA for an indicator declared `na: allowed`, else an
        error that says how to allow it."""
        if ind.na_allowed:
            return NA
        return self.bad(
            unit,
            ind,
            path,
            period,
            f"`{raw.strip()}` marks the indicator not applicable, but `{ind.name}` does not "
            "declare that it may be",
            f"give a value, or declare `na: allowed` on indicator `{ind.name}` in the scheme "
            "(and a `not_applicable:` rule on the groups above what reads it)",
        )

    def bad(
        self,
        unit: str,
        ind: Indicator,
        path: Path_,
        period: str | None,
        message: str,
        hint: str | None = None,
    ) -> None:
        """Record a problem with one value, naming unit, indicator and period."""
        where = f"unit `{unit}`, indicator `{ind.name}`" + (
            f", period `{period}`" if period else ""
        )
        if unit == "(default)":
            where = f"the `default` of indicator `{ind.name}`"
        self.error(path, f"{where}: {message}", hint)


class _Checker(_ValueChecker):
    """The careful pass: every problem, each with its location, unit, indicator and period."""

    def __init__(
        self, scheme: Scheme, source: Locator | None, quiet: set[tuple[str, str]] | None = None
    ) -> None:
        super().__init__(source, scheme.limits)
        self.scheme, self.quiet = scheme, quiet or set()
        self.period_ids = tuple(p.id for p in scheme.periods)

    def run(self, raw: Any) -> DataSet:
        file = self.source.file if self.source else "<data>"
        if not isinstance(raw, dict) or "units" not in raw:
            self.error(
                (),
                "data must be a mapping with a `units:` key",
                "units:\n  village_a:\n    meetings_missed: 1",
            )
            return DataSet((), file)
        for key in raw:
            if key != "units":
                self.error(
                    (key,), f"unknown top-level key `{key}` in data", "only `units:`", key=True
                )
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
            self.error(
                path,
                f"unit `{name}`: expected a mapping of indicator: value, got {_spelled(values)}",
                key=True,
            )
            return UnitData(name, {})
        indicators = self.scheme.indicators
        misspelt = set()
        for key in values:
            if key not in indicators:
                hint = did_you_mean(str(key), indicators)
                if hint:
                    misspelt.add(hint.split("`")[1])
                self.error(
                    (*path, key), f"unit `{name}`: unknown indicator `{key}`", hint, key=True
                )
        checked: dict[str, Any] = {}
        for ind_name, ind in indicators.items():
            if ind_name not in values:
                if ind.default is not None:
                    checked[ind_name] = self.default(ind)
                elif ind_name not in misspelt and not self.quieted(name, ind_name):
                    # (a misspelling is reported as unknown)
                    self.error(
                        path,
                        f"unit `{name}`: missing indicator `{ind_name}` ({ind.label or ind.type})",
                        "every indicator without a `default` must be given",
                        key=True,
                    )
                continue
            value = self.indicator(
                name,
                ind,
                values[ind_name],
                (*path, ind_name),
                # some periods reported missing by the reader: check the others, not again those
                quiet=isinstance(values[ind_name], dict) and self.quieted(name, ind_name),
            )
            checked[ind_name] = value
        return UnitData(name, checked)

    def quieted(self, unit: str, indicator: str) -> bool:
        return (unit, indicator) in self.quiet or ("*", indicator) in self.quiet

    def default(self, ind: Indicator) -> Any:
        value = self.scalar("(default)", ind, ind.default, (), None)
        return dict.fromkeys(self.period_ids, value) if ind.per_period else value

    def indicator(
        self, unit: str, ind: Indicator, raw: Any, path: Path_, *, quiet: bool = False
    ) -> Any:
        if not ind.per_period:
            if isinstance(raw, dict):
                self.error(
                    path,
                    f"unit `{unit}`, indicator `{ind.name}`: one value expected, "
                    "got a per-period mapping",
                    "this indicator is annual",
                )
                return None
            return self.scalar(unit, ind, raw, path, None)
        if is_na_marker(raw):  # the whole indicator, every period
            value = self.scalar(unit, ind, raw, path, None)
            return dict.fromkeys(self.period_ids, value)
        if not isinstance(raw, dict):
            self.error(
                path,
                f"unit `{unit}`, indicator `{ind.name}`: one value per period "
                f"expected ({', '.join(self.period_ids)})",
                "write {" + ", ".join(f"{p}: ..." for p in self.period_ids) + "}",
            )
            return None
        out = {}
        for period in raw:
            if period not in self.period_ids:
                self.error(
                    (*path, period),
                    f"unit `{unit}`, indicator `{ind.name}`: unknown period `{period}`",
                    did_you_mean(str(period), self.period_ids)
                    or "periods: " + ", ".join(self.period_ids),
                    key=True,
                )
        for period in self.period_ids:
            if period not in raw:
                if quiet:
                    continue
                self.error(
                    path, f"unit `{unit}`, indicator `{ind.name}`: missing period `{period}`"
                )
                continue
            out[period] = self.scalar(unit, ind, raw[period], (*path, period), period)
        return out


def _timed(seconds: Decimal | None) -> str:
    """A duration for a message: `10:00 (600 s)`."""
    return "" if seconds is None else f"{duration_text(seconds)} ({seconds} s)"


def _short(raw: Any) -> str:
    """A value for a message, cut to 40 characters (a 20,000-digit number is not echoed)."""
    text = str(raw)
    return text if len(text) <= 40 else f"{text[:20]}…({len(text)} characters)"


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


def _non_finite_text(raw: Any) -> bool:
    """`nan`, `inf`, `-Infinity`...: text a reader may hand over for a non-finite number."""
    return isinstance(raw, str) and raw.strip().lower().lstrip("+-.") in ("nan", "inf", "infinity")


def default_problems(ind: Indicator, limits: NumberLimits) -> list[str]:
    """Why an indicator's `default` is not a valid value of the indicator itself (its type,
    domain and the number ceiling), as messages for the scheme to locate; empty when valid."""
    checker = _ValueChecker(None, limits)
    checker.scalar("(default)", ind, ind.default, (), None)
    return [p.message for p in checker.problems]


class _OneValueChecker(_ValueChecker):
    """The value rules for a value given outside a data file (`--set`): problems name only
    the indicator (and period)."""

    def bad(
        self,
        unit: str,  # noqa: ARG002 - the _ValueChecker signature
        ind: Indicator,
        path: Path_,
        period: str | None,
        message: str,
        hint: str | None = None,
    ) -> None:
        where = f"`{ind.name}`" + (f", period `{period}`" if period else "")
        self.error(path, f"{where}: {message}", hint)


def check_value(
    ind: Indicator, raw: Any, limits: NumberLimits, period: str | None = None
) -> tuple[Any, list[Problem]]:
    """One value of `ind` (already read from its text by the readers' cell reading) checked by
    the same rules as a data file's: the value (Decimal, bool, enum text or NA) and the
    problems (unlocated; empty when valid)."""
    checker = _OneValueChecker(None, limits)
    value = checker.scalar("", ind, raw, (), period)
    return value, checker.problems


def _is_number_text(raw: Any) -> bool:
    try:
        return isinstance(raw, str) and len(raw) < 100 and Decimal(raw).is_finite()
    except ArithmeticError:
        return False
