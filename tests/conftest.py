"""Shared fixtures: real .xlsx workbooks written from the form specs into a temporary DATA_DIR.

    def test_x(make_workbook, make_reference, data_dir):
        make_reference()                                   # BJ01 + SH01, targets for 2026Q1–Q4
        path = make_workbook("clients", "submissions/2026Q1/BJ01/clients.xlsx",
                             rows={"clients": [{"client_id": "C1", "name": "甲", "sales": "1,234"}]})

`cover=None` fills the cover from the folder names (submissions/<period>/<office>/…) with a
填报人 (the default reference's head of that office, so no `cover-filler-not-head` unless a test
means one) and 填报日期; pass `cover={}` for a blank cover or a dict to set exactly what you want.
`raw={sheet name: {"G7": value}}` then sets any cell as openpyxl would (headers included; a
missing sheet is created; None clears a cell; "=1+1" becomes a formula without a cached value and
"#DIV/0!" an error cell). Helper modules write workbooks with `from conftest import write_form`.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from pipeline.forms import REFERENCE, Form, get_form
from pipeline.outputs.form_workbook import DATE_FORMAT, DATETIME_FORMAT, FIXED_TIME, form_workbook_bytes

_FOLDER = re.compile(r"(?:^|/)submissions/(\d{4}Q[1-4])/([^/]+)/[^/]+$")

DEFAULT_OFFICES = [
    {"office_id": "BJ01", "office_name": "北京一所", "head": "测试所长甲", "region": "华北", "bonus_base": 30000},
    {"office_id": "SH01", "office_name": "上海一所", "head": "测试所长乙", "region": "华东", "bonus_base": 32000},
]
# A cover's 填报人 other than the office's head is a warning: tests that mean a deputy say so.
DEPUTY = "测试填报人"


def default_filler(office: str) -> str:
    """The head of `office` in DEFAULT_OFFICES (the one who fills in its covers); DEPUTY for another office."""
    return next((o["head"] for o in DEFAULT_OFFICES if o["office_id"].casefold() == office.casefold()), DEPUTY)


class Terminal(io.StringIO):
    """A captured stderr that says it is a terminal (progress bars draw on one)."""

    def isatty(self) -> bool:
        return True


def default_targets(offices: list[dict] | None = None, year: int = 2026) -> list[dict]:
    """One target row per office and quarter of `year` (sales target 500, prior 450, market 5000)."""
    return [
        {"year": year, "quarter": f"Q{q}", "office_id": o["office_id"], "sales_target": 500,
         "prior_sales": 450, "market_size": 5000}
        for o in (offices or DEFAULT_OFFICES) for q in range(1, 5)
    ]


def default_cover(rel_path: str) -> dict[str, Any]:
    """A filled cover matching the submissions/<period>/<office>/ folder of `rel_path` ({} otherwise)."""
    m = _FOLDER.search(Path(rel_path).as_posix())
    if not m:
        return {}
    period, office = m.groups()
    return {"office_id": office, "period": period, "filled_by": default_filler(office), "filled_on": date(2026, 1, 5)}


def write_form(form: Form, dest: Path, cover: dict[str, Any] | None = None,
               rows: dict[str, list[dict[str, Any]]] | None = None, raw: dict[str, dict[str, Any]] | None = None) -> Path:
    """Write a filled workbook of `form` to `dest` (parent folders created); returns `dest`.

    `cover` and `rows` as `form_workbook_bytes` takes them; `raw` is applied last (module docstring).
    """
    data = form_workbook_bytes(form, cover=cover, rows=rows)
    if raw:
        data = _with_raw_cells(data, raw)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(data)
    return dest


def _with_raw_cells(data: bytes, raw: dict[str, dict[str, Any]]) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    for sheet_name, cells in raw.items():
        ws = wb[sheet_name] if sheet_name in wb.sheetnames else wb.create_sheet(sheet_name)
        for address, value in cells.items():
            cell = ws[address]
            cell.value = value
            # a typed date shows as a date (openpyxl's default format adds a time part)
            if isinstance(value, datetime) and value.time() != time(0):
                cell.number_format = DATETIME_FORMAT
            elif isinstance(value, date):
                cell.number_format = DATE_FORMAT
    buffer = io.BytesIO()
    wb.save(buffer)
    return _reproducible(buffer.getvalue())


_STAMP = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()


def _reproducible(data: bytes) -> bytes:
    """openpyxl's output with fixed zip entry times and `modified` date: the same call, the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            part = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                part = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + _STAMP + rb"\g<2>",
                              part)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6]), part,
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """An empty DATA_DIR (tmp_path / "data")."""
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def make_workbook(data_dir: Path):
    """`(form_id, rel_path, cover=None, rows=None, raw=None) -> Path`: a filled workbook under data_dir."""

    def make(form_id: str, rel_path: str, cover: dict | None = None, rows: dict | None = None,
             raw: dict | None = None) -> Path:
        form = get_form(form_id)
        if cover is None and form.has_cover:
            cover = default_cover(rel_path)
        return write_form(form, data_dir / rel_path, cover=cover, rows=rows, raw=raw)

    return make


@pytest.fixture
def make_reference(data_dir: Path):
    """`(offices=None, targets=None, raw=None) -> Path`: reference.xlsx in data_dir (defaults: BJ01, SH01, 2026)."""

    def make(offices: list[dict] | None = None, targets: list[dict] | None = None,
             raw: dict | None = None) -> Path:
        offices = DEFAULT_OFFICES if offices is None else offices
        targets = default_targets(offices) if targets is None else targets
        return write_form(REFERENCE, data_dir / "reference.xlsx",
                          rows={"offices": offices, "targets": targets}, raw=raw)

    return make
