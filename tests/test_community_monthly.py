"""The community-monthly scheme (docs/schemes/community-monthly.md) against hand-worked units."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

import rulebook

from conftest import shipped


@pytest.fixture(scope="module")
def result() -> rulebook.Result:
    return shipped("community-monthly")[0]


def test_dongyuan_worked_by_hand(result: rulebook.Result) -> None:
    """东园社区, every month: 及时率 75% ≥ 72 → 30; 4 of 4 pregnancies → 30; 3 of 3 births → 20;
    依法行政 10; 重点工作 9 → 99. In May a verified complaint: 依法行政 0 → 89, and demoted to
    the bottom of May (rank 11 of 11 from the top, 1 from the bottom) → criticised.
    Year: 11 × 99 + 89 = 1178. Usual months it is 2nd (tied with 滨江 at 99 behind 和平's 100)
    → praised 11 times. Quarters: Q1, Q3, Q4 297 = 2nd (tied with 滨江) → 1500 each; Q2
    287 → 7th → nothing: 4500 元. Subsidies: 12 sterilizations, 24 IUDs, 48 of 48 pregnancies
    tracked (100% ≥ 75; 48 − ⌈36⌉ = 12 above target): 500×12 + 100×24 + 50×48 + 200×12 =
    13200 元 to the community; 500×12 + 100×24 = 8400 元 to the persons."""
    unit = result.unit("东园社区")
    assert unit.total == D("1178.00")
    assert unit.scores["scores.lawful"] == D("110.00")
    assert unit.values["month_total"]["M05"] == D(89)
    assert int(unit.ranks["month_rank"]["M05"]) == 11
    assert int(unit.ranks["month_from_bottom"]["M05"]) == 1
    assert {k: int(v) for k, v in unit.ranks["quarter_rank"].items()} == {
        "Q1": 2,
        "Q2": 7,
        "Q3": 2,
        "Q4": 2,
    }
    assert {k: str(v) for k, v in unit.outputs.items()} == {
        "money": "26100.00",
        "money.quarter_awards": "4500.00",
        "money.community_subsidy": "13200.00",
        "money.person_subsidy": "8400.00",
        "praised_months": "11.00",
        "criticised_months": "1.00",
        "quarter_criticisms": "0.00",
        "reviews": "0.00",
    }


def test_zhongxin_worked_by_hand(result: rulebook.Result) -> None:
    """中心社区, every month: 及时率 68% → 30 × 68/72 = 28.33…; 4 of 6 pregnancies = 66.67% →
    30 × 66.67/75 = 26.67…; 4 of 5 births = 80% → 16; 依法行政 10; 重点工作 6 → 87. Year:
    340 + 320 + 192 + 120 + 72 = 1044. It misses its standards every month. Usually 9th of 11,
    3rd from the bottom → criticised; in May (东园 demoted) and November (春晖 at 85.58 falls
    below it) it is 4th from the bottom → not criticised: 10 monthly criticisms. Each quarter it
    is 3rd from the bottom with months below standard → 4 quarterly criticisms. Subsidies:
    12 IUDs, 48 tracked (66.67% < 75: nothing above target): 100×12 + 50×48 = 3600 元."""
    unit = result.unit("中心社区")
    assert {k: str(v) for k, v in unit.scores.items()} == {
        "scores": "1044.00",
        "scores.timely": "340.00",
        "scores.pregnancy": "320.00",
        "scores.reporting": "192.00",
        "scores.lawful": "120.00",
        "scores.key_work": "72.00",
        "total": "1044.00",
    }
    assert unit.outputs["criticised_months"] == D(10)
    assert unit.outputs["quarter_criticisms"] == D(4)
    assert unit.outputs["money.community_subsidy"] == D(3600)
    assert unit.values["excess_tracked"] == D(0)


def test_quarter_awards_with_ties(result: rulebook.Result) -> None:
    """Q1: 和平 300 first (2000), 东园 and 滨江 297 share second (1500 each), nobody third."""
    q1 = {u.unit: int(u.ranks["quarter_rank"]["Q1"]) for u in result}
    assert [n for n, r in q1.items() if r <= 3] == ["东园社区", "和平社区", "滨江社区"]
    awards = {
        u.unit: u.outputs["money.quarter_awards"]
        for u in result
        if u.outputs["money.quarter_awards"]
    }
    assert awards == {
        "东园社区": D(4500),
        "北湖社区": D(1000),
        "和平社区": D(8000),
        "滨江社区": D(6000),
    }


def test_zero_denominators_count_as_complete(result: rulebook.Result) -> None:
    """北湖社区 has no pregnancies and no births: both rates 100%; 72% 及时率 → 30; 98 a month."""
    unit = result.unit("北湖社区")
    assert unit.values["pregnancy_rate"]["M01"] == D(100)
    assert unit.values["reporting_rate"]["M01"] == D(100)
    assert unit.values["month_total"]["M01"] == D(98)


def test_veto_and_last_place_reviews(result: rulebook.Result) -> None:
    assert result.unit("西苑社区").vetoes == ("bad_influence",)
    assert result.unit("西苑社区").outcomes["year_end"] == "一票否决"
    assert result.unit("幸福社区").outputs["reviews"] == D(4)
