"""The zip of an .xlsx, with sheet bodies spliced from separately deflated pieces.

A table sheet's rows are deflated in pieces (a period's rows, or an office's), each by
its own compressor and ended with a sync flush, so that the pieces can be laid end to end inside
one deflate stream. A rerun after one changed workbook then deflates only the pieces that
changed and reuses the others' bytes (see pipeline/rerun.py). The member's CRC-32 is combined
from the pieces' own CRCs without their text (`crc_combine`).

The zip itself is plain: no zip64 (an HR workbook is far below 4 GiB), fixed dates, the members
in the order given.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

LEVEL = 1  # sheet XML is very repetitive: level 1 is ~3× faster than 6 for a file ~30% larger
_ZEROS = bytes(1 << 16)
_ZERO_CRC: dict[int, int] = {}


class Piece(NamedTuple):
    """Deflated text (no final block), its CRC-32 and its length before deflating.

    A named tuple: a rerun makes 10,000 of them from its snapshot."""

    data: bytes
    crc: int
    size: int


EMPTY = Piece(b"", 0, 0)


def deflate(text: str | bytes) -> Piece:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    if not raw:
        return EMPTY
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    return Piece(compressor.compress(raw) + compressor.flush(zlib.Z_SYNC_FLUSH), zlib.crc32(raw), len(raw))


def _zeros_crc(n: int, crc: int) -> int:
    """The CRC-32 of `n` zero bytes following data whose CRC-32 is `crc`."""
    view = memoryview(_ZEROS)
    while n > len(_ZEROS):
        crc = zlib.crc32(view, crc)
        n -= len(_ZEROS)
    return zlib.crc32(view[:n], crc)


def crc_combine(crc1: int, crc2: int, size2: int) -> int:
    """CRC-32 of A + B from crc(A), crc(B) and len(B).

    crc32(B, v) is affine in v: crc32(B, v) = M·v ⊕ crc32(B, 0), with M depending only on len(B).
    M·v is found the same way from zeros of that length: crc32(Z, v) ⊕ crc32(Z, 0).
    """
    if size2 == 0:
        return crc1
    base = _ZERO_CRC.get(size2)
    if base is None:
        base = _ZERO_CRC[size2] = _zeros_crc(size2, 0)
    return _zeros_crc(size2, crc1) ^ base ^ crc2


@dataclass(frozen=True, slots=True)
class Spliced:
    """A member made of `head`, the pieces in order, then `tail`."""

    head: bytes
    pieces: Sequence[Piece]
    tail: bytes


def _member_stream(data: bytes | Spliced) -> tuple[list[bytes], int, int]:
    """(compressed chunks, CRC-32, uncompressed size) of one member."""
    if isinstance(data, bytes):
        compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
        return [compressor.compress(data) + compressor.flush()], zlib.crc32(data), len(data)
    head = deflate(data.head)
    crc, size, chunks = head.crc, head.size, [head.data]
    for piece in data.pieces:
        if piece.size:
            chunks.append(piece.data)
            crc = crc_combine(crc, piece.crc, piece.size)
            size += piece.size
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    chunks.append(compressor.compress(data.tail) + compressor.flush())  # ends with the final block
    return chunks, zlib.crc32(data.tail, crc), size + len(data.tail)


_DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01, what xlsxwriter stamps its members with
_DOS_TIME = 0


def write_zip(path: str | Path, members: Iterable[tuple[str, bytes | Spliced]]) -> None:
    """Write the members (name, bytes or Spliced) as a deflated zip; OSError if unwritable."""
    directory = []
    with open(path, "wb") as out:
        offset = 0
        for name, data in members:
            chunks, crc, size = _member_stream(data)
            packed = sum(len(c) for c in chunks)
            encoded = name.encode("utf-8")
            if max(size, packed, offset) >= 0xFFFFFFFF:
                raise OSError(f"{name}: too large for a zip without zip64")
            header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, _DOS_TIME, _DOS_DATE, crc, packed, size,
                                 len(encoded), 0)
            out.write(header + encoded)
            out.writelines(chunks)
            directory.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, _DOS_TIME, _DOS_DATE,
                                         crc, packed, size, len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
            offset += len(header) + len(encoded) + packed
        central = b"".join(directory)
        out.write(central)
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(directory), len(directory), len(central), offset, 0))


__all__ = ["EMPTY", "LEVEL", "Piece", "Spliced", "crc_combine", "deflate", "write_zip"]
