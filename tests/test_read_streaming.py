"""Readers that check each unit as it is read (rulebook.data.stream, rulebook.data.json_units):
they give the same data, and the same problems at the same places, as reading the whole file
first and checking it after; the JSON stream gives up to the whole-file reading on anything
that is not plainly valid."""

from __future__ import annotations

import io
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rulebook
from rulebook.data import json_units
from rulebook.data.documents import parse_document
from rulebook.data.json_units import read_json_units
from rulebook.data.stream import UnitStream
from rulebook.data.validate import check_plain, checked

SMALL = """
scheme: {id: s, title: s}
periods: {Q1: {weight: 1}, Q2: {weight: 1}}
indicators:
  rate: {type: rate, label: 达标率}
  visits: {type: count, per_period: true, label: 走访户数}
  ok: {type: bool}
  extra: {type: decimal, default: 1.5}
  kind: {type: enum, values: ["a:b", plain], default: plain}
tree:
  - id: a
    expr: rate + sum(visits) + (1 if ok else 0) + extra
"""


def _small() -> rulebook.Scheme:
    return rulebook.loads(SMALL)


def _outcome(read: Any) -> tuple[str, Any]:
    """("ok", units) or ("error", every problem as the user sees it)."""
    try:
        return "ok", read().units
    except rulebook.DataError as exc:
        return "error", [p.render() for p in exc.problems]


def _whole(data: bytes, scheme: rulebook.Scheme, name: str) -> tuple[str, Any]:
    """What reading a JSON file did before the stream: decode it all, parse it all, check."""

    def read() -> rulebook.DataSet:
        raw, locator = parse_document(data.decode("utf-8-sig"), name, json_text=True)
        return check_plain(raw, scheme, locator)

    return _outcome(read)


_value = st.one_of(
    st.booleans(),
    st.integers(-3, 120),
    st.decimals(-5, 120, places=3, allow_nan=False).map(str),
    st.sampled_from(["x", "是", "a:b", "plain", "n/a", ": {", "}, "]),
    st.just({"Q1": 1, "Q2": 2}),
    st.just({"Q1": 1}),
    st.just({"Q1": 1, "Q2": {"Q1": 1}}),
)
_number = st.decimals(-5, 120, places=3, allow_nan=False).map(str)
_good = st.fixed_dictionaries(
    {
        "rate": st.one_of(st.integers(0, 100), st.decimals(0, 100, places=3).map(str)),
        "visits": st.fixed_dictionaries({"Q1": st.integers(0, 9), "Q2": st.integers(0, 9)}),
        "ok": st.booleans(),
    },
    optional={"extra": _number, "kind": st.sampled_from(["a:b", "plain"])},
)
"""A valid unit (numbers given as their text, written bare)."""
_unit = st.one_of(
    _good,
    _good,
    _good,
    st.tuples(
        _good, st.sampled_from(["rate", "visits", "ok", "extra", "kind", "bogus"]), _value
    ).map(lambda t: {**t[0], t[1]: t[2]}),
)
"""Mostly valid units; some with one value that may be wrong."""
_MUTATIONS = [
    None,
    None,
    None,
    ("replace", '"ok": ', '"ok": true, "ok": '),  # a key written twice inside a unit
    ("replace", ': {"', ': {"rate": NaN, "'),
    ("append", " x"),  # data after the document
    ("append", ', "more": 1}'),
    ("prepend", "\ufeff"),  # a byte-order mark
    ("cut", None),  # the file ends early
    ("replace", "}}", '}, "units": {}}'),  # a second top-level key
    ("replace", "}}", "},}}"),  # a trailing comma
]


def _render(units: dict[str, Any], indent: int | None) -> str:
    """Units as JSON text; a number given as its text (from the strategy) is written bare."""

    def value(v: Any) -> str:
        if isinstance(v, str) and v and (v[0].isdigit() or v[0] == "-"):
            return v
        if isinstance(v, dict):
            return "{" + ", ".join(f"{json.dumps(k)}: {value(x)}" for k, x in v.items()) + "}"
        return json.dumps(v, ensure_ascii=False)

    gap = "\n" + " " * indent if indent is not None else ""
    body = f",{gap}".join(
        f"{json.dumps(n, ensure_ascii=False)}: {value(v)}" for n, v in units.items()
    )
    return '{"units": {' + gap + body + "}}"


@settings(max_examples=250, deadline=None)
@given(
    units=st.dictionaries(st.text("ab村:", min_size=1, max_size=3), _unit, min_size=1, max_size=4),
    indent=st.one_of(st.none(), st.integers(0, 3)),
    mutation=st.sampled_from(_MUTATIONS),
    cut=st.floats(0, 1),
    chunk=st.integers(1, 40),
)
def test_streamed_json_reads_as_the_whole_file(
    units: dict[str, Any], indent: int | None, mutation: Any, cut: float, chunk: int
) -> None:
    """Whatever the text and however it falls across the buffer's chunks, reading a JSON file
    gives the same data or the same located problems as parsing it whole and checking it; and
    the stream itself gives a data set exactly when the data is valid."""
    scheme = _small()
    text = _render(units, indent)
    if mutation is not None:
        how, *args = mutation
        if how == "replace":
            text = text.replace(args[0], args[1], 1)
        elif how == "append":
            text += args[0]
        elif how == "prepend":
            text = args[0] + text
        else:
            text = text[: int(len(text) * cut)]
    data = text.encode("utf-8")
    saved = json_units.CHUNK
    json_units.CHUNK = chunk
    try:
        got = _outcome(lambda: rulebook.read_data(io.BytesIO(data), scheme, format="json"))
        streamed = read_json_units(io.BytesIO(data), scheme, "<stream>")
    finally:
        json_units.CHUNK = saved
    expected = _whole(data, scheme, "<stream>")
    assert got == expected
    assert (streamed is not None) == (expected[0] == "ok")
    if streamed is not None:
        assert streamed.units == expected[1]


def test_streamed_json_keeps_decimals_exact_and_reads_a_colon_in_a_text(tmp_path: Path) -> None:
    """`92.50` stays Decimal("92.50") (two places), 0.1 is not a binary float; the enum value
    `a:b` holds a colon, which sends its unit through the key-by-key parse (and it is read)."""
    path = tmp_path / "d.json"
    path.write_text(
        '{"units": {"A": {"rate": 92.50, "visits": {"Q1": 3, "Q2": 4}, "ok": true,'
        ' "extra": 0.1, "kind": "a:b"}}}',
        encoding="utf-8",
    )
    with path.open("rb") as handle:
        data = read_json_units(handle, _small(), str(path))
    assert data is not None
    values = data.units[0].values
    assert str(values["rate"]) == "92.50" and values["extra"] == Decimal("0.1")
    assert values["kind"] == "a:b" and values["visits"] == {"Q1": 3, "Q2": 4}
    assert rulebook.read_data(path, _small()).units == data.units


def test_a_key_twice_in_a_unit_is_located_from_a_file(tmp_path: Path) -> None:
    """The stream gives up; the whole-file reading locates the second `rate` (line 3, col 3)."""
    path = tmp_path / "d.json"
    path.write_text(
        '{"units": {"A": {"rate": 50, "visits": {"Q1": 1, "Q2": 2}, "ok": true,\n'
        '"x": 1},\n  "B": {"rate": 50, "visits": {"Q1": 1, "Q2": 2}, "ok": true,\n'
        '  "rate": 60}}}',
        encoding="utf-8",
    )
    with pytest.raises(rulebook.DataError) as info:
        rulebook.read_data(path, _small())
    assert f"{path}:4:3: error: duplicate key `rate`" in str(info.value)


def test_a_syntax_error_far_into_a_file_is_located(tmp_path: Path) -> None:
    """3,000 units over many chunks; a missing comma before unit 2,500 (on line 2,501, the
    first unit being on line 2) is reported there by the whole-file reading."""
    lines = [
        f'"u{i}": {{"rate": 50, "visits": {{"Q1": 1, "Q2": 2}}, "ok": true}}' for i in range(3000)
    ]
    text = '{"units": {\n' + ",\n".join(lines) + "}}"
    text = text.replace(',\n"u2500"', '\n"u2500"')
    path = tmp_path / "d.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(rulebook.DataError) as info:
        rulebook.read_data(path, _small())
    assert f"{path}:2502:1: error: JSON syntax: Expecting ',' delimiter" in str(info.value)


def test_a_pipe_is_read_whole(tmp_path: Path) -> None:
    """A source that cannot be read twice (a pipe) is not streamed: read whole, as before."""
    reader, writer = os.pipe()
    payload = b'{"units": {"A": {"rate": 50, "visits": {"Q1": 1, "Q2": 2}, "ok": true}}}'
    os.write(writer, payload)
    os.close(writer)
    with open(reader, "rb") as pipe:
        data = rulebook.read_data(pipe, _small(), format="json")
    assert data.units[0].values["extra"] == Decimal("1.5")


def test_json_in_another_encoding_is_streamed_with_it(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_bytes(
        '{"units": {"东山村": {"rate": 50, "visits": {"Q1": 1, "Q2": 2}, "ok": true}}}'.encode(
            "gb18030"
        )
    )
    with path.open("rb") as handle:
        streamed = read_json_units(handle, _small(), str(path), "gb18030")
    assert streamed is not None and streamed.units[0].name == "东山村"
    with pytest.raises(rulebook.DataError, match="--encoding gb18030"):
        rulebook.read_data(path, _small())  # not UTF-8: the stream gives up, the reader says why
    assert rulebook.read_data(path, _small(), encoding="gb18030").units == streamed.units


_raw_value = st.one_of(
    st.booleans(),
    st.integers(-3, 120),
    st.decimals(-5, 120, places=2, allow_nan=False),
    st.sampled_from(["x", "a:b", "n/a"]),
    st.just({"Q1": 1, "Q2": 2}),
    st.just({"Q1": 1}),
)
_raw_unit = st.one_of(
    st.dictionaries(st.sampled_from(["rate", "visits", "ok", "extra", "bogus"]), _raw_value),
    st.just([1]),
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text("ab", min_size=1, max_size=2), _raw_unit, min_size=1, max_size=5))
def test_unit_stream_is_the_whole_check(units: dict[str, Any]) -> None:
    """Units checked one by one (only the refused ones kept for the careful pass) give the
    data set, or the problems in their order, that checking the whole data set gives."""
    scheme = _small()
    stream = UnitStream(scheme)
    for name, values in units.items():
        stream.add(name, values)
    whole, problems = checked({"units": units}, scheme)
    try:
        data = stream.finish("<data>")
    except rulebook.DataError as exc:
        assert problems
        assert exc.problems == rulebook.DataError(problems).problems  # (sorted by place)
    else:
        assert not problems and data == whole


def test_csv_rows_with_problems_between_good_ones(tmp_path: Path) -> None:
    """Good rows are checked and dropped as read; the bad ones are reported, in file order, at
    their line and column: B's rate (line 3, column 2) and D's visits[Q1] (line 5, column 3);
    the good rows A, C and E give no message."""
    path = tmp_path / "d.csv"
    path.write_text(
        "unit,rate,visits[Q1],visits[Q2],ok\n"
        "A,50,1,2,是\nB,101,1,2,是\nC,60,1,2,否\nD,70,x,2,是\nE,80,3,4,否\n",
        encoding="utf-8",
    )
    with pytest.raises(rulebook.DataError) as info:
        rulebook.read_data(path, _small())
    assert [(p.location.line, p.location.column) for p in info.value.problems if p.location] == [
        (3, 2),
        (5, 3),
    ]
    text = str(info.value)
    assert "unit `B`, indicator `rate`: 101 is above the declared maximum 100" in text
    assert "unit `D`, indicator `visits`, period `Q1`: expected a number, got 'x'" in text
    good = path.read_text(encoding="utf-8").replace("B,101", "B,100").replace("D,70,x", "D,70,0")
    path.write_text(good, encoding="utf-8")
    data = rulebook.read_data(path, _small())
    assert [u.name for u in data.units] == list("ABCDE")
    assert data.units[3].values["visits"] == {"Q1": 0, "Q2": 2}


def test_unit_names_survive_any_text() -> None:
    """Unit names with JSON escapes and non-ASCII letters are read as written."""
    names = ['a"b', "c\\d", "村:1", "\u00e9", "tab\there"]
    units = {n: {"rate": 1, "visits": {"Q1": 0, "Q2": 0}, "ok": False} for n in names}
    data = json.dumps({"units": units}).encode()
    streamed = read_json_units(io.BytesIO(data), _small(), "<stream>")
    assert streamed is not None and [u.name for u in streamed.units] == names


def test_a_one_line_file_with_a_bad_value_is_located_and_not_echoed(tmp_path: Path) -> None:
    """3,000 units on one line (about 200 KB); the last unit's rate 101 is reported with its
    unit and indicator, and the line is not quoted whole."""
    units = {f"u{i}": {"rate": 50, "visits": {"Q1": 1, "Q2": 1}, "ok": True} for i in range(3000)}
    units["u2999"]["rate"] = 101
    path = tmp_path / "one-line.json"
    path.write_text(json.dumps({"units": units}), encoding="utf-8")
    with pytest.raises(rulebook.DataError) as info:
        rulebook.read_data(path, _small())
    message = str(info.value)
    assert "unit `u2999`, indicator `rate`: 101 is above the declared maximum 100" in message
    assert f"{path}:1:" in message and len(message) < 1000


def test_the_stream_stops_at_the_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past MAX_DATA_BYTES the stream gives up (the whole-file reading then reports the size):
    a valid 85-byte file is streamed under an 85-byte limit, not under an 84-byte one."""
    data = b'{"units": {"A": {"rate": 50, "visits": {"Q1": 1, "Q2": 2}, "ok": true, "extra": 2}}}\n'
    assert len(data) == 85
    monkeypatch.setattr(json_units, "MAX_DATA_BYTES", 85)
    assert read_json_units(io.BytesIO(data), _small(), "<stream>") is not None
    monkeypatch.setattr(json_units, "MAX_DATA_BYTES", 84)
    assert read_json_units(io.BytesIO(data), _small(), "<stream>") is None


def test_typed_number_cells_are_exact_and_shared() -> None:
    """Typed cells (xlsx, a dict of columns) are read as before -- 1.0 is Decimal("1.0"),
    -0.0 is "-0.0" (not "0.0"), 2 is "2" and 2.0 is "2.0" -- and equal cells share one object."""
    columns = {
        "unit": ["A", "B", "C", "D"],
        "rate": [1.0, 1.0, -0.0, 0.0],
        "visits[Q1]": [2, 2, 0, 0],
        "visits[Q2]": [3, 3, 3, 3],
        "ok": [True, False, True, True],
        "extra": [0.1, 0.1, 2, 2.0],
    }
    units = rulebook.read_data(columns, _small()).units
    assert [str(u.values["rate"]) for u in units] == ["1.0", "1.0", "-0.0", "0.0"]
    assert [str(u.values["extra"]) for u in units] == ["0.1", "0.1", "2", "2.0"]
    assert units[0].values["visits"] == {"Q1": 2, "Q2": 3}
    assert units[0].values["rate"] is units[1].values["rate"]
    assert units[0].values["extra"] is units[1].values["extra"]
    assert units[2].values["visits"]["Q2"] is units[3].values["visits"]["Q2"]


@pytest.mark.parametrize(
    ("data", "encoding", "table"),
    [
        (b"unit,rate\nA,1\n", None, True),
        ("\ufeff单位,达标率\n东村,90\n".encode(), None, True),
        ("单位,达标率\n东村,90\n".encode("gb18030"), None, True),
        (b"\n\nunit;rate\nA;1\n", None, True),  # semicolons: the CSV reader says so
        (b"unit:name,rate\nA,1\n", None, True),  # a colon, but no `key: `
        (b'"unit: name",rate\nA,1\n', None, True),  # a quoted header cell
        ("unit,rate\nA,1\n".encode("utf-16-le"), "utf-16-le", True),
        (b"# exported, by hand\nunit,rate\n", None, False),  # a comment opens YAML
        ("# a comment, with a comma\nunits: {}\n".encode("utf-16"), None, False),
        (b"units: {a: {x: 1, y: 2}}\n", None, False),  # YAML flow: a key before the comma
        (b'"units": {"a": {"x": 1}}\n', None, False),
        (b"units:\n  a: {x: 1, y: 2}\n", None, False),
        (b'{"units": {"a": {"x": 1}}}', None, False),
        (b"---\nunits: {}\n", None, False),
        (b"[1, 2]\n", None, False),
        (b"\n\n", None, False),
    ],
)
def test_piped_data_is_a_table_when_its_first_line_has_commas(
    data: bytes, encoding: str | None, table: bool
) -> None:
    from rulebook.data.read import _looks_like_csv

    assert _looks_like_csv(data, encoding) is table
