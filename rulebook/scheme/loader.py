"""YAML (or JSON) text -> plain Python data plus a source map of every key and value.

Numbers with a fraction become `Decimal` from their written text (never through a binary float),
duplicate keys are errors, and a budget on the number of nodes stops alias bombs. The source map
lets every later stage say `file:line:col` for any key path.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import attrs
import yaml

from rulebook.errors import Location, Problem, SchemeError
from rulebook.files import RefusedPath, read_text
from rulebook.scheme.yaml_slips import Slip, likely_slip, unclosed_quote_at

Path_ = tuple[str | int, ...]

_PLAIN_TOKEN = re.compile(r"[^\s,\[\]{}#]+")
_JSON_EXPONENT = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?[eE][+-]?[0-9]+")

MAX_SCHEME_BYTES = 2 * 1024 * 1024
"""`MAX_SCHEME_BYTES`: the largest scheme file read (2 MB; a scheme is a few hundred lines).
Checked before any YAML is parsed."""

MAX_NODES = 50_000
"""`MAX_NODES`: most YAML nodes one document may have (the largest shipped scheme has ~1,200).
Counted twice: while YAML composes the node graph (each node and alias once, failing at the first
one past the budget, before anything else is built) and while converting it (aliases counted
each time they are used)."""

MAX_SHOWN_LINE = 400
"""A source line longer than this is not echoed under a message (a one-line 2 MB file)."""

MAX_DEPTH = 60
"""Deepest nesting of mappings and lists accepted."""


@attrs.frozen
class Source:
    """A loaded document's text and where each key path was written."""

    file: str
    lines: tuple[str, ...]
    values: dict[Path_, Location] = attrs.field(eq=False)
    keys: dict[Path_, Location] = attrs.field(eq=False)

    def loc(self, path: Path_, *, key: bool = False) -> Location:
        """Where the value (or, with key=True, the key) at `path` was written; the nearest parent
        when that exact path has no entry (e.g. a missing field points at its mapping)."""
        exact = self.keys if key else self.values
        if path in exact:
            return exact[path]
        probe = path[:-1]
        while probe:
            if probe in self.keys:
                return self.keys[probe]
            if probe in self.values:  # a list item has no key of its own
                return self.values[probe]
            probe = probe[:-1]
        return self.values.get((), Location(self.file, 1, 1))

    def inside(self, path: Path_, text: str, offset: int) -> Location:
        """Where character `offset` of the scalar `text` at `path` is in the file, also inside
        quoted, folded (`>`) and literal (`|`) scalars that span lines. Found by matching the
        value's non-blank characters against the source; the value's start if they differ."""
        if 0 < offset < len(text) and text[offset].isspace() and not text[offset - 1].isspace():
            before = self.inside(path, text, offset - 1)  # a space (a no-break one) is found
            return attrs.evolve(before, column=before.column + 1)  # just after its neighbour
        start = self.loc(path)
        row, col = start.line - 1, start.column - 1
        if row >= len(self.lines):
            return start
        head = self.lines[row][col : col + 1]
        if head in (">", "|"):
            row, col = row + 1, 0
        elif head in ('"', "'"):
            col += 1
        wanted = sum(1 for ch in text[:offset] if not ch.isspace())
        expected = [ch for ch in text if not ch.isspace()]
        seen = 0
        while row < len(self.lines) and seen <= len(expected):
            line = self.lines[row]
            for c in range(col, len(line)):
                if line[c].isspace():
                    continue
                if seen >= len(expected) or line[c] != expected[seen]:
                    return start
                if seen == wanted:
                    return Location(self.file, row + 1, c + 1)
                seen += 1
            row, col = row + 1, 0
        return start

    def written(self, path: Path_) -> str | None:
        """The plain scalar at `path` as written in the file (`no` for what YAML read as
        False), or None when it cannot be found."""
        location = self.loc(path)
        line = self.line_text(location)
        if line is None:
            return None
        match = _PLAIN_TOKEN.match(line, location.column - 1)
        return match.group() if match else None

    def line_text(self, location: Location) -> str | None:
        if 1 <= location.line <= len(self.lines):
            return self.lines[location.line - 1]
        return None

    def problem(
        self,
        path: Path_,
        message: str,
        hint: str | None = None,
        *,
        key: bool = False,
        severity: str = "error",
        column_offset: int = 0,
    ) -> Problem:
        """A Problem located at `path`, optionally shifted inside the value (for expressions)."""
        base = self.loc(path, key=key)
        location = Location(base.file, base.line, base.column + column_offset)
        return Problem(message, location, hint, self.line_text(location), severity)


class _Limit(Exception):
    """A budget hit while composing: carries the located problem."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader whose composer counts nodes, nesting and open anchors as it goes, so a huge
    flow list, a deep nest or a recursive alias fails at once, before the graph is built."""

    def __init__(self, stream: str, file: str) -> None:
        super().__init__(stream)
        self.file = file
        self.composed = 0
        self.depth = 0
        self.open_anchors: set[str] = set()

    def _stop(self, event: yaml.Event, message: str, hint: str) -> _Limit:
        mark = event.start_mark
        where = (
            Location(self.file, mark.line + 1, mark.column + 1)
            if mark is not None
            else Location(self.file, 1, 1)
        )
        return _Limit(Problem(message, where, hint))

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]
        self.composed += 1
        if self.composed > MAX_NODES:
            raise self._stop(
                event,
                f"the document has more than {MAX_NODES:,} YAML nodes (the limit MAX_NODES)",
                "schemes and data files are small: "
                "split the file or remove repeated aliases (`*name`)",
            )
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in self.open_anchors:
                raise self._stop(
                    event,
                    f"alias `*{event.anchor}` refers to the mapping or "
                    "list it is inside (a recursive alias)",
                    "remove the alias",
                )
            return super().compose_node(parent, index)
        if not isinstance(event, yaml.CollectionStartEvent):
            return super().compose_node(parent, index)
        if self.depth >= MAX_DEPTH:
            raise self._stop(
                event,
                f"nested more than {MAX_DEPTH} levels deep (the limit MAX_DEPTH)",
                "schemes and data files are only a few levels deep",
            )
        anchor = event.anchor
        self.depth += 1
        if anchor is not None:
            self.open_anchors.add(anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1
            if anchor is not None:
                self.open_anchors.discard(anchor)


def _compose(text: str, file: str) -> yaml.Node | None:
    loader = _BoundedLoader(text, file)
    try:
        node: yaml.Node | None = loader.get_single_node()
        return node
    finally:
        loader.dispose()


def load_text(text: str, file: str) -> tuple[Any, Source]:
    """Parse one YAML/JSON document; raise SchemeError (located) if it is not well-formed or
    is over a limit (MAX_SCHEME_BYTES, MAX_NODES, MAX_DEPTH), checked before objects are built."""
    size = (
        len(text.encode("utf-8", "surrogatepass"))
        if len(text) * 4 > MAX_SCHEME_BYTES
        else len(text)
    )
    if size > MAX_SCHEME_BYTES:
        raise SchemeError(
            [
                Problem(
                    f"the file is over the limit MAX_SCHEME_BYTES = {MAX_SCHEME_BYTES // 2**20} MB "
                    f"({size:,} bytes)",
                    Location(file, 1, 1),
                    "a scheme is a few hundred lines: split out data, or remove generated text",
                )
            ]
        )
    try:
        node = _compose(text, file)
    except _Limit as exc:
        problem = exc.problem
        lines = tuple(text.splitlines())
        line = problem.location.line if problem.location else 0
        shown = lines[line - 1] if 1 <= line <= len(lines) else None
        if shown is not None and len(shown) > MAX_SHOWN_LINE:
            shown = None  # a 2 MB line is not echoed
        raise SchemeError([attrs.evolve(problem, source_line=shown)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        col = mark.column + 1 if mark else 1
        lines = tuple(text.splitlines())
        loc = Location(file, line, col)
        text_line = lines[line - 1] if 1 <= line <= len(lines) else None
        message = f"YAML syntax: {exc.problem or exc}"
        if exc.context:
            message += f" ({exc.context})"
        problems = [Problem(message, loc, "check indentation, colons and quotes", text_line)]
        start = exc.context_mark
        if exc.context == "while scanning a quoted scalar" and start is not None:
            slip: Slip | None = unclosed_quote_at(start.line + 1, start.column + 1)
        else:
            slip = likely_slip(text, line)
        if slip is not None:  # where the mistake was made, before where YAML noticed it
            where = Location(file, slip.line, slip.column)
            found = Problem(slip.message, where, slip.hint, lines[slip.line - 1])
            problems = [found] if slip.line == line else [found, *problems]
        raise SchemeError(problems) from None
    except yaml.reader.ReaderError as exc:
        before = text[: exc.position]
        loc = Location(file, before.count("\n") + 1, len(before) - before.rfind("\n"))
        char = exc.character
        shown = f"U+{char:04X}" if isinstance(char, int) else repr(char)
        raise SchemeError(
            [
                Problem(
                    f"character {shown} is not allowed in YAML",
                    loc,
                    "save the file as plain UTF-8 text",
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise SchemeError([Problem(f"YAML: {exc}", Location(file, 1, 1))]) from None
    except RecursionError:
        raise SchemeError(
            [
                Problem(
                    f"YAML nested more than {MAX_DEPTH} levels deep",
                    Location(file, 1, 1),
                    "schemes and data files are only a few levels deep",
                )
            ]
        ) from None
    converter = _Converter(file)
    data = None if node is None else converter.convert(node, ())
    source = Source(file, tuple(text.splitlines()), converter.values, converter.keys)
    if converter.problems:
        raise SchemeError(
            [
                attrs.evolve(p, source_line=source.line_text(p.location)) if p.location else p
                for p in converter.problems
            ]
        )
    return data, source


def load_file(path: str | Path) -> tuple[Any, Source]:
    """Read and parse a file; a missing or unreadable file is a located SchemeError."""
    name = str(path)
    try:
        text = read_text(path, limit=MAX_SCHEME_BYTES)
    except RefusedPath as exc:
        reason = exc.reason.replace("MAX_TESTS_FILE_BYTES", "MAX_SCHEME_BYTES")
        raise SchemeError([Problem(reason, Location(name, 1, 1), exc.hint)]) from None
    return load_text(text, name)


class _Converter:
    """Turns a composed YAML node tree into dicts, lists and scalars, recording locations."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.values: dict[Path_, Location] = {}
        self.keys: dict[Path_, Location] = {}
        self.problems: list[Problem] = []
        self.budget = MAX_NODES

    def at(self, mark: yaml.Mark) -> Location:
        return Location(self.file, mark.line + 1, mark.column + 1)

    def convert(self, node: yaml.Node, path: Path_) -> Any:
        self.budget -= 1
        if self.budget < 0:
            if self.budget == -1:
                self.problems.append(
                    Problem(
                        f"the document expands to more than {MAX_NODES:,} YAML nodes (the limit "
                        "MAX_NODES)",
                        self.at(node.start_mark),
                        "remove repeated aliases (`*name`); schemes and data files are small",
                    )
                )
            return None
        self.values[path] = self.at(node.start_mark)
        if len(path) > MAX_DEPTH and not isinstance(node, yaml.ScalarNode):
            self.problems.append(
                Problem(
                    f"nested more than {MAX_DEPTH} levels deep",
                    self.at(node.start_mark),
                    "schemes and data files are only a few levels deep",
                )
            )
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        return self._scalar(node)

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.problems.append(
                    Problem(
                        "YAML merge keys (`<<`) are not supported",
                        self.at(key_node.start_mark),
                        "write the keys out, or use a pattern",
                    )
                )
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(
                    Problem("a mapping key must be a plain name", self.at(key_node.start_mark))
                )
                continue
            key = str(key_node.value)
            child = (*path, key)
            if key in out:
                first = self.keys[child]
                self.problems.append(
                    Problem(
                        f"duplicate key `{key}` (first written at line {first.line})",
                        self.at(key_node.start_mark),
                        "remove one of the two entries",
                    )
                )
                continue
            self.keys[child] = self.at(key_node.start_mark)
            out[key] = self.convert(value_node, child)
        return out

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        tag, text = node.tag, node.value
        if tag == "tag:yaml.org,2002:str" and node.style is None and _JSON_EXPONENT.fullmatch(text):
            return self._decimal(text, node)  # JSON's 1e3, which YAML 1.1 reads as text
        if tag == "tag:yaml.org,2002:null":
            return None
        if tag == "tag:yaml.org,2002:bool":
            return text.lower() in ("true", "yes", "on", "y")
        if ":" in text and tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
            return text  # YAML 1.1's base 60 (`4:36.11`): a duration, read from its text
        if tag == "tag:yaml.org,2002:int":
            return _yaml_int(text)
        if tag == "tag:yaml.org,2002:float":
            return self._decimal(text, node)
        return text

    def _decimal(self, text: str, node: yaml.Node) -> Any:
        value = finite_decimal(text)
        if value is None:
            self.problems.append(not_finite(text, self.at(node.start_mark)))
        return value


def finite_decimal(text: str) -> Decimal | None:
    """A YAML float's text (`72.5`, `1_000.5`, `1e3`) as the exact Decimal it spells, never
    through a binary float; None when it is not a finite number."""
    try:
        value = Decimal(text.replace("_", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def not_finite(text: str, where: Location) -> Problem:
    """The problem for a number `finite_decimal` refused, shared by scheme and data files."""
    return Problem(
        f"`{text}` is not a finite number", where, "write an ordinary decimal such as 72.5"
    )


def _yaml_int(text: str) -> int | str:
    cleaned = text.replace("_", "")
    if len(cleaned) > 40:
        return text  # absurdly long: keep as text so the type check reports it
    try:
        if cleaned.lower().startswith(("0x", "-0x", "+0x")):
            return int(cleaned, 16)
        if cleaned.lower().startswith(("0o", "-0o", "+0o")):
            return int(cleaned, 8)
        return int(cleaned, 10)
    except ValueError:
        return text
