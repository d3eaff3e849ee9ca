"""A JSON data file read unit by unit: the file's text streamed through a small buffer, each
unit's object parsed by the `json` module's C scanner and checked at once, so that neither the
file's bytes, nor its text, nor all its parsed units are ever held together.

This is the fast path for valid data only. The first thing that is not plainly valid data --
a syntax error, a byte that is not text in the encoding, a key written twice, a top-level key
other than `units`, a value the fast check does not accept -- gives up (`None`), and the caller
reads the file whole as before (`rulebook.data.documents`), which reports every problem located
at its line and column. Numbers are read as exact decimals from their text, as there.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import IO, Any, cast

from rulebook.data.dataset import DataSet
from rulebook.data.documents import MAX_DATA_BYTES
from rulebook.data.stream import UnitStream
from rulebook.scheme.model import Scheme

CHUNK = 1 << 20
"""Bytes read from the file at a time (the buffer grows past this only for a unit larger than
what it holds, doubling, so a long bad tail costs linear time)."""

_SPACE = cast("Callable[[str, int], re.Match[str]]", re.compile(r"[ \t\n\r]*").match)
"""The white space JSON allows between tokens (always matches, possibly nothing)."""


class _GiveUp(Exception):
    """The file is not plainly valid data: read it whole, to report why."""


def read_json_units(
    handle: IO[bytes], scheme: Scheme, file: str, encoding: str | None = None
) -> DataSet | None:
    """The checked data of a JSON file `{"units": {name: {...}, ...}}` read from `handle`
    (binary, at its start) unit by unit; None if it is anything but plainly valid data."""
    decoder = codecs.getincrementaldecoder(encoding or "utf-8-sig")("strict")  # `read` checked it
    text = _Text(handle, decoder)
    try:
        return _units(text, scheme, file)
    except (_GiveUp, UnicodeError, TypeError):  # TypeError: a stream that reads text
        return None


class _Text:
    """The file's text in a buffer that holds what is not parsed yet plus the next chunk."""

    def __init__(self, handle: IO[bytes], decoder: codecs.IncrementalDecoder) -> None:
        self.handle, self.decoder = handle, decoder
        self.buf, self.pos, self.eof, self.size = "", 0, False, 0
        self.start = 0
        """Where the last value read starts in `buf`."""

    def more(self) -> None:
        """Read the next chunk (at least as much as is unparsed: doubling); give up at the
        data size limit, which the whole-file reading then reports."""
        if self.eof:
            raise _GiveUp
        data = self.handle.read(max(CHUNK, len(self.buf) - self.pos))
        self.size += len(data)
        if self.size > MAX_DATA_BYTES:
            raise _GiveUp
        self.eof = not data
        self.buf = self.buf[self.pos :] + self.decoder.decode(data, final=self.eof)
        self.pos = 0

    def char(self) -> str:
        """The next character that is not white space ("" at the end of the text)."""
        while True:
            self.pos = _SPACE(self.buf, self.pos).end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if self.eof:
                return ""
            self.more()

    def expect(self, char: str) -> None:
        if self.char() != char:
            raise _GiveUp
        self.pos += 1

    def value(self, scan: Callable[[str, int], tuple[Any, int]]) -> Any:
        """The JSON value (a string or an object: both end with a closing character) that
        starts here, reading on until the buffer holds all of it."""
        while True:
            try:
                value, end = scan(self.buf, self.pos)
            except (json.JSONDecodeError, StopIteration):
                self.more()  # cut off by the buffer's end (else, at the end, give up)
                continue
            except (ValueError, RecursionError):  # NaN, Infinity; nested too deep
                raise _GiveUp from None
            self.start, self.pos = self.pos, end
            return value


def _units(text: _Text, scheme: Scheme, file: str) -> DataSet:
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(items)
        if len(out) != len(items):
            raise _GiveUp  # a key written twice: located by the whole-file reading
        return out

    def constant(name: str) -> Any:
        raise ValueError(name)

    # the C scanner itself (`scan_once`: raw_decode without its Python frame)
    quick: Any = json.JSONDecoder(parse_float=Decimal, parse_constant=constant)
    every: Any = json.JSONDecoder(
        parse_float=Decimal, object_pairs_hook=pairs, parse_constant=constant
    )
    scan, careful = quick.scan_once, every.scan_once
    text.expect("{")
    if text.char() != '"' or text.value(scan) != "units":
        raise _GiveUp
    text.expect(":")
    text.expect("{")
    units = UnitStream(scheme)
    names: set[str] = set()
    while True:
        if text.char() != '"':
            raise _GiveUp  # an empty `units`, a trailing comma, a key that is not text
        name = text.value(scan)
        text.expect(":")
        if text.char() != "{" or name in names:
            raise _GiveUp
        names.add(name)
        values = text.value(scan)
        if text.buf.count(":", text.start, text.pos) != _entries(values):
            text.pos = text.start  # a colon in a text, or a key written twice: parse it again
            values = text.value(careful)  # with every key seen
        if not units.add(name, values):
            raise _GiveUp
        following = text.char()
        text.pos += 1
        if following == "}":
            break
        if following != ",":
            raise _GiveUp
    text.expect("}")
    if text.char() != "":
        raise _GiveUp  # more after the document, or another top-level key
    return units.finish(file)


def _entries(values: Any) -> int:
    """Entries in a unit's mapping and in the mappings directly in it (per-period values).
    When the unit's text holds exactly as many colons, no key in it was written twice: each
    entry was written with a colon of its own, and a key written twice would leave fewer
    entries than colons (deeper entries, not counted, only make the count fall short)."""
    if type(values) is not dict:
        return -1
    count = len(values)
    for value in values.values():
        if type(value) is dict:
            count += len(value)
    return count
