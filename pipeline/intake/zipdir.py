"""The directory of a plain zip, read and written with struct (guard.py's fast path).

Every spreadsheet program writes the same plain zips; for them, reading the central directory
with struct is several times cheaper than building a zipfile.ZipFile. `directory` returns None
for anything unusual (zip64, a comment, data before the zip, odd extra fields), which the guard
then leaves to zipfile. `restored` writes the zip again with the parts already inflated STORED,
so calamine does not inflate them a second time.
"""

from __future__ import annotations

import struct
import zipfile
from typing import NamedTuple

ZIP_MAGIC = b"PK\x03\x04"  # a local file header, the first bytes of any zip

_END = struct.Struct("<4s4H2LH")
_CENTRAL = struct.Struct("<4s2xB1xHH4xLLLHHH2x2x4xL")
LOCAL = struct.Struct("<4s22xHH")
_LOCAL_OUT = struct.Struct("<4s5H3L2H")
_CENTRAL_OUT = struct.Struct("<4s6H3L5H2L")
_END_SIG, _CENTRAL_SIG, _ZIP64_LOCATOR = b"PK\x05\x06", b"PK\x01\x02", b"PK\x06\x07"
STORED, DEFLATED = zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED



class Entry(NamedTuple):
    """One central-directory record, with zipfile.ZipInfo's attribute names."""

    filename: str
    flag_bits: int
    compress_type: int
    CRC: int
    compress_size: int
    file_size: int
    header_offset: int


def restored(data: bytes, entries: list[Entry], spans: list[tuple[int, int]],
              inflated: list[bytes | None]) -> bytes:
    """The zip again, each inflated part STORED, every other member's compressed bytes as they were."""
    local: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for entry, (start, end), blob in zip(entries, spans, inflated):
        name = entry.filename.encode()
        if blob is None:
            method, body = entry.compress_type, data[start:end]
        else:
            method, body = STORED, blob
        fields = (0x800, method, 0, 0x21, entry.CRC, len(body), entry.file_size, len(name))
        header = _LOCAL_OUT.pack(ZIP_MAGIC, 20, *fields, 0)
        local += (header, name, body)
        central += (_CENTRAL_OUT.pack(_CENTRAL_SIG, 20, 20, *fields, 0, 0, 0, 0, 0, offset), name)
        offset += len(header) + len(name) + len(body)
    directory = b"".join(central)
    count = len(entries)
    return b"".join(local) + directory + _END.pack(_END_SIG, 0, 0, count, count, len(directory), offset, 0)


def directory(data: bytes, max_members: int) -> list[Entry] | None:
    """The central directory of a plain zip, or None to let zipfile judge the file."""
    size = len(data)
    if size < _END.size:
        return None
    sig, disk, cd_disk, count, total, cd_size, cd_offset, comment = _END.unpack_from(data, size - _END.size)
    if (sig != _END_SIG or comment or disk or cd_disk or count != total or total > max_members
            or cd_offset + cd_size != size - _END.size or data[size - 42:size - 38] == _ZIP64_LOCATOR):
        return None
    entries = []
    pos, stop = cd_offset, size - _END.size
    for _ in range(total):
        if pos + _CENTRAL.size > stop:
            return None
        sig, version, flags, method, crc, csize, usize, name_len, extra_len, comment_len, offset = \
            _CENTRAL.unpack_from(data, pos)
        pos += _CENTRAL.size
        raw = data[pos:pos + name_len]
        extra = data[pos + name_len:pos + name_len + extra_len]
        pos += name_len + extra_len + comment_len
        if sig != _CENTRAL_SIG or version > zipfile.MAX_EXTRACT_VERSION or pos > stop or b"\x00" in raw \
                or (extra and not _plain_extra(extra)):
            return None
        try:
            # zipfile's rule: UTF-8 when flagged, else cp437 (which ASCII decodes to, only faster)
            name = raw.decode("utf-8" if flags & 0x800 or raw.isascii() else "cp437")
        except UnicodeDecodeError:
            return None
        if name_len > 0xFFFF // 3 and len(name.encode()) > 0xFFFF:
            return None  # restored() writes names in UTF-8, where a cp437 name may not fit a header
        entries.append(Entry(name, flags, method, crc, csize, usize, offset))
    return entries if pos == stop else None


def _plain_extra(extra: bytes) -> bool:
    """Extra fields without zip64 sizes (which zipfile would apply) and well formed."""
    while len(extra) >= 4:
        kind, length = struct.unpack_from("<HH", extra)
        if kind == 0x0001 or length + 4 > len(extra):
            return False
        extra = extra[length + 4:]
    return True



__all__ = ["DEFLATED", "LOCAL", "STORED", "ZIP_MAGIC", "Entry", "directory", "restored"]
