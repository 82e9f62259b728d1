"""Bounded pre-checks of a workbook file before any parser sees it.

python-calamine aborts the whole process (a failed Rust allocation, uncatchable) on small,
well-formed files whose cells lie far down or right of the grid, or whose shared-string table
declares billions of entries; openpyxl reads gigabytes from a zip bomb before failing. So every
file first passes this module, which only uses the standard library and works within the bounds
below: one pass over the zip directory, every member inflated by streaming with a cap on the
*real* inflated size (zip headers can lie), no DOCTYPE/ENTITY in any XML part, and a cheap scan of
each worksheet for value cells beyond the grid we are willing to materialise.

Problems are raised as `Rejected(code, **params)` with a finding code from the catalogue; the
reader turns them into findings at the workbook boundary.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from posixpath import join, normpath

from openpyxl.utils import column_index_from_string

# --- resource bounds (also stated in docs/guide/reading.md) ----------------------------------
MAX_FILE_BYTES = 32 * 1024 * 1024  # size on disk
MAX_MEMBERS = 1_000  # entries in the zip directory
MAX_MEMBER_BYTES = 128 * 1024 * 1024  # real inflated bytes of one part
MAX_TOTAL_BYTES = 256 * 1024 * 1024  # real inflated bytes of all parts together
MAX_SHARED_STRINGS = 1_000_000  # declared count / uniqueCount of the shared-string table
MAX_ROWS = 100_000  # last row holding a value
MAX_COLUMNS = 64  # last column holding a value (BL)
CHUNK = 1024 * 1024

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
STRICT_NS = b"purl.oclc.org/ooxml"
# An encrypted OOXML workbook is an OLE2 container with these streams (names are UTF-16LE).
_ENCRYPTION_STREAMS = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))
# Entity declarations are what quadratic-blowup and billion-laughs attacks need; no part of a
# workbook written by Excel, WPS or openpyxl has one, so any DTD is refused outright.
_DTD_MARKERS = tuple(m.encode(enc) for m in ("<!DOCTYPE", "<!ENTITY") for enc in ("ascii", "utf-16-le", "utf-16-be"))
_OVERLAP = max(len(m) for m in _DTD_MARKERS)

_SHEET_TAG = re.compile(rb'<(?:\w+:)?sheet\b[^>]*>')
_ATTR = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')
_REL_TAG = re.compile(rb'<(?:\w+:)?Relationship\b[^>]*>')
_ROOT = re.compile(rb"<[A-Za-z_]")  # the first element's start tag (not <?, <!, </)
_SST_TAG = re.compile(rb'<(?:\w+:)?sst\b[^>]*>')
# Value-bearing cells (not self-closed: `<c r="A1" s="1"/>` is formatting only) far right or down.
_FAR_COLUMN = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{2,3})(\d+)"[^>]*?(?<!/)>')
_SUSPECT = re.compile(rb'r="(?:[A-Z]{2,3}\d|[A-Z]\d{6})')
_FAR_ROW = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})(\d{6,})"[^>]*?(?<!/)>')


class Rejected(Exception):
    """The file cannot be read safely; `code` is a finding code, `params` fill its message."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params


@dataclass
class Package:
    """The parts of an accepted workbook that the reader needs, already inflated and checked."""

    data: bytes  # the whole file
    sheets: dict[str, str]  # sheet name -> part name, in workbook order
    parts: dict[str, bytes] = field(default_factory=dict)  # worksheets, workbook, custom props
    date1904: bool = False

    def sheet_xml(self, name: str) -> bytes | None:
        part = self.sheets.get(name)
        return None if part is None else self.parts.get(part)


def _mib(n: int) -> str:
    return f"{n // (1024 * 1024)} MB"


def check_magic(data: bytes) -> None:
    """Classify what is not a zip at all: empty, OLE2 (encrypted or .xls), anything else."""
    if not data:
        raise Rejected("file-empty")
    if data.startswith(OLE2_MAGIC):
        if any(name in data for name in _ENCRYPTION_STREAMS):
            raise Rejected("file-encrypted")
        raise Rejected("file-xls")
    if not data.startswith(b"PK"):
        raise Rejected("file-not-xlsx", reason="文件内容不是 xlsx(zip)格式")


def open_package(data: bytes) -> Package:
    """Check `data` within the bounds above and return the parts the reader needs."""
    if len(data) > MAX_FILE_BYTES:
        raise Rejected("file-too-large", reason=f"文件大小超过 {_mib(MAX_FILE_BYTES)}")
    check_magic(data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        if data.startswith(ZIP_MAGIC):  # a zip's start without its central directory: cut off
            raise Rejected("file-truncated", reason="找不到 zip 目录") from exc
        raise Rejected("file-not-xlsx", reason="zip 结构无效") from exc
    except (OSError, ValueError, EOFError) as exc:
        raise Rejected("file-truncated", reason="zip 目录损坏") from exc
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise Rejected("file-too-large", reason=f"包含 {len(infos)} 个内部文件,超过 {MAX_MEMBERS} 个")
    names = {i.filename for i in infos}
    if "xl/vbaProject.bin" in names:
        raise Rejected("file-macro")
    parts: dict[str, bytes] = {}
    total = 0
    for info in infos:
        if info.is_dir():
            continue
        blob = _inflate(data, archive, info, MAX_TOTAL_BYTES - total)
        total += len(blob)
        if _keep(info.filename):
            parts[info.filename] = blob
        elif info.filename.endswith("sharedStrings.xml"):
            _check_shared_strings(blob)
    return _package(data, parts)


def _keep(name: str) -> bool:
    return (name.startswith("xl/worksheets/") and name.endswith(".xml")) or name in (
        "[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
        "docProps/custom.xml",
    )


def _inflate(data: bytes, archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    """The member's bytes, inflated by streaming and stopped at the caps (headers are not trusted)."""
    if info.flag_bits & 0x1:  # zip-level password
        raise Rejected("file-encrypted")
    cap = min(MAX_MEMBER_BYTES, budget)
    out = bytearray()
    try:
        if info.compress_type == zipfile.ZIP_DEFLATED:
            # Inflate the raw stream ourselves: zipfile stops at the header's stated size, which a
            # bomb may fake, and we want the real size bounded while inflating.
            _inflate_raw(data, info, out, cap)
        else:
            with archive.open(info) as stream:
                while chunk := stream.read(CHUNK):
                    _append(out, chunk, cap, info.filename)
    except NotImplementedError as exc:
        raise Rejected("file-unreadable", reason=f"内部文件 {info.filename} 的压缩方式不受支持") from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, struct.error) as exc:
        raise Rejected("file-truncated", reason=f"内部文件 {info.filename} 损坏") from exc
    return bytes(out)


def _inflate_raw(data: bytes, info: zipfile.ZipInfo, out: bytearray, cap: int) -> None:
    offset = info.header_offset
    signature, name_len, extra_len = struct.unpack_from("<4s22xHH", data, offset)
    if signature != ZIP_MAGIC:
        raise zipfile.BadZipFile(info.filename)
    start = offset + 30 + name_len + extra_len
    end = start + info.compress_size
    if end > len(data):
        raise EOFError(info.filename)
    inflater = zlib.decompressobj(-15)
    if end - start <= CHUNK:  # the usual small part: one bounded call, one scan
        blob = inflater.decompress(data[start:end], min(cap + 1, 4 * CHUNK))
        if not inflater.eof and len(blob) <= cap:  # a small part that inflates a lot: stream it
            out.clear()
            return _inflate_stream(data, start, end, info, out, cap)
        if len(blob) > cap:
            _append(out, blob + b" ", cap, info.filename)  # over the cap: let _append say so
        out += blob
        _scan_prolog(blob, info.filename)
        if zlib.crc32(blob) != info.CRC:
            raise zipfile.BadZipFile(info.filename)
        return
    _inflate_stream(data, start, end, info, out, cap)


def _inflate_stream(data: bytes, start: int, end: int, info: zipfile.ZipInfo, out: bytearray, cap: int) -> None:
    inflater = zlib.decompressobj(-15)
    crc = 0
    prolog = True  # until the root element has started, a DTD could still come
    for pos in range(start, end, CHUNK):
        pending = data[pos:min(pos + CHUNK, end)]
        while pending:  # max_length keeps each step's output within the cap
            # at most CHUNK out per step: one compressed MB may inflate to a gigabyte
            chunk = inflater.decompress(pending, min(CHUNK, cap + 1 - len(out)))
            crc = zlib.crc32(chunk, crc)
            prolog = _append(out, chunk, cap, info.filename, prolog)
            pending = inflater.unconsumed_tail
    tail = inflater.flush()
    crc = zlib.crc32(tail, crc)
    _append(out, tail, cap, info.filename, prolog)
    if not inflater.eof or crc != info.CRC:
        raise zipfile.BadZipFile(info.filename)


def _append(out: bytearray, chunk: bytes, cap: int, name: str, prolog: bool = True) -> bool:
    """Add `chunk` within the cap; while in the prolog, refuse DTDs. Returns whether still in it."""
    before = len(out)
    out += chunk
    if len(out) > cap:
        what = f"单个内部文件 {name} 解压后超过 {_mib(MAX_MEMBER_BYTES)}" if cap == MAX_MEMBER_BYTES \
            else f"解压后总大小超过 {_mib(MAX_TOTAL_BYTES)}"
        raise Rejected("file-too-large", reason=what)
    if not prolog:
        return False
    # the new chunk plus the seam with what came before, so a marker split in two is seen
    return _scan_prolog(bytes(out[max(0, before - _OVERLAP):]), name)


def _scan_prolog(blob: bytes, name: str) -> bool:
    """Refuse DOCTYPE/ENTITY before the root element; True when the root has not started yet.

    A DTD (the only place entities are declared) must precede the root element, or no XML
    parser accepts the part; so only the prolog needs scanning, which keeps this cheap.
    """
    if blob[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in blob[:4]:
        root, window = None, blob  # UTF-16: scan it all
    else:
        root = _ROOT.search(blob)
        window = blob[:root.start()] if root else blob
    if b"<!" in window or b"<\x00!" in window:
        for marker in _DTD_MARKERS:
            if marker in window:
                raise Rejected("file-xml-unsafe", reason=f"内部文件 {name} 含有 DOCTYPE/ENTITY 声明")
    return root is None


def _check_shared_strings(blob: bytes) -> None:
    m = _SST_TAG.search(blob, 0, 4096)
    if not m:
        return
    attrs = dict(_ATTR.findall(m.group(0)))
    for key in (b"count", b"uniqueCount"):
        value = attrs.get(key, b"0")
        declared = int(value) if value.isdigit() else 0
        # Each string needs several bytes of XML, so a count above the part's size is a lie.
        if declared > MAX_SHARED_STRINGS or declared > len(blob):
            raise Rejected("file-too-large", reason=f"共享字符串表声明了 {declared} 个字符串")


def _package(data: bytes, parts: dict[str, bytes]) -> Package:
    types = parts.get("[Content_Types].xml", b"")
    if b"macroEnabled" in types:
        raise Rejected("file-macro")
    workbook = parts.get("xl/workbook.xml")
    if workbook is None:
        raise Rejected("file-not-xlsx", reason="缺少工作簿内容(xl/workbook.xml)")
    if STRICT_NS in workbook[:8192]:
        raise Rejected("file-strict-ooxml")
    rels = _relationships(parts.get("xl/_rels/workbook.xml.rels", b""))
    sheets: dict[str, str] = {}
    for tag in _SHEET_TAG.findall(workbook):
        attrs = dict(_ATTR.findall(tag))
        name = _unescape(attrs.get(b"name", b"").decode("utf-8", "replace"))
        rid = next((v for k, v in attrs.items() if k.endswith(b":id") or k == b"id"), b"")
        target = rels.get(rid.decode("utf-8", "replace"))
        if name and target:
            sheets[name] = target
    date1904 = re.search(rb'date1904="(1|true)"', workbook) is not None
    return Package(data=data, sheets=sheets, parts=parts, date1904=date1904)


def _relationships(blob: bytes) -> dict[str, str]:
    """Relationship id -> part name (targets are relative to xl/ unless absolute)."""
    out = {}
    for tag in _REL_TAG.findall(blob):
        attrs = dict(_ATTR.findall(tag))
        target = _unescape(attrs.get(b"Target", b"").decode("utf-8", "replace"))
        part = target.lstrip("/") if target.startswith("/") else normpath(join("xl", target))
        out[attrs.get(b"Id", b"").decode("utf-8", "replace")] = part
    return out


def _unescape(text: str) -> str:
    if "&" not in text:
        return text
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&")):
        text = text.replace(entity, char)
    return text


def check_sheet_extent(xml: bytes, sheet: str) -> None:
    """Refuse a worksheet with a value cell beyond MAX_ROWS × MAX_COLUMNS (calamine would abort)."""
    if _SUSPECT.search(xml) is None:  # no 2-3 letter column and no 6+ digit row anywhere
        return
    for m in _FAR_COLUMN.finditer(xml):
        if column_index_from_string(m.group(1).decode()) > MAX_COLUMNS:
            _too_far(m, sheet)
    for m in _FAR_ROW.finditer(xml):
        if int(m.group(2)) > MAX_ROWS:
            _too_far(m, sheet)


def _too_far(m: re.Match, sheet: str) -> None:
    ref = (m.group(1) + m.group(2)).decode()
    raise Rejected("file-too-large",
                   reason=f"工作表“{sheet}”的单元格 {ref} 超出可处理范围(最多 {MAX_ROWS} 行、{MAX_COLUMNS} 列)")


__all__ = [
    "CHUNK", "MAX_COLUMNS", "MAX_FILE_BYTES", "MAX_MEMBERS", "MAX_MEMBER_BYTES", "MAX_ROWS",
    "MAX_SHARED_STRINGS", "MAX_TOTAL_BYTES", "Package", "Rejected", "check_magic", "check_sheet_extent",
    "open_package",
]
