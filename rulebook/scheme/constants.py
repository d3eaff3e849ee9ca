"""Load-time constants in formulas: every exponent and every `round()`'s places must be a number
known when the scheme is built — written in the formula, a parameter without `by_unit`, or a
pattern argument given one of those — so its size limit is checked here, once, and the engines
and the bounds see a fixed number. A two-argument `round(x, places)` is given the scheme's
rounding mode here, so every engine rounds it the same way.

Runs on each formula as it is read (after pattern arguments are substituted) and reads the
parameters declared in this build: a rebuild with other parameter values checks them again;
nothing is kept between builds.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Mapping
from decimal import Decimal
from typing import Literal

from rulebook.engine.semantics import MAX_ROUND_PLACES
from rulebook.errors import Location, Problem
from rulebook.expr import syntax as ex
from rulebook.scheme.model import Indicator, Parameter

Slot = Literal["exponent", "places"]


def slots(tree: ast.expr, rounding_mode: str | None = None) -> Iterator[tuple[Slot, ast.expr]]:
    """Each place in `tree` that needs a load-time constant: an exponent or round()'s places.
    With `rounding_mode`, a two-argument round() on the way is given it as its third."""
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            yield "exponent", node.right
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "round"
            and len(node.args) >= 2
        ):
            if len(node.args) == 2 and rounding_mode is not None:
                node.args.append(ast.copy_location(ast.Constant(rounding_mode), node))
            yield "places", node.args[1]


def resolve(
    node: ast.expr,
    slot: Slot,
    parameters: Mapping[str, Parameter],
    indicators: Mapping[str, Indicator],
    awaited: Collection[str] = (),
) -> tuple[Decimal | None, str | None]:
    """The number `node` stands for in `slot`, or why it is refused (with the constants that
    are allowed); (None, None) while it reads an `awaited` parameter (a `required: true` one
    not given yet: the scheme cannot score, and the rebuild with its value checks it)."""
    general = ex.EXPONENT_MESSAGE if slot == "exponent" else ex.PLACES_MESSAGE
    if not ex.constant_form(node):
        return None, general
    names = [n for n in ast.walk(node) if isinstance(n, ast.Name)]
    for name in names:
        why = _not_constant(name.id, parameters, indicators, awaited)
        if why is not None:
            what = "an exponent" if slot == "exponent" else "the places of round()"
            allowed = general[general.index("a load-time") :]
            return None, f"{why}, so it cannot be {what}, which must be {allowed}"
    if any(name.id in awaited for name in names):
        return None, None
    value = ex.constant_value(node, lambda n: parameters[n].value)
    problem = ex.exponent_problem(value) if slot == "exponent" else ex.places_problem(value)
    if problem is not None and names:
        given = " given at run time" if parameters[names[0].id].supplied else ""
        problem += f" (the value of parameter `{names[0].id}`{given})"
    return (None, problem) if problem else (value, None)


def limit_hint(slot: Slot, name: str | None = None) -> str:
    """The fix for a constant out of range: its limits, and which value to change."""
    limits = (
        f"exponents are limited to ±{ex.MAX_EXPONENT}"
        if slot == "exponent"
        else f"round()'s places are whole numbers from -{MAX_ROUND_PLACES} to {MAX_ROUND_PLACES}"
    )
    return f"{limits}: give `{name}` a value within them" if name else limits


def given_problem(
    node: ast.expr,
    slot: Slot,
    message: str,
    parameters: Mapping[str, Parameter],
    use: Location,
    use_text: str,
) -> Problem | None:
    """A refused constant whose value came from a params file, located at the line of that
    file which gave it (the fix is there) and naming the formula that uses it; None when no
    params file gave it."""
    for name in ast.walk(node):
        if not isinstance(name, ast.Name):
            continue
        parameter = parameters.get(name.id)
        if parameter is None or not parameter.supplied or parameter.given_at is None:
            continue
        what = "an exponent" if slot == "exponent" else "the places of round()"
        return Problem(
            f"parameter `{name.id}`: {message.partition(' (the value of')[0]}; it is {what} "
            f"at {use} ({use_text})",
            parameter.given_at,
            limit_hint(slot, name.id) + " in this params file",
            parameter.given_line,
        )
    return None


def _not_constant(
    name: str,
    parameters: Mapping[str, Parameter],
    indicators: Mapping[str, Indicator],
    awaited: Collection[str],
) -> str | None:
    if name in awaited:
        return None  # a parameter whose value comes at run time: checked when it comes
    parameter = parameters.get(name)
    if parameter is not None:
        if parameter.by_unit:
            return f"parameter `{name}` has a value per unit (by_unit)"
        if isinstance(parameter.value, bool) or not isinstance(parameter.value, Decimal):
            return f"parameter `{name}` is not a number"
        return None
    if name in indicators:
        return f"`{name}` is an indicator, read from each unit's data"
    return f"`{name}` is not a parameter (of the names, only parameters are known at load)"


def settle(
    tree: ast.expr,
    parameters: Mapping[str, Parameter],
    indicators: Mapping[str, Indicator],
    rounding_mode: str,
    awaited: Collection[str] = (),
) -> list[tuple[ast.expr, Slot, str]]:
    """Check every constant slot of `tree` and give each two-argument round() the scheme's
    mode (in place); return the refused slots with the reason."""
    problems: list[tuple[ast.expr, Slot, str]] = []
    for slot, node in slots(tree, rounding_mode):
        _, problem = resolve(node, slot, parameters, indicators, awaited)
        if problem is not None:
            problems.append((node, slot, problem))
    return problems


def argument_slots(texts: list[object], arguments: list[str]) -> dict[str, Slot]:
    """The pattern arguments (of `arguments`) that a pattern's formulas (`texts`) use as an
    exponent or as round()'s places; a formula that does not parse is skipped (it is reported
    where it is read)."""
    found: dict[str, Slot] = {}
    for text in texts:
        if not isinstance(text, str | int | Decimal) or isinstance(text, bool):
            continue
        try:
            tree = ex.parse(str(text)).tree
        except ex.ExprError:
            continue
        for slot, node in slots(tree):
            for name in ast.walk(node):
                if isinstance(name, ast.Name) and name.id in arguments:
                    found.setdefault(name.id, slot)
    return found
