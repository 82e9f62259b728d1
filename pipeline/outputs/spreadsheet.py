"""Spreadsheet safety for CSV and workbooks: text from the input is shown, never obeyed.

OWASP "CSV Injection": a cell starting with = + - @, a tab or a carriage return may be taken
as a formula by Excel/WPS/LibreOffice. Such text gets a leading apostrophe. Numbers are written
as numbers, never as text, so a negative number is unaffected. Control characters (NUL, ESC …)
are shown as `\\x1b` (`forms.values.printable`): an XML cell cannot hold most of them, and a CSV
printed in a terminal would obey them. Tab and line feed stay: a cell may wrap.
"""

from __future__ import annotations

from typing import Any

from ..forms.values import printable

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CELL_WHITESPACE = "\t\n"  # the control characters a cell keeps


def spreadsheet_safe(text: Any) -> Any:
    """Text made inert for spreadsheets; non-strings (numbers, dates, None) pass through unchanged."""
    if not isinstance(text, str):
        return text
    text = printable(text, keep=CELL_WHITESPACE)
    return "'" + text if text.startswith(DANGEROUS_PREFIXES) else text
