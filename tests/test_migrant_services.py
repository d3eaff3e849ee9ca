"""The migrant-services scheme (docs/schemes/migrant-services.md) against hand-worked units."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
import yaml

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


def test_the_district_is_pooled_not_averaged(result: rulebook.Result) -> None:
    """The plan's rates are the district's (全区): summed numerators over summed denominators of
    the six units. 知晓 372 + 899 + 285 + 240 + 470 + 301 = 2567 of 400 + 1000 + 300 + 250 + 520
    + 360 = 2830 → 90.71% ≥ 90 ✓ (the mean of the units' rates, (93 + 89.9 + 95 + 96 + 90.38 +
    83.61) / 6 = 91.32, is another number); 免费服务 5389 / 5630 = 95.72% ≥ 95 ✓; 药具 3564 /
    3890 = 91.62% ≥ 90 ✓; 咨询 560 / 680 = 82.35% ≥ 80 ✓ (孔浦's 0 of 0 adds nothing; a mean of
    the units' rates would count its 0% and give 69.43%, missed); 孕检 636 / 693 = 91.77% ≥ 90
    ✓; 满意 654 / 680 = 96.18% ≥ 95 ✓. The district meets all six, 0 missed — while four of
    its six units do not."""
    (district,) = result.groups
    values = district.values
    assert values["district_policy_aware"] == D(2567)
    assert values["district_policy_surveyed"] == D(2830)
    assert values["district_awareness_rate"].quantize(D("0.0001")) == D("90.7067")  # 256700 / 2830
    assert values["district_counselling_rate"].quantize(D("0.0001")) == D("82.3529")  # 56000 / 680
    assert values["district_satisfaction_rate"].quantize(D("0.01")) == D("96.18")
    assert values["district_met_counselling"] is True
    assert values["district_targets_met"] == D(6) and values["district_targets_missed"] == D(0)
    assert values["district_all_met"] is True
    assert sum(1 for u in result.units if u.outcomes["all_targets"] != "六项指标全部达标") == 4


def test_a_district_of_zhongma_and_cicheng_misses_three() -> None:
    """Only 中马街道 (all six met) and 慈城镇 (two met): 知晓 (372 + 301) / (400 + 360) = 673 /
    760 = 88.55% ✗; 免费服务 (1210 + 650) / (1250 + 720) = 1860 / 1970 = 94.42% ✗; 药具 1230 /
    1360 = 90.44% ✓; 咨询 221 / 260 = 85% ✓; 孕检 215 / 240 = 89.58% ✗; 满意 181 / 190 = 95.26%
    ✓: 3 met, 3 missed, not all six. Both engines agree."""
    scheme = rulebook.load(SCHEMES / "migrant-services.yaml")
    raw = yaml.safe_load((SCHEMES / "examples" / "migrant-services.data.yaml").read_text("utf-8"))
    data = {"units": {k: raw["units"][k] for k in ("中马街道", "慈城镇")}}
    for engine in ("compiled", "reference"):
        (district,) = rulebook.evaluate(scheme, data, engine=engine).groups
        values = district.values
        assert values["district_awareness_rate"].quantize(D("0.0001")) == D(
            "88.5526"
        )  # 67300 / 760
        assert values["district_counselling_rate"] == D(85)
        met = {k: v for k, v in values.items() if k.startswith("district_met_")}
        assert met == {
            "district_met_awareness": False,
            "district_met_free_service": False,
            "district_met_contraceptives": True,
            "district_met_counselling": True,
            "district_met_checkups": False,
            "district_met_satisfaction": True,
        }
        assert values["district_targets_met"] == D(3)
        assert values["district_targets_missed"] == D(3)
        assert values["district_all_met"] is False
