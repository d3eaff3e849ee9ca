"""Renderings: JSON (validated against docs/result.schema.json), CSV, HTML (checked in a real
headless Chromium where one is installed), Excel; all deterministic."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

import rulebook
from rulebook.render.html import to_html
from rulebook.render.report import to_csv, to_json

from conftest import ROOT, VILLAGE, VILLAGE_DATA
from helpers import browser_dom, chromium

EXPECTED_RANKING = [
    ("1", "北岗村", "1210.20"),
    ("2", "东山村", "1119.20"),
    ("3", "中湾村", "1076.92"),
    ("4", "南坪村", "1018.07"),
    ("5", "新民村", "932.19"),
    ("6", "西河村", "582.45"),
]


def fresh_result() -> rulebook.Result:
    scheme = rulebook.load(VILLAGE)
    return rulebook.evaluate(scheme, rulebook.read_data(VILLAGE_DATA, scheme))


def test_json_validates_against_the_published_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "docs" / "result.schema.json").read_text(encoding="utf-8"))
    doc = json.loads(to_json(fresh_result()))
    jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)
    assert doc["units"][1]["audit"]["committee.meetings"]["clips"][0]["clipped"] == "3"


def test_outputs_are_byte_identical_across_runs() -> None:
    first, second = fresh_result(), fresh_result()
    assert to_json(first) == to_json(second)
    assert to_csv(first) == to_csv(second)
    assert to_html(first) == to_html(second)


def test_csv_long_table() -> None:
    """西河村 missed 5 meetings: max(0, 12 − 3×5) = max(0, −3) → raw 0, 3 points clipped by the
    formula's floor (the same `clipped` as the audit's clips)."""
    rows = list(csv.reader(io.StringIO(to_csv(fresh_result(), long=True))))
    assert rows[0] == [
        "unit",
        "node",
        "label",
        "kind",
        "period",
        "value",
        "raw",
        "clipped",
        "measure",
    ]
    by_key = {(r[0], r[1], r[4]): r for r in rows[1:]}
    assert by_key[("西河村", "committee.meetings", "")][3:] == ["item", "", "0.00", "0", "3", ""]
    assert by_key[("西河村", "total", "")][5] == "582.45"
    assert by_key[("南坪村", "quarter_rank", "Q2")][3:6] == ["rank", "Q2", "1"]
    assert by_key[("西河村", "ring_check", "Q1")][5] == "21.5"


class _TableReader(HTMLParser):
    """Collects the text of the cells of <table id="ranking">."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.inside = self.in_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and ("id", "ranking") in attrs:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.in_cell = True
            self.rows[-1].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = False
        elif tag in ("td", "th"):
            self.in_cell = False

    def handle_data(self, data: str) -> None:
        if self.inside and self.in_cell:
            self.rows[-1][-1] += data.strip()


def _ranking_from(html: str) -> list[tuple[str, str, str]]:
    reader = _TableReader()
    reader.feed(html)
    return [(r[0], r[1], r[-1]) for r in reader.rows[1:]]


def test_html_is_self_contained_and_has_the_ranking(tmp_path: Path) -> None:
    html = to_html(fresh_result())
    for banned in ('src="http', "src='http", 'href="http', "@import", "url(http"):
        assert banned not in html
    assert _ranking_from(html) == EXPECTED_RANKING
    assert html.count("<details") == 6 * 43  # every node of every unit, collapsible
    assert "max(0, 12 - 3 * meetings_missed[5])" in html
    assert "schemes/village-fp-1000.yaml:" in html


@pytest.mark.skipif(
    chromium() is None, reason="no Chromium on this machine (.ci/run installs Debian's chromium)"
)
def test_html_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    """Load the report in a real browser and read the ranking table from the rendered DOM."""
    dom = browser_dom(to_html(fresh_result()), tmp_path)
    assert _ranking_from(dom) == EXPECTED_RANKING
    assert "<svg" in dom


def test_excel_workbook(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    from rulebook.render.excel import write_xlsx

    path = tmp_path / "r.xlsx"
    write_xlsx(fresh_result(), path)
    book = openpyxl.load_workbook(path)
    summary, breakdown, manifest, cited = book.worksheets  # village-fp-1000 cites its clauses
    rows = list(summary.iter_rows(values_only=True))
    assert rows[0][:3] == ("unit", "rank", "total")
    ranking = sorted((str(r[1]), r[0], f"{r[2]:.2f}") for r in rows[1:])
    assert ranking == EXPECTED_RANKING
    assert summary.auto_filter.ref == f"A1:{summary.cell(1, len(rows[0])).column_letter}7"
    header = next(breakdown.iter_rows(values_only=True))
    assert header == (
        "unit",
        "node",
        "label",
        "kind",
        "period",
        "value",
        "raw",
        "clipped",
        "measure",
    )
    assert dict(manifest.iter_rows(min_row=2, values_only=True))["scheme.id"] == "village-fp-1000"
    assert next(cited.iter_rows(max_row=2, values_only=True)) == (
        "id",
        "kind",
        "label",
        "reference",
        "source",
    )
    assert cited["A2"].value == "committee" and cited["D2"].value == "范文一 （一）"


def _cli(*args: str) -> tuple[int, str, str]:
    from rulebook.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out, err)
    return code, out.getvalue(), err.getvalue()


COMMUNITY = ROOT / "schemes" / "community-monthly.yaml"
COMMUNITY_DATA = ROOT / "schemes" / "examples" / "community-monthly.data.yaml"


@pytest.mark.parametrize("fmt", ["html", "xlsx", "csv", "csv-long", "json", "jsonl"])
def test_schemes_with_output_roots_render_in_every_format(fmt: str, tmp_path: Path) -> None:
    """The bug: community-monthly (an `output` root `money`) broke HTML and xlsx with
    KeyError 'money'. Every format now writes, with the outputs in it."""
    if fmt == "xlsx":
        pytest.importorskip("openpyxl")
    target = tmp_path / f"r.{fmt}"
    code, _, err = _cli(
        "score", str(COMMUNITY), str(COMMUNITY_DATA), "--format", fmt, "-o", str(target)
    )
    assert code == 0, err
    if fmt != "xlsx":
        assert "money.quarter_awards" in target.read_text(encoding="utf-8-sig")
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary left behind


def test_default_json_has_no_audit_and_audit_adds_it() -> None:
    code, plain, _ = _cli("score", str(VILLAGE), str(VILLAGE_DATA), "--format", "json")
    assert code == 0
    assert plain == (ROOT / "schemes" / "examples" / "village-fp-1000.expected.json").read_text(
        encoding="utf-8"
    )
    assert (
        _cli("score", str(VILLAGE), str(VILLAGE_DATA), "--format", "json", "--no-audit")[1] == plain
    )
    code, audited, _ = _cli("score", str(VILLAGE), str(VILLAGE_DATA), "--format", "json", "--audit")
    unit = next(u for u in json.loads(audited)["units"] if u["unit"] == "西河村")
    assert unit["audit"]["committee.meetings"]["clipped"] == "3"  # max(0, 12 − 3×5): 3 clipped


def test_jsonl_first_line_is_the_manifest() -> None:
    code, out, _ = _cli("score", str(VILLAGE), str(VILLAGE_DATA), "--format", "jsonl")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 7
    head = json.loads(lines[0])
    assert head["manifest"]["scheme"]["id"] == "village-fp-1000" and "units" not in head
    assert sorted((json.loads(x)["unit"], json.loads(x)["total"]) for x in lines[1:]) == sorted(
        (unit, total) for _, unit, total in EXPECTED_RANKING
    )


def test_csv_has_a_bom_in_a_file_and_none_on_stdout(tmp_path: Path) -> None:
    code, out, _ = _cli("score", str(VILLAGE), str(VILLAGE_DATA), "--format", "csv")
    assert code == 0 and out.startswith("unit,rank,total,")
    target = tmp_path / "r.csv"
    _cli("score", str(VILLAGE), str(VILLAGE_DATA), "--format", "csv", "-o", str(target))
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw[3:].decode("utf-8") == out


def test_explain_without_node_shows_verdict_and_outputs_by_id() -> None:
    code, out, _ = _cli("explain", str(COMMUNITY), str(COMMUNITY_DATA), "--unit", "西苑社区")
    assert code == 0
    assert (
        "一票否决: 造成恶劣影响: 计生政策、法律、法规执行不到位造成恶劣影响，"
        "年终考核一票否决" in out
    )
    assert "年终考核: 一票否决" in out and "名次: 7 / 11" in out  # 6 communities above 1156
    code, out, _ = _cli(
        "explain",
        str(COMMUNITY),
        str(COMMUNITY_DATA),
        "--unit",
        "东园社区",
        "--node",
        "praised_months",
    )
    assert code == 0 and "11 次" in out


def test_progress_bar_only_on_a_terminal_for_long_runs() -> None:
    from rulebook.render.progress import progress_bar

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    with (
        progress_bar(10, Tty()) as short,
        progress_bar(5000, io.StringIO()) as piped,
        progress_bar(5000, Tty(), quiet=True) as quiet,
    ):
        assert short is None and piped is None and quiet is None
    terminal = Tty()
    with progress_bar(5000, terminal) as bar:
        assert bar is not None
        bar.update(5000)
    assert "/5000" in terminal.getvalue()  # drawn on the terminal, cleared at the end
