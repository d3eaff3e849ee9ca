"""The columnar exact engine: a checked scheme evaluated over numpy int64 columns for all units
at once, exact (rationals of int64), with any unit a column cannot hold scored by the per-unit
Decimal engine instead — counted in `ColumnarResult.fallbacks`, never approximated."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rulebook.data.api import check_data
from rulebook.data.dataset import DataSet
from rulebook.engine.columnar.frame import Inputs, from_columns, from_dataset
from rulebook.engine.columnar.result import ColumnarResult
from rulebook.engine.columnar.run import RankHook, Run
from rulebook.scheme.model import Scheme


def inputs_of(scheme: Scheme, data: Any) -> Inputs:
    """Input columns from a DataFrame, a dict of columns, checked data or `{"units": ...}`."""
    if isinstance(data, DataSet):
        return from_dataset(scheme, data)
    if isinstance(data, Mapping) and "units" in data:
        return from_dataset(scheme, check_data(data, scheme))
    return from_columns(scheme, data)


def evaluate(scheme: Scheme, data: Any, *, rank_hook: RankHook | None = None) -> ColumnarResult:
    """Score every unit of `data` over columns; same values as `rulebook.evaluate`."""
    inputs = inputs_of(scheme, data)
    run = Run(scheme, inputs.names, inputs.cols, rank_hook=rank_hook, exact=inputs.exact).run()
    return ColumnarResult(scheme, run, inputs)


__all__ = ["ColumnarResult", "evaluate", "inputs_of"]
