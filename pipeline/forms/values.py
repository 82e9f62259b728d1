"""Cell values as people type them and as messages show them (pure, no I/O)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Any

# Float noise such as 0.1 + 0.2 = 0.30000000000000004: Excel shows 15 significant digits; we keep
# 12, which no amount in 万元 or count of people needs more of.
SIGNIFICANT_DIGITS = 12
# Characters people paste around values: NBSP, zero-width and full-width spaces, BOMs, tabs.
INVISIBLE = "\u00a0\u200b\u200c\u200d\u2060\ufeff\u3000\u2007\u202f"
EDGE = " \t\r\n\v\f" + INVISIBLE
# C0 and C1 control characters and DEL: a newline, an ESC or a NUL inside a value.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
# Characters that act rather than show when printed: controls, format characters (bidi
# overrides, zero-width marks), line and paragraph separators, lone surrogates.
_UNSEEN = frozenset(("Cc", "Cf", "Zl", "Zp", "Cs"))


def trim(text: str) -> str:
    """Text without whitespace, NBSP or zero-width characters at either end."""
    return text.strip(EDGE)


def is_blank(raw: Any) -> bool:
    """True for None, '' and text that is only whitespace or invisible characters."""
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw or not trim(raw)
    return False


def format_number(x: float | int) -> str:
    """A number as a person reads it: 12 rather than 12.0, at most 12 significant digits."""
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.{SIGNIFICANT_DIGITS}g}" if isinstance(x, float) else str(x)


def show(raw: Any) -> str:
    """A raw cell value as a person would recognise it in a message."""
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, float):
        return format_number(raw)
    if isinstance(raw, datetime):
        return raw.date().isoformat() if raw.time() == datetime.min.time() else raw.isoformat(sep=" ")
    if isinstance(raw, date):
        return raw.isoformat()
    return str(raw)


def visible(text: str, limit: int | None = None) -> str:
    """`text` safe to print on one line: unseen characters as `\\x1b` or `\\u202e`, and cut to
    `limit` characters followed by “…” when longer."""
    if limit is not None and len(text) > limit:
        text = text[:limit] + "…"
    if text.isprintable():  # the common case: nothing to escape
        return text
    return "".join(_escape(ch) if unicodedata.category(ch) in _UNSEEN else ch for ch in text)


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def column_letter(index: int) -> str:
    """The A1 letters of a 1-based column number: 1 -> A, 27 -> AA."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str) -> int:
    """The 1-based column number of A1 letters: A -> 1, AA -> 27."""
    index = 0
    for ch in letters.upper():
        index = index * 26 + ord(ch) - 64
    return index


__all__ = ["CONTROL", "EDGE", "INVISIBLE", "SIGNIFICANT_DIGITS", "column_index", "column_letter", "format_number",
           "is_blank", "show", "trim", "visible"]
