"""Hostile and broken files: each becomes one file-level finding, in bounded time and memory,
and never takes down the run — the good workbook read alongside comes back intact.

Files go through the run's executor (`_read_helpers.read_isolated`: the crash-isolated pool and
the facts' plain form) where isolation is the point, and through `read_workbook` where the
finding or the rows are.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest
from _read_helpers import (
    HOSTILE_BUILDERS,
    edit_sheet,
    far_cell,
    fill_form,
    filled_bytes,
    formatted_empty_rows,
    good_cover,
    huge_dimension,
    members,
    padding_member,
    read_isolated,
    retarget,
    rezip,
    sheet_part,
    with_member,
    write_raw_zip,
    zip_bomb,
)

from pipeline.forms import TRAINING
from pipeline.intake import guard
from pipeline.intake.read import read_workbook

EXPECTED = {
    "zip-bomb": ("file-too-large", "单个内部文件 xl/worksheets/sheet3.xml 解压后超过 128 MB"),
    "entity-bomb": ("file-xml-unsafe", "内部文件 xl/worksheets/sheet3.xml 含有 DOCTYPE/ENTITY 声明"),
    "far-cell": ("file-too-large", "工作表“客户”的单元格 XFD1048576 超出可处理范围（最多 100000 行、64 列）"),
    "beyond-grid": ("file-too-large", "工作表“客户”的单元格 ZZZ2000000 超出可处理范围（最多 100000 行、64 列）"),
    "shared-strings-2e9": ("file-too-large", "共享字符串表声明了 2000000000 个字符串"),
    "strict-ooxml": ("file-strict-ooxml", None),
    "macro": ("file-macro", None),
    "truncated": ("file-truncated", "找不到 zip 目录"),
    "empty": ("file-empty", None),
    "random": ("file-not-xlsx", "文件内容不是 xlsx（zip）格式"),
    "encrypted": ("file-encrypted", None),
    "xls": ("file-xls", None),
}
TIME_BOUND = 20.0  # seconds per file, generous: the machine is shared
MEMORY_BOUND = 512 * 1024  # KiB of peak RSS for a process that read every hostile file (measured ~180 MB)
WORKER_CAP = 100 * 1024 * 1024  # a worker's address space above what it inherits, in the isolation tests


@pytest.fixture(scope="module")
def base() -> bytes:
    return filled_bytes()


@pytest.fixture(scope="module")
def many_rows(tmp_path_factory, base) -> Path:
    """A clients workbook with 300,000 formatted but empty rows below its one data row."""
    path = tmp_path_factory.mktemp("rows") / "rows.xlsx"
    path.write_bytes(formatted_empty_rows(base, 300_000))
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory, base):
    tmp = tmp_path_factory.mktemp("hostile")
    paths = {}
    for name, build in HOSTILE_BUILDERS.items():
        paths[name] = tmp / f"{name}.xlsx"
        paths[name].write_bytes(build(base))
    good = tmp / "good.xlsx"
    good.write_bytes(base)
    return paths, good


def _good(facts) -> bool:
    """The good clients workbook, read whole (a run's facts keep its client ids, not its rows)."""
    return facts.findings == () and facts.form_id == "clients" and facts.client_ids == frozenset({"C1"})


def test_every_hostile_file_is_one_finding_and_the_good_one_survives(files):
    paths, good = files
    items = [(good, "good-1.xlsx")] + [(p, f"hostile/{n}.xlsx") for n, p in paths.items()] + [(good, "good-2.xlsx")]
    result = read_isolated(items, workers=2)
    assert [wb.path for wb in result] == [rel for _, rel in items]
    assert _good(result[0]) and _good(result[-1])
    for wb, name in zip(result[1:-1], paths):
        code, reason = EXPECTED[name]
        assert [(f.code, f.severity, f.file, f.cell) for f in wb.findings] == [(code, "error", f"hostile/{name}.xlsx", "")]
        if reason:
            assert reason in wb.findings[0].message
        assert wb.tables == {}


FAR = "XFD1048576"
TOO_FAR = ("file-too-large", f"工作表“客户”的单元格 {FAR} 超出可处理范围")
SHEET = "xl/worksheets/sheet3.xml"  # 客户 in the template


def _far_part(base: bytes) -> bytes:
    return members(far_cell(base, FAR))[SHEET]


# A sheet's XML reaches calamine by another road than the usual xl/worksheets/ name: the guard must
# check what calamine will read (calamine aborts the process on a far cell). Read in the pool, so
# that a regression shows as a dead worker ("解析时所需内存超过限制") instead of killing the tests.
SHEET_ROADS = {
    "moved-out-of-worksheets": (lambda b: retarget(far_cell(b, FAR), "data/sheet3.xml", move_to="xl/data/sheet3.xml"),
                                TOO_FAR),
    "target-in-another-case": (lambda b: retarget(far_cell(b, FAR), "Worksheets/sheet3.xml"), TOO_FAR),
    "target-with-backslash": (lambda b: retarget(far_cell(b, FAR), "worksheets\\sheet3.xml"), TOO_FAR),
    "dot-segment-as-a-name": (lambda b: with_member(retarget(b, "worksheets/./sheet3.xml"), "xl/worksheets/./sheet3.xml",
                                                    _far_part(b)), TOO_FAR),
    "dot-dot-segment-as-a-name": (lambda b: with_member(retarget(b, "worksheets/../data/s.xml", move_to="xl/data/s.xml"),
                                                        "xl/worksheets/../data/s.xml", _far_part(b)), TOO_FAR),
    "same-name-in-another-case": (lambda b: with_member(b, SHEET.replace("worksheets", "Worksheets"), _far_part(b)),
                                  ("file-not-xlsx", "包含重复的内部文件名")),
    "same-name-twice": (lambda b: with_member(b, SHEET, _far_part(b)), ("file-not-xlsx", "包含重复的内部文件名")),
    "target-calamine-cannot-find": (lambda b: retarget(far_cell(b, FAR), "xl/worksheets/sheet3.xml"),
                                    ("file-unreadable", "工作表的内容缺失")),
}


def test_every_road_to_a_sheet_is_checked(tmp_path, base):
    items = []
    for name, (build, _) in SHEET_ROADS.items():
        path = tmp_path / f"{name}.xlsx"
        path.write_bytes(build(base))
        items.append((path, name))
    for wb, (name, (_, (code, reason))) in zip(read_isolated(items, memory_cap=WORKER_CAP), SHEET_ROADS.items()):
        assert [f.code for f in wb.findings] == [code], (name, [f.message for f in wb.findings])
        assert reason in wb.findings[0].message, name


@pytest.mark.parametrize("target", ["data/sheet3.xml", "/xl/data/sheet3.xml"])
def test_a_sheet_outside_worksheets_is_read_normally(tmp_path, base, target):
    path = tmp_path / "x.xlsx"
    path.write_bytes(retarget(base, target, move_to="xl/data/sheet3.xml"))
    wb = read_workbook(path, "x.xlsx")
    assert wb.findings == () and wb.tables["clients"].column("client_id") == ["C1"]


def test_openpyxl_would_mislead_on_encrypted_files(files):
    """Why the guard exists: openpyxl calls an encrypted workbook a bad zip; we say 已加密."""
    import openpyxl

    paths, _ = files
    with pytest.raises(Exception, match="not a zip file"):
        openpyxl.load_workbook(paths["encrypted"])
    finding = read_workbook(paths["encrypted"], "e.xlsx").findings[0]
    assert finding.message == "文件已加密或设置了打开密码，无法读取"


def test_bounded_time_and_memory(files):
    """Read each hostile file in a fresh process (no pool, so the guard alone is measured)."""
    paths, _ = files
    script = (
        "import json, resource, sys, time\n"
        "from pathlib import Path\n"
        "from pipeline.intake.read import read_workbook\n"
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


def test_zip_bomb_with_honest_headers(tmp_path, base):
    path = tmp_path / "b.xlsx"
    path.write_bytes(zip_bomb(base, megabytes=200, lie=False))
    assert [f.code for f in read_workbook(path, "b.xlsx").findings] == ["file-too-large"]


def test_total_inflated_size_is_bounded(tmp_path, base):
    """Several parts each under the per-part cap still hit the total cap."""
    entries = [padding_member(name, blob) for name, blob in members(base).items()]
    entries += [padding_member(f"xl/media/pad{i}.xml", megabytes=100) for i in range(3)]
    path = tmp_path / "t.xlsx"
    path.write_bytes(write_raw_zip(entries))
    assert [(f.code, f.message) for f in read_workbook(path, "t.xlsx").findings] == [
        ("file-too-large", "文件超出处理限制：解压后总大小超过 256 MB")]


@pytest.mark.parametrize("builder", [huge_dimension, lambda d: far_cell(d, value=False)],
                         ids=["dimension-A1:XFD1048576", "formatted-cell-at-XFD1048576"])
def test_harmless_oddities_are_read_normally(tmp_path, base, builder):
    path = tmp_path / "x.xlsx"
    path.write_bytes(builder(base))
    wb = read_workbook(path, "x.xlsx")
    assert wb.findings == ()
    assert wb.tables["clients"].numbers == (2,)


def test_formatted_empty_rows_are_ignored(many_rows):
    wb = read_workbook(many_rows, "x.xlsx")
    assert wb.findings == ()
    assert wb.tables["clients"].numbers == (2,)


def test_worker_killed_by_memory_cap_is_isolated(tmp_path, base):
    """A file inside the guard's bounds that still needs more memory than a worker may use:
    calamine aborts the worker (SIGABRT); the pool names the file and reads the others."""
    heavy = tmp_path / "heavy.xlsx"
    heavy.write_bytes(far_cell(base, f"BL{guard.MAX_ROWS}"))
    good = tmp_path / "good.xlsx"
    good.write_bytes(base)
    # heavy first: the file queued behind it on the same worker must be re-run by a fresh worker
    names = ["heavy.xlsx", "a.xlsx", "b.xlsx", "heavy-2.xlsx", "c.xlsx", "d.xlsx"]
    items = [(heavy if n.startswith("heavy") else good, n) for n in names]
    result = read_isolated(items, workers=2, memory_cap=WORKER_CAP)
    assert [wb.path for wb in result] == names
    for wb in result:
        if wb.path.startswith("heavy"):
            assert [(f.code, f.file) for f in wb.findings] == [("file-too-large", wb.path)]
            assert "解析时所需内存超过限制" in wb.findings[0].message
        else:
            assert _good(wb)


def test_a_death_deep_in_a_long_queue_names_its_file(tmp_path, base):
    """Enough files that each worker holds a queue (and the parent pauses between collections):
    the file that kills its worker is still the one named, and every file queued behind it on
    that worker is read by the fresh one."""
    heavy = tmp_path / "heavy.xlsx"
    heavy.write_bytes(far_cell(base, f"BL{guard.MAX_ROWS}"))
    good = tmp_path / "good.xlsx"
    good.write_bytes(base)
    names = [f"f{i:03}.xlsx" for i in range(90)]
    names[47] = "heavy.xlsx"
    items = [(heavy if n == "heavy.xlsx" else good, n) for n in names]
    result = read_isolated(items, workers=2, memory_cap=WORKER_CAP)
    assert [wb.path for wb in result] == names
    assert [(f.code, f.file) for f in result[47].findings] == [("file-too-large", "heavy.xlsx")]
    assert all(_good(wb) for wb in result[:47] + result[48:])


def test_timeout_is_a_finding(tmp_path, base, many_rows):
    good = tmp_path / "good.xlsx"
    good.write_bytes(base)
    # the slow file takes seconds; the bound leaves the good one room on a loaded machine
    result = read_isolated([(many_rows, "slow.xlsx"), (good, "good.xlsx")], workers=2, timeout=0.5)
    assert [(f.code, f.message) for f in result[0].findings] == [("file-timeout", "读取文件超时（超过 0.5 秒）")]
    assert _good(result[1])


def _corrupt_deflate(data: bytes) -> bytes:
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(sheet_part(data, "客户"))
    out = bytearray(data)
    out[info.header_offset + 30 + len(info.filename.encode()) + 10] ^= 0xFF
    return bytes(out)


@pytest.mark.parametrize(("build", "code", "message"), [
    (lambda d: edit_sheet(d, "客户", lambda x: x[: len(x) // 2]), "file-unreadable", "无法读取文件：内部 XML 格式错误"),
    (lambda d: rezip(d, lambda n, b: b[:200] if n == "xl/workbook.xml" else b), "file-unreadable",
     "无法读取文件：文件内部结构损坏"),
    (lambda d: rezip(d, lambda n, b: None if n == sheet_part(d, "客户") else b), "file-unreadable",
     "无法读取文件：工作表的内容缺失"),
    (lambda d: rezip(d, lambda n, b: None if n == "xl/workbook.xml" else b), "file-not-xlsx",
     "文件不是有效的 .xlsx 工作簿：缺少工作簿内容（xl/workbook.xml）"),
    (_corrupt_deflate, "file-truncated", "文件不完整或已损坏（可能上传中断）：内部文件 xl/worksheets/sheet3.xml 损坏"),
], ids=["half-a-sheet", "half-the-workbook-part", "sheet-part-missing", "not-a-workbook", "corrupt-deflate"])
def test_broken_structure(tmp_path, base, build, code, message):
    path = tmp_path / "x.xlsx"
    path.write_bytes(build(base))
    wb = read_workbook(path, "x.xlsx")
    assert [(f.code, f.message, f.file) for f in wb.findings] == [(code, message, "x.xlsx")]
    assert wb.tables == {}


def test_a_folder_is_not_a_workbook(tmp_path):
    wb = read_workbook(tmp_path, "x.xlsx")
    assert [(f.code, f.message) for f in wb.findings] == [("file-unreadable", "无法读取文件：不是普通文件")]


def test_missing_file_is_unreadable(tmp_path):
    wb = read_workbook(tmp_path / "nope.xlsx", "nope.xlsx")
    assert [f.code for f in wb.findings] == ["file-unreadable"]
    assert wb.findings[0].message.startswith("无法读取文件：无法打开文件")


@pytest.mark.parametrize(("part", "prolog"), [
    ("docProps/core.xml", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'),
    ("xl/styles.xml", b'<?xml version="1.0"?>\n<!-- a comment first -->\n<!DOCTYPE x SYSTEM "http://example.invalid/x.dtd">'),
    ("xl/workbook.xml", '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x>'.encode("utf-16")),
], ids=["entity-in-core-props", "external-dtd-in-styles", "utf16-doctype-in-workbook"])
def test_any_dtd_in_any_part_is_refused(tmp_path, base, part, prolog):
    def edit(name, blob):
        if name != part:
            return blob
        body = blob.split(b"?>", 1)[1] if blob.startswith(b"<?xml") else blob
        return prolog + (body.decode("utf-8").encode("utf-16-le") if prolog.startswith(b"\xff\xfe") else body)

    path = tmp_path / "x.xlsx"
    path.write_bytes(rezip(base, edit))
    wb = read_workbook(path, "x.xlsx")
    assert [(f.code, f.message) for f in wb.findings] == [
        ("file-xml-unsafe", f"文件的内部 XML 含有不允许的结构：内部文件 {part} 含有 DOCTYPE/ENTITY 声明")]


def test_date1904_workbook_serials(tmp_path):
    """A workbook in the 1904 date system (old Mac Excel): typed serials convert with its epoch."""
    row = {"training_id": "T1", "name": "课程", "planned_date": 44624, "status": "进行中"}
    path = fill_form(TRAINING, tmp_path / "t.xlsx", cover=good_cover(), rows={"trainings": [row]})
    path.write_bytes(rezip(path.read_bytes(), lambda n, b: b.replace(b"<workbookPr", b'<workbookPr date1904="1"')
                           if n == "xl/workbook.xml" else b))
    wb = read_workbook(path, "t.xlsx")
    assert wb.tables["trainings"].column("planned_date") == [date(2026, 3, 5)]
    assert [(f.code, f.cell) for f in wb.findings if f.sheet == "培训计划"] == [("value-normalised", "D2")]
