"""`pipeline.analysis.load`: a run's outputs as DataFrames with proper dtypes, exact on the bundled sample."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipeline.analysis import KPI_SHEET, load
from pipeline.build import SAMPLE_DATA
from pipeline.run import run

PERIODS = ["2025Q1", "2025Q2", "2025Q3", "2025Q4", "2025", "2026Q1", "2026Q2", "2026Q3", "2026Q4", "2026"]


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    folder = tmp_path_factory.mktemp("out")
    run(SAMPLE_DATA, folder, workers=2)
    return folder


@pytest.fixture(scope="module")
def tables(out):
    return load(out)


def test_scorecards(tables):
    cards = tables.scorecards
    assert cards.shape == (120, 18)
    assert cards.columns[-2:].tolist() == ["head_id", "head_name"]  # the head of each office-period (工号, name)
    assert cards["head_id"].map(type).eq(str).all()  # 工号 stay text, never numbers
    assert isinstance(cards["period"].dtype, pd.CategoricalDtype) and cards["period"].cat.ordered
    assert cards["period"].cat.categories.tolist() == PERIODS  # each year right after its quarters
    assert cards["grade"].cat.ordered and cards["grade"].cat.categories.tolist() == ["不合格", "合格", "良好", "优秀"]
    assert cards["status"].value_counts().to_dict() == {"scored": 118, "incomplete": 2, "invalid": 0, "missing": 0}
    assert str(cards["rank"].dtype) == "Int64" and cards["rank"].isna().sum() == 2
    row = cards[(cards["period"] == "2025Q1") & (cards["office_id"] == "BJ01")].iloc[0]
    assert (row["office_name"], row["sales"], row["grade"], row["rank"]) == ("北京一所", 725.7, "优秀", 1)
    assert row["score"] == pytest.approx(109.4603815702226)
    assert (cards["period"] > "2025Q4").sum() == 72  # 2025 and the 2026 periods, by the period order
    assert (cards["grade"] >= "良好").sum() == cards["grade"].isin(["良好", "优秀"]).sum()


def test_kpi_provenance(tables):
    kpis = tables.kpis
    assert kpis.shape == (826, 12)  # 118 scored cards × 7 KPIs
    assert kpis["period"].dtype == tables.scorecards["period"].dtype
    row = kpis[(kpis["period"] == "2025Q1") & (kpis["office_id"] == "BJ01") & (kpis["kpi"] == "销售目标完成率")].iloc[0]
    assert (row["numerator"], row["denominator"]) == (725.7, 595.6)
    assert row["value"] == pytest.approx(725.7 / 595.6)
    assert "submissions/2025Q1/BJ01/clients.xlsx › 客户 › G2:G17" in row["sources"]
    # the same value as scorecards.csv's attainment, for every scored card
    merged = kpis[kpis["kpi"] == "销售目标完成率"].merge(tables.scorecards, on=["period", "office_id"])
    assert len(merged) == 118 and (merged["value"] - merged["attainment"]).abs().max() < 1e-9
    # a KPI that could not be computed has a reason, and only then (客户满意度 carries no weight: no finding;
    # SH01's 市场占有率 of 2026Q2 was set after review, reviews.xlsx, and its year pools it as set)
    assert (kpis["value"].isna() == kpis["reason"].notna()).all()
    blank = kpis[kpis["value"].isna()]
    assert blank[["period", "kpi"]].astype(str).values.tolist() == [
        ["2025Q2", "团队绩效达标率"], ["2025Q3", "培训计划完成率"], ["2026Q1", "客户满意度"]]
    assert set(blank["office_id"]) == {"SH01"}
    adjusted = kpis[kpis["adjusted"].notna()]
    assert adjusted[["period", "office_id", "kpi"]].astype(str).values.tolist() == [
        ["2026Q2", "SH01", "市场占有率"], ["2026", "SH01", "市场占有率"]]
    assert adjusted["value"].iloc[0] == pytest.approx(0.1)
    assert "不适用 → 10.0%" in adjusted["adjusted"].iloc[0]
    assert adjusted["adjusted"].iloc[1].startswith("2026Q2 市场占有率（指标值）：不适用 → 10.0%")
    assert adjusted["adjusted"].iloc[1].endswith("计入年度合并计算")


def test_findings(tables):
    found = tables.findings
    assert found["stage"].value_counts().to_dict() == {"validation": 2, "scoring": 2}
    assert found["severity"].cat.categories.tolist() == ["error", "warning", "info"]
    assert str(found["acceptance"].dtype) == "string" and found["acceptance"].isna().all()  # none accepted (accepted.xlsx)
    missing = found[found["code"] == "submission-missing"]
    assert missing[["office_id", "period"]].astype(str).values.tolist() == [["SU01", "2026Q4"]] * 2
    na = found[found["stage"] == "scoring"]
    assert set(na["code"]) == {"kpi-not-available"} and set(na["office_id"]) == {"SH01"}
    assert na["period"].astype(str).tolist() == ["2025Q2", "2025Q3"]  # 2026Q2's was adjusted, and 2026 pools it


def test_submissions(tables):
    subs = tables.submissions
    assert subs.shape == (384, 4)  # 8 quarters × 12 offices × 4 forms
    assert subs["status"].value_counts().to_dict() == {"submitted": 382, "missing": 2, "errors": 0}
    gaps = subs[subs["status"] == "missing"]
    assert gaps[["period", "office_id", "template_id"]].astype(str).values.tolist() == [
        ["2026Q4", "SU01", "training"], ["2026Q4", "SU01", "projects"]]


def test_a_folder_without_a_run_says_which_file_is_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="validation.json"):
        load(tmp_path)


def test_the_documented_example_runs_and_shows_what_the_page_says(out):
    page = (Path(__file__).resolve().parent.parent / "docs" / "guide" / "analysis.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", page, re.S).group(1)
    assert 'load("out")' in code
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(code.replace('load("out")', f"load({str(out)!r})"), {})  # noqa: S102 - our own page's example
    last = printed.getvalue().splitlines()[-2:]
    assert "SU01" in last[0] and "training" in last[0] and "projects" in last[1]


def test_a_workbook_written_before_the_full_width_headers_still_loads(out, tables, tmp_path):
    old = tmp_path / "out"
    shutil.copytree(out, old)
    for path in old.glob("考核结果-*.xlsx"):
        wb = openpyxl.load_workbook(path)
        for cell in wb[KPI_SHEET][1]:
            if cell.value == "数据来源（数据项：文件 › 工作表 › 单元格）":
                cell.value = "数据来源(数据项:文件 › 工作表 › 单元格)"
        wb.save(path)
    kpis = load(old).kpis
    assert kpis["sources"].tolist() == tables.kpis["sources"].tolist()
    assert kpis.columns.tolist() == tables.kpis.columns.tolist()
