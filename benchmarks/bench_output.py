"""Benchmark: the cost of turning results into output, against scoring them.

    python benchmarks/bench_output.py [N] [--audit-units M] [--repeat R]

On N synthetic villages (benchmarks/bench_village.py's generator): `evaluate` from plain dicts,
`Result.to_dict()` without audit (target ≤ 1.5× evaluate) and with audit (on the first M units,
scaled per unit; target ≤ 10× evaluate), and the throughput of the streaming writers (json,
jsonl, wide csv) to a null stream. Prints figures and ratios; a measurement, not a test.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import rulebook
from rulebook.audit.result import Result
from rulebook.render.csvout import write_csv
from rulebook.render.jsonout import write_json, write_jsonl

from bench_village import SCHEME, best_of, synthetic_units


class _Null(io.TextIOBase):
    """Counts characters and throws them away (so writing speed is not disk speed)."""

    def __init__(self) -> None:
        self.chars = 0

    def write(self, text: str) -> int:
        self.chars += len(text)
        return len(text)


def _writer(fn: Callable[[Result, Any], None], result: Result) -> tuple[float, int]:
    sink = _Null()
    start = time.perf_counter()
    fn(result, sink)
    return time.perf_counter() - start, sink.chars


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=20_000)
    parser.add_argument("--audit-units", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    scheme = rulebook.load(SCHEME)
    raw = synthetic_units(scheme, args.n)
    evaluate = best_of(args.repeat, lambda: rulebook.evaluate(scheme, raw))
    result = rulebook.evaluate(scheme, raw)
    digest = best_of(1, lambda: result.data.digest)  # once per result (Result caches it)
    plain = best_of(args.repeat, lambda: result.to_dict(audit=False))

    m = min(args.audit_units, args.n)
    few = synthetic_units(scheme, m)
    audit_base = best_of(args.repeat, lambda: rulebook.evaluate(scheme, few))
    sample = rulebook.evaluate(scheme, few)
    audited = best_of(args.repeat, lambda: sample.to_dict(audit=True))

    per = 1e6 / args.n
    print(f"village-fp-1000: {args.n} units, best of {args.repeat}")
    print(f"  evaluate (plain dicts, checked)  {evaluate * per:9.1f} µs/unit")
    print(
        f"  to_dict(audit=False)             {plain * per:9.1f} µs/unit   "
        f"ratio {plain / evaluate:6.2f}× evaluate  (target ≤ 1.5×)"
    )
    print(
        f"  data digest (manifest, once)     {digest * per:9.1f} µs/unit   "
        f"ratio {digest / evaluate:6.2f}× evaluate  (worked out once per Result, then kept)"
    )
    print(
        f"  to_dict(audit=True), {m} units  {audited * 1e6 / m:9.1f} µs/unit   "
        f"ratio {audited / audit_base:6.2f}× evaluate of the same {m} units  (target ≤ 10×)"
    )
    for name, fn in (
        ("json", lambda r, o: write_json(r, o)),
        ("jsonl", lambda r, o: write_jsonl(r, o)),
        ("csv (wide)", lambda r, o: write_csv(r, o)),
    ):
        seconds, chars = _writer(fn, result)
        print(
            f"  write {name:<11}                {seconds * per:9.1f} µs/unit   "
            f"{args.n / seconds:9.0f} units/s  {chars / args.n:7.0f} chars/unit  "
            f"ratio {seconds / evaluate:6.2f}× evaluate"
        )


if __name__ == "__main__":
    main()
