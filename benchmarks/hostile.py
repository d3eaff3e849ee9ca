"""The hostile corpus, measured: every malformed or attacking input through the CLI, each in its
own process under a memory limit and a timeout.

    python benchmarks/hostile.py [--memory-mb 2048] [--timeout 60] [--only WORD]

Runs tests/data/invalid (check), tests/data/invalid_data and invalid_tables (score), the tests
files of tests/data/tests_files (test), each line of tests/data/hostile_expressions.txt (check,
as an item's formula), and the attack files written here (alias bombs, a 2 MB flow list, deep
nesting, huge numbers, nested aggregators, misspelt names by the thousand, device paths).
Prints per input: exit code, seconds, peak RSS; then the worst time and memory over the corpus.
Exits 1 if any run timed out, hit the memory limit, exited 70 (an internal error) or printed a
Python traceback. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
EXIT_BUG = 70

Run = tuple[str, list[str]]


def corpus(attacks: Path) -> list[Run]:
    """(name, CLI arguments) for every hostile input."""
    runs: list[Run] = []
    for path in sorted((DATA / "invalid").glob("*.yaml")):
        runs.append((f"invalid/{path.name}", ["check", str(path)]))
    scheme = DATA / "invalid_data" / "scheme.yaml"
    for path in sorted((DATA / "invalid_data").glob("[0-9]*.yaml")):
        runs.append((f"invalid_data/{path.name}", ["score", str(scheme), str(path)]))
    tables = DATA / "invalid_tables"
    for path in sorted([*tables.glob("*.csv"), *tables.glob("*.xlsx")]):
        runs.append(
            (f"invalid_tables/{path.name}", ["score", str(tables / "scheme.yaml"), str(path)])
        )
    for path in sorted((DATA / "tests_files").glob("*.yaml")):
        if "data" not in path.name and path.name != "tiny.yaml":
            runs.append((f"tests_files/{path.name}", ["test", str(path)]))
    for k, expression in enumerate(_expressions()):
        path = attacks / f"expression-{k:02d}.yaml"
        path.write_text(_scheme_with(expression), encoding="utf-8")
        runs.append((f"hostile_expressions.txt:{k + 1} {expression[:30]!r}", ["check", str(path)]))
    runs += _attacks(attacks)
    return runs


def _expressions() -> list[str]:
    lines = (DATA / "hostile_expressions.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def _scheme_with(expression: str, periods: int = 0) -> str:
    head = "scheme: {id: hostile, title: hostile}\n"
    if periods:
        head += "periods: {" + ", ".join(f"M{i}: 1" for i in range(periods)) + "}\n"
    per = ", per_period: true" if periods else ""
    return (
        head + f"indicators:\n  x: {{type: decimal{per}}}\n  place: {{type: count}}\n"
        "tree:\n  - id: a\n    expr: " + _quoted(expression) + "\n"
    )


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _attacks(folder: Path) -> list[Run]:
    """The attack files of issue #11, written into `folder`."""
    files: dict[str, str] = {
        "recursive-alias.yaml": "a: &a [*a, *a]\n",
        "flow-list-2mb.yaml": "a: [" + ",".join(["1"] * 999_999) + "]\n",
        "over-2mb.yaml": "# " + "x" * (2 * 1024 * 1024) + "\n",
        "billion-laughs.yaml": "a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
        + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10)),
        "deep-nesting.yaml": "a: " + "[" * 100_000 + "]" * 100_000 + "\n",
        "nested-aggregators-9.yaml": _scheme_with("sum(x + " * 9 + "x" + ")" * 9, periods=12),
        "nested-aggregators-10.yaml": _scheme_with("sum(x + " * 10 + "x" + ")" * 10, periods=12),
        "power-tower.yaml": _scheme_with("10 ** 10 ** 10 ** 10"),
        "intermediate-overflow.yaml": _scheme_with("(x + 1) ** 20"),
        "misspelt-1000.yaml": "scheme: {id: s, title: t}\nindicators:\n"
        + "".join(f"  indicator_{i:04d}_rate: {{type: decimal}}\n" for i in range(1000))
        + "tree:\n"
        + "".join(f"  - id: n{i}\n    expr: indicatr_{i:04d}_rate\n" for i in range(1000)),
        "children-3000.yaml": "scheme: {id: s, title: t}\nindicators:\n  x: {type: decimal}\n"
        "tree:\n  - id: g\n    children: ["
        + ", ".join(f"{{id: c{i}, expr: x}}" for i in range(3000))
        + "]\n",
        "periods-3000.yaml": _scheme_with("sum(x)", periods=3000),
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    runs: list[Run] = [(f"attack/{name}", ["check", str(folder / name)]) for name in files]
    data_scheme = folder / "data-scheme.yaml"
    data_scheme.write_text(_scheme_with("x ** 0.5 + by_rank(place, 10, 5, 0)"), encoding="utf-8")
    data_files = {
        "huge-exponent.data.yaml": "units:\n  a: {x: 1, place: 1.0e+999999}\n",
        "20000-digit-rate.data.yaml": "units:\n  a: {x: 0." + "9" * 20_000 + ", place: 1}\n",
        "nan.data.yaml": "units:\n  a: {x: .nan, place: 1}\n",
        "units-100k-aliases.data.yaml": "u: &u {x: 1, place: 1}\nunits:\n"
        + "".join(f"  u{i}: *u\n" for i in range(100_000)),
    }
    for name, text in data_files.items():
        (folder / name).write_text(text, encoding="utf-8")
        runs.append((f"attack/{name}", ["score", str(data_scheme), str(folder / name)]))
    runs.append(("attack/data-from-/dev/zero", ["score", str(data_scheme), "/dev/zero"]))
    for suffix in ("csv", "xlsx", "json"):
        link = folder / f"zero.{suffix}"
        link.symlink_to("/dev/zero")
        runs.append(
            (f"attack/data-from-/dev/zero-as-{suffix}", ["score", str(data_scheme), str(link)])
        )
    escape = folder / "escape.tests.yaml"
    escape.write_text(
        "scheme: /dev/zero\ncases:\n  - {data: ../../etc/passwd, expect: {}}\n", encoding="utf-8"
    )
    runs.append(("attack/tests-file-/dev/zero", ["test", str(escape)]))
    runs.append(
        (
            "attack/output-to-a-folder",
            [
                "score",
                str(ROOT / "schemes" / "village-fp-1000.yaml"),
                str(ROOT / "schemes" / "examples" / "village-fp-1000.data.yaml"),
                "-o",
                str(folder),
            ],
        )
    )
    return runs


def run(args: list[str], memory: int, timeout: float) -> tuple[int | str, float, float, str]:
    """(exit code or TIMEOUT, seconds, peak RSS in MB, stdout + stderr) of one CLI run."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "rulebook", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=limit,  # noqa: PLW1509 (no threads here)
            env=env,
            cwd=ROOT,
        )
        code: int | str = "TIMEOUT"
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                code = os.waitstatus_to_exitcode(status)
                break
            if time.perf_counter() - start > timeout:
                process.send_signal(signal.SIGKILL)
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.01)
        process.returncode = 0  # reaped by wait4 above
        seconds = time.perf_counter() - start
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    return code, seconds, usage.ru_maxrss / 1024, text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--memory-mb", type=int, default=2048)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--only", default="", help="run only inputs whose name contains this")
    options = parser.parse_args()
    bad: list[str] = []
    worst_time: tuple[float, str] = (0.0, "")
    worst_memory: tuple[float, str] = (0.0, "")
    with tempfile.TemporaryDirectory() as folder:
        runs = [r for r in corpus(Path(folder)) if options.only in r[0]]
        print(f"{'input':<58} {'exit':>7} {'seconds':>8} {'peak MB':>8}")
        for name, args in runs:
            code, seconds, peak, text = run(args, options.memory_mb * 2**20, options.timeout)
            flags = []
            if "Traceback" in text:
                flags.append("TRACEBACK")
            if code in ("TIMEOUT", EXIT_BUG) or "MemoryError" in text:
                flags.append("FAILED")
            if flags:
                bad.append(f"{name}: {code} {' '.join(flags)}\n{text[-2000:]}")
            print(f"{name[:58]:<58} {code!s:>7} {seconds:>8.2f} {peak:>8.0f} {' '.join(flags)}")
            worst_time = max(worst_time, (seconds, name))
            worst_memory = max(worst_memory, (peak, name))
    print(
        f"\n{len(runs)} inputs; worst time {worst_time[0]:.2f} s ({worst_time[1]}); "
        f"worst peak RSS {worst_memory[0]:.0f} MB ({worst_memory[1]}); "
        f"memory limit {options.memory_mb} MB, timeout {options.timeout:.0f} s"
    )
    for line in bad:
        print("\n" + line)
    print(
        "no traceback in any output"
        if not any("TRACEBACK" in b for b in bad)
        else "TRACEBACKS PRINTED"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
