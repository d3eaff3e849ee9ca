"""Benchmark: the analysis commands on N synthetic villages (the village scheme has rankings,
so every what-if and goal re-scoring scores the whole data set).

    python benchmarks/bench_analysis.py [N ...]

Prints, per N: scoring once; diffing two data sets (every unit's values nudged); one what-if;
one goal search (total +50) with its re-scorings; restore for one unit with its re-scorings;
and each as a multiple of scoring once. A measurement, not a test.
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

import rulebook
from rulebook.analysis import diff_results, parse_goal, restore, what_if, what_it_takes

from bench_village import SCHEME, synthetic_units


def timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def nudged(raw: dict[str, Any]) -> dict[str, Any]:
    """Every unit's meetings_missed moved by one (within 0..12): a second data set."""
    units = {}
    for name, row in raw["units"].items():
        missed = row["meetings_missed"]
        units[name] = {**row, "meetings_missed": missed + 1 if missed < 12 else missed - 1}
    return {"units": units}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="*", type=int, default=[6, 100, 1000])
    args = parser.parse_args()
    scheme = rulebook.load(SCHEME)
    print(
        f"{'units':>6} {'score':>8} {'diff':>8} {'what-if':>8} {'goal':>8} {'(resc.)':>8} "
        f"{'restore':>8} {'(items)':>8}   (seconds; × = multiple of one scoring)"
    )
    for n in args.n:
        row(scheme, n)


def row(scheme: rulebook.Scheme, n: int) -> None:
    raw = synthetic_units(scheme, n)
    data = rulebook.check_data(raw, scheme)
    other = rulebook.check_data(nudged(raw), scheme)
    t_score, result = timed(lambda: rulebook.evaluate(scheme, data))
    after = rulebook.evaluate(scheme, other)
    t_diff, _ = timed(lambda: diff_results(result, after))
    unit = data.units[0].name
    t_what, _ = timed(lambda: what_if(scheme, data, unit, ["meetings_missed=0"], before=result))
    target = result.unit(unit).total + Decimal(50)
    goal = parse_goal(scheme, f"total={target}")
    t_goal, report = timed(lambda: what_it_takes(scheme, data, unit, goal))
    t_rest, found = timed(lambda: restore(result, unit))
    searched = sum(1 for r in found if not r.exhausted)
    print(
        f"{n:>6} {t_score:>8.3f} {t_diff:>8.3f} {t_what:>8.3f} {t_goal:>8.3f} "
        f"{report.rescorings:>8} {t_rest:>8.3f} {searched:>4}/{len(found):<3}"
    )
    print(
        f"{'':>6} {'×':>8} {t_diff / t_score:>8.1f} {t_what / t_score:>8.1f} "
        f"{t_goal / t_score:>8.1f} {'':>8} {t_rest / t_score:>8.1f}"
    )


if __name__ == "__main__":
    main()
