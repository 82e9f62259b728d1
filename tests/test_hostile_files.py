"""Hostile and broken files: each becomes one file-level finding, in bounded time and memory,
and never takes down the run — the good workbook read alongside comes back intact."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from _read_helpers import (
    HOSTILE_BUILDERS,
    edit_sheet,
    far_cell,
    filled_bytes,
    formatted_empty_rows,
    huge_dimension,
    rezip,
    sheet_part,
    zip_bomb,
)

from pipeline.excel import guard
from pipeline.excel.pool import read_workbooks

EXPECTED = {
    "zip-bomb": ("file-too-large", "单个内部文件 xl/worksheets/sheet3.xml 解压后超过 128 MB"),
    "entity-bomb": ("file-xml-unsafe", "内部文件 xl/worksheets/sheet3.xml 含有 DOCTYPE/ENTITY 声明"),
    "far-cell": ("file-too-large", "工作表“客户”的单元格 XFD1048576 超出可处理范围(最多 100000 行、64 列)"),
    "beyond-grid": ("file-too-large", "工作表“客户”的单元格 ZZZ2000000 超出可处理范围(最多 100000 行、64 列)"),
    "shared-strings-2e9": ("file-too-large", "共享字符串表声明了 2000000000 个字符串"),
    "strict-ooxml": ("file-strict-ooxml", None),
    "macro": ("file-macro", None),
    "truncated": ("file-truncated", "找不到 zip 目录"),
    "empty": ("file-empty", None),
    "random": ("file-not-xlsx", "文件内容不是 xlsx(zip)格式"),
    "encrypted": ("file-encrypted", None),
    "xls": ("file-xls", None),
}
TIME_BOUND = 20.0  # seconds per file, generous: the machine is shared
MEMORY_BOUND = 512 * 1024  # KiB of peak RSS for a process that read every hostile file (measured ~180 MB)


@pytest.fixture(scope="module")
def many_rows(tmp_path_factory) -> Path:
    """A clients workbook with 300,000 formatted but empty rows below its one data row."""
    tmp = tmp_path_factory.mktemp("rows")
    path = tmp / "rows.xlsx"
    path.write_bytes(formatted_empty_rows(filled_bytes(tmp=tmp), 300_000))
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    base = filled_bytes(tmp=tmp)
    paths = {}
    for name, build in HOSTILE_BUILDERS.items():
        paths[name] = tmp / f"{name}.xlsx"
        paths[name].write_bytes(build(base))
    good = tmp / "good.xlsx"
    good.write_bytes(base)
    return paths, good


def test_every_hostile_file_is_one_finding_and_the_good_one_survives(files):
    paths, good = files
    items = [(good, "good-1.xlsx")] + [(p, f"hostile/{n}.xlsx") for n, p in paths.items()] + [(good, "good-2.xlsx")]
    result = read_workbooks(items, workers=2)
    assert [wb.path for wb in result] == [rel for _, rel in items]
    for wb in (result[0], result[-1]):
        assert wb.findings == [] and wb.form_id == "clients"
        assert [r["client_id"] for r in wb.tables["clients"]] == ["C1"]
    for wb, name in zip(result[1:-1], paths):
        code, reason = EXPECTED[name]
        assert [(f.code, f.severity, f.file, f.cell) for f in wb.findings] == [(code, "error", f"hostile/{name}.xlsx", "")]
        if reason:
            assert reason in wb.findings[0].message
        assert wb.tables == {}


def test_openpyxl_would_mislead_on_encrypted_files(files):
    """Why the guard exists: openpyxl calls an encrypted workbook a bad zip; we say 已加密."""
    import openpyxl

    paths, _ = files
    with pytest.raises(Exception, match="not a zip file"):
        openpyxl.load_workbook(paths["encrypted"])
    finding = read_workbooks([(paths["encrypted"], "e.xlsx")], workers=1)[0].findings[0]
    assert finding.message == "文件已加密或设置了打开密码,无法读取"


def test_bounded_time_and_memory(files, tmp_path):
    """Read each hostile file in a fresh process (no pool, so the guard alone is measured)."""
    paths, _ = files
    script = (
        "import json, resource, sys, time\n"
        "from pathlib import Path\n"
        "from pipeline.read import read_workbook\n"
        "out = {}\n"
        "for name, path in json.loads(sys.argv[1]).items():\n"
        "    t = time.perf_counter()\n"
        "    wb = read_workbook(Path(path), name)\n"
        "    out[name] = [[f.code for f in wb.findings], time.perf_counter() - t]\n"
        "out['maxrss'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(json.dumps(out))\n"
    )
    arg = json.dumps({name: str(path) for name, path in paths.items()})
    done = subprocess.run([sys.executable, "-c", script, arg], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout)
    assert out.pop("maxrss") < MEMORY_BOUND
    for name, (codes, seconds) in out.items():
        assert codes == [EXPECTED[name][0]], name
        assert seconds < TIME_BOUND, name


def test_zip_bomb_with_honest_headers(tmp_path):
    path = tmp_path / "b.xlsx"
    path.write_bytes(zip_bomb(filled_bytes(tmp=tmp_path), megabytes=200, lie=False))
    wb = read_workbooks([(path, "b.xlsx")], workers=1)[0]
    assert [f.code for f in wb.findings] == ["file-too-large"]


def test_total_inflated_size_is_bounded(tmp_path):
    """Several parts each under the per-part cap still hit the total cap."""
    from _read_helpers import members, padding_member, write_raw_zip

    entries = [padding_member(name, blob) for name, blob in members(filled_bytes(tmp=tmp_path)).items()]
    entries += [padding_member(f"xl/media/pad{i}.xml", megabytes=100) for i in range(3)]
    path = tmp_path / "t.xlsx"
    path.write_bytes(write_raw_zip(entries))
    wb = read_workbooks([(path, "t.xlsx")], workers=1)[0]
    assert [(f.code, f.message) for f in wb.findings] == [
        ("file-too-large", "文件超出处理限制:解压后总大小超过 256 MB")]


@pytest.mark.parametrize("builder", [huge_dimension, lambda d: far_cell(d, value=False)],
                         ids=["dimension-A1:XFD1048576", "formatted-cell-at-XFD1048576"])
def test_harmless_oddities_are_read_normally(tmp_path, builder):
    path = tmp_path / "x.xlsx"
    path.write_bytes(builder(filled_bytes(tmp=tmp_path)))
    wb = read_workbooks([(path, "x.xlsx")], workers=1)[0]
    assert wb.findings == []
    assert [r.number for r in wb.tables["clients"]] == [2]


def test_formatted_empty_rows_are_ignored(many_rows):
    wb = read_workbooks([(many_rows, "x.xlsx")], workers=1)[0]
    assert wb.findings == []
    assert [r.number for r in wb.tables["clients"]] == [2]


def test_worker_killed_by_memory_cap_is_isolated(tmp_path):
    """A file inside the guard's bounds that still needs more memory than a worker may use:
    calamine aborts the worker (SIGABRT); the pool names the file and reads the others."""
    base = filled_bytes(tmp=tmp_path)
    heavy = tmp_path / "heavy.xlsx"
    heavy.write_bytes(far_cell(base, f"BL{guard.MAX_ROWS}"))
    good = tmp_path / "good.xlsx"
    good.write_bytes(base)
    # heavy first: the file queued behind it on the same worker must be re-run by a fresh worker
    names = ["heavy.xlsx", "a.xlsx", "b.xlsx", "heavy-2.xlsx", "c.xlsx", "d.xlsx"]
    items = [(heavy if n.startswith("heavy") else good, n) for n in names]
    result = read_workbooks(items, workers=2, memory_cap=100 * 1024 * 1024)
    assert [wb.path for wb in result] == names
    for wb in result:
        if wb.path.startswith("heavy"):
            assert [(f.code, f.file) for f in wb.findings] == [("file-too-large", wb.path)]
            assert "解析时所需内存超过限制" in wb.findings[0].message
        else:
            assert wb.findings == [] and wb.tables["clients"][0]["client_id"] == "C1"


def test_a_death_deep_in_a_long_queue_names_its_file(tmp_path):
    """Enough files that each worker holds a queue (and the parent pauses between collections):
    the file that kills its worker is still the one named, and every file queued behind it on
    that worker is read by the fresh one."""
    base = filled_bytes(tmp=tmp_path)
    heavy = tmp_path / "heavy.xlsx"
    heavy.write_bytes(far_cell(base, f"BL{guard.MAX_ROWS}"))
    good = tmp_path / "good.xlsx"
    good.write_bytes(base)
    names = [f"f{i:03}.xlsx" for i in range(90)]
    names[47] = "heavy.xlsx"
    items = [(heavy if n == "heavy.xlsx" else good, n) for n in names]
    result = read_workbooks(items, workers=2, memory_cap=100 * 1024 * 1024)
    assert [wb.path for wb in result] == names
    assert [(f.code, f.file) for f in result[47].findings] == [("file-too-large", "heavy.xlsx")]
    others = result[:47] + result[48:]
    assert all(wb.findings == [] and wb.tables["clients"][0]["client_id"] == "C1" for wb in others)


def test_timeout_is_a_finding(tmp_path, many_rows):
    good = tmp_path / "good.xlsx"
    good.write_bytes(filled_bytes(tmp=tmp_path))
    result = read_workbooks([(many_rows, "slow.xlsx"), (good, "good.xlsx")], workers=2, timeout=0.05)
    assert [(f.code, f.message) for f in result[0].findings] == [("file-timeout", "读取文件超时(超过 0.05 秒)")]
    assert result[1].findings == []


def _corrupt_deflate(data: bytes) -> bytes:
    import io
    import zipfile

    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(sheet_part(data, "客户"))
    out = bytearray(data)
    out[info.header_offset + 30 + len(info.filename.encode()) + 10] ^= 0xFF
    return bytes(out)


@pytest.mark.parametrize(("build", "code", "message"), [
    (lambda d: edit_sheet(d, "客户", lambda x: x[: len(x) // 2]), "file-unreadable", "无法读取文件:内部 XML 格式错误"),
    (lambda d: rezip(d, lambda n, b: b[:200] if n == "xl/workbook.xml" else b), "file-unreadable",
     "无法读取文件:文件内部结构损坏"),
    (lambda d: rezip(d, lambda n, b: None if n == sheet_part(d, "客户") else b), "file-unreadable",
     "无法读取文件:工作表的内容缺失"),
    (lambda d: rezip(d, lambda n, b: None if n == "xl/workbook.xml" else b), "file-not-xlsx",
     "文件不是有效的 .xlsx 工作簿:缺少工作簿内容(xl/workbook.xml)"),
    (_corrupt_deflate, "file-truncated", "文件不完整或已损坏(可能上传中断):内部文件 xl/worksheets/sheet3.xml 损坏"),
], ids=["half-a-sheet", "half-the-workbook-part", "sheet-part-missing", "not-a-workbook", "corrupt-deflate"])
def test_broken_structure(tmp_path, build, code, message):
    path = tmp_path / "x.xlsx"
    path.write_bytes(build(filled_bytes(tmp=tmp_path)))
    wb = read_workbooks([(path, "x.xlsx")], workers=1)[0]
    assert [(f.code, f.message, f.file) for f in wb.findings] == [(code, message, "x.xlsx")]
    assert wb.tables == {}


def test_a_folder_is_not_a_workbook(tmp_path):
    wb = read_workbooks([(tmp_path, "x.xlsx")], workers=1)[0]
    assert [(f.code, f.message) for f in wb.findings] == [("file-unreadable", "无法读取文件:不是普通文件")]


def test_missing_file_is_unreadable(tmp_path):
    wb = read_workbooks([(tmp_path / "nope.xlsx", "nope.xlsx")], workers=1)[0]
    assert [f.code for f in wb.findings] == ["file-unreadable"]
    assert wb.findings[0].message.startswith("无法读取文件:无法打开文件")


@pytest.mark.parametrize(("part", "prolog"), [
    ("docProps/core.xml", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'),
    ("xl/styles.xml", b'<?xml version="1.0"?>\n<!-- a comment first -->\n<!DOCTYPE x SYSTEM "http://example.invalid/x.dtd">'),
    ("xl/workbook.xml", '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x>'.encode("utf-16")),
], ids=["entity-in-core-props", "external-dtd-in-styles", "utf16-doctype-in-workbook"])
def test_any_dtd_in_any_part_is_refused(tmp_path, part, prolog):
    def edit(name, blob):
        if name != part:
            return blob
        body = blob.split(b"?>", 1)[1] if blob.startswith(b"<?xml") else blob
        return prolog + (body.decode("utf-8").encode("utf-16-le") if prolog.startswith(b"\xff\xfe") else body)

    path = tmp_path / "x.xlsx"
    path.write_bytes(rezip(filled_bytes(tmp=tmp_path), edit))
    wb = read_workbooks([(path, "x.xlsx")], workers=1)[0]
    assert [(f.code, f.message) for f in wb.findings] == [
        ("file-xml-unsafe", f"文件的内部 XML 含有不允许的结构:内部文件 {part} 含有 DOCTYPE/ENTITY 声明")]


def test_date1904_workbook_serials(tmp_path):
    """A workbook in the 1904 date system (old Mac Excel): typed serials convert with its epoch."""
    from datetime import date

    from _read_helpers import good_cover

    from pipeline.excel.fill import fill_form
    from pipeline.forms import TRAINING

    row = {"training_id": "T1", "name": "课程", "planned_date": 44624, "status": "进行中"}
    path = fill_form(TRAINING, tmp_path / "t.xlsx", cover=good_cover(), rows={"trainings": [row]})
    path.write_bytes(rezip(path.read_bytes(), lambda n, b: b.replace(b"<workbookPr", b'<workbookPr date1904="1"')
                           if n == "xl/workbook.xml" else b))
    wb = read_workbooks([(path, "t.xlsx")], workers=1)[0]
    assert wb.tables["trainings"][0]["planned_date"] == date(2026, 3, 5)
    assert [(f.code, f.cell) for f in wb.findings if f.sheet == "培训计划"] == [("value-normalised", "D2")]
