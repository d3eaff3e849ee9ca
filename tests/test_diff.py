"""Scheme and result diffs, worked by hand on small schemes (a changed weight, an added item, a
removed bonus, a changed cap) and on the shipped village scheme; and the `diff` command."""

from __future__ import annotations

import io
import json
from decimal import Decimal as D
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import rulebook
from rulebook.analysis import diff_results, diff_schemes, what_if
from rulebook.cli import main
from rulebook.testing.properties import indicator_values

from conftest import VILLAGE, VILLAGE_DATA
from helpers import scheme

OLD = """
scheme: {id: d, title: diff test, version: "1"}
indicators:
  missed: {type: count, max: 10}
  rate: {type: rate}
  praised: {type: bool}
parameters:
  per_miss: {value: 2, label: 每次扣分}
tree:
  - id: work
    label: 工作
    standard: 20
    children:
      - {id: meetings, label: 例会, standard: 10, expr: "max(0, 10 - per_miss * missed)"}
      - {id: rate_item, label: 比率, standard: 10, expr: "rate / 10"}
  - id: bonus
    role: bonus
    label: 加分
    children:
      - {id: praise, label: 表扬, expr: "5 if praised else 0"}
"""

# The new scheme: per_miss 2 → 3 (a changed weight), rate_item capped at 8 (a changed cap),
# a new item `extra` (an added item), the praise bonus removed (a removed bonus).
NEW = """
scheme: {id: d, title: diff test, version: "2"}
indicators:
  missed: {type: count, max: 10}
  rate: {type: rate}
  praised: {type: bool}
parameters:
  per_miss: {value: 3, label: 每次扣分}
tree:
  - id: work
    label: 工作
    standard: 20
    children:
      - {id: meetings, label: 例会, standard: 10, expr: "max(0, 10 - per_miss * missed)"}
      - {id: rate_item, label: 比率, standard: 10, expr: "rate / 10", max: 8}
      - {id: extra, label: 附加, expr: "1 if praised else 0"}
"""

UNITS = {
    "甲": {"missed": 2, "rate": 90, "praised": True},
    "乙": {"missed": 0, "rate": 50, "praised": False},
}


def _results() -> tuple[rulebook.Result, rulebook.Result]:
    return (
        rulebook.evaluate(scheme(OLD, "old.yaml"), {"units": UNITS}),
        rulebook.evaluate(scheme(NEW, "new.yaml"), {"units": UNITS}),
    )


def test_scheme_diff_lists_every_changed_part() -> None:
    """The parameter's value, the cap, the added item, the removed bonus group and its item,
    and the work group's children are the changes; nothing else (the version too)."""
    changes = diff_schemes(scheme(OLD, "old.yaml"), scheme(NEW, "new.yaml"))
    summary = {(c.section, c.name, c.status) for c in changes.changes}
    assert summary == {
        ("scheme", "settings", "changed"),
        ("parameters", "per_miss", "changed"),
        ("nodes", "work", "changed"),
        ("nodes", "work.rate_item", "changed"),
        ("nodes", "work.extra", "added"),
        ("nodes", "bonus", "removed"),
        ("nodes", "bonus.praise", "removed"),
    }
    per_miss = changes.find("parameters", "per_miss")
    assert per_miss is not None
    assert [(f.field, f.old, f.new) for f in per_miss.fields] == [("value", "2", "3")]
    cap = changes.find("nodes", "work.rate_item")
    assert cap is not None
    assert [(f.field, f.old, f.new) for f in cap.fields] == [("max", None, "8")]
    work = changes.find("nodes", "work")
    assert work is not None
    assert [(f.field, f.old, f.new) for f in work.fields] == [
        ("children", "work.meetings, work.rate_item", "work.meetings, work.rate_item, work.extra")
    ]


def test_scheme_diff_of_a_scheme_with_itself_is_empty() -> None:
    s = rulebook.load(VILLAGE)
    assert not diff_schemes(s, s)
    assert "no changes" in diff_schemes(s, s).render()


def test_two_schemes_decomposed_by_node() -> None:
    """甲 (missed 2, rate 90, praised):
    old: meetings 10 − 2×2 = 6, rate_item 9, work 15; praise 5 → total 20.
    new: meetings 10 − 3×2 = 4, rate_item min(9, 8) = 8, extra 1, work 13; no bonus → 13.
    乙 (missed 0, rate 50, not praised): old 10 + 5 = 15; new 10 + 5 + 0 = 15: unchanged.
    Ranks: old 甲 20 > 乙 15 → 1, 2; new 乙 15 > 甲 13 → 甲 2, 乙 1."""
    old, new = _results()
    diff = diff_results(old, new)
    a = diff.unit("甲")
    assert a.total == (D("20.00"), D("13.00")) and a.delta == D("-7.00")
    assert a.rank == (1, 2)
    moved = {n.node: (n.old, n.new) for n in a.nodes}
    assert moved == {
        "work": (D("15.00"), D("13.00")),
        "work.meetings": (D("6.00"), D("4.00")),
        "work.rate_item": (D("9.00"), D("8.00")),
        "work.extra": (None, D("1.00")),
        "bonus": (D("5.00"), None),
        "bonus.praise": (D("5.00"), None),
    }
    assert [n.node for n in a.nodes] == [
        "work",
        "work.meetings",
        "work.rate_item",
        "work.extra",
        "bonus",
        "bonus.praise",
    ]  # tree order
    meetings = next(n for n in a.nodes if n.node == "work.meetings")
    assert [(i.name, i.old, i.new) for i in meetings.inputs] == [("per_miss", "2", "3")]
    rate = next(n for n in a.nodes if n.node == "work.rate_item")
    assert rate.fields == (("max", None, "8"),) and rate.inputs == ()
    b = diff.unit("乙")
    assert b.rank == (2, 1) and b.total == (D("15.00"), D("15.00"))
    assert diff.to_dict()["unchanged"] == []  # 乙's rank moved, so it is listed as changed


def test_two_data_sets_show_the_inputs_that_changed() -> None:
    """One scheme (OLD), 甲's missed 2 → 1 and rate 90 → 70: meetings 6 → 8, rate_item 9 → 7,
    work and total unchanged at 15 and 20 — the clauses moved but the sum did not. 乙 leaves,
    丙 arrives."""
    s = scheme(OLD, "old.yaml")
    before = rulebook.evaluate(s, {"units": UNITS})
    after = rulebook.evaluate(
        s, {"units": {"甲": {"missed": 1, "rate": 70, "praised": True}, "丙": UNITS["乙"]}}
    )
    diff = diff_results(before, after)
    assert diff.scheme is None
    assert diff.added == ("丙",) and diff.removed == ("乙",)
    a = diff.unit("甲")
    assert a.total == (D("20.00"), D("20.00"))
    assert [(i.name, i.old, i.new) for i in a.data] == [("missed", "2", "1"), ("rate", "90", "70")]
    assert [(n.node, n.delta) for n in a.nodes] == [
        ("work.meetings", D("2.00")),
        ("work.rate_item", D("-2.00")),
    ]
    assert "only in the new data: 丙; only in the old data: 乙" in diff.render()


def test_village_checkup_threshold_raised() -> None:
    """checkup_pass_rate 70 → 75 on the village scheme: 西河村's checkup rates (Q1 68.5, Q2 58,
    Q3 71.2) each lose 5 more points in ring_check (floored at 0 only below 50), and Q3 loses
    its 5 × 1.2 = 6 bonus — ring_check Q1 21.5 → 16.5, Q2 13 → 8, Q3 25 → 21.2; the item was
    65.5 and becomes 16.5 + 8 + 21.2 + 0 = 45.7: Δ −19.8 on the item, the group and the total."""
    old = rulebook.load(VILLAGE)
    text = VILLAGE.read_text(encoding="utf-8").replace(
        "checkup_pass_rate: {value: 70", "checkup_pass_rate: {value: 75"
    )
    new = rulebook.loads(text, "new.yaml")
    data = rulebook.read_data(VILLAGE_DATA, old)
    diff = diff_results(rulebook.evaluate(old, data), rulebook.evaluate(new, data))
    u = diff.unit("西河村")
    assert u.delta == D("-19.80")
    assert [(n.node, n.old, n.new) for n in u.nodes] == [
        ("pregnancy_management", D("121.75"), D("101.95")),
        ("pregnancy_management.ring_checks", D("65.50"), D("45.70")),
    ]
    reads = {(i.name, i.period): (i.old, i.new) for i in u.nodes[1].inputs}
    assert reads == {
        ("ring_check", "Q1"): ("21.5", "16.5"),
        ("ring_check", "Q2"): ("13", "8"),
        ("ring_check", "Q3"): ("25", "21.2"),
        ("checkup_pass_rate", None): ("70", "75"),
    }


def test_cli_diff_text_json_and_usage(tmp_path: Path) -> None:
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(OLD, encoding="utf-8")
    new.write_text(NEW, encoding="utf-8")
    data = tmp_path / "data.json"
    data.write_text(json.dumps({"units": UNITS}, ensure_ascii=False), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert main(["diff", str(old), str(new), str(data)], out, err) == 0
    # no `rankings:` in the scheme, so the text shows no rank (the JSON keeps it)
    assert "甲  total 20.00 → 13.00 (-7.00)\n" in out.getvalue()
    out = io.StringIO()
    assert main(["diff", str(old), str(new), str(data), "--format", "json"], out, err) == 0
    parsed = json.loads(out.getvalue())
    assert parsed["units"][0]["total"] == {"old": "20.00", "new": "13.00", "delta": "-7.00"}
    assert main(["diff", str(old), str(new)], io.StringIO(), err) == 1
    assert (
        main(
            ["diff", str(old), "--data", str(data), str(tmp_path / "none.yaml")],
            io.StringIO(),
            io.StringIO(),
        )
        == 3
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text("scheme: [", encoding="utf-8")
    assert main(["diff", str(old), str(bad), str(data)], io.StringIO(), io.StringIO()) == 2


VETO = """
scheme: {id: v, title: vetoes}
indicators:
  done: {type: count}
  severe: {type: bool}
tree:
  - {id: points, standard: 100, expr: "min(100, 10 * done)"}
  - id: money
    role: output
    children:
      - {id: award, unit: 元, expr: "50 * done"}
vetoes:
  - {id: bad, label: 恶劣影响, when: "severe", reason: 一票否决}
outcomes:
  result:
    cases:
      - {when: "vetoed", label: 不合格}
      - {when: "total >= 60", label: 合格}
      - {label: 不合格}
"""


def test_vetoes_outcomes_and_outputs_between_data_sets() -> None:
    """甲: done 7 → 5 and a severe incident: points 70 → 50, award 350 → 250 元, the veto
    now holds and the outcome goes 合格 → 不合格."""
    s = scheme(VETO)
    before = rulebook.evaluate(s, {"units": {"甲": {"done": 7, "severe": False}}})
    after = rulebook.evaluate(s, {"units": {"甲": {"done": 5, "severe": True}}})
    u = diff_results(before, after).unit("甲")
    assert u.vetoes == (("bad", False, True),)
    assert u.outcomes == (("result", "合格", "不合格"),)
    assert u.outputs == (
        ("money", D("350.00"), D("250.00")),
        ("money.award", D("350.00"), D("250.00")),
    )
    assert [(n.node, n.delta) for n in u.nodes] == [
        ("points", D("-20.00")),
        ("money", D("-100.00")),
        ("money.award", D("-100.00")),
    ]
    text = diff_results(before, after).render()
    assert "  outcome result: 合格 → 不合格" in text and "  veto bad: clear → holds" in text


def test_scheme_diff_of_veto_and_outcome_conditions() -> None:
    """A veto's `when` and an outcome's threshold are compared as formulas."""
    new = VETO.replace('when: "severe"', 'when: "severe and done < 3"').replace(
        "total >= 60", "total >= 70"
    )
    changes = diff_schemes(scheme(VETO), scheme(new))
    veto = changes.find("vetoes", "bad")
    outcome = changes.find("outcomes", "result")
    assert veto is not None and outcome is not None
    assert [(f.field, f.old, f.new) for f in veto.fields] == [
        ("when", "severe", "severe and done < 3")
    ]
    assert [f.field for f in outcome.fields] == ["cases"]
    assert "total >= 70" in str(outcome.fields[0].new)


def test_cli_diff_reads_standard_input_once(tmp_path: Path) -> None:
    """`diff OLD NEW -`: both schemes score the same piped data."""
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(OLD, encoding="utf-8")
    new.write_text(NEW, encoding="utf-8")
    out = io.StringIO()
    stdin = io.StringIO(json.dumps({"units": UNITS}, ensure_ascii=False))
    assert main(["diff", str(old), str(new), "-"], out, io.StringIO(), stdin) == 0
    assert "甲  total 20.00 → 13.00" in out.getvalue()


@settings(max_examples=20, deadline=None)
@given(st.data())
def test_diff_decomposes_the_total(data: st.DataObject) -> None:
    """For any edit of any village unit (values within the domains): the nodes listed are
    exactly those whose value changed, and the signed changes of the top-level nodes add up
    to the change in the total (categories and bonuses add, deductions subtract)."""
    s = rulebook.load(VILLAGE)
    base = rulebook.read_data(VILLAGE_DATA, s)
    unit = data.draw(st.sampled_from([u.name for u in base.units]))
    names = data.draw(
        st.lists(st.sampled_from(sorted(s.indicators)), min_size=1, max_size=5, unique=True)
    )
    edits = {}
    for name in names:
        value = data.draw(indicator_values(s.indicators[name], places=1))
        edits[name] = str(value).lower() if isinstance(value, bool) else str(value)
    change = what_if(s, base, unit, edits)
    for u in change.diff.units:
        a, b = change.before.unit(u.unit), change.after.unit(u.unit)
        moved = {
            n
            for n in (*s.score_ids, *s.output_ids)
            if n != "total" and ({**a.scores, **a.outputs}[n] != {**b.scores, **b.outputs}[n])
        }
        assert {n.node for n in u.nodes} == moved
        roots = {
            r: (-1 if s.nodes[r].role == "deduction" else 1)
            for r in s.roots
            if s.nodes[r].role != "output"
        }
        assert sum((roots[n.node] * n.delta for n in u.nodes if n.node in roots), D(0)) == u.delta


def test_diff_output_is_deterministic(tmp_path: Path) -> None:
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(OLD, encoding="utf-8")
    new.write_text(NEW, encoding="utf-8")
    data = tmp_path / "data.json"
    data.write_text(json.dumps({"units": UNITS}, ensure_ascii=False), encoding="utf-8")
    runs = []
    for _ in range(2):
        out = io.StringIO()
        main(["diff", str(old), str(new), str(data), "--format", "json"], out, io.StringIO())
        runs.append(out.getvalue())
    assert runs[0] == runs[1]


PERIODS = """
scheme: {id: p, title: periods}
periods:
  Q1: {weight: 1}
  Q2: {weight: 1}
indicators:
  r: {type: rate, per_period: true}
tree:
  - {id: avg, standard: 100, expr: "wsum(r)"}
"""


def test_changed_period_weight() -> None:
    """Q1's weight 1 → 3: shares 0.5/0.5 → 0.75/0.25. r = 80, 60: avg 0.5×80 + 0.5×60 = 70
    becomes 0.75×80 + 0.25×60 = 75 (+5); the item shows the weights it read, old → new."""
    old = scheme(PERIODS)
    new = scheme(PERIODS.replace("Q1: {weight: 1}", "Q1: {weight: 3}"))
    changes = diff_schemes(old, new)
    q1 = changes.find("periods", "Q1")
    assert q1 is not None
    assert [(f.field, f.old, f.new) for f in q1.fields] == [
        ("weight", "1", "3"),
        ("share", "0.5", "0.75"),
    ]
    units = {"u": {"r": {"Q1": 80, "Q2": 60}}}
    u = diff_results(
        rulebook.evaluate(old, {"units": units}), rulebook.evaluate(new, {"units": units})
    ).unit("u")
    assert [(n.node, n.old, n.new) for n in u.nodes] == [("avg", D("70.00"), D("75.00"))]
    assert [(i.name, i.period, i.old, i.new) for i in u.nodes[0].inputs] == [
        ("weight", "Q1", "0.5", "0.75"),
        ("weight", "Q2", "0.5", "0.25"),
    ]
