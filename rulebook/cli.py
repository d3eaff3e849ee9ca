"""The `rulebook` command: a thin layer over the public API.

Exit codes: 0 success; 1 usage error; 2 scheme error; 3 data error; 4 evaluation error;
5 scheme test cases failed.
Streams are parameters so tests can call `main` directly.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from rulebook import __version__
from rulebook.api import check, load
from rulebook.audit.result import Result
from rulebook.data.check import read_data
from rulebook.engine.evaluate import evaluate
from rulebook.errors import DataError, EvaluationError, SchemeError, did_you_mean
from rulebook.render.html import to_html
from rulebook.render.report import to_csv, to_json, to_table
from rulebook.render.worksheet import worksheet
from rulebook.testing.cases import find, run_file, scheme_of

EXIT_OK, EXIT_USAGE, EXIT_SCHEME, EXIT_DATA, EXIT_EVALUATION = 0, 1, 2, 3, 4
EXIT_TESTS_FAILED = 5
FORMATS = ("table", "json", "csv", "html", "xlsx")


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors through our exit code instead of exiting with 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{self.prog}: error: {message}\n{self.format_usage()}")


class _UsageError(Exception):
    pass


def _parser() -> _Parser:
    parser = _Parser(prog="rulebook", description="Score assessment schemes written in YAML.")
    parser.add_argument("--version", action="version", version=f"rulebook {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    score = commands.add_parser("score", help="score every unit of a data file")
    score.add_argument("scheme", help="the scheme YAML file")
    score.add_argument("data", help="the data file (YAML or JSON)")
    score.add_argument("--format", choices=FORMATS, default="table",
                       help="table (default), json, csv, html, or xlsx (needs -o and the "
                            "`excel` extra)")
    score.add_argument("-o", "--output", help="write to this file instead of standard output")
    score.add_argument("--no-audit", action="store_true",
                       help="leave the audit trail and points lost out of the JSON (faster)")
    explain = commands.add_parser("explain", help="an auditor's worksheet for one unit")
    explain.add_argument("scheme", help="the scheme YAML file")
    explain.add_argument("data", help="the data file (YAML or JSON)")
    explain.add_argument("--unit", required=True, help="the unit's name as in the data")
    explain.add_argument("--node", help="a node id (or named value) to show in detail")
    chk = commands.add_parser("check", help="check a scheme and report every problem")
    chk.add_argument("scheme", help="the scheme YAML file")
    bnd = commands.add_parser("bounds", help="guaranteed [low, high] of every node, from the "
                              "declared domains")
    bnd.add_argument("scheme", help="the scheme YAML file")
    test = commands.add_parser("test", help="run a scheme's YAML test cases (*.tests.yaml)")
    test.add_argument("paths", nargs="+", help="tests files, or folders to search for them")
    test.add_argument("--properties", action="store_true",
                      help="also check each scheme's properties on generated data (needs "
                           "hypothesis: the `dev` extra)")
    test.add_argument("--examples", type=int, default=100,
                      help="generated data sets per property (default 100)")
    test.add_argument("--coverage", action="store_true",
                      help="report the items, conditional branches, caps and floors the cases "
                           "never exercised")
    commands.add_parser("schema", help="print the JSON Schema of scheme files (for editors; "
                        "docs/scheme-format.md)")
    return parser


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None,
         stderr: TextIO | None = None) -> int:
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
    if args.command == "check":
        return _check(args.scheme, out, err)
    if args.command == "bounds":
        return _bounds(args.scheme, out, err)
    if args.command == "schema":
        return _schema(out)
    if args.command == "test":
        return _test(args.paths, out, err, args.properties, args.examples, args.coverage)
    return _score(args, out, err)  # score and explain


def _schema(out: TextIO) -> int:
    from rulebook.scheme.schema import schema_text

    out.write(schema_text())
    return EXIT_OK


def _bounds(path: str, out: TextIO, err: TextIO) -> int:
    from rulebook.audit.bounds import analyze, render

    try:
        scheme = load(path)
    except SchemeError as exc:
        err.write(str(exc) + "\n")
        return EXIT_SCHEME
    out.write(render(scheme, analyze(scheme)))
    return EXIT_OK


def _test(paths: list[str], out: TextIO, err: TextIO, properties: bool = False,
          examples: int = 100, coverage: bool = False) -> int:
    """Run the cases (and properties); print each failure with where to look."""
    if properties:
        try:
            import rulebook.testing.properties  # noqa: F401 - only to see that hypothesis is there
        except ImportError:
            err.write("rulebook: --properties needs hypothesis: pip install 'rulebook[dev]' "
                      "(or pip install hypothesis)\n")
            return EXIT_USAGE
    files = find(paths)
    if not files:
        err.write(f"rulebook: no *.tests.yaml under {', '.join(paths)}\n")
        return EXIT_USAGE
    passed = failed = 0
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
            if case.passed:
                passed += 1
                continue
            failed += 1
            for failure in case.failures:
                out.write(failure.render() + "\n")
        if properties:
            ok, bad = _properties(path, out, examples)
            passed, failed = passed + ok, failed + bad
        if coverage and results and results[0].result is not None:
            from rulebook.testing.coverage import measure

            scheme = results[0].result.scheme
            covered = measure(scheme, [c.result for c in results if c.result is not None],
                              set().union(*(c.asserted for c in results)))
            out.write(covered.render(scheme.id) + "\n")
    out.write(f"{passed} passed, {failed} failed\n")
    return EXIT_OK if failed == 0 else EXIT_TESTS_FAILED


def _properties(tests_file: Path, out: TextIO, examples: int) -> tuple[int, int]:
    from rulebook.testing.properties import check_properties

    scheme = load(scheme_of(tests_file))
    ok = bad = 0
    for prop in check_properties(scheme, examples=examples, out_dir=tests_file.parent):
        if prop.skipped:
            out.write(f"{scheme.id}: property {prop.name!r}: skipped, {prop.skipped}\n")
        elif prop.passed:
            ok += 1
            out.write(f"{scheme.id}: property {prop.name!r}: ok ({prop.examples} examples)\n")
        else:
            bad += 1
            out.write(f"{scheme.id}: property {prop.name!r} FAILED: {prop.failure}\n"
                      f"    counterexample: {prop.counterexample} (rulebook score "
                      f"{scheme.source_file} {prop.counterexample})\n")
    return ok, bad


def _scored(args: argparse.Namespace, err: TextIO) -> Result | int:
    """Load, check and score; on failure write the error and return the exit code."""
    try:
        scheme = load(args.scheme)
    except SchemeError as exc:
        err.write(str(exc) + "\n")
        return EXIT_SCHEME
    try:
        return evaluate(scheme, read_data(args.data, scheme))
    except DataError as exc:
        err.write(str(exc) + "\n")
        return EXIT_DATA
    except EvaluationError as exc:
        err.write(str(exc) + "\n")
        return EXIT_EVALUATION


def _check(path: str, out: TextIO, err: TextIO) -> int:
    problems = check(path)
    errors = [p for p in problems if p.severity == "error"]
    for problem in problems:
        (err if problem.severity == "error" else out).write(problem.render() + "\n")
    if errors:
        err.write(f"{len(errors)} error(s), {len(problems) - len(errors)} warning(s)\n")
        return EXIT_SCHEME
    scheme = load(path)
    items = sum(1 for n in scheme.nodes.values() if n.is_item)
    out.write(f"ok: {path}: {scheme.id} — {len(scheme.indicators)} indicators, "
              f"{len(scheme.parameters)} parameters, {len(scheme.nodes)} nodes ({items} items), "
              f"{len(scheme.values)} values, {len(scheme.rankings)} rankings, "
              f"{len(scheme.periods)} periods; {len(problems)} warning(s)\n")
    return EXIT_OK


def _score(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    result = _scored(args, err)
    if isinstance(result, int):
        return result
    if args.command == "explain":
        return _explain(result, args, out, err)
    if args.format == "xlsx":
        if not args.output:
            err.write("rulebook: --format xlsx writes a workbook: give -o FILE.xlsx\n")
            return EXIT_USAGE
        try:
            from rulebook.render.excel import write_xlsx

            write_xlsx(result, args.output)
        except ImportError as exc:
            err.write(f"rulebook: {exc}\n")
            return EXIT_USAGE
        return EXIT_OK
    renderers: dict[str, Callable[[Result], str]] = {
        "table": to_table, "csv": to_csv, "html": to_html,
        "json": lambda r: to_json(r, audit=not args.no_audit)}
    text = renderers[args.format](result)
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    else:
        out.write(text)
    return EXIT_OK


def _explain(result: Result, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    names = [u.unit for u in result.units]
    if args.unit not in names:
        hint = did_you_mean(args.unit, names)
        err.write(f"rulebook: no unit {args.unit!r} in the data"
                  + (f"; {hint}" if hint else f"; units: {', '.join(names)}") + "\n")
        return EXIT_USAGE
    scheme = result.scheme
    known = [*scheme.score_ids, *scheme.values]
    if args.node is not None and args.node not in known:
        hint = did_you_mean(args.node, known)
        err.write(f"rulebook: no node or value {args.node!r}" + (f"; {hint}" if hint else "")
                  + "\n")
        return EXIT_USAGE
    out.write(worksheet(result, args.unit, args.node))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
