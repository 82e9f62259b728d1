"""Marked-up copies of workbooks with findings: bad cells filled and commented, a 问题清单 sheet first.

The office head opens their own workbook and sees exactly which cells to fix, and which values were
read other than as typed (`1,234.5`, full-width digits, `2026年3月5日`: a light fill and a comment
saying how), so next quarter they are typed the usual way. The original file is only read; the copy
goes to a separate folder under the same relative path.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.cell import coordinate_from_string
from openpyxl.worksheet.hyperlink import Hyperlink

from ..atomic import write_bytes
from ..engine.model import Dataset
from ..findings import ERROR, INFO, SEVERITY_LABELS, UNREADABLE, WARNING, Finding
from ..forms import FORMS, Form
from ..forms.values import printable
from ..intake.facts import WorkbookFacts
from .spreadsheet import CELL_WHITESPACE, spreadsheet_safe

ISSUES_SHEET = "问题清单"
FILLS = {
    ERROR: PatternFill("solid", start_color="FFFFC7CE", end_color="FFFFC7CE"),
    WARNING: PatternFill("solid", start_color="FFFFEB9C", end_color="FFFFEB9C"),
    INFO: PatternFill("solid", start_color="FFDDEBF7", end_color="FFDDEBF7"),  # light blue: read, not wrong
}
HEADERS = ("严重程度", "工作表", "单元格", "列", "问题", "修改建议")
WIDTHS = (10, 14, 10, 16, 70, 50)
COMMENT_AUTHOR = "业务所长考核校验"
MARKED = (ERROR, WARNING)  # what makes a workbook worth a copy
NOTED = frozenset({"value-normalised"})  # notes shown in a copy made for the others
SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}
# Excel reads _x001B_ in a cell's XML as ESC. openpyxl writes text as it is (xlsxwriter escapes
# such a sequence), so a message quoting the literal text `_x001B_` escapes its underscore.
_OOXML_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def _marked(f: Finding) -> bool:
    # a finding HR accepted (accepted.xlsx) asks nothing more of the office head
    return f.severity in MARKED and f.acceptance is None


def _literal(text: str) -> str:
    """Our text for an openpyxl cell or comment, shown as written: no escape sequence Excel decodes."""
    return _OOXML_ESCAPE.sub(r"_x005F_\1", text)


@dataclass(frozen=True)
class Annotated:
    """What `annotate` did: the copies written, and the workbooks it could not mark up, with why."""

    written: list[Path] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # path relative to DATA_DIR -> Chinese reason


def needs_copy(dataset: Dataset) -> list[WorkbookFacts]:
    """Workbooks that deserve an annotated copy: those with errors or warnings HR has not accepted
    (notes alone do not)."""
    files = {f.file for f in dataset.findings if _marked(f)}
    return [wb for wb in dataset.workbooks if wb.path in files]


def annotate(dataset: Dataset, data_dir: Path, out_dir: Path) -> Annotated:
    """Write a marked-up copy of every workbook with errors or warnings under out_dir."""
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for f in dataset.findings:
        if _marked(f) or f.code in NOTED:
            by_file[f.file].append(f)
    done = Annotated()
    for wb in needs_copy(dataset):
        findings = by_file[wb.path]
        unreadable = next((f for f in findings if f.code in UNREADABLE), None)
        if unreadable is not None:  # never handed to openpyxl
            done.skipped[wb.path] = f"文件无法读取（{unreadable.title}）"
            continue
        source, dest = Path(data_dir) / wb.path, Path(out_dir) / wb.path
        if dest.resolve() == source.resolve():  # never write over the original, whatever out_dir was given
            done.skipped[wb.path] = "标注副本会覆盖原文件"
        elif annotate_file(source, dest, findings, FORMS.get(wb.form_id or "")):
            done.written.append(dest)
        else:
            done.skipped[wb.path] = "文件的内部结构无法解析"
    return done


def annotate_file(source: Path, dest: Path, findings: list[Finding], form: Form | None = None) -> bool:
    """Copy `source` to `dest` with the findings marked; False when openpyxl cannot open it.
    With the workbook's `form`, its data sheets' header row is frozen again where it was lost."""
    try:
        # links to other workbooks kept: without them a `[1]Sheet1!A1` formula shows #NAME? in the copy
        book = load_workbook(source, keep_vba=False, keep_links=True)
    except Exception:  # openpyxl signals odd content with assorted exception types: then no copy
        return False
    _mark_cells(book, findings)
    if form is not None:
        _freeze_headers(book, form)
    _issues_sheet(book, findings)
    dest.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    book.save(buffer)
    write_bytes(dest, buffer.getvalue())
    return True


def _freeze_headers(book, form: Form) -> None:
    """The header row of each data sheet frozen, as the template has it: a file re-saved by
    LibreOffice has lost its frozen panes, and the copy is where the head scrolls to the cells."""
    for sheet in form.sheets:
        if sheet.name in book.sheetnames and not book[sheet.name].freeze_panes:
            book[sheet.name].freeze_panes = "A2"


def _target_cell(f: Finding) -> str:
    """The cell to mark: the finding's cell, or column A of its row for a row-level finding."""
    if f.cell:
        return f.cell
    return f"A{f.row}" if f.row else ""


def _valid_address(address: str) -> bool:
    try:
        coordinate_from_string(address)
    except ValueError:
        return False
    return True


def _anchor(ws, address: str):
    """The cell to mark at address: the top-left cell when it lies in a merged range."""
    try:
        cell = ws[address]
    except (ValueError, IndexError):
        return None
    if isinstance(cell, MergedCell):
        for merged in ws.merged_cells.ranges:
            if address in merged:
                return ws.cell(merged.min_row, merged.min_col)
        return None
    return cell


def _mark_cells(book, findings: list[Finding]) -> None:
    per_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        address = _target_cell(f)
        if f.sheet in book.sheetnames and address and _valid_address(address):
            per_cell[(f.sheet, address)].append(f)
    for (sheet, address), items in sorted(per_cell.items()):
        cell = _anchor(book[sheet], address)
        if cell is None:
            continue
        items.sort(key=lambda f: SEVERITY_ORDER[f.severity])
        cell.fill = FILLS[items[0].severity]  # the worst: an error outranks how a value was read
        text = "\n".join(f"【{SEVERITY_LABELS[f.severity]}】{_literal(printable(f.message, CELL_WHITESPACE))}"
                         for f in items)
        if cell.comment is not None and cell.comment.text:
            text = f"{cell.comment.text}\n{text}"
        comment = Comment(text, COMMENT_AUTHOR)
        comment.width, comment.height = 320, 40 + 30 * len(items)
        cell.comment = comment


def link_location(sheet: str, address: str) -> str:
    """An internal link's target, `'客户'!$C$2`: absolute, since LibreOffice (7.4) leaves a relative
    `'客户'!C2` or `R2` unconverted (they read as R1C1 references) and the link does nothing."""
    column, row = coordinate_from_string(address)
    quoted = sheet.replace("'", "''")  # a quote inside a quoted sheet name is doubled
    return f"'{quoted}'!${column}${row}"


def _issues_sheet(book, findings: list[Finding]) -> None:
    if ISSUES_SHEET in book.sheetnames:  # re-annotating an annotated copy
        del book[ISSUES_SHEET]
    ws = book.create_sheet(ISSUES_SHEET, 0)
    ws.append(HEADERS)
    for col, width in enumerate(WIDTHS, start=1):
        ws.cell(1, col).font = Font(bold=True)
        ws.column_dimensions[ws.cell(1, col).column_letter].width = width
    ws.freeze_panes = "A2"
    order = sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.sheet, f.row or 0, f.cell, f.code))
    for f in order:
        address = _target_cell(f)
        texts = (f.sheet, f.cell or (f"第 {f.row} 行" if f.row else ""), f.column, f.message, f.fix)
        ws.append((SEVERITY_LABELS[f.severity], *(_literal(spreadsheet_safe(t)) for t in texts)))
        row = ws.max_row
        ws.cell(row, 1).fill = FILLS[f.severity]
        for col in (5, 6):
            ws.cell(row, col).alignment = Alignment(wrap_text=True, vertical="top")
        if f.sheet in book.sheetnames and address and _valid_address(address):
            link = ws.cell(row, 3)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=link_location(f.sheet, address))
            link.font = Font(color="FF0563C1", underline="single")
    # Open on the list, and make sure it is a visible, selected sheet.
    for sheet in book.worksheets:
        sheet.sheet_view.tabSelected = False
    ws.sheet_view.tabSelected = True
    book.active = 0
