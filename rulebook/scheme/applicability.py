"""Which names may be not applicable to a unit, and the load-time checks that follow from it.

A name may be not applicable (n/a, 不适用) when it is an indicator declared `na: allowed`, a
formula that reads such a name (the propagation rule of `rulebook.engine.semantics.reads_na`),
a node with an `applies:` condition (its own or an ancestor's), or a group all of whose children
may be n/a (except under `full`, which counts their standards). The scheme is refused at load
when a group — or the total — could meet an n/a child without a `not_applicable:` rule saying
what to do with it, and when a veto, outcome, constraint or ranking reads a name that may be
n/a (a yes/no test or a rank has no not-applicable answer).
"""

from __future__ import annotations

from collections.abc import Mapping

from rulebook.errors import Location, Problem
from rulebook.scheme.model import Indicator, Node, Value


def reasons(
    indicators: Mapping[str, Indicator],
    values: Mapping[str, Value],
    nodes: Mapping[str, Node],
) -> dict[str, str]:
    """Every name that may be n/a, with a short reason (for messages and the audit). Computed
    to a fixed point, so it needs no dependency order; empty at once for a scheme that uses no
    n/a feature."""
    found: dict[str, str] = {
        n: f"data may mark `{n}` n/a (na: allowed)" for n, i in indicators.items() if i.na_allowed
    }
    if not found and not any(n.applies for n in nodes.values()):
        return {}
    parents = {c: n.id for n in nodes.values() for c in n.children}
    reads = {name: [r for r, _ in v.formula.names()] for name, v in values.items()}
    reads.update(
        {n.id: [r for r, _ in n.formula.names()] for n in nodes.values() if n.formula is not None}
    )
    changed = True
    while changed:
        changed = False
        for name, names in reads.items():
            if name in found:
                continue
            hit = next((r for r in names if r in found), None)
            if hit is not None:
                found[name] = f"reads `{hit}`, which may be n/a"
                changed = True
        for node in nodes.values():
            if node.id in found:
                continue
            why = own_reason(node, parents, found, nodes)
            if why is None and node.applies:
                why = f"`applies:` of `{node.applies[-1].rsplit('.', 1)[0]}`"
            if why is not None:
                found[node.id] = why
                changed = True
    return found


def own_reason(
    node: Node, parents: Mapping[str, str], found: Mapping[str, str], nodes: Mapping[str, Node]
) -> str | None:
    """Why `node` may be n/a on its own account (not because an ancestor does not apply)."""
    parent = nodes.get(parents.get(node.id, ""))
    inherited = parent.applies if parent is not None else ()
    if len(node.applies) > len(inherited):
        return f"its `applies:` condition `{node.id}.applies`"
    if node.formula is not None:
        hit = next((r for r, _ in node.formula.names() if r in found), None)
        return None if hit is None else f"reads `{hit}`, which may be n/a"
    if (
        node.not_applicable != "full"
        and node.children
        and all(own_reason(nodes[c], parents, found, nodes) for c in node.children)
    ):
        return "every child may be n/a"
    return None


def problems(
    indicators: Mapping[str, Indicator],
    values: Mapping[str, Value],
    nodes: Mapping[str, Node],
    roots: tuple[str, ...],
    total_rule: str | None,
    rankings: Mapping[str, tuple[str, str | None, Location | None]],
    scheme_location: Location,
    written: Mapping[str, Location | None] | None = None,
) -> list[Problem]:
    """The load errors: a group (or the total) without a rule over a child that may be n/a; a
    veto, outcome, constraint or ranking that reads a name that may be n/a."""
    found = reasons(indicators, values, nodes)
    if not found:
        return []
    parents = {c: n.id for n in nodes.values() for c in n.children}
    out: list[Problem] = []
    hint_rule = (
        "add `not_applicable: rescale` (缺项按比例折算), `full` (不适用项按满分计) or `zero`"
    )
    for node in nodes.values():
        if node.formula is not None or node.not_applicable is not None:
            continue
        for child in node.children:
            why = own_reason(nodes[child], parents, found, nodes)
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
            why = own_reason(nodes[root], parents, found, nodes)
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
    for name, value in values.items():
        if value.kind == "value" or name in applies or name == "vetoed":
            continue  # (`vetoed` reads the vetoes, each reported itself)
        hit = next((r for r, _ in value.formula.names() if r in found), None)
        if hit is not None:
            what = {"veto": "a veto", "outcome": "an outcome", "constraint": "a constraint"}
            out.append(
                Problem(
                    f"{what.get(value.kind, 'a yes/no condition')} `{name}` reads `{hit}`, "
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
) -> dict[str, str]:
    """`reasons`, with `total` when the total itself may be n/a: its category part may be
    (`semantics.total_with_na`: every category root may be, and the rule is not `full`) and
    so may every bonus and deduction root."""
    found = reasons(indicators, values, nodes)
    terms = [nodes[r] for r in roots if r in nodes and nodes[r].role != "output"]
    if (
        any(n.role == "category" for n in terms)
        and total_rule != "full"
        and all(n.id in found for n in terms)
    ):
        found["total"] = "every top-level node may be n/a"
    return found
