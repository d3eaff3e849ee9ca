"""The migrant-services scheme (docs/schemes/migrant-services.md) against hand-worked units."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

import rulebook

from conftest import SCHEMES, shipped


@pytest.fixture(scope="module")
def result() -> rulebook.Result:
    return shipped("migrant-services")[0]


def test_zhongma_meets_all_six(result: rulebook.Result) -> None:
    """中马街道: 372/400 = 93% ≥ 90; 1210/1250 = 96.8% ≥ 95; 800/860 = 93.02% ≥ 90;
    126/150 = 84% ≥ 80; 131/140 = 93.57% ≥ 90; 95/100 = 95% ≥ 95 (the threshold itself
    counts). Six of six → 六项指标全部达标 (not 示范区: that is the district), 0 missed,
    达标率 100%."""
    unit = result.unit("中马街道")
    assert unit.total == D(6) and unit.outputs["missed"] == D(0)
    assert unit.outcomes["all_targets"] == "六项指标全部达标"
    assert unit.values["satisfaction_rate"] == D(95)
    assert unit.values["met_share"] == D(100)


def test_cicheng_meets_two(result: rulebook.Result) -> None:
    """慈城镇: 301/360 = 83.61% < 90 ✗; 650/720 = 90.28% < 95 ✗; 430/500 = 86% < 90 ✗;
    95/110 = 86.36% ≥ 80 ✓; 84/100 = 84% < 90 ✗; 86/90 = 95.56% ≥ 95 ✓. Two met → 未全部达标,
    6 − 2 = 4 missed, 达标率 33.33…%."""
    unit = result.unit("慈城镇")
    got = {k.split(".")[1]: str(v) for k, v in unit.scores.items() if k.startswith("targets.")}
    assert got == {
        "awareness": "0.00",
        "free_service": "0.00",
        "contraceptives": "0.00",
        "counselling": "1.00",
        "checkups": "0.00",
        "satisfaction": "1.00",
    }
    assert unit.total == D(2) and unit.outcomes["all_targets"] == "未全部达标"
    assert unit.outputs["missed"] == D(4)
    assert unit.values["met_share"].quantize(D("0.01")) == D("33.33")


def test_zero_denominator_counts_as_not_met(result: rulebook.Result) -> None:
    """孔浦街道 recorded no counselling candidates: 0/0 → 0% (declared), so 5 of 6."""
    unit = result.unit("孔浦街道")
    assert unit.values["counselling_rate"] == D(0)
    assert unit.scores["targets.counselling"] == D(0) and unit.total == D(5)


def test_just_below_the_threshold_is_not_met(result: rulebook.Result) -> None:
    """白沙街道: 899/1000 = 89.9% < 90."""
    unit = result.unit("白沙街道")
    assert unit.values["awareness_rate"] == D("89.9")
    assert unit.scores["targets.awareness"] == D(0)


def test_inconsistent_counts_are_a_data_error() -> None:
    scheme = rulebook.load(SCHEMES / "migrant-services.yaml")
    data = SCHEMES / "examples" / "migrant-services.data.yaml"
    text = data.read_text(encoding="utf-8").replace("policy_aware: 372", "policy_aware: 401")
    with pytest.raises(rulebook.DataError) as info:
        rulebook.evaluate(scheme, rulebook.parse_data(text, scheme, "bad.yaml"))
    message = str(info.value)
    assert (
        "unit `中马街道`: 知晓人数不能多于调查人数 "
        "(requires `policy_aware <= policy_surveyed`)" in message
    )
    assert "migrant-services.yaml:" in message
