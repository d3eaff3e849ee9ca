"""Indent-2 JSON, byte for byte as `json.dumps(value, ensure_ascii=False, indent=2)` writes
it, but faster: with an indent the standard library falls back to its pure-Python encoder; this
writes the structure itself and leaves strings to the C string escaper. The pretty document's
units (`rulebook.render.jsonout`, `rulebook.render.unitjson`) are written with it."""

from __future__ import annotations

import json
from typing import Any


def dumps(entry: dict[str, Any]) -> str:
    """`json.dumps(entry, ensure_ascii=False, indent=2)`, byte for byte."""
    parts: list[str] = []
    pretty(entry, "\n", parts)
    return "".join(parts)


_string = json.encoder.encode_basestring  # the C escaper (ensure_ascii=False)
_ATOMS = {True: "true", False: "false"}


def pretty(value: Any, newline: str, parts: list[str]) -> None:
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
            pretty(item, inner, parts)
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
            pretty(item, inner, parts)
            separator = "," + inner
        parts.append(newline + "]")
    elif kind is bool:
        parts.append(_ATOMS[value])
    elif value is None:
        parts.append("null")
    else:  # int, float, and anything else: as the standard library writes it
        parts.append(json.dumps(value, ensure_ascii=False, indent=2).replace("\n", newline))
