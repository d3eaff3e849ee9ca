"""What it would take: suggestions worked out by hand on a small scheme, out-of-reach goals
said plainly, and (hypothesis) every suggestion reaches its goal and none dominates another."""

from __future__ import annotations

import io
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rulebook
from rulebook.analysis import GoalError, parse_goal, restore, what_if, what_it_takes
from rulebook.analysis.goals import GoalReport
from rulebook.cli import main

from conftest import VILLAGE, VILLAGE_DATA
from helpers import scheme

SCHEME = """
scheme: {id: g, title: goals}
indicators:
  missed: {type: count, max: 6}
  rate: {type: rate}
  ok: {type: bool}
tree:
  - id: work
    children:
      - {id: meetings, standard: 12, expr: "max(0, 12 - 3 * missed)",
         monotone: {missed: decreasing}}
      - {id: rate_item, standard: 10, expr: "min(10, rate / 10)"}
      - {id: staffing, standard: 8, expr: "8 if ok else 0"}
outcomes:
  grade:
    cases:
      - {when: "total >= 25", label: 合格}
      - {label: 不合格}
  special:
    cases:
      - {when: "total >= 25 and missed > 5", label: 特例}
      - {label: 无}
"""
# A: meetings 12 − 12 = 0, rate_item 5, staffing 0 → total 5.
# B: meetings 12, rate_item 0, staffing 8 → total 20.
UNITS = {"A": {"missed": 4, "rate": 50, "ok": False}, "B": {"missed": 0, "rate": 0, "ok": True}}


def _take(goal: str) -> GoalReport:
    s = scheme(SCHEME)
    data = rulebook.check_data({"units": UNITS}, s)
    return what_it_takes(s, data, "A", parse_goal(s, goal))


def _changes(report: GoalReport) -> list[list[tuple[str, str, str]]]:
    return [[(c.indicator, str(c.old), str(c.new)) for c in s.changes] for s in report.suggestions]


def test_single_changes_smallest_first() -> None:
    """Total ≥ 13 (8 more): missed 4 → 1 (12 − 3 = 9, total 14; at 2 it is 11), or ok → true
    (total 13); rate alone gives at most 10 − 5 = 5 more. Sizes as shares of the domain:
    missed 3/6 = 0.5, ok 1."""
    report = _take("total=13")
    assert report.status == "reached"
    assert _changes(report) == [[("missed", "4", "1")], [("ok", "False", "True")]]
    assert [s.total for s in report.suggestions] == [D("14.00"), D("13.00")]


def test_rate_bisected_to_its_grid() -> None:
    """Total ≥ 24 with missed and ok at best (12 + 8 = 20 + rate/10): rate ≥ 40 would do, but
    A has 50 already, so ≥ 24 needs only missed 0 and ok; ≥ 28 needs rate ≥ 80, found to the
    0.1 grid of a rate written without decimals: 50 → 80.0."""
    report = _take("total=28")
    assert _changes(report) == [
        [("missed", "4", "0"), ("rate", "50", "80.0"), ("ok", "False", "True")]
    ]


def test_pair_needed_for_an_outcome() -> None:
    """合格 needs total ≥ 25, 20 more: missed and rate give at most 12 + 10 = 22, rate and ok
    10 + 8 = 18, so missed 0 and ok (12 + 5 + 8 = 25; missed 1 gives 22)."""
    report = _take("outcome=合格")
    assert _changes(report) == [[("missed", "4", "0"), ("ok", "False", "True")]]
    assert report.suggestions[0].outcomes == (("grade", "合格"), ("special", "无"))


def test_rank_goal_two_undominated_pairs() -> None:
    """Rank 1 needs A's total ≥ B's 20 (a tie shares rank 1). No single change does (best
    alone 17). missed ≤ 1 with ok (9 + 5 + 8 = 22; missed 2 gives 19), or missed 0 with
    rate ≥ 80 (12 + 8 = 20). Neither is a subset of the other."""
    report = _take("rank=1")
    assert sorted(_changes(report)) == sorted(
        [
            [("missed", "4", "1"), ("ok", "False", "True")],
            [("missed", "4", "0"), ("rate", "50", "80.0")],
        ]
    )


def test_out_of_reach_said_plainly() -> None:
    """The best is 12 + 10 + 8 = 30, so 31 cannot be reached; and a node's static bound
    (meetings ≤ 12) rules out 13 without any search."""
    report = _take("total=31")
    assert report.status == "out_of_reach" and report.suggestions == ()
    assert "total can never exceed 30" in report.render()
    # 特例 needs missed > 5, which leaves at most 0 + 10 + 8 = 18 < 25: never reached, but
    # the end-of-domain search cannot prove that for an outcome, so it claims nothing.
    special = _take("special=特例")
    assert special.status == "not_found" and special.suggestions == ()
    assert "try values with --set" in special.render()
    node = _take("work.meetings=13")
    # no search: only the unit alone and the data set as it is, to say where the unit stands
    assert node.status == "out_of_reach" and node.rescorings == 2
    assert "can never exceed 12" in node.render()


def test_already_met() -> None:
    assert _take("total=5").status == "met"


@pytest.mark.parametrize(
    ("goal", "words"),
    [
        ("rank=0", "rank=K"),
        ("totl=3", "did you mean `total`"),
        ("outcome=优秀", "不合格, 合格, 无, 特例"),
        ("total<=3", "score goal"),
        ("x", "NAME=VALUE"),
    ],
)
def test_bad_goals(goal: str, words: str) -> None:
    with pytest.raises(GoalError, match=words):
        parse_goal(scheme(SCHEME), goal)


def test_restore_each_lost_item() -> None:
    """A lost 12 on meetings (missed 4 → 0 restores it), 5 on rate_item (rate 50 → 100), 8 on
    staffing (ok → true)."""
    s = scheme(SCHEME)
    result = rulebook.evaluate(s, {"units": UNITS})
    found = {
        r.node: (r.change.indicator, str(r.change.new)) if r.change else None
        for r in restore(result, "A")
    }
    assert found == {
        "work.meetings": ("missed", "0"),
        "work.rate_item": ("rate", "100"),
        "work.staffing": ("ok", "True"),
    }


def test_cli_goal_and_restore() -> None:
    out = io.StringIO()
    assert (
        main(
            [
                "explain",
                str(VILLAGE),
                str(VILLAGE_DATA),
                "--unit",
                "西河村",
                "--goal",
                "committee=20",
            ],
            out,
            io.StringIO(),
        )
        == 0
    )
    assert "1. staffing_complete false → true; meetings_missed 5 → 0 (−5)" in out.getvalue()
    out = io.StringIO()
    assert (
        main(["explain", str(VILLAGE), str(VILLAGE_DATA), "--unit", "西河村"], out, io.StringIO())
        == 0
    )
    assert "committee.meetings  restored by meetings_missed 5 → 0 (−5)" in out.getvalue()
    err = io.StringIO()
    assert (
        main(
            ["explain", str(VILLAGE), str(VILLAGE_DATA), "--unit", "西河村", "--goal", "rnak=2"],
            io.StringIO(),
            err,
        )
        == 1
    )
    assert "did you mean `rank`" in err.getvalue()


GOALS = [
    "total=600",
    "total=700",
    "total=1000",
    "rank=3",
    "rank=1",
    "committee=20",
    "pregnancy_management=160",
    "population_plan.birth_reporting=110",
]


@settings(max_examples=12, deadline=None)
@given(
    st.sampled_from(["东山村", "西河村", "南坪村", "北岗村", "中湾村", "新民村"]),
    st.sampled_from(GOALS),
)
def test_suggestions_reach_goal_and_are_undominated(unit: str, goal_text: str) -> None:
    """Each suggestion, applied with what_if (an independent re-scoring), meets the goal;
    no suggestion dominates another."""
    s = rulebook.load(VILLAGE)
    data = rulebook.read_data(VILLAGE_DATA, s)
    goal = parse_goal(s, goal_text)
    report = what_it_takes(s, data, unit, goal, budget=400)
    for sug in report.suggestions:
        edits = {
            f"{c.indicator}[{c.period}]" if c.period else c.indicator: (
                str(c.new).lower() if isinstance(c.new, bool) else str(c.new)
            )
            for c in sug.changes
        }
        after = what_if(s, data, unit, edits).after
        assert goal.met(after, after.unit(unit))
        assert after.unit(unit).total == sug.total
    for a in report.suggestions:
        for b in report.suggestions:
            assert a is b or not a.dominates(b)


def test_township_outcome_by_unit_parameter() -> None:
    """平塘村委会 has an induction task of 3 (a per-unit parameter) and did 2, the only target
    it misses at year end (21 of 22): one more induction makes every target met, so year_end
    is 合格. (Its consequences stay: the half year fails on the annualised birth rate.)"""
    s = rulebook.load(VILLAGE.parent / "township-targets.yaml")
    data = rulebook.read_data(VILLAGE.parent / "examples" / "township-targets.data.yaml", s)
    report = what_it_takes(s, data, "平塘村委会", parse_goal(s, "year_end=合格"))
    assert _changes(report)[0] == [("inductions", "2", "3")]
    assert report.suggestions[0].total == D("22.00")


@settings(max_examples=6, deadline=None)
@given(st.sampled_from(["东山村", "西河村", "南坪村", "北岗村", "中湾村", "新民村"]))
def test_restore_changes_restore_their_item(unit: str) -> None:
    """Each offered restoring change, applied alone with what_if, brings its item back to its
    standard."""
    s = rulebook.load(VILLAGE)
    data = rulebook.read_data(VILLAGE_DATA, s)
    result = rulebook.evaluate(s, data)
    for r in restore(result, unit):
        if r.change is None:
            continue
        c = r.change
        name = f"{c.indicator}[{c.period}]" if c.period else c.indicator
        value = str(c.new).lower() if isinstance(c.new, bool) else str(c.new)
        after = what_if(s, data, unit, {name: value}, before=result).after
        assert after.unit(unit).scores[r.node] >= s.nodes[r.node].standard


def test_keep_holds_an_indicator_fixed() -> None:
    """With `missed` kept, the only way to total ≥ 13 is ok → true (rate alone adds 5 at most)."""
    s = scheme(SCHEME)
    data = rulebook.check_data({"units": UNITS}, s)
    report = what_it_takes(s, data, "A", parse_goal(s, "total=13"), keep=["missed"])
    assert _changes(report) == [[("ok", "False", "True")]]


def test_budget_bounds_the_search() -> None:
    """Three re-scorings: the unit alone, the data set as it is, one probe — then the search
    stops and says it found nothing within the budget."""
    s = scheme(SCHEME)
    data = rulebook.check_data({"units": UNITS}, s)
    report = what_it_takes(s, data, "A", parse_goal(s, "total=13"), budget=3)
    assert report.status == "not_found" and report.exhausted and report.rescorings == 3
    assert "no way found within the budget of 3 re-scorings" in report.render()


def test_declared_monotone_probes_one_end() -> None:
    """`missed` is read only by work.meetings, which declares it decreasing: only its minimum
    (0) is probed; `rate` declares nothing, so both ends (0 and 100) are."""
    from rulebook.analysis.search import Search

    s = scheme(SCHEME)
    data = rulebook.check_data({"units": UNITS}, s)
    search = Search(s, data, "A", parse_goal(s, "total=13"))
    assert search.candidates(s.indicators["missed"], D(4)) == [D(0)]
    assert search.candidates(s.indicators["rate"], D(50)) == [D(0), D(100)]


def test_cli_keep_unknown_indicator_is_a_usage_error() -> None:
    err = io.StringIO()
    assert (
        main(
            [
                "explain",
                str(VILLAGE),
                str(VILLAGE_DATA),
                "--unit",
                "西河村",
                "--goal",
                "total=700",
                "--keep",
                "cert_targt",
            ],
            io.StringIO(),
            err,
        )
        == 1
    )
    assert "did you mean `cert_target`" in err.getvalue()


def test_constraint_tied_indicators_are_named() -> None:
    """东坑村委会 misses only the sex-ratio target; its births_male and births_female must add
    up to births (a data constraint), so no one of them can move alone: the answer says the
    goal was not reached and names the indicators whose change alone breaks a constraint."""
    s = rulebook.load(VILLAGE.parent / "township-targets.yaml")
    data = rulebook.read_data(VILLAGE.parent / "examples" / "township-targets.data.yaml", s)
    report = what_it_takes(s, data, "东坑村委会", parse_goal(s, "year_end=合格"))
    assert report.status == "not_reached"
    assert "births_male, births_female alone breaks a data constraint" in report.render()


ONE_BAND = '      - {when: "total >= 25", label: 合格}'
MIDDLE_BAND = SCHEME.replace(ONE_BAND, '      - {when: "total >= 28", label: 优秀}\n' + ONE_BAND)


def test_a_middle_band_is_never_claimed_out_of_reach() -> None:
    """合格 is now the band 25 ≤ total < 28. Every input at its best gives A 12 + 10 + 8 = 30,
    which is 优秀 and overshoots; the search tries only domain ends, so it must not claim that
    合格 cannot be reached (missed 0, rate 50, ok gives 12 + 5 + 8 = 25: 合格)."""
    s = scheme(MIDDLE_BAND)
    data = rulebook.check_data({"units": UNITS}, s)
    report = what_it_takes(s, data, "A", parse_goal(s, "outcome=合格"))
    assert report.status != "not_reached"
    assert "even with every indicator at its best" not in report.render()
    if report.status == "reached":
        for suggestion in report.suggestions:
            assert ("grade", "合格") in suggestion.outcomes
    else:
        assert "try values with --set" in report.render()
