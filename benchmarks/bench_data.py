"""Benchmark: reading and checking data at size, and evaluate-from-dicts against hand-written code.

    python benchmarks/bench_data.py [--units N] [--repeat R]

Generates N synthetic villages for the village scheme (default 20,000), writes them as JSON, YAML
and CSV, and prints: seconds to read (and check) each file, seconds to check plain dicts, the
ratio of `evaluate(scheme, dicts)` (checking included) to the hand-written exact Decimal scorer
(target ≤ 1.5×, issue #10), and peak traced memory per reader. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import tracemalloc
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import rulebook
from rulebook.data.template import columns

from bench_village import SCHEME, best_of, synthetic_units
from village_handwritten import score_decimal


def _plain(value: Any) -> str:
    """A value as JSON, YAML or CSV text: true/false, the number's digits, or the quoted text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {_plain(v)}" for k, v in value.items()) + "}"
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)


def write_files(scheme: rulebook.Scheme, raw: dict[str, Any], folder: Path) -> dict[str, Path]:
    """The same data as JSON, YAML (one indicator a line) and CSV (headed by ids)."""
    units = raw["units"]
    paths = {"json": folder / "d.json", "yaml": folder / "d.yaml", "csv": folder / "d.csv"}
    write_json(units.items(), paths["json"])
    with paths["yaml"].open("w", encoding="utf-8") as out:
        out.write("units:\n")
        for name, values in units.items():
            out.write(f"  {name}:\n")
            for key, value in values.items():
                out.write(f"    {key}: {_plain(value)}\n")
    write_csv(scheme, units.items(), paths["csv"])
    return paths


def write_json(units: Iterable[tuple[str, dict[str, Any]]], path: Path) -> None:
    """`{"units": {...}}` as JSON, one unit a line, written as the units come."""
    with path.open("w", encoding="utf-8") as out:
        out.write('{"units": {')
        for i, (name, values) in enumerate(units):
            out.write(
                ("," if i else "") + f"\n{json.dumps(name, ensure_ascii=False)}: " + _plain(values)
            )
        out.write("}}\n")


def write_csv(
    scheme: rulebook.Scheme, units: Iterable[tuple[str, dict[str, Any]]], path: Path
) -> None:
    """One row per unit headed by indicator ids (`name[Q1]` per period), as units come."""
    layout = [(c.indicator.name, c.period) for c in columns(scheme)[1:] if c.indicator]
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["unit", *(n if p is None else f"{n}[{p}]" for n, p in layout)])
        for name, values in units:
            writer.writerow(
                [name, *(str(values[n] if p is None else values[n][p]).lower() for n, p in layout)]
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--skip-files",
        action="store_true",
        help="only the checking and evaluate ratios, no file reading",
    )
    args = parser.parse_args()
    n = args.units

    scheme = rulebook.load(SCHEME)
    raw = synthetic_units(scheme, n)
    checked = rulebook.check_data(raw, scheme)
    pairs = [(u.name, u.values) for u in checked.units]
    floats = {
        "units": {
            u: {
                k: (
                    {p: float(x) if type(x) is Decimal else x for p, x in v.items()}
                    if isinstance(v, dict)
                    else float(v)
                    if type(v) is Decimal
                    else v
                )
                for k, v in vals.items()
            }
            for u, vals in raw["units"].items()
        }
    }

    print(f"village-fp-1000: {n} units, best of {args.repeat}")
    with tempfile.TemporaryDirectory() as tmp:
        paths = {} if args.skip_files else write_files(scheme, raw, Path(tmp))
        for fmt, path in paths.items():
            size = path.stat().st_size
            seconds = best_of(
                args.repeat if fmt != "yaml" else 1, lambda p=path: rulebook.read_data(p, scheme)
            )
            assert rulebook.read_data(path, scheme).units == checked.units
            tracemalloc.start()
            rulebook.read_data(path, scheme)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            print(
                f"  read+check {fmt:5s} {size / 1e6:7.1f} MB   {seconds:7.2f} s "
                f"({seconds / n * 1e6:6.0f} µs/unit)   peak {peak / 1e6:7.1f} MB "
                f"({peak / n:6.0f} B/unit)"
            )

    runs = {
        "check": lambda: rulebook.check_data(raw, scheme),
        "check_floats": lambda: rulebook.check_data(floats, scheme),
        "hand": lambda: score_decimal(pairs),
        "scored": lambda: rulebook.evaluate(scheme, checked),
        "from_dicts": lambda: rulebook.evaluate(scheme, raw),
    }
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(args.repeat):  # interleaved, so that a burst of load hits all alike
        for key, run in runs.items():
            best[key] = min(best[key], best_of(1, run))
    check, check_floats, hand = best["check"], best["check_floats"], best["hand"]
    scored, from_dicts = best["scored"], best["from_dicts"]
    print(
        f"  check plain dicts (Decimal)   {check:7.3f} s ({check / n * 1e6:6.1f} µs/unit)   "
        f"{check / hand:.2f}× the hand-written scorer"
    )
    print(
        f"  check plain dicts (float)     {check_floats:7.3f} s "
        f"({check_floats / n * 1e6:6.1f} µs/unit)"
    )
    print(f"  hand-written Decimal scorer   {hand:7.3f} s ({hand / n * 1e6:6.1f} µs/unit)")
    print(f"  evaluate(checked DataSet)     {scored:7.3f} s   ratio {scored / hand:.2f}×")
    print(
        f"  evaluate(plain dicts)         {from_dicts:7.3f} s   ratio {from_dicts / hand:.2f}×"
        "  (target ≤ 1.5×)"
    )


if __name__ == "__main__":
    main()
