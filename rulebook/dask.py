"""`rulebook.dask.evaluate(scheme, ddf)`: the columnar engine over a Dask DataFrame.

Per-unit stages run in each partition (`map_partitions`, `rulebook.engine.columnar`). A ranking
needs every unit's basis: for each ranking (in the program's stage order) one pass computes the
partitions' exact sort keys (`Run.exact_keys`: int64 groups equal to the snapped value), a Dask
reduction counts the distinct keys, and the small sorted table of (key → competition and dense
rank) is handed to the next pass, which looks each unit's rank up in it. The last pass returns a
Dask DataFrame with `ColumnarResult.to_frame()` per partition: identical to single-process
evaluation (the tests hold it to that). Needs the `dask` extra.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from rulebook.engine.columnar import inputs_of
from rulebook.engine.columnar.fixed import Flag, Num
from rulebook.engine.columnar.result import ColumnarResult
from rulebook.engine.columnar.run import Run
from rulebook.scheme.model import Ranking, Scheme

KEY_COLUMNS = ["flag", "whole", "g1", "g2", "last"]

Tables = dict[tuple[str, int], pd.DataFrame]


def evaluate(scheme: Scheme, ddf: Any) -> Any:
    """Score every row (unit) of the Dask DataFrame `ddf` (columns as for
    `rulebook.columnar.evaluate`); returns a Dask DataFrame, one row per unit, exact Decimals.

    A scheme with cross-unit aggregates (`aggregates:`) is refused with ValueError: its group
    values need every partition's units at once; score it with `rulebook.columnar.evaluate`."""
    if scheme.aggregates:
        raise ValueError(
            f"scheme `{scheme.id}` has cross-unit aggregates "
            f"({', '.join(f'`{a}`' for a in scheme.aggregates)}), which the Dask path does not "
            "compute across partitions; score it with rulebook.columnar.evaluate (one process) "
            "or rulebook.evaluate"
        )
    from dask.delayed import delayed

    program = scheme.program
    tables: Any = delayed({})  # the rank tables stay on the workers, never on the client
    for stage, plan_stage in enumerate(program.plan.stages):
        rankings = tuple(scheme.rankings[r] for r in plan_stage.rankings)
        if not rankings:
            continue
        # one pass per stage: every ranking (and period) of the stage keyed by `which`
        keys = ddf.map_partitions(
            _partition_keys,
            scheme,
            stage,
            tables,
            meta=pd.DataFrame({c: pd.Series(dtype="int64") for c in ["which", *KEY_COLUMNS]}),
        )
        counts = keys.groupby(["which", *KEY_COLUMNS]).size().to_frame("n").reset_index()
        whole = counts.repartition(npartitions=1).to_delayed()[0]
        tables = delayed(_add_tables)(tables, whole, _points(scheme, rankings))
    return ddf.map_partitions(_partition_frame, scheme, tables, meta=_meta(scheme))


def _add_tables(tables: Tables, counts: pd.DataFrame, points: list[tuple[str, int]]) -> Tables:
    """`tables` plus one rank table per (ranking, period) of a stage, from the key counts."""
    out = dict(tables)
    for which, point in enumerate(points):
        mine = counts[counts["which"] == which].drop(columns="which")
        out[point] = rank_table(mine.set_index(KEY_COLUMNS)["n"])
    return out


def _points(scheme: Scheme, rankings: tuple[Ranking, ...]) -> list[tuple[str, int]]:
    return [
        (r.name, offset)
        for r in rankings
        for offset in range(scheme.axis_size(scheme.axis_of(r.name)))
    ]


def rank_table(counts: pd.Series) -> pd.DataFrame:
    """Distinct keys (ascending = best first) with their competition and dense ranks."""
    table = counts.rename("n").reset_index().sort_values(KEY_COLUMNS, kind="stable")
    n = table["n"].to_numpy()
    table["competition"] = np.concatenate(([0], np.cumsum(n)[:-1])).astype(np.int64) + 1
    table["dense"] = np.arange(1, len(table) + 1, dtype=np.int64)
    return table.drop(columns="n").reset_index(drop=True)


def _hook(tables: Tables) -> Any:
    def rank_of(ranking: Ranking, offset: int, keys: list[Any]) -> Any:
        table = tables[(ranking.name, offset)]
        mine = pd.DataFrame(dict(zip(KEY_COLUMNS, keys, strict=True)))
        joined = mine.merge(table, how="left", on=KEY_COLUMNS, sort=False)
        method = "dense" if ranking.method == "dense" else "competition"
        return joined[method].to_numpy(dtype=np.int64)

    return rank_of


def _partition_keys(
    frame: pd.DataFrame, scheme: Scheme, stage: int, tables: Tables
) -> pd.DataFrame:
    columns = ["which", *KEY_COLUMNS]
    if len(frame) == 0:
        return pd.DataFrame({c: pd.Series(dtype="int64") for c in columns})
    inputs = inputs_of(scheme, frame)
    run = Run(
        scheme,
        inputs.names,
        inputs.cols,
        rank_hook=_hook(tables),
        stop_before=stage,
        exact=inputs.exact,
    ).run()
    slots = scheme.program.plan.slots
    parts = []
    rankings = tuple(scheme.rankings[r] for r in scheme.program.plan.stages[stage].rankings)
    for which, (name, offset) in enumerate(_points(scheme, rankings)):
        ranking = scheme.rankings[name]
        basis_slot = slots[ranking.basis] + offset
        column = run.cols[basis_slot]
        assert isinstance(column, Num)
        basis = run.arith.reduced(column)
        demoted = None
        if ranking.demote:
            flag = run.cols[slots[ranking.demote] + offset]
            assert isinstance(flag, Flag)
            demoted = np.array(np.broadcast_to(np.asarray(flag.v), (run.n,)), dtype=bool)
            for row, vector in run.fallback.items():
                demoted[row] = vector[slots[ranking.demote] + offset] is True
        keys = run.exact_keys(basis, basis_slot, ranking.order, demoted)
        part = pd.DataFrame(dict(zip(KEY_COLUMNS, keys, strict=True)))
        part.insert(0, "which", np.int64(which))
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _partition_frame(frame: pd.DataFrame, scheme: Scheme, tables: Tables) -> pd.DataFrame:
    if len(frame) == 0:
        return _meta(scheme)
    inputs = inputs_of(scheme, frame)
    run = Run(scheme, inputs.names, inputs.cols, rank_hook=_hook(tables), exact=inputs.exact).run()
    frame_out: pd.DataFrame = ColumnarResult(scheme, run, inputs).to_frame()
    return frame_out


def _columns(scheme: Scheme) -> list[tuple[str, str]]:
    """The result frame's columns with their kind: decimal, rank, outcome or veto."""
    columns = [("unit", "outcome")]
    columns.extend((n, "decimal") for n in (*scheme.score_ids, *scheme.output_ids))
    for kind, group in (("rank", scheme.rankings), ("outcome", scheme.outcomes)):
        for name in group:
            ids = scheme.axis_ids(scheme.axis_of(name))
            columns.extend((c, kind) for c in ([f"{name}[{p}]" for p in ids] if ids else [name]))
    columns.extend((f"veto:{v}", "veto") for v in scheme.vetoes)
    return columns


_DTYPES = {"decimal": object, "rank": "int64", "outcome": object, "veto": bool}


def _meta(scheme: Scheme) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=_DTYPES[k]) for c, k in _columns(scheme)})


def arrow_schema(scheme: Scheme) -> Any:
    """The pyarrow schema of the result frame, for `to_parquet(..., schema=...)`: scores and
    outputs as exact decimals (decimal256, the scheme's places; values reach at most 10^40),
    ranks int64, outcomes strings, vetoes bools. Needs pyarrow."""
    import pyarrow as pa

    places = scheme.rounding.places
    types = {
        "decimal": pa.decimal256(76, places),
        "rank": pa.int64(),
        "outcome": pa.string(),
        "veto": pa.bool_(),
    }
    return pa.schema([(c, types[k]) for c, k in _columns(scheme)])
