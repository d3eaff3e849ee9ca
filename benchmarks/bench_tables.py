"""Benchmark: a band table and a lookup table against the chained conditionals they replace.

    python benchmarks/bench_tables.py [N ...]

Scores N synthetic units of the same vital-signs scheme written twice — with `tables:` (three
band tables and a lookup) and with chained `a if x <= 8 else …` conditionals — in the compiled,
reference and columnar engines, checks the two give the same scores, and prints the seconds and
the ratio tables / conditionals per engine. Also times a 2,000-row band table (bisection) against
its 5-row cousin. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import functools
import random
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import rulebook
from rulebook import columnar
from rulebook.data.api import check_data

HEAD = """
scheme: {id: vitals, title: vitals}
indicators:
  resp: {type: count, max: 60}
  pulse: {type: count, max: 250}
  temp: {type: decimal, min: 30, max: 45}
  level: {type: enum, values: [alert, voice, pain, unresponsive]}
"""

TABLES = (
    HEAD
    + """
tables:
  resp_score:
    bands:
      - {to: 8, value: 3}
      - {above: 8, to: 11, value: 1}
      - {above: 11, to: 20, value: 0}
      - {above: 20, to: 24, value: 2}
      - {above: 24, value: 3}
  pulse_score:
    bands:
      - {to: 40, value: 3}
      - {above: 40, to: 50, value: 1}
      - {above: 50, to: 90, value: 0}
      - {above: 90, to: 110, value: 1}
      - {above: 110, to: 130, value: 2}
      - {above: 130, value: 3}
  temp_score:
    bands:
      - {to: 35, value: 3}
      - {above: 35, to: 36, value: 1}
      - {above: 36, to: 38, value: 0}
      - {above: 38, to: 39, value: 1}
      - {above: 39, value: 2}
  level_score:
    map: {alert: 0, voice: 3, pain: 3, unresponsive: 3}
tree:
  - id: w
    children:
      - {id: resp, expr: "resp_score(resp)"}
      - {id: pulse, expr: "pulse_score(pulse)"}
      - {id: temp, expr: "temp_score(temp)"}
      - {id: level, expr: "level_score(level)"}
"""
)

CHAINED = (
    HEAD
    + """
tree:
  - id: w
    children:
      - id: resp
        expr: "3 if resp <= 8 else 1 if resp <= 11 else 0 if resp <= 20 else 2 if resp <= 24
          else 3"
      - id: pulse
        expr: "3 if pulse <= 40 else 1 if pulse <= 50 else 0 if pulse <= 90 else 1 if pulse <= 110
          else 2 if pulse <= 130 else 3"
      - id: temp
        expr: "3 if temp <= 35 else 1 if temp <= 36 else 0 if temp <= 38 else 1 if temp <= 39
          else 2"
      - {id: level, expr: '0 if level == "alert" else 3'}
"""
)


def long_table(rows: int) -> str:
    """One band table of `rows` rows over resp (edges 0.03 apart)."""
    lines = [f"      - {{to: {Decimal(3) / 100}, value: 0}}"]
    for i in range(1, rows - 1):
        low, high = Decimal(3 * i) / 100, Decimal(3 * i + 3) / 100
        lines.append(f"      - {{above: {low}, to: {high}, value: {i % 7}}}")
    lines.append(f"      - {{above: {Decimal(3 * rows - 3) / 100}, value: 9}}")
    return (
        HEAD
        + "tables:\n  long:\n    bands:\n"
        + "\n".join(lines)
        + '\ntree:\n  - id: w\n    children:\n      - {id: resp, expr: "long(resp)"}\n'
    )


def units(n: int) -> dict[str, Any]:
    rng = random.Random(7)
    levels = ["alert", "voice", "pain", "unresponsive"]
    return {
        "units": {
            f"u{i}": {
                "resp": rng.randint(0, 60),
                "pulse": rng.randint(0, 250),
                "temp": Decimal(rng.randint(300, 450)) / 10,
                "level": rng.choice(levels),
            }
            for i in range(n)
        }
    }


def timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def totals(scheme: rulebook.Scheme, data: Any, engine: str) -> list[Any]:
    """Every unit's total, scored by `engine` (the columnar engine counts its fallbacks)."""
    if engine == "columnar":
        result = columnar.evaluate(scheme, data)
        assert result.fallbacks == 0, result.fallback_reasons
        return [result.value(u, "total") for u in (unit.name for unit in data.units)]
    return [u.total for u in rulebook.evaluate(scheme, data, engine=engine)]  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="*", type=int, default=[10_000])
    args = parser.parse_args()
    with_tables, chained = rulebook.loads(TABLES), rulebook.loads(CHAINED)
    long = rulebook.loads(long_table(2000))
    for n in args.n:
        data = check_data(units(n), with_tables)
        print(f"{n:,} units")
        for engine in ("compiled", "reference", "columnar"):
            t_tab, r_tab = timed(functools.partial(totals, with_tables, data, engine))
            t_chain, r_chain = timed(functools.partial(totals, chained, data, engine))
            same = r_tab == r_chain
            print(
                f"  {engine:10s} tables {t_tab:7.3f} s   chained conditionals {t_chain:7.3f} s"
                f"   ratio {t_tab / t_chain:5.2f}   same totals: {same}"
            )
        resp_only = check_data(units(n), long)
        t_long, _ = timed(functools.partial(rulebook.evaluate, long, resp_only))
        print(f"  compiled   one 2,000-row band table {t_long:7.3f} s")


if __name__ == "__main__":
    main()
