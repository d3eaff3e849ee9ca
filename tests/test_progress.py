"""Progress while reading, scoring and writing: a bar on a terminal for a long run, silent when
piped or with --quiet, and never a change to the output."""

from __future__ import annotations

import io
import os
import sys
import threading
from decimal import Decimal as D
from pathlib import Path

import pytest

import rulebook
from rulebook.cli import EXIT_OK, main
from rulebook.data.dataset import DataSet
from rulebook.engine import evaluate as evaluate_module
from rulebook.render import progress

from helpers import scheme

pytest.importorskip("tqdm")

ONE_ITEM = """
scheme: {id: tick, title: tick}
indicators:
  missed: {type: count, max: 12}
tree:
  - {id: meetings, standard: 12, expr: "max(0, 12 - 3 * missed)"}
"""


class Tty(io.StringIO):
    """A standard error that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def _files(tmp_path: Path, units: int) -> tuple[Path, Path]:
    scheme_file = tmp_path / "tick.yaml"
    scheme_file.write_text(ONE_ITEM, encoding="utf-8")
    data = tmp_path / "tick.csv"
    data.write_text(
        "unit,missed\n" + "".join(f"U{i:05d},{i % 5}\n" for i in range(units)), encoding="utf-8"
    )
    return scheme_file, data


def _run(*argv: str, err: io.StringIO) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue()


def test_a_long_run_shows_scoring_and_writing_on_a_terminal_only(tmp_path: Path) -> None:
    """2,500 units (over `LONG_RUN`): the terminal gets a scoring and a writing bar; piped
    stderr and --quiet get nothing; standard output is the same bytes in all three runs."""
    scheme_file, data = _files(tmp_path, 2500)
    argv = ("score", str(scheme_file), str(data), "--format", "csv")
    terminal, piped, quieted = Tty(), io.StringIO(), Tty()
    code_t, out_t = _run(*argv, err=terminal)
    code_p, out_p = _run(*argv, err=piped)
    code_q, out_q = _run(*argv, "--quiet", err=quieted)
    assert code_t == code_p == code_q == EXIT_OK
    assert out_t == out_p == out_q
    # U00001 has missed = 1: 12 − 3 × 1 = 9 points (unit, total, meetings)
    assert out_t.splitlines()[:3] == [
        "unit,total,meetings",
        "U00000,12.00,12.00",
        "U00001,9.00,9.00",
    ]
    shown = terminal.getvalue()
    assert "scoring" in shown and "writing" in shown
    assert piped.getvalue() == "" and quieted.getvalue() == ""


def test_a_short_run_shows_nothing_even_on_a_terminal(tmp_path: Path) -> None:
    scheme_file, data = _files(tmp_path, 30)
    terminal = Tty()
    code, _ = _run("score", str(scheme_file), str(data), "--format", "csv", err=terminal)
    assert code == EXIT_OK and terminal.getvalue() == ""


def test_reading_a_large_file_shows_a_reading_bar(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the threshold lowered to 100 bytes, a 30-unit file (> 300 bytes) counts as large:
    a reading bar names the file; --quiet still silences it."""
    monkeypatch.setattr(progress, "LONG_READ", 100)
    scheme_file, data = _files(tmp_path, 30)
    terminal, quieted = Tty(), Tty()
    _run("score", str(scheme_file), str(data), "--format", "csv", err=terminal)
    _run("score", str(scheme_file), str(data), "--format", "csv", "-q", err=quieted)
    assert "reading tick.csv" in terminal.getvalue()
    assert quieted.getvalue() == ""


def test_evaluate_reports_progress_per_chunk_and_scores_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """5 units, chunks of 2, one stage: passes are inputs + 1 stage, so total = 5 × 2 = 10;
    each pass reports after 2, 4 and 5 units: (2, 10) (4, 10) (5, 10) (7, 10) (9, 10)
    (10, 10). Scores equal those without a progress callable."""
    monkeypatch.setattr(evaluate_module, "PROGRESS_EVERY", 2)
    tick = scheme(ONE_ITEM)
    assert len(tick.program.stages) == 1
    data = {"units": {f"U{i}": {"missed": i} for i in range(5)}}
    calls: list[tuple[int, int]] = []
    with_bar = rulebook.evaluate(
        tick, data, progress=lambda done, total: calls.append((done, total))
    )
    assert calls == [(2, 10), (4, 10), (5, 10), (7, 10), (9, 10), (10, 10)]
    plain = rulebook.evaluate(tick, data)
    assert (
        [u.total for u in with_bar]
        == [u.total for u in plain]
        == [D("12.00"), D("9.00"), D("6.00"), D("3.00"), D("0.00")]
    )


def test_evaluate_of_no_units_reports_once() -> None:
    calls: list[tuple[int, int]] = []
    rulebook.evaluate(
        scheme(ONE_ITEM), DataSet(()), progress=lambda done, total: calls.append((done, total))
    )
    assert calls == [(0, 0)]


def test_a_terminal_that_reports_no_size_still_gets_its_bars(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pseudo-terminal nobody sized (0 columns, 0 rows, and the shell's COLUMNS and LINES
    saying so: what `script` and CI runners make), on which tqdm alone draws nothing: the bars
    are drawn at 80 columns, and the scoring bar counts units (2,500 of them), not units ×
    passes."""
    pty = pytest.importorskip("pty")
    monkeypatch.setenv("COLUMNS", "0")
    monkeypatch.setenv("LINES", "0")
    leader, follower = pty.openpty()
    scheme_file, data = _files(tmp_path, 2500)
    chunks: list[bytes] = []

    def drain() -> None:  # read as the bars are drawn, so a full buffer never blocks them
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the follower is closed and everything is read
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    with open(follower, "w", encoding="utf-8", closefd=True) as terminal:
        monkeypatch.setattr(sys, "stderr", terminal)  # tqdm sizes only sys.stderr's bars
        code = main(["score", str(scheme_file), str(data), "--format", "csv"], io.StringIO())
        monkeypatch.undo()
    reader.join(timeout=30)
    os.close(leader)
    shown = b"".join(chunks)
    text = shown.decode("utf-8", "replace")
    assert code == EXIT_OK
    assert "scoring" in text and "writing" in text
    assert "2500/2500" in text
