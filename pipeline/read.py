"""One workbook file -> `Workbook` (identity, cover, typed rows per sheet, findings), driven by the form spec.

Never raises for bad input: a file the guard rejects, or that a parser cannot read, becomes a
Workbook with a file-level finding and no tables. Checks within one workbook live here: template
identity, sheets, headers, cover, every cell (required, type, choice, range, length, unique,
Excel errors, formulas without values) and the in-sheet cross-field rules of each Sheet.
Cross-workbook checks (identity vs folder, duplicates, completeness...) are in checks.py.

Speed (tens of thousands of small workbooks per run): a data sheet is read column by column,
each column decided in bulk by `normalise.quick_column`; only the rows that could have a finding
go cell by cell, in row order, so the findings are exactly those of reading every cell.
"""

from __future__ import annotations

import hashlib
import re
import stat
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from itertools import repeat
from operator import itemgetter
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from .excel import guard
from .excel.cells import Book, RawSheet
from .findings import Finding, finding
from .forms import COVER_SHEET, FORMS, META_SHEET, Field, Form, NotAbove, NotBefore, RequiredWhen, Sheet
from .headers import map_header
from .model import PERIOD_RE, Row, Workbook
from .normalise import SLOW, check, clean_text, is_blank, normalise, quick_for, show
from .sheet_plan import (
    SheetRead,
    cell_by_cell,
    has_duplicates,
    make_row,
    make_rows,
    rule_rows,
    sheet_plan,
    special_rows,
    transpose,
)

_CUSTOM_PROP = re.compile(
    rb'<(?:\w+:)?property\b[^>]*\bname="([^"]+)"[^>]*>\s*<(?:\w+:)?\w+>([^<]*)</', re.S)
META_KEYS = ("template_id", "template_version", "structure_hash")


def read_workbook(path: Path, rel: str) -> Workbook:
    """Read and check one workbook file; `rel` is its '/'-separated path relative to DATA_DIR."""
    wb = Workbook(path=rel)
    try:
        data = _read_bytes(Path(path))
        wb.sha256 = hashlib.sha256(data).hexdigest()
        package = guard.open_package(data)
        _Reader(wb, package).run()
    except guard.Rejected as rejected:
        wb.tables = {}
        wb.findings.append(finding(rejected.code, file=rel, **_defaults(rejected.code, rejected.params)))
    except MemoryError:
        wb.tables = {}
        wb.findings.append(finding("file-too-large", file=rel, reason="读取时所需内存超过限制"))
    except OSError as exc:
        wb.tables = {}
        wb.findings.append(finding("file-unreadable", file=rel, reason=f"无法打开文件({exc.strerror or type(exc).__name__})"))
    except Exception as exc:  # a parser's own error on a file the guard let through
        wb.tables = {}
        wb.findings.append(finding("file-unreadable", file=rel, reason=_parser_reason(exc)))
    if wb.office_id or wb.period:
        wb.findings = [replace(f, office_id=f.office_id or wb.office_id or "", period=f.period or wb.period or "")
                       for f in wb.findings]
    return wb


def _read_bytes(path: Path) -> bytes:
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):  # a folder or a pipe would fail or block forever
        raise guard.Rejected("file-unreadable", reason="不是普通文件")
    if info.st_size > guard.MAX_FILE_BYTES:
        raise guard.Rejected("file-too-large", reason=f"文件大小超过 {guard.MAX_FILE_BYTES // (1024 * 1024)} MB")
    return path.read_bytes()


def _defaults(code: str, params: dict[str, Any]) -> dict[str, Any]:
    if code == "file-timeout":
        params.setdefault("seconds", "")
    if code in ("file-unreadable", "file-not-xlsx", "file-truncated", "file-too-large", "file-xml-unsafe"):
        params.setdefault("reason", "文件结构异常")
    return params


def _parser_reason(exc: Exception) -> str:
    name = type(exc).__name__
    if "Password" in name:
        return "文件设置了密码"
    if "Zip" in name:
        return "zip 结构损坏"
    if "Xml" in name or "Parse" in name:
        return "内部 XML 格式错误"
    if "NotFound" in name:
        return "工作表的内容缺失"
    if "Calamine" in name:
        return "文件内部结构损坏"
    return f"解析失败({name})"


class _Reader:
    """The state of reading one workbook; `run` fills the Workbook in place."""

    # False reads every row cell by cell: the reference the bulk path is tested against.
    bulk = True

    def __init__(self, wb: Workbook, package: guard.Package) -> None:
        self.wb = wb
        self.package = package
        self.book: Book | None = None
        self.changed_header = False
        self._meta_hash: str | None = None

    def add(self, code: str, **kw: Any) -> None:
        self.wb.findings.append(finding(code, file=self.wb.path, **kw))

    def run(self) -> None:
        self.book = Book(self.package)
        try:
            form = self._identify()
            if form is None:
                return
            if form.has_cover:
                self._cover(form)
            if self.wb.version != form.version:
                return  # an outdated layout: its rows would only produce noise
            for sheet in form.sheets:
                if sheet.name not in self.package.sheets:
                    self.add("sheet-missing", sheet=sheet.name)
                    continue
                self.wb.tables[sheet.key] = self._sheet(sheet)
            if not self.changed_header and self._meta_hash not in (None, form.structure_hash):
                self.add("template-modified", severity="warning", reason="模板结构校验值与当前版本不一致")
        finally:
            self.book.close()

    # --- identity ----------------------------------------------------------------------------
    def _identify(self) -> Form | None:
        meta = self._meta()
        self._meta_hash = meta.get("structure_hash")
        form_id = meta.get("template_id")
        if not form_id:
            self.add("template-unknown", reason="缺少模板标识(隐藏的 _meta 工作表和文档属性均不存在),不是从网站下载的模板")
            return None
        form = FORMS.get(form_id)
        if form is None:
            self.add("template-unknown", reason=f"模板标识“{form_id}”不是本系统的模板")
            return None
        self.wb.form_id = form.id
        self.wb.version = meta.get("template_version") or ""
        if self.wb.version != form.version:
            self.add("template-outdated", seen=self.wb.version or "(未标注)", current=form.version)
        return form

    def _meta(self) -> dict[str, str]:
        meta: dict[str, str] = {}
        if META_SHEET in self.package.sheets:
            raw = self.book.read(META_SHEET)
            for line in raw.rows:
                if len(line) >= 2 and isinstance(line[0], str) and clean_text(line[0]) in META_KEYS:
                    meta[clean_text(line[0])] = clean_text(show(line[1]))
        if not meta.get("template_id"):  # the sheet was lost: fall back on the document properties
            props = self.package.parts.get("docProps/custom.xml", b"")
            for name, value in _CUSTOM_PROP.findall(props):
                key = name.decode("utf-8", "replace")
                if key in META_KEYS:
                    meta.setdefault(key, value.decode("utf-8", "replace").strip())
        return meta

    # --- cover -------------------------------------------------------------------------------
    def _cover(self, form: Form) -> None:
        if COVER_SHEET not in self.package.sheets:
            self.add("sheet-missing", sheet=COVER_SHEET)
            return
        raw = self.book.read(COVER_SHEET)
        by_label = {clean_text(line[0]): r for r, line in enumerate(raw.rows)
                    if line and isinstance(line[0], str)}
        for index, field in enumerate(form.cover):
            r = by_label.get(field.label, index)
            if field.key == "period":
                self.wb.cover["period"] = self._period(raw, field, r)
                continue
            value = raw.value(r, 1)
            if value is None or value == "" or (r, 1) in raw.errors or (r, 1) in raw.no_value \
                    or (value := quick_for(field.type)(value)) is SLOW:
                value = self._cell(raw, COVER_SHEET, field, r, 1)
            if value is _INVALID:
                value = None
            elif value is None and field.key in ("office_id", "period"):
                self.add("cover-missing", sheet=COVER_SHEET, cell=f"B{r + 1}", row=r + 1, column=field.label,
                         label=field.label)
            self.wb.cover[field.key] = value
        self.wb.office_id = self.wb.cover.get("office_id")
        self.wb.period = self.wb.cover.get("period")

    def _period(self, raw: RawSheet, field: Field, r: int) -> str | None:
        """期间 as `2026Q1`: spaces and case forgiven, anything else is period-malformed."""
        where = {"sheet": COVER_SHEET, "cell": f"B{r + 1}", "row": r + 1, "column": field.label}
        if (r, 1) in raw.errors or (r, 1) in raw.no_value:
            self._cell(raw, COVER_SHEET, field, r, 1)  # reports the error cell
            return None
        value = raw.value(r, 1)
        if type(value) is str and value.isascii() and PERIOD_RE.fullmatch(value):
            return value  # already canonical: nothing below would change it
        if is_blank(value):
            self.add("cover-missing", label=field.label, **where)
            return None
        seen = clean_text(show(value))
        compact = re.sub(r"\s+", "", unicodedata.normalize("NFKC", seen)).upper()
        if not PERIOD_RE.match(compact):
            self.add("period-malformed", seen=seen, value=seen, **where)
            return None
        if compact != seen.upper():
            self.add("value-normalised", seen=show(value), normalised=compact, value=show(value), **where)
        return compact

    # --- one cell ----------------------------------------------------------------------------
    def _cell(self, raw: RawSheet, sheet_name: str, field: Field, r: int, c: int) -> Any:
        """The typed value of one cell, None when blank, _INVALID after a finding."""
        where = {"sheet": sheet_name, "cell": f"{get_column_letter(c + 1)}{r + 1}", "row": r + 1,
                 "column": field.label}
        if raw.errors and (r, c) in raw.errors:
            text = raw.errors[(r, c)]
            self.add("excel-error", seen=text, value=text, **where)
            return _INVALID
        if raw.no_value and (r, c) in raw.no_value:
            self.add("formula-no-value", **where)
            return _INVALID
        value = raw.value(r, c)
        result = normalise(value, field.type, date1904=self.package.date1904)
        private = field.private
        if result.error:
            self.add(result.error, private=private, seen=show(value), value=show(value), **result.params, **where)
            return _INVALID
        if result.value is None:
            return None
        if result.note is not None:
            self.add("value-normalised", private=private, seen=show(value), normalised=result.note,
                     value=show(value), **where)
        problem = check(result.value, field.type)
        if problem:
            code, params = problem
            self.add(code, private=private, seen=show(result.value), value=show(result.value), **params, **where)
            return _INVALID
        return result.value

    # --- data sheets -------------------------------------------------------------------------
    def _sheet(self, sheet: Sheet) -> list[Row]:
        """The typed rows of one data sheet: clean columns in bulk, every other row cell by cell.

        A row goes through `_row` (the cell-by-cell path) when it could produce a finding: a cell
        `quick_column` could not vouch for, an Excel error or value-less formula, a blank required
        cell, a broken rule. Rows are visited in order, so findings come out exactly as if every
        row had gone through `_row`; a unique column with duplicates or cells to normalise sends
        the whole sheet that way, since a duplicate can only be told across rows.
        """
        raw = self.book.read(sheet.name)
        header = raw.rows[0] if raw.rows else []
        columns = self._header(sheet, header)
        if columns is None or len(raw.rows) < 2:
            return []
        plan = sheet_plan(sheet)
        ctx = SheetRead(sheet, raw, columns, plan)
        if not self.bulk:
            return self._rows(ctx)
        data = raw.rows[1:]
        cells = transpose(data)
        attention = special_rows(raw, columns)
        values: list[Any] = []  # per field in sheet order: the column's values, or repeat(None)
        required: list[int] = []  # positions of required columns holding a blank
        for pos, field in enumerate(sheet.fields):
            c = columns.get(field.key)
            if c is None:
                values.append(repeat(None))
                continue
            col = cells[c] if c < len(cells) else ("",) * len(data)
            conv = plan.column[pos](col)
            slow: set[int] = set()
            if conv is None:
                conv, slow = cell_by_cell(col, plan.quick[pos])
                attention |= slow
            if field.unique and (slow or has_duplicates(conv)):
                return self._rows(ctx)
            if field.required and None in conv:
                required.append(pos)
            values.append(conv)
        attention.update(rule_rows(sheet, columns, values, plan))
        nones = plan.nones
        if not attention and not required and (any(None not in v for v in values if isinstance(v, Sequence))
                                               or nones not in zip(*values)):
            # the usual sheet: no row with a finding, no blank row
            return make_rows(range(2, len(data) + 2), map(plan.build, *values))
        blank_required = itemgetter(*required, required[0]) if required else None  # always a tuple
        rows: list[Row] = []
        for i, line in enumerate(zip(*values)):
            if i in attention or (blank_required is not None and line != nones and None in blank_required(line)):
                row = self._row(ctx, i + 1)
                if row is not None:
                    rows.append(row)
            elif line != nones:
                rows.append(make_row(i + 2, plan.build(*line)))
        return rows

    def _rows(self, ctx: SheetRead) -> list[Row]:
        """Every row of the sheet cell by cell."""
        return [row for r in range(1, len(ctx.raw.rows)) if (row := self._row(ctx, r)) is not None]

    def _row(self, ctx: SheetRead, r: int) -> Row | None:
        """Row `r` (0-based) read cell by cell with every check; None for a blank row."""
        raw, sheet = ctx.raw, ctx.sheet
        if not self._has_content(raw, r, ctx.mapped):
            return None
        line = raw.rows[r]
        width = len(line)
        special = bool(raw.errors or raw.no_value)
        values: dict[str, Any] = dict.fromkeys(ctx.plan.keys)
        invalid: set[str] = set()
        for field, c, convert in ctx.fast:
            raw_value = line[c] if c < width else None
            if special and ((r, c) in raw.errors or (r, c) in raw.no_value):
                value = self._cell(raw, sheet.name, field, r, c)
            elif raw_value is None or raw_value == "":
                value = None
            else:
                value = convert(raw_value)
                if value is SLOW:  # needs normalising, or is wrong: the full path says which
                    value = self._cell(raw, sheet.name, field, r, c)
            if value is _INVALID:
                invalid.add(field.key)
                continue
            if value is None:
                if field.required:
                    self.add("required-blank", sheet=sheet.name, cell=f"{get_column_letter(c + 1)}{r + 1}",
                             row=r + 1, column=field.label)
                continue
            if field.unique:
                first = ctx.first_seen[field.key].setdefault(value, r + 1)
                if first != r + 1:
                    self.add("duplicate-id", private=field.private, sheet=sheet.name,
                             cell=f"{get_column_letter(c + 1)}{r + 1}", row=r + 1, column=field.label,
                             seen=show(value), value=show(value), first_row=first)
            values[field.key] = value
        if sheet.rules:
            self._rules(sheet, ctx.columns, r, values, invalid)
        return make_row(r + 1, values)

    @staticmethod
    def _has_content(raw: RawSheet, r: int, mapped: list[tuple[Field, int]]) -> bool:
        line = raw.rows[r]
        width = len(line)
        for _, c in mapped:
            if c < width:
                v = line[c]
                if v != "" and v is not None and not (isinstance(v, str) and is_blank(v)):
                    return True
            if (raw.errors or raw.no_value) and ((r, c) in raw.errors or (r, c) in raw.no_value):
                return True
        return False

    def _header(self, sheet: Sheet, header: list[Any]) -> dict[str, int] | None:
        """field key -> column index, reporting every difference from the template's header."""
        columns, problems = map_header(sheet, header)
        for code, kw in problems:
            self.add(code, sheet=sheet.name, **kw)
        self.changed_header = self.changed_header or bool(problems)
        return columns

    def _rules(self, sheet: Sheet, columns: dict[str, int], r: int, values: dict[str, Any], invalid: set[str]) -> None:
        for rule in sheet.rules:
            field = sheet.field(rule.field)
            if rule.field not in columns:
                continue
            where = {"sheet": sheet.name, "cell": f"{get_column_letter(columns[rule.field] + 1)}{r + 1}",
                     "row": r + 1, "column": field.label, "severity": rule.severity}
            if isinstance(rule, (NotBefore, NotAbove)):
                a, b = values.get(rule.field), values.get(rule.other)
                if a is None or b is None:
                    continue
                broken = a < b if isinstance(rule, NotBefore) else a > b
                if broken:
                    other = sheet.field(rule.other)
                    code = "rule-not-before" if isinstance(rule, NotBefore) else "rule-not-above"
                    self.add(code, private=field.private or other.private, rule=rule.describe(sheet),
                             seen=show(a), other_column=other.label, other=show(b), value=show(a), **where)
            elif (isinstance(rule, RequiredWhen) and values.get(rule.when) == rule.value
                  and values.get(rule.field) is None and rule.field not in invalid):
                self.add("rule-required-when", rule=rule.describe(sheet), **where)


class _Invalid:
    """Marker for a cell that produced a finding; its value is None in the row."""

    def __repr__(self) -> str:
        return "<invalid>"


_INVALID: Any = _Invalid()


def finding_file_level(rel: str, code: str, **params: Any) -> Finding:
    """A file-level finding for `rel` (used by the pool when a worker dies on a file)."""
    return finding(code, file=rel, **_defaults(code, params))


__all__ = ["finding_file_level", "map_header", "read_workbook"]
