"""What every rendering shows, read once from a Result and its audit: the words of the headers in
the scheme's language, whether a rank is shown, how an output value is written, the total's
signed terms, and each unit's summary (total, rank, outputs, outcomes, vetoes with reasons).

Renderers (table, worksheet, CSV, JSON lines, HTML, xlsx) format these and nothing else: no
clamping, no summing, no rule re-derived. The total's signs come from `engine.semantics`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal

import attrs

from rulebook.arith import canonical
from rulebook.audit.result import Result
from rulebook.audit.trail import NodeAudit
from rulebook.engine import semantics
from rulebook.scheme.model import Scheme

WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "node": "项目",
        "label": "名称",
        "standard": "标准分",
        "rank": "名次",
        "ranking": "排名",
        "total": "总分",
        "unit": "单位",
        "vetoed": "一票否决",
        "outputs": "产出",
        "outcomes": "结论",
        "points_lost": "失分",
        "breakdown": "明细",
        "chart": "得分构成",
        "find": "找单位",
        "manifest": "运行信息",
        "none": "—",
        "deduction": "扣减",
        "summary": "汇总",
        "ranking_line": "排名 ranking",
        "na": "不适用",
    },
    "en": {
        "node": "node",
        "label": "label",
        "standard": "standard",
        "rank": "rank",
        "ranking": "ranking",
        "total": "total",
        "unit": "unit",
        "vetoed": "vetoed",
        "outputs": "outputs",
        "outcomes": "outcomes",
        "points_lost": "points lost",
        "breakdown": "breakdown",
        "chart": "category scores",
        "find": "find a unit",
        "manifest": "run",
        "none": "—",
        "deduction": "deducted",
        "summary": "summary",
        "ranking_line": "ranking",
        "na": "n/a",
    },
}
"""Header words per `scheme.language`."""

MONEY_UNITS = frozenset(
    {
        "元",
        "万元",
        "千元",
        "亿元",
        "角",
        "分钱",
        "yuan",
        "CNY",
        "RMB",
        "¥",
        "$",
        "USD",
        "€",
        "EUR",
        "£",
        "GBP",
    }
)
"""Units written as money: fixed to the scheme's places (1500.00 元). Any other declared unit
(次, 人, 例, 件, …) is a measured quantity, shown exactly as it is (3 次, 2.5 人)."""


def words(scheme: Scheme) -> Mapping[str, str]:
    """The header words for the scheme's language."""
    return WORDS.get(scheme.language, WORDS["zh"])


def has_points(scheme: Scheme) -> bool:
    """False for a scheme whose roots are all outputs (money, counts): it has no total to show."""
    return bool(semantics.total_terms(scheme))


def shows_rank(scheme: Scheme) -> bool:
    """A rank by total is shown only for a scheme that ranks units (declares `rankings:`); a
    scheme that never compares units (a checklist of targets met) shows no rank."""
    return bool(scheme.rankings) and has_points(scheme)


def fixed(value: Decimal | semantics.NotApplicable, places: int, na: str = "n/a") -> str:
    """A score as the scheme rounds it: `places` decimals; `na` (the scheme's word, see
    `na_text`) for a score that does not apply — never a stand-in 0."""
    if isinstance(value, semantics.NotApplicable):
        return na
    return f"{value:.{places}f}"


def na_text(scheme: Scheme) -> str:
    """How a not-applicable score is written: `不适用` (zh) or `n/a` (en)."""
    return words(scheme)["na"]


def measure(scheme: Scheme, node_id: str) -> str:
    """The declared unit of an output node (元, 次, …), or ''."""
    node = scheme.nodes.get(node_id)
    return node.unit if node is not None else ""


def output_text(scheme: Scheme, node_id: str, value: Decimal) -> str:
    """An output value as shown: money (or no declared unit) fixed to the scheme's places; any
    other unit exact, without padding zeros (a count of 3 次 is `3`, not `3.00`)."""
    unit = measure(scheme, node_id)
    if not unit or unit in MONEY_UNITS:
        return fixed(value, scheme.rounding.places)
    return canonical(value)


def output_label(scheme: Scheme, node_id: str) -> str:
    """`label（unit）` for a header."""
    node = scheme.nodes[node_id]
    label = node.label or node_id.rsplit(".", 1)[-1]
    if not node.unit:
        return label
    return f"{label}（{node.unit}）" if scheme.language == "zh" else f"{label} ({node.unit})"


def veto_label(scheme: Scheme, veto_id: str) -> str:
    return scheme.vetoes[veto_id].label or veto_id


def veto_text(scheme: Scheme, veto_id: str) -> str:
    """`label: reason` (or the label alone when the reason adds nothing)."""
    label, reason = veto_label(scheme, veto_id), scheme.vetoes[veto_id].reason
    return f"{label}: {reason}" if reason and reason != label else label


def terms(scheme: Scheme, audit: NodeAudit) -> list[tuple[str, str, Decimal]]:
    """A group's or the total's parts as (sign, name, value): `+` for each child of a group;
    for the total, `+` for categories and bonuses and `−` for deductions (engine.semantics)."""
    signs: dict[str, semantics.Sign] = (
        dict(semantics.total_terms(scheme)) if audit.kind == "total" else {}
    )
    return [
        ("−" if signs.get(child, 1) < 0 else "+", child, value) for child, value in audit.children
    ]


def terms_line(scheme: Scheme, audit: NodeAudit, *, full_ids: bool = False) -> str:
    """`= a 1.00 + b 2.00 − deduction 50.00`: a reader can add it up to the value."""
    parts = []
    for i, (sign, child, value) in enumerate(terms(scheme, audit)):
        name = child if full_ids else child.rsplit(".", 1)[-1]
        shown = (
            na_text(scheme) if isinstance(value, semantics.NotApplicable) else format(value, "f")
        )
        text = f"{name} {shown}"
        parts.append(text if i == 0 and sign == "+" else f"{sign} {text}")
    return "= " + " ".join(parts)


@attrs.frozen
class UnitSummary:
    """One unit as every summary rendering shows it (all text, formatted once)."""

    unit: str
    total: str
    rank: int | None
    scores: tuple[str, ...]
    """In `scheme.score_ids` order (the total last)."""
    outputs: tuple[str, ...]
    """In `scheme.output_ids` order, formatted by `output_text`."""
    outcomes: tuple[str, ...]
    """In `scheme.outcomes` order."""
    vetoes: tuple[str, ...]
    """`veto_label` of each veto that holds."""
    reasons: tuple[str, ...]
    """`veto_text` (label and reason) of each veto that holds."""


def summaries(result: Result) -> Iterator[UnitSummary]:
    """Every unit's summary, in data order."""
    scheme = result.scheme
    places = scheme.rounding.places
    ranked = shows_rank(scheme)
    plan = scheme.program.plan
    score_ids, output_ids = scheme.score_ids, scheme.output_ids  # worked out once, not per unit
    # scores and outputs have one slot each; read them straight from the slot list
    score_slots = [plan.slots[i] for i in score_ids]
    output_slots = [(i, plan.slots[i]) for i in output_ids]
    na, not_applicable = na_text(scheme), semantics.NA
    for unit, rank in zip(result.units, result.total_ranks(), strict=True):
        vector = unit.vector
        outcomes = unit.outcomes
        vetoes = unit.vetoes
        yield UnitSummary(
            unit.unit,
            fixed(unit.total, places, na),
            int(rank) if ranked else None,
            tuple(
                [
                    na if vector[s] is not_applicable else f"{vector[s]:.{places}f}"
                    for s in score_slots
                ]
            ),
            tuple(
                [
                    na if vector[s] is not_applicable else output_text(scheme, i, vector[s])
                    for i, s in output_slots
                ]
            ),
            tuple(_outcome(outcomes[o]) for o in scheme.outcomes),
            tuple(veto_label(scheme, v) for v in vetoes),
            tuple(veto_text(scheme, v) for v in vetoes),
        )


def _outcome(value: object) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    return str(value)
