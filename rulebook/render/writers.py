"""Every `--format` by name: which writer, and how its stream is opened. Each writer streams
unit by unit to a text stream; a CSV written to a file starts with a UTF-8 BOM (so Excel reads
it as UTF-8), a CSV on standard output does not."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from typing import Any, TextIO

from rulebook.audit.result import Result
from rulebook.files import replacing
from rulebook.render.csvout import write_csv, write_csv_long
from rulebook.render.html import write_html
from rulebook.render.jsonout import write_json, write_jsonl
from rulebook.render.progress import Tick, progress_bar
from rulebook.render.table import write_table

FORMATS = ("table", "json", "jsonl", "csv", "csv-long", "html", "xlsx")

Writer = Callable[[Result, TextIO, bool, Tick | None], None]

WRITERS: dict[str, Writer] = {
    "table": lambda r, out, audit, tick: write_table(r, out, width=_terminal_width(out)),
    "json": lambda r, out, audit, tick: write_json(r, out, audit=audit, progress=tick),
    "jsonl": lambda r, out, audit, tick: write_jsonl(r, out, audit=audit, progress=tick),
    "csv": lambda r, out, audit, tick: write_csv(r, out, progress=tick),
    "csv-long": lambda r, out, audit, tick: write_csv_long(r, out, progress=tick),
    "html": lambda r, out, audit, tick: write_html(r, out, progress=tick),
}


def write_result(
    result: Result,
    fmt: str,
    path: str | None,
    out: TextIO,
    err: TextIO,
    *,
    audit: bool = False,
    quiet: bool = False,
) -> None:
    """Write `result` as `fmt` to `path` (or `out`), with a progress bar on `err` when long."""
    if fmt == "xlsx":
        from rulebook.render.excel import write_xlsx

        assert path is not None
        with replacing(path) as temporary:
            write_xlsx(result, temporary)
        return
    writer = WRITERS[fmt]
    with progress_bar(len(result.units), err, quiet=quiet) as tick:
        if path is None:
            writer(result, out, audit, tick)
            return
        encoding = "utf-8-sig" if fmt.startswith("csv") else "utf-8"
        handle: Any
        with (
            replacing(path) as temporary,
            open(temporary, "w", encoding=encoding, newline="\n") as handle,
        ):
            writer(result, handle, audit, tick)


def _terminal_width(out: TextIO) -> int | None:
    """The terminal's width when writing to one (the table then fits it); None for a file or a
    pipe, so redirected output stays the same whatever the terminal."""
    try:
        if not out.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    return shutil.get_terminal_size().columns
