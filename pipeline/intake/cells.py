"""Raw cell reading: python-calamine for values, a bytes scan of the sheet XML for what it hides.

Chosen by measurement (docs/guide/reading.md): calamine reads our small workbooks several times
faster than openpyxl. What calamine loses silently is recovered from the worksheet XML the guard
already inflated: error cells (`t="e"`, which calamine returns as '') and formulas without a cached
value (`<f>` with no `<v>`, returned as ''). The scan only runs when the XML contains either.
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


@dataclass
class RawSheet:
    """A worksheet's values from A1 (row-major, 0-based) and the cells calamine cannot show."""

    name: str
    rows: list[list[Any]]
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row0, col0) -> '#DIV/0!'
    no_value: set[tuple[int, int]] = field(default_factory=set)  # formulas without a cached value

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
        return sheet

    def close(self) -> None:
        self._book.close()


def _formulas_without_value(xml: bytes, sheet: RawSheet) -> None:
    for m in _FORMULA.finditer(xml):
        start = xml.rfind(b"<c", 0, m.start())
        # the enclosing cell: the nearest `<c ` before the formula (skip `<col`, `<cfRule`, ...)
        while start >= 0 and not _CELL_START.match(xml, start):
            start = xml.rfind(b"<c", 0, start)
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


__all__ = ["Book", "RawSheet", "position"]
