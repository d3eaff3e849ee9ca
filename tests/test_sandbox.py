"""The expression sandbox: hostile expressions are rejected at load, fast; simpleeval's known
escapes are closed twice (by our whitelist, and by the restricted interpreter); the compiled code
runs without builtins; huge arithmetic fails in milliseconds."""

from __future__ import annotations

import ast
import time
from pathlib import Path

import pytest

import rulebook
from rulebook.engine.codegen import compile_program
from rulebook.engine.interpret import Interpreter

HOSTILE = [
    line
    for line in (Path(__file__).parent / "data" / "hostile_expressions.txt")
    .read_text(encoding="utf-8")
    .splitlines()
    if line and not line.startswith("#")
]
GENERATED = [
    "x" + " + x" * 700,  # too long
    "-" * 100 + "1",  # too deep
    "(" * 250 + "1" + ")" * 250,  # beyond the parser's nesting
    "max(" * 50 + "1" + ", 1)" * 50,  # nested calls
    " + ".join(["1"] * 450),  # too many parts
]

SCHEME = """\
scheme: {id: s, title: s}
indicators:
  meetings_missed: {type: count}
  flag: {type: bool}
tree:
  - id: g
    children:
      - id: ok
        expr: "meetings_missed + (1 if flag else 0)"
      - id: hostile
        expr: |-
          EXPR
"""


def test_the_corpus_is_large_enough() -> None:
    assert len(HOSTILE) + len(GENERATED) >= 40


@pytest.mark.parametrize(
    "expression",
    HOSTILE + GENERATED,
    ids=[f"h{i:02d}" for i in range(len(HOSTILE) + len(GENERATED))],
)
def test_hostile_expression_is_rejected_at_load_quickly(expression: str) -> None:
    text = SCHEME.replace("EXPR", expression)
    start = time.process_time()
    with pytest.raises(rulebook.SchemeError) as info:
        rulebook.loads(text, "hostile.yaml")
    elapsed = time.process_time() - start
    assert elapsed < 0.1, f"took {elapsed * 1000:.0f} ms"
    errors = [p for p in info.value.problems if p.severity == "error"]
    assert errors and all(p.location is not None for p in errors)
    assert any(p.location.line in (11, 12) for p in errors if p.location)


# simpleeval's published escapes, each as rulebook would meet them.
ESCAPES = {
    # issue 15: a method of a user class leaks its module through __globals__ / func_globals
    "issue-15-func-globals": "houdini.trapdoor.__globals__",
    # PR 14 review: reaching func_globals through the class hierarchy from a literal
    "pr-14-class-hierarchy": (
        "True.__class__.__class__.__base__.__subclasses__()[-1].__init__.func_globals"
    ),
    # str.format / format_map reaching attributes from inside the format string
    "format-string": "'{0.__class__.__base__}'.format(1)",
    # several statements, of which simpleeval's parse silently keeps the first
    "multiple-statements": "1; __import__('os')",
    # issue 138: generator and coroutine frames reaching __builtins__
    "issue-138-generator-frame": "foo.bar().gi_frame.f_globals['__builtins__'].exec('1')",
    # CVE-2026-32640: forbidden functions and modules reached through containers and returns
    "cve-2026-32640-container": "funcs[0]('exit')",
    "cve-2026-32640-returned-module": "get_module().os.popen('id').read()",
    # 1.0.8 fixes: operator-module functions, os functions, set/frozenset contents
    "1.0.8-operator-module": "attrgetter('__class__')(x)",
    "1.0.8-os-functions": "execl('/bin/ps', '-ef')",
    "1.0.8-set-contents": "{exec}",
}


@pytest.mark.parametrize("name", sorted(ESCAPES))
def test_known_simpleeval_escape_is_rejected_by_the_loader(name: str) -> None:
    with pytest.raises(rulebook.SchemeError):
        rulebook.loads(SCHEME.replace("EXPR", ESCAPES[name]), "escape.yaml")


@pytest.mark.parametrize("name", sorted(ESCAPES))
def test_known_simpleeval_escape_is_refused_by_the_interpreter_too(name: str) -> None:
    """Defence in depth: even a tree that skipped our whitelist cannot run in the reference
    interpreter, whose node table holds only rulebook's constructs and whose names are only
    the scheme's."""
    scheme = rulebook.loads(SCHEME.replace("EXPR", "1"), "ok.yaml")
    if name == "multiple-statements":  # eval mode never yields a tree for two statements
        with pytest.raises(SyntaxError):
            ast.parse(ESCAPES[name], mode="eval")
        return
    tree = ast.parse(ESCAPES[name], mode="eval").body
    interpreter = Interpreter(scheme)
    with pytest.raises(Exception) as info:
        interpreter.run(tree, [None] * scheme.program.size, None)
    assert not isinstance(info.value, SystemExit)


def test_compiled_stages_run_without_builtins() -> None:
    scheme = rulebook.loads(SCHEME.replace("EXPR", "2"), "ok.yaml")
    for stage in scheme.program.stages:
        assert stage.__globals__["__builtins__"] == {}
    # and the generator refuses any construct the whitelist did not admit
    bad = rulebook.loads(SCHEME.replace("EXPR", "2"), "ok.yaml")
    node = bad.nodes["g.hostile"]
    assert node.formula is not None
    node.formula.tree.__class__ = ast.Attribute  # simulate a tree that skipped validation
    with pytest.raises(TypeError, match="unexpected"):
        compile_program(bad)


def test_huge_arithmetic_fails_in_milliseconds_at_run_time() -> None:
    """Exponents are literals of at most 100, but chained powers of data still overflow: the
    decimal context traps it at once."""
    text = SCHEME.replace("EXPR", "((meetings_missed ** 100) ** 100) ** 100")
    scheme = rulebook.loads(text, "big.yaml")
    start = time.process_time()
    with pytest.raises(rulebook.EvaluationError, match="overflow"):
        rulebook.evaluate(scheme, {"units": {"u": {"meetings_missed": 99, "flag": True}}})
    assert time.process_time() - start < 0.1
