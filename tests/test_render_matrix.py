"""Every rendering × every shipped scheme, every cookbook recipe and an English scheme: each
renders, and what it shows is read back and checked against the result data.

The checks are independent of the renderers: the total line is parsed from the text and
Σ sign × term is recomputed here (categories and bonuses add, deductions subtract — the rule of
docs/scheme-format.md, worked by the test, not taken from the renderer); `clipped` is read from
the worksheet, the long CSV and the HTML and compared with the JSON audit; outcomes, vetoes
(with reasons), outputs (with their units) and the rank are looked for where the result has them.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from test_cookbook import RECIPES, load_recipe

import rulebook
from rulebook.render.csvout import to_csv
from rulebook.render.html import to_html
from rulebook.render.jsonout import write_jsonl
from rulebook.render.table import to_table
from rulebook.render.worksheet import worksheet

from conftest import ROOT, load_shipped
from helpers import browser_dom, chromium

ENGLISH = """
scheme: {id: english, title: Clinic review}
indicators:
  visits: {type: count, label: visits made}
  complaints: {type: count, label: complaints}
  severe: {type: bool, label: severe incident}
tree:
  - id: work
    label: Work
    children:
      - {id: visits, label: Visits, max: 50, expr: "5 * visits"}
  - id: extra
    role: bonus
    label: Extra
    expr: "2 if visits > 12 else 0"
  - id: penalty
    role: deduction
    label: Penalty
    min: 0
    expr: "3 * complaints - 1"
  - id: paid
    role: output
    label: Trips
    unit: trips
    expr: "visits"
vetoes:
  - {id: incident, label: Severe incident, when: "severe", reason: An incident fails the year}
outcomes:
  grade:
    label: Grade
    cases:
      - {when: "vetoed", label: fail}
      - {when: "total >= 40", label: good}
      - {label: pass}
"""

ENGLISH_DATA = """
units:
  North: {visits: 14, complaints: 2, severe: false}
  South: {visits: 3, complaints: 0, severe: true}
  "=HYPERLINK(1)": {visits: 8, complaints: 1, severe: false}
"""


def _shipped() -> list[tuple[str, rulebook.Result]]:
    out = []
    for path in sorted((ROOT / "schemes").glob("*.yaml")):
        if path.name.endswith(".tests.yaml"):
            continue
        scheme = load_shipped(path)
        data = rulebook.read_data(ROOT / "schemes" / "examples" / f"{path.stem}.data.yaml", scheme)
        out.append((path.stem, rulebook.evaluate(scheme, data)))
    return out


def _cases() -> list[tuple[str, rulebook.Result]]:
    cases = _shipped()
    for title, scheme_text, data_text, _ in RECIPES:
        scheme = load_recipe(title, scheme_text)
        cases.append(
            (
                f"cookbook:{scheme.id}",
                rulebook.evaluate(scheme, rulebook.parse_data(data_text, scheme, "data")),
            )
        )
    english = rulebook.loads(ENGLISH, "english")
    cases.append(
        ("english", rulebook.evaluate(english, rulebook.parse_data(ENGLISH_DATA, english, "d")))
    )
    return cases


CASES = _cases()
IDS = [c[0] for c in CASES]


def _sign(scheme: rulebook.Scheme, root: str) -> int:
    return -1 if scheme.nodes[root].role == "deduction" else 1


def _expected_total(doc: dict[str, Any], scheme: rulebook.Scheme) -> Decimal:
    """Σ ± root over the point roots, from the JSON (outputs never count)."""
    return sum(
        (
            _sign(scheme, r) * Decimal(doc["scores"][r])
            for r in scheme.roots
            if scheme.nodes[r].role != "output"
        ),
        Decimal(0),
    )


_TERM = re.compile(r"(?:^|\s)([+−-])?\s*([\w.]+) (-?\d+(?:\.\d+)?)")


def _sum_line(line: str) -> tuple[Decimal, list[tuple[str, str]]]:
    """Σ of `= a 1.00 + b 2.00 − c 3.00` as written, and the (sign, name) pairs read."""
    body = line.split("= ", 1)[1]
    total, seen = Decimal(0), []
    for sign, name, value in _TERM.findall(body):
        seen.append((sign or "+", name))
        total += -Decimal(value) if sign in ("−", "-") else Decimal(value)
    return total, seen


@pytest.fixture(scope="module", params=CASES, ids=IDS)
def case(request: pytest.FixtureRequest) -> tuple[rulebook.Result, dict[str, Any]]:
    result: rulebook.Result = request.param[1]
    return result, result.to_dict(audit=True)


def test_json_total_adds_up_and_clipped_is_the_clips(
    case: tuple[rulebook.Result, dict[str, Any]],
) -> None:
    result, doc = case
    for unit in doc["units"]:
        assert Decimal(unit["total"]) == _expected_total(unit, result.scheme)
        for name, audit in unit["audit"].items():
            clips = sum((Decimal(c["clipped"]) for c in audit.get("clips", [])), Decimal(0))
            if "clipped" in audit:
                assert Decimal(audit["clipped"]) == clips, name


def test_jsonl_is_the_head_then_one_unit_per_line(
    case: tuple[rulebook.Result, dict[str, Any]],
) -> None:
    import json

    result, doc = case
    buffer = io.StringIO()
    write_jsonl(result, buffer)
    lines = buffer.getvalue().splitlines()
    groups = 1 if result.scheme.groupings else 0  # a last line of group rows
    assert len(lines) == 1 + len(result.units) + groups
    assert json.loads(lines[0])["manifest"] == doc["manifest"]
    if groups:
        assert json.loads(lines[-1]) == {"groups": doc["groups"]}
    for line, unit in zip(lines[1 : 1 + len(result.units)], doc["units"], strict=True):
        got = json.loads(line)
        assert "audit" not in got
        assert {k: got[k] for k in ("unit", "total", "outputs", "outcomes", "vetoes")} == {
            k: unit[k] for k in ("unit", "total", "outputs", "outcomes", "vetoes")
        }


def test_explain_total_line_adds_up_and_shows_the_verdict(
    case: tuple[rulebook.Result, dict[str, Any]],
) -> None:
    result, doc = case
    scheme = result.scheme
    for unit in doc["units"]:
        text = worksheet(result, unit["unit"])
        line = next(x for x in text.splitlines() if x.startswith("total "))
        total, seen = _sum_line(line)
        assert total == Decimal(unit["total"]), line
        want = [
            ("−" if _sign(scheme, r) < 0 else "+", r)
            for r in scheme.roots
            if scheme.nodes[r].role != "output"
        ]
        assert [(s, n) for s, n in seen][1:] == want[1:], line
        for veto in unit["vetoes"]:
            assert veto["reason"] in text
        for name, label in unit["outcomes"].items():
            assert f"{scheme.outcomes[name].label or name}: {label}" in text
        for node_id, value in unit["outputs"].items():
            shown = _output(scheme, node_id, value)
            assert any(
                re.search(rf"\b{re.escape(shown)}\b", x)
                for x in text.splitlines()
                if x.lstrip().startswith(node_id)
            )


def _output(scheme: rulebook.Scheme, node_id: str, value: str) -> str:
    """The output as shown: counts (a non-money unit) exact, money with the places."""
    unit = scheme.nodes[node_id].unit
    if unit and unit not in ("元", "万元"):
        shown = Decimal(value).normalize()
        return format(shown, "f") if shown != 0 else "0"
    return value


def test_worksheet_clipped_agrees_with_json(case: tuple[rulebook.Result, dict[str, Any]]) -> None:
    result, doc = case
    for unit in doc["units"]:
        text = worksheet(result, unit["unit"])
        for line in text.splitlines():
            name = line.split()[0] if line.strip() else ""
            if name not in unit["audit"]:
                continue
            shown = sum(
                (Decimal(x) for x in re.findall(r"\((-?[\d.]+) points? clipped\)", line)),
                Decimal(0),
            )
            assert shown == Decimal(unit["audit"][name]["clipped"]), line


def test_table_shows_totals_outputs_outcomes_vetoes_and_rank_only_when_ranked(
    case: tuple[rulebook.Result, dict[str, Any]],
) -> None:
    result, doc = case
    scheme = result.scheme
    for width in (80, 200):
        text = to_table(result, units_per_block=max(1, (width - 60) // 14))
        lines = text.splitlines()
        header = "项目" if scheme.language == "zh" else "node"
        assert any(x.startswith(header) for x in lines)
        assert ("名次" in text or " rank " in text) == bool(scheme.rankings)
        total_rows = [x for x in lines if x.startswith("total ")]
        shown = [v for x in total_rows for v in x.split()[-(len(x.split()) - 2) :]]
        for unit in doc["units"]:
            assert unit["total"] in shown
            for veto in unit["vetoes"]:
                assert veto["reason"] in text
            for label in unit["outcomes"].values():
                assert label in text
        for node_id in scheme.output_ids:
            node = scheme.nodes[node_id]
            if node.unit:
                assert node.unit in text
    if scheme.id == "english":
        assert scheme.language == "en"
        assert not re.search("[\u3000-\u9fff\uff00-\uffef]", to_table(result))


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_wide_csv_matches_json(case: tuple[rulebook.Result, dict[str, Any]]) -> None:
    result, doc = case
    scheme = result.scheme
    rows = _csv(to_csv(result))
    assert len(rows) == len(doc["units"])
    for row, unit in zip(rows, doc["units"], strict=True):
        assert row["unit"].lstrip("'") == unit["unit"]
        assert row["total"] == unit["total"]
        assert ("rank" in row) == bool(scheme.rankings)
        if "rank" in row:
            assert int(row["rank"]) == unit["rank"]
        for root in scheme.roots:
            if scheme.nodes[root].role != "output":
                assert row[root] == unit["scores"][root]
        for node_id, value in unit["outputs"].items():
            measure = scheme.nodes[node_id].unit
            key = f"{node_id} [{measure}]" if measure else node_id
            assert Decimal(row[key]) == Decimal(value)
            assert row[key] == _output(scheme, node_id, value)
        for name, label in unit["outcomes"].items():
            assert row[name] == label
        if scheme.vetoes:
            assert all(v["reason"] in row["vetoes"] for v in unit["vetoes"])
            assert bool(row["vetoes"]) == bool(unit["vetoes"])


def test_long_csv_clipped_and_outputs_match_json(
    case: tuple[rulebook.Result, dict[str, Any]],
) -> None:
    result, doc = case
    scheme = result.scheme
    rows = _csv(to_csv(result, long=True))
    by_unit = {u["unit"]: u for u in doc["units"]}
    seen_outputs = 0
    period_clips: dict[tuple[str, str], Decimal] = {}
    for row in rows:
        if row["kind"] in ("aggregate", "group_value"):  # group rows: after every unit
            continue
        unit = by_unit[row["unit"].removeprefix("'")]
        if row["kind"] in ("item", "group", "output") and row["period"]:
            # a per-period node's period rows: together, what its period scores' audit clipped
            key = (unit["unit"], row["node"])
            period_clips[key] = period_clips.get(key, Decimal(0)) + Decimal(row["clipped"])
            assert row["value"] == unit["period_scores"][row["node"]][row["period"]]
            continue
        if row["kind"] in ("item", "group", "output"):
            assert Decimal(row["clipped"]) == Decimal(unit["audit"][row["node"]]["clipped"])
        if row["kind"] == "output":
            seen_outputs += 1
            assert row["measure"] == scheme.nodes[row["node"]].unit
            assert Decimal(row["value"]) == Decimal(unit["outputs"][row["node"]])
        if row["kind"] == "total":
            assert row["value"] == unit["total"]
        if row["kind"] == "veto":
            assert row["value"] == scheme.vetoes[row["node"]].reason
    assert seen_outputs == len(scheme.output_ids) * len(doc["units"])
    for (name, node), clipped in period_clips.items():
        assert clipped == Decimal(by_unit[name]["audit"][f"{node}.periods"]["clipped"])
    vetoes = sum(len(u["vetoes"]) for u in doc["units"])
    assert sum(1 for r in rows if r["kind"] == "veto") == vetoes


class _Text(HTMLParser):
    """The text of each unit's <section>, and of the summary table's rows."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, list[str]] = {}
        self.current: str | None = None
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section":
            self.current = dict(attrs)["data-unit"]
            self.sections[self.current] = []
        if tag == "div" and self.current is not None:
            self.sections[self.current].append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self.current = None
        elif self.current is not None and tag in ("div", "summary", "h3", "h4", "p", "li"):
            self.sections[self.current].append("\n")

    def handle_data(self, data: str) -> None:
        if self.current is not None:
            self.sections[self.current].append(data)


def read_html(html: str) -> dict[str, str]:
    reader = _Text()
    reader.feed(html)
    return {unit: "".join(parts) for unit, parts in reader.sections.items()}


def check_html_units(result: rulebook.Result, doc: dict[str, Any], html: str) -> None:
    """The HTML, read back: each unit's total line adds up, clipped agrees with the JSON,
    vetoes (with reasons), outcomes and outputs (with units) are there."""
    scheme = result.scheme
    sections = read_html(html)
    assert list(sections) == [u["unit"] for u in doc["units"]]
    for unit in doc["units"]:
        text = sections[unit["unit"]]
        roots = [r for r in scheme.roots if scheme.nodes[r].role != "output"]
        total_line = next(
            x
            for x in text.splitlines()
            if x.startswith("= ") and [n for _, n in _sum_line(x)[1]] == roots
        )
        assert _sum_line(total_line)[0] == Decimal(unit["total"]), total_line
        clipped = [Decimal(x) for x in re.findall(r"clipped (-?[\d.]+)", text)]
        audits = [a for n, a in unit["audit"].items() if a["kind"] in ("item", "group")]
        assert sorted(clipped) == sorted(Decimal(a["clipped"]) for a in audits)
        for veto in unit["vetoes"]:
            assert veto["reason"] in text
        for label in unit["outcomes"].values():
            assert label in text
        for node_id, value in unit["outputs"].items():
            measure = scheme.nodes[node_id].unit
            assert f"{_output(scheme, node_id, value)} {measure}".strip() in text


def test_html_matches_json(case: tuple[rulebook.Result, dict[str, Any]]) -> None:
    result, doc = case
    check_html_units(result, doc, to_html(result))


def test_xlsx_matches_json_and_holds_no_formula(
    case: tuple[rulebook.Result, dict[str, Any]], tmp_path: Path
) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    from rulebook.render.excel import write_xlsx

    result, doc = case
    path = tmp_path / "r.xlsx"
    write_xlsx(result, path)
    book = openpyxl.load_workbook(path)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    rows = list(book["summary"].iter_rows(values_only=True))
    header = rows[0]
    for values, unit in zip(rows[1:], doc["units"], strict=True):
        row = dict(zip(header, values, strict=True))
        assert row["unit"] == unit["unit"]
        assert Decimal(str(row["total"])) == Decimal(unit["total"])
        for node_id, value in unit["outputs"].items():
            measure = result.scheme.nodes[node_id].unit
            key = f"{node_id} [{measure}]" if measure else node_id
            assert Decimal(str(row[key])) == Decimal(value)
        for name, label in unit["outcomes"].items():
            assert row[name] == label
        if result.scheme.vetoes:
            assert bool(row["vetoes"]) == bool(unit["vetoes"])
    assert book["manifest"]["A1"].value == "key"


OUTPUT_ONLY = """
scheme: {id: pay, title: 补贴发放}
indicators:
  cases: {type: count, label: 例数}
tree:
  - id: pay
    role: output
    label: 补贴
    children:
      - {id: amount, label: 补贴金额, unit: 元, expr: "120 * cases"}
      - {id: count, label: 手术例数, unit: 例, expr: "cases"}
"""


@pytest.mark.skipif(
    chromium() is None, reason="no Chromium on this machine (.ci/run installs Debian's chromium)"
)
def test_vetoed_unit_and_output_only_scheme_read_back_from_chromium(tmp_path: Path) -> None:
    """西苑社区 (community-monthly) is vetoed: its section carries the veto with its reason and
    the outcome 一票否决; an output-only scheme shows its outputs with units (360.00 元 = 120 × 3;
    3 例, a count without `.00`) and no total."""
    cm = next(r for name, r in CASES if name == "community-monthly")
    doc = cm.to_dict(audit=True)
    dom = browser_dom(to_html(cm), tmp_path)
    check_html_units(cm, doc, dom)
    section = read_html(dom)["西苑社区"]
    assert (
        "一票否决: 造成恶劣影响: 计生政策、法律、法规执行不到位造成恶劣影响，年终考核一票否决"
        in section
    )
    assert "年终考核: 一票否决" in section
    scheme = rulebook.loads(OUTPUT_ONLY, "pay")
    result = rulebook.evaluate(
        scheme, rulebook.parse_data("units: {甲村: {cases: 3}}", scheme, "d")
    )
    dom = browser_dom(to_html(result), tmp_path / "pay")
    section = read_html(dom)["甲村"]
    assert "pay.amount 补贴金额 360.00 元" in section
    assert "pay.count 手术例数 3 例" in section
    assert "3.00 例" not in section and "总分" not in dom


@pytest.mark.parametrize("width", [80, 200])
def test_table_fits_a_terminal_width(width: int) -> None:
    """Given a terminal width, unit columns are packed into blocks that fit (the label column
    itself may be wider than a narrow terminal; every block still has at least one unit)."""
    from rulebook.render.table import write_table
    from rulebook.render.textwidth import display_width

    result = next(r for name, r in CASES if name == "community-monthly")
    buffer = io.StringIO()
    write_table(result, buffer, width=width)
    lines = buffer.getvalue().splitlines()
    headers = [x for x in lines if x.startswith("项目")]
    shown = [u for h in headers for u in h.split()[3:]]
    assert shown == [u.unit for u in result.units]  # every unit once, in data order
    fixed = display_width(headers[0]) - display_width(headers[0].split("标准分")[1])
    for line in lines:
        if line.startswith(("项目", "─")) and len(line.split()) > 4:
            assert display_width(line) <= max(width, fixed + 16), line


def test_json_follows_the_published_schema(case: tuple[rulebook.Result, dict[str, Any]]) -> None:
    import json

    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "docs" / "result.schema.json").read_text(encoding="utf-8"))
    result, doc = case
    jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)
    jsonschema.validate(result.to_dict(audit=False), schema, cls=jsonschema.Draft202012Validator)


def test_declared_language_overrides_the_labels() -> None:
    """`scheme.language: en` on Chinese labels gives English headers (and total label); an
    unknown language is a located scheme error with the fix."""
    text = (
        "scheme: {id: x, title: 甲, language: LANG}\nindicators:\n  a: {type: count}\n"
        'tree:\n  - {id: n, label: 工作, expr: "a"}\n'
    )
    scheme = rulebook.loads(text.replace("LANG", "en"), "x")
    assert (scheme.language, scheme.total_label) == ("en", "total")
    table = to_table(
        rulebook.evaluate(scheme, rulebook.parse_data("units: {A: {a: 1}}", scheme, "d"))
    )
    assert table.splitlines()[3].split() == ["node", "label", "standard", "A"]
    assert rulebook.loads(text.replace(", language: LANG", ""), "x").language == "zh"
    with pytest.raises(rulebook.SchemeError, match=r"x:1:\d+: error: unknown language `fr`"):
        rulebook.loads(text.replace("LANG", "fr"), "x")
