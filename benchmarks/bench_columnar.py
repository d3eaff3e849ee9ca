"""Benchmark: the columnar exact engine against a hand-written numpy float scorer, its agreement
with the per-unit Decimal engine, and Dask on a local cluster.

    python benchmarks/bench_columnar.py [N] [--check M] [--schemes K] [--dask D] [--workers W]

Prints, in one run (never asserted; a measurement, not a test):
* village-fp-1000 on N ready columns (default 1,000,000): columnar exact vs the float scorer
  (target ≤ 3×), the input conversion, and from a pandas DataFrame including conversion (≤ 5×);
  how many villages the float scorer gets wrong at the cent;
* units differing at any slot from the per-unit engine on M villages (default 100,000) and on K
  generated units of every shipped scheme (default 20,000), with the fallback counts;
* with --dask D: D villages generated and scored on a LocalCluster (W worker processes), time,
  per-worker peak memory, and the overhead over single-process columnar on the same data.
"""

from __future__ import annotations

import argparse
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import attrs
import numpy as np
import pandas as pd
from village_numpy import score_float

import rulebook
from rulebook import columnar
from rulebook.engine.codegen import compile_program
from rulebook.engine.columnar import inputs_of
from rulebook.engine.columnar.result import ColumnarResult
from rulebook.engine.columnar.run import Run
from rulebook.testing.properties import unconstrained

SCHEMES = HERE.parent / "schemes"
VILLAGE = SCHEMES / "village-fp-1000.yaml"


def generate(scheme: rulebook.Scheme, n: int, seed: int = 1, start: int = 0) -> dict[str, Any]:
    """N units with every indicator drawn inside its declared domain (rates with three
    decimals, like benchmarks/bench_village.py), as numpy columns."""
    rng = np.random.default_rng(seed)
    cols: dict[str, Any] = {
        "unit": np.array([f"u{i:08d}" for i in range(start, start + n)], dtype=object)
    }
    for name, ind in scheme.indicators.items():
        keys = [f"{name}[{p.id}]" for p in scheme.periods] if ind.per_period else [name]
        for key in keys:
            low = int(ind.min) if ind.min is not None else 0
            if ind.type == "bool":
                cols[key] = rng.random(n) < 0.8
            elif ind.type == "enum":
                cols[key] = np.array(ind.values, dtype=object)[rng.integers(0, len(ind.values), n)]
            elif ind.type == "count":
                high = int(ind.max) if ind.max is not None else low + 12
                cols[key] = rng.integers(low, min(high, low + 12) + 1, n)
            elif ind.type == "rate":
                cols[key] = rng.integers(40000, 100001, n) / 1000
            else:
                high = int(ind.max) if ind.max is not None else low + 8
                cols[key] = rng.integers(low * 1000, high * 1000 + 1, n) / 1000
    return cols


def without_constraints(scheme: rulebook.Scheme) -> rulebook.Scheme:
    """The scheme without its data constraints (recompiled), so independently drawn values are
    valid data — as `rulebook.testing.properties.unconstrained` does for property checks."""
    bare = unconstrained(scheme)
    return attrs.evolve(bare, program=compile_program(bare))


def as_units(scheme: rulebook.Scheme, cols: dict[str, Any], n: int) -> dict[str, Any]:
    """The first n rows as `{"units": ...}` data, floats taken from their shortest repr."""

    def cell(key: str, row: int) -> Any:
        v = cols[key][row]
        if isinstance(v, np.floating):
            return Decimal(repr(float(v)))
        if isinstance(v, np.integer):
            return int(v)
        if isinstance(v, np.bool_):
            return bool(v)
        return v

    units: dict[str, Any] = {}
    for row in range(n):
        values: dict[str, Any] = {}
        for name, ind in scheme.indicators.items():
            if ind.per_period:
                values[name] = {p.id: cell(f"{name}[{p.id}]", row) for p in scheme.periods}
            else:
                values[name] = cell(name, row)
        units[str(cols["unit"][row])] = values
    return {"units": units}


def differing(scheme: rulebook.Scheme, cols: dict[str, Any], n: int) -> tuple[int, Any]:
    """Units differing at any slot between the per-unit engine and columnar, on n rows."""
    from rulebook.arith import snap

    sub = {k: v[:n] for k, v in cols.items()}
    expected = rulebook.evaluate(scheme, as_units(scheme, sub, len(sub["unit"])))
    got = columnar.evaluate(scheme, sub)
    bad = np.zeros(len(sub["unit"]), dtype=bool)
    for slot in range(scheme.program.size):
        mine = got._column(slot)  # noqa: SLF001 - every slot, not only the named ones
        for row, unit in enumerate(expected.units):
            a, b = unit.vector[slot], mine[row]
            if (a != b or type(a) is not type(b)) and not (
                isinstance(a, Decimal) and isinstance(b, Decimal) and snap(a) == snap(b)
            ):
                bad[row] = True
    return int(bad.sum()), got


def timed(fn: Any, repeat: int = 1) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def village(args: argparse.Namespace) -> None:
    scheme = rulebook.load(VILLAGE)
    cols = generate(scheme, args.n)
    t_float, floats = timed(lambda: score_float(cols), args.repeat)
    t_conv, inputs = timed(lambda: inputs_of(scheme, cols), args.repeat)
    t_run, run = timed(
        lambda: Run(scheme, inputs.names, inputs.cols, exact=inputs.exact).run(), args.repeat
    )
    fallbacks, reasons = len(run.fallback), run.reason_counts()
    run = inputs = None  # measure the DataFrame path without the ready run's columns in memory
    frame = pd.DataFrame(cols)
    t_frame, result = timed(lambda: columnar.evaluate(scheme, frame), args.repeat)
    t_out, _ = timed(result.to_frame, 1)
    exact_total = result.column("total")
    float_total = floats["total"]
    wrong = sum(
        1
        for a, b in zip(exact_total, float_total, strict=True)
        if Decimal(repr(round(float(b), 2))) != a
    )
    n = args.n
    print(f"village-fp-1000, {n:,} villages (rates with three decimals)")
    print(f"  numpy float scorer (hand-written)    {t_float * 1e6 / n:7.2f} µs/unit")
    print(
        f"  columnar exact, ready columns        {t_run * 1e6 / n:7.2f} µs/unit   "
        f"ratio {t_run / t_float:.2f}×  (target ≤ 3×)"
    )
    print(f"  input conversion (numpy columns)     {t_conv * 1e6 / n:7.2f} µs/unit")
    print(
        f"  columnar from a DataFrame (incl.     {t_frame * 1e6 / n:7.2f} µs/unit   "
        f"ratio {t_frame / t_float:.2f}×  (target ≤ 5×)"
    )
    print("    conversion)")
    print(f"  result.to_frame() (exact Decimals)   {t_out * 1e6 / n:7.2f} µs/unit")
    print(f"  fallbacks: {fallbacks} {reasons or ''}")
    print(f"  villages whose float total is wrong at the cent: {wrong:,} ({100 * wrong / n:.1f}%)")


def agreement(args: argparse.Namespace) -> None:
    scheme = rulebook.load(VILLAGE)
    cols = generate(scheme, args.check, seed=2)
    diff, got = differing(scheme, cols, args.check)
    print(
        f"per-unit Decimal engine vs columnar, village-fp-1000, {args.check:,} villages: "
        f"{diff} units differ at any slot; fallbacks {got.fallbacks} "
        f"{got.fallback_reasons or ''}"
    )
    for path in sorted(SCHEMES.glob("*.yaml")):
        if path.stem.endswith(".tests"):
            continue
        scheme = without_constraints(rulebook.load(path))
        cols = generate(scheme, args.schemes, seed=3)
        n = len(cols["unit"])
        diff, got = differing(scheme, cols, n)
        print(
            f"  {path.stem:20s} {n:7,} units: {diff} differ; fallbacks {got.fallbacks} "
            f"{got.fallback_reasons or ''}"
        )


def _partition(i: int, rows: int) -> pd.DataFrame:
    scheme = rulebook.load(VILLAGE)
    return pd.DataFrame(generate(scheme, rows, seed=100 + i, start=i * rows))


def dask_run(args: argparse.Namespace) -> None:
    import dask.dataframe as dd
    import distributed

    import rulebook.dask

    scheme = rulebook.load(VILLAGE)
    parts = max(args.workers, args.dask // args.rows)
    rows = args.dask // parts
    cluster = distributed.LocalCluster(
        n_workers=args.workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        memory_limit=args.memory,
    )
    with distributed.Client(cluster) as client:
        ddf = dd.from_map(_partition, range(parts), rows=rows)
        start = time.perf_counter()
        out = rulebook.dask.evaluate(scheme, ddf)
        count = int(out.map_partitions(len).compute().sum())
        t_dask = time.perf_counter() - start
        peaks = client.run(_peak_memory)
    cluster.close()
    one = _partition(0, rows)
    t_one, _ = timed(lambda: ColumnarResult.to_frame(columnar.evaluate(scheme, one)), 1)
    single = t_one * parts
    print(
        f"Dask LocalCluster, {args.workers} worker processes × 1 thread, {parts} partitions "
        f"of {rows:,}: {count:,} villages in {t_dask:.1f} s ({t_dask * 1e6 / count:.2f} µs/unit)"
    )
    print("  per-worker peak memory: " + ", ".join(f"{v / 2**20:.0f} MiB" for v in peaks.values()))
    print(
        f"  single-process columnar (one partition × {parts}, incl. to_frame): {single:.1f} s;"
        f" Dask / single = {t_dask / single:.2f}× (on a 2-core machine shared with others)"
    )


def _peak_memory() -> int:
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--check", type=int, default=100_000)
    parser.add_argument("--schemes", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--dask", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rows", type=int, default=250_000, help="rows per Dask partition")
    parser.add_argument("--memory", default="4GiB", help="memory limit per Dask worker")
    args = parser.parse_args()
    if args.n:
        village(args)
    if args.check:
        agreement(args)
    if args.dask:
        dask_run(args)


if __name__ == "__main__":
    main()
