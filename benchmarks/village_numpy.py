"""The village 1000-point scheme as a hand-written *float* numpy scorer: the speed baseline of
benchmarks/bench_columnar.py (and the example of what goes wrong at the cent with floats).

Written clause by clause from docs/schemes/village-fp-1000.md like village_handwritten.py, over
columns: `c[name]` is an annual indicator's array, `c[f"{name}[Q1]"]` a quarter's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

QUARTERS = ("Q1", "Q2", "Q3")
WEIGHTS = (0.4, 0.3, 0.3)


def _round(x: Any) -> Any:
    """Half-up to cents, as a float scorer writes it (wrong when x·100 is not exact)."""
    return np.floor(np.abs(x) * 100 + 0.5) / 100 * np.sign(x)


def score_float(c: dict[str, Any]) -> dict[str, Any]:
    """Every item, category and the total, as float arrays."""
    mx, mn, where = np.maximum, np.minimum, np.where
    it: dict[str, Any] = {}

    def task(s: float, target: Any, done: str, k: float) -> tuple[Any, list[Any]]:
        base = 0.0
        per = []
        safe = where(target == 0, 1, target)
        for w, q in zip(WEIGHTS, QUARTERS, strict=True):
            r = where(target == 0, 1.0, mn(1.0, c[f"{done}[{q}]"] / (safe * w)))
            per.append(s * r)
            base = base + w * (s * r)
        total_done = sum(c[f"{done}[{q}]"] for q in QUARTERS)
        return base + k * mx(0, total_done - target), per

    it["committee.staffing"] = where(c["staffing_complete"], 8.0, 0.0)
    it["committee.meetings"] = mx(0, 12 - 3 * c["meetings_missed"])
    x = c["overquota_per_1000"]
    plan = where(x <= 3, 60.0, where(x >= 5, 0.0, 60 + (0 - 60) * (x - 3) / 2))
    plan = mx(0, plan - 30 * c["fifth_child_births"])
    it["population_plan.overquota"] = where(c["sixth_plus_births"] > 0, 0.0, plan)
    it["population_plan.birth_reporting"] = mx(
        0,
        120 * c["birth_report_rate"] / 100
        - c["late_reports"]
        - 2 * c["missed_reports"]
        - 5 * c["false_reports"]
        - 2 * c["misreports"]
        - 2 * c["key_targets_unmanaged"],
    )
    ring = [mx(0, 25 - mx(0, 70 - c[f"checkup_rate[{q}]"])) for q in QUARTERS]
    it["pregnancy_management.ring_checks"] = sum(ring) + 5 * sum(
        mx(0, c[f"checkup_rate[{q}]"] - 70) for q in QUARTERS
    )
    certs, certs_q = task(75, c["cert_target"], "certs_issued", 2)
    it["pregnancy_management.birth_certificates"] = certs
    exams, exams_q = task(120, c["exam_target"], "exams_done", 5)
    it["prepregnancy_exams.exams"] = mx(0, exams - 2 * c["followups_missed"])
    info = "information_publicity.information"
    it[f"{info}.contact_accuracy"] = mx(0, 20 - 2 * mx(0, 80 - c["contact_accuracy_rate"]))
    it[f"{info}.department_data"] = mx(0, 10 - c["dept_info_failures"])
    it[f"{info}.migrant_data"] = mx(0, 10 - 2 * c["migrant_info_missing"])
    it[f"{info}.death_reporting"] = mx(
        0, 20 * c["death_report_rate"] / 100 - 3 * c["deaths_concealed"]
    )
    pub = "information_publicity.publicity"
    it[f"{pub}.household_outreach"] = mx(0, 10 - 2 * c["households_missed"]) + 10 * c["campaigns"]
    it[f"{pub}.bulletin_boards"] = mx(0, 10 - 3 * c["board_updates_missed"])
    it[f"{pub}.slogans"] = mx(0, 10 - mx(0, 10 - c["slogans"])) + 2 * mx(0, c["slogans"] - 10)
    ster, ster_q = task(180, c["sterilization_target"], "sterilizations", 5)
    it["contraception.sterilization"] = (
        ster + 20 * c["two_daughter_sterilizations"] + 5 * c["induced_procedures"]
    )
    iud, iud_q = task(40, c["iud_target"], "iud_insertions", 2)
    it["contraception.iud"] = iud
    cov = c["fee_coverage_rate"]
    it["social_fees.coverage"] = 40 * mn(1, cov / 50) + 5 * mx(0, cov - 50)
    it["social_fees.first_collection"] = mx(
        0, 140 * mn(1, c["fee_first_rate"] / 60) - 20 * c["bundled_collection_cases"]
    )
    it["social_fees.nonlitigation"] = where(c["nonlitigation_done"], 20.0, 0.0)
    it["association.work"] = mn(20, mx(0, c["association_score"]))
    level = c["commendation_level"]
    it["bonus.commendation"] = where(level == "above_city", 20.0, where(level == "city", 10.0, 0.0))
    it["bonus.case_leads"] = 20 * c["illegal_case_leads"]
    it["bonus.inspections"] = (
        20 * c["inspections_passed_province"]
        + 15 * c["inspections_passed_prefecture"]
        + 10 * c["inspections_passed_city"]
    )
    it["bonus.township_praise"] = 2 * c["township_praises"]
    it["bonus.wealthy_fees"] = 20 * c["wealthy_fee_cases"]
    it["bonus.credit_reports"] = 20 * c["credit_blacklist_reports"]
    it["deduction.cadre_violations"] = (
        20 * c["cadre_violations_current"] + 10 * c["cadre_violations_past"]
    )
    it["deduction.criticism"] = (
        20 * c["criticized_province"]
        + 15 * c["criticized_prefecture"]
        + 10 * c["criticized_city"]
        + 5 * c["township_criticisms"]
    )
    it["deduction.failed_inspections"] = (
        30 * c["inspections_failed_above_prefecture"] + 15 * c["inspections_failed_prefecture"]
    )
    it["deduction.fee_misconduct"] = (
        10 * c["fee_standard_lowered"] + 20 * c["lax_enforcement_cases"]
    )
    bonus = 0.0
    for i in range(3):
        basis = ring[i] + certs_q[i] + exams_q[i] + ster_q[i] + iud_q[i]
        order = np.sort(basis)[::-1]
        higher = len(basis) - np.searchsorted(order[::-1], basis, side="right")
        rank = higher + 1
        bonus = bonus + where(rank == 1, 4.0, where(rank == 2, 2.0, 0.0))
    it["bonus.quarter_ranking"] = bonus
    s = {k: _round(v) for k, v in it.items()}
    groups: dict[str, Any] = {}
    for key, value in s.items():
        parts = key.split(".")
        for depth in range(1, len(parts)):
            group = ".".join(parts[:depth])
            groups[group] = groups.get(group, 0.0) + value
    s.update(groups)
    cats = (
        "committee",
        "population_plan",
        "pregnancy_management",
        "prepregnancy_exams",
        "information_publicity",
        "contraception",
        "social_fees",
        "association",
    )
    s["total"] = sum(s[k] for k in cats) + s["bonus"] - s["deduction"]
    return s
