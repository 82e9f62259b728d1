"""The guard's cheap path: members bounded by their compressed size are not inflated unless read.

Each test builds real zips (zipfile or the raw writer, with lying headers where it matters) and
checks `guard.open_package` directly, or the whole reader where the outcome is a finding.
"""

from __future__ import annotations

import io
import zipfile
import zlib

import pytest
from _read_helpers import (
    filled_bytes,
    members,
    padding_member,
    rezip,
    shared_strings_count,
    sheet_part,
    write_raw_zip,
)

from pipeline.excel import guard, zipdir
from pipeline.excel.pool import read_workbooks


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> bytes:
    return filled_bytes(tmp=tmp_path_factory.mktemp("guard"))


def _entries(data: bytes, edit=None) -> list[tuple[str, bytes, int, int, int]]:
    """Raw-zip entries (deflated, honest headers) of `data`'s members; `edit(entry)` may alter one."""
    out = [padding_member(name, blob) for name, blob in members(data).items()]
    return [edit(e) if edit else e for e in out]


def _same_package(a: guard.Package, b: guard.Package) -> None:
    assert (a.sheets, a.parts, a.date1904) == (b.sheets, b.parts, b.date1904)


def _rejected(data: bytes) -> tuple[str, dict]:
    with pytest.raises(guard.Rejected) as caught:
        guard.open_package(data)
    return caught.value.code, caught.value.params


def test_deflate_cannot_beat_the_ratio_we_rely_on():
    """The best zlib can do on the most compressible input stays under MAX_DEFLATE_RATIO."""
    for size in (1, 1000, 1024 * 1024, 64 * 1024 * 1024):
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        comp = c.compress(bytes(size)) + c.flush()
        assert size <= len(comp) * guard.MAX_DEFLATE_RATIO
    assert guard.MAX_DEFLATE_RATIO == 1032


def test_directory_matches_zipfile(base):
    entries = zipdir.directory(base, guard.MAX_MEMBERS)
    infos = zipfile.ZipFile(io.BytesIO(base)).infolist()
    assert [tuple(e) for e in entries] == [
        (i.filename, i.flag_bits, i.compress_type, i.CRC, i.compress_size, i.file_size, i.header_offset)
        for i in infos]


@pytest.mark.parametrize("variant", ["comment", "stored", "extra-field"])
def test_unusual_zips_give_the_same_package(base, variant):
    """An archive comment sends the file to zipfile; STORED members and extra fields stay fast."""
    out = io.BytesIO()
    method = zipfile.ZIP_STORED if variant == "stored" else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(out, "w", method) as z:
        for name, blob in members(base).items():
            info = zipfile.ZipInfo(name)
            info.compress_type = method
            if variant == "extra-field":  # an Info-ZIP timestamp, as some zip tools write
                info.extra = b"UT\x05\x00\x01\x00\x00\x00\x00"
            z.writestr(info, blob)
        if variant == "comment":
            z.comment = "由其他工具压缩".encode()
    data = out.getvalue()
    assert (zipdir.directory(data, guard.MAX_MEMBERS) is None) == (variant == "comment")
    _same_package(guard.open_package(data), guard.open_package(base))


def test_kept_part_whose_header_lies_about_its_size(base):
    """The size in the headers is only a hint to the guard: a sheet claiming 10 bytes is inflated
    and scanned in full; calamine believes the header, stops after 10 bytes and the reader says so."""
    part = sheet_part(base, "客户")
    data = write_raw_zip(_entries(base, lambda e: (e[0], e[1], e[2], 10, 8) if e[0] == part else e))
    package = guard.open_package(data)
    assert package.sheet_xml("客户") == members(base)[part]
    wb = _read(data, "lie.xlsx")
    assert [(f.code, f.message) for f in wb.findings] == [("file-unreadable", "无法读取文件:内部 XML 格式错误")]


def _read(data: bytes, name: str):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        return read_workbooks([(path, name)], workers=1)[0]


def test_unread_part_is_only_inflated_to_its_root(base):
    """A part calamine never reads, provably small by its compressed size, is not inflated past
    its root element: a wrong CRC, a cut-off stream and a lying header there go unnoticed, and
    the workbook reads normally (the old guard refused it as damaged)."""
    core = members(base)["docProps/core.xml"]
    name, comp, crc, size, method = padding_member("docProps/core.xml", core + b" " * 50_000)
    entries = [e for e in _entries(base) if e[0] != name]
    entries.append((name, comp[:-40], crc ^ 0xFFFF, 5, method))
    data = write_raw_zip(entries)
    guard.open_package(data)
    wb = _read(data, "core.xlsx")
    assert wb.findings == [] and [r["client_id"] for r in wb.tables["clients"]] == ["C1"]


def test_bomb_in_an_unread_part_is_still_refused(base):
    """200 MB of spaces in a part nobody reads: its compressed size (~200 KB) proves nothing, so
    it is inflated and counted, and refused at the cap as before."""
    entries = _entries(base) + [padding_member("xl/media/pad.xml", megabytes=200)]
    data = write_raw_zip([(n, c, crc, 100 if n == "xl/media/pad.xml" else s, m) for n, c, crc, s, m in entries])
    assert _rejected(data) == ("file-too-large", {"reason": "单个内部文件 xl/media/pad.xml 解压后超过 128 MB"})


def test_a_bounded_bomb_in_an_unread_part_is_harmless(base):
    """100 MB of spaces (~100 KB compressed, within the per-part cap by the ratio alone) in a part
    calamine never opens: accepted without being inflated, and the workbook reads normally."""
    entries = _entries(base) + [padding_member("xl/media/pad.xml", megabytes=100)]
    data = write_raw_zip(entries)
    assert len(data) * guard.MAX_DEFLATE_RATIO <= guard.MAX_TOTAL_BYTES
    package = guard.open_package(data)
    assert "xl/media/pad.xml" not in package.parts
    wb = _read(data, "pad.xlsx")
    assert wb.findings == [] and [r["client_id"] for r in wb.tables["clients"]] == ["C1"]


@pytest.mark.parametrize(("prolog", "refused"), [
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>', True),
    (b'<?xml version="1.0"?><!--' + b"x" * 5000 + b"--><!DOCTYPE x>", True),  # past the first peek
    (b'<?xml version="1.0"?><!--' + b"x" * (guard.PEEK - 32) + b"--><!DOCTYPE x>", True),  # split by the peek
    (b'<?xml version="1.0"?>', False),
], ids=["entity", "after-long-comment", "across-the-peek", "plain"])
def test_dtd_in_a_peeked_part(base, prolog, refused):
    theme = prolog + b'<a:theme xmlns:a="x"><a:t>&lt;!DOCTYPE later is text</a:t></a:theme>'
    assert "xl/theme/theme1.xml" in members(base)
    data = rezip(base, lambda name, blob: theme if name == "xl/theme/theme1.xml" else blob)
    if refused:
        assert _rejected(data) == ("file-xml-unsafe", {"reason": "内部文件 xl/theme/theme1.xml 含有 DOCTYPE/ENTITY 声明"})
    else:
        assert "xl/theme/theme1.xml" not in guard.open_package(data).parts


@pytest.mark.parametrize("part", ["xl/styles.xml", "xl/sharedStrings.xml"])
def test_parts_calamine_reads_without_crc_are_checked(base, part):
    """calamine stops at the root's end tag and never verifies these CRCs (it read such files
    without complaint), so a damaged upload would silently change text or number formats."""
    data = base if part in members(base) else shared_strings_count(base, 1)
    data = write_raw_zip(_entries(data, lambda e: (e[0], e[1], e[2] ^ 1, e[3], e[4]) if e[0] == part else e))
    assert _rejected(data) == ("file-truncated", {"reason": f"内部文件 {part} 损坏"})


@pytest.mark.parametrize(("count", "ok"), [(1, True), (40, True), (500_000, False)])
def test_shared_string_count_against_the_real_size(base, count, ok):
    data = shared_strings_count(base, count)
    if ok:
        guard.open_package(data)
    else:
        assert _rejected(data) == ("file-too-large", {"reason": f"共享字符串表声明了 {count} 个字符串"})


def test_member_data_beyond_the_file_is_truncation(base):
    """A compressed size pointing past the end of the file: the span is checked before trusting it."""
    part = sheet_part(base, "客户")
    entries = _entries(base)
    data = write_raw_zip(entries)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(part)
    cut = bytearray(data)
    central = data.rfind(b"PK\x01\x02" + data[info.header_offset + 4:info.header_offset + 6])
    assert central > 0
    # the central record of `part`: bump its compressed size (offset 20) far beyond the file
    pos = data.find(b"PK\x01\x02", 0)
    while data[pos + 46:pos + 46 + len(part.encode())] != part.encode():
        pos = data.find(b"PK\x01\x02", pos + 4)
    cut[pos + 20:pos + 24] = (len(data) * 2).to_bytes(4, "little")
    assert _rejected(bytes(cut)) == ("file-truncated", {"reason": f"内部文件 {part} 损坏"})


def _xlsxwriter_bytes() -> bytes:
    """A workbook with a shared-string table and a theme, as Excel-like writers produce."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out)
    sheet = book.add_worksheet("数据")
    for r in range(30):
        sheet.write_row(r, 0, [f"文本{r}", r * 1.5, f"说明{r % 7}"])
    book.close()
    return out.getvalue()


@pytest.mark.parametrize("source", ["template", "xlsxwriter"])
def test_calamine_gets_the_inflated_parts_stored(base, source):
    """calamine reads a copy where the parts the guard inflated are STORED: same members in the
    same order with the same bytes and CRCs, so the values are the same and nothing is inflated twice."""
    from python_calamine import CalamineWorkbook

    data = base if source == "template" else _xlsxwriter_bytes()
    package = guard.open_package(data)
    original = zipfile.ZipFile(io.BytesIO(data))
    copy = zipfile.ZipFile(io.BytesIO(package.for_calamine))
    assert copy.testzip() is None
    assert [(i.filename, i.CRC, i.file_size) for i in copy.infolist()] == [
        (i.filename, i.CRC, i.file_size) for i in original.infolist()]
    stored = {i.filename for i in copy.infolist() if i.compress_type == zipfile.ZIP_STORED}
    expected = set(package.parts) | {"xl/styles.xml"} | ({"xl/sharedStrings.xml"} if source == "xlsxwriter" else set())
    assert stored == expected
    assert all(copy.read(n) == original.read(n) for n in original.namelist())
    books = [CalamineWorkbook.from_filelike(io.BytesIO(b)) for b in (data, package.for_calamine)]
    assert books[0].sheet_names == books[1].sheet_names
    for name in books[0].sheet_names:
        assert books[0].get_sheet_by_name(name).to_python() == books[1].get_sheet_by_name(name).to_python()


def test_stored_copy_is_bounded(base, monkeypatch):
    """Past STORE_BYTES of inflated parts the rest stays compressed (memory stays near the file's)."""
    monkeypatch.setattr(guard, "STORE_BYTES", 0)
    package = guard.open_package(base)
    copy = zipfile.ZipFile(io.BytesIO(package.for_calamine))
    assert {i.compress_type for i in copy.infolist()} == {zipfile.ZIP_DEFLATED}
    assert len(package.for_calamine) == len(base)


def test_general_path_hands_calamine_the_file(base):
    """A file zipfile reads (here: one with an archive comment) goes to calamine as it is."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, blob in members(base).items():
            z.writestr(name, blob)
        z.comment = b"x"
    package = guard.open_package(out.getvalue())
    assert package.for_calamine is None
