"""Accepted findings (DATA_DIR/accepted.xlsx): HR lets a checked finding through, and it shows as 已确认.

The end-to-end case is the one the plausibility issue opened with: an office head types sales in
元 instead of 万元; `run` exits 1 and the office-period is invalid, until HR accepts the findings
(or the data is fixed), after which it is scored and its page in the built site says 已确认.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from _site_helpers import write_small_data
from _validation_helpers import GOOD_ROWS, good_office, run_cli
from conftest import write_form
from openpyxl import load_workbook

from pipeline.engine.assess import assess
from pipeline.engine.model import INVALID, SCORED
from pipeline.engine.policy import load_policy
from pipeline.findings import ERROR, HIDDEN, WARNING
from pipeline.forms import ACCEPTED
from pipeline.intake.discover import discover
from pipeline.outputs import period_workbook
from pipeline.outputs.pages.results import render_office, render_validation
from pipeline.outputs.report_json import report
from pipeline.run import check

CLIENTS_FILE = "submissions/2026Q1/BJ01/clients.xlsx"
REASON = "已与所长核实：本季度签下年度框架合同，销售额属实"
Q1_TARGETS = [{"year": 2026, "quarter": "Q1", "office_id": o, "sales_target": 500, "prior_sales": None,
               "market_size": 50_000} for o in ("BJ01", "SH01")]


def acceptance(code: str = "plausible-attainment", file: str = CLIENTS_FILE, cell: str | None = None,
               office: str = "BJ01", period: str = "2026Q1", reason: str = REASON) -> dict:
    return {"office_id": office, "period": period, "file": file, "cell": cell, "code": code, "reason": reason,
            "confirmed_by": "测试确认人", "confirmed_on": date(2026, 4, 10)}


def implausible_office(make_reference, make_workbook) -> None:
    """BJ01's 2026Q1 with sales 2,000 against a target of 500 (400 %): 疑似单位错误; SH01 as it should be."""
    make_reference(targets=Q1_TARGETS)
    good_office(make_workbook, skip=("clients",))
    make_workbook("clients", CLIENTS_FILE, rows={"clients": [
        {"client_id": "C1", "name": "甲公司", "client_type": "老客户", "sales": 2000}]})
    good_office(make_workbook, office="SH01")


def statuses(dataset) -> dict[str, str]:
    return {c.office_id: c.status for c in assess(dataset, load_policy()).scorecards if c.period == "2026Q1"}


def test_accepted_xlsx_is_read_not_called_a_stray_file(make_workbook, make_reference, data_dir):
    make_reference()
    make_workbook("accepted", "accepted.xlsx", rows={"accepted": []})
    reference, items, found = discover(data_dir)
    assert reference == data_dir / "reference.xlsx"
    assert items == [(str(data_dir / "accepted.xlsx"), "accepted.xlsx")] and found == []
    dataset, _ = check(data_dir, workers=1)
    assert dataset.findings == [f for f in dataset.findings if f.code == "submission-missing"]
    entry = next(e for e in report(dataset)["files"] if e["file"] == "accepted.xlsx")
    assert (entry["template_id"], entry["accepted"], entry["status"]) == ("accepted", True, "ok")


def test_an_accepted_finding_no_longer_blocks_and_carries_the_reason(make_reference, make_workbook, data_dir):
    implausible_office(make_reference, make_workbook)
    dataset, _ = check(data_dir, workers=1)
    assert statuses(dataset) == {"BJ01": INVALID, "SH01": SCORED} and dataset.error_count() == 1
    make_workbook("accepted", "accepted.xlsx", rows={"accepted": [acceptance()]})
    dataset, _ = check(data_dir, workers=1)
    (f,) = [f for f in dataset.findings if f.code == "plausible-attainment"]
    assert (f.severity, f.acceptance, f.blocking) == (ERROR, REASON, False)
    assert statuses(dataset) == {"BJ01": SCORED, "SH01": SCORED} and dataset.error_count() == 0
    data = report(dataset)
    assert data["ok"] is True and data["counts"]["accepted"] == 1 and data["counts"]["error"] == 0
    assert next(x for x in data["findings"] if x["code"] == "plausible-attainment")["acceptance"] == REASON
    assert next(e for e in data["files"] if e["file"] == CLIENTS_FILE)["status"] == "ok"
    assert [x for x in data["findings"] if x["code"] == "accepted-unmatched"] == []


@pytest.mark.parametrize(("office", "file", "cell"), [
    ("BJ01", CLIENTS_FILE, "G2"),
    (" bj01 ", "2026Q1/BJ01/clients.xlsx", "$g$2"),  # as people copy it from the CLI's summary
    ("BJ01", "submissions\\2026Q1\\BJ01\\clients.xlsx", " G2"),
])
def test_an_acceptance_names_its_finding_as_reports_show_it(make_reference, make_workbook, data_dir, office, file,
                                                            cell):
    make_reference(targets=Q1_TARGETS)
    good_office(make_workbook, skip=("clients",))
    make_workbook("clients", CLIENTS_FILE, rows=GOOD_ROWS["clients"], raw={"客户": {"G2": "很多"}})
    make_workbook("accepted", "accepted.xlsx", rows={"accepted": [
        acceptance("type-number", file=file, cell=cell, office=office)]})
    dataset, _ = check(data_dir, workers=1)
    (f,) = [f for f in dataset.findings if f.code == "type-number"]
    assert (f.cell, f.acceptance) == ("G2", REASON)
    assert dataset.error_count() == 0


@pytest.mark.parametrize(("row", "reason"), [
    (acceptance(cell="G9"), "本次校验没有发现这个问题（可能已经更正）"),
    (acceptance(period="2026Q2"), "本次校验没有发现这个问题（可能已经更正）"),
    (acceptance(code="no-such-code"), "代码“no-such-code”不是校验代码"),
])
def test_an_acceptance_that_matches_nothing_is_a_warning(make_reference, make_workbook, data_dir, row, reason):
    implausible_office(make_reference, make_workbook)
    make_workbook("accepted", "accepted.xlsx", rows={"accepted": [row]})
    dataset, _ = check(data_dir, workers=1)
    (stale,) = [f for f in dataset.findings if f.code == "accepted-unmatched"]
    assert (stale.severity, stale.file, stale.sheet, stale.row) == (WARNING, "accepted.xlsx", "已确认", 2)
    assert reason in stale.message
    assert statuses(dataset)["BJ01"] == INVALID  # the finding it meant is still an error


def test_a_fixed_finding_leaves_its_acceptance_stale(make_reference, make_workbook, data_dir):
    make_reference(targets=Q1_TARGETS)
    good_office(make_workbook)  # the data was corrected: sales 550, no finding left to accept
    make_workbook("accepted", "accepted.xlsx", rows={"accepted": [acceptance()]})
    dataset, _ = check(data_dir, workers=1)
    assert [(f.code, f.office_id, f.period) for f in dataset.findings if f.severity != "info"
            and f.code != "submission-missing"] == [("accepted-unmatched", "BJ01", "2026Q1")]


def test_accepted_xlsx_is_validated_like_every_workbook(make_reference, make_workbook, data_dir):
    implausible_office(make_reference, make_workbook)
    make_workbook("accepted", "accepted.xlsx", rows={"accepted": [
        acceptance(reason=None), acceptance(period="26Q1")]})
    dataset, _ = check(data_dir, workers=1)
    problems = sorted((f.code, f.cell) for f in dataset.findings if f.file == "accepted.xlsx")
    assert problems == [("period-malformed", "B3"), ("required-blank", "F2")]
    assert statuses(dataset)["BJ01"] == INVALID  # neither row accepts anything
    assert statuses(dataset)["SH01"] == SCORED  # and HR's file makes no office invalid


def test_the_confirmer_is_personal_data(make_reference, make_workbook, data_dir):
    make_reference(targets=Q1_TARGETS)
    make_workbook("accepted", "accepted.xlsx", rows={"accepted": [acceptance()]})
    dataset, _ = check(data_dir, workers=1)
    facts = next(w for w in dataset.workbooks if w.path == "accepted.xlsx")
    assert [p.values for p in facts.private] == [("测试确认人",)]
    assert "测试确认人" not in json.dumps(report(dataset), ensure_ascii=False)



def test_a_reason_that_names_a_person_is_masked_like_a_finding(make_reference, make_workbook, data_dir):
    """HR's reason is shown wherever its finding is: a private value in it is hidden as in a message."""
    implausible_office(make_reference, make_workbook)
    make_workbook("accepted", "accepted.xlsx", rows={"accepted": [acceptance(reason="测试确认人已与所长核实，属实")]})
    dataset, _ = check(data_dir, workers=1)
    (f,) = [f for f in dataset.findings if f.code == "plausible-attainment"]
    assert (f.acceptance, f.blocking) == (f"{HIDDEN}已与所长核实，属实", False)
    assert "测试确认人" not in json.dumps(report(dataset), ensure_ascii=False)
    assert "测试确认人" not in render_validation(assess(dataset, load_policy()))


@pytest.mark.parametrize(("form_id", "path", "reason"), [
    ("accepted", "submissions/2026Q1/BJ01/accepted.xlsx", "应放在数据目录根下并命名为 accepted.xlsx"),
    ("reference", "accepted.xlsx", "应放在数据目录根下并命名为 reference.xlsx"),
    ("clients", "accepted.xlsx", "accepted.xlsx 的内容是“客户开发与维护”模板"),
])
def test_a_misplaced_accepted_file_is_reported(make_reference, make_workbook, data_dir, form_id, path, reason):
    make_reference(targets=Q1_TARGETS)
    rows = {"accepted": []} if form_id == "accepted" else None
    make_workbook(form_id, path, cover={"office_id": "BJ01", "period": "2026Q1"} if form_id == "clients" else None,
                  rows=rows)
    dataset, _ = check(data_dir, workers=1)
    misplaced = [f for f in dataset.findings if f.code == "file-misplaced"]
    assert [(f.file, f.severity) for f in misplaced] == [(path, ERROR)]
    assert reason in misplaced[0].message


def test_accepted_findings_are_shown_as_accepted_on_the_pages_and_in_the_hr_workbook(make_reference, make_workbook,
                                                                                    data_dir):
    implausible_office(make_reference, make_workbook)
    make_workbook("accepted", "accepted.xlsx", rows={"accepted": [acceptance()]})
    results = assess(check(data_dir, workers=1)[0], load_policy())
    validation = render_validation(results)
    assert '<tr data-code="plausible-attainment" data-accepted>' in validation
    assert "已确认：已与所长核实" in validation and "另有 **1** 个问题已由人力资源部与所长核实并确认" in validation
    office = render_office(results, "BJ01")
    assert "## 已确认的问题" in office and "疑似单位错误" in office and "已与所长核实" in office
    assert "## 已确认的问题" not in render_office(results, "SH01")
    sheet = load_workbook(io.BytesIO(period_workbook.workbook_bytes(results, "2026Q1", {})))["校验问题"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c.value for c in row))) for row in sheet.iter_rows(min_row=2)]
    (row,) = [r for r in rows if r["代码"] == "plausible-attainment"]
    assert row["已确认（原因）"] == f"已确认：{REASON}" and row["级别"] == "错误"


def test_an_annotated_copy_leaves_accepted_findings_out(make_reference, make_workbook, data_dir):
    from pipeline.outputs.annotate import needs_copy

    make_reference(targets=Q1_TARGETS)
    good_office(make_workbook, skip=("clients",))
    make_workbook("clients", CLIENTS_FILE, rows=GOOD_ROWS["clients"], raw={"客户": {"G2": 1e15}})
    assert CLIENTS_FILE in {w.path for w in needs_copy(check(data_dir, workers=1)[0])}
    make_workbook("accepted", "accepted.xlsx", rows={"accepted": [acceptance("plausible-ceiling", cell="G2")]})
    assert CLIENTS_FILE not in {w.path for w in needs_copy(check(data_dir, workers=1)[0])}  # nothing left to fix


def test_validate_marks_accepted_findings_and_exits_0(make_reference, make_workbook, data_dir):
    implausible_office(make_reference, make_workbook)
    before = run_cli("validate", str(data_dir), "--no-cache")
    assert before.returncode == 1, before.stdout + before.stderr
    assert "疑似单位错误" not in before.stdout  # the summary shows messages, the title is on the codes page
    assert "2026Q1/BJ01/clients.xlsx › 客户：北京一所（BJ01） 2026Q1 的销售目标完成率为 400%" in before.stdout
    make_workbook("accepted", "accepted.xlsx", rows={"accepted": [acceptance()]})
    after = run_cli("validate", str(data_dir), "--no-cache")
    assert after.returncode == 0, after.stdout + after.stderr
    assert "错误 0 个，警告 0 个，提示 0 条，已确认 1 个" in after.stdout  # the one count sentence (engine/counts.py)
    assert "已确认的 1 个问题由人力资源部在 accepted.xlsx 中确认，不影响评分" in after.stdout
    assert "✓ submissions/2026Q1/BJ01/clients.xlsx › 客户：北京一所（BJ01） 2026Q1 的销售目标完成率为 400%" in after.stdout
    assert f"（已确认：{REASON}）" in after.stdout


# ---------------------------------------------------------------------------------------------
# End to end: sales typed in 元, through `run` and `build`


def _yuan_instead_of_wan(data: Path) -> None:
    """GZ01's 2026Q1 clients workbook with every 本期销售额 typed in 元 (70 万元 -> 700,000)."""
    path = data / "submissions/2026Q1/GZ01/clients.xlsx"
    book = load_workbook(path)
    sheet = book["客户"]
    for row in range(2, sheet.max_row + 1):
        if isinstance(sheet[f"G{row}"].value, (int, float)):
            sheet[f"G{row}"] = sheet[f"G{row}"].value * 10_000
    book.save(path)


def _scorecard(out: Path, period: str, office: str) -> dict:
    text = (out / "scorecards.csv").read_text(encoding="utf-8-sig")
    return next(r for r in csv.DictReader(io.StringIO(text)) if (r["period"], r["office_id"]) == (period, office))


@pytest.mark.slow
def test_sales_typed_in_yuan_are_caught_end_to_end_and_accepting_them_scores_the_office(tmp_path):
    data = write_small_data(tmp_path / "data")
    _yuan_instead_of_wan(data)
    out = tmp_path / "out"
    result = run_cli("run", str(data), "--out", str(out), "--no-cache")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "2026Q1/GZ01/clients.xlsx › 客户：广州测试三所（GZ01） 2026Q1 的销售目标完成率为 525,000%" in result.stdout
    assert _scorecard(out, "2026Q1", "GZ01")["status"] == "invalid"
    assert _scorecard(out, "2026Q1", "BJ01")["status"] == "scored"
    findings = json.loads((out / "validation.json").read_text(encoding="utf-8"))["findings"]
    blocking = [f for f in findings if f["severity"] == "error"]
    assert {(f["code"], f["file"], f["sheet"], f["office_id"], f["period"]) for f in blocking} == {
        ("plausible-attainment", "submissions/2026Q1/GZ01/clients.xlsx", "客户", "GZ01", "2026Q1"),
        ("plausible-market-share", "submissions/2026Q1/GZ01/clients.xlsx", "客户", "GZ01", "2026Q1")}
    assert next(f for f in blocking if f["code"] == "plausible-attainment")["title"] == "疑似单位错误"

    # HR checks with the office head and accepts both findings, copying them from validation.json
    rows = [acceptance(f["code"], file=f["file"], cell=f["cell"] or None, office=f["office_id"], period=f["period"])
            for f in blocking]
    write_form(ACCEPTED, data / "accepted.xlsx", rows={"accepted": rows})
    result = run_cli("run", str(data), "--out", str(out), "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
    card = _scorecard(out, "2026Q1", "GZ01")
    assert card["status"] == "scored" and float(card["sales"]) == 2_100_000
    report_data = json.loads((out / "validation.json").read_text(encoding="utf-8"))
    assert report_data["ok"] is True and report_data["counts"]["accepted"] == 2

    site = tmp_path / "site"
    built = run_cli("build", "--data", str(data), "--site", str(site), "--no-cache")
    assert built.returncode == 0, built.stdout + built.stderr
    page = (site / "offices" / "gz01.html").read_text(encoding="utf-8")
    assert "已确认的问题" in page and "已确认" in page and "已与所长核实" in page and "疑似单位错误" in page
    assert "已确认" in (site / "validation.html").read_text(encoding="utf-8")
    shutil.rmtree(site.parent / ".build", ignore_errors=True)
