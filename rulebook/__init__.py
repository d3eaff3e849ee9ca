"""rulebook: assessment schemes as reviewed YAML, scored exactly and explainably.

scheme = rulebook.load("schemes/village-fp-1000.yaml")
data = rulebook.read_data("schemes/examples/village-fp-1000.data.yaml", scheme)
result = rulebook.evaluate(scheme, data)
result.unit("village_a").scores["committee.meetings"]
"""

from __future__ import annotations

from rulebook.api import check, load, loads, with_parameters
from rulebook.audit.result import Result, UnitResult
from rulebook.audit.trail import Branch, Input, NodeAudit, PointsLost, RankRead
from rulebook.data.api import check_data, parse_data, read_data
from rulebook.data.dataset import DataSet, UnitData
from rulebook.engine.evaluate import evaluate
from rulebook.engine.semantics import NA, Clip
from rulebook.errors import (
    DataError,
    EvaluationError,
    Location,
    ParameterError,
    Problem,
    RulebookError,
    SchemeError,
)
from rulebook.scheme.model import Scheme
from rulebook.version import __version__

__all__ = [
    "NA",
    "Branch",
    "Clip",
    "DataError",
    "DataSet",
    "EvaluationError",
    "Input",
    "Location",
    "NodeAudit",
    "ParameterError",
    "PointsLost",
    "Problem",
    "RankRead",
    "Result",
    "RulebookError",
    "Scheme",
    "SchemeError",
    "UnitData",
    "UnitResult",
    "__version__",
    "check",
    "check_data",
    "evaluate",
    "load",
    "loads",
    "parse_data",
    "read_data",
    "with_parameters",
]
