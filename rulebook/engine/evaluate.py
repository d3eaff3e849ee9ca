"""Score many units at once: inputs into their slots, then the plan's stages in order with its
rankings and aggregates between them (`rulebook.engine.plan`).

Evaluation has no global state: the scheme's compiled Program is read-only (but for its score
tables, caches of values already rounded: `rulebook.engine.codegen.ScoreTable`) and every unit gets
its own slot list. Arithmetic runs in rulebook's decimal context (see `rulebook.arith`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, localcontext
from functools import partial
from typing import Any, Literal, get_args

from rulebook.arith import CONTEXT
from rulebook.audit.result import Result, UnitResult
from rulebook.collector import collector_paused
from rulebook.data.api import check_data
from rulebook.data.dataset import DataSet, UnitData
from rulebook.engine import aggregates
from rulebook.engine.codegen import failing_owner, scored_through_table
from rulebook.engine.interpret import Interpreter, failing_part, reference_stages
from rulebook.engine.packed import PackedRows, PackedUnits, stage_reads, stage_writes
from rulebook.engine.plan import Plan, Program, Stage, StageFn
from rulebook.engine.ranking import rank
from rulebook.errors import DataError, EvaluationError, Problem
from rulebook.scheme.model import Scheme
from rulebook.scheme.tables import TableMiss

Engine = Literal["compiled", "reference"]
ENGINES: tuple[Engine, ...] = get_args(Engine)


PROGRESS_EVERY = 1000
"""Units scored between two calls of `evaluate`'s `progress` callable."""

Progress = Callable[[int, int], object]

PACK_FROM = 50_000
"""Units from which `evaluate` keeps a result packed by default (see `rulebook.engine.packed`);
`share=True` shares equal values between plain slot lists instead (`_Sharer`)."""


def evaluate(
    scheme: Scheme,
    data: DataSet | Mapping[str, Any],
    *,
    engine: Engine = "compiled",
    progress: Progress | None = None,
    share: bool | None = None,
    pack: bool | None = None,
) -> Result:
    """Score every unit of `data` (a checked DataSet, or plain `{"units": {...}}` data, which is
    checked first) and return the Result. Raises DataError or EvaluationError; never half-done.

    `engine="reference"` interprets each formula with simpleeval instead of running the
    compiled program: slower, same results (the tests hold the two to that).

    `progress`, if given, is called as `progress(done, total)` every `PROGRESS_EVERY` units of
    each pass (filling inputs, then each stage; packed, every chunk of `packed.CHUNK` units of
    each stage, inputs being filled with the first) and once at the end (`done == total`),
    where `total` is units × passes: a caller's progress bar. Without it the loops run
    unchunked.

    `pack=True` keeps the result's slot lists packed (`rulebook.engine.packed`): a tenth of the
    memory, for about half as much scoring time again; the default (None) packs from `PACK_FROM`
    units up, where memory is what limits a run. `share=True` (unpacked results only) makes
    equal computed values of a slot one object across units (`_Sharer`) instead."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if not isinstance(data, DataSet):
        data = check_data(data, scheme)
    program = scheme.program
    plan = program.plan
    stages = program.stages if engine == "compiled" else reference_stages(scheme)
    units = data.units
    count = len(units)
    with collector_paused():  # a list or more per unit, never a cycle (rulebook.collector)
        if pack if pack is not None else (count >= PACK_FROM and not share):
            rows = PackedRows(scheme, plan, units)
            _score_packed(scheme, program, stages, data, rows, progress)
            results: Sequence[UnitResult] = PackedUnits(rows, partial(UnitResult, scheme=scheme))
        else:
            vectors = _score_lists(scheme, program, stages, data, progress, sharing=bool(share))
            results = tuple(
                UnitResult(u.name, v, scheme) for u, v in zip(units, vectors, strict=True)
            )
    return Result(scheme, results, data_file=data.file, data=data)


class SlotLists:
    """Plain slot lists (one list per unit) read and written a whole slot at a time, the way
    rankings and aggregates use them (`rulebook.engine.aggregates.Columns`)."""

    def __init__(self, vectors: list[list[Any]]) -> None:
        self.vectors = vectors

    def __len__(self) -> int:
        return len(self.vectors)

    def column(self, slot: int) -> list[Any]:
        return [v[slot] for v in self.vectors]

    def set_column(self, slot: int, values: Sequence[Any]) -> None:
        for vector, value in zip(self.vectors, values, strict=True):
            vector[slot] = value


class _Ticker:
    """`evaluate`'s progress calls: units done over units × passes (inputs, then each stage)."""

    def __init__(self, progress: Progress | None, count: int, passes: int) -> None:
        self.progress, self.total, self.done = progress, count * passes, 0

    def __call__(self, units: int) -> None:
        if self.progress is not None:
            self.done += units
            self.progress(self.done, self.total)

    def finish(self) -> None:
        if self.progress is not None and self.total == 0:  # nothing scored: the one final call
            self.progress(0, 0)


def _score_lists(
    scheme: Scheme,
    program: Program,
    stages: Sequence[StageFn],
    data: DataSet,
    progress: Progress | None,
    *,
    sharing: bool,
) -> list[list[Any]]:
    """Every unit's slot list, scored: inputs filled, then each stage over all units with its
    rankings and aggregates before it."""
    plan = program.plan
    units = data.units
    count = len(units)
    step = PROGRESS_EVERY if progress is not None else max(count, 1)
    tick = _Ticker(progress, count, 1 + len(stages))
    vectors: list[list[Any]] = []
    for start in range(0, count, step):
        vectors.extend([_inputs(scheme, plan, unit) for unit in units[start : start + step]])
        tick(min(step, count - start))
    problems = _broken_constraints(scheme, data.file, units, vectors)
    if problems:
        raise DataError(problems)
    columns = SlotLists(vectors)
    with localcontext(CONTEXT):
        for stage, function in zip(plan.stages, stages, strict=True):
            _across_units(scheme, plan, stage, columns)
            share = (
                _Sharer(scheme, plan, stage, tabled=stages is program.stages) if sharing else None
            )
            for start in range(0, count, step):
                _run_stage(
                    scheme,
                    program,
                    stage.index,
                    function,
                    units[start : start + step],
                    vectors[start : start + step],
                    share,
                )
                tick(min(step, count - start))
    tick.finish()
    return vectors


def _score_packed(
    scheme: Scheme,
    program: Program,
    stages: Sequence[StageFn],
    data: DataSet,
    rows: PackedRows,
    progress: Progress | None,
) -> None:
    """`_score_lists` chunk by chunk into packed rows: at most one chunk's slot lists exist at a
    time. A later stage decodes a chunk, runs, and packs again only the slots it wrote."""
    plan = program.plan
    units = data.units
    count = len(units)
    tick = _Ticker(progress, count, 1 + len(stages))
    chunks = range(len(rows.chunks))
    if any(v.kind == "constraint" for v in scheme.values.values()):
        problems: list[Problem] = []
        for chunk in chunks:  # every unit's constraints before anything is scored
            start, end = rows.bounds(chunk)
            some = units[start:end]
            vectors = [_inputs(scheme, plan, unit) for unit in some]
            problems += _broken_constraints(scheme, data.file, some, vectors)
        if problems:
            raise DataError(problems)
    tick(count)
    with localcontext(CONTEXT):
        for stage, function in zip(plan.stages, stages, strict=True):
            _across_units(scheme, plan, stage, rows)
            writes = None if stage.index == 0 else stage_writes(plan, stage)
            reads = stage_reads(program, stage.index) if stages is program.stages else None
            for chunk in chunks:
                start, end = rows.bounds(chunk)
                some = units[start:end]
                if stage.index == 0:
                    vectors = [_inputs(scheme, plan, unit) for unit in some]
                else:
                    vectors = rows.rows(chunk, reads)
                _run_stage(scheme, program, stage.index, function, some, vectors, None)
                rows.pack(chunk, vectors, writes)
                tick(end - start)
    tick.finish()


def _across_units(scheme: Scheme, plan: Plan, stage: Stage, columns: aggregates.Columns) -> None:
    """The rankings and aggregates that run across all units before `stage`."""
    for ranking in stage.rankings:
        _apply_ranking(scheme, plan, ranking, columns)
    for name in stage.aggregates:
        aggregates.apply(scheme, plan, name, columns)


def _run_stage(
    scheme: Scheme,
    program: Program,
    stage: int,
    function: StageFn,
    units: Sequence[UnitData],
    vectors: list[list[Any]],
    sharer: _Sharer | None,
) -> None:
    """One stage for some units, each over its own slot list; an arithmetic failure becomes the
    located EvaluationError for its unit."""
    for unit, vector in zip(units, vectors, strict=True):
        try:
            function(vector)
        except ArithmeticError as exc:
            raise _located(scheme, program, stage, unit.name, exc, vector) from None
        if sharer is not None:
            sharer(vector)


def _inputs(scheme: Scheme, plan: Plan, unit: UnitData) -> list[Any]:
    """One unit's slot list with its indicators and unit-specific parameters filled in."""
    vector: list[Any] = [None] * plan.size
    values = unit.values
    for name, slot in plan.annual_inputs:
        vector[slot] = values[name]
    period_ids = [p.id for p in scheme.periods]
    for name, slot in plan.period_inputs:
        by_period = values[name]
        for offset, pid in enumerate(period_ids):
            vector[slot + offset] = by_period[pid]  # type: ignore[index]
    for name, slot in plan.unit_parameters:
        parameter = scheme.parameters[name]
        vector[slot] = parameter.by_unit.get(unit.name, parameter.value)
    return vector


class _Sharer:
    """Equal computed values of a slot share one `Decimal` object across units: results hold
    every unit's slot list, and most slots take few distinct values (a score of 5.00, a zero),
    so one object per value and slot instead of one per unit is most of scoring's memory
    (13.4 KB to 5 KB per unit on the shipped village scheme).

    Values are shared only when they are the same number written the same way (same exponent,
    and the same sign for zero; another way of writing a number is looked up by its text), so
    nothing anyone can observe changes. After `SAMPLE` units a
    slot whose values are mostly distinct (a total, a rate) is no longer looked at: sharing
    would cost time and save nothing. Each slot remembers at most `LIMIT` values."""

    SAMPLE = 256
    LIMIT = 4096

    def __init__(self, scheme: Scheme, plan: Plan, stage: Stage, *, tabled: bool) -> None:
        slots: list[int] = []
        for name in stage.computes:
            if tabled and scored_through_table(scheme, name):
                continue  # the compiled engine's score table shares these already
            if name in plan.slots:
                first = plan.slots[name]
                slots.extend(range(first, first + max(1, len(plan.points.get(name, ())))))
            if name in plan.raw_slots:
                slots.append(plan.raw_slots[name])
        self.caches: list[tuple[int, dict[Decimal | str, Decimal]]] = [
            (slot, {}) for slot in dict.fromkeys(slots)
        ]
        self.seen = 0

    def __call__(self, vector: list[Any]) -> None:
        limit = self.LIMIT
        for slot, cache in self.caches:
            value = vector[slot]
            if value.__class__ is not Decimal:
                continue
            kept = cache.get(value)
            if kept is None:
                if len(cache) < limit:
                    cache[value] = value
            elif kept is value:
                continue
            elif kept.same_quantum(value) and (value or kept.is_signed() is value.is_signed()):
                vector[slot] = kept
            else:  # the same number written another way (0 and 0.00): shared by its text
                text = str(value)
                kept = cache.get(text)
                if kept is not None:
                    vector[slot] = kept
                elif len(cache) < limit:
                    cache[text] = value
        self.seen += 1
        if self.seen == self.SAMPLE:
            self.caches = [(s, c) for s, c in self.caches if 2 * len(c) <= self.SAMPLE]


def _broken_constraints(
    scheme: Scheme, file: str, units: Sequence[UnitData], vectors: list[list[Any]]
) -> list[Problem]:
    """The scheme's constraints that `units` (with their filled slot lists) break; every unit
    must satisfy them before anything is scored."""
    constraints = [v for v in scheme.values.values() if v.kind == "constraint"]
    if not constraints:
        return []
    interpreter = Interpreter(scheme)
    problems = []
    with localcontext(CONTEXT):
        for unit, vector in zip(units, vectors, strict=True):
            for constraint in constraints:
                if interpreter.run(constraint.formula.tree, vector, None) is not True:
                    text = " ".join(constraint.formula.text.split())
                    problems.append(
                        Problem(
                            f"unit `{unit.name}`: {constraint.label} (requires `{text}`)",
                            constraint.location,
                            f"check the data of `{unit.name}` in {file}",
                        )
                    )
    return problems


def _apply_ranking(scheme: Scheme, plan: Plan, name: str, columns: aggregates.Columns) -> None:
    """Rank every unit by the ranking's basis (per period or group if it varies) and write each
    unit's rank into its slot."""
    ranking = scheme.rankings[name]
    basis, target = plan.slots[ranking.basis], plan.slots[name]
    demote = plan.slots[ranking.demote] if ranking.demote else None
    for offset in range(scheme.axis_size(scheme.axis_of(name))):
        demoted = None
        if demote is not None:
            demoted = [flag is True for flag in columns.column(demote + offset)]
        ranks = rank(
            columns.column(basis + offset),
            order=ranking.order,
            method=ranking.method,
            demoted=demoted,
            within=ranking.demoted_within,
        )
        columns.set_column(target + offset, ranks)


def _located(
    scheme: Scheme,
    program: Program,
    stage: int,
    unit: str,
    exc: ArithmeticError,
    vector: list[Any],
) -> EvaluationError:
    """The error for `unit`, naming the node, the period and the failing part of its formula."""
    owner = failing_owner(program, stage, exc) or "?"
    owned = scheme.values.get(owner) or scheme.nodes.get(owner)  # one namespace: either
    formula = owned.formula if owned is not None else None
    location = owned.location if owned is not None else None
    cause, hint = _CAUSES.get(type(exc).__name__, (type(exc).__name__, None))
    if isinstance(exc, TableMiss):  # its message names the table and the value
        cause, hint = str(exc), exc.hint
    if formula is None:
        return EvaluationError(unit, owner, "", cause, location, hint=hint)
    flat = " ".join(formula.text.split("\n"))
    shown = flat.strip()
    part, period = failing_part(scheme, formula.tree, vector, scheme.axis_of(owner))
    column = None
    if part is not None and part.col_offset <= len(shown):
        column = part.col_offset
    return EvaluationError(unit, owner, shown, cause, location, column, period, hint)


_CAUSES = {
    "DivisionByZero": (
        "division by zero",
        "guard it: ratio(a, b, value_if_zero) or `0 if b == 0 else a / b`",
    ),
    "DivisionUndefined": (
        "0 / 0 is undefined",
        "guard it: ratio(a, b, value_if_zero) declares the zero case",
    ),
    "Overflow": (
        "number too large (overflow): a computed value reached the limit "
        "`max_computed_magnitude` "
        "(10^40)",
        "check the data's domain and the formula's exponents",
    ),
    "InvalidOperation": ("invalid operation (e.g. a negative number to a fractional power)", None),
}
