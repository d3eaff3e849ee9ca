"""Every recipe in docs/cookbook.md runs: its scheme loads, its data scores, and each expected
line (`unit node value`) holds — a node id, an outcome name, or `vetoed` (the fired veto ids).
A recipe may also have a ```yaml params``` block: the run-time parameters it is scored with."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import rulebook

COOKBOOK = Path(__file__).resolve().parent.parent / "docs" / "cookbook.md"
BLOCK = re.compile(
    r"^```(yaml scheme|yaml data|yaml params|text expected)\n(.*?)^```", re.MULTILINE | re.DOTALL
)


def recipes() -> list[tuple[str, str, str, str]]:
    """(title, scheme, data, expected) for each `## ` section of the cookbook."""
    out = []
    for section in COOKBOOK.read_text(encoding="utf-8").split("\n## ")[1:]:
        title = section.splitlines()[0]
        blocks = dict(BLOCK.findall(section))
        out.append((title, blocks["yaml scheme"], blocks["yaml data"], blocks["text expected"]))
    return out


RECIPES = recipes()


def _params() -> dict[str, str]:
    """The ```yaml params``` block of each recipe that has one, by title."""
    out = {}
    for section in COOKBOOK.read_text(encoding="utf-8").split("\n## ")[1:]:
        blocks = dict(BLOCK.findall(section))
        if "yaml params" in blocks:
            out[section.splitlines()[0]] = blocks["yaml params"]
    return out


PARAMS = _params()


def load_recipe(title: str, scheme_text: str) -> rulebook.Scheme:
    """A recipe's scheme, with its run-time parameters when it gives some."""
    from rulebook.api import with_params_file
    from rulebook.scheme.params import parse_params_text

    scheme = rulebook.loads(scheme_text, f"cookbook: {title}")
    if title in PARAMS:
        scheme = with_params_file(scheme, parse_params_text(PARAMS[title], "params"))
    return scheme


def test_the_cookbook_covers_the_clauses_of_the_seeds() -> None:
    titles = " ".join(r[0] for r in RECIPES)
    for clause in (
        "每缺席一次扣3分",
        "扣完10分为止",
        "达到70%计满分",
        "按完成比例计分",
        "4:3:3",
        "前两名",
        "一票否决",
        "截取30%",
    ):
        assert clause in titles


@pytest.mark.parametrize(
    ("title", "scheme_text", "data_text", "expected"),
    RECIPES,
    ids=[r[0].split(" — ")[0] for r in RECIPES],
)
def test_recipe(title: str, scheme_text: str, data_text: str, expected: str) -> None:
    scheme = load_recipe(title, scheme_text)
    result = rulebook.evaluate(scheme, rulebook.parse_data(data_text, scheme, "data"))
    for line in expected.strip().splitlines():
        unit_name, name, want = line.split()
        unit = result.unit(unit_name)
        if name.endswith("]"):  # `node[M01]`: a per-period node's period score (or a value's)
            base, point = name[:-1].split("[")
            got = str(unit.value(f"{base}.periods" if base in scheme.nodes else base, point))
        elif name == "vetoed":
            got = ",".join(unit.vetoes)
        elif name in scheme.outcomes:
            got = unit.outcomes[name]
        elif name in scheme.output_ids:
            got = str(unit.outputs[name])
        elif name in scheme.values or name in scheme.aggregates:  # group values, aggregates
            got = str(unit.value(name))
        else:
            got = str(unit.scores[name])
        assert got == want, f"{line}: got {got}"
