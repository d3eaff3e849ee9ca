"""The public API: `__all__` is the single list of public names, and it is importable."""

from __future__ import annotations

import rulebook


def test_all_lists_exactly_the_public_names() -> None:
    public = {
        name
        for name in vars(rulebook)
        if not name.startswith("_")
        and not isinstance(getattr(rulebook, name), type(rulebook))
        and name != "annotations"
    }  # the `from __future__` feature flag
    assert set(rulebook.__all__) - {"__version__"} == public


def test_errors_share_one_root_and_fitting_builtins() -> None:
    assert issubclass(rulebook.SchemeError, rulebook.RulebookError)
    assert issubclass(rulebook.SchemeError, ValueError)
    assert issubclass(rulebook.DataError, ValueError)
    assert issubclass(rulebook.EvaluationError, ArithmeticError)


def test_result_api(village_result: rulebook.Result) -> None:
    assert len(village_result) == 6
    names = [u.unit for u in village_result]
    assert village_result.unit(names[0]).unit == names[0]
    unit = village_result.unit("北岗村")
    assert next(iter(unit.scores)) == "committee" and list(unit.scores)[-1] == "total"
    assert unit.scores["total"] == unit.total
    assert "quarter_task_score" in unit.values
