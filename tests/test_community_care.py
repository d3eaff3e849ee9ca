"""The community-care scheme (seed 001, docs/schemes/community-care.md) against hand-worked units.

Every target is met (1) or not (0); the total is the number met out of 25. The working below was
done from the sheet and the example data, target by target."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

import rulebook

from conftest import SCHEMES, shipped


@pytest.fixture(scope="module")
def result() -> rulebook.Result:
    return shipped("community-care")[0]


def missed_targets(unit: rulebook.UnitResult) -> set[str]:
    """The items (leaf ids) scored 0."""
    scheme_items = [k for k in unit.scores if k.count(".") == 1]
    return {k for k in scheme_items if unit.scores[k] == 0}


def test_jiuzhou_just_below_six_thresholds(result: rulebook.Result) -> None:
    """九州社区: 79 of 80 allowances by passbook ✗; 849/1000 = 84.9% < 85 ✗;
    284/300 = 94.67% < 95 ✗; 212/250 = 84.8% < 85 ✗; 1499 of 1500 households ✗; no QQ network ✗.
    240/250 = 96% ✓ and 19/20 = 95% ✓ sit on their thresholds; 0 of 0 award couples ✓;
    150 × 3 = 450 ✓; year 2: 300 × 3 = 900 ≥ 2 × 450 ✓. 25 − 6 = 19."""
    unit = result.unit("九州社区")
    assert missed_targets(unit) == {
        "rewards.allowance",
        "health.knowledge",
        "health.same_day",
        "health.timely",
        "law.publicity",
        "six_ones.network",
    }
    assert unit.total == D(19)
    assert unit.outputs["missed"] == D(6)
    assert unit.outcomes["result"] == "未达标"


def test_chaoge_nobody_to_serve_is_met_but_no_survey_is_not(result: rulebook.Result) -> None:
    """朝歌社区 has no service clients at all: every "达到100%/95%以上" service target is met
    (nothing owed: 0 == 0, and ratio(…, 0, 100) = 100%), but with nobody surveyed the knowledge
    rate is 0% (nothing shows 85%). 24 of 25."""
    unit = result.unit("朝歌社区")
    assert missed_targets(unit) == {"health.knowledge"}
    assert unit.values["knowledge_rate"] == D(0)
    assert unit.values["same_day_rate"] == D(100)
    assert unit.total == D(24)


def test_hongqi_ten_missed(result: rulebook.Result) -> None:
    """红旗社区: 199 of 200 after make-up ✗; 11 of 12 key clients ✗; 287/300 = 95.67% < 96 ✗;
    199 × 3 = 597 < 600 ✗; 899 letters for 900 households ✗; 11 forum months ✗; no training ✗;
    149.5 m² < 150 ✗; 3 of 4 rooms ✗; no census ✗. Met: 2 rewards, knowledge 93.33%, same day
    98%, timely 270/300 = 90%, follow-up 15/15, cycle 400 × 3 = 1200 ≥ 2 × 600, publicity,
    visits, hotline, network, disclosures, free permits, tracking, free services = 15."""
    unit = result.unit("红旗社区")
    assert missed_targets(unit) == {
        "health.after_makeup",
        "health.key_visits",
        "health.contraception",
        "health.screening_year",
        "six_ones.letter",
        "six_ones.forums",
        "six_ones.training",
        "base.floor_area",
        "base.rooms",
        "combination.census",
    }
    assert unit.total == D(15)
    assert unit.outputs["missed"] == D(10)


def test_shancheng_fees_and_third_year(result: rulebook.Result) -> None:
    """山城社区: 1 of 2 award couples ✗; 9/10 = 90% < 95 ✗; year 3: 280 × 3 = 840 < 900 ✗;
    23 visiting rounds ✗; no hotline ✗; 4 of 5 disclosures ✗; 2 permit-fee cases ✗;
    2 of 3 permit holders tracked ✗; 1 service-fee case ✗. 25 − 9 = 16."""
    unit = result.unit("山城社区")
    assert len(missed_targets(unit)) == 9
    assert unit.total == D(16)
    assert unit.outputs["missed"] == D(9)


def test_qibin_all_met_on_the_thresholds(result: rulebook.Result) -> None:
    """淇滨社区: 85%, 95%, 96%, 85%, 95%, 150 m², 300 × 3 = 900 all exactly on their thresholds,
    and "以上"/"不少于" include the threshold: 25 of 25, 全部达标."""
    unit = result.unit("淇滨社区")
    assert missed_targets(unit) == set()
    assert unit.total == D(25)
    assert unit.outcomes["result"] == "全部达标"


def test_inconsistent_counts_are_a_data_error() -> None:
    scheme = rulebook.load(SCHEMES / "community-care.yaml")
    text = (SCHEMES / "examples" / "community-care.data.yaml").read_text(encoding="utf-8")
    bad = text.replace("checkup_after_makeup: 400", "checkup_after_makeup: 401", 1)
    with pytest.raises(rulebook.DataError) as info:
        rulebook.evaluate(scheme, rulebook.parse_data(bad, scheme, "bad.yaml"))
    assert "unit `淇滨社区`: 当日参加人数 ≤ 补检后累计人数 ≤ 服务对象数" in str(info.value)
