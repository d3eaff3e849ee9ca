"""Benchmark: packed against plain results (`rulebook.engine.packed`) on N synthetic villages.

    python benchmarks/bench_packed.py [N] [--repeat R]

For the same checked data, in one process, CPU time (`time.process_time`, best of R, runs
alternating): the hand-written exact `Decimal` scorer, `evaluate(pack=False)` and
`evaluate(pack=True)`, each as µs per unit and as a ratio to the hand-written scorer; reading
every unit's slot list back (iterating the result) and one name across units
(`result.column`); and, traced with `tracemalloc` in separate runs, the bytes per unit a
result holds and the peak while scoring. Checks that both give the same values in the same
form. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import rulebook
from rulebook.data.api import check_data

from bench_village import SCHEME, synthetic_units
from village_handwritten import score_decimal


def cpu_best(repeat: int, runs: dict[str, Any]) -> dict[str, float]:
    """Best CPU seconds of each callable over `repeat` rounds, the callables alternating."""
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(repeat):
        for name, fn in runs.items():
            gc.collect()
            start = time.process_time()
            fn()
            best[name] = min(best[name], time.process_time() - start)
    return best


def traced(fn: Any) -> tuple[int, int]:
    """Bytes still held by what `fn` returns, and the peak while it ran."""
    gc.collect()
    tracemalloc.start()
    kept = fn()
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del kept
    return held, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n = args.n
    scheme = rulebook.load(SCHEME)
    raw = synthetic_units(scheme, n)
    data = check_data(raw, scheme)
    units = [(u.name, u.values) for u in data.units]  # the baseline reads checked values
    plain = rulebook.evaluate(scheme, data, pack=False)
    packed = rulebook.evaluate(scheme, data, pack=True)
    for a, b in zip(plain.units, packed.units, strict=True):
        assert [(type(x), str(x)) for x in a.vector] == [(type(x), str(x)) for x in b.vector]
    print(
        f"village-fp-1000: {n:,} units; load average {os.getloadavg()[0]:.1f}; CPU time, "
        f"best of {args.repeat}"
    )
    best = cpu_best(
        args.repeat,
        {
            "hand-written": lambda: score_decimal(units),
            "plain": lambda: rulebook.evaluate(scheme, data, pack=False),
            "packed": lambda: rulebook.evaluate(scheme, data, pack=True),
            "read plain": lambda: [u.vector for u in plain.units],
            "read packed": lambda: [u.vector for u in packed.units],
            "total packed": lambda: packed.column("total"),
        },
    )
    per = 1e6 / n
    hand = best["hand-written"]
    print(f"  hand-written scorer          {hand * per:8.1f} µs/unit")
    for name in ("plain", "packed"):
        print(
            f"  evaluate(pack={name == 'packed'!s:5})         {best[name] * per:8.1f} µs/unit"
            f"   ratio {best[name] / hand:.2f}× hand-written"
        )
    print(
        f"  reading every unit back      plain {best['read plain'] * per:6.1f}, packed "
        f"{best['read packed'] * per:6.1f} µs/unit; one name across units (packed) "
        f"{best['total packed'] * per:5.2f} µs/unit"
    )
    for name in ("plain", "packed"):
        held, peak = traced(
            lambda pack=name == "packed": rulebook.evaluate(scheme, data, pack=pack)
        )
        print(
            f"  memory, {name:6}: the result holds {held / n:6.0f} B/unit; peak while scoring "
            f"{peak / n:6.0f} B/unit"
        )


if __name__ == "__main__":
    main()
