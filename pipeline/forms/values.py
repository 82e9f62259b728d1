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
# Characters a terminal obeys rather than shows (ESC [2J clears the screen, CR rewrites the line),
# that an Excel cell cannot hold, or that reverse the text around them: C0, DEL, C1 and the bidi
# overrides and isolates. Input may hold any of them (a cover cell `_x001B_[2J`).
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def trim(text: str) -> str:
    """Text without whitespace, NBSP or zero-width characters at either end."""
    return text.strip(EDGE)


def label_key(text: str) -> str:
    """A heading, cover label or sheet name as it is compared: trimmed, and full- and half-width
    alike (NFKC), so `销售额（万元）` and `销售额(万元)` are one heading and a template's punctuation
    can change width without the workbooks filled in an older template reading as renamed."""
    return trim(unicodedata.normalize("NFKC", text))


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


def format_amount(x: float | int) -> str:
    """An amount grouped by thousands, at most two decimals: 78,130,000 or 3.55; huge ones as format_number."""
    if abs(x) >= 1e15:
        return format_number(float(x))
    text = f"{x:,.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


YUAN_PER_WAN = 10_000  # 万元 columns: the unit slip to catch is an amount typed in 元


def unit_hint(amount: float, unit: str, what: str = "本列") -> str:
    """A clause for a message about an implausibly large amount: what it would be if typed in 元.

    Empty unless the column is in 万元, where typing 元 makes every amount 10,000 times too large.
    """
    if unit != "万元":
        return ""
    return f"；{what}的单位为万元，如果填的是元，应除以 10,000，即 {format_amount(amount / YUAN_PER_WAN)} 万元"


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


def printable(text: str, keep: str = "", limit: int | None = None) -> str:
    """Text with every control character shown as an escape — ESC as `\\x1b`, U+202E as `\\u202e`
    — except those in `keep` (a cell may keep its line breaks). For everything printed or exported.
    With `limit`, text longer than that is cut to it and followed by “…” (a value quoted in a message)."""
    if limit is not None and len(text) > limit:
        text = text[:limit] + "…"
    if not CONTROL.search(text):  # nearly always: the text is returned as it is
        return text
    return CONTROL.sub(lambda m: m.group() if m.group() in keep else _escaped(m.group()), text)


def _escaped(ch: str) -> str:
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


__all__ = ["CONTROL", "EDGE", "INVISIBLE", "SIGNIFICANT_DIGITS", "YUAN_PER_WAN", "column_index", "column_letter",
           "format_amount", "format_number", "is_blank", "label_key", "printable", "show", "trim", "unit_hint"]
