"""The JSON Schema of scheme files, generated from the key tables of `rulebook.scheme.keys`.

Editors (VS Code with yaml-language-server, JetBrains) use it to complete keys as they are typed,
show each key's meaning on hover and flag unknown keys, wrong types and missing required keys.
It is draft-07, the newest draft every released yaml-language-server understands (2019-09
and 2020-12 only since its 1.20), and it has no `$id`: editors read it from the file named in a
scheme's modeline, `# yaml-language-server: $schema=../docs/scheme.schema.json`. It describes
*structure* only: whether a formula's names exist or the graph has a cycle is for
`rulebook check`. `docs/scheme.schema.json` is this output, committed (a test keeps it equal).
"""

from __future__ import annotations

import json
from typing import Any

from rulebook.scheme import keys

DRAFT = "http://json-schema.org/draft-07/schema#"


def scheme_schema() -> dict[str, Any]:
    """The schema as a JSON-ready dict: the top-level record inline, every other record under
    `definitions` (so a node's `children` can refer to the node record itself)."""
    top = _record(keys.TOP)
    definitions = {
        name: _record(record)
        for name, record in sorted(keys.RECORDS.items())
        if record is not keys.TOP
    }
    return {
        "$schema": DRAFT,
        "title": "rulebook scheme",
        **top,
        "definitions": definitions,
    }


def schema_text() -> str:
    """The schema as the text of docs/scheme.schema.json: stable key order, UTF-8, final newline."""
    return json.dumps(scheme_schema(), ensure_ascii=False, indent=2) + "\n"


def _record(record: keys.Record) -> dict[str, Any]:
    """A record as an object schema: its keys described, others refused."""
    out: dict[str, Any] = {
        "description": record.doc,
        "type": "object",
        "properties": {key.name: _property(key) for key in record.keys},
        "additionalProperties": False,
    }
    if record.required:
        out["required"] = list(record.required)
    rules = [
        {"if": {"required": [key]}, "then": {"not": {"anyOf": [{"required": [o]} for o in others]}}}
        for key, others in record.excludes
    ] + [
        {
            "if": {"required": [other], "properties": {other: {"const": value}}},
            "then": {"required": [key]},
        }
        for key, other, value in record.required_when
    ]
    if rules:
        out["allOf"] = rules
    return out


def _property(key: keys.Key) -> dict[str, Any]:
    """One key of a record. An optional key may also be left empty (`label:` with nothing is
    YAML's null, which rulebook reads as absent); a required one may not."""
    shape = _shape(key.shape)
    if not key.required:
        shape = _or_null(shape)
    if key.default is not None:
        shape["default"] = key.default
    return {**shape, "description": key.doc}


def _or_null(shape: dict[str, Any]) -> dict[str, Any]:
    """`shape` or null, keeping the schema flat where it can (so an editor's message about a
    wrong type stays about the type, not about "none of the alternatives")."""
    if "type" in shape:
        types = shape["type"] if isinstance(shape["type"], list) else [shape["type"]]
        return {**shape, "type": [*types, "null"]}
    if "enum" in shape:
        return {**shape, "enum": [*shape["enum"], None]}
    if "anyOf" in shape:
        return {**shape, "anyOf": [*shape["anyOf"], {"type": "null"}]}
    if not shape:
        return shape
    return {"anyOf": [shape, {"type": "null"}]}


def _shape(shape: keys.Shape) -> dict[str, Any]:
    """The JSON Schema of one shape (a record is referred to, never repeated)."""
    if isinstance(shape, keys.Record):
        return {"$ref": f"#/definitions/{shape.name}"}
    if isinstance(shape, keys.Ref):
        if shape.name not in keys.RECORDS:
            raise KeyError(f"keys.Ref names no record: {shape.name}")
        return {"$ref": f"#/definitions/{shape.name}"}
    if isinstance(shape, keys.Scalar):
        return _scalar(shape.kind)
    if isinstance(shape, keys.Number):
        return (
            {"type": "number"}
            if shape.minimum is None
            else {"type": "number", "minimum": shape.minimum}
        )
    if isinstance(shape, keys.Whole):
        return {"type": "integer", "minimum": shape.low, "maximum": shape.high}
    if isinstance(shape, keys.Choice):
        return {"enum": list(shape.values)}
    if isinstance(shape, keys.ListOf):
        out: dict[str, Any] = {"type": "array", "items": _shape(shape.item)}
        if shape.non_empty:
            out["minItems"] = 1
        return out
    if isinstance(shape, keys.MapOf):
        out = {"type": "object", "additionalProperties": _shape(shape.value)}
        if shape.ids:
            out["propertyNames"] = _scalar("id")
        return out
    return {"anyOf": [_shape(option) for option in shape.options]}


def _scalar(kind: keys.ScalarKind) -> dict[str, Any]:
    """The JSON types a scalar kind accepts (as the builder reads YAML values)."""
    if kind == "text":  # a number is kept as its text; a list of strings is a list of lines
        return {"type": ["string", "number", "array"], "items": {"type": ["string", "number"]}}
    if kind == "flag":
        return {"type": "boolean"}
    if kind == "formula":
        return {"type": ["string", "number"]}
    if kind == "empty":
        return {"type": "null"}
    if kind == "name":
        return {"type": "string"}
    if kind == "id":
        return {
            "type": "string",
            "pattern": keys.ID_PATTERN,
            "not": {"enum": sorted(keys.RESERVED)},
        }
    return {}
