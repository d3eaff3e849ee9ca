"""A progress bar on stderr for long writes, only when stderr is a terminal.

Writers take an optional `Tick` (anything with `update(n)`) and call it once per unit; the CLI
passes a tqdm bar when the run is long and stderr is a terminal, and nothing otherwise, so the
written output never depends on it. tqdm is the optional extra `progress` (pure Python, no
dependencies of its own); without it there is simply no bar.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol, TextIO

LONG_RUN = 2000
"""Units from which a run counts as long enough to show a bar."""


class Tick(Protocol):
    def update(self, n: int = 1) -> object: ...


@contextmanager
def progress_bar(units: int, stream: TextIO, *, quiet: bool = False,
                 label: str = "writing") -> Iterator[Tick | None]:
    """A bar over `units` on `stream`, or None (quiet, short run, not a terminal, no tqdm)."""
    if quiet or units < LONG_RUN or not _is_terminal(stream):
        yield None
        return
    try:
        from tqdm import tqdm  # type: ignore[import-untyped]
    except ImportError:
        yield None
        return
    with tqdm(total=units, file=stream, unit="unit", desc=label, leave=False) as bar:
        yield bar


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
