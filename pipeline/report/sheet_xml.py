"""A table sheet written straight to sheet XML: what xlsxwriter writes, without its per-cell cost.

hr-report.xlsx has about 1.6 million cells at 1,000 offices; xlsxwriter's own path (a call, a
stored cell and an XML element per cell) took ~12 s for them. `TableSheet` renders each row as
one string instead and relies on a few xlsxwriter internals (the sheet-data hook, the shared
string table, format numbering, the dimension check); tests/test_hr_report.py compares its bytes
with xlsxwriter's own per-cell output, so an xlsxwriter change that breaks this fails loudly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import partial
from typing import Any

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from .safe import spreadsheet_safe

XLS_STRMAX = 32767  # Excel's longest cell text, in UTF-16 units
ROWS_PER_WRITE = 4096


class TableSheet(Worksheet):
    """A worksheet whose table (header + body) is rendered straight to `<sheetData>` XML.

    The same bytes xlsxwriter writes for one write_string/write_number per cell (a test compares
    the two), without its per-cell cost: no cell objects are kept, each row becomes one string as
    it is read. Text still goes through spreadsheet_safe and into xlsxwriter's shared-string table
    in the same order (sharedStrings.xml is unchanged); numbers get `.16G` as in xlsxwriter.

    xlsxwriter numbers a format (its style index) when a cell first uses it as the sheets are
    written at close, sheet by sheet. A format here is numbered when a cell first uses it in
    `set_table`: the same order, as long as the tables are made in sheet order and no sheet
    before them writes styled cells of its own (hr_workbook's only such sheet is the last).
    """

    def __init__(self) -> None:
        super().__init__()
        self._rows_xml: list[str] | None = None

    def set_table(self, headers: Sequence[str], header_format, formats: Sequence[Any], body) -> None:
        """Row 1: `headers` in `header_format`; then a row per list of values (numbers in `formats`)."""
        if self.constant_memory:  # that mode writes rows through another path and would drop these
            raise RuntimeError("TableSheet does not support xlsxwriter's constant_memory mode")
        letters = [xl_col_to_name(c) for c in range(len(headers))]
        formats = list(formats)
        # ` s="…"` per column, numbered on first use (see the class); "" for a column without one
        styles: list[str | None] = ["" if f is None else None for f in formats]
        head = _style(header_format) if len(headers) else ""

        def style_of(c: int) -> str:  # inlined where numbers are written, the common case
            style = styles[c]
            if style is None:
                style = styles[c] = _style(formats[c])
            return style

        table = self.str_table
        sst = table._get_shared_string_index
        isfinite = math.isfinite
        # input text -> the rest of its cell after the reference: paths, names and codes repeat a
        # lot. A repeat skips the table lookup, so the table's reference count is added up below.
        text_cells: dict[str, str] = {}
        repeats = 0
        rows: list[str] = []
        block: list[tuple[int, int, int, str]] = []  # (row, first col, last col, cells) of ≤16 rows
        header = [f'<c r="{letters[c]}1"{head} t="s"><v>{sst(_excel_text(h))}</v></c>' for c, h in enumerate(headers)]
        last = 0 if header else -1
        if header:
            block.append((0, 0, len(header) - 1, "".join(header)))
        for r, values in enumerate(body, start=1):
            if r % 16 == 0:  # xlsxwriter gives each block of 16 rows one "spans" attribute
                _flush(rows, block)
            ref = str(r + 1)
            out = []
            first = col = -1
            for c, value in enumerate(values):
                kind = value.__class__  # the common types inline; the rest as _other_cell says
                if kind is str:
                    if not value:
                        continue
                    cell = text_cells.get(value)
                    if cell is None:
                        cell = text_cells[value] = f'" t="s"><v>{sst(_excel_text(spreadsheet_safe(value)))}</v></c>'
                    else:
                        repeats += 1
                    out.append(f'<c r="{letters[c]}{ref}{cell}')
                elif kind is float or kind is int:
                    if not isfinite(value):
                        continue
                    style = styles[c]
                    if style is None:
                        style = styles[c] = _style(formats[c])
                    out.append(f'<c r="{letters[c]}{ref}"{style}><v>{value:.16G}</v></c>')
                elif value is None:
                    continue
                else:
                    cell = _other_cell(value, partial(style_of, c), sst)
                    if cell is None:
                        continue
                    out.append(f'<c r="{letters[c]}{ref}"{cell}')
                if first < 0:
                    first = c
                col = c
            if out:
                block.append((r, first, col, "".join(out)))
                last = r
        _flush(rows, block)
        table.count += repeats  # sharedStrings.xml counts every use, as one call per cell would
        self._rows_xml = rows
        if last >= 0:  # the <dimension> element, as xlsxwriter's writes would have set it
            self._check_dimensions(0, 0)
            self._check_dimensions(last, len(headers) - 1)

    def _write_sheet_data(self) -> None:  # xlsxwriter's hook, called while the workbook closes
        if self._rows_xml is None:
            super()._write_sheet_data()
            return
        if not self._rows_xml:
            self._xml_empty_tag("sheetData")
            return
        # in pieces, each row let go once written: the whole sheet is not held twice (53 MB at 1,000 offices)
        rows, self._rows_xml = self._rows_xml, []
        self.fh.write("<sheetData>")
        while rows:
            self.fh.write("".join(rows[:ROWS_PER_WRITE]))
            del rows[:ROWS_PER_WRITE]
        self.fh.write("</sheetData>")


def _style(cell_format) -> str:
    """The ` s="…"` attribute of a format, numbered now if it is not yet; "" for none."""
    return "" if cell_format is None else f' s="{cell_format._get_xf_index()}"'


def _flush(rows: list[str], block: list[tuple[int, int, int, str]]) -> None:
    """Emit a block of ≤16 rows with their common `spans` (first:last column used, 1-based)."""
    if not block:
        return
    spans = f"{min(b[1] for b in block) + 1}:{max(b[2] for b in block) + 1}"
    rows.extend(f'<row r="{r + 1}" spans="{spans}">{cells}</row>' for r, _, _, cells in block)
    block.clear()


def _other_cell(value: Any, style, sst) -> str | None:
    """The rest of a `<c r="…"` element for a value that is not a str; None leaves the cell blank.

    Numbers are numbers (formatted, `style()` their attribute); a flag is 是 or an empty text;
    anything else is its text.
    """
    if value == "":
        return None
    if isinstance(value, bool):
        return f' t="s"><v>{sst("是" if value else "")}</v></c>'
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            return None
        return f"{style()}><v>{value:.16G}</v></c>"
    return f' t="s"><v>{sst(_excel_text(spreadsheet_safe(str(value))))}</v></c>'


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


__all__ = ["XLS_STRMAX", "TableSheet"]
