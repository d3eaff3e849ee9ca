"""rulebook's exceptions: one root, structured attributes, and messages that point at the source.

Every error a user can cause carries where it happened (file:line:col for schemes, unit and
indicator for data) and, where we can guess it, a hint. Scheme and data checks collect every
problem first and raise one exception holding all of them.
"""

from __future__ import annotations

import difflib
import heapq
from collections.abc import Iterable, Sequence

import attrs


@attrs.frozen(order=True)
class Location:
    """A position in a source file; line and column are 1-based."""

    file: str
    line: int
    column: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@attrs.frozen
class Problem:
    """One thing wrong with a scheme or a data set, with where it is and what might fix it."""

    message: str
    location: Location | None = None
    hint: str | None = None
    source_line: str | None = None
    severity: str = "error"

    def render(self) -> str:
        """The problem as a compiler-style message: `file:line:col: error: ...`, then the
        source line, a caret under the column, and the hint."""
        head = f"{self.location}: " if self.location else ""
        out = [f"{head}{self.severity}: {self.message}"]
        if self.source_line is not None and self.location is not None:
            out.append(f"    {self.source_line}")
            out.append("    " + _caret_padding(self.source_line, self.location.column) + "^")
        if self.hint:
            out.append(f"  hint: {self.hint}")
        return "\n".join(out)

    def sort_key(self) -> tuple[str, int, int, str]:
        loc = self.location
        return (loc.file, loc.line, loc.column, self.message) if loc else ("", 0, 0, self.message)


def _caret_padding(line: str, column: int) -> str:
    """Spaces up to `column`, counting wide (CJK) characters as two cells like a terminal does."""
    from rulebook.render.textwidth import display_width

    return " " * display_width(line[: max(column - 1, 0)])


class RulebookError(Exception):
    """The root of every error rulebook raises on purpose."""


class _ProblemsError(RulebookError):
    """An error made of one or more located problems, all rendered in `str()`."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(
            sorted(dict.fromkeys(problems), key=Problem.sort_key)
        )
        super().__init__(self.render())

    def render(self) -> str:
        errors = [p for p in self.problems if p.severity == "error"]
        body = "\n".join(p.render() for p in self.problems[:SHOWN_PROBLEMS])
        if len(self.problems) > SHOWN_PROBLEMS:
            body += (
                f"\n… and {len(self.problems) - SHOWN_PROBLEMS} more problem(s), not shown "
                f"(the first {SHOWN_PROBLEMS}, in file order, are above)"
            )
        return f"{body}\n{len(errors)} error(s)"


SHOWN_PROBLEMS = 200
"""Problems an error's text shows (all are in `problems`): a file broken on every line is
told by its first ones, not by a report as long as the file."""


class SchemeError(_ProblemsError, ValueError):
    """The scheme file is malformed or inconsistent; `problems` lists every mistake found."""


class DataError(_ProblemsError, ValueError):
    """The indicator data does not fit the scheme; `problems` names unit, indicator and period."""


class ParameterError(_ProblemsError, ValueError):
    """Run-time parameters are missing or wrong (a params file's unknown name, a non-number,
    a `required` parameter not given); `problems` locates each in the params file or scheme."""


class EvaluationError(RulebookError, ArithmeticError):
    """An expression failed at run time (e.g. division by zero) for one unit and node."""

    def __init__(
        self,
        unit: str,
        node: str,
        expression: str,
        cause: str,
        location: Location | None = None,
        column: int | None = None,
        period: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.unit, self.node, self.expression, self.cause = unit, node, expression, cause
        self.location, self.column, self.period, self.hint = location, column, period, hint
        where = f"{location}: " if location else ""
        when = f", period {period!r}" if period else ""
        lines = [f"{where}error: unit {unit!r}, node {node!r}{when}: {cause}", f"    {expression}"]
        if column is not None:
            lines.append("    " + _caret_padding(expression, column + 1) + "^")
        if hint:
            lines.append(f"  hint: {hint}")
        super().__init__("\n".join(lines))


SUGGESTION_POOL = 64
"""At most this many candidates (those sharing the most characters) are compared closely, so a
file of a thousand misspelt names costs linear, not quadratic, time."""
MAX_SUGGESTED_NAME = 100
"""Longer names get no suggestion (nobody misspells a 100-character name by one letter)."""


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A 'did you mean `x`?' hint from the closest candidate names, or None.

    With many candidates a cheap filter first (most shared characters, then closest length,
    capped at `SUGGESTION_POOL`), difflib's ratio only on what is left; ties resolve by name."""
    if len(name) > MAX_SUGGESTED_NAME:
        return None
    pool = set(candidates)
    if len(pool) > SUGGESTION_POOL:
        letters = set(name)
        pool = set(
            heapq.nsmallest(
                SUGGESTION_POOL,
                pool,
                key=lambda c: (-len(letters & set(c)), abs(len(c) - len(name)), c),
            )
        )
    close = difflib.get_close_matches(name, sorted(pool), n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else None
