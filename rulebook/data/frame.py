"""Data handed over by Python code as columns: a pandas DataFrame or a dict of columns.

The unit column is a column headed `unit` (or `单位`, see rulebook.data.table.UNIT_HEADERS);
without one, the DataFrame's index holds the unit names (a plain RangeIndex of row numbers is
refused: it names no unit). Other columns are named like a
spreadsheet's headers (id or label, `rate[Q1]` per period). Floats and numpy scalars are taken
from their shortest repr (92.5 -> Decimal("92.5")); NaN, None and pandas NA are missing values,
handled like an empty cell (the indicator's default, else an error naming unit and indicator).
pandas is optional (the `frame` extra) and never imported here: a DataFrame is recognised by
its type's name and read through its own methods.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from rulebook.data.dataset import DataSet
from rulebook.data.table import UNIT_HEADERS, read_table
from rulebook.errors import DataError, Location, Problem
from rulebook.scheme.model import Scheme


def is_dataframe(obj: Any) -> bool:
    """A pandas DataFrame, recognised without importing pandas."""
    kind = type(obj)
    return kind.__name__ == "DataFrame" and kind.__module__.startswith("pandas")


def is_columns(obj: Any) -> bool:
    """A dict of columns `{"unit": [...], "rate": [...]}` (not `{"units": {...}}` data)."""
    return (
        isinstance(obj, Mapping)
        and "units" not in obj
        and bool(obj)
        and all(
            (isinstance(v, Sequence) and not isinstance(v, str))
            or type(v).__name__ in ("ndarray", "Series")
            for v in obj.values()
        )
    )


def read_frame(frame: Any, scheme: Scheme, *, file: str = "<DataFrame>") -> DataSet:
    """Read and check a pandas DataFrame."""
    names = [str(c) for c in frame.columns]
    _no_repeated_columns(names)
    if not any(n.strip().lower() in UNIT_HEADERS for n in names):
        if type(frame.index).__name__ == "RangeIndex" and frame.index.name is None:
            raise DataError(
                [
                    Problem(
                        "the DataFrame has no unit column and its index is only row numbers",
                        None,
                        "add a column `unit` with the units' names, "
                        "or df.set_index(<names column>)",
                    )
                ]
            )
        index_name = str(frame.index.name) if frame.index.name is not None else "unit"
        if index_name.strip().lower() not in UNIT_HEADERS:
            index_name = "unit"
        columns = {
            index_name: list(frame.index),
            **{n: _cells(frame.iloc[:, k]) for k, n in enumerate(names)},
        }
    else:
        columns = {n: _cells(frame.iloc[:, k]) for k, n in enumerate(names)}
    return read_columns(columns, scheme, file=file)


def _cells(column: Any) -> list[Any]:
    """A DataFrame column's cells, each read as the number it shows. A column of 64-bit
    floats, of integers or of booleans (numpy's or pandas' nullable ones) comes out as Python
    floats, ints and bools in one C-level pass (`tolist`; a 64-bit float's repr is the text
    numpy prints for it). A column of 32- or 16-bit floats comes out as numpy scalars, read at
    their own precision — 0.1 stays 0.1, where iterating the column would widen it to
    0.10000000149011612. Any other column (text, times, objects) is taken as pandas holds it."""
    dtype = column.dtype
    kind = getattr(dtype, "kind", "")
    if kind in ("i", "u", "b") or (kind == "f" and getattr(dtype, "itemsize", 0) == 8):
        return list(column.tolist())
    if kind == "f":
        return list(column.array)
    return list(column)


def _is_series(column: Any) -> bool:
    """Whether `column` is a pandas Series (read as a DataFrame's column is)."""
    kind = type(column)
    return kind.__name__ == "Series" and kind.__module__.startswith("pandas")


def _no_repeated_columns(names: list[str]) -> None:
    """A DataError naming each column name the DataFrame has more than once (a dict of its
    columns would keep only one of them)."""
    positions: dict[str, list[int]] = {}
    for k, name in enumerate(names, start=1):
        positions.setdefault(name, []).append(k)
    repeated = {n: at for n, at in positions.items() if len(at) > 1}
    if repeated:
        raise DataError(
            [
                Problem(
                    f"the DataFrame has the column `{name}` {len(at)} times (columns "
                    + ", ".join(map(str, at))
                    + ")",
                    None,
                    "keep one column per indicator: rename or drop the others "
                    "(df.loc[:, ~df.columns.duplicated()] keeps the first)",
                )
                for name, at in repeated.items()
            ]
        )


def read_columns(columns: Mapping[Any, Any], scheme: Scheme, *, file: str = "<columns>") -> DataSet:
    """Read and check a dict of equally long columns, one of them the unit column."""
    header = [str(k) for k in columns]
    lists = [_cells(v) if _is_series(v) else list(v) for v in columns.values()]
    lengths = {len(v) for v in lists}
    if len(lengths) > 1:
        raise DataError(
            [
                Problem(
                    "the columns have different lengths: "
                    + ", ".join(f"{h}: {len(v)}" for h, v in zip(header, lists, strict=True)),
                    None,
                    "every column holds one value per unit",
                )
            ]
        )

    def place(row: int, col: int) -> tuple[Location | None, str]:  # noqa: ARG001 - a locator's signature
        return None, "header" if row == 0 else f"row {row}"

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for i, cells in enumerate(zip(*lists, strict=True)):
            yield i + 1, list(cells)

    return read_table(scheme, file, header, 0, rows(), place)
