"""Benchmark: what cross-unit aggregates cost. N synthetic units in 20 streets, scored by a scheme
with one item, and by the same scheme plus five aggregates (sums by street and over all, a max of
the total, a mean) and two group values read back by an output (the pooled-rate recipe).

    python benchmarks/bench_aggregates.py [N ...]

Prints, per N and engine (compiled per-unit, columnar): seconds without and with the aggregates,
and the ratio. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import rulebook
from rulebook import columnar

STREETS = [f"s{k:02d}" for k in range(20)]

HEAD = f"""
scheme: {{id: pooled, title: pooled}}
indicators:
  street: {{type: enum, values: [{", ".join(STREETS)}]}}
  aware: {{type: count, min: 0}}
  surveyed: {{type: count, min: 1}}
parameters:
  target: 75
"""

TREE = """
tree:
  - {id: awareness, expr: "10 * min(1, 100 * aware / surveyed / target)"}
"""

BASE = HEAD + TREE

WITH = (
    HEAD
    + """
aggregates:
  street_aware: {sum: aware, by: street}
  street_surveyed: {sum: surveyed, by: street}
  district_aware: {sum: aware}
  district_surveyed: {sum: surveyed}
  best_total: {max: total}
group_values:
  street_rate: "100 * street_aware / street_surveyed"
  district_met: "100 * district_aware / district_surveyed >= target"
"""
    + TREE
    + """  - {id: relative, role: output, expr: "ratio(100 * total, best_total, 0)"}
  - {id: bonus, role: bonus, expr: "1 if district_met and street_rate >= target else 0"}
"""
)


def units(n: int) -> dict[str, Any]:
    """Deterministic data: unit k in street k mod 20, aware k mod 97 of 100 surveyed."""
    return {
        "units": {
            f"u{k}": {"street": STREETS[k % 20], "aware": k % 97, "surveyed": 100} for k in range(n)
        }
    }


def timed(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="*", type=int, default=[10_000, 100_000])
    args = parser.parse_args(argv)
    base, with_aggregates = rulebook.loads(BASE, "base.yaml"), rulebook.loads(WITH, "with.yaml")
    for n in args.n:
        raw = units(n)
        for engine, run in (
            ("compiled", rulebook.evaluate),
            ("columnar", columnar.evaluate),
        ):
            plain = timed(lambda run=run, raw=raw: run(base, raw))
            aggregated = timed(lambda run=run, raw=raw: run(with_aggregates, raw))
            print(
                f"N={n:>8,}  {engine:<9} without {plain:7.2f} s  with aggregates "
                f"{aggregated:7.2f} s  ×{aggregated / plain:.2f}"
            )


if __name__ == "__main__":
    main()
