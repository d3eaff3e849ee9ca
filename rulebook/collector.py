"""Pausing Python's cyclic garbage collector around passes that make many acyclic objects.

Scoring, checking and building results make a list or dict (or more) per unit and never a
cycle; each few hundred new containers set off a collection, and every so often one that walks
the whole heap — every unit made so far — again. Paused, the same pass does the same work and
nothing else. The collector is restored (if it was on) however the pass ends."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off for the `with` block, then as it was."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
