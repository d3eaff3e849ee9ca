"""Benchmark: score N synthetic villages with rulebook and with a hand-written Decimal scorer.

    python benchmarks/bench_village.py [N] [--repeat R]

Prints per-unit time for each and the ratio rulebook / hand-written (target ≤ 1.5), for
scoring alone (data already checked) and for checking + scoring. Also checks that both give the
same scores. This is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import tracemalloc
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import rulebook

from village_handwritten import score_decimal

SCHEME = HERE.parent / "schemes" / "village-fp-1000.yaml"


def synthetic_units(scheme: rulebook.Scheme, n: int, seed: int = 1) -> dict[str, Any]:
    """N villages with every indicator drawn inside its domain (seeded: same data every run)."""
    return {"units": dict(synthetic_stream(scheme, n, seed))}


def synthetic_stream(
    scheme: rulebook.Scheme, n: int, seed: int = 1
) -> Iterator[tuple[str, dict[str, Any]]]:
    """`synthetic_units` one (name, values) pair at a time, so a million units can be written
    to a file without holding them all."""
    rng = random.Random(seed)
    periods = [p.id for p in scheme.periods]

    def one(ind: rulebook.scheme.model.Indicator) -> Any:
        if ind.type == "bool":
            return rng.random() < 0.8
        if ind.type == "enum":
            return rng.choice(ind.values)
        if ind.type == "count":
            high = int(ind.max) if ind.max is not None else 12
            return rng.randint(0, min(high, 12))
        if ind.type == "rate":
            return Decimal(rng.randint(40000, 100000)).scaleb(-3)
        high = int(ind.max) if ind.max is not None else 8
        return Decimal(rng.randint(0, high * 1000)).scaleb(-3)

    for i in range(n):
        yield (
            f"村{i:05d}",
            {
                name: ({p: one(ind) for p in periods} if ind.per_period else one(ind))
                for name, ind in scheme.indicators.items()
            },
        )


def best_of(repeat: int, fn: Any) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    start = time.perf_counter()
    scheme = rulebook.load(SCHEME)
    load_ms = (time.perf_counter() - start) * 1000
    raw = synthetic_units(scheme, args.n)
    checked = rulebook.check_data(raw, scheme)
    pairs = [(u.name, u.values) for u in checked.units]

    hand = best_of(args.repeat, lambda: score_decimal(pairs))
    engine = best_of(args.repeat, lambda: rulebook.evaluate(scheme, checked))
    engine_checked = best_of(args.repeat, lambda: rulebook.evaluate(scheme, raw))
    shared = best_of(args.repeat, lambda: rulebook.evaluate(scheme, checked, share=True))
    reference = best_of(1, lambda: rulebook.evaluate(scheme, checked, engine="reference"))

    result = rulebook.evaluate(scheme, checked)
    baseline = score_decimal(pairs)
    mismatches = sum(
        1
        for u, b in zip(result, baseline, strict=True)
        if any(u.scores[k] != v for k, v in b["scores"].items())
    )

    tracemalloc.start()
    rulebook.evaluate(scheme, checked, share=False)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    tracemalloc.start()
    rulebook.evaluate(scheme, checked, share=True)
    _, peak_shared = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    per = 1e6 / args.n
    print(
        f"village-fp-1000: {args.n} units, best of {args.repeat}; scheme load+compile "
        f"{load_ms:.1f} ms"
    )
    print(f"  hand-written Decimal scorer   {hand * per:8.1f} µs/unit")
    print(
        f"  rulebook evaluate (checked)   {engine * per:8.1f} µs/unit   "
        f"ratio {engine / hand:.2f}×  (target ≤ 1.5×)"
    )
    print(
        f"  evaluate, values shared       {shared * per:8.1f} µs/unit   "
        f"ratio {shared / hand:.2f}×  (share=True: the default from 50,000 units)"
    )
    print(
        f"  rulebook check + evaluate     {engine_checked * per:8.1f} µs/unit   "
        f"ratio {engine_checked / hand:.2f}×"
    )
    print(
        f"  reference engine (simpleeval) {reference * per:8.1f} µs/unit   "
        f"ratio {reference / hand:.2f}×  (for checking the compiler, not for speed)"
    )
    print(f"  peak memory while scoring     {peak / args.n:8.0f} B/unit")
    print(f"  ... with values shared        {peak_shared / args.n:8.0f} B/unit")
    print(f"  units whose scores differ from the hand-written scorer: {mismatches}")


if __name__ == "__main__":
    main()
