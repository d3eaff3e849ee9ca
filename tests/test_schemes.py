"""Every shipped scheme checks clean, scores its example data through the CLI, reproduces its
expected results, and agrees between the compiled and the reference engine."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

import rulebook
from rulebook.cli import EXIT_OK, main

from conftest import load_shipped

ROOT = Path(__file__).resolve().parent.parent
SCHEMES = sorted(p for p in (ROOT / "schemes").glob("*.yaml") if not p.name.endswith(".tests.yaml"))


def test_all_shipped_schemes_are_listed() -> None:
    assert [p.stem for p in SCHEMES] == [
        "community-care",
        "community-monthly",
        "migrant-services",
        "town-plan",
        "township-targets",
        "village-fp-1000",
    ]


@pytest.mark.parametrize("scheme", SCHEMES, ids=[p.stem for p in SCHEMES])
def test_scheme_checks_scores_and_matches_expected(scheme: Path) -> None:
    data = ROOT / "schemes" / "examples" / f"{scheme.stem}.data.yaml"
    expected = ROOT / "schemes" / "examples" / f"{scheme.stem}.expected.json"
    out, err = io.StringIO(), io.StringIO()
    assert main(["check", str(scheme)], out, err) == EXIT_OK, err.getvalue()
    assert "0 warning(s)" in out.getvalue()
    out = io.StringIO()
    params = ROOT / "schemes" / "examples" / f"{scheme.stem}.params.yaml"
    given = ["--params", str(params)] if params.exists() else []
    args = ["score", str(scheme), str(data), "--format", "json", "--no-audit", *given]
    assert main(args, out, err) == EXIT_OK, err.getvalue()
    assert out.getvalue() == expected.read_text(encoding="utf-8")
    assert (ROOT / "docs" / "schemes" / f"{scheme.stem}.md").exists()


@pytest.mark.parametrize("scheme", SCHEMES, ids=[p.stem for p in SCHEMES])
def test_reference_engine_and_audit_agree_on_every_shipped_scheme(scheme: Path) -> None:
    loaded = load_shipped(scheme)
    data = rulebook.read_data(ROOT / "schemes" / "examples" / f"{scheme.stem}.data.yaml", loaded)
    compiled = rulebook.evaluate(loaded, data)
    assert rulebook.evaluate(loaded, data, engine="reference").to_dict() == compiled.to_dict()
    json.dumps(compiled.to_dict())  # the full audit serialises
