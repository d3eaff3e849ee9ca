"""The builder's working state, and the readers every phase shares.

A `Context` holds what the phases have collected so far (indicators, values, nodes, formulas
awaiting their types, every name's definition) and the problems found, each located by its key
path. Its readers check one field's shape (a mapping of allowed keys, text, a number, a flag, an
id, a formula) and report what is wrong without stopping, so one run collects every problem.
"""

from __future__ import annotations

import ast
import keyword
import re
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any, TypeGuard

import attrs

from rulebook import arith
from rulebook.errors import Problem, did_you_mean
from rulebook.expr import slips
from rulebook.expr import syntax as ex
from rulebook.scheme import constants, keys
from rulebook.scheme.loader import Path_, Source
from rulebook.scheme.model import (
    Aggregate,
    Awaited,
    Indicator,
    Node,
    Outcome,
    Parameter,
    Period,
    PeriodGroup,
    Ranking,
    Value,
    Veto,
)
from rulebook.scheme.tables import Table


@attrs.frozen
class Formula:
    """A resolved formula awaiting type-checking: where it was written and in which context."""

    owner: str
    expr: ex.Expr
    path: Path_
    axis: str | None  # None, "period" or a period-group set
    kind: str  # "value" (number or yes/no), "score" (number), "condition" (yes/no), "case",
    # "aggregate" (a per-period item's own score, `sum(<id>.periods)`: for the graph only)


class Context:
    """What the phases have collected so far, and the problems found on the way."""

    def __init__(self, source: Source) -> None:
        self.src = source
        self.problems: list[Problem] = []
        self.indicators: dict[str, Indicator] = {}
        self.parameters: dict[str, Parameter] = {}
        self.awaited: dict[str, Awaited] = {}  # `required: true` parameters with no value yet
        self.overrides: dict[str, Parameter] = {}  # run-time values (`--params`), by name
        self.refused: list[str] = []  # formulas refused: the names they read are not "unused"
        self.dropped: set[str] = set()  # declared, refused with an error: not "unknown" as well
        self.values: dict[str, Value] = {}
        self.nodes: dict[str, Node] = {}
        self.rankings: dict[str, Ranking] = {}
        self.aggregates: dict[str, Aggregate] = {}
        self.patterns: dict[str, tuple[Path_, dict[str, Any]]] = {}
        self.formulas: list[Formula] = []
        self.periods: tuple[Period, ...] = ()
        self.period_groups: dict[str, tuple[PeriodGroup, ...]] = {}
        self.name_paths: dict[str, Path_] = {}
        self.from_patterns: set[str] = set()  # values a pattern provides; unused ones are fine
        self.vetoes: dict[str, Veto] = {}
        self.outcomes: dict[str, Outcome] = {}
        self.tables: dict[str, Table] = {}  # `tables:`, read before any formula
        self.limits = arith.DEFAULT_LIMITS  # `scheme.limits`, read before any number
        self.rounding_mode = "half_up"  # `rounding.mode`, read before any formula
        self.constant_arguments: dict[str, dict[str, constants.Slot]] = {}
        """Per pattern: its arguments used as an exponent or round()'s places."""

    def error(
        self,
        path: Path_,
        message: str,
        hint: str | None = None,
        *,
        key: bool = False,
        severity: str = "error",
    ) -> None:
        """Report a problem at the key path `path` (its value, or with key=True its key)."""
        self.problems.append(self.src.problem(path, message, hint, key=key, severity=severity))

    def expr_error(self, path: Path_, err: ex.ExprError, text: str) -> None:
        """An expression problem, pointed at the exact character (also in multi-line values)."""
        where = self.src.inside(path, " ".join(text.split("\n")), err.offset)
        self.problems.append(Problem(err.message, where, err.hint, self.src.line_text(where)))

    def mapping(
        self,
        value: Any,
        path: Path_,
        allowed: Iterable[str],
        what: str,
        required: Iterable[str] = (),
    ) -> dict[str, Any]:
        """`value` as a mapping whose keys are all in `allowed`; reports the others."""
        if value is None:
            return {}  # absent: the parent reports it if it was required
        if not isinstance(value, dict):
            self.error(path, f"{what} must be a mapping (key: value lines), got {kind_of(value)}")
            return {}
        allowed = tuple(allowed)
        previous: str | None = None
        for key in value:
            if key not in allowed:
                self.unknown_key(value, path, key, previous, allowed, what)
            previous = key
        for key in required:
            if value.get(key) is None:  # `key:` with nothing after it is no value either
                self.error(path, f"{what} is missing required key `{key}`")
        return {k: v for k, v in value.items() if k in allowed}

    def unknown_key(
        self,
        mapping: dict[str, Any],
        path: Path_,
        key: str,
        previous: str | None,
        allowed: tuple[str, ...],
        what: str,
    ) -> None:
        """Report `key`, naming the slip behind it when there is one: an invisible or
        full-width character in it, or `000` left over from `n: 1,000` in a `{…}` mapping."""
        if (
            previous is not None
            and key.isdigit()
            and len(key) == 3
            and isinstance(mapping[previous], int)
            and not isinstance(mapping[previous], bool)
            and mapping[key] is None
        ):
            written = f"{mapping[previous]},{key}"
            self.error(
                (*path, previous),
                slips.thousands_message(written),
                f"inside `{{…}}` a comma separates entries, so `{written}` was read as "
                f"`{mapping[previous]}` and a key `{key}`",
            )
            return
        slip = slips.first_char_slip(key)
        if slip is not None:
            offset, message = slip
            self.problems.append(
                self.src.problem(
                    (*path, key),
                    f"unknown key `{key}` in {what}: {message}",
                    did_you_mean(slips.clean(key), allowed),
                    key=True,
                    column_offset=offset,
                )
            )
            return
        self.error(
            (*path, key),
            f"unknown key `{key}` in {what}",
            did_you_mean(key, allowed) or f"allowed keys: {', '.join(allowed)}",
            key=True,
        )

    def record(
        self, value: Any, path: Path_, record: keys.Record, what: str, *, section: bool = False
    ) -> dict[str, Any]:
        """`value` as a mapping of `record`'s keys (rulebook.scheme.keys): unknown keys and
        missing required ones are reported. An empty entry (`- ` or `name:` with nothing) is
        checked as `{}`, so its missing keys are named; an absent `section` is its parent's
        business."""
        if value is None and not section:
            value = {}
        return self.mapping(value, path, record.names, what, record.required)

    def text(self, value: Any, path: Path_, what: str, default: str = "") -> str:
        """`value` as text (a number kept as written, a list of lines joined); else reported."""
        if value is None:
            return default
        if isinstance(value, list) and all(_is_text(v) for v in value):
            return "\n".join(str(v) for v in value)
        if not _is_text(value):
            self.error(path, f"{what} must be text, got {kind_of(value)}")
            return default
        return str(value)

    def number(self, value: Any, path: Path_, what: str) -> Decimal | None:
        """`value` as an exact number; a slip in text (`1,000`, `１２`) is named with its fix."""
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            fix = slips.plain_number(value) if isinstance(value, str) else None
            shown = f" `{value}`" if fix else ""
            self.error(path, f"{what} must be a number, got {kind_of(value)}{shown}", fix)
            return None
        number = Decimal(value)
        beyond = arith.number_problem(number, self.limits)
        if beyond is not None:
            shown = self.src.written(path) or _short(number)
            self.error(path, f"{what}: {_short_text(shown)} is {beyond}", LIMIT_HINT)
        return number  # reported; kept so that names using it are not reported as unknown

    def flag(self, value: Any, path: Path_, what: str) -> bool:
        """`value` as true/false (absent: false); anything else is reported."""
        if value is None:
            return False
        if not isinstance(value, bool):
            self.error(path, f"{what} must be true or false, got {kind_of(value)}")
            return False
        return value

    def identifier(
        self, name: Any, path: Path_, what: str, *, dotted: bool = False
    ) -> TypeGuard[str]:
        """Whether `name` may name a `what`: an ASCII id, no Python keyword, not reserved.
        Absent (None) is no id either, but the missing key is its record's to report."""
        if name is None:
            return False
        if not isinstance(name, str):
            self.error(
                path,
                f"{what} must be an id, got {kind_of(name)}",
                "ids are ASCII letters, digits and `_`, starting with a letter",
            )
            return False
        parts = name.split(".") if dotted else [name]
        if not all(p.isidentifier() and p.isascii() and not p.startswith("_") for p in parts):
            slip = slips.first_char_slip(name)
            self.error(
                path,
                f"{what} `{name}` is not a valid id",
                slip[1]
                if slip
                else "ids are ASCII letters, digits and `_`, starting with a letter",
                key=True,
            )
            return False
        if keyword.iskeyword(name):
            self.error(
                path,
                f"`{name}` is a Python keyword and cannot name a {what}",
                f"formulas are Python expressions, where `{name}` means something else: "
                f"choose another name, e.g. `{name.lower()}_`",
                key=True,
            )
            return False
        if name in keys.RESERVED:
            self.error(path, f"`{name}` is a reserved word and cannot name a {what}", key=True)
            return False
        return True

    def claim(self, name: str, path: Path_, what: str) -> bool:
        """Register a global name; report a clash with any earlier definition."""
        if name in self.name_paths:
            first = self.src.loc(self.name_paths[name], key=True)
            self.error(
                path,
                f"{what} `{name}` is already defined (line {first.line})",
                "every indicator, parameter, value, ranking and node needs its own name",
                key=True,
            )
            return False
        self.name_paths[name] = path
        return True

    def entries(
        self, raw: Any, section: str, what: str, record: keys.Record
    ) -> Iterator[tuple[str, Path_, dict[str, Any]]]:
        """The entries of a `name: {fields}` section whose names are valid and new, each with its
        path and its checked fields."""
        spec = self.mapping(raw, (section,), keys_of(raw), f"`{section}`")
        for name, body in spec.items():
            path: Path_ = (section, name)
            if self.identifier(name, path, what) and self.claim(name, path, what):
                yield name, path, self.record(body, path, record, f"{what} `{name}`")

    def formula(
        self, raw: Any, path: Path_, local: Any, replacements: Mapping[str, ast.expr] | None = None
    ) -> ex.Expr | None:
        """Parse an expression, rename local names to full ones, then substitute pattern args."""
        if isinstance(raw, bool | list | dict) or raw is None:
            self.error(
                path,
                "an expression must be a formula or a number",
                'e.g. expr: "max(0, 12 - 3 * meetings_missed)"',
            )
            return None
        text = str(raw)
        try:
            parsed = ex.parse(text, self.tables)
        except ex.ExprError as err:
            self.expr_error(path, err, text)
            self.refused.append(text)
            return None
        for node in ast.walk(parsed.tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, Decimal):
                beyond = arith.number_problem(node.value, self.limits)
                if beyond is not None:
                    flat = " ".join(text.split("\n"))
                    head = flat.strip().encode()[: node.col_offset].decode("utf-8", "ignore")
                    offset = len(flat) - len(flat.lstrip()) + len(head)
                    where = self.src.inside(path, flat, offset)
                    self.problems.append(
                        Problem(
                            f"the number {_short_text(_literal(flat, offset) or str(node.value))} "
                            f"is {beyond}",
                            where,
                            LIMIT_HINT,
                            self.src.line_text(where),
                        )
                    )
                    self.refused.append(text)
                    return None
        renamed = ex.rename(parsed, local)
        formula = ex.substitute(renamed, replacements) if replacements else renamed
        if "**" not in text and "round" not in text:
            return formula  # no constant slot of its own; pattern arguments were settled apart
        refused = constants.settle(
            formula.tree, self.parameters, self.indicators, self.rounding_mode, self.awaited
        )
        for node, slot, message in refused:
            hint = ex.EXPONENT_HINT if slot == "exponent" else ex.PLACES_HINT
            given_by = next((n.id for n in ast.walk(node) if isinstance(n, ast.Name)), None)
            if given_by is not None and " (the value of parameter" in message:
                hint = constants.limit_hint(slot, given_by)  # the fix is its value
            use = self.src.inside(path, " ".join(text.split("\n")), node.col_offset)
            given = constants.given_problem(
                node, slot, message, self.parameters, use, f"`{_short_text(text.strip())}`"
            )
            if given is not None:
                self.problems.append(given)
                continue
            self.expr_error(path, ex.ExprError(message, node.col_offset, hint), text)
        if refused:
            self.refused.append(text)
            return None
        return formula


LIMIT_HINT = (
    "numbers are bounded so that scoring stays fast and exact; a scheme may raise "
    "the ceiling with `scheme: limits: {max_digits: 40, max_magnitude: 1e35}` "
    "(those are the most allowed; docs/security.md)"
)


def _literal(text: str, offset: int) -> str | None:
    """The number literal written at `offset` of `text`, as written (`1e25`, not 1E+25)."""
    match = re.compile(r"[0-9][0-9_.]*(?:[eE][+-]?[0-9]+)?").match(text, offset)
    return match.group() if match else None


def _short(number: Decimal) -> str:
    return _short_text(str(number))


def _short_text(text: str) -> str:
    """A number for a message, cut to 40 characters (a 20,000-digit one is not echoed)."""
    return text if len(text) <= 40 else f"{text[:20]}…({len(text)} characters)"


def keys_of(raw: Any) -> tuple[str, ...]:
    """The keys of a mapping the author names freely (`indicators:`), or none."""
    return tuple(raw) if isinstance(raw, dict) else ()


def kind_of(value: Any) -> str:
    """What a YAML value is, in a user's words (`text`, `a list`), for type errors."""
    if isinstance(value, bool):
        return "true/false"
    return {
        dict: "a mapping",
        list: "a list",
        str: "text",
        int: "a number",
        Decimal: "a number",
        type(None): "nothing",
    }.get(type(value), type(value).__name__)


def _is_text(value: Any) -> bool:
    """Whether a YAML scalar reads as text: a string, or a number kept as written."""
    return isinstance(value, str | int | Decimal) and not isinstance(value, bool)
