"""The community-monthly scheme (docs/schemes/community-monthly.md) against hand-worked units."""

from __future__ import annotations

import copy
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import rulebook
from rulebook import columnar
from rulebook.engine.columnar.result import same
from rulebook.engine.ranking import rank
from rulebook.errors import DataError
from rulebook.scheme.model import RankMethod

from conftest import shipped

EXAMPLE = Path(__file__).resolve().parent.parent / "schemes" / "examples"


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
        "pregnancy_praise": "1.00",
    }


def test_zhongxin_worked_by_hand(result: rulebook.Result) -> None:
    """中心社区, every month: 及时率 68% → 30 × 68/72 = 28.33…; 4 of 6 pregnancies = 66.67% →
    30 × 66.67/75 = 26.67…; 4 of 5 births = 80% → 16; 依法行政 10; 重点工作 6 → 87. Year:
    340 + 320 + 192 + 120 + 72 = 1044. It misses its standards every month. Usually 9th of 11,
    3rd from the bottom → criticised; in May (东园 demoted), August (西苑 demoted: a verified
    media report) and November (春晖 at 85.58 falls below it) it is 4th from the bottom → not
    criticised: 12 − 3 = 9 monthly criticisms. Each quarter it
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
    assert unit.outputs["criticised_months"] == D(9)
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


def test_pregnancy_praise_when_the_year_rate_meets_the_standard(result: rulebook.Result) -> None:
    """评分标准（三）: 孕情掌握率达标 → 通报表扬. 东园 48 of 48 = 100% ≥ 75 → 1 次; 中心 48 of 72
    = 66.67% < 75 → 0; 北湖 none to track → 100% → 1."""
    assert result.unit("东园社区").outputs["pregnancy_praise"] == D(1)
    assert result.unit("中心社区").outputs["pregnancy_praise"] == D(0)
    assert result.unit("北湖社区").outputs["pregnancy_praise"] == D(1)


def test_demoted_within_caps_only_demoted_ranks() -> None:
    """Bottom-up ranks of 50, 40, 30, 20, 10, 60 with the first four demoted: among the
    demoted by value 20 → 1, 30 → 2, 40 → 3, 50 → 4, capped at 3; the others follow every
    demoted unit: 10 → 5, 60 → 6. Without `within` the 50 would be 4th and escape."""
    values = [D(50), D(40), D(30), D(20), D(10), D(60)]
    flags = [True, True, True, True, False, False]
    assert rank(values, order="asc", demoted=flags) == [D(4), D(3), D(2), D(1), D(5), D(6)]
    assert rank(values, order="asc", demoted=flags, within=3) == [3, 3, 2, 1, 5, 6]
    assert rank(values, order="asc", demoted=flags, within=3, method="dense") == [
        3,
        3,
        2,
        1,
        5,
        6,
    ]
    # one demoted unit (60): it is 1st, the two lowest others (10, 20) fill places 2 and 3
    assert rank(values, order="asc", demoted=[False] * 5 + [True], within=3) == [6, 5, 4, 3, 2, 1]


@given(
    st.lists(
        st.tuples(st.integers(-5, 5).map(D), st.booleans()),
        min_size=1,
        max_size=12,
    ),
    st.integers(1, 4),
    st.sampled_from(["competition", "dense"]),
)
def test_demoted_within_properties(
    units: list[tuple[D, bool]], within: int, method: RankMethod
) -> None:
    """From the bottom: every demoted unit ranks within `within` places; every other unit keeps
    the rank it has without the option, and that rank is past every demoted unit's."""
    values = [v for v, _ in units]
    flags = [f for _, f in units]
    plain = rank(values, order="asc", method=method, demoted=flags)
    capped = rank(values, order="asc", method=method, demoted=flags, within=within)
    for flag, before, after in zip(flags, plain, capped, strict=True):
        if flag:
            assert after == min(before, within)
        else:
            assert after == before
            assert all(after > c for c, f in zip(capped, flags, strict=True) if f)


FOUR_DEMOTED = ("和平社区", "滨江社区", "东园社区", "北湖社区")


def _four_demoted_in_march() -> dict[str, Any]:
    raw = yaml.safe_load((EXAMPLE / "community-monthly.data.yaml").read_text(encoding="utf-8"))
    data = copy.deepcopy(raw)
    for name in FOUR_DEMOTED:
        data["units"][name]["complaints"]["M03"] = 1
    return data


def test_four_demoted_communities_are_all_in_the_bottom_three() -> None:
    """March with verified complaints against 和平 (100), 滨江 (99), 东园 (99) and 北湖 (98):
    each loses 依法行政's 10 → 90, 89, 89, 88, and all four are "直接列入倒数3名内". From the
    bottom, among the demoted by points: 北湖 88 → 1, 东园 and 滨江 89 tie → 2, 和平 90 → 4,
    which `demoted_within: 3` makes 3. The lowest other community comes 5th, outside the
    bottom 3 (the seven others take 5–11, 南山 and 新华 tied as every month). All four missed
    a standard (依法行政) → criticised in March; without the cap 和平
    would have escaped. From the top they are last: 和平 8th, 东园 and 滨江 9th, 北湖 11th."""
    scheme = rulebook.load(EXAMPLE.parent / "community-monthly.yaml")
    data = rulebook.check_data(_four_demoted_in_march(), scheme)
    compiled = rulebook.evaluate(scheme, data)
    reference = rulebook.evaluate(scheme, data, engine="reference")
    assert reference.to_dict() == compiled.to_dict()
    bottom = {u.unit: int(u.ranks["month_from_bottom"]["M03"]) for u in compiled}
    assert {n: bottom[n] for n in FOUR_DEMOTED} == {
        "和平社区": 3,
        "滨江社区": 2,
        "东园社区": 2,
        "北湖社区": 1,
    }
    others = sorted(r for n, r in bottom.items() if n not in FOUR_DEMOTED)
    assert others == [5, 6, 7, 8, 9, 9, 11]
    top = {u.unit: int(u.ranks["month_rank"]["M03"]) for u in compiled}
    assert {n: top[n] for n in FOUR_DEMOTED} == {
        "和平社区": 8,
        "滨江社区": 9,
        "东园社区": 9,
        "北湖社区": 11,
    }
    criticised = sorted(u.unit for u in compiled if u.values["criticised"]["M03"] == 1)
    assert criticised == sorted(FOUR_DEMOTED)
    table = columnar.evaluate(scheme, data)
    for unit in compiled:
        for a, b in zip(unit.vector, table.vector(unit.unit), strict=True):
            assert same(a, b)


def test_a_severe_incident_needs_a_verified_complaint_or_report_that_month() -> None:
    """评分标准（二）: "被群众投诉或被省、市新闻媒体负面报道且调查属实的…；造成恶劣影响的，
    年终考核一票否决": the influence follows from the verified complaint or report. 西苑's August
    incident has its media report; moved to July, where it has none, the data are refused."""
    scheme = rulebook.load(EXAMPLE.parent / "community-monthly.yaml")
    raw = yaml.safe_load((EXAMPLE / "community-monthly.data.yaml").read_text(encoding="utf-8"))
    incidents = raw["units"]["西苑社区"]["severe_incidents"]
    incidents["M07"], incidents["M08"] = 1, 0
    with pytest.raises(DataError, match="恶劣影响"):
        rulebook.evaluate(scheme, rulebook.check_data(raw, scheme))


def test_demoted_within_reads_the_bottom_places_parameter() -> None:
    """`demoted_within: bottom_places`: the 3 is stated once. Given `bottom_places: 2` at run
    time, the four demoted communities of March (北湖 88, 东园 and 滨江 89, 和平 90) rank from
    the bottom 1, 2, 2 and 和平's 4 capped at 2 (not 3); the others still start at 5. The
    criticism rule reads the same parameter: all four are within 2 and missed a standard →
    criticised, no one else. Compiled, reference and columnar engines agree."""
    scheme = rulebook.load(EXAMPLE.parent / "community-monthly.yaml", params={"bottom_places": 2})
    assert scheme.rankings["month_from_bottom"].demoted_within == 2
    data = rulebook.check_data(_four_demoted_in_march(), scheme)
    compiled = rulebook.evaluate(scheme, data)
    assert rulebook.evaluate(scheme, data, engine="reference").to_dict() == compiled.to_dict()
    bottom = {u.unit: int(u.ranks["month_from_bottom"]["M03"]) for u in compiled}
    assert {n: bottom[n] for n in FOUR_DEMOTED} == {
        "和平社区": 2,
        "滨江社区": 2,
        "东园社区": 2,
        "北湖社区": 1,
    }
    assert min(r for n, r in bottom.items() if n not in FOUR_DEMOTED) == 5
    criticised = sorted(u.unit for u in compiled if u.values["criticised"]["M03"] == 1)
    assert criticised == sorted(FOUR_DEMOTED)
    table = columnar.evaluate(scheme, data)
    for unit in compiled:
        for a, b in zip(unit.vector, table.vector(unit.unit), strict=True):
            assert same(a, b)
    shipped_scheme = rulebook.load(EXAMPLE.parent / "community-monthly.yaml")
    assert shipped_scheme.rankings["month_from_bottom"].demoted_within == 3
