"""Hardening of `intake`: each test reproduces a break as it was reported, on real .xlsx files.

- an inbox that is (in, or around) the data folder emptied it, reference.xlsx included;
- the report was written through a link planted in its place;
- a NUL in the cover (`BJ_x0000_01`) ended the run with a traceback, no report, later files left;
- ids and periods the reference does not know, folders and newlines in the way, bad values
  reported as blank.
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest
from _validation_helpers import GOOD_ROWS, good_office, run_cli, sha256
from conftest import write_form
from hypothesis import given
from hypothesis import strategies as st

from pipeline.forms import get_form
from pipeline.forms.values import CONTROL, printable
from pipeline.intake.filing import STAYED, destination, file_one, inbox_problem
from pipeline.intake.inbox_report import REPORT_NAME
from pipeline.intake.read import read_facts, read_workbook

OFFICES = [{"office_id": o, "office_name": n, "head": "测试所长", "region": "华东", "bonus_base": 30000}
           for o, n in (("BJ01", "北京一所"), ("HZ01", "杭州一所"))]


def _tree(root: Path) -> dict[str, str]:
    """Every file and link under `root`: its bytes' digest, or where the link points."""
    found = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            found[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            found[rel] = sha256(path)
    return found


def _drop(inbox: Path, name: str, form_id: str = "clients", office: str = "HZ01", period: str = "2026Q1",
          raw: dict | None = None) -> Path:
    """A filled office form in the inbox; `raw` sets cells as openpyxl writes them (`_x0000_` escapes)."""
    cover = {"office_id": office, "period": period, "filled_by": "测试填报人"}
    return write_form(get_form(form_id), inbox / name, cover=cover, rows=GOOD_ROWS[form_id], raw=raw)


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    path = tmp_path / "收件箱"
    path.mkdir()
    return path


@pytest.fixture
def data(data_dir: Path, make_reference, make_workbook) -> Path:
    """A data folder holding HR's reference and BJ01's four forms of 2026Q1."""
    make_reference(offices=OFFICES)
    good_office(make_workbook, "2026Q1", "BJ01")
    return data_dir


def _report(inbox: Path) -> list[str]:
    """The lines of the report's last section, under its heading."""
    lines = (inbox / REPORT_NAME).read_text(encoding="utf-8").splitlines()
    heading = max(i for i, line in enumerate(lines) if line.startswith("==== "))
    return lines[heading + 1:]


# ---------------------------------------------------------------------------------------------
# 1. An inbox that overlaps the data folder


@pytest.mark.parametrize("inbox_of", [
    lambda data: data / "submissions" / "2026Q1",  # intake DATA/submissions/2026Q1 --data DATA
    lambda data: data,  # intake DATA --data DATA
    lambda data: data.parent,  # an inbox holding the data folder
])
def test_an_inbox_overlapping_the_data_folder_is_refused_and_nothing_is_touched(data, inbox_of):
    before = _tree(data.parent)
    assert "data/reference.xlsx" in before and len(before) == 5
    result = run_cli("intake", str(inbox_of(data)), "--data", str(data))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "收件目录" in result.stderr and "数据目录" in result.stderr and "Traceback" not in result.stderr
    assert "已从收件目录移除" not in result.stdout
    assert _tree(data.parent) == before


def test_an_inbox_reached_through_a_link_is_refused_too(data, tmp_path):
    link = tmp_path / "收件快捷方式"
    link.symlink_to(data / "submissions", target_is_directory=True)
    before = _tree(data)
    result = run_cli("intake", str(link), "--data", str(data))
    assert result.returncode == 2 and "位于数据目录" in result.stderr
    assert _tree(data) == before


@pytest.mark.parametrize(("inbox", "data", "overlaps"), [
    ("d", "d", True), ("d/submissions/2026Q1", "d", True), ("x", "x/d", True), ("d/../d", "d", True),
    ("收件箱", "d", False), ("d2", "d", False),
])
def test_inbox_problem(tmp_path, inbox, data, overlaps):
    problem = inbox_problem(tmp_path / inbox, tmp_path / data)
    assert (problem is not None) == overlaps
    if problem:
        assert problem.endswith("请把收到的文件放在数据目录以外的文件夹中。")


def test_a_source_that_is_its_own_destination_is_never_deleted(data):
    dest = data / "submissions/2026Q1/BJ01/clients.xlsx"
    digest = sha256(dest)
    outcome = file_one(dest, "clients.xlsx", read_facts(dest, "clients.xlsx"), data, frozenset({"BJ01"}))
    assert outcome.action == STAYED and "同一个文件" in outcome.note
    assert sha256(dest) == digest


def test_a_hard_link_to_the_filed_file_stays_and_both_names_keep_it(data, inbox):
    dest = data / "submissions/2026Q1/BJ01/clients.xlsx"
    os.link(dest, inbox / "再发一次.xlsx")
    result = run_cli("intake", str(inbox), "--data", str(data))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "未归档：再发一次.xlsx：就是数据目录中的 submissions/2026Q1/BJ01/clients.xlsx（同一个文件），未移动" in result.stdout
    assert (inbox / "再发一次.xlsx").is_file() and dest.is_file()


# ---------------------------------------------------------------------------------------------
# 6. The report and a link in its place


def test_the_report_replaces_a_link_and_leaves_its_target_untouched(data, inbox, tmp_path):
    victim = tmp_path / "HR 可写的文件.txt"
    victim.write_text("不能被覆盖的内容", encoding="utf-8")
    (inbox / REPORT_NAME).symlink_to(victim)
    _drop(inbox, "客户表.xlsx")
    result = run_cli("intake", str(inbox), "--data", str(data))
    assert result.returncode == 0, result.stdout + result.stderr
    assert victim.read_text(encoding="utf-8") == "不能被覆盖的内容"
    report = inbox / REPORT_NAME
    assert not report.is_symlink() and report.is_file()
    assert _report(inbox)[0] == "已归档：客户表.xlsx → submissions/2026Q1/HZ01/clients.xlsx"


# ---------------------------------------------------------------------------------------------
# 7. A NUL (or any control character) in the cover


def test_a_nul_in_the_office_id_is_reported_and_later_files_are_still_filed(data, inbox):
    bad = _drop(inbox, "空字符.xlsx", office="BJ01", raw={"封面": {"B2": "BJ_x0000_01"}})
    os.utime(bad, (1_700_000_000, 1_700_000_000))  # the oldest: read first
    good = _drop(inbox, "客户表.xlsx", office="HZ01")
    result = run_cli("intake", str(inbox), "--data", str(data))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "null byte" not in result.stderr
    assert _report(inbox) == [
        "未归档：空字符.xlsx：“封面”工作表 B2 的所编号为“BJ\\x0001”，含有换行符等控制字符",
        "已归档：客户表.xlsx → submissions/2026Q1/HZ01/clients.xlsx",
        "共 2 个文件：归档 1 个，留在收件目录 1 个。",
    ]
    assert bad.is_file() and not good.exists()
    assert (data / "submissions/2026Q1/HZ01/clients.xlsx").is_file()


@pytest.mark.parametrize(("cell", "typed", "label", "seen"), [
    ("B2", "BJ_x0000_01", "所编号", "BJ\\x0001"),
    ("B2", "BJ_x001B_[31m01", "所编号", "BJ\\x1b[31m01"),
    ("B2", "BJ\n01", "所编号", "BJ\\x0a01"),
    ("B3", "2026_x000A_Q1", "期间", "2026\\x0aQ1"),
])
def test_control_characters_in_identity_cells_are_an_error_finding(tmp_path, cell, typed, label, seen):
    path = _drop(tmp_path, "a.xlsx", office="BJ01", raw={"封面": {cell: typed}})
    wb = read_workbook(path, "a.xlsx")
    found = [f for f in wb.findings if f.code == "text-control"]
    assert [(f.severity, f.sheet, f.cell, f.column) for f in found] == [("error", "封面", cell, label)]
    assert found[0].message == f"“{label}”含有换行符等控制字符，实际为“{seen}”"
    assert wb.identity is None


# ---------------------------------------------------------------------------------------------
# 10. Ids, periods, names and folders


@pytest.mark.parametrize(("raw", "office", "expected"), [
    (None, ".hid", "“封面”工作表 B2 的所编号为“.hid”，不在 reference.xlsx 的业务所名单中"),
    (None, "_versions", "“封面”工作表 B2 的所编号为“_versions”，不在 reference.xlsx 的业务所名单中"),
    (None, "SZ09", "“封面”工作表 B2 的所编号为“SZ09”，不在 reference.xlsx 的业务所名单中"),
    ({"封面": {"B2": "A" * 100}}, "", "“封面”工作表 B2 的所编号为“AAAAAAAAAAAAAAAAAAAA…”，超过 20 个字符（共 100 个字符）"),
    ({"封面": {"B3": "2026Q1/../../.."}}, "HZ01", "“封面”工作表 B3 的期间为“2026Q1/../../..”，应为“2026Q1”这样的格式"),
    ({"封面": {"B3": "2026Q1_x001B_[2J"}}, "HZ01", "“封面”工作表 B3 的期间为“2026Q1\\x1b[2J”，含有换行符等控制字符"),
    ({"封面": {"B2": None}}, "", "“封面”工作表 B2 的所编号未填写"),
])
def test_an_id_or_period_that_is_not_a_place_stays_saying_what_was_seen(data, inbox, raw, office, expected):
    before = _tree(data)
    dropped = _drop(inbox, "来件.xlsx", office=office or "HZ01", raw=raw)
    result = run_cli("intake", str(inbox), "--data", str(data))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert _report(inbox)[0] == f"未归档：来件.xlsx：{expected}"
    assert dropped.is_file() and _tree(data) == before


def test_ids_of_the_reference_that_cannot_name_a_folder_are_refused(data_dir, make_reference, inbox):
    make_reference(offices=[{**OFFICES[0], "office_id": ".hid"}, {**OFFICES[1], "office_id": "_versions"}])
    _drop(inbox, "hid.xlsx", office=".hid")
    _drop(inbox, "versions.xlsx", office="_versions")
    result = run_cli("intake", str(inbox), "--data", str(data_dir))
    assert result.returncode == 1
    assert sorted(_report(inbox)[:2]) == [
        "未归档：hid.xlsx：“封面”工作表 B2 的所编号为“.hid”，不能用作文件夹名",
        "未归档：versions.xlsx：“封面”工作表 B2 的所编号为“_versions”，不能用作文件夹名",
    ]
    assert not (data_dir / "submissions").exists()


def test_a_folder_in_the_place_of_the_file_is_not_filled(data, inbox):
    folder = data / "submissions/2026Q1/HZ01/clients.xlsx"
    folder.mkdir(parents=True)
    (folder / "备注.txt").write_text("别动", encoding="utf-8")
    dropped = _drop(inbox, "客户表.xlsx")
    result = run_cli("intake", str(inbox), "--data", str(data))
    assert result.returncode == 1
    assert _report(inbox)[0] == ("未归档：客户表.xlsx：数据目录中已有名为 submissions/2026Q1/HZ01/clients.xlsx 的文件夹"
                                 "（或其他不是文件的项目），未归档，请人工处理")
    assert sorted(p.name for p in folder.iterdir()) == ["备注.txt"] and dropped.is_file()


def test_a_link_on_the_way_is_not_followed(data, inbox, tmp_path):
    outside = tmp_path / "别处"
    outside.mkdir()
    (data / "submissions/2026Q1/HZ01").symlink_to(outside, target_is_directory=True)
    dropped = _drop(inbox, "客户表.xlsx")
    result = run_cli("intake", str(inbox), "--data", str(data))
    assert result.returncode == 1
    assert "数据目录中的 submissions/2026Q1/HZ01 是链接" in _report(inbox)[0]
    assert list(outside.iterdir()) == [] and dropped.is_file()


def test_newlines_in_names_and_ids_cannot_forge_report_lines(data, inbox):
    forged = "x\n已归档：伪造.xlsx → 数据目录\n"
    (inbox / f"{forged}.txt").write_text("?", encoding="utf-8")
    _drop(inbox, "换行.xlsx", office="HZ\n01\n已归档：假")
    result = run_cli("intake", str(inbox), "--data", str(data))
    assert result.returncode == 1
    lines = _report(inbox)
    assert len(lines) == 3 and result.stdout.splitlines()[:-1] == lines  # then where the report is
    assert not any(line.startswith("已归档") for line in lines)
    assert "未归档：x\\x0a已归档：伪造.xlsx → 数据目录\\x0a.txt：不是 Excel 工作簿（.xlsx）" in lines
    assert "未归档：换行.xlsx：“封面”工作表 B2 的所编号为“HZ\\x0a01\\x0a已归档：假”，含有换行符等控制字符" in lines


def test_the_reference_in_the_inbox_is_filed_before_the_forms_it_lists(data_dir, inbox):
    form = _drop(inbox, "a.xlsx", office="HZ01")
    os.utime(form, (1_700_000_000, 1_700_000_000))  # older than the reference
    write_form(get_form("reference"), inbox / "名单.xlsx", rows={"offices": OFFICES})
    result = run_cli("intake", str(inbox), "--data", str(data_dir))
    assert result.returncode == 0, result.stdout
    assert _report(inbox)[:2] == ["已归档：名单.xlsx → reference.xlsx",
                                  "已归档：a.xlsx → submissions/2026Q1/HZ01/clients.xlsx"]


# ---------------------------------------------------------------------------------------------
# Properties of what intake shows and where it files


@given(st.text(), st.one_of(st.none(), st.integers(min_value=1, max_value=30)))
def test_printable_is_one_line_without_control_characters(text, limit):
    shown = printable(text, limit=limit)
    assert CONTROL.search(shown) is None and len(shown.splitlines()) <= 1
    if limit is not None and len(text) > limit:
        assert shown.endswith("…")


@given(st.text(max_size=30))
def test_an_office_form_is_filed_only_under_a_listed_office_that_names_a_folder(office):
    from _validation_helpers import hand_workbook

    offices = frozenset({office, "HZ01"})
    rel, reason = destination(hand_workbook("a.xlsx", "clients", office, "2026Q1"), offices)
    if rel is None:
        assert reason and "\n" not in printable(reason)
        return
    folder = rel.split("/")[2]
    assert folder == office.strip() and folder in offices and rel == f"submissions/2026Q1/{folder}/clients.xlsx"
    assert not folder.startswith((".", "_", "~$")) and "/" not in folder and "\\" not in folder
    assert not any(unicodedata.category(ch) == "Cc" for ch in folder)
