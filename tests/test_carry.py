"""A quarter's KPI values adjusted after review reach its year (engine.carry).

SPEC §5 pools a year's KPIs from its quarters' figures, so an adjusted quarterly KPI value enters
the year as the figures it stands for. The small data set (tests/_site_helpers.write_small_data, four
quarters) has round numbers, so every expectation below is worked out by hand in its comment.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from _site_helpers import write_small_data
from conftest import write_form

from pipeline.closing import close_period
from pipeline.engine.adjust import is_review_source, shown
from pipeline.engine.assess import assess
from pipeline.engine.carry import implied
from pipeline.engine.kpi import Figures
from pipeline.engine.model import KpiResult
from pipeline.engine.policy import load_policy
from pipeline.forms import REVIEWS
from pipeline.forms.reviews import TOTAL
from pipeline.run import check

QUARTERS = ("2026Q1", "2026Q2", "2026Q3", "2026Q4")
REASON = "复核确认的季度数据"
SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    return write_small_data(tmp_path_factory.mktemp("carry") / "data", QUARTERS)


@pytest.fixture
def data(pristine, tmp_path) -> Path:
    shutil.copytree(pristine, tmp_path / "data")
    return tmp_path / "data"


def adjustment(office: str, period: str, item: str, original: str, adjusted: str) -> dict:
    return {"office_id": office, "period": period, "item": item, "original": original, "adjusted": adjusted,
            "reason": REASON, "approved_by": "复核批准人甲", "approved_on": date(2026, 7, 20)}


def year_cards(data: Path, *rows: dict) -> dict:
    if rows:
        write_form(REVIEWS, data / "reviews.xlsx", rows={"adjustments": list(rows), "appeals": []})
    dataset, _ = check(data, workers=1)
    results = assess(dataset, load_policy())
    assert [f.code for f in results.findings if f.code.startswith("review-")] == []
    return {c.office_id: c for c in results.for_period("2026")}


# --- what a quarter's adjusted value stands for -------------------------------------------------------


@pytest.mark.parametrize(("key", "value", "numerator", "denominator", "sales", "expected"), [
    # a denominator known: the numerator is the adjusted value's share of it
    ("attainment", 0.25, 390.0, 400.0, 390.0, (100.0, 400.0)),
    ("attrition", 0.0, 1.0, 9.5, 300.0, (0.0, 9.5)),
    ("satisfaction", 100.0, 10.5, 3, 210.0, (15.0, 3)),  # 100 ÷ 20 × 3 surveyed
    ("growth", 0.2, -50.0, 350.0, 300.0, (70.0, 350.0)),
    # N/A for want of a denominator: the one the value implies
    ("market_share", 0.1, 553.86, None, 553.86, (553.86, 5538.6)),  # 市场规模 = 销售额 ÷ 10 %
    ("growth", 0.2, None, None, 300.0, (50.0, 250.0)),  # 上年同期 = 300 ÷ 1.2
    # nothing to work from
    ("attrition", 0.05, 0.0, 0.0, 300.0, None),  # no headcount
    ("pass_rate", 0.9, 0.0, 0, 300.0, None),  # nobody rated
    ("growth", -1.0, None, None, 300.0, None),
])
def test_a_quarter_value_implies_its_figures(key, value, numerator, denominator, sales, expected):
    computed = KpiResult(key, None, numerator, denominator)
    pair = implied(key, value, computed, Figures(sales=sales))
    assert pair == (None if expected is None else pytest.approx(expected))


# --- the year follows -----------------------------------------------------------------------------------


def test_an_adjusted_quarter_moves_the_year_its_grade_and_honours(data):
    before = year_cards(data)
    bj = before["BJ01"]
    assert (bj.score, bj.grade, bj.rank) == (95.0, "优秀", 1)
    assert bj.honours == ("优秀业务所长", "培训与发展激励")
    after = year_cards(data, adjustment("BJ01", "2026Q2", "销售目标完成率（指标值）", "97.5%", "25.0%"))["BJ01"]
    # sales 390 a quarter against targets of 400: Q2's numerator becomes 25 % × 400 = 100, so the
    # year's attainment is (390 × 3 + 100) ÷ 1,600 = 0.79375, scoring 79.375 (annual points 0 -> 0,
    # 1.0 -> 100); at weight 30 the total loses 30 × (97.5 − 79.375) ÷ 100 = 5.4375: 89.5625, 良好
    assert after.kpis["attainment"].value == pytest.approx(0.79375)
    assert (after.kpis["attainment"].numerator, after.kpis["attainment"].denominator) == (1270, 1600)
    assert after.kpis["attainment"].score == pytest.approx(79.375)
    assert after.score == pytest.approx(89.5625) and after.grade == "良好" and after.rank == 1
    # no office is graded 优秀 now: nobody is 优秀业务所长, and BJ01 loses 培训与发展激励 too
    assert after.honours == ()
    # the other KPIs pool as before; the year's own result is not an adjustment of the year
    assert after.kpis["market_share"].value == bj.kpis["market_share"].value and after.adjustments == ()
    assert after.notes == ("2026Q2 的“销售目标完成率（指标值）”经复核调整，年度按调整后的值合并计算",)
    (source,) = [s for s in after.kpis["attainment"].sources if is_review_source(s)]
    assert (source.file, source.sheet, source.cells) == ("reviews.xlsx", "调整", "A2:H2")
    assert source.what.startswith("2026Q2 经复核调整，计入年度合并计算：销售目标完成率（指标值）原为 97.5%，调整为 25.0%")
    assert "复核批准人甲" not in source.what and REASON in source.what and "2026-07-20" in source.what


def test_adjusted_quarters_move_the_ranks(data):
    before = year_cards(data)
    assert [before[o].rank for o in ("BJ01", "SH01", "GZ01")] == [1, 2, 3]
    assert before["SH01"].score == pytest.approx(69.01503759398496)
    gz = before["GZ01"]
    after = year_cards(
        data,
        adjustment("GZ01", "2026Q3", "销售目标完成率（指标值）", "52.5%", "300%"),
        adjustment("GZ01", "2026Q3", "市场占有率（指标值）", shown(0.0525, "value", "market_share"), "15%"),
        adjustment("GZ01", "2026Q3", "客户满意度（指标值）", "70.0", "100"),
    )
    g = after["GZ01"]
    # GZ01 sells 210 a quarter (target 400, market 4,000); three surveyed clients rate 3.5 (70)
    # attainment (630 + 300 % × 400) ÷ 1,600 = 1.14375 -> 114.375 (was 52.5):  +30 × 61.875 ÷ 100 = 18.5625
    # market share (630 + 15 % × 4,000) ÷ 16,000 = 0.076875 -> 76.875 (was 52.5): +10 × 24.375 ÷ 100 = 2.4375
    # satisfaction (10.5 × 3 + 100 ÷ 20 × 3) ÷ 12 × 20 = 77.5 -> 58.33 (60 -> 0, 90 -> 100; was 33.33): +20 × 25 ÷ 100 = 5
    assert g.kpis["attainment"].value == pytest.approx(1.14375)
    assert g.kpis["market_share"].value == pytest.approx(0.076875)
    assert g.kpis["satisfaction"].value == pytest.approx(77.5)
    assert g.score == pytest.approx(gz.score + 18.5625 + 2.4375 + 5)
    # 70.31 passes SH01's 69.02: GZ01 ranks 2nd, SH01 3rd; 不合格 becomes 合格
    assert (g.grade, g.rank, after["SH01"].rank, after["BJ01"].rank) == ("合格", 2, 3, 1)
    assert len(g.notes) == 3


def test_attrition_carries_the_change_in_leavers(data):
    before = year_cards(data)["SH01"]
    # SH01: member E1 leaves on each quarter's last day — one distinct leaver in the year, over the
    # average of Q1's opening 10 and Q4's closing 9: 1 ÷ 9.5 = 10.5 %
    assert before.kpis["attrition"].value == pytest.approx(1 / 9.5)
    after = year_cards(data, adjustment("SH01", "2026Q2", "团队成员流失率（指标值）", "10.5%", "0%"))["SH01"]
    # Q2's leavers 1 -> 0 % × 9.5 = 0: the year's 1 − 1 = 0 leavers, attrition 0, score 100 (was 98.25)
    assert after.kpis["attrition"].value == 0 and after.kpis["attrition"].score == 100
    assert after.score == pytest.approx(before.score + 10 * (100 - before.kpis["attrition"].score) / 100)


def test_a_quarter_score_total_or_grade_does_not_reach_the_year(data):
    before = year_cards(data)["GZ01"]
    after = year_cards(data, adjustment("GZ01", "2026Q1", "总分", "37.2", "99"),
                       adjustment("GZ01", "2026Q1", "销售目标完成率（得分）", "52.5", "100"))["GZ01"]
    # the year is scored from its pooled KPI values on the annual points, never from quarter scores
    assert (after.score, after.grade, after.notes) == (before.score, before.grade, ())


def test_a_closed_quarter_still_carries_its_adjustment_into_the_open_year(data):
    row = adjustment("BJ01", "2026Q2", "销售目标完成率（指标值）", "97.5%", "25.0%")
    open_ = year_cards(data, row)["BJ01"]
    close_period(data, "2026Q2", "测试关闭人", workers=1)
    closed = year_cards(data)["BJ01"]  # the same reviews.xlsx: the quarter's card comes frozen
    assert closed.score == open_.score == pytest.approx(89.5625)


def test_a_year_row_is_checked_against_the_year_as_carried(data):
    quarter = adjustment("BJ01", "2026Q2", "销售目标完成率（指标值）", "97.5%", "25.0%")
    year = adjustment("BJ01", "2026", "总分", shown(89.5625, TOTAL, ""), "91")
    after = year_cards(data, quarter, year)["BJ01"]
    assert (after.score, after.grade) == (91, "优秀")
    assert [a.item for a in after.adjustments] == ["总分"]


def test_the_sample_year_pools_the_adjusted_market_share():
    """sample_data: SH01's 2026Q2 市场规模 is blank; after review its 市场占有率 is 10.0 %, so the
    year's market size counts Q2 as 销售额 ÷ 10 %."""
    dataset, _ = check(SAMPLE, workers=1)
    results = assess(dataset, load_policy())
    year = next(c for c in results.for_period("2026") if c.office_id == "SH01")
    quarters = {c.period: c for c in results.scorecards if c.office_id == "SH01" and c.period.startswith("2026Q")}
    targets = dataset.reference.targets
    assert targets[("SH01", "2026Q2")].market_size is None
    market = sum(targets[("SH01", q)].market_size for q in ("2026Q1", "2026Q3", "2026Q4"))
    market += quarters["2026Q2"].sales / 0.1
    sales = sum(c.sales for c in quarters.values())
    assert year.kpis["market_share"].value == pytest.approx(sales / market)
    assert year.kpis["market_share"].score is not None and year.kpis["market_share"].effective_weight == 10
    assert any(is_review_source(s) for s in year.kpis["market_share"].sources)


def test_the_year_workbook_and_confirmation_sheet_name_the_pooled_adjustment(data):
    """HR's outputs name the approver of the quarter adjustment a year pools: the year's 指标来源 and
    the year's 考核确认单 (both HR's and the head's only)."""
    from pipeline.outputs import period_workbook
    from pipeline.outputs.reports.content import reports

    year_cards(data, adjustment("BJ01", "2026Q2", "销售目标完成率（指标值）", "97.5%", "25.0%"))
    dataset, _ = check(data, workers=1)
    results = assess(dataset, load_policy())
    sources = {t.title: t for t in period_workbook.content(results, "2026", {}).tables}["指标来源"]
    (row,) = [r for r in sources.rows if r[1] == "BJ01" and r[3] == "销售目标完成率"]
    assert row[-1] == (f"2026Q2 销售目标完成率（指标值）：97.5% → 25.0%（{REASON}；批准人：复核批准人甲，2026-07-20）"
                       "，计入年度合并计算")
    (sheet,) = [r for r in reports(results, "2026") if r.card.office_id == "BJ01"]
    (line,) = sheet.adjustments
    assert (line.item, line.original, line.adjusted, line.approved_by) == (
        "2026Q2 销售目标完成率（指标值）（计入年度合并计算）", "97.5%", "25.0%", "复核批准人甲")
    assert "reviews.xlsx" in {s.path for s in sheet.sources}
