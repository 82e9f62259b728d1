"""One set of counts: validate, run, build, the site's 校验报告, validation.json and HR's workbooks agree."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from html import unescape

import pandas as pd
import pytest

from pipeline.build import SAMPLE_DATA
from pipeline.cli import main
from pipeline.engine.counts import Counts, count
from pipeline.findings import ERROR, finding

TOTALS = re.compile(r"错误 (\d+) 个，警告 (\d+) 个，提示 (\d+) 条")
SCORING = re.compile(r"评分时另有 (\d+) 个警告（指标无法计算）")


def _numbers(text: str) -> tuple[int, ...]:
    totals = TOTALS.search(text)
    assert totals, text
    scoring = SCORING.search(text)
    return (*map(int, totals.groups()), int(scoring.group(1)) if scoring else 0)


@pytest.mark.parametrize(("counts", "text"), [
    (Counts(0, 2, 0), "错误 0 个，警告 2 个，提示 0 条（不含评分时才发现的“指标无法计算”警告）"),
    (Counts(0, 2, 0, 4), "错误 0 个，警告 2 个，提示 0 条；评分时另有 4 个警告（指标无法计算）"),
    (Counts(1, 0, 3, 0), "错误 1 个，警告 0 个，提示 3 条"),
    (Counts(0, 2, 0, 4, accepted=1), "错误 0 个，警告 2 个，提示 0 条，已确认 1 个；评分时另有 4 个警告（指标无法计算）"),
    (Counts(0, 0, 0, None, accepted=2), "错误 0 个，警告 0 个，提示 0 条，已确认 2 个（不含评分时才发现的“指标无法计算”警告）"),
])
def test_the_one_sentence(counts, text):
    assert counts.text() == text


def test_count_keeps_scoring_apart():
    missing = finding("submission-missing", office_id="BJ01", period="2026Q1", office="BJ01", form="客户开发与维护")
    na = finding("kpi-not-available", office_id="BJ01", period="2026Q1", office="北京一所（BJ01）", kpi="增长率",
                 reason="没有上年同期数据")
    assert count([missing]) == Counts(0, 1, 0, None)
    assert count([missing], [na]) == Counts(0, 1, 0, 1)


def test_count_keeps_the_refused_reviews_apart():
    na = finding("kpi-not-available", office_id="BJ01", period="2026Q1", office="北京一所（BJ01）", kpi="增长率",
                 reason="没有上年同期数据")
    refused = finding("review-duplicate", office_id="BJ01", period="2026Q1", office="北京一所（BJ01）", item="总分",
                      first_row=2)
    tally = count([], [na, refused])
    assert tally == Counts(0, 0, 0, 1, reviews=1)
    assert tally.text() == "错误 0 个，警告 0 个，提示 0 条；评分时另有 1 个警告（指标无法计算）；复核调整与申诉另有 1 个错误"
    assert tally.as_dict() == {"error": 0, "warning": 0, "info": 0, "accepted": 0}


def test_an_accepted_finding_counts_as_accepted_not_under_its_severity():
    missing = finding("submission-missing", office_id="BJ01", period="2026Q1", office="BJ01", form="客户开发与维护")
    blocking = replace(missing, severity=ERROR)
    accepted = replace(blocking, acceptance="已与所长核实")
    tally = count([blocking, accepted, replace(missing, acceptance="已核实")])
    assert tally == Counts(1, 0, 0, None, accepted=2)
    assert tally.as_dict() == {"error": 1, "warning": 0, "info": 0, "accepted": 2}
    assert "已确认 2 个" in tally.text()


@pytest.mark.slow
def test_every_place_shows_the_same_counts_on_the_sample(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PIPELINE_CACHE_DIR", str(tmp_path / "cache"))
    folder = str(SAMPLE_DATA.absolute())
    assert main(["validate", str(SAMPLE_DATA), "--workers", "2"]) == 0
    validated = capsys.readouterr().out
    assert main(["run", str(SAMPLE_DATA), "--out", str(tmp_path / "out"), "--workers", "2"]) == 0
    ran = capsys.readouterr().out
    assert main(["build", "--data", str(SAMPLE_DATA), "--site", str(tmp_path / "site"), "--workers", "2"]) == 0
    built = capsys.readouterr().out

    # the sample: SU01 sent two forms of 2026Q4 only (two warnings); scoring finds two KPIs it cannot
    # compute (SH01's 市场占有率 of 2026Q2 is one no longer: HR set it after review, reviews.xlsx; nor
    # is that of 2026, which pools the quarter as set: engine.carry)
    assert _numbers(validated) == (0, 2, 0, 0) and "（不含评分时才发现的“指标无法计算”警告）" in validated
    assert _numbers(ran) == _numbers(built) == (0, 2, 0, 2)
    for text in (validated, ran, built):
        assert text.startswith(f"校验 {folder}：共读取 384 个文件，")
    assert "【苏州一所（SU01）】" in validated

    report = json.loads((tmp_path / "out" / "validation.json").read_text(encoding="utf-8"))
    assert report["counts"] == {"error": 0, "warning": 2, "info": 0, "accepted": 0} and len(report["kpi_findings"]) == 2

    # HR's year workbook counts the year and its quarters the same way: SU01's two warnings of 2026Q4,
    # and none of scoring's (SH01's 市场占有率 of 2026Q2 was set after review, and the year pools it)
    notes = pd.read_excel(tmp_path / "out" / "考核结果-2026年度.xlsx", sheet_name="说明", header=None, engine="calamine")
    rows = {row[0]: row[1] for row in notes.itertuples(index=False)}
    assert (rows["错误"], rows["警告"], rows["提示"], rows["评分时的警告（指标无法计算）"]) == (0, 2, 0, 0)

    page = unescape(re.sub(r"<[^>]+>", "", (tmp_path / "site" / "validation.html").read_text(encoding="utf-8")))
    assert "最近一次校验共发现 0 个错误、2 个警告；评分时另有 2 个警告（指标无法计算）" in page
