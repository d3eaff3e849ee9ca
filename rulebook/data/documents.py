"""YAML and JSON data files, parsed fast and exactly; positions worked out only for problems.

YAML goes through libyaml (`yaml.CSafeLoader`, or the pure-Python SafeLoader where libyaml is
missing) with constructors that build `Decimal` from the number's text, so a value never passes
through a binary float; JSON goes through the standard `json` module with
`parse_float=Decimal`. Duplicate keys (a unit written twice) are errors, located at once.

There is no cap on the number of values: a file is bounded by its size (`MAX_DATA_BYTES`) and
aliases are never expanded (an alias is the same object as its anchor, so a "billion laughs"
file costs what it weighs). Where a value was written is only looked up when a problem has to be
reported (`DocumentLocator`), by walking the composed YAML node tree along the problem's path.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import yaml

from rulebook.errors import DataError, Location, Problem
from rulebook.scheme.loader import Path_, finite_decimal, not_finite

MAX_DATA_BYTES = 1 << 30
"""Largest YAML or JSON data file read (1 GiB): YAML is parsed whole, in memory, and so is JSON
when it has a problem to report (valid JSON is read unit by unit: `rulebook.data.json_units`).
Larger data sets go in CSV, which is read row by row."""

MAX_DEPTH = 60
"""Deepest nesting accepted in a data document (data is three or four levels deep)."""

MAX_SHOWN = 200
"""Longest source line quoted in a message; longer lines are cut with an ellipsis."""

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_JSON_EXPONENT = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?[eE][+-]?[0-9]+")
_CACHED = 100_000
"""Most distinct short scalars remembered while reading (indicator names, periods, small
numbers repeat on every unit: each is resolved once)."""


class _Syntax(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


class _Builder:
    """Plain data from libyaml's event stream, in one loop with an explicit stack: no recursion
    (however deep the text, it stops at MAX_DEPTH), aliases shared not copied, numbers exact."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.anchors: dict[str, Any] = {}
        self.open_anchors: set[str] = set()
        self.cache: dict[str, Any] = {}
        self.resolver = yaml.resolver.Resolver()
        self.constructor = yaml.constructor.SafeConstructor()

    def at(self, mark: Any) -> Location:
        return Location(self.file, mark.line + 1, mark.column + 1)

    def build(self, events: Any) -> Any:
        """The document's data. The open container, its pending key and its anchor are kept in
        locals (the hot loop runs once per scalar); enclosing ones are saved on a stack."""
        saved: list[tuple[Any, bool, Any, str | None]] = []
        top: Any = None
        is_dict, key, open_anchor = False, _NO_KEY, None
        root: Any = None
        documents = 0
        cache, miss = self.cache, _NO_KEY
        scalar, alias = yaml.ScalarEvent, yaml.AliasEvent
        map_start, seq_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
        map_end, seq_end = yaml.MappingEndEvent, yaml.SequenceEndEvent
        for event in events:
            kind = type(event)
            if kind is scalar:
                if is_dict and key is _NO_KEY:
                    key = self.key(event.value, event, top)  # a key is its text as written
                    continue
                if event.tag is None:
                    value = event.value
                    if event.implicit[0]:
                        value = cache.get(value, miss)
                        if value is miss:
                            value = self.plain(event.value, event)
                else:
                    value = self.resolve(event.value, False, event.tag, event)
                if event.anchor:
                    self.anchors[event.anchor] = value
            elif kind is map_start or kind is seq_start:
                if len(saved) >= MAX_DEPTH:
                    raise _Syntax(
                        Problem(
                            f"nested more than {MAX_DEPTH} levels deep",
                            self.at(event.start_mark),
                            "data files are only a few levels deep",
                        )
                    )
                self.check_tag(event)
                new: Any = {} if kind is map_start else []
                if event.anchor:
                    self.anchors[event.anchor] = new
                    self.open_anchors.add(event.anchor)
                if top is None:
                    root = new
                elif is_dict:
                    if key is _NO_KEY:
                        raise _Syntax(
                            Problem("a mapping key must be a plain name", self.at(event.start_mark))
                        )
                    if type(key) is not _Duplicate:
                        top[key] = new
                    key = _NO_KEY
                else:
                    top.append(new)
                saved.append((top, is_dict, key, open_anchor))
                top, is_dict, key, open_anchor = new, kind is map_start, _NO_KEY, event.anchor
                continue
            elif kind is map_end or kind is seq_end:
                if open_anchor:
                    self.open_anchors.discard(open_anchor)
                top, is_dict, key, open_anchor = saved.pop()
                continue
            elif kind is alias:
                value = self.alias(event)
                if is_dict and key is _NO_KEY:
                    if isinstance(value, dict | list):
                        raise _Syntax(
                            Problem("a mapping key must be a plain name", self.at(event.start_mark))
                        )
                    key = self.key(str(value), event, top)
                    continue
            else:  # stream and document start and end
                if kind is yaml.DocumentStartEvent:
                    documents += 1
                    if documents > 1:
                        raise _Syntax(
                            Problem(
                                "more than one YAML document (`---`)",
                                self.at(event.start_mark),
                                "one data set per file",
                            )
                        )
                continue
            if top is None:
                root = value
            elif is_dict:
                if type(key) is not _Duplicate:
                    top[key] = value
                key = _NO_KEY
            else:
                top.append(value)
        return root

    def key(self, text: str, event: Any, mapping: dict[Any, Any]) -> Any:
        """A mapping key: its text; a repeated key is reported (its value then dropped)."""
        if text == "<<" and getattr(event, "implicit", (False,))[0]:
            raise _Syntax(
                Problem(
                    "YAML merge keys (`<<`) are not supported",
                    self.at(event.start_mark),
                    "write the keys out",
                )
            )
        anchor = getattr(event, "anchor", None)
        if anchor and type(event) is yaml.ScalarEvent:
            self.anchors[anchor] = text
        if text in mapping:
            self.problems.append(
                Problem(
                    f"duplicate key `{text}`",
                    self.at(event.start_mark),
                    "remove one of the two entries (a unit may be listed only once)",
                )
            )
            return _Duplicate(text)
        return text

    def alias(self, event: Any) -> Any:
        if event.anchor in self.open_anchors:
            raise _Syntax(
                Problem(
                    f"alias `*{event.anchor}` refers to the mapping or list it "
                    "is inside (a recursive alias)",
                    self.at(event.start_mark),
                    "remove the alias",
                )
            )
        if event.anchor not in self.anchors:
            raise _Syntax(Problem(f"unknown alias `*{event.anchor}`", self.at(event.start_mark)))
        return self.anchors[event.anchor]

    def plain(self, text: str, event: Any) -> Any:
        """A plain (unquoted) scalar's value, remembered when short (see _CACHED)."""
        reported = len(self.problems)
        value = self.resolve(text, True, None, event)
        if len(text) <= 40 and len(self.cache) < _CACHED and len(self.problems) == reported:
            self.cache[text] = value  # (a value with a problem is resolved, and reported, anew)
        return value

    def check_tag(self, event: Any) -> None:
        tag = event.tag
        if (
            tag is not None
            and not event.implicit
            and tag not in ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "!")
        ):
            raise _Syntax(
                Problem(
                    f"YAML tag `{tag}` is not supported in data",
                    self.at(event.start_mark),
                    "remove the tag",
                )
            )

    def resolve(self, text: str, plain: bool, tag: str | None, event: Any) -> Any:
        if tag is None:
            if not plain:
                return text
            tag = self.resolver.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
        if tag in {"tag:yaml.org,2002:str", "!"}:
            if plain and _JSON_EXPONENT.fullmatch(text):
                return Decimal(text)  # JSON's 1e3, which YAML 1.1 reads as text
            return text
        if tag == "tag:yaml.org,2002:null":
            return None
        if tag == "tag:yaml.org,2002:bool":
            return text.lower() in ("true", "yes", "on", "y")
        if ":" in text and tag in _SEXAGESIMAL:
            return text  # `4:36`, `4:36.11`: a time, read exactly by a duration indicator
        if tag == "tag:yaml.org,2002:int":
            if len(text.replace("_", "")) > 40:
                return text  # absurdly long: kept as text, so the type check reports it
            try:
                return self.constructor.construct_yaml_int(yaml.ScalarNode(tag, text))
            except ValueError:
                return text
        if tag == "tag:yaml.org,2002:float":
            special = _NON_FINITE.get(text.lower().lstrip("+"))
            if special is not None:
                return special  # kept, so the data check names its unit and indicator
            value = finite_decimal(text)
            if value is None:
                self.problems.append(not_finite(text, self.at(event.start_mark)))
            return value
        raise _Syntax(
            Problem(
                f"YAML tag `{tag}` is not supported in data",
                self.at(event.start_mark),
                "remove the tag",
            )
        )


_NON_FINITE = {".nan": Decimal("NaN"), ".inf": Decimal("Infinity"), "-.inf": Decimal("-Infinity")}
"""YAML's not-a-number and infinities, as Decimals the data check refuses by name."""
_PLAIN_TOKEN = re.compile(r"[^\s,\[\]{}#]+")
_SEXAGESIMAL = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"})
"""YAML 1.1 reads `4:36` as the base-60 int 276 and `4:36.11` as a float: both are kept as the
text written, which a `duration` indicator reads exactly (and a number indicator refuses)."""


class _Duplicate:
    """A key already seen in its mapping (reported; its value is dropped)."""

    def __init__(self, key: Any) -> None:
        self.key = key


_NO_KEY: Any = object()


def parse_document(text: str, file: str, *, json_text: bool = False) -> tuple[Any, DocumentLocator]:
    """Parse YAML (or, with json_text, JSON) data text; raise a located DataError if it is not
    well-formed. Returns the data and a locator for problems found later."""
    locator = DocumentLocator(file, text)
    if len(text) > MAX_DATA_BYTES:
        raise DataError(
            [
                Problem(
                    f"data file larger than {MAX_DATA_BYTES >> 20} MiB",
                    Location(file, 1, 1),
                    "split it, or write it as CSV (read row by row, no size limit)",
                )
            ]
        )
    if json_text:
        return _parse_json(text, locator), locator
    builder = _Builder(file)
    try:
        data = builder.build(yaml.parse(text, Loader=_Loader))
    except _Syntax as exc:
        problem = exc.problem
        assert problem.location is not None
        raise DataError([locator.at(problem.location, problem.message, problem.hint)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file, 1, 1)
        message = f"YAML syntax: {exc.problem or exc}"
        if exc.context:
            message += f" ({exc.context})"
        raise DataError(
            [locator.at(where, message, "check indentation, colons and quotes")]
        ) from None
    except yaml.reader.ReaderError as exc:
        char = exc.character
        shown = f"U+{char:04X}" if isinstance(char, int) else repr(char)
        raise DataError(
            [
                locator.at(
                    locator.offset(exc.position),
                    f"character {shown} is not allowed in YAML",
                    "save the file as plain UTF-8 text",
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise DataError([Problem(f"YAML: {exc}", Location(file, 1, 1))]) from None
    if builder.problems:
        raise DataError(
            [
                locator.at(p.location, p.message, p.hint) if p.location else p
                for p in builder.problems
            ]
        )
    return data, locator


def _parse_json(text: str, locator: DocumentLocator) -> Any:
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(items)
        if len(out) != len(items):
            duplicates.append("")
        return out

    def constant(name: str) -> Any:
        raise ValueError(f"`{name}` is not a finite number")

    try:
        data = json.loads(
            text, parse_float=Decimal, object_pairs_hook=pairs, parse_constant=constant
        )
    except json.JSONDecodeError as exc:
        raise DataError(
            [
                locator.at(
                    Location(locator.file, exc.lineno, exc.colno),
                    f"JSON syntax: {exc.msg}",
                    "check commas, quotes and brackets",
                )
            ]
        ) from None
    except (ValueError, RecursionError) as exc:
        message = "JSON nested too deep" if isinstance(exc, RecursionError) else f"JSON: {exc}"
        raise DataError([Problem(message, Location(locator.file, 1, 1))]) from None
    if duplicates:  # json gives no positions; JSON is YAML, whose reader locates duplicates
        try:
            parse_document(locator.text, locator.file)
        except DataError as exc:
            located = [p for p in exc.problems if p.message.startswith("duplicate key")]
            if located:
                raise DataError(located) from None
        raise DataError(
            [
                Problem(
                    "a key is written twice in one object (a unit listed twice?)",
                    Location(locator.file, 1, 1),
                    "remove one of the two entries",
                )
            ]
        )
    return data


class DocumentLocator:
    """Where a key path was written in a YAML/JSON text, found on demand by composing the text
    once (libyaml) and walking the node tree along the path."""

    def __init__(self, file: str, text: str) -> None:
        self.file, self.text = file, text
        self._root: yaml.Node | None = None
        self._composed = False

    def problem(
        self, path: Path_, message: str, hint: str | None = None, *, key: bool = False
    ) -> Problem:
        return self.at(self.locate(path, key=key), message, hint)

    def at(self, where: Location, message: str, hint: str | None = None) -> Problem:
        """A Problem at `where`, quoting its line (cut when very long)."""
        return Problem(message, where, hint, self.shown_line(where))

    def shown_line(self, where: Location) -> str | None:
        line = _line(self.text, where.line)
        if line is None or where.column > MAX_SHOWN:
            return None
        return line if len(line) <= MAX_SHOWN else line[:MAX_SHOWN] + "…"

    def written(self, path: Path_) -> str | None:
        """The plain scalar at `path` as written (`no` for what YAML read as false), or None."""
        where = self.locate(path)
        line = _line(self.text, where.line)
        if line is None:
            return None
        match = _PLAIN_TOKEN.match(line, where.column - 1)
        return match.group() if match else None

    def offset(self, position: int) -> Location:
        before = self.text[:position]
        return Location(self.file, before.count("\n") + 1, len(before) - before.rfind("\n"))

    def locate(self, path: Path_, *, key: bool = False) -> Location:
        """The key's (or value's) position at `path`; the nearest written parent otherwise."""
        node = self._tree()
        if node is None:
            return Location(self.file, 1, 1)
        best = node.start_mark
        for i, step in enumerate(path):
            last = i == len(path) - 1
            found = None
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(step):
                        found = (key_node, value_node)
                        break
            elif (
                isinstance(node, yaml.SequenceNode)
                and isinstance(step, int)
                and 0 <= step < len(node.value)
            ):
                found = (node.value[step], node.value[step])
            if found is None:
                break
            best = found[0].start_mark if (key or not last) else found[1].start_mark
            node = found[1]
        return Location(self.file, best.line + 1, best.column + 1)

    def _tree(self) -> yaml.Node | None:
        if not self._composed:
            self._composed = True
            try:
                self._root = yaml.compose(self.text, Loader=_Loader)
            except yaml.YAMLError:
                self._root = None
        return self._root


def _line(text: str, number: int) -> str | None:
    """Line `number` (1-based) of `text`, without splitting the whole text."""
    start = 0
    for _ in range(number - 1):
        start = text.find("\n", start) + 1
        if start == 0:
            return None
    end = text.find("\n", start)
    line = text[start:] if end < 0 else text[start:end]
    return line.rstrip("\r")
