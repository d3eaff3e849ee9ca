"""The columnar engine's result: exact values by unit and name, DataFrames out, and any single
unit's full per-unit result (with its audit) re-derived on demand."""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Any

import numpy as np

from rulebook.arith import CONTEXT, snap
from rulebook.audit.result import Result, UnitResult
from rulebook.engine.columnar.fixed import Flag, Num
from rulebook.engine.columnar.frame import Inputs
from rulebook.engine.columnar.run import Run, slot_value
from rulebook.scheme.model import Scheme


class ColumnarResult:
    """Every unit's scores as columns. `fallbacks` counts the units scored by the per-unit
    Decimal engine (from the stage where a column could not hold them exactly) and
    `fallback_reasons` says why (reason -> units); `not_columnar` names a construct that sent the
    whole scheme to the per-unit engine (None when it ran in columns)."""

    def __init__(self, scheme: Scheme, run: Run, inputs: Inputs) -> None:
        self.scheme, self._run, self._inputs = scheme, run, inputs
        self.units: tuple[str, ...] = tuple(inputs.names)
        self._rows: dict[str, int] | None = None

    @property
    def _row(self) -> dict[str, int]:
        """Unit name -> row, built on first use (scoring millions of units does not need it)."""
        if self._rows is None:
            self._rows = {name: i for i, name in enumerate(self.units)}
        return self._rows

    def __len__(self) -> int:
        return len(self.units)

    @property
    def fallbacks(self) -> int:
        return len(self._run.fallback)

    @property
    def fallback_reasons(self) -> dict[str, int]:
        return self._run.reason_counts()

    @property
    def not_columnar(self) -> str | None:
        return self._run.whole_scheme

    # -- exact values -------------------------------------------------------------------------

    def _slot(self, name: str, period: str | None) -> int:
        """The slot of `name` (at `period`), by the plan; KeyError naming what exists."""
        plan = self.scheme.program.plan
        if period is None and plan.points.get(name):
            raise KeyError(
                f"`{name}` varies by period or group: give period= ({', '.join(plan.points[name])})"
            )
        return int(plan.slot(name, period))

    def value(self, unit: str, name: str, period: str | None = None) -> Any:
        """One exact value: a Decimal (score, value, rank), bool (veto) or str (outcome)."""
        return self._run.value(self._slot(name, period), self._row[unit])

    def column(self, name: str, period: str | None = None) -> Any:
        """One name's values for every unit as a numpy object array of exact Decimals (bools,
        strings): conversion shares one Decimal per distinct value, so it is cheap for scores."""
        slot = self._slot(name, period)
        return self._column(slot)

    def _column(self, slot: int) -> Any:
        run = self._run
        col = run.cols.get(slot)
        n = len(self.units)
        if isinstance(col, Num) and isinstance(col.q, int):
            p = np.broadcast_to(np.asarray(col.p), (n,))
            uniq, inverse = np.unique(p, return_inverse=True)
            places = len(str(col.q)) - 1 if str(col.q).strip("0") == "1" else None
            if places is not None:
                made = [Decimal(int(u)).scaleb(-places) for u in uniq]
            else:
                with localcontext(CONTEXT):
                    made = [Decimal(int(u)) / col.q for u in uniq]
            out = np.empty(len(uniq), dtype=object)
            out[:] = made
            values = out[inverse]
        elif isinstance(col, Flag):
            values = np.broadcast_to(np.asarray(col.v, dtype=bool), (n,)).astype(object)
        elif col is not None and not isinstance(col, Num):
            values = np.broadcast_to(np.asarray(col.v, dtype=object), (n,)).copy()
        else:
            return np.array([run.value(slot, r) for r in range(n)], dtype=object)
        for row, vector in run.fallback.items():
            values[row] = vector[slot]
        return values

    # -- frames -------------------------------------------------------------------------------

    def to_frame(self, kind: str = "units") -> Any:
        """`units`: one row per unit — every score (a per-period node's followed by its period
        scores, `id[M01]`), `total` and output (exact Decimal objects), each rank (int64),
        outcome (str) and veto flag (bool). `long`: one row per unit, name and period for every
        slot (values, per-period intermediates and ranks included)."""
        import pandas as pd

        scheme = self.scheme
        if kind == "units":
            data: dict[str, Any] = {"unit": list(self.units)}
            for name in (*scheme.score_ids, *scheme.output_ids):
                data[name] = self.column(name)
                node = scheme.nodes.get(name)
                if node is not None and node.per is not None:  # `id[M01]`: its period scores
                    for key, slot in self._points(f"{name}.periods"):
                        data[key.replace(".periods[", "[", 1)] = self._column(slot)
            for name in scheme.rankings:
                for key, slot in self._points(name):
                    data[key] = np.array([int(r) for r in self._column(slot)], dtype=np.int64)
            for name in scheme.outcomes:
                for key, slot in self._points(name):
                    data[key] = self._column(slot)
            for name in scheme.vetoes:
                data[f"veto:{name}"] = self._column(scheme.program.plan.slots[name]).astype(bool)
            return pd.DataFrame(data)
        if kind == "long":
            frames = []
            program = scheme.program
            for name in program.plan.order:
                if name in scheme.indicators or name not in program.plan.slots:
                    continue
                ids = scheme.axis_ids(scheme.axis_of(name)) or (None,)
                for i, period in enumerate(ids):
                    frames.append(
                        pd.DataFrame(
                            {
                                "unit": list(self.units),
                                "name": name,
                                "period": period,
                                "value": self._column(program.plan.slots[name] + i),
                            }
                        )
                    )
            return pd.concat(frames, ignore_index=True)
        raise ValueError(f"kind must be 'units' or 'long', not {kind!r}")

    def _points(self, name: str) -> list[tuple[str, int]]:
        scheme = self.scheme
        slot = scheme.program.plan.slots[name]
        ids = scheme.axis_ids(scheme.axis_of(name))
        if not ids:
            return [(name, slot)]
        return [(f"{name}[{p}]", slot + i) for i, p in enumerate(ids)]

    # -- per-unit -----------------------------------------------------------------------------

    def vector(self, unit: str) -> list[Any]:
        """The unit's slot list exactly as the per-unit engine lays it out."""
        row = self._row[unit]
        vector = self._run.fallback.get(row)
        return list(vector) if vector is not None else self._run.vector_from_columns(row)

    def unit(self, unit: str) -> UnitResult:
        """The unit's result re-derived by the per-unit Decimal engine from its inputs and the
        cross-unit ranks; raises if it differs from the columnar values at any slot (which
        would be a bug). The returned UnitResult gives the full audit."""
        scheme, program = self.scheme, self.scheme.program
        row = self._row[unit]
        vector: list[Any] = [None] * program.size
        for slot in self._inputs.cols:
            vector[slot] = (
                self._inputs.exact.get((slot, row))
                if (slot, row) in self._inputs.exact
                else slot_value(self._inputs.cols[slot], row)
            )
        with localcontext(CONTEXT):
            for stage, function in enumerate(program.stages):
                for across in (
                    *program.plan.stages[stage].rankings,
                    *program.plan.stages[stage].aggregates,
                ):
                    start = program.plan.slots[across]
                    for i in range(scheme.axis_size(scheme.axis_of(across))):
                        vector[start + i] = self._run.value(start + i, row)
                function(vector)
        mine = self.vector(unit)
        for slot, (a, b) in enumerate(zip(vector, mine, strict=True)):
            if not same(a, b):
                raise RuntimeError(
                    f"columnar and per-unit results differ for unit `{unit}` "
                    f"at slot {slot}: {b!r} vs {a!r}"
                )
        return UnitResult(unit, vector, scheme)

    def to_result(self) -> Result:
        """All units as a per-unit `Result` (for renderers and comparisons; slow for millions)."""
        return Result(
            self.scheme, tuple(UnitResult(u, self.vector(u), self.scheme) for u in self.units)
        )


def same(a: Any, b: Any) -> bool:
    """Equal as the per-unit engine shows values: Decimals after the 20-place snap."""
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        return snap(a) == snap(b)
    return bool(a == b) and type(a) is type(b)
