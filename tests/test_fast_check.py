"""The generated fast data check against the careful pass: it accepts exactly the data the
careful pass accepts, with the same values written the same way, in the scheme's order — for
numbers near the ceiling too (digits, magnitude, big ints), and under a scheme that lowers the
ceiling; it is compiled once per scheme and leaves the garbage collector as it found it."""

from __future__ import annotations

import gc
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import rulebook
from rulebook.data.check import _Checker
from rulebook.data.fast import _compiled, compile_unit_check, fast_check

WIDE = """
scheme: {{id: wide, title: wide{limits}}}
periods: {{Q1: {{weight: 1}}, Q2: {{weight: 1}}}}
indicators:
  missed: {{type: count, max: 12}}
  births: {{type: count}}
  ratio: {{type: decimal}}
  share: {{type: decimal, min: -5, max: 5}}
  rate: {{type: rate}}
  ok: {{type: bool}}
  level: {{type: enum, values: [none, city]}}
  visits: {{type: count, per_period: true}}
tree:
  - id: a
    expr: missed + births + ratio + share + rate + (1 if ok else 0) + sum(visits)
"""


def _scheme(limits: str = "") -> rulebook.Scheme:
    return rulebook.loads(WIDE.format(limits=limits), "wide.yaml")


def _form(value: Any) -> Any:
    """A value with its type and its exact written form: Decimal("5.0") is not Decimal(5)."""
    if isinstance(value, dict):
        return [(k, _form(v)) for k, v in value.items()]  # in order
    return (type(value).__name__, str(value))


def _agree(scheme: rulebook.Scheme, units: dict[str, Any]) -> None:
    fast = fast_check({"units": units}, scheme)
    careful = _Checker(scheme, None)
    data = careful.run({"units": units})
    assert (fast is not None) == (not careful.problems), [p.message for p in careful.problems]
    if fast is not None:
        assert [(u.name, _form(u.values)) for u in fast] == [
            (u.name, _form(u.values)) for u in data.units
        ]


_number = st.one_of(
    st.integers(-20, 1100),
    st.integers(-(10**30), 10**30),
    st.sampled_from([10**23, 10**24 - 1, 10**24, -(10**24), 999, 1000, 1023, 1024, -1025]),
    st.decimals(-10, 120, places=2, allow_nan=False),
    st.decimals(allow_nan=True, allow_infinity=True),  # any digits, exponent, NaN, ±Infinity
    st.sampled_from(
        [
            Decimal("1.234567890123456789012345678901"),  # 31 digits: refused (max_digits 30)
            Decimal("1.23456789012345678901234567890"),  # 30 digits, 32 characters: accepted
            Decimal("5.000000000000000000000000000000000"),  # 1 significant digit
            Decimal("0E+100"),
            Decimal("-0"),
            Decimal("1E+23"),
            Decimal("1E+24"),
            Decimal("12.0"),
            Decimal("12.5"),
        ]
    ),
    st.floats(-10, 120),
    st.sampled_from([float("nan"), float("inf"), -0.0, 0.1, 92.5, 1e30]),
)
_value = st.one_of(_number, st.booleans(), st.none(), st.sampled_from(["none", "city", "x", "1"]))
_unit = st.fixed_dictionaries(
    {
        "missed": _value,
        "births": _value,
        "ratio": _value,
        "share": _value,
        "rate": _value,
        "ok": st.one_of(st.booleans(), _value),
        "level": st.one_of(st.sampled_from(["none", "city"]), _value),
        "visits": st.one_of(st.fixed_dictionaries({"Q1": _value, "Q2": _value}), _value),
    }
)
_plain_unit = st.fixed_dictionaries(
    {
        "missed": st.integers(0, 12),
        "births": st.one_of(st.integers(0, 5000), _number),
        "ratio": _number,
        "share": _number,
        "rate": _number,
        "ok": st.booleans(),
        "level": st.sampled_from(["none", "city"]),
        "visits": st.fixed_dictionaries({"Q1": _number, "Q2": st.integers(0, 3000)}),
    }
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.text("ab", min_size=1, max_size=2), _unit, min_size=1, max_size=3))
def test_fast_and_careful_agree_on_any_values(units: dict[str, Any]) -> None:
    _agree(_scheme(), units)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.text("ab", min_size=1, max_size=3), _plain_unit, min_size=1, max_size=4))
def test_fast_and_careful_agree_on_numbers_near_the_ceiling(units: dict[str, Any]) -> None:
    """Mostly valid units, so that the fast check's acceptance is what is tested."""
    _agree(_scheme(), units)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text("ab", min_size=1, max_size=3), _plain_unit, min_size=1, max_size=4))
def test_fast_and_careful_agree_under_a_lowered_ceiling(units: dict[str, Any]) -> None:
    """At most 3 digits below 10^3: 999 passes, 1000 (one significant digit, but 10^3) and
    1.234 (4 digits) do not — also for the small whole numbers the fast check keeps ready."""
    _agree(_scheme(", limits: {max_digits: 3, max_magnitude: 1e3}"), units)


def _unit_values(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "missed": 1,
        "births": 2,
        "ratio": Decimal("0.5"),
        "share": Decimal("1.25"),
        "rate": Decimal("92.5"),
        "ok": True,
        "level": "city",
        "visits": {"Q1": 3, "Q2": 4},
    }
    values.update(changes)
    return values


def test_numbers_past_the_ceiling_are_refused_by_the_fast_check_too() -> None:
    """31 significant digits (limit 30; 32 characters, which the fast check used to let
    through) and a 25-digit int for a count with no maximum (10^24 is the limit): the careful
    pass reports them, so the data set is not accepted by the fast check."""
    scheme = _scheme()
    for changes in (
        {"ratio": Decimal("1.234567890123456789012345678901")},
        {"births": 10**24},
    ):
        assert fast_check({"units": {"A": _unit_values(**changes)}}, scheme) is None
        with_problems = _Checker(scheme, None)
        with_problems.run({"units": {"A": _unit_values(**changes)}})
        assert len(with_problems.problems) == 1
    below = {"ratio": Decimal("1.23456789012345678901234567890"), "births": 10**24 - 1}
    checked = fast_check({"units": {"A": _unit_values(**below)}}, scheme)
    assert checked is not None
    assert checked[0].values["births"] == Decimal(10**24 - 1)


def test_checked_values_come_in_the_schemes_order() -> None:
    """The data digest depends on the order: indicators as declared, periods as declared,
    whatever the order of the input's keys."""
    scheme = _scheme()
    given = dict(reversed(_unit_values(visits={"Q2": 4, "Q1": 3}).items()))
    checked = fast_check({"units": {"A": given}}, scheme)
    assert checked is not None
    values = checked[0].values
    assert list(values) == ["missed", "births", "ratio", "share", "rate", "ok", "level", "visits"]
    assert list(values["visits"]) == ["Q1", "Q2"]  # type: ignore[call-overload]


def test_the_check_is_compiled_once_per_scheme_and_remembers_nothing_after() -> None:
    scheme = _scheme()
    assert compile_unit_check(scheme) is compile_unit_check(scheme)
    assert compile_unit_check(_scheme()) is not compile_unit_check(scheme)  # another scheme
    shared = Decimal("92.5")
    units = {f"u{i}": _unit_values(rate=shared) for i in range(5)}
    first = fast_check({"units": units}, scheme)
    again = fast_check({"units": units}, scheme)
    assert first is not None
    assert again == first
    compiled = _compiled(scheme)
    assert compiled is not None
    assert all(not accepted for accepted in compiled[1])  # the objects are not kept alive


def test_the_garbage_collector_is_left_as_it_was() -> None:
    scheme = _scheme()
    good = {"units": {"A": _unit_values()}}
    bad = {"units": {"A": _unit_values(), "B": _unit_values(missed=13)}}
    assert gc.isenabled()
    assert fast_check(good, scheme) is not None
    assert gc.isenabled()
    assert fast_check(bad, scheme) is None  # returned from inside the loop
    assert gc.isenabled()
    gc.disable()
    try:
        assert fast_check(good, scheme) is not None
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_many_periods_come_in_order_too() -> None:
    """18 periods (more than one dict display holds): each unit's per-period values in the
    declared period order, the same as the careful pass's."""
    periods = [f"P{i:02d}" for i in range(18, 0, -1)]  # declared from P18 down to P01
    text = (
        "scheme: {id: m, title: m}\n"
        "periods: {" + ", ".join(f"{p}: {{weight: 1}}" for p in periods) + "}\n"
        "indicators:\n  visits: {type: count, per_period: true}\n"
        "tree:\n  - id: a\n    expr: sum(visits)\n"
    )
    scheme = rulebook.loads(text, "m.yaml")
    given = {"units": {"A": {"visits": {p: i for i, p in enumerate(sorted(periods))}}}}
    checked = fast_check(given, scheme)
    assert checked is not None
    assert list(checked[0].values["visits"]) == periods  # type: ignore[call-overload]
    assert checked[0].values["visits"]["P18"] == Decimal(17)  # type: ignore[index]
    _agree(scheme, given["units"])
