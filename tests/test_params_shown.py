"""Run-time parameters are visible in the human outputs: the terminal table's header, the
`explain` header and the HTML report's manifest line name the params file and each value,
escaped for the medium (a params file, and its name, may come from someone else).

Scheme: `work = 10 if done >= target else 5 + bonus`; params file `target: 5`, `bonus: 1`:
unit a (done 4) scores 5 + 1 = 6, unit b (done 7) scores 10.
"""

from __future__ import annotations

import io
from pathlib import Path

from rulebook.cli import EXIT_OK, main

YEARLY = """\
scheme: {id: yearly, title: Yearly targets, language: en}
indicators:
  done: {type: count}
parameters:
  target: {required: true, label: this year's target}
  bonus: 2
tree:
  - {id: work, label: Work, standard: 10, expr: "10 if done >= target else 5 + bonus"}
"""

DATA = "units:\n  a: {done: 4}\n  b: {done: 7}\n"


def setup(tmp_path: Path, params_name: str) -> tuple[str, str, str]:
    (tmp_path / "yearly.yaml").write_text(YEARLY, encoding="utf-8")
    (tmp_path / "data.yaml").write_text(DATA, encoding="utf-8")
    params = tmp_path / params_name
    params.write_text("target: 5\nbonus: 1\n", encoding="utf-8")
    return str(tmp_path / "yearly.yaml"), str(tmp_path / "data.yaml"), str(params)


def run(*argv: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    assert main(list(argv), out, err) == EXIT_OK, err.getvalue()
    return out.getvalue()


def test_the_table_and_explain_headers_show_the_values_given(tmp_path: Path) -> None:
    scheme, data, params = setup(tmp_path, "2026.yaml")
    line = f"parameters given at run time ({params}): bonus = 1, target = 5"
    table = run("score", scheme, data, "--params", params).splitlines()
    assert table[2] == line
    assert "work   Work         10  6.00  10.00" in table  # a: 5 + 1, b: 10
    sheet = run("explain", scheme, data, "--params", params, "--unit", "a").splitlines()
    assert sheet[:2] == ["Yearly targets — a: 6.00", line]
    node = run("explain", scheme, data, "--params", params, "--unit", "a", "--node", "work")
    assert node.splitlines()[1] == line


def test_without_run_time_values_no_line_is_shown(tmp_path: Path) -> None:
    scheme, data, _ = setup(tmp_path, "p.yaml")
    (tmp_path / "yearly.yaml").write_text(YEARLY.replace("{required: true, ", "{value: 5, "))
    table = run("score", scheme, data)
    assert "parameters given" not in table


def test_the_html_manifest_line_shows_them_escaped(tmp_path: Path) -> None:
    scheme, data, params = setup(tmp_path, "<b>&.yaml")
    report = tmp_path / "r.html"
    run("score", scheme, data, "--params", params, "-o", str(report))
    html = report.read_text(encoding="utf-8")
    manifest = html[html.index('<p class="manifest">') :]
    manifest = manifest[: manifest.index("</p>")]
    shown = str(tmp_path).replace("&", "&amp;")
    assert manifest.endswith(
        f" · parameters given at run time ({shown}/&lt;b&gt;&amp;.yaml): bonus = 1, target = 5"
    )
    assert "<b>&" not in html


def test_a_control_character_in_the_file_name_is_escaped_on_the_terminal(tmp_path: Path) -> None:
    scheme, data, params = setup(tmp_path, "p\x1b[31m.yaml")
    table = run("score", scheme, data, "--params", params)
    assert "\x1b" not in table
    assert "p\\x1b[31m.yaml): bonus = 1, target = 5" in table
