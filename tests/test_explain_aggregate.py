"""`explain --node <aggregate>` explains an aggregate like a group value; what-if prints no
rank for a scheme without rankings; an English scheme's veto condition is `vetoed` in its own
words (in `bounds`).

Scheme (POOLED): know = min(50, 50 × aware / surveyed); aggregates over all units and per 街道.
Data: A (甲) 40/50 → 40, B (甲) 45/50 → 45, C (乙) 30/60 → 25, D (乙) 50/50 → 50.
    best = max of total = 50 (D alone); by_jd (乙) = 30 + 50 = 80 over 2 units;
    villages (乙) = count of kind == 村: C and D = 2.
"""

from __future__ import annotations

import io
from pathlib import Path

from rulebook.cli import EXIT_OK, EXIT_USAGE, main

from conftest import SCHEMES

POOLED = """\
scheme: {id: pooled, title: Pooled, language: en}
indicators:
  jd: {type: enum, values: [甲, 乙]}
  kind: {type: enum, values: [村, 居]}
  aware: {type: count}
  surveyed: {type: count, min: 1}
aggregates:
  best: {max: total, label: best total}
  by_jd: {sum: aware, by: jd}
  villages: {count: "kind == '村'", by: jd}
tree:
  - {id: know, label: Know, expr: "min(50, 50 * aware / surveyed)"}
  - {id: rel, role: output, expr: "ratio(100 * total, best, 0) + 0 * by_jd + 0 * villages"}
"""

DATA = """\
units:
  A: {jd: 甲, kind: 居, aware: 40, surveyed: 50}
  B: {jd: 甲, kind: 居, aware: 45, surveyed: 50}
  C: {jd: 乙, kind: 村, aware: 30, surveyed: 60}
  D: {jd: 乙, kind: 村, aware: 50, surveyed: 50}
"""


def files(tmp_path: Path) -> tuple[str, str]:
    (tmp_path / "p.yaml").write_text(POOLED, encoding="utf-8")
    (tmp_path / "d.yaml").write_text(DATA, encoding="utf-8")
    return str(tmp_path / "p.yaml"), str(tmp_path / "d.yaml")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_explain_an_aggregate_like_a_group_value(tmp_path: Path) -> None:
    scheme, data = files(tmp_path)
    code, out, err = run("explain", scheme, data, "--unit", "C", "--node", "best")
    assert code == EXIT_OK, err
    assert out == (
        "best  best total  [aggregate]\n"
        "  value     50\n"
        "  aggregate best = max of total over 4 units (all units)\n"
        "  held by   D\n"
        f"  source    {scheme}:8\n"
    )
    code, out, _ = run("explain", scheme, data, "--unit", "C", "--node", "by_jd")
    assert "  value     80\n  aggregate by_jd = sum of aware over 2 units (jd = 乙)\n" in out
    code, out, _ = run("explain", scheme, data, "--unit", "A", "--node", "villages")
    assert "  value     0\n" in out  # 甲 has no 村
    assert "count of units where kind == '村' over 2 units (jd = 甲)" in out
    code, _, err = run("explain", scheme, data, "--unit", "C", "--node", "bestt")
    assert code == EXIT_USAGE and "no node or value 'bestt'" in err
    code, _, err = run("explain", scheme, data, "--unit", "C", "--node", "best", "--set", "x=1")
    assert code == EXIT_USAGE and "it is an aggregate: a what-if or goal shows" in err


def test_what_if_prints_no_rank_for_a_scheme_without_rankings(tmp_path: Path) -> None:
    """C's aware 30 → 60: know 25 → 50 (total +25). No `rankings:`, so no rank, and no line
    about other units' ranks (A and B would move from 3 → 4 and 2 → 3 by total)."""
    scheme, data = files(tmp_path)
    code, out, err = run("explain", scheme, data, "--unit", "C", "--set", "aware=60")
    assert code == EXIT_OK, err
    assert "C  total 25.00 → 50.00 (+25.00)\n" in out
    assert "rank" not in out


def test_what_if_still_prints_the_rank_for_a_ranking_scheme() -> None:
    """The village scheme ranks: 西河村 with no missed meeting gains 12 points, and keeps its
    rank line (the shipped data's 6 villages)."""
    scheme = str(SCHEMES / "village-fp-1000.yaml")
    data = str(SCHEMES / "examples" / "village-fp-1000.data.yaml")
    code, out, _ = run("explain", scheme, data, "--unit", "西河村", "--set", "meetings_missed=0")
    assert code == EXIT_OK
    assert "西河村  total 582.45 → 594.45 (+12.00)  rank 6 → 6" in out


def test_an_english_schemes_veto_condition_reads_vetoed(tmp_path: Path) -> None:
    path = tmp_path / "v.yaml"
    path.write_text(
        "scheme: {id: v, title: V, language: en}\n"
        "indicators:\n  fraud: {type: bool}\n  x: {type: decimal, min: 0, max: 10}\n"
        "vetoes:\n  - {id: cheat, when: fraud, label: Fraud, reason: fraud found}\n"
        "tree:\n  - {id: a, label: A, expr: x}\n",
        encoding="utf-8",
    )
    code, out, _ = run("bounds", str(path))
    assert code == EXIT_OK
    assert "vetoed  vetoed  yes/no" in out
    assert "一票否决" not in out
    zh = path.read_text(encoding="utf-8").replace("language: en", "language: zh")
    path.write_text(zh, encoding="utf-8")
    assert "vetoed  一票否决  yes/no" in run("bounds", str(path))[1]
