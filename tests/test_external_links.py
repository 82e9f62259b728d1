"""Formulas that reach into another workbook: the cached value is read, with a warning at the cell.

The workbooks are written as Excel saves a link to another file (an externalLink part and `[1]`
in the formulas, `_read_helpers.external_reference`); one is also saved again by LibreOffice.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from _read_helpers import GOOD_CLIENT, edit_sheet, external_reference, filled_bytes, set_cell_xml

from pipeline.findings import WARNING
from pipeline.intake.cells import is_external
from pipeline.intake.read import read_workbook

TWO_CLIENTS = {"clients": [{**GOOD_CLIENT, "contact": "张三"}, {**GOOD_CLIENT, "client_id": "C2", "contact": "李四"}]}


def _read(tmp_path, data):
    path = tmp_path / "clients.xlsx"
    path.write_bytes(data)
    return read_workbook(path, "submissions/2026Q1/BJ01/clients.xlsx")


def _external(wb):
    return [(f.sheet, f.cell, f.column, f.value) for f in wb.findings if f.code == "formula-external"]


@pytest.mark.parametrize(("formula", "external"), [
    ("[1]Sheet1!A1", True),
    ("[1]Sheet1!$A$1*1.1", True),
    ("'[2]销售 汇总'!B3", True),
    ("SUM([1]Sheet1!A1:A9)", True),
    ("[1]!销售额", True),  # a name defined in the other workbook
    ("'D:\\数据\\[汇总.xlsx]Sheet1'!A1", True),  # as some programs keep it: the file's name
    ("A1*2", False),
    ("SUM(G2:G9)", False),
    ('"[1]"&A1', False),  # text in quotes
    ("Table1[2]", False),  # a table's column
    ("SUM(Table1[[#This Row],[1]])", False),
])
def test_is_external(formula, external):
    assert is_external(formula) is external


def test_a_cell_linked_to_another_file_keeps_its_cached_value_with_a_warning(tmp_path):
    wb = _read(tmp_path, external_reference(filled_bytes(), {"G2": b"[1]Sheet1!$A$1"}))
    assert _external(wb) == [("客户", "G2", "本期销售额", "1234")]
    (f,) = [f for f in wb.findings if f.code == "formula-external"]
    assert f.severity == WARNING and f.title == "公式引用了其他文件"
    assert f.message.startswith("“本期销售额”的公式引用了另一个工作簿")
    assert wb.tables["clients"].rows()[0]["sales"] == 1234
    assert not wb.has_errors


def test_shared_formulas_and_defined_names_that_reach_out(tmp_path):
    cells = {"G2": b'<f t="shared" ref="G2:G3" si="0">[1]Sheet1!A1</f>',
             "H2": b"Rate*2", "H3": b"ROUND(H2,0)"}
    data = external_reference(filled_bytes(rows=TWO_CLIENTS), {}, defined_names={"Rate": "[1]Sheet1!$A$1"})
    def put(xml):
        for ref, formula in cells.items():
            f = formula if formula.startswith(b"<f") else b"<f>" + formula + b"</f>"
            xml = set_cell_xml(xml, ref, b'<c r="' + ref.encode() + b'">' + f + b"<v>7</v></c>")
        return set_cell_xml(xml, "G3", b'<c r="G3"><f t="shared" si="0"/><v>7</v></c>')
    wb = _read(tmp_path, edit_sheet(data, "客户", put))
    # H3 uses H2, itself linked: only formulas that name the other file (or its name) are marked
    assert [cell for _, cell, _, _ in _external(wb)] == ["G2", "G3", "H2"]


def test_private_and_cover_cells(tmp_path):
    data = external_reference(filled_bytes(rows=TWO_CLIENTS), {"E2": b"[1]Sheet1!A1"})
    data = edit_sheet(data, "封面", lambda xml: set_cell_xml(
        xml, "B4", '<c r="B4" t="str"><f>[1]Sheet1!B1</f><v>测试填报人</v></c>'.encode()))
    wb = _read(tmp_path, data)
    assert _external(wb) == [("封面", "B4", "填报人", None), ("客户", "E2", "联系人", None)]
    assert all("张三" not in f.message and "测试填报人" not in f.message for f in wb.findings)


def test_formulas_within_the_workbook_are_fine(tmp_path):
    data = external_reference(filled_bytes(), {"G2": b"1000+234", "H2": b'LEN("[1]")'})
    assert _external(_read(tmp_path, data)) == []


@pytest.mark.slow
def test_a_link_saved_again_by_libreoffice(tmp_path):
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if not office:
        pytest.skip("需要 LibreOffice（Debian：libreoffice-calc-nogui）")
    source = tmp_path / "linked.xlsx"
    source.write_bytes(external_reference(filled_bytes(), {"G2": b"[1]Sheet1!$A$1"}))
    out = tmp_path / "saved"
    done = subprocess.run([office, "--headless", "--convert-to", "xlsx", "--outdir", str(out), str(source)],
                          capture_output=True, text=True, timeout=180, env={**os.environ, "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    wb = read_workbook(out / "linked.xlsx", "submissions/2026Q1/BJ01/clients.xlsx")
    assert _external(wb) == [("客户", "G2", "本期销售额", "1234")]
