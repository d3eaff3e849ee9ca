"""Neutralising untrusted text on its way out: unit names, labels and reasons come from files
someone else may have written.

A spreadsheet reads a cell that starts with `=`, `+`, `-`, `@` (or a tab or carriage return) as
a formula (CSV/formula injection, OWASP); a terminal obeys escape sequences. Numbers are never
touched: only text is neutralised, so `-3.00` written as a number stays a number.
"""

from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def csv_text(text: str) -> str:
    """Text for a CSV cell: a leading `'` when a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet would take this text for a formula."""
    return text.startswith(FORMULA_START)


def terminal(text: str) -> str:
    """Text for a terminal: every C0/C1 control character (ESC, BEL, CR, tab, newline, …) shown
    as a `\\xNN` escape, so a label cannot move the cursor, recolour or retitle the terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


def terminal_lines(text: str) -> str:
    """`terminal` for a multi-line rendering: newlines kept, every other control escaped."""
    return "\n".join(terminal(line) for line in text.split("\n"))
