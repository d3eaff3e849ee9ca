"""Benchmark: what not-applicable items cost. The cookbook's 缺项按比例折算 scheme on N synthetic
units, scored by the compiled, reference and columnar engines, with no unit n/a and with a
third of the units marking births `n/a` and a third being 居委会 (their induction item does not
apply). The columnar engine scores the n/a rows by the per-unit engine (its fallbacks).

    python benchmarks/bench_not_applicable.py [N ...]

Prints seconds per engine and the ratio of the n/a data to the plain data. A measurement, not a
test.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import rulebook
from rulebook import columnar

COOKBOOK = HERE.parent / "docs" / "cookbook.md"


def scheme_text() -> str:
    section = COOKBOOK.read_text(encoding="utf-8").split("\n## 缺项按比例折算")[1]
    found = re.search(r"```yaml scheme\n(.*?)```", section, re.DOTALL)
    assert found is not None
    return found.group(1)


def units(n: int, *, with_na: bool) -> dict[str, Any]:
    out = {}
    for i in range(n):
        births: Any = 5 + i % 7
        boys: Any = 2 + i % 5
        kind = "村委会"
        if with_na and i % 3 == 1:
            births = boys = "n/a"
        if with_na and i % 3 == 2:
            kind = "居委会"
        out[f"u{i}"] = {
            "kind": kind,
            "births": births,
            "boys": boys,
            "visits": i % 11,
            "inductions": i % 3,
        }
    return {"units": out}


def timed(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", nargs="*", type=int, default=[2000, 20000])
    args = parser.parse_args()
    scheme = rulebook.loads(scheme_text(), "cookbook")
    for n in args.n:
        plain, marked = units(n, with_na=False), units(n, with_na=True)
        for label, run in (
            ("compiled", lambda d: rulebook.evaluate(scheme, d)),
            ("reference", lambda d: rulebook.evaluate(scheme, d, engine="reference")),
            ("columnar", lambda d: columnar.evaluate(scheme, d)),
        ):
            a = timed(lambda run=run, data=plain: run(data))
            b = timed(lambda run=run, data=marked: run(data))
            print(f"N={n:>7}  {label:<9}  plain {a:7.3f} s   with n/a {b:7.3f} s   ×{b / a:5.2f}")


if __name__ == "__main__":
    main()
