"""Shared fixtures: the shipped village scheme, its example data, and the hand-written oracle."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import rulebook

ROOT = Path(__file__).resolve().parent.parent
SCHEMES = ROOT / "schemes"
VILLAGE = SCHEMES / "village-fp-1000.yaml"
VILLAGE_DATA = SCHEMES / "examples" / "village-fp-1000.data.yaml"
VILLAGE_EXPECTED = SCHEMES / "examples" / "village-fp-1000.expected.json"

sys.path.insert(0, str(ROOT / "benchmarks"))


@pytest.fixture(scope="session")
def village() -> rulebook.Scheme:
    return rulebook.load(VILLAGE)


@pytest.fixture(scope="session")
def village_data(village: rulebook.Scheme) -> rulebook.DataSet:
    return rulebook.read_data(VILLAGE_DATA, village)


@pytest.fixture(scope="session")
def village_result(village: rulebook.Scheme, village_data: rulebook.DataSet) -> rulebook.Result:
    return rulebook.evaluate(village, village_data)


def load_shipped(path: Path | str) -> rulebook.Scheme:
    """A shipped scheme (a path, or its stem) with its example year's run-time parameters when
    it declares required ones (`schemes/examples/<stem>.params.yaml`)."""
    path = SCHEMES / f"{path}.yaml" if isinstance(path, str) else path
    params = SCHEMES / "examples" / f"{path.stem}.params.yaml"
    return rulebook.load(path, params=params if params.exists() else None)


def shipped(stem: str) -> tuple[rulebook.Result, Path]:
    """The shipped scheme `stem` scored on its example data, and its expected-results file."""
    scheme = load_shipped(stem)
    data = rulebook.read_data(SCHEMES / "examples" / f"{stem}.data.yaml", scheme)
    return rulebook.evaluate(scheme, data), SCHEMES / "examples" / f"{stem}.expected.json"
