"""A progress bar on stderr for long runs (reading, scoring, writing), only when stderr is a
terminal.

Writers take an optional `Tick` (anything with `update(n)`) and call it as units are written
(per unit, or per batch of units); `evaluate` takes a `progress(done, total)` callable
(`scoring_bar`); reading shows the file being read (`reading_bar`). The CLI passes these when
the run is long and stderr is a terminal, and nothing otherwise, so the output never depends on
them. tqdm is the optional extra `progress` (pure Python, no dependencies of its own); without
it there is simply no bar.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol, TextIO

LONG_RUN = 2000
"""Units from which a run counts as long enough to show a bar."""

LONG_READ = 1_000_000
"""Bytes of data file from which reading counts as long enough to show a bar."""


class Tick(Protocol):
    """What a writer calls as it goes: a tqdm bar, or anything with `update`."""

    def update(self, n: int = 1) -> object: ...


@contextmanager
def progress_bar(
    units: int, stream: TextIO, *, quiet: bool = False, label: str = "writing"
) -> Iterator[Tick | None]:
    """A bar over `units` on `stream`, or None (quiet, short run, not a terminal, no tqdm)."""
    if quiet or units < LONG_RUN or not _is_terminal(stream):
        yield None
        return
    try:
        from tqdm import tqdm  # type: ignore[import-untyped]
    except ImportError:
        yield None
        return
    raw = _raw(stream)
    with tqdm(total=units, file=raw, unit="unit", desc=label, leave=False, **_size(raw)) as bar:
        yield bar


@contextmanager
def scoring_bar(
    units: int, stream: TextIO, *, quiet: bool = False
) -> Iterator[Callable[[int, int], None] | None]:
    """`evaluate`'s `progress` callable drawing a "scoring" bar, or None (as `progress_bar`)."""
    with progress_bar(units, stream, quiet=quiet, label="scoring") as tick:
        if tick is None:
            yield None
            return
        bar: Any = tick

        def report(done: int, total: int) -> None:
            # `evaluate` counts units × passes; the bar shows the share done in units
            bar.n = done * units // total if total else units
            bar.refresh()

        yield report


@contextmanager
def reading_bar(path: str, stream: TextIO, *, quiet: bool = False) -> Iterator[None]:
    """A "reading" bar over a data file's bytes while it is read and checked (drawn at the
    start, filled at the end: the readers parse in one C call), for a file of `LONG_READ`
    bytes or more on a terminal; nothing otherwise."""
    try:
        size = Path(path).stat().st_size
    except OSError:
        size = 0
    if quiet or size < LONG_READ or not _is_terminal(stream):
        yield
        return
    try:
        from tqdm import tqdm
    except ImportError:
        yield
        return
    raw = _raw(stream)
    with tqdm(
        total=size,
        file=raw,
        **_size(raw),
        unit="B",
        unit_scale=True,
        desc=f"reading {Path(path).name}",
        leave=False,
    ) as bar:
        yield
        bar.update(size)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _size(stream: TextIO) -> dict[str, int]:
    """The bar's size where the terminal says it has none (a pseudo-terminal nobody sized, as
    `script` or a CI runner makes): 80 columns and 24 rows, where tqdm would draw nothing at
    all; else nothing (tqdm asks the terminal)."""
    try:
        size = os.get_terminal_size(stream.fileno())
    except (AttributeError, ValueError, OSError):
        return {}
    return {} if size.columns and size.lines else {"ncols": 80, "nrows": 24}


def _raw(stream: TextIO) -> TextIO:
    """The terminal under the CLI's escaping wrapper of standard error (`cli._Diagnostics`):
    a bar redraws itself with carriage returns, which the wrapper would show as `\\x0d`."""
    raw: TextIO = getattr(stream, "stream", stream)
    return raw
