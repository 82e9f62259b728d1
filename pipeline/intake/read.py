"""One workbook file -> `WorkbookFacts` (identity, cover, typed tables, findings), driven by the form spec.

Never raises for bad input: a file the guard rejects, or that a parser cannot read, becomes facts
with a file-level finding and no tables. The checks within one workbook live here: template
identity, sheets, headers, cover, every cell (required, type, choice, range, length, unique,
Excel errors, formulas without values) and each sheet's cross-field rules. Rules across
workbooks (identity vs folder, duplicates, completeness …) belong to the engine.

A data sheet is read column by column: each field's type reads its column (`FieldType.read_column`),
then blank rows are dropped and the row rules (required, unique, cross-field) are applied.
`read_workbook` keeps every sheet's table; `read_facts` is what a run uses: the same reading,
reduced to the facts the engine needs (aggregates.summarise).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import operator
import re
import stat
import sys
from dataclasses import dataclass, field, replace
from itertools import compress, repeat
from pathlib import Path, PurePosixPath
from typing import Any

from ..findings import Finding, finding
from ..forms import COVER_SHEET, FORMS, META_SHEET, Field, Form, NotAbove, NotBefore, Reading, RequiredWhen, Sheet
from ..forms.values import (
    CONTROL,
    YUAN_PER_WAN,
    column_letter,
    format_amount,
    is_blank,
    label_key,
    printable,
    show,
    trim,
    unit_hint,
)
from ..periods import PERIOD_RE, valid_period
from . import guard
from .aggregates import summarise
from .cells import Book, RawSheet
from .facts import FACTS_FORMAT, Table, WorkbookFacts
from .headers import map_header
from .oserrors import os_reason

_CUSTOM_PROP = re.compile(
    rb'<(?:\w+:)?property\b[^>]*\bname="([^"]+)"[^>]*>\s*<(?:\w+:)?\w+>([^<]*)</', re.S)
META_KEYS = ("template_id", "template_version", "structure_hash")
# The formats the guard names (file-xls, file-ods) and the extension that format's files have.
FORMAT_SUFFIXES = {"file-xls": ".xls", "file-ods": ".ods"}
# Bumped when a change of this package changes what reading a file yields (the cache's key).
READER_VERSION = "6"


def reader_identity() -> str:
    """A digest of everything reading a file depends on besides its bytes: this package's and the
    form specs' source code, the finding catalogue, the facts layout, the parser's version and
    Python's. The executor's cache keeps facts under it, so any change starts afresh."""
    digest = hashlib.sha256(f"{READER_VERSION}|{FACTS_FORMAT}|{sys.version_info[:2]}".encode())
    try:
        digest.update(importlib.metadata.version("python-calamine").encode())
    except importlib.metadata.PackageNotFoundError:  # a vendored copy: the code digest still guards us
        digest.update(b"calamine:unknown")
    package = Path(__file__).resolve().parents[1]
    sources = [*sorted((package / "intake").glob("*.py")), *sorted((package / "forms").glob("*.py")),
               package / "findings.py", package / "periods.py"]
    for source in sources:
        digest.update(source.relative_to(package).as_posix().encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()[:24]


def read_facts(path: str | Path, rel: str) -> WorkbookFacts:
    """Read one file and reduce it to the facts a run needs (office forms keep no rows)."""
    return summarise(read_workbook(path, rel))


def read_workbook(path: str | Path, rel: str) -> WorkbookFacts:
    """Read and check one workbook file, keeping every sheet's typed table; `rel` is its
    '/'-separated path relative to DATA_DIR."""
    state = _Workbook(rel)
    try:
        data = _read_bytes(Path(path))
        state.sha256 = hashlib.sha256(data).hexdigest()
        _Reader(state, guard.open_package(data)).run()
    except guard.Rejected as rejected:
        state.rejected(rejected.code, **rejected.params)
    except MemoryError:
        state.rejected("file-too-large", reason="读取时所需内存超过限制")
    except OSError as exc:
        state.rejected("file-unreadable", reason=f"无法打开文件（{os_reason(exc)}）")
    except Exception as exc:  # a parser's own error on a file the guard let through
        state.rejected("file-unreadable", reason=_parser_reason(exc))
    return state.facts()


def file_level(rel: str, code: str, **params: Any) -> WorkbookFacts:
    """Facts holding one file-level finding (a worker died on the file, or it overran its time)."""
    state = _Workbook(rel)
    state.rejected(code, **params)
    return state.facts()


@dataclass
class _Workbook:
    """What reading one file has established so far."""

    path: str
    sha256: str = ""
    form_id: str | None = None
    version: str | None = None
    cover: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def add(self, code: str, **kw: Any) -> None:
        self.findings.append(finding(code, file=self.path, **kw))

    def rejected(self, code: str, **params: Any) -> None:
        """The file cannot be read (further): its tables are dropped, the reason recorded."""
        self.tables = {}
        if code == "file-timeout":
            params.setdefault("seconds", "")
        if code in ("file-unreadable", "file-not-xlsx", "file-truncated", "file-too-large", "file-xml-unsafe"):
            params.setdefault("reason", "文件结构异常")
        if code in FORMAT_SUFFIXES:  # say so when the name hides the format (an .xls renamed to .xlsx)
            suffix = PurePosixPath(self.path).suffix.lower()
            params.setdefault("detail", f"，但扩展名是 {suffix}" if suffix not in ("", FORMAT_SUFFIXES[code]) else "")
        self.add(code, **params)

    def facts(self) -> WorkbookFacts:
        office_id, period = self.cover.get("office_id"), self.cover.get("period")
        findings = self.findings
        if office_id or period:  # a finding belongs to the office-period the cover names, unless it says
            findings = [replace(f, office_id=f.office_id or office_id or "", period=f.period or period or "")
                        for f in findings]
        return WorkbookFacts(path=self.path, sha256=self.sha256, form_id=self.form_id, version=self.version,
                             office_id=office_id, period=period, cover=self.cover, findings=tuple(findings),
                             tables=self.tables)


def _read_bytes(path: Path) -> bytes:
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):  # a folder or a pipe would fail or block forever
        raise guard.Rejected("file-unreadable", reason="不是普通文件")
    if info.st_size > guard.MAX_FILE_BYTES:
        raise guard.Rejected("file-too-large", reason=f"文件大小超过 {guard.MAX_FILE_BYTES // (1024 * 1024)} MB")
    return path.read_bytes()


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
    return f"解析失败（{name}）"


class _Reader:
    """Reading one accepted package: identity, cover, then each data sheet."""

    def __init__(self, wb: _Workbook, package: guard.Package) -> None:
        self.wb = wb
        self.package = package
        self.book: Book | None = None
        self.changed_header = False

    def run(self) -> None:
        self.book = Book(self.package)
        try:
            meta = self._meta()
            form = self._identify(meta)
            if form is None:
                return
            layout = form.as_of(self.wb.version or "")
            if form.has_cover:
                self._cover(layout or form)
            if layout is None:
                return  # a layout no longer read: its rows would only produce noise
            for sheet in layout.sheets:
                name = self._sheet_named(sheet.name)
                if name is None:
                    if not sheet.optional:
                        self.wb.add("sheet-missing", sheet=sheet.name)
                    continue
                self.wb.tables[sheet.key] = self._sheet(sheet, name)
            structure = meta.get("structure_hash")
            if not self.changed_header and structure not in (None, *layout.structure_hashes):
                self.wb.add("template-modified", severity="warning", reason="模板结构校验值与当前版本不一致")
        finally:
            self.book.close()

    def _sheet_named(self, name: str) -> str | None:
        """The file's name for the template's sheet `name`: the same, or the same but for the
        width of its characters (`label_key`); None when the file has no such sheet."""
        if name in self.package.sheets:
            return name
        key = label_key(name)
        return next((n for n in self.package.sheets if label_key(n) == key), None)

    # --- identity ----------------------------------------------------------------------------
    def _identify(self, meta: dict[str, str]) -> Form | None:
        form_id = meta.get("template_id")
        if not form_id:
            self.wb.add("template-unknown", reason="缺少模板标识（隐藏的 _meta 工作表和文档属性均不存在），不是从网站下载的模板")
            return None
        form = FORMS.get(form_id)
        if form is None:
            self.wb.add("template-unknown", reason=f"模板标识“{form_id}”不是本系统的模板")
            return None
        self.wb.form_id = form.id
        self.wb.version = meta.get("template_version") or ""
        earlier = next((e for e in form.history if e.version == self.wb.version), None)
        if not form.accepts(self.wb.version):
            self.wb.add("template-outdated", seen=self.wb.version or "（未标注）", current=form.version)
        elif earlier is not None and earlier.note:  # an earlier version still read, laid out as it was
            self.wb.add("template-earlier", seen=self.wb.version, current=form.version)
        return form

    def _meta(self) -> dict[str, str]:
        meta: dict[str, str] = {}
        if META_SHEET in self.package.sheets:  # written by the program, never typed: exact
            for line in self.book.read(META_SHEET).rows:
                if len(line) >= 2 and isinstance(line[0], str) and trim(line[0]) in META_KEYS:
                    meta[trim(line[0])] = trim(show(line[1]))
        if not meta.get("template_id"):  # the sheet was lost: fall back on the document properties
            props = self.package.parts.get("docProps/custom.xml", b"")
            for name, value in _CUSTOM_PROP.findall(props):
                key = name.decode("utf-8", "replace")
                if key in META_KEYS:
                    meta.setdefault(key, value.decode("utf-8", "replace").strip())
        return meta

    # --- cover -------------------------------------------------------------------------------
    def _cover(self, form: Form) -> None:
        name = self._sheet_named(COVER_SHEET)
        if name is None:
            self.wb.add("sheet-missing", sheet=COVER_SHEET)
            return
        raw = self.book.read(name)
        by_label = {label_key(line[0]): r for r, line in enumerate(raw.rows) if line and isinstance(line[0], str)}
        for index, f in enumerate(form.cover):
            r = by_label.get(label_key(f.label), form.cover_row - 1 + index)
            value = self._period(raw, f, r) if f.key == "period" else self._cover_value(raw, f, r)
            self.wb.cover[f.key] = value
            if (r, 1) in raw.external:
                self.wb.add("formula-external", sheet=COVER_SHEET, cell=f"B{r + 1}", row=r + 1, column=f.label,
                            private=f.private, value=show(raw.value(r, 1)))

    def _cover_value(self, raw: RawSheet, f: Field, r: int) -> Any:
        where = {"sheet": COVER_SHEET, "cell": f"B{r + 1}", "row": r + 1, "column": f.label}
        special = _special(raw, r, 1)
        if special is not None:
            self.wb.add(special[0], **special[1], **where)
            return None
        reading = f.type.read(raw.value(r, 1), self.package.date1904)
        if reading.note is not None or reading.error is not None:
            self._report(f, raw.value(r, 1), reading, where)
        if reading.error is None and reading.value is None and f.key == "office_id":
            self.wb.add("cover-missing", label=f.label, **where)
        if reading.error is None and f.key == "office_id" and CONTROL.search(reading.value or ""):
            # a newline or a NUL in the id would become part of a folder name and of every message
            self.wb.add("text-control", seen=printable(reading.value, limit=40), value=reading.value, **where)
            return None
        return None if reading.error else reading.value

    def _period(self, raw: RawSheet, f: Field, r: int) -> str | None:
        """期间 as `2026Q1`, however it was written (periods.valid_period); a spelling other than that
        (beyond case and surrounding spaces) gets a note saying how it was read."""
        where = {"sheet": COVER_SHEET, "cell": f"B{r + 1}", "row": r + 1, "column": f.label}
        special = _special(raw, r, 1)
        if special is not None:
            self.wb.add(special[0], **special[1], **where)
            return None
        value = raw.value(r, 1)
        if type(value) is str and PERIOD_RE.fullmatch(value):
            return value
        if is_blank(value):
            self.wb.add("cover-missing", label=f.label, **where)
            return None
        seen = trim(show(value))
        if CONTROL.search(seen):  # a line break inside is not a space to forgive
            self.wb.add("text-control", seen=printable(seen, limit=40), value=seen, **where)
            return None
        period = valid_period(seen) if isinstance(value, str) else None
        if period is None:
            self.wb.add("period-malformed", seen=printable(seen, limit=40), value=seen, **where)
            return None
        if period != seen.upper():
            self.wb.add("value-normalised", seen=seen, normalised=period, value=seen, **where)
        return period

    # --- data sheets -------------------------------------------------------------------------
    def _sheet(self, sheet: Sheet, name: str) -> Table:
        """The typed table of one data sheet (`name` in the file), with a finding for every cell and
        row rule broken."""
        raw = self.book.read(name)
        header = raw.rows[0] if raw.rows else []
        columns, problems = map_header(sheet, header)
        for code, kw in problems:
            self.wb.add(code, sheet=name, **kw)
        self.changed_header = self.changed_header or bool(problems)
        if columns is None or len(raw.rows) < 2:
            return Table()
        return _SheetReader(self.wb, sheet, name, raw, columns, self.package.date1904).table()

    def _report(self, f: Field, raw_value: Any, reading: Reading, where: dict[str, Any]) -> None:
        _report(self.wb, f, raw_value, reading, where)


def _special(raw: RawSheet, r: int, c: int) -> tuple[str, dict[str, Any]] | None:
    """An Excel error value or a formula without a cached value at (r, c), as (code, params)."""
    if raw.errors and (r, c) in raw.errors:
        text = raw.errors[(r, c)]
        return "excel-error", {"seen": text, "value": text}
    if raw.no_value and (r, c) in raw.no_value:
        return "formula-no-value", {}
    return None


def _report(wb: _Workbook, f: Field, raw_value: Any, reading: Reading, where: dict[str, Any]) -> None:
    """The findings of one cell's Reading: how a reshaped value was read, then what is wrong."""
    private = f.private
    if reading.note is not None:
        wb.add("value-normalised", private=private, seen=show(raw_value), normalised=reading.note,
               value=show(raw_value), **where)
    if reading.error is not None:
        params = dict(reading.params)
        wb.add(reading.error, private=private, value=params.get("seen"), **params, **where)


class _SheetReader:
    """One data sheet read column by column into a Table."""

    def __init__(self, wb: _Workbook, sheet: Sheet, name: str, raw: RawSheet, columns: dict[str, int],
                 date1904: bool) -> None:
        self.wb, self.sheet, self.name, self.raw, self.columns, self.date1904 = wb, sheet, name, raw, columns, date1904

    def table(self) -> Table:
        sheet, raw = self.sheet, self.raw
        data = raw.rows[1:]
        height = len(data)
        cells = _transpose(data)
        specials = self._specials()  # data row (0-based) -> {column: (code, params)}
        values: dict[str, list[Any]] = {}
        readings: dict[str, dict[int, Reading]] = {}
        for f in sheet.fields:
            c = self.columns.get(f.key)
            if c is None:
                continue
            column = cells[c] if c < len(cells) else ("",) * height
            values[f.key], readings[f.key] = f.type.read_column(column, self.date1904)
            if f.ceiling is not None:
                _above_ceiling(f, values[f.key], readings[f.key])
        for i, row in specials.items():  # an error value or a value-less formula: no value at all
            for c in row:
                for key, col in self.columns.items():
                    if col == c:
                        values[key][i] = None
                        readings[key].pop(i, None)
        keep = _kept_rows(height, values, readings, specials)
        invalid = {key: {i for i, r in rd.items() if r.error} for key, rd in readings.items()}
        for i, row in specials.items():
            for c in row:
                for key, col in self.columns.items():
                    if col == c:
                        invalid[key].add(i)
        if len(keep) < height:  # blank rows are skipped: every rule below sees the kept rows only
            values = {key: [col[i] for i in keep] for key, col in values.items()}
        self._cell_findings(keep, cells, readings, specials)
        self._external(keep, cells)
        self._required(keep, values, invalid)
        self._unique(keep, values)
        self._rules(keep, values, invalid)
        return Table(tuple(i + 2 for i in keep), values)

    def _specials(self) -> dict[int, dict[int, tuple[str, dict[str, Any]]]]:
        raw = self.raw
        if not (raw.errors or raw.no_value):
            return {}
        mapped = set(self.columns.values())
        out: dict[int, dict[int, tuple[str, dict[str, Any]]]] = {}
        for r, c in (*raw.errors, *raw.no_value):
            if c in mapped and 1 <= r < len(raw.rows):
                special = _special(raw, r, c)
                if special is not None:
                    out.setdefault(r - 1, {})[c] = special
        return out

    def _where(self, f: Field, i: int) -> dict[str, Any]:
        return {"sheet": self.name, "cell": f"{column_letter(self.columns[f.key] + 1)}{i + 2}", "row": i + 2,
                "column": f.label}

    def _cell_findings(self, keep: list[int], cells: list, readings: dict[str, dict[int, Reading]],
                       specials: dict[int, dict]) -> None:
        kept = set(keep)
        for f in self.sheet.fields:
            if f.key not in readings:
                continue
            c = self.columns[f.key]
            for i, reading in readings[f.key].items():
                if i in kept:
                    _report(self.wb, f, cells[c][i], reading, self._where(f, i))
        for i, row in specials.items():
            for f in self.sheet.fields:
                c = self.columns.get(f.key)
                if c in row:
                    code, params = row[c]
                    self.wb.add(code, **params, **self._where(f, i))

    def _external(self, keep: list[int], cells: list) -> None:
        """A warning at every field's cell whose formula reaches into another workbook."""
        if not self.raw.external:
            return
        kept = set(keep)
        for f in self.sheet.fields:
            c = self.columns.get(f.key)
            for r, col in sorted(self.raw.external):
                if col == c and r - 1 in kept:
                    self.wb.add("formula-external", private=f.private, value=show(cells[c][r - 1]),
                                **self._where(f, r - 1))

    def _required(self, keep: list[int], values: dict[str, list[Any]], invalid: dict[str, set[int]]) -> None:
        for f in self.sheet.fields:
            if not f.required or f.key not in values or None not in values[f.key]:
                continue  # the usual column: every kept row has a value
            bad = invalid[f.key]
            for i, value in zip(keep, values[f.key]):
                if value is None and i not in bad:
                    self.wb.add("required-blank", **self._where(f, i))

    def _unique(self, keep: list[int], values: dict[str, list[Any]]) -> None:
        for f in self.sheet.fields:
            if not f.unique or f.key not in values:
                continue
            col = values[f.key]
            filled = len(col) - col.count(None)
            if len(set(col)) - (None in col) == filled:
                continue  # no value twice
            first: dict[Any, int] = {}
            for i, value in zip(keep, col):
                if value is None:
                    continue
                seen_at = first.setdefault(value, i + 2)
                if seen_at != i + 2:
                    self.wb.add("duplicate-id", private=f.private, seen=show(value), value=show(value),
                                first_row=seen_at, **self._where(f, i))

    def _rules(self, keep: list[int], values: dict[str, list[Any]], invalid: dict[str, set[int]]) -> None:
        sheet = self.sheet
        for rule in sheet.rules:
            if rule.field not in values:
                continue
            f = sheet.field(rule.field)
            col = values[rule.field]
            if isinstance(rule, (NotBefore, NotAbove)):
                other_col = values.get(rule.other)
                if other_col is None:
                    continue
                broken = operator.lt if isinstance(rule, NotBefore) else operator.gt
                if None not in col and None not in other_col and not any(map(broken, col, other_col)):
                    continue  # both columns full and no row breaks the rule
                other = sheet.field(rule.other)
                code = "rule-not-before" if isinstance(rule, NotBefore) else "rule-not-above"
                for i, a, b in zip(keep, col, other_col):
                    if a is None or b is None or not broken(a, b):
                        continue
                    self.wb.add(code, private=f.private or other.private, rule=rule.describe(sheet), seen=show(a),
                                other_column=other.label, other=show(b), value=show(a), severity=rule.severity,
                                **self._where(f, i))
            elif isinstance(rule, RequiredWhen):
                when = values.get(rule.when)
                if when is None or rule.value not in when:
                    continue
                bad = invalid[rule.field]
                for i, w, value in zip(keep, when, col):
                    if w == rule.value and value is None and i not in bad:
                        self.wb.add("rule-required-when", rule=rule.describe(sheet), severity=rule.severity,
                                    **self._where(f, i))


def _above_ceiling(f: Field, values: list[Any], readings: dict[int, Reading]) -> None:
    """A value above the field's plausible ceiling becomes an error, like any invalid cell: it is
    dropped from the column (1e308 must never reach a sum) and reported at its cell."""
    if max(filter(None, values), default=0) <= f.ceiling:
        return  # the usual column, decided by one pass in C
    for i, value in enumerate(values):
        if value is None or value <= f.ceiling:
            continue
        values[i] = None
        note = readings[i].note if i in readings else None
        # the hint shows the value (never for a private field), and only helps when 元 explains it
        hint = "" if f.private or value / YUAN_PER_WAN > f.ceiling else unit_hint(value, f.unit)
        readings[i] = Reading(note=note, error="plausible-ceiling", params={
            "seen": show(value), "ceiling": format_amount(f.ceiling), "unit": f" {f.unit}" if f.unit else "",
            "hint": hint})


def _kept_rows(height: int, values: dict[str, list[Any]], readings: dict[str, dict[int, Reading]],
               specials: dict[int, dict]) -> list[int]:
    """The data rows (0-based) with any value, any unreadable cell or any error cell: the others
    are blank and skipped, however many there are."""
    filled: set[int] = set(specials)
    for key, col in values.items():
        if None not in col:
            return list(range(height))  # a column without a blank: every row has content
        filled.update(compress(range(height), map(operator.is_not, col, repeat(None))))
        filled.update(readings[key])
    return sorted(filled)


def _transpose(data: list[list[Any]]) -> list[tuple[Any, ...]]:
    """The data rows as columns; a short row reads as empty cells."""
    if not data:
        return []
    width = max(map(len, data))
    if all(len(row) == width for row in data):
        return list(zip(*data))
    return list(zip(*(row + [""] * (width - len(row)) for row in data)))


__all__ = ["META_KEYS", "READER_VERSION", "file_level", "read_facts", "read_workbook", "reader_identity"]
