"""Safe file access: reading files another file names (confined, size-capped) and writing output
atomically (a temporary file beside the target, renamed into place only when complete).

A tests file may come from someone else, so the files it names are untrusted paths: they must be
regular files inside the tests file's own folder tree, and are refused, unread, otherwise.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from rulebook.errors import RulebookError

MAX_FILE_BYTES = 20 * 1024 * 1024
"""The largest file a tests file may name (its scheme or data)."""

MAX_TESTS_FILE_BYTES = 2 * 1024 * 1024
"""The largest tests file: the pytest plugin parses it while collecting, so keep that quick."""


class RefusedPath(RulebookError, ValueError):
    """A named file that may not be read: outside the folder, not a regular file, or too big.
    `reason` says which rule it broke and `hint` what to do instead; the caller locates it."""

    def __init__(self, reason: str, hint: str) -> None:
        self.reason, self.hint = reason, hint
        super().__init__(reason)


class OutputError(RulebookError, OSError):
    """The output could not be written; nothing was left behind (no partial file)."""

    def __init__(self, target: str, reason: str) -> None:
        self.target, self.reason = target, reason
        super().__init__(f"cannot write {target}: {reason}")


def confined(folder: str | Path, name: str) -> Path:
    """The path `name` (as written in a file in `folder`) if it is a regular file inside
    `folder`'s tree, also after following symlinks; else RefusedPath. Nothing is opened."""
    inside = "name a file inside the tests file's folder, by a path relative to it"
    if not name or "\0" in name:
        raise RefusedPath("an empty path or one with a NUL character", inside)
    written = Path(name)
    if written.is_absolute():
        raise RefusedPath("absolute paths are not allowed", inside)
    root = Path(folder).resolve()
    path = Path(folder) / written
    real = path.resolve()
    if not real.is_relative_to(root):
        how = "a symlink that points" if ".." not in written.parts else "a path that leads"
        raise RefusedPath(f"{how} outside the tests file's folder {root}", inside)
    _check_regular(real)
    if not path.is_file():  # `f.yaml/a/..` resolves to f.yaml on paper, but cannot be opened
        raise RefusedPath(
            "cannot read file: the path does not lead to a file",
            "check the path, relative to the tests file",
        )
    return path


def _check_regular(real: Path) -> None:
    try:
        info = real.stat()
    except OSError as exc:
        raise RefusedPath(
            f"cannot read file: {exc.strerror or exc}", "check the path, relative to the tests file"
        ) from None
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "a device, pipe or socket"
        raise RefusedPath(f"not a regular file ({kind})", "name a YAML or JSON file")
    if info.st_size > MAX_FILE_BYTES:
        raise RefusedPath(_too_big(info.st_size, MAX_FILE_BYTES), "split the file or shrink it")


def _too_big(size: int, limit: int) -> str:
    name = "MAX_FILE_BYTES" if limit == MAX_FILE_BYTES else "MAX_TESTS_FILE_BYTES"
    return f"the file is over the limit {name} = {limit // (1024 * 1024)} MB ({size:,} bytes)"


def read_text(path: str | Path, *, limit: int = MAX_FILE_BYTES) -> str:
    """A regular file's UTF-8 text, refusing devices, pipes and files over `limit` bytes
    before reading them (and again on the open handle, so a swapped file is caught too)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise RefusedPath(
            f"cannot read file: {exc.strerror or exc}", "check the path and its permissions"
        ) from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):  # checked before wrapping: a folder cannot be wrapped
        os.close(fd)
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "a device, pipe or socket"
        raise RefusedPath(f"not a regular file ({kind})", "name a YAML or JSON file")
    with os.fdopen(fd, "rb") as handle:
        if info.st_size > limit:
            raise RefusedPath(_too_big(info.st_size, limit), "split the file or shrink it")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise RefusedPath(_too_big(len(data), limit), "split the file or shrink it")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RefusedPath(f"not UTF-8 text (byte {exc.start})", "save the file as UTF-8") from None


_UNSAFE = re.compile(r"[^\w.-]+")


def safe_name(text: str, *, default: str = "scheme", limit: int = 80) -> str:
    """`text` as one file name component: letters, digits, `_`, `-` and `.` only (no path
    separator), no leading dot or dash, at most `limit` characters; `default` if nothing is
    left. For names made from free text such as a scheme's id."""
    slug = _UNSAFE.sub("-", text).lstrip(".-")[:limit].rstrip(".-")
    return slug or default


@contextmanager
def replacing(target: str | Path) -> Iterator[Path]:
    """A temporary path in `target`'s folder to write to; renamed onto `target` when the block
    ends normally, removed when it raises. Every OSError becomes an OutputError naming the
    target. A target that exists and is not a regular file (a device such as /dev/stdout) is
    written directly: renaming over it would be wrong."""
    path = Path(target)
    shown = str(target)
    if not shown:
        raise OutputError(shown, "no file name; give one")
    if shown.endswith(("/", os.sep)):  # `Path` drops the slash: it would write a file there
        raise OutputError(shown, "it names a folder; give a file name")
    try:
        existing = path.stat()
    except FileNotFoundError:
        existing = None
    except OSError as exc:
        raise OutputError(shown, exc.strerror or str(exc)) from None
    if existing is not None and stat.S_ISDIR(existing.st_mode):
        raise OutputError(shown, "it is a folder; give a file name")
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        try:
            yield path
        except OutputError:
            raise
        except OSError as exc:
            raise OutputError(shown, exc.strerror or str(exc)) from None
        return
    folder = path.parent
    if not folder.is_dir():
        raise OutputError(shown, f"the folder {folder} does not exist")
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise OutputError(shown, exc.strerror or str(exc)) from None
    os.close(fd)
    try:
        yield Path(temp)
        os.chmod(temp, stat.S_IMODE(existing.st_mode) if existing else _default_mode())
        _sync(temp)
        os.replace(temp, path)
    except OutputError:
        with suppress(OSError):
            os.unlink(temp)
        raise
    except OSError as exc:
        with suppress(OSError):
            os.unlink(temp)
        raise OutputError(shown, exc.strerror or str(exc)) from None
    except BaseException:
        with suppress(OSError):
            os.unlink(temp)
        raise


def _default_mode() -> int:
    """The mode `open()` would give a new file: 0o666 less the process's umask."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def _sync(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as exc:  # some file systems cannot fsync; the rename is still atomic
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP):
            raise
    finally:
        os.close(fd)


def write_output(target: str | Path, content: str | bytes) -> None:
    """Write `content` (text as UTF-8 with newline line ends) to `target` atomically."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    with replacing(target) as temp, open(temp, "wb") as handle:
        handle.write(data)


__all__ = [
    "MAX_FILE_BYTES",
    "MAX_TESTS_FILE_BYTES",
    "OutputError",
    "RefusedPath",
    "confined",
    "read_text",
    "replacing",
    "safe_name",
    "write_output",
]
