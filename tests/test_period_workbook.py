"""HR's per-period workbooks, written for real and read back with openpyxl.

The small data set (`small`) is checked by hand:
BJ01 2026Q1, all four forms: clients C1 + C2 (sales 60.5 + 60.5 = 121, satisfaction 4.5 each -> 90),
target 100, prior 80, market 1000: attainment 1.21 -> 120 (clamped), growth 0.5125 -> 120 (clamped),
share 0.121 -> 100 + 0.021 / 0.05 × 20 = 108.4; four members 良好, nobody leaves: attrition 0 -> 100,
pass rate 1 -> 100; one training, done: 1 -> 100. Total (35·120 + 15·120 + 10·108.4 + 15·100 +
15·100 + 10·100) / 100 = 110.84, 优秀, coefficient 1.1084, bonus 1.1084 × 12345.67 = 13683.940628
-> 13683.94. SH01 2026Q1: clients only, 本期销售额 "@SUM(A1)" -> type-number -> 数据有误.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import os
import pickle
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pipeline.engine.assess import FORM_TITLES, assess
from pipeline.engine.policy import load_policy
from pipeline.engine.submissions import submission_matrix
from pipeline.outputs import period_workbook as pw
from pipeline.run import check

SAMPLE = Path(__file__).parents[1] / "sample_data"
QUARTER_SHEETS = ["说明", "季度考核", "奖金", "提交情况", "关注名单", "复核调整", "申诉", "指标来源", "校验问题"]
YEAR_SHEETS = ["说明", "年度考核", "荣誉与激励", "提交情况", "关注名单", "复核调整", "申诉", "指标来源", "校验问题"]
WHEN = datetime(2026, 1, 5, 9, 30, tzinfo=timezone(timedelta(hours=8)))


@pytest.fixture(scope="module")
def sample():
    """(results, matrix) of the bundled sample: 12 offices, 2025Q1–2026Q4."""
    dataset, _ = check(SAMPLE)
    return assess(dataset, load_policy()), submission_matrix(dataset)


@pytest.fixture(scope="module")
def sample_books(sample, tmp_path_factory) -> dict[str, Path]:
    results, matrix = sample
    out = tmp_path_factory.mktemp("books")
    return {p: _write(out, results, p, matrix) for p in ("2026Q4", "2026")}


def _write(folder: Path, results, period: str, matrix, generated: datetime = WHEN) -> Path:
    path = folder / pw.file_name(period)
    pw.write(path, results, period, matrix, generated)
    return path


def _member(eid: str) -> dict:
    return {"employee_id": eid, "name": "测试成员", "join_date": date(2020, 1, 1), "rating": "良好"}


def _client(cid: str, sales) -> dict:
    return {"client_id": cid, "name": "测试客户", "client_type": "老客户", "sales": sales, "satisfaction": 4.5}


@pytest.fixture
def small(make_reference, make_workbook, data_dir, tmp_path):
    """(path of the 2026Q1 workbook, results, matrix) of the hand-checked data set above."""
    offices = [{"office_id": "BJ01", "office_name": "北京一所", "head": "测试所长甲", "region": "华北",
                "bonus_base": 12345.67},
               {"office_id": "SH01", "office_name": "上海一所", "head": "测试所长乙", "region": "华东",
                "bonus_base": 20000}]
    make_reference(offices=offices, targets=[
        {"year": 2026, "quarter": "Q1", "office_id": o["office_id"], "sales_target": 100, "prior_sales": 80,
         "market_size": 1000} for o in offices])
    forms = {
        "recruitment": {"roster": [_member(f"E{i}") for i in range(1, 5)]},
        "training": {"trainings": [{"training_id": "T1", "name": "培训", "planned_date": date(2026, 2, 10),
                                    "actual_date": date(2026, 2, 10), "status": "已完成"}]},
        "clients": {"clients": [_client("C1", 60.5), _client("C2", 60.5)]},
        "projects": {"projects": [{"project_id": "P1", "name": "项目", "start_date": date(2026, 1, 1),
                                   "planned_end": date(2027, 1, 1)}]},
    }
    for form_id, rows in forms.items():
        make_workbook(form_id, f"submissions/2026Q1/BJ01/{form_id}.xlsx", rows=rows)
    make_workbook("clients", "submissions/2026Q1/SH01/clients.xlsx",
                  rows={"clients": [_client("C1", "@SUM(A1)")]})
    dataset, _ = check(data_dir)
    results, matrix = assess(dataset, load_policy()), submission_matrix(dataset)
    return _write(tmp_path, results, "2026Q1", matrix), results, matrix


def _head(ws) -> list[str]:
    """The header labels, each on one line (the workbook breaks long ones in two or three)."""
    return [c.value.replace("\n", "") for c in ws[1]]


def _table(ws) -> list[dict]:
    """The rows below the header as {header: cell}."""
    head = _head(ws)
    return [dict(zip(head, row)) for row in ws.iter_rows(min_row=2)]


def _values(ws) -> list[dict]:
    return [{k: c.value for k, c in row.items()} for row in _table(ws)]


@pytest.mark.parametrize(("period", "name"), [("2026Q4", "考核结果-2026Q4.xlsx"), ("2026", "考核结果-2026年度.xlsx")])
def test_file_name(period, name):
    assert pw.file_name(period) == name


@pytest.mark.parametrize(("amount", "shown"), [
    (21892.07631404452, 21892.08), (2.675, 2.68), (0.125, 0.13), (1.005, 1.01), (-1.005, -1.01),
    (13683.940628, 13683.94), (100, 100.0), (None, None), (float("nan"), None),
])
def test_amounts_are_rounded_to_the_fen_half_up(amount, shown):
    assert pw.fen(amount) == shown


# ---------------------------------------------------------------------------------------------
# The hand-checked quarter


def test_quarter_cards_exact_values(small):
    path, _, _ = small
    wb = load_workbook(path)
    assert wb.sheetnames == QUARTER_SHEETS
    bj, sh = _table(wb["季度考核"])
    values = {k: c.value for k, c in bj.items()}
    assert {k: values[k] for k in ("期间", "所编号", "业务所名称", "所长", "区域", "状态", "说明", "等级", "排名")} == {
        "期间": "2026Q1", "所编号": "BJ01", "业务所名称": "北京一所", "所长": "测试所长甲", "区域": "华北",
        "状态": "已评分", "说明": None, "等级": "优秀", "排名": 1}
    assert (values["销售额（万元）"], values["销售目标（万元）"]) == (121, 100)
    expected = {"销售目标完成率": 1.21, "销售增长率": 0.5125, "市场占有率": 0.121, "团队成员流失率": 0,
                "团队绩效达标率": 1, "培训计划完成率": 1, "客户满意度": 90, "销售目标完成率得分": 120,
                "销售增长率得分": 120, "市场占有率得分": 108.4, "团队成员流失率得分": 100,
                "业务指标得分": (35 * 120 + 15 * 120 + 10 * 108.4) / 60, "团队管理指标得分": 100, "总分": 110.84}
    assert {k: values[k] for k in expected} == pytest.approx(expected)
    assert "客户满意度得分" not in values  # no weight in a quarter: no score column
    formats = {k: c.number_format for k, c in bj.items()}
    assert (formats["销售目标完成率"], formats["客户满意度"], formats["总分"], formats["销售额（万元）"],
            formats["排名"], formats["新客户数（参考）"]) == ("0.0%", "0.0", "0.0", "#,##0.00", "0", "0")
    assert bj["等级"].fill.fgColor.rgb == "FFC6EFCE" and bj["状态"].fill.fgColor.rgb == "FFC6EFCE"
    assert (sh["状态"].value, sh["总分"].value, sh["排名"].value) == ("数据有误", None, None)
    assert sh["状态"].fill.fgColor.rgb == "FFFFC7CE"
    assert "校验问题" in sh["说明"].value


def test_quarter_bonus_submissions_sources_findings(small):
    path, _, _ = small
    wb = load_workbook(path)
    bonus = _values(wb["奖金"])
    assert bonus[0] == {"期间": "2026Q1", "所编号": "BJ01", "业务所名称": "北京一所", "所长": "测试所长甲",
                        "区域": "华北", "状态": "已评分", "总分": pytest.approx(110.84), "等级": "优秀",
                        "奖金系数": pytest.approx(1.1084), "季度奖金基数（元）": 12345.67, "季度奖金（元）": 13683.94}
    assert (bonus[1]["所编号"], bonus[1]["季度奖金（元）"]) == ("SH01", None)
    assert bonus[2]["期间"] == "合计" and bonus[2]["季度奖金（元）"] == 13683.94
    assert wb["奖金"].auto_filter.ref == "A1:K3"  # the total row stays out of the filter

    board = _values(wb["提交情况"])
    assert [list(r.values()) for r in board] == [
        ["2026Q1", "BJ01", "北京一所", "已提交", "已提交", "已提交", "已提交", None],
        ["2026Q1", "SH01", "上海一所", "未提交", "未提交", "有错误", "未提交", "招聘与团队、培训计划、项目管理"]]

    sources = _table(wb["指标来源"])
    assert len(sources) == 7  # a row per KPI of BJ01's card; SH01 is not scored
    assert wb["指标来源"].row_dimensions[2].height == 30  # two sources: a line each, the row as tall
    first = {k: c.value for k, c in sources[0].items()}
    assert first["指标"] == "销售目标完成率" and first["指标值"] == pytest.approx(1.21)
    assert (first["分子"], first["分母"], first["计算方法"]) == (121, 100, "销售额 ÷ 销售目标")
    assert first["数据来源（数据项：文件 › 工作表 › 单元格）"] == (
        "本期销售额之和：submissions/2026Q1/BJ01/clients.xlsx › 客户 › G2:G3\n销售目标：reference.xlsx › 季度目标 › D2")
    versions = first["模板版本与 SHA-256"].split("\n")
    assert len(versions) == 2 and versions[0].split()[1] == hashlib.sha256(
        (path.parent / "data/submissions/2026Q1/BJ01/clients.xlsx").read_bytes()).hexdigest()
    satisfaction = next(r for r in sources if r["指标"].value == "客户满意度")
    assert (satisfaction["指标值"].value, satisfaction["分子"].value, satisfaction["分母"].value) == (90, 9, 2)
    assert satisfaction["指标值"].number_format == "0.0" and sources[0]["指标值"].number_format == "0.0%"
    assert "÷ 5 × 100" in satisfaction["计算方法"].value

    findings = _values(wb["校验问题"])
    bad = next(f for f in findings if f["代码"] == "type-number")
    assert list(bad)[:3] == ["问题", "代码", "级别"]
    assert (bad["问题"], bad["级别"], bad["所编号"], bad["期间"], bad["单元格"], bad["所见值"]) == (
        "应为数字", "错误", "SH01", "2026Q1", "G2", "'@SUM(A1)")


def test_front_sheet(small):
    path, results, _ = small
    ws = load_workbook(path)["说明"]
    rows = {r[0]: r[1:] for r in ws.iter_rows(values_only=True) if r[0]}
    assert ws["A1"].value == "业务所长考核结果 · 2026Q1"
    assert rows["考核期间"][0] == "2026Q1（2026-01-01 至 2026-03-31）"
    assert rows["生成时间"][0] == "2026-01-05 09:30（UTC+08:00）"
    assert rows["数据目录"][0] == "data"
    assert rows["考核政策版本"][0] == results.policy.version
    assert (rows["已评分"][0], rows["数据有误"][0], rows["数据不全"][0], rows["合计"][0]) == (1, 1, 0, 2)
    assert rows["错误"][0] >= 1
    assert [rows[g][0] for g in ("优秀", "良好", "合格", "不合格")] == ["不低于 90", "不低于 80", "不低于 60", "低于 60"]
    assert "季度奖金按四舍五入保留到分" in "".join(str(r[0]) for r in ws.iter_rows(values_only=True))
    assert set(QUARTER_SHEETS[1:]) <= set(rows)


# ---------------------------------------------------------------------------------------------
# Layout, on the sample


@pytest.mark.parametrize(("period", "sheets"), [("2026Q4", QUARTER_SHEETS), ("2026", YEAR_SHEETS)])
def test_sheets_headers_freeze_and_print_setup(sample_books, period, sheets):
    wb = load_workbook(sample_books[period])
    assert wb.sheetnames == sheets
    for ws in wb.worksheets:
        setup = ws.page_setup
        assert (setup.orientation, setup.paperSize) == ("landscape", 9), ws.title
        if ws.title == "说明":
            continue
        assert ws.print_title_rows == "$1:$1", ws.title
        assert ws["A1"].font.b and ws.auto_filter.ref.startswith("A1:"), ws.title
        assert ws.row_dimensions[1].height >= 18, ws.title  # set: LibreOffice would overlap row 2
        assert ws.freeze_panes == ("A2" if ws.title == "校验问题" else "D2"), ws.title
        assert [c.value for c in ws[1]][:1] == (["问题"] if ws.title == "校验问题" else ["期间"]), ws.title
        if ws.title in ("季度考核", "年度考核", "指标来源"):  # too wide for one page: split, ids repeated
            assert ws.print_title_cols == "$A:$C" and ws.col_breaks.count >= 2, ws.title
            assert 40 <= (setup.scale or 100) <= 100, ws.title
        else:
            assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
            assert (setup.fitToWidth or 1, setup.fitToHeight) == (1, 0), ws.title
    cards = wb[sheets[1]]
    head = _head(cards)
    assert head[:10] == ["期间", "所编号", "业务所名称", "所长", "区域", "状态", "说明", "销售额（万元）", "销售目标（万元）",
                         "销售目标完成率"]
    # broken where Chinese breaks, never mid-word: the columns are as wide as the longest line
    assert [cards.cell(1, c).value for c in (8, 10, 21)] == ["销售额\n（万元）", "销售目标\n完成率", "销售目标\n完成率\n得分"]
    assert cards.row_dimensions[1].height == 48
    assert head[-4 if period == "2026" else -3:] == ["总分", "等级", "排名", *(["荣誉"] if period == "2026" else [])]


def test_year_workbook(sample, sample_books):
    results, matrix = sample
    wb = load_workbook(sample_books["2026"])
    year_cards = results.for_period("2026")
    by_office = {c.office_id: c for c in year_cards}
    cards = _values(wb["年度考核"])
    assert [r["期间"] for r in cards] == [2026] * len(year_cards)  # a number, not text
    for row in cards:
        card = by_office[row["所编号"]]
        assert row["总分"] == (pytest.approx(card.score) if card.score is not None else None)
        assert (row["荣誉"] or "") == "、".join(card.honours)
    assert any(c.honours for c in year_cards)

    honours = _values(wb["荣誉与激励"])
    names = ["年终特别奖励", "优秀业务所长", "晋升优先", "培训与发展激励"]
    assert list(honours[0])[-4:] == names
    scored, total = honours[:-1], honours[-1]
    assert [r["所编号"] for r in scored] == [c.office_id for c in sorted(
        (c for c in year_cards if c.status == "scored"), key=lambda c: (c.rank, c.office_id))]
    for row in scored:
        assert [n for n in names if row[n] == "是"] == [n for n in names if n in by_office[row["所编号"]].honours]
    assert total["期间"] == "合计"
    assert [total[n] for n in names] == [sum(1 for r in scored if r[n] == "是") for n in names]

    board = _table(wb["提交情况"])
    # the sample's 填报日程 sets a deadline for every quarter: each gets its 按时情况 column
    assert _head(wb["提交情况"]) == ["期间", "所编号", "业务所名称", "2026Q1", "2026Q2", "2026Q3", "2026Q4",
                                    *(f"{q}按时情况" for q in ("2026Q1", "2026Q2", "2026Q3", "2026Q4"))]
    for row in board:
        office = row["所编号"].value
        for quarter in ("2026Q1", "2026Q2", "2026Q3", "2026Q4"):
            states = matrix[quarter][office]
            absent = "、".join(t for f, t in FORM_TITLES.items() if states[f] == "missing")
            cell = row[quarter]
            if all(s == "submitted" for s in states.values()):
                assert (cell.value, cell.fill.fgColor.rgb) == ("已提交", "FFC6EFCE")
            elif "errors" not in states.values() and len(absent) < len("、".join(FORM_TITLES.values())):
                assert (cell.value, cell.fill.fgColor.rgb) == (f"未提交：{absent}", "FFFFEB9C")
        # lateness is informational: the sample's one late form (BJ01 2026Q4 clients, 3 days)
        timing = {q: (row[f"{q}按时情况"].value, row[f"{q}按时情况"].fill.fgColor.rgb)
                  for q in ("2026Q1", "2026Q2", "2026Q3", "2026Q4")}
        if office == "BJ01":
            assert timing["2026Q4"] == ("客户开发与维护：迟交 3 天", "FFFFEB9C")
        elif office == "SU01":
            assert timing["2026Q4"] == ("培训计划：未提交；项目管理：未提交", "FFFFEB9C")
        else:
            assert timing["2026Q4"] == ("按时", "FFC6EFCE")
        assert {timing[q] for q in ("2026Q1", "2026Q2", "2026Q3")} == {("按时", "FFC6EFCE")}

    sources = _values(wb["指标来源"])
    assert len(sources) == 7 * sum(1 for c in year_cards if c.status == "scored")  # a row per KPI
    first = next(c for c in year_cards if c.status == "scored")
    assert sources[0]["数据来源（数据项：文件 › 工作表 › 单元格）"].split("\n") == [
        f"{s.what}：{s.file} › {s.sheet} › {s.cells}" for s in first.kpis["attainment"].sources]
    assert {"2026Q1", "2026Q4"} <= {s.file.split("/")[1] for s in first.kpis["attainment"].sources if "/" in s.file}

    shown = {(r["代码"], r["所编号"], str(r["期间"])) for r in _values(wb["校验问题"])}
    periods = {"2026", "2026Q1", "2026Q2", "2026Q3", "2026Q4"}
    expected = {(f.code, f.office_id, f.period) for f in (*results.dataset.findings, *results.findings)
                if f.period in periods}
    assert shown == expected and any(p != "2026" for _, _, p in expected)  # the quarters' findings too


def test_bonus_amounts_rounded_and_total_is_the_sum_of_shown_cents(sample, sample_books):
    results, _ = sample
    rows = _values(load_workbook(sample_books["2026Q4"])["奖金"])
    total, paid = rows[-1], rows[:-1]
    cards = {c.office_id: c for c in results.for_period("2026Q4")}
    assert len(paid) == len(cards) and total["期间"] == "合计"
    assert sum(1 for r in paid if r["季度奖金（元）"] is not None) >= 2
    for row in paid:
        amount = row["季度奖金（元）"]
        assert amount == pw.fen(cards[row["所编号"]].bonus_amount)
        if amount is not None:
            assert Decimal(repr(amount)) == Decimal(repr(amount)).quantize(Decimal("0.01"))
    cents = sum(Decimal(repr(r["季度奖金（元）"])) for r in paid if r["季度奖金（元）"] is not None)
    assert Decimal(repr(total["季度奖金（元）"])) == cents


def test_input_text_is_written_as_text_never_a_formula(sample, tmp_path):
    results, matrix = sample
    cards = [dataclasses.replace(c, office_name="=1+1", head="@SUM(A1)") if c.office_id == "BJ01" else c
             for c in results.scorecards]
    dataset = dataclasses.replace(results.dataset, data_dir="+cmd")
    hostile = dataclasses.replace(results, scorecards=cards, dataset=dataset)
    wb = load_workbook(_write(tmp_path, hostile, "2026Q4", matrix))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@")), (ws.title, cell.coordinate)
    bj = next(r for r in _values(wb["季度考核"]) if r["所编号"] == "BJ01")
    assert (bj["业务所名称"], bj["所长"]) == ("'=1+1", "'@SUM(A1)")
    assert ("数据目录", "'+cmd") in {r[:2] for r in wb["说明"].iter_rows(values_only=True)}


# ---------------------------------------------------------------------------------------------
# Digest, bytes, dates and atomic writing


def test_digest_follows_the_content_and_never_the_time(sample, tmp_path, monkeypatch):
    results, matrix = sample
    again = assess(results.dataset, load_policy())  # assessed anew: other objects, equal content
    for period in ("2026Q4", "2026"):
        assert pw.digest(results, period, matrix) == pw.digest(again, period, matrix)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert pw.digest(results, "2026Q4", matrix) == pw.digest(again, "2026Q4", matrix)

    target = next(c for c in again.scorecards if c.period == "2026Q4" and c.score is not None)
    target.score += 0.01
    assert pw.digest(again, "2026Q4", matrix) != pw.digest(results, "2026Q4", matrix)
    assert pw.digest(again, "2026", matrix) == pw.digest(results, "2026", matrix)  # other periods unchanged
    other = {**matrix, "2026Q4": {**matrix["2026Q4"], "BJ01": {**matrix["2026Q4"]["BJ01"], "training": "errors"}}}
    assert pw.digest(results, "2026Q4", other) != pw.digest(results, "2026Q4", matrix)

    # the time is only in what is written: two dates, two files, one digest
    first = pw.write(tmp_path / "a.xlsx", results, "2026Q4", matrix, datetime(2026, 1, 1, 8))
    second = pw.write(tmp_path / "b.xlsx", results, "2026Q4", matrix, datetime(2026, 2, 1, 8))
    assert first != second


def test_digest_is_the_same_in_another_process(sample):
    """The memo compares digests made by different runs: no set order or object identity in them."""
    results, matrix = sample
    code = ("import pickle, sys; from pipeline.outputs import period_workbook as pw; "
            "results, matrix = pickle.load(sys.stdin.buffer); "
            "print(*(pw.digest(results, p, matrix) for p in results.periods))")
    done = subprocess.run([sys.executable, "-c", code], input=pickle.dumps((results, matrix)), capture_output=True,
                          cwd=Path(__file__).parents[1], env={**os.environ, "PYTHONHASHSEED": "12345"}, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().split() == [pw.digest(results, p, matrix) for p in results.periods]


def test_write_returns_the_sha256_and_dates_the_document(sample, tmp_path, monkeypatch):
    results, matrix = sample
    path = tmp_path / pw.file_name("2026Q4")
    sha = pw.write(path, results, "2026Q4", matrix, WHEN)
    assert sha == hashlib.sha256(path.read_bytes()).hexdigest()
    assert pw.workbook_bytes(results, "2026Q4", matrix, WHEN) == path.read_bytes()
    assert pw.write(tmp_path / "again.xlsx", results, "2026Q4", matrix, WHEN) == sha  # same input, same bytes
    props = load_workbook(path).properties
    assert props.created == props.modified == datetime(2026, 1, 5, 1, 30)  # stored as UTC

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    pw.write(path, results, "2026Q4", matrix)
    wb = load_workbook(path)
    assert wb.properties.created == datetime(2026, 1, 1)
    assert ("生成时间", "2026-01-01 00:00（UTC+00:00）") in {r[:2] for r in wb["说明"].iter_rows(values_only=True)}

    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    before = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    pw.write(path, results, "2026Q4", matrix)
    assert before <= load_workbook(path).properties.created <= before + timedelta(minutes=1)


def test_a_failed_write_leaves_the_previous_file_whole(sample, tmp_path, monkeypatch):
    results, matrix = sample
    path = tmp_path / pw.file_name("2026Q4")
    pw.write(path, results, "2026Q4", matrix, WHEN)
    before = path.read_bytes()

    def full_disk(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError):
        pw.write(path, results, "2026Q4", matrix, datetime(2027, 1, 1))
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no temporary file left behind

    in_the_way = tmp_path / pw.file_name("2026")
    (in_the_way / "keep").mkdir(parents=True)
    with pytest.raises(OSError):
        pw.write(in_the_way, results, "2026", matrix, WHEN)
    assert (in_the_way / "keep").is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, in_the_way.name])


def _pdf_pages_by_sheet(pdf: Path) -> dict[str, int]:
    """Pages of each sheet, from the sheet name every page header carries on its right."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages: dict[str, int] = {}
    for page in text.split("\f"):
        lines = [line for line in page.splitlines() if line.strip()]
        if lines:
            title = lines[0].split()[-1]
            pages[title] = pages.get(title, 0) + 1
    return pages


@pytest.mark.slow
def test_libreoffice_prints_each_sheet_one_page_wide(small, tmp_path):
    office = shutil.which("soffice") or shutil.which("libreoffice")
    fonts = subprocess.run(["fc-match", "Calibri"], capture_output=True, text=True).stdout if shutil.which(
        "fc-match") else ""
    if not office or not shutil.which("pdftotext") or "Carlito" not in fonts:
        pytest.skip("需要 LibreOffice、pdftotext 和 Carlito 字体（与 Calibri 同宽；Debian: libreoffice-calc-nogui、"
                    "poppler-utils、fonts-crosextra-carlito)")
    path, _, _ = small
    done = subprocess.run([office, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                          capture_output=True, text=True, timeout=180, env={**os.environ, "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    pages = _pdf_pages_by_sheet(tmp_path / path.with_suffix(".pdf").name)
    # two offices fit on one page down: every sheet is one page wide, the two wide ones three
    # (their column groups, each with the id columns repeated)
    assert pages == {"说明": pages["说明"], "季度考核": 3, "奖金": 1, "提交情况": 1, "关注名单": 1, "复核调整": 1,
                     "申诉": 1, "指标来源": 3, "校验问题": 1}
    assert pages["说明"] <= 2
