"""CSV renderings, written row by row.

- wide (`--format csv`): one row per unit — unit, rank (for a scheme that ranks), total, every
  scored node (a per-period node followed by its period scores, `id[M01]`, …), every output
  (header `id [unit]`), every outcome, and the vetoes with reasons.
- long (`--format csv-long`): the audit as rows — unit, node, label, kind, period, value, raw,
  clipped, measure — per scored node and output (`clipped` from the audit's clips; a
  per-period node also one row per period), then per named value, rank, outcome and veto (one
  row per period for per-period ones); then, for a scheme with aggregates, the group rows: `unit`
  is the group in brackets (`[街道 = 慈城镇]`, `[全部单位]`), kind `aggregate` or `group_value`.

Text that a spreadsheet would read as a formula gets a leading `'`; numbers are written as
numbers (`-3.00` stays `-3.00`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any, TextIO

from rulebook.audit.result import Result, UnitResult
from rulebook.audit.trail import Auditor
from rulebook.engine import semantics
from rulebook.render import periods, view
from rulebook.render.grouprows import kind_of, label_of
from rulebook.render.progress import Tick
from rulebook.render.safe import csv_text
from rulebook.render.tabular import text

LONG_HEADER = ("unit", "node", "label", "kind", "period", "value", "raw", "clipped", "measure")


def wide_header(result: Result) -> list[str]:
    """Column names of the wide table: ids (stable for programs), outputs with their units."""
    scheme = result.scheme
    head = [
        "unit",
        *(["rank"] if view.shows_rank(scheme) else []),
        *(["total"] if view.has_points(scheme) else []),
    ]
    for i in scheme.score_ids if view.has_points(scheme) else ():
        if i != "total":
            head += [i, *(f"{i}[{p.id}]" for p in periods.points(scheme, i))]
    head += [
        f"{i} [{view.measure(scheme, i)}]" if view.measure(scheme, i) else i
        for i in scheme.output_ids
    ]
    head += list(scheme.outcomes)
    if scheme.vetoes:
        head.append("vetoes")
    return head


def wide_rows(result: Result) -> Iterator[list[Any]]:
    """One row per unit, in data order, matching `wide_header`: numbers as Decimals written
    with the places they are shown with (scores fixed, counts exact), text as str."""
    scheme = result.scheme
    points = view.has_points(scheme)
    na = view.na_text(scheme)

    def number(text: str) -> Decimal | str:
        return text if text == na else Decimal(text)  # a score that does not apply: the word

    for u, unit in zip(view.summaries(result), result.units, strict=True):
        row: list[Any] = [u.unit, *([u.rank] if u.rank is not None else [])]
        if points:
            row += [number(u.total)]
            row += [number(s) for s in _with_periods(result, unit, u.scores[:-1])]
        row += [number(s) for s in u.outputs]
        row += list(u.outcomes)
        if scheme.vetoes:
            row.append("; ".join(u.reasons))
        yield row


def write_csv(result: Result, out: TextIO, *, progress: Tick | None = None) -> None:
    """The wide table."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([csv_text(h) for h in wide_header(result)])
    places = result.scheme.rounding.places
    rows = (
        _wide_text_rows(result)
        if 1 <= places <= 10
        else ([_cell(c) for c in row] for row in wide_rows(result))
    )
    for row in rows:
        writer.writerow(row)
        if progress is not None:
            progress.update(1)


def _wide_text_rows(result: Result) -> Iterator[list[str]]:
    """`wide_rows` as cell text, without the round trip through Decimal for the scores: a
    score shown with 1 to 10 places is already the text `_cell` would write for it."""
    scheme = result.scheme
    points = view.has_points(scheme)
    na = view.na_text(scheme)  # an output that does not apply, written as the scores are
    for u, unit in zip(view.summaries(result), result.units, strict=True):
        row = [csv_text(u.unit), *([str(u.rank)] if u.rank is not None else [])]
        if points:
            row += [u.total, *_with_periods(result, unit, u.scores[:-1])]
        row += [_cell(s if s == na else Decimal(s)) for s in u.outputs]
        row += [_cell(o) for o in u.outcomes]
        if scheme.vetoes:
            row.append(_cell("; ".join(u.reasons)))
        yield row


def _with_periods(result: Result, unit: UnitResult, scores: Sequence[str]) -> list[str]:
    """The shown scores of the tree (total excluded), each per-period node's followed by its
    period scores (the columns `id[M01]`, … of `wide_header`)."""
    scheme = result.scheme
    if not periods.any_per_period(scheme):
        return list(scores)
    places = scheme.rounding.places
    out = []
    for node_id, shown in zip(scheme.score_ids, scores, strict=False):
        out.append(shown)
        if periods.has_periods(scheme, node_id):
            out += [view.fixed(v, places) for v in periods.scores(unit, node_id)]
    return out


def long_rows(result: Result) -> Iterator[tuple[Any, ...]]:
    """The long table's rows (decimals stay Decimals), unit by unit, from the audit."""
    scheme = result.scheme
    auditor = Auditor(result)
    na = view.na_text(scheme)
    for unit in result.units:
        for node_id in (*scheme.score_ids, *scheme.output_ids):
            a = auditor.explain(unit, node_id)
            measure = view.measure(scheme, node_id) if node_id != "total" else ""
            kind = "output" if node_id in scheme.output_ids else a.kind
            value = na if a.value is semantics.NA else a.value
            raw = na if a.raw is semantics.NA else a.raw
            yield (unit.unit, node_id, a.label, kind, "", value, raw, a.clipped, measure)
            if periods.has_periods(scheme, node_id):  # one row per period: score, raw, clipped
                p = auditor.explain(unit, f"{node_id}.periods")
                assert isinstance(p.value, dict)
                assert isinstance(p.raw, dict)
                cut = periods.clipped(scheme, node_id, p.raw)
                for point, value in p.value.items():
                    yield (
                        unit.unit,
                        node_id,
                        a.label,
                        kind,
                        point,
                        value,
                        p.raw[point],
                        cut[point],
                        measure,
                    )
        for kind, table, labels in (
            ("value", unit.values, scheme.values),
            ("rank", unit.ranks, scheme.rankings),
            ("outcome", unit.outcomes, scheme.outcomes),
        ):
            for name, value in table.items():
                label = labels[name].label
                if isinstance(value, dict):
                    for period, v in value.items():
                        yield (unit.unit, name, label, kind, period, v, None, None, "")
                else:
                    yield (unit.unit, name, label, kind, "", value, None, None, "")
        for veto in unit.vetoes:
            yield (
                unit.unit,
                veto,
                view.veto_label(scheme, veto),
                "veto",
                "",
                scheme.vetoes[veto].reason,
                None,
                None,
                "",
            )


def write_csv_long(result: Result, out: TextIO, *, progress: Tick | None = None) -> None:
    """The long table."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LONG_HEADER)
    current = None
    for row in long_rows(result):
        writer.writerow([_cell(c) for c in row])
        if progress is not None and row[0] != current:
            current = row[0]
            progress.update(1)
    for row in group_long_rows(result):  # after every unit: the rows stream unit by unit
        writer.writerow([_cell(c) for c in row])


def group_long_rows(result: Result) -> Iterator[tuple[Any, ...]]:
    """The long table's group rows: each aggregate and group value of each group."""
    scheme = result.scheme
    for row in result.groups:
        where = f"[{row.label(scheme)}]"
        for name, value in row.values.items():
            kind, label = kind_of(scheme, name), label_of(scheme, name)
            if isinstance(value, dict):
                for period, v in value.items():
                    yield (where, name, label, kind, period, v, None, None, "")
            else:
                yield (where, name, label, kind, "", value, None, None, "")


def to_csv(result: Result, *, long: bool = False) -> str:
    """The wide (default) or long table as one string."""
    buffer = io.StringIO()
    (write_csv_long if long else write_csv)(result, buffer)
    return buffer.getvalue()


def _cell(value: Any) -> str:
    """Numbers as their exact text; any other text neutralised."""
    if isinstance(value, Decimal | bool | int) or value is None:
        return text(value)
    return csv_text(str(value))
