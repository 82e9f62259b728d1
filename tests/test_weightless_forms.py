"""A quarter missing only forms whose KPIs all carry zero weight is scored, with a warning (SPEC §8).

The default policy reads projects.xlsx for informational figures only (weight 0 in both cycles),
so a quarter without it is scored; training.xlsx feeds 培训计划完成率 (weight 10), so a quarter
without it stays incomplete.
"""

from __future__ import annotations

import dataclasses

import pytest
from _assess_helpers import dataset, office_quarter, target

from pipeline.engine.assess import assess, weighted_forms
from pipeline.engine.kpi import KPI_FORMS
from pipeline.engine.model import INCOMPLETE, SCORED
from pipeline.engine.policy import KPI_KEYS, load_policy

POLICY = load_policy()
ALL = ("recruitment", "training", "clients", "projects")


def _year(forms_q4: tuple[str, ...]):
    subs = {}
    for q in range(1, 5):
        subs.update(office_quarter("BJ01", f"2026Q{q}", [110], forms=forms_q4 if q == 4 else ALL))
    targets = {("BJ01", f"2026Q{q}"): target("BJ01", f"2026Q{q}") for q in range(1, 5)}
    results = assess(dataset(["BJ01"], targets, subs), POLICY)
    return {c.period: c for c in results.scorecards}, results.findings


def test_every_kpi_names_the_forms_it_reads():
    assert set(KPI_FORMS) == set(KPI_KEYS)


def test_projects_carry_no_weight_in_the_default_policy():
    assert "projects" not in weighted_forms(POLICY, "quarterly") | weighted_forms(POLICY, "annual")
    assert {"recruitment", "training", "clients"} <= weighted_forms(POLICY, "quarterly")


def test_a_quarter_without_projects_is_scored_with_a_warning():
    cards, findings = _year(("recruitment", "training", "clients"))
    q4 = cards["2026Q4"]
    assert q4.status == SCORED and q4.score is not None
    assert q4.notes == ("未提交《项目管理》；其指标在季度考核中权重为 0，本期照常评分",)
    warned = [f for f in findings if f.code == "submission-missing-weightless"]
    assert [(f.office_id, f.period, f.severity, f.message) for f in warned] == [
        ("BJ01", "2026Q4", "warning",
         "BJ01所（BJ01）未提交 2026Q4 的“项目管理”；该表的指标在本期考核中权重均为 0，本期照常评分")]
    assert cards["2026"].status == SCORED  # projects weigh nothing in the annual cycle either


def test_a_quarter_without_a_weighted_form_stays_incomplete():
    cards, findings = _year(("recruitment", "clients", "projects"))
    assert cards["2026Q4"].status == INCOMPLETE
    assert cards["2026Q4"].status_reason == "未提交《培训计划》，本期不评分"
    assert not [f for f in findings if f.code == "submission-missing-weightless"]


def test_a_form_weighted_only_in_the_annual_cycle_makes_the_year_incomplete():
    # training weighs nothing quarterly here, but 10 in the annual cycle
    kpis = dict(POLICY.kpis)
    training = kpis["training_rate"]
    kpis["training_rate"] = dataclasses.replace(training, weight={"quarterly": 0, "annual": training.weight["annual"]})
    attainment = kpis["attainment"]
    kpis["attainment"] = dataclasses.replace(attainment, weight={**attainment.weight, "quarterly": 45})
    policy = dataclasses.replace(POLICY, kpis=kpis)
    subs = {}
    for q in range(1, 5):
        subs.update(office_quarter("BJ01", f"2026Q{q}", [110],
                                   forms=("recruitment", "clients", "projects") if q == 2 else ALL))
    targets = {("BJ01", f"2026Q{q}"): target("BJ01", f"2026Q{q}") for q in range(1, 5)}
    cards = {c.period: c for c in assess(dataset(["BJ01"], targets, subs), policy).scorecards}
    assert cards["2026Q2"].status == SCORED
    assert (cards["2026"].status, cards["2026"].status_reason) == (INCOMPLETE, "年度考核计分的表格未提交：2026Q2《培训计划》")


@pytest.mark.parametrize("missing", ["recruitment", "clients"])
def test_other_weighted_forms(missing):
    cards, _ = _year(tuple(f for f in ALL if f != missing))
    assert cards["2026Q4"].status == INCOMPLETE
