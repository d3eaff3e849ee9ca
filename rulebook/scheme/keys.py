"""The allowed keys of every mapping in a scheme file, with their shapes and a line of meaning.

One table, two readers: the builder takes its allowed-key checks, required keys and "did you
mean" candidates from here, and `rulebook.scheme.schema` turns the same table into the JSON Schema
that editors use to complete and document scheme files as they are typed. A key added here is
known to both at once. Only the *structure* lives here (which keys, which JSON types); what a
formula reads, and whether names exist, is the builder's business.
"""

from __future__ import annotations

import keyword
from typing import Any, Literal

import attrs

from rulebook.engine.semantics import AGGREGATORS as PERIOD_AGGREGATORS
from rulebook.engine.semantics import NA_RULES
from rulebook.expr.functions import PERIOD_NAMES
from rulebook.scheme.model import INDICATOR_TYPES, ROLES, ROUNDING_MODES

ID_PATTERN = "^[A-Za-z][A-Za-z0-9_]*$"
"""An id: an ASCII letter, then ASCII letters, digits and `_` (formulas read ids as names)."""

RESERVED = frozenset({"total", "vetoed", *PERIOD_NAMES, *keyword.kwlist})
"""Names no indicator, value or node may take: rulebook's own, and Python's keywords (formulas
are Python expressions). Function names live apart: only calls use them."""

ScalarKind = Literal["text", "flag", "formula", "name", "id", "any", "empty"]


@attrs.frozen
class Scalar:
    """One value: `text` (a string, a number kept as text, or a list of lines), `flag`
    (true/false), `formula` (an expression, or a bare number), `name` (a string naming
    something declared elsewhere), `id` (a new name, see ID_PATTERN), `empty` (nothing
    written: YAML's null) or `any`."""

    kind: ScalarKind


@attrs.frozen
class Number:
    """A number (whole or decimal), at least `minimum` when one is given."""

    minimum: int | None = None


@attrs.frozen
class Whole:
    """A whole number within [low, high]."""

    low: int
    high: int


@attrs.frozen
class Choice:
    """One of a closed set of words."""

    values: tuple[str, ...]


@attrs.frozen
class ListOf:
    """A list whose items all have one shape; `non_empty` when an empty list is an error."""

    item: Shape
    non_empty: bool = False


@attrs.frozen
class MapOf:
    """A mapping from names the author chooses to values of one shape; `ids` when the names
    must be ids (they become names formulas read)."""

    value: Shape
    ids: bool = True


@attrs.frozen
class Either:
    """Any of several shapes: a short form (`Q1: 4`) or the full mapping (`Q1: {weight: 4}`)."""

    options: tuple[Shape, ...]


@attrs.frozen
class Ref:
    """The record named `name` (by name, so a record can contain itself: a node's children)."""

    name: str


@attrs.frozen
class Key:
    """One allowed key of a record: its shape, its meaning, whether it must be present."""

    name: str
    shape: Shape
    doc: str
    required: bool = False
    default: str | int | None = None
    """What an absent (or empty) key means; editors offer it when completing."""


@attrs.frozen
class Record:
    """A mapping with a fixed set of keys (the `what` names it in messages and the schema)."""

    name: str
    doc: str
    keys: tuple[Key, ...]
    excludes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(key, others): a mapping with `key` may have none of `others`."""
    required_when: tuple[tuple[str, str, str], ...] = ()
    """(key, other, value): `key` is required when `other` is `value`."""

    @property
    def names(self) -> tuple[str, ...]:
        """Every allowed key, in the order the documentation lists them."""
        return tuple(k.name for k in self.keys)

    @property
    def required(self) -> tuple[str, ...]:
        """The keys that must be present."""
        return tuple(k.name for k in self.keys if k.required)

    def get(self, fields: dict[str, Any], name: str) -> Any:
        """The value written for key `name`, or the key's default when it is absent or empty
        (`key:` with nothing after it)."""
        value = fields.get(name)
        if value is not None:
            return value
        return next(k.default for k in self.keys if k.name == name)


Shape = Scalar | Number | Whole | Choice | ListOf | MapOf | Either | Ref | Record

TEXT, NUMBER, FLAG = Scalar("text"), Number(), Scalar("flag")
FORMULA, NAME, ID, ANY = Scalar("formula"), Scalar("name"), Scalar("id"), Scalar("any")
EMPTY = Scalar("empty")
DURATION_OR_NUMBER = Either((NUMBER, NAME))
"""A number, or for a `duration` indicator a time written `m:ss.xx` (a string in the schema)."""

LABEL = Key("label", TEXT, "name shown to people (may be Chinese)")
NOTE = Key("note", TEXT, "the reading of the source clause, for reviewers")
REFERENCE = Key(
    "reference",
    TEXT,
    "the clause of the source document it comes from (e.g. 范文十四 第8条), shown in reports",
)

SCHEME = Record(
    "scheme",
    "what the scheme is: its id, title and source",
    (
        Key("id", TEXT, "short id of the scheme, used in file names and reports", required=True),
        Key("title", TEXT, "the scheme's full title", required=True),
        Key("version", TEXT, 'version or year of the scheme, e.g. "2024"'),
        Key("standard_total", NUMBER, "nominal total points (e.g. 1000), shown in reports"),
        Key("source", TEXT, "the document the rules come from"),
        Key("notes", TEXT, "general notes: text or a list of lines"),
        Key("units", TEXT, "who is assessed (for readers; not used in scoring)"),
        Key(
            "language",
            Choice(("zh", "en")),
            "language of report headers: zh or en (default: zh if any label is Chinese)",
        ),
        Key(
            "limits",
            Ref("limits"),
            "raise (or lower) the ceiling on numbers written in the scheme and its data",
        ),
    ),
)

LIMITS = Record(
    "limits",
    "the ceiling on numbers written in the scheme and in its data (docs/security.md)",
    (
        Key("max_digits", Whole(1, 40), "significant digits a number may have (default 30)"),
        Key(
            "max_magnitude",
            Number(1),
            "a power of ten numbers must stay below, e.g. 1e30 (default 1e24, at most 1e35)",
        ),
    ),
)

ROUNDING = Record(
    "rounding",
    "how item scores are rounded",
    (
        Key("places", Whole(0, 10), "decimals kept for every item score", default=2),
        Key(
            "mode",
            Choice(tuple(ROUNDING_MODES)),
            "how halves and digits beyond `places` go",
            default="half_up",
        ),
        Key(
            "level",
            Choice(("item",)),
            "items are rounded after caps; sums add rounded items",
            default="item",
        ),
    ),
)

PERIOD = Record(
    "period",
    "an assessment period",
    (
        LABEL,
        Key("weight", Number(0), "relative weight, normalised to a share of 1", default=1),
    ),
)

PERIOD_GROUP = Record(
    "period_group",
    "a group of periods (a quarter of months)",
    (
        LABEL,
        Key(
            "periods",
            ListOf(NAME, non_empty=True),
            "the periods in this group, e.g. [M01, M02]",
            required=True,
        ),
    ),
)

INDICATOR = Record(
    "indicator",
    "a datum each unit reports",
    (
        Key(
            "type",
            Choice(INDICATOR_TYPES),
            "bool, count (whole >= 0), rate (0-100), decimal, enum, or duration "
            "(a time such as 4:36.11, in seconds)",
            required=True,
        ),
        LABEL,
        Key("unit", TEXT, "what it is counted in (例, 人, %)"),
        Key("per_period", FLAG, "true: one value per period, {Q1: ..., Q2: ...}"),
        Key(
            "min",
            DURATION_OR_NUMBER,
            "lowest allowed value; data outside is an error, never clamped "
            "(a duration's may be written 4:36.11)",
        ),
        Key(
            "max",
            DURATION_OR_NUMBER,
            "highest allowed value; data outside is an error, never clamped "
            "(a duration's may be written 4:36.11)",
        ),
        Key(
            "values",
            ListOf(NAME, non_empty=True),
            "for an enum: the allowed names, quoted if they look like yes/no",
        ),
        Key("default", ANY, "value used when a unit omits the indicator (else it is required)"),
        NOTE,
        REFERENCE,
        Key("record_only", FLAG, "true: recorded but read by no formula"),
        Key(
            "na",
            Choice(("allowed",)),
            "allowed: a unit's data may mark it not applicable (n/a, 不适用)",
        ),
    ),
    required_when=(("values", "type", "enum"),),
)

PARAMETER = Record(
    "parameter",
    "a named constant formulas read",
    (
        Key("value", NUMBER, "the value (leave it out only with `required: true`)"),
        Key(
            "required",
            FLAG,
            "true: no value in the file; supplied at run time (`--params FILE`)",
        ),
        LABEL,
        NOTE,
        REFERENCE,
        Key("by_unit", MapOf(NUMBER, ids=False), "unit-specific values; other units take `value`"),
    ),
)

VALUE = Record(
    "value",
    "a named intermediate result, not scored",
    (
        Key("expr", FORMULA, "the formula (docs/expressions.md)", required=True),
        Key("per_period", FLAG, "true: computed once per period (same as per: period)"),
        Key("per", NAME, "`period`, or a period-group set: computed once per period or group"),
        LABEL,
        NOTE,
        REFERENCE,
    ),
)

PATTERN = Record(
    "pattern",
    "a rule written once and used by several items",
    (
        Key(
            "args",
            Either((MapOf(Either((TEXT, EMPTY)), ids=False), ListOf(NAME))),
            "argument names (with a description each)",
            required=True,
        ),
        Key("let", MapOf(Either((FORMULA, Ref("value")))), "named values each using item gets"),
        Key("expr", FORMULA, "the pattern's formula, over its arguments and lets", required=True),
        NOTE,
        Key("max", NUMBER, "accepted but not applied: put the cap on the item"),
        Key("min", NUMBER, "accepted but not applied: put the floor on the item"),
    ),
)

RANKING = Record(
    "ranking",
    "ranks every unit by a value or node",
    (
        Key("basis", NAME, "the value or node ranked", required=True),
        Key(
            "order",
            Choice(("desc", "asc")),
            "desc: highest is rank 1; asc: lowest is",
            default="desc",
        ),
        Key(
            "method",
            Choice(("competition", "dense")),
            "ties: competition 1,1,3 or dense 1,1,2",
            default="competition",
        ),
        LABEL,
        NOTE,
        Key("demote_if", FORMULA, "a yes/no formula: such a unit ranks below every other"),
        Key(
            "demoted_within",
            Either((Whole(1, 1000000), NAME)),
            "with demote_if, order asc: every demoted unit ranks within the first N places "
            "(a number, or the name of a parameter holding it)",
        ),
        REFERENCE,
    ),
)

AGGREGATE = Record(
    "aggregate",
    "a cross-unit aggregate: one of sum, mean, min, max, count; over all units or `by` group",
    (
        Key("sum", NAME, "the sum of this number over the units"),
        Key("mean", NAME, "the mean of this number over the units (exact)"),
        Key("min", NAME, "the least value of this number over the units"),
        Key("max", NAME, "the greatest value of this number over the units"),
        Key("count", FORMULA, "the number of units where this yes/no formula holds"),
        Key("by", NAME, "an enum indicator: one aggregate per group of units sharing its value"),
        Key("per", NAME, "count only: `period` or a period-group set, as for values"),
        LABEL,
        NOTE,
        REFERENCE,
    ),
)

NODE = Record(
    "node",
    "a group (children) or an item (a formula) of the score tree",
    (
        Key("id", ID, "local id; the full id is the parent's id + . + this", required=True),
        LABEL,
        Key("role", Choice(ROLES), "top-level only: category (default), bonus, deduction, output"),
        Key("standard", NUMBER, "nominal points (标准分), shown in reports; not a cap"),
        Key("max", NUMBER, "a cap applied to the node's value before rounding"),
        Key("min", NUMBER, "a floor applied to the node's value before rounding"),
        NOTE,
        REFERENCE,
        Key("expr", FORMULA, "the item's formula (docs/expressions.md)"),
        Key("let", MapOf(Either((FORMULA, Ref("value")))), "item-local named values"),
        Key("use", NAME, "a pattern to instantiate"),
        Key("with", MapOf(FORMULA, ids=False), "the pattern's arguments: formulas of this item"),
        Key("children", ListOf(Ref("node"), non_empty=True), "the group's nodes"),
        Key("unit", TEXT, "what an output is counted in (元, 次)"),
        Key(
            "monotone",
            MapOf(Choice(("increasing", "decreasing")), ids=False),
            "declared directions: indicator: increasing or decreasing",
        ),
        Key(
            "per",
            NAME,
            "`period` or a period-group set: scored once per period (or group); "
            "children inherit it",
        ),
        Key(
            "aggregate",
            Choice(tuple(PERIOD_AGGREGATORS)),
            "with `per`: how the period scores form the node's score (sum, wsum, mean, ...)",
        ),
        Key("period_max", NUMBER, "with `per`: a cap on each period score before rounding"),
        Key("period_min", NUMBER, "with `per`: a floor on each period score before rounding"),
        Key("period_standard", NUMBER, "with `per`: nominal points per period (points lost)"),
        Key("applies", FORMULA, "a yes/no formula: the node is not applicable where it is false"),
        Key(
            "not_applicable",
            Choice(NA_RULES),
            "what this group does with not-applicable children: rescale, full or zero",
        ),
    ),
    excludes=(("children", ("expr", "use", "let", "with")),),
)

TOTAL = Record(
    "total",
    "how the total is shown",
    (
        LABEL,
        NOTE,
        Key(
            "not_applicable",
            Choice(NA_RULES),
            "what the total does with not-applicable category roots: rescale, full or zero",
        ),
    ),
)

VETO = Record(
    "veto",
    "一票否决: a condition that vetoes a unit",
    (
        Key("id", ID, "the veto's name, readable in formulas", required=True),
        LABEL,
        Key("when", FORMULA, "a yes/no formula: the unit is vetoed when it holds", required=True),
        Key("reason", TEXT, "why, shown with the veto"),
        REFERENCE,
    ),
)

CONSTRAINT = Record(
    "constraint",
    "a test every unit's data must pass before scoring",
    (
        Key("require", FORMULA, "a yes/no formula over indicators and parameters", required=True),
        Key("message", TEXT, "shown when a unit's data fails it"),
    ),
)

CASE = Record(
    "case",
    "one case of an outcome; the first that holds gives the label",
    (
        Key("when", FORMULA, "a yes/no formula; the last case may leave it out (otherwise)"),
        Key("label", TEXT, "the unit's label when this case holds", required=True),
    ),
)

OUTCOME = Record(
    "outcome",
    "a label per unit (合格/不合格, grade bands)",
    (
        LABEL,
        NOTE,
        REFERENCE,
        Key("cases", ListOf(CASE, non_empty=True), "the cases, in order", required=True),
    ),
)

BAND = Record(
    "band",
    "one row of a band table: its edges and its value",
    (
        Key("from", NUMBER, "lower edge, included: x ≥ from"),
        Key("above", NUMBER, "lower edge, excluded: x > above"),
        Key("to", NUMBER, "upper edge, included: x ≤ to"),
        Key("below", NUMBER, "upper edge, excluded: x < below"),
        Key("value", NUMBER, "the number the row gives", required=True),
    ),
    excludes=(("from", ("above",)), ("to", ("below",))),
)

TABLE = Record(
    "table",
    "a lookup table (enum value -> number) or a band table (number -> number)",
    (
        LABEL,
        NOTE,
        Key("map", MapOf(NUMBER, ids=False), "lookup: each value of the enum -> its number"),
        Key(
            "bands",
            ListOf(BAND, non_empty=True),
            "band table: contiguous rows in increasing order",
        ),
        Key("otherwise", NUMBER, "band table: the value outside every band (else an error)"),
    ),
    excludes=(("map", ("bands", "otherwise")),),
)

TOP = Record(
    "scheme_file",
    "a rulebook assessment scheme (docs/scheme-format.md)",
    (
        Key("rulebook", ANY, "format version (optional), e.g. 1"),
        Key("scheme", SCHEME, "what the scheme is", required=True),
        Key("rounding", ROUNDING, "how item scores are rounded"),
        Key(
            "periods",
            MapOf(Either((Number(0), PERIOD, EMPTY))),
            "named periods in order, with weights (Q1: 4 or Q1: {label, weight})",
        ),
        Key("indicators", MapOf(INDICATOR), "the data each unit reports"),
        Key("parameters", MapOf(Either((NUMBER, PARAMETER))), "named constants"),
        Key("values", MapOf(Either((FORMULA, VALUE))), "named intermediate results"),
        Key("patterns", MapOf(PATTERN), "rules written once, used by several items"),
        Key("rankings", MapOf(RANKING), "rankings of all units by a value"),
        Key("tables", MapOf(TABLE), "lookup and band tables formulas call by name"),
        Key("aggregates", MapOf(AGGREGATE), "sums, means, minima, maxima, counts across units"),
        Key(
            "group_values",
            MapOf(Either((FORMULA, VALUE))),
            "values per group of units, from aggregates and parameters (group rows)",
        ),
        Key(
            "tree",
            ListOf(NODE, non_empty=True),
            "the score tree: top-level categories and sections",
            required=True,
        ),
        Key("total", TOTAL, "how the total is shown"),
        Key("vetoes", ListOf(VETO), "一票否决: conditions that veto a unit"),
        Key("outcomes", MapOf(OUTCOME), "labels per unit (合格/不合格)"),
        Key("constraints", ListOf(CONSTRAINT), "tests every unit's data must pass"),
        Key(
            "period_groups",
            MapOf(MapOf(Either((ListOf(NAME, non_empty=True), PERIOD_GROUP)), ids=False)),
            "sets of groups of periods (months into quarters)",
        ),
    ),
)

RECORDS: dict[str, Record] = {
    r.name: r
    for r in (
        TOP,
        SCHEME,
        LIMITS,
        ROUNDING,
        PERIOD,
        PERIOD_GROUP,
        INDICATOR,
        PARAMETER,
        VALUE,
        PATTERN,
        RANKING,
        AGGREGATE,
        NODE,
        TOTAL,
        VETO,
        CONSTRAINT,
        CASE,
        OUTCOME,
        BAND,
        TABLE,
    )
}
"""Every record by name: what `Ref` points at, and the schema's definitions."""
