"""Bounded pre-checks of a workbook file before any parser sees it.

python-calamine aborts the whole process (a failed Rust allocation, uncatchable) on small,
well-formed files whose cells lie far down or right of the grid, or whose shared-string table
declares billions of entries; openpyxl reads gigabytes from a zip bomb before failing. So every
file first passes this module, which only uses the standard library and works within the bounds
below. Zip headers can lie about sizes, so no size is taken from them:

- the *compressed* bytes of a member are real (their span is checked against the file), and raw
  DEFLATE cannot expand more than 1032:1 (every symbol costs at least one bit; a 258-byte match
  also needs a distance code). When the members' compressed sizes times 1032 (STORED members:
  their own size) stay within the caps, the file is bounded without counting anything: then the
  parts calamine or the reader parse are inflated whole and CRC-checked (worksheets, workbook,
  relationships, content types, custom properties, styles, shared strings: calamine does not
  check the CRC of the last two), and every other part only up to its root element;
- a member whose compressed size does not prove it small, and any file that does not qualify
  (zip64, a comment or data before the zip, odd extra fields, other compression methods), is
  inflated by streaming with a cap on the *real* inflated size, every member, as zipfile reads it;
- no DOCTYPE/ENTITY in the prolog of any part, and a cheap scan of each worksheet the reader
  reads for value cells beyond the grid we are willing to materialise (`check_sheet_extent`) —
  of every part calamine might read for it, found as calamine finds parts (`_resolve_sheets`);
  two part names that differ only in case are refused, as calamine could read either.

What was inflated is not thrown away: `Package.for_calamine` is the same zip with those parts
STORED (same members, order, bytes and CRCs), so calamine does not inflate them a second time.

Problems are raised as `Rejected(code, **params)` with a finding code from the catalogue; the
reader turns them into findings at the workbook boundary.
"""

from __future__ import annotations

import io
import lzma
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from posixpath import normpath

from ..forms.values import column_index
from .zipdir import DEFLATED, LOCAL, STORED, ZIP_MAGIC, Entry, directory, restored

# --- resource bounds (also stated in docs/guide/reading.md) ----------------------------------
MAX_FILE_BYTES = 32 * 1024 * 1024  # size on disk
MAX_MEMBERS = 1_000  # entries in the zip directory
MAX_MEMBER_BYTES = 128 * 1024 * 1024  # real inflated bytes of one part
MAX_TOTAL_BYTES = 256 * 1024 * 1024  # real inflated bytes of all parts together
MAX_SHARED_STRINGS = 1_000_000  # declared count / uniqueCount of the shared-string table
MAX_ROWS = 100_000  # last row holding a value
MAX_COLUMNS = 64  # last column holding a value (BL)
CHUNK = 1024 * 1024
# Raw DEFLATE's ceiling (zlib's own figure, 1032:1): each literal/length symbol costs >= 1 bit and
# a 258-byte match also needs a distance code, so 2 bits yield at most 258 bytes.
MAX_DEFLATE_RATIO = 1032
PEEK = 1024  # inflated bytes looked at first when only a part's prolog matters
SST_HEAD = 4096  # where the shared-string table's declared counts must appear
STORE_BYTES = 16 * 1024 * 1024  # inflated parts handed on to calamine STORED (beyond: as they were)
# Parts calamine parses besides the kept ones (plus any *sharedStrings.xml). It does not verify
# their CRC (it stops at the root's end tag), so they are inflated whole and checked here: a
# damaged upload is refused rather than read as silently different text or number formats.
_CALAMINE_PARTS = frozenset({"xl/styles.xml"})

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
STRICT_NS = b"purl.oclc.org/ooxml"
# What an OLE2 (Compound File) container holds, by the names of its streams: an encrypted OOXML
# workbook has these two; an Excel 97-2003 file (and WPS's .et) a `Workbook` stream, Excel 5/95 `Book`.
_ENCRYPTION_STREAMS = ("EncryptionInfo", "EncryptedPackage")
_XLS_STREAMS = ("Workbook", "Book")
_DIRECTORY_ENTRY = 128  # bytes; entries are aligned to it, each starting with its UTF-16LE name
# An OpenDocument file starts with its STORED `mimetype` member (ODF 1.2 part 3, §3.3), no extra field.
_ODF_MIMETYPE = re.compile(rb"PK\x03\x04.{22}\x08\x00\x00\x00mimetypeapplication/vnd\.oasis\.opendocument\.([a-z-]+)",
                           re.S)
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
    # sheet name -> every part calamine might read for it (see _resolve_sheets), all in `parts`
    sheet_parts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # The same zip with the parts already inflated here STORED, so calamine does not inflate them a
    # second time (same names, order, CRCs and content); None when the file took the general path.
    for_calamine: bytes | None = None

    def sheet_xml(self, name: str) -> bytes | None:
        part = self.sheets.get(name)
        return None if part is None else self.parts.get(part)

    def sheet_xmls(self, name: str) -> list[bytes]:
        """The XML of every part calamine might read for sheet `name`."""
        return [self.parts[part] for part in self.sheet_parts.get(name, ())]


def _mib(n: int) -> str:
    return f"{n // (1024 * 1024)} MB"


def check_magic(data: bytes) -> None:
    """Classify what is not an xlsx zip: empty, OLE2 (encrypted, .xls or another Office document),
    OpenDocument (.ods or another), anything else."""
    if not data:
        raise Rejected("file-empty")
    if data.startswith(OLE2_MAGIC):
        if all(_has_stream(data, name) for name in _ENCRYPTION_STREAMS):
            raise Rejected("file-encrypted")
        if any(_has_stream(data, name) for name in _XLS_STREAMS):
            raise Rejected("file-xls")
        raise Rejected("file-not-xlsx", reason="文件是其他旧版 Office 文档（如 Word 97-2003 文档），不是 Excel 工作簿")
    if not data.startswith(b"PK"):
        raise Rejected("file-not-xlsx", reason="文件内容不是 xlsx（zip）格式")
    odf = _ODF_MIMETYPE.match(data)
    if odf is not None:
        if odf.group(1).startswith(b"spreadsheet"):
            raise Rejected("file-ods")
        raise Rejected("file-not-xlsx", reason="文件是 OpenDocument 文档（如 .odt），不是电子表格")


def _has_stream(data: bytes, name: str) -> bool:
    """Whether an OLE2 file has a directory entry named `name`: the name in UTF-16LE with its NUL,
    at an entry's start, its length field (offset 64) saying so. Not merely the text anywhere, which
    a Word document might contain."""
    encoded = (name + "\0").encode("utf-16-le")
    length = struct.pack("<H", len(encoded))
    at = data.find(encoded, 512)  # the header is not a directory sector
    while at >= 0:
        if at % _DIRECTORY_ENTRY == 0 and data[at + 64:at + 66] == length:
            return True
        at = data.find(encoded, at + 1)
    return False


def open_package(data: bytes) -> Package:
    """Check `data` within the bounds above and return the parts the reader needs."""
    if len(data) > MAX_FILE_BYTES:
        raise Rejected("file-too-large", reason=f"文件大小超过 {_mib(MAX_FILE_BYTES)}")
    check_magic(data)
    entries = directory(data, MAX_MEMBERS)
    if entries is None or not _bounded(entries):
        return _open_streaming(data)
    _check_names([e.filename for e in entries])
    if any(e.filename == "xl/vbaProject.bin" for e in entries):
        raise Rejected("file-macro")
    parts: dict[str, bytes] = {}
    inflated: list[bytes | None] = []  # per entry: its bytes when inflated whole here and stored anew
    spans: list[tuple[int, int]] = []  # per entry: where its compressed bytes are
    room = STORE_BYTES
    total = 0
    for entry in entries:
        inflated.append(None)
        spans.append((0, 0))
        name = entry.filename
        if name.endswith("/"):
            continue
        if entry.flag_bits & 0x1:  # zip-level password
            raise Rejected("file-encrypted")
        start, end = spans[-1] = _span(data, entry)
        keep = _keep(name)
        if entry.compress_type == DEFLATED and entry.compress_size * MAX_DEFLATE_RATIO > MAX_MEMBER_BYTES:
            blob = _inflate(data, None, entry, MAX_TOTAL_BYTES - total)  # not provably small: count it
            total += len(blob)
        elif keep or name in _CALAMINE_PARTS or name.endswith("sharedStrings.xml"):
            blob = _whole(data, entry, start, end)
            # a header whose size lies stays as it was: calamine believes it and must fail as before
            if entry.compress_type == DEFLATED and len(blob) == entry.file_size and len(blob) <= room:
                inflated[-1] = blob
                room -= len(blob)
        else:  # calamine never reads it: only a DTD matters (openpyxl opens it for annotated copies)
            _check_prolog(_pieces(data, entry, start, end), name)
            continue
        if keep:
            parts[name] = blob
        elif name.endswith("sharedStrings.xml"):
            _check_shared_strings(blob)
    package = _package(data, parts)

    def inflate(name: str) -> bytes:
        index = next(i for i, e in enumerate(entries) if e.filename == name)
        if entries[index].compress_type == DEFLATED:
            return _inflate(data, None, entries[index], MAX_MEMBER_BYTES)
        return _whole(data, entries[index], *spans[index])

    _resolve_sheets(package, [e.filename for e in entries], inflate)
    package.for_calamine = restored(data, entries, spans, inflated)
    return package


def _fold(name: str) -> str:
    """A part name as calamine's zip lookup compares it: ignoring case, with '\\' read as '/'."""
    return name.replace("\\", "/").lower()


def _check_names(names: list[str]) -> None:
    """Part names are unique ignoring case (OPC). calamine's lookup ignores case and takes the last
    match, so a second part of the same name could be the one it reads instead of the one checked."""
    if len({_fold(name) for name in names}) != len(names):
        raise Rejected("file-not-xlsx", reason="包含重复的内部文件名")


def _resolve_sheets(package: Package, names: list[str], inflate: Callable[[str], bytes]) -> None:
    """Find every part calamine might read for each sheet, and keep its XML for check_sheet_extent.

    calamine resolves a sheet's target as xl/ + target (a leading '/' dropped instead) and takes
    the name as written, '.' and '..' included; older versions keep a target that starts with xl/
    as it is; its zip lookup ignores case and reads '\\' as '/'. A hand-made file could use any of
    these to make calamine read a part the checks never saw, so each of them is checked.
    """
    last: dict[str, str] | None = None
    for sheet, part in list(package.sheets.items()):
        if part in package.parts and _plain(part):
            package.sheet_parts[sheet] = (part,)  # as spreadsheet programs write it: that one part
            continue
        if last is None:
            last = {_fold(name): name for name in names}  # one each: _check_names refused equal names
        candidates = (part, normpath(part), part[3:] if part.startswith("xl/xl/") else part)
        found = tuple(dict.fromkeys(last[f] for f in map(_fold, candidates) if f in last))
        for name in found:
            if name not in package.parts:  # outside xl/worksheets/: not kept on the way
                package.parts[name] = inflate(name)
        package.sheets[sheet] = last.get(_fold(part), part)
        package.sheet_parts[sheet] = found


def _plain(part: str) -> bool:
    """A part name every reading of a target agrees on: no '.', '..' or empty segment, no xl/xl/."""
    return not part.startswith(("xl/xl/", ".", "/")) and "/." not in part and "//" not in part \
        and not part.endswith("/")


def _bounded(entries: list[Entry]) -> bool:
    """Whether the compressed sizes alone prove the whole file inflates within MAX_TOTAL_BYTES."""
    bound = 0
    for e in entries:
        if e.compress_type == DEFLATED:
            bound += e.compress_size * MAX_DEFLATE_RATIO
        elif e.compress_type == STORED and e.compress_size == e.file_size and not e.flag_bits & 0x60:
            bound += e.compress_size
        else:  # other methods have no useful ceiling (bzip2...): zipfile and real counting
            return False
    return bound <= MAX_TOTAL_BYTES


def _span(data: bytes, entry: Entry) -> tuple[int, int]:
    """Where the member's compressed bytes are; they must lie within the file."""
    offset = entry.header_offset
    if offset + LOCAL.size > len(data):
        raise _broken(entry.filename)
    signature, name_len, extra_len = LOCAL.unpack_from(data, offset)
    start = offset + LOCAL.size + name_len + extra_len
    end = start + entry.compress_size
    if signature != ZIP_MAGIC or end > len(data):
        raise _broken(entry.filename)
    if entry.compress_type == STORED:  # as zipfile checks when it opens a member
        local = data[offset + LOCAL.size:offset + LOCAL.size + name_len]
        if local.decode("utf-8" if entry.flag_bits & 0x800 else "cp437", "replace") != entry.filename:
            raise _broken(entry.filename)
    return start, end


def _broken(name: str) -> Rejected:
    return Rejected("file-truncated", reason=f"内部文件 {name} 损坏")


def _whole(data: bytes, entry: Entry, start: int, end: int) -> bytes:
    """A part the reader needs, provably within MAX_MEMBER_BYTES: inflated at once, CRC checked."""
    if entry.compress_type == STORED:
        blob = data[start:end]
    else:
        try:  # one call: the ratio bounds the output, and the header's size is not trusted
            blob = zlib.decompress(memoryview(data)[start:end], -15)
        except zlib.error:  # cut off or corrupt: the streaming path says which, exactly as before
            return _inflate(data, None, entry, MAX_MEMBER_BYTES)
    _scan_prolog(blob, entry.filename)
    if zlib.crc32(blob) != entry.CRC:
        raise _broken(entry.filename)
    return blob


def _pieces(data: bytes, entry: Entry, start: int, end: int) -> Iterator[bytes]:
    """The member inflated piece by piece (PEEK bytes, then CHUNK at most), as far as it is read."""
    size = PEEK
    if entry.compress_type == STORED:
        pos = start
        while pos < end:
            yield data[pos:min(pos + size, end)]
            pos += size
            size = CHUNK
        return
    inflater = zlib.decompressobj(-15)
    pending: bytes | memoryview = memoryview(data)[start:end]
    while not inflater.eof:
        try:
            chunk = inflater.decompress(pending, size)
        except zlib.error as exc:
            raise _broken(entry.filename) from exc
        if not chunk:  # input used up (a cut-off stream is calamine's to report if it reads it)
            return
        pending = inflater.unconsumed_tail
        yield chunk
        size = CHUNK


def _check_prolog(pieces: Iterator[bytes], name: str) -> None:
    """Refuse a DTD in the prolog, inflating no further than the root element."""
    seam = b""  # the end of the previous piece, so a marker split in two is seen
    for chunk in pieces:
        window = seam + chunk
        if not _scan_prolog(window, name):
            return
        seam = window[-_OVERLAP:]


def _open_streaming(data: bytes) -> Package:
    """The general path: zipfile reads the directory and every member is inflated, counted."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        if data.startswith(ZIP_MAGIC):  # a zip's start without its central directory: cut off
            raise Rejected("file-truncated", reason="找不到 zip 目录") from exc
        raise Rejected("file-not-xlsx", reason="zip 结构无效") from exc
    except (OSError, ValueError, EOFError) as exc:
        raise Rejected("file-truncated", reason="zip 目录损坏") from exc
    except NotImplementedError as exc:  # a "version needed to extract" zipfile does not support
        raise Rejected("file-unreadable", reason="zip 格式版本不受支持") from exc
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise Rejected("file-too-large", reason=f"包含 {len(infos)} 个内部文件，超过 {MAX_MEMBERS} 个")
    _check_names([i.filename for i in infos])
    names = {i.filename for i in infos}
    if "xl/vbaProject.bin" in names:
        raise Rejected("file-macro")
    parts: dict[str, bytes] = {}
    total = 0
    for info in infos:
        if info.filename.endswith("/"):  # a folder (ZipInfo.is_dir fails on an empty name)
            continue
        blob = _inflate(data, archive, info, MAX_TOTAL_BYTES - total)
        total += len(blob)
        if _keep(info.filename):
            parts[info.filename] = blob
        elif info.filename.endswith("sharedStrings.xml"):
            _check_shared_strings(blob)
    package = _package(data, parts)
    _resolve_sheets(package, [i.filename for i in infos],
                      lambda name: _inflate(data, archive, archive.getinfo(name), MAX_MEMBER_BYTES))
    return package


def _keep(name: str) -> bool:
    return (name.startswith("xl/worksheets/") and name.endswith(".xml")) or name in (
        "[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
        "docProps/custom.xml",
    )


def _inflate(data: bytes, archive: zipfile.ZipFile | None, info: zipfile.ZipInfo | Entry, budget: int) -> bytes:
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
    except (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, ValueError, struct.error) as exc:
        raise _broken(info.filename) from exc
    return bytes(out)


def _inflate_raw(data: bytes, info: zipfile.ZipInfo | Entry, out: bytearray, cap: int) -> None:
    offset = info.header_offset
    signature, name_len, extra_len = LOCAL.unpack_from(data, offset)
    if signature != ZIP_MAGIC:
        raise zipfile.BadZipFile(info.filename)
    start = offset + LOCAL.size + name_len + extra_len
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


def _inflate_stream(data: bytes, start: int, end: int, info: zipfile.ZipInfo | Entry, out: bytearray,
                    cap: int) -> None:
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


def _declared_strings(head: bytes) -> list[int]:
    """The shared-string table's declared count and uniqueCount (0 when absent), in that order."""
    m = _SST_TAG.search(head, 0, SST_HEAD)
    if not m:
        return []
    attrs = dict(_ATTR.findall(m.group(0)))
    values = (attrs.get(key, b"0") for key in (b"count", b"uniqueCount"))
    return [int(v) if v.isdigit() else 0 for v in values]


def _too_many_strings(declared: int) -> Rejected:
    return Rejected("file-too-large", reason=f"共享字符串表声明了 {declared} 个字符串")


def _check_shared_strings(blob: bytes) -> None:
    for declared in _declared_strings(blob):
        # Each string needs several bytes of XML, so a count above the part's size is a lie.
        if declared > MAX_SHARED_STRINGS or declared > len(blob):
            raise _too_many_strings(declared)


def _package(data: bytes, parts: dict[str, bytes]) -> Package:
    types = parts.get("[Content_Types].xml", b"")
    if b"macroEnabled" in types:
        raise Rejected("file-macro")
    workbook = parts.get("xl/workbook.xml")
    if workbook is None:
        raise Rejected("file-not-xlsx", reason="缺少工作簿内容（xl/workbook.xml）")
    if STRICT_NS in workbook[:8192]:
        raise Rejected("file-strict-ooxml")
    rels = _relationships(parts.get("xl/_rels/workbook.xml.rels", b""))
    sheets: dict[str, str] = {}
    for tag in _SHEET_TAG.findall(workbook):
        attrs = dict(_ATTR.findall(tag))
        name = attrs.get(b"name", b"")
        rid = next((v for k, v in attrs.items() if k.endswith(b":id") or k == b"id"), b"")
        target = rels.get(rid)
        if name and target:
            sheets[_unescape(name.decode("utf-8", "replace"))] = _part_name(target)
    date1904 = re.search(rb'date1904="(1|true)"', workbook) is not None
    return Package(data=data, sheets=sheets, parts=parts, date1904=date1904)


def _relationships(blob: bytes) -> dict[bytes, bytes]:
    """Relationship id -> target as written (resolved by `_part_name` only when a sheet uses it)."""
    out = {}
    for tag in _REL_TAG.findall(blob):
        attrs = dict(_ATTR.findall(tag))
        out[attrs.get(b"Id", b"")] = attrs.get(b"Target", b"")
    return out


def _part_name(written: bytes) -> str:
    """The zip member a workbook relationship points at, as calamine resolves it: relative to xl/
    unless it starts with '/', and as written ('.' and '..' are names to calamine, not steps)."""
    target = _unescape(written.decode("utf-8", "replace"))
    return target[1:] if target.startswith("/") else "xl/" + target


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
        if column_index(m.group(1).decode()) > MAX_COLUMNS:
            _too_far(m, sheet)
    for m in _FAR_ROW.finditer(xml):
        if int(m.group(2)) > MAX_ROWS:
            _too_far(m, sheet)


def _too_far(m: re.Match, sheet: str) -> None:
    ref = (m.group(1) + m.group(2)).decode()
    raise Rejected("file-too-large",
                   reason=f"工作表“{sheet}”的单元格 {ref} 超出可处理范围（最多 {MAX_ROWS} 行、{MAX_COLUMNS} 列）")


__all__ = [
    "CHUNK", "MAX_COLUMNS", "MAX_DEFLATE_RATIO", "MAX_FILE_BYTES", "MAX_MEMBERS", "MAX_MEMBER_BYTES", "MAX_ROWS", "PEEK",
    "MAX_SHARED_STRINGS", "MAX_TOTAL_BYTES", "STORE_BYTES", "Package", "Rejected", "check_magic", "check_sheet_extent",
    "open_package",
]
