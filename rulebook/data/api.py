"""The data API: read, parse or check indicator data for a scheme, whatever its form (a file,
a stream, YAML/JSON text, plain dicts, a pandas DataFrame, a dict of columns)."""

from __future__ import annotations

from typing import Any

from rulebook.data.dataset import DataSet, Locator
from rulebook.data.documents import parse_document
from rulebook.data.frame import is_columns, is_dataframe, read_columns, read_frame
from rulebook.data.read import read
from rulebook.data.validate import check_plain
from rulebook.scheme.model import Scheme


def read_data(
    source: Any,
    scheme: Scheme,
    *,
    format: str | None = None,  # noqa: A002 - the public keyword, as in pandas
    encoding: str | None = None,
) -> DataSet:
    """Read and check data for `scheme` from a path (.yaml/.yml/.json/.csv/.xlsx), a binary or
    text stream, a pandas DataFrame or a dict of columns; `format` overrides the file's
    extension, `encoding` a CSV's detected encoding. Raises DataError listing every problem."""
    return read(source, scheme, format=format, encoding=encoding)


def parse_data(text: str, scheme: Scheme, file: str = "<data>") -> DataSet:
    """Like read_data, from YAML or JSON text; `file` names it in messages."""
    raw, locator = parse_document(text, file)
    return check_data(raw, scheme, locator)


def check_data(raw: Any, scheme: Scheme, source: Locator | None = None) -> DataSet:
    """Check plain data (`{"units": {name: {indicator: value}}}`) against the scheme.

    Numbers may be `Decimal`, `int`, or a binary float (also numpy's), which is taken exactly
    from its shortest repr: 92.5 -> Decimal("92.5"), 0.1 -> Decimal("0.1"). A pandas DataFrame
    or a dict of columns is read as a table (see rulebook.data.frame)."""
    if is_dataframe(raw):
        return read_frame(raw, scheme)
    if is_columns(raw):
        return read_columns(raw, scheme)
    return check_plain(raw, scheme, source)
