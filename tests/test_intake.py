"""Intake: received files, whatever their names, are filed into the data layout by their content."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from _validation_helpers import GOOD_ROWS, hand_workbook, run_cli, sha256

from pipeline.findings import finding
from pipeline.forms import get_form
from pipeline.intake.filing import FILED, destination, file_inbox
from pipeline.intake.inbox_report import REPORT_NAME
from pipeline.outputs.form_workbook import form_workbook_bytes

# ---------------------------------------------------------------------------------------------
# Where a read workbook belongs (pure)


OFFICES = frozenset({"HZ01", "SH01", "../../etc", ".hid", "_versions"})


@pytest.mark.parametrize(("form_id", "office", "period", "expected"), [
    ("clients", "HZ01", "2026Q1", "submissions/2026Q1/HZ01/clients.xlsx"),
    ("projects", "HZ01", "2026q3", "submissions/2026Q3/HZ01/projects.xlsx"),
    ("reference", None, None, "reference.xlsx"),
    ("clients", None, "2026Q1", None),
    ("clients", "HZ01", "26年一季度", None),
    ("clients", "BJ01", "2026Q1", None),  # not an office of the reference
    ("clients", "HZ01", "2026年第四季度", "submissions/2026Q4/HZ01/clients.xlsx"),  # periods.valid_period
    # in the reference, but not a folder `validate` reads
    ("clients", "../../etc", "2026Q1", None),
    ("clients", ".hid", "2026Q1", None),
    ("clients", "_versions", "2026Q1", None),
    (None, None, None, None),
])
def test_destination(form_id, office, period, expected):
    rel, reason = destination(hand_workbook("inbox.xlsx", form_id, office, period), OFFICES)
    assert rel == expected
    assert bool(reason) == (expected is None)


def test_destination_refuses_a_file_the_reader_refused():
    wb = hand_workbook("a.xlsx", "clients", "HZ01", "2026Q1")
    wb = replace(wb, findings=(*wb.findings, finding("file-macro", file="a.xlsx")))
    assert destination(wb, OFFICES) == (None, "文件是启用宏的工作簿（.xlsm），不接受含宏的文件")


def test_destination_needs_the_reference_to_check_the_office():
    rel, reason = destination(hand_workbook("a.xlsx", "clients", "HZ01", "2026Q1"), frozenset())
    assert rel is None and "reference.xlsx" in reason


# ---------------------------------------------------------------------------------------------
# The command on real files


def _drop(inbox: Path, name: str, form_id: str, office: str = "HZ01", period: str = "2026Q1", **rows) -> Path:
    form = get_form(form_id)
    cover = {"office_id": office, "period": period, "filled_by": "测试填报人"} if form.has_cover else None
    path = inbox / name
    path.write_bytes(form_workbook_bytes(form, cover=cover, rows=rows or GOOD_ROWS.get(form_id)))
    return path


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    path = tmp_path / "收件箱"
    path.mkdir()
    return path


@pytest.fixture
def reference(make_reference):
    """reference.xlsx in the data folder, listing HZ01 and SH01."""
    return make_reference(offices=[{"office_id": o, "office_name": n, "head": "测试所长", "region": "华东",
                                    "bonus_base": 30000} for o, n in (("HZ01", "杭州一所"), ("SH01", "上海一所"))])


def test_messy_names_are_filed_by_content(inbox, data_dir):
    a = _drop(inbox, "杭州一所Q1客户表(最终版)(2).xlsx", "clients")
    b = _drop(inbox, "项目 汇总 v3.xlsx", "projects", office="SH01", period="2026Q2")
    c = _drop(inbox, "基础数据2026.xlsx", "reference", offices=[{"office_id": "HZ01", "office_name": "杭州一所"},
                                                              {"office_id": "SH01", "office_name": "上海一所"}])
    hashes = [sha256(p) for p in (a, b, c)]
    result = run_cli("intake", str(inbox), "--data", str(data_dir))
    assert result.returncode == 0, result.stdout + result.stderr
    filed = [data_dir / "submissions/2026Q1/HZ01/clients.xlsx", data_dir / "submissions/2026Q2/SH01/projects.xlsx",
             data_dir / "reference.xlsx"]
    assert [sha256(p) for p in filed] == hashes
    assert sorted(p.name for p in inbox.iterdir()) == [REPORT_NAME]
    assert "已归档：杭州一所Q1客户表(最终版)(2).xlsx → submissions/2026Q1/HZ01/clients.xlsx" in result.stdout
    assert "Traceback" not in result.stderr


def test_unreadable_files_stay_with_the_reason(inbox, data_dir, reference):
    (inbox / "坏文件.xlsx").write_bytes(b"not a workbook at all")
    (inbox / "说明.txt").write_text("请查收", encoding="utf-8")
    _drop(inbox, "无期间.xlsx", "training", period="")
    good = _drop(inbox, "好.xlsx", "training")
    result = run_cli("intake", str(inbox), "--data", str(data_dir))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    remaining = sorted(p.name for p in inbox.iterdir())
    assert remaining == sorted([REPORT_NAME, "坏文件.xlsx", "说明.txt", "无期间.xlsx"])
    report = (inbox / REPORT_NAME).read_text(encoding="utf-8")
    assert "未归档：说明.txt：不是 Excel 工作簿（.xlsx）" in report
    assert "未归档：无期间.xlsx：“封面”工作表 B3 的期间未填写" in report
    assert "未归档：坏文件.xlsx：" in report
    assert report.strip().endswith("共 4 个文件：归档 1 个，留在收件目录 3 个。")
    assert not good.exists() and (data_dir / "submissions/2026Q1/HZ01/training.xlsx").is_file()


def test_an_identical_redrop_is_just_removed(inbox, data_dir, reference):
    first = _drop(inbox, "clients.xlsx", "clients")
    digest = sha256(first)
    copy = inbox / "clients (copy).xlsx"
    copy.write_bytes(first.read_bytes())
    assert run_cli("intake", str(inbox), "--data", str(data_dir)).returncode == 0
    dest = data_dir / "submissions/2026Q1/HZ01/clients.xlsx"
    assert sha256(dest) == digest
    copy2 = inbox / "再发一次.xlsx"
    copy2.write_bytes(dest.read_bytes())
    result = run_cli("intake", str(inbox), "--data", str(data_dir))
    assert result.returncode == 0
    assert "已存在相同文件：再发一次.xlsx" in result.stdout
    assert not copy2.exists() and sha256(dest) == digest
    assert not (dest.parent / "_versions").exists()


def test_a_different_file_keeps_the_old_one_as_a_dated_version(inbox, data_dir, reference):
    old = _drop(inbox, "v1.xlsx", "clients")
    assert run_cli("intake", str(inbox), "--data", str(data_dir)).returncode == 0
    dest = data_dir / "submissions/2026Q1/HZ01/clients.xlsx"
    os.utime(dest, (1795768200, 1795768200))  # 2026-11-27 08:30 UTC
    old_digest = sha256(dest)
    new = _drop(inbox, "v2 最终版.xlsx", "clients", clients=[{"client_id": "C9", "name": "丙公司", "sales": 1}])
    new_digest = sha256(new)
    assert new_digest != old_digest and not old.exists()
    result = run_cli("intake", str(inbox), "--data", str(data_dir))
    assert result.returncode == 0
    version = dest.parent / "_versions" / "clients.2026-11-27T0830.xlsx"
    assert sha256(version) == old_digest
    assert sha256(dest) == new_digest
    assert "原有的不同版本已保存为 submissions/2026Q1/HZ01/_versions/clients.2026-11-27T0830.xlsx" in result.stdout

    from pipeline.intake.discover import discover

    _, items, _ = discover(data_dir)
    assert [rel for _, rel in items] == ["submissions/2026Q1/HZ01/clients.xlsx"]


def test_missing_inbox_is_a_usage_error(tmp_path, data_dir):
    result = run_cli("intake", str(tmp_path / "没有"), "--data", str(data_dir))
    assert result.returncode == 2
    assert "收件目录" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("typed", ["2026年第四季度", "2026年4季度", "2026 Q4", "２０２６Q4"])
def test_a_period_written_as_people_write_it_is_filed_under_the_quarter(inbox, data_dir, reference, typed):
    dropped = _drop(inbox, "客户表.xlsx", "clients", period=typed)
    digest = sha256(dropped)
    (outcome,) = file_inbox(inbox, data_dir)
    assert (outcome.action, outcome.dest) == (FILED, "submissions/2026Q4/HZ01/clients.xlsx"), outcome.note
    assert sha256(data_dir / outcome.dest) == digest


def test_an_office_id_in_another_case_is_filed_and_read_as_the_reference_id(inbox, data_dir, make_reference):
    """`bj01` is filed under BJ01's folder, and the engine reads the cover as BJ01 with a note."""
    from pipeline.engine.submissions import submission_matrix
    from pipeline.run import check

    make_reference()
    _drop(inbox, "北京一所客户表.xlsx", "clients", office="bj01", period="2026年第一季度")
    (outcome,) = file_inbox(inbox, data_dir)
    assert (outcome.action, outcome.dest) == (FILED, "submissions/2026Q1/BJ01/clients.xlsx"), outcome.note
    dataset = check(data_dir, workers=1)[0]
    assert [f for f in dataset.findings if f.code in ("office-unknown", "identity-mismatch")] == []
    notes = {(f.cell, f.value, f.office_id) for f in dataset.findings if f.code == "value-normalised"}
    assert notes == {("B2", "bj01", "BJ01"), ("B3", "2026年第一季度", "BJ01")}
    assert ("2026Q1", "BJ01", "clients") in dataset.submissions
    assert submission_matrix(dataset)["2026Q1"]["BJ01"]["clients"] == "submitted"
