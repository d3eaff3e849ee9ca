"""The audit trail: hand-worked villages' nodes asserted in full, and properties that tie every
node's value to its raw value, caps and children."""

from __future__ import annotations

import itertools
from decimal import Decimal as D
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import rulebook
from rulebook.arith import round_score
from rulebook.testing.properties import from_scheme

from conftest import VILLAGE

SOURCE = "schemes/village-fp-1000.yaml"


def line_of(node_id: str) -> str:
    """`file:line` of the `- id:` line that defines `node_id`, found by reading the YAML text
    (each id segment is searched after its parent's line)."""
    lines = VILLAGE.read_text(encoding="utf-8").splitlines()
    start = 0
    for part in node_id.split("."):
        start = next(
            i
            for i in range(start, len(lines))
            if lines[i].strip() in (f"- id: {part}", f"id: {part}")
        )
    return f"{SOURCE}:{start + 1}"


def audit(result: rulebook.Result, unit: str, node: str) -> dict[str, Any]:
    return result.explain(unit, node).to_dict()


def scheme_result() -> rulebook.Result:
    scheme = rulebook.load(SOURCE)
    return rulebook.evaluate(
        scheme, rulebook.read_data("schemes/examples/village-fp-1000.data.yaml", scheme)
    )


def test_meetings_floor_is_reported_with_points_clipped() -> None:
    """西河村 missed 5 meetings: 12 − 15 = −3, floored at 0: 3 points clipped by the formula."""
    result = scheme_result()
    assert audit(result, "西河村", "committee.meetings") == {
        "kind": "item",
        "label": "参加专干例会",
        "value": "0.00",
        "raw": "0",
        "expression": "max(0, 12 - 3 * meetings_missed)",
        "inputs": [{"name": "meetings_missed", "kind": "indicator", "value": "5"}],
        "clips": [
            {
                "kind": "floor",
                "source": "formula",
                "bound": "0",
                "before": "-3",
                "after": "0",
                "clipped": "3",
            }
        ],
        "clipped": "3",
        "rounding": "0 → 0.00 (2 places, half_up)",
        "standard": "12",
        "lost": "12.00",
        "source": line_of("committee.meetings"),
        "reference": "范文一 （一）2",
        "note": "每缺席一次例会扣3分，扣完为止。",
    }


def test_staffing_branch() -> None:
    result = scheme_result()
    got = audit(result, "西河村", "committee.staffing")
    assert got["branches"] == [{"condition": "staffing_complete", "taken": False}]
    assert got["inputs"] == [{"name": "staffing_complete", "kind": "indicator", "value": False}]
    assert (got["value"], got["lost"], got["source"]) == (
        "0.00",
        "8.00",
        line_of("committee.staffing"),
    )


def test_overquota_branch_and_floor() -> None:
    """4.2‰ → 24 − 30 × 1 = −6 → floored at 0; the 6th-child condition was not met."""
    result = scheme_result()
    got = audit(result, "西河村", "population_plan.overquota")
    assert got["branches"] == [{"condition": "sixth_plus_births > 0", "taken": False}]
    assert got["clips"] == [
        {
            "kind": "floor",
            "source": "formula",
            "bound": "0",
            "before": "-6",
            "after": "0",
            "clipped": "6",
        }
    ]
    assert [i["name"] for i in got["inputs"]] == [
        "sixth_plus_births",
        "overquota_per_1000",
        "fifth_child_births",
    ]
    assert [i["value"] for i in got["inputs"]] == ["0", "4.2", "1"]
    assert (got["value"], got["raw"], got["source"]) == (
        "0.00",
        "0",
        line_of("population_plan.overquota"),
    )


def test_ring_checks_reads_per_quarter_values() -> None:
    result = scheme_result()
    got = audit(result, "西河村", "pregnancy_management.ring_checks")
    assert got["inputs"] == [
        {"name": "ring_check", "kind": "value", "value": {"Q1": "21.5", "Q2": "13", "Q3": "25"}},
        {
            "name": "checkup_rate",
            "kind": "indicator",
            "value": {"Q1": "66.5", "Q2": "58", "Q3": "71.2"},
        },
        {"name": "checkup_pass_rate", "kind": "parameter", "value": "70"},
    ]
    assert (got["value"], got["raw"], got["lost"]) == ("65.50", "65.5", "9.50")
    assert got["source"] == line_of("pregnancy_management.ring_checks")


def test_task_item_pattern_and_weights() -> None:
    """Birth certificates 4/2/3 of 12: 75 × 9/12 = 56.25 (base), 0 excess; the weights show on
    the pattern's weighted base value."""
    result = scheme_result()
    got = audit(result, "西河村", "pregnancy_management.birth_certificates")
    assert got["pattern"] == {
        "name": "task_item",
        "arguments": {"S": "75", "T": "cert_target", "d": "certs_issued", "k": "2"},
    }
    assert got["inputs"] == [
        {"name": "pregnancy_management.birth_certificates.base", "kind": "value", "value": "56.25"},
        {"name": "pregnancy_management.birth_certificates.excess", "kind": "value", "value": "0"},
    ]
    assert (got["value"], got["lost"]) == ("56.25", "18.75")
    base = audit(result, "西河村", "pregnancy_management.birth_certificates.base")
    assert base["periods"] == {"Q1": "0.4", "Q2": "0.3", "Q3": "0.3"}
    assert base["inputs"][0]["value"] == {
        "Q1": "62.5",
        "Q2": "41.66666666666666666667",
        "Q3": "62.5",
    }


def test_migrant_and_household_floors() -> None:
    result = scheme_result()
    migrant = audit(result, "西河村", "information_publicity.information.migrant_data")
    assert migrant["clips"][0]["before"] == "-2" and migrant["clips"][0]["clipped"] == "2"
    assert migrant["source"] == line_of("information_publicity.information.migrant_data")
    outreach = audit(result, "西河村", "information_publicity.publicity.household_outreach")
    # the floor sits inside a sum (max(0, …) + 10 × campaigns): not a top-level clip
    assert "clips" not in outreach
    assert outreach["inputs"] == [
        {"name": "households_missed", "kind": "indicator", "value": "7"},
        {"name": "campaigns", "kind": "indicator", "value": "0"},
    ]
    assert (outreach["value"], outreach["lost"]) == ("0.00", "10.00")


def test_association_declared_cap_and_group_and_total() -> None:
    result = scheme_result()
    work = audit(result, "南坪村", "association.work")
    assert (work["value"], work["raw"], work["clipped"], work["source"]) == (
        "20.00",
        "20",
        "0",
        line_of("association.work"),
    )
    group = audit(result, "西河村", "committee")
    assert group == {
        "kind": "group",
        "label": "村两委重视",
        "value": "0.00",
        "raw": "0",
        "children": {"committee.staffing": "0.00", "committee.meetings": "0.00"},
        "clipped": "0",
        "standard": "20",
        "lost": "20.00",
        "source": line_of("committee"),
        "reference": "范文一 （一）",
    }
    total = audit(result, "西河村", "total")
    assert total["value"] == "582.45" and total["children"]["deduction"] == "50.00"


def test_quarter_ranking_shows_basis_rank_and_tie_group() -> None:
    """南坪村 in Q2: 440, rank 1 of 6, tied with 东山村, 北岗村, 中湾村; the award rule is the
    formula."""
    result = scheme_result()
    got = audit(result, "南坪村", "bonus.quarter_ranking")
    assert got["expression"] == "sum(by_rank(quarter_rank, 4, 2))"
    assert got["ranks"][1] == {
        "ranking": "quarter_rank",
        "period": "Q2",
        "basis": "440",
        "rank": 1,
        "tied_with": ["东山村", "北岗村", "中湾村"],
        "units": 6,
        "method": "competition",
    }
    assert [r["rank"] for r in got["ranks"]] == [5, 1, 3]
    assert got["value"] == "4.00" and got["source"] == line_of("bonus.quarter_ranking")


def test_points_lost_ranked_with_reasons() -> None:
    result = scheme_result()
    lost = result.points_lost("西河村")
    assert [(p.node, str(p.lost)) for p in lost[:3]] == [
        ("contraception.sterilization", "61.00"),
        ("population_plan.overquota", "60.00"),
        ("social_fees.first_collection", "47.30"),
    ]
    assert {i.name: i.value for i in lost[2].inputs} == {
        "fee_first_rate": D("48.3"),
        "fee_first_target": D(60),
        "bundled_collection_cases": D(1),
    }
    assert all(a.lost >= b.lost for a, b in itertools.pairwise(lost))


def test_manifest_digests_ignore_formatting_but_not_content(tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = VILLAGE.read_text(encoding="utf-8")
    reformatted = tmp_path / "a.yaml"
    reformatted.write_text(
        "# a comment\n"
        + text.replace('version: "20xx"', "version: '20xx'").replace("weight: 4}", "weight: 4.00}"),
        encoding="utf-8",
    )
    changed = tmp_path / "b.yaml"
    changed.write_text(
        text.replace("12 - 3 * meetings_missed", "12 - 4 * meetings_missed"), encoding="utf-8"
    )
    base = rulebook.load(VILLAGE).digest
    assert base.startswith("sha256:") and len(base) == 71
    assert rulebook.load(reformatted).digest == base
    assert rulebook.load(changed).digest != base
    manifest = scheme_result().manifest()
    assert manifest["scheme"]["digest"] == base
    assert manifest["data"]["units"] == 6 and manifest["rounding"]["mode"] == "half_up"
    assert "time" not in str(manifest).lower()


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_every_node_value_is_its_clamped_raw_rounded(data: st.DataObject) -> None:
    text = """
    scheme: {id: p, title: p}
    periods: {A: {weight: 1}, B: {weight: 3}}
    indicators:
      x: {type: decimal, min: -50, max: 50}
      n: {type: count, max: 9}
      q: {type: rate, per_period: true}
    tree:
      - id: g
        max: 60
        min: -10
        children:
          - {id: a, expr: "x * 1.005", max: 20, min: -5}
          - {id: b, expr: "max(0, 10 - 3 * n) + wsum(q) / 7"}
          - {id: c, expr: "x / 3", min: 0}
      - id: minus
        role: deduction
        children: [{id: m, expr: "n * 0.333"}]
    """
    import textwrap

    scheme = rulebook.loads(textwrap.dedent(text))
    units = data.draw(from_scheme(scheme, units=(1, 4)))
    result = rulebook.evaluate(scheme, units)
    rounding = scheme.rounding
    for unit in result:
        for a in result.audits(unit.unit):
            if a.kind == "value":
                continue
            node = scheme.nodes.get(a.node)
            clamped = a.raw
            if node is not None and node.min is not None:
                clamped = max(clamped, node.min)
            if node is not None and node.max is not None:
                clamped = min(clamped, node.max)
            if node is None or node.is_item or clamped != a.raw:
                assert a.value == round_score(clamped, rounding.quantum, rounding.decimal_mode)
            else:
                assert a.value == a.raw
            declared = sum((c.clipped for c in a.clips if c.source == "declared"), D(0))
            assert declared == abs(a.raw - clamped)
            assert a.clipped == declared + sum(
                (c.clipped for c in a.clips if c.source == "formula"), D(0)
            )
            if a.children and a.kind == "group":
                assert a.raw == sum((v for _, v in a.children), D(0))


FULL = [
    # (unit, node, inputs {name: value}, raw, clipped, value), worked out from the data by hand
    ("西河村", "committee.staffing", {"staffing_complete": False}, "0", "0", "0.00"),
    # 12 − 3 × 5 = −3, floored at 0 by the formula's max(0, …): 3 points clipped
    ("西河村", "committee.meetings", {"meetings_missed": "5"}, "0", "3", "0.00"),
    (
        "西河村",
        "population_plan.birth_reporting",
        {
            "birth_report_rate": "91.25",
            "late_reports": "3",
            "missed_reports": "2",
            "false_reports": "1",
            "misreports": "0",
            "key_targets_unmanaged": "1",
        },
        "95.5",
        "0",
        "95.50",
    ),
    (
        "西河村",
        "prepregnancy_exams.exams",
        {"prepregnancy_exams.exams.task_item": "96", "followups_missed": "4"},
        "88",
        "0",
        "88.00",
    ),
    (
        "西河村",
        "information_publicity.information.contact_accuracy",
        {"contact_accuracy_target": "80", "contact_accuracy_rate": "72.5"},
        "5",
        "0",
        "5.00",
    ),
    (
        "西河村",
        "information_publicity.information.death_reporting",
        {"death_report_rate": "87.5", "deaths_concealed": "1"},
        "14.5",
        "0",
        "14.50",
    ),
    (
        "西河村",
        "contraception.sterilization",
        {
            "contraception.sterilization.task_item": "114",
            "two_daughter_sterilizations": "0",
            "induced_procedures": "1",
        },
        "119",
        "0",
        "119.00",
    ),
    (
        "西河村",
        "social_fees.first_collection",
        {"fee_first_rate": "48.3", "fee_first_target": "60", "bundled_collection_cases": "1"},
        "92.7",
        "0",
        "92.70",
    ),
    (
        "西河村",
        "deduction.criticism",
        {
            "criticized_province": "0",
            "criticized_prefecture": "0",
            "criticized_city": "1",
            "township_criticisms": "1",
        },
        "15",
        "0",
        "15.00",
    ),
    (
        "南坪村",
        "prepregnancy_exams.exams",
        {"prepregnancy_exams.exams.task_item": "102.66666666666666666667", "followups_missed": "1"},
        "100.66666666666666666667",
        "0",
        "100.67",
    ),
    (
        "南坪村",
        "pregnancy_management.birth_certificates",
        {
            "pregnancy_management.birth_certificates.base": "75",
            "pregnancy_management.birth_certificates.excess": "2",
        },
        "77",
        "0",
        "77.00",
    ),
    ("南坪村", "association.work", {"association_score": "20"}, "20", "0", "20.00"),
]


def test_audits_in_full_for_hand_worked_villages() -> None:
    result = scheme_result()
    for unit, node, inputs, raw, clipped, value in FULL:
        got = audit(result, unit, node)
        assert {i["name"]: i["value"] for i in got["inputs"]} == inputs, node
        assert (got["raw"], got["clipped"], got["value"], got["source"]) == (
            raw,
            clipped,
            value,
            line_of(node),
        ), node
