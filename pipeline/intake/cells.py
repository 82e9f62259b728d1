"""Raw cell reading: python-calamine for values, a bytes scan of the sheet XML for what it hides.

Chosen by measurement (docs/guide/reading.md): calamine reads our small workbooks several times
faster than openpyxl. What calamine loses silently is recovered from the worksheet XML the guard
already inflated: error cells (`t="e"`, which calamine returns as '') and formulas without a cached
value (`<f>` with no `<v>`, returned as ''), and formulas that reach into another workbook
(`[1]Sheet1!A1`: calamine returns the value cached when the file was last saved, which depends on a
file we never see). The scan only runs when the XML contains either.
Only call this on a `Package` that passed `guard.open_package`, and each sheet through
`guard.check_sheet_extent` (done here), since calamine aborts the process on some hostile files.
calamine opens the guard's copy of the zip (`Package.for_calamine`), in which the parts the guard
already inflated are STORED, so the worksheets are inflated once per read, not twice.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

from python_calamine import CalamineWorkbook

from .guard import Package, Rejected, check_sheet_extent

_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\b([^>]*?\bt="e"[^>]*)>(.*?)</(?:\w+:)?c>', re.S)
_FORMULA = re.compile(rb'<(?:\w+:)?f\b')
_VALUE = re.compile(rb'<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>')
_CELL_START = re.compile(rb'<(?:\w+:)?c\b')
_CELL_END = re.compile(rb'</(?:\w+:)?c>|/>')
# The quick tests before the scans above. A regex with a literal prefix finds it about three
# times faster than `in`, whose skip loop stalls on the '>' and '"' that fill sheet XML.
_ANY_ERROR = re.compile(rb't="e"')
_ANY_FORMULA = re.compile(rb"<f[ >]")  # not `<formula1>` of a data validation
_FORMULA_TEXT = re.compile(rb'<(?:\w+:)?f\b([^>]*?)(?:/>|>([^<]*)</(?:\w+:)?f>)')
_SHARED_INDEX = re.compile(rb'\bsi="(\d+)"')
# Another workbook in a formula: Excel stores it as its index among the workbook's external
# references, `[1]Sheet1!A1` or `'[1]Sheet 1'!A1` (`[1]!Name` for a name there); other writers keep
# the file name, `'C:\dir\[Book1.xlsx]Sheet1'!A1`.
_EXTERNAL = re.compile(r"(?:^|[^\w\]\[])\[(?:[1-9][0-9]*|[^\[\]]+\.(?:xl\w*|et|ods|csv))\]", re.I)
# What looks like one but is not: text in quotes, and a table's columns (`Table1[2]`,
# `Table1[[#This Row],[1]]`), whose brackets follow the table's name.
_STRING_LITERAL = re.compile(r'"[^"]*"')
_TABLE_COLUMNS = re.compile(r"(?<=\w)\[(?:[^\[\]]|\[[^\[\]]*\])*\]")
# A defined name whose formula reaches into another workbook (its uses do too).
_DEFINED_NAME = re.compile(rb'<(?:\w+:)?definedName\b[^>]*\bname="([^"]+)"[^>]*>([^<]*)<')


@dataclass
class RawSheet:
    """A worksheet's values from A1 (row-major, 0-based) and the cells calamine cannot show."""

    name: str
    rows: list[list[Any]]
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row0, col0) -> '#DIV/0!'
    no_value: set[tuple[int, int]] = field(default_factory=set)  # formulas without a cached value
    external: set[tuple[int, int]] = field(default_factory=set)  # formulas reaching into another workbook

    def value(self, row0: int, col0: int) -> Any:
        if row0 < len(self.rows):
            line = self.rows[row0]
            if col0 < len(line):
                return line[col0]
        return None


def position(ref_letters: bytes, ref_digits: bytes) -> tuple[int, int]:
    """(row0, col0) of an A1 reference given as bytes."""
    col = 0
    for ch in ref_letters:
        col = col * 26 + (ch - 64)
    return int(ref_digits) - 1, col - 1


class Book:
    """An open calamine workbook over a guarded package."""

    def __init__(self, package: Package) -> None:
        self.package = package
        # the guard's copy with the parts it inflated STORED: calamine need not inflate them again
        self._book = CalamineWorkbook.from_filelike(io.BytesIO(package.for_calamine or package.data))
        self._external_names = external_names(package.parts.get("xl/workbook.xml", b""))

    @property
    def sheet_names(self) -> list[str]:
        return list(self._book.sheet_names)

    def read(self, name: str) -> RawSheet:
        """All values of sheet `name` from A1, with error cells and value-less formulas marked."""
        xml = self.package.sheet_xml(name)
        if xml is None:  # no part the guard could check: calamine must not read one unchecked
            raise Rejected("file-unreadable", reason="工作表的内容缺失")
        for candidate in self.package.sheet_xmls(name) or [xml]:  # whichever part calamine reads
            check_sheet_extent(candidate, name)
        rows = self._book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        sheet = RawSheet(name, rows)
        if _ANY_ERROR.search(xml):
            for m in _ERROR_CELL.finditer(xml):
                ref = _REF.search(m.group(1))
                value = _VALUE.search(m.group(2))
                if ref:
                    sheet.errors[position(*ref.groups())] = value.group(1).decode("utf-8", "replace") if value else "#N/A"
        if _ANY_FORMULA.search(xml):
            _formulas_without_value(xml, sheet)
            _external_formulas(xml, sheet, self._external_names)
        return sheet

    def close(self) -> None:
        self._book.close()


def _cell_start(xml: bytes, at: int) -> int:
    """Where the cell enclosing position `at` starts: the nearest `<c ` before it (skipping `<col`,
    `<cfRule`, ...); -1 when there is none."""
    start = xml.rfind(b"<c", 0, at)
    while start >= 0 and not _CELL_START.match(xml, start):
        start = xml.rfind(b"<c", 0, start)
    return start


def _formulas_without_value(xml: bytes, sheet: RawSheet) -> None:
    for m in _FORMULA.finditer(xml):
        start = _cell_start(xml, m.start())
        end = xml.find(b"</c>", m.end())
        if start < 0 or end < 0:
            continue
        cell = xml[start:end]
        ref = _REF.search(cell, 0, cell.find(b">") + 1)
        if ref is None:
            continue
        value = _VALUE.search(cell)
        if value is None or not value.group(1):  # `<v/>`, `<v></v>` or none: never calculated
            where = position(*ref.groups())
            if where not in sheet.errors and not (b't="str"' in cell and value is not None):
                sheet.no_value.add(where)


def external_names(workbook_xml: bytes) -> frozenset[str]:
    """The defined names (upper-cased) whose formula reaches into another workbook."""
    if b"definedName" not in workbook_xml:
        return frozenset()
    return frozenset(name.decode("utf-8", "replace").upper() for name, text in _DEFINED_NAME.findall(workbook_xml)
                     if is_external(_unescape(text.decode("utf-8", "replace"))))


def is_external(formula: str, names: frozenset[str] = frozenset()) -> bool:
    """Whether a formula's text refers to another workbook, directly or through a defined name."""
    code = _TABLE_COLUMNS.sub("", _STRING_LITERAL.sub('""', formula))
    if _EXTERNAL.search(code):
        return True
    return bool(names) and any(token.upper() in names for token in re.findall(r"[^\W\d][\w.]*", code))


def _external_formulas(xml: bytes, sheet: RawSheet, names: frozenset[str]) -> None:
    """Mark the cells whose formula reaches into another workbook; a shared formula's other cells
    (`<f t="shared" si="0"/>`) follow its first."""
    if b"[" not in xml and not names:
        return
    shared: set[bytes] = set()  # si of shared formulas that are external
    for m in _FORMULA_TEXT.finditer(xml):
        attrs, text = m.group(1), m.group(2)
        si = _SHARED_INDEX.search(attrs) if b"shared" in attrs else None
        if text:
            external = is_external(_unescape(text.decode("utf-8", "replace")), names)
            if external and si:
                shared.add(si.group(1))
        else:
            external = si is not None and si.group(1) in shared
        if external:
            start = _cell_start(xml, m.start())
            ref = _REF.search(xml, start, xml.find(b">", start) + 1) if start >= 0 else None
            if ref is not None:
                sheet.external.add(position(*ref.groups()))


def _unescape(text: str) -> str:
    for entity, char in (("&quot;", '"'), ("&apos;", "'"), ("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&")):
        text = text.replace(entity, char)
    return text


__all__ = ["Book", "RawSheet", "external_names", "is_external", "position"]
