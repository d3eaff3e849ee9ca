"""The `rulebook` command: a thin layer over the public API.

Exit codes: 0 success; 1 usage error; 2 scheme error; 3 data error; 4 evaluation error.
Streams are parameters so tests can call `main` directly.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

from rulebook import __version__
from rulebook.api import check, load
from rulebook.data import read_data
from rulebook.errors import DataError, EvaluationError, SchemeError
from rulebook.evaluate import evaluate
from rulebook.report import to_json, to_table

EXIT_OK, EXIT_USAGE, EXIT_SCHEME, EXIT_DATA, EXIT_EVALUATION = 0, 1, 2, 3, 4


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
    score.add_argument("--format", choices=("table", "json"), default="table",
                       help="table (default) or json")
    score.add_argument("-o", "--output", help="write to this file instead of standard output")
    chk = commands.add_parser("check", help="check a scheme and report every problem")
    chk.add_argument("scheme", help="the scheme YAML file")
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
    return _score(args, out, err)


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
    try:
        scheme = load(args.scheme)
    except SchemeError as exc:
        err.write(str(exc) + "\n")
        return EXIT_SCHEME
    try:
        result = evaluate(scheme, read_data(args.data, scheme))
    except DataError as exc:
        err.write(str(exc) + "\n")
        return EXIT_DATA
    except EvaluationError as exc:
        err.write(str(exc) + "\n")
        return EXIT_EVALUATION
    text = to_json(result) if args.format == "json" else to_table(result)
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    else:
        out.write(text)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
