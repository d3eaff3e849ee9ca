"""Terminal display width of text, so tables with Chinese labels line up."""

from __future__ import annotations

import unicodedata


def display_width(text: str) -> int:
    """Cells the text takes in a terminal: wide and full-width characters count two."""
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def pad(text: str, width: int, align: str = "<") -> str:
    """`text` padded with spaces to `width` display cells, left (`<`) or right (`>`) aligned."""
    fill = " " * max(width - display_width(text), 0)
    return text + fill if align == "<" else fill + text


ELLIPSIS = "…"

_BREAK_AFTER = frozenset(" ；，、。：;,/")
"""Characters a wrapped line may end after (a space is dropped at the break)."""


def truncate(text: str, width: int) -> str:
    """`text` cut to at most `width` display cells, ending in `…` when it was cut."""
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        w = display_width(char)
        if used + w > width - 1:
            break
        out.append(char)
        used += w
    return "".join(out).rstrip() + ELLIPSIS


def wrap(text: str, width: int) -> list[str]:
    """`text` as lines of at most `width` display cells (at least one character a line),
    broken after a space or punctuation when the line has one, else between characters (as
    Chinese text is)."""
    width = max(width, 1)
    lines: list[str] = []
    line, used, brk = "", 0, -1  # brk: index in `line` just after the last break opportunity
    for char in text:
        w = display_width(char)
        while used + w > width and line:
            if 0 < brk < len(line):
                lines.append(line[:brk].rstrip())
                line = line[brk:].lstrip(" ")
            else:
                lines.append(line.rstrip())
                line = ""
            used, brk = display_width(line), -1
        if not line and char == " ":
            continue
        line += char
        used += w
        if char in _BREAK_AFTER:
            brk = len(line)
    if line or not lines:
        lines.append(line)
    return lines
