"""`rulebook check`'s summary counts what the author declared (a required parameter among the
parameters; `values:` and `group_values:` entries, not rulebook's own lets, conditions,
`.count`, `.applies`, `.periods`), and two documentation claims hold: docs/output.md lists each
rendering once, and pandas needs `keep_default_na=False` to keep `n/a` (docs/data.md)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

import rulebook
from rulebook.cli import EXIT_OK, main

ROOT = Path(__file__).resolve().parent.parent

SCHEME = """\
scheme: {id: s, title: s}
periods: {M01: 1, M02: 1}
parameters:
  target: {required: true}
  bonus: 2
indicators:
  kind: {type: enum, values: [村, 居]}
  aware: {type: count}
  visits: {type: count, per_period: true}
values:
  share: "aware / 100"
aggregates:
  best: {max: aware}
  villages: {count: "kind == '村'"}
group_values:
  top: {expr: "best * 2"}
tree:
  - id: m
    per: period
    aggregate: sum
    children:
      - {id: v, expr: "min(5, visits)"}
  - {id: a, expr: "10 if aware >= target else bonus", applies: "kind == '村'",
     let: {half: "aware / 2"}}
  - {id: b, expr: "share + top + villages + a.half"}
total: {not_applicable: zero}
"""


def test_the_summary_counts_the_authors_parameters_and_named_values(tmp_path: Path) -> None:
    """Parameters: target (required) and bonus = 2. Named values: share (values:) and top
    (group_values:) = 2; not a.half (a let), a.applies, villages.count, m.periods, m.v.periods.
    Nodes m, m.v, a, b = 4, items m.v, a, b = 3; aggregates best, villages = 2."""
    path = tmp_path / "s.yaml"
    path.write_text(SCHEME, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert main(["check", str(path)], out, err) == EXIT_OK, err.getvalue()
    assert out.getvalue().splitlines()[0] == (
        f"ok: {path}: s — 3 indicators, 2 parameters (1 required at run time), 4 nodes "
        "(3 items), 2 named values, 2 aggregates, 0 rankings, 2 periods; 0 warning(s)"
    )


def test_docs_output_lists_each_rendering_once() -> None:
    text = (ROOT / "docs" / "output.md").read_text(encoding="utf-8")
    text = text[text.index("| `--format` | what |") :]
    text = text[: text.index("\n\n")]  # the table of renderings
    rows = re.findall(r"^\| `([^`|]+)` \|", text, re.MULTILINE)
    assert "xlsx -o report.xlsx" in rows
    assert len(rows) == len(set(rows)), sorted(r for r in rows if rows.count(r) > 1)


NA_SCHEME = """\
scheme: {id: p, title: p}
indicators:
  x: {type: count, na: allowed, default: 0}
  y: {type: count}
tree:
  - id: g
    standard: 10
    not_applicable: rescale
    children:
      - {id: gx, standard: 6, expr: "min(6, x)"}
      - {id: gy, standard: 4, expr: "min(4, y)"}
total: {not_applicable: zero}
"""


def test_pandas_keeps_n_a_only_with_keep_default_na_false(tmp_path: Path) -> None:
    """Unit a writes `n/a`: read by pandas' defaults it becomes NaN, i.e. missing, so the
    default 0 applies (a scores 0); read as docs/data.md says it stays n/a (a's x is n/a, and
    the rescaled total of a's applicable y alone is 4 × 10 / 4 = 10); b's empty cell is
    still missing (x = 0 by default: 0 + min(4, 6) = 4)."""
    pandas = pytest.importorskip("pandas")
    scheme = rulebook.loads(NA_SCHEME, "p.yaml")
    (tmp_path / "d.csv").write_text("unit,x,y\na,n/a,4\nb,,6\n", encoding="utf-8")
    default = rulebook.evaluate(scheme, pandas.read_csv(tmp_path / "d.csv"))
    assert default.unit("a").value("x") == 0
    kept = pandas.read_csv(tmp_path / "d.csv", keep_default_na=False, na_values=[""])
    result = rulebook.evaluate(scheme, kept)
    assert result.unit("a").value("x") is rulebook.NA
    assert result.unit("a").scores["g"] == 10
    assert result.unit("b").value("x") == 0 and result.unit("b").scores["g"] == 4
