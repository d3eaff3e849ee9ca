"""The CLI: table and JSON output, check, and exit codes."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rulebook.cli import (
    EXIT_BROKEN_PIPE,
    EXIT_BUG,
    EXIT_DATA,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_OUTPUT,
    EXIT_SCHEME,
    EXIT_USAGE,
    main,
)
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
    code, out, _ = run("score", str(VILLAGE), str(VILLAGE_DATA), "--format", "json", "--no-audit")
    assert code == EXIT_OK
    doc = json.loads(out)
    assert [u["unit"] for u in doc["units"]] == [
        "东山村",
        "西河村",
        "南坪村",
        "北岗村",
        "中湾村",
        "新民村",
    ]
    first = doc["units"][0]
    assert first["total"] == "1119.20" and first["scores"]["total"] == "1119.20"
    assert first["scores"]["committee.meetings"] == "12.00"
    assert out == VILLAGE_EXPECTED.read_text(encoding="utf-8")


def test_output_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "out.json"
    code, out, _ = run(
        "score",
        str(VILLAGE),
        str(VILLAGE_DATA),
        "--format",
        "json",
        "--no-audit",
        "-o",
        str(target),
    )
    assert code == EXIT_OK and out == ""
    assert target.read_text(encoding="utf-8") == VILLAGE_EXPECTED.read_text(encoding="utf-8")


def test_check_ok() -> None:
    code, out, _ = run("check", str(VILLAGE))
    assert code == EXIT_OK
    assert "ok:" in out and "56 indicators" in out and "43 nodes (31 items)" in out


def test_check_reports_scheme_errors_with_exit_2(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        VILLAGE.read_text(encoding="utf-8").replace(
            "12 - 3 * meetings_missed", "12 - 3 * meeting_missed"
        ),
        encoding="utf-8",
    )
    code, _, err = run("check", str(bad))
    assert code == EXIT_SCHEME
    assert "unknown name `meeting_missed`" in err and "did you mean `meetings_missed`?" in err
    assert f"{bad}:" in err
    code, out, err = run("score", str(bad), str(VILLAGE_DATA))
    assert code == EXIT_SCHEME and out == ""


def test_data_errors_exit_3_and_write_nothing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "d.yaml"
    data.write_text(
        VILLAGE_DATA.read_text(encoding="utf-8").replace(
            "meetings_missed: 5", "meetings_missed: 15"
        ),
        encoding="utf-8",
    )
    target = tmp_path / "out.json"
    code, out, err = run("score", str(VILLAGE), str(data), "-o", str(target))
    assert code == EXIT_DATA and out == "" and not target.exists()
    assert "unit `西河村`, indicator `meetings_missed`: 15 is above the declared maximum 12" in err


def test_usage_error_exit_1() -> None:
    code, _, err = run("score", str(VILLAGE))
    assert code == EXIT_USAGE and "usage:" in err


def test_console_entry_point_runs_as_module() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "rulebook", "check", str(VILLAGE)],
        capture_output=True,
        text=True,
        check=False,
    )
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
    assert line.endswith("schemes/village-fp-1000.yaml:168  〔范文一 （一）2〕")
    assert "points lost" in out and "61.00  contraception.sterilization" in out


def test_explain_one_node_in_detail() -> None:
    code, out, _ = run(
        "explain",
        str(VILLAGE),
        str(VILLAGE_DATA),
        "--unit",
        "南坪村",
        "--node",
        "bonus.quarter_ranking",
    )
    assert code == EXIT_OK
    assert (
        "rank      quarter_rank Q2 basis 440 → rank 1 of 6 (competition); tied with "
        "东山村, 北岗村, 中湾村" in out
    )


def test_explain_unknown_unit_or_node_suggests() -> None:
    code, _, err = run("explain", str(VILLAGE), str(VILLAGE_DATA), "--unit", "西河")
    assert code == EXIT_USAGE and "did you mean `西河村`?" in err
    code, _, err = run(
        "explain",
        str(VILLAGE),
        str(VILLAGE_DATA),
        "--unit",
        "西河村",
        "--node",
        "committee.meeting",
    )
    assert code == EXIT_USAGE and "did you mean `committee.meetings`?" in err


def test_score_formats_csv_html_xlsx(tmp_path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run("score", str(VILLAGE), str(VILLAGE_DATA), "--format", "csv-long")
    assert code == EXIT_OK and out.startswith("unit,node,label,kind,period,value,raw,clipped,")
    page = tmp_path / "r.html"
    assert (
        run("score", str(VILLAGE), str(VILLAGE_DATA), "--format", "html", "-o", str(page))[0]
        == EXIT_OK
    )
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    code, _, err = run("score", str(VILLAGE), str(VILLAGE_DATA), "--format", "xlsx")
    assert code == EXIT_USAGE and "-o FILE.xlsx" in err
    book = tmp_path / "r.xlsx"
    assert (
        run("score", str(VILLAGE), str(VILLAGE_DATA), "--format", "xlsx", "-o", str(book))[0]
        == EXIT_OK
    )
    assert book.stat().st_size > 0


# --- standard input and output, atomic output, no tracebacks (exit codes 6, 70, 130, 141) ---

SCORE_JSON = ("score", str(VILLAGE), str(VILLAGE_DATA), "--format", "json", "--no-audit")


def test_data_from_standard_input() -> None:
    """`-` reads the data from standard input: the same result as from the file."""
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["score", str(VILLAGE), "-", "--format", "json", "--no-audit"],
        out,
        err,
        io.StringIO(VILLAGE_DATA.read_text(encoding="utf-8")),
    )
    assert code == EXIT_OK and err.getvalue() == ""
    expected = json.loads(VILLAGE_EXPECTED.read_text(encoding="utf-8"))
    assert json.loads(out.getvalue())["units"] == expected["units"]


def test_data_piped_in_as_json_bytes() -> None:
    """`cat data.json | rulebook score scheme.yaml -` as a real process (bytes, UTF-8)."""
    import yaml

    doc = yaml.safe_load(VILLAGE_DATA.read_text(encoding="utf-8"))
    piped = json.dumps(doc, ensure_ascii=False, default=str).encode("utf-8")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "rulebook",
            "score",
            str(VILLAGE),
            "-",
            "--format",
            "json",
            "--no-audit",
        ],
        input=piped,
        capture_output=True,
        check=False,
    )
    assert proc.returncode == EXIT_OK, proc.stderr
    expected = json.loads(VILLAGE_EXPECTED.read_text(encoding="utf-8"))
    assert json.loads(proc.stdout)["units"] == expected["units"]


def _piped(argv: list[str], data: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "rulebook", *argv], input=data, capture_output=True, check=False
    )


def test_a_table_piped_in_scores_like_the_file() -> None:
    """`cat data.csv | rulebook score scheme.yaml -`: a CSV (UTF-8, and the same saved as
    GB18030, what Chinese Excel writes) and an xlsx workbook on standard input give the bytes
    the file itself gives; the table's errors name `<stdin>` and its line."""
    pytest.importorskip("openpyxl")
    from openpyxl import Workbook

    scheme = "tests/data/invalid_tables/scheme.yaml"
    table = "tests/data/invalid_tables/03-duplicate-unit.csv"
    good = "\n".join(Path(table).read_text(encoding="utf-8").splitlines()[:3]) + "\n"
    argv = ["score", scheme, "-", "--format", "csv"]
    from_file = subprocess.run(
        [sys.executable, "-m", "rulebook", "score", scheme, table, "--format", "csv"],
        capture_output=True,
        check=False,
    )
    assert from_file.returncode == 3  # the file repeats a unit; its first two rows are good
    rows = [line.split(",") for line in good.splitlines()]
    book = Workbook()
    book.active.title = "数据"
    for k, row in enumerate(rows):
        book.active.append(row if k == 0 else [row[0], *(_typed(c) for c in row[1:])])
    workbook = io.BytesIO()
    book.save(workbook)
    outputs = [
        _piped(argv, good.encode("utf-8")),
        _piped(argv, good.encode("gb18030")),
        _piped(argv, workbook.getvalue()),
    ]
    assert [o.returncode for o in outputs] == [EXIT_OK] * 3, [o.stderr for o in outputs]
    # 东山村: (12 − 3 × 1) + (72.5 + 68 + 70) / 30 + 18.5 + 0 + 8 + 10 = 52.516… → 52.52;
    # 西河村: 12 + 240 / 30 + 12 = 32 (not staffed, no commendation, no campaigns)
    assert outputs[0].stdout.decode("utf-8").splitlines()[1:] == [
        "东山村,52.52,52.52,52.52",
        "西河村,32.00,32.00,32.00",
    ]
    assert outputs[0].stdout == outputs[1].stdout == outputs[2].stdout
    bad = _piped(argv, Path(table).read_bytes())
    assert bad.returncode == 3
    assert "<stdin>:4:1: error: line 4" in bad.stderr.decode("utf-8")


def _typed(cell: str) -> object:
    """A CSV cell as a spreadsheet holds it: a number, else the text."""
    try:
        return float(cell)
    except ValueError:
        return cell


def test_standard_input_is_named_in_messages() -> None:
    text = VILLAGE_DATA.read_text(encoding="utf-8").replace(
        "meetings_missed: 5", "meetings_missed: 15"
    )
    out, err = io.StringIO(), io.StringIO()
    assert main(["score", str(VILLAGE), "-"], out, err, io.StringIO(text)) == EXIT_DATA
    assert "<stdin>:" in err.getvalue() and out.getvalue() == ""
    assert "indicator `meetings_missed`: 15 is above the declared maximum 12" in err.getvalue()


def test_output_dash_is_standard_output(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(*SCORE_JSON, "-o", "-")
    assert code == EXIT_OK and out == VILLAGE_EXPECTED.read_text(encoding="utf-8")
    assert list(tmp_path.iterdir()) == []  # no file named `-`


def test_output_file_leaves_no_temporary(tmp_path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "out.json"
    target.write_text("an older result\n", encoding="utf-8")
    assert run(*SCORE_JSON, "-o", str(target))[0] == EXIT_OK
    assert target.read_text(encoding="utf-8") == VILLAGE_EXPECTED.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_a_full_disk_keeps_the_old_file(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The disk fills while the result is flushed: exit 6, one line, the older result intact
    and no temporary file left."""
    import errno

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("rulebook.files.os.fsync", full)
    target = tmp_path / "out.json"
    target.write_text("an older result\n", encoding="utf-8")
    code, out, err = run(*SCORE_JSON, "-o", str(target))
    assert code == EXIT_OUTPUT and out == ""
    assert err == f"rulebook: cannot write {target}: No space left on device\n"
    assert target.read_text(encoding="utf-8") == "an older result\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


@pytest.mark.parametrize(
    ("where", "reason"),
    [
        ("missing/out.json", "the folder {tmp}/missing does not exist"),
        (".", "it is a folder; give a file name"),
    ],
)
def test_unwritable_output_paths(tmp_path, where: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / where
    code, out, err = run(*SCORE_JSON, "-o", str(target))
    assert code == EXIT_OUTPUT and out == ""
    assert err == f"rulebook: cannot write {target}: {reason.format(tmp=tmp_path)}\n"
    assert [p.name for p in tmp_path.iterdir()] == []


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_output_to_a_full_device() -> None:
    code, _, err = run(*SCORE_JSON, "-o", "/dev/full")
    assert code == EXIT_OUTPUT
    assert err == "rulebook: cannot write /dev/full: No space left on device\n"


def _writable(folder: str) -> bool:
    import tempfile

    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


@pytest.mark.skipif(
    not os.path.isdir("/sys") or _writable("/sys"),
    reason="needs a /sys where no file can be created",
)
def test_output_into_a_read_only_place() -> None:
    """Even root cannot create a file in /sys: the folder refuses the temporary file."""
    code, _, err = run(*SCORE_JSON, "-o", "/sys/rulebook-out.json")
    assert code == EXIT_OUTPUT
    assert err == "rulebook: cannot write /sys/rulebook-out.json: Permission denied\n"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_standard_output_on_a_full_device() -> None:
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "rulebook", *SCORE_JSON],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    assert proc.returncode == EXIT_OUTPUT
    assert proc.stderr == "rulebook: cannot write <stdout>: No space left on device\n"


def test_a_closed_pipe_exits_quietly() -> None:
    """`rulebook score … | head`: the reader has gone before we write; no message, exit 141."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "rulebook", *SCORE_JSON],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    assert proc.wait(timeout=120) == EXIT_BROKEN_PIPE
    assert proc.stderr.read() == b""


def test_xlsx_to_standard_output_when_it_is_not_a_terminal() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "rulebook",
            "score",
            str(VILLAGE),
            str(VILLAGE_DATA),
            "--format",
            "xlsx",
            "-o",
            "-",
        ],
        capture_output=True,
        check=False,
    )
    assert proc.returncode == EXIT_OK and proc.stderr == b""
    assert proc.stdout.startswith(b"PK\x03\x04")  # a zip: the workbook


def test_xlsx_to_a_terminal_is_a_usage_error() -> None:
    class Terminal(io.TextIOWrapper):
        def isatty(self) -> bool:
            return True

    terminal = Terminal(io.BytesIO(), encoding="utf-8")
    err = io.StringIO()
    code = main(["score", str(VILLAGE), str(VILLAGE_DATA), "--format", "xlsx"], terminal, err)
    assert code == EXIT_USAGE and terminal.buffer.getvalue() == b""
    assert err.getvalue() == (
        "rulebook: --format xlsx writes a binary workbook: give -o "
        "FILE.xlsx, or redirect standard output to a file or pipe\n"
    )


def test_an_unexpected_exception_is_one_line_reporting_a_bug(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def broken(*args: object) -> None:
        raise ZeroDivisionError("boom\nsecond line")

    monkeypatch.setattr("rulebook.cli.evaluate", broken)
    monkeypatch.delenv("RULEBOOK_DEBUG", raising=False)
    code, out, err = run(*SCORE_JSON)
    assert code == EXIT_BUG and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(
        "rulebook: internal error: ZeroDivisionError: boom second line — this is a bug in rulebook"
    )
    assert "please report it" in err


def test_an_unexpected_exception_in_a_real_process_has_no_traceback(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A real run that crashes: the table renderer replaced, at start-up, by one that raises."""
    (tmp_path / "sitecustomize.py").write_text(
        "import rulebook.render.writers as w\n"
        "def boom(*a, **k):\n    raise RuntimeError('renderer exploded')\n"
        "w.WRITERS['table'] = boom\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    env.pop("RULEBOOK_DEBUG", None)
    proc = subprocess.run(
        [sys.executable, "-m", "rulebook", "score", str(VILLAGE), str(VILLAGE_DATA)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == EXIT_BUG
    assert proc.stderr.startswith("rulebook: internal error: RuntimeError: renderer exploded")
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1


def test_ctrl_c_is_a_short_message(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("rulebook.cli.evaluate", interrupted)
    code, out, err = run(*SCORE_JSON)
    assert (code, out, err) == (EXIT_INTERRUPTED, "", "rulebook: interrupted\n")


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "html", "xlsx"])
def test_every_format_writes_atomically(tmp_path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    """Each format: into a missing folder exit 6 and nothing created; into a real folder the
    one file asked for, no temporary beside it."""
    args = ("score", str(VILLAGE), str(VILLAGE_DATA), "--format", fmt, "-o")
    code, _, err = run(*args, str(tmp_path / "no" / "r.out"))
    assert code == EXIT_OUTPUT and "does not exist" in err and list(tmp_path.iterdir()) == []
    assert run(*args, str(tmp_path / "r.out"))[0] == EXIT_OK
    assert [p.name for p in tmp_path.iterdir()] == ["r.out"]
    assert (tmp_path / "r.out").stat().st_size > 0


def test_closed_and_empty_standard_streams_are_said_plainly(tmp_path: Path) -> None:
    """As real processes: standard input closed by the shell (`<&-`) or empty is a data error
    naming `<stdin>` (exit 3); standard output closed (`>&-`) is an output error (exit 6) for
    a score and for a template written to it — never an internal error (exit 70)."""
    scheme = "tests/data/invalid_tables/scheme.yaml"
    good = tmp_path / "good.csv"
    lines = Path("tests/data/invalid_tables/03-duplicate-unit.csv").read_text(encoding="utf-8")
    good.write_text("\n".join(lines.splitlines()[:3]) + "\n", encoding="utf-8")
    rulebook_cmd = f"{sys.executable} -m rulebook"
    closed_in = subprocess.run(
        ["sh", "-c", f"{rulebook_cmd} score -q {scheme} - <&-"], capture_output=True, check=False
    )
    assert closed_in.returncode == 3
    assert "<stdin>:1:1: error: standard input is closed" in closed_in.stderr.decode()
    empty = _piped(["score", "-q", scheme, "-"], b"  \n")
    assert empty.returncode == 3 and "standard input is empty" in empty.stderr.decode()
    for command in (f"score -q {scheme} {good}", f"template {scheme} -o -"):
        closed_out = subprocess.run(
            ["sh", "-c", f"{rulebook_cmd} {command} >&-"], capture_output=True, check=False
        )
        assert closed_out.returncode == 6, closed_out.stderr
        said = closed_out.stderr.decode()
        assert "cannot write <stdout>: standard output is closed" in said
