"""HR's reviews (DATA_DIR/reviews.xlsx): adjustments after review and appeals.

Each test writes a small real data set (three offices, from the specs) and a reviews.xlsx made
from the REVIEWS form, then checks what the engine, the closing command and the outputs make of it.
"""

from __future__ import annotations

import html
import json
import re
from datetime import date
from pathlib import Path

import pytest
from _site_helpers import write_small_data, write_small_reference
from conftest import write_form

from pipeline.cli import main
from pipeline.cli.summaries import review_lines
from pipeline.closing import CloseRefused, close_period, reopen_period
from pipeline.engine.adjust import matches, shown
from pipeline.engine.assess import assess
from pipeline.engine.model import SCORED
from pipeline.engine.policy import load_policy
from pipeline.engine.reviews import read_value
from pipeline.forms import ALL_FORMS, REVIEWS
from pipeline.forms.reviews import GRADE, REVIEW_ITEMS, SCORE, TOTAL, VALUE
from pipeline.outputs import period_workbook
from pipeline.outputs.pages.results import render_office, render_period
from pipeline.run import check

APPROVER, HANDLER = "复核批准人甲", "申诉处理人乙"  # personal: HR's outputs only
MATTER = "申诉内容不应公开的文字"
REASON = "复核确认一笔季度末到账的销售额属于本季度"
QUARTERS = ("2026Q1", "2026Q2", "2026Q3", "2026Q4")


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    return write_small_data(tmp_path_factory.mktemp("reviews") / "data", QUARTERS)


@pytest.fixture
def data(pristine, tmp_path) -> Path:
    import shutil

    shutil.copytree(pristine, tmp_path / "data")
    return tmp_path / "data"


def adjustment(office: str, period: str, item: str, original: str, adjusted: str, reason: str = REASON) -> dict:
    return {"office_id": office, "period": period, "item": item, "original": original, "adjusted": adjusted,
            "reason": reason, "approved_by": APPROVER, "approved_on": date(2026, 4, 20)}


def appeal(office: str, period: str, outcome: str, settled: date | None = None) -> dict:
    return {"office_id": office, "period": period, "filed_on": date(2026, 4, 12), "matter": MATTER,
            "outcome": outcome, "settled_on": settled, "handled_by": HANDLER if settled else None}


def write_reviews(data: Path, adjustments: list[dict] = (), appeals: list[dict] = ()) -> None:
    write_form(REVIEWS, data / "reviews.xlsx", rows={"adjustments": list(adjustments), "appeals": list(appeals)})


def results_of(data: Path):
    dataset, _ = check(data, workers=1)
    return assess(dataset, load_policy())


def cards(results, period: str) -> dict:
    return {c.office_id: c for c in results.for_period(period)}


def codes(results) -> list[str]:
    return [f.code for f in results.findings if f.code.startswith(("review-", "appeal-"))]


# --- the form -----------------------------------------------------------------------------------


def test_the_form_lists_every_kpi_value_and_score_the_total_and_the_grade():
    assert REVIEWS in ALL_FORMS
    assert REVIEW_ITEMS["总分"] == (TOTAL, "") and REVIEW_ITEMS["等级"] == (GRADE, "")
    for key, spec in load_policy().kpis.items():
        assert REVIEW_ITEMS[f"{spec.name}（指标值）"] == (VALUE, key)
        assert REVIEW_ITEMS[f"{spec.name}（得分）"] == (SCORE, key)
    private = {f.label for s in REVIEWS.sheets for f in s.fields if f.private}
    assert private == {"批准人", "申诉事项", "处理人"}


@pytest.mark.parametrize(("text", "what", "kpi", "original", "expected"), [
    ("95.3%", VALUE, "attainment", False, (True, 0.953)),
    ("0.953", VALUE, "attainment", False, (True, 0.953)),
    ("９５．３％", VALUE, "attainment", False, (True, 0.953)),
    ("N/A", VALUE, "market_share", True, (True, None)),
    ("N/A", VALUE, "market_share", False, (False, None)),  # an adjusted value is never N/A
    ("不适用", VALUE, "market_share", True, (True, None)),  # as the outputs show N/A: copied from them
    ("88", VALUE, "satisfaction", False, (True, 88.0)),
    ("88%", VALUE, "satisfaction", False, (False, None)),
    ("80.5", TOTAL, "", False, (True, 80.5)),
    ("八十", TOTAL, "", False, (False, None)),
    ("优秀", GRADE, "", False, (True, "优秀")),
    ("很好", GRADE, "", False, (False, "很好")),
])
def test_values_are_read_for_their_item(text, what, kpi, original, expected):
    ok, value = read_value(text, what, kpi, ("优秀", "良好", "合格", "不合格"), original)
    assert (ok, value if value is None or isinstance(value, str) else pytest.approx(value)) == expected


@pytest.mark.parametrize(("original", "computed", "what", "kpi", "same"), [
    (0.953, 0.95349, VALUE, "attainment", True),  # shown as 95.3%
    (0.953, 0.9540, VALUE, "attainment", False),
    (78.4, 78.43, TOTAL, "", True),  # shown as 78.4
    (78.4, 78.46, TOTAL, "", False),
    (None, None, VALUE, "market_share", True),
    (None, 0.1, VALUE, "market_share", False),
    ("良好", "良好", GRADE, "", True),
    ("良好", "合格", GRADE, "", False),
])
def test_an_original_matches_the_computed_value_as_shown(original, computed, what, kpi, same):
    assert matches(original, computed, what, kpi) is same


# --- adjustments change the results ----------------------------------------------------------------


def test_a_total_adjusted_moves_grade_bonus_and_ranks(data):
    before = cards(results_of(data), "2026Q1")
    assert [before[o].rank for o in ("BJ01", "SH01", "GZ01")] == [1, 2, 3]
    gz = before["GZ01"]
    write_reviews(data, [adjustment("GZ01", "2026Q1", "总分", shown(gz.score, TOTAL, ""), "99")])
    results = results_of(data)
    after = cards(results, "2026Q1")
    assert codes(results) == []
    assert after["GZ01"].score == 99 and after["GZ01"].grade == "优秀"
    assert after["GZ01"].bonus_coefficient == pytest.approx(0.99)
    assert after["GZ01"].bonus_amount == pytest.approx(0.99 * 30000)
    # GZ01 overtakes the others: 1, 2, 3 becomes 2, 3, 1 (hand-computed: 99 > both their scores)
    assert before["BJ01"].score < 99
    assert [after[o].rank for o in ("BJ01", "SH01", "GZ01")] == [2, 3, 1]
    (a,) = after["GZ01"].adjustments
    assert (a.item, a.original, a.adjusted, a.reason, a.approved_by) == ("总分", gz.score, 99, REASON, APPROVER)
    # the other quarters and the year are as they were
    assert cards(results, "2026Q2")["GZ01"].adjustments == ()


def test_a_kpi_value_adjusted_is_scored_from_the_points_and_the_total_follows(data):
    sh = cards(results_of(data), "2026Q1")["SH01"]
    attrition = sh.kpis["attrition"]
    assert attrition.score < 100
    write_reviews(data, [adjustment("SH01", "2026Q1", "团队成员流失率（指标值）",
                                    shown(attrition.value, VALUE, "attrition"), "0%")])
    after = cards(results_of(data), "2026Q1")["SH01"]
    # attrition 0 scores 100 (policy: 0.03 -> 100); the total gains its effective weight's share
    assert after.kpis["attrition"].value == 0 and after.kpis["attrition"].score == 100
    expected = sh.score + attrition.effective_weight * (100 - attrition.score) / 100
    assert after.score == pytest.approx(expected)
    assert after.grade == load_policy().grade_for(expected)
    assert after.adjustments_of("attrition")[0].original == attrition.value


def test_a_grade_adjusted_stays_with_the_computed_score(data):
    bj = cards(results_of(data), "2026Q1")["BJ01"]
    write_reviews(data, [adjustment("BJ01", "2026Q1", "等级", bj.grade, "不合格")])
    after = cards(results_of(data), "2026Q1")["BJ01"]
    assert (after.score, after.grade, after.bonus_coefficient) == (bj.score, "不合格", 0.0)


def test_an_annual_adjustment_moves_the_honours(data):
    year = cards(results_of(data), "2026")
    assert all(c.status == SCORED for c in year.values())
    top = min(year.values(), key=lambda c: c.rank)
    low = max(year.values(), key=lambda c: c.rank)
    name = load_policy().excellent_head.name
    assert name in top.honours and name not in low.honours
    write_reviews(data, [adjustment(low.office_id, "2026", "总分", shown(low.score, TOTAL, ""), "119")])
    after = cards(results_of(data), "2026")
    assert after[low.office_id].rank == 1 and after[low.office_id].grade == "优秀"
    # 优秀业务所长: the top 10 % (at least one) of those graded 优秀 — now the adjusted office alone
    assert name in after[low.office_id].honours and name not in after[top.office_id].honours


# --- adjustments refused -----------------------------------------------------------------------------


def test_a_stale_original_is_flagged_and_not_applied(data):
    bj = cards(results_of(data), "2026Q1")["BJ01"]
    stale = shown(bj.score - 5, TOTAL, "")
    write_reviews(data, [adjustment("BJ01", "2026Q1", "总分", stale, "99")])
    results = results_of(data)
    (f,) = [f for f in results.findings if f.code == "review-stale"]
    assert f.blocking and (f.file, f.sheet, f.row, f.office_id, f.period) == ("reviews.xlsx", "调整", 2, "BJ01", "2026Q1")
    assert shown(bj.score, TOTAL, "") in f.message and stale in f.message
    assert f.message.startswith(f"{bj.office_label} 2026Q1 ")  # the office as every message names it
    # every card is scored: the summary lists the refused row, and does not say some were marked 数据有误
    from pipeline.cli.summaries import run_summary

    summary = run_summary(results)
    assert "调整的原值与计算结果不符" in summary or f.message in summary
    assert "数据有误" not in summary and "全部问题见" in summary
    assert cards(results, "2026Q1")["BJ01"].score == bj.score and results.error_count() == 1


def test_unreadable_rows_are_findings_never_a_traceback(data, capsys, tmp_path):
    write_reviews(data, [
        adjustment("XX99", "2026Q1", "总分", "80", "90"),
        adjustment("BJ01", "2026年第五季", "总分", "80", "90"),
        adjustment("BJ01", "2026Q1", "总分", "八十", "90"),
        adjustment("BJ01", "2026Q1", "等级", "优秀", "很好"),
        adjustment("BJ01", "2026Q2", "总分", "1", "2"),
        adjustment("BJ01", "2026Q2", "总分", "1", "2"),
    ])
    code = main(["run", str(data), "--out", str(tmp_path / "out"), "--no-cache", "--workers", "1"])
    out, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in out + err
    report = json.loads((tmp_path / "out" / "validation.json").read_text(encoding="utf-8"))
    found = [f["code"] for f in report["kpi_findings"] if f["code"].startswith("review-")]
    assert sorted(found) == sorted(["review-office-unknown", "review-period-malformed", "review-value-invalid",
                                    "review-value-invalid", "review-stale", "review-duplicate"])


def test_a_closed_period_refuses_adjustments_until_reopened(data):
    bj = cards(results_of(data), "2026Q1")["BJ01"]
    applied = adjustment("BJ01", "2026Q1", "总分", shown(bj.score, TOTAL, ""), "99")
    write_reviews(data, [applied])
    close_period(data, "2026Q1", "测试关闭人", workers=1)
    # the adjustment made before closing is frozen with the card and no longer checked
    results = results_of(data)
    assert codes(results) == [] and cards(results, "2026Q1")["BJ01"].score == 99
    gz = cards(results, "2026Q1")["GZ01"]
    late = adjustment("GZ01", "2026Q1", "总分", shown(gz.score, TOTAL, ""), "95")
    write_reviews(data, [applied, late])
    results = results_of(data)
    (f,) = [f for f in results.findings if f.code.startswith("review-")]
    assert (f.code, f.row, f.office_id) == ("review-closed", 3, "GZ01") and "reopen" in f.fix
    assert f"（{gz.office_label} 的“总分”）" in f.message
    assert cards(results, "2026Q1")["GZ01"].score == gz.score
    reopen_period(data, "2026Q1", "测试关闭人", "补充复核调整")
    after = cards(results_of(data), "2026Q1")
    assert (after["BJ01"].score, after["GZ01"].score) == (99, 95)


# --- appeals -----------------------------------------------------------------------------------------


def test_appeals_and_their_link_to_adjustments(data):
    bj = cards(results_of(data), "2026Q1")["BJ01"]
    write_reviews(data, [adjustment("BJ01", "2026Q1", "总分", shown(bj.score, TOTAL, ""), "99")], [
        appeal("BJ01", "2026Q1", "已调整", date(2026, 4, 20)),
        appeal("SH01", "2026Q1", "已调整", date(2026, 4, 20)),  # no adjustment of SH01 2026Q1
        appeal("GZ01", "2026Q1", "维持", date(2026, 4, 18)),
        appeal("GZ01", "2026Q2", "受理中"),
    ])
    results = results_of(data)
    assert [(f.code, f.office_id, f.row) for f in results.findings if f.code.startswith("appeal-")] == \
        [("appeal-no-adjustment", "SH01", 3)]
    assert [(a.office_id, a.period, a.outcome) for a in results.appeals] == [
        ("BJ01", "2026Q1", "已调整"), ("SH01", "2026Q1", "已调整"), ("GZ01", "2026Q1", "维持"),
        ("GZ01", "2026Q2", "受理中")]
    assert [(a.office_id, a.period) for a in results.open_appeals()] == [("GZ01", "2026Q2")]
    assert [a.period for a in results.appeals_for("GZ01")] == ["2026Q1", "2026Q2"]


def test_a_settled_appeal_needs_its_date(data):
    write_reviews(data, appeals=[appeal("GZ01", "2026Q1", "维持")])
    dataset, _ = check(data, workers=1)
    assert any(f.file == "reviews.xlsx" and f.column == "处理日期" and f.blocking for f in dataset.findings)


def test_an_open_appeal_blocks_close(data, capsys):
    write_reviews(data, appeals=[appeal("GZ01", "2026Q1", "受理中")])
    with pytest.raises(CloseRefused, match="申诉在受理中") as refused:
        close_period(data, "2026Q1", "测试关闭人", workers=1)
    assert "GZ01" in str(refused.value) and "2026-04-12" in str(refused.value)
    code = main(["close", "2026Q1", str(data), "--by", "测试关闭人", "--no-cache"])
    _, err = capsys.readouterr()
    assert code == 1 and "GZ01" in err and "受理中" in err
    assert not (data / "closed" / "2026Q1.json").exists()
    write_reviews(data, appeals=[appeal("GZ01", "2026Q1", "维持", date(2026, 4, 18))])
    close_period(data, "2026Q1", "测试关闭人", workers=1)
    assert (data / "closed" / "2026Q1.json").exists()


# --- what each output shows ---------------------------------------------------------------------------


def reviewed(data: Path):
    bj = cards(results_of(data), "2026Q1")["BJ01"]
    write_reviews(data, [adjustment("BJ01", "2026Q1", "总分", shown(bj.score, TOTAL, ""), "99")],
                  [appeal("BJ01", "2026Q1", "已调整", date(2026, 4, 20)), appeal("SH01", "2026Q2", "受理中")])
    return results_of(data), bj


def test_the_office_page_shows_the_adjustment_and_its_own_appeals_never_the_approver(data):
    results, bj = reviewed(data)
    page = html.unescape(render_office(results, "BJ01"))
    assert "经复核调整" in page and REASON in page and shown(bj.score, TOTAL, "") in page and "99.0" in page
    assert "已调整" in page and "2026-04-12" in page
    for private in (APPROVER, HANDLER, MATTER):
        assert private not in page
    other = render_office(results, "SH01")
    assert "受理中" in other and "已调整" not in other and REASON not in other
    assert "受理中" not in render_office(results, "GZ01")


def test_the_ranking_marks_the_adjusted_result_only(data):
    results, bj = reviewed(data)
    page = render_period(results, bj.period)
    rows = {row.split('"', 1)[0]: row for row in page.split('<tr data-office="')[1:]}
    assert "经复核调整" in rows["BJ01"]
    assert all("经复核调整" not in row for office, row in rows.items() if office != "BJ01")


def test_hr_workbook_json_and_summary(data, capsys, tmp_path):
    results, bj = reviewed(data)
    made = period_workbook.content(results, "2026Q1", {})
    tables = {t.title: t for t in made.tables}
    (row,) = tables["复核调整"].rows
    assert row[1] == "BJ01" and "总分" in row and APPROVER in row and REASON in row
    assert [r[4] for r in tables["申诉"].rows] == [MATTER]
    quarter = tables["季度考核"].rows
    assert any("经复核调整" in (r[6] or "") for r in quarter if r[1] == "BJ01")
    code = main(["run", str(data), "--out", str(tmp_path / "out"), "--no-cache", "--workers", "1"])
    out, _ = capsys.readouterr()
    assert code == 0 and "经复核调整 1 项" in out and APPROVER in out and "受理中的申诉 1 项" in out
    report = json.loads((tmp_path / "out" / "validation.json").read_text(encoding="utf-8"))
    (entry,) = report["reviews"]["adjustments"]
    assert (entry["office_id"], entry["item"], entry["adjusted"], entry["reason"]) == ("BJ01", "总分", 99, REASON)
    text = (tmp_path / "out" / "validation.json").read_text(encoding="utf-8")
    assert APPROVER not in text and MATTER not in text and HANDLER not in text
    csv_rows = (tmp_path / "out" / "scorecards.csv").read_text(encoding="utf-8-sig").splitlines()
    assert any(r.startswith("2026Q1,BJ01,") and ",99," in r for r in csv_rows)


def test_the_summary_names_offices_and_periods_as_people_read_them(data):
    """`run`'s lines of 复核调整 and 申诉: 北京测试一所（BJ01） 2026年第一季度, never a bare `BJ01 2026Q1`."""
    results, bj = reviewed(data)
    assert review_lines(results) == [
        "经复核调整 1 项（reviews.xlsx）：",
        f"  - 北京测试一所（BJ01） 2026年第一季度 总分：{shown(bj.score, TOTAL, '')} → 99.0"
        f"（原因：{REASON}；批准人：{APPROVER}，2026-04-20）",
        "受理中的申诉 1 项（处理完毕前该期间不能关闭）：",
        "  - 上海测试二所（SH01） 2026年第二季度（2026-04-12 提出，reviews.xlsx › 申诉 第 3 行）",
    ]


def test_closing_names_the_office_of_an_open_appeal(data):
    write_reviews(data, appeals=[appeal("GZ01", "2026Q1", "受理中")])
    with pytest.raises(CloseRefused) as refused:
        close_period(data, "2026Q1", "测试关闭人", workers=1)
    assert "：广州测试三所（GZ01）的申诉（2026-04-12 提出，reviews.xlsx › 申诉 第 2 行）；" in str(refused.value)


def test_the_kpi_provenance_records_the_adjustment_without_the_approver(data):
    """数据来源 on the office page: the adjusted KPI's row of 调整, with the original, the value after
    review, the reason and HR's approval (a role and a date, never the approver's name); the year
    that pools the quarter records it too (engine.carry)."""
    sh = cards(results_of(data), "2026Q4")["SH01"]
    original = shown(sh.kpis["attrition"].value, VALUE, "attrition")
    write_reviews(data, [adjustment("SH01", "2026Q4", "团队成员流失率（指标值）", original, "0%")])
    results = results_of(data)
    page = html.unescape(render_office(results, "SH01"))
    rows = {period: re.findall(r'<tr data-kpi="([^"]+)" data-adjusted>(.*?)</tr>', section, re.S)
            for period, section in re.findall(r'<details class="sources" data-search-exclude data-period="(\w+)">(.*?)</details>',
                                               page, re.S)}
    ((kpi, quarter),) = rows["2026Q4"]
    assert kpi == "团队成员流失率" and "reviews.xlsx" in quarter and "A2:H2" in quarter
    assert f"经复核调整：团队成员流失率（指标值）原为 {original}，调整为 0.0%（原因：{REASON}；人力资源部复核批准，2026-04-20）" in quarter
    ((kpi, year),) = rows["2026"]
    assert kpi == "团队成员流失率" and "2026Q4 经复核调整，计入年度合并计算：团队成员流失率（指标值）" in year
    assert "（含经复核调整）" in page and APPROVER not in page
    # the HR workbook's 指标来源 keeps the approver's name beside the same row
    made = period_workbook.content(results, "2026", {})
    (source,) = [r for r in {t.title: t for t in made.tables}["指标来源"].rows if r[1] == "SH01" and r[3] == "团队成员流失率"]
    assert "reviews.xlsx › 调整 › A2:H2" in source[9] and f"批准人：{APPROVER}" in source[11]


def test_an_original_that_could_not_be_computed_is_shown_as_not_applicable(data, capsys, tmp_path):
    """The office page's 复核与申诉, the HR workbook and the command's summary said “N/A” where the
    charts and the KPI tables say 不适用: a quarter without a 市场规模 has no 市场占有率, HR sets it."""
    write_small_reference(data, QUARTERS, blank_market=frozenset({("SH01", "2026Q2")}))
    assert cards(results_of(data), "2026Q2")["SH01"].kpis["market_share"].value is None
    write_reviews(data, [adjustment("SH01", "2026Q2", "市场占有率（指标值）", "N/A", "10%")])
    results = results_of(data)
    assert codes(results) == [] and cards(results, "2026Q2")["SH01"].adjustments
    page = html.unescape(render_office(results, "SH01"))
    table = page.split('data-table="adjustments"', 1)[1].split("</table>", 1)[0]
    (row,) = re.findall(r'<tr data-period="2026Q2">(.*?)</tr>', table, re.S)
    assert [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)][2:4] == ["不适用", "10.0%"]
    assert "市场占有率（指标值）原为 不适用，调整为 10.0%" in page
    assert "N/A" not in page
    made = period_workbook.content(results, "2026Q2", {})
    (adjusted,) = {t.title: t for t in made.tables}["复核调整"].rows
    assert adjusted[adjusted.index("市场占有率（指标值）") + 1:][:2] == ("不适用", "10.0%")
    assert not any("N/A" in str(cell) for t in made.tables for r in t.rows for cell in r)
    assert main(["run", str(data), "--out", str(tmp_path / "out"), "--no-cache", "--workers", "1"]) == 0
    out, _ = capsys.readouterr()
    assert "上海测试二所（SH01） 2026年第二季度 市场占有率（指标值）：不适用 → 10.0%" in out and "N/A" not in out
