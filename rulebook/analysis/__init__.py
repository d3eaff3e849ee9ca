"""Why scores changed and what would change them (docs/analysis.md).

    diff_schemes(old, new)                 what changed in the scheme itself
    diff_results(old_result, new_result)   per unit: total, rank, outcome, node by node
    what_if(scheme, data, unit, {"meetings_missed": "0", "checkup_rate.Q2": "75"})
    what_it_takes(scheme, data, unit, parse_goal(scheme, "total=900"))
    restore(result, unit)                  the single change that restores each lost item

Every answer has `to_dict()` (plain data, decimals as strings) and `render()` (text).
"""

from __future__ import annotations

from rulebook.analysis.goals import (
    Goal,
    GoalError,
    GoalReport,
    Suggestion,
    parse_goal,
    what_it_takes,
)
from rulebook.analysis.restore import Restore, restore
from rulebook.analysis.result_diff import ResultDiff, UnitDiff, diff_results
from rulebook.analysis.scheme_diff import SchemeDiff, diff_schemes
from rulebook.analysis.whatif import WhatIf, what_if

__all__ = [
    "Goal",
    "GoalError",
    "GoalReport",
    "Restore",
    "ResultDiff",
    "SchemeDiff",
    "Suggestion",
    "UnitDiff",
    "WhatIf",
    "diff_results",
    "diff_schemes",
    "parse_goal",
    "restore",
    "what_if",
    "what_it_takes",
]
