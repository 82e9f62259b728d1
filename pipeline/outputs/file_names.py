"""Parts of file names taken from what workbooks say, safe on Linux, macOS and Windows. Pure.

Office names come from HR's reference workbook and ids from covers and folders: a name may hold a
slash, a backslash, a control character, a bidirectional override, Windows' reserved characters,
or be `..` or very long. What is kept is what a file system on Linux, macOS and Windows accepts,
and never leaves the folder it is written to.
"""

from __future__ import annotations

import re
import unicodedata

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


__all__ = ["MAX_NAME_CHARS", "RESERVED", "WINDOWS_DEVICES", "safe_part"]
