"""Which names may be not applicable to a unit, and the load-time checks that follow from it.

A name may be not applicable (n/a, 不适用) when it is an indicator declared `na: allowed`, a
formula that reads such a name (the propagation rule of `rulebook.engine.semantics.reads_na`),
a node with an `applies:` condition (its own or an ancestor's), a group all of whose children
may be n/a (except under `full`, which counts their standards), the total when every top-level
node may be, or a cross-unit `mean`, `min` or `max` of a name that may be n/a (no unit of a
group may apply: `rulebook.engine.aggregates`; a `sum` is then 0 and a `count` counts
nothing). The scheme is refused at load when a group — or the total — could meet an n/a child
without a `not_applicable:` rule saying what to do with it, and when a veto, outcome,
constraint or ranking reads a name that may be n/a (a yes/no test or a rank has no
not-applicable answer).
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from rulebook.errors import Location, Problem
from rulebook.scheme.model import Aggregate, Indicator, Node, Value, spoken


@attrs.frozen
class Whole:
    """What beyond the tree decides n/a: the top-level nodes and the total's rule (the total
    reads them) and the cross-unit aggregates (each reads its `of`)."""

    roots: tuple[str, ...] = ()
    total_rule: str | None = None
    aggregates: Mapping[str, Aggregate] = attrs.field(factory=dict)


def reasons(
    indicators: Mapping[str, Indicator],
    values: Mapping[str, Value],
    nodes: Mapping[str, Node],
    whole: Whole | None = None,
) -> dict[str, str]:
    """Every name that may be n/a, with a short reason (for messages and the audit); empty at
    once for a scheme that uses no n/a feature."""
    return analyse(indicators, values, nodes, whole)[0]


def _total_may_be_na(nodes: Mapping[str, Node], whole: Whole, found: Mapping[str, str]) -> bool:
    """The total may be n/a when its category part may be (`semantics.total_with_na`: every
    category root may be, and the rule is not `full`) and so may every bonus and deduction."""
    terms = [nodes[r] for r in whole.roots if r in nodes and nodes[r].role != "output"]
    return (
        any(n.role == "category" for n in terms)
        and whole.total_rule != "full"
        and all(n.id in found for n in terms)
    )


def analyse(
    indicators: Mapping[str, Indicator],
    values: Mapping[str, Value],
    nodes: Mapping[str, Node],
    whole: Whole | None = None,
) -> tuple[dict[str, str], dict[str, str]]:
    """(`found`, `own`): every name that may be n/a with the reason, and the nodes that may be
    n/a on their own account — not only because an ancestor's `applies:` may fail, which is
    the case a parent's rule need not cover. A worklist from the sources (the indicators that
    allow n/a, the nodes with `applies:`) along who reads whom and child → parent: linear in
    the scheme's size."""
    found: dict[str, str] = {
        n: f"data may mark `{n}` n/a (na: allowed)" for n, i in indicators.items() if i.na_allowed
    }
    own: dict[str, str] = {}
    if not found and not any(n.applies for n in nodes.values()):
        return {}, {}
    parents = {c: n.id for n in nodes.values() for c in n.children}
    readers: dict[str, list[str]] = {}
    for name, value in values.items():
        for read, _ in value.formula.names():
            readers.setdefault(read, []).append(name)
    for node in nodes.values():
        if node.formula is not None:
            for read, _ in node.formula.names():
                readers.setdefault(read, []).append(node.id)
    whole = whole or Whole()
    for agg in whole.aggregates.values():
        if agg.function in ("mean", "min", "max"):
            readers.setdefault(agg.of, []).append(agg.name)
    queue = list(found)
    combined = {  # a per-period group's period scores: n/a with the group, not with a child
        f"{n.id}.periods"
        for n in nodes.values()
        if n.children and n.not_applicable is not None and f"{n.id}.periods" in values
    }

    def mark(name: str, why: str, *, by_itself: bool) -> None:
        if by_itself and name in nodes and name not in own:
            own[name] = why
            group = nodes.get(parents.get(name, ""))
            if (
                group is not None
                and group.id not in own
                and group.not_applicable != "full"
                and all(c in own for c in group.children)
            ):
                mark(group.id, "every child may be n/a", by_itself=True)
        if name not in found:
            found[name] = why
            queue.append(name)
            if f"{name}.periods" in combined:
                mark(f"{name}.periods", why, by_itself=False)

    for node in nodes.values():
        parent = nodes.get(parents.get(node.id, ""))
        if len(node.applies) > len(parent.applies if parent is not None else ()):
            mark(node.id, "its `applies:` condition", by_itself=True)
    for node in nodes.values():
        if node.applies and node.id not in found:
            mark(node.id, f"`applies:` of `{node.applies[-1].rsplit('.', 1)[0]}`", by_itself=False)
        if node.applies and f"{node.id}.periods" in values:  # its period scores: n/a with it
            mark(f"{node.id}.periods", found[node.id], by_itself=False)

    def drain() -> None:
        while queue:
            name = queue.pop()
            for reader in readers.get(name, ()):
                if reader not in own and reader not in combined:
                    agg = whole.aggregates.get(reader)
                    why = (
                        f"its {agg.function} over units where `{name}` applies: there may be none"
                        if agg is not None
                        else f"reads `{name}`, which may be n/a"
                    )
                    mark(reader, why, by_itself=True)

    drain()
    if "total" not in found and _total_may_be_na(nodes, whole, found):
        mark("total", "every top-level node may be n/a", by_itself=False)
        drain()
    return found, own


def problems(
    indicators: Mapping[str, Indicator],
    values: Mapping[str, Value],
    nodes: Mapping[str, Node],
    roots: tuple[str, ...],
    total_rule: str | None,
    rankings: Mapping[str, tuple[str, str | None, Location | None]],
    scheme_location: Location,
    written: Mapping[str, Location | None] | None = None,
    aggregates: Mapping[str, Aggregate] | None = None,
) -> list[Problem]:
    """The load errors: a group (or the total) without a rule over a child that may be n/a; a
    veto, outcome, constraint or ranking that reads a name that may be n/a. A `count`
    aggregate's condition may read one: an n/a condition does not hold, so is not counted."""
    found, own = analyse(indicators, values, nodes, Whole(roots, total_rule, aggregates or {}))
    if not found:
        return []
    out: list[Problem] = []
    hint_rule = (
        "add `not_applicable: rescale` (缺项按比例折算), `full` (不适用项按满分计) or `zero`"
    )
    for node in nodes.values():
        if node.formula is not None or node.not_applicable is not None:
            continue
        for child in node.children:
            why = own.get(child)
            if why is not None:
                out.append(
                    Problem(
                        f"group `{node.id}`: child `{child}` may be not applicable ({why}), "
                        "but the group does not say what to do then",
                        node.location,
                        f"{hint_rule} to `{node.id}`",
                    )
                )
                break
    if total_rule is None:
        for root in roots:
            if nodes[root].role == "output":
                continue
            why = own.get(root)
            if why is not None:
                out.append(
                    Problem(
                        f"the total: top-level node `{root}` may be not applicable ({why}), "
                        "but `total:` does not say what to do then",
                        nodes[root].location or scheme_location,
                        f"{hint_rule} under `total:` (total: {{not_applicable: rescale}})",
                    )
                )
                break
    applies = {a for n in nodes.values() for a in n.applies}
    applies |= {a.of for a in (aggregates or {}).values() if a.function == "count"}
    for name, value in values.items():
        if value.kind in ("value", "group") or name in applies or name == "vetoed":
            continue  # (`vetoed` reads the vetoes, each reported itself)
        hit = next((r for r, _ in value.formula.names() if r in found), None)
        if hit is not None:
            what = {"veto": "a veto", "outcome": "an outcome", "constraint": "a constraint"}
            counts = {n.removesuffix(".count") for n in values if n.endswith(".count")}
            said = spoken(name, nodes, counts)
            if not said.startswith("the "):
                said = f"{what.get(value.kind, 'a yes/no condition')} {said}"
            out.append(
                Problem(
                    f"{said} reads `{hit}`, "
                    f"which may be not applicable ({found[hit]}); a yes/no test has no n/a "
                    "answer",
                    (written or {}).get(name) or value.location,
                    "read a value that always applies, or give the node an `applies:` "
                    "condition that excludes the case",
                )
            )
    for name, (basis, demote, where) in rankings.items():
        for read in (basis, demote):
            if read is not None and read in found:
                out.append(
                    Problem(
                        f"ranking `{name}` reads `{read}`, which may be not applicable "
                        f"({found[read]}); a unit without a value cannot be ranked",
                        where,
                        "rank by a value that always applies",
                    )
                )
    return out


def na_names(
    indicators: Mapping[str, Indicator],
    values: Mapping[str, Value],
    nodes: Mapping[str, Node],
    roots: tuple[str, ...],
    total_rule: str | None,
    aggregates: Mapping[str, Aggregate] | None = None,
) -> dict[str, str]:
    """`reasons` with everything beyond the tree: the total (`_total_may_be_na`), what reads
    it, and the aggregates."""
    return reasons(indicators, values, nodes, Whole(roots, total_rule, aggregates or {}))
