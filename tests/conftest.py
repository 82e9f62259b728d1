"""Shared fixtures: real .xlsx workbooks written from the form specs into a temporary DATA_DIR.

    def test_x(make_workbook, make_reference, data_dir):
        make_reference()                                   # BJ01 + SH01, targets for 2026Q1–Q4
        path = make_workbook("clients", "submissions/2026Q1/BJ01/clients.xlsx",
                             rows={"clients": [{"client_id": "C1", "name": "甲", "sales": "1,234"}]})

`cover=None` fills the cover from the folder names (submissions/<period>/<office>/…) with a
填报人 and 填报日期; pass `cover={}` for a blank cover or a dict to set exactly what you want.
"""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pipeline.excel.fill import fill_form
from pipeline.forms import REFERENCE, get_form

_FOLDER = re.compile(r"(?:^|/)submissions/(\d{4}Q[1-4])/([^/]+)/[^/]+$")

DEFAULT_OFFICES = [
    {"office_id": "BJ01", "office_name": "北京一所", "head": "测试所长甲", "region": "华北", "bonus_base": 30000},
    {"office_id": "SH01", "office_name": "上海一所", "head": "测试所长乙", "region": "华东", "bonus_base": 32000},
]


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
    return {"office_id": office, "period": period, "filled_by": "测试填报人", "filled_on": date(2026, 1, 5)}


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
        return fill_form(form, data_dir / rel_path, cover=cover, rows=rows, raw=raw)

    return make


@pytest.fixture
def make_reference(data_dir: Path):
    """`(offices=None, targets=None, raw=None) -> Path`: reference.xlsx in data_dir (defaults: BJ01, SH01, 2026)."""

    def make(offices: list[dict] | None = None, targets: list[dict] | None = None,
             raw: dict | None = None) -> Path:
        offices = DEFAULT_OFFICES if offices is None else offices
        targets = default_targets(offices) if targets is None else targets
        return fill_form(REFERENCE, data_dir / "reference.xlsx",
                         rows={"offices": offices, "targets": targets}, raw=raw)

    return make


@pytest.fixture
def company(data_dir: Path, make_workbook):
    """The small synthetic company of the scale tests (_scale_helpers.small_company)."""
    from _scale_helpers import small_company

    return small_company(data_dir, make_workbook)


@pytest.fixture
def parses(monkeypatch):
    """Count real parses: the in-process reader (workers=1) calls read.read_workbook once a file."""
    from pipeline import read

    calls: list[str] = []
    original = read.read_workbook

    def counting(path, rel):
        calls.append(rel)
        return original(path, rel)

    monkeypatch.setattr(read, "read_workbook", counting)
    return calls
