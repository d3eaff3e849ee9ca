"""The audit evaluates branch conditions and the operands of a formula's floor or cap with
functions compiled once per scheme (`rulebook.engine.codegen.compile_expression`); they must
agree with the reference interpreter on every sub-expression of every shipped formula, and
the NodeAudit and the audit dict must be the same record."""

from __future__ import annotations

import ast
from decimal import localcontext
from pathlib import Path

import pytest

import rulebook
from rulebook.arith import CONTEXT
from rulebook.audit.trail import Auditor
from rulebook.engine.codegen import compile_expression
from rulebook.engine.interpret import Interpreter
from rulebook.engine.semantics import AGGREGATORS

from conftest import load_shipped

SCHEMES = sorted(p for p in Path("schemes").glob("*.yaml") if not p.name.endswith(".tests.yaml"))


def _scored(path: Path) -> rulebook.Result:
    scheme = load_shipped(path)
    return rulebook.evaluate(
        scheme, rulebook.read_data(Path("schemes/examples") / f"{path.stem}.data.yaml", scheme)
    )


@pytest.mark.parametrize("path", SCHEMES, ids=lambda p: p.stem)
def test_compiled_sub_expressions_agree_with_the_interpreter(path: Path) -> None:
    """Every sub-expression of every one-value formula (not under an aggregator, whose
    argument is read per period), per unit: compiled value == interpreted value."""
    result = _scored(path)
    scheme = result.scheme
    interpreter = Interpreter(scheme)
    formulas = [n.formula for n in scheme.nodes.values() if n.formula is not None] + [
        v.formula for name, v in scheme.values.items() if scheme.axis_of(name) is None
    ]
    checked = 0
    for formula in formulas:
        parts = list(_outside_aggregators(formula.tree))
        compiled = [compile_expression(scheme, part) for part in parts]
        for unit in result.units:
            with localcontext(CONTEXT):
                for part, function in zip(parts, compiled, strict=True):
                    expected = interpreter.run(part, unit.vector, None)
                    assert function(unit.vector) == expected, ast.unparse(part)
                    checked += 1
    assert checked > 0


def _outside_aggregators(tree: ast.expr):  # type: ignore[no-untyped-def]
    """The tree's sub-expressions evaluated once per unit (an aggregator call counts as one;
    its argument, read at each period, does not), leaving out bare `weight`."""
    yield tree
    if (
        isinstance(tree, ast.Call)
        and isinstance(tree.func, ast.Name)
        and tree.func.id in AGGREGATORS
    ):
        return
    children = tree.args if isinstance(tree, ast.Call) else ast.iter_child_nodes(tree)
    for child in children:
        if isinstance(child, ast.expr) and not (
            isinstance(child, ast.Name) and child.id == "weight"
        ):
            yield from _outside_aggregators(child)


@pytest.mark.parametrize("path", SCHEMES, ids=lambda p: p.stem)
def test_node_audit_and_audit_dict_are_one_record(path: Path) -> None:
    """`explain(...).to_dict()` (from the objects) equals `explain_dict` (the fast path) for
    every unit and every audited name of every shipped example."""
    result = _scored(path)
    scheme = result.scheme
    auditor = Auditor(result)
    for unit in result.units:
        for name in ("total", *scheme.score_ids, *scheme.output_ids, *scheme.values):
            assert auditor.explain(unit, name).to_dict() == auditor.explain_dict(unit, name)


def test_the_streamed_data_digest_is_the_data_sets_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The manifest's digest is hashed unit by unit (`Result.data_digest`); it must be the
    same sha256 as `DataSet.digest`, which hashes the whole canonical document at once —
    for every shipped example (per-period values, enums, booleans) and a CSV-read copy."""
    monkeypatch.syspath_prepend("benchmarks")
    from bench_data import write_csv  # type: ignore[import-not-found]

    from bench_village import synthetic_stream  # type: ignore[import-not-found]

    for path in SCHEMES:
        result = _scored(path)
        assert result.data_digest == result.data.digest
        assert result.data_digest.startswith("sha256:") and len(result.data_digest) == 71
    village = rulebook.load("schemes/village-fp-1000.yaml")
    write_csv(village, synthetic_stream(village, 40), tmp_path / "v.csv")
    result = rulebook.evaluate(village, rulebook.read_data(tmp_path / "v.csv", village))
    assert result.data_digest == result.data.digest
