"""Run-time parameters: `--params FILE`, `rulebook.load(path, params=...)`,
`rulebook.with_parameters`, `required: true` parameters, and the run manifest's record of them.

The scheme used throughout (YEARLY): `work = 10 if done >= target else 5 + bonus`, `target`
required at run time, `bonus` 2 in the file. Hand-worked: with target 5, unit a (done 4) scores
5 + 2 = 7 and unit b (done 7) scores 10; with bonus 1 instead, a scores 6.
"""

from __future__ import annotations

import io
import json
import os
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rulebook
from rulebook.arith import digest
from rulebook.cli import EXIT_OK, EXIT_SCHEME, EXIT_TESTS_FAILED, EXIT_USAGE, main
from rulebook.scheme.params import MAX_PARAMS_BYTES

ROOT = Path(__file__).resolve().parent.parent

YEARLY = """\
scheme: {id: yearly, title: Yearly targets, language: en}
indicators:
  done: {type: count}
parameters:
  target: {required: true, label: this year's target}
  bonus: 2
tree:
  - id: work
    label: Work
    standard: 10
    expr: 10 if done >= target else 5 + bonus
"""

DATA = "units:\n  a: {done: 4}\n  b: {done: 7}\n"


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out = {"scheme": tmp_path / "yearly.yaml", "data": tmp_path / "data.yaml"}
    out["scheme"].write_text(YEARLY, encoding="utf-8")
    out["data"].write_text(DATA, encoding="utf-8")
    return out


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def totals(scheme: rulebook.Scheme) -> dict[str, str]:
    result = rulebook.evaluate(scheme, rulebook.parse_data(DATA, scheme, "data"))
    return {u.unit: str(u.total) for u in result}


def params_file(tmp_path: Path, text: str, name: str = "params.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the API -------------------------------------------------------------------------------


def test_a_required_parameter_loads_and_is_awaited() -> None:
    scheme = rulebook.loads(YEARLY, "yearly.yaml")
    assert list(scheme.awaited) == ["target"]
    assert "target" not in scheme.parameters
    assert scheme.parameters["bonus"].value == 2


def test_scoring_without_a_required_parameter_names_it_and_how_to_give_it() -> None:
    scheme = rulebook.loads(YEARLY, "yearly.yaml")
    with pytest.raises(rulebook.ParameterError) as info:
        rulebook.evaluate(scheme, {"units": {"a": {"done": 4}}})
    text = str(info.value)
    assert "yearly.yaml:5:3: error: parameter `target` (this year's target) is required" in text
    assert "`target: <number>`" in text
    assert "--params FILE" in text
    assert "unknown name" not in text


def test_with_parameters_scores_with_the_given_value() -> None:
    scheme = rulebook.with_parameters(rulebook.loads(YEARLY, "yearly.yaml"), {"target": 5})
    assert totals(scheme) == {"a": "7.00", "b": "10.00"}


def test_a_value_given_at_run_time_replaces_the_written_one() -> None:
    """Bonus 2 -> 1: a (done 4 < 5) scores 5 + 1 = 6."""
    scheme = rulebook.loads(YEARLY, "yearly.yaml", params={"target": 5, "bonus": 1})
    assert totals(scheme) == {"a": "6.00", "b": "10.00"}


def test_earlier_run_time_values_stay_and_the_original_is_untouched() -> None:
    original = rulebook.loads(YEARLY, "yearly.yaml")
    first = rulebook.with_parameters(original, {"target": 5})
    second = rulebook.with_parameters(first, {"bonus": 1})
    assert totals(second) == {"a": "6.00", "b": "10.00"}
    assert totals(first) == {"a": "7.00", "b": "10.00"}
    assert list(original.awaited) == ["target"]  # a new scheme was built, this one unchanged


def test_by_unit_values_at_run_time() -> None:
    """Target 8 for all but a, whose target is 4: a (done 4) meets it -> 10; b (7 < 8) -> 7."""
    scheme = rulebook.loads(
        YEARLY, "yearly.yaml", params={"target": {"value": 8, "by_unit": {"a": 4}}}
    )
    assert totals(scheme) == {"a": "10.00", "b": "7.00"}


def test_a_float_is_taken_from_its_shortest_repr() -> None:
    scheme = rulebook.loads(YEARLY, "yearly.yaml", params={"target": 4.1})
    assert scheme.parameters["target"].value == Decimal("4.1")


def test_every_load_time_check_runs_again_bounds_follow_the_new_value() -> None:
    """Bounds of work: [5 + bonus, 10]; bonus 2 -> [7, 10], bonus 1 -> [6, 10]."""
    from rulebook.audit.bounds import analyze

    def work(scheme: rulebook.Scheme) -> tuple[Decimal | None, Decimal | None]:
        found = next(b for b in analyze(scheme) if b.name == "work").bounds
        return found.lo, found.hi  # type: ignore[union-attr]

    assert work(rulebook.loads(YEARLY, "y.yaml", params={"target": 5})) == (7, 10)
    assert work(rulebook.loads(YEARLY, "y.yaml", params={"target": 5, "bonus": 1})) == (6, 10)


def test_api_values_are_all_checked_at_once() -> None:
    scheme = rulebook.loads(YEARLY, "yearly.yaml")
    with pytest.raises(rulebook.ParameterError) as info:
        rulebook.with_parameters(scheme, {"targte": 5, "bonus": "two", "target": True})
    text = str(info.value)
    assert "unknown parameter `targte`" in text
    assert "did you mean `target`?" in text
    assert "parameter `bonus` must be a number, got str `two`" in text
    assert "parameter `target` must be a number, got bool" in text
    assert "3 error(s)" in text


def test_value_null_is_a_located_load_error_not_a_later_unknown_name() -> None:
    text = YEARLY.replace("target: {required: true, label: this year's target}", "target: null")
    with pytest.raises(rulebook.SchemeError) as info:
        rulebook.loads(text, "yearly.yaml")
    message = str(info.value)
    assert "yearly.yaml:5:11: error: parameter `target` has no value" in message
    assert "declare `target: {required: true}`" in message
    assert "unknown name" not in message


# --- params files ----------------------------------------------------------------------------


def test_load_reads_a_params_file(tmp_path: Path, files: dict[str, Path]) -> None:
    path = params_file(tmp_path, "# 2026 targets\ntarget: 5\nbonus: 1\n")
    scheme = rulebook.load(files["scheme"], params=path)
    assert totals(scheme) == {"a": "6.00", "b": "10.00"}


def test_a_json_params_file(tmp_path: Path, files: dict[str, Path]) -> None:
    path = params_file(tmp_path, '{"target": {"value": 8, "by_unit": {"a": 4}}}', "p.json")
    assert totals(rulebook.load(files["scheme"], params=path)) == {"a": "10.00", "b": "7.00"}


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ("targt: 5\n", "1:1", ["unknown parameter `targt`", "did you mean `target`?"]),
        ("target: five\n", "1:9", ["parameter `target` must be a number, got str `five`"]),
        ("target: 1e400\n", "1:9", ["parameter `target`: 1E+400 is too large"]),
        ("target: 4.123456789012345678901234567890123456789012345\n", "1:9", ["significant"]),
        ("target:\n", "1:8", ["parameter `target` has no value"]),
        ("target: {value: 5, by_unit: {a: x}}\n", "1:33", ["for unit `a` must be a number"]),
        ("target: {valu: 5}\n", "1:10", ["unknown key `valu`", "did you mean `value`?"]),
        ("- target\n", "1:1", ["a params file is a mapping"]),
        ("target: 5\ntarget: 6\n", "2:1", ["duplicate key `target`"]),
        ("target: [5\n", "2:1", ["YAML syntax"]),
    ],
)
def test_a_wrong_params_file_is_a_located_usage_error(
    tmp_path: Path, files: dict[str, Path], text: str, where: str, words: list[str]
) -> None:
    path = params_file(tmp_path, text)
    code, out, err = run("score", str(files["scheme"]), str(files["data"]), "--params", str(path))
    assert code == EXIT_USAGE
    assert out == ""
    assert f"{path}:{where}: error:" in err
    for word in words:
        assert word in err


def test_every_problem_of_a_params_file_is_reported(tmp_path: Path) -> None:
    path = params_file(tmp_path, "targt: 5\nbonus: lots\n")
    with pytest.raises(rulebook.ParameterError) as info:
        rulebook.loads(YEARLY, "yearly.yaml", params=path)
    assert [(p.location.line, p.location.column) for p in info.value.problems if p.location] == [
        (1, 1),
        (2, 8),
    ]


def test_a_params_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    path = params_file(tmp_path, "target: 5\n" + "#" * MAX_PARAMS_BYTES + "\n")
    with pytest.raises(rulebook.ParameterError) as info:
        rulebook.loads(YEARLY, "yearly.yaml", params=path)
    assert "over the limit MAX_PARAMS_BYTES = 256 KB" in str(info.value)


def test_a_params_path_that_is_a_folder_or_missing_is_refused(tmp_path: Path) -> None:
    for path, words in ((tmp_path, "not a regular file"), (tmp_path / "nope.yaml", "cannot read")):
        with pytest.raises(rulebook.ParameterError) as info:
            rulebook.loads(YEARLY, "yearly.yaml", params=path)
        assert words in str(info.value)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_params_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(rulebook.ParameterError) as info:
        rulebook.loads(YEARLY, "yearly.yaml", params=fifo)
    assert "not a regular file" in str(info.value)


# --- the CLI ------------------------------------------------------------------------------------


def test_cli_score_without_the_required_parameter_exits_1_and_writes_nothing(
    tmp_path: Path, files: dict[str, Path]
) -> None:
    target = tmp_path / "out.json"
    code, out, err = run("score", str(files["scheme"]), str(files["data"]), "-o", str(target))
    assert code == EXIT_USAGE
    assert out == ""
    assert not target.exists()
    assert f"{files['scheme']}:5:3: error: parameter `target`" in err
    assert "--params FILE" in err


@pytest.mark.parametrize("command", ["score", "explain", "bounds", "diff"])
def test_every_scoring_command_takes_params(
    tmp_path: Path, files: dict[str, Path], command: str
) -> None:
    path = params_file(tmp_path, "target: 5\n")
    scheme, data = str(files["scheme"]), str(files["data"])
    argv = {
        "score": ["score", scheme, data],
        "explain": ["explain", scheme, data, "--unit", "a", "--no-restore"],
        "bounds": ["bounds", scheme],
        "diff": ["diff", scheme, scheme, data],
    }[command]
    assert run(*argv)[0] == EXIT_USAGE  # target not given
    code, out, err = run(*argv, "--params", str(path))
    assert (code, err) == (EXIT_OK, "")
    expected = {
        "score": "7.00",
        "explain": "a: 7.00",
        "bounds": "[7, 10]",
        "diff": "unchanged: a, b",
    }[command]
    assert expected in out


def test_cli_check_reports_what_is_needed_at_run_time(files: dict[str, Path]) -> None:
    code, out, _ = run("check", str(files["scheme"]))
    assert code == EXIT_OK
    assert (
        f"{files['scheme']}:5:3: needs parameter `target` (this year's target) at run time"
    ) in out


def test_cli_check_with_params_checks_the_params_file(
    tmp_path: Path, files: dict[str, Path]
) -> None:
    path = params_file(tmp_path, "target: 5\nbonsu: 1\n")
    code, _, err = run("check", str(files["scheme"]), "--params", str(path))
    assert code == EXIT_USAGE
    assert f"{path}:2:1: error: unknown parameter `bonsu`" in err


def test_the_manifest_records_the_values_and_the_params_file_digest(
    tmp_path: Path, files: dict[str, Path]
) -> None:
    path = params_file(tmp_path, "target: 5   # 2026\nbonus: 1.50\n")
    code, out, _ = run(
        "score", str(files["scheme"]), str(files["data"]), "--params", str(path), "--format", "json"
    )
    assert code == EXIT_OK
    document = json.loads(out)
    assert document["manifest"]["parameters"] == {
        "digest": digest({"target": 5, "bonus": Decimal("1.5")}),
        "values": {"bonus": "1.50", "target": "5"},
    }
    schema = json.loads((ROOT / "docs" / "result.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, schema)
    assert (
        run(
            "score",
            str(files["scheme"]),
            str(files["data"]),
            "--params",
            str(path),
            "--format",
            "json",
        )[1]
        == out
    )  # the same run gives the same bytes


def test_no_params_no_manifest_entry() -> None:
    scheme = rulebook.loads(YEARLY.replace("{required: true, label: this year's target}", "5"))
    result = rulebook.evaluate(scheme, rulebook.parse_data(DATA, scheme, "data"))
    assert "parameters" not in result.manifest()


# --- tests files --------------------------------------------------------------------------------


def test_a_tests_file_gives_params_for_the_file_and_per_case(
    tmp_path: Path, files: dict[str, Path]
) -> None:
    """File: target 5 (a: 7, b with done 5: 10). Case two: target 4 and bonus 1, so a (done 4)
    meets it (10) and b (done 3) scores 5 + 1 = 6."""
    tests = tmp_path / "yearly.tests.yaml"
    tests.write_text(
        "scheme: yearly.yaml\n"
        "params: {target: 5}\n"
        "cases:\n"
        "  - name: target 5\n"
        "    units: {a: {done: 4}, b: {done: 5}}\n"
        "    expect: {a: {total: 7}, b: {total: 10}}\n"
        "  - name: target 4\n"
        "    params: {target: 4, bonus: 1}\n"
        "    units: {a: {done: 4}, b: {done: 3}}\n"
        "    expect: {a: {total: 10}, b: {total: 6}}\n",
        encoding="utf-8",
    )
    assert run("test", str(tests)) == (EXIT_OK, "2 passed, 0 failed\n", "")
    tests.write_text(tests.read_text().replace("{total: 6}", "{total: 7}"), encoding="utf-8")
    assert run("test", str(tests))[0] == EXIT_TESTS_FAILED


def test_a_tests_file_may_name_a_params_file_beside_it(
    tmp_path: Path, files: dict[str, Path]
) -> None:
    params_file(tmp_path, "target: 4\n", "2026.yaml")
    tests = tmp_path / "yearly.tests.yaml"
    tests.write_text(
        "scheme: yearly.yaml\nparams: 2026.yaml\ncases:\n"
        "  - {units: {a: {done: 4}}, expect: {a: {total: 10}}}\n",
        encoding="utf-8",
    )
    assert run("test", str(tests))[0] == EXIT_OK
    tests.write_text(tests.read_text().replace("2026.yaml", "../2026.yaml"), encoding="utf-8")
    code, _, err = run("test", str(tests))
    assert code == EXIT_SCHEME
    assert "params file `../2026.yaml` refused" in err


def test_a_tests_file_without_a_required_parameter_is_located(
    tmp_path: Path, files: dict[str, Path]
) -> None:
    tests = tmp_path / "yearly.tests.yaml"
    tests.write_text(
        "scheme: yearly.yaml\ncases:\n"
        "  - name: forgot\n"
        "    units: {a: {done: 4}}\n"
        "    expect: {a: {total: 10}}\n"
        "  - name: wrong\n"
        "    params: {targit: 4}\n"
        "    units: {a: {done: 4}}\n"
        "    expect: {a: {total: 10}}\n",
        encoding="utf-8",
    )
    code, _, err = run("test", str(tests))
    assert code == EXIT_SCHEME
    assert f"{tests}:3:5: error: case `forgot`: the scheme needs parameters" in err
    assert "`params: {target: <number>}`" in err
    assert f"{tests}:7:14: error: unknown parameter `targit`" in err  # the next case, same run


def test_the_audit_says_a_value_was_given_at_run_time() -> None:
    scheme = rulebook.loads(YEARLY, "yearly.yaml", params={"target": 5})
    result = rulebook.evaluate(scheme, rulebook.parse_data(DATA, scheme, "data"))
    inputs = {i.name: (i.kind, i.label, i.value) for i in result.explain("a", "work").inputs}
    assert inputs["target"] == (
        "parameter",
        "this year's target, given at run time (--params)",
        Decimal(5),
    )
    assert inputs["bonus"] == ("parameter", "", Decimal(2))


@settings(max_examples=40, deadline=None)
@given(
    target=st.decimals(-50, 50, places=2, allow_nan=False),
    bonus=st.decimals(-5, 5, places=3, allow_nan=False),
    done=st.lists(st.integers(0, 60), min_size=1, max_size=5),
)
def test_engines_agree_on_values_given_at_run_time(
    target: Decimal, bonus: Decimal, done: list[int]
) -> None:
    """Compiled (values become constants of the generated code) and reference engines give
    the same result, and it is the rule worked out directly."""
    scheme = rulebook.loads(YEARLY, "yearly.yaml", params={"target": target, "bonus": bonus})
    data = {"units": {f"u{i}": {"done": d} for i, d in enumerate(done)}}
    compiled = rulebook.evaluate(scheme, data)
    reference = rulebook.evaluate(scheme, data, engine="reference")
    # (scores compared, not to_dict(): on a raw like 5.000 the compiled audit of `total` shows
    # `5.000` and the reference `5.00`, with or without run-time values — reported apart)
    assert [(u.total, u.scores) for u in compiled] == [(u.total, u.scores) for u in reference]
    for i, d in enumerate(done):
        raw = Decimal(10) if d >= target else 5 + bonus
        assert compiled.unit(f"u{i}").scores["work"] == raw.quantize(
            Decimal("0.01"), "ROUND_HALF_UP"
        )


def test_a_required_parameter_reference_is_checked_like_any_other() -> None:
    """A `required: true` parameter was set aside before its `reference` was read, so
    `reference: true` passed `rulebook check` while the JSON Schema refused it."""
    text = """
scheme: {id: t, title: t}
parameters:
  cap: {required: true, reference: true}
indicators: {x: {type: count}}
tree:
  - {id: a, expr: "min(x, cap)"}
"""
    with pytest.raises(rulebook.SchemeError) as info:
        rulebook.loads(text, "t.yaml")
    assert str(info.value).startswith("t.yaml:4:36: error: reference must be text")
