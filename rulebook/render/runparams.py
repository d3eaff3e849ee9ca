"""The one line that says which parameter values a run was given at run time (`--params FILE`,
`rulebook.with_parameters`), for the human outputs (table header, `explain` header, HTML
manifest line); the JSON and xlsx record the same values in the manifest. Plain text: each
renderer escapes it for its medium (a params file may come from someone else)."""

from __future__ import annotations

from rulebook.scheme.model import Scheme

MAX_SHOWN = 20
"""Parameters named on the line at most; more are counted (`… and 3 more`)."""


def parameters_line(scheme: Scheme) -> str | None:
    """`parameters given at run time (FILE): a = 1, b = 2 (by unit: x 3, y 4)`; None when the
    run uses the scheme's own values only."""
    given = scheme.supplied
    if given is None or not given.values:
        return None
    parts = []
    for name, value in list(given.values.items())[:MAX_SHOWN]:
        if isinstance(value, dict):  # a per-unit parameter: its default and each unit's value
            units = ", ".join(f"{u} {v}" for u, v in list(value["by_unit"].items())[:MAX_SHOWN])
            more = len(value["by_unit"]) - MAX_SHOWN
            units += f", … and {more} more" if more > 0 else ""
            parts.append(f"{name} = {value['value']} (by unit: {units})")
        else:
            parts.append(f"{name} = {value}")
    more = len(given.values) - MAX_SHOWN
    if more > 0:
        parts.append(f"… and {more} more")
    source = f" ({given.file})" if given.file else ""
    return f"parameters given at run time{source}: " + ", ".join(parts)
