"""The CLI: table and JSON output, check, and exit codes."""

from __future__ import annotations

import io
import json
import subprocess
import sys

from rulebook.cli import EXIT_DATA, EXIT_OK, EXIT_SCHEME, EXIT_USAGE, main
from rulebook.render.textwidth import display_width

from conftest import VILLAGE, VILLAGE_DATA, VILLAGE_EXPECTED


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_score_table_aligns_chinese_labels() -> None:
    code, out, _ = run("score", str(VILLAGE), str(VILLAGE_DATA))
    assert code == EXIT_OK
    lines = out.splitlines()
    rows = [line for line in lines if line.startswith(("committee ", "  meetings ", "total "))]
    assert len(rows) == 6  # two blocks of three villages
    # every row of a block ends at the same display column: CJK counted as two cells
    block = [line for line in lines[3:] if line and not line.startswith("排名")][:47]
    assert len({display_width(line) for line in block if "─" not in line}) == 1
    assert "全年累积总分" in out and "北岗村" in out
    assert "排名 ranking: 1. 北岗村 1210.20 · 2. 东山村 1119.20" in out


def test_score_json_follows_the_contract() -> None:
    code, out, _ = run("score", str(VILLAGE), str(VILLAGE_DATA), "--format", "json",
                       "--no-audit")
    assert code == EXIT_OK
    doc = json.loads(out)
    assert [u["unit"] for u in doc["units"]] == ["东山村", "西河村", "南坪村", "北岗村",
                                                 "中湾村", "新民村"]
    first = doc["units"][0]
    assert first["total"] == "1119.20" and first["scores"]["total"] == "1119.20"
    assert first["scores"]["committee.meetings"] == "12.00"
    assert out == VILLAGE_EXPECTED.read_text(encoding="utf-8")


def test_output_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "out.json"
    code, out, _ = run("score", str(VILLAGE), str(VILLAGE_DATA), "--format", "json",
                       "--no-audit", "-o", str(target))
    assert code == EXIT_OK and out == ""
    assert target.read_text(encoding="utf-8") == VILLAGE_EXPECTED.read_text(encoding="utf-8")


def test_check_ok() -> None:
    code, out, _ = run("check", str(VILLAGE))
    assert code == EXIT_OK
    assert "ok:" in out and "56 indicators" in out and "43 nodes (31 items)" in out


def test_check_reports_scheme_errors_with_exit_2(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.yaml"
    bad.write_text(VILLAGE.read_text(encoding="utf-8").replace(
        "12 - 3 * meetings_missed", "12 - 3 * meeting_missed"), encoding="utf-8")
    code, _, err = run("check", str(bad))
    assert code == EXIT_SCHEME
    assert "unknown name `meeting_missed`" in err and "did you mean `meetings_missed`?" in err
    assert f"{bad}:" in err
    code, out, err = run("score", str(bad), str(VILLAGE_DATA))
    assert code == EXIT_SCHEME and out == ""


def test_data_errors_exit_3_and_write_nothing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "d.yaml"
    data.write_text(VILLAGE_DATA.read_text(encoding="utf-8").replace(
        "meetings_missed: 5", "meetings_missed: 15"), encoding="utf-8")
    target = tmp_path / "out.json"
    code, out, err = run("score", str(VILLAGE), str(data), "-o", str(target))
    assert code == EXIT_DATA and out == "" and not target.exists()
    assert "unit `西河村`, indicator `meetings_missed`: 15 is above the declared maximum 12" \
        in err


def test_usage_error_exit_1() -> None:
    code, _, err = run("score", str(VILLAGE))
    assert code == EXIT_USAGE and "usage:" in err


def test_console_entry_point_runs_as_module() -> None:
    proc = subprocess.run([sys.executable, "-m", "rulebook", "check", str(VILLAGE)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and "ok:" in proc.stdout


def test_json_data_gives_the_same_scores_as_yaml(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The spec allows data as YAML or JSON; numbers in JSON are read exactly too."""
    import yaml

    doc = yaml.safe_load(VILLAGE_DATA.read_text(encoding="utf-8"))
    data = tmp_path / "village.json"
    data.write_text(json.dumps(doc, ensure_ascii=False, default=str), encoding="utf-8")
    code, out, _ = run("score", str(VILLAGE), str(data), "--format", "json", "--no-audit")
    assert code == EXIT_OK
    assert json.loads(out)["units"] == json.loads(VILLAGE_EXPECTED.read_text("utf-8"))["units"]


def test_explain_unit_worksheet() -> None:
    code, out, _ = run("explain", str(VILLAGE), str(VILLAGE_DATA), "--unit", "西河村")
    assert code == EXIT_OK
    line = next(x for x in out.splitlines() if x.lstrip().startswith("committee.meetings"))
    assert "0.00  = max(0, 12 - 3 * meetings_missed[5])" in line
    assert "→ -3 floored at 0 (3 points clipped)" in line
    assert line.endswith("schemes/village-fp-1000.yaml:163")
    assert "points lost" in out and "61.00  contraception.sterilization" in out


def test_explain_one_node_in_detail() -> None:
    code, out, _ = run("explain", str(VILLAGE), str(VILLAGE_DATA), "--unit", "南坪村",
                       "--node", "bonus.quarter_ranking")
    assert code == EXIT_OK
    assert "rank      quarter_rank Q2 basis 440 → rank 1 of 6 (competition); tied with " \
           "东山村, 北岗村, 中湾村" in out


def test_explain_unknown_unit_or_node_suggests() -> None:
    code, _, err = run("explain", str(VILLAGE), str(VILLAGE_DATA), "--unit", "西河")
    assert code == EXIT_USAGE and "did you mean `西河村`?" in err
    code, _, err = run("explain", str(VILLAGE), str(VILLAGE_DATA), "--unit", "西河村",
                       "--node", "committee.meeting")
    assert code == EXIT_USAGE and "did you mean `committee.meetings`?" in err


def test_score_formats_csv_html_xlsx(tmp_path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("score", str(VILLAGE), str(VILLAGE_DATA), "--format", "csv-long")
    assert code == EXIT_OK and out.startswith("unit,node,label,kind,period,value,raw,clipped,")
    page = tmp_path / "r.html"
    assert run("score", str(VILLAGE), str(VILLAGE_DATA), "--format", "html", "-o",
               str(page))[0] == EXIT_OK
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    code, _, err = run("score", str(VILLAGE), str(VILLAGE_DATA), "--format", "xlsx")
    assert code == EXIT_USAGE and "-o FILE.xlsx" in err
    book = tmp_path / "r.xlsx"
    assert run("score", str(VILLAGE), str(VILLAGE_DATA), "--format", "xlsx", "-o",
               str(book))[0] == EXIT_OK
    assert book.stat().st_size > 0
