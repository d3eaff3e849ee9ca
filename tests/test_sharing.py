"""Scoring shares equal computed values between units (`evaluate(..., share=True)`): fewer
objects, and nothing anyone can observe changes -- every value keeps its exact form."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

import rulebook

from helpers import scheme

FORMS = """
scheme: {id: forms, title: forms}
indicators:
  a: {type: decimal}
values:
  same: {expr: "a * 1"}
  negated: {expr: "a * -1"}
tree:
  - id: kept
    expr: "a * 1"
"""


def _forms(result: rulebook.Result) -> list[list[tuple[str, str]]]:
    """Every slot of every unit as (class name, text): the observable form of each value."""
    return [[(type(v).__name__, str(v)) for v in u.vector] for u in result.units]


def test_equal_values_written_alike_share_one_object() -> None:
    # a * 1 keeps a's exponent: 5.0 -> 5.0 and 5.00 -> 5.00 (equal numbers, different forms);
    # a * -1 of 0 is -0, of 0.00 is -0.00. Units 1 and 3 write 5.0 alike, units 4 and 5 write 0
    # alike; only those pairs may share an object.
    s = scheme(FORMS)
    data = {
        "units": {f"u{i}": {"a": D(t)} for i, t in enumerate(["5.0", "5.00", "5.0", "0", "0"], 1)}
    }
    plain = rulebook.evaluate(s, data, share=False)
    shared = rulebook.evaluate(s, data, share=True)
    assert _forms(shared) == _forms(plain)
    assert [str(u.value("negated")) for u in shared] == ["-5.0", "-5.00", "-5.0", "-0", "-0"]
    u1, u2, u3, u4, u5 = shared.units
    assert u1.value("same") is u3.value("same")
    assert u1.value("same") is not u2.value("same")
    assert u4.value("negated") is u5.value("negated")
    assert plain.units[0].value("same") is not plain.units[2].value("same")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["0", "0.0", "0.00", "-0", "-0.0", "1", "1.0", "1.00", "2.5", "2.50", "-3"]
        ),
        min_size=1,
        max_size=30,
    )
)
def test_sharing_changes_no_value_or_form(texts: list[str]) -> None:
    s = scheme(FORMS)
    data = {"units": {f"u{i}": {"a": D(t)} for i, t in enumerate(texts)}}
    plain = rulebook.evaluate(s, data, share=False)
    shared = rulebook.evaluate(s, data, share=True)
    assert _forms(shared) == _forms(plain)
    # equal forms in a computed slot are one object after sharing
    slot = s.program.plan.slots["same"]
    objects = {id(u.vector[slot]) for u in shared.units}
    assert len(objects) == len({str(u.vector[slot]) for u in shared.units})


def test_a_table_reads_each_number_text_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # three cells say 85.5 and one 85.50: the three are one Decimal object, the fourth keeps
    # its own form (85.50), and every value is still the number its cell says.
    path = tmp_path / "d.csv"
    path.write_text("unit,a\nu1,85.5\nu2,85.5\nu3,85.50\nu4,85.5\n", encoding="utf-8")
    data = rulebook.read_data(path, scheme(FORMS))
    values = [u.values["a"] for u in data.units]
    assert [str(v) for v in values] == ["85.5", "85.5", "85.50", "85.5"]
    assert values[0] is values[1] is values[3]
    assert values[2] is not values[0]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(["0", "0.0", "-0", "1", "1.0", "1.00", "2.5", "2.50", "2.504", "-3"]),
        min_size=1,
        max_size=30,
    )
)
def test_score_tables_share_scores_and_keep_raw_forms(texts: list[str]) -> None:
    # The compiled engine looks each rounded node's raw value up in its score table
    # (`rulebook.engine.codegen.ScoreTable`), even without share=True. 1.0 and 1.00 are the same
    # number: one score (1.00 at the default two places) but each raw value keeps its own form;
    # the reference engine, which rounds every unit afresh, must give the same forms.
    s = scheme(FORMS)
    data = {"units": {f"u{i}": {"a": D(t)} for i, t in enumerate(texts)}}
    compiled = rulebook.evaluate(s, data, share=False)
    reference = rulebook.evaluate(s, data, share=False, engine="reference")
    assert _forms(compiled) == _forms(reference)
    raws = [u.value("kept", raw=True) for u in compiled.units]
    scores = [u.value("kept") for u in compiled.units]
    # units with equal raw numbers (1.0 and 1.00) get one score object; the table keeps the
    # first form of each number, so later raw values written that way are that object and
    # others (0.0 after 0) stay their own
    first: dict[D, tuple[D, D]] = {}
    for r, x in zip(raws, scores, strict=True):
        kept, score = first.setdefault(r, (r, x))
        assert x is score
        assert (r is kept) == (str(r) == str(kept) and r.is_signed() == kept.is_signed())
