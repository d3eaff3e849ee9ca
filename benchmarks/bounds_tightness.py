"""How tight are the static bounds? For each shipped scheme, sample data sets within the declared
domains and compare the observed range of each finitely bounded node with its computed bounds.

    python benchmarks/bounds_tightness.py [SAMPLES]

Prints, per scheme, how many nodes have finite bounds, how many of those the samples reach at
both ends, and the median share of the bound width the samples cover. A measurement, not a test.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import rulebook
from rulebook.audit.bounds import Interval, analyze
from rulebook.testing.properties import from_scheme, unconstrained


def measure(path: Path, samples: int) -> str:
    scheme = unconstrained(rulebook.load(path))
    bounds = {b.name: b.bounds for b in analyze(scheme)}
    names = [
        n
        for n in (*scheme.score_ids, *scheme.output_ids)
        if isinstance(bounds[n], Interval)
        and bounds[n].lo is not None  # type: ignore[union-attr]
        and bounds[n].hi is not None
    ]  # type: ignore[union-attr]
    seen: dict[str, list] = {n: [] for n in names}

    @settings(
        max_examples=samples, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(from_scheme(scheme, units=(1, 6)))
    def sample(data: dict) -> None:
        result = rulebook.evaluate(scheme, data)
        for unit in result:
            for n in names:
                seen[n].append(unit.value(n))

    sample()
    covered, exact = [], 0
    for n in names:
        b = bounds[n]
        width = b.hi - b.lo  # type: ignore[union-attr,operator]
        if not seen[n]:
            continue
        lo, hi = min(seen[n]), max(seen[n])
        exact += lo == b.lo and hi == b.hi  # type: ignore[union-attr]
        covered.append(float((hi - lo) / width) if width else 1.0)
    median = statistics.median(covered) if covered else 0.0
    total = len(scheme.score_ids) + len(scheme.output_ids)
    return (
        f"{scheme.id}: {len(names)}/{total} nodes finitely bounded; samples reach both "
        f"ends for {exact}; median share of the bound width reached {median:.0%}"
    )


def main() -> None:
    samples = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    for path in sorted((HERE.parent / "schemes").glob("*.yaml")):
        if not path.name.endswith(".tests.yaml"):
            print(measure(path, samples))


if __name__ == "__main__":
    main()
