"""Benchmark: `read_data` of a CSV and a JSON file at size — CPU time and transient memory.

    python benchmarks/bench_read.py [--units 20000,100000] [--formats csv,json,xlsx] [--repeat R]
                                    [--trace] [--tree PATH[,PATH...]] [--no-evaluate]

Writes N synthetic villages (benchmarks/bench_village.py's generator, streamed) as CSV and as
JSON (benchmarks/bench_data.py's writers; as xlsx when asked, with openpyxl), then reads each
file in a fresh subprocess per run (`rulebook.read_data(path, scheme)` after importing rulebook
and loading the scheme) and prints:

- read: CPU seconds of `read_data` (`time.process_time`, best of R runs) and µs per unit;
- held: the bytes the checked data set reaches, each object once (bench_e2e's `_reachable`);
- over held: (peak RSS of the reading process − its RSS just before reading − held) / N, the
  transient memory of reading per unit (target ≤ ~500 B/unit for CSV, ≤ ~1 KB/unit for JSON);
  with --trace also `tracemalloc`'s peak − what it sees still allocated after reading, / N
  (slow: tracing makes reading several times longer);
- evaluate: CPU seconds of `rulebook.evaluate` on the data just read, in the same process, and
  the ratio read / evaluate (reading counts in the end-to-end ≤ 3× target).

`--tree` runs the children with another source tree first on the path (e.g. a copy of the
code before a change), alternating with this one, so that before and after are measured under
the same load. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _rss() -> int:
    """The resident set size of this process now, in bytes (Linux `/proc/self/statm`)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def write_xlsx(scheme: Any, units: Iterable[tuple[str, dict[str, Any]]], path: Path) -> None:
    """The CSV layout (benchmarks/bench_data.py) as an xlsx sheet `数据`, typed cells."""
    import openpyxl

    from rulebook.data.template import columns

    layout = [(c.indicator.name, c.period) for c in columns(scheme)[1:] if c.indicator]
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("数据")
    sheet.append(["unit", *(n if p is None else f"{n}[{p}]" for n, p in layout)])
    for name, values in units:
        sheet.append([name, *(values[n] if p is None else values[n][p] for n, p in layout)])
    book.save(path)


def child(kind: str, path: str, trace: bool, evaluate: bool) -> None:
    """One reading, in this (fresh) process; prints its figures as one JSON line."""
    # rulebook first, from the tree on PYTHONPATH (the benchmark modules put theirs first)
    rulebook = importlib.import_module("rulebook")
    sys.path.insert(0, str(HERE))
    from bench_e2e import _reachable

    from bench_village import SCHEME

    scheme = rulebook.load(SCHEME)
    gc.collect()
    figures: dict[str, float] = {}
    if trace:
        import tracemalloc

        tracemalloc.start()
        data = rulebook.read_data(path, scheme, format=kind)
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        figures.update(traced_held=current, traced_peak=peak)
    else:
        before = _rss()
        start = time.process_time()
        data = rulebook.read_data(path, scheme, format=kind)
        figures["read"] = time.process_time() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        figures.update(before=before, peak=peak)
    figures["held"] = _reachable(data)
    figures["units"] = len(data.units)
    if evaluate and not trace:
        start = time.process_time()
        rulebook.evaluate(scheme, data)
        figures["evaluate"] = time.process_time() - start
    print(json.dumps(figures))


def measure(tree: Path, kind: str, path: Path, trace: bool, evaluate: bool) -> dict[str, float]:
    """Run one child with `tree` first on the path; its figures."""
    argv = [sys.executable, str(Path(__file__).resolve()), "--child", kind, str(path)]
    if trace:
        argv.append("--trace")
    if not evaluate:
        argv.append("--no-evaluate")
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(argv, check=True, env=env, capture_output=True, text=True, cwd=tree)
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", default="20000,100000", help="comma-separated unit counts")
    parser.add_argument("--formats", default="csv,json")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--trace", action="store_true", help="also a tracemalloc run")
    parser.add_argument("--tree", default="", help="other source trees to compare, by comma")
    parser.add_argument("--no-evaluate", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("FORMAT", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.trace, not args.no_evaluate)
        return

    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(ROOT))
    rulebook = importlib.import_module("rulebook")
    from bench_data import write_csv, write_json

    from bench_village import SCHEME, synthetic_stream

    scheme = rulebook.load(SCHEME)
    trees = [ROOT, *(Path(t).resolve() for t in args.tree.split(",") if t)]
    evaluate = not args.no_evaluate
    with tempfile.TemporaryDirectory(prefix="rulebook-read-") as tmp:
        for n in (int(u) for u in args.units.split(",")):
            print(
                f"village-fp-1000: {n:,} units; {os.cpu_count()} cores, load average "
                f"{os.getloadavg()[0]:.1f}; best of {args.repeat} (CPU seconds)"
            )
            for kind in args.formats.split(","):
                path = Path(tmp) / f"villages-{n}.{kind}"
                if kind == "csv":
                    write_csv(scheme, synthetic_stream(scheme, n), path)
                elif kind == "xlsx":
                    write_xlsx(scheme, synthetic_stream(scheme, n), path)
                else:
                    write_json(synthetic_stream(scheme, n), path)
                runs: dict[Path, list[dict[str, float]]] = {t: [] for t in trees}
                for _ in range(args.repeat):  # alternating, so load hits every tree alike
                    for tree in trees:
                        runs[tree].append(measure(tree, kind, path, False, evaluate))
                for tree in trees:
                    got = runs[tree]
                    read = min(r["read"] for r in got)
                    held = got[0]["held"]
                    over = min(r["peak"] - r["before"] - r["held"] for r in got) / n
                    line = (
                        f"  {kind:4s} {path.stat().st_size / 1e6:6.1f} MB  read {read:6.2f} s "
                        f"({read / n * 1e6:5.1f} µs/unit)  held {held / 2**20:5.0f} MiB "
                        f"({held / n:5.0f} B/unit)  peak RSS over held {over:6.0f} B/unit"
                    )
                    if evaluate:
                        scoring = min(r["evaluate"] for r in got)
                        line += f"  evaluate {scoring:6.2f} s  read/evaluate {read / scoring:.2f}×"
                    if args.trace:
                        traced = measure(tree, kind, path, True, False)
                        line += (
                            "  traced peak over held "
                            f"{(traced['traced_peak'] - traced['traced_held']) / n:6.0f} B/unit"
                        )
                    if len(trees) > 1:
                        line += f"  [{tree}]"
                    print(line, flush=True)
                path.unlink()
            print(f"  (load average now {os.getloadavg()[0]:.1f})", flush=True)


if __name__ == "__main__":
    main()
