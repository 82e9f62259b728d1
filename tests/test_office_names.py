"""Every message names an office one way: 苏州一所（SU01）, its name in HR's list and its id; the bare
id only for an office the list does not name. The same text in the findings, `validate`'s summary,
validation.json, the site's 校验报告 and HR's workbook (the audit saw `业务所 SU01 未提交 …` beside
`苏州一所（SU01）`)."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from _validation_helpers import GOOD_ROWS
from conftest import DEFAULT_OFFICES, DEPUTY, default_targets, write_form
from openpyxl import load_workbook

from pipeline.cli import main
from pipeline.engine.model import Office, Reference, office_label
from pipeline.forms import REFERENCE
from pipeline.outputs.pages.results import render_validation
from pipeline.run import run

MISSING_TRAINING = "苏州一所（SU01）未提交 2026年第四季度的“培训计划”"  # the audit's example, as it should read
OFFICES = [*DEFAULT_OFFICES,
           {"office_id": "SU01", "office_name": "苏州一所", "head": "测试所长丙", "region": "华东", "bonus_base": 30000},
           {"office_id": "NJ01", "office_name": "南京一所", "head": "测试所长丁", "region": "华东", "bonus_base": 30000},
           {"office_id": "HZ01", "office_name": "杭州一所", "head": "测试所长戊", "region": "华东", "bonus_base": 30000}]
# every code whose message names an office, made by the data below
NAMING = {"submission-missing", "submission-missing-weightless", "reference-no-target", "reference-duplicate-target",
          "head-overlap", "head-gap", "cover-filler-not-head"}


@pytest.mark.parametrize(("reference", "office_id", "expected"), [
    (Reference(offices={"SU01": Office("SU01", "苏州一所")}), "SU01", "苏州一所（SU01）"),
    (Reference(offices={"SU01": Office("SU01", "苏州一所")}), "ZZ09", "ZZ09"),  # not in the list
    (Reference(offices={"SU01": Office("SU01", "")}), "SU01", "SU01"),  # a row of the list without a name
])
def test_an_office_is_named_with_its_id_unless_the_list_has_no_name(reference, office_id, expected):
    assert reference.office_label(office_id) == expected
    assert office_label(office_id, reference.offices[office_id].name if office_id in reference.offices else "") == expected


@pytest.fixture
def company(data_dir, make_workbook):
    """2026Q4 of five offices, each with one kind of finding that names it."""
    q4 = [t for t in default_targets(OFFICES) if t["quarter"] == "Q4" and t["office_id"] != "NJ01"]  # NJ01: no target
    q4.append({**q4[-1], "sales_target": 600})  # HZ01's target twice
    heads = [{"office_id": "BJ01", "head_id": "T1", "head_name": "测试所长甲", "start": date(2020, 1, 1)},
             {"office_id": "BJ01", "head_id": "T2", "head_name": "测试所长乙", "start": date(2026, 11, 1)},  # overlaps
             {"office_id": "SH01", "head_id": "T3", "head_name": "测试所长乙", "start": date(2020, 1, 1),
              "end": date(2026, 9, 30)},
             {"office_id": "SH01", "head_id": "T4", "head_name": "测试所长乙", "start": date(2026, 10, 8)}]  # a gap
    write_form(REFERENCE, data_dir / "reference.xlsx", rows={"offices": OFFICES, "targets": q4, "heads": heads})
    forms = {"BJ01": GOOD_ROWS, "SH01": {k: v for k, v in GOOD_ROWS.items() if k != "projects"},
             "SU01": {k: v for k, v in GOOD_ROWS.items() if k != "training"}, "NJ01": {"clients": GOOD_ROWS["clients"]}}
    for office, rows in forms.items():
        filler = DEPUTY if office == "SH01" else next(o["head"] for o in OFFICES if o["office_id"] == office)
        for form_id, form_rows in rows.items():
            make_workbook(form_id, f"submissions/2026Q4/{office}/{form_id}.xlsx", rows=form_rows,
                          cover={"office_id": office, "period": "2026Q4", "filled_by": filler,
                                 "filled_on": date(2027, 1, 5)})
    return data_dir


@pytest.fixture
def outcome(company, tmp_path):
    return run(company, tmp_path / "out", workers=1)


def test_every_message_names_an_office_by_its_name_and_id(outcome):
    findings = [*outcome.results.dataset.findings, *outcome.results.findings]
    assert {f.code for f in findings} >= NAMING  # the check below has every kind to read
    labels = {o["office_id"]: f"{o['office_name']}（{o['office_id']}）" for o in OFFICES}
    for f in findings:
        for office_id, label in labels.items():
            assert not re.search(rf"\b{office_id}\b", f.message.replace(label, "")), f.message
        assert "业务所 " not in f.message, f.message
    by_code = {f.code: f.message for f in findings if f.code in NAMING - {"submission-missing"}}
    assert by_code == {
        "submission-missing-weightless": "上海一所（SH01）未提交 2026Q4 的“项目管理”；该表的指标在本期考核中权重均为 0，本期照常评分",
        "reference-no-target": "南京一所（NJ01）有 2026年第四季度的提交，但《季度目标》中没有该季度的目标",
        "reference-duplicate-target": "杭州一所（HZ01）的 2026年第四季度目标重复出现（第 5 行已有）",
        "head-overlap": "北京一所（BJ01）的这一任职（自 2026-11-01）与第 2 行的任职（2020-01-01 至 今）时间重叠，本行未采用",
        "head-gap": "上海一所（SH01）在 2026-10-01 至 2026-10-07 没有在任所长（第 4 行的任职结束后，本行才开始）",
        "cover-filler-not-head": "封面的填报人与上海一所（SH01） 2026Q4 在任的所长（见《所长任职》）不一致",
    }


def test_validate_the_page_and_the_workbook_say_the_same(company, outcome, tmp_path, capsys):
    assert main(["validate", str(company), "--json", str(tmp_path / "report.json"), "--workers", "1", "--no-cache"]) == 1
    summary = capsys.readouterr().out
    assert "\n【苏州一所（SU01）】\n  未提交  警告 1\n    ! 2026Q4：培训计划\n" in summary
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert MISSING_TRAINING in [f["message"] for f in report["findings"]]
    validation = json.loads((tmp_path / "out" / "validation.json").read_text(encoding="utf-8"))
    assert MISSING_TRAINING in [f["message"] for f in validation["findings"]]
    assert f'<td data-label="问题">{MISSING_TRAINING}</td>' in render_validation(outcome.results)
    sheet = load_workbook(tmp_path / "out" / "考核结果-2026Q4.xlsx")["校验问题"]
    head = [c.value for c in sheet[1]]
    assert MISSING_TRAINING in [row[head.index("说明")] for row in sheet.iter_rows(min_row=2, values_only=True)]
