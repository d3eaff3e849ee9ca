"""What a node means, stated once: how a raw value becomes a score, how a group combines its
children, how the total is formed, and what each period aggregator does.

Every part of rulebook that needs one of these rules — the compiled engine, the reference
interpreter, the audit, the bounds, coverage, the property checks and the renderers — calls the
functions here instead of restating them, so a rule cannot drift between what is scored and what
is shown.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Final, Literal, Protocol, TypeVar, cast

import attrs

from rulebook import arith

ZERO = Decimal(0)

RoundingMode = Literal["half_up", "half_even", "half_down", "up", "down", "ceiling", "floor"]
ROUNDING_MODES: dict[RoundingMode, str] = {
    "half_up": decimal.ROUND_HALF_UP,
    "half_even": decimal.ROUND_HALF_EVEN,
    "half_down": decimal.ROUND_HALF_DOWN,
    "up": decimal.ROUND_UP,
    "down": decimal.ROUND_DOWN,
    "ceiling": decimal.ROUND_CEILING,
    "floor": decimal.ROUND_FLOOR,
}
"""The rounding modes a scheme (`rounding: mode:`) or a formula's `round(x, places, mode)` may
name, with the `decimal` mode each one is."""

MAX_ROUND_PLACES = arith.SNAP_PLACES
"""`round(x, places)` takes places from −20 to 20: every value is snapped to 20 places before it
is rounded (`arith.round_score`), so rounding to more places than that would mean nothing."""

ClipKind = Literal["floor", "cap"]
ClipSource = Literal["declared", "formula"]
Sign = Literal[1, -1]

T = TypeVar("T")


class Scored(Protocol):
    """What these rules read of a scored node (`rulebook.scheme.model.Node`). Written as a
    protocol so this module needs nothing from the model and anything may import it."""

    @property
    def role(self) -> str: ...
    @property
    def min(self) -> Decimal | None: ...
    @property
    def max(self) -> Decimal | None: ...
    @property
    def is_item(self) -> bool: ...
    @property
    def not_applicable(self) -> str | None: ...


class Rounding(Protocol):
    """The scheme's rounding rule (`rulebook.scheme.model.Rounding`)."""

    @property
    def quantum(self) -> Decimal: ...
    @property
    def decimal_mode(self) -> str: ...


class Tree(Protocol):
    """What the total reads of a scheme: its roots and their roles."""

    @property
    def roots(self) -> tuple[str, ...]: ...
    @property
    def nodes(self) -> Mapping[str, Scored]: ...


@attrs.frozen
class Clip:
    """A cap or floor that changed a value: `before` → `after`, `clipped` = |before − after|.

    `source` is `declared` (the node's `max:`/`min:`) or `formula` (a `max(0, …)` / `min(…)` /
    `clamp(…)` written at the top of the formula)."""

    kind: ClipKind
    bound: Decimal
    source: ClipSource
    before: Decimal
    after: Decimal

    @property
    def clipped(self) -> Decimal:
        """Points removed (or, for a floor, added back), as a positive number."""
        return abs(self.before - self.after)


@attrs.frozen
class Settled:
    """A node's raw value carried through its floor, cap and rounding: `clamped` is the value
    after the declared floor and cap, `value` the score after rounding, `clips` what changed."""

    raw: Decimal
    clamped: Decimal
    value: Decimal
    clips: tuple[Clip, ...]


# -- a node's value -------------------------------------------------------------------------------


def is_rounded(node: Scored) -> bool:
    """Items, any node with a declared cap or floor, and a group that rescales its applicable
    children (`not_applicable: rescale`, whose scaling may leave the quantum) are rounded; a
    plain group is the exact sum of its (already rounded) children."""
    return (
        node.is_item
        or node.min is not None
        or node.max is not None
        or node.not_applicable == "rescale"
    )


def bound(
    raw: T,
    low: T | None,
    high: T | None,
    at_least: Callable[[T, T], T],
    at_most: Callable[[T, T], T],
) -> T:
    """The declared floor, then the declared cap. Written over any ordered type through
    `at_least`/`at_most` so numbers and intervals (`rulebook.audit.bounds`) share this one rule."""
    value = raw
    if low is not None:
        value = at_least(value, low)
    if high is not None:
        value = at_most(value, high)
    return value


def clamp_value(raw: Decimal, low: Decimal | None, high: Decimal | None) -> Decimal:
    """A raw value limited by a declared floor `low` and cap `high` (floor first, then cap)."""
    return bound(raw, low, high, max, min)


def score(
    raw: Decimal,
    low: Decimal | None,
    high: Decimal | None,
    rounded: bool,
    quantum: Decimal,
    mode: str,
) -> Decimal:
    """A node's score from its raw value: floor, cap, then the scheme's rounding (if the node is
    rounded). The compiled engine binds this function; the reference engine calls it."""
    clamped = bound(raw, low, high, max, min)
    return arith.round_score(clamped, quantum, mode) if rounded else clamped


def round_places(x: Decimal, places: Decimal, mode: str) -> Decimal:
    """A formula's `round(x, places, mode)`: the scheme's rounding rule (`arith.round_score`:
    snap, then round by the named mode) to `places` decimals; negative places round to tens,
    hundreds, … and give a whole number. `places` is a whole number checked when the scheme is
    built; a two-argument `round` is given the scheme's mode then."""
    k = int(places)
    decimal_mode = ROUNDING_MODES[mode]  # type: ignore[index]  # a name checked at load
    result = arith.round_score(x, _QUANTA.get(k) or Decimal(1).scaleb(-k), decimal_mode)
    return Decimal(int(result)) if k < 0 else result


_QUANTA = {k: Decimal(1).scaleb(-k) for k in range(-MAX_ROUND_PLACES, MAX_ROUND_PLACES + 1)}


def settle(node: Scored, raw: Decimal, rounding: Rounding) -> Settled:
    """`score` with its working: the clamped value and the declared clips, for the audit. The
    clips are recorded as `bound` applies the floor and cap, so they follow the same rule."""
    clips: list[Clip] = []

    def at_least(value: Decimal, low: Decimal) -> Decimal:
        after = max(value, low)
        if after != value:
            clips.append(Clip("floor", low, "declared", value, after))
        return after

    def at_most(value: Decimal, high: Decimal) -> Decimal:
        after = min(value, high)
        if after != value:
            clips.append(Clip("cap", high, "declared", value, after))
        return after

    clamped = bound(raw, node.min, node.max, at_least, at_most)
    value = score(
        raw, node.min, node.max, is_rounded(node), rounding.quantum, rounding.decimal_mode
    )
    return Settled(raw, clamped, value, tuple(clips))


class PerPeriod(Protocol):
    """What the period rule reads of a per-period node (`rulebook.scheme.model.Node`)."""

    @property
    def role(self) -> str: ...
    @property
    def is_item(self) -> bool: ...
    @property
    def period_min(self) -> Decimal | None: ...
    @property
    def period_max(self) -> Decimal | None: ...


@attrs.frozen
class PeriodPart:
    """A per-period node as seen at one period: scored by the same rule as any node (`score`,
    `settle`, `is_rounded`) with its period floor and cap. An item's period score is rounded;
    a group's is the plain sum of its children's period scores unless it declares a period
    floor or cap — exactly as for the node's own score."""

    role: str
    min: Decimal | None
    max: Decimal | None
    is_item: bool
    not_applicable: str | None = None
    """Period scores combine no not-applicable children by a rule of their own."""


def period_part(node: PerPeriod) -> PeriodPart:
    """The rule each period score of `node` is settled by."""
    return PeriodPart(node.role, node.period_min, node.period_max, node.is_item)


def combine_children(values: Iterable[T], zero: T) -> T:
    """A group's raw value: the plain sum of its children's scores."""
    total = zero
    for value in values:
        total = total + value  # type: ignore[operator]
    return total


# -- the total ------------------------------------------------------------------------------------


def total_terms(scheme: Tree) -> tuple[tuple[str, Sign], ...]:
    """The roots that form the total, each with its sign: categories and bonuses add, deductions
    subtract; `output` roots (money, counts) never enter the total."""
    terms: list[tuple[str, Sign]] = []
    for root in scheme.roots:
        role = scheme.nodes[root].role
        if role == "output":
            continue
        terms.append((root, -1 if role == "deduction" else 1))
    return tuple(terms)


def total_of(
    terms: Sequence[tuple[T, Sign]],
    zero: T,
    negate: Callable[[T], T] = lambda x: -x,  # type: ignore[operator]
) -> T:
    """Σ sign × value over the total's terms (values already looked up by the caller)."""
    total = zero
    for value, sign in terms:
        total = total + (value if sign > 0 else negate(value))  # type: ignore[operator]
    return total


def total_formula(scheme: Tree) -> str:
    """The total's rule as shown to a reader: `categories + bonus − deduction` in root order."""
    parts = []
    for i, (root, sign) in enumerate(total_terms(scheme)):
        name = root.rsplit(".", 1)[-1]
        if i == 0:
            parts.append(name if sign > 0 else f"− {name}")
        else:
            parts.append(f"{'+' if sign > 0 else '−'} {name}")
    return " ".join(parts) or "0"


# -- period aggregators ---------------------------------------------------------------------------


@attrs.frozen
class Aggregator:
    """A period aggregator: `fold(values, shares)` combines one value per period (or group)
    with the periods' normalised weights; `doc` is what the expression reference says. Every
    fold is non-decreasing in each value, so `rulebook.audit.bounds` bounds an aggregate by
    folding the ends of its argument's interval."""

    name: str
    doc: str
    fold: Callable[[Sequence[Decimal], Sequence[Decimal]], Decimal]
    keeps_whole: bool = True
    """Whole-number inputs give a whole-number result (the bounds analysis relies on it)."""
    weighted: bool = False
    """The fold reads the periods' weights (so an audit shows them)."""


def _sum(values: Sequence[Decimal], shares: Sequence[Decimal]) -> Decimal:  # noqa: ARG001 - a fold's signature
    return combine_children(values, ZERO)


def _wsum(values: Sequence[Decimal], shares: Sequence[Decimal]) -> Decimal:
    return combine_children((s * v for s, v in zip(shares, values, strict=True)), ZERO)


def _mean(values: Sequence[Decimal], shares: Sequence[Decimal]) -> Decimal:
    return _sum(values, shares) / Decimal(len(values))


AGGREGATORS: dict[str, Aggregator] = {
    a.name: a
    for a in (
        Aggregator("sum", "sum over the periods", _sum),
        Aggregator(
            "wsum",
            "weighted sum over the periods (weights normalised to 1)",
            _wsum,
            keeps_whole=False,
            weighted=True,
        ),
        Aggregator("mean", "plain mean over the periods", _mean, keeps_whole=False),
        Aggregator("first", "value in the first period", lambda v, s: v[0]),
        Aggregator("last", "value in the last period", lambda v, s: v[-1]),
        Aggregator("period_min", "smallest value over the periods", lambda v, s: min(v)),
        Aggregator("period_max", "largest value over the periods", lambda v, s: max(v)),
    )
}


# -- not applicable -------------------------------------------------------------------------------


class NotApplicable:
    """The value of an indicator, value or node that does not apply to a unit (不适用): never a
    number, never 0. A formula that reads it is not applicable itself (`reads_na`); a parent
    combines it by its `not_applicable:` rule (`applicable_sum`)."""

    _instance: NotApplicable | None = None

    def __new__(cls) -> NotApplicable:  # noqa: PYI034 - one instance, whatever the subclass
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NA"

    def __str__(self) -> str:
        return "n/a"

    def __format__(self, spec: str) -> str:
        return "n/a"  # a renderer that knows the language writes 不适用 (`render.view`)

    def __reduce__(self) -> str:
        return "NA"  # pickles as the module's one instance


NA: Final = NotApplicable()
"""The one not-applicable value; test with `value is NA`."""

NaRule = Literal["rescale", "full", "zero"]
NA_RULES: tuple[NaRule, ...] = ("rescale", "full", "zero")
"""What a parent does with a not-applicable child: `rescale` (缺项按比例折算: the applicable
children's sum × Σ every child's standard / Σ the applicable children's standards), `full`
(不适用项按满分计: the child counts its standard) or `zero` (the child counts 0)."""


def is_na(value: object) -> bool:
    """Whether `value` is the not-applicable value."""
    return value is NA


def reads_na(values: Iterable[object]) -> bool:
    """The propagation rule: a formula (item, value or `applies` condition) that reads any
    not-applicable value — at any period — is not applicable; it is never computed with a
    stand-in number."""
    return any(v is NA for v in values)


def applies(conditions: Iterable[object]) -> bool:
    """A node applies when every `applies:` condition on it and on its ancestors is true (a
    condition that is itself not applicable does not hold)."""
    return all(c is True for c in conditions)


def na_term(standard: T | None, rule: str | None, zero: T) -> T:
    """What a not-applicable child counts under `full` (its standard) and `zero` (0)."""
    if rule == "full":
        assert standard is not None  # checked at load
        return standard
    return zero


def applicable_sum(
    values: Sequence[Decimal | NotApplicable],
    standards: Sequence[Decimal | None],
    rule: str | None,
) -> Decimal | NotApplicable:
    """A group's raw value from its children's scores, some perhaps not applicable.

    No child n/a: the plain sum (`combine_children`). Every child n/a: n/a, except under `full`
    (each child counts its standard). Otherwise by `rule`: `full` counts an n/a child's
    standard, `zero` counts 0, `rescale` scales the applicable children's sum by
    Σ standard(all) / Σ standard(applicable). A group without a rule never gets an n/a child
    (`rulebook.scheme.applicability` refuses such a scheme at load)."""
    if not reads_na(values):
        return combine_children(cast("Sequence[Decimal]", values), ZERO)
    if rule == "rescale":
        kept = [
            (cast("Decimal", v), cast("Decimal", s))
            for v, s in zip(values, standards, strict=True)
            if v is not NA
        ]
        if not kept:
            return NA
        share = combine_children((s for _, s in kept), ZERO)
        whole = combine_children(cast("Sequence[Decimal]", standards), ZERO)
        return combine_children((v for v, _ in kept), ZERO) * whole / share
    if rule in ("full", "zero"):
        if rule == "zero" and all(v is NA for v in values):
            return NA
        return combine_children(
            (
                na_term(s, rule, ZERO) if v is NA else cast("Decimal", v)
                for v, s in zip(values, standards, strict=True)
            ),
            ZERO,
        )
    raise ValueError("a not-applicable child under a group without a `not_applicable:` rule")


def period_weights(
    standards: Sequence[Decimal | None],
    period_standards: Sequence[Decimal | None],
    rule: str | None,
) -> tuple[Decimal | None, ...]:
    """What `applicable_sum` weighs each child of a per-period group by at one period, so the
    group's period scores follow its `not_applicable:` rule as its score does: under `full` an
    n/a child counts its `period_standard` in each period; under `rescale` the children's
    `standard`s, so the scaling Σ all / Σ applicable is the very factor of the group's score
    (with `sum`, `wsum` or `mean` the period scores then add up to — or average to — it)."""
    return tuple(period_standards) if rule == "full" else tuple(standards)


def rescale_factor(
    values: Sequence[object], standards: Sequence[Decimal | None]
) -> tuple[Decimal, Decimal]:
    """(Σ every child's standard, Σ the applicable children's standards): the audit shows the
    scaling `applicable_sum` applied under `rescale`."""
    known = cast("Sequence[Decimal]", standards)  # every child has one under `rescale`
    whole = combine_children(known, ZERO)
    share = combine_children((s for v, s in zip(values, known, strict=True) if v is not NA), ZERO)
    return whole, share


def total_with_na(
    terms: Sequence[tuple[Decimal | NotApplicable, Sign]],
    categories: Sequence[bool],
    standards: Sequence[Decimal | None],
    rule: str | None,
) -> Decimal | NotApplicable:
    """The total when some roots may not apply: the category roots are combined by the total's
    `not_applicable:` rule exactly as a group's children (`applicable_sum`); a bonus or
    deduction root that does not apply adds or subtracts nothing. The total is n/a only when
    the categories' part is n/a and no bonus or deduction applies."""
    if not reads_na(v for v, _ in terms):
        return total_of(cast("Sequence[tuple[Decimal, Sign]]", terms), ZERO)
    picked = [i for i, c in enumerate(categories) if c]
    part = applicable_sum([terms[i][0] for i in picked], [standards[i] for i in picked], rule)
    rest = [(v, sign) for (v, sign), c in zip(terms, categories, strict=True) if not c]
    kept = [(cast("Decimal", v), s) for v, s in rest if v is not NA]
    if isinstance(part, NotApplicable):
        return total_of(kept, ZERO) if kept else NA
    return part + total_of(kept, ZERO)


def total_is_rounded(rule: str | None) -> bool:
    """The total is the exact signed sum of its roots, except under `rescale`, whose scaling
    may leave the quantum: then it is rounded like an item."""
    return rule == "rescale"


def rounded_total(
    raw: Decimal | NotApplicable, rule: str | None, quantum: Decimal, mode: str
) -> Decimal | NotApplicable:
    """The total's score from its raw value (`total_is_rounded`)."""
    if isinstance(raw, NotApplicable) or not total_is_rounded(rule):
        return raw
    return arith.round_score(raw, quantum, mode)


def na_alternative(standard: Decimal | None, rule: str | None) -> Decimal | None:
    """What a child that may be n/a can count instead of its own value, for the bounds: its
    standard under `full`, 0 under `zero`; None under `rescale` (see `rescaled_span`)."""
    if rule == "full":
        return standard
    if rule == "zero":
        return ZERO
    return None


def rescaled_span(
    lows: Sequence[Decimal | None], highs: Sequence[Decimal | None], standards: Sequence[Decimal]
) -> tuple[Decimal | None, Decimal | None]:
    """Bounds of `applicable_sum` under `rescale` over every set of applicable children, each
    child i within [lows[i], highs[i]] (None: unbounded) with standard s_i > 0: the result is
    Σ s × (Σ_A v_i / Σ_A s_i), and a ratio of sums lies between the least and the greatest
    v_i / s_i (the mediant inequality), so Σ s × min(lo_i / s_i) … Σ s × max(hi_i / s_i) —
    each multiplied before it is divided, as `applicable_sum` does, so one applicable child's
    end is met exactly (45 × 20 / 15 = 60, where 45 × (20 / 15) rounds to 59.99…98)."""
    whole = combine_children(standards, ZERO)
    lo = (
        None
        if any(v is None for v in lows)
        else min(whole * v / s for v, s in zip(lows, standards, strict=True))  # type: ignore[operator]
    )
    hi = (
        None
        if any(v is None for v in highs)
        else max(whole * v / s for v, s in zip(highs, standards, strict=True))  # type: ignore[operator]
    )
    return lo, hi
