"""Spreadsheet (CSV) injection guard: text from the input never becomes a formula in Excel.

OWASP "CSV Injection": a cell starting with = + - @, a tab or a carriage return may be taken
as a formula by Excel/WPS/LibreOffice. Such text gets a leading apostrophe. Numbers are written
as numbers, never as text, so a negative number is unaffected.
"""

from __future__ import annotations

from typing import Any

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: Any) -> Any:
    """Text made inert for spreadsheets; non-strings (numbers, dates, None) pass through unchanged."""
    if isinstance(text, str) and text.startswith(DANGEROUS_PREFIXES):
        return "'" + text
    return text
