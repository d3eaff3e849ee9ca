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
    """龙介村委会: 5 cadres → task 5; 4 done → missed. Withheld, per person and rounded to the
    fen first: secretary 0.5 × 3000 = 1500, director 0.4 × 2400 = 960, informant 0.5 × 2000 =
    1000, each of the other two cadres 0.3 × 1234.55 = 370.365 → 370.37, × 2 = 740.74 (the
    unrounded 740.73 would lose the half fen twice); together 1500 + 960 + 1000 + 740.74 =
    4200.74 元. 21 of 22 → year-end 不合格; all 19 at H1 (births 7/7 legal, 3 boys : 4 girls
    = 75, 7 × 2 × 1000 / 1500 = 9.33‰ annualised) → half-year 合格."""
    unit = result.unit("龙介村委会")
    assert missed(unit) == ["targets.sterilizations"]
    assert {k: str(v) for k, v in unit.outputs.items()} == {
        "withheld": "4200.74",
        "withheld.secretary": "1500.00",
        "withheld.director": "960.00",
        "withheld.informant": "1000.00",
        "withheld.others": "740.74",
        "exam_criticism": "0.00",
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
    assert unit.total == D(21) and unit.outputs["exam_criticism"] == D(0)
    assert unit.outcomes["half_year"] == "不合格" and unit.outcomes["year_end"] == "不合格"


def test_half_year_birth_rate_is_annualised(result: rulebook.Result) -> None:
    """平塘村委会: H1 births 8, population 950: 8 × 1000 / 950 = 8.42‰ for the half year, but
    the rate is annual: 8 × 2 × 1000 / 950 = 16000 / 950 = 16.84‰ > 15‰ → missed, 18 of 19 →
    half-year 不合格. Year end 11 × 1000 / 950 = 11.58‰ ≤ 15 → met."""
    unit = result.unit("平塘村委会")
    assert unit.values["half_year_birth_rate"].quantize(D("0.0001")) == D("16.8421")
    assert unit.values["half_year_birth_rate_ok"] == D(0)
    assert unit.values["half_year_met"] == D(18) and unit.outcomes["half_year"] == "不合格"
    assert unit.scores["targets.birth_rate"] == D(1)


def test_unit_specific_induction_targets(result: rulebook.Result) -> None:
    """旧村 (task 3) did 3 → met; 平塘 (task 3) did 2 → missed; 镇区 (task 2) did 2 → met."""
    assert result.unit("旧村村委会").scores["targets.inductions"] == D(1)
    assert result.unit("平塘村委会").scores["targets.inductions"] == D(0)
    assert result.unit("镇区居委会").scores["targets.inductions"] == D(1)


def test_concealment_fails_the_records_target_not_a_veto(result: rulebook.Result) -> None:
    """新围村委会: a record error (错报/漏报) at H1 and a concealed case (瞒报) at year end;
    clause 8 counts all three, so the records target is missed at both assessments: 18 of 19
    at H1; at year end records and the free pre-pregnancy exams (18 of 20) are missed: 22 − 2
    = 20, both 不合格. No veto exists any more (clause 12's 一票否决 is the consequence of
    failing), and a concealing unit cannot show all targets met. 措施（四）: exams missed →
    通报批评 1 次."""
    unit = result.unit("新围村委会")
    assert unit.vetoes == () and not result.scheme.vetoes
    assert missed(unit) == ["targets.records", "targets.exams"]
    assert unit.values["targets.records.ok"] == {"H1": D(0), "Y": D(0)}
    assert unit.total == D(20) and unit.values["half_year_met"] == D(18)
    assert unit.outputs["exam_criticism"] == D(1)
    assert unit.outcomes["half_year"] == "不合格" and unit.outcomes["year_end"] == "不合格"


def test_one_pass_rule_for_outcomes_and_consequences(result: rulebook.Result) -> None:
    """合格 means every target met: half-year 19 of 19, year-end 22 of 22. The consequences
    follow exactly when either assessment is 不合格 — 旧村 and 镇区 (19 and 22) pass both and
    alone have 无; the other four fail one or both."""
    for unit in result.units:
        half = unit.values["half_year_met"] == D(19)
        year = unit.total == D(22)
        assert unit.outcomes["half_year"] == ("合格" if half else "不合格")
        assert unit.outcomes["year_end"] == ("合格" if year else "不合格")
        assert (unit.outcomes["consequences"] == "无") == (half and year)
    passing = [u.unit for u in result.units if u.outcomes["consequences"] == "无"]
    assert passing == ["旧村村委会", "镇区居委会"]


def test_zero_births_meet_the_birth_targets(result: rulebook.Result) -> None:
    unit = result.unit("镇区居委会")
    assert unit.values["legal_birth_rate"] == {"H1": D(100), "Y": D(100)}
    assert unit.total == D(22) and unit.outcomes["year_end"] == "合格"
    assert unit.outcomes["consequences"] == "无"
