"""Fuzzing every other input path (issue #11): CSV and xlsx data, `*.tests.yaml` files, and every
renderer fed hostile names, labels and numbers. Only rulebook's own errors may escape, each with a
location, and no example may take more than a few seconds.

CI runs RULEBOOK_FUZZ_EXAMPLES (default 100) examples per fuzzer, a quarter of that for the
renderers (seven formats each); the release run is described in docs/security.md:

    RULEBOOK_FUZZ_EXAMPLES=5000 pytest tests/test_fuzz.py tests/test_fuzz_inputs.py
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_fuzz import assert_located, mutated

import rulebook
from rulebook.render.worksheet import worksheet
from rulebook.render.writers import FORMATS, write_result
from rulebook.testing.cases import run_file

EXAMPLES = int(os.environ.get("RULEBOOK_FUZZ_EXAMPLES", "100"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
RENDER_FUZZ = settings(FUZZ, max_examples=max(10, EXAMPLES // 4))
SECONDS = 10.0
"""Most one example may take on a loaded CI machine (a few seconds on a quiet one)."""

DATA = Path(__file__).parent / "data"
SCHEME = rulebook.load(DATA / "invalid_data" / "scheme.yaml")
HEADER = [
    "unit",
    "meetings_missed",
    "checkup_rate[Q1]",
    "checkup_rate[Q2]",
    "checkup_rate[Q3]",
    "staffing_complete",
    "level",
    "score",
]
ROWS = [
    ["东山村", "1", "72.5", "68", "70", "yes", "city", "18.5"],
    ["西山村", "0", "90", "91", "92", "no", "none", "20"],
]

HOSTILE_CELLS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
        lambda d: d.is_zero() or abs(d.adjusted()) < 60
    ),
    st.text(max_size=12),
    st.sampled_from(
        [
            "=1+1",
            '=HYPERLINK("http://x")',
            "@SUM(A1)",
            "+1",
            "-1",
            "1,000",
            "１２",
            "nan",
            "inf",
            "1e999999",
            "0x10",
            " 7 ",
            "yes",
            "no",
            "city",
            "9" * 40,
            "1e23",
            "\x1b[31m",
            "\t=1",
        ]
    ),
)


def _timed(start: float) -> None:
    assert time.process_time() - start < SECONDS, "one example took too long"


def _csv_text(rows: list[list[str]]) -> str:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([HEADER, *rows])
    return text.getvalue()


def test_the_unmutated_csv_and_xlsx_are_read() -> None:
    """The control for the two fuzzers below: both tables are valid as written (so a mutation,
    not the base, is what they exercise). 东山村's rate: Q1 72.5."""
    data = rulebook.read_data(io.BytesIO(_csv_text(ROWS).encode()), SCHEME, format="csv")
    assert data.units[0].values["checkup_rate"] == {
        "Q1": Decimal("72.5"),
        "Q2": Decimal(68),
        "Q3": Decimal(70),
    }
    with tempfile.TemporaryDirectory() as folder:
        path = _xlsx(Path(folder), [[*row] for row in ROWS])
        assert rulebook.read_data(path, SCHEME).units == data.units


@FUZZ
@given(mutated(_csv_text(ROWS)))
def test_mutated_csv_fails_only_with_located_data_errors(text: str) -> None:
    start = time.process_time()
    try:
        data = rulebook.read_data(io.BytesIO(text.encode("utf-8")), SCHEME, format="csv")
        rulebook.evaluate(SCHEME, data)
    except (rulebook.DataError, rulebook.EvaluationError) as exc:
        assert_located(exc)
    _timed(start)


def _xlsx(folder: Path, rows: list[list[Any]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [HEADER, *rows]:
        sheet.append(row)
    path = folder / "data.xlsx"
    book.save(path)
    return path


@FUZZ
@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, len(HEADER) - 1), HOSTILE_CELLS),
        min_size=1,
        max_size=5,
    )
)
def test_xlsx_with_hostile_cells_fails_only_with_located_data_errors(
    edits: list[tuple[int, int, Any]],
) -> None:
    from openpyxl.utils.exceptions import IllegalCharacterError

    rows: list[list[Any]] = [[*row] for row in ROWS]
    header = [*HEADER]
    for row, column, value in edits:
        if row == 2:
            header[column] = value  # a mutated header cell
        else:
            rows[row][column] = value
    start = time.process_time()
    with tempfile.TemporaryDirectory() as folder:
        try:
            path = (
                _xlsx(Path(folder), rows)
                if header == HEADER
                else _xlsx_with_header(Path(folder), header, rows)
            )
        except (IllegalCharacterError, ValueError, TypeError):
            assume(False)  # openpyxl itself refuses to write the cell: nothing to read
            return
        try:
            data = rulebook.read_data(path, SCHEME)
            rulebook.evaluate(SCHEME, data)
        except (rulebook.DataError, rulebook.EvaluationError) as exc:
            assert_located(exc)
    _timed(start)


def _xlsx_with_header(folder: Path, header: list[Any], rows: list[list[Any]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [header, *rows]:
        sheet.append(row)
    path = folder / "data.xlsx"
    book.save(path)
    return path


TESTS_FOLDER = DATA / "tests_files"
VALID_TESTS = (TESTS_FOLDER / "valid.yaml").read_text(encoding="utf-8")


@FUZZ
@given(mutated(VALID_TESTS))
def test_mutated_tests_files_fail_only_with_located_errors(text: str) -> None:
    """Run in a copy of tests/data/tests_files, so whatever path a mutation names stays in a
    temporary folder (confinement is tested in tests/test_sandbox.py)."""
    start = time.process_time()
    with tempfile.TemporaryDirectory() as folder:
        for name in ("tiny.yaml", "tiny.data.yaml"):
            shutil.copy(TESTS_FOLDER / name, Path(folder) / name)
        (Path(folder) / "sub").mkdir()
        path = Path(folder) / "fuzz.tests.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            results = run_file(path)
        except rulebook.RulebookError as exc:
            assert_located(exc)
        else:
            for result in results:
                assert isinstance(result.passed, bool)
                if result.error is not None:  # a case that could not run: located too
                    assert_located(result.error)
    _timed(start)


NAMES = st.text(
    st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12
) | st.sampled_from(
    [
        '=HYPERLINK("http://evil","x")',
        "+1",
        "-1",
        "@SUM(1)",
        "\t=1",
        "\r=1",
        "\x1b[2J\x1b[31mred",
        "a\x00b",
        "村\u202e甲",
        "'quoted",
    ]
)
WITHIN_CEILING = st.decimals(
    min_value=Decimal("-1e23"),
    max_value=Decimal("1e23"),
    allow_nan=False,
    allow_infinity=False,
    places=6,
) | st.sampled_from([Decimal("1e-20"), Decimal(99999999999999999999999), Decimal(0)])


def _scheme_text(label: str, root_label: str) -> str:
    doc = {
        "scheme": {"id": "fuzz", "title": label},
        "indicators": {"x": {"type": "decimal", "label": label}},
        "tree": [
            {
                "id": "g",
                "label": root_label,
                "children": [
                    {"id": "a", "label": label, "expr": "x"},
                    {"id": "b", "label": root_label, "expr": "x / 3"},
                ],
            }
        ],
    }
    return yaml.safe_dump(doc, allow_unicode=True)


@RENDER_FUZZ
@given(NAMES, NAMES, st.dictionaries(NAMES, WITHIN_CEILING, min_size=1, max_size=3))
def test_every_renderer_takes_hostile_names_and_numbers(
    label: str, root_label: str, units: dict[str, Decimal]
) -> None:
    """Labels and unit names with control characters and formula prefixes, numbers up to the
    ceiling: every format writes, or a located error says why; no terminal escape reaches the
    table or the worksheet."""
    start = time.process_time()
    try:
        scheme = rulebook.loads(_scheme_text(label, root_label), "fuzz.yaml")
        result = rulebook.evaluate(scheme, {"units": {u: {"x": v} for u, v in units.items()}})
    except (rulebook.SchemeError, rulebook.DataError, rulebook.EvaluationError) as exc:
        assert_located(exc)
        return
    with tempfile.TemporaryDirectory() as folder:
        for fmt in FORMATS:
            out, err = io.StringIO(), io.StringIO()
            target = str(Path(folder) / f"out.{fmt}") if fmt == "xlsx" else None
            write_result(result, fmt, target, out, err, audit=True, quiet=True)
            if fmt == "table":
                assert "\x1b" not in out.getvalue()
            elif fmt != "xlsx":
                assert out.getvalue()
        for unit in units:
            assert "\x1b" not in worksheet(result, unit)
    _timed(start)
