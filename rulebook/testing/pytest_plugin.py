"""A pytest plugin (registered as an entry point, on when rulebook is installed): every
`*.tests.yaml` file pytest meets becomes a file of test items, one per case.

Collection only parses the tests file (size-capped), so `-k` selects cases and collecting a
folder never loads a scheme or data file; the scheme is loaded, once per file, when its first
case runs, and a scheme or data file that does not load fails the cases that need it, with its
located message. Symlinked tests files are not collected.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rulebook.errors import RulebookError
from rulebook.scheme.model import Scheme
from rulebook.testing.cases import CaseResult, CasesFile, load_scheme, parse_file, run_case


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.File | None:
    if file_path.name.endswith(".tests.yaml") and not _symlinked(file_path, parent):
        return SchemeTestsFile.from_parent(parent, path=file_path)
    return None


def _symlinked(path: Path, parent: pytest.Collector) -> bool:
    """Whether the file, or a folder between it and pytest's root folder, is a symlink."""
    root = Path(parent.config.rootpath)
    probe = path
    while True:
        if probe.is_symlink():
            return True
        if probe in (root, probe.parent):
            return False
        probe = probe.parent


class SchemeTestsFile(pytest.File):
    """A scheme's YAML test cases; the scheme is loaded once, by the first case that runs."""

    def collect(self) -> Iterator[pytest.Item]:
        self.cases = parse_file(self.path)
        self._scheme: Scheme | RulebookError | None = None
        names = self.cases.names
        for index, name in enumerate(names):
            shown = name if names.count(name) == 1 else f"{name} #{index}"
            yield SchemeCase.from_parent(self, name=shown, index=index)

    def scheme(self) -> Scheme:
        """The scheme, loaded at the first call; a load error is kept and raised again."""
        if self._scheme is None:
            try:
                self._scheme = load_scheme(self.cases)
            except RulebookError as exc:
                self._scheme = exc
        if isinstance(self._scheme, RulebookError):
            raise self._scheme
        return self._scheme

    def repr_failure(self, excinfo: Any, style: Any = None) -> Any:  # noqa: ARG002 - pytest's hook
        if isinstance(excinfo.value, RulebookError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


class SchemeCase(pytest.Item):
    """One YAML case: it fails with the case's file:line, the node, expected vs got, the audit;
    or with the located message of a scheme or data file that does not load."""

    parent: SchemeTestsFile

    def __init__(self, *, index: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.index = index

    def runtest(self) -> None:
        cases: CasesFile = self.parent.cases
        result = run_case(cases, self.parent.scheme(), self.index)
        if not result.passed:
            raise SchemeCaseFailed(result)

    def repr_failure(self, excinfo: Any, style: Any = None) -> Any:  # noqa: ARG002 - pytest's hook
        if isinstance(excinfo.value, SchemeCaseFailed):
            return "\n".join(f.render() for f in excinfo.value.result.failures)
        if isinstance(excinfo.value, RulebookError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.parent.cases.location(self.index).line - 1, f"case {self.name}"


class SchemeCaseFailed(Exception):
    """A YAML case whose expectations did not hold; its item renders the located failure."""

    def __init__(self, result: CaseResult) -> None:
        super().__init__(result.name)
        self.result = result
