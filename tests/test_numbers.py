"""Numbers at the ceiling: every value below it digests, rounds and prints; beyond it, a
located error instead of a crash or a stall (issue #11, resource exhaustion)."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

import rulebook
from rulebook import arith
from rulebook.errors import did_you_mean
from rulebook.expr.functions import by_rank

from helpers import scheme

POWER = """
scheme: {id: power, title: power}
indicators:
  x: {type: decimal, min: 0, max: 1000}
tree:
  - id: a
    expr: (x + 1) ** 20
"""


def test_values_up_to_the_computed_ceiling_digest_round_and_print() -> None:
    """10^39 is below the 10^40 ceiling: snapping to 20 places needs 60 digits, more than the
    50-digit context, and used to raise InvalidOperation; now it is exact."""
    big = Decimal("123456789012345678901234567890123456789.125")
    assert arith.canonical(big) == "123456789012345678901234567890123456789.125"
    assert arith.round_score(big, Decimal("0.01"), "ROUND_HALF_UP") == Decimal(
        "123456789012345678901234567890123456789.13"
    )
    assert arith.digest({"v": big}).startswith("sha256:")


def test_a_computed_value_beyond_the_ceiling_is_a_located_evaluation_error() -> None:
    """(999 + 1) ** 20 = 10^60, past 10^40: an evaluation error naming unit and node, not a
    crash in rendering; (1 + 1) ** 20 = 1048576 still scores."""
    s = scheme(POWER)
    assert rulebook.evaluate(s, {"units": {"u": {"x": 1}}}).unit("u").scores["a"] == Decimal(
        "1048576.00"
    )
    with pytest.raises(rulebook.EvaluationError) as caught:
        rulebook.evaluate(s, {"units": {"u": {"x": 999}}})
    message = str(caught.value)
    assert "unit 'u', node 'a'" in message and "`max_computed_magnitude`" in message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("0." + "1" * 31, "`max_digits`"),
        ("1" * 31, "`max_magnitude`"),
        ("1e24", "`max_magnitude`"),
        ("-2.5e30", "`max_magnitude`"),
        ("Infinity", "not a finite number"),
        ("NaN", "not a finite number"),
    ],
)
def test_numbers_beyond_the_written_ceiling_are_named(text: str, words: str) -> None:
    problem = arith.number_problem(Decimal(text))
    assert problem is not None and words in problem


@pytest.mark.parametrize("text", ["0", "0." + "1" * 30, "9.99e23", "-0.0000000000000000000001"])
def test_numbers_within_the_ceiling_pass(text: str) -> None:
    assert arith.number_problem(Decimal(text)) is None


def test_by_rank_never_converts_a_huge_rank() -> None:
    """A rank of 10^999999 (a count with no declared max) used to spend > 30 s in int()."""
    start = time.process_time()
    assert by_rank(Decimal("1.0e+999999"), Decimal(4), Decimal(2)) == 0
    assert by_rank(Decimal(2), Decimal(4), Decimal(2)) == 2
    assert by_rank(Decimal("1.5"), Decimal(4), Decimal(2)) == 0
    assert time.process_time() - start < 1


def test_did_you_mean_is_not_quadratic() -> None:
    """1,000 misspelt names against 1,000 declared ones used to take about 20 s; the bound here
    is on this process's CPU time, so other work on a loaded machine does not count."""
    declared = [f"indicator_{i:04d}_rate" for i in range(1000)]
    start = time.process_time()
    hints = [did_you_mean(f"indicatr_{i:04d}_rate", declared) for i in range(1000)]
    assert time.process_time() - start < 10
    assert hints[7] == "did you mean `indicator_0007_rate`?"


RATE = """
scheme: {id: rate, title: rate}
indicators:
  rate: {type: rate, min: 0, max: 100}
  place: {type: count}
tree:
  - id: a
    expr: rate ** 0.5 + by_rank(place, 4, 2)
"""


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("50." + "1" * 20000, "`max_digits`"),
        ("1.0e+999999", "`max_magnitude`"),
    ],
)
def test_a_data_value_beyond_the_ceiling_is_named_with_its_unit_fast(
    value: str, words: str
) -> None:
    """A 20,000-digit rate under `** 0.5` and a place of 1e+999999 used to take > 30 s each;
    now the data check refuses them, naming unit and indicator, in well under a second."""
    s = scheme(RATE)
    field = "rate" if "." in value[:3] else "place"
    other = {"rate": "place", "place": "rate"}[field]
    text = f"units:\n  甲村: {{{field}: {value}, {other}: 1}}\n"
    start = time.process_time()
    with pytest.raises(rulebook.DataError) as caught:
        rulebook.parse_data(text, s, "d.yaml")
    assert time.process_time() - start < 5
    message = str(caught.value)
    assert "unit `甲村`" in message and f"indicator `{field}`" in message and words in message
    assert len(message) < 2000


# A scheme may raise the ceiling (`scheme: limits:`), up to the hard maxima; numbers written in a
# scheme beyond the ceiling in force are located errors naming the limit.

_LIMITED = """scheme: {{id: s, title: t{limits}}}
indicators:
  x: {{type: decimal}}
parameters:
  p: {param}
tree:
  - id: a
    expr: "x * p"
"""


def _scheme_problem(limits: str = "", param: str = "5") -> str:
    import rulebook

    with pytest.raises(rulebook.SchemeError) as info:
        rulebook.loads(_LIMITED.format(limits=limits, param=param), "s.yaml")
    return str(info.value)


def test_a_parameter_past_the_ceiling_is_located_and_names_the_limit() -> None:
    """`p: 1e25` is line 5; the value starts at column 6 (`  p: ` is 5 characters)."""
    message = _scheme_problem(param="1e25")
    assert "s.yaml:5:6:" in message and "`max_magnitude` is 10^24" in message
    assert "unknown name" not in message  # the parameter is still declared


def test_a_constant_in_a_formula_past_the_ceiling_is_located_at_the_constant() -> None:
    """`    expr: "x * 1e25"`: the quote is column 11, so `1e25` starts at column 16."""
    import rulebook

    text = _LIMITED.format(limits="", param="5").replace("x * p", "x * 1e25 + p")
    with pytest.raises(rulebook.SchemeError) as info:
        rulebook.loads(text, "s.yaml")
    assert "s.yaml:8:16:" in str(info.value) and "`max_magnitude`" in str(info.value)


def test_a_scheme_may_raise_the_ceiling_and_its_data_then_pass() -> None:
    """With max_magnitude 1e30, p = 1e25 is accepted, and data x = 2e26 too; x * p would be
    5e51 > 1e40, so the data is 2e26 with p = 1e-12 instead: 2e26 * 1e-12 = 2e14 exactly."""
    import rulebook

    text = _LIMITED.format(limits=", limits: {max_digits: 40, max_magnitude: 1e30}", param="1e-12")
    scheme = rulebook.loads(text, "s.yaml")
    assert (scheme.limits.max_digits, scheme.limits.max_exponent) == (40, 30)
    data = rulebook.check_data({"units": {"u": {"x": Decimal("2e26")}}}, scheme)
    assert rulebook.evaluate(scheme, data).unit("u").total == Decimal("2e14")
    with pytest.raises(rulebook.DataError, match="`max_magnitude` is 10\\^24"):
        plain = rulebook.loads(_LIMITED.format(limits="", param="1e-12"), "s.yaml")
        rulebook.check_data({"units": {"u": {"x": Decimal("2e26")}}}, plain)


def test_a_35_digit_data_value_passes_only_when_max_digits_is_raised() -> None:
    import rulebook

    value = Decimal("1.2345678901234567890123456789012345")  # 35 significant digits
    raised = rulebook.loads(
        _LIMITED.format(limits=", limits: {max_digits: 35}", param="1"), "s.yaml"
    )
    assert rulebook.check_data({"units": {"u": {"x": value}}}, raised).units[0].values["x"] == value
    plain = rulebook.loads(_LIMITED.format(limits="", param="1"), "s.yaml")
    with pytest.raises(rulebook.DataError, match=r"35 significant digits .* `max_digits` \(30\)"):
        rulebook.check_data({"units": {"u": {"x": value}}}, plain)


@pytest.mark.parametrize(
    ("limits", "words", "column"),
    [
        ("{max_digits: 41}", "`max_digits` must be a whole number from 1 to 40", 48),
        ("{max_magnitude: 1e36}", "`max_magnitude` must be a power of ten from 1e1 to 1e35", 51),
        ("{max_magnitude: 3e20}", "power of ten", 51),
        ("{max_digit: 40}", "unknown key `max_digit`", 36),
    ],
)
def test_limits_past_the_hard_maxima_are_refused(limits: str, words: str, column: int) -> None:
    """`scheme: {id: s, title: t, limits: {` is 35 characters: the first key is column 36,
    `max_digits: ` (12 characters) puts its value at 48, `max_magnitude: ` (15) at 51."""
    message = _scheme_problem(limits=f", limits: {limits}")
    assert f"s.yaml:1:{column}:" in message and words in message
