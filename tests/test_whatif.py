"""What-if: a unit's edited indicators give exactly what scoring the edited data gives, ranks
move against the unchanged others, and bad settings are clear errors (exit 3)."""

from __future__ import annotations

import io
from decimal import Decimal as D
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rulebook
from rulebook.analysis import what_if
from rulebook.cli import main
from rulebook.testing.properties import indicator_values

from conftest import VILLAGE, VILLAGE_DATA


def _plain(data: rulebook.DataSet) -> dict[str, Any]:
    return {"units": {u.name: dict(u.values) for u in data.units}}


def test_village_what_if_by_hand(village: rulebook.Scheme, village_data: rulebook.DataSet) -> None:
    """西河村: meetings_missed 5 → 0 puts committee.meetings from max(0, 12 − 15) = 0 to 12;
    checkup_rate Q2 58 → 75 turns ring_check Q2 from 25 − (70 − 58) = 13 into 25 and adds a
    bonus of 5 × (75 − 70) = 25: ring_checks +12 +25 = +37. Total 582.45 + 49 = 631.45, still
    last (新民村 has 932.19)."""
    change = what_if(village, village_data, "西河村", ["meetings_missed=0", "checkup_rate[Q2]=75"])
    u = change.unit_diff
    assert u.total == (D("582.45"), D("631.45"))
    assert u.rank == (6, 6)
    assert {n.node: n.delta for n in u.nodes} == {
        "committee": D("12.00"),
        "committee.meetings": D("12.00"),
        "pregnancy_management": D("37.00"),
        "pregnancy_management.ring_checks": D("37.00"),
    }
    same = what_if(village, village_data, "西河村", {"meetings_missed": 0, "checkup_rate.Q2": "75"})
    assert same.after.unit("西河村").total == D("631.45")


def test_ranks_move_for_others(village: rulebook.Scheme, village_data: rulebook.DataSet) -> None:
    """东山村's Q2 checkup rate 72.5 → 60: its Q2 quarter-task score drops below the others',
    so it loses the Q2 first place it shared with 南坪村 (quarter_rank Q2 1 → 4) and the
    4-point ranking bonus; 南坪村 stays first."""
    change = what_if(village, village_data, "东山村", ["checkup_rate.Q2=60"])
    u = change.unit_diff
    assert ("quarter_rank", "Q2", "1", "4") in u.ranks
    after = change.after.unit("南坪村").ranks["quarter_rank"]["Q2"]
    assert after == 1


@pytest.mark.parametrize(
    ("setting", "words"),
    [
        ("checkup_rate.Q5=3", "no period `Q5`"),
        ("meetings_mised=1", "did you mean `meetings_missed`"),
        ("meetings_missed=13", "above the declared maximum 12"),
        ("meetings_missed=1.5", "must be a whole number"),
        ("staffing_complete=maybe", "expected true or false"),
        ("commendation_level=town", "not one of none, city, above_city"),
        ("staffing_complete.Q1=true", "one value, not one per period"),
        ("checkup_rate=abc", "expected a number"),
        ("nothing", "expected NAME=VALUE"),
    ],
)
def test_bad_settings_exit_3(setting: str, words: str) -> None:
    err = io.StringIO()
    code = main(
        ["explain", str(VILLAGE), str(VILLAGE_DATA), "--unit", "西河村", "--set", setting],
        io.StringIO(),
        err,
    )
    assert code == 3
    assert words in err.getvalue()


def test_float_is_refused(village: rulebook.Scheme, village_data: rulebook.DataSet) -> None:
    with pytest.raises(rulebook.DataError, match="not an exact number"):
        what_if(village, village_data, "西河村", {"overquota_per_1000": 0.1})


def test_cli_what_if_text() -> None:
    out = io.StringIO()
    assert (
        main(
            [
                "explain",
                str(VILLAGE),
                str(VILLAGE_DATA),
                "--unit",
                "西河村",
                "--set",
                "meetings_missed=0",
            ],
            out,
            io.StringIO(),
        )
        == 0
    )
    text = out.getvalue()
    assert "what if 西河村: meetings_missed 5 → 0" in text
    assert "西河村  total 582.45 → 594.45 (+12.00)  rank 6 → 6" in text


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_what_if_equals_rescoring_edited_data(data: st.DataObject) -> None:
    """Any values within the declared domains, set on any unit, give the same result as
    editing the data and scoring it from scratch — every unit's every score."""
    scheme = rulebook.load(VILLAGE)
    base = rulebook.read_data(VILLAGE_DATA, scheme)
    unit = data.draw(st.sampled_from([u.name for u in base.units]))
    names = data.draw(
        st.lists(st.sampled_from(sorted(scheme.indicators)), min_size=1, max_size=4, unique=True)
    )
    edits: dict[str, Any] = {}
    plain = _plain(base)
    row = dict(plain["units"][unit])
    for name in names:
        ind = scheme.indicators[name]
        if ind.per_period:
            period = data.draw(st.sampled_from([p.id for p in scheme.periods]))
            value = data.draw(indicator_values(ind, places=2))
            edits[f"{name}[{period}]"] = value if not isinstance(value, bool) else str(value)
            row[name] = {**row[name], period: value}
        else:
            value = data.draw(indicator_values(ind, places=2))
            edits[name] = value if isinstance(value, bool | str) else str(value)
            row[name] = value
    plain["units"][unit] = row
    try:
        expected = rulebook.evaluate(scheme, plain)
    except rulebook.DataError:
        with pytest.raises(rulebook.DataError):
            what_if(scheme, base, unit, edits)
        return
    got = what_if(scheme, base, unit, edits).after
    for a, b in zip(expected.units, got.units, strict=True):
        assert dict(a.scores) == dict(b.scores)
        assert dict(a.ranks) == dict(b.ranks)


def test_edit_breaking_a_constraint_names_the_settings() -> None:
    """On the township scheme boys + girls must equal births: moving one alone is a data error
    (exit 3) naming the setting and the rule; moving both (4 → 3 boys, 3 → 4 girls of 7
    births) is accepted and gives 东坑村委会 its missing sex-ratio target (21 → 22)."""
    scheme_file = VILLAGE.parent / "township-targets.yaml"
    data_file = VILLAGE.parent / "examples" / "township-targets.data.yaml"
    err = io.StringIO()
    assert (
        main(
            [
                "explain",
                str(scheme_file),
                str(data_file),
                "--unit",
                "东坑村委会",
                "--set",
                "births_male.Y=3",
            ],
            io.StringIO(),
            err,
        )
        == 3
    )
    assert "--set births_male[Y]: unit `东坑村委会`: 男孩数加女孩数应等于出生人数" in err.getvalue()
    s = rulebook.load(scheme_file)
    change = what_if(
        s, rulebook.read_data(data_file, s), "东坑村委会", ["births_male.Y=3", "births_female.Y=4"]
    )
    assert change.unit_diff.total == (D("21.00"), D("22.00"))
    assert change.unit_diff.outcomes[0] == ("year_end", "不合格", "合格")
