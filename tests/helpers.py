"""Small helpers for tests: build a scheme from a YAML snippet and score plain data."""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from decimal import Decimal
from pathlib import Path
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


def chromium() -> str | None:
    """A headless-capable Chromium on this machine, or None (the browser tests then skip)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def browser_dom(html: str, tmp_path: Path) -> str:
    """The DOM after a headless Chromium has loaded the page (what a reader gets)."""
    browser = chromium()
    assert browser is not None
    tmp_path.mkdir(parents=True, exist_ok=True)
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    proc = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout
