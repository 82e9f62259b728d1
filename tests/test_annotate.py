"""Annotated copies: bad cells filled and commented, a 问题清单 sheet first, the original untouched."""

from __future__ import annotations

import os
import shutil
import subprocess
import unicodedata
import zipfile
from pathlib import Path

import pytest
from _read_helpers import external_reference, filled_bytes, legacy_xls
from _validation_helpers import GOOD_ROWS, hand_workbook, sha256
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from pipeline.engine.model import Dataset, Office, Reference
from pipeline.findings import ERROR, INFO, WARNING, finding
from pipeline.outputs.annotate import FILLS, ISSUES_SHEET, Annotated, annotate, copy_names, link_location, needs_copy
from pipeline.outputs.file_names import RESERVED, WINDOWS_DEVICES, safe_part

CLIENTS = "submissions/2026Q1/BJ01/clients.xlsx"
PROJECTS = "submissions/2026Q1/BJ01/projects.xlsx"
CLIENTS_COPY = "北京一所-2026Q1-客户开发与维护-标注.xlsx"
PROJECTS_COPY = "北京一所-2026Q1-项目管理-标注.xlsx"
REFERENCE = Reference(offices={"BJ01": Office("BJ01", "北京一所"), "SH01": Office("SH01", "上海一所")})


def _dataset(data_dir: Path, findings, paths=(CLIENTS, PROJECTS)) -> Dataset:
    workbooks = [hand_workbook(p, p.rsplit("/", 1)[-1].removesuffix(".xlsx"), "BJ01", "2026Q1") for p in paths]
    return Dataset(data_dir=data_dir.name, reference=REFERENCE, workbooks=workbooks, findings=findings)


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


def test_copies_are_named_for_the_office_period_and_form_and_originals_are_unchanged(annotated):
    originals, before, out, written = annotated
    assert written == {CLIENTS: out / CLIENTS_COPY, PROJECTS: out / PROJECTS_COPY}
    assert sorted(p.name for p in out.iterdir()) == sorted([CLIENTS_COPY, PROJECTS_COPY])
    assert [sha256(p) for p in originals] == before


def test_bad_cells_are_filled_and_commented(annotated):
    _, _, out, _ = annotated
    book = load_workbook(out / CLIENTS_COPY)
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
    proj = load_workbook(out / PROJECTS_COPY)["项目"]
    assert proj["C2"].fill.start_color.rgb == yellow
    assert proj["C2"].comment.text == "【警告】客户编号“C7”不在本期客户表中"


def test_issues_sheet_comes_first_with_internal_links(annotated):
    _, _, out, _ = annotated
    book = load_workbook(out / CLIENTS_COPY)
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
    assert written == {CLIENTS: tmp_path / "marked" / CLIENTS_COPY}
    ws = load_workbook(written[CLIENTS])["客户"]
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
    (copy,) = annotate(_dataset(data_dir, [f], paths=(CLIENTS,)), data_dir, tmp_path / "marked").written.values()
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
    copies = list(annotate(check(data_dir, workers=1)[0], data_dir, tmp_path / "marked").written.values())
    assert copies == [tmp_path / "marked" / CLIENTS_COPY, tmp_path / "marked" / PROJECTS_COPY]
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
    (copy,) = annotate(_dataset(data_dir, found, paths=(CLIENTS,)), data_dir, tmp_path / "marked").written.values()
    done = subprocess.run([office, "--headless", "--convert-to", "ods", "--outdir", str(tmp_path), str(copy)],
                          capture_output=True, text=True, timeout=180, env={**os.environ, "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    content = zipfile.ZipFile(tmp_path / CLIENTS_COPY.replace(".xlsx", ".ods")).read("content.xml").decode()
    assert 'xlink:href="#&apos;客户&apos;.$C$2"' in content


def test_a_copy_keeps_the_links_to_other_workbooks(data_dir, tmp_path):
    """Without its externalLink part a `[1]Sheet1!A1` formula shows #NAME? in the copy."""
    path = data_dir / CLIENTS
    path.parent.mkdir(parents=True)
    path.write_bytes(external_reference(filled_bytes(), {"G2": b"[1]Sheet1!$A$1"}))
    found = [finding("formula-external", file=CLIENTS, sheet="客户", cell="G2", row=2, column="本期销售额",
                     value="1234")]
    (copy,) = annotate(_dataset(data_dir, found, paths=(CLIENTS,)), data_dir, tmp_path / "marked").written.values()
    assert "xl/externalLinks/externalLink1.xml" in zipfile.ZipFile(copy).namelist()
    ws = load_workbook(copy)["客户"]
    assert ws["G2"].value == "=[1]Sheet1!$A$1" and ws["G2"].fill.start_color.rgb == FILLS[WARNING].start_color.rgb


# ---------------------------------------------------------------------------------------------
# The copies' names: 北京一所-2026Q2-招聘与团队-标注.xlsx


def _names(*workbooks, reference=REFERENCE, taken=()) -> list[str]:
    dataset = Dataset(data_dir="data", reference=reference, workbooks=list(workbooks))
    names = copy_names(workbooks, dataset, taken)
    return [names[wb.path] for wb in workbooks]


@pytest.mark.parametrize(("path", "form_id", "office", "period", "name"), [
    ("submissions/2026Q2/BJ01/recruitment.xlsx", "recruitment", "BJ01", "2026Q2", "北京一所-2026Q2-招聘与团队-标注.xlsx"),
    ("submissions/2026Q1/SH01/training.xlsx", "training", "SH01", "2026Q1", "上海一所-2026Q1-培训计划-标注.xlsx"),
    ("submissions/2026Q4/bj01/projects.xlsx", "projects", "bj01", "2026Q4", "北京一所-2026Q4-项目管理-标注.xlsx"),
    # the folder says whose it is, as on the board (the cover's SH01 is an identity-mismatch error)
    ("submissions/2026Q1/BJ01/clients.xlsx", "clients", "SH01", "2026Q1", "北京一所-2026Q1-客户开发与维护-标注.xlsx"),
    # an office the reference does not know: its id
    ("submissions/2026Q1/XX09/clients.xlsx", "clients", "XX09", "2026Q1", "XX09-2026Q1-客户开发与维护-标注.xlsx"),
    # no folder to go by: the cover
    ("submissions/clients.xlsx", "clients", "SH01", "2026年第三季度", "上海一所-2026Q3-客户开发与维护-标注.xlsx"),
    # the template cannot be told: the file's own name, or the form its name is known by
    ("submissions/2026Q1/BJ01/客户表（最终）.xlsx", None, None, None, "北京一所-2026Q1-客户表（最终）-标注.xlsx"),
    ("submissions/2026Q1/BJ01/clients.xlsx", None, None, None, "北京一所-2026Q1-客户开发与维护-标注.xlsx"),
    ("submissions/2026Q1/BJ01/客户开发与维护.xlsx", None, None, None, "北京一所-2026Q1-客户开发与维护-标注.xlsx"),
    ("stray.xlsx", None, None, None, "stray-标注.xlsx"),
    # HR's workbooks: their titles
    ("reference.xlsx", "reference", None, None, "人力资源部基础数据-标注.xlsx"),
    ("accepted.xlsx", "accepted", None, None, "已确认的问题-标注.xlsx"),
    ("reviews.xlsx", "reviews", None, None, "复核调整与申诉-标注.xlsx"),
])
def test_copy_names(path, form_id, office, period, name):
    assert _names(hand_workbook(path, form_id, office, period)) == [name]


@pytest.mark.parametrize(("office_name", "name"), [
    ("北京/一所", "北京_一所-2026Q1-客户开发与维护-标注.xlsx"),
    ('北京\\一所:*?"<>|', "北京_一所_______-2026Q1-客户开发与维护-标注.xlsx"),
    ("..", "BJ01-2026Q1-客户开发与维护-标注.xlsx"),  # nothing usable left: the id
    ("\u202e所一京北\u200b", "所一京北-2026Q1-客户开发与维护-标注.xlsx"),
    ("北京\n一所\t", "北京一所-2026Q1-客户开发与维护-标注.xlsx"),  # controls dropped
    ("CON", "_CON-2026Q1-客户开发与维护-标注.xlsx"),
])
def test_office_names_are_made_safe_on_every_file_system(office_name, name):
    reference = Reference(offices={"BJ01": Office("BJ01", office_name)})
    assert _names(hand_workbook("submissions/2026Q1/BJ01/clients.xlsx", "clients", "BJ01", "2026Q1"),
                  reference=reference) == [name]


def test_two_copies_never_share_a_name():
    """Two workbooks of one form (a duplicate submission), two offices of one name, names that differ
    only in case: ids added where offices differ, then numbered in the order of the paths."""
    reference = Reference(offices={"BJ01": Office("BJ01", "北京一所"), "BJ02": Office("BJ02", "北京一所"),
                                   "GZ01": Office("GZ01", "广州所"), "GZ02": Office("GZ02", "广州所")})
    names = _names(hand_workbook("submissions/2026Q1/BJ01/客户开发与维护.xlsx", "clients", "BJ01", "2026Q1"),
                   hand_workbook("submissions/2026Q1/BJ01/clients.xlsx", "clients", "BJ01", "2026Q1"),
                   hand_workbook("submissions/2026Q1/BJ02/clients.xlsx", "clients", "BJ02", "2026Q1"),
                   hand_workbook("submissions/2026Q1/GZ01/clients.xlsx", "clients", "GZ01", "2026Q1"),
                   hand_workbook("submissions/2026Q1/GZ02/clients.xlsx", "clients", "GZ02", "2026Q1"),
                   hand_workbook("submissions/2026Q1/ab/clients.xlsx", "clients", "ab", "2026Q1"),
                   hand_workbook("submissions/2026Q1/AB/clients.xlsx", "clients", "AB", "2026Q1"),
                   reference=reference)
    assert names == ["北京一所（BJ01）-2026Q1-客户开发与维护-标注-2.xlsx", "北京一所（BJ01）-2026Q1-客户开发与维护-标注.xlsx",
                     "北京一所（BJ02）-2026Q1-客户开发与维护-标注.xlsx", "广州所（GZ01）-2026Q1-客户开发与维护-标注.xlsx",
                     "广州所（GZ02）-2026Q1-客户开发与维护-标注.xlsx", "ab-2026Q1-客户开发与维护-标注-2.xlsx",
                     "AB-2026Q1-客户开发与维护-标注.xlsx"]


def test_names_taken_in_the_folder_are_left_alone_ignoring_case():
    wb = hand_workbook("submissions/2026Q1/XY01/clients.xlsx", "clients", "XY01", "2026Q1")
    taken = ["xy01-2026Q1-客户开发与维护-标注.xlsx", "XY01-2026Q1-客户开发与维护-标注-2.xlsx"]
    assert _names(wb, taken=taken) == ["XY01-2026Q1-客户开发与维护-标注-3.xlsx"]


def test_a_file_already_in_the_folder_is_never_written_over(make_workbook, data_dir, tmp_path):
    make_workbook("clients", CLIENTS, rows=GOOD_ROWS["clients"])
    out = tmp_path / "marked"
    out.mkdir()
    (out / CLIENTS_COPY).write_bytes(b"HR's notes on last quarter's copy")
    found = [finding("required-blank", file=CLIENTS, sheet="客户", cell="C2", row=2, column="客户类型")]
    done = annotate(_dataset(data_dir, found, paths=(CLIENTS,)), data_dir, out)
    assert (out / CLIENTS_COPY).read_bytes() == b"HR's notes on last quarter's copy"
    assert done.written == {CLIENTS: out / CLIENTS_COPY.replace("-标注.xlsx", "-标注-2.xlsx")}
    assert done.kept == [CLIENTS_COPY]
    assert load_workbook(done.written[CLIENTS]).sheetnames[0] == ISSUES_SHEET
    again = annotate(_dataset(data_dir, found, paths=(CLIENTS,)), data_dir, out)  # a second run: -3
    assert list(again.written.values()) == [out / CLIENTS_COPY.replace("-标注.xlsx", "-标注-3.xlsx")]
    assert again.kept == [CLIENTS_COPY]


def _safe_file_name(name: str) -> bool:
    stem = name.removesuffix(".xlsx")
    return (bool(stem) and name.endswith(".xlsx") and name.isprintable()
            and not any(ch in name for ch in RESERVED) and not name.startswith((".", " "))
            and stem == stem.strip(" .") and name.split(".")[0].upper() not in WINDOWS_DEVICES
            and len(name.encode("utf-8")) <= 255 and name == unicodedata.normalize("NFC", name))


@settings(max_examples=300, deadline=None)
@given(office_name=st.text(max_size=300), office_id=st.text(max_size=60).filter(lambda t: "/" not in t),
       stem=st.text(min_size=1, max_size=200).filter(lambda t: "/" not in t))
def test_any_office_name_gives_a_safe_non_empty_file_name(office_name, office_id, stem):
    """Whatever HR's reference, a cover or a file name says, the copy's name is one file in the
    folder on Linux, macOS and Windows: no separator, reserved or control character, no trailing
    dot or space, no device name, under 255 bytes; the sanitiser is idempotent."""
    reference = Reference(offices={office_id: Office(office_id, office_name)})
    for wb in (hand_workbook(f"submissions/2026Q1/{office_id}/clients.xlsx", "clients", office_id, "2026Q1"),
               hand_workbook(f"submissions/2026Q1/{office_id}/{stem}.xlsx", None),
               hand_workbook(f"{stem}.xlsx", "clients", office_id, "2026Q1")):
        (name,) = _names(wb, reference=reference)
        assert _safe_file_name(name), name
        assert name.endswith("-标注.xlsx")
    part = safe_part(office_name)
    assert safe_part(part) == part and not any(ch in part for ch in RESERVED)
