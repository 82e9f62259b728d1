"""File formats people actually send: a genuine .xls, an .ods, other Office documents.

Each is named for what it is, with the fix (save as .xlsx), by the reader, by intake and by the
CLI. The files come from LibreOffice's own converter when it is installed, and from byte-exact
minimal containers always, so the tests run without it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from _read_helpers import cfb, filled_bytes, legacy_doc, legacy_xls, opendocument

from pipeline.intake import guard
from pipeline.intake.filing import STAYED, file_inbox
from pipeline.intake.read import read_workbook

XLS_MESSAGE = "文件是旧版 Excel 97-2003 格式（.xls），请在 Excel 或 WPS 中另存为 .xlsx"
ODS_MESSAGE = "文件是 OpenDocument 电子表格（.ods），请在 Excel 或 WPS 中另存为 .xlsx"


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> dict[str, Path]:
    """A filled clients workbook converted by LibreOffice to .xls and .ods (skipped without soffice)."""
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if not office:
        pytest.skip("需要 LibreOffice（Debian：libreoffice-calc-nogui）")
    folder = tmp_path_factory.mktemp("converted")
    source = folder / "clients.xlsx"
    source.write_bytes(filled_bytes())
    out = {}
    for suffix in ("xls", "ods"):
        done = subprocess.run([office, "--headless", "--convert-to", suffix, "--outdir", str(folder), str(source)],
                              capture_output=True, text=True, timeout=180, env={**os.environ, "HOME": str(folder)})
        assert done.returncode == 0, done.stderr
        out[suffix] = folder / f"clients.{suffix}"
    return out


def _read(tmp_path: Path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return [(f.code, f.message) for f in read_workbook(path, f"submissions/2026Q1/BJ01/{name}").findings]


@pytest.mark.parametrize(("name", "build", "expected"), [
    ("clients.xls", legacy_xls, ("file-xls", XLS_MESSAGE)),
    ("clients.xlsx", legacy_xls, ("file-xls", "文件是旧版 Excel 97-2003 格式（.xls），但扩展名是 .xlsx，"
                                              "请在 Excel 或 WPS 中另存为 .xlsx")),
    ("clients.xls", lambda: cfb(["Book"]), ("file-xls", XLS_MESSAGE)),  # Excel 5.0/95
    ("clients.ods", opendocument, ("file-ods", ODS_MESSAGE)),
    ("clients.xlsx", opendocument, ("file-ods", "文件是 OpenDocument 电子表格（.ods），但扩展名是 .xlsx，"
                                                "请在 Excel 或 WPS 中另存为 .xlsx")),
    ("clients.xlsx", lambda: opendocument("text"),
     ("file-not-xlsx", "文件不是有效的 .xlsx 工作簿：文件是 OpenDocument 文档（如 .odt），不是电子表格")),
    ("clients.xls", legacy_doc,
     ("file-not-xlsx", "文件不是有效的 .xlsx 工作簿：文件是其他旧版 Office 文档（如 Word 97-2003 文档），不是 Excel 工作簿")),
])
def test_minimal_files_are_named_for_what_they_are(tmp_path, name, build, expected):
    assert _read(tmp_path, name, build()) == [expected]


def test_the_minimal_ods_is_what_the_spec_prescribes():
    data = opendocument()
    assert data[:4] == b"PK\x03\x04" and data[30:38] == b"mimetype"
    assert data[38:84] == b"application/vnd.oasis.opendocument.spreadsheet"


def test_a_word_document_mentioning_workbook_is_not_an_xls():
    """Only a directory entry counts: Word keeps its text in UTF-16 too."""
    data = legacy_doc() + "Workbook".encode("utf-16-le") * 100
    with pytest.raises(guard.Rejected) as refused:
        guard.check_magic(data)
    assert refused.value.code == "file-not-xlsx"


@pytest.mark.slow
@pytest.mark.parametrize(("suffix", "expected"), [("xls", ("file-xls", XLS_MESSAGE)), ("ods", ("file-ods", ODS_MESSAGE))])
def test_files_saved_by_libreoffice(converted, tmp_path, suffix, expected):
    data = converted[suffix].read_bytes()
    assert _read(tmp_path, f"clients.{suffix}", data) == [expected]


@pytest.mark.parametrize(("name", "build", "message"), [
    ("杭州一所客户表.xls", legacy_xls, XLS_MESSAGE),
    ("杭州一所客户表.ods", opendocument, ODS_MESSAGE),
])
def test_intake_leaves_them_in_the_inbox_saying_what_to_do(tmp_path, data_dir, name, build, message):
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    (inbox / name).write_bytes(build())
    (outcome,) = file_inbox(inbox, data_dir)
    assert (outcome.action, outcome.note) == (STAYED, message)
    assert outcome.line() == f"未归档：{name}：{message}"
