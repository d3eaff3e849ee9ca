"""JSON renderings of the result contract (docs/output.md): one pretty document, or JSON lines
(the head — format, manifest, periods — then one unit per line, then, for a scheme with
aggregates, one line `{"groups": [...]}`). Both are written unit by unit,
so a large result is never held as one document; the pretty form is byte-identical to
`json.dumps(result.to_dict(), indent=2, ensure_ascii=False)`.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from itertools import islice
from typing import TextIO

from rulebook.audit.result import Result
from rulebook.render.prettyjson import dumps as _dumps
from rulebook.render.progress import Tick
from rulebook.render.unitjson import UnitTexts

_COMPACT = (",", ":")

_BATCH = 250
"""Units whose text is written in one call (and counted in one progress update): few enough
that the batch's text (about 1.7 MB pretty for the village scheme) stays small."""

_INDENT = "    "
"""Where a unit's entry starts in the pretty document (inside `units`)."""


def write_json(
    result: Result, out: TextIO, *, audit: bool = False, progress: Tick | None = None
) -> None:
    """The pretty JSON document, streamed: the head, then each unit as it is formed."""
    head = json.dumps(result.head(), ensure_ascii=False, indent=2)
    out.write(head[:-2] + ',\n  "units": [')
    first = True
    for batch in _batches(_pretty_units(result, audit)):
        out.write(("\n" if first else ",\n") + _INDENT + (",\n" + _INDENT).join(batch))
        first = False
        if progress is not None:
            progress.update(len(batch))
    out.write("]" if first else "\n  ]")
    if result.scheme.groupings:  # group rows once every unit is written
        groups = json.dumps(result.group_dicts(), ensure_ascii=False, indent=2)
        out.write(',\n  "groups": ' + groups.replace("\n", "\n  "))
    out.write("\n}\n")


def write_jsonl(
    result: Result, out: TextIO, *, audit: bool = False, progress: Tick | None = None
) -> None:
    """JSON lines: the head on the first line, then one compact unit object per line."""
    out.write(json.dumps(result.head(), ensure_ascii=False, separators=_COMPACT) + "\n")
    if audit:
        encode = json.JSONEncoder(ensure_ascii=False, separators=_COMPACT).encode  # made once
        lines: Iterator[str] = map(encode, result.unit_dicts(audit=True))
    else:
        lines = UnitTexts(result).texts()
    for batch in _batches(lines):
        out.write("\n".join(batch) + "\n")
        if progress is not None:
            progress.update(len(batch))
    if result.scheme.groupings:  # one last line: the group rows
        groups = {"groups": result.group_dicts()}
        out.write(json.dumps(groups, ensure_ascii=False, separators=_COMPACT) + "\n")


def _pretty_units(result: Result, audit: bool) -> Iterator[str]:
    """Each unit's entry as indented text, as it stands in the document's `units`."""
    if not audit:
        return UnitTexts(result, indent=_INDENT).texts()
    return (_dumps(e).replace("\n", "\n" + _INDENT) for e in result.unit_dicts(audit=True))


def _batches(texts: Iterator[str]) -> Iterator[list[str]]:
    """`texts` in lists of up to `_BATCH`."""
    while batch := list(islice(texts, _BATCH)):
        yield batch


def to_json(result: Result, *, audit: bool = True) -> str:
    """The pretty document as a string (UTF-8 labels kept as written)."""
    buffer = io.StringIO()
    write_json(result, buffer, audit=audit)
    return buffer.getvalue()
