"""Safe file access: a tests file reads only regular files in its own folder tree, and output is
written atomically (complete, or not at all)."""

from __future__ import annotations

import errno
import functools
import os
import shutil
import tempfile
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rulebook.errors import SchemeError
from rulebook.files import (
    MAX_FILE_BYTES,
    MAX_TESTS_FILE_BYTES,
    OutputError,
    RefusedPath,
    confined,
    read_text,
    replacing,
    safe_name,
    write_output,
)
from rulebook.testing.cases import run_file

HOSTILE = Path(__file__).parent / "data" / "tests_files"


def run_or_raise(path: Path) -> None:
    """Run a tests file; raise the first case's error (a case that could not run carries its
    error, and the other cases still run)."""
    for case in run_file(path):
        if case.error is not None:
            raise case.error


# file -> (line:col of the offending value, words the message must contain)
ATTACKS = {
    "dev_zero.yaml": (
        "5:11",
        [
            "data file `/dev/zero` refused",
            "absolute paths are not allowed",
            "inside the tests file's folder",
        ],
    ),
    "parent_escape.yaml": (
        "5:11",
        ["refused", "a path that leads outside the tests file's folder"],
    ),
    "scheme_escape.yaml": (
        "2:9",
        ["scheme file `../../../schemes/village-fp-1000.yaml` refused", "leads outside"],
    ),
    "folder.yaml": ("5:11", ["data file `.` refused", "not a regular file (a folder)"]),
    "missing.yaml": (
        "5:11",
        ["data file `nowhere.data.yaml` refused", "No such file or directory"],
    ),
    "not_a_name.yaml": ("5:11", ["`data:` must be a file name"]),
}


def test_the_control_file_reads_its_own_folder() -> None:
    """Files named inside the folder (also through `sub/..`) are read: 12 − 3 × 1 = 9."""
    (result,) = run_file(HOSTILE / "valid.yaml")
    assert result.passed and result.result is not None
    assert result.result.unit("a").scores["g.meetings"] == 9


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_each_attack_is_refused_at_the_value_that_names_it(name: str) -> None:
    where, words = ATTACKS[name]
    with pytest.raises(SchemeError) as caught:
        run_or_raise(HOSTILE / name)
    text = str(caught.value)
    assert f"{HOSTILE / name}:{where}: error: " in text
    for word in words:
        assert word in text


def test_a_file_outside_is_never_read_nor_echoed(tmp_path: Path) -> None:
    """A secret beside the folder, named by `../`: refused, and no byte of it in the message."""
    (tmp_path / "secret.yaml").write_text("aws_secret_access_key: SECRET-TOKEN\n", "utf-8")
    folder = tmp_path / "tests"
    folder.mkdir()
    shutil.copy(HOSTILE / "tiny.yaml", folder / "tiny.yaml")
    tests = folder / "x.tests.yaml"
    tests.write_text(
        "scheme: tiny.yaml\ncases:\n  - data: ../secret.yaml\n    expect: {a: {g.meetings: 9}}\n",
        "utf-8",
    )
    with pytest.raises(SchemeError) as caught:
        run_or_raise(tests)
    assert f"{tests}:3:11: error: data file `../secret.yaml` refused" in str(caught.value)
    assert "SECRET" not in str(caught.value)


def test_a_symlink_pointing_outside_is_refused(tmp_path: Path) -> None:
    (tmp_path / "outside.yaml").write_text("units: {a: {missed: 1}}\n", "utf-8")
    folder = tmp_path / "tests"
    folder.mkdir()
    (folder / "data.yaml").symlink_to(tmp_path / "outside.yaml")
    (folder / "zero.yaml").symlink_to("/dev/zero")
    (folder / "inside.yaml").symlink_to(folder / "data.yaml")
    with pytest.raises(RefusedPath, match="a symlink that points outside"):
        confined(folder, "data.yaml")
    with pytest.raises(RefusedPath, match="a symlink that points outside"):
        confined(folder, "zero.yaml")
    with pytest.raises(RefusedPath, match="a symlink that points outside"):
        confined(folder, "inside.yaml")  # a chain: inside -> data -> outside
    (folder / "real.yaml").write_text("units: {}\n", "utf-8")
    (folder / "alias.yaml").symlink_to("real.yaml")
    assert confined(folder, "alias.yaml") == folder / "alias.yaml"


def _finishes(action: object, seconds: float = 5.0) -> BaseException | None:
    """Run `action` in a thread; fail if it has not returned within `seconds` (it blocked)."""
    caught: list[BaseException] = []

    def run() -> None:
        try:
            action()  # type: ignore[operator]
        except BaseException as exc:
            caught.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "blocked"
    return caught[0] if caught else None


def test_devices_and_pipes_are_refused_without_reading(tmp_path: Path) -> None:
    """A FIFO with no writer would block an ordinary open, /dev/zero would never end: both are
    refused by their type, the FIFO opened without blocking."""
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    exc = _finishes(lambda: confined(tmp_path, "pipe.yaml"))
    assert (
        isinstance(exc, RefusedPath)
        and "not a regular file (a device, pipe or socket)" in exc.reason
    )
    exc = _finishes(lambda: read_text(fifo))
    assert isinstance(exc, RefusedPath) and "not a regular file" in exc.reason
    exc = _finishes(lambda: read_text("/dev/zero"))
    assert isinstance(exc, RefusedPath) and "not a regular file" in exc.reason


def test_files_over_the_size_limit_are_refused_by_name(tmp_path: Path) -> None:
    """A sparse file one byte over each limit: the message names the limit and its size."""
    big = tmp_path / "big.yaml"
    with open(big, "wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(RefusedPath) as caught:
        confined(tmp_path, "big.yaml")
    assert caught.value.reason == (
        "the file is over the limit MAX_FILE_BYTES = 20 MB (20,971,521 bytes)"
    )
    tests = tmp_path / "big.tests.yaml"
    with open(tests, "wb") as handle:
        handle.truncate(MAX_TESTS_FILE_BYTES + 1)
    with pytest.raises(SchemeError) as error:
        run_file(tests)
    assert (
        f"{tests}:1:1: error: the file is over the limit MAX_TESTS_FILE_BYTES = 2 MB "
        "(2,097,153 bytes)" in str(error.value)
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("../../x", "x"),
        ("village-fp-1000", "village-fp-1000"),
        (".hidden", "hidden"),
        ("a/b\\c", "a-b-c"),
        ("村级 考核", "村级-考核"),
        ("/", "scheme"),
        ("", "scheme"),
    ],
)
def test_safe_name_examples(text: str, expected: str) -> None:
    assert safe_name(text) == expected


@given(st.text(max_size=200))
def test_a_safe_name_always_stays_in_its_folder(text: str) -> None:
    """Whatever the text, the name is one non-empty component without a leading dot: joined to
    a folder it names a file directly inside that folder."""
    name = safe_name(text)
    assert name and len(name) <= 80 and not name.startswith((".", "-"))
    assert "/" not in name and "\\" not in name and "\0" not in name
    folder = Path("/srv/tests")
    assert (folder / name).parent == folder and os.path.normpath(folder / name) == str(
        folder / name
    )


def test_write_output_replaces_the_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old\n", "utf-8")
    write_output(target, "new\n")
    assert target.read_text("utf-8") == "new\n"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_a_failing_writer_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    """The device fills up half-way: the target keeps its old content, no temp file remains."""
    target = tmp_path / "out.txt"
    target.write_text("old\n", "utf-8")

    with pytest.raises(OutputError) as caught, replacing(target) as temp:
        temp.write_text("half of the ne", "utf-8")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert str(caught.value) == f"cannot write {target}: No space left on device"
    assert target.read_text("utf-8") == "old\n"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_any_other_failure_also_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "new.txt"
    with pytest.raises(KeyError), replacing(target) as temp:
        temp.write_text("partial", "utf-8")
        raise KeyError("renderer bug")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    ("where", "reason"),
    [
        ("missing/out.txt", "the folder {tmp}/missing does not exist"),
        ("", "it is a folder; give a file name"),
    ],
)
def test_unwritable_targets_are_named(tmp_path: Path, where: str, reason: str) -> None:
    target = tmp_path / where if where else tmp_path
    with pytest.raises(OutputError) as caught:
        write_output(target, "x")
    assert str(caught.value) == f"cannot write {target}: {reason.format(tmp=tmp_path)}"
    assert not (tmp_path / "missing").exists()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_device_is_reported() -> None:
    with pytest.raises(OutputError) as caught:
        write_output("/dev/full", "x" * 100_000)
    assert str(caught.value) == "cannot write /dev/full: No space left on device"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(OutputError) as caught:
            write_output(folder / "out.txt", "x")
        assert str(caught.value) == f"cannot write {folder / 'out.txt'}: Permission denied"
        assert os.listdir(folder) == []
    finally:
        folder.chmod(0o700)


def test_a_new_file_gets_the_usual_permissions(tmp_path: Path) -> None:
    """Not the 0600 of a temporary file: what `open()` would have given (0666 less umask)."""
    mask = os.umask(0o022)
    try:
        write_output(tmp_path / "out.txt", "x")
    finally:
        os.umask(mask)
    assert (tmp_path / "out.txt").stat().st_mode & 0o777 == 0o644


@functools.cache
def _tree() -> Path:
    """outer/{secret.yaml, root/{f.yaml, a/{f.yaml, b/f.yaml}, link_out -> .., link_in -> a}}."""
    outer = Path(tempfile.mkdtemp(prefix="rulebook-confine-"))
    (outer / "secret.yaml").write_text("x: 1\n", "utf-8")
    root = outer / "root"
    (root / "a" / "b").mkdir(parents=True)
    for folder in (root, root / "a", root / "a" / "b"):
        (folder / "f.yaml").write_text("x: 1\n", "utf-8")
    (root / "link_out").symlink_to(outer)
    (root / "a" / "link_in").symlink_to(root / "a")
    return root


@given(
    st.lists(
        st.sampled_from(["..", ".", "a", "b", "link_out", "link_in", "f.yaml", "secret.yaml"]),
        min_size=1,
        max_size=6,
    )
)
def test_whatever_the_path_an_accepted_file_is_inside(parts: list[str]) -> None:
    """Any mix of `..`, `.`, folders and symlinks (one leading out, one staying in): either
    refused, or a regular file whose real location is inside the folder."""
    root = _tree()
    try:
        path = confined(root, "/".join(parts))
    except RefusedPath:
        return
    assert path.resolve().is_relative_to(root.resolve()) and path.is_file()
