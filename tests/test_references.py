"""`reference:` — the clause of the source a node, value, veto, outcome, ranking, parameter or
indicator comes from: read into the model, inherited by an item's lets, and shown beside the
source line in the worksheet, the HTML, the JSON audit and the workbook; and every shipped
seed scheme cites a clause everywhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import rulebook
from rulebook.render.excel import references
from rulebook.render.html import to_html
from rulebook.render.worksheet import worksheet

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(p for p in (ROOT / "schemes").glob("*.yaml") if not p.name.endswith(".tests.yaml"))

SCHEME = """
scheme: {id: cited, title: 引用}
indicators:
  missed: {type: count, max: 12, reference: 范文一 （一）2}
  cases: {type: count}
parameters:
  per_miss: {value: 3, reference: 范文一 （一）2}
patterns:
  capped:
    args: {S: 标准分, d: 扣分}
    let:
      lost: {expr: "d"}
    expr: "max(0, S - lost)"
values:
  any_case: {expr: "cases > 0", reference: 范文十四 第8条}
tree:
  - id: meetings
    label: 参加例会
    reference: 范文一 （一）2
    use: capped
    with: {S: 12, d: "per_miss * missed"}
  - id: plain
    label: 无引用
    expr: "cases"
    let:
      own: {expr: "cases", reference: 自己的条款}
      inherited: "cases"
vetoes:
  - {id: hidden, when: "any_case", reason: 瞒报, reference: 范文十四 第12条}
outcomes:
  verdict:
    label: 结论
    reference: 范文十四 第12条、第13条
    cases:
      - {when: "vetoed", label: 不合格}
      - {label: 合格}
"""


@pytest.fixture(scope="module")
def result() -> rulebook.Result:
    scheme = rulebook.loads(SCHEME, "cited.yaml")
    data = rulebook.check_data({"units": {"甲村": {"missed": 1, "cases": 1}}}, scheme)
    return rulebook.evaluate(scheme, data)


def test_references_are_read_into_the_model(result: rulebook.Result) -> None:
    """The pattern's let `lost` cites the item's clause; `plain` cites none, so its let
    `inherited` cites none, while `own` keeps its own."""
    scheme = result.scheme
    assert scheme.nodes["meetings"].reference == "范文一 （一）2"
    assert scheme.values["meetings.lost"].reference == "范文一 （一）2"
    assert scheme.values["plain.own"].reference == "自己的条款"
    assert scheme.values["plain.inherited"].reference == ""
    assert scheme.nodes["plain"].reference == ""
    assert scheme.vetoes["hidden"].reference == "范文十四 第12条"
    assert scheme.values["hidden"].reference == "范文十四 第12条"
    assert scheme.outcomes["verdict"].reference == "范文十四 第12条、第13条"
    assert scheme.parameters["per_miss"].reference == "范文一 （一）2"
    assert scheme.indicators["missed"].reference == "范文一 （一）2"


def test_worksheet_and_explain_show_the_clause_beside_the_source_line(
    result: rulebook.Result,
) -> None:
    """甲村: 12 − 3 × 1 = 9 at `meetings`; vetoed (1 case) → 不合格."""
    sheet = worksheet(result, "甲村")
    line = next(x for x in sheet.splitlines() if x.startswith("meetings"))
    assert "cited.yaml:" in line and line.endswith("〔范文一 （一）2〕")
    assert "结论: 不合格  〔范文十四 第12条、第13条〕" in sheet
    assert "〔范文十四 第12条〕" in sheet  # the veto line
    plain = next(x for x in sheet.splitlines() if x.startswith("plain"))
    assert "〔" not in plain
    detail = worksheet(result, "甲村", "meetings")
    assert "  reference 范文一 （一）2" in detail
    assert result.explain("甲村", "meetings").reference == "范文一 （一）2"


def test_json_audit_and_vetoes_carry_the_reference(result: rulebook.Result) -> None:
    unit = result.to_dict(audit=True)["units"][0]
    assert unit["audit"]["meetings"]["reference"] == "范文一 （一）2"
    assert unit["audit"]["meetings.lost"]["reference"] == "范文一 （一）2"
    assert unit["audit"]["verdict"]["reference"] == "范文十四 第12条、第13条"
    assert "reference" not in unit["audit"]["plain"]
    assert unit["vetoes"] == [
        {"id": "hidden", "label": "hidden", "reason": "瞒报", "reference": "范文十四 第12条"}
    ]


def test_html_shows_the_clause(result: rulebook.Result) -> None:
    page = to_html(result)
    assert "〔范文一 （一）2〕" in page
    assert "〔范文十四 第12条、第13条〕" in page


def test_workbook_has_a_references_sheet(result: rulebook.Result, tmp_path: Path) -> None:
    pytest.importorskip("openpyxl")
    from openpyxl import load_workbook

    from rulebook.render.excel import write_xlsx

    rows = list(references(result.scheme))
    assert rows[0][:4] == ("meetings", "node", "参加例会", "范文一 （一）2")
    assert {r[0] for r in rows} == {
        "meetings",
        "meetings.lost",
        "plain.own",
        "any_case",
        "hidden",
        "verdict",
        "per_miss",
        "missed",
    }
    path = tmp_path / "out.xlsx"
    write_xlsx(result, path)
    sheet = load_workbook(path)["references"]
    assert [c.value for c in sheet[1]] == ["id", "kind", "label", "reference", "source"]
    assert sheet["D2"].value == "范文一 （一）2" and sheet["E2"].value.startswith("cited.yaml:")


def test_a_scheme_without_references_renders_as_before() -> None:
    """No `reference:` anywhere: no key in the JSON, no 〔…〕 in the worksheet, no sheet."""
    scheme = rulebook.loads(
        "scheme: {id: a, title: a}\nindicators: {x: {type: count}}\ntree: [{id: n, expr: x}]\n"
    )
    result = rulebook.evaluate(scheme, rulebook.check_data({"units": {"u": {"x": 1}}}, scheme))
    assert "reference" not in json.dumps(result.to_dict(audit=True))
    assert "〔" not in worksheet(result, "u")
    assert list(references(scheme)) == []


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_scheme_cites_a_clause_everywhere(path: Path) -> None:
    """Every node, value (lets included), veto, outcome and ranking of a seed scheme cites the
    clause it comes from (issue 13), so an auditor can go from any point to its sentence."""
    scheme = rulebook.load(path)
    uncited = [n for n, node in scheme.nodes.items() if not node.reference]
    uncited += [
        n
        for n, v in scheme.values.items()
        if v.kind in ("value", "veto", "outcome") and not v.reference
    ]
    uncited += [n for n, v in scheme.vetoes.items() if not v.reference]
    uncited += [n for n, o in scheme.outcomes.items() if not o.reference]
    uncited += [n for n, r in scheme.rankings.items() if not r.reference]
    assert uncited == []
