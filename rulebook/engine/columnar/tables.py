"""A scheme table (`rulebook.scheme.tables`) called over a column: the row each unit's value
falls in, as one `where` per row. Rows whose value no band holds (a band table without
`otherwise`) are marked to fall back, so the per-unit engine raises their evaluation error."""

from __future__ import annotations

import numpy as np

from rulebook.engine.columnar.fixed import Arith, Col, Flag, Num, Text
from rulebook.scheme.tables import Band, Table


def table_column(table: Table, arg: Col, a: Arith) -> Col:
    """`table(arg)` for every row of `arg`."""
    if table.kind == "lookup":
        assert isinstance(arg, Text)  # the type checker admits only an enum
        rows = [
            (a.compare("==", arg, Text(np.array(k, dtype=object))), v)
            for k, v in table.mapping.items()
        ]
        fallback = table.otherwise
    else:
        assert isinstance(arg, Num)  # the type checker admits only a number
        rows = [(_holds(band, arg, a), band.value) for band in table.bands]
        fallback = table.otherwise
    out: Col = a.const(0 if fallback is None else fallback)
    if fallback is None:
        hit = np.zeros(a.n, dtype=bool)
        for test, _ in rows:
            hit |= np.broadcast_to(test.v, (a.n,))
        miss = a.reasons.mark(f"outside every row of table `{table.name}`", ~hit)
        assert isinstance(out, Num)
        out = Num(out.p, out.q, miss if miss.any() else None)
    for test, value in reversed(rows):
        out = a.where(test, a.const(value), out)
    return out


def _holds(band: Band, x: Num, a: Arith) -> Flag:
    """Whether each row's `x` lies in `band` (`Band.holds` over a column)."""
    test: Flag | None = None
    if band.low is not None:
        test = a.compare(">=" if band.low.inclusive else ">", x, a.const(band.low.at))
    if band.high is not None:
        upper = a.compare("<=" if band.high.inclusive else "<", x, a.const(band.high.at))
        test = upper if test is None else a.logical("and", test, upper)
    return test if test is not None else Flag(np.ones(a.n, dtype=bool), x.bad)
