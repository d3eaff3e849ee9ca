"""Loading a scheme end to end: file -> YAML + source map -> checked model -> compiled program."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs

from rulebook.arith import digest
from rulebook.engine.codegen import compile_program
from rulebook.errors import Problem, SchemeError
from rulebook.scheme.build import build
from rulebook.scheme.loader import Source, load_file, load_text
from rulebook.scheme.model import Scheme


def load(path: str | Path) -> Scheme:
    """Read, check and compile the scheme at `path`; raise SchemeError listing every problem."""
    data, source = load_file(path)
    return _finish(data, source)[0]


def loads(text: str, file: str = "<scheme>") -> Scheme:
    """Like `load`, from YAML text; `file` names it in messages."""
    data, source = load_text(text, file)
    return _finish(data, source)[0]


def check(path: str | Path) -> list[Problem]:
    """Every problem (errors and warnings) in the scheme at `path`, sorted by position."""
    try:
        data, source = load_file(path)
        return sorted(_finish(data, source)[1], key=Problem.sort_key)
    except SchemeError as exc:
        return list(exc.problems)


def _finish(data: Any, source: Source) -> tuple[Scheme, list[Problem]]:
    scheme, warnings = build(data, source)
    return attrs.evolve(scheme, program=compile_program(scheme), digest=digest(data)), warnings
