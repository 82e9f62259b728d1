"""The guard's cheap path: members bounded by their compressed size are not inflated unless read.

Each test builds real zips (zipfile or the raw writer, with lying headers where it matters) and
checks `guard.open_package` directly, or the whole reader where the outcome is a finding. The
properties at the end throw random and mutated bytes at the guard: it may only ever refuse.
"""

from __future__ import annotations

import functools
import io
import struct
import tempfile
import zipfile
import zlib
from pathlib import Path

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
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.intake import guard, zipdir
from pipeline.intake.read import read_workbook


@pytest.fixture(scope="module")
def base() -> bytes:
    return filled_bytes()


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


def _read(data: bytes, name: str):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        return read_workbook(path, name)


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
    assert [(f.code, f.message) for f in wb.findings] == [("file-unreadable", "无法读取文件：内部 XML 格式错误")]


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
    assert wb.findings == () and [r["client_id"] for r in wb.tables["clients"].rows()] == ["C1"]


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
    assert wb.findings == () and [r["client_id"] for r in wb.tables["clients"].rows()] == ["C1"]


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
    data = write_raw_zip(_entries(base))
    cut = bytearray(data)
    # the central record of `part`: bump its compressed size (offset 20) far beyond the file
    pos = data.find(b"PK\x01\x02", 0)
    while data[pos + 46:pos + 46 + len(part.encode())] != part.encode():
        pos = data.find(b"PK\x01\x02", pos + 4)
    cut[pos + 20:pos + 24] = (len(data) * 2).to_bytes(4, "little")
    assert _rejected(bytes(cut)) == ("file-truncated", {"reason": f"内部文件 {part} 损坏"})


def _xlsxwriter_bytes() -> bytes:
    """A plain workbook with a shared-string table and a theme, as Excel-like writers produce."""
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
    shared = {"xl/sharedStrings.xml"} & set(original.namelist())
    assert shared  # both writers use a shared-string table
    assert stored == set(package.parts) | {"xl/styles.xml"} | shared
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


# --- properties: whatever the bytes, the guard refuses (Rejected) or accepts, nothing else ---------

PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@functools.cache
def small_zip() -> bytes:
    """A small valid workbook-like zip (a few members): mutations of it reach every branch fast."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, blob in members(_xlsxwriter_bytes()).items():
            z.writestr(name, blob, compress_type=zipfile.ZIP_STORED if name.endswith(".rels") else None)
    return out.getvalue()


# One mutation: overwrite a run of bytes, a 16/32-bit field, insert or cut bytes.
_MUTATION = st.one_of(
    st.tuples(st.just("bytes"), st.integers(0, 2**31), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("u16"), st.integers(0, 2**31), st.sampled_from([0, 1, 8, 12, 14, 99, 0x800, 0xFFFF])),
    st.tuples(st.just("u32"), st.integers(0, 2**31),
              st.sampled_from([0, 1, 10, 2**16, 2**24, 2**31, 2**32 - 1, 0x04034B50, 0x02014B50])),
    st.tuples(st.just("insert"), st.integers(0, 2**31), st.binary(min_size=1, max_size=40)),
    st.tuples(st.just("cut"), st.integers(0, 2**31), st.integers(1, 200)),
)


def _mutate(data: bytes, mutations) -> bytes:
    out = bytearray(data)
    for kind, where, what in mutations:
        at = where % (len(out) + 1)
        if kind == "bytes":
            out[at:at + len(what)] = what
        elif kind == "u16":
            out[at:at + 2] = struct.pack("<H", what)
        elif kind == "u32":
            out[at:at + 4] = struct.pack("<L", what)
        elif kind == "insert":
            out[at:at] = what
        else:
            del out[at:at + what]
    return bytes(out)


def _guarded(data: bytes) -> None:
    """open_package either accepts the bytes or raises Rejected with a catalogued code."""
    from pipeline.findings import CATALOGUE

    try:
        package = guard.open_package(data)
    except guard.Rejected as rejected:
        assert rejected.code in CATALOGUE
        return
    assert isinstance(package.sheets, dict)


@PROPERTY
@given(st.binary(max_size=600))
@example(b"PK\x03\x04")
@example(b"PK\x05\x06" + bytes(18))
@example(guard.OLE2_MAGIC + "EncryptionInfo".encode("utf-16-le"))
def test_random_bytes_are_refused_or_accepted_never_a_crash(data):
    _guarded(data)
    assert zipdir.directory(data, guard.MAX_MEMBERS) is None or data.startswith(b"PK")


@PROPERTY
@given(st.lists(_MUTATION, min_size=1, max_size=4))
def test_mutated_zips_are_refused_or_accepted_never_a_crash(mutations):
    data = _mutate(small_zip(), mutations)
    zipdir.directory(data, guard.MAX_MEMBERS)  # never raises: None is its "not plain"
    _guarded(data)


@PROPERTY
@given(st.integers(0, 2**31), st.binary(min_size=1, max_size=8))
def test_zipdir_never_raises_on_a_damaged_directory(where, what):
    """Damage aimed at the central directory and its end record, where directory() does its parsing."""
    start = small_zip().find(b"PK\x01\x02")
    data = bytearray(small_zip())
    at = start + where % (len(data) - start)
    data[at:at + len(what)] = what
    zipdir.directory(bytes(data), guard.MAX_MEMBERS)
    _guarded(bytes(data))


def _zip_with_method(method: int, body: bytes, name: str = "xl/workbook.xml") -> bytes:
    """A one-member zip whose member claims `method` (bzip2 12, lzma 14, …) over arbitrary bytes."""
    return write_raw_zip([(name, body, zlib.crc32(body), len(body) * 3, method)])


@pytest.mark.parametrize("method", [1, 6, 9, 12, 14, 93, 99])
def test_unsupported_or_damaged_compression_is_refused(method):
    """Methods zipfile cannot or may inflate (bzip2, lzma) over garbage: refused, never a crash."""
    _guarded(_zip_with_method(method, b"\x00\x01garbage" * 20))


@pytest.mark.parametrize("offset", [4, 20, 60])
def test_corrupt_lzma_member_is_damage(offset):
    """zipfile inflates LZMA members; a corrupt stream raises lzma's own error, which is damage too."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_LZMA) as z:
        z.writestr("xl/workbook.xml", b"<workbook>" + b"<sheet/>" * 500 + b"</workbook>")
    data = bytearray(out.getvalue())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).infolist()[0]
    data[info.header_offset + 30 + len(info.filename) + offset] ^= 0xFF
    assert _rejected(bytes(data)) == ("file-truncated", {"reason": "内部文件 xl/workbook.xml 损坏"})


def test_zip_version_zipfile_does_not_support_is_refused():
    """A "version needed to extract" beyond zipfile's makes its constructor raise NotImplementedError."""
    data = bytearray(write_raw_zip([padding_member("xl/workbook.xml", b"<workbook/>")]))
    central = data.find(b"PK\x01\x02")
    data[central + 6:central + 8] = struct.pack("<H", 64)  # version 6.4: zipdir leaves it to zipfile
    assert zipdir.directory(bytes(data), guard.MAX_MEMBERS) is None
    assert _rejected(bytes(data)) == ("file-unreadable", {"reason": "zip 格式版本不受支持"})


def test_member_without_a_name_is_not_a_crash():
    """zipfile.ZipInfo.is_dir() fails on an empty name; the guard reads it as any other part."""
    data = write_raw_zip([padding_member("", b"<x/>"), padding_member("xl/workbook.xml", b"<workbook/>")])
    data = data + b"PK"  # not a plain zip (data after the end record): the zipfile path
    _guarded(data)


def _raw_zip(members_: list[tuple[bytes, int, bytes]]) -> bytes:
    """A zip of (name bytes, flag bits, content) members, deflated, the names written as given."""
    local, central = b"", b""
    for name, flags, blob in members_:
        comp, crc = _deflate_raw(blob)
        fields = (flags, 8, 0, 0x21, crc, len(comp), len(blob), len(name))
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, *fields, 0, 0, 0, 0, 0, len(local)) + name
        local += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, *fields, 0) + name + comp
    count = len(members_)
    return local + central + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(central), len(local), 0)


def _deflate_raw(blob: bytes) -> tuple[bytes, int]:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(blob) + c.flush(), zlib.crc32(blob)


def test_long_non_utf8_member_name_is_not_a_crash(base):
    """A cp437 name (no UTF-8 flag) of high bytes grows threefold when the guard writes calamine's
    STORED copy in UTF-8: past 65,535 bytes it no longer fits a zip header, so zipfile reads it."""
    long_name = bytes([0xB0]) * 30_000  # '░' in cp437, three bytes in UTF-8
    data = _raw_zip([(name.encode(), 0x800, blob) for name, blob in members(base).items()] + [(long_name, 0, b"<x/>")])
    assert zipdir.directory(data, guard.MAX_MEMBERS) is None
    _same_package(guard.open_package(data), guard.open_package(base))
