"""Output paths and diagnostics of the command line, as a new user met them: `-o` never writes
over an input, `score -o FILE` takes its format from FILE's extension, and no message lets a
name from an untrusted file send escape sequences to the terminal."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from rulebook.cli import EXIT_DATA, EXIT_OK, EXIT_OUTPUT, EXIT_USAGE, main

from conftest import VILLAGE, VILLAGE_DATA


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_score_refuses_to_write_over_its_data_file(tmp_path: Path) -> None:
    data = tmp_path / "d.yaml"
    data.write_bytes(VILLAGE_DATA.read_bytes())
    code, _, err = run("score", str(VILLAGE), str(data), "--format", "json", "-o", str(data))
    assert code == EXIT_USAGE and "refusing to write over the input file" in err
    assert data.read_bytes() == VILLAGE_DATA.read_bytes()


def test_template_refuses_to_write_over_its_scheme(tmp_path: Path) -> None:
    scheme = tmp_path / "s.yaml"
    scheme.write_bytes(VILLAGE.read_bytes())
    code, _, err = run("template", str(scheme), "-o", str(scheme))
    assert code == EXIT_USAGE and "refusing to write over the input file" in err
    assert scheme.read_bytes() == VILLAGE.read_bytes()


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("r.json", lambda b: json.loads(b)["format"] == 1),
        ("r.csv", lambda b: b.startswith("\ufeffunit".encode())),
        ("r.html", lambda b: b.startswith(b"<!DOCTYPE html>")),
        ("r.xlsx", lambda b: b.startswith(b"PK\x03\x04")),
        ("r.txt", lambda b: "排名".encode() in b or b"ranking" in b),
    ],
)
def test_score_takes_the_format_from_the_output_extension(
    tmp_path: Path, name: str, check: object
) -> None:
    target = tmp_path / name
    code, _, err = run("score", str(VILLAGE), str(VILLAGE_DATA), "-o", str(target))
    assert code == EXIT_OK, err
    assert check(target.read_bytes())  # type: ignore[operator]


def test_data_errors_never_send_escape_sequences_to_the_terminal(tmp_path: Path) -> None:
    """A unit named with an ANSI colour and a window-title sequence, and a bad value: the
    message names the unit with its control characters shown as hex escapes."""
    data = tmp_path / "d.json"
    units = json.loads(json.dumps({"units": {"\x1b[31mEvil\x1b]0;pwned\x07": {"x": 1}}}))
    data.write_text(json.dumps(units), encoding="utf-8")
    code, _, err = run("score", str(VILLAGE), str(data))
    assert code == EXIT_DATA
    assert "\x1b" not in err and "\x07" not in err
    assert "\\x1b[31mEvil\\x1b]0;pwned\\x07" in err


def test_template_into_a_missing_folder_is_a_write_error(tmp_path: Path) -> None:
    """The template is written through `rulebook.files.replacing`, like every other output:
    a missing folder is exit 6 with the folder named, and nothing is left behind."""
    code, _, err = run("template", str(VILLAGE), "-o", str(tmp_path / "no" / "t.xlsx"))
    assert code == EXIT_OUTPUT
    assert "the folder" in err and "does not exist" in err
    assert list(tmp_path.iterdir()) == []
