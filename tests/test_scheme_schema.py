"""The JSON Schema of scheme files (docs/scheme.schema.json), generated from rulebook.scheme.keys.

It must accept every scheme rulebook accepts (the shipped ones and the cookbook's), reject every
*structural* mistake of the malformed-scheme corpus (an unknown key, a wrong type, a missing
required key, a value outside its closed set or range), and stay equal to its generator.
Semantic mistakes (a formula naming something undeclared, a cycle, a cap below its floor, a
pattern's arguments, two nodes with one id) depend on the meaning of names and formulas, which a
JSON Schema cannot see: those corpus files must still *pass* the schema, which shows where its
job ends and `rulebook check`'s begins.
"""

from __future__ import annotations

import copy
import functools
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_cookbook import RECIPES

from rulebook.cli import EXIT_OK, main
from rulebook.errors import SchemeError
from rulebook.scheme import keys
from rulebook.scheme.build import build
from rulebook.scheme.loader import Source, load_file, load_text
from rulebook.scheme.schema import schema_text, scheme_schema

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "docs" / "scheme.schema.json"
SHIPPED = sorted(p for p in (ROOT / "schemes").glob("*.yaml") if not p.name.endswith(".tests.yaml"))
CORPUS = ROOT / "tests" / "data" / "invalid"
MODELINE = "# yaml-language-server: $schema=../docs/scheme.schema.json"

STRUCTURAL = {
    "03-unknown-top-key": "unknown key `indicator` at the top",
    "04-unknown-node-key": "unknown key `exprs` in a node",
    "05-unknown-indicator-key": "unknown key `maximum` in an indicator",
    "06-wrong-type-standard": "`standard: lots`: text where a number belongs",
    "09-missing-tree": "required `tree` missing",
    "10-missing-scheme-id": "required `scheme.id` missing",
    "19-negative-weight": "a period weight below its minimum 0",
    "23-bad-rounding-mode": "`half-up` is not one of the rounding modes",
    "28-unknown-indicator-type": "`integer` is not one of the indicator types",
    "29-enum-without-values": "an enum indicator without its required `values`",
    "34-reserved-name": "`total` is a reserved id",
    "35-children-and-expr": "a node with both `children` and `expr`",
    "37-unknown-role": "`bonnus` is not one of the roles",
    "38-non-ascii-id": "`村两委` does not match the id pattern",
    "39-places-out-of-range": "`places: 12` above its maximum 10",
    "40-let-in-group": "a node with both `children` and `let`",
    "42-not-a-mapping": "the file is a list, not a mapping",
    "46-thousands-in-flow-mapping": "`1,000` in `{…}`: an unknown key `000`",
    "p2-parameter-no-value": "`limit:` with nothing: neither a number nor a mapping",
    "47-thousands-as-text": "`standard_total: 1,000`: text where a number belongs",
    "55-enum-no-read-as-false": "an enum value `no` read as false: not a string",
    "56-zero-width-space-in-key": "unknown key `expr` + U+200B",
    "59-byte-order-mark-inside": "unknown key U+FEFF + `tree` (and so no `tree`)",
    "62-title-not-text": "mappings where the title and version belong",
    "63-standard-total-not-a-number": "a list where a number belongs",
    "64-python-keyword-id": "`lambda` is a reserved id",
    "91-reference-not-text": "a mapping where a `reference` (text) belongs",
    "periodnode-unknown-aggregator": "`aggregate: summ` is not a period aggregator",
    "72-na-unknown-rule": "`rescaled` is not one of the not_applicable rules",
}
"""Corpus files whose mistake is in the structure, each with what the schema must catch."""

SEMANTIC = {
    "p1-parameter-value-null",
    "p4-duration-bad-max",
    "p3-parameter-required-with-value",
    "08-duplicate-node-id",
    "11-unknown-name",
    "12-expression-syntax",
    "13-attribute-access",
    "14-subscript",
    "15-lambda",
    "16-two-statements",
    "17-cycle",
    "18-cap-below-floor",
    "20-zero-weights",
    "21-per-period-without-aggregation",
    "22-unknown-enum-value",
    "24-undefined-pattern",
    "25-undefined-parameter",
    "26-pattern-missing-argument",
    "27-pattern-unknown-argument",
    "30-bool-in-arithmetic",
    "31-unknown-function",
    "32-keyword-argument",
    "33-big-exponent",
    "36-ranking-unknown-basis",
    "41-multiline-unknown-name",
    "43-enum-compared-with-number",
    "44-weight-outside-period",
    "45-thousands-in-formula",
    "48-full-width-punctuation",
    "49-full-width-digits",
    "51-chinese-or",
    "52-chinese-and",
    "53-equals-lowercase-true",
    "54-single-equals",
    "57-no-break-space-in-formula",
    "65-full-width-letters-in-name",
    "66-curly-quotes-in-formula",
    "67-default-outside-domain",
    "68-parameter-past-the-ceiling",
    "69-limits-past-the-hard-maximum",
    "90-demoted-within-needs-asc",
    "92-demoted-within-without-demote-if",
    "93-demoted-within-unknown-parameter",
    "94-demoted-within-parameter-by-unit",
    "95-demoted-within-parameter-not-whole",
    "80-aggregate-unknown-by",
    "81-aggregate-by-not-enum",
    "82-aggregate-of-unknown-name",
    "83-aggregate-cycle",
    "84-aggregate-two-functions",
    "85-group-value-reads-a-unit-name",
    "86-group-value-mixes-groupings",
    "70-table-band-gap",
    "71-table-band-overlap",
    "72-table-band-unordered",
    "73-table-lookup-unmapped-value",
    "74-table-lookup-unknown-key",
    "75-table-lookup-of-a-number",
    "76-table-name-clash",
    "77-table-named-like-a-function",
    "78-table-band-misses-the-domain",
    "79-table-empty-band",
    "periodnode-aggregate-on-a-node-scored-once",
    "periodnode-child-on-another-axis",
    "periodnode-per-item-without-aggregate",
    "periodnode-per-names-no-set",
    "periodnode-per-without-periods",
    "periodnode-period-cap-on-a-group",
    "periodnode-period-scores-read-unaggregated",
    "70-na-rescale-without-standards",
    "71-na-group-without-rule",
    "73-na-veto-reads-na",
    "74-na-rule-on-an-item",
    "75-na-total-without-rule",
    "70-round-unknown-mode",
    "71-round-places-not-constant",
    "72-exponent-per-unit-parameter",
    "73-pattern-exponent-argument-computed",
}
"""Corpus files whose mistake is in the meaning of names or formulas: out of a schema's reach."""

NOT_YAML = {
    "01-yaml-syntax",
    "02-tab-indentation",
    "07-duplicate-key",
    "50-full-width-colon",
    "58-no-break-space-in-indentation",
    "60-unclosed-quote",
    "61-unclosed-quote-at-end",
}
"""Corpus files the YAML reader itself refuses (no document to validate)."""


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = scheme_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def errors(validator: jsonschema.Draft7Validator, data: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)
    ]


def test_the_committed_schema_is_the_generated_one() -> None:
    """Regenerate with `rulebook schema > docs/scheme.schema.json` after changing keys.py."""
    assert COMMITTED.read_text(encoding="utf-8") == schema_text()


def test_rulebook_schema_prints_it() -> None:
    out = io.StringIO()
    assert main(["schema"], out, io.StringIO()) == EXIT_OK
    assert json.loads(out.getvalue()) == scheme_schema()


def test_every_record_and_key_is_described() -> None:
    """Editors show these on hover: no key goes without its line of meaning."""
    schema = scheme_schema()
    for record in keys.RECORDS.values():
        body = schema if record is keys.TOP else schema["definitions"][record.name]
        assert body["description"] == record.doc
        assert list(body["properties"]) == list(record.names)
        assert all(prop["description"] for prop in body["properties"].values())


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_scheme_is_valid_and_carries_the_modeline(
    path: Path, validator: jsonschema.Draft7Validator
) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == MODELINE
    assert (path.parent / MODELINE.split("=", 1)[1]).resolve() == COMMITTED
    data, _ = load_file(path)
    assert errors(validator, data) == []


@pytest.mark.parametrize(
    "scheme_text", [r[1] for r in RECIPES], ids=[r[0].split(" — ")[0] for r in RECIPES]
)
def test_every_cookbook_scheme_is_valid(
    scheme_text: str, validator: jsonschema.Draft7Validator
) -> None:
    data, _ = load_text(scheme_text, "cookbook")
    assert errors(validator, data) == []


def test_every_corpus_file_is_classified() -> None:
    """A new malformed scheme must be sorted into one of the three kinds (and so tested)."""
    stems = {p.stem for p in CORPUS.glob("*.yaml")}
    assert stems == set(STRUCTURAL) | SEMANTIC | NOT_YAML
    assert not (set(STRUCTURAL) & SEMANTIC)


@pytest.mark.parametrize("stem", sorted(STRUCTURAL))
def test_a_structural_mistake_is_rejected(stem: str, validator: jsonschema.Draft7Validator) -> None:
    data, _ = load_file(CORPUS / f"{stem}.yaml")
    assert errors(validator, data), STRUCTURAL[stem]


@pytest.mark.parametrize("stem", sorted(SEMANTIC))
def test_a_semantic_mistake_is_beyond_the_schema(
    stem: str, validator: jsonschema.Draft7Validator
) -> None:
    data, _ = load_file(CORPUS / f"{stem}.yaml")
    assert errors(validator, data) == []


@pytest.mark.parametrize("stem", sorted(NOT_YAML))
def test_a_yaml_mistake_never_reaches_the_schema(stem: str) -> None:
    with pytest.raises(SchemeError):
        load_file(CORPUS / f"{stem}.yaml")


def test_the_unknown_key_message_points_at_the_key(validator: jsonschema.Draft7Validator) -> None:
    """What an editor underlines: `maximum` (not `max`) in indicator `meetings_missed`."""
    data, _ = load_file(CORPUS / "05-unknown-indicator-key.yaml")
    assert errors(validator, data) == [
        "indicators/meetings_missed: Additional properties are not allowed "
        "('maximum' was unexpected)"
    ]


def _paths(data: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Every key path in `data` (mappings and lists), the root included."""
    out = [path]
    if isinstance(data, dict):
        for key, value in data.items():
            out.extend(_paths(value, (*path, key)))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out.extend(_paths(value, (*path, i)))
    return out


def _at(data: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


REPLACEMENTS: list[Any] = ["text", 7, Decimal("2.5"), True, None, [], ["a"], {}, {"k": 1}]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_schema_never_rejects_a_scheme_rulebook_accepts(data: st.DataObject) -> None:
    """Editors must not underline what `rulebook check` accepts: mutate a shipped scheme (drop
    a key, add one, or put a value of another type somewhere) and whenever the builder still
    accepts it, the schema must too. A key added to a record (a mapping with a fixed set of
    keys, from keys.py) is refused by both: the builder checks every record's keys."""
    path = data.draw(st.sampled_from(SHIPPED), label="scheme")
    loaded, source = _loaded(path)
    mutated = copy.deepcopy(loaded)
    where = data.draw(st.sampled_from(_paths(mutated)[1:]), label="path")
    parent = _at(mutated, where[:-1])
    action = data.draw(st.sampled_from(["drop", "add", "replace"]), label="action")
    if action == "drop" and isinstance(parent, dict):
        del parent[where[-1]]
    elif action == "add" and isinstance(parent, dict):
        parent["bogus_key"] = 1
    else:
        action = "replace"
        parent[where[-1]] = data.draw(st.sampled_from(REPLACEMENTS), label="value")
    schema_ok = not errors(_validator(), mutated)
    try:
        build(mutated, source)
        builder_ok = True
    except SchemeError:
        builder_ok = False
    if builder_ok:
        assert schema_ok, "the schema refuses a scheme rulebook accepts"
    if action == "add" and isinstance(_shape_at(loaded, where[:-1]), keys.Record):
        assert not builder_ok and not schema_ok, "a key outside the table went unnoticed"


@functools.cache
def _loaded(path: Path) -> tuple[Any, Source]:
    return load_file(path)


@functools.cache
def _validator() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(scheme_schema())


def _shape_at(data: Any, path: tuple[str | int, ...]) -> keys.Shape:
    """The key table's shape for the value at `path` of a valid scheme: records by their keys,
    lists by their items, free-name mappings by their values, alternatives by the data."""
    shape: keys.Shape = keys.TOP
    for part in path:
        data = data[part]
        shape = _resolve(shape, None)
        if isinstance(shape, keys.Record):
            shape = next(k.shape for k in shape.keys if k.name == part)
        elif isinstance(shape, keys.ListOf):
            shape = shape.item
        elif isinstance(shape, keys.MapOf):
            shape = shape.value
        shape = _resolve(shape, data)
    return shape


def _resolve(shape: keys.Shape, data: Any) -> keys.Shape:
    """A `Ref` as its record; an `Either` as the option the data takes (a mapping picks the
    record or mapping option)."""
    if isinstance(shape, keys.Ref):
        return keys.RECORDS[shape.name]
    if isinstance(shape, keys.Either) and data is not None:
        for written in shape.options:
            option = _resolve(written, None)
            if isinstance(data, dict) == isinstance(option, keys.Record | keys.MapOf):
                return option
    return shape
