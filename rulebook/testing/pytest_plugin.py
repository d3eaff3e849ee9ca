"""A pytest plugin (registered as an entry point, on when rulebook is installed): every
`*.tests.yaml` file pytest meets becomes a file of test items, one per case."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rulebook.testing.cases import CaseResult, run_file


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.File | None:
    if file_path.name.endswith(".tests.yaml"):
        return SchemeTestsFile.from_parent(parent, path=file_path)
    return None


class SchemeTestsFile(pytest.File):
    """A scheme's YAML test cases; the scheme is scored once per case."""

    def collect(self) -> Iterator[pytest.Item]:
        for result in run_file(self.path):
            yield SchemeCase.from_parent(self, name=result.name, result=result)


class SchemeCase(pytest.Item):
    """One YAML case: it fails with the case's file:line, the node, expected vs got, the audit."""

    def __init__(self, *, result: CaseResult, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.result = result

    def runtest(self) -> None:
        if not self.result.passed:
            raise SchemeCaseFailed(self.result)

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        if isinstance(excinfo.value, SchemeCaseFailed):
            return "\n".join(f.render() for f in excinfo.value.result.failures)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.result.location.line - 1, f"case {self.name}"


class SchemeCaseFailed(Exception):
    def __init__(self, result: CaseResult) -> None:
        super().__init__(result.name)
        self.result = result
