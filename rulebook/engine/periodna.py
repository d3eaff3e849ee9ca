"""Not applicable on per-period nodes: which period-score values obey a node's `applies:` and
which are combined by a group's `not_applicable:` rule, for every engine and the audit alike.

A per-period node's period scores are the value `<id>.periods` (`rulebook.scheme.periodnodes`).
They are n/a wherever the node is: when an `applies:` of the node (or an ancestor) fails, and,
for an item, when its formula reads an n/a value at any period (the propagation rule). A
per-period group's period score at each point is its children's period scores combined by the
group's rule (`semantics.applicable_sum` with `semantics.period_weights`), exactly as its score
combines their scores.
"""

from __future__ import annotations

from decimal import Decimal

from rulebook.engine import semantics
from rulebook.scheme.model import Node, Scheme


def node_of(scheme: Scheme, name: str) -> Node | None:
    """The per-period node whose period scores value `name` holds, else None."""
    value = scheme.values.get(name)
    if value is None or value.period_of is None:
        return None
    return scheme.nodes[value.period_of]


def conditions(scheme: Scheme, name: str) -> tuple[str, ...]:
    """The `applies:` conditions value `name` obeys: its node's, for period scores; else none."""
    node = node_of(scheme, name)
    return node.applies if node is not None else ()


def combining_group(scheme: Scheme, name: str) -> Node | None:
    """The per-period group whose period scores `name` are, when a child's may be n/a (so they
    are combined by the group's rule, not read as a plain sum of the children's); else None."""
    node = node_of(scheme, name)
    if node is None or not node.children or node.not_applicable is None:
        return None
    na = scheme.not_applicable_names
    if not any(f"{c}.periods" in na for c in node.children):
        return None
    return node


def weights(scheme: Scheme, group: Node) -> tuple[Decimal | None, ...]:
    """`semantics.period_weights` of `group`'s children."""
    children = [scheme.nodes[c] for c in group.children]
    return semantics.period_weights(
        [c.standard for c in children], [c.period_standard for c in children], group.not_applicable
    )
