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
