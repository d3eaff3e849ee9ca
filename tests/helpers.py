"""Small helpers for tests: build a scheme from a YAML snippet and score plain data."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from typing import Any

import rulebook


def scheme(yaml_text: str, file: str = "test.yaml") -> rulebook.Scheme:
    return rulebook.loads(textwrap.dedent(yaml_text), file)


def score(yaml_text: str, units: dict[str, dict[str, Any]]) -> rulebook.Result:
    return rulebook.evaluate(scheme(yaml_text), {"units": units})


def scores(result: rulebook.Result, unit: str) -> dict[str, Decimal]:
    return dict(result.unit(unit).scores)


def problems(yaml_text: str) -> list[str]:
    """Every rendered problem of an invalid scheme (the test fails if it loads)."""
    try:
        scheme(yaml_text)
    except rulebook.SchemeError as exc:
        return [p.render() for p in exc.problems if p.severity == "error"]
    raise AssertionError("scheme loaded but was expected to fail")
