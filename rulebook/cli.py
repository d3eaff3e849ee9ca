"""The `rulebook` command: a thin layer over the public API.

Exit codes: 0 success; 1 usage error (also a missing `required` parameter or a wrong `--params`
file); 2 scheme error (also a tests file's); 3 data error;
4 evaluation error; 5 scheme test cases failed; 6 the output could not be written (nothing partial
is left); 70 a bug in rulebook (one line naming the exception; RULEBOOK_DEBUG=1 shows the
traceback); 130 interrupted (Ctrl-C); 141 standard output closed early (e.g. `| head`), silently.
Streams are parameters so tests can call `main` directly; `-` reads data from standard input and
`-o -` writes to standard output.
"""

from __future__ import annotations

import argparse
import errno
import functools
import gc
import io
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO, cast

from rulebook import __version__
from rulebook.api import check, load
from rulebook.audit.result import Result
from rulebook.data.api import parse_data, read_data
from rulebook.data.dataset import DataSet
from rulebook.data.named_units import absent_units
from rulebook.engine.evaluate import evaluate
from rulebook.errors import (
    DataError,
    EvaluationError,
    Location,
    ParameterError,
    Problem,
    RulebookError,
    SchemeError,
    did_you_mean,
)
from rulebook.files import OutputError, replacing, write_output
from rulebook.render.progress import reading_bar, scoring_bar
from rulebook.render.safe import terminal, terminal_lines
from rulebook.render.worksheet import worksheet
from rulebook.render.writers import FORMATS, write_result
from rulebook.scheme.model import Scheme, missing_parameters
from rulebook.testing.cases import find, load_scheme, parse_file, run_file

EXIT_OK, EXIT_USAGE, EXIT_SCHEME, EXIT_DATA, EXIT_EVALUATION = 0, 1, 2, 3, 4
EXIT_TESTS_FAILED, EXIT_OUTPUT = 5, 6
EXIT_BUG, EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 70, 130, 141
STDIO = "-"


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors through our exit code instead of exiting with 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{self.prog}: error: {message}\n{self.format_usage()}")


class _UsageError(Exception):
    pass


def _parser() -> _Parser:
    parser = _Parser(
        prog="rulebook",
        description="Score assessment schemes written in YAML.",
        epilog="A data file `-` is read from standard input; `-o -` writes to "
        "standard output. Exit codes: 0 ok, 1 usage (also --params), 2 scheme error, 3 data "
        "error, 4 evaluation error, 5 test cases failed, 6 cannot write the "
        "output, 70 a bug in rulebook, 130 interrupted, 141 output closed.",
    )
    parser.add_argument("--version", action="version", version=f"rulebook {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    score = commands.add_parser("score", help="score every unit of a data file")
    score.add_argument("scheme", help="the scheme YAML file")
    score.add_argument(
        "data", help="the data file (YAML, JSON, CSV or xlsx; - : standard input, any of them)"
    )
    score.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="table (default); json; jsonl (one unit per line); csv (one row "
        "per unit); csv-long (one row per unit and node); html; xlsx "
        "(the `excel` extra; -o FILE, or standard output that is not a terminal)",
    )
    score.add_argument(
        "-o", "--output", help="write to this file instead of standard output (- : standard output)"
    )
    _params_option(score)
    score.add_argument(
        "--audit",
        action="store_true",
        help="json/jsonl: add each unit's audit trail and points lost",
    )
    score.add_argument(
        "--encoding", help="the data's text encoding (default: UTF-8; for CSV, UTF-8 else GB18030)"
    )
    score.add_argument(
        "--no-audit", action="store_true", help="no audit (the default; kept for compatibility)"
    )
    score.add_argument(
        "--restore",
        action="store_true",
        help="html: beside each lost item, the single change that would restore "
        "it (a search per item: slower; docs/analysis.md)",
    )
    score.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no progress bars on standard error (reading, scoring, writing)",
    )
    explain = commands.add_parser("explain", help="an auditor's worksheet for one unit")
    explain.add_argument("scheme", help="the scheme YAML file")
    explain.add_argument("data", help="the data file (YAML, JSON, CSV or xlsx)")
    explain.add_argument("--unit", required=True, help="the unit's name as in the data")
    explain.add_argument("--node", help="a node id (or named value) to show in detail")
    _params_option(explain)
    explain.add_argument(
        "--encoding", help="the data's text encoding (default: UTF-8; for CSV, UTF-8 else GB18030)"
    )
    tpl = commands.add_parser(
        "template", help="write the data-entry sheet (xlsx or csv) for a scheme"
    )
    tpl.add_argument("scheme", help="the scheme YAML file")
    tpl.add_argument(
        "--format", choices=("xlsx", "csv"), help="default: from -o's extension (- : csv)"
    )
    tpl.add_argument(
        "-o", "--output", required=True, help="the file to write (.xlsx or .csv; - for stdout)"
    )
    _analysis_options(explain)
    chk = commands.add_parser("check", help="check a scheme and report every problem")
    chk.add_argument("scheme", help="the scheme YAML file")
    _params_option(chk)
    bnd = commands.add_parser(
        "bounds", help="guaranteed [low, high] of every node, from the declared domains"
    )
    bnd.add_argument("scheme", help="the scheme YAML file")
    _params_option(bnd)
    test = commands.add_parser("test", help="run a scheme's YAML test cases (*.tests.yaml)")
    test.add_argument("paths", nargs="+", help="tests files, or folders to search for them")
    test.add_argument(
        "--properties",
        action="store_true",
        help="also check each scheme's properties on generated data (needs "
        "hypothesis: the `dev` extra)",
    )
    test.add_argument(
        "--examples", type=int, default=100, help="generated data sets per property (default 100)"
    )
    test.add_argument(
        "--coverage",
        action="store_true",
        help="report the items, conditional branches, caps and floors the cases never exercised",
    )
    commands.add_parser(
        "schema", help="print the JSON Schema of scheme files (for editors; docs/scheme-format.md)"
    )
    diff = commands.add_parser(
        "diff",
        help="whose scores changed and why: two schemes on one "
        "data file, or one scheme on two data files",
    )
    diff.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="OLD.yaml NEW.yaml DATA, or SCHEME with --data OLD NEW",
    )
    diff.add_argument(
        "--data", nargs=2, metavar=("OLD", "NEW"), help="two data files scored under one scheme"
    )
    diff.add_argument(
        "--format",
        choices=("text", "json", "html"),
        default="text",
        help="text (default), json (docs/analysis.md), or html: the new result's "
        'report with a "what changed" section',
    )
    diff.add_argument("-o", "--output", help="write to this file instead of standard output")
    _params_option(diff)
    return parser


def _params_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--params",
        metavar="FILE",
        help="run-time parameter values (YAML or JSON: `name: number` or `name: {value: n, "
        "by_unit: {unit: n}}` per line) replacing the scheme's own; required for parameters "
        "declared `required: true` (docs/scheme-format.md)",
    )


def _load(path: str, params: str | None, *, scoring: bool = True) -> Scheme:
    """The scheme at `path` with the params file's values; when `scoring`, a ParameterError
    (exit 1, like other usage errors) if a `required` parameter is still not given."""
    scheme = load(path, params=params)
    if scoring and scheme.awaited:
        raise missing_parameters(scheme)
    return scheme


def _guarded(run: Callable[..., int]) -> Callable[..., int]:
    """Never a traceback: a RulebookError that got this far is printed with its exit code, an
    unexpected exception becomes one line reporting a bug, Ctrl-C a short message, and a closed
    standard output (`| head`) a silent exit. Standard output is flushed inside the guard. A
    library's exception that nothing can catch (a generator finalised after the error that
    stopped it: openpyxl's "Exception ignored in") prints nothing while the CLI runs."""

    @functools.wraps(run)
    def guarded(
        argv: Sequence[str] | None = None,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        stdin: TextIO | None = None,
    ) -> int:
        hook, code = sys.unraisablehook, EXIT_BUG
        if not os.environ.get("RULEBOOK_DEBUG"):
            sys.unraisablehook = _quiet_unraisable
        try:
            code = _run_guarded(run, argv, stdout, stderr, stdin)
        finally:
            if code != 0:  # what the failure left half-run is finalised here, silently
                gc.collect()
            sys.unraisablehook = hook
        return code

    return guarded


def _quiet_unraisable(unraisable: Any) -> None:
    """The CLI's `sys.unraisablehook`: the CLI has said its one line already."""


def _run_guarded(
    run: Callable[..., int],
    argv: Sequence[str] | None,
    stdout: TextIO | None,
    stderr: TextIO | None,
    stdin: TextIO | None,
) -> int:
    """`_guarded`'s handling of each error."""
    closed = cast("TextIO", _Closed())
    out: TextIO = stdout or sys.stdout or closed
    err = _Diagnostics(stderr or sys.stderr or closed)
    try:
        code: int = run(argv, out, err, stdin or sys.stdin)
        _flush(out)
        return code  # noqa: TRY300 - a closed pipe raises in the flush, so it stays inside
    except BrokenPipeError:
        _silence(out)
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        err.write("rulebook: interrupted\n")
        return EXIT_INTERRUPTED
    except RulebookError as exc:
        if isinstance(exc, OutputError) and exc.target == "<stdout>":
            _silence(out)
        err.write(("rulebook: " if isinstance(exc, OutputError) else "") + f"{exc}\n")
        return _exit_code(exc)
    except Exception as exc:
        if isinstance(exc, OSError) and exc.errno in _WRITE_ERRORS:
            _silence(out)
            err.write(f"rulebook: cannot write <stdout>: {exc.strerror}\n")
            return EXIT_OUTPUT
        if os.environ.get("RULEBOOK_DEBUG"):
            raise
        err.write(_bug_report(exc))
        return EXIT_BUG


class _Diagnostics:
    """Standard error as the CLI writes it: every message passes `terminal_lines`, so a unit
    name, label, header or source line from an untrusted file cannot send escape sequences to
    the terminal (newlines kept, every other control character shown as a hex escape)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(terminal_lines(text))

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return bool(getattr(self.stream, "isatty", lambda: False)())

    def __getattr__(self, name: str) -> object:
        return getattr(self.stream, name)


class _Closed:
    """A standard stream the shell closed (`>&-`): writing to it is an output error."""

    def write(self, text: str) -> int:  # noqa: ARG002 - a stream's signature
        raise OSError(errno.EBADF, "standard output is closed")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


_WRITE_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EBADF)
"""Errors only a write gives: every file rulebook writes reports its own (OutputError), so one
of these reaching the guard comes from writing standard output."""


def _flush(out: TextIO) -> None:
    try:
        out.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputError("<stdout>", exc.strerror or str(exc)) from None


def _silence(out: TextIO) -> None:
    """Point a failed standard output at /dev/null, so the interpreter's last flush at exit
    does not print an error of its own."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (StringIO, `_Closed`)
        pass


def _exit_code(exc: RulebookError) -> int:
    for kind, code in (
        (SchemeError, EXIT_SCHEME),
        (DataError, EXIT_DATA),
        (EvaluationError, EXIT_EVALUATION),
        (OutputError, EXIT_OUTPUT),
    ):
        if isinstance(exc, kind):
            return code
    return EXIT_USAGE


def _bug_report(exc: BaseException) -> str:
    """One line: the exception's type and (shortened) message, and what to do about it."""
    message = "".join(c if c.isprintable() else repr(c)[1:-1] for c in " ".join(str(exc).split()))
    if len(message) > 200:
        message = message[:197] + "..."
    name = type(exc).__name__ + (f": {message}" if message else "")
    return (
        f"rulebook: internal error: {name} — this is a bug in rulebook, not in your input; "
        "please report it with the command you ran (RULEBOOK_DEBUG=1 shows the traceback)\n"
    )


@_guarded
def main(
    argv: Sequence[str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Run the CLI; return the exit code."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        args = _parser().parse_args(argv)
    except _UsageError as exc:
        err.write(str(exc))
        return EXIT_USAGE
    except SystemExit as exc:  # --help / --version
        return int(exc.code or 0)
    args.stdin = stdin or sys.stdin
    if args.command == "check":
        return _check(args.scheme, out, err, args.params)
    if args.command == "bounds":
        return _bounds(args.scheme, out, err, args.params)
    if args.command == "template":
        return _template(args.scheme, args.output, args.format, out, err)
    if args.command == "schema":
        return _schema(out)
    if args.command == "test":
        return _test(args.paths, out, err, args.properties, args.examples, args.coverage)
    if args.command == "diff":
        return _diff(args, out, err)
    return _score(args, out, err)  # score and explain


def _schema(out: TextIO) -> int:
    from rulebook.scheme.schema import schema_text

    out.write(schema_text())
    return EXIT_OK


def _bounds(path: str, out: TextIO, err: TextIO, params: str | None = None) -> int:
    from rulebook.audit.bounds import analyze, render

    try:
        scheme = _load(path, params)
    except SchemeError as exc:
        err.write(str(exc) + "\n")
        return EXIT_SCHEME
    except ParameterError as exc:
        err.write(str(exc) + "\n")
        return EXIT_USAGE
    out.write(render(scheme, analyze(scheme)))
    return EXIT_OK


def _test(
    paths: list[str],
    out: TextIO,
    err: TextIO,
    properties: bool = False,
    examples: int = 100,
    coverage: bool = False,
) -> int:
    """Run the cases (and properties); print each failure with where to look."""
    if properties:
        try:
            import rulebook.testing.properties  # noqa: F401 - only to see that hypothesis is there
        except ImportError:
            err.write(
                "rulebook: --properties needs hypothesis: pip install 'rulebook[dev]' "
                "(or pip install hypothesis)\n"
            )
            return EXIT_USAGE
    files = find(paths)
    if not files:
        err.write(f"rulebook: no *.tests.yaml under {', '.join(paths)}\n")
        return EXIT_USAGE
    passed = failed = not_run = 0
    code = EXIT_OK  # a case that could not run: its error's exit code, after all cases ran
    for path in files:
        try:
            results = run_file(path)
        except SchemeError as exc:
            err.write(str(exc) + "\n")
            return EXIT_SCHEME
        except (DataError, EvaluationError) as exc:
            err.write(f"{path}: {exc}\n")
            return EXIT_DATA if isinstance(exc, DataError) else EXIT_EVALUATION
        for case in results:
            if case.error is not None:
                not_run += 1
                located = isinstance(case.error, (SchemeError, DataError))
                err.write((str(case.error) if located else f"{path}: {case.error}") + "\n")
                code = code or _exit_code(case.error)
            elif case.passed:
                passed += 1
            else:
                failed += 1
                out.writelines(failure.render() + "\n" for failure in case.failures)
        if properties:
            ok, bad = _properties(path, out, examples)
            passed, failed = passed + ok, failed + bad
        ran = [c.result for c in results if c.result is not None]  # not the cases not run
        if coverage and ran:
            from rulebook.testing.coverage import measure

            scheme = ran[0].scheme
            covered = measure(scheme, ran, set().union(*(c.asserted for c in results)))
            out.write(covered.render(scheme.id) + "\n")
    tail = f", {not_run} not run" if not_run else ""
    out.write(f"{passed} passed, {failed} failed{tail}\n")
    return code or (EXIT_OK if failed == 0 else EXIT_TESTS_FAILED)


def _properties(tests_file: Path, out: TextIO, examples: int) -> tuple[int, int]:
    from rulebook.testing.properties import check_properties

    scheme = load_scheme(parse_file(tests_file))
    ok = bad = 0
    for prop in check_properties(scheme, examples=examples, out_dir=tests_file.parent):
        if prop.skipped:
            out.write(f"{scheme.id}: property {prop.name!r}: skipped, {prop.skipped}\n")
        elif prop.passed:
            ok += 1
            out.write(f"{scheme.id}: property {prop.name!r}: ok ({prop.examples} examples)\n")
        else:
            bad += 1
            out.write(
                f"{scheme.id}: property {prop.name!r} FAILED: {prop.failure}\n"
                f"    counterexample: {prop.counterexample} (rulebook score "
                f"{scheme.source_file} {prop.counterexample})\n"
            )
    return ok, bad


def _scored(args: argparse.Namespace, err: TextIO) -> Result | int:
    """Load, check and score; on failure write the error and return the exit code."""
    try:
        scheme = _load(args.scheme, getattr(args, "params", None))
    except SchemeError as exc:
        err.write(str(exc) + "\n")
        return EXIT_SCHEME
    except ParameterError as exc:
        err.write(str(exc) + "\n")
        return EXIT_USAGE
    quiet = getattr(args, "quiet", False)
    try:
        with reading_bar(args.data, err, quiet=quiet):
            data = _data(args.data, scheme, args.stdin, args.encoding)
        # by_unit names the data lacks (rulebook.data.named_units)
        err.writelines(problem.render() + "\n" for problem in absent_units(scheme, data))
        with scoring_bar(len(data.units), err, quiet=quiet) as progress:
            if progress is None:
                return evaluate(scheme, data)
            return evaluate(scheme, data, progress=progress)
    except DataError as exc:
        err.write(str(exc) + "\n")
        return EXIT_DATA
    except EvaluationError as exc:
        err.write(str(exc) + "\n")
        return EXIT_EVALUATION


_EXTENSION_FORMATS = {
    ".json": "json",
    ".jsonl": "jsonl",
    ".csv": "csv",
    ".html": "html",
    ".htm": "html",
    ".xlsx": "xlsx",
    ".txt": "table",
}
"""`score -o FILE` without `--format`: the format FILE's extension names (else the table)."""


def _format_of(output: str | None) -> str:
    if output in (None, STDIO):
        return "table"
    return _EXTENSION_FORMATS.get(Path(output).suffix.lower(), "table")


def _overwrites_input(output: str | None, inputs: Sequence[str], err: TextIO) -> bool:
    """True (with the message written) when `-o` names one of the command's own input files:
    writing there would destroy the scheme or the data it was computed from."""
    if output in (None, STDIO):
        return False
    target = Path(output).resolve()
    for name in inputs:
        if name != STDIO and Path(name).resolve() == target:
            err.write(
                f"rulebook: refusing to write over the input file {name}: give -o another "
                "file name\n"
            )
            return True
    return False


def _template(path: str, output: str, fmt: str | None, out: TextIO, err: TextIO) -> int:
    """Write the data-entry sheet for the scheme at `path` (see rulebook.data.template) to a
    file, or to standard output for `-o -` (CSV text; a workbook only when that is not a
    terminal, as `score --format xlsx` does)."""
    from rulebook.data.template import template_csv, template_xlsx, write_template

    if _overwrites_input(output, (path,), err):
        return EXIT_USAGE
    fmt = fmt or _template_format(output)
    if fmt is None:
        err.write(
            f"rulebook: cannot tell the template's format from `{output}`: name the file .xlsx "
            "or .csv, or give --format xlsx|csv\n"
        )
        return EXIT_USAGE
    if output == STDIO and fmt == "xlsx" and _binary_stdout(out) is None:
        err.write(
            "rulebook: an xlsx template is a binary workbook: give -o FILE.xlsx, or redirect "
            "standard output to a file or pipe (or --format csv)\n"
        )
        return EXIT_USAGE
    try:
        scheme = load(path)
    except SchemeError as exc:
        err.write(str(exc) + "\n")
        return EXIT_SCHEME
    try:
        if output != STDIO:
            write_template(scheme, output, fmt)
        elif fmt == "csv":
            out.write(template_csv(scheme))
        else:
            _workbook_to_stdout(out, lambda book: template_xlsx(scheme).save(book))
    except ImportError as exc:
        err.write(f"rulebook: {exc}\n")
        return EXIT_USAGE
    except OutputError as exc:
        err.write(f"rulebook: {exc}\n")
        return EXIT_OUTPUT
    return EXIT_OK


def _template_format(output: str) -> str | None:
    """The template's format from the output's name: csv for `-` and `.csv`, xlsx for
    `.xlsx`; None for any other name (a workbook under another name would surprise)."""
    name = output.lower()
    if output == STDIO or name.endswith(".csv"):
        return "csv"
    return "xlsx" if name.endswith(".xlsx") or not Path(output).suffix else None


def _check(path: str, out: TextIO, err: TextIO, params: str | None = None) -> int:
    problems = check(path)
    errors = [p for p in problems if p.severity == "error"]
    for problem in problems:
        (err if problem.severity == "error" else out).write(problem.render() + "\n")
    if errors:
        err.write(f"{len(errors)} error(s), {len(problems) - len(errors)} warning(s)\n")
        return EXIT_SCHEME
    try:
        scheme = _load(path, params, scoring=False)
    except SchemeError as exc:  # the params' values broke a load-time check
        err.write(str(exc) + "\n")
        return EXIT_SCHEME
    except ParameterError as exc:
        err.write(str(exc) + "\n")
        return EXIT_USAGE
    out.write(f"ok: {path}: {scheme.id} — {_counts(scheme)}; {len(problems)} warning(s)\n")
    for need in scheme.awaited.values():
        about = f" ({need.label})" if need.label else ""
        out.write(
            f"{need.location}: needs parameter `{need.name}`{about} at run time: "
            f"score with `--params FILE`, FILE holding a line `{need.name}: <number>`\n"
        )
    return EXIT_OK


def _counts(scheme: Scheme) -> str:
    """`check`'s summary of what the author declared: parameters (those required at run time
    too), nodes and items, the named values of `values:` and `group_values:` (not the values
    rulebook adds: items' `let:`, conditions, `.count`, `.applies`, `.periods`), aggregates,
    rankings and periods."""
    items = sum(1 for n in scheme.nodes.values() if n.is_item)
    parameters = len(set(scheme.parameters) | set(scheme.awaited))
    required = f" ({len(scheme.awaited)} required at run time)" if scheme.awaited else ""
    named = sum(
        1 for n, v in scheme.values.items() if v.kind in ("value", "group") and "." not in n
    )
    aggregates = f"{len(scheme.aggregates)} aggregates, " if scheme.aggregates else ""
    return (
        f"{len(scheme.indicators)} indicators, {parameters} parameters{required}, "
        f"{len(scheme.nodes)} nodes ({items} items), {named} named values, {aggregates}"
        f"{len(scheme.rankings)} rankings, {len(scheme.periods)} periods"
    )


def _score(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.command == "score":
        args.format = args.format or _format_of(args.output)
        if _overwrites_input(args.output, (args.scheme, args.data), err):
            return EXIT_USAGE
    result = _scored(args, err)
    if isinstance(result, int):
        return result
    if args.command == "explain":
        return _explain(result, args, out, err)
    if args.format == "xlsx":
        return _xlsx(result, args.output, out, err)
    if args.format == "html" and args.restore:
        return _html_with_restores(result, args.output, out)
    try:
        write_result(
            result,
            args.format,
            None if args.output in (None, STDIO) else args.output,
            out,
            err,
            audit=args.audit,
            quiet=args.quiet,
        )
    except ImportError as exc:
        err.write(f"rulebook: {exc}\n")
        return EXIT_USAGE
    return EXIT_OK


def _html_with_restores(result: Result, output: str | None, out: TextIO) -> int:
    """The HTML report with "what would restore it" beside each lost item of every unit."""
    from rulebook.analysis import restore
    from rulebook.render.html import to_html

    restores = {u.unit: {r.node: r.render() for r in restore(result, u.unit)} for u in result.units}
    text = to_html(result, restores=restores)
    if output in (None, STDIO):
        out.write(text)
    else:
        write_output(output, text)
    return EXIT_OK


def _binary_stdout(out: TextIO) -> Any | None:
    """Standard output's byte stream, where a workbook may be written (not a terminal: a
    workbook is binary); None where it may not."""
    buffer = getattr(out, "buffer", None)
    return None if buffer is None or out.isatty() else buffer


def _workbook_to_stdout(out: TextIO, save: Callable[[Path], object]) -> None:
    """A workbook `save`d to a temporary file, then its bytes to standard output (which
    `_binary_stdout` allowed)."""
    buffer = _binary_stdout(out)
    assert buffer is not None
    with tempfile.TemporaryDirectory() as folder:
        book = Path(folder) / "book.xlsx"
        save(book)
        out.flush()
        buffer.write(book.read_bytes())


def _xlsx(result: Result, output: str | None, out: TextIO, err: TextIO) -> int:
    """Write the workbook to a file, atomically, or to standard output if that is not a
    terminal (a workbook is binary)."""
    from rulebook.render.excel import write_xlsx

    if output in (None, STDIO) and _binary_stdout(out) is None:
        err.write(
            "rulebook: --format xlsx writes a binary workbook: give -o FILE.xlsx, or "
            "redirect standard output to a file or pipe\n"
        )
        return EXIT_USAGE
    try:
        if output not in (None, STDIO):
            with replacing(output) as temp:
                write_xlsx(result, temp)
            return EXIT_OK
        _workbook_to_stdout(out, lambda book: write_xlsx(result, book))
    except ImportError as exc:
        err.write(f"rulebook: {exc}\n")
        return EXIT_USAGE
    return EXIT_OK


def _explain(result: Result, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    names = [u.unit for u in result.units]
    if args.unit not in names:
        hint = did_you_mean(args.unit, names)
        err.write(
            terminal(
                f"rulebook: no unit {args.unit!r} in the data"
                + (f"; {hint}" if hint else f"; units: {', '.join(names)}")
            )
            + "\n"
        )
        return EXIT_USAGE
    scheme = result.scheme
    known = [*scheme.score_ids, *scheme.output_ids, *scheme.values]
    if args.node in scheme.aggregates and not (args.set or args.goal):
        from rulebook.render.aggregate_detail import aggregate_detail

        out.write(aggregate_detail(result, args.unit, args.node))  # like a group value
        return EXIT_OK
    if args.node is not None and args.node not in known:
        hint = did_you_mean(args.node, known)
        if args.node in scheme.aggregates:  # with --set or --goal
            hint = "it is an aggregate: a what-if or goal shows the nodes and values that read it"
        err.write(
            f"rulebook: no node or value {args.node!r}" + (f"; {hint}" if hint else "") + "\n"
        )
        return EXIT_USAGE
    for name in args.keep:
        if name not in scheme.indicators:
            hint = did_you_mean(name, scheme.indicators)
            err.write(
                f"rulebook: --keep {name}: no such indicator" + (f"; {hint}" if hint else "") + "\n"
            )
            return EXIT_USAGE
    if args.set or args.goal:
        return _what_if(result, args, out, err)
    out.write(worksheet(result, args.unit, args.node))
    if args.node is None and not args.no_restore:
        from rulebook.analysis.restore import restore

        found = restore(result, args.unit, keep=args.keep)
        if found:
            out.write(
                terminal_lines(
                    "\nwhat would restore each lost item (one indicator, verified by "
                    "re-scoring):\n" + "".join(f"  {r.node}  {r.render()}\n" for r in found)
                )
            )
    return EXIT_OK


def _analysis_options(explain: argparse.ArgumentParser) -> None:
    explain.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="what-if: give the unit this value and score again (repeatable; "
        "NAME.PERIOD=VALUE or NAME[PERIOD]=VALUE for one period)",
    )
    explain.add_argument(
        "--goal",
        action="append",
        default=[],
        metavar="GOAL",
        help="what it would take: total=X (or NODE=X), rank=K, outcome=LABEL "
        "or OUTCOME=LABEL (repeatable)",
    )
    explain.add_argument(
        "--keep",
        action="append",
        default=[],
        metavar="INDICATOR",
        help="never change this indicator in --goal or restore searches",
    )
    explain.add_argument(
        "--budget",
        type=int,
        default=2000,
        help="re-scorings one --goal search may spend (default 2000)",
    )
    explain.add_argument(
        "--no-restore", action="store_true", help="leave out what would restore each lost item"
    )


def _what_if(result: Result, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """`explain --set …` and/or `--goal …`: the what-if diff, then each goal's answer (on the
    edited data when both are given)."""
    from rulebook.analysis import GoalError, parse_goal, what_if, what_it_takes

    scheme = result.scheme
    try:
        goals = [parse_goal(scheme, g) for g in args.goal]
    except GoalError as exc:
        err.write(f"rulebook: {exc}\n")
        return EXIT_USAGE
    if args.budget < 1:
        err.write("rulebook: --budget must be at least 1\n")
        return EXIT_USAGE
    data = result.data
    if args.set:
        changed = what_if(scheme, data, args.unit, args.set, before=result)
        out.write(terminal_lines(changed.render()))
        data = changed.after.data
    out.writelines(
        terminal_lines(
            ("\n" if args.set or goal is not goals[0] else "")
            + what_it_takes(
                scheme, data, args.unit, goal, budget=args.budget, keep=args.keep
            ).render()
        )
        for goal in goals
    )
    return EXIT_OK


def _diff(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """`diff OLD.yaml NEW.yaml DATA` or `diff SCHEME --data OLD NEW`."""
    from rulebook.analysis import diff_results

    files = args.files
    if not ((len(files) == 3 and args.data is None) or (len(files) == 1 and args.data)):
        err.write(
            "rulebook diff: give OLD.yaml NEW.yaml DATA (two schemes, one data file) or "
            "SCHEME --data OLD NEW (one scheme, two data files)\n"
        )
        return EXIT_USAGE
    data: list[str] = args.data or [files[2], files[2]]
    if _overwrites_input(args.output, (*files, *data), err):
        return EXIT_USAGE
    pairs = [(files[0], data[0]), (files[-2] if len(files) == 3 else files[0], data[1])]
    results = []
    piped: bytes | None = None
    for scheme_path, data_path in pairs:
        stdin = args.stdin
        if data_path == STDIO:  # read once, even when both sides score it
            import io

            if piped is None:
                buffer = getattr(stdin, "buffer", None)
                piped = buffer.read() if buffer is not None else stdin.read().encode("utf-8")
            stdin = io.TextIOWrapper(io.BytesIO(piped), encoding="utf-8")
        scored = _scored(
            argparse.Namespace(
                scheme=scheme_path, data=data_path, stdin=stdin, encoding=None, params=args.params
            ),
            err,
        )
        if isinstance(scored, int):
            return scored
        results.append(scored)
    changes = diff_results(results[0], results[1])
    if args.format == "html":
        from rulebook.render.html import to_html
        from rulebook.render.html_diff import diff_section

        text = to_html(results[1], extra=diff_section(changes.to_dict(), results[1].scheme))
    elif args.format == "json":
        import json

        text = json.dumps(changes.to_dict(), ensure_ascii=False, indent=2) + "\n"
    else:
        text = terminal_lines(changes.render())
    if args.output in (None, STDIO):
        out.write(text)
    else:
        write_output(args.output, text)
    return EXIT_OK


def _data(name: str, scheme: Scheme, stdin: TextIO, encoding: str | None = None) -> DataSet:
    """The data file `name` checked against the scheme; `-` is standard input (`<stdin>`)."""
    if name != STDIO:
        return read_data(name, scheme, encoding=encoding)
    if stdin is None:  # the shell closed it (`<&-`)
        raise DataError(
            [Problem("standard input is closed: no data", Location("<stdin>", 1, 1), _PIPE_IN)]
        )
    buffer = getattr(stdin, "buffer", None)
    if buffer is None:
        return parse_data(stdin.read(), scheme, "<stdin>")
    data = buffer.read()
    if not data.strip():
        raise DataError(
            [Problem("standard input is empty: no data", Location("<stdin>", 1, 1), _PIPE_IN)]
        )
    piped = io.BytesIO(data)  # YAML, JSON, CSV or xlsx: `read_data` looks at it
    piped.name = "<stdin>"
    return read_data(piped, scheme, encoding=encoding)


_PIPE_IN = "pipe the data in (`cat data.csv | rulebook score scheme.yaml -`), or name its file"


if __name__ == "__main__":
    sys.exit(main())
