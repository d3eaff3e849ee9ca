"""The township-targets scheme (docs/schemes/township-targets.md) against hand-worked units."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

import rulebook

from conftest import shipped


@pytest.fixture(scope="module")
def result() -> rulebook.Result:
    return shipped("township-targets")[0]


def missed(unit: rulebook.UnitResult) -> list[str]:
    return [k for k, v in unit.scores.items() if k.startswith("targets.") and v != 1]


def test_longjie_misses_the_sterilization_task_and_loses_subsidy(result: rulebook.Result) -> None:
    """龙介村委会: 5 cadres → task 5; 4 done → missed. Withheld: secretary 0.5 × 3000 = 1500,
    director 0.4 × 2400 = 960, informant 0.5 × 2000 = 1000, the other two cadres
    0.3 × 1500 × 2 = 900; together 4360 元. 21 of 22 → year-end 不合格; all 19 at H1 (births
    7/7 legal, 3 boys : 4 girls = 75) → half-year 合格."""
    unit = result.unit("龙介村委会")
    assert missed(unit) == ["targets.sterilizations"]
    assert {k: str(v) for k, v in unit.outputs.items()} == {
        "withheld": "4360.00",
        "withheld.secretary": "1500.00",
        "withheld.director": "960.00",
        "withheld.informant": "1000.00",
        "withheld.others": "900.00",
    }
    assert unit.total == D(21) and "withheld" not in unit.scores
    assert dict(unit.outcomes) == {
        "half_year": "合格",
        "year_end": "不合格",
        "consequences": "诫勉谈话；辞退计生信息员；不能评为先进党支部",
    }


def test_dongkeng_sex_ratio_and_half_year(result: rulebook.Result) -> None:
    """东坑村委会: H1 3 boys, 0 girls → not met; awareness 89.5% < 90 → not met: 17 of 19 at
    H1 → 不合格. Year end: 4 boys : 3 girls = 133.3 > 117 → not met; awareness 90% → met;
    induction task 2 (not one of the three named villages), 2 done → met. 21 of 22."""
    unit = result.unit("东坑村委会")
    assert unit.values["half_year_met"] == D(17)
    assert missed(unit) == ["targets.sex_ratio"]
    assert unit.total == D(21)
    assert unit.outcomes["half_year"] == "不合格" and unit.outcomes["year_end"] == "不合格"


def test_unit_specific_induction_targets(result: rulebook.Result) -> None:
    """旧村 (task 3) did 3 → met; 平塘 (task 3) did 2 → missed; 镇区 (task 2) did 2 → met."""
    assert result.unit("旧村村委会").scores["targets.inductions"] == D(1)
    assert result.unit("平塘村委会").scores["targets.inductions"] == D(0)
    assert result.unit("镇区居委会").scores["targets.inductions"] == D(1)


def test_veto_overrides_full_marks(result: rulebook.Result) -> None:
    """新围村委会 meets all 22 at year end but concealed a case: vetoed, 不合格."""
    unit = result.unit("新围村委会")
    assert unit.total == D(22) and unit.vetoes == ("concealment",)
    assert unit.outcomes["year_end"] == "不合格"


def test_zero_births_meet_the_birth_targets(result: rulebook.Result) -> None:
    unit = result.unit("镇区居委会")
    assert unit.values["legal_birth_rate"] == {"H1": D(100), "Y": D(100)}
    assert unit.total == D(22) and unit.outcomes["year_end"] == "合格"
    assert unit.outcomes["consequences"] == "无"
