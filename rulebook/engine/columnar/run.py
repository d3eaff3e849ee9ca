"""Score all units at once over columns, stage by stage, with exact per-unit fallback.

The stages and the rankings between them are the compiled program's (`scheme.program`). After
each stage, the rows some column could not hold exactly (`fixed.Reasons`) leave the columnar
path: their slot vectors are filled from the columns computed so far and the per-unit stage
functions (Decimal) score them from then on. A ranking reads every unit's basis: from the columns
when no unit has fallen back (int64 sort keys equal to the snapped values), otherwise from exact
Decimals through `rulebook.engine.ranking.rank`, so ranks are the per-unit engine's either way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from decimal import Decimal, localcontext
from typing import Any

import numpy as np

from rulebook.arith import CONTEXT, SNAP_PLACES, snap
from rulebook.data.dataset import DataSet, UnitData
from rulebook.engine import aggregates
from rulebook.engine.columnar.compile import ColumnEval, Unsupported
from rulebook.engine.columnar.fixed import (
    LIMIT,
    Arith,
    Col,
    Flag,
    Num,
    Reasons,
    Text,
    snapped_keys,
    to_decimal,
)
from rulebook.engine.columnar.frame import _from_objects
from rulebook.engine.evaluate import _broken_constraints, _located
from rulebook.engine.ranking import rank
from rulebook.engine.semantics import NA
from rulebook.errors import DataError
from rulebook.scheme.model import Ranking, Scheme

RankHook = Callable[[Ranking, int, list[Any]], Any]
"""An outside ranking (Dask: across partitions): (ranking, offset, sort keys) -> ranks, where
the keys are `Run.exact_keys` (int64 arrays, most significant first, comparable across runs)."""


def slot_value(col: Col, row: int) -> Any:
    """One row of a column as the per-unit engine holds it (Decimal, bool or str)."""
    if isinstance(col, Num):
        return to_decimal(col, row)
    v = col.v
    item = v.item() if np.ndim(v) == 0 else v[row]
    return bool(item) if isinstance(col, Flag) else str(item)


class Run:
    """One columnar evaluation: columns by slot, fallen-back rows' vectors, reasons."""

    def __init__(
        self,
        scheme: Scheme,
        names: Sequence[str],
        inputs: dict[int, Col],
        rank_hook: RankHook | None = None,
        stop_before: int | None = None,
        exact: dict[tuple[int, int], Any] | None = None,
    ) -> None:
        self.scheme, self.names = scheme, list(names)
        self.n = len(self.names)
        self.reasons = Reasons(self.n)
        self.arith = Arith(self.reasons)
        self.cols: dict[int, Col] = dict(inputs)
        self.fallback: dict[int, list[Any]] = {}
        self.fallback_stage: dict[int, int] = {}
        self.rank_hook = rank_hook
        self.stop_before = stop_before
        self.whole_scheme: str | None = None
        self.exact = exact or {}
        self.input_slots = list(inputs)
        na = np.zeros(self.n, dtype=bool)
        for (_, row), value in self.exact.items():
            if value is NA:
                na[row] = True
        self.reasons.mark("a not-applicable input (n/a)", na)
        for col in inputs.values():
            if col.bad is not None:
                self.reasons.mark("an input with more digits than int64 holds", col.bad & ~na)

    # -- running ------------------------------------------------------------------------------

    def run(self) -> Run:
        scheme, program = self.scheme, self.scheme.program
        evaluator = ColumnEval(scheme, self.arith, self.cols)
        stages = [list(stage.computes) for stage in program.plan.stages]
        self._check_constraints()
        for stage, names in enumerate(stages):
            if self.stop_before is not None and stage >= self.stop_before:
                break
            for ranking in program.plan.stages[stage].rankings:
                self._rank(scheme.rankings[ranking])
            for aggregate in program.plan.stages[stage].aggregates:
                self._aggregate(aggregate, stage)
            try:
                for name in names:
                    evaluator.compute(name)
            except Unsupported as exc:
                self.whole_scheme = str(exc)
                self.reasons.mark(f"not columnar: {exc}", np.ones(self.n, bool))
            bad = self._bad_rows(names, stage)
            for found in np.flatnonzero(bad):
                row = int(found)
                if row not in self.fallback:
                    self.fallback[row] = self.vector_from_columns(row)
                    self.fallback_stage[row] = stage
            self._run_fallback(stage)
        return self

    def _bad_rows(self, names: list[str], stage: int) -> Any:
        """Rows whose value of some name of this stage (or, at stage 0, some input) is not
        exact in the columns. A guarded division by zero in a branch not taken is not one."""
        bad = np.zeros(self.n, dtype=bool)
        if self.whole_scheme is not None:
            bad[:] = True
            return bad
        program, scheme = self.scheme.program, self.scheme
        slots: list[int] = []
        for name in names:
            start = program.plan.slots[name]
            slots.extend(range(start, start + scheme.axis_size(scheme.axis_of(name))))
            if name in program.plan.raw_slots:
                raw = program.plan.raw_slots[name]
                width = scheme.axis_size(scheme.axis_of(name)) if name in scheme.values else 1
                slots.extend(range(raw, raw + width))
        if stage == 0:
            slots.extend(self.input_slots)
        for slot in slots:
            col = self.cols.get(slot)
            if col is not None and col.bad is not None:
                bad |= col.bad
        return bad

    def _run_fallback(self, stage: int) -> None:
        program = self.scheme.program
        function = program.stages[stage]
        with localcontext(CONTEXT):
            for row, vector in self.fallback.items():
                try:
                    function(vector)
                except ArithmeticError as exc:
                    unit = self.names[row]
                    raise _located(self.scheme, program, stage, unit, exc, vector) from None

    def vector_from_columns(self, row: int) -> list[Any]:
        vector: list[Any] = [None] * self.scheme.program.size
        for slot, col in self.cols.items():
            vector[slot] = (
                self.exact.get((slot, row)) if (slot, row) in self.exact else slot_value(col, row)
            )
        return vector

    def _check_constraints(self) -> None:
        """The scheme's constraints, before anything is scored: rows failing (or not decided
        exactly in columns) are checked by the per-unit rule, which words the errors."""
        constraints = [v for v in self.scheme.values.values() if v.kind == "constraint"]
        if not constraints:
            return
        suspect = np.zeros(self.n, dtype=bool)
        scratch = Arith(Reasons(self.n))
        check = ColumnEval(self.scheme, scratch, dict(self.cols))
        for constraint in constraints:
            try:
                result = check.expr(constraint.formula.tree, None)
            except (KeyError, Unsupported):
                suspect[:] = True
                break
            assert isinstance(result, Flag)
            suspect |= ~np.broadcast_to(result.v, (self.n,))
            if result.bad is not None:
                suspect |= result.bad
        rows = [int(r) for r in np.flatnonzero(suspect)]
        if rows:
            data = DataSet(tuple(UnitData(self.names[r], {}) for r in rows))
            vectors = [self.vector_from_columns(r) for r in rows]
            problems = _broken_constraints(self.scheme, data.file, data.units, vectors)
            if problems:
                raise DataError(problems)

    # -- aggregates ---------------------------------------------------------------------------

    def _aggregate(self, name: str, stage: int) -> None:
        """An aggregate by the per-unit rule (`rulebook.engine.aggregates`) over every unit's
        exact value, held as a column; a unit whose group's value no column can hold (a mean
        such as 1/3 to 40 digits) leaves the columnar path here, its exact value kept."""
        plan = self.scheme.program.plan
        target = plan.slots[name]
        fast = [self._column_aggregate(name, offset) for offset in range(self._points(name))]
        if all(col is not None for col in fast):
            for offset, col in enumerate(fast):
                assert col is not None
                self.cols[target + offset] = col
            return
        columns = aggregates.compute(self.scheme, plan, name, self.n, self.value)
        for offset, values in enumerate(columns):
            col, _, odd = _from_objects(np.array(values, dtype=object))
            # a group where no unit applies has no mean, min or max: n/a, for the per-unit engine
            na = np.array([value is NA for value in values], dtype=bool)
            self.reasons.mark("an aggregate that is n/a (no unit of its group applies)", na)
            self.cols[target + offset] = col
            for row, vector in self.fallback.items():
                vector[target + offset] = values[row]
            if odd:
                mask = np.zeros(self.n, dtype=bool)
                mask[list(odd)] = True
                self.reasons.mark("an aggregate with more digits than int64 holds", mask)
            odd.update((int(row), NA) for row in np.flatnonzero(na))
            for row, value in odd.items():
                self.exact[(target + offset, row)] = value
            for row in odd:
                if row not in self.fallback:
                    self.fallback[row] = self.vector_from_columns(row)
                    self.fallback_stage[row] = stage

    def _points(self, name: str) -> int:
        return self.scheme.axis_size(self.scheme.axis_of(name))

    def _column_aggregate(self, name: str, offset: int) -> Num | None:
        """A sum, min, max or count over int64 columns of one scale, by numpy (the same exact
        values as the per-unit rule: whole multiples of one scale add and compare exactly);
        None when that does not apply (a unit fell back, a column of rationals, a mean, a
        sum that could leave int64), and the caller takes the per-unit rule."""
        agg = self.scheme.aggregates[name]
        if self.fallback or agg.function == "mean":
            return None
        plan = self.scheme.program.plan
        source = self.cols.get(plan.slots[agg.of] + offset)
        n = self.n
        if agg.by is None:
            codes, groups = np.zeros(n, dtype=np.intp), 1
        else:
            text = self.cols.get(plan.slots[agg.by])
            if not isinstance(text, Text) or text.bad is not None:
                return None
            values = np.broadcast_to(np.asarray(text.v, dtype=object), (n,))
            _, codes = np.unique(values.astype(str), return_inverse=True)
            codes = codes.reshape(n)
            groups = int(codes.max(initial=-1)) + 1
        if agg.function == "count":
            if not isinstance(source, Flag) or source.bad is not None:
                return None
            flags = np.broadcast_to(np.asarray(source.v, dtype=bool), (n,)).astype(np.int64)
            counts = np.zeros(groups, dtype=np.int64)
            np.add.at(counts, codes, flags)
            return Num(counts[codes], 1)
        if not isinstance(source, Num) or source.bad is not None or not isinstance(source.q, int):
            return None
        p = np.broadcast_to(np.asarray(source.p, dtype=np.int64), (n,))
        if agg.function == "sum":
            if n and int(np.abs(p).max()) * n >= LIMIT:
                return None
            sums = np.zeros(groups, dtype=np.int64)
            np.add.at(sums, codes, p)
            return Num(sums[codes], source.q)
        extreme = np.full(groups, p.max(initial=0) if agg.function == "min" else p.min(initial=0))
        (np.minimum if agg.function == "min" else np.maximum).at(extreme, codes, p)
        return Num(extreme[codes], source.q)

    # -- rankings -----------------------------------------------------------------------------

    def _rank(self, ranking: Ranking) -> None:
        scheme, slots = self.scheme, self.scheme.program.plan.slots
        basis_slot, target = slots[ranking.basis], slots[ranking.name]
        demote_slot = slots[ranking.demote] if ranking.demote else None
        for offset in range(scheme.axis_size(scheme.axis_of(ranking.name))):
            basis = self.cols[basis_slot + offset]
            assert isinstance(basis, Num)
            basis = self.arith.reduced(basis)
            demoted = None
            if demote_slot is not None:
                flag = self.cols[demote_slot + offset]
                assert isinstance(flag, Flag)
                demoted = np.broadcast_to(np.asarray(flag.v, dtype=bool), (self.n,)).copy()
                for row, vector in self.fallback.items():
                    demoted[row] = vector[demote_slot + offset] is True
            if self.rank_hook is not None:
                keys = self.exact_keys(basis, basis_slot + offset, ranking.order, demoted)
                ranks = self.rank_hook(ranking, offset, keys)
            elif self.fallback or (
                not isinstance(basis.q, int) and int(np.max(basis.q, initial=1)) >= 10**9
            ):
                ranks = self._decimal_ranks(
                    ranking,
                    basis_slot + offset,
                    None if demote_slot is None else demote_slot + offset,
                )
            else:
                ranks = column_ranks(basis, ranking.order, ranking.method, demoted)
            if ranking.demoted_within is not None and demoted is not None:
                ranks = np.where(demoted, np.minimum(ranks, ranking.demoted_within), ranks)
            self.cols[target + offset] = Num(np.asarray(ranks, dtype=np.int64), 1)
            for row, vector in self.fallback.items():
                vector[target + offset] = Decimal(int(ranks[row]))

    def _decimal_ranks(self, ranking: Ranking, basis: int, demote: int | None) -> Any:
        """Ranks by the per-unit rule over exact Decimals (used once any unit has fallen back)."""
        values, flags = [], []
        for row in range(self.n):
            vector = self.fallback.get(row)
            if vector is not None:
                values.append(vector[basis])
                flags.append(vector[demote] is True if demote is not None else False)
            else:
                values.append(slot_value(self.cols[basis], row))
                flags.append(
                    bool(slot_value(self.cols[demote], row)) if demote is not None else False
                )
        with localcontext(CONTEXT):
            ranks = rank(
                values,
                order=ranking.order,
                method=ranking.method,
                demoted=flags if demote is not None else None,
            )
        return np.array([int(r) for r in ranks], dtype=np.int64)

    def exact_keys(self, basis: Num, slot: int, order: str, demoted: Any) -> list[Any]:
        """(demotion, ±whole, ±three groups of the 20 snapped places) for every row — the same
        order and ties as `ranking.rank`, independent of the column's scale, so keys from
        different runs (partitions) compare. Rows held as Decimals are converted exactly."""
        n = self.n
        q = np.broadcast_to(np.asarray(basis.q), (n,))
        slow = q >= 10**9
        for row in self.fallback:
            slow[row] = True
        safe = Num(
            np.where(slow, 0, np.broadcast_to(np.asarray(basis.p), (n,))), np.where(slow, 1, q)
        )
        whole, g1, g2, last = (np.array(k, dtype=np.int64) for k in snapped_keys(safe))
        for found in np.flatnonzero(slow):
            row = int(found)
            whole[row], g1[row], g2[row], last[row] = decimal_keys(self.value(slot, row))
        keys = [whole, g1, g2, last]
        if order == "desc":
            keys = [-k for k in keys]
        flag = (
            np.zeros(n, dtype=np.int64)
            if demoted is None
            else np.asarray(demoted if order == "desc" else ~demoted, dtype=np.int64)
        )
        return [flag, *keys]

    # -- reading ------------------------------------------------------------------------------

    def value(self, slot: int, row: int) -> Any:
        vector = self.fallback.get(row)
        if vector is not None:
            return vector[slot]
        return slot_value(self.cols[slot], row)

    def reason_counts(self) -> dict[str, int]:
        """Units that fell back, by the reasons met on their rows (a unit may count twice)."""
        fell = np.zeros(self.n, dtype=bool)
        fell[list(self.fallback)] = True
        counts = Counter({k: int((m & fell).sum()) for k, m in self.reasons.masks.items()})
        return {k: v for k, v in counts.items() if v}


def decimal_keys(value: Decimal) -> tuple[int, int, int, int]:
    """`snapped_keys` of one exact Decimal: floor, then the 20 snapped places as 9 + 9 + 2."""
    with localcontext(CONTEXT):
        scaled = int(snap(value).scaleb(SNAP_PLACES))
    whole, frac = divmod(scaled, 10**SNAP_PLACES)
    if abs(whole) >= 2**62:
        raise OverflowError("a ranking basis value too large for int64 sort keys")
    return whole, frac // 10**11, (frac // 100) % 10**9, frac % 100


def rank_keys(basis: Num, order: str, demoted: Any) -> list[Any]:
    """int64 sort keys, most significant first, equal to (demotion, ±snap(value))."""
    keys = [np.asarray(basis.p)] if isinstance(basis.q, int) else list(snapped_keys(basis))
    if order == "desc":
        keys = [-k for k in keys]
    if demoted is not None:
        flag = demoted if order == "desc" else ~demoted
        keys = [np.asarray(flag, dtype=np.int64), *keys]
    return keys


def column_ranks(basis: Num, order: str, method: str, demoted: Any) -> Any:
    """`rulebook.engine.ranking.rank` over a column: competition (1,1,3) or dense (1,1,2)."""
    keys = rank_keys(basis, order, demoted)
    n = len(keys[-1])
    sorter = np.lexsort(keys[::-1])
    new_group = np.zeros(n, dtype=bool)
    if n:
        new_group[0] = True
    for k in keys:
        s = k[sorter]
        new_group[1:] |= s[1:] != s[:-1]
    group = np.cumsum(new_group)
    if method == "dense":
        ranked = group
    else:
        starts = np.flatnonzero(new_group)
        ranked = starts[group - 1] + 1
    out = np.empty(n, dtype=np.int64)
    out[sorter] = ranked
    return out


__all__ = ["Run", "Text", "column_ranks", "rank_keys", "slot_value"]
