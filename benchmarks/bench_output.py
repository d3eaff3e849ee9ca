"""Benchmark: the cost of turning results into output, against scoring them.

    python benchmarks/bench_output.py [N] [--audit-units M] [--repeat R]

On N synthetic villages (benchmarks/bench_village.py's generator): `evaluate` from plain dicts,
`Result.to_dict()` without audit (target ≤ 1.5× evaluate) and with audit (on the first M units,
scaled per unit; target ≤ 10× evaluate), the manifest's data digest, and the streaming
writers (json, jsonl, wide csv) to a null stream. Every figure is the best of R runs in CPU time
(`time.process_time`: the machine is shared, and wall time swings 2× with the load), with the
wall time of the same run beside it; ratios are of CPU times. Prints the load average. A
measurement, not a test.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import rulebook
from rulebook.audit.result import Result, _streamed_digest
from rulebook.render.csvout import write_csv
from rulebook.render.jsonout import write_json, write_jsonl

from bench_village import SCHEME, synthetic_units


class _Null(io.TextIOBase):
    """Counts characters and throws them away (so writing speed is not disk speed)."""

    def __init__(self) -> None:
        self.chars = 0

    def write(self, text: str) -> int:
        self.chars += len(text)
        return len(text)


class Timing:
    """The best of several runs: CPU seconds (what ratios use) and that run's wall seconds."""

    def __init__(self, cpu: float, wall: float) -> None:
        self.cpu, self.wall = cpu, wall

    def __truediv__(self, other: Timing) -> float:
        return self.cpu / other.cpu


def best_of(repeat: int, fn: Callable[[], Any]) -> Timing:
    """Run `fn` `repeat` times; the run with the least CPU time."""
    best = Timing(float("inf"), float("inf"))
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if cpu < best.cpu:
            best = Timing(cpu, wall)
    return best


def _writer(fn: Callable[[Result, Any], None], result: Result, repeat: int) -> tuple[Timing, int]:
    sinks: list[_Null] = []

    def once() -> None:
        sinks.append(_Null())
        fn(result, sinks[-1])

    return best_of(repeat, once), sinks[-1].chars


def _line(name: str, t: Timing, per: float, extra: str = "") -> str:
    return f"  {name:<33}{t.cpu * per:9.1f} µs/unit CPU ({t.wall * per:7.1f} wall){extra}"


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
    # what the manifest uses (worked out once per Result, then kept)
    digest = best_of(args.repeat, lambda: _streamed_digest(result.data))
    plain = best_of(args.repeat, lambda: result.to_dict(audit=False))

    m = min(args.audit_units, args.n)
    few = synthetic_units(scheme, m)
    audit_base = best_of(args.repeat, lambda: rulebook.evaluate(scheme, few))
    sample = rulebook.evaluate(scheme, few)
    audited = best_of(args.repeat, lambda: sample.to_dict(audit=True))

    per = 1e6 / args.n
    print(
        f"village-fp-1000: {args.n} units, best of {args.repeat} (CPU time); load average "
        + " ".join(f"{x:.1f}" for x in os.getloadavg())
    )
    print(_line("evaluate (plain dicts, checked)", evaluate, per))
    print(
        _line(
            "to_dict(audit=False)",
            plain,
            per,
            f"  ratio {plain / evaluate:5.2f}× evaluate  (target ≤ 1.5×)",
        )
    )
    print(
        _line(
            "data digest (manifest, once)",
            digest,
            per,
            f"  ratio {digest / evaluate:5.2f}× evaluate  (once per Result, then kept)",
        )
    )
    print(
        _line(
            f"to_dict(audit=True), {m} units",
            audited,
            1e6 / m,
            f"  ratio {audited / audit_base:5.2f}× evaluate of the same {m} units  (target ≤ 10×)",
        )
    )
    for name, fn in (
        ("json", lambda r, o: write_json(r, o)),
        ("jsonl", lambda r, o: write_jsonl(r, o)),
        ("csv (wide)", lambda r, o: write_csv(r, o)),
    ):
        timing, chars = _writer(fn, result, args.repeat)
        print(
            _line(
                f"write {name}",
                timing,
                per,
                f"  {chars / args.n:7.0f} chars/unit  ratio {timing / evaluate:5.2f}× evaluate",
            )
        )
    print(f"  load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
