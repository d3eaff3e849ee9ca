"""The village 1000-point scheme (docs/schemes/village-fp-1000.md) against hand-worked values,
the shipped expected results, and an independent hand-written scorer on generated data."""

from __future__ import annotations

import json
from decimal import Decimal as D
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rulebook
from rulebook.render.report import to_json
from rulebook.testing.properties import from_scheme

from conftest import VILLAGE_EXPECTED
from village_handwritten import ITEM_IDS, score_exact

SPEC_IDS = (
    "committee",
    "committee.staffing",
    "committee.meetings",
    "population_plan",
    "population_plan.overquota",
    "population_plan.birth_reporting",
    "pregnancy_management",
    "pregnancy_management.ring_checks",
    "pregnancy_management.birth_certificates",
    "prepregnancy_exams",
    "prepregnancy_exams.exams",
    "information_publicity",
    "information_publicity.information",
    "information_publicity.information.contact_accuracy",
    "information_publicity.information.department_data",
    "information_publicity.information.migrant_data",
    "information_publicity.information.death_reporting",
    "information_publicity.publicity",
    "information_publicity.publicity.household_outreach",
    "information_publicity.publicity.bulletin_boards",
    "information_publicity.publicity.slogans",
    "contraception",
    "contraception.sterilization",
    "contraception.iud",
    "social_fees",
    "social_fees.coverage",
    "social_fees.first_collection",
    "social_fees.nonlitigation",
    "association",
    "association.work",
    "bonus",
    "bonus.commendation",
    "bonus.case_leads",
    "bonus.inspections",
    "bonus.township_praise",
    "bonus.quarter_ranking",
    "bonus.wealthy_fees",
    "bonus.credit_reports",
    "deduction",
    "deduction.cadre_violations",
    "deduction.criticism",
    "deduction.failed_inspections",
    "deduction.fee_misconduct",
    "total",
)


def test_every_spec_id_is_scored_in_tree_order(village: rulebook.Scheme) -> None:
    assert village.score_ids == SPEC_IDS


def test_xihe_village_worked_by_hand(village_result: rulebook.Result) -> None:
    """西河村, clause by clause (quarter weights 0.4/0.3/0.3):

    committee: staffing false → 0; meetings 12 − 3×5 = −3 → floored 0.          = 0
    overquota: 4.2‰ → 60 × (5 − 4.2)/2 = 24; − 30 × 1 fifth child = −6 → 0.
    birth_reporting: 120 × 0.9125 = 109.5 − 3 − 2×2 − 5×1 − 0 − 2×1 = 95.5.     = 95.5
    ring_checks: Q1 66.5 → 25 − 3.5 = 21.5; Q2 58 → 13; Q3 71.2 → 25 (+1.2×5 = 6);
                 21.5 + 13 + 25 + 6 = 65.5.
    birth_certificates: T 12 → 4.8/3.6/3.6, done 4/2/3 → r 5/6, 5/9, 5/6;
                 75 × (0.4×5/6 + 0.3×5/9 + 0.3×5/6) = 75 × 9/12 = 56.25.         = 121.75
    exams: T 15 → 6/4.5/4.5, done 5/4/3 → 75 × … = 120 × 12/15 = 96; − 2×4 = 88. = 88
    contact 80 − 72.5 = 7.5 → 20 − 15 = 5; department 10 − 3 = 7;
    migrant 10 − 12 → 0; death 20 × 0.875 − 3 = 14.5                            = 26.5
    household 10 − 14 → 0 (+0 campaigns); boards 10 − 6 = 4; slogans 7 → 7       = 11
    sterilization: T 6 → 2.4/1.8/1.8, done 1/2/1 → r 5/12, 1, 5/9;
                 180 × (1/6 + 3/10 + 1/6) = 114; + 5 × 1 induced = 119.
    iud: T 10 → 4/3/3, done 3/2/3 → r 0.75, 2/3, 1 → 40 × 0.8 = 32.             = 151
    coverage 40 × 42.5/50 = 34; first 140 × 48.3/60 = 112.7 − 20 = 92.7;
    nonlitigation 0                                                             = 126.7
    association 12.
    Categories 0 + 95.5 + 121.75 + 88 + 37.5 + 151 + 126.7 + 12 = 632.45.
    Bonus 0 (last in every quarter). Deduction: cadre 20 + criticism 10 + 5 +
    failed inspection 15 = 50. Total 632.45 − 50 = 582.45.
    """
    s = village_result.unit("西河村").scores
    expected = {
        "committee.meetings": "0.00",
        "committee": "0.00",
        "population_plan.overquota": "0.00",
        "population_plan.birth_reporting": "95.50",
        "pregnancy_management.ring_checks": "65.50",
        "pregnancy_management.birth_certificates": "56.25",
        "prepregnancy_exams.exams": "88.00",
        "information_publicity.information": "26.50",
        "information_publicity.information.migrant_data": "0.00",
        "information_publicity.publicity": "11.00",
        "information_publicity.publicity.household_outreach": "0.00",
        "contraception.sterilization": "119.00",
        "contraception.iud": "32.00",
        "social_fees": "126.70",
        "association": "12.00",
        "bonus": "0.00",
        "deduction": "50.00",
        "total": "582.45",
    }
    assert {k: str(s[k]) for k in expected} == expected


def test_nanping_village_worked_by_hand(village_result: rulebook.Result) -> None:
    """南坪村, clause by clause:

    committee 8 + (12 − 3) = 17.  population_plan: 3‰ → 60; 120 × 1 − 2×1 = 118 → 178.
    ring_checks: Q1 70 → 25; Q2 70.8 → 25 + 0.8×5 = 4; Q3 69.4 → 24.4; → 78.4.
    birth_certificates: zero target → every ratio 1 → 75; one issued above target 0 → +2
                 → 77.                                                         = 155.4
    exams: T 9 → 3.6/2.7/2.7, done 3/3/2 → r 5/6, 1, 20/27;
           120 × (1/3 + 3/10 + 2/9) = 120 × 77/90 = 102.666…; − 2 → 100.67.
    information 20 + 9 + 10 + 19 = 58; publicity 8 + 7 + 10 = 25               = 83
    sterilization: T 3 → 1.2/0.9/0.9, done 1/1/1 → 180 × (1/3 + 0.3 + 0.3) = 168;
    iud: zero target → 40.                                                      = 208
    social_fees 40 + 140 + 20 = 200; association 20.
    Categories 17 + 178 + 155.4 + 100.67 + 83 + 208 + 200 + 20 = 962.07.
    Bonus: case lead 20 + city inspection 10 + praise 2 + credit report 20 +
    quarter ranking 4 (Q2: four villages tie at 440 → all rank 1 → +4 each; Q1 rank 5,
    Q3 rank 3) = 56. Deduction 0. Total 1018.07.
    """
    unit = village_result.unit("南坪村")
    s = unit.scores
    expected = {
        "committee": "17.00",
        "population_plan": "178.00",
        "pregnancy_management.ring_checks": "78.40",
        "pregnancy_management.birth_certificates": "77.00",
        "prepregnancy_exams.exams": "100.67",
        "information_publicity": "83.00",
        "contraception.sterilization": "168.00",
        "contraception.iud": "40.00",
        "social_fees": "200.00",
        "bonus.quarter_ranking": "4.00",
        "bonus": "56.00",
        "deduction": "0.00",
        "total": "1018.07",
    }
    assert {k: str(s[k]) for k in expected} == expected
    assert {q: int(r) for q, r in unit.ranks["quarter_rank"].items()} == {"Q1": 5, "Q2": 1, "Q3": 3}


def test_quarter_ranking_tie_shares_rank_one_and_skips_rank_two(
    village_result: rulebook.Result,
) -> None:
    """北岗村 and 中湾村 did identical task work: 25 + 75 + 120 + 180 + 40 = 440 in Q1, the
    top score; both rank 1 (+4), and the next village (东山村, 437.5: IUD 3 of 3.2) is rank 3,
    so nobody gets the +2 in Q1."""
    ranks = {
        u.unit: {q: int(r) for q, r in u.ranks["quarter_rank"].items()} for u in village_result
    }
    assert ranks["北岗村"]["Q1"] == ranks["中湾村"]["Q1"] == 1
    assert ranks["东山村"]["Q1"] == 3
    values = village_result.unit("东山村").values["quarter_task_score"]
    assert values["Q1"] == D("437.5")
    assert [u.scores["bonus.quarter_ranking"] for u in village_result] == [
        D(4),
        D(0),
        D(4),
        D(12),
        D(12),
        D(0),
    ]


def test_shipped_expected_results_are_reproduced_byte_for_byte(
    village_result: rulebook.Result,
) -> None:
    assert to_json(village_result, audit=False) == VILLAGE_EXPECTED.read_text(encoding="utf-8")


def test_shipped_expected_results_match_the_independent_scorer(
    village_data: rulebook.DataSet,
) -> None:
    """The expected file agrees, to the cent, with exact rational arithmetic by hand."""
    expected = json.loads(VILLAGE_EXPECTED.read_text(encoding="utf-8"))
    oracle = score_exact([(u.name, u.values) for u in village_data.units])
    assert len(expected["units"]) == len(oracle) == 6
    for got, want in zip(expected["units"], oracle, strict=True):
        assert got["unit"] == want["unit"]
        assert {k: Fraction(v) for k, v in got["scores"].items()} == want["scores"]


# -- properties over generated data ----------------------------------------------------------


def _bounded(scheme: rulebook.Scheme):  # type: ignore[no-untyped-def]
    """Village data within the declared domains, with counts kept to plausible sizes."""
    small = st.integers(0, 30)
    overrides = {
        name: small
        for name, ind in scheme.indicators.items()
        if ind.type == "count" and ind.max is None
    }
    overrides["overquota_per_1000"] = st.decimals(0, 8, places=3)
    return from_scheme(scheme, units=(1, 7), overrides=overrides)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_valid_data_matches_the_independent_scorer_to_the_cent(
    village: rulebook.Scheme, data: st.DataObject
) -> None:
    units = data.draw(_bounded(village))
    result = rulebook.evaluate(village, units)
    oracle = score_exact(list(units["units"].items()))
    for got, want in zip(result, oracle, strict=True):
        assert {k: Fraction(v) for k, v in got.scores.items()} == want["scores"]


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_caps_floors_and_total_identity_hold_and_scoring_is_deterministic(
    village: rulebook.Scheme, data: st.DataObject
) -> None:
    units = data.draw(_bounded(village))
    first = rulebook.evaluate(village, units)
    for unit in first:
        for node in village.nodes.values():
            value = unit.scores[node.id]
            if node.max is not None:
                assert value <= node.max
            if node.min is not None:
                assert value >= node.min
        categories = sum(
            unit.scores[r] for r in village.roots if village.nodes[r].role == "category"
        )
        assert unit.total == categories + unit.scores["bonus"] - unit.scores["deduction"]
        for node in village.nodes.values():
            if node.children:
                assert unit.scores[node.id] == sum(unit.scores[c] for c in node.children)
        # items rounded to 2 places, half-up
        assert all(unit.scores[i] == unit.scores[i].quantize(D("0.01")) for i in ITEM_IDS)
    assert to_json(first) == to_json(rulebook.evaluate(village, units))


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_reference_engine_agrees_with_the_compiled_program(
    village: rulebook.Scheme, data: st.DataObject
) -> None:
    """Simpleeval interpreting each formula gives byte-identical output to the compiled code."""
    units = data.draw(_bounded(village))
    compiled = rulebook.evaluate(village, units)
    reference = rulebook.evaluate(village, units, engine="reference")
    assert to_json(reference) == to_json(compiled)


CLAUSES = [
    # (changes to 东山村's data, node, expected, worked out)
    ({"meetings_missed": 3}, "committee.meetings", "3.00", "12 − 3×3"),
    ({"meetings_missed": 5}, "committee.meetings", "0.00", "12 − 15 → floor 0 (扣完为止)"),
    ({"overquota_per_1000": 3}, "population_plan.overquota", "60.00", "≤ 3‰ full"),
    ({"overquota_per_1000": 4}, "population_plan.overquota", "30.00", "60 × (5 − 4)/2"),
    ({"overquota_per_1000": 5}, "population_plan.overquota", "0.00", "≥ 5‰ nothing"),
    (
        {"overquota_per_1000": "3.5", "fifth_child_births": 1},
        "population_plan.overquota",
        "15.00",
        "60 × 1.5/2 = 45 − 30",
    ),
    (
        {"sixth_plus_births": 1},
        "population_plan.overquota",
        "0.00",
        "a 6th child zeroes the item even at 2.5‰",
    ),
    ({"fee_coverage_rate": 25}, "social_fees.coverage", "20.00", "40 × 25/50"),
    ({"fee_coverage_rate": "53.3"}, "social_fees.coverage", "56.50", "40 + 5 × 3.3"),
    ({"fee_first_rate": 45}, "social_fees.first_collection", "105.00", "140 × 45/60"),
    (
        {"fee_first_rate": 45, "bundled_collection_cases": 6},
        "social_fees.first_collection",
        "0.00",
        "105 − 120 → floor 0",
    ),
    (
        {"cert_target": 10, "certs_issued": {"Q1": 2, "Q2": 3, "Q3": 1}},
        "pregnancy_management.birth_certificates",
        "45.00",
        "targets 4/3/3, ratios 1/2, 1, 1/3: 75 × (0.2 + 0.3 + 0.1)",
    ),
    (
        {"cert_target": 10, "certs_issued": {"Q1": 5, "Q2": 5, "Q3": 5}},
        "pregnancy_management.birth_certificates",
        "85.00",
        "75 + 2 × (15 − 10): above standard",
    ),
    (
        {"cert_target": 0, "certs_issued": {"Q1": 0, "Q2": 0, "Q3": 0}},
        "pregnancy_management.birth_certificates",
        "75.00",
        "zero target: ratio 1",
    ),
    (
        {"checkup_rate": {"Q1": 65, "Q2": 80, "Q3": 70}},
        "pregnancy_management.ring_checks",
        "120.00",
        "20 + 25 + 25 + 5 × 10: quarters summed, not weighted",
    ),
    ({"followups_missed": 70}, "prepregnancy_exams.exams", "0.00", "125 − 140 → floor 0"),
    ({"association_score": 20}, "association.work", "20.00", "at the cap"),
    (
        {"households_missed": 2, "campaigns": 2},
        "information_publicity.publicity.household_outreach",
        "26.00",
        "10 − 4 + 10 × 2",
    ),
    ({"slogans": 4}, "information_publicity.publicity.slogans", "4.00", "10 − 6"),
    ({"commendation_level": "above_city"}, "bonus.commendation", "20.00", "市级以上 20"),
    (
        {"township_criticisms": 2, "criticized_province": 1},
        "deduction.criticism",
        "30.00",
        "20 + 5 × 2",
    ),
]


@pytest.mark.parametrize(
    ("changes", "node", "expected", "why"), CLAUSES, ids=[f"{c[1]}={c[2]}" for c in CLAUSES]
)
def test_village_clauses(
    village: rulebook.Scheme,
    village_data: rulebook.DataSet,
    changes: dict[str, object],
    node: str,
    expected: str,
    why: str,
) -> None:
    base = dict(village_data.units[0].values)
    base.update(
        {
            k: D(v)
            if isinstance(v, str | int) and k != "commendation_level"
            else ({q: D(x) for q, x in v.items()} if isinstance(v, dict) else v)
            for k, v in changes.items()
        }
    )
    result = rulebook.evaluate(village, {"units": {"东山村": base}})
    assert str(result.unit("东山村").scores[node]) == expected, why
