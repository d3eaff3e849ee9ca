"""One mistake, one message: an error does not bring follow-on errors or warnings about the
names it concerns, and messages say what the author wrote, never an internal name
(`svc.ind.applies`, `avg.count`)."""

from __future__ import annotations

from pathlib import Path

import rulebook
from rulebook.api import check
from rulebook.audit.bounds import analyze

POOL = """\
scheme: {id: pool, title: pool}
indicators:
  jd: {type: enum, values: [A, B]}
  kind: {type: enum, values: [v, r]}
  aware: {type: count}
  surveyed: {type: count, min: 1}
  births: {type: count}
  tasks: {type: count}
aggregates:
  jd_aware: {sum: aware, by: jd}
  jd_surv: {sum: surveyed, by: jd}
  all_aware: {sum: aware}
  many: {count: "births > 3"}
group_values:
  jd_rate: "100 * jd_aware / jd_surv"
  all_rate: "100 * all_aware / many"
tree:
  - id: svc
    standard: 30
    not_applicable: rescale
    children:
      - {id: sex, standard: 10, expr: "min(10, surveyed)"}
      - {id: ind, standard: 20, applies: "kind == 'v'", expr: "min(20, tasks)"}
"""


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return [f"{p.severity}: {p.message}" for p in check(path)]


def test_the_unchanged_scheme_has_no_problem(tmp_path: Path) -> None:
    assert _problems(tmp_path, POOL) == []


def test_an_undeclared_by_is_one_error_not_also_mixed_groupings(tmp_path: Path) -> None:
    got = _problems(tmp_path, POOL.replace("{sum: aware, by: jd}", "{sum: aware, by: jdd}"))
    assert got == ["error: aggregate `jd_aware`: `by: jdd` is not declared"]


def test_two_functions_in_one_aggregate_is_one_error_not_also_unknown_name(
    tmp_path: Path,
) -> None:
    got = _problems(
        tmp_path, POOL.replace("all_aware: {sum: aware}", "all_aware: {sum: aware, max: aware}")
    )
    assert got == [
        "error: aggregate `all_aware` needs exactly one of sum, mean, min, max, count "
        "(got `sum` and `max`)"
    ]


def test_a_formula_with_an_error_brings_no_unused_warning_for_what_it_reads(
    tmp_path: Path,
) -> None:
    """`tasks` is read only by the broken item: no warning; a new `spare` indicator read by
    nothing is still warned of."""
    text = POOL.replace('expr: "min(20, tasks)"', 'expr: "min(20, tasks +* 2)"').replace(
        "  births: {type: count}\n", "  births: {type: count}\n  spare: {type: count}\n"
    )
    got = _problems(tmp_path, text)
    assert got == [
        "warning: indicator `spare` is not used by any formula",
        "error: syntax error: invalid syntax",
    ]


def test_messages_name_the_applies_and_count_conditions_as_written(tmp_path: Path) -> None:
    """With `births` n/a allowed, the count condition `births > 3` may read n/a: a unit where
    it is n/a is not counted (the aggregates' n/a rule), so the scheme has no problem."""
    text = POOL.replace("births: {type: count}", "births: {type: count, na: allowed}")
    assert _problems(tmp_path, text) == []
    scheme = rulebook.loads(POOL)
    bounds = {b.name: b for b in analyze(scheme)}
    assert bounds["svc.ind"].flags == ("may be n/a (its `applies:` condition)",)
    assert bounds["svc.ind.applies"].label == "the `applies:` condition of `svc.ind`"
    assert bounds["many.count"].label == "the `count:` condition of aggregate `many`"


def test_an_n_a_rule_error_shows_its_source_line_and_caret(tmp_path: Path) -> None:
    """Without `not_applicable:` on svc, its child ind (with `applies:`) may be n/a: the error
    is at svc's entry, line 18 (`  - id: svc`), column 5 (the `id` key), shown with a caret."""
    path = tmp_path / "s.yaml"
    path.write_text(POOL.replace("    not_applicable: rescale\n", ""), encoding="utf-8")
    (problem,) = check(path)
    assert problem.render().startswith(
        f"{path}:18:5: error: group `svc`: child `svc.ind` may be not applicable (its "
        "`applies:` condition), but the group does not say what to do then\n"
        "      - id: svc\n"
        "        ^\n"
    )
