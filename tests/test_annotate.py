"""Annotated copies: bad cells filled and commented, a 问题清单 sheet first, the original untouched."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from _read_helpers import external_reference, filled_bytes, legacy_xls
from _validation_helpers import GOOD_ROWS, hand_workbook, sha256
from openpyxl import load_workbook

from pipeline.engine.model import Dataset, Reference
from pipeline.findings import ERROR, INFO, WARNING, finding
from pipeline.outputs.annotate import FILLS, ISSUES_SHEET, Annotated, annotate, link_location, needs_copy

CLIENTS = "submissions/2026Q1/BJ01/clients.xlsx"
PROJECTS = "submissions/2026Q1/BJ01/projects.xlsx"


def _dataset(data_dir: Path, findings, paths=(CLIENTS, PROJECTS)) -> Dataset:
    workbooks = [hand_workbook(p, p.rsplit("/", 1)[-1].removesuffix(".xlsx"), "BJ01", "2026Q1") for p in paths]
    return Dataset(data_dir=data_dir.name, reference=Reference(), workbooks=workbooks, findings=findings)


def _findings():
    return [
        finding("type-number", file=CLIENTS, sheet="客户", cell="G3", row=3, column="本期销售额",
                value="十二", expected="数字，不小于 0", seen="十二"),
        finding("out-of-range", file=CLIENTS, sheet="客户", cell="I2", row=2, column="满意度评分",
                value="7", expected="数字，1–5", seen="7"),
        finding("rule-not-above", severity=WARNING, file=CLIENTS, sheet="客户", cell="K2", row=2,
                column="已解决投诉次数", rule="已解决投诉次数不得大于投诉次数", seen="3", other_column="投诉次数", other="2"),
        finding("rule-not-above", file=CLIENTS, sheet="客户", cell="K2", row=2,
                column="已解决投诉次数", rule="已解决投诉次数不得大于投诉次数", seen="3", other_column="投诉次数", other="2"),
        finding("value-normalised", file=CLIENTS, sheet="客户", cell="H2", row=2, column="回访次数",
                seen="２", normalised="2"),
        finding("identity-mismatch", file=CLIENTS, sheet="封面", cell="B2", column="所编号", value="SH01",
                label="所编号", seen="SH01", expected="2026Q1/BJ01"),
        finding("project-client-unknown", file=PROJECTS, sheet="项目", cell="C2", row=2, column="客户编号",
                value="C7", seen="C7"),
    ]


@pytest.fixture
def annotated(make_workbook, data_dir, tmp_path):
    rows = {"clients": [{**GOOD_ROWS["clients"]["clients"][0], "complaints": 2, "resolved_complaints": 3},
                        GOOD_ROWS["clients"]["clients"][1]]}
    originals = [make_workbook("clients", CLIENTS, rows=rows),
                 make_workbook("projects", PROJECTS, rows={"projects": [
                     {**GOOD_ROWS["projects"]["projects"][0], "client_id": "C7"}]})]
    before = [sha256(p) for p in originals]
    out = tmp_path / "marked"
    written = annotate(_dataset(data_dir, _findings()), data_dir, out).written
    return originals, before, out, written


def test_copies_keep_the_relative_paths_and_originals_are_unchanged(annotated):
    originals, before, out, written = annotated
    assert written == [out / CLIENTS, out / PROJECTS]
    assert [sha256(p) for p in originals] == before


def test_bad_cells_are_filled_and_commented(annotated):
    _, _, out, _ = annotated
    book = load_workbook(out / CLIENTS)
    ws = book["客户"]
    red, yellow = FILLS[ERROR].start_color.rgb, FILLS[WARNING].start_color.rgb
    assert ws["G3"].fill.start_color.rgb == red
    assert ws["I2"].fill.start_color.rgb == red
    assert ws["K2"].fill.start_color.rgb == red  # an error and a warning on one cell: the error wins
    assert ws["G3"].comment.text == "【错误】“本期销售额”应为数字，不小于 0，实际为“十二”"
    assert ws["K2"].comment.text.count("\n") == 1
    assert ws["H2"].fill.start_color.rgb == FILLS[INFO].start_color.rgb  # read other than typed: a note
    assert ws["H2"].comment.text == "【提示】“回访次数”的“２”已按“2”读取"
    assert ws["G2"].comment is None and ws["G2"].fill.start_color.rgb != red
    assert book["封面"]["B2"].fill.start_color.rgb == red
    assert "SH01" in book["封面"]["B2"].comment.text
    proj = load_workbook(out / PROJECTS)["项目"]
    assert proj["C2"].fill.start_color.rgb == yellow
    assert proj["C2"].comment.text == "【警告】客户编号“C7”不在本期客户表中"


def test_issues_sheet_comes_first_with_internal_links(annotated):
    _, _, out, _ = annotated
    book = load_workbook(out / CLIENTS)
    assert book.sheetnames[0] == ISSUES_SHEET
    assert book.active.title == ISSUES_SHEET
    ws = book[ISSUES_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("严重程度", "工作表", "单元格", "列", "问题", "修改建议")
    assert [r[:4] for r in rows[1:]] == [
        ("错误", "客户", "I2", "满意度评分"),
        ("错误", "客户", "K2", "已解决投诉次数"),
        ("错误", "客户", "G3", "本期销售额"),
        ("错误", "封面", "B2", "所编号"),
        ("警告", "客户", "K2", "已解决投诉次数"),
        ("提示", "客户", "H2", "回访次数"),
    ]
    assert rows[3][5] == "填写阿拉伯数字，不要带单位或文字。"
    links = [ws.cell(r, 3).hyperlink.location for r in range(2, ws.max_row + 1)]
    assert links == ["'客户'!$I$2", "'客户'!$K$2", "'客户'!$G$3", "'封面'!$B$2", "'客户'!$K$2", "'客户'!$H$2"]


def test_workbooks_without_marked_findings_get_no_copy(make_workbook, data_dir, tmp_path):
    make_workbook("clients", CLIENTS, rows=GOOD_ROWS["clients"])
    only_info = [f for f in _findings() if f.code == "value-normalised"]
    dataset = _dataset(data_dir, only_info, paths=(CLIENTS,))
    assert needs_copy(dataset) == []
    assert annotate(dataset, data_dir, tmp_path / "marked") == Annotated()
    assert not (tmp_path / "marked").exists()


@pytest.mark.parametrize(("content", "code", "why"), [
    (b"this is not a workbook", "file-not-xlsx", "文件无法读取（不是 xlsx 文件）"),
    (b"PK\x03\x04 truncated", "file-truncated", "文件无法读取（文件不完整）"),
    (legacy_xls(), "file-xls", "文件无法读取（旧版 Excel 97-2003 格式）"),
    (b"this is not a workbook either", None, "文件的内部结构无法解析"),  # openpyxl itself fails
])
def test_unopenable_files_get_no_copy_and_no_traceback(data_dir, tmp_path, content, code, why):
    path = data_dir / CLIENTS
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    findings = [finding(code, file=CLIENTS, reason="测试", detail="")] if code else [
        finding("template-unknown", file=CLIENTS, reason="测试")]
    done = annotate(_dataset(data_dir, findings, paths=(CLIENTS,)), data_dir, tmp_path / "marked")
    assert done == Annotated(skipped={CLIENTS: why})
    assert path.read_bytes() == content
    assert not (tmp_path / "marked").exists()


def test_annotate_a_validated_folder(make_reference, make_workbook, data_dir, tmp_path):
    from pipeline.run import check

    make_reference()
    make_workbook("clients", CLIENTS, rows=GOOD_ROWS["clients"], raw={"客户": {"G3": "十二", "I2": 7}})
    dataset, _ = check(data_dir, workers=1)
    written = annotate(dataset, data_dir, tmp_path / "marked").written
    assert written == [tmp_path / "marked" / CLIENTS]
    ws = load_workbook(written[0])["客户"]
    assert ws["G3"].fill.start_color.rgb == FILLS[ERROR].start_color.rgb
    assert ws["I2"].fill.start_color.rgb == FILLS[ERROR].start_color.rgb
    assert "本期销售额" in ws["G3"].comment.text


def test_a_finding_inside_a_merged_range_marks_its_top_left_cell(make_workbook, data_dir, tmp_path):
    from openpyxl import load_workbook as load

    path = make_workbook("clients", CLIENTS, rows=GOOD_ROWS["clients"])
    book = load(path)
    book["客户"].merge_cells("B2:C2")
    book.save(path)
    f = finding("required-blank", file=CLIENTS, sheet="客户", cell="C2", row=2, column="客户类型")
    (copy,) = annotate(_dataset(data_dir, [f], paths=(CLIENTS,)), data_dir, tmp_path / "marked").written
    ws = load_workbook(copy)["客户"]
    assert ws["B2"].fill.start_color.rgb == FILLS[ERROR].start_color.rgb
    assert ws["B2"].comment.text == "【错误】“客户类型”为必填项，不能为空"


def test_values_read_other_than_typed_get_a_light_fill_and_a_note(make_reference, make_workbook, data_dir,
                                                                 tmp_path):
    """Full-width digits, thousands separators, dates in words, spaces: the copy shows how each was read."""
    from pipeline.run import check

    make_reference()
    make_workbook("clients", CLIENTS, rows=GOOD_ROWS["clients"],
                  raw={"客户": {"G2": "1,234.5", "H2": "２", "B2": "甲公司  ", "G3": "十二"}})
    make_workbook("projects", PROJECTS, rows=GOOD_ROWS["projects"], raw={"项目": {"E2": "2026年3月5日", "K2": "x"}})
    copies = annotate(check(data_dir, workers=1)[0], data_dir, tmp_path / "marked").written
    assert copies == [tmp_path / "marked" / CLIENTS, tmp_path / "marked" / PROJECTS]
    blue, red = FILLS[INFO].start_color.rgb, FILLS[ERROR].start_color.rgb
    clients = load_workbook(copies[0])
    ws = clients["客户"]
    assert ws["G2"].fill.start_color.rgb == blue and ws["G2"].comment.text == "【提示】“本期销售额”的“1,234.5”已按“1234.5”读取"
    assert ws["H2"].fill.start_color.rgb == blue and ws["H2"].comment.text == "【提示】“回访次数”的“２”已按“2”读取"
    assert ws["B2"].fill.start_color.rgb == blue and "已按“甲公司”读取" in ws["B2"].comment.text
    assert ws["G3"].fill.start_color.rgb == red
    assert ws["A2"].comment is None and ws["A2"].fill.start_color.rgb not in (blue, red)
    notes = [r for r in clients[ISSUES_SHEET].iter_rows(min_row=2, values_only=True) if r[0] == "提示"]
    assert [r[2] for r in notes] == ["B2", "G2", "H2"]
    assert notes[0][5] == "无需处理；如读取有误请修改原值。下次照读取后的写法填写即可。"
    cell = load_workbook(copies[1])["项目"]["E2"]
    assert cell.fill.start_color.rgb == blue and cell.comment.text == "【提示】“开始日期”的“2026年3月5日”已按“2026-03-05”读取"


@pytest.mark.parametrize(("sheet", "address", "location"), [
    ("客户", "C2", "'客户'!$C$2"),
    ("客户", "R2", "'客户'!$R$2"),
    ("封面", "B1", "'封面'!$B$1"),
    ("O'Neil 的表", "AB10", "'O''Neil 的表'!$AB$10"),
])
def test_links_are_absolute_references(sheet, address, location):
    assert link_location(sheet, address) == location


@pytest.mark.slow
def test_libreoffice_follows_the_links_to_columns_c_and_r(make_workbook, data_dir, tmp_path):
    """LibreOffice 7.4 leaves `'客户'!C2` as it is (R1C1-like) and the link goes nowhere; `$C$2` it converts."""
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if not office:
        pytest.skip("需要 LibreOffice（Debian：libreoffice-calc-nogui）")
    make_workbook("clients", CLIENTS, rows=GOOD_ROWS["clients"])
    found = [finding("choice-invalid", file=CLIENTS, sheet="客户", cell="C2", row=2, column="客户类型",
                     choices="新客户、老客户", seen="大客户", value="大客户")]
    (copy,) = annotate(_dataset(data_dir, found, paths=(CLIENTS,)), data_dir, tmp_path / "marked").written
    done = subprocess.run([office, "--headless", "--convert-to", "ods", "--outdir", str(tmp_path), str(copy)],
                          capture_output=True, text=True, timeout=180, env={**os.environ, "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    content = zipfile.ZipFile(tmp_path / "clients.ods").read("content.xml").decode()
    assert 'xlink:href="#&apos;客户&apos;.$C$2"' in content


def test_a_copy_keeps_the_links_to_other_workbooks(data_dir, tmp_path):
    """Without its externalLink part a `[1]Sheet1!A1` formula shows #NAME? in the copy."""
    path = data_dir / CLIENTS
    path.parent.mkdir(parents=True)
    path.write_bytes(external_reference(filled_bytes(), {"G2": b"[1]Sheet1!$A$1"}))
    found = [finding("formula-external", file=CLIENTS, sheet="客户", cell="G2", row=2, column="本期销售额",
                     value="1234")]
    (copy,) = annotate(_dataset(data_dir, found, paths=(CLIENTS,)), data_dir, tmp_path / "marked").written
    assert "xl/externalLinks/externalLink1.xml" in zipfile.ZipFile(copy).namelist()
    ws = load_workbook(copy)["客户"]
    assert ws["G2"].value == "=[1]Sheet1!$A$1" and ws["G2"].fill.start_color.rgb == FILLS[WARNING].start_color.rgb
