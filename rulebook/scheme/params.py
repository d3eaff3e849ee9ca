"""Run-time parameters: values given when scoring (`--params FILE`, `rulebook.with_parameters`)
that replace the scheme's own, and the `required: true` parameters that must be given.

A params file is untrusted input: read through rulebook.files (a regular file, at most
MAX_PARAMS_BYTES; only inside its folder when a tests file names it), parsed by the scheme
loader (exact decimals, a source map), and checked whole — every unknown name (with "did you
mean"), non-number and out-of-limit number is reported, located in the params file, before
anything is built. The scheme is then built again with the new values, so every load-time check
runs on them (`rulebook.api.with_parameters`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from rulebook import arith
from rulebook.data.values import exact_number
from rulebook.errors import Location, ParameterError, Problem, SchemeError, did_you_mean
from rulebook.files import RefusedPath, read_text
from rulebook.scheme.loader import Path_, Source, load_text
from rulebook.scheme.model import Parameter, Scheme, Supplied

MAX_PARAMS_BYTES = 256 * 1024
"""The largest params file read (256 KB: a params file is a few lines, one per parameter)."""

PARAMS_KEYS = ("value", "by_unit")
"""The keys of a parameter's mapping form in a params file."""


@attrs.frozen
class ParamsFile:
    """A params file read and parsed: its data and source map."""

    file: str
    data: Any
    source: Source

    @property
    def digest(self) -> str:
        """The canonical digest of its data (formatting and comments aside); asked only once
        the values are checked (a number past the ceiling has no canonical form)."""
        return arith.digest(self.data)


def read_params_file(path: str | Path) -> ParamsFile:
    """Read and parse the params file at `path` (YAML or JSON); ParameterError, located, when
    it cannot be read, is too big or is not well-formed YAML."""
    name = str(path)
    try:
        text = read_text(path, limit=MAX_PARAMS_BYTES)
    except RefusedPath as exc:
        reason = re.sub(r"MAX_\w+ = 0 MB", "MAX_PARAMS_BYTES = 256 KB", exc.reason)
        raise ParameterError(
            [Problem(f"params file: {reason}", Location(name, 1, 1), exc.hint)]
        ) from None
    return parse_params_text(text, name)


def parse_params_text(text: str, file: str = "<params>") -> ParamsFile:
    """Parse params text (YAML or JSON); ParameterError when it is not well-formed."""
    try:
        data, source = load_text(text, file)
    except SchemeError as exc:
        raise ParameterError(exc.problems) from None
    return ParamsFile(file, data, source)


def check_values(
    values: Any, scheme: Scheme, source: Source | None = None, at: Path_ = ()
) -> dict[str, Parameter]:
    """`values` (name -> number, or {value, by_unit}) checked against the scheme's declared
    parameters: the override of each, or ParameterError listing every problem (located in
    `source`, at key path `at`, when the values came from a file)."""
    problems: list[Problem] = []

    def report(path: Path_, message: str, hint: str | None = None, *, key: bool = False) -> None:
        if source is None:
            problems.append(Problem(message, None, hint))
        else:
            problems.append(source.problem((*at, *path), message, hint, key=key))

    if not isinstance(values, Mapping):
        report((), "a params file is a mapping of parameter names to numbers", _EXAMPLE)
        raise ParameterError(problems)
    declared = [*scheme.parameters, *scheme.awaited]
    out: dict[str, Parameter] = {}
    for name, raw in values.items():
        path: Path_ = (str(name),)
        if name not in declared:
            report(
                path,
                f"unknown parameter `{name}`: the scheme `{scheme.id}` declares no such parameter",
                did_you_mean(str(name), declared)
                or (
                    "declared parameters: " + ", ".join(declared)
                    if declared
                    else "the scheme declares no parameters"
                ),
                key=True,
            )
            continue
        by_unit: dict[str, Decimal] = {}
        value_path, given = path, raw
        if isinstance(raw, Mapping):
            for key in raw:
                if key not in PARAMS_KEYS:
                    report(
                        (*path, str(key)),
                        f"unknown key `{key}` in parameter `{name}`",
                        did_you_mean(str(key), PARAMS_KEYS) or "allowed keys: value, by_unit",
                        key=True,
                    )
            value_path = (*path, "value")
            units = raw.get("by_unit")
            if units is not None and not isinstance(units, Mapping):
                report((*path, "by_unit"), "`by_unit` maps unit names to numbers", _EXAMPLE)
            for unit, unit_value in (units if isinstance(units, Mapping) else {}).items():
                what = f"parameter `{name}` for unit `{unit}`"
                got = _number(unit_value, (*path, "by_unit", str(unit)), what, scheme, report)
                if got is not None:
                    by_unit[str(unit)] = got
            given = raw.get("value")
        number = _number(given, value_path, f"parameter `{name}`", scheme, report)
        if number is not None:
            at_line = source.loc((*at, *value_path)) if source is not None else None
            out[str(name)] = Parameter(
                str(name),
                number,
                by_unit=by_unit,
                supplied=True,
                given_at=at_line,
                given_line=source.line_text(at_line) if source and at_line else None,
            )
    if problems:
        raise ParameterError(problems)
    return out


_EXAMPLE = "e.g. a line `target: 30`, or `target: {value: 30, by_unit: {village_a: 25}}`"


def _number(raw: Any, path: Path_, what: str, scheme: Scheme, report: Any) -> Decimal | None:
    """`raw` as an exact number within the scheme's limits, or reported (None)."""
    if raw is None:
        report(path, f"{what} has no value", _EXAMPLE)
        return None
    number = exact_number(raw)
    if not isinstance(number, Decimal):
        shown = f" `{str(raw)[:40]}`" if isinstance(raw, str) else ""
        report(path, f"{what} must be a number, got {type(raw).__name__}{shown}", _EXAMPLE)
        return None
    beyond = arith.number_problem(number, scheme.limits)
    if beyond is not None:
        report(path, f"{what}: {str(number)[:40]} is {beyond}", "write a smaller number")
        return None
    return number


def supplied(overrides: Mapping[str, Parameter], file: str, digest: str) -> Supplied | None:
    """What the run manifest records of the values supplied (None when nothing was)."""
    if not overrides:
        return None
    values: dict[str, Any] = {}
    for name in sorted(overrides):
        p = overrides[name]
        values[name] = (
            {"value": str(p.value), "by_unit": {u: str(v) for u, v in sorted(p.by_unit.items())}}
            if p.by_unit
            else str(p.value)
        )
    return Supplied(values, file, digest)
