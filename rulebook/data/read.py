"""One entry for every form of data: pick the reader by type, extension or explicit format."""

from __future__ import annotations

import codecs
import io
import os
import re
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rulebook.data.dataset import DataSet
from rulebook.data.documents import MAX_DATA_BYTES, parse_document
from rulebook.data.validate import check_plain
from rulebook.errors import DataError, Location, Problem
from rulebook.scheme.model import Scheme

FORMATS = ("yaml", "json", "csv", "xlsx")
_EXTENSIONS = {
    ".yaml": "yaml",
    ".yml": "yaml",
    ".json": "json",
    ".csv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
}


def read(
    source: Any,
    scheme: Scheme,
    *,
    format: str | None = None,  # noqa: A002 - the public keyword, as in pandas
    encoding: str | None = None,
) -> DataSet:
    """See `rulebook.data.api.read_data`."""
    from rulebook.data.frame import is_columns, is_dataframe, read_columns, read_frame

    if format is not None and format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {format!r}")
    if encoding is not None:
        _check_encoding(encoding, _name(source))
    if is_dataframe(source):
        return read_frame(source, scheme)
    if isinstance(source, Mapping):
        return read_columns(source, scheme) if is_columns(source) else check_plain(source, scheme)
    name = _name(source)
    kind = format or _EXTENSIONS.get(Path(name).suffix.lower())
    if isinstance(source, str | os.PathLike):
        _refuse_device(source, name)
    if kind is None and not isinstance(source, str | os.PathLike):
        data = source.read(MAX_DATA_BYTES + 1)  # a stream of unknown format: look at it
        if isinstance(data, bytes) and data.startswith(b"PK\x03\x04"):
            kind = "xlsx"
        elif isinstance(data, bytes) and _looks_like_csv(data, encoding):
            kind = "csv"
        source = io.BytesIO(data) if isinstance(data, bytes) else io.StringIO(data)
    if kind == "csv":
        from rulebook.data.csv_reader import read_csv

        return read_csv(source, scheme, encoding=encoding, file=name)
    if kind == "xlsx":
        from rulebook.data.xlsx_reader import read_xlsx

        return read_xlsx(source, scheme, file=name)
    if kind == "json":
        streamed = _json_units(source, scheme, name, encoding)
        if streamed is not None:
            return streamed
    text = _decode(_read_bytes(source, name), name, encoding)  # the bytes dropped once decoded
    if kind is None and text.lstrip()[:1] in ("{", "["):
        try:  # JSON read by the json module (faster); YAML if it is not JSON after all
            raw, locator = parse_document(text, name, json_text=True)
            return check_plain(raw, scheme, locator)
        except DataError as exc:
            if not exc.problems[0].message.startswith("JSON syntax"):
                raise
    raw, locator = parse_document(text, name, json_text=kind == "json")
    return check_plain(raw, scheme, locator)


def _json_units(source: Any, scheme: Scheme, name: str, encoding: str | None) -> DataSet | None:
    """A JSON file or seekable binary stream read and checked unit by unit (see
    `rulebook.data.json_units`); None, with the stream back at its start, when that gives up,
    or when the source could not be read twice (a pipe), so that it is read whole."""
    from rulebook.data.json_units import read_json_units

    if isinstance(source, str | os.PathLike):
        try:
            status = Path(source).stat()
            if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_DATA_BYTES:
                return None
            with open(source, "rb") as handle:
                return read_json_units(handle, scheme, name, encoding)
        except OSError:
            return None  # reported by the whole-file reading, in its words
    if isinstance(source, io.TextIOBase):
        return None
    try:
        if not source.seekable():
            return None
        start = source.tell()
    except (AttributeError, OSError, ValueError):
        return None
    data = read_json_units(source, scheme, name, encoding)
    if data is None:
        source.seek(start)
    return data


def _refuse_device(path: str | os.PathLike[str], name: str) -> None:
    """A device (`/dev/zero`, `/dev/urandom`, a disk) never ends: refused before reading. Pipes
    stay allowed (`<(...)`), bounded by the readers' own limits."""
    try:
        mode = Path(path).stat().st_mode
    except OSError:
        return  # the reader reports a missing or unreadable file in its own words
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        raise DataError(
            [
                Problem(
                    "not a regular file (a device)",
                    Location(name, 1, 1),
                    "name a YAML, JSON, CSV or xlsx file",
                )
            ]
        )


def _read_bytes(source: Any, name: str) -> bytes:
    if isinstance(source, str | os.PathLike):
        try:
            size = Path(source).stat().st_size
            if size > MAX_DATA_BYTES:
                raise DataError(
                    [
                        Problem(
                            f"data file is {size >> 20} MiB, larger than the "
                            f"{MAX_DATA_BYTES >> 20} "
                            "MiB read for YAML/JSON",
                            Location(name, 1, 1),
                            "write large data sets as CSV (read row by row)",
                        )
                    ]
                )
            with open(source, "rb") as handle:  # bounded: a device reports size 0
                data = handle.read(MAX_DATA_BYTES + 1)
        except OSError as exc:
            raise DataError(
                [Problem(f"cannot read file: {exc.strerror or exc}", Location(name, 1, 1))]
            ) from None
        if len(data) > MAX_DATA_BYTES:
            raise DataError(
                [
                    Problem(
                        f"data larger than {MAX_DATA_BYTES >> 20} MiB (or not a regular file)",
                        Location(name, 1, 1),
                        "write large data sets as CSV (read row by row)",
                    )
                ]
            )
        return data
    data = source.read(MAX_DATA_BYTES + 1)
    if len(data) > MAX_DATA_BYTES:
        raise DataError(
            [
                Problem(
                    f"data larger than {MAX_DATA_BYTES >> 20} MiB",
                    Location(name, 1, 1),
                    "write large data sets as CSV",
                )
            ]
        )
    return data if isinstance(data, bytes) else data.encode("utf-8")


def _check_encoding(encoding: str, name: str) -> None:
    """A DataError, located at the file, if `encoding` is not a text codec Python has (an
    unknown name; `rot13`, `base64` and the like, which turn bytes into bytes): found before
    any reader opens the file, since `open` itself refuses them."""
    try:
        text_codec = getattr(codecs.lookup(encoding), "_is_text_encoding", True)
    except LookupError:
        text_codec = None
    if not text_codec:
        raise DataError(
            [
                Problem(
                    f"unknown encoding `{encoding}`"
                    if text_codec is None
                    else f"`{encoding}` is not a text encoding",
                    Location(name, 1, 1),
                    "e.g. utf-8, gb18030, gbk, big5 — or leave --encoding out to detect it",
                )
            ]
        )


def _name(source: Any) -> str:
    """What messages call the data: its path, or the stream's name."""
    if isinstance(source, str | os.PathLike):
        return str(source)
    return str(getattr(source, "name", "<stream>"))


def _looks_like_csv(data: bytes, encoding: str | None = None) -> bool:
    """Whether data of no declared format (piped in) is a table: its first line (past blank
    lines) has a comma or semicolon, and it does not open a JSON or YAML document — a `{`, a
    `[`, `---`, a `#` comment, or a `key:` (a colon then a space or the line's end) before the
    first comma. The start is read in `encoding`, else by its byte-order mark (UTF-16, UTF-32),
    else as UTF-8 with anything undecodable replaced: `,` and `:` are never part of a GBK or
    GB18030 character, so those tables are told apart undecoded."""
    head = data[:65536]
    boms = [(codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32")]
    boms += [(codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]
    chosen = encoding or next((e for bom, e in boms if head.startswith(bom)), "utf-8-sig")
    try:
        text = head.decode(chosen, errors="replace")
    except (LookupError, UnicodeError):
        return False
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    if not line or line[0] in "{[#" or line.startswith("---") or _YAML_KEY.match(line):
        return False
    return "," in line or ";" in line


_YAML_KEY = re.compile(r"""(?:"[^"]*"|'[^']*'|[^,;"']*?)\s*:(?:\s|$)""")
"""A YAML mapping's first key (`units:`, `"units": {`) at the start of a line, before any
comma."""


def _decode(data: bytes, name: str, encoding: str | None) -> str:
    try:  # `encoding` is a text codec: `read` checked it
        return data.decode(encoding or "utf-8-sig")
    except UnicodeError as exc:
        if not isinstance(exc, UnicodeDecodeError):  # UTF-16's "does not start with BOM"
            raise DataError(
                [
                    Problem(
                        f"the file is not {encoding} text ({exc})",
                        Location(name, 1, 1),
                        "give the right --encoding, or leave it out to detect it",
                    )
                ]
            ) from None
        line = data[: exc.start].count(b"\n") + 1
        hint = "save the file as UTF-8 text"
        if encoding is not None:
            hint = "give the right --encoding, or leave it out to read UTF-8"
        else:
            try:
                data.decode("gb18030")
                hint = (
                    "it looks like GBK/GB18030 (what Chinese Windows writes): save it as "
                    "UTF-8, or pass --encoding gb18030"
                )
            except UnicodeDecodeError:
                pass
        raise DataError(
            [
                Problem(
                    f"the file is not {encoding or 'UTF-8'} text (byte {exc.start} on line {line})",
                    Location(name, line, 1),
                    hint,
                )
            ]
        ) from None
