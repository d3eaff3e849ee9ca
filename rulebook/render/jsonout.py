"""JSON renderings of the result contract (docs/output.md): one pretty document, or JSON lines
(the head — format, manifest, periods — then one unit per line, then, for a scheme with
aggregates, one line `{"groups": [...]}`). Both are written unit by unit,
so a large result is never held as one document; the pretty form is byte-identical to
`json.dumps(result.to_dict(), indent=2, ensure_ascii=False)`.
"""

from __future__ import annotations

import io
import json
from typing import Any, TextIO

from rulebook.audit.result import Result
from rulebook.render.progress import Tick

_COMPACT = (",", ":")


def write_json(
    result: Result, out: TextIO, *, audit: bool = False, progress: Tick | None = None
) -> None:
    """The pretty JSON document, streamed: the head, then each unit as it is formed."""
    head = json.dumps(result.head(), ensure_ascii=False, indent=2)
    out.write(head[:-2] + ',\n  "units": [')
    first = True
    for entry in result.unit_dicts(audit=audit):
        out.write("\n    " if first else ",\n    ")
        out.write(_dumps(entry).replace("\n", "\n    "))
        first = False
        if progress is not None:
            progress.update(1)
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
    encode = json.JSONEncoder(ensure_ascii=False, separators=_COMPACT).encode  # made once
    for entry in result.unit_dicts(audit=audit):
        out.write(encode(entry) + "\n")
        if progress is not None:
            progress.update(1)
    if result.scheme.groupings:  # one last line: the group rows
        groups = {"groups": result.group_dicts()}
        out.write(json.dumps(groups, ensure_ascii=False, separators=_COMPACT) + "\n")


def to_json(result: Result, *, audit: bool = True) -> str:
    """The pretty document as a string (UTF-8 labels kept as written)."""
    buffer = io.StringIO()
    write_json(result, buffer, audit=audit)
    return buffer.getvalue()


def _dumps(entry: dict[str, Any]) -> str:
    """`json.dumps(entry, ensure_ascii=False, indent=2)`, byte for byte, faster: with an
    indent the standard library falls back to its pure-Python encoder; this writes the
    structure itself and leaves strings to the C string encoder."""
    parts: list[str] = []
    _pretty(entry, "\n", parts)
    return "".join(parts)


_string = json.encoder.encode_basestring  # the C escaper (ensure_ascii=False)
_ATOMS = {True: "true", False: "false"}


def _pretty(value: Any, newline: str, parts: list[str]) -> None:
    """Append `value` as indent-2 JSON; `newline` is a line break plus the current indent."""
    kind = value.__class__
    if kind is str:
        parts.append(_string(value))
    elif kind is dict:
        if not value:
            parts.append("{}")
            return
        inner = newline + "  "
        separator = "{" + inner
        for key, item in value.items():
            parts.append(separator)
            parts.append(_string(key if key.__class__ is str else json.dumps(key)))
            parts.append(": ")
            _pretty(item, inner, parts)
            separator = "," + inner
        parts.append(newline + "}")
    elif kind is list:
        if not value:
            parts.append("[]")
            return
        inner = newline + "  "
        separator = "[" + inner
        for item in value:
            parts.append(separator)
            _pretty(item, inner, parts)
            separator = "," + inner
        parts.append(newline + "]")
    elif kind is bool:
        parts.append(_ATOMS[value])
    elif value is None:
        parts.append("null")
    else:  # int, float, and anything else: as the standard library writes it
        parts.append(json.dumps(value, ensure_ascii=False, indent=2).replace("\n", newline))
