"""Scheme test cases written in YAML beside a scheme (`<scheme>.tests.yaml`): data in, expected
values out. `rulebook test` and the pytest plugin both run them through `run_file`.

    scheme: village-fp-1000.yaml            # relative to this file
    cases:
      - name: 西河村 worked by hand
        data: examples/village-fp-1000.data.yaml   # a data file, or `units:` inline
        overrides: {西河村: {meetings_missed: 3}}   # optional changes to the data
        tolerance: 0                               # optional, for decimals
        expect:
          西河村: {committee.meetings: 3, total: 582.45, year_end: 合格}

An expected key is a node id, `total`, an output, a named value, an aggregate, an outcome, or
`vetoed` (a list of veto ids); `name[P]` picks period (or period group) P of a per-period node,
named value or aggregate (`m.v[M02]`, `qsum[Q1]`). A number is compared as the JSON reports it
(a score at the scheme's places, any other value snapped to 20 places), so a value copied from
the JSON output passes; `tolerance` widens that. A case that cannot run (bad data, a missing
parameter) is reported on its own and the other cases still run.

`scheme:` and `data:` may only name regular files inside the tests file's own folder tree (see
rulebook.files): a tests file may come from someone else.
"""

from __future__ import annotations

import os
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import attrs

from rulebook.api import loads, with_parameters, with_params_file
from rulebook.arith import canonical, snap
from rulebook.audit.result import Result
from rulebook.data.api import check_data
from rulebook.data.values import is_na_marker
from rulebook.engine.evaluate import evaluate
from rulebook.engine.semantics import NA
from rulebook.errors import Location, ParameterError, Problem, RulebookError, SchemeError
from rulebook.files import MAX_TESTS_FILE_BYTES, RefusedPath, confined, read_text
from rulebook.render.worksheet import annotate, summary
from rulebook.scheme.loader import Path_, Source, load_text
from rulebook.scheme.model import Scheme
from rulebook.scheme.params import parse_params_text

CASE_KEYS = ("name", "note", "data", "units", "overrides", "params", "expect", "tolerance")
"""A case's keys; `note` (the hand working, for reviewers) is read by people only."""


@attrs.frozen
class Failure:
    """One expectation a case did not meet, with where the case is written."""

    case: str
    location: Location
    unit: str
    key: str
    expected: str
    got: str
    audit: str = ""

    def render(self) -> str:
        out = [
            (
                f"{self.location}: case {self.case!r}, unit {self.unit!r}, {self.key}: "
                f"expected {self.expected}, got {self.got}"
            )
        ]
        if self.audit:
            out.append(f"    {self.audit}")
        return "\n".join(out)


@attrs.frozen
class CaseResult:
    """A case's name, where it is written, and its failures (empty when it passed); `error`
    when the case could not run (its data or parameters are wrong), located in the files."""

    name: str
    location: Location
    failures: tuple[Failure, ...]
    result: Result | None = attrs.field(default=None, eq=False, repr=False)
    asserted: frozenset[str] = frozenset()
    error: RulebookError | None = attrs.field(default=None, eq=False)

    @property
    def passed(self) -> bool:
        return not self.failures and self.error is None


@attrs.frozen
class CasesFile:
    """A parsed `.tests.yaml`: its cases' names and positions, checked for shape but not run.
    Parsing reads only this file; the scheme and data are loaded when a case runs."""

    path: Path
    raw: dict[str, Any] = attrs.field(repr=False)
    source: Source = attrs.field(repr=False)
    names: tuple[str, ...]

    def location(self, index: int) -> Location:
        return self.source.loc(("cases", index))


def parse_file(path: str | Path) -> CasesFile:
    """Read and check the shape of a tests file (at most MAX_TESTS_FILE_BYTES, a regular
    file); raise the located SchemeError. Cheap: nothing else is read."""
    try:
        text = read_text(path, limit=MAX_TESTS_FILE_BYTES)
    except RefusedPath as exc:
        raise SchemeError([Problem(exc.reason, Location(str(path), 1, 1), exc.hint)]) from None
    raw, source = load_text(text, str(path))
    if not isinstance(raw, dict) or not isinstance(raw.get("cases"), list):
        raise SchemeError(
            [
                source.problem(
                    (), "a tests file needs `scheme:` and a list of `cases:`", "see docs/testing.md"
                )
            ]
        )
    names = []
    for i, case in enumerate(raw["cases"]):
        path_ = ("cases", i)
        if not isinstance(case, dict):
            raise SchemeError([source.problem(path_, "a case is a mapping with `expect:`")])
        unknown = [k for k in case if k not in CASE_KEYS]
        if unknown:
            raise SchemeError(
                [
                    source.problem(
                        (*path_, unknown[0]),
                        f"unknown key `{unknown[0]}` in a case",
                        "keys: " + ", ".join(CASE_KEYS),
                        key=True,
                    )
                ]
            )
        names.append(str(case.get("name", f"case {i}")))
    return CasesFile(Path(path), raw, source, tuple(names))


def load_scheme(tests: CasesFile) -> Scheme:
    """The scheme the tests file tests, read only from inside its folder."""
    path, text = _confined_text(tests, ("scheme",), _scheme_name(tests), "scheme")
    return _with_params(tests, loads(text, str(path)), ("params",))


def run_case(tests: CasesFile, scheme: Scheme, index: int) -> CaseResult:
    """Run the tests file's case number `index` against `scheme`."""
    return _run_case(scheme, tests.raw["cases"][index], ("cases", index), tests)


def run_file(path: str | Path) -> list[CaseResult]:
    """Run every case of a `.tests.yaml` file. A malformed file, or a scheme that does not load
    (or lies outside the tests file's folder), raises the located RulebookError; a case whose
    data or parameters are wrong gets its error in `CaseResult.error`, and the others run."""
    tests = parse_file(path)
    scheme = load_scheme(tests)
    out = []
    for i, name in enumerate(tests.names):
        try:
            out.append(run_case(tests, scheme, i))
        except RulebookError as exc:
            out.append(CaseResult(name, tests.location(i), (), error=exc))
    return out


def scheme_of(path: str | Path) -> Path:
    """The scheme file a tests file tests: its `scheme:` (relative to the file), else the file
    of the same name without `.tests`; refused (SchemeError) if outside the file's folder."""
    tests = parse_file(path)
    return _confined(tests, ("scheme",), _scheme_name(tests), "scheme")


def _scheme_name(tests: CasesFile) -> Any:
    name = tests.raw.get("scheme")
    return tests.path.name.replace(".tests.yaml", ".yaml") if name is None else name


def _confined(tests: CasesFile, at: tuple[str | int, ...], name: Any, what: str) -> Path:
    """The file `name` written at `at`, if the tests file may read it; else a SchemeError
    located at the value that names it (the file is not read, so nothing of it is shown)."""
    if not isinstance(name, str):
        raise SchemeError([tests.source.problem(at, f"`{what}:` must be a file name")])
    try:
        return confined(tests.path.parent, name)
    except RefusedPath as exc:
        shown = name if len(name) <= 80 else name[:77] + "..."
        raise SchemeError(
            [tests.source.problem(at, f"{what} file `{shown}` refused: {exc.reason}", exc.hint)]
        ) from None


def _confined_text(
    tests: CasesFile, at: tuple[str | int, ...], name: Any, what: str
) -> tuple[Path, str]:
    path = _confined(tests, at, name, what)
    try:
        return path, read_text(path)
    except RefusedPath as exc:
        raise SchemeError(
            [tests.source.problem(at, f"{what} file `{name}` refused: {exc.reason}", exc.hint)]
        ) from None


def _mapping_of_mappings(
    source: Any, path: tuple[str | int, ...], raw: Any, key: str, example: str
) -> None:
    """`overrides:` and `expect:` map each unit to a mapping of names; anything else is a
    located error in the tests file (never a crash on `.items()`)."""
    if raw is None:
        return
    if not isinstance(raw, dict):
        raise SchemeError(
            [source.problem((*path, key), f"`{key}` must map each unit to its values", example)]
        )
    for unit, values in raw.items():
        if values is not None and not isinstance(values, dict):
            raise SchemeError(
                [
                    source.problem(
                        (*path, key, unit),
                        f"`{key}` of unit `{unit}` must be a mapping of name: value",
                        example,
                    )
                ]
            )


def _run_case(
    scheme: Scheme, case: dict[str, Any], path: tuple[str | int, ...], tests: CasesFile
) -> CaseResult:
    source = tests.source
    location = source.loc(path)
    name = str(case.get("name", f"case {path[-1]}"))
    units, data_source = _units(case, path, tests)
    scheme = _with_params(tests, scheme, (*path, "params"))
    if scheme.awaited:
        needed = ", ".join(f"{n}: <number>" for n in scheme.awaited)
        raise SchemeError(
            [
                source.problem(
                    path,
                    f"case `{name}`: the scheme needs parameters given at run time "
                    f"({', '.join(scheme.awaited)})",
                    f"give them in the tests file or the case: `params: {{{needed}}}`",
                )
            ]
        )
    for key, example in (
        ("overrides", "`overrides: {西河村: {meetings_missed: 2}}`"),
        ("expect", "`expect: {西河村: {total: 863.63}}`"),
    ):
        _mapping_of_mappings(source, path, case.get(key), key, example)
    for unit, changes in (case.get("overrides") or {}).items():
        if unit not in units:
            raise SchemeError(
                [
                    source.problem(
                        (*path, "overrides", unit), f"override for unknown unit `{unit}`", key=True
                    )
                ]
            )
        units[unit] = {**units[unit], **changes}
    where_data = _CaseData(tests.source, path, data_source, case.get("overrides") or {})
    result = evaluate(scheme, check_data({"units": units}, scheme, where_data))
    tolerance = _decimal(case.get("tolerance", 0)) or Decimal(0)
    failures: list[Failure] = []
    for unit, expected in (case.get("expect") or {}).items():
        where = source.loc((*path, "expect", unit), key=True)
        if unit not in units:
            failures.append(
                Failure(name, where, str(unit), "-", "a unit of the data", "no such unit")
            )
            continue
        for key, want in (expected or {}).items():
            key_loc = source.loc((*path, "expect", unit, key), key=True)
            failure = _compare(result, str(unit), str(key), want, tolerance)
            if failure is not None:
                got, audit = failure
                failures.append(
                    Failure(name, key_loc, str(unit), str(key), _shown(want), got, audit)
                )
    asserted = frozenset(  # `q.qv[Q2]` asserts `q.qv` (for coverage)
        _asserted(str(k))
        for expected in (case.get("expect") or {}).values()
        if isinstance(expected, dict)
        for k in expected
    )
    return CaseResult(name, location, tuple(failures), result, asserted)


def _with_params(tests: CasesFile, scheme: Scheme, at: tuple[str | int, ...]) -> Scheme:
    """`scheme` with the run-time parameters written at `at` (the file's or a case's
    `params:`: a mapping, or the name of a params file beside the tests file); a wrong name or
    value is a SchemeError located in the tests file (or the params file it names)."""
    raw: Any = tests.raw
    for step in at:
        if isinstance(raw, dict):
            raw = raw.get(step)
        elif isinstance(raw, list) and isinstance(step, int) and step < len(raw):
            raw = raw[step]
        else:
            raw = None
    if raw is None:
        return scheme
    try:
        if isinstance(raw, str):
            file, text = _confined_text(tests, at, raw, "params")
            return with_params_file(scheme, parse_params_text(text, str(file)))
        return with_parameters(scheme, raw, source=tests.source, at=at)
    except ParameterError as exc:
        raise SchemeError(exc.problems) from None


def _units(
    case: dict[str, Any], path: tuple[str | int, ...], tests: CasesFile
) -> tuple[dict[str, dict[str, Any]], Source | None]:
    """The case's units (inline, or read from its data file) and the data file's source map
    (None for inline units, which are located in the tests file)."""
    source = tests.source
    data_source = None
    if "units" in case:
        units = case["units"]
    elif "data" in case:
        file, text = _confined_text(tests, (*path, "data"), case["data"], "data")
        raw, data_source = load_text(text, str(file))
        units = raw.get("units") if isinstance(raw, dict) else None
    else:
        raise SchemeError([source.problem(path, "a case needs `data:` (a file) or `units:`")])
    if not isinstance(units, dict):
        raise SchemeError([source.problem(path, "the case's data has no `units:` mapping")])
    out = {str(k): dict(v) if isinstance(v, dict) else v for k, v in units.items()}
    return out, data_source


@attrs.define
class _CaseData:
    """Where a case's data value was written, for the data check's problems: an override in
    the case, inline `units:` in the tests file, or the case's data file."""

    tests: Source
    case: Path_
    data: Source | None
    overrides: Any
    file: str = attrs.field(init=False)

    @file.default
    def _file(self) -> str:
        return self.tests.file if self.data is None else self.data.file

    def _where(self, path: Path_) -> tuple[Source, Path_]:
        if len(path) >= 3 and path[0] == "units":
            changes = self.overrides.get(path[1]) if isinstance(self.overrides, dict) else None
            if isinstance(changes, dict) and path[2] in changes:
                return self.tests, (*self.case, "overrides", *path[1:])
        if self.data is None:
            return self.tests, (*self.case, *path)
        return self.data, path

    def problem(
        self, path: Path_, message: str, hint: str | None = None, *, key: bool = False
    ) -> Problem:
        source, at = self._where(path)
        return source.problem(at, message, hint, key=key)

    def written(self, path: Path_) -> str | None:
        source, at = self._where(path)
        return source.written(at)


def _compare(
    result: Result, unit: str, key: str, want: Any, tolerance: Decimal
) -> tuple[str, str] | None:
    """None when the value matches, else (what we got, the node's audit line)."""
    scheme, got_unit = result.scheme, result.unit(unit)
    if key == "vetoed":
        got_vetoes = list(got_unit.vetoes)
        wanted = list(want) if isinstance(want, list) else ([] if not want else [str(want)])
        return None if got_vetoes == wanted else (str(got_vetoes), "")
    if key in scheme.outcomes:
        label = got_unit.outcomes[key]
        return None if label == str(want) else (label, "")
    got: Any  # a Decimal, or NA for a node that does not apply
    explained = key
    base, _, point = key.removesuffix("]").partition("[")
    axis = _axis(scheme, base) if key.endswith("]") and point else None
    if axis is not None:  # `name[P]`: a per-period node's, value's or aggregate's point P
        explained = f"{base}.periods" if base in scheme.nodes else base
        if point not in scheme.axis_ids(axis):
            shown = ", ".join(scheme.axis_ids(axis))
            return (f"no period `{point}` of `{base}` (it has {shown})", "")
        got = got_unit.value(explained, point)
    elif key in (*scheme.score_ids, *scheme.output_ids):
        got = got_unit.scores[key] if key in scheme.score_ids else got_unit.outputs[key]
    elif (key in scheme.values or key in scheme.aggregates) and scheme.axis_of(key) is None:
        got = got_unit.value(key)  # also a group value or aggregate: the unit's group's
    elif key in scheme.values or key in scheme.aggregates:
        first = scheme.axis_ids(scheme.axis_of(key))[0]
        return (f"one value per period: write `{key}[{first}]`", "")
    else:
        return ("no such node, output, named value, aggregate or outcome", "")
    if isinstance(got, bool) or isinstance(want, bool):  # a yes/no value
        return None if got is want else (_shown(got), "")
    number = _decimal(want)
    if got is NA or is_na_marker(want):  # `n/a` expects a node that does not apply
        if got is NA and is_na_marker(want):
            return None
    elif number is not None and abs(snap(got) - number) <= tolerance:
        return None  # as reported: a score is already at its places, a value snapped
    shown = _reported(got, key in (*scheme.score_ids, *scheme.output_ids) or base in scheme.nodes)
    if explained in scheme.aggregates:
        return shown, ""
    audit = result.explain(unit, explained)
    line = f"= {annotate(audit)}" if audit.expression else ""
    tail = summary(audit)
    where = f"{audit.location.file}:{audit.location.line}" if audit.location else ""
    return shown, "  ".join(x for x in (line, tail, where) if x)


def _asserted(key: str) -> str:
    """The name an expected key asserts: `name` for `name[P]` (one of its periods)."""
    return key.partition("[")[0] if key.endswith("]") else key


def _axis(scheme: Scheme, name: str) -> str | None:
    """The axis a per-period node, named value or aggregate varies along; None otherwise."""
    if name in scheme.nodes:
        return scheme.nodes[name].per
    if name in scheme.values or name in scheme.aggregates:
        return scheme.axis_of(name)
    return None


def _reported(got: Any, score: bool) -> str:
    """`got` as the JSON writes it: a score as rounded (`10.00`), any other value snapped."""
    if got is NA:
        return "n/a"
    if not isinstance(got, Decimal):
        return _shown(got)
    return format(got, "f") if score else canonical(got)


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def find(paths: list[str]) -> list[Path]:
    """The `.tests.yaml` files named, or found below the folders named, sorted. A search does
    not follow symlinks (to files or folders): a planted link cannot pull in a tests file
    from elsewhere. A file named explicitly is taken as named."""
    out: list[Path] = []
    for p in map(Path, paths):
        out.extend(_search(p) if p.is_dir() else [p])
    return out


def _search(folder: Path) -> list[Path]:
    found = []
    for root, _dirs, files in os.walk(folder, followlinks=False):
        for name in files:
            path = Path(root) / name
            if name.endswith(".tests.yaml") and not path.is_symlink():
                found.append(path)
    return sorted(found)


__all__ = [
    "CaseResult",
    "CasesFile",
    "Failure",
    "find",
    "load_scheme",
    "parse_file",
    "run_case",
    "run_file",
    "scheme_of",
]
