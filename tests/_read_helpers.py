"""Builders of bad and hostile workbook files for the reader's tests (reusable by other tests).

Every builder starts from a real filled template (bytes) and breaks one thing at the zip or XML
level, or writes a non-zip file (OLE2, random bytes). Nothing here is mocked: the results are files
that Excel, calamine or openpyxl would meet in the wild.
"""

from __future__ import annotations

import marshal
import random
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

from conftest import default_filler
from openpyxl import load_workbook

from pipeline.forms import Form, get_form
from pipeline.intake.facts import WorkbookFacts, from_plain
from pipeline.outputs.form_workbook import DATE_FORMAT, form_workbook_bytes

Edit = Callable[[str, bytes], bytes | None]  # (member name, bytes) -> new bytes, None drops it

GOOD_CLIENT = {"client_id": "C1", "name": "客户甲", "client_type": "老客户", "sales": 120.5, "visits": 2,
               "satisfaction": 4.5, "complaints": 1, "resolved_complaints": 1}


def good_cover(office: str = "BJ01", period: str = "2026Q1") -> dict[str, Any]:
    return {"office_id": office, "period": period, "filled_by": default_filler(office), "filled_on": date(2026, 4, 3)}


# --- filled workbooks -------------------------------------------------------------------------


def form_bytes(form: Form | str, *, cover: dict | None = None, rows: dict | None = None,
               raw: dict[str, dict[str, Any]] | None = None) -> bytes:
    """A filled template: cover and rows written by the template writer, then `raw` overrides.

    `raw` = {sheet name: {"G7": value}} may touch any cell, headers included (a missing sheet is
    created; None clears a cell). It goes through openpyxl, which stores "#DIV/0!" as an Excel
    error value and "=1+1" as a formula without a cached value, as a file saved by a library has.
    """
    form = get_form(form) if isinstance(form, str) else form
    data = form_workbook_bytes(form, cover=cover, rows=rows)
    if not raw:
        return data
    wb = load_workbook(BytesIO(data))
    for sheet_name, cells in raw.items():
        ws = wb[sheet_name] if sheet_name in wb.sheetnames else wb.create_sheet(sheet_name)
        for address, value in cells.items():
            cell = ws[address]
            cell.value = value
            if isinstance(value, datetime) and value.time() != time(0):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, date):
                cell.number_format = DATE_FORMAT
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def fill_form(form: Form | str, dest: Path, *, cover: dict | None = None, rows: dict | None = None,
              raw: dict | None = None) -> Path:
    """Write `form_bytes(...)` to `dest` (parent folders created); returns `dest`."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(form_bytes(form, cover=cover, rows=rows, raw=raw))
    return dest


def filled_bytes(form_id: str = "clients", *, cover: dict | None = None, rows: dict | None = None,
                 raw: dict | None = None) -> bytes:
    """A filled template with a good cover and, for clients, one good row (unless told otherwise)."""
    form = get_form(form_id)
    if cover is None and form.has_cover:
        cover = good_cover()
    if rows is None:
        rows = {"clients": [GOOD_CLIENT]} if form_id == "clients" else {}
    return form_bytes(form, cover=cover, rows=rows, raw=raw)


# --- reading through the executor's crash-isolated pool, as a run does -------------------------


def read_isolated(items: Sequence[tuple[str | Path, str]], workers: int = 2, **pool_options: Any) -> list[WorkbookFacts]:
    """Each (path, rel) read as `run.collect` reads it: `read_facts` in a crash-isolated worker,
    a dead or overrunning worker turned into a file-level finding, facts sent back in plain form."""
    from pipeline import run
    from pipeline.runtime import pool

    items = [(str(path), rel) for path, rel in items]
    encoded = pool.map_isolated(run._read_encoded, items, run._failed, workers, **pool_options)
    return [from_plain(marshal.loads(blob)) for _, blob in encoded]


# --- zip surgery ------------------------------------------------------------------------------


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(BytesIO(data)) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


def sheet_part(data: bytes, sheet_name: str) -> str:
    """The zip member name of worksheet `sheet_name`."""
    parts = members(data)
    workbook = parts["xl/workbook.xml"].decode()
    rid = re.search(rf'<sheet [^>]*name="{re.escape(sheet_name)}"[^>]*r:id="([^"]+)"', workbook).group(1)
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    target = re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels) or \
        re.search(rf'<Relationship [^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels)
    target = target.group(1)
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


def rezip(data: bytes, edit: Edit | None = None, extra: dict[str, bytes] | None = None) -> bytes:
    """The same workbook with members edited, dropped or added."""
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            blob = src.read(info.filename)
            blob = edit(info.filename, blob) if edit else blob
            if blob is not None:
                dst.writestr(info.filename, blob)
        for name, blob in (extra or {}).items():
            dst.writestr(name, blob)
    return out.getvalue()


def edit_sheet(data: bytes, sheet_name: str, fn: Callable[[bytes], bytes]) -> bytes:
    part = sheet_part(data, sheet_name)
    return rezip(data, lambda name, blob: fn(blob) if name == part else blob)


def append_rows(xml: bytes, rows_xml: bytes) -> bytes:
    """Insert raw `<row>` XML at the end of sheetData (handles an empty `<sheetData/>`)."""
    if b"</sheetData>" in xml:
        return xml.replace(b"</sheetData>", rows_xml + b"</sheetData>", 1)
    return re.sub(rb"<sheetData\s*/>", b"<sheetData>" + rows_xml + b"</sheetData>", xml, count=1)


def set_cell_xml(xml: bytes, ref: str, cell_xml: bytes) -> bytes:
    """Replace cell `ref` (which must exist) by raw `<c>` XML."""
    pattern = rb'<c r="' + ref.encode() + rb'"[^>]*?(?:/>|>.*?</c>)'
    new, count = re.subn(pattern, cell_xml.replace(b"\\", b"\\\\"), xml, count=1, flags=re.S)
    assert count == 1, f"cell {ref} not found"
    return new


# --- a raw zip writer: precompressed members and lying headers --------------------------------


def write_raw_zip(entries: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip from (name, deflated bytes, crc, declared size, method) entries, headers as given."""
    out = BytesIO()
    central = BytesIO()
    for name, comp, crc, size, method in entries:
        offset = out.tell()
        encoded = name.encode()
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0x800, method, 0, 0x21, crc, len(comp),
                              size, len(encoded), 0))
        out.write(encoded)
        out.write(comp)
        central.write(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0x800, method, 0, 0x21, crc, len(comp),
                                  size, len(encoded), 0, 0, 0, 0, 0, offset))
        central.write(encoded)
    start = out.tell()
    body = central.getvalue()
    out.write(body)
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(body), start, 0))
    return out.getvalue()


def _deflate(blob: bytes) -> tuple[bytes, int]:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(blob) + c.flush(), zlib.crc32(blob)


@lru_cache(maxsize=4)
def _bomb_stream(prefix: bytes, megabytes: int, suffix: bytes) -> tuple[bytes, int, int]:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = b" " * (1024 * 1024)
    parts = [c.compress(prefix)]
    crc = zlib.crc32(prefix)
    for _ in range(megabytes):
        parts.append(c.compress(chunk))
        crc = zlib.crc32(chunk, crc)
    parts.append(c.compress(suffix))
    crc = zlib.crc32(suffix, crc)
    parts.append(c.flush())
    return b"".join(parts), crc, len(prefix) + megabytes * 1024 * 1024 + len(suffix)


def padding_member(name: str, blob: bytes = b"", megabytes: int = 0) -> tuple[str, bytes, int, int, int]:
    """A raw-zip entry: `blob`, or `megabytes` MB of spaces deflated once and cached."""
    if megabytes:
        comp, crc, size = _bomb_stream(b"", megabytes, b"")
        return name, comp, crc, size, 8
    comp, crc = _deflate(blob)
    return name, comp, crc, len(blob), 8


def zip_bomb(data: bytes, sheet_name: str = "客户", megabytes: int = 200, lie: bool = True) -> bytes:
    """The workbook with one worksheet padded by `megabytes` MB of whitespace (a few hundred KB on disk).

    With `lie`, the zip headers claim the member is as small as the original sheet.
    """
    part = sheet_part(data, sheet_name)
    entries = []
    for name, blob in members(data).items():
        if name == part:
            head, tail = blob.split(b"<sheetData", 1)
            comp, crc, size = _bomb_stream(head, megabytes, b"<sheetData" + tail)
            entries.append((name, comp, crc, len(blob) if lie else size, 8))
        else:
            comp, crc = _deflate(blob)
            entries.append((name, comp, crc, len(blob), 8))
    return write_raw_zip(entries)


# --- hostile XML ------------------------------------------------------------------------------


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
               for i in range(1, 10))
    + b"]>\n"
)


def entity_bomb(data: bytes, sheet_name: str = "客户") -> bytes:
    """Billion laughs: the worksheet declares nested entities and uses the last one in a cell."""
    def fn(xml: bytes) -> bytes:
        body = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", xml)
        body = append_rows(body, b'<row r="3"><c r="B3" t="inlineStr"><is><t>&lol9;</t></is></c></row>')
        return BILLION_LAUGHS + body
    return edit_sheet(data, sheet_name, fn)


def far_cell(data: bytes, ref: str = "XFD1048576", sheet_name: str = "客户", value: bool = True) -> bytes:
    """A cell (with a value, or formatting only) far down/right; calamine aborts on the former."""
    row = re.search(r"\d+", ref).group(0)
    cell = b'<c r="%s"><v>1</v></c>' % ref.encode() if value else b'<c r="%s" s="0"/>' % ref.encode()
    return edit_sheet(data, sheet_name, lambda xml: append_rows(xml, b'<row r="%s">%s</row>' % (row.encode(), cell)))


def huge_dimension(data: bytes, sheet_name: str = "客户") -> bytes:
    """A `<dimension>` claiming the whole grid, cells unchanged (openpyxl read-only trusts it)."""
    return edit_sheet(data, sheet_name,
                      lambda xml: re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', xml))


def formatted_empty_rows(data: bytes, count: int = 300_000, sheet_name: str = "客户", start: int = 3) -> bytes:
    """`count` rows of formatted but empty cells below the data (what formatting whole columns leaves)."""
    rows = b"".join(b'<row r="%d" s="1" customFormat="1"><c r="A%d" s="1"/><c r="B%d" s="1"/><c r="G%d" s="1"/></row>'
                    % (r, r, r, r) for r in range(start, start + count))
    return edit_sheet(data, sheet_name, lambda xml: append_rows(xml, rows))


def shared_strings_count(data: bytes, count: int = 2_000_000_000) -> bytes:
    """Declare `count` shared strings (calamine pre-allocates and aborts: tafia/calamine#693)."""
    sst = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">'
           b'<si><t>x</t></si></sst>' % (count, count))
    parts = members(data)
    if "xl/sharedStrings.xml" in parts:
        return rezip(data, lambda name, blob: sst if name == "xl/sharedStrings.xml" else blob)

    def edit(name: str, blob: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return blob.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        if name == "xl/_rels/workbook.xml.rels":
            return blob.replace(b"</Relationships>", b'<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.'
                                b'org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                                b"</Relationships>")
        return blob
    return rezip(data, edit, {"xl/sharedStrings.xml": sst})


def strict_ooxml(data: bytes) -> bytes:
    """The namespace of a workbook saved as “Strict Open XML” (openpyxl sees zero sheets)."""
    def edit(name: str, blob: bytes) -> bytes:
        return blob.replace(b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                            b"http://purl.oclc.org/ooxml/spreadsheetml/main")
    return rezip(data, edit)


def macro_enabled(data: bytes) -> bytes:
    """An .xlsm: a vbaProject.bin part and the macro-enabled content type."""
    def edit(name: str, blob: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return blob.replace(b"spreadsheetml.sheet.main+xml", b"sheet.macroEnabled.main+xml")
        return blob
    return rezip(data, edit, {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + bytes(508)})


def truncated(data: bytes, keep: float = 0.6) -> bytes:
    return data[: int(len(data) * keep)]


def random_bytes(size: int = 4096, seed: int = 1) -> bytes:
    return random.Random(seed).randbytes(size)


# --- OLE2 / CFB containers (encrypted OOXML, legacy .xls) -------------------------------------


def cfb(stream_names: list[str]) -> bytes:
    """A minimal valid Compound File Binary: header, one FAT sector, one directory sector.

    The streams are empty (size 0); enough for anything that inspects the container's structure,
    which is what an encrypted .xlsx (EncryptionInfo + EncryptedPackage) or an .xls (Workbook) is.
    """
    sector = 512
    free, end_of_chain, fat_sector = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    header = struct.pack("<8s16s5H", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", bytes(16), 0x3E, 3, 0xFFFE, 9, 6)
    header += bytes(6)
    # number of directory sectors (0 for v3), FAT sectors, first dir sector, transaction, mini cutoff,
    # first mini FAT, mini FAT count, first DIFAT, DIFAT count
    header += struct.pack("<9L", 0, 1, 1, 0, 4096, end_of_chain, 0, end_of_chain, 0)
    header += struct.pack("<109L", 0, *([free] * 108))
    assert len(header) == sector
    fat = struct.pack("<128L", fat_sector, end_of_chain, *([free] * 126))
    entries = [("Root Entry", 5)] + [(name, 2) for name in stream_names]
    directory = b""
    for index, (name, kind) in enumerate(entries):
        encoded = (name + "\0").encode("utf-16-le")
        child = 1 if index == 0 and len(entries) > 1 else 0xFFFFFFFF
        right = index + 1 if 0 < index < len(entries) - 1 else 0xFFFFFFFF
        directory += struct.pack("<64sHBB3L16sL2QLQ", encoded, len(encoded), kind, 1, 0xFFFFFFFF, right, child,
                                 bytes(16), 0, 0, 0, end_of_chain, 0)
    directory += bytes(128) * (4 - len(entries)) if len(entries) < 4 else b""
    assert len(directory) == sector, len(directory)
    return header + fat + directory


def encrypted_xlsx() -> bytes:
    """What Excel writes for “用密码进行加密”: an OLE2 file with EncryptionInfo and EncryptedPackage."""
    return cfb(["EncryptionInfo", "EncryptedPackage"])


def legacy_xls() -> bytes:
    """An Excel 97-2003 file's container (a Workbook stream), as when .xls is renamed to .xlsx."""
    return cfb(["Workbook"])


_EXTERNAL_LINK = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                  b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                  b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                  b'<externalBook r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames><sheetDataSet>'
                  b'<sheetData sheetId="0"><row r="1"><cell r="A1"><v>1234</v></cell></row></sheetData>'
                  b'</sheetDataSet></externalBook></externalLink>')
_EXTERNAL_LINK_RELS = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                       b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                       b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                       b'relationships/externalLinkPath" Target="file:///D:/%E9%94%80%E5%94%AE/%E6%B1%87%E6%80%BB.xlsx"'
                       b' TargetMode="External"/></Relationships>')


def external_reference(data: bytes, cells: dict[str, bytes], sheet_name: str = "客户",
                       defined_names: dict[str, str] | None = None) -> bytes:
    """The workbook as Excel saves a link to another file (汇总.xlsx): an externalLink part with its
    relationship, `<externalReferences>` in the workbook, and `cells` (ref -> formula text) holding
    formulas such as `[1]Sheet1!A1` with the cached value 1234; `defined_names` name -> formula."""
    part = sheet_part(data, sheet_name)
    names = "".join(f'<definedName name="{n}">{f}</definedName>' for n, f in (defined_names or {}).items())

    def edit(name: str, blob: bytes) -> bytes:
        if name == part:
            for ref, formula in cells.items():
                blob = set_cell_xml(blob, ref, b'<c r="' + ref.encode() + b'"><f>' + formula + b"</f><v>1234</v></c>")
        elif name == "xl/workbook.xml":
            blob = blob.replace(b"</sheets>", b'</sheets><externalReferences><externalReference r:id="rIdExt1"/>'
                                b"</externalReferences>", 1)
            if b"</definedNames>" in blob:
                blob = blob.replace(b"</definedNames>", names.encode() + b"</definedNames>", 1)
            elif names:
                blob = blob.replace(b"</externalReferences>", b"</externalReferences><definedNames>"
                                    + names.encode() + b"</definedNames>", 1)
        elif name == "xl/_rels/workbook.xml.rels":
            blob = blob.replace(b"</Relationships>", b'<Relationship Id="rIdExt1" Type="http://schemas.openxmlformats.org/'
                                b'officeDocument/2006/relationships/externalLink" '
                                b'Target="externalLinks/externalLink1.xml"/></Relationships>')
        elif name == "[Content_Types].xml":
            blob = blob.replace(b"</Types>", b'<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType='
                                b'"application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/>'
                                b"</Types>")
        return blob
    return rezip(data, edit, {"xl/externalLinks/externalLink1.xml": _EXTERNAL_LINK,
                              "xl/externalLinks/_rels/externalLink1.xml.rels": _EXTERNAL_LINK_RELS})


def legacy_doc() -> bytes:
    """A Word 97-2003 document's container: OLE2 like .xls, without a Workbook stream."""
    return cfb(["WordDocument"])


def opendocument(kind: str = "spreadsheet") -> bytes:
    """The smallest OpenDocument file: its STORED `mimetype` member first, as ODF requires."""
    mimetype = f"application/vnd.oasis.opendocument.{kind}".encode()
    return write_raw_zip([("mimetype", mimetype, zlib.crc32(mimetype), len(mimetype), 0)])


HOSTILE_BUILDERS: dict[str, Callable[[bytes], bytes]] = {
    "zip-bomb": zip_bomb,
    "entity-bomb": entity_bomb,
    "far-cell": far_cell,
    "beyond-grid": lambda d: far_cell(d, "ZZZ2000000"),
    "shared-strings-2e9": shared_strings_count,
    "strict-ooxml": strict_ooxml,
    "macro": macro_enabled,
    "truncated": truncated,
    "empty": lambda d: b"",
    "random": lambda d: random_bytes(),
    "encrypted": lambda d: encrypted_xlsx(),
    "xls": lambda d: legacy_xls(),
}


# --- sheets where calamine finds them but a checker might not ------------------------------------


def retarget(data: bytes, target: str, sheet_name: str = "客户", move_to: str | None = None) -> bytes:
    """The workbook relationship of `sheet_name` pointing at `target` as written; with `move_to`,
    its part moved to that zip name (calamine resolves the target itself, see guard._resolve_sheets)."""
    part = sheet_part(data, sheet_name)
    written = part[len("xl/"):].encode()

    def edit(name: str, blob: bytes) -> bytes | None:
        if name == "xl/_rels/workbook.xml.rels":
            return blob.replace(b'Target="' + written + b'"', b'Target="' + target.encode() + b'"')
        if name == part and move_to is not None:
            return None
        return blob
    return rezip(data, edit, {move_to: members(data)[part]} if move_to else None)


def with_member(data: bytes, name: str, blob: bytes) -> bytes:
    """The workbook with one more zip member (zipfile allows a name twice, or in another case)."""
    import warnings

    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name"
        for member, content in members(data).items():
            dst.writestr(member, content)
        dst.writestr(name, blob)
    return out.getvalue()
