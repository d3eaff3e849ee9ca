"""Scheme expressions: parsed once, checked against a closed whitelist, typed, and resolved.

An expression is a single Python-syntax *expression* (parsed with mode="eval", so two statements
are an error) made only of numbers, names, arithmetic, comparisons, boolean logic, conditional
expressions and calls of rulebook's own functions. Dotted node ids such as
`contraception.iud.ratio` are *names*, looked up whole at load; there is no attribute access.
Numeric literals become `Decimal` from their written text. Anything else is rejected with the
column of the offending construct.
"""

from __future__ import annotations

import ast
import copy
import itertools
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from decimal import Decimal, InvalidOperation

import attrs

from rulebook.engine.semantics import MAX_ROUND_PLACES, ROUNDING_MODES
from rulebook.expr import slips
from rulebook.expr.functions import AGGREGATORS, FUNCTIONS, PERIOD_NAMES

MAX_LENGTH = 2000
MAX_NODES = 400
MAX_DEPTH = 40
MAX_DIGITS = 30
MAX_EXPONENT = 100

ARITHMETIC = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
COMPARISONS = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
}
UNARY = {ast.USub: "-", ast.UAdd: "+", ast.Not: "not "}
BOOLEAN = {ast.And: "and", ast.Or: "or"}

_FORBIDDEN: dict[type, tuple[str, str | None]] = {
    ast.Subscript: ("subscripts are", "per-period values are read by aggregators such as sum(x)"),
    ast.Lambda: ("lambdas are", "define a pattern or a `let` value instead"),
    ast.ListComp: ("comprehensions are", "use an aggregator such as sum(x)"),
    ast.GeneratorExp: ("comprehensions are", "use an aggregator such as sum(x)"),
    ast.DictComp: ("comprehensions are", None),
    ast.SetComp: ("comprehensions are", None),
    ast.JoinedStr: ("f-strings are", None),
    ast.NamedExpr: ("assignment expressions (`:=`) are", "use a `let` value"),
    ast.Starred: ("star arguments are", "pass each argument by position"),
    ast.List: ("lists are", None),
    ast.Tuple: ("tuples are", None),
    ast.Dict: ("dicts are", None),
    ast.Set: ("sets are", None),
    ast.Await: ("`await` is", None),
    ast.Yield: ("`yield` is", None),
    ast.YieldFrom: ("`yield` is", None),
    ast.Slice: ("slices are", None),
}


class ExprError(Exception):
    """A problem inside one expression; `offset` is the 0-based character where it starts."""

    def __init__(self, message: str, offset: int = 0, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.offset, self.hint = message, offset, hint


@attrs.frozen
class Expr:
    """A validated expression: its text and its (whitelisted) syntax tree.

    `tree` holds `Decimal` constants and `Name` nodes whose ids may contain dots (node ids).
    """

    text: str
    tree: ast.expr = attrs.field(eq=False, repr=False)

    def names(self) -> Iterator[tuple[str, int]]:
        """Every name read (not function names), with its character offset."""
        for node in value_names(self.tree):
            yield node.id, node.col_offset


def value_names(tree: ast.expr) -> Iterator[ast.Name]:
    """The Name nodes of `tree` that read a value (a called function's name is not one)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name):
            yield node
        elif isinstance(node, ast.Call):
            stack.extend(reversed(node.args))
        else:
            stack.extend(reversed(list(ast.iter_child_nodes(node))))


def parse(text: str, tables: Collection[str] = ()) -> Expr:
    """Parse and validate `text`; raise ExprError (with offset and hint) if it is not allowed.
    `tables` are the scheme's table names, called like one-argument functions."""
    if not isinstance(text, str):
        raise ExprError("an expression must be text or a number")
    if len(text) > MAX_LENGTH:
        raise ExprError(
            f"expression is {len(text)} characters long; the limit is {MAX_LENGTH}",
            MAX_LENGTH,
            "split it into `let` values",
        )
    flat = " ".join(text.split("\n")) if "\n" in text else text
    stripped = flat.strip()
    if not stripped:
        raise ExprError("empty expression", 0, "write a formula, e.g. `max(0, 12 - 3 * x)`")
    lead = len(flat) - len(flat.lstrip())
    code = slips.blank_strings(flat)
    _check_slips(code)
    try:
        module = ast.parse(stripped, mode="eval")
    except SyntaxError as exc:
        assign = _LONE_EQUALS.search(code)
        if assign:
            truth = re.match(r"\s*(True|False|true|false)\b", code[assign.end() :])
            raise ExprError(
                "syntax error: `=` is not a comparison: write `==`",
                assign.start(),
                "a yes/no value needs no comparison: write `staffed` or "
                "`not staffed`, not `staffed == True`"
                if truth
                else None,
            ) from None
        offset = lead + max((exc.offset or 1) - 1, 0)
        hint = None
        if "\n" in text or ";" in text or "=" in text.replace("==", ""):
            hint = "an expression is a single formula: no statements, `;` or assignments"
        raise ExprError(f"syntax error: {exc.msg}", offset, hint) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExprError("expression is nested too deeply or malformed", lead) from None
    body = _Validator(stripped, lead, tables).visit(module.body)
    return Expr(text, body)


_LONE_EQUALS = re.compile(r"(?<![=!<>])=(?!=)")


def _check_slips(code: str) -> None:
    """Raise ExprError at the first authoring slip outside quotes: a full-width or invisible
    character, `或`/`且`, a typographic symbol, or a number with thousands separators (which
    would otherwise read silently as several arguments: `max(0, 1,000)`)."""
    slip = slips.first_char_slip(code)
    if slip is not None:
        raise ExprError(slip[1], slip[0])
    number = slips.THOUSANDS.search(code)
    if number is not None:
        raise ExprError(
            slips.thousands_message(number.group()),
            number.start(),
            "to pass separate numbers, put a space after each comma: "
            f"`{number.group().replace(',', ', ')}`",
        )


class _Validator:
    """Walks a parsed expression, enforcing the whitelist and turning literals into Decimals."""

    def __init__(self, text: str, lead: int, tables: Collection[str] = ()) -> None:
        self.text, self.lead, self.tables = text, lead, tables
        self.count = 0

    def fail(self, node: ast.AST, message: str, hint: str | None = None) -> ExprError:
        return ExprError(message, self.lead + getattr(node, "col_offset", 0), hint)

    def visit(self, node: ast.expr, depth: int = 0) -> ast.expr:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(
                node, f"expression has more than {MAX_NODES} parts", "split it into `let` values"
            )
        if depth > MAX_DEPTH:
            raise self.fail(
                node,
                f"expression is nested more than {MAX_DEPTH} levels deep",
                "split it into `let` values",
            )
        d = depth + 1
        if isinstance(node, ast.Constant):
            return self._constant(node)
        if isinstance(node, ast.Name):
            return self._name(node, node.id)
        if isinstance(node, ast.Attribute):
            return self._name(node, _dotted(node, self))
        if isinstance(node, ast.BinOp):
            if type(node.op) not in ARITHMETIC:
                raise self.fail(
                    node,
                    f"operator `{_op_text(node.op)}` is not allowed",
                    "use + - * / ** and functions such as floor(x)",
                )
            node.left, node.right = self.visit(node.left, d), self.visit(node.right, d)
            if isinstance(node.op, ast.Pow):
                self._check_exponent(node.right)
            return node
        if isinstance(node, ast.UnaryOp):
            if type(node.op) not in UNARY:
                raise self.fail(node, "operator `~` is not allowed")
            node.operand = self.visit(node.operand, d)
            return node
        if isinstance(node, ast.BoolOp):
            node.values = [self.visit(v, d) for v in node.values]
            return node
        if isinstance(node, ast.Compare):
            for op in node.ops:
                if type(op) not in COMPARISONS:
                    raise self.fail(
                        node, f"comparison `{_op_text(op)}` is not allowed", "use == != < <= > >="
                    )
            node.left = self.visit(node.left, d)
            node.comparators = [self.visit(c, d) for c in node.comparators]
            return node
        if isinstance(node, ast.IfExp):
            node.test, node.body = self.visit(node.test, d), self.visit(node.body, d)
            node.orelse = self.visit(node.orelse, d)
            return node
        if isinstance(node, ast.Call):
            return self._call(node, d)
        what, hint = _FORBIDDEN.get(type(node), (f"`{type(node).__name__}` is", None))
        raise self.fail(node, f"{what} not allowed in an expression", hint)

    def _constant(self, node: ast.Constant) -> ast.expr:
        value = node.value
        if isinstance(value, bool):
            return node
        if isinstance(value, int | float):
            written = ast.get_source_segment(self.text, node) or repr(value)
            digits = written.replace("_", "")
            if len(digits) > MAX_DIGITS:
                raise self.fail(node, f"number literal longer than {MAX_DIGITS} digits")
            try:
                number = Decimal(digits)
            except InvalidOperation:
                raise self.fail(node, f"`{written}` is not a decimal number") from None
            if not number.is_finite() or abs(number.adjusted()) > MAX_DIGITS:
                raise self.fail(node, f"number `{written}` is out of range")
            return ast.copy_location(ast.Constant(number), node)  # type: ignore[arg-type]
        if isinstance(value, str):
            if len(value) > 100:
                raise self.fail(node, "text literal longer than 100 characters")
            return node
        raise self.fail(
            node,
            f"literal `{value!r}` is not allowed",
            "only numbers, true/false (True/False) and enum values in quotes",
        )

    def _name(self, node: ast.expr, name: str) -> ast.Name:
        if any(part.startswith("_") for part in name.split(".")):
            raise self.fail(node, f"name `{name}` is not allowed (names may not start with `_`)")
        if name == "None":
            raise self.fail(node, "`None` is not a value here", "use 0 or a default")
        out = ast.Name(id=name, ctx=ast.Load())
        return ast.copy_location(out, node)

    def _call(self, node: ast.Call, depth: int) -> ast.Call:
        if not isinstance(node.func, ast.Name):
            self.visit(node.func, depth)  # names the construct: a lambda, an attribute, ...
            raise self.fail(
                node,
                "only rulebook's own functions can be called",
                "call a function by its name, e.g. max(0, x)",
            )
        fname = node.func.id
        if node.keywords:
            raise self.fail(
                node.keywords[0].value or node,
                "keyword arguments are not allowed",
                "pass arguments by position",
            )
        node.args = [self.visit(a, depth) for a in node.args]
        if fname in AGGREGATORS:
            if len(node.args) != 1:
                raise self.fail(node, f"`{fname}` takes exactly one argument (a per-period value)")
        elif fname in FUNCTIONS:
            sig = FUNCTIONS[fname]
            n = len(node.args)
            if n < sig.min_args or (sig.max_args is not None and n > sig.max_args):
                want = (
                    f"{sig.min_args}"
                    if sig.max_args == sig.min_args
                    else f"at least {sig.min_args}"
                    if sig.max_args is None
                    else f"{sig.min_args} to {sig.max_args}"
                )
                raise self.fail(node, f"`{fname}` takes {want} argument(s), got {n}", sig.doc)
            if fname == "round":
                self._check_round(node)
        elif fname in self.tables:
            if len(node.args) != 1:
                raise self.fail(
                    node,
                    f"table `{fname}` takes one argument, got {len(node.args)}",
                    f"e.g. {fname}(x): the value to look up",
                )
        else:
            from rulebook.errors import did_you_mean

            raise self.fail(
                node,
                f"unknown function `{fname}`",
                did_you_mean(fname, [*FUNCTIONS, *AGGREGATORS, *self.tables])
                or "functions: " + ", ".join(sorted([*FUNCTIONS, *AGGREGATORS])),
            )
        return node

    def _check_exponent(self, node: ast.expr) -> None:
        if not constant_form(node):
            raise self.fail(node, EXPONENT_MESSAGE, EXPONENT_HINT)
        value = node.operand if isinstance(node, ast.UnaryOp) else node
        if isinstance(value, ast.Constant):
            problem = exponent_problem(constant_value(value))
            if problem is not None:
                raise self.fail(node, problem)

    def _check_round(self, node: ast.Call) -> None:
        """`round(x, places[, "mode"])`: places a load-time constant (a whole number from
        −MAX_ROUND_PLACES to MAX_ROUND_PLACES when written here), mode a known name in quotes."""
        places = node.args[1]
        if not constant_form(places):
            raise self.fail(places, PLACES_MESSAGE, PLACES_HINT)
        literal = places.operand if isinstance(places, ast.UnaryOp) else places
        if isinstance(literal, ast.Constant):
            problem = places_problem(constant_value(places))
            if problem is not None:
                raise self.fail(places, problem, PLACES_HINT)
        if len(node.args) == 3:
            mode = node.args[2]
            if not (
                isinstance(mode, ast.Constant)
                and isinstance(mode.value, str)
                and mode.value in ROUNDING_MODES
            ):
                from rulebook.errors import did_you_mean

                written = mode.value if isinstance(mode, ast.Constant) else None
                raise self.fail(
                    mode,
                    "the mode of round() must be one of "
                    + ", ".join(f'"{m}"' for m in ROUNDING_MODES)
                    + ", written in quotes",
                    (did_you_mean(str(written), ROUNDING_MODES) if written is not None else None)
                    or 'e.g. round(x, 1, "half_even"); leave it out for the scheme\'s mode',
                )


EXPONENT_MESSAGE = (
    "an exponent must be a load-time constant: a number written in the expression, "
    "a parameter without by_unit, or a pattern argument given one of those"
)
EXPONENT_HINT = f"e.g. x ** 2, x ** 1.8 or x ** C; exponents are limited to ±{MAX_EXPONENT}"
PLACES_MESSAGE = (
    "the places of round() must be a load-time constant: a whole number written in the "
    "expression, a parameter without by_unit, or a pattern argument given one of those"
)
PLACES_HINT = (
    f"e.g. round(x, 2); places run from -{MAX_ROUND_PLACES} to {MAX_ROUND_PLACES} "
    "(negative places round to tens, hundreds, ...)"
)


def constant_form(node: ast.expr) -> bool:
    """Whether `node` may stand where a load-time constant is needed (an exponent, round()'s
    places): a number, or a name (a parameter or pattern argument, checked once names are
    known), optionally signed."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        node = node.operand
    if isinstance(node, ast.Constant):
        return isinstance(node.value, Decimal)
    return isinstance(node, ast.Name)


def constant_value(node: ast.expr, names: Callable[[str], Decimal] | None = None) -> Decimal:
    """The number a `constant_form` node stands for; names are looked up with `names`."""
    sign = -1 if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) else 1
    if isinstance(node, ast.UnaryOp):
        node = node.operand
    if isinstance(node, ast.Constant):
        assert isinstance(node.value, Decimal)  # constant_form: a number
        return sign * node.value
    assert isinstance(node, ast.Name)
    assert names is not None
    return sign * names(node.id)


def places_problem(places: Decimal) -> str | None:
    """Why `places` cannot be round()'s places (not whole, out of range), or None."""
    if places != places.to_integral_value():
        return f"the places of round() must be a whole number, got {places}"
    if abs(places) > MAX_ROUND_PLACES:
        return (
            f"the places of round() must be from -{MAX_ROUND_PLACES} to {MAX_ROUND_PLACES}, "
            f"got {places}"
        )
    return None


def exponent_problem(exponent: Decimal) -> str | None:
    """Why `exponent` is refused (larger than MAX_EXPONENT), or None."""
    if abs(exponent) > MAX_EXPONENT:
        return f"exponent {exponent} is larger than {MAX_EXPONENT}"
    return None


def _dotted(node: ast.expr, validator: _Validator) -> str:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        raise validator.fail(
            node,
            "attribute access is not allowed",
            "a dotted name must be a node id such as `committee.meetings`",
        )
    parts.append(node.id)
    return ".".join(reversed(parts))


def _op_text(op: ast.AST) -> str:
    return {
        ast.FloorDiv: "//",
        ast.Mod: "%",
        ast.MatMult: "@",
        ast.LShift: "<<",
        ast.RShift: ">>",
        ast.BitOr: "|",
        ast.BitAnd: "&",
        ast.BitXor: "^",
        ast.In: "in",
        ast.NotIn: "not in",
        ast.Is: "is",
        ast.IsNot: "is not",
    }.get(type(op), "?")


def substitute(expr: Expr, replacements: Mapping[str, ast.expr]) -> Expr:
    """A copy of `expr` with each name in `replacements` replaced by (a copy of) a subtree;
    used to instantiate patterns, whose arguments are expressions of the instance."""
    tree = copy.deepcopy(expr.tree)

    class _Sub(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.expr:
            if node.id in replacements:
                return ast.copy_location(copy.deepcopy(replacements[node.id]), node)
            return node

        def visit_Call(self, node: ast.Call) -> ast.expr:
            node.args = [self.visit(a) for a in node.args]
            return node

    return Expr(expr.text, _Sub().visit(tree))


def rename(expr: Expr, mapping: Callable[[str], str]) -> Expr:
    """A copy of `expr` with every name passed through `mapping` (local -> full names)."""
    tree = copy.deepcopy(expr.tree)
    for node in value_names(tree):
        node.id = mapping(node.id)
    return Expr(expr.text, tree)


# ---------------------------------------------------------------------------------------------
# Types and periods


NUM, BOOL = "number", "boolean"


@attrs.frozen
class NameInfo:
    """What the checker needs to know about a name: its type and its axis — None (one value),
    `period` (one value per period) or the name of a period-group set (one per group).
    For enums, `type` is `enum:<indicator>` and `values` lists the allowed strings."""

    type: str
    axis: str | None = None
    values: tuple[str, ...] = ()

    @property
    def per_period(self) -> bool:
        return self.axis is not None


PERIOD = "period"


def check(
    expr: Expr,
    lookup: Callable[[str], NameInfo | None],
    *,
    axis: str | None,
    has_periods: bool,
    tables: Mapping[str, str] | None = None,
    calls: list[tuple[str, NameInfo, ast.expr]] | None = None,
) -> str:
    """Type-check `expr` in a context — one value (`axis=None`), per period (`"period"`) or per
    group of a period-group set — and return its type. Raise ExprError at the offending part.
    `tables` maps each table name to its kind (`lookup` reads an enum, `band` a number); each
    call of one is appended to `calls` as (table, the argument's type, the argument)."""
    return _Checker(lookup, has_periods, tables or {}, calls).check(expr.tree, axis)


def inner_axis(node: ast.expr, axis_of: Callable[[str], str | None]) -> str | None:
    """The axis an aggregator iterates: that of the varying names in its argument (outside
    nested aggregators). Raises ExprError if they vary along different axes."""
    found: set[str] = set()
    stack: list[ast.AST] = [node]
    while stack:
        current = stack.pop()
        if (
            isinstance(current, ast.Call)
            and isinstance(current.func, ast.Name)
            and current.func.id in AGGREGATORS
        ):
            continue
        if isinstance(current, ast.Name) and current.id not in PERIOD_NAMES:
            axis = axis_of(current.id)
            if axis is not None:
                found.add(axis)
        if isinstance(current, ast.Call):
            stack.extend(current.args)
        else:
            stack.extend(ast.iter_child_nodes(current))
    if len(found) > 1:
        raise ExprError(
            f"this aggregates values that vary along different axes ({', '.join(sorted(found))})",
            getattr(node, "col_offset", 0),
            "aggregate each separately, e.g. sum(a) + sum(b)",
        )
    return next(iter(found), None)


class _Checker:
    def __init__(
        self,
        lookup: Callable[[str], NameInfo | None],
        has_periods: bool,
        tables: Mapping[str, str] | None = None,
        calls: list[tuple[str, NameInfo, ast.expr]] | None = None,
    ) -> None:
        self.lookup, self.has_periods = lookup, has_periods
        self.tables, self.calls = tables or {}, calls

    def fail(self, node: ast.AST, message: str, hint: str | None = None) -> ExprError:
        return ExprError(message, getattr(node, "col_offset", 0), hint)

    def axis_of(self, name: str) -> str | None:
        info = self.lookup(name)
        return info.axis if info else None

    def check(self, node: ast.expr, pp: str | None) -> str:
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool):
                return BOOL
            if isinstance(v, str):
                raise self.fail(
                    node,
                    f'text "{v}" can only be compared with an enum indicator',
                    'e.g. level == "city"',
                )
            return NUM
        if isinstance(node, ast.Name):
            return self.name(node, pp).type
        if isinstance(node, ast.BinOp):
            self.expect(node.left, pp, NUM, "arithmetic")
            self.expect(node.right, pp, NUM, "arithmetic")
            return NUM
        if isinstance(node, ast.UnaryOp):
            want = BOOL if isinstance(node.op, ast.Not) else NUM
            self.expect(node.operand, pp, want, "`not`" if want == BOOL else "a sign")
            return want
        if isinstance(node, ast.BoolOp):
            for operand in node.values:
                self.expect(operand, pp, BOOL, f"`{BOOLEAN[type(node.op)]}`")
            return BOOL
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for (left, right), op in zip(itertools.pairwise(operands), node.ops, strict=True):
                self.compare(left, right, op, pp)
            return BOOL
        if isinstance(node, ast.IfExp):
            self.expect(node.test, pp, BOOL, "a condition")
            body = self.check(node.body, pp)
            other = self.check(node.orelse, pp)
            if body != other:
                raise self.fail(
                    node.orelse, f"both branches must have the same type (got {body} and {other})"
                )
            return body
        if isinstance(node, ast.Call):
            fname = node.func.id  # type: ignore[attr-defined]  # validated: always a Name
            if fname in AGGREGATORS:
                if not self.has_periods:
                    raise self.fail(node, f"`{fname}` needs periods, and the scheme declares none")
                axis = inner_axis(node.args[0], self.axis_of)
                if axis is None:
                    raise self.fail(
                        node,
                        f"`{fname}` aggregates over periods, but its argument "
                        "does not vary by period",
                        "aggregate a per-period indicator or value",
                    )
                self.expect(node.args[0], axis, NUM, f"`{fname}`")
                return NUM
            if fname in self.tables:
                return self.table_call(fname, node.args[0], pp)
            args = node.args[:2] if fname == "round" else node.args  # round's mode: a text
            for a in args:
                self.expect(a, pp, NUM, f"`{fname}`")
            return NUM
        raise self.fail(node, "unsupported construct")  # unreachable after validation

    def table_call(self, table: str, arg: ast.expr, pp: str | None) -> str:
        """A call of a scheme table: a lookup reads an enum, a band table a number."""
        got = self.check(arg, pp)
        info = NameInfo(got)
        if self.tables[table] == "lookup":
            if not got.startswith("enum:"):
                raise self.fail(
                    arg,
                    f"lookup table `{table}` needs an enum, got {_type_text(got)}",
                    f"call it with an enum indicator, e.g. {table}(level); a number goes to a "
                    "band table (`bands:`)",
                )
            info = self.lookup(got.removeprefix("enum:")) or info
            info = NameInfo(got, info.axis, info.values)
        elif got != NUM:
            raise self.fail(
                arg,
                f"band table `{table}` needs a number, got {_type_text(got)}",
                "an enum value is looked up in a `map:` table",
            )
        if self.calls is not None:
            self.calls.append((table, info, arg))
        return NUM

    def name(self, node: ast.Name, pp: str | None) -> NameInfo:
        if node.id in PERIOD_NAMES:
            if pp is None:
                raise self.fail(
                    node,
                    f"`{node.id}` only has a value inside a per-period formula",
                    "mark the value `per_period: true`, or use wsum(x)",
                )
            return NameInfo(NUM, pp)
        info = self.lookup(node.id)
        if info is None:
            raise self.fail(node, f"unknown name `{node.id}`")  # the builder adds did-you-mean
        axis = info.axis
        if axis is None or axis == pp or (axis != PERIOD and pp == PERIOD):
            return info  # a group's value read inside a period is the group containing it
        if pp is None:
            what = "per period" if axis == PERIOD else f"per `{axis}` group"
            raise self.fail(
                node,
                f"`{node.id}` has one value {what} and is used here without aggregation",
                f"aggregate it: sum({node.id}), wsum({node.id}), last({node.id}), ...",
            )
        raise self.fail(
            node,
            f"`{node.id}` varies along `{axis}`, which this `{pp}` formula cannot read directly",
            f"aggregate it: sum({node.id}), ...",
        )

    def expect(self, node: ast.expr, pp: str | None, want: str, where: str) -> None:
        got = self.check(node, pp)
        if got != want:
            hint = (
                "turn a yes/no into points with `8 if staffing_complete else 0`"
                if got == BOOL
                else "compare it, e.g. `x > 0`"
                if want == BOOL
                else None
            )
            if got.startswith("enum:"):
                hint = 'compare an enum with a value in quotes, e.g. level == "city"'
            raise self.fail(node, f"{where} needs a {want}, got {_type_text(got)}", hint)

    def compare(self, left: ast.expr, right: ast.expr, op: ast.cmpop, pp: str | None) -> None:
        strings = [
            n for n in (left, right) if isinstance(n, ast.Constant) and isinstance(n.value, str)
        ]
        if strings:
            other = right if strings[0] is left else left
            if len(strings) == 2 or not isinstance(other, ast.Name):
                raise self.fail(strings[0], "text can only be compared with an enum indicator")
            info = self.name(other, pp)
            if not info.type.startswith("enum:"):
                raise self.fail(
                    other,
                    f"`{other.id}` is a {info.type}, not an enum; it cannot be compared with text",
                )
            if not isinstance(op, ast.Eq | ast.NotEq):
                raise self.fail(left, "enum values can only be compared with == and !=")
            value = str(strings[0].value)
            if info.values and value not in info.values:
                from rulebook.errors import did_you_mean

                raise self.fail(
                    strings[0],
                    f"`{value}` is not a value of `{other.id}` (allowed: {', '.join(info.values)})",
                    did_you_mean(value, info.values),
                )
            return
        lt, rt = self.check(left, pp), self.check(right, pp)
        if lt.startswith("enum:") or rt.startswith("enum:"):
            raise self.fail(
                left, "an enum can only be compared with a value in quotes", 'e.g. level == "city"'
            )
        if lt != rt:
            raise self.fail(right, f"cannot compare a {lt} with a {rt}")
        if lt == BOOL and not isinstance(op, ast.Eq | ast.NotEq):
            raise self.fail(left, "yes/no values can only be compared with == and !=")


def _type_text(t: str) -> str:
    return "an enum" if t.startswith("enum:") else f"a {t}"
