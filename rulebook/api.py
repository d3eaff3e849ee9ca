"""Loading a scheme end to end: file -> YAML + source map -> checked model -> compiled program;
and building it again with run-time parameter values (`with_parameters`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from rulebook.arith import digest as digest_of
from rulebook.engine.codegen import compile_program
from rulebook.errors import Problem, SchemeError
from rulebook.scheme.build import build
from rulebook.scheme.loader import Path_, Source, load_file, load_text
from rulebook.scheme.model import Origin, Parameter, Scheme
from rulebook.scheme.params import ParamsFile, check_values, read_params_file, supplied

Params = Mapping[str, Any] | str | Path | None
"""Run-time parameter values: a mapping (name -> number or {value, by_unit}), or the path of
a YAML/JSON params file holding one."""


def load(path: str | Path, *, params: Params = None) -> Scheme:
    """Read, check and compile the scheme at `path`; raise SchemeError listing every problem.
    `params` overrides declared parameters (ParameterError when one is unknown or no number)."""
    data, source = load_file(path)
    return _with_params(_finish(data, source)[0], params)


def loads(text: str, file: str = "<scheme>", *, params: Params = None) -> Scheme:
    """Like `load`, from YAML text; `file` names it in messages."""
    data, source = load_text(text, file)
    return _with_params(_finish(data, source)[0], params)


def check(path: str | Path) -> list[Problem]:
    """Every problem (errors and warnings) in the scheme at `path`, sorted by position."""
    try:
        data, source = load_file(path)
        return sorted(_finish(data, source)[1], key=Problem.sort_key)
    except SchemeError as exc:
        return list(exc.problems)


def with_parameters(
    scheme: Scheme,
    values: Mapping[str, Any],
    *,
    source: Source | None = None,
    at: Path_ = (),
    file: str = "",
    digest: str = "",
) -> Scheme:
    """A new compiled scheme whose parameters take `values` (name -> number, or
    `{"value": n, "by_unit": {unit: n}}`); values given earlier stay unless replaced. The
    scheme is built again from its file, so every load-time check runs on the new values.
    Raises ParameterError (an unknown name, a non-number; located in `source` at key path
    `at` when the values were read from a file) or SchemeError."""
    origin = scheme.origin
    if origin is None:
        raise ValueError(f"scheme `{scheme.id}` was not built by rulebook.load or loads")
    overrides = {**origin.overrides, **check_values(values, scheme, source, at)}
    if not file and scheme.supplied is not None:  # keep the params file's digest on record
        file, digest = scheme.supplied.file, scheme.supplied.digest
    return _finish(origin.data, origin.source, overrides, file=file, digest=digest)[0]


def with_params_file(scheme: Scheme, params: ParamsFile) -> Scheme:
    """`scheme` with the values of a params file (problems located in that file)."""
    check_values(params.data, scheme, params.source)  # before its digest is taken
    return with_parameters(
        scheme, params.data, source=params.source, file=params.file, digest=params.digest
    )


def _finish(
    data: Any,
    source: Source,
    overrides: Mapping[str, Parameter] | None = None,
    *,
    file: str = "",
    digest: str = "",
) -> tuple[Scheme, list[Problem]]:
    """Build (with run-time `overrides`) and compile; a scheme still awaiting `required`
    parameters is built and checked but not compiled (it cannot score)."""
    overrides = dict(overrides or {})
    scheme, warnings = build(data, source, overrides)
    return attrs.evolve(
        scheme,
        program=None if scheme.awaited else compile_program(scheme),
        digest=digest_of(data),
        supplied=supplied(overrides, file, digest),
        origin=Origin(data, source, overrides),
    ), warnings


def _with_params(scheme: Scheme, params: Params) -> Scheme:
    if params is None:
        return scheme
    if isinstance(params, str | Path):
        return with_params_file(scheme, read_params_file(params))
    return with_parameters(scheme, params)
