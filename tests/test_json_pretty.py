"""The pretty JSON writer formats each unit itself (the standard library's indenting encoder
is pure Python); it must give exactly the bytes of `json.dumps(..., indent=2)`."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rulebook.render.jsonout import _dumps

_LEAVES = st.none() | st.booleans() | st.integers() | st.text(max_size=8)
_TREES = st.recursive(
    _LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.text(max_size=6), _TREES, max_size=6))
def test_pretty_unit_is_byte_identical_to_the_standard_library(entry: dict[str, Any]) -> None:
    assert _dumps(entry) == json.dumps(entry, ensure_ascii=False, indent=2)


def test_a_small_entry_worked_by_hand() -> None:
    """Two-space indent, `": "` after keys, empty containers closed on the same line, text
    kept as written (ensure_ascii off) with quotes and newlines escaped."""
    entry = {"unit": "东园", "scores": {}, "vetoes": [], "rank": 1, "ok": True, "note": 'a "b"\n'}
    assert _dumps(entry) == (
        '{\n  "unit": "东园",\n  "scores": {},\n  "vetoes": [],\n'
        '  "rank": 1,\n  "ok": true,\n  "note": "a \\"b\\"\\n"\n}'
    )
