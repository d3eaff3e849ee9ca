"""The village 1000-point scheme scored by hand-written Python, straight from the spec table.

This is deliberately *not* rulebook: it reads docs/schemes/village-fp-1000.md clause by clause
and writes each rule as plain arithmetic. It serves twice:

* as the benchmark's baseline, with `Decimal` (what a careful programmer would write by hand);
* as the tests' independent oracle, with `Fraction` (exact rational arithmetic, rounding half-up
  to cents at item level), against which rulebook's output is compared for any data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import Any

QUARTERS = ("Q1", "Q2", "Q3")

ITEM_IDS = (
    "committee.staffing",
    "committee.meetings",
    "population_plan.overquota",
    "population_plan.birth_reporting",
    "pregnancy_management.ring_checks",
    "pregnancy_management.birth_certificates",
    "prepregnancy_exams.exams",
    "information_publicity.information.contact_accuracy",
    "information_publicity.information.department_data",
    "information_publicity.information.migrant_data",
    "information_publicity.information.death_reporting",
    "information_publicity.publicity.household_outreach",
    "information_publicity.publicity.bulletin_boards",
    "information_publicity.publicity.slogans",
    "contraception.sterilization",
    "contraception.iud",
    "social_fees.coverage",
    "social_fees.first_collection",
    "social_fees.nonlitigation",
    "association.work",
    "bonus.commendation",
    "bonus.case_leads",
    "bonus.inspections",
    "bonus.township_praise",
    "bonus.quarter_ranking",
    "bonus.wealthy_fees",
    "bonus.credit_reports",
    "deduction.cadre_violations",
    "deduction.criticism",
    "deduction.failed_inspections",
    "deduction.fee_misconduct",
)
CATEGORIES = (
    "committee",
    "population_plan",
    "pregnancy_management",
    "prepregnancy_exams",
    "information_publicity",
    "contraception",
    "social_fees",
    "association",
)


GROUPS = tuple(
    (group, tuple(i for i in ITEM_IDS if i.startswith(group + ".")))
    for group in (
        "information_publicity.information",
        "information_publicity.publicity",
        *CATEGORIES,
        "bonus",
        "deduction",
    )
)
"""Each group with the items under it, found once (not per unit)."""


def round_fraction(x: Fraction) -> Fraction:
    """Exact half-up rounding to cents (away from zero on a tie)."""
    cents = x * 100
    whole = abs(cents.numerator) * 2 + cents.denominator
    rounded = whole // (2 * cents.denominator)
    return Fraction(rounded if cents >= 0 else -rounded, 100)


_CENT = Decimal("0.01")
_SNAP = Decimal(1).scaleb(-20)


def round_decimal(x: Decimal) -> Decimal:
    """Half-up to cents after removing division noise below 10^-20."""
    return x.quantize(_SNAP, ROUND_HALF_EVEN).quantize(_CENT, ROUND_HALF_UP)


def make_scorer(
    num: Callable[[Any], Any], round_item: Callable[[Any], Any]
) -> Callable[[Sequence[tuple[str, Mapping[str, Any]]]], list[dict[str, Any]]]:
    """A function scoring a list of (unit name, indicators) with numbers built by `num`."""
    n0, n1, n2, n5 = num(0), num(1), num(2), num(5)
    weights = (num("0.4"), num("0.3"), num("0.3"))

    def task(s: Any, target: Any, done: Mapping[str, Any], k: Any) -> tuple[Any, list[Any]]:
        """Task item: weighted completion ratio per quarter, plus k per case above target."""
        per_quarter = []
        base = n0
        for w, q in zip(weights, QUARTERS, strict=True):
            r = n1 if target == 0 else min(n1, done[q] / (target * w))
            per_quarter.append(s * r)
            base += w * s * r
        excess = k * max(n0, done["Q1"] + done["Q2"] + done["Q3"] - target)
        return base + excess, per_quarter

    def unit_items(d: Mapping[str, Any]) -> tuple[dict[str, Any], list[Any]]:
        g = d
        it: dict[str, Any] = {}
        it["committee.staffing"] = num(8) if d["staffing_complete"] else n0
        it["committee.meetings"] = max(n0, 12 - 3 * g["meetings_missed"])
        x = g["overquota_per_1000"]
        plan = num(60) if x <= 3 else n0 if x >= 5 else 60 * (5 - x) / 2
        plan = max(n0, plan - 30 * g["fifth_child_births"])
        it["population_plan.overquota"] = n0 if g["sixth_plus_births"] > 0 else plan
        it["population_plan.birth_reporting"] = max(
            n0,
            120 * g["birth_report_rate"] / 100
            - g["late_reports"]
            - 2 * g["missed_reports"]
            - 5 * g["false_reports"]
            - 2 * g["misreports"]
            - 2 * g["key_targets_unmanaged"],
        )
        ring = [max(n0, 25 - max(n0, 70 - d["checkup_rate"][q])) for q in QUARTERS]
        it["pregnancy_management.ring_checks"] = sum(ring) + 5 * sum(
            max(n0, d["checkup_rate"][q] - 70) for q in QUARTERS
        )
        certs, certs_q = task(num(75), g["cert_target"], d["certs_issued"], n2)
        it["pregnancy_management.birth_certificates"] = certs
        exams, exams_q = task(num(120), g["exam_target"], d["exams_done"], n5)
        it["prepregnancy_exams.exams"] = max(n0, exams - 2 * g["followups_missed"])
        it["information_publicity.information.contact_accuracy"] = max(
            n0, 20 - 2 * max(n0, 80 - g["contact_accuracy_rate"])
        )
        it["information_publicity.information.department_data"] = max(
            n0, 10 - g["dept_info_failures"]
        )
        it["information_publicity.information.migrant_data"] = max(
            n0, 10 - 2 * g["migrant_info_missing"]
        )
        it["information_publicity.information.death_reporting"] = max(
            n0, 20 * g["death_report_rate"] / 100 - 3 * g["deaths_concealed"]
        )
        it["information_publicity.publicity.household_outreach"] = (
            max(n0, 10 - 2 * g["households_missed"]) + 10 * g["campaigns"]
        )
        it["information_publicity.publicity.bulletin_boards"] = max(
            n0, 10 - 3 * g["board_updates_missed"]
        )
        it["information_publicity.publicity.slogans"] = max(
            n0, 10 - max(n0, 10 - g["slogans"])
        ) + 2 * max(n0, g["slogans"] - 10)
        ster, ster_q = task(num(180), g["sterilization_target"], d["sterilizations"], n5)
        it["contraception.sterilization"] = (
            ster + 20 * g["two_daughter_sterilizations"] + 5 * g["induced_procedures"]
        )
        iud, iud_q = task(num(40), g["iud_target"], d["iud_insertions"], n2)
        it["contraception.iud"] = iud
        cov = g["fee_coverage_rate"]
        it["social_fees.coverage"] = 40 * min(n1, cov / 50) + 5 * max(n0, cov - 50)
        it["social_fees.first_collection"] = max(
            n0, 140 * min(n1, g["fee_first_rate"] / 60) - 20 * g["bundled_collection_cases"]
        )
        it["social_fees.nonlitigation"] = num(20) if d["nonlitigation_done"] else n0
        it["association.work"] = min(num(20), max(n0, g["association_score"]))
        level = d["commendation_level"]
        it["bonus.commendation"] = num({"none": 0, "city": 10, "above_city": 20}[level])
        it["bonus.case_leads"] = 20 * g["illegal_case_leads"]
        it["bonus.inspections"] = (
            20 * g["inspections_passed_province"]
            + 15 * g["inspections_passed_prefecture"]
            + 10 * g["inspections_passed_city"]
        )
        it["bonus.township_praise"] = 2 * g["township_praises"]
        it["bonus.wealthy_fees"] = 20 * g["wealthy_fee_cases"]
        it["bonus.credit_reports"] = 20 * g["credit_blacklist_reports"]
        it["deduction.cadre_violations"] = (
            20 * g["cadre_violations_current"] + 10 * g["cadre_violations_past"]
        )
        it["deduction.criticism"] = (
            20 * g["criticized_province"]
            + 15 * g["criticized_prefecture"]
            + 10 * g["criticized_city"]
            + 5 * g["township_criticisms"]
        )
        it["deduction.failed_inspections"] = (
            30 * g["inspections_failed_above_prefecture"] + 15 * g["inspections_failed_prefecture"]
        )
        it["deduction.fee_misconduct"] = (
            10 * g["fee_standard_lowered"] + 20 * g["lax_enforcement_cases"]
        )
        quarter_scores = [
            ring[i] + certs_q[i] + exams_q[i] + ster_q[i] + iud_q[i] for i in range(3)
        ]
        return it, quarter_scores

    def competition_ranks(values: list[Any]) -> list[int]:
        """1 + how many values are strictly greater (ties share a rank: 1, 1, 3)."""
        first_position: dict[Any, int] = {}
        for position, v in enumerate(sorted(values, reverse=True)):
            first_position.setdefault(v, position + 1)
        return [first_position[v] for v in values]

    def score(units: Sequence[tuple[str, Mapping[str, Any]]]) -> list[dict[str, Any]]:
        staged = [unit_items(d) for _, d in units]
        bonus_by_unit = [n0] * len(units)
        for q in range(3):
            snapped = [_tie_key(qs[q]) for _, qs in staged]
            for i, r in enumerate(competition_ranks(snapped)):
                bonus_by_unit[i] += num(4) if r == 1 else n2 if r == 2 else n0
        out = []
        for (name, _), (it, _), rank_bonus in zip(units, staged, bonus_by_unit, strict=True):
            it["bonus.quarter_ranking"] = rank_bonus
            s = {k: round_item(v) for k, v in it.items()}
            for group, members in GROUPS:
                s[group] = sum((s[m] for m in members), n0)
            s["total"] = sum(s[c] for c in CATEGORIES) + s["bonus"] - s["deduction"]
            out.append({"unit": name, "scores": s})
        return out

    def _tie_key(x: Any) -> Any:
        return x.quantize(_SNAP, ROUND_HALF_EVEN) if isinstance(x, Decimal) else x

    return score


_score_exact = make_scorer(Fraction, round_fraction)


def score_exact(units: Sequence[tuple[str, Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """The oracle: exact rational arithmetic (inputs converted to Fraction first)."""

    def exact(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: exact(x) for k, x in v.items()}
        return v if isinstance(v, bool | str) else Fraction(v)

    return _score_exact([(name, {k: exact(v) for k, v in d.items()}) for name, d in units])


_score_decimal = make_scorer(Decimal, round_decimal)


def score_decimal(units: Sequence[tuple[str, Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """The baseline: Decimal arithmetic at 50 digits, as rulebook uses."""
    with localcontext() as ctx:
        ctx.prec = 50
        return _score_decimal(units)
