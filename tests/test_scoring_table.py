"""The cookbook's scoring table with fractional exponents (十项全能评分表): every event worked
through by hand, in every engine, and bounded."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from test_cookbook import RECIPES

import rulebook
from rulebook import columnar
from rulebook.audit.bounds import Interval, analyze

TITLE = "十项全能评分表 — a scoring table with fractional exponents"
SCHEME_TEXT, DATA_TEXT = next((r[1], r[2]) for r in RECIPES if r[0] == TITLE)

# Each power worked as e^(C × ln base) to 6 or more figures — enough to floor: every product is
# at least 0.05 from a whole number, far beyond any rounding in the 50-digit arithmetic.
#
# 甲 (A, B, C; performance → base):
#   100 m   25.4347, 18, 1.81; 10.87 s → 7.13;   ln 7.13 = 1.964311, × 1.81 = 3.555403,
#           e^3.555403 = 35.00193, × 25.4347 = 890.264 → 890
#   long    0.14354, 220, 1.4; 700 cm → 480;     ln 480 = 6.173786, × 1.4 = 8.643301,
#           e^8.643301 = 5672.020, × 0.14354 = 814.162 → 814
#   shot    51.39, 1.5, 1.05; 14.25 m → 12.75;   ln 12.75 = 2.545531, × 1.05 = 2.672808,
#           e^2.672808 = 14.48057, × 51.39 = 744.157 → 744
#   400 m   1.53775, 82, 1.81; 48.72 s → 33.28;  ln 33.28 = 3.504957, × 1.81 = 6.343971,
#           e^6.343971 = 569.0518, × 1.53775 = 875.059 → 875
#   1500 m  0.03768, 480, 1.85; timer 276.12 (already at hundredths) → 203.88;
#           ln 203.88 = 5.317532, × 1.85 = 9.837433, e^9.837433 = 18721.60,
#           × 0.03768 = 705.430 → 705
#   total 890 + 814 + 744 + 875 + 705 = 4028
# 乙:
#   100 m   18.00 s → max(0, 18 − 18) = 0, 0 ** 1.81 = 0 → 0
#   long    612 cm → 392;  ln 392 = 5.971262, × 1.4 = 8.359767, e^8.359767 = 4271.698,
#           × 0.14354 = 613.159 → 613
#   shot    12.08 m → 10.58;  ln 10.58 = 2.358965, × 1.05 = 2.476914, e^2.476914 = 11.90447,
#           × 51.39 = 611.771 → 611
#   400 m   52.31 s → 29.69;  ln 29.69 = 3.390810, × 1.81 = 6.137367, e^6.137367 = 462.8332,
#           × 1.53775 = 711.722 → 711
#   1500 m  timer 300.004, rounded up (ceiling) to 300.01 → 179.99;  ln 179.99 = 5.192901,
#           × 1.85 = 9.606867, e^9.606867 = 14866.53, × 0.03768 = 560.171 → 560
#           (unrounded, 179.996 would give 560.205: still 560, but the rounded time is used)
#   total 0 + 613 + 611 + 711 + 560 = 2495
EXPECTED = {
    "甲": {"m100": 890, "long_jump": 814, "shot_put": 744, "m400": 875, "m1500": 705},
    "乙": {"m100": 0, "long_jump": 613, "shot_put": 611, "m400": 711, "m1500": 560},
}


@pytest.mark.parametrize("engine", ["compiled", "reference", "columnar"])
def test_every_event_by_hand(engine: str) -> None:
    scheme = rulebook.loads(SCHEME_TEXT)
    data = rulebook.parse_data(DATA_TEXT, scheme, "data")
    if engine == "columnar":
        result = columnar.evaluate(scheme, data)
        # fractional powers are not columnar: every unit is scored by the per-unit engine
        assert result.fallbacks == 2
    else:
        result = rulebook.evaluate(scheme, data, engine=engine)
    for unit, events in EXPECTED.items():
        scores = result.unit(unit).scores
        for event, points in events.items():
            assert scores[f"events.{event}"] == points, (unit, event)
        assert scores["total"] == sum(events.values())


def test_the_table_is_bounded_event_by_event() -> None:
    """Each event's best: the fastest/longest mark in the declared domain.
    100 m: 18 − 9 = 9; 9^1.81 = e^(1.81 × 2.197225) = e^3.976976 = 53.35547, × 25.4347 =
    1357.08 → 1357. 1500 m: 480 − 200 = 280; 280^1.85 = e^(1.85 × 5.634790) = e^10.424361 =
    33669.94, × 0.03768 = 1268.68 → 1268. The worst is 0 (max(0, ·) at the zero-point mark)."""
    bounds = {b.name: b.bounds for b in analyze(rulebook.loads(SCHEME_TEXT))}
    assert bounds["events.m100"] == Interval(D(0), D(1357))
    assert bounds["events.m1500"] == Interval(D(0), D(1268))
    assert all(
        isinstance(b, Interval) and b.lo == 0 and b.hi is not None
        for name, b in bounds.items()
        if name.startswith("events.")
    )
