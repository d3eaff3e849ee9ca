"""The validated scheme: frozen attrs classes, no I/O.

A Scheme is built from YAML by `rulebook.scheme.build`; every name an expression can read —
indicator,
parameter, value, node, ranking — is one of the classes here, keyed by its full (dotted) name.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, get_args

import attrs

from rulebook.arith import DEFAULT_LIMITS, NumberLimits
from rulebook.engine.semantics import ROUNDING_MODES as ROUNDING_MODES  # noqa: PLC0414
from rulebook.engine.semantics import RoundingMode as RoundingMode  # noqa: PLC0414
from rulebook.errors import Location, ParameterError, Problem
from rulebook.expr.syntax import Expr
from rulebook.scheme.loader import Source

if TYPE_CHECKING:
    from rulebook.engine.plan import Program
    from rulebook.scheme.tables import Table


IndicatorType = Literal["bool", "count", "rate", "decimal", "enum", "duration"]
INDICATOR_TYPES: tuple[IndicatorType, ...] = get_args(IndicatorType)

Role = Literal["category", "bonus", "deduction", "output"]
ROLES: tuple[Role, ...] = get_args(Role)
"""Top-level node roles: total = Σ category + Σ bonus − Σ deduction; `output` nodes (money, per
role, …) are computed and reported apart and never enter the total."""

ValueKind = Literal["value", "veto", "outcome", "constraint", "condition", "group"]
RankOrder = Literal["desc", "asc"]
RankMethod = Literal["competition", "dense"]
Direction = Literal["increasing", "decreasing"]


@attrs.frozen
class Rounding:
    """How scores are rounded: `places` decimals, `mode`, applied to every item after its caps.

    Arithmetic runs at 40 significant digits; a value within 10^-24 of a rounding boundary is
    taken as on it (`SNAP`), so 75 × 4/4.8 rounds like the exact 62.5 it is."""

    places: int = 2
    mode: RoundingMode = "half_up"
    level: str = "item"

    @property
    def quantum(self) -> Decimal:
        return Decimal(1).scaleb(-self.places)

    @property
    def decimal_mode(self) -> str:
        return ROUNDING_MODES[self.mode]


@attrs.frozen
class Period:
    """An assessment period with its weight as written and normalised to a share of 1."""

    id: str
    label: str
    weight: Decimal
    share: Decimal


@attrs.frozen
class PeriodGroup:
    """A named group of periods (a quarter of months, a half-year): its members and its share,
    the sum of its periods' shares."""

    id: str
    label: str
    members: tuple[int, ...]
    share: Decimal


@attrs.frozen
class Indicator:
    """A declared input: its type, domain and whether it has one value per period."""

    name: str
    type: IndicatorType
    label: str = ""
    unit: str = ""
    per_period: bool = False
    min: Decimal | None = None
    max: Decimal | None = None
    values: tuple[str, ...] = ()
    default: Any = None
    note: str = ""
    record_only: bool = False
    location: Location | None = None
    reference: str = ""
    """The clause of the source document this comes from (`reference:`), shown in reports."""
    na_allowed: bool = False
    """`na: allowed`: a unit's data may mark this indicator not applicable (`n/a`, `不适用`)."""


@attrs.frozen
class Parameter:
    """A named constant of the scheme (a target, threshold or weight)."""

    name: str
    value: Decimal
    label: str = ""
    note: str = ""
    location: Location | None = None
    by_unit: dict[str, Decimal] = attrs.field(factory=dict)
    """Unit-specific values (e.g. a target of 3 for three named villages, 2 for the rest)."""
    reference: str = ""
    """The clause of the source document this comes from (`reference:`), shown in reports."""
    supplied: bool = False
    """True when the value came at run time (`--params FILE`, `rulebook.with_parameters`)."""
    given_at: Location | None = None
    """Where a params file gave the value (so a load-time check it fails points there)."""
    given_line: str | None = None
    """That line of the params file, shown under the message."""


@attrs.frozen
class Awaited:
    """A parameter declared `required: true` and not yet given: the scheme loads, but scores
    only once a value is supplied at run time (`--params FILE`, `rulebook.with_parameters`)."""

    name: str
    label: str = ""
    note: str = ""
    location: Location | None = None


@attrs.frozen
class Supplied:
    """The parameter values a run supplied (for the run manifest): name -> value (and by_unit),
    and the digest of the params file they came from, if any."""

    values: dict[str, Any]
    file: str = ""
    digest: str = ""


@attrs.frozen
class Value:
    """A named intermediate result (a top-level `values:` entry or a node's `let:`), not scored."""

    name: str
    formula: Expr
    per_period: bool = False
    label: str = ""
    note: str = ""
    location: Location | None = None
    group: str | None = None
    """The period-group set the value is computed per (e.g. `quarters`); None otherwise."""
    kind: ValueKind = "value"
    """`value`; `veto` (a one-vote-veto condition); `outcome` (a label chosen by conditions);
    `constraint` (a test the data must pass); `condition` (a ranking's demotion test,
    `vetoed`); `group` (a `group_values:` entry: one value per group of units, from aggregates
    and parameters only — computed in every unit's slots, reported once per group)."""
    reference: str = ""
    """The clause of the source document this comes from (`reference:`), shown in reports."""
    by: str | None = None
    """For a `group` value: the indicator whose value groups the units (None: all units)."""
    period_of: str | None = None
    """Set on `<node>.periods`, the period scores of a per-period node (`per:` in the tree):
    each point is floored, capped and rounded by that node's period rule
    (`rulebook.engine.semantics.period_part`)."""


@attrs.frozen
class Node:
    """A scored node of the tree: an item (formula) or a group (sum of its children).

    `standard` is the nominal points (标准分), shown and used for points lost; `max`/`min` are
    the caps and floors actually applied before rounding."""

    id: str
    label: str
    role: Role
    formula: Expr | None = None
    children: tuple[str, ...] = ()
    standard: Decimal | None = None
    max: Decimal | None = None
    min: Decimal | None = None
    note: str = ""
    pattern: str | None = None
    arguments: tuple[tuple[str, str], ...] = ()
    unit: str = ""
    monotone: tuple[tuple[str, Direction], ...] = ()
    """Declared directions: (indicator, `increasing`|`decreasing`) — more of the indicator
    never lowers (raises) this node; checked by `rulebook test --properties`."""
    location: Location | None = None
    reference: str = ""
    """The clause of the source document this comes from (`reference:`), shown in reports."""
    per: str | None = None
    """`period` or a period-group set: the node is scored once per point of that axis (its
    period scores are the value `<id>.periods`) and its own score aggregates them."""
    aggregate: str | None = None
    """The period aggregator (`rulebook.engine.semantics.AGGREGATORS`) forming a per-period
    item's score from its period scores."""
    period_min: Decimal | None = None
    period_max: Decimal | None = None
    """The floor and cap applied to each period score before it is rounded."""
    period_standard: Decimal | None = None
    """Nominal points per period, for points lost per period."""
    applies: tuple[str, ...] = ()
    """The `applies:` conditions (yes/no values) of this node and its ancestors, outermost
    first: the node is not applicable to a unit for which any does not hold."""
    not_applicable: str | None = None
    """What this group does with a not-applicable child: `rescale`, `full` or `zero`
    (`rulebook.engine.semantics.applicable_sum`); None: no child may be not applicable."""

    @property
    def is_item(self) -> bool:
        return self.formula is not None

    @property
    def periods_name(self) -> str | None:
        """The value holding this node's period scores, or None for a node scored once."""
        return f"{self.id}.periods" if self.per is not None else None


@attrs.frozen
class Ranking:
    """A cross-unit ranking of every unit by a basis value (per period if the basis is).

    `method` is `competition` (1,1,3) or `dense` (1,1,2); `order` is `desc` (highest first)."""

    name: str
    basis: str
    order: RankOrder = "desc"
    method: RankMethod = "competition"
    per_period: bool = False
    label: str = ""
    note: str = ""
    location: Location | None = None
    group: str | None = None
    """Set when the basis is computed per group: one ranking per group (e.g. per quarter)."""
    demote: str | None = None
    """Name of a yes/no value: units for which it holds count as lower than all others (last
    from the top, first from the bottom) — e.g. a verified complaint puts a community in the
    month's bottom places whatever its points."""
    demoted_within: int | None = None
    """With `demote`: every demoted unit ranks within the first N places (those beyond share
    place N) — "直接列入倒数3名内" however many are demoted (`ranking.cap_demoted`)."""
    reference: str = ""
    """The clause of the source document this comes from (`reference:`), shown in reports."""


AggregateFunction = Literal["sum", "mean", "min", "max", "count"]
AGGREGATE_FUNCTIONS: tuple[AggregateFunction, ...] = get_args(AggregateFunction)


@attrs.frozen
class Aggregate:
    """A cross-unit aggregate: `function` of `of` over all units, or over each group of units
    with the same value of the enum indicator `by`; every unit reads its own group's value
    (per period or period group if `of` varies). For `count`, `of` is the yes/no value
    `<name>.count` lowered from the condition written."""

    name: str
    function: AggregateFunction
    of: str
    by: str | None = None
    per_period: bool = False
    group: str | None = None
    """Set when `of` is computed per period-group set: one aggregate per group (a quarter)."""
    label: str = ""
    note: str = ""
    location: Location | None = None
    reference: str = ""
    """The clause of the source document this comes from (`reference:`), shown in reports."""


@attrs.frozen
class Veto:
    """A one-vote veto (一票否决): when its condition holds the unit fails whatever its points."""

    id: str
    label: str
    reason: str
    location: Location | None = None
    reference: str = ""
    """The clause of the source document this comes from (`reference:`), shown in reports."""


@attrs.frozen
class Outcome:
    """A label chosen per unit by the first case whose condition holds (合格/不合格, grades)."""

    name: str
    label: str
    labels: tuple[str, ...]
    note: str = ""
    location: Location | None = None
    reference: str = ""
    """The clause of the source document this comes from (`reference:`), shown in reports."""


@attrs.frozen
class Scheme:
    """A complete, checked scheme. Build one with `rulebook.load`."""

    id: str
    title: str
    version: str
    standard_total: Decimal | None
    rounding: Rounding
    periods: tuple[Period, ...]
    indicators: dict[str, Indicator]
    parameters: dict[str, Parameter]
    values: dict[str, Value]
    nodes: dict[str, Node]
    roots: tuple[str, ...]
    rankings: dict[str, Ranking]
    period_groups: dict[str, tuple[PeriodGroup, ...]] = attrs.field(factory=dict)
    vetoes: dict[str, Veto] = attrs.field(factory=dict)
    outcomes: dict[str, Outcome] = attrs.field(factory=dict)
    tables: dict[str, Table] = attrs.field(factory=dict)
    """`tables:` by name: lookup and band tables formulas call (`rulebook.scheme.tables`)."""
    aggregates: dict[str, Aggregate] = attrs.field(factory=dict)
    total_label: str = "总分"
    total_not_applicable: str | None = None
    """`total: not_applicable:` — how the total combines category roots that do not apply."""
    not_applicable_names: dict[str, str] = attrs.field(factory=dict, eq=False, repr=False)
    """Every name that may be not applicable to a unit, with the reason, `total` included when
    it may be (`rulebook.scheme.applicability`); empty for a scheme that uses no n/a feature."""
    language: str = "zh"
    """`zh` or `en`: the language of headers in renderings (`scheme.language`, else from labels)."""
    limits: NumberLimits = DEFAULT_LIMITS
    """The ceiling on numbers written in the scheme and its data (`scheme.limits`)."""
    notes: tuple[str, ...] = ()
    source_file: str = ""
    digest: str = ""
    awaited: dict[str, Awaited] = attrs.field(factory=dict)
    """Parameters declared `required: true` with no value yet: the scheme cannot score until
    they are supplied (`rulebook.with_parameters`, `--params FILE`)."""
    supplied: Supplied | None = None
    """The run-time parameter values this scheme was built with (None: the file's own)."""
    _program: Program | None = attrs.field(default=None, eq=False, repr=False)
    """The compiled program (`rulebook.engine.plan.Program`), attached by `rulebook.load`."""
    origin: Origin | None = attrs.field(default=None, eq=False, repr=False)
    """What the scheme was built from, kept so `rulebook.with_parameters` can build it again."""

    @property
    def program(self) -> Program:
        """The compiled program: the execution plan and one generated function per stage."""
        if self.awaited:
            raise missing_parameters(self)
        if self._program is None:
            raise ValueError(
                f"scheme `{self.id}` is not compiled: load it with rulebook.load or rulebook.loads"
            )
        return self._program

    @functools.cached_property
    def score_ids(self) -> tuple[str, ...]:
        """Every scored id in tree order, then `total` (walked once: renderers ask per unit)."""
        return (*self._tree_ids(outputs=False), "total")

    @functools.cached_property
    def output_ids(self) -> tuple[str, ...]:
        """Every node under an `output` root (money and other non-point results), tree order."""
        return self._tree_ids(outputs=True)

    def _tree_ids(self, *, outputs: bool) -> tuple[str, ...]:
        out: list[str] = []

        def walk(node_id: str) -> None:
            out.append(node_id)
            for child in self.nodes[node_id].children:
                walk(child)

        for root in self.roots:
            if (self.nodes[root].role == "output") == outputs:
                walk(root)
        return tuple(out)

    def axis_of(self, name: str) -> str | None:
        """None (one value), `period` (one per period) or a period-group set name."""
        for table in (self.values, self.rankings, self.aggregates):
            if name in table:
                item = table[name]
                if item.group:
                    return str(item.group)
                return "period" if item.per_period else None
        if name in self.indicators and self.indicators[name].per_period:
            return "period"
        return None

    def axis_ids(self, axis: str | None) -> tuple[str, ...]:
        """The ids along an axis: period ids, or the group ids of a set; () for None."""
        if axis is None:
            return ()
        if axis == "period":
            return tuple(p.id for p in self.periods)
        return tuple(g.id for g in self.period_groups[axis])

    def axis_size(self, axis: str | None) -> int:
        return max(len(self.axis_ids(axis)), 1)

    def group_index(self, axis: str, period: int) -> int:
        """The group of set `axis` that contains the period (sets are partitions)."""
        return next(i for i, g in enumerate(self.period_groups[axis]) if period in g.members)

    @functools.cached_property
    def groupings(self) -> tuple[str | None, ...]:
        """The ways units are grouped by aggregates and group values, in declaration order:
        None (all units) and each `by` indicator, once each; () without aggregates."""
        found = [a.by for a in self.aggregates.values()]
        found += [v.by for v in self.values.values() if v.kind == "group"]
        return tuple(dict.fromkeys(found))

    def per_unit_parameter(self, name: str) -> bool:
        return name in self.parameters and bool(self.parameters[name].by_unit)

    def depth(self, node_id: str) -> int:
        return 0 if node_id == "total" else node_id.count(".")


@attrs.frozen
class Origin:
    """The loaded YAML, its source map and the run-time values a scheme was built with."""

    data: Any
    source: Source
    overrides: dict[str, Parameter] = attrs.field(factory=dict)


def missing_parameters(scheme: Scheme) -> ParameterError:
    """The error for scoring a scheme whose `required` parameters were not given: each one
    named at its declaration, with how to give it."""
    source = scheme.origin.source if scheme.origin is not None else None
    awaited = list(scheme.awaited.values())
    problems = [
        Problem(
            f"parameter `{p.name}`"
            + (f" ({p.label})" if p.label else "")
            + " is required at run time and was not given",
            p.location,
            f"give it in a params file, a line `{p.name}: <number>`, and score with "
            "`--params FILE`"
            + (
                " (Python: rulebook.load(path, params={...}) or "
                "rulebook.with_parameters(scheme, {...}))"
                if k == len(awaited) - 1
                else ""
            ),
            source.line_text(p.location) if source and p.location else None,
        )
        for k, p in enumerate(awaited)
    ]
    return ParameterError(problems)


def default_language(labels: Iterable[str]) -> str:
    """`zh` when any label holds a CJK character, else `en`: a scheme's rendering language when
    it declares none."""
    return "zh" if any(_CJK.search(label) for label in labels) else "en"


_CJK = re.compile("[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")


def spoken(name: str, nodes: Collection[str], aggregates: Collection[str]) -> str:
    """`name` as the author wrote it, for messages: a node's `applies:` condition and a
    count aggregate's `count:` condition are values with internal names (`svc.ind.applies`,
    `avg.count`) that no scheme file contains."""
    if name.endswith(".applies") and name[: -len(".applies")] in nodes:
        return f"the `applies:` condition of `{name[: -len('.applies')]}`"
    if name.endswith(".count") and name[: -len(".count")] in aggregates:
        return f"the `count:` condition of aggregate `{name[: -len('.count')]}`"
    return f"`{name}`"
