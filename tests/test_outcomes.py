"""Vetoes, outcomes, unit-specific parameters, output (money) nodes and demoted rankings, on a
small scheme whose answers are worked out by hand."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

import rulebook

from helpers import problems, scheme

SCHEME = """
scheme: {id: o, title: outcomes}
indicators:
  done: {type: count}
  complaints: {type: count}
  severe: {type: bool}
  staff: {type: count}
parameters:
  target: {value: 2, by_unit: {旧村: 3, 平塘村: 3}}
  subsidy: 1000
rankings:
  place:
    basis: work.points
    demote_if: "complaints > 0"
tree:
  - id: work
    children:
      - id: points
        expr: "100 * min(1, done / target)"
  - id: money
    role: output
    label: 补贴
    children:
      - id: withheld
        unit: 元
        expr: "0 if done >= target else subsidy * staff * 0.3"
vetoes:
  - id: bad_influence
    label: 造成恶劣影响
    when: "severe"
    reason: 造成恶劣影响，年终考核一票否决
outcomes:
  result:
    label: 考核结果
    cases:
      - {when: "vetoed", label: 不合格}
      - {when: "total >= 90", label: 合格}
      - {label: 不合格}
  grade:
    cases:
      - {when: "total >= 100", label: 优秀}
      - {when: "total >= 60", label: 良好}
"""

DATA = {
    # 旧村: target 3 (unit-specific), done 3 → 100 points; no complaint
    "旧村": {"done": 3, "complaints": 0, "severe": False, "staff": 4},
    # 平塘村: target 3, done 2 → 66.67; 2 of 3 → withheld 1000 × 5 × 0.3 = 1500
    "平塘村": {"done": 2, "complaints": 0, "severe": False, "staff": 5},
    # 龙介村: default target 2, done 2 → 100 but a complaint demotes it to the bottom
    "龙介村": {"done": 2, "complaints": 1, "severe": False, "staff": 3},
    # 新村: target 2, done 2 → 100, yet a severe incident vetoes it
    "新村": {"done": 2, "complaints": 0, "severe": True, "staff": 2},
}


def result() -> rulebook.Result:
    return rulebook.evaluate(scheme(SCHEME), {"units": DATA})


def test_unit_specific_parameter() -> None:
    r = result()
    assert [str(u.scores["work.points"]) for u in r] == ["100.00", "66.67", "100.00", "100.00"]
    audit = r.explain("平塘村", "work.points")
    assert {i.name: i.value for i in audit.inputs}["target"] == D(3)


def test_demoted_unit_ranks_below_all_others() -> None:
    """Points 100, 66.67, 100, 100; 龙介村 has a complaint: 旧村 and 新村 share rank 1,
    平塘村 is 3rd, 龙介村 4th despite its 100."""
    assert [int(u.ranks["place"]) for u in result()] == [1, 3, 4, 1]


def test_output_nodes_are_money_apart_from_the_total() -> None:
    r = result()
    assert [str(u.outputs["money.withheld"]) for u in r] == ["0.00", "1500.00", "0.00", "0.00"]
    assert all("money" not in u.scores for u in r)
    assert [str(u.total) for u in r] == ["100.00", "66.67", "100.00", "100.00"]
    doc = r.to_dict()["units"][1]
    assert doc["outputs"] == {"money": "1500.00", "money.withheld": "1500.00"}


def test_veto_fails_the_unit_whatever_its_points_with_the_reason() -> None:
    r = result()
    assert [u.vetoes for u in r] == [(), (), (), ("bad_influence",)]
    assert [u.outcomes["result"] for u in r] == ["合格", "不合格", "合格", "不合格"]
    doc = r.to_dict()["units"][3]
    assert doc["vetoes"] == [
        {"id": "bad_influence", "label": "造成恶劣影响", "reason": "造成恶劣影响，年终考核一票否决"}
    ]
    audit = r.explain("新村", "result")
    assert audit.branches[0].condition == "vetoed" and audit.branches[0].taken


def test_grade_bands_fall_through_to_an_empty_label() -> None:
    assert [u.outcomes["grade"] for u in result()] == ["优秀", "良好", "优秀", "优秀"]


def test_reference_engine_agrees() -> None:
    s = scheme(SCHEME)
    assert (
        rulebook.evaluate(s, {"units": DATA}, engine="reference").to_dict()
        == rulebook.evaluate(s, {"units": DATA}).to_dict()
    )


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (('when: "severe"', 'when: "complaints"'), "a condition must be a boolean"),
        (
            ('{when: "total >= 90", label: 合格}', '{when: "total + 1", label: 合格}'),
            "a condition must be a boolean",
        ),
        (
            ("      - {label: 不合格}\n", "      - {label: 不合格}\n      - {label: 再次}\n"),
            "only the last case may leave out `when`",
        ),
        (('demote_if: "complaints > 0"', 'demote_if: "complaint > 0"'), "did you mean"),
        (("by_unit: {旧村: 3, 平塘村: 3}", "by_unit: {旧村: three}"), "must be a number"),
        (
            ("rankings:\n", 'values:\n  shown: "result * 2"\nrankings:\n'),
            "needs a number, got a label",
        ),
        (
            ('expr: "100 * min(1, done / target)"', 'expr: "100 * min(1, done / target) + result"'),
            "dependency cycle: result -> total -> work -> work.points -> result",
        ),
    ],
)
def test_mistakes_in_the_new_sections_are_located(change: tuple[str, str], words: str) -> None:
    rendered = "\n".join(problems(SCHEME.replace(*change)))
    assert words in rendered and "test.yaml:" in rendered
