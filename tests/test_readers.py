"""Every data reader gives the same checked data as the YAML example, for every shipped scheme;
plus the readers' own rules: encodings, floats taken from their shortest repr, missing values,
and a fast path that accepts exactly what the careful path accepts."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import rulebook
from rulebook.cli import main
from rulebook.data.check import _Checker
from rulebook.data.fast import fast_check
from rulebook.data.template import columns

from conftest import load_shipped

ROOT = Path(__file__).resolve().parent.parent
STEMS = sorted(p.stem for p in (ROOT / "schemes").glob("*.yaml") if ".tests" not in p.name)


def _shipped(stem: str) -> tuple[rulebook.Scheme, rulebook.DataSet, dict[str, Any]]:
    scheme = load_shipped(stem)
    path = ROOT / "schemes" / "examples" / f"{stem}.data.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))["units"]  # floats: see _text
    return scheme, rulebook.read_data(path, scheme), raw


def _table(scheme: rulebook.Scheme, raw: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """Header by indicator id (`rate[Q1]`), one row per unit; None where the YAML leaves the
    value to its default."""
    layout = columns(scheme)[1:]
    header = ["unit"] + [
        c.indicator.name if c.period is None else f"{c.indicator.name}[{c.period}]"
        for c in layout
        if c.indicator
    ]
    rows = []
    for unit, values in raw.items():
        row: list[Any] = [unit]
        for c in layout:
            assert c.indicator is not None
            value = values.get(c.indicator.name)
            row.append(value if c.period is None or value is None else value[c.period])
        rows.append(row)
    return header, rows


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


@pytest.mark.parametrize("stem", STEMS)
def test_json_reads_like_yaml(stem: str, tmp_path: Path) -> None:
    scheme, expected, raw = _shipped(stem)
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"units": raw}, ensure_ascii=False), encoding="utf-8")
    assert rulebook.read_data(path, scheme).units == expected.units


@pytest.mark.parametrize("stem", STEMS)
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_reads_like_yaml_in_each_encoding(stem: str, encoding: str, tmp_path: Path) -> None:
    """Detected without --encoding: UTF-8 with or without BOM, and GB18030 (GBK) as Chinese
    Excel writes it."""
    scheme, expected, raw = _shipped(stem)
    header, rows = _table(scheme, raw)
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows([[_text(v) for v in row] for row in rows])
    path = tmp_path / "d.csv"
    path.write_bytes(text.getvalue().encode(encoding))
    assert rulebook.read_data(path, scheme).units == expected.units


@pytest.mark.parametrize("stem", STEMS)
def test_xlsx_reads_like_yaml(stem: str, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    scheme, expected, raw = _shipped(stem)
    header, rows = _table(scheme, raw)
    book = openpyxl.Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    book.save(tmp_path / "d.xlsx")
    assert rulebook.read_data(tmp_path / "d.xlsx", scheme).units == expected.units


@pytest.mark.parametrize("stem", STEMS)
def test_dataframe_and_dict_of_columns_read_like_yaml(stem: str) -> None:
    pd = pytest.importorskip("pandas")
    scheme, expected, raw = _shipped(stem)
    header, rows = _table(scheme, raw)
    by_column = {h: [r[i] for r in rows] for i, h in enumerate(header)}
    assert rulebook.read_data(by_column, scheme).units == expected.units
    frame = pd.DataFrame(rows, columns=header).set_index("unit")
    assert rulebook.read_data(frame, scheme).units == expected.units
    result = rulebook.evaluate(scheme, frame)
    assert [u.total for u in result.units] == [
        u.total for u in rulebook.evaluate(scheme, expected).units
    ]


@pytest.mark.parametrize("stem", STEMS)
def test_plain_dicts_with_floats_read_like_yaml(stem: str) -> None:
    """yaml.safe_load gives binary floats (72.5, 0.1); each is taken from its shortest repr."""
    scheme, expected, raw = _shipped(stem)
    assert rulebook.check_data({"units": raw}, scheme).units == expected.units


SMALL = """
scheme: {id: s, title: s}
periods: {Q1: {weight: 1}, Q2: {weight: 1}}
indicators:
  rate: {type: rate, label: 达标率}
  visits: {type: count, per_period: true, label: 走访户数}
  ok: {type: bool}
  extra: {type: decimal, default: 1.5}
tree:
  - id: a
    expr: rate + sum(visits) + (1 if ok else 0) + extra
"""


def _small() -> rulebook.Scheme:
    return rulebook.loads(SMALL)


def test_a_float_is_its_shortest_repr() -> None:
    """92.5 + (3 + 4) + 1 + 1.5 = 102 exactly; 0.1 is Decimal("0.1"), not 0.1000000000000000055."""
    result = rulebook.evaluate(
        _small(), {"units": {"A": {"rate": 92.5, "visits": {"Q1": 3, "Q2": 4}, "ok": True}}}
    )
    assert result.unit("A").total == Decimal(102)
    data = rulebook.check_data(
        {"units": {"B": {"rate": 0.1, "visits": {"Q1": 0, "Q2": 0}, "ok": False}}}, _small()
    )
    assert data.units[0].values["rate"] == Decimal("0.1")
    assert str(data.units[0].values["rate"]) == "0.1"


def test_numpy_scalars_are_exact() -> None:
    np = pytest.importorskip("numpy")
    data = rulebook.check_data(
        {
            "units": {
                "A": {
                    "rate": np.float64(0.1),
                    "visits": {"Q1": np.int64(3), "Q2": np.int32(4)},
                    "ok": np.bool_(True),
                    "extra": np.float32(0.1),
                }
            }
        },
        _small(),
    )
    values = data.units[0].values
    assert values["rate"] == Decimal("0.1") and values["extra"] == Decimal("0.1")
    assert values["visits"] == {"Q1": Decimal(3), "Q2": Decimal(4)} and values["ok"] is True


def test_dataframe_columns_of_every_numeric_dtype_are_exact() -> None:
    """Worked from the values typed: a float32 0.1 is 0.1 at its own precision (not
    0.10000000149011612), a float64 0.1 is 0.1, nullable Int64 and int32 counts are whole
    numbers, a nullable boolean is a bool, and a nullable Float64's NA takes the default
    (extra: 1.5)."""
    pd = pytest.importorskip("pandas")
    np = pytest.importorskip("numpy")
    frame = pd.DataFrame(
        {
            "unit": ["A", "B"],
            "rate": np.array([0.1, 92.5], dtype="float32"),
            "visits[Q1]": pd.Series([3, 7], dtype="Int64"),
            "visits[Q2]": np.array([4, 5], dtype="int32"),
            "ok": pd.Series([True, False], dtype="boolean"),
            "extra": pd.Series([pd.NA, 2.25], dtype="Float64"),
        }
    )
    a, b = (u.values for u in rulebook.read_data(frame, _small()).units)
    assert str(a["rate"]) == "0.1" and str(b["rate"]) == "92.5"
    assert a["visits"] == {"Q1": Decimal(3), "Q2": Decimal(4)}
    assert b["visits"] == {"Q1": Decimal(7), "Q2": Decimal(5)}
    assert a["ok"] is True and b["ok"] is False
    assert a["extra"] == Decimal("1.5") and str(b["extra"]) == "2.25"
    frame["rate"] = frame["rate"].astype("float64")  # 0.1 as float32, widened: its own digits
    widened = rulebook.read_data(frame, _small()).units[0].values["rate"]
    assert str(widened) == "0.10000000149011612"


def test_nan_in_a_dataframe_is_a_missing_cell() -> None:
    """NaN takes the default where there is one (extra: 1.5) and is an error naming unit,
    indicator, row and column where there is none."""
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        {
            "unit": ["A", "B"],
            "达标率": [90.0, float("nan")],
            "visits[Q1]": [1, 2],
            "visits.Q2": [3, 4],
            "ok": [True, False],
            "extra": [float("nan"), 2.25],
        }
    )
    with pytest.raises(rulebook.DataError) as info:
        rulebook.read_data(frame, _small())
    assert "row 2, column `达标率`: unit `B`, indicator `rate`: missing cell" in str(info.value)
    frame.loc[1, "达标率"] = 80.5
    data = rulebook.read_data(frame, _small())
    assert data.units[0].values["extra"] == Decimal("1.5")
    assert data.units[1].values["extra"] == Decimal("2.25")
    assert data.units[1].values["rate"] == Decimal("80.5")


def test_columns_of_different_lengths_are_refused() -> None:
    with pytest.raises(rulebook.DataError, match="different lengths"):
        rulebook.read_data({"unit": ["A", "B"], "rate": [1]}, _small())


def test_gbk_csv_without_declaration_and_with_encoding(tmp_path: Path) -> None:
    """A GBK file (Chinese Excel's "CSV") is detected; --encoding names any other codec."""
    text = "单位,达标率,走访户数[Q1],走访户数[Q2],ok\r\n东村,90.5,1,2,是\r\n"
    path = tmp_path / "gbk.csv"
    path.write_bytes(text.encode("gbk"))
    data = rulebook.read_data(path, _small())
    assert data.units[0].name == "东村" and data.units[0].values["rate"] == Decimal("90.5")
    big5 = tmp_path / "big5.csv"
    big5.write_bytes(
        text.replace("单位", "unit")
        .replace("东村", "東村")
        .replace("达标率", "rate")
        .replace("走访户数", "visits")
        .encode("big5")
    )
    assert rulebook.read_data(big5, _small(), encoding="big5").units[0].name == "東村"


def test_an_unknown_encoding_is_a_data_error_not_a_crash(tmp_path: Path) -> None:
    """`--encoding nosuch` names the codec it does not know (exit 3, located at the file), where
    it was an internal error (exit 70) from `open`."""
    path = tmp_path / "gbk.csv"
    path.write_bytes("unit,rate\r\n东村,90.5\r\n".encode("gbk"))
    with pytest.raises(rulebook.DataError, match="unknown encoding `nosuch`"):
        rulebook.read_data(path, _small(), encoding="nosuch")
    scheme_file = tmp_path / "s.yaml"
    scheme_file.write_text(
        "scheme: {id: s, title: s}\nindicators:\n  rate: {type: rate}\n"
        "tree:\n  - {id: a, expr: rate}\n",
        encoding="utf-8",
    )
    err = io.StringIO()
    code = main(["score", str(scheme_file), str(path), "--encoding", "nosuch"], io.StringIO(), err)
    assert code == 3
    assert f"{path}:1:1: error: unknown encoding `nosuch`" in err.getvalue()
    # codecs that are not text encodings, and UTF-16 asked of a file without its BOM: exit 3
    said = {
        "rot13": "`rot13` is not a text encoding",
        "base64": "`base64` is not a text encoding",
        "utf-16": "the file is not utf-16 text (UTF-16 stream does not start with BOM)",
    }
    for encoding, words in said.items():
        err = io.StringIO()
        argv = ["score", str(scheme_file), str(path), "--encoding", encoding]
        assert main(argv, io.StringIO(), err) == 3, err.getvalue()
        assert f"{path}:1:1: error: {words}" in err.getvalue()
    json_file = tmp_path / "d.json"
    json_file.write_text('{"units": {"东村": {"rate": 90.5}}}', encoding="utf-8")
    err = io.StringIO()
    argv = ["score", str(scheme_file), str(json_file), "--encoding", "utf-16"]
    assert main(argv, io.StringIO(), err) == 3
    assert "the file is not utf-16 text" in err.getvalue()


def test_yaml_file_in_gbk_says_so(tmp_path: Path) -> None:
    path = tmp_path / "gbk.yaml"
    path.write_bytes("units:\n  东村: {rate: 90}\n".encode("gbk"))
    with pytest.raises(rulebook.DataError) as info:
        rulebook.read_data(path, _small())
    assert "not UTF-8" in str(info.value) and "--encoding gb18030" in str(info.value)


def test_alias_bomb_fails_fast_with_a_message() -> None:
    """Aliases are shared, never expanded: a billion-laughs file is read at once and reported
    as the wrong shape (a list where a unit's mapping belongs)."""
    bomb = (
        "units: {a: &a [x, x], b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a],\n"
        + "".join(
            f"  c{i}: &c{i} [{', '.join(['*b' if i == 0 else f'*c{i - 1}'] * 9)}],\n"
            for i in range(8)
        )
        + "}\n"
    )
    with pytest.raises(rulebook.DataError) as info:
        rulebook.parse_data(bomb, _small(), "bomb.yaml")
    assert "unit `a`: expected a mapping of indicator: value, got a list" in str(info.value)
    recursive = "units: &u {a: [*u, *u, *u, *u, *u, *u, *u, *u, *u]}\n"  # 52 bytes; `*u` at col 16
    assert len(recursive) == 52
    with pytest.raises(rulebook.DataError) as info:
        rulebook.parse_data(recursive, _small(), "r.yaml")
    assert "r.yaml:1:16: error: alias `*u` refers to the mapping or list it is inside" in str(
        info.value
    )


def test_deep_nesting_is_refused_not_crashed() -> None:
    with pytest.raises(rulebook.DataError, match="nested more than 60 levels"):
        rulebook.parse_data("[" * 100_000 + "]" * 100_000, _small(), "deep.yaml")


def test_a_huge_line_is_not_echoed() -> None:
    """A 3,000-unit one-line JSON with one bad value: located, and the shown line is cut."""
    units = {f"u{i}": {"rate": 50, "visits": {"Q1": 1, "Q2": 1}, "ok": True} for i in range(3000)}
    units["u2999"]["rate"] = 101
    text = json.dumps({"units": units})
    with pytest.raises(rulebook.DataError) as info:
        rulebook.parse_data(text, _small(), "one-line.json")
    message = str(info.value)
    assert "unit `u2999`, indicator `rate`: 101 is above the declared maximum 100" in message
    assert len(message) < 1000


def test_json_duplicate_unit_is_located(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text('{"units": {\n "a": {},\n "a": {}}}', encoding="utf-8")
    with pytest.raises(rulebook.DataError) as info:
        rulebook.read_data(path, _small())
    assert f"{path}:3:2: error: duplicate key `a`" in str(info.value)


def test_plain_data_has_no_node_cap() -> None:
    """250,000 values (the old loader stopped at 200,000 nodes) read and check."""
    units = {f"u{i}": {"rate": 50, "visits": {"Q1": 1, "Q2": 2}, "ok": True} for i in range(40_000)}
    data = rulebook.parse_data(json.dumps({"units": units}), _small(), "big.json")
    assert len(data.units) == 40_000


_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 120),
    st.integers(-2000, 2000),
    st.decimals(-5, 120, places=2, allow_nan=False),
    st.floats(-5, 120),
    st.just(float("nan")),
    st.sampled_from(["x", "1", "是"]),
    st.just({"Q1": 1, "Q2": 2}),
    st.just({"Q1": 1}),
)
_unit = st.dictionaries(st.sampled_from(["rate", "visits", "ok", "extra", "bogus"]), _value)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text("ab", min_size=1, max_size=2), _unit, min_size=1, max_size=3))
def test_fast_and_careful_passes_agree(units: dict[str, Any]) -> None:
    """The generated fast check accepts a data set exactly when the careful pass finds no
    problem, and then gives the same values."""
    scheme = _small()
    fast = fast_check({"units": units}, scheme)
    careful = _Checker(scheme, None)
    data = careful.run({"units": units})
    assert (fast is not None) == (not careful.problems)
    if fast is not None:
        assert fast == data.units


def test_streams_are_read_by_content_or_format(tmp_path: Path) -> None:
    """A stream without a name: JSON, YAML and xlsx told apart by content; CSV by format."""
    scheme = _small()
    row = {"rate": 50, "visits": {"Q1": 1, "Q2": 2}, "ok": True}
    as_json = json.dumps({"units": {"A": row}}).encode()
    assert rulebook.read_data(io.BytesIO(as_json), scheme).units[0].values["rate"] == 50
    as_yaml = b"units:\n  A: {rate: 50, visits: {Q1: 1, Q2: 2}, ok: true}\n"
    assert rulebook.read_data(io.BytesIO(as_yaml), scheme).units[0].name == "A"
    as_csv = b"unit,rate,visits[Q1],visits[Q2],ok\nA,50,1,2,yes\n"
    assert rulebook.read_data(io.BytesIO(as_csv), scheme, format="csv").units[0].values["ok"]
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    for line in (["unit", "rate", "visits[Q1]", "visits[Q2]", "ok"], ["A", 50, 1, 2, True]):
        book.active.append(line)
    book.save(tmp_path / "s.xlsx")
    data = rulebook.read_data(io.BytesIO((tmp_path / "s.xlsx").read_bytes()), scheme)
    assert data.units[0].values["visits"] == {"Q1": 1, "Q2": 2}


def test_a_dataframe_indexed_by_row_numbers_names_no_unit() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"rate": [50], "visits[Q1]": [1], "visits[Q2]": [2], "ok": [True]})
    with pytest.raises(rulebook.DataError, match="no unit column"):
        rulebook.evaluate(_small(), frame)
    assert rulebook.evaluate(_small(), frame.set_axis(["A"])).unit("A").total == Decimal(
        "55.5"
    )  # 50 + (1 + 2) + 1 + 1.5 (extra's default)


def test_yaml_keys_are_their_text() -> None:
    """A unit named `yes` or `1001` keeps its name as written (YAML 1.1 would make them true
    and an integer); values are still typed (`on` below is a value: true)."""
    scheme = rulebook.loads("""
scheme: {id: k, title: k}
indicators:
  ok: {type: bool}
tree:
  - id: a
    expr: 1 if ok else 0
""")
    data = rulebook.parse_data("units:\n  yes: {ok: on}\n  1001: {ok: no}\n", scheme)
    assert [(u.name, u.values["ok"]) for u in data.units] == [("yes", True), ("1001", False)]


def test_xlsx_without_openpyxl_says_how_to_get_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "openpyxl", None)  # import openpyxl now fails
    path = tmp_path / "d.xlsx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(rulebook.DataError) as info:
        rulebook.read_data(path, _small())
    assert "needs openpyxl" in str(info.value) and "rulebook[excel]" in str(info.value)


@pytest.mark.parametrize("text", ["NaN", "sNaN", "Infinity", "-Infinity"])
def test_a_decimal_that_is_not_finite_is_refused_in_any_context(text: str) -> None:
    """Even where NaN comparisons do not raise (InvalidOperation not trapped)."""
    from decimal import InvalidOperation, localcontext

    with localcontext() as ctx:
        ctx.traps[InvalidOperation] = False
        with pytest.raises(rulebook.DataError, match="indicator `rate`: expected a number"):
            rulebook.check_data(
                {"units": {"A": {"rate": Decimal(text), "visits": {"Q1": 1, "Q2": 2}, "ok": True}}},
                _small(),
            )
