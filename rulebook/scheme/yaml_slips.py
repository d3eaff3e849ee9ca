"""The slip behind a YAML syntax error, found where it was made rather than where YAML stopped.

YAML often notices a mistake lines after it: a quote left open swallows the lines below it up
to the next quote, and the error is reported there. These checks run only once YAML has failed,
look back from the error for a known slip (an unclosed quote, a full-width colon after a key, a
no-break or invisible space) and say where it is and what to write.
"""

from __future__ import annotations

import re

import attrs

from rulebook.expr import slips

_QUOTED_VALUE = re.compile(r"""^\s*(?:-\s+)*(?:[^\s#'"{}\[\],:][^#:]*:\s+)?(["'])""")
"""A block line whose value (or list item) starts with a quote; group 1 is the quote."""

_FULL_WIDTH_COLON = re.compile(r"^\s*(?:-\s+)*[^\s#'\"{}\[\]:：]+(：)")
"""A block line whose key ends in a full-width colon."""


@attrs.frozen
class Slip:
    """A likely cause of a YAML error: 1-based line and column, what is wrong, what to do."""

    line: int
    column: int
    message: str
    hint: str


def unclosed_quote_at(line: int, column: int) -> Slip:
    """The quote opened at (line, column) is never closed before the end of the file."""
    return Slip(
        line,
        column,
        "this quoted value is never closed",
        "end it with the same quote it starts with, on the same line",
    )


def likely_slip(text: str, error_line: int) -> Slip | None:
    """The slip, on or before 1-based `error_line`, that most likely caused YAML's error there;
    None when none of the known slips is found."""
    lines = text.splitlines()
    for number in range(min(error_line, len(lines)), max(error_line - 2, 0), -1):
        slip = _odd_space(lines[number - 1], number)
        if slip is not None:
            return slip
    for number in range(min(error_line, len(lines)), 0, -1):
        colon = _FULL_WIDTH_COLON.match(lines[number - 1])
        if colon:
            return Slip(
                number,
                colon.start(1) + 1,
                "full-width colon `：` after a key",
                "write `:` followed by a space",
            )
    return _quote_closed_late(lines, error_line)


def _odd_space(line: str, number: int) -> Slip | None:
    """A no-break, full-width or invisible space in the YAML structure of `line` (outside
    quotes and comments), where YAML does not take it for a space."""
    code = slips.blank_strings(line.split(" #", 1)[0])
    for i, ch in enumerate(code):
        if ch in slips.SPACES or ch in slips.INVISIBLE:
            message = slips.char_slip(ch)
            assert message is not None
            what, _, fix = message.rpartition(": ")
            return Slip(number, i + 1, what, fix)
    return None


def _quote_closed_late(lines: list[str], error_line: int) -> Slip | None:
    """A quoted value opened on an earlier line whose closing quote is on the error line (or
    the line before): it ran on over the lines between, so the quote was most likely left
    open where it began."""
    for number in range(min(error_line, len(lines)) - 1, 0, -1):
        opening = _QUOTED_VALUE.match(lines[number - 1])
        if not opening:
            continue
        quote, start = opening.group(1), opening.start(1)
        closes = _closing_line(lines, number - 1, start + 1, quote)
        if closes is not None and closes > number - 1 and closes + 1 >= error_line - 1:
            return Slip(
                number,
                start + 1,
                "this quoted value is not closed on its line",
                f"end it with {quote} on the same line: YAML read on to the next "
                f"{quote}, on line {closes + 1}",
            )
    return None


def _closing_line(lines: list[str], row: int, col: int, quote: str) -> int | None:
    """The 0-based line of the quote that closes a value opened just before (row, col)."""
    while row < len(lines):
        line = lines[row]
        while col < len(line):
            ch = line[col]
            if quote == '"' and ch == "\\":
                col += 2
                continue
            if ch == quote:
                if quote == "'" and line[col + 1 : col + 2] == "'":
                    col += 2
                    continue
                return row
            col += 1
        row, col = row + 1, 0
    return None
