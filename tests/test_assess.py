"""assess(): statuses, scoring, ranks, bonuses, annual pooling and KPI findings on hand-built Datasets (and once from real files)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml
from _assess_helpers import client as client_row
from _assess_helpers import dataset, office_quarter, target, workbook
from _validation_helpers import good_office

from pipeline.engine.assess import assess
from pipeline.engine.model import INCOMPLETE, INVALID, MISSING, SCORED, Office
from pipeline.engine.policy import DEFAULT_POLICY_PATH, load_policy
from pipeline.findings import finding
from pipeline.run import check

POLICY = load_policy()


def _q1_dataset(**kwargs):
    subs = {**office_quarter("BJ01", "2026Q1", [110]), **office_quarter("SH01", "2026Q1", [90]),
            **office_quarter("TJ01", "2026Q1", [100], forms=("clients",))}
    targets = {(o, "2026Q1"): target(o, "2026Q1") for o in ("BJ01", "SH01", "TJ01", "GZ01")}
    return dataset(["BJ01", "GZ01", "SH01", "TJ01"], targets, subs, **kwargs)


def _cards(results):
    return {(c.period, c.office_id): c for c in results.scorecards}


def test_quarter_statuses_scores_ranks_and_bonus():
    results = assess(_q1_dataset(), POLICY)
    cards = _cards(results)
    assert [(c.period, c.office_id, c.status) for c in results.scorecards] == [
        ("2026Q1", "BJ01", SCORED), ("2026Q1", "GZ01", MISSING), ("2026Q1", "SH01", SCORED),
        ("2026Q1", "TJ01", INCOMPLETE),
        ("2026", "BJ01", INCOMPLETE), ("2026", "GZ01", MISSING), ("2026", "SH01", INCOMPLETE),
        ("2026", "TJ01", INCOMPLETE),
    ]
    bj, sh = cards[("2026Q1", "BJ01")], cards[("2026Q1", "SH01")]
    # BJ01: attainment 1.1->110, growth 0.1->100, share 0.11->104, attrition 0->100, pass 1->100, training 1->100
    # (35·110 + 15·100 + 10·104 + 15·100 + 15·100 + 10·100) / 100 = 103.9
    assert bj.score == pytest.approx(103.9)
    assert (bj.grade, bj.rank, bj.sales, bj.sales_target) == ("优秀", 1, 110.0, 100.0)
    assert bj.bonus_coefficient == pytest.approx(1.039)
    assert bj.bonus_amount == pytest.approx(10390.0)  # × 季度奖金基数 10000
    # SH01: 0.9->90, -0.1->60, 0.09->90: (3150 + 900 + 900 + 4000) / 100 = 89.5
    assert sh.score == pytest.approx(89.5)
    assert (sh.grade, sh.rank) == ("良好", 2)
    tj = cards[("2026Q1", "TJ01")]
    assert tj.status_reason == "未提交《招聘与团队》、《培训计划》、《项目管理》，本期不评分"
    assert (tj.score, tj.rank, tj.kpis, tj.bonus_amount) == (None, None, {}, None)
    assert cards[("2026Q1", "GZ01")].status_reason == "本期未提交任何表格"
    assert cards[("2026", "BJ01")].status_reason == (
        "年度考核需四个季度均已评分；2026Q2（未提交）、2026Q3（未提交）、2026Q4（未提交）")
    assert results.periods == ["2026Q1", "2026"]


def test_invalid_office_period_is_not_scored_and_others_still_are():
    # An error the reader found in one of SH01's workbooks makes its office-period invalid.
    ds = _q1_dataset()
    key = ("2026Q1", "SH01", "training")
    bad = finding("required-blank", file=ds.submissions[key].path, sheet="培训计划", cell="A2", column="培训编号")
    ds.submissions[key] = dataclasses.replace(ds.submissions[key], findings=(bad,))
    ds.workbooks = sorted(ds.submissions.values(), key=lambda f: f.path)
    ds.findings.append(bad)  # as assemble lists it
    results = assess(ds, POLICY)
    cards = _cards(results)
    assert cards[("2026Q1", "SH01")].status == INVALID
    assert cards[("2026Q1", "SH01")].kpis == {}
    assert (cards[("2026Q1", "BJ01")].status, cards[("2026Q1", "BJ01")].rank) == (SCORED, 1)


def test_error_findings_of_the_dataset_make_the_office_period_invalid():
    bad = finding("required-blank", file="submissions/2026Q1/SH01/clients.xlsx", sheet="客户", cell="A2",
                  column="客户编号", office_id="SH01", period="2026Q1")
    cards = _cards(assess(_q1_dataset(findings=[bad]), POLICY))
    assert cards[("2026Q1", "SH01")].status == INVALID
    assert cards[("2026Q1", "BJ01")].status == SCORED


def test_bonus_amount_none_without_a_base_and_zero_for_fail():
    subs = {**office_quarter("BJ01", "2026Q1", [30]), **office_quarter("SH01", "2026Q1", [110])}
    ds = dataset(["BJ01", "SH01"], {(o, "2026Q1"): target(o, "2026Q1") for o in ("BJ01", "SH01")}, subs)
    ds.reference.offices["SH01"] = Office("SH01", "SH01所", bonus_base=None)
    cards = _cards(assess(ds, POLICY))
    # BJ01: 0.3->30, -0.7->0 (clamped), 0.03->30: (1050 + 0 + 300 + 4000) / 100 = 53.5 -> 不合格
    assert cards[("2026Q1", "BJ01")].score == pytest.approx(53.5)
    assert (cards[("2026Q1", "BJ01")].grade, cards[("2026Q1", "BJ01")].bonus_coefficient) == ("不合格", 0.0)
    assert cards[("2026Q1", "BJ01")].bonus_amount == 0.0
    assert cards[("2026Q1", "SH01")].bonus_amount is None


def _year_dataset():
    subs, targets = {}, {}
    for q in range(1, 5):
        period = f"2026Q{q}"
        subs.update(office_quarter("BJ01", period, [110]))
        subs.update(office_quarter("SH01", period, [90]) if q != 3 else {})
        targets.update({(o, period): target(o, period) for o in ("BJ01", "SH01")})
    return dataset(["BJ01", "SH01"], targets, subs)


def test_annual_pooling_scoring_and_honours():
    results = assess(_year_dataset(), POLICY)
    year = _cards(results)[("2026", "BJ01")]
    # pooled: sales 440 / target 400 = 1.1 -> 110; growth (440-400)/400 = 0.1 -> 100; share 440/4000 -> 104;
    # attrition 0 -> 100 (annual points), pass 1 -> 100, training 1 -> 100; satisfaction N/A (nobody surveyed):
    # (30·110 + 10·100 + 10·104 + 10·100 + 10·100 + 10·100) / 80 = 8340 / 80 = 104.25
    assert year.status == SCORED
    assert year.score == pytest.approx(104.25)
    assert year.block_scores == {"business": pytest.approx(106.8), "team": pytest.approx(100.0), "customer": None}
    assert (year.sales, year.sales_target, year.rank, year.grade) == (440.0, 400.0, 1, "优秀")
    assert year.honours == ("年终特别奖励", "优秀业务所长", "培训与发展激励")
    assert year.bonus_coefficient is None  # quarterly only
    assert year.kpis["satisfaction"].effective_weight == 0.0
    assert year.kpis["attainment"].effective_weight == pytest.approx(37.5)
    sh = _cards(results)[("2026", "SH01")]
    assert (sh.status, sh.status_reason) == (INCOMPLETE, "年度考核需四个季度均已评分；2026Q3（未提交）")
    assert [c.period for c in results.scorecards][::2] == ["2026Q1", "2026Q2", "2026Q3", "2026Q4", "2026"]


def test_kpi_not_available_warnings_only_for_weighted_kpis_of_scored_cards():
    results = assess(_year_dataset(), POLICY)
    assert [(f.code, f.severity, f.office_id, f.period, f.message) for f in results.findings] == [
        ("kpi-not-available", "warning", "BJ01", "2026",
         "BJ01所（BJ01） 2026年度的客户满意度无法计算：本期没有客户接受满意度调查"),
    ]


def test_prior_from_last_years_submission_through_assess():
    subs = {**office_quarter("BJ01", "2026Q1", [110]),
            ("2025Q1", "BJ01", "clients"): workbook("clients", "BJ01", "2025Q1", [client_row("C1", 100)])}
    targets = {("BJ01", "2026Q1"): target("BJ01", "2026Q1", prior=None)}
    card = _cards(assess(dataset(["BJ01"], targets, subs), POLICY))[("2026Q1", "BJ01")]
    assert card.kpis["growth"].value == pytest.approx(0.1)
    assert card.kpis["growth"].sources[-1].file == "submissions/2025Q1/BJ01/clients.xlsx"


def test_a_changed_weight_in_a_copied_config_changes_the_score_exactly(tmp_path: Path):
    raw = yaml.safe_load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
    raw["kpis"]["attainment"]["weight"]["quarterly"] = 25
    raw["kpis"]["market_share"]["weight"]["quarterly"] = 20
    copied = tmp_path / "policy.yaml"
    copied.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    card = _cards(assess(_q1_dataset(), load_policy(copied)))[("2026Q1", "BJ01")]
    # (25·110 + 15·100 + 20·104 + 15·100 + 15·100 + 10·100) / 100 = 103.3 (was 103.9)
    assert card.score == pytest.approx(103.3)


def test_office_with_no_target_but_full_submission_is_invalid():
    subs = office_quarter("BJ01", "2026Q1", [110])
    # assemble reports reference-no-target for this; a Dataset built without that finding must still not score it
    card = _cards(assess(dataset(["BJ01"], {}, subs), POLICY))[("2026Q1", "BJ01")]
    assert (card.status, card.status_reason) == (INVALID, "《季度目标》中没有本所本期的销售目标")


def test_last_years_submission_with_errors_is_no_prior():
    last_year = workbook("clients", "BJ01", "2025Q1", [client_row("C1", 100)])
    bad = finding("type-number", file=last_year.path, sheet="客户", cell="G3", column="本期销售额", value="很多",
                  expected="数字", seen="很多")
    subs = {**office_quarter("BJ01", "2026Q1", [110]),
            ("2025Q1", "BJ01", "clients"): dataclasses.replace(last_year, findings=(bad,))}
    targets = {("BJ01", "2026Q1"): target("BJ01", "2026Q1", prior=None)}
    card = _cards(assess(dataset(["BJ01"], targets, subs), POLICY))[("2026Q1", "BJ01")]
    assert (card.kpis["growth"].value, card.kpis["growth"].reason) == (
        None, "《季度目标》未填上年同期销售额，且没有 2025Q1 的客户表")
    assert card.status == SCORED  # growth's weight is shared out; the quarter is still scored


def test_a_quarter_without_any_scorable_kpi_is_incomplete():
    # sales target 0, no prior, no market size, nobody on the roster, no trainings: every weighted KPI N/A
    subs = office_quarter("BJ01", "2026Q1", [110], members=[], trainings=[])
    subs[("2026Q1", "BJ01", "training")] = workbook("training", "BJ01", "2026Q1", [])
    targets = {("BJ01", "2026Q1"): target("BJ01", "2026Q1", 0.0, None, None)}
    results = assess(dataset(["BJ01"], targets, subs), POLICY)
    card = _cards(results)[("2026Q1", "BJ01")]
    assert (card.status, card.status_reason, card.score, card.rank) == (
        INCOMPLETE, "所有计分指标均无法计算，本期不评分", None, None)
    assert results.findings == []  # N/A warnings are for scored cards only


def test_real_workbooks_read_checked_and_scored(make_reference, make_workbook, data_dir):
    # The whole path from .xlsx files: reading's figures, the reference's targets, assessment.
    make_reference()  # BJ01 (季度奖金基数 30000) and SH01; target 500, prior 450, market 5000 each quarter
    good_office(make_workbook, office="BJ01")
    dataset, _ = check(data_dir, workers=1)
    results = assess(dataset, POLICY)
    card = _cards(results)[("2026Q1", "BJ01")]
    # sales 300 + 250 = 550: attainment 1.1 -> 110; growth 100/450 = 0.22 -> 120 (clamped); share 0.11 -> 104;
    # attrition 0 -> 100; pass 2/2 -> 100; training 1/1 -> 100:
    # (35·110 + 15·120 + 10·104 + 15·100 + 15·100 + 10·100) / 100 = 106.9
    assert (card.status, card.sales, card.sales_target) == (SCORED, 550.0, 500.0)
    assert card.score == pytest.approx(106.9)
    assert card.bonus_amount == pytest.approx(1.069 * 30000)
    assert card.kpis["satisfaction"].value == pytest.approx(85.0)  # (4.5 + 4) / 2 / 5 × 100, weight 0 quarterly
    assert card.kpis["attainment"].sources[0].file == "submissions/2026Q1/BJ01/clients.xlsx"
    assert card.kpis["attainment"].sources[0].cells == "G2:G3"
    assert card.kpis["attainment"].sources[1].file == "reference.xlsx"
    assert card.informational["new_clients"] == 1
    assert _cards(results)[("2026Q1", "SH01")].status == MISSING
