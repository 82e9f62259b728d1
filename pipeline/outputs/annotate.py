"""Marked-up copies of workbooks with findings: bad cells filled and commented, a 问题清单 sheet first.

The office head opens their own workbook and sees exactly which cells to fix, and which values were
read other than as typed (`1,234.5`, full-width digits, `2026年3月5日`: a light fill and a comment
saying how), so next quarter they are typed the usual way. The original file is only read; the
copies go side by side into one folder, each named for whom and what it is —
`北京一所-2026Q2-招聘与团队-标注.xlsx`, HR's `人力资源部基础数据-标注.xlsx` — so HR can send each
head theirs. A file already in that folder is never written over: the copy takes a numbered name.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

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
from ..intake.layout import folder_identity
from ..periods import valid_period
from .file_names import safe_part
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
COPY_SUFFIX = "标注"  # 北京一所-2026Q2-招聘与团队-标注.xlsx
UNNAMED = "工作簿"  # the title of a copy when neither the template nor the file name gives one
PART_BYTES = 90  # an office's name or a file's own name in a copy's name: the whole stays under 255 bytes
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
    """What `annotate` did: the copies written, the workbooks it could not mark up (with why), and
    the files already in the folder whose names copies would have taken (left as they were)."""

    written: dict[str, Path] = field(default_factory=dict)  # path relative to DATA_DIR -> its copy
    skipped: dict[str, str] = field(default_factory=dict)  # path relative to DATA_DIR -> Chinese reason
    kept: list[str] = field(default_factory=list)  # names in the folder not written over


def copy_stem(wb: WorkbookFacts, dataset: Dataset, with_id: bool = False) -> str:
    """`北京一所-2026Q2-招聘与团队-标注`: the office's name (its id when the reference has no name
    for it; both, `北京一所（BJ01）`, when asked), the quarter and the template's title; only the
    title for HR's workbooks. The folder says whose a file is, as on the submission board; the cover
    when the folders do not. A template that cannot be told gives the file's own name as its title."""
    slot = dataset.slot(wb)
    form = FORMS.get(wb.form_id or "") or (FORMS.get(slot[2]) if slot else None)
    title = form.title if form else (safe_part(PurePosixPath(wb.path).stem, max_bytes=PART_BYTES) or UNNAMED)
    if form is not None and not form.has_cover:
        return f"{title}-{COPY_SUFFIX}"
    office_id, period = _whose(wb, slot)
    office_id = dataset.reference.office_spelling(office_id)
    office = dataset.reference.offices.get(office_id)
    short_id = safe_part(office_id, max_bytes=PART_BYTES)
    who = (safe_part(office.name, max_bytes=PART_BYTES) if office else "") or short_id
    if with_id and short_id and who != short_id:
        who = f"{who}（{short_id}）"
    return "-".join(part for part in (who, period, title, COPY_SUFFIX) if part)


def _whose(wb: WorkbookFacts, slot: tuple[str, str, str] | None) -> tuple[str, str]:
    """(office id, quarter or "") of a workbook: its place on the board, else its folders, else its cover."""
    if slot:
        return slot[1], slot[0]
    folder = folder_identity(wb.path)
    period = (valid_period(folder[0]) if folder else None) or valid_period(wb.period) or ""
    office_id = folder[1] if folder else (wb.office_id if isinstance(wb.office_id, str) else "")
    return office_id.strip(), period


def copy_names(workbooks: Iterable[WorkbookFacts], dataset: Dataset, taken: Iterable[str] = ()) -> dict[str, str]:
    """path -> the file name of its copy, never one of `taken` (the folder's files) nor another
    copy's, ignoring case as Windows and macOS do. Offices that share a name get their ids added;
    what still coincides (two copies of one form) is numbered -2, -3 … in the order of the paths."""
    ordered = sorted(workbooks, key=lambda w: w.path)
    stems = {wb.path: copy_stem(wb, dataset) for wb in ordered}
    offices: dict[str, set[str]] = defaultdict(set)
    for wb in ordered:
        offices[stems[wb.path].casefold()].add(_whose(wb, dataset.slot(wb))[0].casefold())
    used = {name.casefold() for name in taken}
    names = {}
    for wb in ordered:
        stem = stems[wb.path]
        if len(offices[stem.casefold()]) > 1:
            stem = copy_stem(wb, dataset, with_id=True)
        name, n = f"{stem}.xlsx", 2
        while name.casefold() in used:
            name, n = f"{stem}-{n}.xlsx", n + 1
        used.add(name.casefold())
        names[wb.path] = name
    return names


def needs_copy(dataset: Dataset) -> list[WorkbookFacts]:
    """Workbooks that deserve an annotated copy: those with errors or warnings HR has not accepted
    (notes alone do not)."""
    files = {f.file for f in dataset.findings if _marked(f)}
    return [wb for wb in dataset.workbooks if wb.path in files]


def annotate(dataset: Dataset, data_dir: Path, out_dir: Path) -> Annotated:
    """Write a marked-up copy of every workbook with errors or warnings into out_dir (OSError when
    the folder cannot be listed or written)."""
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for f in dataset.findings:
        if _marked(f) or f.code in NOTED:
            by_file[f.file].append(f)
    done = Annotated()
    copied = []
    for wb in needs_copy(dataset):
        unreadable = next((f for f in by_file[wb.path] if f.code in UNREADABLE), None)
        if unreadable is not None:  # never handed to openpyxl
            done.skipped[wb.path] = f"文件无法读取（{unreadable.title}）"
        else:
            copied.append(wb)
    out = Path(out_dir)
    there = sorted(p.name for p in out.iterdir()) if out.is_dir() else []
    names = copy_names(copied, dataset, there)
    folded = {name.casefold() for name in there}
    done.kept.extend(sorted({name for name in copy_names(copied, dataset).values() if name.casefold() in folded}))
    for wb in sorted(copied, key=lambda w: w.path):
        dest = out / names[wb.path]
        if annotate_file(Path(data_dir) / wb.path, dest, by_file[wb.path], FORMS.get(wb.form_id or "")):
            done.written[wb.path] = dest
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
