"""The text renderings by name, for callers of the string API: each is a thin wrapper over a
streaming writer in its own module (table, jsonout, csvout)."""

from __future__ import annotations

from rulebook.render.csvout import to_csv
from rulebook.render.jsonout import to_json
from rulebook.render.table import to_table

__all__ = ["to_csv", "to_json", "to_table"]
