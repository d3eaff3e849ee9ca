"""The township-targets scheme (docs/schemes/township-targets.md) against hand-worked units."""

from __future__ import annotations

import io
import json
from decimal import Decimal as D
from pathlib import Path

import pytest
import yaml

import rulebook
from rulebook.cli import main
from rulebook.data.api import check_data
from rulebook.data.named_units import absent_units
from rulebook.engine.semantics import NA

from conftest import SCHEMES, shipped

SCHEME = SCHEMES / "township-targets.yaml"
DATA = SCHEMES / "examples" / "township-targets.data.yaml"


@pytest.fixture(scope="module")
def result() -> rulebook.Result:
    return shipped("township-targets")[0]


def missed(unit: rulebook.UnitResult) -> list[str]:
    """The targets a unit missed (an n/a target is neither met nor missed)."""
    return [
        k for k, v in unit.scores.items() if k.startswith("targets.") and v is not NA and v != 1
    ]


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
    """Clause 4: 旧村 (task 3) did 3 → met; 平塘 (task 3) did 2 → missed; 东坑 (an 其它村委会,
    task 2) did 2 → met; 镇区居委会 is a 居委会: no task, the target is n/a although it did 0."""
    assert result.unit("旧村村委会").scores["targets.inductions"] == D(1)
    assert result.unit("平塘村委会").scores["targets.inductions"] == D(0)
    assert result.unit("东坑村委会").scores["targets.inductions"] == D(1)
    assert result.unit("镇区居委会").scores["targets.inductions"] is NA


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
    """合格 means every applicable target met: half-year 19 of 19; year end 22 of 22 for a
    村委会, 21 of 21 for a 居委会 (no induction target). The consequences follow exactly when
    either assessment is 不合格 — 旧村 (19, 22) and 镇区居委会 (19, 21) pass both and alone have
    无; the other four fail one or both."""
    for unit in result.units:
        applicable = 22 if unit.unit.endswith("村委会") else 21
        assert unit.values["applicable_targets"] == D(applicable)
        assert unit.values["year_end_missed"] == D(applicable) - unit.total
        half = unit.values["half_year_met"] == D(19)
        year = unit.total == D(applicable)
        assert unit.outcomes["half_year"] == ("合格" if half else "不合格")
        assert unit.outcomes["year_end"] == ("合格" if year else "不合格")
        assert (unit.outcomes["consequences"] == "无") == (half and year)
    passing = [u.unit for u in result.units if u.outcomes["consequences"] == "无"]
    assert passing == ["旧村村委会", "镇区居委会"]


def test_zero_births_meet_the_birth_targets(result: rulebook.Result) -> None:
    """镇区居委会: no births → legal-birth rate 100%, birth rate 0, sex ratio met; with the
    induction target n/a (group rule `zero`: counts 0, shown 不适用), 21 targets met of 21
    applicable → 合格 (before kinds were declared it was given task 2 and showed 22 of 22)."""
    unit = result.unit("镇区居委会")
    assert unit.values["legal_birth_rate"] == {"H1": D(100), "Y": D(100)}
    assert unit.total == D(21) and unit.scores["targets"] == D(21)
    assert unit.values["year_end_missed"] == D(0) and missed(unit) == []
    assert unit.outcomes["year_end"] == "合格"
    assert unit.outcomes["consequences"] == "无"


def test_kind_decides_the_induction_target_not_the_name() -> None:
    """The same 居委会 data declared a 村委会 gets the 其它村委会 task 2: 0 done → missed, 21 of 22
    → year-end 不合格 with the consequences. Declared a 居委会 the target is n/a: 21 of 21 → 合格.
    Both engines agree."""
    scheme = rulebook.load(SCHEME)
    raw = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    unit = dict(raw["units"]["镇区居委会"])
    for engine in ("compiled", "reference"):
        as_village = rulebook.evaluate(
            scheme, {"units": {"新村": {**unit, "kind": "村委会"}}}, engine=engine
        ).unit("新村")
        assert as_village.scores["targets.inductions"] == D(0)
        assert as_village.total == D(21) and as_village.outcomes["year_end"] == "不合格"
        as_residents = rulebook.evaluate(
            scheme, {"units": {"新居": {**unit, "kind": "居委会"}}}, engine=engine
        ).unit("新居")
        assert as_residents.scores["targets.inductions"] is NA
        assert as_residents.total == D(21) and as_residents.outcomes["year_end"] == "合格"


def test_a_task_list_naming_a_unit_absent_from_the_data_is_warned() -> None:
    """`induction_task`'s by_unit names 旧村村委会, 平塘村委会 and 龙介村委会. Scoring data without
    平塘村委会 (say it was misspelt) warns once, at the parameter, naming the unit: its task 3
    would otherwise silently go unused. With all three present there is nothing to report."""
    scheme = rulebook.load(SCHEME)
    full = rulebook.read_data(DATA, scheme)
    assert absent_units(scheme, full) == []
    raw = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    del raw["units"]["平塘村委会"]
    [problem] = absent_units(scheme, check_data(raw, scheme))
    assert problem.severity == "warning" and "`induction_task`" in problem.message
    assert "`平塘村委会`" in problem.message and problem.location is not None
    assert problem.location.file.endswith("township-targets.yaml")


def test_score_prints_the_absent_unit_warning_and_still_scores(tmp_path: Path) -> None:
    """`rulebook score` on data without 平塘村委会: the warning (file:line of `induction_task`)
    goes to stderr, the five units are scored, exit 0."""
    raw = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    del raw["units"]["平塘村委会"]
    data = tmp_path / "five.yaml"
    data.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert main(["score", str(SCHEME), str(data), "--format", "json", "--no-audit"], out, err) == 0
    line = next(
        x for x in SCHEME.read_text(encoding="utf-8").splitlines() if "induction_task:" in x
    )
    number = SCHEME.read_text(encoding="utf-8").splitlines().index(line) + 1
    assert f"township-targets.yaml:{number}:" in err.getvalue()
    assert (
        "warning: parameter `induction_task`" in err.getvalue() and "`平塘村委会`" in err.getvalue()
    )
    assert len(json.loads(out.getvalue())["units"]) == 5
