"""The audit's sentences about not-applicable items: why a node (or value) does not apply to a
unit, and what its parent's `not_applicable:` rule did with the children that do not.

Derived after scoring from the unit's slots, reading the same rules the engines ran
(`rulebook.engine.semantics.applies`, `reads_na`, `applicable_sum`, `rescale_factor`), so the
sentence cannot disagree with the score.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from rulebook.arith import canonical
from rulebook.engine import periodna, semantics
from rulebook.scheme.model import Scheme

RULE_NAMES = {
    "rescale": "rescale (缺项按比例折算)",
    "full": "full (不适用项按满分计)",
    "zero": "zero",
}


def why_not_applicable(scheme: Scheme, name: str, vector: Sequence[Any]) -> str:
    """Why `name` is n/a for the unit whose slots are `vector`: the `applies:` condition that
    does not hold, the data marker on an indicator it reads, or the n/a name it reads."""
    plan = scheme.program.plan
    node = scheme.nodes.get(name)
    period_node = periodna.node_of(scheme, name)  # period scores obey their node's `applies:`
    subject = node or period_node
    if subject is not None:
        for condition in subject.applies:
            held = vector[plan.slots[condition]]
            if held is not True:
                owner = condition.rsplit(".", 1)[0]
                text = " ".join(scheme.values[condition].formula.text.split())
                whose = "" if owner == subject.id else f" of `{owner}`"
                if held is semantics.NA:
                    return f"`applies: {text}`{whose} reads a value that is n/a"
                return f"`applies: {text}`{whose} does not hold"
        if (node is not None and node.formula is None) or periodna.combining_group(
            scheme, name
        ) is not None:
            return "no child applies"
    if name == "total":
        return "no top-level node applies"
    formula = scheme.values[name].formula if node is None else node.formula
    assert formula is not None
    for read, _ in formula.names():
        if read not in plan.slots:
            continue
        size = scheme.axis_size(scheme.axis_of(read))
        start = plan.slots[read]
        if semantics.reads_na(vector[start : start + size]):
            if read in scheme.indicators:
                return f"the data marks `{read}` not applicable (n/a)"
            return f"it reads `{read}`, which is n/a"
    return "n/a"


def how_combined(scheme: Scheme, name: str, vector: Sequence[Any]) -> str | None:
    """For a group (or the total) some of whose children are n/a while it is not: what its
    rule did — the rescaling with its factor, or what each n/a child counted. None otherwise."""
    plan = scheme.program.plan
    if name == "total":
        terms = [r for r, _ in semantics.total_terms(scheme)]
        children = [r for r in terms if scheme.nodes[r].role == "category"]
        others = [r for r in terms if scheme.nodes[r].role != "category"]
        rule = scheme.total_not_applicable
    else:
        node = scheme.nodes.get(name)
        if node is None or node.formula is not None:
            return None
        children, others, rule = list(node.children), [], node.not_applicable
    values = [vector[plan.slots[c]] for c in children]
    if vector[plan.slots[name]] is semantics.NA:
        return None
    skipped = [r for r in others if vector[plan.slots[r]] is semantics.NA]
    tail = "; n/a and so not counted: " + ", ".join(f"`{r}`" for r in skipped) if skipped else ""
    if not semantics.reads_na(values):
        return tail.lstrip("; ") or None
    missing = [c for c, v in zip(children, values, strict=True) if v is semantics.NA]
    standards = [scheme.nodes[c].standard for c in children]
    listed = ", ".join(f"`{c}`" for c in missing)
    if rule == "rescale":
        whole, share = semantics.rescale_factor(values, standards)
        kept = semantics.combine_children((v for v in values if v is not semantics.NA), Decimal(0))
        scaled = semantics.applicable_sum(values, standards, rule)
        assert isinstance(scaled, Decimal)  # some child applies
        return (
            f"{RULE_NAMES['rescale']}: {listed} n/a; applicable children "
            f"{canonical(kept)} × {canonical(whole)} / {canonical(share)} = "
            f"{canonical(scaled)}" + tail
        )
    if rule == "full":
        counted = ", ".join(
            f"`{c}` {canonical(s)}"
            for c, v, s in zip(children, values, standards, strict=True)
            if v is semantics.NA and s is not None
        )
        return f"{RULE_NAMES['full']}: n/a children count their standard: {counted}" + tail
    return f"{RULE_NAMES['zero']}: n/a children count 0: {listed}" + tail
