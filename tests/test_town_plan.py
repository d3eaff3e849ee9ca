"""The town-plan scheme (seed 002, docs/schemes/town-plan.md) against hand-worked villages and
the town's pooled rows, with the year's targets given at run time."""

from __future__ import annotations

import io
from decimal import Decimal as D
from pathlib import Path

import pytest

import rulebook
from rulebook.cli import main

from conftest import SCHEMES, shipped

PARAMS = SCHEMES / "examples" / "town-plan.params.yaml"
DATA = SCHEMES / "examples" / "town-plan.data.yaml"


@pytest.fixture(scope="module")
def result() -> rulebook.Result:
    return shipped("town-plan")[0]


def test_the_town_is_pooled_not_averaged(result: rulebook.Result) -> None:
    """Population 3000 + 5000 + 2000 + 1500 + 4000 + 2500 = 18000; births 200; deaths 83.
    Birth rate 200 × 1000 / 18000 = 11.11‰ ≤ 12 ✓ (the mean of the villages' rates, (11 + 12 +
    15 + 8 + 10 + 10) / 6 = 11.0, would be another number); growth 117 × 1000 / 18000 = 6.5‰ ✓;
    policy 184 / 200 = 92% ✓; multiple 5 / 200 = 2.5% ✓; satisfaction 572 / 630 = 90.79% ✓;
    rewards 169 / 170 ✗; accuracy 854 / 900 = 94.89% ✗; sex ratio 110 / 90 = 122.2, 15.2 above
    107 against last year's 125 (18 above) ✓; exams 213 / 260 = 81.92% ✓; funding 250000 /
    18000 = 13.89 元 ≥ 10 ✓. 8 of 10."""
    (town,) = result.groups
    values = town.values
    assert values["town_population"] == D(18000) and values["town_births"] == D(200)
    assert values["town_growth_rate"] == D("6.5")
    assert values["town_policy_rate"] == D(92)
    assert values["town_birth_rate"].quantize(D("0.0001")) == D("11.1111")
    assert values["met_rewards"] is False and values["met_accuracy"] is False
    assert values["met_sex_ratio"] is True and values["met_funding"] is True
    assert values["town_targets_met"] == D(8)
    assert values["met_no_missed"] is False and values["met_demo_rooms"] is True


def test_puemei_sits_on_every_line(result: rulebook.Result) -> None:
    """莆美村: 60 × 1000 / 5000 = 12‰ ≤ 12 ✓; (60 − 20) × 1000 / 5000 = 8‰ ≤ 8 ✓; 54 / 60 = 90% ✓;
    1 / 60 = 1.67% ✓; 180 / 200 = 90% ✓; 54 of 55 rewards ✗; 285 / 300 = 95% ✓; 64 / 80 = 80% ✓;
    no missed registration ✓. 8 of 9."""
    unit = result.unit("莆美村")
    assert unit.scores["village.rewards"] == D(0)
    assert unit.total == D(8)


def test_yangxia_nothing_due_is_met_nothing_measured_is_not(result: rulebook.Result) -> None:
    """阳霞村: 15‰ ✗, 12‰ ✗, 25 / 30 = 83.33% ✗, 2 / 30 = 6.67% ✗, no survey (0%) ✗, no reward
    due (100%) ✓, 90 / 100 = 90% ✗, no exam due (100%) ✓, 2 missed ✗: 2 of 9, and one 处分."""
    unit = result.unit("阳霞村")
    assert unit.total == D(2)
    assert unit.values["satisfaction_rate"] == D(0) and unit.values["reward_rate"] == D(100)
    assert unit.outputs["discipline"] == D(1)


def test_houxi_negative_growth_meets_the_limit(result: rulebook.Result) -> None:
    """后溪村: (12 − 15) × 1000 / 1500 = −2‰ ≤ 8‰; everything else met too: 9 of 9."""
    unit = result.unit("后溪村")
    assert unit.values["growth_rate"] == D(-2)
    assert unit.total == D(9) and unit.outcomes["village_result"] == "各项均达全镇目标"


def test_scoring_without_the_years_targets_names_each_one() -> None:
    err = io.StringIO()
    code = main(["score", str(SCHEMES / "town-plan.yaml"), str(DATA)], io.StringIO(), err)
    assert code != 0
    for name in ("birth_rate_limit", "policy_rate_target", "multiple_rate_limit", "town_funding"):
        assert f"parameter `{name}`" in err.getvalue()
    assert "--params FILE" in err.getvalue()


def test_another_year_is_another_params_file(tmp_path: Path) -> None:
    """With a 10‰ limit the town's 11.11‰ fails: 7 of 10."""
    params = tmp_path / "year.yaml"
    params.write_text(
        PARAMS.read_text(encoding="utf-8").replace("birth_rate_limit: 12", "birth_rate_limit: 10"),
        encoding="utf-8",
    )
    scheme = rulebook.load(SCHEMES / "town-plan.yaml", params=params)
    (town,) = rulebook.evaluate(scheme, rulebook.read_data(DATA, scheme)).groups
    assert town.values["met_birth_rate"] is False
    assert town.values["town_targets_met"] == D(7)
