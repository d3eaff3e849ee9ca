"""Benchmark: the whole `rulebook score` command at real size, against `evaluate` alone.

    python benchmarks/bench_e2e.py [--units N] [--inputs csv,json] [--outputs json,csv] [--repeat R]

Writes N synthetic villages (benchmarks/bench_village.py's generator, streamed) as CSV and as
JSON, then runs the real command in a subprocess for each input and output —
`rulebook score schemes/village-fp-1000.yaml FILE --format jsonl|csv|json -o OUT` — measuring its
CPU seconds (user + system), wall seconds and peak resident memory (`/usr/bin/time -f "%e %U %S
%M"`, else `getrusage`). In this process it reads the same file and times `evaluate` on the
checked data alone (CPU time, `time.process_time`, best of 2), just before each command. The
machine is shared, so ratios are of CPU times (wall time swings 2× with the load); the load
average is printed with each run. Prints, per run:

- ratio = command CPU seconds / `evaluate` CPU seconds (target ≤ 3×), each the best of
  `--repeat` runs (2 by default: CPU seconds of the same command swing by 10–25% between runs
  on this virtual machine), and each run's own ratio beside it;
- memory over the data = (command peak RSS − RSS of a process that only imported rulebook and
  loaded the scheme − bytes the parsed data set holds) / N, where the parsed data's bytes are
  the sizes of every object the checked data set reaches, each counted once (target ≤ 2 KB
  per unit).

A measurement, not a test.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from bench_data import write_csv, write_json

import rulebook

from bench_village import SCHEME, synthetic_stream

TIME = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)


class Run:
    """One subprocess's wall seconds, CPU seconds (user + system) and peak RSS in bytes."""

    def __init__(self, wall: float, cpu: float, rss: int) -> None:
        self.wall, self.cpu, self.rss = wall, cpu, rss


def run(argv: list[str]) -> Run:
    """Run `argv` to completion and measure it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if TIME is not None:
        with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
            start = time.perf_counter()
            subprocess.run(
                [TIME, "-f", "%e %U %S %M", "-o", report.name, *argv],
                check=True,
                env=env,
                stdout=subprocess.DEVNULL,
            )
            seconds = time.perf_counter() - start
            _, user, system, rss = report.read().split("\n")[-2].split()
            return Run(seconds, float(user) + float(system), int(rss) * 1024)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, check=True, env=env, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # the peak is only right if this child is the largest yet
    return Run(seconds, cpu, max(after.ru_maxrss, before.ru_maxrss) * 1024)


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def parsed_bytes(path: Path, scheme: rulebook.Scheme) -> tuple[int, float, rulebook.DataSet]:
    """Bytes the checked data set holds and the seconds reading took. The bytes are summed
    over every object the data set reaches (`sys.getsizeof`, each shared object once): what
    `tracemalloc` would see still allocated after `read_data`, without tracing's slowdown
    (tens of minutes at 100,000 units on a loaded machine)."""
    gc.collect()
    start = time.perf_counter()
    data = rulebook.read_data(path, scheme)
    seconds = time.perf_counter() - start
    return _reachable(data), seconds, data


def _reachable(data: rulebook.DataSet) -> int:
    seen: set[int] = set()
    total = 0
    stack: list[object] = [data, data.units, data.file]
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        if isinstance(obj, rulebook.DataSet | tuple | list):
            stack.extend(obj.units if isinstance(obj, rulebook.DataSet) else obj)
        elif isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif hasattr(obj, "values") and hasattr(obj, "name"):  # UnitData
            stack.extend((obj.name, obj.values))  # type: ignore[attr-defined]
    return total


def evaluate_alone(scheme: rulebook.Scheme, data: rulebook.DataSet) -> float:
    """CPU seconds of `evaluate` on checked data, best of 2 (the first also fills the score
    tables)."""
    best = float("inf")
    for _ in range(2):
        gc.collect()
        cpu = time.process_time()
        rulebook.evaluate(scheme, data)
        best = min(best, time.process_time() - cpu)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--inputs", default="csv,json")
    parser.add_argument("--outputs", default="jsonl,csv,json")
    parser.add_argument("--keep", help="folder to write the data and outputs to (kept)")
    parser.add_argument(
        "--repeat", type=int, default=2, help="runs of each command (and of `evaluate` before it)"
    )
    args = parser.parse_args()
    n = args.units
    scheme = rulebook.load(SCHEME)
    python = [sys.executable, "-m", "rulebook", "score", str(SCHEME)]

    folder = Path(args.keep or tempfile.mkdtemp(prefix="rulebook-e2e-"))
    folder.mkdir(parents=True, exist_ok=True)
    base = run([sys.executable, "-c", f"import rulebook; rulebook.load({str(SCHEME)!r})"])
    base_rss = base.rss
    print(
        f"village-fp-1000: {n:,} units; {os.cpu_count()} cores, load average {_load()}; "
        f"baseline process (import + load scheme) {base_rss / 2**20:.0f} MiB, "
        f"{base.cpu:.2f} s CPU"
    )
    try:
        for kind in args.inputs.split(","):
            path = folder / f"villages-{n}.{kind}"
            start = time.perf_counter()
            if kind == "csv":
                write_csv(scheme, synthetic_stream(scheme, n), path)
            else:
                write_json(synthetic_stream(scheme, n), path)
            made = time.perf_counter() - start
            held, reading, data = parsed_bytes(path, scheme)
            print(
                f"  {kind} input: {path.stat().st_size / 1e6:.0f} MB (written in {made:.0f} s); "
                f"read_data {reading:.1f} s; parsed data holds {held / 2**20:.0f} MiB "
                f"({held / n:.0f} B/unit); load average {_load()}"
            )
            for fmt in args.outputs.split(","):
                # `evaluate` alone just before each command, so that both meet the same
                # machine: on a shared one the speed of a core drifts by a quarter in minutes
                out = folder / f"out-{kind}.{fmt}"
                pairs = []
                for _ in range(args.repeat):
                    scoring = evaluate_alone(scheme, data)
                    command = run([*python, str(path), "--format", fmt, "-o", str(out)])
                    pairs.append((command, scoring))
                command = min((c for c, _ in pairs), key=lambda c: c.cpu)
                scoring = min(s for _, s in pairs)
                runs = ", ".join(f"{c.cpu / s:.2f}×" for c, s in pairs)
                over = (max(c.rss for c, _ in pairs) - base_rss - held) / n
                print(
                    f"    score {kind} → {fmt:5s}: {command.cpu:7.1f} s CPU "
                    f"({command.wall:6.1f} s wall); evaluate alone {scoring:6.2f} s CPU; ratio "
                    f"{command.cpu / scoring:5.2f}× (target ≤ 3×; each run {runs}); peak RSS "
                    f"{command.rss / 2**20:6.0f} MiB, over the data {over:6.0f} B/unit (target "
                    f"≤ 2048); output {out.stat().st_size / 1e6:.0f} MB; load average {_load()}"
                )
                if not args.keep:
                    out.unlink()
            del data
            gc.collect()
            if not args.keep:
                path.unlink()
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
