"""关注名单: heads graded 不合格 in consecutive quarters and offices that keep not submitting, in HR's
period workbook (read back with openpyxl), never on the site."""

from __future__ import annotations

from datetime import date

from _assess_helpers import dataset, office_quarter, target
from openpyxl import load_workbook

from pipeline.engine.assess import assess
from pipeline.engine.model import Tenure
from pipeline.engine.policy import load_policy
from pipeline.engine.submissions import submission_matrix
from pipeline.engine.watch import LOW_GRADE, NOT_SUBMITTING, watch_list
from pipeline.outputs import period_workbook as pw

POLICY = load_policy()
QUARTERS = ("2025Q4", "2026Q1", "2026Q2")


def _results():
    """BJ01: 不合格 in every quarter (sales 10 of 100) under 测试所长甲 until 2026-02-15, then 测试所长乙
    (2026Q1 and Q2 are 测试所长乙's); SH01 and its head do well; GZ01 sends nothing in 2026Q1–Q2,
    TJ01 misses its training form in 2026Q2 only."""
    subs = {}
    for q in QUARTERS:
        subs.update(office_quarter("BJ01", q, [10]))
        subs.update(office_quarter("SH01", q, [110]))
        subs.update(office_quarter("TJ01", q, [110], forms=("recruitment", "clients", "projects") if q == "2026Q2"
                                   else ("recruitment", "training", "clients", "projects")))
    subs.update(office_quarter("GZ01", "2025Q4", [110]))
    offices = ["BJ01", "GZ01", "SH01", "TJ01"]
    data = dataset(offices, {(o, q): target(o, q) for o in offices for q in QUARTERS}, subs)
    data.reference.tenures = {"BJ01": [Tenure("BJ01", "T1", "测试所长甲", date(2020, 1, 1), date(2026, 2, 15)),
                                       Tenure("BJ01", "T2", "测试所长乙", date(2026, 2, 16))]}
    return assess(data, POLICY), submission_matrix(data)


def test_watch_list_entries():
    results, matrix = _results()
    entries = watch_list(results.scorecards, matrix, "不合格", "2026Q2")
    assert [(w.kind, w.office_id, w.head_id, w.quarters) for w in entries] == [
        (LOW_GRADE, "BJ01", "T2", ("2026Q1", "2026Q2")),  # 测试所长甲's 2025Q4 alone is no run
        (NOT_SUBMITTING, "GZ01", "", ("2026Q1", "2026Q2")),
    ]
    assert entries[1].detail == "2026Q1 未提交：全部表格；2026Q2 未提交：全部表格"
    # a quarter's workbook lists the runs that end with it; 2026Q1's has none of two quarters
    assert watch_list(results.scorecards, matrix, "不合格", "2026Q1") == []


def test_watch_list_sheet_read_back(tmp_path):
    results, matrix = _results()
    path = tmp_path / pw.file_name("2026Q2")
    pw.write(path, results, "2026Q2", matrix)
    ws = load_workbook(path)["关注名单"]
    rows = [tuple(c.value for c in row) for row in ws.iter_rows()]
    assert rows[0] == ("期间", "所编号", "业务所名称", "所长", "所长工号", "关注事项", "连续季度", "详情")
    assert [r[:7] for r in rows[1:]] == [
        ("2026Q2", "BJ01", "BJ01所", "测试所长乙", "T2", "连续季度考核为最低等级", "2026Q1、2026Q2"),
        ("2026Q2", "GZ01", "GZ01所", "所长", None, "连续季度未按时提交", "2026Q1、2026Q2"),
    ]
    assert rows[1][7].startswith("2026Q1 BJ01所（BJ01）44.5 分")
