"""Table sheets written straight to sheet XML, in rows that do not depend on their position.

hr-report.xlsx has about 1.6 million cells at 1,000 offices; xlsxwriter's own path (a call, a
stored cell and an XML element per cell) took ~12 s for them. Here each row is rendered as one
string instead, and in a form that lets a rerun reuse rows it rendered before:

- no `r` attribute on rows or cells (ECMA-376 makes both optional: a row follows the one before
  it, a cell the one to its left, and an empty `<c/>` holds the place of a blank cell), so a row's
  bytes do not depend on how many rows come before it;
- text as inline strings (`t="inlineStr"`, what xlsxwriter writes in its constant_memory mode)
  rather than indexes into the workbook-wide shared-string table, which one new string renumbers;
- every column's number format numbered when the table is declared, not on first use.

`TableSheet` is the rest of the sheet (columns, frozen header, filter, print setup, conditional
formats: xlsxwriter's). Its `<sheetData>` holds the header row and then `BODY`, where the zip
writer splices the rows' deflated pieces (xlsx_zip.Spliced).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

from xlsxwriter.worksheet import Worksheet
from xlsxwriter.xmlwriter import XMLwriter

from .safe import spreadsheet_safe

XLS_STRMAX = 32767  # Excel's longest cell text, in UTF-16 units
BODY = "\x00rows\x00"  # placeholder in the sheet XML for the spliced rows (cannot occur in XML)
BLANK = "<c/>"
_PRESERVE = re.compile(r"^\s|\s$")
_escape_control = XMLwriter._escape_control_characters


class Cells:
    """Renders a table's values as the cells of a row: `cells(values)`; `row(cells)` wraps them.

    A text goes through spreadsheet_safe, is cut to Excel's limit and escaped as xlsxwriter
    escapes an inline string; a number is written `.16G` in its column's format; None, "", NaN
    and ±inf are blank; a flag is 是 or blank; anything else is its text.
    """

    def __init__(self, styles: Sequence[str]) -> None:
        self.styles = list(styles)  # ' s="N"' per column, "" for none
        self._texts: dict[str, str] = {}  # paths, names and codes repeat a lot

    def text(self, value: str) -> str:
        cell = self._texts.get(value)
        if cell is None:
            cell = self._texts[value] = text_cell(spreadsheet_safe(value))
        return cell

    def cells(self, values: Iterable[Any], start: int = 0) -> str:
        """The cells of `values`, the first in column `start` (1.6 million cells at 1,000 offices:
        the common types are inlined)."""
        out = []
        append, texts, styles, isfinite = out.append, self._texts, self.styles, math.isfinite
        for c, value in enumerate(values, start):
            kind = value.__class__
            if kind is str:
                if value:
                    cell = texts.get(value)
                    if cell is None:
                        cell = texts[value] = text_cell(spreadsheet_safe(value))
                    append(cell)
                else:
                    append(BLANK)
            elif kind is float or kind is int:
                append(f"<c{styles[c]}><v>{value:.16G}</v></c>" if isfinite(value) else BLANK)
            elif value is None:
                append(BLANK)
            elif kind is bool:
                append(self.text("是") if value else BLANK)
            elif isinstance(value, (int, float)):
                append(f"<c{styles[c]}><v>{value:.16G}</v></c>" if isfinite(value) else BLANK)
            else:
                text = str(value)
                append(text_cell(spreadsheet_safe(text)) if text else BLANK)
        return "".join(out)


def row(cells: str) -> str:
    """A `<row>` of rendered cells; blank cells at its end are left out."""
    while cells.endswith(BLANK):
        cells = cells[:-len(BLANK)]
    return f"<row>{cells}</row>"


_BLANK_BYTES = BLANK.encode()


def row_bytes(cells: bytes) -> bytes:
    """`row` of cells encoded as UTF-8."""
    while cells.endswith(_BLANK_BYTES):
        cells = cells[:-len(_BLANK_BYTES)]
    return b"<row>" + cells + b"</row>"


# Text xlsxwriter writes as it is: nothing to escape (control characters, `_xHHHH_`-like text,
# U+FFFE/U+FFFF, XML's &<>), no edge whitespace to preserve; most paths, hashes and names.
_PLAIN = re.compile(r"[\x00-\x1f_&<>\ufffe\uffff]|^\s|\s$")


def text_cell(text: str, style: str = "") -> str:
    """An inline-string cell, as xlsxwriter's constant_memory mode writes one (without `r`)."""
    if len(text) <= XLS_STRMAX // 2 and _PLAIN.search(text) is None:
        return f'<c{style} t="inlineStr"><is><t>{text}</t></is></c>'
    text = _escape_control(_excel_text(text))
    space = ' xml:space="preserve"' if _PRESERVE.search(text) else ""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<c{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


class TableSheet(Worksheet):
    """A worksheet whose header row is rendered here and whose other rows are spliced in at `BODY`."""

    def __init__(self) -> None:
        super().__init__()
        self._header_xml: str | None = None

    def set_table(self, headers: Sequence[str], header_format, formats: Sequence[Any], count: int) -> Cells:
        """Row 1: `headers` in `header_format`; `count` rows follow. Returns the body's renderer.

        Formats are numbered here, the header's first, then the columns' from left to right, so
        their numbers do not depend on which cells happen to be filled.
        """
        if self.constant_memory:  # that mode writes rows through another path and would drop these
            raise RuntimeError("TableSheet does not support xlsxwriter's constant_memory mode")
        head = _style(header_format)
        styles = [_style(f) for f in formats]
        self._header_xml = row("".join(text_cell(h, head) for h in headers))
        if headers:  # the <dimension> element
            self._check_dimensions(0, 0)
            self._check_dimensions(count, len(headers) - 1)
        return Cells(styles)

    def _write_sheet_data(self) -> None:  # xlsxwriter's hook, called while the workbook closes
        if self._header_xml is None:
            super()._write_sheet_data()
            return
        self.fh.write(f"<sheetData>{self._header_xml}{BODY}</sheetData>")


def _style(cell_format) -> str:
    """The ` s="…"` attribute of a format, numbered now if it is not yet; "" for none."""
    return "" if cell_format is None else f' s="{cell_format._get_xf_index()}"'


def _excel_text(text: str) -> str:
    """Text cut to Excel's 32,767 UTF-16 units per cell, as xlsxwriter's write_string does."""
    if len(text) <= XLS_STRMAX // 2:
        return text
    units = 0
    for i, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > XLS_STRMAX:
            return text[:i]
    return text


__all__ = ["BLANK", "BODY", "XLS_STRMAX", "Cells", "TableSheet", "row", "row_bytes", "text_cell"]
