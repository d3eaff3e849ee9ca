"""The `duration` indicator type: times such as a 1500 m result `4:36.11`, exact in seconds.

The scheme used throughout (RUN): `run = 100 - (time - 240) / 2`, capped at 100, floored at 0,
time at most 9:59.99. Hand-worked: 4:36.11 = 4 × 60 + 36.11 = 276.11 s -> 100 - 36.11 / 2 =
81.945 -> 81.95 (half up); 4:36 = 276 s -> 82.00; 300 s -> 70.00; 5:00.5 = 300.5 s -> 69.75.
"""

from __future__ import annotations

import datetime as dt
import io
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rulebook
from rulebook.cli import EXIT_DATA, EXIT_OK, main
from rulebook.data.values import duration_seconds, duration_text, parse_duration

RUN = """\
scheme: {id: run, title: 1500 m, language: en}
indicators:
  time: {type: duration, label: 1500 m time, max: 9:59.99}
tree:
  - id: run
    label: 1500 m
    standard: 100
    max: 100
    min: 0
    expr: 100 - (time - 240) / 2
"""

EXPECTED = {"a": "81.95", "b": "82.00", "c": "70.00", "d": "69.75"}


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def totals(result: rulebook.Result) -> dict[str, str]:
    return {u.unit: str(u.total) for u in result}


@pytest.fixture(scope="module")
def scheme() -> rulebook.Scheme:
    return rulebook.loads(RUN, "run.yaml")


# --- the written forms --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("4:36", "276"),  # 4 × 60 + 36
        ("4:36.11", "276.11"),
        ("0:59", "59"),
        ("0:05.5", "5.5"),
        ("90:00", "5400"),  # minutes may pass 59 in m:ss
        ("1:02:03.5", "3723.5"),  # 3600 + 2 × 60 + 3.5
        ("1:00:00", "3600"),
        ("276.11", "276.11"),  # plain seconds
        (" 4:36.110 ", "276.110"),
    ],
)
def test_a_written_duration_is_exact_seconds(text: str, seconds: str) -> None:
    got = parse_duration(text)
    assert isinstance(got, Decimal)
    assert str(got) == seconds


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("4:76", "the seconds (76) must be below 60"),
        ("4:60", "the seconds (60) must be below 60"),
        ("1:60:00", "the minutes (60) must be below 60"),
        ("1:2:3:4", "has 4 parts: a duration is at most h:mm:ss"),
        ("-4:36", "is negative"),
        ("4:5", "two digits (4:05, not 4:5)"),
        ("4:", "is not a duration"),
        (":30", "is not a duration"),
        ("abc", "is not a duration"),
        ("1e3", "is not a duration"),
        ("4:36.1e2", "is not a duration"),
        ("４:３６", "is not a duration"),  # full-width digits
        ("9" * 50, "too long for a duration"),
    ],
)
def test_a_malformed_duration_says_why(text: str, words: str) -> None:
    got = parse_duration(text)
    assert isinstance(got, str)
    assert words in got


@given(st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False))
def test_duration_text_reads_back_as_the_same_seconds(seconds: Decimal) -> None:
    assert parse_duration(duration_text(seconds)) == seconds


@pytest.mark.parametrize(
    ("seconds", "text"),
    [("276.11", "4:36.11"), ("276", "4:36"), ("3723.5", "1:02:03.5"), ("59.9", "0:59.9")],
)
def test_duration_text(seconds: str, text: str) -> None:
    assert duration_text(Decimal(seconds)) == text


def test_spreadsheet_time_values_are_read_to_the_millisecond() -> None:
    """Excel keeps a time as a binary fraction of a day: 4:36.11 may come back as 276.109999 s;
    a spreadsheet shows at most milliseconds, so it is rounded there."""
    assert duration_seconds(dt.timedelta(seconds=276, microseconds=109999)) == Decimal("276.11")
    assert duration_seconds(dt.time(0, 4, 36, 110000)) == Decimal("276.11")
    assert duration_seconds(dt.time(1, 2, 3)) == Decimal(3723)
    assert duration_seconds("4:36") is None


# --- data files ---------------------------------------------------------------------------------


def test_yaml_sexagesimal_and_quoted_times_are_exact(scheme: rulebook.Scheme) -> None:
    """YAML 1.1 reads `4:36` as the int 276 and `4:36.11` as a float; both come out exact."""
    data = (
        'units:\n  a: {time: 4:36.11}\n  b: {time: 4:36}\n  c: {time: 300}\n  d: {time: "5:00.5"}\n'
    )
    checked = rulebook.parse_data(data, scheme, "data.yaml")
    assert [u.values["time"] for u in checked.units] == [
        Decimal("276.11"),
        Decimal(276),
        Decimal(300),
        Decimal("300.5"),
    ]
    assert totals(rulebook.evaluate(scheme, checked)) == EXPECTED


def test_json_strings(scheme: rulebook.Scheme, tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_text(
        '{"units": {"a": {"time": "4:36.11"}, "b": {"time": 276}, "c": {"time": 300}, '
        '"d": {"time": 300.5}}}',
        encoding="utf-8",
    )
    assert totals(rulebook.evaluate(scheme, rulebook.read_data(path, scheme))) == EXPECTED


def test_csv_text_cells(scheme: rulebook.Scheme, tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("unit,time\na,4:36.11\nb,4:36\nc,300\nd,0:05:00.5\n", encoding="utf-8")
    assert totals(rulebook.evaluate(scheme, rulebook.read_data(path, scheme))) == EXPECTED


def test_xlsx_text_time_and_duration_cells(scheme: rulebook.Scheme, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["unit", "time"])
    sheet.append(["a", dt.time(0, 4, 36, 110000)])
    sheet["B2"].number_format = "mm:ss.00"
    sheet.append(["b", dt.timedelta(minutes=4, seconds=36)])
    sheet["B3"].number_format = "[mm]:ss"
    sheet.append(["c", "5:00"])
    sheet.append(["d", 300.5])
    path = tmp_path / "data.xlsx"
    book.save(path)
    assert totals(rulebook.evaluate(scheme, rulebook.read_data(path, scheme))) == EXPECTED


def test_pandas_strings_and_timedeltas(scheme: rulebook.Scheme) -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        {
            "unit": ["a", "b", "c", "d"],
            "time": [pd.Timedelta("00:04:36.11"), "4:36", 300, "5:00.5"],
        }
    )
    assert totals(rulebook.evaluate(scheme, rulebook.read_data(frame, scheme))) == EXPECTED
    missing = pd.DataFrame({"unit": ["a"], "time": [pd.NaT]})
    with pytest.raises(rulebook.DataError, match="missing cell"):
        rulebook.read_data(missing, scheme)


def test_the_engines_agree(scheme: rulebook.Scheme) -> None:
    data = {"units": {"a": {"time": "4:36.11"}, "b": {"time": 276}, "c": {"time": "5:00"}}}
    compiled = rulebook.evaluate(scheme, data)
    reference = rulebook.evaluate(scheme, data, engine="reference")
    assert totals(compiled) == totals(reference) == {"a": "81.95", "b": "82.00", "c": "70.00"}
    pd = pytest.importorskip("pandas")
    from rulebook import columnar

    frame = pd.DataFrame({"unit": ["a", "b", "c"], "time": ["4:36.11", 276, "5:00"]})
    got = columnar.evaluate(scheme, frame)
    assert [str(got.value(u, "total")) for u in got.units] == ["81.95", "82.00", "70.00"]


@given(st.decimals(min_value=0, max_value=Decimal("599.99"), places=2, allow_nan=False))
def test_a_time_scores_like_its_seconds(seconds: Decimal) -> None:
    """The same result whether the data says `m:ss.xx` or the number of seconds."""
    scheme = rulebook.loads(RUN, "run.yaml")
    as_time = rulebook.evaluate(scheme, {"units": {"u": {"time": duration_text(seconds)}}})
    as_seconds = rulebook.evaluate(scheme, {"units": {"u": {"time": seconds}}})
    assert as_time.unit("u").total == as_seconds.unit("u").total


# --- errors -------------------------------------------------------------------------------------


def test_malformed_durations_are_located_data_errors(tmp_path: Path) -> None:
    (tmp_path / "run.yaml").write_text(RUN, encoding="utf-8")
    data = tmp_path / "bad.yaml"
    data.write_text(
        "units:\n  a: {time: 4:76}\n  b: {time: 1:2:3:4}\n  c: {time: -4:36}\n"
        "  d: {time: -5}\n  e: {time: 10:00}\n",
        encoding="utf-8",
    )
    out_file = tmp_path / "out.json"
    code, out, err = run("score", str(tmp_path / "run.yaml"), str(data), "-o", str(out_file))
    assert code == EXIT_DATA
    assert out == ""
    assert not out_file.exists()
    for line, words in (
        (2, "`4:76`: the seconds (76) must be below 60"),
        (3, "`1:2:3:4` has 4 parts"),
        (4, "`-4:36` is negative: a duration cannot be"),
        (5, "-5 is negative: a duration cannot be"),
        (6, "10:00 (600 s) is above the declared maximum 9:59.99 (599.99 s)"),
    ):
        unit = "abcde"[line - 2]
        assert f"{data}:{line}:13: error: unit `{unit}`, indicator `time`: {words}" in err
    assert "hint: write m:ss (4:36), m:ss.xx (4:36.11)" in err
    assert "5 error(s)" in err


def test_a_malformed_csv_cell_is_located_by_row_and_column(
    scheme: rulebook.Scheme, tmp_path: Path
) -> None:
    path = tmp_path / "data.csv"
    path.write_text("unit,time\na,4:36.11\nb,4:5\n", encoding="utf-8")
    with pytest.raises(rulebook.DataError) as info:
        rulebook.read_data(path, scheme)
    assert f"{path}:3:2: error: line 3, column `time`: unit `b`" in str(info.value)
    assert "two digits (4:05, not 4:5)" in str(info.value)


def test_a_time_given_to_a_number_indicator_names_the_duration_type() -> None:
    counted = rulebook.loads(
        RUN.replace("type: duration", "type: decimal").replace("9:59.99", "600")
    )
    with pytest.raises(rulebook.DataError) as info:
        rulebook.parse_data("units:\n  a: {time: 4:36}\n", counted, "d.yaml")
    assert "expected a number, got '4:36'" in str(info.value)
    assert "declared `type: duration`" in str(info.value)


def _indicator(spec: str) -> str:
    return textwrap.dedent(
        f"""\
        scheme: {{id: run, title: run}}
        indicators:
          time: {{type: duration, {spec}}}
        tree:
          - {{id: run, label: run, standard: 100, expr: "100 - time / 10"}}
        """
    )


def test_min_and_max_may_be_written_as_durations() -> None:
    loaded = rulebook.loads(_indicator('min: "3:30", max: 9:59.99'))
    assert (loaded.indicators["time"].min, loaded.indicators["time"].max) == (
        Decimal(210),
        Decimal("599.99"),
    )
    assert rulebook.loads(_indicator("max: 600")).indicators["time"].min == 0


@pytest.mark.parametrize(
    ("spec", "where", "words"),
    [
        ("max: 9:75", "3:31", "`max` of a duration: `9:75`: the seconds (75) must be below 60"),
        ("min: -5", "3:31", "a duration cannot be negative: `min` must be 0 or more"),
        ("max: 1:2:3:4", "3:31", "`max` of a duration: `1:2:3:4` has 4 parts"),
    ],
)
def test_a_wrong_duration_bound_is_a_located_scheme_error(
    spec: str, where: str, words: str
) -> None:
    with pytest.raises(rulebook.SchemeError) as info:
        rulebook.loads(_indicator(spec), "run.yaml")
    assert f"run.yaml:{where}: error: {words}" in str(info.value)


def test_a_default_may_be_a_duration() -> None:
    loaded = rulebook.loads(_indicator('default: "5:00"'))
    assert rulebook.evaluate(loaded, {"units": {"u": {}}}).unit("u").total == Decimal("70.00")
    with pytest.raises(rulebook.SchemeError, match="the seconds"):
        rulebook.loads(_indicator('default: "5:99"'))


# --- reports ------------------------------------------------------------------------------------


def test_the_worksheet_echoes_the_time_and_its_seconds(tmp_path: Path) -> None:
    (tmp_path / "run.yaml").write_text(RUN, encoding="utf-8")
    (tmp_path / "d.yaml").write_text("units:\n  a: {time: 4:36.11}\n", encoding="utf-8")
    code, out, _ = run(
        "explain",
        str(tmp_path / "run.yaml"),
        str(tmp_path / "d.yaml"),
        "--unit",
        "a",
        "--node",
        "run",
    )
    assert code == EXIT_OK
    assert "input     time = 4:36.11 (276.11 s)  (indicator: 1500 m time)" in out
    assert "raw       81.945" in out


def test_what_if_takes_a_time(tmp_path: Path) -> None:
    """4:30 = 270 s -> 100 - 30 / 2 = 85."""
    (tmp_path / "run.yaml").write_text(RUN, encoding="utf-8")
    (tmp_path / "d.yaml").write_text("units:\n  a: {time: 4:36.11}\n", encoding="utf-8")
    code, out, _ = run(
        "explain", str(tmp_path / "run.yaml"), str(tmp_path / "d.yaml"), "--unit", "a",
        "--set", "time=4:30",
    )  # fmt: skip
    assert code == EXIT_OK
    assert "total 81.95 → 85.00" in out


def test_bounds_know_the_declared_range(scheme: rulebook.Scheme) -> None:
    """Time in [0, 599.99]: 100 - (time - 240) / 2 in [-79.995, 220], clipped to [0, 100]."""
    from rulebook.audit.bounds import analyze

    found = next(b for b in analyze(scheme) if b.name == "run")
    assert (found.raw.lo, found.raw.hi) == (Decimal("-79.995"), Decimal(220))  # type: ignore[union-attr]
    assert (found.bounds.lo, found.bounds.hi) == (0, 100)  # type: ignore[union-attr]


def test_the_template_gives_a_duration_column_text_format_and_a_hint(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    (tmp_path / "run.yaml").write_text(RUN, encoding="utf-8")
    target = tmp_path / "t.xlsx"
    assert run("template", str(tmp_path / "run.yaml"), "-o", str(target))[0] == EXIT_OK
    sheet = openpyxl.load_workbook(target).worksheets[0]
    assert sheet["B2"].number_format == "@"
    comment: Any = sheet["B1"].comment
    assert "time ≤ 9:59.99" in comment.text
    assert "m:ss.xx (4:36.11)" in comment.text


_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 700),
    st.decimals(-5, 700, places=2, allow_nan=False),
    st.floats(-5, 700),
    st.just(float("nan")),
    st.builds(duration_text, st.decimals(0, 700, places=2, allow_nan=False)),
    st.sampled_from(["4:76", "1:2:3:4", "-4:36", "4:5", "abc", "", "9:59.99", "10:00"]),
    st.builds(dt.timedelta, seconds=st.integers(0, 700), microseconds=st.integers(0, 10**6 - 1)),
    st.builds(dt.time, minute=st.integers(0, 11), second=st.integers(0, 59)),
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text("ab", min_size=1, max_size=2), _value, min_size=1, max_size=3))
def test_fast_and_careful_passes_agree_on_durations(values: dict[str, Any]) -> None:
    """The generated fast check accepts duration data exactly when the careful pass finds no
    problem, and then gives the same seconds."""
    from rulebook.data.check import _Checker
    from rulebook.data.fast import fast_check

    scheme = rulebook.loads(RUN, "run.yaml")
    units = {name: {"time": value} for name, value in values.items()}
    fast = fast_check({"units": units}, scheme)
    careful = _Checker(scheme, None)
    data = careful.run({"units": units})
    assert (fast is not None) == (not careful.problems)
    if fast is not None:
        assert fast == data.units


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.decimals(0, Decimal("599.99"), places=2, allow_nan=False), min_size=1, max_size=6)
)
def test_compiled_and_reference_engines_agree_on_times(seconds: list[Decimal]) -> None:
    scheme = rulebook.loads(RUN, "run.yaml")
    data = {"units": {f"u{i}": {"time": duration_text(s)} for i, s in enumerate(seconds)}}
    compiled = rulebook.evaluate(scheme, data)
    reference = rulebook.evaluate(scheme, data, engine="reference")
    assert compiled.to_dict() == reference.to_dict()
