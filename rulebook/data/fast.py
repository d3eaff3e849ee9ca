"""The fast pass of data checking: one straight-line Python function per scheme.

For each unit it looks every declared indicator up once, converts ints and floats to Decimal
(floats from their shortest repr), and compares with the declared domain, all inline. It only
says yes (the checked values) or no (None); on the first no, `rulebook.data.check` runs the
careful pass over the whole data set to report every problem with its location. Both passes
accept exactly the same data and give the same values (tests/test_readers.py holds them to it).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

import attrs

from rulebook.arith import number_problem
from rulebook.collector import collector_paused
from rulebook.data.check import _Checker
from rulebook.data.dataset import UnitData
from rulebook.data.values import MISSING, NA_MARKERS, duration_seconds, parse_duration, plain_bool
from rulebook.engine.semantics import NA
from rulebook.scheme.model import Indicator, Scheme

_UnitCheck = Callable[[dict[Any, Any]], dict[str, Any] | None]


def fast_check(raw: Any, scheme: Scheme) -> tuple[Any, ...] | None:
    """Every unit's checked values as UnitData, or None if anything is not plainly valid.

    The cyclic garbage collector is paused meanwhile: the pass builds only acyclic containers
    (a dict or more per unit), which would otherwise set off collections that walk the whole
    heap, the caller's data included, again and again as the checked data grows."""
    if type(raw) is not dict or len(raw) != 1 or "units" not in raw:
        return None
    units = raw["units"]
    if type(units) is not dict or not units:
        return None
    compiled = _compiled(scheme)
    if compiled is None:
        return None
    check, accepted = compiled
    out: list[UnitData] = []
    append = out.append
    try:
        with collector_paused():
            for name, values in units.items():
                if type(values) is not dict:
                    return None
                checked = check(values)
                if checked is None:
                    return None
                append(UnitData(str(name), checked))
    except (ArithmeticError, TypeError, ValueError):  # NaN compared, unhashable key, ...
        return None
    finally:
        for kept in accepted:  # let the values go with the data
            kept.clear()
    return tuple(out)


def compile_unit_check(scheme: Scheme) -> _UnitCheck | None:
    """The generated per-unit check for `scheme`, made once per scheme; None if a default
    itself is invalid (the careful pass then reports it)."""
    compiled = _compiled(scheme)
    return None if compiled is None else compiled[0]


_Compiled = tuple[_UnitCheck, list[dict[int, Decimal]]]
"""A scheme's check and its memories of accepted Decimal objects (cleared after each use)."""

_COMPILED: dict[int, tuple[weakref.ref[Scheme], _Compiled | None]] = {}
"""Each live scheme's compiled check, by the scheme's id (a Scheme is not hashable); an entry
whose scheme is gone is dropped."""


def _compiled(scheme: Scheme) -> _Compiled | None:
    """The scheme's check, compiled on first use."""
    key = id(scheme)
    kept = _COMPILED.get(key)
    if kept is not None and kept[0]() is scheme:
        return kept[1]
    made = _compile(scheme)
    _COMPILED[key] = (weakref.ref(scheme, lambda _: _COMPILED.pop(key, None)), made)
    return made


def _compile(scheme: Scheme) -> _Compiled | None:
    """Generate and compile the check: straight-line code for every indicator in turn."""
    periods = tuple(p.id for p in scheme.periods)
    env: dict[str, Any] = {
        "Dec": Decimal,
        "M": MISSING,
        "SMALL": _SMALL,
        "MAXE": scheme.limits.max_exponent,
        # `str(v)` no longer than max_digits has at most max_digits digits; past either
        # quick test, the careful pass's own test decides (0E+100, 5.000…000 are within)
        "MAXLEN": scheme.limits.max_digits,
        "BEYOND": number_problem,
        "LIMITS": scheme.limits,
        # whole numbers below 1024 are within the ceiling unless a scheme lowers it that far
        "SMALL_OK": min(scheme.limits.max_digits, scheme.limits.max_exponent) >= 4,
    }
    # a copy of a dict with every indicator, in order, is already of its final size
    env["TEMPLATE"], env["PERIODS"] = dict.fromkeys(scheme.indicators), periods
    body = ["absent = 0", "out = TEMPLATE.copy()"]
    careful = _Checker(scheme, None)
    for k, (name, ind) in enumerate(scheme.indicators.items()):
        if ind.default is None:
            body.append(f"v = values[{name!r}]")  # a KeyError: not plainly valid
            inner = ""
        else:
            default = careful.default(ind)
            if careful.problems:
                return None
            env[f"D{k}"] = default
            body += [
                f"v = get({name!r}, M)",
                "if v is M:",
                f"    out[{name!r}] = " + (f"dict(D{k})" if ind.per_period else f"D{k}"),
                "    absent += 1",
                "else:",
            ]
            inner = "    "
        if ind.per_period:
            body += [
                f"{inner}if type(v) is not dict or len(v) != {len(periods)}:",
                f"{inner}    return None",
                f"{inner}pv = v",
            ]
            for j, period in enumerate(periods):
                body.append(f"{inner}v = pv[{period!r}]")
                body.extend(_scalar(ind, k, env, inner))
                body.append(f"{inner}p{j} = v")
            if len(periods) <= _DISPLAYED:  # one dict display: made at its size
                shown = ", ".join(f"{period!r}: p{j}" for j, period in enumerate(periods))
                body.append(f"{inner}out[{name!r}] = {{{shown}}}")
            else:
                listed = ", ".join(f"p{j}" for j in range(len(periods)))
                body.append(f"{inner}out[{name!r}] = dict(zip(PERIODS, ({listed},)))")
        else:
            body.extend(_scalar(ind, k, env, inner))
            body.append(f"{inner}out[{name!r}] = v")
    # every key of `values` is a declared indicator iff the count matches
    body += [
        f"if len(values) != {len(scheme.indicators)} - absent:",
        "    return None",
        "return out",
    ]
    lines = [
        "def check(values):",
        "    get = values.get",
        "    try:",
        *(f"        {line}" for line in body),
        "    except KeyError:",
        "        return None",
    ]
    # the source is built from our own tokens and repr()s of the scheme's names and numbers
    exec(compile("\n".join(lines), f"<data check {scheme.id}>", "exec"), env)  # noqa: S102
    check: _UnitCheck = env["check"]
    accepted = [env[f"A{k}"] for k in range(len(scheme.indicators)) if f"A{k}" in env]
    return check, accepted


_SMALL = tuple(Decimal(i) for i in range(1024))
"""Decimal(i) for the small whole numbers that counts usually are (shared, immutable)."""


def _scalar(ind: Indicator, k: int, env: dict[str, Any], pad: str) -> list[str]:
    """Lines that accept `v` as a valid value of `ind` (converted), or return None; for an
    indicator declared `na: allowed`, the marker (`n/a`, `不适用`) becomes NA, as in the
    careful pass (an enum value spelt like the marker stays the enum value)."""
    if ind.na_allowed:
        env["NA"], env["NAM"] = NA, frozenset(NA_MARKERS)
        env[f"V{k}"] = frozenset(ind.values)
        own = f" and v not in V{k}" if ind.values else ""
        plain = attrs.evolve(ind, na_allowed=False)
        return [
            f"{pad}if type(v) is str and v.strip().lower() in NAM{own}:",
            f"{pad}    v = NA",
            f"{pad}else:",
            *_scalar(plain, k, env, pad + "    "),
        ]
    if ind.type == "bool":
        env["plain"] = plain_bool
        return [
            f"{pad}if v is not True and v is not False:",
            f"{pad}    v = plain(v)",
            f"{pad}    if v is not True and v is not False:",
            f"{pad}        return None",
        ]
    if ind.type == "enum":
        env[f"E{k}"] = frozenset(ind.values)
        return [f"{pad}if type(v) is not str or v not in E{k}:", f"{pad}    return None"]
    pre: list[str] = []
    if ind.type == "duration":  # text or a time value made seconds; then checked as a number
        env["PD"], env["DS"] = parse_duration, duration_seconds
        pre = [
            f"{pad}if type(v) is str:",
            f"{pad}    v = PD(v)",
            f"{pad}    if type(v) is str:",
            f"{pad}        return None",
            f"{pad}elif type(v) is not int and type(v) is not Dec and type(v) is not float:",
            f"{pad}    w = DS(v)",
            f"{pad}    if w is None or w is M:",
            f"{pad}        return None",
            f"{pad}    v = w",
        ]
    # an int is compared with whole-number bounds first, then made a Decimal
    low = None if ind.min is None else int(ind.min.to_integral_value(ROUND_CEILING))
    high = None if ind.max is None else int(ind.max.to_integral_value(ROUND_FLOOR))
    tests = ([f"v < {low}"] if low is not None else []) + (
        [f"v > {high}"] if high is not None else []
    )
    out = [*pre, f"{pad}t = type(v)", f"{pad}if t is int:"]
    if tests:
        out += [f"{pad}    if {' or '.join(tests)}:", f"{pad}        return None"]
    small = "v < 1024" if low is not None and low >= 0 else "0 <= v < 1024"
    if not env["SMALL_OK"]:
        small = "False"
    # a Decimal object already accepted for this indicator (readers share one object per
    # number text) is not checked again: `A{k}` maps its id to it, which keeps the id taken
    env.setdefault(f"A{k}", {})  # one for all the periods of a per-period indicator
    out += [  # a larger int: its digits and magnitude within the ceiling
        f"{pad}    if {small}:",
        f"{pad}        v = SMALL[v]",
        f"{pad}    else:",
        f"{pad}        v = Dec(v)",
        f"{pad}        if (v.adjusted() >= MAXE or len(str(v)) > MAXLEN) and BEYOND(v, LIMITS):",
        f"{pad}            return None",
        f"{pad}elif t is Dec or (t is float and v == v):",
        f"{pad}    if t is float:",
        f"{pad}        v = Dec(repr(v))",
        f"{pad}    if id(v) not in A{k}:",
    ]
    inner = pad + "    "
    out += [
        f"{inner}    if (",
        f"{inner}        not v.is_finite() or v.adjusted() >= MAXE or len(str(v)) > MAXLEN",
        f"{inner}    ) and BEYOND(v, LIMITS):",
        f"{inner}        return None",
    ]  # past the ceiling the careful pass names it; NaN compares
    if ind.type == "count":  # as False when the context does not trap InvalidOperation)
        out += [f"{inner}    if v != v.to_integral_value():", f"{inner}        return None"]
    bounds = []
    if ind.min is not None:
        env[f"L{k}"] = ind.min
        bounds.append(f"v < L{k}")
    if ind.max is not None:
        env[f"H{k}"] = ind.max
        bounds.append(f"v > H{k}")
    if bounds:
        out += [f"{inner}    if {' or '.join(bounds)}:", f"{inner}        return None"]
    out += [
        f"{inner}    if len(A{k}) < {_ACCEPTED_KEPT}:",
        f"{inner}        A{k}[id(v)] = v",
        f"{pad}else:",
        f"{pad}    return None",
    ]
    return out


_DISPLAYED = 16
"""Up to this many periods a per-period dict is built by one dict display (CPython builds a
larger display piecewise)."""

_ACCEPTED_KEPT = 1024
"""Accepted Decimal objects remembered per indicator by one generated check."""
