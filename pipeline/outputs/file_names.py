"""Parts of file names taken from what workbooks say, safe on Linux, macOS and Windows. Pure.

Office names come from HR's reference workbook and ids from covers and folders: a name may hold a
slash, a backslash, a control character, a bidirectional override, Windows' reserved characters,
or be `..` or very long. What is kept is what a file system on Linux, macOS and Windows accepts,
and never leaves the folder it is written to.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MAX_NAME_CHARS = 40  # one part of a name: a whole name stays far under 255 bytes in UTF-8
RESERVED = '/\\:*?"<>|'  # path separators and Windows' reserved characters
_RESERVED = re.compile(f"[{re.escape(RESERVED)}]")
WINDOWS_DEVICES = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                             *(f"LPT{i}" for i in range(1, 10))})
_DROPPED = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})  # control, format (bidi, zero-width) …


def safe_part(text: str, max_chars: int = MAX_NAME_CHARS, max_bytes: int | None = None) -> str:
    """`text` made safe inside a file name, at most `max_chars` characters (and `max_bytes` bytes
    in UTF-8, when given: a file name's limit is 255 bytes); "" when nothing usable is left."""
    kept = []
    for ch in unicodedata.normalize("NFC", str(text or "")):
        category = unicodedata.category(ch)
        if category in _DROPPED:
            continue
        kept.append("_" if _RESERVED.match(ch) else (" " if category == "Zs" else ch))
    name = re.sub(r"\s+", " ", "".join(kept)).strip()
    name = name[:max_chars]
    if max_bytes is not None:
        name = name.encode("utf-8")[:max_bytes].decode("utf-8", "ignore")
    name = name.strip(" .")  # Windows drops trailing dots and spaces; no `.` or `..`
    if name.upper().split(".")[0] in WINDOWS_DEVICES:
        name = f"_{name}"
    return name


def office_file_name(office_name: str, office_id: str, period: str, suffix: str, ext: str,
                     with_id: bool = False) -> str:
    """`<office>-<period>-<suffix><ext>`, e.g. `北京一所-2026Q4-考核确认单.pdf`: the office's name, or
    its id when the name leaves nothing usable; the id in brackets when asked (names shared by offices)."""
    office = safe_part(office_name) or safe_part(office_id) or "业务所"
    if with_id and safe_part(office_id) and office != safe_part(office_id):
        office = f"{office}（{safe_part(office_id)}）"
    return f"{office}-{safe_part(period, 8)}-{suffix}{ext}"


def office_file_names(items: Iterable[tuple[str, str, str]], suffix: str, ext: str) -> dict[tuple[str, str], str]:
    """(office_id, period) -> its file name, for (office_id, office_name, period) triples; offices
    whose names would give the same file name (ignoring case) get their ids added."""
    items = list(items)
    plain = {(oid, p): office_file_name(name, oid, p, suffix, ext) for oid, name, p in items}
    seen: dict[str, int] = {}
    for name in plain.values():
        seen[name.casefold()] = seen.get(name.casefold(), 0) + 1
    names = {(oid, p): (office_file_name(name, oid, p, suffix, ext, with_id=True)
                        if seen[plain[(oid, p)].casefold()] > 1 else plain[(oid, p)]) for oid, name, p in items}
    # ids that are themselves unsafe can still collide: number what is left over
    taken: set[str] = set()
    for key, name in names.items():
        stem, n = name[:-len(ext)], 2
        while name.casefold() in taken:
            name, n = f"{stem}-{n}{ext}", n + 1
        taken.add(name.casefold())
        names[key] = name
    return names


__all__ = ["MAX_NAME_CHARS", "RESERVED", "WINDOWS_DEVICES", "office_file_name", "office_file_names", "safe_part"]
