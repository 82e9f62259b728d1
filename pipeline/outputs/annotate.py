"""Marked-up copies of workbooks with findings: bad cells filled and commented, a 问题清单 sheet first.

The office head opens their own workbook and sees exactly which cells to fix. The original file is
only read; the copy goes to a separate folder under the same relative path.
"""

from __future__ import annotations

import io
from collections import defaultdict
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.cell import coordinate_from_string
from openpyxl.worksheet.hyperlink import Hyperlink

from ..atomic import write_bytes
from ..engine.model import Dataset
from ..findings import CATALOGUE, ERROR, SEVERITY_LABELS, UNREADABLE, WARNING, Finding
from ..intake.facts import WorkbookFacts

ISSUES_SHEET = "问题清单"
FILLS = {
    ERROR: PatternFill("solid", start_color="FFFFC7CE", end_color="FFFFC7CE"),
    WARNING: PatternFill("solid", start_color="FFFFEB9C", end_color="FFFFEB9C"),
}
HEADERS = ("严重程度", "工作表", "单元格", "列", "问题", "修改建议")
WIDTHS = (10, 14, 10, 16, 70, 50)
COMMENT_AUTHOR = "业务所长考核校验"
MARKED = (ERROR, WARNING)


def _marked(findings: list[Finding]) -> list[Finding]:
    # a finding HR accepted (accepted.xlsx) asks nothing more of the office head
    return [f for f in findings if f.severity in MARKED and f.acceptance is None]


def needs_copy(dataset: Dataset) -> list[WorkbookFacts]:
    """Workbooks that deserve an annotated copy: those with errors or warnings (info is skipped)."""
    files = {f.file for f in _marked(dataset.findings)}
    return [wb for wb in dataset.workbooks if wb.path in files]


def annotate(dataset: Dataset, data_dir: Path, out_dir: Path) -> list[Path]:
    """Write a marked-up copy of every workbook with findings under out_dir; return the paths written."""
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for f in _marked(dataset.findings):
        by_file[f.file].append(f)
    written: list[Path] = []
    for wb in needs_copy(dataset):
        findings = by_file[wb.path]
        if any(f.code in UNREADABLE for f in findings):  # never handed to openpyxl
            continue
        source, dest = Path(data_dir) / wb.path, Path(out_dir) / wb.path
        if dest.resolve() == source.resolve():
            continue  # never write over the original, whatever out_dir was given
        if annotate_file(source, dest, findings):
            written.append(dest)
    return written


def annotate_file(source: Path, dest: Path, findings: list[Finding]) -> bool:
    """Copy `source` to `dest` with the findings marked; False when openpyxl cannot open it."""
    try:
        book = load_workbook(source, keep_vba=False, keep_links=False)
    except Exception:  # openpyxl signals odd content with assorted exception types: then no copy
        return False
    _mark_cells(book, findings)
    _issues_sheet(book, findings)
    dest.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    book.save(buffer)
    write_bytes(dest, buffer.getvalue())
    return True


class _Blanks(dict):
    """Fallback words for a fix template whose parameters the finding no longer carries."""

    def __missing__(self, key: str) -> str:
        return {"current": "最新", "expected": "模板中的原样"}.get(key, "")


def fix_text(f: Finding) -> str:
    """The catalogue's fix for a finding, its placeholders filled as far as the record allows."""
    return CATALOGUE[f.code].fix.format_map(_Blanks(label=f.column or "该项", column=f.column))


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
        worst = ERROR if any(f.severity == ERROR for f in items) else WARNING
        cell.fill = FILLS[worst]
        text = "\n".join(f"【{SEVERITY_LABELS[f.severity]}】{f.message}" for f in items)
        if cell.comment is not None and cell.comment.text:
            text = f"{cell.comment.text}\n{text}"
        comment = Comment(text, COMMENT_AUTHOR)
        comment.width, comment.height = 320, 40 + 30 * len(items)
        cell.comment = comment


def _issues_sheet(book, findings: list[Finding]) -> None:
    if ISSUES_SHEET in book.sheetnames:  # re-annotating an annotated copy
        del book[ISSUES_SHEET]
    ws = book.create_sheet(ISSUES_SHEET, 0)
    ws.append(HEADERS)
    for col, width in enumerate(WIDTHS, start=1):
        ws.cell(1, col).font = Font(bold=True)
        ws.column_dimensions[ws.cell(1, col).column_letter].width = width
    ws.freeze_panes = "A2"
    order = sorted(findings, key=lambda f: (f.severity != ERROR, f.sheet, f.row or 0, f.cell, f.code))
    for f in order:
        address = _target_cell(f)
        ws.append((SEVERITY_LABELS[f.severity], f.sheet, f.cell or (f"第 {f.row} 行" if f.row else ""),
                   f.column, f.message, fix_text(f)))
        row = ws.max_row
        ws.cell(row, 1).fill = FILLS[f.severity]
        for col in (5, 6):
            ws.cell(row, col).alignment = Alignment(wrap_text=True, vertical="top")
        if f.sheet in book.sheetnames and address and _valid_address(address):
            link = ws.cell(row, 3)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{f.sheet}'!{address}")
            link.font = Font(color="FF0563C1", underline="single")
    # Open on the list, and make sure it is a visible, selected sheet.
    for sheet in book.worksheets:
        sheet.sheet_view.tabSelected = False
    ws.sheet_view.tabSelected = True
    book.active = 0
