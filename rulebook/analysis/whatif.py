"""What-if: one unit's indicators edited (`meetings_missed=0`, `checkup_rate.Q2=75`), the whole
data set scored again — every other unit unchanged, so ranks can move — and the change shown
as a result diff.

Values are read as the CSV/xlsx readers read a cell (one meaning): numbers as Decimal from
their text, yes/no words (`true`/`false`, `是`/`否`, ...) for yes/no indicators, a declared
name for enums, `4:36.11` for durations, `n/a`/`不适用` where the indicator allows it; and
checked by the data rules. A value outside the indicator's declared domain, an unknown
indicator or period, or a unit not in the data is a DataError naming the setting.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from rulebook.analysis.result_diff import (
    InputChange,
    ResultDiff,
    UnitDiff,
    diff_results,
    exact_text,
)
from rulebook.arith import NumberLimits, canonical
from rulebook.audit.result import Result
from rulebook.data.check import check_value
from rulebook.data.dataset import DataSet, InputValue, UnitData
from rulebook.data.table import read_cell
from rulebook.data.values import MISSING
from rulebook.engine.evaluate import evaluate
from rulebook.errors import DataError, Problem, did_you_mean
from rulebook.scheme.model import Indicator, Scheme

Point = tuple[str, str | None]
"""One input of one unit: an indicator and its period (None for an annual indicator)."""

_SETTING = re.compile(r"^\s*([^=\[\]]+?)(?:\[([^\]]*)\])?\s*=(.*)$", re.DOTALL)


@attrs.frozen
class WhatIf:
    """A unit's result before and after its edits, on the same data set otherwise."""

    unit: str
    changes: tuple[InputChange, ...]
    before: Result
    after: Result
    diff: ResultDiff

    @property
    def unit_diff(self) -> UnitDiff:
        return self.diff.unit(self.unit)

    def moved(self) -> tuple[UnitDiff, ...]:
        """The other units whose total rank moved because of the edit (none for a scheme
        that does not rank units)."""
        return tuple(
            u
            for u in self.diff.units
            if u.ranked and u.unit != self.unit and u.rank[0] != u.rank[1]
        )

    def to_dict(self) -> dict[str, Any]:
        places = self.diff.places
        return {
            "unit": self.unit,
            "set": [c.to_dict() for c in self.changes],
            "diff": self.unit_diff.to_dict(places),
            "ranks_moved": [
                {"unit": u.unit, "old": u.rank[0], "new": u.rank[1]} for u in self.moved()
            ],
        }

    def render(self) -> str:
        places = self.diff.places
        lines = [f"what if {self.unit}: " + "; ".join(c.render() for c in self.changes), ""]
        u = attrs.evolve(self.unit_diff, data=())  # the edits are the header already
        lines += u.render(places) if u.changed else [f"{self.unit}: nothing changes"]
        moved = self.moved()
        if moved:
            lines += [
                "",
                "other units' ranks: "
                + ", ".join(f"{m.unit} {m.rank[0]} → {m.rank[1]}" for m in moved),
            ]
        return "\n".join(lines) + "\n"


def parse_setting(text: str) -> tuple[str, str]:
    """`NAME=VALUE` (NAME may be `indicator`, `indicator.PERIOD` or `indicator[PERIOD]`) as
    (name, value text); a DataError if there is no `=`."""
    match = _SETTING.match(text)
    if not match:
        raise DataError(
            [
                Problem(
                    f"--set {text!r}: expected NAME=VALUE",
                    hint="e.g. --set meetings_missed=0 or --set checkup_rate.Q2=75",
                )
            ]
        )
    name, period, value = match.groups()
    return (
        f"{name.strip()}[{period.strip()}]" if period is not None else name.strip(),
        value.strip(),
    )


def points(scheme: Scheme, name: str, setting: str) -> list[Point]:
    """The inputs a setting's name addresses: `x`, `x.Q2` or `x[Q2]`; a per-period indicator
    without a period means every period."""
    period: str | None = None
    match = re.fullmatch(r"(.+)\[(.*)\]", name)
    if match:
        name, period = match.group(1), match.group(2)
    elif name not in scheme.indicators and "." in name:
        name, period = name.rsplit(".", 1)
    if name not in scheme.indicators:
        hint = did_you_mean(name, scheme.indicators)
        raise _bad(
            setting,
            f"no indicator `{name}` in scheme {scheme.id}",
            hint or "indicators: " + ", ".join(scheme.indicators),
        )
    indicator = scheme.indicators[name]
    periods = [p.id for p in scheme.periods]
    if period is None:
        return [(name, p) for p in periods] if indicator.per_period else [(name, None)]
    if not indicator.per_period:
        raise _bad(
            setting, f"`{name}` has one value, not one per period", f"write --set {name}=VALUE"
        )
    if period not in periods:
        raise _bad(
            setting,
            f"no period `{period}` in scheme {scheme.id}",
            did_you_mean(period, periods) or "periods: " + ", ".join(periods),
        )
    return [(name, period)]


def parse_value(
    indicator: Indicator, raw: Any, setting: str, limits: NumberLimits | None = None
) -> InputValue:
    """`raw` (text, int, Decimal or bool) as a value of `indicator`, read as the CSV/xlsx
    readers read a cell (是/否, yes/no, durations such as `4:36.11`, `n/a` where the indicator
    allows it) and checked by the data rules (type, declared domain, number ceiling); binary
    floats are refused (they are not exact)."""
    if isinstance(raw, float):
        raise _bad(setting, f"{raw!r} is not an exact number", "give the value as text or int")
    cell = raw if isinstance(raw, bool | int | Decimal) else read_cell(indicator, str(raw))
    if cell is MISSING:
        raise _bad(setting, f"`{indicator.name}`: no value given", "write NAME=VALUE")
    value, problems = check_value(indicator, cell, limits or NumberLimits())
    if problems:
        first = problems[0]
        hint = first.hint
        if indicator.type in ("count", "rate", "decimal", "duration") and (
            "minimum" in first.message or "maximum" in first.message
        ):
            hint = _domain(indicator)
        raise _bad(setting, first.message, hint)
    return value  # type: ignore[no-any-return]


def _domain(indicator: Indicator) -> str:
    lo = "−∞" if indicator.min is None else canonical(indicator.min)
    hi = "+∞" if indicator.max is None else canonical(indicator.max)
    return f"`{indicator.name}` ({indicator.label or indicator.type}) takes values in [{lo}, {hi}]"


def _bad(setting: str, message: str, hint: str | None = None) -> DataError:
    return DataError([Problem(f"--set {setting}: {message}", None, hint)])


def settings_of(
    scheme: Scheme, settings: Mapping[str, Any] | Iterable[str]
) -> dict[Point, InputValue]:
    """Settings (`{"checkup_rate.Q2": "75"}`, or `["checkup_rate[Q2]=75"]`) as checked values
    per input point; a later setting of the same point wins."""
    pairs = (
        list(settings.items())
        if isinstance(settings, Mapping)
        else [parse_setting(s) for s in settings]
    )
    out: dict[Point, InputValue] = {}
    for name, raw in pairs:
        setting = f"{name}={raw}"
        for point in points(scheme, str(name).strip(), setting):
            out[point] = parse_value(scheme.indicators[point[0]], raw, setting, scheme.limits)
    return out


def unit_values(data: DataSet, unit: str) -> UnitData:
    """The unit's checked data; a DataError (with a did-you-mean) if it is not in the data."""
    for u in data.units:
        if u.name == unit:
            return u
    names = [u.name for u in data.units]
    raise DataError(
        [
            Problem(
                f"no unit {unit!r} in {data.file}",
                None,
                did_you_mean(unit, names) or "units: " + ", ".join(names),
            )
        ]
    )


def read(values: UnitData, point: Point) -> InputValue:
    """The value of one input point of a unit."""
    name, period = point
    value = values.values[name]
    if period is None:
        assert not isinstance(value, Mapping)
        return value
    assert isinstance(value, Mapping)
    return value[period]


def edited(data: DataSet, unit: str, changes: Mapping[Point, InputValue]) -> DataSet:
    """`data` with `unit`'s inputs replaced at the given points (values already checked)."""
    out = []
    for u in data.units:
        if u.name != unit or not changes:
            out.append(u)
            continue
        values: dict[str, Any] = dict(u.values)
        for (name, period), value in changes.items():
            if period is None:
                values[name] = value
            else:
                values[name] = {**values[name], period: value}
        out.append(UnitData(u.name, values))
    return DataSet(tuple(out), data.file)


def what_if(
    scheme: Scheme,
    data: DataSet,
    unit: str,
    settings: Mapping[str, Any] | Iterable[str],
    *,
    before: Result | None = None,
) -> WhatIf:
    """Score `data` with `unit`'s indicators set as `settings` say and compare with the
    unedited result (`before`, scored here if not given). Raises DataError for a bad setting
    or when the edit breaks one of the scheme's data constraints."""
    values = unit_values(data, unit)
    changes = settings_of(scheme, settings)
    before = before if before is not None else evaluate(scheme, data)
    try:
        after = evaluate(scheme, edited(data, unit, changes))
    except DataError as exc:  # a data constraint of the scheme no longer holds
        settings_text = ", ".join(f"{n}{f'[{p}]' if p else ''}" for n, p in changes)
        raise DataError(
            [
                attrs.evolve(
                    problem,
                    message=f"--set {settings_text}: {problem.message}",
                    hint="set the indicators the rule ties together at once (several --set)",
                )
                for problem in exc.problems
            ]
        ) from None
    shown = tuple(
        InputChange(name, "indicator", period, _text(read(values, (name, period))), _text(value))
        for (name, period), value in changes.items()
    )
    return WhatIf(unit, shown, before, after, diff_results(before, after))


def _text(value: InputValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return exact_text(value)
    return str(value)
