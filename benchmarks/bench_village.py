"""Benchmark: score N synthetic villages with rulebook and with a hand-written Decimal scorer.

    python benchmarks/bench_village.py [N] [--repeat R] [--no-reference]

Prints per-unit CPU time (`time.process_time`, best of R: the machine is shared, and wall time
swings with the load, which is printed too) for each and the ratio rulebook / hand-written, for
scoring alone (data already checked), for the data check alone and for checking + scoring from
plain dicts — issue #10's target row (≤ 1.5×). Also checks that both give the same scores. This
is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import os
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
from rulebook.engine.evaluate import PACK_FROM

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
    """The least CPU time (seconds, this process) of `repeat` calls of `fn`."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def load_average() -> str:
    """The 1-, 5- and 15-minute load averages, for reading the figures beside."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--no-reference", action="store_true", help="skip the (slow) reference engine"
    )
    args = parser.parse_args()
    load_before = load_average()

    start = time.perf_counter()
    scheme = rulebook.load(SCHEME)
    load_ms = (time.perf_counter() - start) * 1000
    raw = synthetic_units(scheme, args.n)
    checked = rulebook.check_data(raw, scheme)
    pairs = [(u.name, u.values) for u in checked.units]

    hand = best_of(args.repeat, lambda: score_decimal(pairs))
    engine = best_of(args.repeat, lambda: rulebook.evaluate(scheme, checked, pack=False))
    shared = best_of(args.repeat, lambda: rulebook.evaluate(scheme, checked, share=True))
    packed = best_of(args.repeat, lambda: rulebook.evaluate(scheme, checked, pack=True))
    check = best_of(args.repeat, lambda: rulebook.check_data(raw, scheme))
    engine_checked = best_of(args.repeat, lambda: rulebook.evaluate(scheme, raw))
    unpacked = (  # where packing is the default, also without it: what checking adds
        best_of(args.repeat, lambda: rulebook.evaluate(scheme, raw, pack=False))
        if args.n >= PACK_FROM
        else None
    )
    reference = (
        None
        if args.no_reference
        else best_of(1, lambda: rulebook.evaluate(scheme, checked, engine="reference"))
    )

    result = rulebook.evaluate(scheme, checked)
    baseline = score_decimal(pairs)
    mismatches = sum(
        1
        for u, b in zip(result, baseline, strict=True)
        if any(u.scores[k] != v for k, v in b["scores"].items())
    )

    peaks = {}
    for how, options in {
        "plain": {"pack": False},
        "shared": {"share": True},
        "packed": {"pack": True},
    }.items():
        tracemalloc.start()
        rulebook.evaluate(scheme, checked, **options)  # type: ignore[arg-type]
        _, peaks[how] = tracemalloc.get_traced_memory()
        tracemalloc.stop()

    per = 1e6 / args.n
    default = "packed" if args.n >= PACK_FROM else "not packed"
    print(
        f"village-fp-1000: {args.n} units, CPU time, best of {args.repeat}; scheme load+compile "
        f"{load_ms:.1f} ms; load average {load_before} (start), {load_average()} (end)"
    )
    print(f"  hand-written Decimal scorer   {hand * per:8.1f} µs/unit")
    print(
        f"  rulebook evaluate (checked)   {engine * per:8.1f} µs/unit   ratio {engine / hand:.2f}×"
    )
    print(
        f"  evaluate, values shared       {shared * per:8.1f} µs/unit   "
        f"ratio {shared / hand:.2f}×  (share=True)"
    )
    print(
        f"  evaluate, result packed       {packed * per:8.1f} µs/unit   "
        f"ratio {packed / hand:.2f}×  (pack=True: the default from {PACK_FROM:,} units)"
    )
    print(f"  check_data alone              {check * per:8.1f} µs/unit   ratio {check / hand:.2f}×")
    print(
        f"  check + evaluate (plain dicts){engine_checked * per:8.1f} µs/unit   "
        f"ratio {engine_checked / hand:.2f}×  (values {default}, the default at this size)"
    )
    if unpacked is not None:
        print(
            f"  ... not packed                {unpacked * per:8.1f} µs/unit   "
            f"ratio {unpacked / hand:.2f}×  (pack=False)"
        )
    if reference is not None:
        print(
            f"  reference engine (simpleeval) {reference * per:8.1f} µs/unit   "
            f"ratio {reference / hand:.2f}×  (for checking the compiler, not for speed)"
        )
    print(f"  peak memory while scoring     {peaks['plain'] / args.n:8.0f} B/unit")
    print(f"  ... with values shared        {peaks['shared'] / args.n:8.0f} B/unit")
    print(f"  ... with the result packed    {peaks['packed'] / args.n:8.0f} B/unit")
    print(f"  units whose scores differ from the hand-written scorer: {mismatches}")
    print(
        f"issue #10 target: evaluate from plain dicts, checking included / hand-written = "
        f"{engine_checked / hand:.2f}× (target ≤ 1.5×)"
    )


if __name__ == "__main__":
    main()
