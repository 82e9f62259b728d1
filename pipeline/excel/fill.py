"""Fill a template as an office head would: cover values, data rows, and raw cell overrides.

Used by the demo generator and by the tests' `make_workbook` fixture, which call it hundreds of
times; the blank template is therefore built (or read) once per form and kept as bytes.
"""

from __future__ import annotations

from datetime import date, datetime, time
from io import BytesIO
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

from ..forms import COVER_SHEET, Form
from .blank import DATE_FORMAT, build_workbook, save_bytes

_BLANKS: dict[tuple, bytes] = {}


def blank_bytes(form: Form, template_dir: Path | None = None) -> bytes:
    """The blank template's bytes: `template_dir/<id>.xlsx` when given, else generated (cached)."""
    if template_dir is not None:
        path = Path(template_dir) / form.filename
        stat = path.stat()
        key: tuple = ("file", str(path.resolve()), stat.st_mtime_ns, stat.st_size)
        if key not in _BLANKS:
            _BLANKS[key] = path.read_bytes()
    else:
        key = ("spec", form.id, form.version, form.structure_hash, id(form))
        if key not in _BLANKS:
            _BLANKS[key] = save_bytes(build_workbook(form))
    return _BLANKS[key]


def filled_workbook(
    form: Form,
    *,
    cover: dict[str, Any] | None = None,
    rows: dict[str, list[dict[str, Any]]] | None = None,
    raw: dict[str, dict[str, Any]] | None = None,
    template_dir: Path | None = None,
) -> Workbook:
    """The filled workbook in memory (see `fill_form`)."""
    wb = load_workbook(BytesIO(blank_bytes(form, template_dir)))
    if cover:
        ws = wb[COVER_SHEET]
        for index, field in enumerate(form.cover, start=1):
            if field.key in cover:
                _put(ws.cell(index, 2), cover[field.key])
        unknown = set(cover) - {f.key for f in form.cover}
        if unknown:
            raise KeyError(f"unknown cover keys for {form.id}: {sorted(unknown)}")
    for sheet_key, sheet_rows in (rows or {}).items():
        sheet = form.sheet(sheet_key)
        ws = wb[sheet.name]
        columns = {f.key: i for i, f in enumerate(sheet.fields, start=1)}
        for offset, row in enumerate(sheet_rows):
            for key, value in row.items():
                if key not in columns:
                    raise KeyError(f"unknown field {key!r} in sheet {sheet.key!r} of {form.id}")
                if value is not None:
                    _put(ws.cell(2 + offset, columns[key]), value)
    for sheet_name, cells in (raw or {}).items():
        ws = wb[sheet_name] if sheet_name in wb.sheetnames else wb.create_sheet(sheet_name)
        for address, value in cells.items():
            _put(ws[address], value)
    return wb


def fill_form(
    form: Form,
    dest: Path,
    *,
    cover: dict[str, Any] | None = None,
    rows: dict[str, list[dict[str, Any]]] | None = None,
    raw: dict[str, dict[str, Any]] | None = None,
    template_dir: Path | None = None,
) -> Path:
    """Write a filled copy of `form`'s template to `dest` (parent folders created); returns `dest`.

    `cover` is keyed by cover field keys (office_id, period, filled_by, filled_on); `rows` maps a
    sheet key (or name) to row dicts keyed by field keys, written from row 2 down exactly as given
    (a str stays a str, so "1,234" or "2026/3/5" can be typed); missing keys stay blank.
    `raw` = {sheet name: {"G7": value}} is applied last and may touch any cell, headers included
    (a missing sheet is created; None clears a cell).
    """
    wb = filled_workbook(form, cover=cover, rows=rows, raw=raw, template_dir=template_dir)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(save_bytes(wb))
    return dest


def _put(cell: Any, value: Any) -> None:
    cell.value = value
    # Show dates as Excel would for a typed date (openpyxl's default adds a time part).
    if isinstance(value, datetime) and value.time() != time(0):
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT
