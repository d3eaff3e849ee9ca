"""Authoring slips: characters and spellings that look right to the writer and are not.

A scheme is typed by people who also type Chinese: an input method left in full-width mode gives
`（`, `，`, `：` and `１２`; a copied clause brings a no-break space or an invisible zero-width
one; `或` slips in for `or`. Python would read full-width letters silently as ASCII (it
normalises identifiers) and would report the rest as "invalid character". These helpers name
each slip and say what to write instead; the expression parser and the scheme reader use them.
"""

from __future__ import annotations

import re
import unicodedata

INVISIBLE = {
    "\u200b": "zero-width space",
    "\u200c": "zero-width non-joiner",
    "\u200d": "zero-width joiner",
    "\u2060": "word joiner",
    "\ufeff": "byte-order mark (BOM)",
}
"""Characters that show as nothing: always a copy-paste accident outside text."""

SPACES = {
    "\u00a0": "no-break space",
    "\u202f": "narrow no-break space",
    "\u3000": "full-width space",
}
"""Characters that show as a space but are not one to YAML or to a formula."""

WORDS = {"或": "or", "且": "and", "非": "not"}
"""Chinese words for the logical operators."""

SYMBOLS = {
    "×": "*",
    "÷": "/",
    "≥": ">=",
    "≤": "<=",
    "≠": "!=",
    "−": "-",
    "–": "-",
    "—": "-",
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
}
"""Typographic symbols whose ASCII spelling a formula needs."""

THOUSANDS = re.compile(r"(?<![\w.])[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]+)?(?![\w.])")
"""A number written with thousands separators, such as 1,000 or 12,500.5."""


def char_slip(ch: str) -> str | None:
    """What is wrong with the single character `ch` and what to write instead, or None when it
    is not a known slip (an ordinary character, or one with no ASCII counterpart)."""
    code = f"U+{ord(ch):04X}"
    if ch in INVISIBLE:
        return f"invisible {INVISIBLE[ch]} ({code}): delete it"
    if ch in SPACES:
        return f"{SPACES[ch]} ({code}): write an ordinary space"
    if ch in WORDS:
        return f"`{ch}` is not an operator: write `{WORDS[ch]}`"
    if ch in SYMBOLS:
        return f"`{ch}` is not an operator here: write `{SYMBOLS[ch]}`"
    plain = unicodedata.normalize("NFKC", ch)
    if plain != ch and plain.isascii() and plain.isprintable() and not plain.isspace():
        kind = "digit" if plain.isdigit() else "letter" if plain.isalpha() else "punctuation"
        return f"full-width {kind} `{ch}`: write `{plain}`"
    return None


def first_char_slip(text: str) -> tuple[int, str] | None:
    """The offset and message of the first slip character in `text`, or None. A full-width
    letter or digit is shown in its whole word, with the word to write (`ｍeetings`)."""
    for i, ch in enumerate(text):
        if ch.isascii():
            continue
        message = char_slip(ch)
        if message is None:
            continue
        if message.startswith(("full-width digit", "full-width letter")):
            start, end = i, i + 1
            while start > 0 and _word_char(text[start - 1]):
                start -= 1
            while end < len(text) and _word_char(text[end]):
                end += 1
            word = text[start:end]
            plain = unicodedata.normalize("NFKC", word)
            kind = "digits" if plain.replace(".", "").isdigit() else "letters"
            message = f"full-width {kind} in `{word}`: write `{plain}`"
        return i, message
    return None


def _word_char(ch: str) -> bool:
    """Whether `ch` is (a full-width form of) a character of a name or number."""
    plain = unicodedata.normalize("NFKC", ch)
    return len(plain) == 1 and (plain.isalnum() or plain in "_.") and plain.isascii()


def clean(text: str) -> str:
    """`text` with every slip character replaced by its fix (invisible ones dropped), for a
    "did you mean" that sees past them."""
    out = []
    for ch in text:
        if ch in INVISIBLE:
            continue
        plain = unicodedata.normalize("NFKC", ch)
        out.append(plain if plain.isascii() and len(plain) == 1 else ch)
    return "".join(out)


def blank_strings(text: str) -> str:
    """`text` with the inside of every '…' and "…" literal replaced by spaces (same length), so
    scans for slips see only the formula's code, never an enum value or label in quotes."""
    out = list(text)
    quote: str | None = None
    i = 0
    while i < len(text):
        ch = text[i]
        if quote is None:
            if ch in "'\"":
                quote = ch
        elif ch == "\\":
            out[i] = " "
            if i + 1 < len(text):
                out[i + 1] = " "
            i += 1
        elif ch == quote:
            quote = None
        else:
            out[i] = " "
        i += 1
    return "".join(out)


def thousands_message(written: str) -> str:
    """The fix for a number written with thousands separators."""
    return f"thousands separators are not allowed: write {written.replace(',', '')}"


def plain_number(text: str) -> str | None:
    """The fix when `text` (a value YAML read as text) is meant as a number: written with
    thousands separators or in full-width digits. None when it is not a number at all."""
    stripped = text.strip()
    if THOUSANDS.fullmatch(stripped):
        return thousands_message(stripped)
    plain = unicodedata.normalize("NFKC", stripped)
    if plain != stripped and re.fullmatch(r"[+-]?[0-9]+(\.[0-9]+)?", plain):
        return f"full-width digits: write {plain}"
    return None
